SELECT wait_query('later');
SELECT wait_query('live', 0.1);
RESUME QUERY later;
