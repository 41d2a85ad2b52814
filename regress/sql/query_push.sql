-- query_push: a SELECT without INTO streams its rows to the client and ends
-- at LIMIT or at the end of a finite source; it is not kept.
CREATE SOURCE gen FROM GENERATOR WITH (rows = 600, seed = 11, stations = 3,
  start_time = '2026-01-01 00:00:00');
CREATE SOURCE forever FROM GENERATOR WITH (seed = 11, rate = 1000);
SELECT station FROM gen LIMIT 5;
SELECT station FROM forever LIMIT 2;
SELECT count(*) FROM gen;
SELECT station, count(*) AS n FROM gen GROUP BY station;
SELECT count(*) AS n FROM gen WHERE ph > 7.5 AND station = 'station-02';
SELECT * FROM gen LIMIT 0;
-- windows over event time: 1200 rows 100 ms apart are two minutes
CREATE SOURCE gent FROM GENERATOR WITH (rows = 1200, seed = 11, stations = 2,
  start_time = '2026-01-01 00:00:00') EVENT TIME ts;
SELECT window_start, window_end, station, count(*) AS n, round(avg(ph), 3) AS avg_ph
  FROM gent WINDOW TUMBLING (1 MINUTE) GROUP BY station;
SELECT window_start, count(*) AS n FROM gent WINDOW HOPPING (1 MINUTE, 30 SECONDS) LIMIT 3;
-- an aggregate over an unbounded source needs a window
SELECT count(*) FROM forever;
SHOW QUERIES;
