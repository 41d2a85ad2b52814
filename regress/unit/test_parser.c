/*
 * test_parser.c - unit tests of the SQL parser (parser/grammar.y, parse.c,
 * ast.c, print.c).
 *
 * Each case has a hierarchical id (parse-<group>.<n>) that names the cmocka
 * test.  A good statement must print as the expected canonical SQL, and
 * that text must parse again and print the same (the round trip).  A bad
 * statement must give the exact SQLSTATE, message and 1-based character
 * position.  Further cases check limits (nesting, length), statement lists,
 * node fields and locations, and the interval helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parser/parse.h"
#include "common/interval.h"
#include "sluice/types.h"

typedef struct parse_case {
    const char *id;
    const char *sql;
    const char *printed; /* statements joined with "; " */
} parse_case;

static const parse_case parse_cases[] = {
    /* 1: every example of DESIGN.md's SQL sketch, and the mission statement */
    {"parse-1.1 design: kafka source",
     "CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE)\n"
     "  FROM KAFKA WITH (brokers = 'localhost:9092', topic = 'water', format = 'json')\n"
     "  EVENT TIME ts WATERMARK 5 SECONDS;            -- lateness allowed",
     "CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE) FROM kafka WITH "
     "(brokers = "
     "'localhost:9092', topic = 'water', format = 'json') EVENT TIME ts WATERMARK INTERVAL '5 seconds'"},
    {"parse-1.2 design: xlsx source",
     "CREATE SOURCE sheet FROM XLSX WITH (path = 'water.xlsx', sheet = 'Sheet1', rate = 100);",
     "CREATE SOURCE sheet FROM xlsx WITH (path = 'water.xlsx', sheet = 'Sheet1', rate = 100)"},
    {"parse-1.2a reserved words as option names",
     "CREATE SOURCE k FROM KAFKA WITH (topic = 't', GROUP = 'g', limit = 1)",
     "CREATE SOURCE k FROM kafka WITH (topic = 't', \"group\" = 'g', \"limit\" = 1)"},
    {"parse-1.3 design: avro source", "CREATE SOURCE replay FROM AVRO WITH (path = 'archive/*.avro');",
     "CREATE SOURCE replay FROM avro WITH (path = 'archive/*.avro')"},
    {"parse-1.4 design: influxdb sink",
     "CREATE SINK influx TO INFLUXDB WITH (url = 'http://127.0.0.1:8086', database = 'water', tags = "
     "'station');",
     "CREATE SINK influx TO influxdb WITH (url = 'http://127.0.0.1:8086', database = 'water', tags = "
     "'station')"},
    {"parse-1.5 design: dynamodb sink",
     "CREATE SINK dynamo TO DYNAMODB WITH (endpoint = '...', region = 'eu-west-1', table = 'quality', key = "
     "'station', sort_key = 'window_start');",
     "CREATE SINK dynamo TO dynamodb WITH (endpoint = '...', region = 'eu-west-1', table = 'quality', key = "
     "'station', sort_key = 'window_start')"},
    {"parse-1.6 design: avro sink", "CREATE SINK backup TO AVRO WITH (path = 'archive/', rotate = '64MB');",
     "CREATE SINK backup TO avro WITH (path = 'archive/', rotate = '64MB')"},
    {"parse-1.7 design: kafka sink",
     "CREATE SINK processed TO KAFKA WITH (topic = 'water-processed', format = 'json');",
     "CREATE SINK processed TO kafka WITH (topic = 'water-processed', format = 'json')"},
    {"parse-1.8 design: webhook sink",
     "CREATE SINK alerts TO WEBHOOK WITH (url = 'http://127.0.0.1:9000/alert');",
     "CREATE SINK alerts TO webhook WITH (url = 'http://127.0.0.1:9000/alert')"},
    {"parse-1.9 design: show and describe",
     "SHOW SOURCES; SHOW SINKS; SHOW QUERIES; DESCRIBE readings; DROP SINK alerts;",
     "SHOW SOURCES; SHOW SINKS; SHOW QUERIES; DESCRIBE readings; DROP SINK alerts"},
    {"parse-1.10 design: excel replayer",
     "SELECT * FROM sheet INTO processed;                                -- the Excel replayer",
     "SELECT * FROM sheet INTO processed"},
    {"parse-1.11 design: raw archive", "SELECT * FROM readings INTO backup;",
     "SELECT * FROM readings INTO backup"},
    {"parse-1.12 design: shorthand window",
     "SELECT avg(ph) FROM readings WINDOW 1m INTO influx;                -- shorthand: tumbling",
     "SELECT avg(ph) FROM readings WINDOW TUMBLING (INTERVAL '1 minute') INTO influx"},
    {"parse-1.13 design: alert query",
     "CREATE QUERY ph_alerts AS SELECT * FROM readings WHERE ph NOT BETWEEN 6.5 AND 8.5 INTO alerts;",
     "CREATE QUERY ph_alerts AS SELECT * FROM readings WHERE (ph NOT BETWEEN 6.5 AND 8.5) INTO alerts"},
    {"parse-1.14 design: hopping push query",
     "SELECT station, avg(ph) FROM readings WINDOW HOPPING (5 MINUTES, 1 MINUTE) GROUP BY station LIMIT 10;  "
     "-- push query",
     "SELECT station, avg(ph) FROM readings WINDOW HOPPING (INTERVAL '5 minutes', INTERVAL '1 minute') GROUP "
     "BY "
     "station LIMIT 10"},
    {"parse-1.15 design: query control",
     "PAUSE QUERY ph_alerts; RESUME QUERY ph_alerts; DROP QUERY ph_alerts; EXPLAIN SELECT * FROM readings;",
     "PAUSE QUERY ph_alerts; RESUME QUERY ph_alerts; DROP QUERY ph_alerts; EXPLAIN SELECT * FROM readings"},
    {"parse-1.16 design: the windowed aggregate",
     "SELECT station, avg(ph) AS avg_ph, max(turbidity) AS max_turbidity\nFROM readings WINDOW TUMBLING (1 "
     "MINUTE)\n"
     "GROUP BY station\nINTO influx;",
     "SELECT station, avg(ph) AS avg_ph, max(turbidity) AS max_turbidity FROM readings WINDOW TUMBLING "
     "(INTERVAL "
     "'1 minute') GROUP BY station INTO influx"},
    {"parse-1.17 mission example", "SELECT avg(ph) FROM kafka_topic WINDOW 1m INTO influx",
     "SELECT avg(ph) FROM kafka_topic WINDOW TUMBLING (INTERVAL '1 minute') INTO influx"},
    {"parse-1.18 explain with session window",
     "EXPLAIN SELECT station, count(*) FROM readings WINDOW SESSION (30s) GROUP BY station HAVING count(*) > "
     "1",
     "EXPLAIN SELECT station, count(*) FROM readings WINDOW SESSION (INTERVAL '30 seconds') GROUP BY station "
     "HAVING "
     "(count(*) > 1)"},

    /* 1.19: extensions (issue 16); VERSION is a word, not a keyword */
    {"parse-1.19 create extension", "create extension counter", "CREATE EXTENSION counter"},
    {"parse-1.20 create extension version", "CREATE EXTENSION counter VERSION '1.0'",
     "CREATE EXTENSION counter VERSION '1.0'"},
    {"parse-1.21 drop extension", "DROP EXTENSION IF EXISTS counter CASCADE",
     "DROP EXTENSION IF EXISTS counter CASCADE"},
    {"parse-1.22 show extensions", "SHOW EXTENSIONS", "SHOW EXTENSIONS"},
    {"parse-1.23 a quoted name is kept for the executor to refuse", "CREATE EXTENSION \"../x\"",
     "CREATE EXTENSION \"../x\""},

    /* 2: SELECT clauses */
    {"parse-2.1 select without from", "SELECT 1", "SELECT 1"},
    {"parse-2.2 select version()", "SELECT version()", "SELECT version()"},
    {"parse-2.3 aliases and star", "SELECT a, b AS bee, c cee, * FROM t",
     "SELECT a, b AS bee, c AS cee, * FROM t"},
    {"parse-2.4 qualified columns", "SELECT t.a, t.b.c FROM t", "SELECT t.a, t.b.c FROM t"},
    {"parse-2.5 every clause",
     "SELECT a FROM t WHERE a > 1 WINDOW TUMBLING (INTERVAL '10 seconds') GROUP BY a, b HAVING count(*) > 2 "
     "INTO s "
     "LIMIT 5",
     "SELECT a FROM t WHERE (a > 1) WINDOW TUMBLING (INTERVAL '10 seconds') GROUP BY a, b HAVING (count(*) > "
     "2) INTO "
     "s LIMIT 5"},
    {"parse-2.6 limit zero", "SELECT a FROM t LIMIT 0", "SELECT a FROM t LIMIT 0"},
    {"parse-2.7 aggregates", "SELECT count(*), count(DISTINCT a), sum(a), now() FROM t",
     "SELECT count(*), count(DISTINCT a), sum(a), now() FROM t"},
    {"parse-2.8 case-insensitive keywords, folded names",
     "select * from T where A = 'B' window 1M into S limit 1",
     "SELECT * FROM t WHERE (a = 'B') WINDOW TUMBLING (INTERVAL '1 minute') INTO s LIMIT 1"},
    {"parse-2.9 window session", "SELECT a FROM t WINDOW SESSION (5 MINUTES)",
     "SELECT a FROM t WINDOW SESSION (INTERVAL '5 minutes')"},
    {"parse-2.10 window interval literal", "SELECT a FROM t WINDOW INTERVAL '1 hour'",
     "SELECT a FROM t WINDOW TUMBLING (INTERVAL '1 hour')"},
    {"parse-2.11 create query", "CREATE QUERY \"Q\" AS SELECT a + 1 AS b FROM t WHERE a IS NOT NULL INTO s",
     "CREATE QUERY \"Q\" AS SELECT (a + 1) AS b FROM t WHERE (a IS NOT NULL) INTO s"},
    {"parse-2.12 explain create query", "EXPLAIN CREATE QUERY q AS SELECT * FROM t",
     "EXPLAIN CREATE QUERY q AS SELECT * FROM t"},

    /* 3: expressions and precedence */
    {"parse-3.1 arithmetic precedence", "SELECT 1 + 2 * 3, (1 + 2) * 3, 2 ^ 3 ^ 2, 7 % 3, 'a' || 'b' || 'c'",
     "SELECT (1 + (2 * 3)), ((1 + 2) * 3), ((2 ^ 3) ^ 2), (7 % 3), (('a' || 'b') || 'c')"},
    {"parse-3.2 left associativity", "SELECT 1 - 2 - 3, 8 / 4 / 2", "SELECT ((1 - 2) - 3), ((8 / 4) / 2)"},
    {"parse-3.3 boolean precedence", "SELECT a OR b AND c, (a OR b) AND c, NOT a AND b, NOT (a AND b)",
     "SELECT (a OR (b AND c)), ((a OR b) AND c), ((NOT a) AND b), (NOT (a AND b))"},
    {"parse-3.4 comparisons", "SELECT a = 1 AND b <> 2 OR c != 3, a < b, a <= b, a > b, a >= b",
     "SELECT (((a = 1) AND (b <> 2)) OR (c <> 3)), (a < b), (a <= b), (a > b), (a >= b)"},
    {"parse-3.5 not binds looser than comparison", "SELECT NOT a = b", "SELECT (NOT (a = b))"},
    {"parse-3.5b typed timestamp literal", "SELECT TIMESTAMP '2026-01-01 00:00:00' + INTERVAL '1 minute'",
     "SELECT (CAST('2026-01-01 00:00:00' AS TIMESTAMP) + INTERVAL '1 minute')"},
    {"parse-3.5a extract is date_part", "SELECT EXTRACT(minute FROM ts), extract(EPOCH from ts) FROM r",
     "SELECT date_part('minute', ts), date_part('epoch', ts) FROM r"},
    {"parse-3.6 is null", "SELECT a IS NULL, a IS NOT NULL, NOT a IS NULL, a + 1 IS NULL",
     "SELECT (a IS NULL), (a IS NOT NULL), (NOT (a IS NULL)), ((a + 1) IS NULL)"},
    {"parse-3.7 between", "SELECT a BETWEEN 1 AND 2, a NOT BETWEEN 1 + 1 AND 2 * 2, a BETWEEN 1 AND 2 AND b",
     "SELECT (a BETWEEN 1 AND 2), (a NOT BETWEEN (1 + 1) AND (2 * 2)), ((a BETWEEN 1 AND 2) AND b)"},
    {"parse-3.8 in lists", "SELECT a IN (1, 2, 3), a NOT IN ('x'), a + 1 IN (b)",
     "SELECT (a IN (1, 2, 3)), (a NOT IN ('x')), ((a + 1) IN (b))"},
    {"parse-3.9 like and ilike", "SELECT a LIKE 'x%', a NOT LIKE '_y', a ILIKE 'Z', a NOT ILIKE 'w'",
     "SELECT (a LIKE 'x%'), (a NOT LIKE '_y'), (a ILIKE 'Z'), (a NOT ILIKE 'w')"},
    {"parse-3.10 not in binds tighter than =", "SELECT a = b NOT IN (1)", "SELECT (a = (b NOT IN (1)))"},
    {"parse-3.11 prefix not before in", "SELECT NOT a IN (1)", "SELECT (NOT (a IN (1)))"},
    {"parse-3.12 searched and simple case",
     "SELECT CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END, CASE a WHEN 1 THEN 'one' "
     "END",
     "SELECT CASE WHEN (a > 1) THEN 'big' WHEN (a > 0) THEN 'small' ELSE 'none' END, CASE a WHEN 1 THEN "
     "'one' END"},
    {"parse-3.13 casts",
     "SELECT CAST(a AS bigint), a::double precision, a::text::int, CAST(ts AS timestamp with time zone)",
     "SELECT CAST(a AS BIGINT), CAST(a AS DOUBLE PRECISION), CAST(CAST(a AS TEXT) AS INT), CAST(ts AS "
     "TIMESTAMPTZ)"},
    {"parse-3.14 unary minus folds constants",
     "SELECT -a, - 5, -(5), - -5, -1.5, -a::int, +a, 2 - -3, -2 ^ 2",
     "SELECT (-a), -5, -5, 5, -1.5, (-CAST(a AS INT)), (+a), (2 - -3), (-2 ^ 2)"},
    {"parse-3.15 constants",
     "SELECT TRUE, FALSE, NULL, 'it''s', '', 1e3, .5, 9223372036854775807, 9223372036854775808, "
     "-9223372036854775808",
     "SELECT TRUE, FALSE, NULL, 'it''s', '', 1e3, .5, 9223372036854775807, 9223372036854775808, "
     "-9223372036854775808"},
    {"parse-3.16 cast binds tighter than minus", "SELECT -x::int", "SELECT (-CAST(x AS INT))"},
    {"parse-3.17 concat below plus", "SELECT a || b + 1", "SELECT (a || (b + 1))"},
    {"parse-3.18 comparison below concat", "SELECT a || b = c", "SELECT ((a || b) = c)"},
    {"parse-3.19 nested functions", "SELECT coalesce(max(a), 0) + 1 FROM t",
     "SELECT (coalesce(max(a), 0) + 1) FROM t"},

    /* 4: intervals */
    {"parse-4.1 interval strings",
     "SELECT INTERVAL '5 minutes', INTERVAL '1 minute', INTERVAL '30 seconds', INTERVAL '500 ms', INTERVAL "
     "'1h', "
     "INTERVAL '2 days', INTERVAL '1 minute 30 seconds'",
     "SELECT INTERVAL '5 minutes', INTERVAL '1 minute', INTERVAL '30 seconds', INTERVAL '500 milliseconds', "
     "INTERVAL "
     "'1 hour', INTERVAL '2 days', INTERVAL '90 seconds'"},
    {"parse-4.2 number and unit", "SELECT 5 MINUTES, 1 MINUTE, 1.5 hours, 10 ms, 2 day, 3 s",
     "SELECT INTERVAL '5 minutes', INTERVAL '1 minute', INTERVAL '90 minutes', INTERVAL '10 milliseconds', "
     "INTERVAL "
     "'2 days', INTERVAL '3 seconds'"},
    {"parse-4.3 shorthand tokens", "SELECT 1m, 30s, 1h, 500ms, 2d, -5m",
     "SELECT INTERVAL '1 minute', INTERVAL '30 seconds', INTERVAL '1 hour', INTERVAL '500 milliseconds', "
     "INTERVAL '2 "
     "days', INTERVAL '-5 minutes'"},
    {"parse-4.4 sql-standard and clock forms",
     "SELECT INTERVAL '5' MINUTE, INTERVAL '00:01:30', INTERVAL '1:00'",
     "SELECT INTERVAL '5 minutes', INTERVAL '90 seconds', INTERVAL '1 hour'"},
    {"parse-4.5 interval arithmetic", "SELECT ts + INTERVAL '1 day' - 5 SECONDS FROM t",
     "SELECT ((ts + INTERVAL '1 day') - INTERVAL '5 seconds') FROM t"},

    /* 5: CREATE / ALTER / DROP */
    {"parse-5.1 every type name",
     "CREATE SOURCE s (a BOOLEAN, b BOOL, c BIGINT, d INT, e INTEGER, f INT8, g DOUBLE PRECISION, h FLOAT, i "
     "FLOAT8, "
     "j REAL, k TEXT, l VARCHAR, m STRING, n TIMESTAMP, o TIMESTAMPTZ, p INTERVAL, q DOUBLE) FROM generator",
     "CREATE SOURCE s (a BOOLEAN, b BOOL, c BIGINT, d INT, e INTEGER, f INT8, g DOUBLE PRECISION, h FLOAT, i "
     "FLOAT8, "
     "j REAL, k TEXT, l VARCHAR, m STRING, n TIMESTAMP, o TIMESTAMPTZ, p INTERVAL, q DOUBLE) FROM generator"},
    {"parse-5.2 every option value",
     "CREATE SOURCE s FROM kafka WITH (a = 'x', b = 1, c = -2, d = +3, e = 1.5, f = -0.5, g = TRUE, h = "
     "false, i = "
     "30s, j = INTERVAL '1 minute', k = 5 MINUTES, l = json, m = \"Quoted\", n.o.p = 1)",
     "CREATE SOURCE s FROM kafka WITH (a = 'x', b = 1, c = -2, d = 3, e = 1.5, f = -0.5, g = TRUE, h = "
     "FALSE, i = "
     "INTERVAL '30 seconds', j = INTERVAL '1 minute', k = INTERVAL '5 minutes', l = 'json', m = 'Quoted', "
     "n.o.p = 1)"},
    {"parse-5.3 event time without watermark", "CREATE SOURCE s FROM kafka EVENT TIME ts",
     "CREATE SOURCE s FROM kafka EVENT TIME ts"},
    {"parse-5.4 watermark without event time", "CREATE SOURCE s FROM kafka WATERMARK 1m",
     "CREATE SOURCE s FROM kafka WATERMARK INTERVAL '1 minute'"},
    {"parse-5.5 keyword as a quoted name", "CREATE SOURCE \"source\" FROM kafka WITH (topic = 'water')",
     "CREATE SOURCE \"source\" FROM kafka WITH (topic = 'water')"},
    {"parse-5.6 non-reserved keywords as names",
     "CREATE SINK query TO file WITH (window = 1, time = 2, interval = 3)",
     "CREATE SINK \"query\" TO file WITH (\"window\" = 1, \"time\" = 2, \"interval\" = 3)"},
    {"parse-5.7 sink without options", "CREATE SINK s TO file", "CREATE SINK s TO file"},
    {"parse-5.8 alter source", "ALTER SOURCE gen SET (rows = 2000, rate = 500)",
     "ALTER SOURCE gen SET (rows = 2000, rate = 500)"},
    {"parse-5.9 alter sink", "ALTER SINK s SET (format = 'csv')", "ALTER SINK s SET (format = 'csv')"},
    {"parse-5.10 drop if exists",
     "DROP SOURCE IF EXISTS nosuch; DROP SINK IF EXISTS x; DROP QUERY IF EXISTS q",
     "DROP SOURCE IF EXISTS nosuch; DROP SINK IF EXISTS x; DROP QUERY IF EXISTS q"},
    {"parse-5.11 mixed-case quoted names", "create source \"Mixed Case\" from generator with (ROWS = 10)",
     "CREATE SOURCE \"Mixed Case\" FROM generator WITH (rows = 10)"},
    {"parse-5.12 options from the regression suite",
     "CREATE SOURCE ok1 FROM KAFKA WITH (topic = water, format = json, start = earliest, idle_timeout = 30s)",
     "CREATE SOURCE ok1 FROM kafka WITH (topic = 'water', format = 'json', \"start\" = 'earliest', "
     "idle_timeout = "
     "INTERVAL '30 seconds')"},

    /* 6: SHOW / SET / DESCRIBE / transactions */
    {"parse-6.1 show settings", "SHOW ALL; SHOW server_version; SHOW \"DateStyle\"; SHOW TIME ZONE",
     "SHOW ALL; SHOW server_version; SHOW \"DateStyle\"; SHOW timezone"},
    {"parse-6.2 show transaction isolation", "SHOW TRANSACTION ISOLATION LEVEL; SHOW transaction_isolation",
     "SHOW transaction_isolation; SHOW transaction_isolation"},
    {"parse-6.3 settings drivers send",
     "SET extra_float_digits = 3; SET DateStyle = 'ISO'; SET client_encoding TO 'UTF8'; SET TIME ZONE 'UTC'",
     "SET extra_float_digits = '3'; SET datestyle = 'ISO'; SET client_encoding = 'UTF8'; SET timezone = "
     "'UTC'"},
    {"parse-6.4 set defaults", "SET TIME ZONE LOCAL; SET LOCAL a TO DEFAULT; SET a = DEFAULT",
     "SET timezone TO DEFAULT; SET LOCAL a TO DEFAULT; SET a TO DEFAULT"},
    {"parse-6.5 set session", "SET SESSION application_name = 'psql'", "SET application_name = 'psql'"},
    {"parse-6.6 set values",
     "SET datestyle TO ISO, MDY; SET x = -1.5; SET x = on; SET x = true; SET x = 5s; SET a.b = 'c'",
     "SET datestyle = 'iso, mdy'; SET x = '-1.5'; SET x = 'on'; SET x = 'true'; SET x = '5s'; SET a.b = 'c'"},
    {"parse-6.7 transactions",
     "BEGIN; BEGIN TRANSACTION; BEGIN WORK; START TRANSACTION; COMMIT; COMMIT WORK; END; END TRANSACTION; "
     "ROLLBACK; "
     "ABORT",
     "BEGIN; BEGIN; BEGIN; START TRANSACTION; COMMIT; COMMIT; COMMIT; COMMIT; ROLLBACK; ROLLBACK"},
    {"parse-6.8 describe quoted", "DESCRIBE \"Mixed Case\"", "DESCRIBE \"Mixed Case\""},
    {"parse-6.9 transaction modes",
     "BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY NOT DEFERRABLE; "
     "BEGIN WORK ISOLATION LEVEL REPEATABLE READ READ WRITE DEFERRABLE; "
     "START TRANSACTION ISOLATION LEVEL READ COMMITTED; BEGIN TRANSACTION ISOLATION LEVEL READ UNCOMMITTED",
     "BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, NOT DEFERRABLE; "
     "BEGIN ISOLATION LEVEL REPEATABLE READ, READ WRITE, DEFERRABLE; "
     "START TRANSACTION ISOLATION LEVEL READ COMMITTED; BEGIN ISOLATION LEVEL READ UNCOMMITTED"},
    {"parse-6.10 set transaction",
     "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; "
     "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY, ISOLATION LEVEL REPEATABLE READ",
     "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; "
     "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY, ISOLATION LEVEL REPEATABLE READ"},
    {"parse-6.11 reset",
     "RESET ALL; RESET application_name; RESET TIME ZONE; RESET TRANSACTION ISOLATION LEVEL",
     "RESET ALL; RESET application_name; RESET timezone; RESET transaction_isolation"},
    {"parse-6.12 pool resets",
     "CLOSE ALL; UNLISTEN *; RESET ALL; DISCARD ALL; DISCARD PLANS; DISCARD temporary; UNLISTEN ch; "
     "LISTEN ch; CLOSE \"Cur\"",
     "CLOSE ALL; UNLISTEN *; RESET ALL; DISCARD ALL; DISCARD PLANS; DISCARD TEMP; UNLISTEN ch; LISTEN ch; "
     "CLOSE \"Cur\""},
    {"parse-6.13 type names with modifiers",
     "SELECT a::varchar(10), b::character varying(3), CAST(c AS numeric(10, 2)), d::timestamp(3), "
     "e::timestamp(3) with time zone, f::timestamp without time zone, g::double precision, h::char varying",
     "SELECT CAST(a AS VARCHAR(10)), CAST(b AS CHARACTER VARYING(3)), CAST(c AS NUMERIC(10, 2)), "
     "CAST(d AS TIMESTAMP(3)), CAST(e AS TIMESTAMPTZ(3)), CAST(f AS TIMESTAMP), CAST(g AS DOUBLE PRECISION), "
     "CAST(h AS CHAR VARYING)"},
    {"parse-6.14 column types with modifiers",
     "CREATE SOURCE s (a varchar(20), b numeric(4,1), c timestamp(0) with time zone, d int4) FROM FILE",
     "CREATE SOURCE s (a VARCHAR(20), b NUMERIC(4, 1), c TIMESTAMPTZ(0), d INT4) FROM file"},
    {"parse-6.16 DO blocks and SET SESSION AUTHORIZATION DEFAULT",
     "DO $$ BEGIN NULL; END $$; DO 'x' LANGUAGE plpgsql; DO LANGUAGE plpgsql $b$y$b$; "
     "SET SESSION AUTHORIZATION DEFAULT; RESET SESSION AUTHORIZATION",
     "DO ' BEGIN NULL; END '; DO 'x'; DO 'y'; SET session_authorization TO DEFAULT; RESET "
     "session_authorization"},
    {"parse-6.17 search_path names quoted as PostgreSQL shows them",
     "SET search_path = \"$user\", public; SET search_path TO 'My Schema', x_1, \"a\"\"b\"; SET "
     "application_name = \"My App\"",
     "SET search_path = \"$user\", public; SET search_path = \"My Schema\", x_1, \"a\"\"b\"; "
     "SET application_name = 'My App'"},
    {"parse-6.15 dollar-quoted strings are strings", "SELECT $$a'b$$, $q$x$$y$q$ FROM t",
     "SELECT 'a''b', 'x$$y' FROM t"},

    /* 7: names */
    {"parse-7.1 keywords and units as column names",
     "SELECT x window, time, source, m, \"Mixed\", \"a\"\"b\", \"select\" FROM t",
     "SELECT x AS \"window\", \"time\", \"source\", m, \"Mixed\", \"a\"\"b\", \"select\" FROM t"},
    {"parse-7.6 timestamp and interval as column names (PostgreSQL's col_name_keywords)",
     "SELECT timestamp, station, interval, time FROM sheet WHERE timestamp > TIMESTAMP '2026-01-01' AND "
     "interval = INTERVAL '1 minute' GROUP BY timestamp",
     "SELECT \"timestamp\", station, \"interval\", \"time\" FROM sheet WHERE ((\"timestamp\" > "
     "CAST('2026-01-01' AS TIMESTAMP)) AND (\"interval\" = INTERVAL '1 minute')) GROUP BY \"timestamp\""},
    {"parse-7.7 keyword column names qualified and aliased", "SELECT s.timestamp AS t, timestamp ts FROM s",
     "SELECT s.\"timestamp\" AS t, \"timestamp\" AS ts FROM s"},
    {"parse-7.8 new non-reserved words are still names",
     "SELECT read, only, close, reset, discard, varying, listen, write FROM t",
     "SELECT \"read\", \"only\", \"close\", \"reset\", \"discard\", \"varying\", \"listen\", \"write\" FROM "
     "t"},
    {"parse-7.9 non-reserved keywords as columns in the select list, WHERE, GROUP BY and calls",
     "SELECT extract, exists, precision, double, value, position, level, zone, session, do, language, "
     "authorization, max(timestamp), count(interval), extract(hour FROM timestamp) FROM t "
     "WHERE extract = 1 AND exists = 2 GROUP BY extract, exists",
     "SELECT \"extract\", \"exists\", \"precision\", \"double\", value, position, \"level\", \"zone\", "
     "\"session\", \"do\", \"language\", \"authorization\", max(\"timestamp\"), count(\"interval\"), "
     "date_part('hour', \"timestamp\") FROM t WHERE ((\"extract\" = 1) AND (\"exists\" = 2)) "
     "GROUP BY \"extract\", \"exists\""},
    {"parse-7.2 quoted source and sink", "SELECT \"x y\" FROM \"Some Source\" INTO \"Sink\"",
     "SELECT \"x y\" FROM \"Some Source\" INTO \"Sink\""},
    {"parse-7.3 utf-8 names are quoted when printed", "SELECT caf\xc3\xa9 FROM t",
     "SELECT \"caf\xc3\xa9\" FROM t"},
    {"parse-7.4 comments anywhere", "/* c */ SHOW /* even here */ SOURCES; -- and here", "SHOW SOURCES"},
    {"parse-7.5 function named like a keyword", "SELECT source(1), m(2) FROM t",
     "SELECT \"source\"(1), m(2) FROM t"},

    /* 8: statement lists */
    {"parse-8.1 empty statements are skipped", ";;SELECT 1;; ;SELECT 2;", "SELECT 1; SELECT 2"},
    {"parse-8.2 last statement without semicolon", "SHOW SOURCES; SHOW SINKS", "SHOW SOURCES; SHOW SINKS"},
    {"parse-8.3 only semicolons", " ; ;; ", ""},
    {"parse-8.4 only a comment", "-- nothing", ""},
};

