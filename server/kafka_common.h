/*
 * kafka_common.h - what the Kafka source and sink share: the client
 * configuration built from a connector's options.
 *
 * brokers default to the embedded broker (server/embedded_kafka.h); the
 * security options map to their librdkafka names; `properties` passes
 * 'name=value;name=value' through to librdkafka last, so it can override
 * anything sluice sets.  librdkafka's own log lines go to the server log.
 *
 * Also declares the callbacks of the KAFKA source kind (server/source_kafka.c)
 * that server/sources.c plugs into its kind struct.
 *
 * Entry points: sl_kafka_conf_new, sl_kafka_conf_set, sl_kafka_properties_check,
 * sl_kafka_source_*.
 */
#ifndef SLUICE_KAFKA_COMMON_H
#define SLUICE_KAFKA_COMMON_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

#include "sluice/connector.h"
#include "sluice/error.h"

/* One librdkafka setting; lists of them end with {NULL, NULL}. */
typedef struct sl_kafka_setting {
    const char *name;
    const char *value;
} sl_kafka_setting;

/*
 * A new librdkafka configuration for the connector called what (e.g.
 * `source "water"`), from opts: bootstrap.servers, client.id, then the
 * kind's defaults (may be NULL), the
 * security options and properties.  *out is the caller's (rd_kafka_new takes it, or
 * rd_kafka_conf_destroy).  Errors: 22023 no brokers and no embedded broker
 * running, a malformed or unknown property (its value is never shown: it
 * may be a secret).
 */
sl_status sl_kafka_conf_new(const sl_options *opts, const char *what, const char *client_id,
                            const sl_kafka_setting *defaults, rd_kafka_conf_t **out, sl_error *err);

/* rd_kafka_conf_set with an sl_error (22023 naming the setting, not its value). */
sl_status sl_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, const char *what,
                            sl_error *err);

/* Checks the syntax and the names of a properties option (CREATE time). */
sl_status sl_kafka_properties_check(const sl_options *opts, sl_error *err);

/* ---- the KAFKA source (server/source_kafka.c) ---- */

sl_status sl_kafka_source_validate(const sl_options *opts, sl_error *err);
sl_status sl_kafka_source_open(const sl_source_open_args *args, void **state, sl_error *err);
sl_status sl_kafka_source_read(void *state, sl_batch *batch, bool *eof, int64_t *decode_errors,
                               sl_error *err);
sl_status sl_kafka_source_commit(void *state, sl_error *err);
void sl_kafka_source_close(void *state);

#endif
