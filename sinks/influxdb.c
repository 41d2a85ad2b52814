/*
 * influxdb.c - the INFLUXDB sink: points in line protocol over HTTP.
 *
 * Writes to InfluxDB 1.x (POST {url}/write?db=&precision=, username and
 * password as HTTP basic auth) or 2.x (POST {url}/api/v2/write?org=&bucket=
 * &precision=, Authorization: Token), chosen by the options: `database`
 * for 1.x, `org` + `bucket` for 2.x.  Each write() is one request holding
 * the whole batch (influx_line.c encodes it; `gzip` compresses it with
 * zlib), and returns only once InfluxDB has answered 2xx, so there is
 * nothing left for a flush to do.
 *
 * Points are keyed by measurement, tags and time, so writing the same
 * batch again (a retry, a replayed window) overwrites the same points
 * with the same values: writes are idempotent, as the framework needs.
 *
 * Statuses: 2xx done; 408, 429 and 5xx (InfluxDB's "timeout", an
 * overloaded server) and transport failures are retried by the
 * framework; other 4xx are permanent (database not found, bad
 * credentials, "partial write" / "field type conflict", which no resend
 * can fix) and fail the query with InfluxDB's own message.
 *
 * Secrets (token, password) never go into the URL, which error messages
 * show: the password goes as basic auth, the token as a header.
 *
 * Entry point: sl_sink_influxdb.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "clients/http.h"
#include "sinks/influx_line.h"
#include "sluice/log.h"
#include "sluice/batch.h"
#include "sluice/connector.h"
#include "sluice/errcodes.h"

static const sl_option_decl influxdb_options[] = {
    {.name = "url",
     .type = SL_OPT_STRING,
     .destination = true,
     .required = true,
     .reach = SL_REACH_URL,
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
     .help = "TIMESTAMP column giving the point's time; default: window_end, else the event time"},
    {.name = "precision",
     .type = SL_OPT_ENUM,
     .default_value = "ns",
     .choices = SL_CHOICES("ns", "us", "ms", "s"),
     .help = "precision of the timestamps written"},
    {.name = "gzip",
     .type = SL_OPT_BOOL,
     .default_value = "false",
     .help = "compress request bodies with gzip"},
    {.name = "timeout",
     .type = SL_OPT_INTERVAL,
     .default_value = "30 seconds",
     .help = "time allowed for one request before it counts as failed (and is retried)"},
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

typedef struct influx_sink {
    const char *what; /* 'influxdb sink "name"', for messages */
    const char *sink_name, *measurement;
    char *url;              /* the write URL with its query string (no secrets) */
    const char *headers[4]; /* NULL-terminated */
    const char *userpwd;    /* 1.x basic auth, or NULL */
    long timeout_ms;
    bool gzip;
    z_stream zs;
    bool zs_ready;
    sl_http *http;
    sl_influx_encoder *enc;
    sl_buf body, zbody;
    int64_t skipped; /* rows without a non-NULL field, never written */
} influx_sink;

/* Percent-encodes s for a query string (RFC 3986 unreserved kept), in cx. */
static char *url_encode(sl_mcxt *cx, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s), j = 0;
    char *out = sl_palloc(cx, 3 * n + 1);

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out[j++] = (char)c;
        } else {
            out[j++] = '%';
            out[j++] = hex[c >> 4];
            out[j++] = hex[c & 15];
        }
    }
    out[j] = '\0';
    return out;
}

/* The column called name: exact spelling first, else the only one that
 * matches ignoring case (SQL folds unquoted names, users type either). */
static int find_column(const sl_schema *schema, const char *name)
{
    int c = sl_schema_find(schema, name), found = -1;

    if (c >= 0)
        return c;
    for (int i = 0; i < schema->ncols; i++)
        if (strcasecmp(schema->names[i], name) == 0) {
            if (found >= 0)
                return -1;
            found = i;
        }
    return found;
}

