CREATE SINK out TO FILE WITH (path = 'out.jsonl', format = 'json');
SET application_name = 'before';
SHOW SOURCES;
