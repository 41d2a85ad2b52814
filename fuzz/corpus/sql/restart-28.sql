SHOW SINKS;
SHOW application_name;
DROP SINK out;
