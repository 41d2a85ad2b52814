SHOW QUERIES;
CREATE SOURCE gen FROM GENERATOR WITH (rows = 1000, seed = 42, stations = 3,
  start_time = '2026-01-01 00:00:00');
CREATE SINK out TO FILE WITH (path = 'lifecycle.jsonl');
