# regress/: unit tests (cmocka) and the SQL regression suite.
SL_UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
SL_UNIT_LDADD = $(SL_SERVER_LDADD) $(CMOCKA_LIBS)

check_PROGRAMS += regress/unit/test_lexer regress/unit/test_parser \
	regress/unit/test_options regress/unit/test_protocol
regress_unit_test_lexer_SOURCES = regress/unit/test_lexer.c
regress_unit_test_lexer_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_lexer_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_parser_SOURCES = regress/unit/test_parser.c
regress_unit_test_parser_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_parser_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_options_SOURCES = regress/unit/test_options.c
regress_unit_test_options_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_options_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_protocol_SOURCES = regress/unit/test_protocol.c
regress_unit_test_protocol_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_protocol_LDADD = $(SL_UNIT_LDADD)

# The query engine's unit tests (issue 3).
check_PROGRAMS += regress/unit/test_mcxt regress/unit/test_types regress/unit/test_expr regress/unit/test_analyze regress/unit/test_window regress/unit/test_formats regress/unit/test_sources regress/unit/test_xlsx
regress_unit_test_mcxt_SOURCES = regress/unit/test_mcxt.c
regress_unit_test_mcxt_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_mcxt_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_types_SOURCES = regress/unit/test_types.c
regress_unit_test_types_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_types_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_expr_SOURCES = regress/unit/test_expr.c
regress_unit_test_expr_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_expr_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_analyze_SOURCES = regress/unit/test_analyze.c
regress_unit_test_analyze_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_analyze_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_window_SOURCES = regress/unit/test_window.c
regress_unit_test_window_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_window_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_formats_SOURCES = regress/unit/test_formats.c
regress_unit_test_formats_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_formats_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_sources_SOURCES = regress/unit/test_sources.c
regress_unit_test_sources_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_sources_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_xlsx_SOURCES = regress/unit/test_xlsx.c
regress_unit_test_xlsx_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_xlsx_LDADD = $(SL_UNIT_LDADD)

# Kafka client settings and the embedded broker (issue 4).
check_PROGRAMS += regress/unit/test_kafka
regress_unit_test_kafka_SOURCES = regress/unit/test_kafka.c
regress_unit_test_kafka_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_kafka_LDADD = $(SL_UNIT_LDADD)

# Avro messages of the Kafka source and sink (issue 4).
check_PROGRAMS += regress/unit/test_avro
regress_unit_test_avro_SOURCES = regress/unit/test_avro.c
regress_unit_test_avro_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_avro_LDADD = $(SL_UNIT_LDADD)

# Sinks (issue 5): the InfluxDB line encoder, DynamoDB items, Avro files.
check_PROGRAMS += regress/unit/test_influx_line regress/unit/test_dynamodb_item regress/unit/test_avro_file
regress_unit_test_influx_line_SOURCES = regress/unit/test_influx_line.c
regress_unit_test_influx_line_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_influx_line_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_dynamodb_item_SOURCES = regress/unit/test_dynamodb_item.c
regress_unit_test_dynamodb_item_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_dynamodb_item_LDADD = $(SL_UNIT_LDADD)
regress_unit_test_avro_file_SOURCES = regress/unit/test_avro_file.c
regress_unit_test_avro_file_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_avro_file_LDADD = $(SL_UNIT_LDADD)

# The sink framework (issue 5): batching, retries, SHOW SINKS figures.
check_PROGRAMS += regress/unit/test_sink_writer
regress_unit_test_sink_writer_SOURCES = regress/unit/test_sink_writer.c
regress_unit_test_sink_writer_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_sink_writer_LDADD = $(SL_UNIT_LDADD)

# The small JSON scanner of replies and schemas (common/json_scan.c).
check_PROGRAMS += regress/unit/test_json_scan
regress_unit_test_json_scan_SOURCES = regress/unit/test_json_scan.c
regress_unit_test_json_scan_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_json_scan_LDADD = $(SL_UNIT_LDADD)

# Checkpoints (issue 6): window state and source positions saved and restored.
check_PROGRAMS += regress/unit/test_checkpoint
regress_unit_test_checkpoint_SOURCES = regress/unit/test_checkpoint.c
regress_unit_test_checkpoint_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_checkpoint_LDADD = $(SL_UNIT_LDADD)

# The schema registry client (issue 4): URLs, replies, the cache.
check_PROGRAMS += regress/unit/test_confine
regress_unit_test_confine_SOURCES = regress/unit/test_confine.c
regress_unit_test_confine_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_confine_LDADD = $(SL_UNIT_LDADD)

check_PROGRAMS += regress/unit/test_schema_registry
regress_unit_test_schema_registry_SOURCES = regress/unit/test_schema_registry.c
regress_unit_test_schema_registry_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_schema_registry_LDADD = $(SL_UNIT_LDADD)

# Secrets in the catalog (issue 12): sealing, tampering, key files.
check_PROGRAMS += regress/unit/test_secret
regress_unit_test_secret_SOURCES = regress/unit/test_secret.c
regress_unit_test_secret_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_secret_LDADD = $(SL_UNIT_LDADD)

# The HTTP listener's pure parts (issue 17): form fields, label escaping,
# passwords against SCRAM verifiers.
check_PROGRAMS += regress/unit/test_http
regress_unit_test_http_SOURCES = regress/unit/test_http.c
regress_unit_test_http_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_http_LDADD = $(SL_UNIT_LDADD)

