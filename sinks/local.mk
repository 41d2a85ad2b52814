# sinks/: one file per sink kind, each an sl_sink_kind with its declared options.
noinst_LIBRARIES += libslsinks.a
libslsinks_a_SOURCES = sinks/sinks.h sinks/builtin.c sinks/influxdb.c sinks/dynamodb.c sinks/avro.c \
	sinks/kafka.c sinks/webhook.c sinks/file.c \
	sinks/influx_line.h sinks/influx_line.c \
	sinks/dynamodb_item.h sinks/dynamodb_item.c
EXTRA_DIST += sinks/README.md
