-- queries: every query statement parses; running them arrives with the engine
CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE)
  FROM KAFKA WITH (topic = 'water', format = 'json') EVENT TIME ts WATERMARK 5 SECONDS;
CREATE SINK influx TO INFLUXDB WITH (url = 'http://127.0.0.1:8086', database = 'water', tags = 'station');
SELECT avg(ph) FROM readings WINDOW 1m INTO influx;
SELECT station, avg(ph) AS avg_ph, max(turbidity) AS max_turbidity
FROM readings WINDOW TUMBLING (1 MINUTE)
GROUP BY station
INTO influx;
CREATE QUERY ph_alerts AS SELECT * FROM readings WHERE ph NOT BETWEEN 6.5 AND 8.5 INTO influx;
SELECT station, avg(ph) FROM readings WINDOW HOPPING (5 MINUTES, 1 MINUTE) GROUP BY station LIMIT 10;
EXPLAIN SELECT station, count(*) FROM readings WINDOW SESSION (30s) GROUP BY station HAVING count(*) > 1;
PAUSE QUERY ph_alerts;
RESUME QUERY ph_alerts;
DROP QUERY ph_alerts;
DROP QUERY IF EXISTS ph_alerts;
SHOW QUERIES;
