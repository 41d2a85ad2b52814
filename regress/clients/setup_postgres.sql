-- The same relation on a real PostgreSQL server, where the client programs
-- are validated (regress/clients/README.md): a table with readings.csv's rows.
DROP TABLE IF EXISTS readings;
CREATE TABLE readings (ts TIMESTAMP, station TEXT, ph DOUBLE PRECISION);
INSERT INTO readings VALUES ('2026-01-01 00:00:00', 'a', 7.1),
  ('2026-01-01 00:00:10', 'b', 6.9), ('2026-01-01 00:00:20', 'a', 7.3);
