DESCRIBE influx;
DESCRIBE dynamo;
ALTER SINK s SET (format = 'csv');
