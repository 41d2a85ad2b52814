SELECT station, ph FROM gen INTO out;
SELECT wait_query('query_1');
SELECT * FROM gen WHERE ph > 7 INTO out2;