/* Marks the columns listed in the comma-separated tags option. */
static sl_status parse_tags(const sl_sink_open_args *args, const char *tags, bool *is_tag, sl_error *err)
{
    const char *p = tags;

    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        char *name;
        int c;

        while (len > 0 && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        while (len > 0 && isspace((unsigned char)p[len - 1]))
            len--;
        if (len > 0) {
            name = sl_pstrndup(args->cx, p, len);
            c = find_column(args->schema, name);
            if (c < 0) {
                sl_error_set(
                    err, SL_ERRCODE_UNDEFINED_COLUMN,
                    "tag column \"%s\" of influxdb sink \"%s\" is not an output column of query \"%s\"", name,
                    args->sink_name, args->query_name != NULL ? args->query_name : "");
                sl_error_hint(err, "The option tags lists output columns of the query, separated by commas.");
                return SL_ERROR;
            }
            is_tag[c] = true;
        }
        p = end != NULL ? end + 1 : NULL;
    }
    return SL_OK;
}

/* The time column: the option's, else window_end when the output has it,
 * else -1 (the event time). */
static sl_status pick_time(const sl_sink_open_args *args, int *time_col, sl_error *err)
{
    const char *name = sl_options_get(args->options, "time");
    int c;

    if (name == NULL || name[0] == '\0') {
        c = find_column(args->schema, "window_end");
        *time_col = c >= 0 && args->schema->types[c] == SL_TYPE_TIMESTAMP ? c : -1;
        return SL_OK;
    }
    c = find_column(args->schema, name);
    if (c < 0) {
        sl_error_set(err, SL_ERRCODE_UNDEFINED_COLUMN,
                     "time column \"%s\" of influxdb sink \"%s\" is not an output column of query \"%s\"",
                     name, args->sink_name, args->query_name != NULL ? args->query_name : "");
        return SL_ERROR;
    }
    if (args->schema->types[c] != SL_TYPE_TIMESTAMP) {
        sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH,
                     "time column \"%s\" of influxdb sink \"%s\" is of type %s, not timestamp", name,
                     args->sink_name, sl_type_name(args->schema->types[c]));
        return SL_ERROR;
    }
    *time_col = c;
    return SL_OK;
}

static void influx_sink_close(void *state);

