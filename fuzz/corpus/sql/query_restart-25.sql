DROP QUERY live;
SELECT count(*) FROM back;
SELECT wait_query('live');
