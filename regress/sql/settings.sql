-- settings: SHOW, SET and the settings PostgreSQL drivers send
SHOW server_version;
SHOW server_encoding;
SHOW client_encoding;
SHOW max_connections;
SHOW checkpoint_interval;
SET application_name = 'regress';
SHOW application_name;
SET extra_float_digits = 3;
SET DateStyle = 'ISO';
SET client_encoding TO 'UTF8';
SET client_encoding = 'LATIN1';
SET TIME ZONE 'UTC';
SHOW timezone;
SHOW nosuch_setting;
SET nosuch_setting = 1;
SET max_connections = 5;
BEGIN;
SHOW transaction_isolation;
COMMIT;
SELECT version();
-- sizes and durations: a bare number (milliseconds here) or a number with
-- units, read by the same parser as options and casts; SHOW spells them
-- as PostgreSQL does
SET statement_timeout = '1 minute';
SHOW statement_timeout;
SET statement_timeout = '1.5s';
SHOW statement_timeout;
SET statement_timeout = 250;
SHOW statement_timeout;
SET statement_timeout = '0.5ms';
SET statement_timeout = '10 fortnights';
SET statement_timeout = 0;
