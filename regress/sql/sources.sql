-- sources: CREATE/SHOW/DESCRIBE/ALTER/DROP SOURCE for every kind
CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE)
  FROM KAFKA WITH (brokers = 'localhost:9092', topic = 'water', format = 'json')
  EVENT TIME ts WATERMARK 5 SECONDS;
CREATE SOURCE sheet FROM XLSX WITH (path = 'water.xlsx', sheet = 'Sheet1', rate = 100);
CREATE SOURCE replay FROM AVRO WITH (path = 'archive/*.avro');
CREATE SOURCE gen FROM GENERATOR WITH (rows = 1000, stations = 5, seed = 42, late_fraction = 0.01);
CREATE SOURCE lines (ts TIMESTAMP, station TEXT, ph DOUBLE) FROM FILE
  WITH (path = 'in/*.jsonl', format = 'json', follow = true) EVENT TIME ts WATERMARK INTERVAL '1 minute';
-- keywords are case-insensitive, identifiers fold to lower case unless quoted
create source "Mixed Case" from generator with (ROWS = 10);
SHOW SOURCES;
DESCRIBE readings;
DESCRIBE "Mixed Case";
ALTER SOURCE gen SET (rows = 2000, rate = 500);
DESCRIBE gen;
-- names are unique
CREATE SOURCE gen FROM GENERATOR WITH (rows = 1);
DROP SOURCE "Mixed Case";
DROP SOURCE nosuch;
DROP SOURCE IF EXISTS nosuch;
DESCRIBE nosuch;
-- column declarations are checked
CREATE SOURCE bad1 (a TEXT, a BIGINT) FROM GENERATOR WITH (rows = 1);
CREATE SOURCE bad2 (a BLOB) FROM GENERATOR WITH (rows = 1);
CREATE SOURCE bad3 (a TEXT) FROM GENERATOR WITH (rows = 1) EVENT TIME ts;
SHOW SOURCES;
