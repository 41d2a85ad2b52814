/*
 * sources.c - the built-in source kinds and the options they declare.
 *
 * Each kind is an sl_source_kind registered through the same public call
 * an extension uses (sl_source_kind_register).  The readers live in their
 * own files (source_*.c; AVRO's kind, options and reader are all in
 * source_avro.c); the option tables use the names the Kafka, engine and
 * sinks issues specify, so DDL written today keeps working.
 *
 * Entry points: sl_sources_register_builtin, sl_source_framework_options.
 */
#include <stdio.h>
#include <stdlib.h>

#include "checkpoint.h"   /* position and seek of the kafka, file, generator and xlsx readers */
#include "format.h"       /* the generator and file readers */
#include "kafka_common.h" /* the kafka reader */
#include "sluice/connector.h"
#include "xlsx_reader.h"

/* Event-time bounds every source has: see docs/sql.md "Event time". */
const sl_option_decl sl_source_framework_options[] = {
    {.name = "idle_timeout",
     .type = SL_OPT_INTERVAL,
     .default_value = "10 seconds",
     .help = "after this long without rows the watermark advances with processing time"},
    {.name = "max_future",
     .type = SL_OPT_INTERVAL,
     .default_value = "1 hour",
     .help =
         "rows whose event time is further ahead of arrival time are counted and do not move the watermark"},
    {0},
};

static const sl_option_decl kafka_source_options[] = {
    {.name = "brokers",
     .type = SL_OPT_STRING,
     .help = "bootstrap brokers host:port[,host:port...]; omitted: the embedded broker (sluiced "
             "--embedded-kafka)"},
    {.name = "topic", .type = SL_OPT_STRING, .required = true, .help = "topic to read (all partitions)"},
    {.name = "format",
     .type = SL_OPT_ENUM,
     .default_value = "json",
     .choices = SL_CHOICES("json", "csv", "avro"),
     .help = "encoding of the message values"},
    {.name = "group",
     .type = SL_OPT_STRING,
     .help =
         "consumer group; default: one group per query, named after it, so each query sees every message"},
    {.name = "start",
     .type = SL_OPT_ENUM,
     .default_value = "earliest",
     .choices = SL_CHOICES("earliest", "latest"),
     .help = "where a query with no committed offset starts reading"},
    {.name = "key_column",
     .type = SL_OPT_STRING,
     .help = "name of a text column that receives the message key"},
    {.name = "timestamp",
     .type = SL_OPT_ENUM,
     .choices = SL_CHOICES("event", "kafka"),
     .help = "event time from the EVENT TIME column (event) or the message timestamp (kafka); "
             "default: event when EVENT TIME is declared, else kafka"},
    {.name = "header",
     .type = SL_OPT_BOOL,
     .default_value = "false",
     .help = "format csv: messages start with a header line naming the columns (else columns by position)"},
    {.name = "schema",
     .type = SL_OPT_STRING,
     .help = "format avro: the writer schema, as JSON text or a file name"},
    {.name = "schema_registry",
     .type = SL_OPT_STRING,
     .help = "format avro: URL of a schema registry; messages use the Confluent wire format (magic byte + "
             "schema id) and each id's writer schema is fetched from the registry"},
    SL_KAFKA_REGISTRY_AUTH_OPTIONS,
    {.name = "dead_letter",
     .type = SL_OPT_STRING,
     .help = "sink that receives messages that fail to decode, with the error text"},
    SL_KAFKA_CONNECTION_OPTIONS,
    {0},
};

static const sl_option_decl xlsx_source_options[] = {
    {.name = "path",
     .type = SL_OPT_STRING,
     .required = true,
     .help = "the .xlsx file, relative to the data directory unless absolute"},
    {.name = "sheet", .type = SL_OPT_STRING, .help = "sheet name or 1-based index; default: the first sheet"},
    {.name = "header",
     .type = SL_OPT_BOOL,
     .default_value = "true",
     .help = "the first row names the columns"},
    {.name = "rate",
     .type = SL_OPT_NUMBER,
     .min = 0.001,
     .max = 1e9,
     .help = "rows per second to replay at; default: as fast as possible"},
    {.name = "loop",
     .type = SL_OPT_BOOL,
     .default_value = "false",
     .help = "replay the sheet forever, shifting event times by the sheet's time span each round"},
    {0},
};

