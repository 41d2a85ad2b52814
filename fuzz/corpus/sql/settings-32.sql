SET client_encoding TO 'UTF8';
SET TIME ZONE 'UTC';
SHOW timezone;
