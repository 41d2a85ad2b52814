SHOW QUERIES;
CREATE SOURCE gen FROM GENERATOR WITH (rows = 500, seed = 7, stations = 2,
  start_time = '2026-01-01 00:00:00');
CREATE SINK out TO FILE WITH (path = 'restart.jsonl');
