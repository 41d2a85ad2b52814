SELECT date_trunc('hour', '2026-01-01 10:35:12'::timestamp) AS h, extract(minute FROM '2026-01-01 10:35:12'::timestamp) AS m;
SELECT abs(-3) AS a, round(2.567, 2) AS r, sqrt(16.0) AS s, upper('ph') AS u, length('sluice') AS l, substr('sluice', 2, 3) AS ss;
SELECT greatest(1, 5, 3) AS g, least(2.5, 1) AS l, replace('a-b-c', '-', '+') AS r, trim('  x  ') AS t;
