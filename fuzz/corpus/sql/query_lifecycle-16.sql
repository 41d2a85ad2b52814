SELECT wait_query('query_2', 30);
CREATE QUERY endless AS SELECT station FROM forever INTO out2;
SELECT wait_query('endless', 0.2);
