-- restart: the catalog survives a clean restart
CREATE SOURCE gen FROM GENERATOR WITH (rows = 100, seed = 1);
CREATE SINK out TO FILE WITH (path = 'out.jsonl', format = 'json');
CREATE SINK influx TO INFLUXDB WITH (url = 'http://127.0.0.1:8086', database = 'water', password = 'pw');
SET application_name = 'before';
-- @restart
SHOW SOURCES;
SHOW SINKS;
-- session settings do not survive: this is a new session
SHOW application_name;
DROP SINK out;
CREATE SINK out TO FILE WITH (path = 'out2.jsonl');
-- @restart
SHOW SINKS;
