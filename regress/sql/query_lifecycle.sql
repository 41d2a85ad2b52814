-- query_lifecycle: continuous queries start (generated or given name), run to
-- the end of a finite source, pause, resume, drop; errors of each step.
-- wait_query(name) waits while a query is running and returns its state, so
-- the results below do not depend on timing.
CREATE SOURCE gen FROM GENERATOR WITH (rows = 1000, seed = 42, stations = 3,
  start_time = '2026-01-01 00:00:00');
CREATE SOURCE forever FROM GENERATOR WITH (seed = 42, rate = 100);
CREATE SINK out TO FILE WITH (path = 'lifecycle.jsonl');
CREATE SINK out2 TO FILE WITH (path = 'lifecycle.csv', format = 'csv');
-- a generated name, answered as a one-row result
SELECT station, ph FROM gen INTO out;
SELECT wait_query('query_1');
SELECT * FROM gen WHERE ph > 7 INTO out2;
SELECT wait_query('query_2', 30);
-- a named query on an unbounded source keeps running
CREATE QUERY endless AS SELECT station FROM forever INTO out2;
SELECT wait_query('endless', 0.2);
PAUSE QUERY endless;
SELECT wait_query('endless');
RESUME QUERY endless;
SELECT wait_query('endless', 0.1);
-- names are unique
CREATE QUERY endless AS SELECT station FROM forever INTO out;
-- unknown source or sink, with the position of the name
SELECT * FROM nosuch INTO out;
CREATE QUERY q AS SELECT * FROM gen
  INTO nosuch;
-- analysis errors come with the statement
CREATE QUERY q AS SELECT nosuch FROM gen INTO out;
-- a Kafka source without brokers and no embedded broker is refused when the query starts
CREATE SOURCE k (ts TIMESTAMP, v DOUBLE) FROM KAFKA WITH (topic = 't');
SELECT * FROM k INTO out;
-- nothing of the failed statements was kept
SELECT wait_query('q');
-- pause/resume of what is not running
PAUSE QUERY nosuch;
RESUME QUERY query_1;
PAUSE QUERY query_1;
-- what a query uses cannot be dropped
DROP SINK out2;
DROP SOURCE forever;
-- DROP stops the worker and forgets the query
DROP QUERY endless;
DROP QUERY endless;
DROP QUERY IF EXISTS endless;
SELECT wait_query('endless');
DROP QUERY query_1;
DROP QUERY query_2;
DROP SINK out2;
DROP SOURCE forever;
-- the lowest free number is used again
SELECT * FROM gen INTO out;
SELECT wait_query('query_1');
-- the sink's file holds what the queries wrote: 1000 + 1000 rows
CREATE SOURCE back (station TEXT, ph DOUBLE) FROM FILE WITH (path = 'lifecycle.jsonl');
SELECT count(*) AS n, count(DISTINCT station) AS stations FROM back;
-- a window query into a sink: its rows read back from the sink's file
CREATE SOURCE gent FROM GENERATOR WITH (rows = 1200, seed = 5, stations = 2,
  start_time = '2026-01-01 00:00:00') EVENT TIME ts;
CREATE SINK wout TO FILE WITH (path = 'windows.jsonl');
CREATE QUERY win AS SELECT window_start, station, count(*) AS n, max(ph) AS max_ph
  FROM gent WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO wout;
SELECT wait_query('win');
CREATE SOURCE wback (window_start TIMESTAMP, station TEXT, n BIGINT, max_ph DOUBLE)
  FROM FILE WITH (path = 'windows.jsonl');
SELECT * FROM wback;