static const sl_option_decl generator_source_options[] = {
    {.name = "rows", .type = SL_OPT_INT, .help = "number of rows, then the source ends; default: unbounded"},
    {.name = "rate",
     .type = SL_OPT_NUMBER,
     .min = 0.001,
     .max = 1e12,
     .help = "rows per second; default: as fast as possible"},
    {.name = "stations",
     .type = SL_OPT_INT,
     .default_value = "10",
     .min = 1,
     .max = 1000000,
     .help = "number of distinct stations"},
    {.name = "seed",
     .type = SL_OPT_INT,
     .default_value = "1",
     .help = "random seed: the same seed gives the same rows"},
    {.name = "start_time",
     .type = SL_OPT_STRING,
     .help = "event time of the first row, ISO-8601 ('2024-01-01 00:00:00'); default: 2026-01-01 00:00:00 "
             "UTC, so runs repeat exactly"},
    {.name = "late_fraction",
     .type = SL_OPT_NUMBER,
     .default_value = "0",
     .min = 0,
     .max = 1,
     .help = "fraction of rows emitted out of order (for window tests)"},
    {0},
};

static const sl_option_decl file_source_options[] = {
    {.name = "path",
     .type = SL_OPT_STRING,
     .required = true,
     .help = "file or glob, read in name order; relative to the data directory unless absolute"},
    {.name = "format",
     .type = SL_OPT_ENUM,
     .default_value = "json",
     .choices = SL_CHOICES("json", "csv"),
     .help = "JSON lines or CSV"},
    {.name = "follow",
     .type = SL_OPT_BOOL,
     .default_value = "false",
     .help = "keep reading appended lines and new matching files (like tail -F); else the source ends"},
    {.name = "timestamp_unit",
     .type = SL_OPT_ENUM,
     .default_value = "s",
     .choices = SL_CHOICES("s", "ms", "us"),
     .help = "unit of TIMESTAMP values given as epoch numbers (ISO-8601 text is always accepted)"},
    {.name = "header",
     .type = SL_OPT_BOOL,
     .default_value = "true",
     .help = "format csv: the first line names the columns (else columns by position)"},
    {.name = "dead_letter",
     .type = SL_OPT_STRING,
     .help = "sink that receives lines that fail to decode, with the error text"},
    {0},
};

static const sl_source_kind kafka_source = {
    .api_version = SL_SOURCE_API_VERSION,
    .name = "kafka",
    .description = "messages of a Kafka topic (JSON, CSV or Avro)",
    .options = kafka_source_options,
    .validate = sl_kafka_source_validate,
    .open = sl_kafka_source_open,
    .read = sl_kafka_source_read,
    .close = sl_kafka_source_close,
    .commit = sl_kafka_source_commit,
    .position = sl_kafka_source_position,
    .seek = sl_kafka_source_seek,
    .splits = sl_kafka_source_splits,
    .read_waits = true,
};

static const sl_source_kind xlsx_source = {
    .api_version = SL_SOURCE_API_VERSION,
    .name = "xlsx",
    .description = "rows of an Excel sheet, streamed (finite unless loop)",
    .options = xlsx_source_options,
    .open = sl_xlsx_source_open,
    .read = sl_xlsx_source_read,
    .close = sl_xlsx_source_close,
    .position = sl_xlsx_source_position,
    .seek = sl_xlsx_source_seek,
};

/* AVRO: server/source_avro.c (kind, options and reader). */
extern const sl_source_kind sl_source_avro;

static const sl_source_kind generator_source = {
    .api_version = SL_SOURCE_API_VERSION,
    .name = "generator",
    .description = "synthetic water-quality readings (ts, station, ph, turbidity, temperature, "
                   "dissolved_oxygen, conductivity), deterministic for a seed",
    .options = generator_source_options,
    .open = sl_generator_source_open,
    .read = sl_generator_source_read,
    .close = sl_generator_source_close,
    .position = sl_generator_source_position,
    .seek = sl_generator_source_seek,
};

static const sl_source_kind file_source = {
    .api_version = SL_SOURCE_API_VERSION,
    .name = "file",
    .description = "JSON lines or CSV files",
    .options = file_source_options,
    .open = sl_file_source_open,
    .read = sl_file_source_read,
    .close = sl_file_source_close,
    .position = sl_file_source_position,
    .seek = sl_file_source_seek,
};

void sl_sources_register_builtin(void)
{
    static const sl_source_kind *const kinds[] = {&kafka_source, &xlsx_source, &sl_source_avro,
                                                  &generator_source, &file_source};
    sl_error err;

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (sl_source_kind_register(kinds[i], &err) != SL_OK) {
            /* A built-in table that fails its own checks is a bug caught by
             * the first test run, not something to limp on with. */
            fprintf(stderr, "sluiced: built-in source kind %s: %s\n", kinds[i]->name, err.message);
            abort();
        }
}
