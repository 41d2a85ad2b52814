PAUSE QUERY endless;
SELECT wait_query('endless');
RESUME QUERY endless;
