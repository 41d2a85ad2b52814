/*
 * sinks.h - the built-in sink kinds, one file each in sinks/.
 *
 * Entry points: sl_sinks_register_builtin; the kinds sl_sink_influxdb,
 * sl_sink_dynamodb, sl_sink_avro, sl_sink_kafka, sl_sink_webhook,
 * sl_sink_file.
 */
#ifndef SLUICE_SINKS_H
#define SLUICE_SINKS_H

#include "sluice/connector.h"

/* Registers every kind below through sl_sink_kind_register (sinks/builtin.c). */
void sl_sinks_register_builtin(void);

extern const sl_sink_kind sl_sink_influxdb;
extern const sl_sink_kind sl_sink_dynamodb;
extern const sl_sink_kind sl_sink_avro;
extern const sl_sink_kind sl_sink_kafka;
extern const sl_sink_kind sl_sink_webhook;
extern const sl_sink_kind sl_sink_file;

#endif
