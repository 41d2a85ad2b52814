DROP QUERY endless;
SELECT count(*) AS n, count(DISTINCT station) AS stations FROM back;
SELECT wait_query('win');
