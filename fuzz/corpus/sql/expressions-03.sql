SELECT 1 + 2 * 3 AS a, 7 / 2 AS int_div, 7.0 / 2 AS dbl_div, 7 % 3 AS m, 2 ^ 10 AS p;
SELECT NULL AND false AS n_and_f, NULL OR true AS n_or_t, NOT NULL AS not_n, NULL = NULL AS eq;
SELECT 5 BETWEEN 1 AND 10 AS b, 3 IN (1, 2, 3) AS i, 4 NOT IN (1, NULL) AS ni, 'water' LIKE 'wa%' AS l;
