-- query_restart: queries are kept in the catalog and start again with the
-- server; a paused one stays paused, a finished one is not run again.
CREATE SOURCE gen FROM GENERATOR WITH (rows = 500, seed = 7, stations = 2,
  start_time = '2026-01-01 00:00:00');
CREATE SOURCE forever FROM GENERATOR WITH (seed = 7, rate = 1000);
CREATE SINK out TO FILE WITH (path = 'restart.jsonl');
CREATE SINK out_later TO FILE WITH (path = 'restart_later.jsonl');
CREATE SINK out_live TO FILE WITH (path = 'restart_live.jsonl');
CREATE QUERY done AS SELECT * FROM gen INTO out;
SELECT wait_query('done');
-- 300 rows at 1000 rows/s: still running when paused
CREATE QUERY later AS SELECT station, ph FROM forever INTO out_later LIMIT 300;
PAUSE QUERY later;
CREATE QUERY live AS SELECT station FROM forever INTO out_live;
-- @restart
SELECT wait_query('done');
SELECT wait_query('later');
SELECT wait_query('live', 0.1);
RESUME QUERY later;
SELECT wait_query('later');
DROP QUERY live;
-- done ran once: 500 rows, not 1000
CREATE SOURCE back (station TEXT) FROM FILE WITH (path = 'restart.jsonl');
SELECT count(*) FROM back;
-- @restart
SELECT wait_query('done');
SELECT wait_query('later');
SELECT wait_query('live');
