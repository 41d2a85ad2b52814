BEGIN;
SHOW transaction_isolation;
COMMIT;
