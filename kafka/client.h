/*
 * client.h - what the Kafka source and sink share: the client
 * configuration built from a connector's options.
 *
 * brokers default to the embedded broker (kafka/embedded.h); the
 * security options map to their librdkafka names; `properties` passes
 * 'name=value;name=value' through to librdkafka last, so it can override
 * anything sluice sets.  librdkafka's own log lines go to the server log.
 *
 * Entry points: sl_kafka_conf_new, sl_kafka_conf_set, sl_kafka_properties_check.
 */
#ifndef SLUICE_KAFKA_COMMON_H
#define SLUICE_KAFKA_COMMON_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

#include "sluice/connector.h"
#include "sluice/error.h"

/*
 * Option declarations the KAFKA source (sources/builtin.c) and sink
 * (sinks/kafka.c) both have, to put inside their sl_option_decl arrays:
 * the schema registry's credentials, and the connection (properties and
 * the security options that sl_kafka_conf_new maps).
 */
/* clang-format off */
#define SL_KAFKA_REGISTRY_AUTH_OPTIONS                                                                      \
    {.name = "schema_registry_user", .type = SL_OPT_STRING, .secret = true,                                \
     .help = "user name for the schema registry (HTTP basic auth)"},                                        \
    {.name = "schema_registry_password", .type = SL_OPT_STRING, .secret = true,                            \
     .help = "password for the schema registry (HTTP basic auth)"}
#define SL_KAFKA_CONNECTION_OPTIONS                                                                         \
    {.name = "properties", .type = SL_OPT_STRING, .secret = true, .reach = SL_REACH_KAFKA_PROPERTIES, .destination = true,      \
     .help = "allowed librdkafka settings (docs/security.md): 'name=value;name=value' (secret: it may hold credentials)"}, \
    {.name = "security_protocol", .type = SL_OPT_ENUM,                                                      \
     .choices = SL_CHOICES("plaintext", "ssl", "sasl_plaintext", "sasl_ssl"),                               \
     .help = "how to talk to the brokers (librdkafka security.protocol)"},                                  \
    {.name = "sasl_mechanism", .type = SL_OPT_ENUM,                                                         \
     .choices = SL_CHOICES("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"),                                      \
     .help = "SASL mechanism"},                                                                             \
    {.name = "sasl_username", .type = SL_OPT_STRING, .secret = true, .help = "SASL user name"},             \
    {.name = "sasl_password", .type = SL_OPT_STRING, .secret = true, .help = "SASL password"},              \
    {.name = "ssl_ca_location", .type = SL_OPT_STRING, .reach = SL_REACH_FILE_READ,                          \
     .help = "file of CA certificates to verify the brokers, inside file_roots"},                           \
    {.name = "ssl_certificate_location", .type = SL_OPT_STRING, .reach = SL_REACH_FILE_READ,                 \
     .help = "client certificate file, inside file_roots"},                                                 \
    {.name = "ssl_key_location", .type = SL_OPT_STRING, .reach = SL_REACH_FILE_READ,                         \
     .help = "client private key file, inside file_roots"},                                                 \
    {.name = "ssl_key_password", .type = SL_OPT_STRING, .secret = true,                                    \
     .help = "password of the client private key"}
/* clang-format on */

/* One librdkafka setting; lists of them end with {NULL, NULL}. */
typedef struct sl_kafka_setting {
    const char *name;
    const char *value;
} sl_kafka_setting;

/*
 * A new librdkafka configuration for the connector called what (e.g.
 * `source "water"`), from opts: bootstrap.servers, client.id, then the
 * kind's defaults (may be NULL), the
 * security options and properties (only allowed settings; *.location
 * paths resolved inside confine's file roots).  *out is the caller's (rd_kafka_new takes it, or
 * rd_kafka_conf_destroy).  Errors: 22023 no brokers and no embedded broker
 * running, a malformed or unknown property (its value is never shown: it
 * may be a secret).
 */
sl_status sl_kafka_conf_new(const sl_options *opts, const sl_confine *confine, const char *what,
                            const char *client_id, const sl_kafka_setting *defaults, rd_kafka_conf_t **out,
                            sl_error *err);

/* rd_kafka_conf_set with an sl_error (22023 naming the setting, not its value). */
sl_status sl_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, const char *what,
                            sl_error *err);

/* Checks the syntax and the names of a properties option (CREATE time):
 * 42501 for a setting not on the allow-list (docs/security.md). */
sl_status sl_kafka_properties_check(const sl_options *opts, sl_error *err);

/* The allow-list check of a properties value, with *.location paths
 * checked against confine's file roots (the server, at CREATE and ALTER). */
sl_status sl_kafka_properties_confine(const sl_confine *confine, const char *props, sl_error *err);

#endif
