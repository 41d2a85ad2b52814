-- query_explain: EXPLAIN prints the operator graph, one operator per row,
-- with each operator's output columns and types.
CREATE SOURCE gen FROM GENERATOR WITH (rows = 100, seed = 1);
CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE)
  FROM KAFKA WITH (topic = 'water') EVENT TIME ts WATERMARK 5 SECONDS;
CREATE SINK out TO FILE WITH (path = 'explain.jsonl');
EXPLAIN SELECT * FROM gen;
EXPLAIN SELECT station, ph FROM gen WHERE ph > 7 LIMIT 10;
EXPLAIN SELECT station, avg(ph) AS avg_ph FROM gen WHERE ph > 0
  WINDOW TUMBLING (1 MINUTE) GROUP BY station INTO out;
EXPLAIN SELECT station, count(*) FROM gen WINDOW HOPPING (5 MINUTES, 1 MINUTE)
  GROUP BY station HAVING count(*) > 1;
EXPLAIN CREATE QUERY s AS SELECT station, max(ph) FROM gen WINDOW SESSION (30 SECONDS)
  GROUP BY station INTO out;
-- a source kind that cannot run yet still explains from its declared columns
EXPLAIN SELECT station, avg(ph) FROM readings WINDOW 1m GROUP BY station;
-- errors are those of the query
EXPLAIN SELECT * FROM nosuch;
EXPLAIN SELECT nosuch FROM gen;
EXPLAIN SELECT * FROM gen INTO nosuch;
-- EXPLAIN runs nothing
SHOW QUERIES;