typedef struct error_case {
    const char *id;
    const char *sql;
    const char *sqlstate;
    const char *message;
    int position;
} error_case;

static const error_case error_cases[] = {
    /* the regression suite's syntax.sql */
    {"parse-9.1 misspelled keyword", "SELEC 1;", "42601", "syntax error at or near \"SELEC\"", 1},
    {"parse-9.2 show with a clause", "SHOW SINKS FROM;", "42601", "syntax error at or near \"FROM\"", 12},
    {"parse-9.3 unclosed option list", "CREATE SINK s TO FILE WITH (path = 'x.jsonl'", "42601",
     "syntax error at end of input", 45},
    {"parse-9.4 option without =", "CREATE SOURCE s FROM KAFKA WITH (topic 'x');", "42601",
     "syntax error at or near \"'x'\"", 40},
    {"parse-9.5 window without size", "SELECT station, avg(ph) FROM readings WINDOW GROUP BY station;",
     "42601", "syntax error at or near \"GROUP\"", 46},
    {"parse-9.6 unterminated string", "SELECT 'unterminated;", "42601",
     "unterminated quoted string at or near \"'unterminated;\"", 8},
    {"parse-9.7 error on the third line",
     "CREATE SINK s TO FILE WITH (path = 'x')\n  -- the error is on the second line\n  INTO;", "42601",
     "syntax error at or near \"INTO\"", 80},
    {"parse-9.8 unterminated quoted identifier", "SELECT \"unterminated;", "42601",
     "unterminated quoted identifier at or near \"\"unterminated;\"", 8},
    /* more */
    {"parse-9.9 end of input", "SELECT", "42601", "syntax error at end of input", 7},
    {"parse-9.10 end of input counts trailing blanks", "SELECT a FROM   ", "42601",
     "syntax error at end of input", 17},
    {"parse-9.11 position counts characters", "SELECT '\xc3\xa9\xc3\xa9\xc3\xa9' FROM FROM", "42601",
     "syntax error at or near \"FROM\"", 19},
    {"parse-9.12 error in the second statement", "SHOW SOURCES; SHOW SINKS SINKS", "42601",
     "syntax error at or near \"SINKS\"", 26},
    {"parse-9.13 chained comparison", "SELECT a = b = c", "42601", "syntax error at or near \"=\"", 14},
    {"parse-9.14 reserved word as a name", "CREATE SOURCE select FROM kafka", "42601",
     "syntax error at or near \"select\"", 15},
    {"parse-9.15 clauses out of order", "SELECT a FROM t LIMIT 1 INTO s", "42601",
     "syntax error at or near \"INTO\"", 25},
    {"parse-9.16 where without from", "SELECT 1 WHERE true", "42601", "syntax error at or near \"WHERE\"",
     10},
    {"parse-9.17 bad interval text", "SELECT INTERVAL 'five minutes'", "22007",
     "invalid input syntax for type interval: \"five minutes\"", 17},
    {"parse-9.18 unknown interval unit", "SELECT a FROM t WINDOW INTERVAL '5 fortnights'", "22007",
     "invalid input syntax for type interval: \"5 fortnights\"", 33},
    {"parse-9.19 subqueries are not supported", "SELECT a FROM t WHERE a IN (SELECT 1)", "42601",
     "syntax error at or near \"SELECT\"", 29},
    {"parse-9.20 string token shown as written", "SELECT a 'it''s'", "42601",
     "syntax error at or near \"'it''s'\"", 10},
    {"parse-9.21 trailing junk", "SELECT 1abc", "42601",
     "trailing junk after numeric literal at or near \"1abc\"", 8},
    {"parse-9.22 limit too large", "SELECT a FROM t LIMIT 99999999999999999999", "42601",
     "syntax error at or near \"99999999999999999999\"", 23},
    {"parse-9.23 unbalanced parenthesis", "SELECT (1", "42601", "syntax error at end of input", 10},
    {"parse-9.24 stray closing parenthesis", "SELECT 1)", "42601", "syntax error at or near \")\"", 9},
    {"parse-9.25 drop without kind", "DROP readings", "42601", "syntax error at or near \"readings\"", 6},
    {"parse-9.26 interval overflow", "SELECT 9999999999999 days", "22003", "interval out of range", 8},
    {"parse-9.27 unknown isolation level", "BEGIN ISOLATION LEVEL READ SOMETIMES", "42601",
     "syntax error at or near \"SOMETIMES\"", 28},
    {"parse-9.28 unknown DISCARD word", "DISCARD EVERYTHING", "42601",
     "syntax error at or near \"EVERYTHING\"", 9},
    {"parse-9.29 type modifier that is not an integer", "SELECT x::varchar('a')", "42601",
     "syntax error at or near \"'a'\"", 19},
    {"parse-9.30 LISTEN without a channel", "LISTEN", "42601", "syntax error at end of input", 7},
    {"parse-9.31 CREATE EXTENSION with another word than VERSION", "CREATE EXTENSION x VERZION '1'", "42601",
     "syntax error at or near \"VERZION\"", 20},
    {"parse-9.32 CREATE EXTENSION with a path", "CREATE EXTENSION ./x", "42601",
     "syntax error at or near \".\"", 18},
};

