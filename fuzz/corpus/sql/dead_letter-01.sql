SELECT wait_query('dl');
SELECT * FROM good_back;
SELECT raw, error, source, at IS NOT NULL AS has_at FROM rejects_back;
