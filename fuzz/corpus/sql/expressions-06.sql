SELECT 'abc'::bigint;
SELECT nosuch(1);
SELECT 'a' + 1;