/* ---- helpers ---- */

static sl_mcxt *cx;

static int setup(void **state)
{
    (void)state;
    cx = sl_mcxt_create(NULL, "test_parser");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sl_mcxt_delete(cx);
    cx = NULL;
    return 0;
}

/* Parses sql and prints its statements joined with "; "; NULL with err set on failure. */
static char *parse_print(const char *sql, sl_error *err)
{
    sl_list *stmts;
    char *out;

    sl_error_clear(err);
    if (sl_parse(sql, cx, &stmts, err) != SL_OK)
        return NULL;
    out = sl_pstrdup(cx, "");
    for (int i = 0; i < sl_list_length(stmts); i++) {
        const sl_raw_stmt *raw = sl_list_nth(stmts, i);
        char *p = sl_print_node(cx, raw->stmt);
        out = sl_psprintf(cx, "%s%s%s", out, i > 0 ? "; " : "", p);
    }
    return out;
}

static void test_parse_case(void **state)
{
    const parse_case *c = *state;
    sl_error err;
    char *printed = parse_print(c->sql, &err);

    if (printed == NULL)
        fail_msg("%s\n  sql:   %s\n  error: %s %s @%d", c->id, c->sql, err.sqlstate, err.message,
                 err.position);
    if (strcmp(printed, c->printed) != 0)
        fail_msg("%s\n  sql:      %s\n  expected: %s\n  got:      %s", c->id, c->sql, c->printed, printed);
    /* round trip: the canonical text parses to a tree that prints the same */
    char *again = parse_print(printed, &err);
    if (again == NULL)
        fail_msg("%s round trip\n  printed: %s\n  error:   %s %s @%d", c->id, printed, err.sqlstate,
                 err.message, err.position);
    if (strcmp(again, printed) != 0)
        fail_msg("%s round trip\n  printed: %s\n  again:   %s", c->id, printed, again);
}

