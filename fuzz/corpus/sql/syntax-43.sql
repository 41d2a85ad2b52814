SELECT 1 FROM readings LIMIT 'ten';
/* comments are skipped */ SHOW /* even /* nested */ here */ SOURCES; -- and here
SELECT "" FROM readings;
SET application_name = 'a'; SHOW application_name;
