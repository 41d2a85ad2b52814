-- query_session: session windows on a hand-verified case (regress/data/session.jsonl).
-- Gap 30 s.  Station a: rows at 0:00, 0:20 and 1:10 form two sessions until
-- the late row at 0:45 (within the 1 minute watermark) bridges them into one
-- window [0:00, 1:40) of 4 rows; 2:30 is a session of its own.  Station b:
-- 0:10 and 0:35 are 25 s apart: [0:10, 1:05); 2:00 alone: [2:00, 2:30).
-- Windows come out by window end.
CREATE SOURCE events (ts TIMESTAMP, station TEXT, v BIGINT) FROM FILE
  WITH (path = 'session.jsonl', format = 'json') EVENT TIME ts WATERMARK 1 MINUTE;
SELECT window_start, window_end, station, count(*) AS n, sum(v) AS total, first(v), last(v)
  FROM events WINDOW SESSION (30 SECONDS) GROUP BY station;
-- the same rows in tumbling and hopping windows
SELECT window_start, station, count(*) AS n, sum(v) AS total
  FROM events WINDOW TUMBLING (1 MINUTE) GROUP BY station;
SELECT window_start, window_end, count(*) AS n FROM events WINDOW HOPPING (2 MINUTES, 1 MINUTE);
-- with no lateness allowed the out-of-order row is late and dropped
CREATE SOURCE strict (ts TIMESTAMP, station TEXT, v BIGINT) FROM FILE
  WITH (path = 'session.jsonl', format = 'json') EVENT TIME ts;
SELECT window_start, window_end, station, count(*) AS n, sum(v) AS total
  FROM strict WINDOW SESSION (30 SECONDS) GROUP BY station;
