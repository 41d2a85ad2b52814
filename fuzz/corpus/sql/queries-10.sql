SELECT avg(ph) FROM readings WINDOW 1m INTO influx;
SELECT station, avg(ph) AS avg_ph, max(turbidity) AS max_turbidity
FROM readings WINDOW TUMBLING (1 MINUTE)
GROUP BY station
INTO influx;
CREATE QUERY ph_alerts AS SELECT * FROM readings WHERE ph NOT BETWEEN 6.5 AND 8.5 INTO influx;
