-- examples/water_influxdb.sql - the per-station windows into InfluxDB 1.x.
--
-- scripts/run.sh runs this after examples/water.sql when it could start
-- influxd on 127.0.0.1:18086 and create the database `water`.  Each window
-- becomes one point of measurement water_1m, tagged with its station, at
-- the window's end; the numeric columns are its fields.  Replaying the same
-- windows rewrites the same points (same measurement, tags and time).
DROP QUERY IF EXISTS to_influx;
DROP SINK IF EXISTS influx;

CREATE SINK influx TO INFLUXDB WITH (url = 'http://127.0.0.1:18086', database = 'water',
                                     measurement = 'water_1m', tags = 'station', precision = 's');
CREATE QUERY to_influx AS
  SELECT window_end, station, count(*) AS readings, avg(ph) AS avg_ph, min(ph) AS min_ph,
         max(ph) AS max_ph, max(turbidity) AS max_turbidity, avg(dissolved_oxygen) AS avg_oxygen
  FROM readings WINDOW TUMBLING (1 MINUTE) GROUP BY station
  INTO influx;
