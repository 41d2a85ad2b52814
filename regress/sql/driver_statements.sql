-- driver_statements: what PostgreSQL drivers and pools send on their own
-- (issue 13): RESET, DISCARD, UNLISTEN, CLOSE, transaction modes, the
-- settings they SET and SHOW, type names with modifiers, dollar quoting,
-- and keywords used as column names.
-- asyncpg's pool reset (pg_advisory_unlock_all aside)
CLOSE ALL; UNLISTEN *; RESET ALL;
-- asyncpg 0.27's, with its DO block (a no-op here: nothing is listened to)
CLOSE ALL;

                DO $$
                BEGIN
                    PERFORM * FROM pg_listening_channels() LIMIT 1;
                    IF FOUND THEN
                        UNLISTEN *;
                    END IF;
                END;
                $$;
            
RESET ALL;
-- its older Connection.reset
DO $$ BEGIN PERFORM * FROM pg_listening_channels() LIMIT 1; IF FOUND THEN UNLISTEN *; END IF; END; $$;
SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL;
RESET SESSION AUTHORIZATION;
-- other DO blocks are refused
DO $$ BEGIN RAISE NOTICE 'hi'; END $$;
DO LANGUAGE plpgsql 'BEGIN NULL; END';
UNLISTEN some_channel;
LISTEN some_channel;
CLOSE some_cursor;
DISCARD ALL;
DISCARD PLANS;
DISCARD TEMP;
DISCARD EVERYTHING;
-- RESET name and SET ... TO DEFAULT go back to the value at connect (PGAPPNAME here)
SET application_name = 'changed';
SHOW application_name;
RESET application_name;
SHOW application_name;
SET application_name = 'changed';
SET application_name TO DEFAULT;
SHOW application_name;
SET extra_float_digits = 3;
SHOW extra_float_digits;
RESET ALL;
SHOW extra_float_digits;
RESET nosuch;
-- transactions: the modes are kept and shown for drivers (nothing to isolate)
SHOW TRANSACTION ISOLATION LEVEL;
BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY NOT DEFERRABLE;
SHOW transaction_isolation;
SHOW transaction_read_only;
SHOW transaction_deferrable;
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ WRITE;
SHOW transaction_isolation;
SHOW transaction_read_only;
SET LOCAL extra_float_digits = 2;
SHOW extra_float_digits;
DISCARD ALL;
ROLLBACK;
SHOW transaction_isolation;
SHOW extra_float_digits;
START TRANSACTION ISOLATION LEVEL READ UNCOMMITTED;
SHOW transaction_isolation;
COMMIT;
BEGIN WORK ISOLATION LEVEL READ COMMITTED;
COMMIT;
BEGIN TRANSACTION DEFERRABLE;
SHOW transaction_deferrable;
END;
SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ;
SHOW default_transaction_isolation;
SHOW transaction_isolation;
SET default_transaction_isolation = 'serializable';
SHOW TRANSACTION ISOLATION LEVEL;
SET default_transaction_isolation = 'sometimes';
-- outside a block, SET TRANSACTION and SET LOCAL warn and change nothing
SET TRANSACTION READ ONLY;
SHOW transaction_read_only;
SET LOCAL search_path = other;
SHOW search_path;
BEGIN ISOLATION LEVEL;
BEGIN ISOLATION LEVEL READ SOMETIMES;
-- the settings drivers set on connect
SET extra_float_digits = 3;
SET application_name = 'PostgreSQL JDBC Driver';
SET DateStyle = ISO;
SET DateStyle TO 'ISO, MDY';
SET client_encoding = 'UTF8';
SET client_encoding TO 'utf-8';
SET search_path = public;
SET search_path TO DEFAULT;
SET TIME ZONE 'UTC';
SET TIME ZONE LOCAL;
SET SESSION TimeZone = 'UTC';
SET client_min_messages TO warning;
SET lock_timeout = '5s';
SET idle_in_transaction_session_timeout = 0;
SET bytea_output = 'escape';
SET jit = off;
SHOW client_min_messages;
SHOW lock_timeout;
SET bytea_output = 'base64';
SET enable_nestloop = off;
SHOW standard_conforming_strings;
SET search_path = "$user", public;
SHOW search_path;
SET search_path TO 'My Schema', public, "a""b";
SHOW search_path;
RESET search_path;
SHOW search_path;
SHOW TIME ZONE;
-- type names with modifiers, in casts
-- SQLAlchemy's first connect
SELECT CAST('test plain returns' AS VARCHAR(60)) AS anon_1;
SELECT 'abc'::varchar(10) AS a, CAST('abc' AS character varying(3)) AS b, 'x'::char(1) AS c,
       'y'::character AS d, 'z'::bpchar AS e, 'n'::name AS f, 42::oid AS g;
SELECT 1.25::numeric(10,2) AS a, 2::decimal AS b, CAST(3 AS numeric(5)) AS c, 1.5::double precision AS d,
       2.5::real AS e, 3.5::float4 AS f, 4.5::float(24) AS g;
SELECT 1::int2 AS a, 2::int4 AS b, 3::smallint AS c, 4::integer AS d, 5::int8 AS e;
SELECT '2026-01-01 10:00:00.123456'::timestamp(3) AS a,
       '2026-01-01 10:00:00'::timestamp with time zone AS b,
       '2026-01-01 10:00:00'::timestamp(0) without time zone AS c,
       CAST('2026-01-01' AS timestamptz(6)) AS d;
SELECT 1::nosuch;
SELECT 'x'::varchar(0);
SELECT 1::int(3);
SELECT 1::numeric(5,6);
SELECT now()::timestamp(7);
-- dollar quoting: the text as written, tags must match, $1 stays a parameter
SELECT $$it's a \n "string"$$ AS a, $tag$has $$ inside$tag$ AS b, $$$$ AS c, $x_1$$x_1$ AS d;
SELECT $ab;
-- keywords as column names, where PostgreSQL allows them
CREATE SOURCE sheet ("timestamp" TIMESTAMP, station VARCHAR(20), "time" INT4, "interval" TEXT,
  value NUMERIC(4,1), position SMALLINT, "user" CHARACTER VARYING) FROM FILE WITH (path = 'sheet.jsonl');
DESCRIBE sheet;
CREATE SOURCE sheet2 (timestamp TIMESTAMP WITHOUT TIME ZONE, time BIGINT, interval TEXT, value FLOAT8)
  FROM FILE WITH (path = 'sheet.jsonl');
SELECT timestamp, time, interval, value FROM sheet2 WHERE time > 1;
SELECT timestamp, station FROM sheet;
SELECT time, interval, value, position FROM sheet WHERE timestamp > TIMESTAMP '2026-01-01 00:00:05';
SELECT station FROM sheet WHERE time = 1 AND interval = '1 minute' AND value > 1 AND position < 2;
SELECT timestamp AS t, INTERVAL '1 minute' AS i FROM sheet WHERE interval IS NOT NULL LIMIT 1;
SELECT sheet.timestamp FROM sheet LIMIT 1;
-- a column type with a bad modifier is refused at CREATE
CREATE SOURCE bad (t timestamp(9)) FROM FILE WITH (path = 'sheet.jsonl');
CREATE SOURCE bad (t text(9)) FROM FILE WITH (path = 'sheet.jsonl');
CREATE SOURCE bad (t money) FROM FILE WITH (path = 'sheet.jsonl');
-- last, since it runs to the end of the input
SELECT $tag$ unterminated $$;
