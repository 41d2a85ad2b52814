CREATE SINK good TO FILE WITH (path = 'dl_good.jsonl');
CREATE SOURCE bad (station TEXT, v BIGINT) FROM FILE
  WITH (path = 'bad_lines.jsonl', dead_letter = 'rejects');
CREATE QUERY dl AS SELECT station, v FROM bad INTO good;
