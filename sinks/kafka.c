/*
 * kafka.c - the KAFKA sink: rows produced to a topic.
 *
 * An idempotent librdkafka producer; flush waits for the delivery reports.
 * Declares the options (the security ones match the Kafka source's); the
 * producer arrives with the Kafka issue.
 *
 * Entry point: sl_sink_kafka.
 */
#include "sluice/connector.h"

static const sl_option_decl kafka_options[] = {
    {.name = "brokers",
     .type = SL_OPT_STRING,
     .help = "bootstrap brokers host:port[,host:port...]; omitted: the embedded broker (sluiced "
             "--embedded-kafka)"},
    {.name = "topic", .type = SL_OPT_STRING, .required = true, .help = "topic to produce to"},
    {.name = "format",
     .type = SL_OPT_ENUM,
     .default_value = "json",
     .choices = SL_CHOICES("json", "csv", "avro"),
     .help = "encoding of the message values (avro: schema derived from the query's columns)"},
    {.name = "key", .type = SL_OPT_STRING, .help = "column whose value is the message key; default: no key"},
    {.name = "compression",
     .type = SL_OPT_ENUM,
     .default_value = "none",
     .choices = SL_CHOICES("none", "gzip", "snappy", "lz4", "zstd"),
     .help = "compression of message batches"},
    {.name = "schema_registry",
     .type = SL_OPT_STRING,
     .help = "format avro: URL of a schema registry; messages then use the Confluent wire format"},
    {.name = "properties",
     .type = SL_OPT_STRING,
     .secret = true,
     .help = "librdkafka settings passed through: 'name=value;name=value' (secret: it may hold credentials)"},
    /* The same connection options as the Kafka source (server/sources.c). */
    {.name = "security_protocol",
     .type = SL_OPT_ENUM,
     .choices = SL_CHOICES("plaintext", "ssl", "sasl_plaintext", "sasl_ssl"),
     .help = "how to talk to the brokers (librdkafka security.protocol)"},
    {.name = "sasl_mechanism",
     .type = SL_OPT_ENUM,
     .choices = SL_CHOICES("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"),
     .help = "SASL mechanism"},
    {.name = "sasl_username", .type = SL_OPT_STRING, .secret = true, .help = "SASL user name"},
    {.name = "sasl_password", .type = SL_OPT_STRING, .secret = true, .help = "SASL password"},
    {.name = "ssl_ca_location",
     .type = SL_OPT_STRING,
     .help = "file of CA certificates to verify the brokers"},
    {.name = "ssl_certificate_location", .type = SL_OPT_STRING, .help = "client certificate file"},
    {.name = "ssl_key_location", .type = SL_OPT_STRING, .help = "client private key file"},
    {.name = "ssl_key_password",
     .type = SL_OPT_STRING,
     .secret = true,
     .help = "password of the client private key"},
    {0},
};

const sl_sink_kind sl_sink_kafka = {
    .api_version = SL_SINK_API_VERSION,
    .name = "kafka",
    .description = "messages produced to a Kafka topic (idempotent producer)",
    .options = kafka_options,
};
