/*
 * influxdb.c - the INFLUXDB sink: points in line protocol over HTTP.
 *
 * Writes to InfluxDB 1.x (/write?db=, user and password) or 2.x
 * (/api/v2/write?org=&bucket=, Authorization: Token), chosen by the options:
 * `database` for 1.x, `org` + `bucket` for 2.x.  Declares the options and
 * checks that exactly one of the two targets is given; the writer itself
 * (open/write/flush/close) arrives with the sinks issue.
 *
 * Entry point: sl_sink_influxdb.
 */
#include "sluice/connector.h"

static const sl_option_decl influxdb_options[] = {
    {.name = "url",
     .type = SL_OPT_STRING,
     .required = true,
     .help = "base URL of the server, e.g. http://127.0.0.1:8086"},
    {.name = "database", .type = SL_OPT_STRING, .help = "InfluxDB 1.x: database to write to"},
    {.name = "org", .type = SL_OPT_STRING, .help = "InfluxDB 2.x: organisation (with bucket)"},
    {.name = "bucket", .type = SL_OPT_STRING, .help = "InfluxDB 2.x: bucket to write to (with org)"},
    {.name = "token", .type = SL_OPT_STRING, .secret = true, .help = "API token (Authorization: Token ...)"},
    {.name = "username", .type = SL_OPT_STRING, .help = "InfluxDB 1.x user name"},
    {.name = "password", .type = SL_OPT_STRING, .secret = true, .help = "InfluxDB 1.x password"},
    {.name = "measurement", .type = SL_OPT_STRING, .help = "measurement name; default: the query's name"},
    {.name = "tags",
     .type = SL_OPT_STRING,
     .help = "comma-separated columns written as tags; the other columns become fields"},
    {.name = "time",
     .type = SL_OPT_STRING,
     .help = "column giving the point's time; default: window_end, else the event time"},
    {.name = "precision",
     .type = SL_OPT_ENUM,
     .default_value = "ns",
     .choices = SL_CHOICES("ns", "us", "ms", "s"),
     .help = "precision of the timestamps written"},
    {.name = "gzip",
     .type = SL_OPT_BOOL,
     .default_value = "false",
     .help = "compress request bodies with gzip"},
    /* Larger batches than the framework's default: InfluxDB writes about
     * 200-400k points/s in 5000-point requests. */
    {.name = "batch_rows",
     .type = SL_OPT_INT,
     .default_value = "5000",
     .min = 1,
     .max = 10000000,
     .help = "points per write request"},
    {0},
};

/* 1.x and 2.x address data differently; a half-given target is an error
 * now rather than a failed write later. */
static sl_status influxdb_validate(const sl_options *opts, sl_error *err)
{
    bool v1 = sl_options_given(opts, "database");
    bool org = sl_options_given(opts, "org"), bucket = sl_options_given(opts, "bucket");

    if (v1 && (org || bucket)) {
        sl_error_set(
            err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
            "influxdb sink takes either database (InfluxDB 1.x) or org and bucket (InfluxDB 2.x), not both");
        return SL_ERROR;
    }
    if (!v1 && !(org && bucket)) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                     "influxdb sink needs database (InfluxDB 1.x) or org and bucket (InfluxDB 2.x)");
        sl_error_hint(err, "Add database = '...' or org = '...', bucket = '...' to the WITH list.");
        return SL_ERROR;
    }
    return SL_OK;
}

const sl_sink_kind sl_sink_influxdb = {
    .api_version = SL_SINK_API_VERSION,
    .name = "influxdb",
    .description = "points in line protocol to InfluxDB 1.x or 2.x over HTTP",
    .options = influxdb_options,
    .validate = influxdb_validate,
};
