# clients/: clients of the services sluice talks to over HTTP: the one
# libcurl client (the HTTP sinks, the schema registry) and the Confluent
# Schema Registry client (the Kafka source and sink's Avro wire format).
noinst_LIBRARIES += libslclients.a
libslclients_a_SOURCES = clients/http.h clients/http.c clients/schema_registry.h clients/schema_registry.c
EXTRA_DIST += clients/README.md