static sl_status influx_sink_open(const sl_sink_open_args *args, void **state, sl_error *err)
{
    influx_sink *is = sl_pnew(args->cx, influx_sink);
    const sl_options *o = args->options;
    const char *url = sl_options_get(o, "url"), *db = sl_options_get(o, "database");
    const char *token = sl_options_get(o, "token"), *user = sl_options_get(o, "username");
    const char *password = sl_options_get(o, "password");
    const char *meas = sl_options_get(o, "measurement");
    const char *prec_name = sl_options_get(o, "precision");
    sl_influx_precision prec = SL_INFLUX_NS;
    bool *is_tag = sl_pzalloc(args->cx, sizeof(bool) * (size_t)(args->schema->ncols + 1));
    int time_col = -1, nfields = 0, nh = 0;
    size_t ulen;
    char *base;

    if (influxdb_validate(o, err) != SL_OK)
        return SL_ERROR;
    /* Checked here, not in validate: a sink created without a username
     * still loads from the catalog and shows what is wrong when used. */
    if (password != NULL && user == NULL)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "influxdb sink \"%s\" has a password but no username", args->sink_name);
    if (url == NULL || url[0] == '\0')
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "influxdb sink option \"url\" is required");
    is->sink_name = args->sink_name;
    is->what = sl_psprintf(args->cx, "influxdb sink \"%s\"", args->sink_name);
    if (meas == NULL || meas[0] == '\0')
        meas = args->query_name != NULL && args->query_name[0] != '\0' ? args->query_name : args->sink_name;
    is->measurement = sl_pstrdup(args->cx, meas);
    if (!sl_influx_precision_parse(prec_name != NULL ? prec_name : "ns", &prec))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "precision \"%s\" is not one of ns, us, ms, s", prec_name);

    if (parse_tags(args, sl_options_get(o, "tags"), is_tag, err) != SL_OK ||
        pick_time(args, &time_col, err) != SL_OK)
        return SL_ERROR;
    if (time_col >= 0 && is_tag[time_col]) {
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "column \"%s\" cannot be both a tag and the time of influxdb sink \"%s\"",
                            args->schema->names[time_col], args->sink_name);
    }
    for (int c = 0; c < args->schema->ncols; c++)
        if (c != time_col && !is_tag[c])
            nfields++;
    if (nfields == 0) {
        sl_error_set(
            err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
            "influxdb sink \"%s\" has no field: every output column of query \"%s\" is a tag or the time",
            args->sink_name, args->query_name != NULL ? args->query_name : "");
        sl_error_hint(err, "An InfluxDB point needs at least one field: list fewer columns in tags.");
        return SL_ERROR;
    }
    is->enc = sl_influx_encoder_new(args->cx, is->measurement, args->schema, is_tag, time_col, prec);

    /* The write URL, once. */
    ulen = strlen(url);
    while (ulen > 0 && url[ulen - 1] == '/')
        ulen--;
    base = sl_pstrndup(args->cx, url, ulen);
    if (db != NULL) {
        static const char *const v1prec[] = {"ns", "u", "ms", "s"}; /* 1.x spells microseconds "u" */
        is->url = sl_psprintf(args->cx, "%s/write?db=%s&precision=%s", base, url_encode(args->cx, db),
                              v1prec[prec]);
    } else {
        is->url = sl_psprintf(args->cx, "%s/api/v2/write?org=%s&bucket=%s&precision=%s", base,
                              url_encode(args->cx, sl_options_get(o, "org")),
                              url_encode(args->cx, sl_options_get(o, "bucket")), prec_name);
    }
    if (user != NULL)
        is->userpwd = sl_psprintf(args->cx, "%s:%s", user, password != NULL ? password : "");
    is->headers[nh++] = "Content-Type: text/plain; charset=utf-8";
    if (token != NULL)
        is->headers[nh++] = sl_psprintf(args->cx, "Authorization: Token %s", token);
    is->gzip = sl_options_get_bool(o, "gzip", false);
    if (is->gzip)
        is->headers[nh++] = "Content-Encoding: gzip";
    is->headers[nh] = NULL;
    is->timeout_ms = (long)(sl_options_get_interval_us(o, "timeout", 30000000) / 1000);
    if (is->timeout_ms <= 0)
        is->timeout_ms = 1;

    sl_buf_init(&is->body);
    sl_buf_init(&is->zbody);
    if (is->gzip) {
        /* windowBits 15 + 16: a gzip wrapper, which Content-Encoding: gzip
         * means.  Level 1: line protocol is repetitive enough that the
         * fastest level already shrinks it several times. */
        if (deflateInit2(&is->zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return sl_error_set(err, SL_ERRCODE_OUT_OF_MEMORY, "%s: could not start zlib", is->what);
        is->zs_ready = true;
    }
    is->http = sl_http_new(args->cx, args->confine, err);
    if (is->http == NULL) {
        influx_sink_close(is);
        return SL_ERROR;
    }
    sl_http_set_stop(is->http, args->should_stop, args->stop_arg);
    *state = is;
    return SL_OK;
}

/* Compresses is->body into is->zbody (one gzip member). */
static sl_status gzip_body(influx_sink *is, sl_error *err)
{
    uLong bound;
    int rc;

    if (deflateReset(&is->zs) != Z_OK)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "%s: zlib reset failed", is->what);
    bound = deflateBound(&is->zs, (uLong)is->body.len) + 32; /* + the gzip header and trailer */
    sl_buf_reset(&is->zbody, 16 * 1024 * 1024);
    is->zs.next_in = (Bytef *)is->body.data;
    is->zs.avail_in = (uInt)is->body.len;
    is->zs.next_out = (Bytef *)sl_buf_reserve(&is->zbody, bound);
    is->zs.avail_out = (uInt)bound;
    rc = deflate(&is->zs, Z_FINISH);
    if (rc != Z_STREAM_END)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "%s: gzip compression failed (zlib status %d)",
                            is->what, rc);
    is->zbody.len = bound - is->zs.avail_out;
    return SL_OK;
}

