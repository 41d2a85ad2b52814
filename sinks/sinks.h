/*
 * sinks.h - the built-in sink kinds, one file each in sinks/.
 *
 * Entry points: sl_sinks_builtin_init; the kinds sl_sink_influxdb,
 * sl_sink_dynamodb, sl_sink_avro, sl_sink_kafka, sl_sink_webhook,
 * sl_sink_file.
 */
#ifndef SLUICE_SINKS_H
#define SLUICE_SINKS_H

#include "sluice/connector.h"
#include "sluice/extension.h"

/* Registers every kind below through sl_sink_kind_register (sinks/builtin.c). */
/* Registers every kind below through host->sink_kind_register, as an
 * extension's sl_extension_init would (sinks/builtin.c). */
sl_status sl_sinks_builtin_init(const sl_host *host, sl_extension *ext, sl_error *err);

extern const sl_sink_kind sl_sink_influxdb;
extern const sl_sink_kind sl_sink_dynamodb;
extern const sl_sink_kind sl_sink_avro;
extern const sl_sink_kind sl_sink_kafka;
extern const sl_sink_kind sl_sink_webhook;
extern const sl_sink_kind sl_sink_file;

#endif
