-- syntax: errors carry SQLSTATE 42601, the token and its position (the caret)
SELEC 1;
SHOW SINKS FROM;
CREATE SINK s TO FILE WITH (path = 'x.jsonl' format = 'json');
CREATE SOURCE s FROM KAFKA WITH (topic 'x');
SELECT station, avg(ph) FROM readings WINDOW GROUP BY station;
SELECT station FROM readings WINDOW HOPPING (5 MINUTES);
SELECT station FROM readings WINDOW 5 FORTNIGHTS;
SELECT (1 + ) FROM readings;
CREATE SINK s TO FILE WITH (path = 'x')
  -- the error is on the third line
  INTO;
DROP TABLE t;
SELECT 1 FROM readings LIMIT 'ten';
/* comments are skipped */ SHOW /* even /* nested */ here */ SOURCES; -- and here
SELECT "" FROM readings;
-- several statements on one line each run
SET application_name = 'a'; SHOW application_name;
SELECT 'unterminated;
