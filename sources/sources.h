/*
 * sources.h - the built-in source kinds (one file each in sources/) and
 * their callbacks, which the unit tests call directly.
 *
 * Entry points: sl_sources_builtin_init; the kinds sl_source_kafka,
 * sl_source_xlsx, sl_source_avro, sl_source_generator, sl_source_file.
 */
#ifndef SLUICE_SOURCES_H
#define SLUICE_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/batch.h"
#include "sluice/connector.h"
#include "sluice/error.h"
#include "sluice/extension.h"
#include "sluice/mcxt.h"

/* Registers every kind below through sl_source_kind_register (sources/builtin.c). */
/* Registers every kind below through host->source_kind_register, as an
 * extension's sl_extension_init would (sources/builtin.c). */
sl_status sl_sources_builtin_init(const sl_host *host, sl_extension *ext, sl_error *err);

extern const sl_source_kind sl_source_kafka;
extern const sl_source_kind sl_source_xlsx;
extern const sl_source_kind sl_source_avro;
extern const sl_source_kind sl_source_generator;
extern const sl_source_kind sl_source_file;

/* KAFKA (sources/kafka.c). */
sl_status sl_kafka_source_validate(const sl_options *opts, sl_error *err);
sl_status sl_kafka_source_open(const sl_source_open_args *args, void **state, sl_error *err);
sl_status sl_kafka_source_read(void *state, sl_batch *batch, bool *eof, int64_t *decode_errors,
                               sl_error *err);
sl_status sl_kafka_source_commit(void *state, sl_error *err);
void sl_kafka_source_close(void *state);
void sl_kafka_source_splits(void *state, int *nsplits, const bool **pending);
sl_status sl_kafka_source_position(void *state, sl_mcxt *cx, char **pos, size_t *len, sl_error *err);
sl_status sl_kafka_source_seek(void *state, const char *pos, size_t len, sl_error *err);

/* XLSX (sources/xlsx.c). */
sl_status sl_xlsx_source_open(const sl_source_open_args *args, void **state, sl_error *err);
sl_status sl_xlsx_source_read(void *state, sl_batch *batch, bool *eof, int64_t *decode_errors, sl_error *err);
void sl_xlsx_source_close(void *state);
sl_status sl_xlsx_source_position(void *state, sl_mcxt *cx, char **pos, size_t *len, sl_error *err);
sl_status sl_xlsx_source_seek(void *state, const char *pos, size_t len, sl_error *err);
/* Bytes held by an open source's context (for tests of bounded memory). */
size_t sl_xlsx_source_bytes(void *state);

/* GENERATOR (sources/generator.c): synthetic water-quality readings. */
sl_status sl_generator_source_open(const sl_source_open_args *args, void **state, sl_error *err);
sl_status sl_generator_source_read(void *state, sl_batch *batch, bool *eof, int64_t *decode_errors,
                                   sl_error *err);
void sl_generator_source_close(void *state);
sl_status sl_generator_source_position(void *state, sl_mcxt *cx, char **pos, size_t *len, sl_error *err);
sl_status sl_generator_source_seek(void *state, const char *pos, size_t len, sl_error *err);
/* The generator's fixed columns, in cx. */
const sl_schema *sl_generator_schema(sl_mcxt *cx);

/* FILE (sources/file.c): JSON lines or CSV files. */
sl_status sl_file_source_open(const sl_source_open_args *args, void **state, sl_error *err);
sl_status sl_file_source_read(void *state, sl_batch *batch, bool *eof, int64_t *decode_errors, sl_error *err);
void sl_file_source_close(void *state);
sl_status sl_file_source_position(void *state, sl_mcxt *cx, char **pos, size_t *len, sl_error *err);
sl_status sl_file_source_seek(void *state, const char *pos, size_t len, sl_error *err);

#endif
