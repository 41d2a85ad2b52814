SHOW nosuch_setting;
SET nosuch_setting = 1;
SET max_connections = 5;
