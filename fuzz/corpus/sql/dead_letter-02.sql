SELECT count(*) AS n FROM bad;
DROP SINK rejects;
DROP QUERY dl;
