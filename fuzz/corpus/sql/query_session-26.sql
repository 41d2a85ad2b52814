CREATE SOURCE events (ts TIMESTAMP, station TEXT, v BIGINT) FROM FILE
  WITH (path = 'session.jsonl', format = 'json') EVENT TIME ts WATERMARK 1 MINUTE;
SELECT window_start, window_end, station, count(*) AS n, sum(v) AS total, first(v), last(v)
  FROM events WINDOW SESSION (30 SECONDS) GROUP BY station;
CREATE SOURCE gen FROM GENERATOR WITH (rows = 100, seed = 1);