static sl_status influx_sink_write(void *state, const sl_batch *batch, sl_error *err)
{
    influx_sink *is = state;
    sl_http_request req = {0};
    sl_http_response resp;
    int64_t skipped = 0, lines;
    sl_status st;

    if (batch->nrows == 0)
        return SL_OK;
    sl_buf_reset(&is->body, 16 * 1024 * 1024); /* keeps the usual batch's buffer */
    lines = sl_influx_encode_batch(is->enc, batch, &is->body, &skipped);
    if (lines > 0) {
        if (is->gzip && gzip_body(is, err) != SL_OK)
            return SL_ERROR;
        req.url = is->url;
        req.headers = is->headers;
        req.body = is->gzip ? is->zbody.data : is->body.data;
        req.len = is->gzip ? is->zbody.len : is->body.len;
        req.userpwd = is->userpwd;
        req.timeout_ms = is->timeout_ms;
        st = sl_http_send(is->http, &req, &resp, err);
        if (st != SL_OK) {
            /* Transport failure: keep curl's text, say which sink. */
            char msg[SL_ERROR_MSG_MAX];

            snprintf(msg, sizeof(msg), "%s", err->message);
            sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "%s: %s", is->what, msg);
            err->retriable = true;
            return SL_RETRY;
        }
        st = sl_http_classify(&resp, is->what, is->url, err);
        if (st != SL_OK) {
            err->retriable = st == SL_RETRY;
            if (resp.status == 413)
                sl_error_hint(err, "Lower batch_rows or batch_bytes, or raise max-body-size in InfluxDB.");
            else if (resp.status == 401 || resp.status == 403)
                sl_error_hint(err, "Check the username and password (1.x) or the token (2.x).");
            return st;
        }
    }
    /* Counted once the batch is in: a retried batch is not counted twice. */
    if (skipped > 0) {
        if (is->skipped == 0)
            sl_log(
                SL_LOG_WARNING,
                "%s skipped %lld row(s) with no non-NULL field (measurement \"%s\"); such rows are counted, "
                "not written, and not reported again until the sink closes",
                is->what, (long long)skipped, is->measurement);
        is->skipped += skipped;
    }
    return SL_OK;
}

static void influx_sink_close(void *state)
{
    influx_sink *is = state;

    if (is == NULL)
        return;
    if (is->skipped > 0)
        sl_log(SL_LOG_LOG, "%s skipped %lld row(s) with no non-NULL field in all", is->what,
               (long long)is->skipped);
    is->skipped = 0;
    sl_http_free(is->http);
    is->http = NULL;
    if (is->zs_ready)
        deflateEnd(&is->zs);
    is->zs_ready = false;
    sl_buf_free(&is->body);
    sl_buf_free(&is->zbody);
}

const sl_sink_kind sl_sink_influxdb = {
    .api_version = SL_SINK_API_VERSION,
    .name = "influxdb",
    .description = "points in line protocol to InfluxDB 1.x or 2.x over HTTP",
    .options = influxdb_options,
    .validate = influxdb_validate,
    .open = influx_sink_open,
    .write = influx_sink_write,
    /* No flush: write() returns only once InfluxDB has answered 2xx, and
     * InfluxDB has then written the points to its WAL. */
    .flush = NULL,
    .close = influx_sink_close,
};
