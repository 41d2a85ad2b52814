SHOW server_version;
SHOW server_encoding;
SHOW client_encoding;
