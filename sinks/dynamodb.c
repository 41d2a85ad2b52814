/*
 * dynamodb.c - the DYNAMODB sink: items written with BatchWriteItem.
 *
 * Requests are signed with libcurl's built-in SigV4; an item is identified
 * by its key (and sort key), so replaying the same windows overwrites the
 * same items.  Declares the options; the writer arrives with the sinks
 * issue.
 *
 * Entry point: sl_sink_dynamodb.
 */
#include "sluice/connector.h"

static const sl_option_decl dynamodb_options[] = {
    {.name = "endpoint",
     .type = SL_OPT_STRING,
     .help = "URL of the DynamoDB API; default: https://dynamodb.<region>.amazonaws.com"},
    {.name = "region",
     .type = SL_OPT_STRING,
     .help = "AWS region, e.g. eu-west-1; default: AWS_REGION or AWS_DEFAULT_REGION from the environment"},
    {.name = "table", .type = SL_OPT_STRING, .required = true, .help = "table to write to"},
    {.name = "key", .type = SL_OPT_STRING, .required = true, .help = "column holding the partition key"},
    {.name = "sort_key", .type = SL_OPT_STRING, .help = "column holding the sort key, if the table has one"},
    {.name = "access_key_id",
     .type = SL_OPT_STRING,
     .secret = true,
     .help = "AWS access key id; default: AWS_ACCESS_KEY_ID from the environment"},
    {.name = "secret_access_key",
     .type = SL_OPT_STRING,
     .secret = true,
     .help = "AWS secret access key; default: AWS_SECRET_ACCESS_KEY from the environment"},
    {.name = "session_token",
     .type = SL_OPT_STRING,
     .secret = true,
     .help = "AWS session token; default: AWS_SESSION_TOKEN from the environment"},
    {.name = "timestamp_format",
     .type = SL_OPT_ENUM,
     .default_value = "iso8601",
     .choices = SL_CHOICES("iso8601", "epoch_seconds", "epoch_millis", "epoch_micros"),
     .help = "TIMESTAMP values as ISO-8601 text (S) or epoch numbers (N)"},
    {0},
};

const sl_sink_kind sl_sink_dynamodb = {
    .api_version = SL_SINK_API_VERSION,
    .name = "dynamodb",
    .description = "items in a DynamoDB table (BatchWriteItem, SigV4), idempotent by key",
    .options = dynamodb_options,
};
