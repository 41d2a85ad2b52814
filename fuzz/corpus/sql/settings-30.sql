SHOW max_connections;
SHOW checkpoint_interval;
SET application_name = 'regress';
