-- options: every way a WITH list can be wrong names the valid choices
CREATE SOURCE k FROM KAFKA WITH (topic = 'water', colour = 'blue');
CREATE SOURCE k FROM KAFKA WITH (format = 'json');
CREATE SOURCE k FROM KAFKA WITH (topic = 'water', format = 'xml');
CREATE SOURCE k FROM KAFKA WITH (topic = 'water', start = 'middle');
CREATE SOURCE k FROM NOSUCHKIND WITH (topic = 'water');
CREATE SOURCE x FROM XLSX WITH (path = 'a.xlsx', rate = 'fast');
CREATE SOURCE x FROM XLSX WITH (path = 'a.xlsx', header = 'maybe');
CREATE SOURCE x FROM XLSX WITH (path = 'a.xlsx', path = 'b.xlsx');
CREATE SOURCE g FROM GENERATOR WITH (rows = -5);
CREATE SINK a TO AVRO WITH (path = 'archive/', rotate = '64XB');
CREATE SINK a TO AVRO WITH (path = 'archive/', codec = 'snappy');
CREATE SINK i TO INFLUXDB WITH (database = 'water');
CREATE SINK w TO WEBHOOK WITH (url = 'http://127.0.0.1:9000/', timeout = 'soon');
CREATE SINK f TO NOSUCHKIND WITH (path = 'x');
CREATE SINK f TO FILE WITH (path = 'x', format = 'parquet');
-- options accept identifiers, numbers, booleans and intervals
CREATE SOURCE ok1 FROM KAFKA WITH (topic = water, format = json, start = earliest, idle_timeout = 30s);
CREATE SINK ok2 TO FILE WITH (path = 'out.csv', format = csv, batch_rows = 500, flush_interval = INTERVAL '2 seconds');
DESCRIBE ok1;
DESCRIBE ok2;
SHOW SOURCES;
SHOW SINKS;
