EXPLAIN SELECT station, count(*) FROM readings WINDOW SESSION (30s) GROUP BY station HAVING count(*) > 1;
PAUSE QUERY ph_alerts;
RESUME QUERY ph_alerts;
