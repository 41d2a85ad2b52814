-- examples/water_dynamodb.sql - the per-station windows into DynamoDB.
--
-- scripts/run.sh runs this after examples/water.sql when it could start
-- dynalite (a DynamoDB-compatible server) on 127.0.0.1:18000 and create the
-- table `water` (partition key station, sort key window_start, both text).
-- Each window is one item; writing the same window again overwrites it.
-- Against AWS, drop `endpoint` and the keys: the region's endpoint and the
-- standard AWS_* environment variables are used.
DROP QUERY IF EXISTS to_dynamodb;
DROP SINK IF EXISTS dynamo;

CREATE SINK dynamo TO DYNAMODB WITH (endpoint = 'http://127.0.0.1:18000', region = 'us-east-1',
                                     table = 'water', key = 'station', sort_key = 'window_start',
                                     access_key_id = 'demo', secret_access_key = 'demo');
CREATE QUERY to_dynamodb AS
  SELECT station, window_start, window_end, count(*) AS readings, avg(ph) AS avg_ph,
         min(ph) AS min_ph, max(ph) AS max_ph, max(turbidity) AS max_turbidity
  FROM readings WINDOW TUMBLING (1 MINUTE) GROUP BY station
  INTO dynamo;
