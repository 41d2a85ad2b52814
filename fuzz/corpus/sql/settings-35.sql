SELECT version();
CREATE SINK influx TO INFLUXDB WITH (url = 'http://127.0.0.1:8086', database = 'water', tags = 'station',
  username = 'admin', password = 'hunter2');
SHOW SINKS;
