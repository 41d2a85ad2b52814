CREATE SINK s TO FILE WITH (path = 'x.jsonl' format = 'json');
CREATE SOURCE s FROM KAFKA WITH (topic 'x');
SELECT station, avg(ph) FROM readings WINDOW GROUP BY station;
