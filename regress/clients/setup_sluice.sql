-- The relations every driver check reads, on sluiced: a bounded CSV source
-- (readings.csv, copied into the server's first file root by the test) and
-- an unbounded generator for the cancelled push query.
CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE) FROM FILE
  WITH (path = 'readings.csv', format = 'csv');
CREATE SOURCE forever FROM GENERATOR WITH (seed = 1, rate = 1000);
