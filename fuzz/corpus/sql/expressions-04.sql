SELECT CASE WHEN 1 > 2 THEN 'a' WHEN 2 > 1 THEN 'b' ELSE 'c' END AS c, coalesce(NULL, 'x') AS co, nullif(1, 1) AS nu;
SELECT CAST('42' AS BIGINT) + 1 AS i, '2.5'::double * 2 AS d, CAST(1 AS TEXT) || 'x' AS t, 'true'::boolean AS b;
SELECT TIMESTAMP '2026-01-01 10:00:00' + INTERVAL '90 minutes' AS ts, '2026-01-01T10:00:00Z'::timestamp AS iso;
