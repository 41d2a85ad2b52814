SELECT 9223372036854775807 + 1;
CREATE SOURCE k FROM KAFKA WITH (topic = 'water', colour = 'blue');
CREATE SINK a TO AVRO WITH (path = 'archive/', rotate = '64XB');
