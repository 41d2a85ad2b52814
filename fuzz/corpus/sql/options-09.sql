SHOW SINKS;
CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE)
  FROM KAFKA WITH (topic = 'water', format = 'json') EVENT TIME ts WATERMARK 5 SECONDS;
CREATE SINK influx TO INFLUXDB WITH (url = 'http://127.0.0.1:8086', database = 'water', tags = 'station');
