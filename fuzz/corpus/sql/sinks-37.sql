DESCRIBE s;
DROP SINK alerts;
CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE)
  FROM KAFKA WITH (brokers = 'localhost:9092', topic = 'water', format = 'json')
  EVENT TIME ts WATERMARK 5 SECONDS;