static void test_error_case(void **state)
{
    const error_case *c = *state;
    sl_error err;
    sl_list *stmts = (sl_list *)1;

    sl_error_clear(&err);
    if (sl_parse(c->sql, cx, &stmts, &err) == SL_OK)
        fail_msg("%s: no error for %s", c->id, c->sql);
    if (strcmp(err.sqlstate, c->sqlstate) != 0 || strcmp(err.message, c->message) != 0 ||
        err.position != c->position)
        fail_msg("%s\n  sql:      %s\n  expected: %s %s @%d\n  got:      %s %s @%d", c->id, c->sql,
                 c->sqlstate, c->message, c->position, err.sqlstate, err.message, err.position);
    assert_null(stmts);
}

/* Builds prefix + inner + suffix with each repeated n times around the middle. */
static char *nest(const char *head, const char *open, int n, const char *middle, const char *close)
{
    size_t lo = strlen(open), lc = strlen(close), lh = strlen(head), lm = strlen(middle);
    char *s = sl_palloc(cx, lh + (lo + lc) * (size_t)n + lm + 1);
    char *p = s;

    memcpy(p, head, lh);
    p += lh;
    for (int i = 0; i < n; i++, p += lo)
        memcpy(p, open, lo);
    memcpy(p, middle, lm);
    p += lm;
    for (int i = 0; i < n; i++, p += lc)
        memcpy(p, close, lc);
    *p = '\0';
    return s;
}

