-- sinks: CREATE/SHOW/DESCRIBE/ALTER/DROP SINK for every kind; secrets masked
CREATE SINK influx TO INFLUXDB WITH (url = 'http://127.0.0.1:8086', database = 'water', tags = 'station',
  username = 'admin', password = 'hunter2');
CREATE SINK influx2 TO INFLUXDB WITH (url = 'http://127.0.0.1:8086', org = 'acme', bucket = 'water', token = 's3cr3t');
CREATE SINK dynamo TO DYNAMODB WITH (endpoint = 'http://127.0.0.1:8000', region = 'eu-west-1', table = 'quality',
  key = 'station', sort_key = 'window_start', access_key_id = 'AKIDEXAMPLE', secret_access_key = 'wJalrXUtnFEMI');
CREATE SINK backup TO AVRO WITH (path = 'archive/', rotate = '64MB', codec = 'deflate');
CREATE SINK processed TO KAFKA WITH (topic = 'water-processed', format = 'json', compression = 'lz4');
CREATE SINK alerts TO WEBHOOK WITH (url = 'http://127.0.0.1:9000/alert', headers = 'Authorization: Bearer xyz');
CREATE SINK s TO FILE WITH (path = 'x.jsonl');
SHOW SINKS;
DESCRIBE influx;
DESCRIBE dynamo;
ALTER SINK s SET (format = 'csv');
ALTER SINK s SET (colour = 'blue');
DESCRIBE s;
CREATE SINK s TO FILE WITH (path = 'y.jsonl');
DROP SINK alerts;
DROP SINK alerts;
DROP SINK IF EXISTS alerts;
SHOW SINKS;
