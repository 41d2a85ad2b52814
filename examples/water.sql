-- examples/water.sql - the original water-quality pipeline as SQL.
--
-- Before sluice: a Python script replayed an Excel sheet into a Kafka topic,
-- Spark computed per-station aggregates from the topic and wrote them back to
-- Kafka, and more scripts archived the raw readings and raised alerts.  Here
-- every step is one statement.  scripts/run.sh feeds this file to the server
-- it starts with --embedded-kafka (Kafka sources and sinks without `brokers`
-- use that in-memory broker) and copies water.xlsx into data/files, the
-- first of the file_roots (docs/security.md): the relative paths below
-- (water.xlsx, alerts.jsonl, archive) all resolve there.
--
-- The file starts by dropping what an earlier run created, so it can be run
-- again on the same data directory.
DROP QUERY IF EXISTS replay;
DROP QUERY IF EXISTS per_station;
DROP QUERY IF EXISTS ph_alerts;
DROP QUERY IF EXISTS raw_archive;
DROP SOURCE IF EXISTS sheet;
DROP SOURCE IF EXISTS readings;
DROP SOURCE IF EXISTS processed_feed;
DROP SINK IF EXISTS raw_kafka;
DROP SINK IF EXISTS processed;
DROP SINK IF EXISTS alerts;
DROP SINK IF EXISTS archive;

-- 1. The Excel replayer: the workbook's rows into the topic `water`, paced
--    like the sensors (100 rows per second; the sheet has 3000 readings of
--    5 stations covering 100 minutes of event time).
CREATE SOURCE sheet FROM XLSX WITH (path = 'water.xlsx', sheet = 'readings', rate = 100);
CREATE SINK raw_kafka TO KAFKA WITH (topic = 'water', format = 'json', key = 'station');
CREATE QUERY replay AS SELECT * FROM sheet INTO raw_kafka;

-- 2. The readings as the topic carries them, with event time and lateness.
CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, turbidity DOUBLE,
                        temperature DOUBLE, dissolved_oxygen DOUBLE, conductivity BIGINT)
  FROM KAFKA WITH (topic = 'water', format = 'json')
  EVENT TIME ts WATERMARK 10 SECONDS;

-- 3. What Spark did: per-station 1-minute aggregates, back into Kafka.
CREATE SINK processed TO KAFKA WITH (topic = 'water-processed', format = 'json', key = 'station');
CREATE QUERY per_station AS
  SELECT window_start, window_end, station, count(*) AS readings,
         round(avg(ph), 3) AS avg_ph, min(ph) AS min_ph, max(ph) AS max_ph,
         max(turbidity) AS max_turbidity, round(avg(dissolved_oxygen), 3) AS avg_oxygen
  FROM readings WINDOW TUMBLING (1 MINUTE) GROUP BY station
  INTO processed;

-- 4. Alerts: every reading whose pH leaves the safe range.
CREATE SINK alerts TO FILE WITH (path = 'alerts.jsonl', format = 'json');
CREATE QUERY ph_alerts AS
  SELECT ts, station, ph FROM readings WHERE ph NOT BETWEEN 6.5 AND 8.5 INTO alerts;

-- 5. The raw archive: Avro container files under archive/, rotated every
--    minute or 64 MB, each renamed into place only when complete.  Replay it
--    with CREATE SOURCE ... FROM AVRO WITH (path = 'archive/*.avro').
CREATE SINK archive TO AVRO WITH (path = 'archive', codec = 'deflate', rotate_interval = '1 minute');
CREATE QUERY raw_archive AS SELECT * FROM readings INTO archive;

-- 6. The processed topic as a source, so a push query can watch it.
CREATE SOURCE processed_feed (window_start TIMESTAMP, station TEXT, readings BIGINT,
                              avg_ph DOUBLE, max_turbidity DOUBLE)
  FROM KAFKA WITH (topic = 'water-processed', format = 'json');

SHOW QUERIES;
