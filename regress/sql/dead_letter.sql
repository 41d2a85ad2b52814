-- dead_letter: lines of a FILE source that do not decode are counted and,
-- with dead_letter = sink, written to that sink as (raw, error, source, at);
-- the good lines go on to the query's sink.  A push query only counts
-- (SHOW QUERIES shows the count; its started column varies, so not here).
CREATE SINK good TO FILE WITH (path = 'dl_good.jsonl');
CREATE SINK rejects TO FILE WITH (path = 'dl_rejects.jsonl');
CREATE SOURCE bad (station TEXT, v BIGINT) FROM FILE
  WITH (path = 'bad_lines.jsonl', dead_letter = 'rejects');
CREATE QUERY dl AS SELECT station, v FROM bad INTO good;
SELECT wait_query('dl');
-- the good rows
CREATE SOURCE good_back (station TEXT, v BIGINT) FROM FILE WITH (path = 'dl_good.jsonl');
SELECT * FROM good_back;
-- the dead letters: the raw line, why, from where, when
CREATE SOURCE rejects_back (raw TEXT, error TEXT, source TEXT, at TIMESTAMP) FROM FILE
  WITH (path = 'dl_rejects.jsonl');
SELECT raw, error, source, at IS NOT NULL AS has_at FROM rejects_back;
-- a push query on the same source counts the errors but writes no dead letters
SELECT count(*) AS n FROM bad;
SELECT count(*) AS n FROM rejects_back;
-- the dead_letter sink cannot be the query's own sink
CREATE QUERY dl2 AS SELECT station, v FROM bad INTO rejects;
-- the sink is in use as a dead_letter: not dropped
DROP SINK rejects;
DROP QUERY dl;
