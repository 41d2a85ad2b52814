SELECT station, count(*) AS n FROM gen GROUP BY station;
SELECT * FROM gen LIMIT 0;
SELECT window_start, window_end, station, count(*) AS n, round(avg(ph), 3) AS avg_ph
  FROM gent WINDOW TUMBLING (1 MINUTE) GROUP BY station;
