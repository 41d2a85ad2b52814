CREATE QUERY done AS SELECT * FROM gen INTO out;
SELECT wait_query('done');
PAUSE QUERY later;
