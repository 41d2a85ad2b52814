# server/: sluiced.  Everything but main.c goes into libslserver.a so that
# unit tests link the same code the server runs.
noinst_LIBRARIES += libslserver.a

# The process: settings, the data directory's lock.
libslserver_a_SOURCES = server/config.c server/config.h server/lockfile.c server/lockfile.h server/cancel.h

# net/: the PostgreSQL wire protocol, the listener and the sessions.
libslserver_a_SOURCES += server/net/protocol.c server/net/protocol.h server/net/dest.h \
	server/net/printtup.c server/net/printtup.h \
	server/net/postmaster.c server/net/postmaster.h server/net/session.c server/net/session.h \
	server/net/tls.c server/net/tls.h server/net/hba.c server/net/hba.h server/net/scram.c server/net/scram.h \
	server/net/auth.c server/net/auth.h server/net/security.c server/net/security.h \
	server/net/session_int.h server/net/session_io.c server/net/extended.c server/net/pqbinary.c server/net/pqbinary.h \
	server/pgcat/pgcat.c server/pgcat/pgcat.h

# commands/: statements run by a session (DDL, SHOW, push queries, EXPLAIN).
libslserver_a_SOURCES += server/commands/exec.c server/commands/exec.h server/commands/exec_internal.h \
	server/commands/exec_util.c server/commands/exec_ddl.c server/commands/exec_show.c \
	server/commands/exec_constant.c server/commands/exec_query.c \
	server/commands/explain.c server/commands/exec_role.c server/commands/exec_extension.c \
	server/commands/privileges.c server/commands/privileges.h

# extensions/: CREATE EXTENSION's libraries, their control files, the host
# table they and the built-in kinds register through (docs/extensions.md).
libslserver_a_SOURCES += server/extensions/loader.c server/extensions/loader.h \
	server/extensions/control.c server/extensions/control.h

# http/: sluiced's HTTP listener (libmicrohttpd): logins with roles, /metrics.
libslserver_a_SOURCES += server/http/http.c server/http/http.h server/http/http_auth.c server/http/http_auth.h \
	server/http/http_metrics.c server/http/http_metrics.h

# catalog/: the SQLite catalog (sources, sinks, queries, checkpoints).
libslserver_a_SOURCES += server/catalog/catalog.c server/catalog/catalog.h
# The secrets in it: sealed with AES-256-GCM under DATADIR/secret.key.
libslserver_a_SOURCES += server/catalog/secret.c server/catalog/secret.h \
	server/catalog/secret_store.c server/catalog/secret_store.h

# pgcat/: pg_catalog and information_schema for PostgreSQL tools, on SQLite.
libslserver_a_SOURCES += server/pgcat/pgcat.h server/pgcat/pgcat.c server/pgcat/pgcat_int.h \
	server/pgcat/scan.c server/pgcat/types.c server/pgcat/translate.c server/pgcat/tables.c server/pgcat/funcs.c

# engine/: expressions and functions, analysis, aggregates and windows, the
# operators and the plan they make, the runtime of continuous and push queries.
libslserver_a_SOURCES += server/engine/expr.h server/engine/expr_int.h server/engine/expr.c \
	server/engine/expr_bind.c server/engine/expr_eval.c server/engine/functions.c \
	server/engine/analyze.h server/engine/analyze.c \
	server/engine/agg.h server/engine/agg.c server/engine/window.h server/engine/window.c \
	server/engine/op.h server/engine/op.c server/engine/ops.h server/engine/op_filter.c \
	server/engine/op_aggregate.c server/engine/op_project.c server/engine/op_limit.c server/engine/op_sink.c \
	server/engine/plan.h server/engine/plan.c \
	server/engine/query.h server/engine/query.c server/engine/runtime.h server/engine/runtime.c

# connectors/: the sink framework (batching, retries, SHOW SINKS figures) and
# the registration of the built-in kinds.
libslserver_a_SOURCES += server/connectors/sink_writer.h server/connectors/sink_writer.c \
	server/connectors/sink_stats.h server/connectors/sink_stats.c \
	server/connectors/builtin.h server/connectors/builtin.c \
	server/connectors/confinement.h server/connectors/confinement.c

# The registry of kinds and their options: the public sluice/connector.h.
# Its own library because sources, sinks and the Kafka client call it, and
# it calls none of them.
noinst_LIBRARIES += libslregistry.a
libslregistry_a_SOURCES = server/connectors/registry.c server/connectors/registry.h include/sluice/connector.h

# Each library uses only those after it: a call against this order does not link.
SL_SERVER_LIBS = libslserver.a libslsources.a libslsinks.a libslkafka.a libslclients.a libslformats.a libslregistry.a \
	libslparser.a libslcommon.a
SL_SERVER_LDADD = $(SL_SERVER_LIBS) $(SQLITE_LIBS) $(RDKAFKA_LIBS) $(AVRO_LIBS) \
	$(CURL_LIBS) $(ZLIB_LIBS) $(ZIP_LIBS) $(EXPAT_LIBS) $(MHD_LIBS) $(OPENSSL_LIBS) -lm

bin_PROGRAMS += sluiced
sluiced_SOURCES = server/main.c
sluiced_LDADD = $(SL_SERVER_LDADD) $(JEMALLOC_LIBS)
EXTRA_DIST += server/README.md
