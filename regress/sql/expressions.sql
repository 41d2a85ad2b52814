-- expressions: SELECT without FROM evaluates constant expressions with the
-- query engine's binder and evaluator
SELECT 1 + 2 * 3 AS a, 7 / 2 AS int_div, 7.0 / 2 AS dbl_div, 7 % 3 AS m, 2 ^ 10 AS p;
SELECT NULL AND false AS n_and_f, NULL OR true AS n_or_t, NOT NULL AS not_n, NULL = NULL AS eq;
SELECT 5 BETWEEN 1 AND 10 AS b, 3 IN (1, 2, 3) AS i, 4 NOT IN (1, NULL) AS ni, 'water' LIKE 'wa%' AS l;
SELECT CASE WHEN 1 > 2 THEN 'a' WHEN 2 > 1 THEN 'b' ELSE 'c' END AS c, coalesce(NULL, 'x') AS co, nullif(1, 1) AS nu;
SELECT CAST('42' AS BIGINT) + 1 AS i, '2.5'::double * 2 AS d, CAST(1 AS TEXT) || 'x' AS t, 'true'::boolean AS b;
SELECT TIMESTAMP '2026-01-01 10:00:00' + INTERVAL '90 minutes' AS ts, '2026-01-01T10:00:00Z'::timestamp AS iso;
SELECT date_trunc('hour', '2026-01-01 10:35:12'::timestamp) AS h, extract(minute FROM '2026-01-01 10:35:12'::timestamp) AS m;
SELECT abs(-3) AS a, round(2.567, 2) AS r, sqrt(16.0) AS s, upper('ph') AS u, length('sluice') AS l, substr('sluice', 2, 3) AS ss;
SELECT greatest(1, 5, 3) AS g, least(2.5, 1) AS l, replace('a-b-c', '-', '+') AS r, trim('  x  ') AS t;
-- errors carry SQLSTATE and position
SELECT 1 / 0;
SELECT 'abc'::bigint;
SELECT 1 + 'x';
SELECT nosuch(1);
SELECT 'a' + 1;
SELECT 9223372036854775807 + 1;
