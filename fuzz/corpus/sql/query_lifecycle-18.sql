SELECT wait_query('q');
DROP SINK out2;
DROP SOURCE forever;