# The embedded Kafka broker as a program (tests whose broker must outlive a
# server); not a test itself, so not in check_PROGRAMS (which are all run).
noinst_PROGRAMS += regress/kafka-broker
regress_kafka_broker_SOURCES = regress/kafka_broker.c
regress_kafka_broker_LDADD = $(SL_SERVER_LDADD)

# Script tests: each starts its own server(s) through regress/lib/server.sh.
SL_SCRIPT_TESTS = regress/pg_regress.sh regress/scripts/protocol_garbage.sh regress/scripts/extended_protocol.sh \
	regress/scripts/psql.sh regress/scripts/server_lifecycle.sh regress/scripts/auth.sh regress/scripts/privileges.sh \
	regress/scripts/docs.sh regress/scripts/layout.sh regress/scripts/client.sh regress/scripts/result_types.sh \
	regress/scripts/cancel.sh regress/scripts/query_state.sh \
	regress/scripts/oracle.sh \
	regress/scripts/kafka_pipeline.sh regress/scripts/kafka_offsets.sh \
	regress/scripts/kafka_embedded.sh regress/scripts/kafka_oracle.sh \
	regress/scripts/kafka_avro.sh regress/scripts/kafka_registry.sh \
	regress/scripts/kafka_event_time.sh \
	regress/scripts/sink_influxdb.sh regress/scripts/sink_dynamodb.sh \
	regress/scripts/sink_avro.sh regress/scripts/sink_webhook.sh \
	regress/scripts/sink_backpressure.sh \
	regress/scripts/load.sh regress/scripts/limits.sh regress/scripts/session_limits.sh regress/scripts/runaway.sh \
	regress/scripts/sink_outage.sh regress/scripts/broker_outage.sh regress/scripts/disk_full.sh \
	regress/scripts/crash_recovery.sh regress/scripts/crash_stores.sh regress/scripts/checkpoint_delta.sh \
	regress/scripts/confinement.sh regress/scripts/secrets.sh regress/scripts/catalog_clients.sh \
	regress/scripts/http_metrics.sh regress/scripts/extensions.sh \
	$(SL_DRIVER_TESTS)
# The driver suite (issue 13): each PostgreSQL client at its default
# settings, a program per client in regress/clients/ (docs/clients.md).
SL_DRIVER_TESTS = regress/scripts/drivers_psycopg.sh regress/scripts/drivers_asyncpg.sh \
	regress/scripts/drivers_sqlalchemy.sh regress/scripts/drivers_node.sh \
	regress/scripts/drivers_jdbc.sh regress/scripts/drivers_go.sh \
	regress/scripts/drivers_pgcli.sh regress/scripts/drivers_psql.sh
dist_noinst_SCRIPTS += $(SL_SCRIPT_TESTS) regress/lib/server.sh regress/scripts/kafka_common.sh regress/oracle/window_oracle.py \
	regress/lib/influxd.sh regress/lib/dynalite.sh regress/lib/receiver.sh regress/lib/layout_check.py regress/scripts/webhook_receiver.py \
	regress/lib/check.sh regress/lib/pqraw.py regress/lib/servers.sh regress/lib/produce_water.py regress/lib/make_readings.py \
	regress/lib/drivers.sh regress/clients/psycopg3_check.py regress/clients/asyncpg_check.py \
	regress/clients/sqlalchemy_check.py regress/clients/pgcli_check.py regress/clients/clientcheck.py \
	regress/clients/pg_check.js regress/clients/psql_check.sh regress/clients/validate_postgres.sh \
	regress/clients/wire_trace.py
EXTRA_DIST += regress/clients/Jdbc.java regress/clients/pgx_check.go regress/clients/libpq_check.go regress/clients/clientcheck.go \
	regress/clients/readings.csv regress/clients/setup_sluice.sql regress/clients/setup_postgres.sql \
	regress/clients/README.md regress/clients/traces
EXTRA_DIST += regress/npm/package.json regress/npm/package-lock.json
EXTRA_DIST += regress/sql regress/expected regress/schedule regress/README.md regress/fixtures regress/data

TESTS += $(check_PROGRAMS) $(SL_SCRIPT_TESTS)
AM_TESTS_ENVIRONMENT = \
	SLUICED=$(abs_top_builddir)/sluiced; export SLUICED; \
	SLUICE=$(abs_top_builddir)/sluice; export SLUICE; \
	SL_SRCDIR=$(abs_top_srcdir); export SL_SRCDIR; \
	SL_BUILDDIR=$(abs_top_builddir); export SL_BUILDDIR; \
	SL_SERVER_LIBS='$(SL_SERVER_LIBS)'; export SL_SERVER_LIBS;

clean-local: clean-regress
clean-regress:
	-rm -rf regress/results regress/clients-build
.PHONY: clean-regress

include $(srcdir)/regress/valgrind.mk

# The catalog engine: pg_catalog for PostgreSQL tools (issue 13).
check_PROGRAMS += regress/unit/test_pgcat
regress_unit_test_pgcat_SOURCES = regress/unit/test_pgcat.c
regress_unit_test_pgcat_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_pgcat_LDADD = $(SL_UNIT_LDADD)

# Extensions (issue 16): control files, names, the host table's version
# handshake and registration rules; regress/scripts/extensions.sh loads a real one.
check_PROGRAMS += regress/unit/test_extension
regress_unit_test_extension_SOURCES = regress/unit/test_extension.c
regress_unit_test_extension_CFLAGS = $(SL_UNIT_CFLAGS)
regress_unit_test_extension_LDADD = $(SL_UNIT_LDADD)
