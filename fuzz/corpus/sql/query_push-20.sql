CREATE SOURCE gen FROM GENERATOR WITH (rows = 600, seed = 11, stations = 3,
  start_time = '2026-01-01 00:00:00');
SELECT station FROM gen LIMIT 5;
SELECT count(*) FROM gen;