static void expect_error(const char *sql, const char *sqlstate, const char *message)
{
    sl_error err;
    sl_list *stmts;

    sl_error_clear(&err);
    assert_int_equal(sl_parse(sql, cx, &stmts, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, sqlstate);
    assert_string_equal(err.message, message);
}

static void expect_ok(const char *sql)
{
    sl_error err;
    sl_list *stmts;

    sl_error_clear(&err);
    if (sl_parse(sql, cx, &stmts, &err) != SL_OK)
        fail_msg("unexpected error %s %s @%d", err.sqlstate, err.message, err.position);
    /* printing must not recurse without bound either */
    assert_non_null(sl_print_node(cx, ((sl_raw_stmt *)sl_list_nth(stmts, 0))->stmt));
}

/* ---- limits ---- */

/* parse-10.1: 10,000 nested parentheses give a clear error, not a stack overflow. */
static void test_deep_parens(void **state)
{
    (void)state;
    expect_error(nest("SELECT ", "(", 10000, "1", ")"), "54001", "statement is too complex");
    expect_error(nest("SELECT ", "(", SL_PARSE_MAX_DEPTH + 1, "1", ")"), "54001", "statement is too complex");
}

/* parse-10.2: nesting up to the limit parses and prints. */
static void test_nesting_at_limit(void **state)
{
    (void)state;
    expect_ok(nest("SELECT ", "(", SL_PARSE_MAX_DEPTH, "1", ")"));
    expect_ok(nest("SELECT ", "f(", SL_PARSE_MAX_DEPTH, "1", ")"));
    expect_ok(nest("SELECT ", "1 + (", SL_PARSE_MAX_DEPTH, "1", ")"));
    expect_ok(nest("SELECT ", "CASE x WHEN y THEN (", SL_PARSE_MAX_DEPTH / 2, "1", ") END"));
}

/* parse-10.3: deep trees built without parentheses are refused too. */
static void test_deep_without_parens(void **state)
{
    (void)state;
    expect_error(nest("SELECT ", "NOT ", 100000, "x", ""), "54001", "statement is too complex");
    expect_error(nest("SELECT ", "- ", 100000, "x", ""), "54001", "statement is too complex");
}

/* parse-10.4: a long left-deep chain (a + a + ...) needs no parser stack but is refused by depth. */
static void test_long_chain(void **state)
{
    (void)state;
    expect_error(nest("SELECT 1", "+ 1", 20000, "", ""), "54001", "statement is too complex");
    expect_ok(nest("SELECT 1", "+ 1", SL_PARSE_MAX_DEPTH - 10, "", ""));
}

/* parse-10.5: a 2 MB statement is refused at once. */
static void test_too_long(void **state)
{
    size_t n = 2 * 1024 * 1024;
    char *sql = sl_palloc(cx, n + 1);

    (void)state;
    memcpy(sql, "SELECT '", 8);
    memset(sql + 8, 'x', n - 9);
    sql[n - 1] = '\'';
    sql[n] = '\0';
    expect_error(sql, "54000", "statement is too long");
}

/* parse-10.6: a statement just under the limit (a 150,000-item IN list) parses. */
static void test_long_but_legal(void **state)
{
    size_t cap = SL_PARSE_MAX_LENGTH;
    char *sql = sl_palloc(cx, cap);
    size_t n = (size_t)snprintf(sql, cap, "SELECT a FROM t WHERE a IN (0");
    sl_error err;
    sl_list *stmts;

    (void)state;
    for (int i = 1; n + 16 < cap; i++)
        n += (size_t)snprintf(sql + n, cap - n, ",%d", i % 100000);
    memcpy(sql + n, ")", 2);
    sl_error_clear(&err);
    assert_int_equal(sl_parse(sql, cx, &stmts, &err), SL_OK);
    const sl_SelectStmt *s = (const sl_SelectStmt *)((sl_raw_stmt *)sl_list_nth(stmts, 0))->stmt;
    const sl_InExpr *in = (const sl_InExpr *)s->where;
    assert_true(SL_IS(in, InExpr));
    assert_true(sl_list_length(in->values) > 100000);
}

/* ---- statement lists ---- */

/* parse-11.1: each statement's location and length cover its text without the ';'. */
static void test_statement_spans(void **state)
{
    const char *sql = "  SHOW SOURCES ;\n-- c\nSELECT 1 /* x */;; DESCRIBE \"Mixed\"";
    sl_error err;
    sl_list *stmts;

    (void)state;
    assert_int_equal(sl_parse(sql, cx, &stmts, &err), SL_OK);
    assert_int_equal(sl_list_length(stmts), 3);
    const char *expect[] = {"SHOW SOURCES", "SELECT 1", "DESCRIBE \"Mixed\""};
    for (int i = 0; i < 3; i++) {
        const sl_raw_stmt *raw = sl_list_nth(stmts, i);
        char *text = sl_pstrndup(cx, sql + raw->location, (size_t)raw->length);
        assert_string_equal(text, expect[i]);
    }
}

/* parse-11.2: an all-blank string gives no statements and no error. */
static void test_blank(void **state)
{
    sl_error err;
    sl_list *stmts = (sl_list *)1;

    (void)state;
    assert_int_equal(sl_parse("  ", cx, &stmts, &err), SL_OK);
    assert_null(stmts);
    assert_int_equal(sl_parse("", cx, &stmts, &err), SL_OK);
    assert_null(stmts);
}

/* ---- node fields and locations ---- */

static sl_node *parse_one(const char *sql)
{
    sl_error err;
    sl_list *stmts;

    sl_error_clear(&err);
    if (sl_parse(sql, cx, &stmts, &err) != SL_OK)
        fail_msg("unexpected error %s @%d for %s", err.message, err.position, sql);
    assert_int_equal(sl_list_length(stmts), 1);
    return ((sl_raw_stmt *)sl_list_nth(stmts, 0))->stmt;
}

/* parse-12.1: CREATE SOURCE fields */
static void test_create_source_fields(void **state)
{
    (void)state;
    const sl_CreateSourceStmt *s =
        (const void *)parse_one("CREATE SOURCE r (ts TIMESTAMP, \"Ph\" DOUBLE PRECISION) FROM Kafka WITH "
                                "(Topic = 'w', n = 5, f = 0.5, b = "
                                "TRUE, i = 2s, id = Json) EVENT TIME ts WATERMARK 5 SECONDS");

    assert_true(SL_IS(s, CreateSourceStmt));
    assert_string_equal(s->name, "r");
    assert_string_equal(s->kind, "kafka");
    assert_int_equal(sl_list_length(s->columns), 2);
    const sl_ColumnDef *c1 = sl_list_nth(s->columns, 1);
    assert_string_equal(c1->name, "Ph");
    assert_string_equal(c1->type->name, "double precision");
    assert_int_equal(sl_list_length(s->options), 6);
    const sl_Option *o;
    o = sl_list_nth(s->options, 0);
    assert_string_equal(o->name, "topic");
    assert_int_equal(o->value->kind, SL_CONST_STRING);
    assert_string_equal(o->value->text, "w");
    o = sl_list_nth(s->options, 1);
    assert_int_equal(o->value->kind, SL_CONST_INT);
    assert_int_equal(o->value->ival, 5);
    o = sl_list_nth(s->options, 2);
    assert_int_equal(o->value->kind, SL_CONST_NUMERIC);
    assert_true(o->value->dval == 0.5);
    o = sl_list_nth(s->options, 3);
    assert_int_equal(o->value->kind, SL_CONST_BOOL);
    assert_true(o->value->bval);
    o = sl_list_nth(s->options, 4);
    assert_int_equal(o->value->kind, SL_CONST_INTERVAL);
    assert_int_equal(o->value->ival, 2000000);
    o = sl_list_nth(s->options, 5);
    assert_int_equal(o->value->kind, SL_CONST_STRING);
    assert_string_equal(o->value->text, "json");
    assert_string_equal(s->event_time, "ts");
    assert_true(s->has_watermark);
    assert_int_equal(s->watermark_us, 5000000);
}

/* parse-12.2: SELECT fields and locations (byte offsets of first tokens) */
static void test_select_fields(void **state)
{
    const char *sql =
        "SELECT station, avg(ph) AS a FROM readings WHERE ph > 7 "
        "WINDOW HOPPING (5 MINUTES, 1 MINUTE) GROUP BY station HAVING count(*) > 1 INTO influx LIMIT 3";
    (void)state;
    const sl_SelectStmt *s = (const void *)parse_one(sql);

    assert_true(SL_IS(s, SelectStmt));
    assert_int_equal(SL_LOC(s), 0);
    assert_int_equal(sl_list_length(s->targets), 2);
    const sl_ResTarget *t1 = sl_list_nth(s->targets, 1);
    assert_string_equal(t1->alias, "a");
    assert_int_equal(SL_LOC(t1), (int)(strstr(sql, "avg") - sql));
    const sl_FuncCall *f = (const sl_FuncCall *)t1->expr;
    assert_true(SL_IS(f, FuncCall));
    assert_string_equal(f->name, "avg");
    assert_int_equal(SL_LOC(f), (int)(strstr(sql, "avg") - sql));
    const sl_ColumnRef *ph = sl_list_nth(f->args, 0);
    assert_int_equal(SL_LOC(ph), (int)(strstr(sql, "ph)") - sql));
    assert_string_equal(s->from, "readings");
    assert_int_equal(s->from_location, (int)(strstr(sql, "readings") - sql));
    const sl_OpExpr *w = (const sl_OpExpr *)s->where;
    assert_true(SL_IS(w, OpExpr));
    assert_int_equal(w->op, SL_OP_GT);
    assert_int_equal(SL_LOC(w), (int)(strstr(sql, "ph > 7") - sql));
    assert_int_equal(s->window->kind, SL_WINDOW_HOPPING);
    assert_int_equal(s->window->size_us, 300000000);
    assert_int_equal(s->window->slide_us, 60000000);
    assert_int_equal(SL_LOC(s->window), (int)(strstr(sql, "WINDOW") - sql));
    assert_int_equal(sl_list_length(s->group_by), 1);
    assert_true(SL_IS(s->having, OpExpr));
    assert_string_equal(s->into, "influx");
    assert_int_equal(s->into_location, (int)(strstr(sql, "influx") - sql));
    assert_int_equal(s->limit, 3);
}

/* parse-12.3: clauses absent */
static void test_select_defaults(void **state)
{
    (void)state;
    const sl_SelectStmt *s = (const void *)parse_one("SELECT 1");
    assert_null(s->from);
    assert_int_equal(s->from_location, -1);
    assert_null(s->where);
    assert_null(s->window);
    assert_null(s->group_by);
    assert_null(s->having);
    assert_null(s->into);
    assert_int_equal(s->into_location, -1);
    assert_int_equal(s->limit, -1);
    const sl_SelectStmt *w = (const void *)parse_one("SELECT a FROM t WINDOW 1m");
    assert_int_equal(w->window->kind, SL_WINDOW_TUMBLING);
    assert_int_equal(w->window->size_us, 60000000);
    assert_int_equal(w->window->slide_us, 0);
    const sl_SelectStmt *g = (const void *)parse_one("SELECT a FROM t WINDOW SESSION (30s)");
    assert_int_equal(g->window->kind, SL_WINDOW_SESSION);
    assert_int_equal(g->window->size_us, 30000000);
}

/* parse-12.4: constants */
static void test_constants(void **state)
{
    (void)state;
    const char *sql =
        "SELECT 42, 99999999999999999999, 1.5, 'a''b', TRUE, NULL, -7, INTERVAL '1 minute 30 seconds'";
    const sl_SelectStmt *s = (const void *)parse_one(sql);
    const sl_Const *c[8];
    for (int i = 0; i < 8; i++) {
        c[i] = (const sl_Const *)((const sl_ResTarget *)sl_list_nth(s->targets, i))->expr;
        assert_true(SL_IS(c[i], Const));
    }
    assert_int_equal(c[0]->kind, SL_CONST_INT);
    assert_int_equal(c[0]->ival, 42);
    assert_int_equal(c[1]->kind, SL_CONST_NUMERIC);
    assert_string_equal(c[1]->text, "99999999999999999999");
    assert_int_equal(c[2]->kind, SL_CONST_NUMERIC);
    assert_true(c[2]->dval == 1.5);
    assert_int_equal(c[3]->kind, SL_CONST_STRING);
    assert_string_equal(c[3]->text, "a'b");
    assert_int_equal(c[4]->kind, SL_CONST_BOOL);
    assert_int_equal(c[5]->kind, SL_CONST_NULL);
    assert_int_equal(c[6]->kind, SL_CONST_INT);
    assert_int_equal(c[6]->ival, -7);
    assert_int_equal(SL_LOC(c[6]), (int)(strstr(sql, "-7") - sql)); /* the minus sign */
    assert_int_equal(SL_LOC(c[7]), (int)(strstr(sql, "INTERVAL") - sql));
    assert_int_equal(c[7]->kind, SL_CONST_INTERVAL);
    assert_int_equal(c[7]->ival, 90000000);
}

/* parse-12.5: SET, SHOW, DROP, transactions */
static void test_misc_fields(void **state)
{
    (void)state;
    const sl_SetStmt *set = (const void *)parse_one("SET client_encoding TO 'UTF8'");
    assert_true(SL_IS(set, SetStmt));
    assert_string_equal(set->name, "client_encoding");
    assert_string_equal(set->value, "UTF8");
    set = (const void *)parse_one("SET TIME ZONE 'UTC'");
    assert_string_equal(set->name, "timezone");
    assert_string_equal(set->value, "UTC");
    set = (const void *)parse_one("SET x TO DEFAULT");
    assert_null(set->value);
    const sl_ShowStmt *show = (const void *)parse_one("SHOW ALL");
    assert_int_equal(show->what, SL_SHOW_SETTING);
    assert_string_equal(show->name, "all");
    show = (const void *)parse_one("SHOW queries");
    assert_int_equal(show->what, SL_SHOW_QUERIES);
    const sl_DropStmt *drop = (const void *)parse_one("DROP QUERY IF EXISTS q");
    assert_int_equal(drop->object, SL_OBJ_QUERY);
    assert_true(drop->if_exists);
    assert_string_equal(drop->name, "q");
    const sl_TransactionStmt *t = (const void *)parse_one("start transaction");
    assert_int_equal(t->kind, SL_TXN_BEGIN);
    const sl_QueryControlStmt *q = (const void *)parse_one("RESUME QUERY q");
    assert_int_equal(q->action, SL_QUERY_RESUME);
    const sl_ExplainStmt *e = (const void *)parse_one("EXPLAIN SELECT 1");
    assert_true(SL_IS(e->stmt, SelectStmt));
    const sl_CreateQueryStmt *cq = (const void *)parse_one("CREATE QUERY q AS SELECT * FROM t");
    assert_true(SL_IS(cq->select->targets->items[0], ResTarget));
    assert_true(SL_IS(((sl_ResTarget *)cq->select->targets->items[0])->expr, Star));
    const sl_SelectStmt *cnt = (const void *)parse_one("SELECT count(*) FROM t");
    const sl_FuncCall *f = (const sl_FuncCall *)((sl_ResTarget *)sl_list_nth(cnt->targets, 0))->expr;
    assert_true(f->star);
    assert_int_equal(sl_list_length(f->args), 1);
    assert_true(SL_IS(sl_list_nth(f->args, 0), Star));
}

/* ---- intervals ---- */

/* parse-13.1: unit names */
static void test_interval_units(void **state)
{
    (void)state;
    assert_int_equal(sl_interval_unit_us("ms"), 1000);
    assert_int_equal(sl_interval_unit_us("millisecond"), 1000);
    assert_int_equal(sl_interval_unit_us("MILLISECONDS"), 1000);
    assert_int_equal(sl_interval_unit_us("s"), 1000000);
    assert_int_equal(sl_interval_unit_us("sec"), 1000000);
    assert_int_equal(sl_interval_unit_us("seconds"), 1000000);
    assert_int_equal(sl_interval_unit_us("m"), 60000000);
    assert_int_equal(sl_interval_unit_us("min"), 60000000);
    assert_int_equal(sl_interval_unit_us("Minute"), 60000000);
    assert_int_equal(sl_interval_unit_us("h"), INT64_C(3600000000));
    assert_int_equal(sl_interval_unit_us("hours"), INT64_C(3600000000));
    assert_int_equal(sl_interval_unit_us("d"), INT64_C(86400000000));
    assert_int_equal(sl_interval_unit_us("days"), INT64_C(86400000000));
    assert_int_equal(sl_interval_unit_us("fortnight"), -1);
    assert_int_equal(sl_interval_unit_us(""), -1);
    assert_int_equal(sl_interval_unit_us(NULL), -1);
    /* a lone w in SQL text stays a name; inside quotes (casts, options) it is weeks */
    assert_int_equal(sl_interval_unit_us("w"), -1);
    assert_int_equal(sl_interval_unit_lookup("W", 1, true), INT64_C(604800000000));
    assert_int_equal(sl_interval_unit_lookup("weeks", 5, false), INT64_C(604800000000));
}

/* parse-13.2: interval text */
static void test_interval_parse(void **state)
{
    static const struct {
        const char *text;
        bool ok;
        int64_t us;
    } cases[] = {
        {"5 minutes", true, 300000000},
        {"1 minute", true, 60000000},
        {"30 seconds", true, 30000000},
        {"500 ms", true, 500000},
        {"1h", true, INT64_C(3600000000)},
        {"2 days", true, INT64_C(172800000000)},
        {"1 minute 30 seconds", true, 90000000},
        {"1h30m", true, 5400000000},
        {"-5 minutes", true, -300000000},
        {"1.5 seconds", true, 1500000},
        {"30", true, 30000000},
        {"00:01:30", true, 90000000},
        {"  2 HOURS  ", true, INT64_C(7200000000)},
        /* one parser for literals, casts and options: PostgreSQL's clock
         * rule (minutes and seconds up to 59), '@' and 'ago' */
        {"1:75", false, 0},
        {"@ 1 hour ago", true, INT64_C(-3600000000)},
        /* weeks: 'w' as CAST(text AS INTERVAL) takes it (one table of units) */
        {"2w", true, INT64_C(1209600000000)},
        {"1 week", true, INT64_C(604800000000)},
        {"", false, 0},
        {"minutes", false, 0},
        {"5 fortnights", false, 0},
        {"5 minutes!", false, 0},
        {"99999999999999999999 days", false, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t us = 0;
        bool ok = sl_interval_parse(cases[i].text, &us);
        if (ok != cases[i].ok || (ok && us != cases[i].us))
            fail_msg("parse-13.2 '%s': expected %d %lld, got %d %lld", cases[i].text, cases[i].ok,
                     (long long)cases[i].us, ok, (long long)us);
    }
}

/* parse-13.3: printing an expression node alone */
static void test_print_expression(void **state)
{
    (void)state;
    const sl_SelectStmt *s = (const void *)parse_one("SELECT a + 1 > 2 AND b IS NULL FROM t");
    const sl_node *e = ((const sl_ResTarget *)sl_list_nth(s->targets, 0))->expr;
    assert_string_equal(sl_print_node(cx, e), "(((a + 1) > 2) AND (b IS NULL))");
    assert_string_equal(sl_node_tag_name(e->tag), "BoolExpr");
}

#define NPARSE (sizeof(parse_cases) / sizeof(parse_cases[0]))
#define NERROR (sizeof(error_cases) / sizeof(error_cases[0]))

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        {"parse-10.1 10,000 nested parentheses", test_deep_parens, NULL, NULL, NULL},
        {"parse-10.2 nesting at the limit", test_nesting_at_limit, NULL, NULL, NULL},
        {"parse-10.3 deep prefix operators", test_deep_without_parens, NULL, NULL, NULL},
        {"parse-10.4 long operator chain", test_long_chain, NULL, NULL, NULL},
        {"parse-10.5 2 MB statement", test_too_long, NULL, NULL, NULL},
        {"parse-10.6 statement near the length limit", test_long_but_legal, NULL, NULL, NULL},
        {"parse-11.1 statement locations and lengths", test_statement_spans, NULL, NULL, NULL},
        {"parse-11.2 blank input", test_blank, NULL, NULL, NULL},
        {"parse-12.1 create source fields", test_create_source_fields, NULL, NULL, NULL},
        {"parse-12.2 select fields and locations", test_select_fields, NULL, NULL, NULL},
        {"parse-12.3 select defaults and windows", test_select_defaults, NULL, NULL, NULL},
        {"parse-12.4 constants", test_constants, NULL, NULL, NULL},
        {"parse-12.5 other statements", test_misc_fields, NULL, NULL, NULL},
        {"parse-13.1 interval units", test_interval_units, NULL, NULL, NULL},
        {"parse-13.2 interval text", test_interval_parse, NULL, NULL, NULL},
        {"parse-13.3 printing an expression", test_print_expression, NULL, NULL, NULL},
    };
    struct CMUnitTest tests[NPARSE + NERROR + sizeof(fixed) / sizeof(fixed[0])];
    size_t n = 0;

    for (size_t i = 0; i < NPARSE; i++)
        tests[n++] =
            (struct CMUnitTest){parse_cases[i].id, test_parse_case, NULL, NULL, (void *)&parse_cases[i]};
    for (size_t i = 0; i < NERROR; i++)
        tests[n++] =
            (struct CMUnitTest){error_cases[i].id, test_error_case, NULL, NULL, (void *)&error_cases[i]};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        tests[n++] = fixed[i];
    return cmocka_run_group_tests_name("parser", tests, setup, teardown);
}
