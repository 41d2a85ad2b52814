/*
 * webhook.c - the WEBHOOK sink: rows POSTed as JSON, for alerts.
 *
 * Each batch is one POST of a JSON array of row objects (one object per
 * request with batch_rows = 1).  Declares the options; the sender arrives
 * with the sinks issue.
 *
 * Entry point: sl_sink_webhook.
 */
#include "sluice/connector.h"

static const sl_option_decl webhook_options[] = {
    {.name = "url", .type = SL_OPT_STRING, .required = true, .help = "URL the rows are POSTed to"},
    {.name = "headers",
     .type = SL_OPT_STRING,
     .secret = true,
     .help = "extra request headers, 'Name: value' separated by newlines or ';' (secret: often credentials)"},
    {.name = "timeout",
     .type = SL_OPT_INTERVAL,
     .default_value = "10 seconds",
     .help = "time allowed for one request before it counts as failed (and is retried)"},
    /* Alerts should not wait for a full batch of a thousand. */
    {.name = "batch_rows",
     .type = SL_OPT_INT,
     .default_value = "100",
     .min = 1,
     .max = 1000000,
     .help = "rows per request (1: one JSON object per request instead of an array)"},
    {0},
};

const sl_sink_kind sl_sink_webhook = {
    .api_version = SL_SINK_API_VERSION,
    .name = "webhook",
    .description = "HTTP POST of rows as JSON, e.g. for alerts",
    .options = webhook_options,
};
