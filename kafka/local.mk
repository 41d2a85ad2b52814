# kafka/: what the Kafka source and sink share (the client settings) and the
# embedded broker.
noinst_LIBRARIES += libslkafka.a
libslkafka_a_SOURCES = kafka/client.h kafka/client.c kafka/embedded.h kafka/embedded.c
EXTRA_DIST += kafka/README.md
