# server/: sluiced.  Everything but main.c goes into libslserver.a so that
# unit tests link the same code the server runs.
noinst_LIBRARIES += libslserver.a
libslserver_a_SOURCES = \
	server/log.c server/log.h \
	server/config.c server/config.h \
	server/lockfile.c server/lockfile.h \
	server/protocol.c server/protocol.h \
	server/postmaster.c server/postmaster.h \
	server/session.c server/session.h \
	server/dest.h server/exec.h \
	server/exec.c server/exec_ddl.c server/exec_show.c server/exec_internal.h \
	server/catalog.c server/catalog.h \
	server/connector.c server/sources.c \
	include/sluice/connector.h

# libslserver.a twice: the sinks use the server's format encoders.
SL_SERVER_LIBS = libslserver.a libslsinks.a libslserver.a libslparser.a libslcommon.a
SL_SERVER_LDADD = $(SL_SERVER_LIBS) $(SQLITE_LIBS) $(RDKAFKA_LIBS) $(AVRO_LIBS) \
	$(CURL_LIBS) $(ZLIB_LIBS) $(ZIP_LIBS) $(EXPAT_LIBS) -lm

bin_PROGRAMS += sluiced
sluiced_SOURCES = server/main.c
sluiced_LDADD = $(SL_SERVER_LDADD) $(JEMALLOC_LIBS)

# The query engine (issue 3): expressions, analysis, aggregates and windows,
# sources and formats, the runtime of continuous and push queries.
libslserver_a_SOURCES += \
	server/expr.h server/expr_int.h server/expr.c server/expr_bind.c server/expr_eval.c server/functions.c \
	server/analyze.h server/analyze.c \
	server/agg.h server/agg.c server/window.h server/window.c \
	server/format.h server/format_json.c server/format_csv.c \
	server/source_generator.c server/source_file.c \
	server/xlsx_reader.h server/xlsx_reader.c server/xlsx_sheet_scan.h server/xlsx_sheet_scan.c \
	server/source_xlsx.c \
	server/query.h server/query.c server/runtime.h server/runtime.c \
	server/exec_query.c server/explain.c

# Kafka (issue 4): the source, the client settings the source and the sink
# share, and the embedded broker.
libslserver_a_SOURCES += \
	server/kafka_common.h server/kafka_common.c server/source_kafka.c \
	server/format_avro.h server/format_avro.c \
	server/embedded_kafka.h server/embedded_kafka.c

# Sinks issue (5): the AVRO source replays archives written by the AVRO sink.
libslserver_a_SOURCES += server/source_avro.c

# The sink framework (issue 5): batching, retries with backoff, SHOW SINKS figures.
libslserver_a_SOURCES += server/sink_writer.h server/sink_writer.c server/sink_stats.h server/sink_stats.c

# Checkpoints (issue 6): a query's window state and source positions in the catalog.
libslserver_a_SOURCES += server/checkpoint.h server/checkpoint.c

# Confluent Schema Registry client (issue 4): the Kafka source's and sink's Avro wire format.
libslserver_a_SOURCES += server/schema_registry.h server/schema_registry.c
