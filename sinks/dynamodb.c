/*
 * dynamodb.c - the DYNAMODB sink: items written with BatchWriteItem.
 *
 * Every output row becomes one item (sinks/dynamodb_item.h says how values
 * are typed); an item is identified by its key (and sort key), so replaying
 * the same windows overwrites the same items: writes are idempotent, which
 * is what lets the framework resend a whole batch after a failure.
 *
 * write(batch) sends the rows in BatchWriteItem requests of at most 25
 * items and 16 MB, one after the other (so the last row of a key wins),
 * POSTed to the endpoint with libcurl's built-in SigV4 signing
 * (CURLOPT_AWS_SIGV4 "aws:amz:REGION:dynamodb").  A request's
 * UnprocessedItems (DynamoDB took only part of it, usually for lack of
 * throughput) are resent inside write, with backoff from 50 ms doubling to
 * 2 s and jitter, at most 8 times; if items are still left, write returns
 * SL_RETRY and the framework backs off and resends the batch.  Throttling
 * and server errors (ProvisionedThroughputExceededException,
 * ThrottlingException, RequestLimitExceeded, InternalServerError, HTTP 5xx,
 * no connection) are SL_RETRY; other errors (ValidationException,
 * ResourceNotFoundException, bad credentials) are SL_ERROR with DynamoDB's
 * error type and message.  A write returns SL_OK only once DynamoDB took
 * every item, so there is nothing left for flush to do (flush is NULL).
 *
 * Credentials and region come from the options, else from the standard AWS
 * environment variables of the server process (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION or
 * AWS_DEFAULT_REGION); open() fails at once when they are missing.  open()
 * does not contact DynamoDB, so a query can start while the endpoint is
 * still down: its writes retry.
 *
 * Entry point: sl_sink_dynamodb.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sinks/dynamodb_item.h"
#include "clients/http.h"
#include "common/url.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "sluice/connector.h"
#include "sluice/errcodes.h"

/* Resending UnprocessedItems inside one write: rounds and waits. */
#define DDB_UNPROCESSED_ROUNDS 8
#define DDB_BACKOFF_FIRST_US   50000
#define DDB_BACKOFF_MAX_US     2000000
/* Rows skipped for their key are logged at most this often. */
#define DDB_WARN_EVERY_US (60 * INT64_C(1000000))

static const sl_option_decl dynamodb_options[] = {
    {.name = "endpoint",
     .type = SL_OPT_STRING,
     .reach = SL_REACH_URL,
     .destination = true,
     .help = "URL of the DynamoDB API; default: https://dynamodb.<region>.amazonaws.com"},
    {.name = "region",
     .type = SL_OPT_STRING,
     .destination = true, /* names the host when there is no endpoint */
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
    /* One BatchWriteItem request's worth: a failed write then resends 25
     * items, not a thousand.  Larger batches are split into requests of 25. */
    {.name = "batch_rows",
     .type = SL_OPT_INT,
     .default_value = "25",
     .min = 1,
     .max = 10000000,
     .help = "rows per write; sent as BatchWriteItem requests of at most 25 items"},
    {0},
};

typedef struct ddb_sink {
    const char *sink_name;
    const char *table;
    const char *url;
    const char *url_shown; /* url without the credentials of its userinfo, for messages */
    const char *sigv4;     /* aws:amz:REGION:dynamodb */
    const char *userpwd;   /* KEY:SECRET */
    const char *headers[4];
    sl_http *http;
    sl_ddb_encoder *enc;
    sl_buf body, retry;
    sl_ddb_stats stats;
    int64_t bad_keys_logged, last_warn_us;
    uint64_t rng; /* jitter */
} ddb_sink;

/* An option, else the first of the environment variables that is set and
 * not empty, else NULL. */
static const char *option_or_env(const sl_options *opts, const char *name, const char *env1, const char *env2)
{
    const char *v = sl_options_get(opts, name);

    if (v != NULL && v[0] != '\0')
        return v;
    v = env1 != NULL ? getenv(env1) : NULL;
    if (v != NULL && v[0] != '\0')
        return v;
    v = env2 != NULL ? getenv(env2) : NULL;
    return v != NULL && v[0] != '\0' ? v : NULL;
}

static sl_status dynamodb_validate(const sl_options *opts, sl_error *err)
{
    const char *key = sl_options_get(opts, "key"), *sort_key = sl_options_get(opts, "sort_key");

    if (key != NULL && sort_key != NULL && strcmp(key, sort_key) == 0)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "dynamodb sink: sort_key \"%s\" must be a different column than key", sort_key);
    return SL_OK;
}

static sl_status dynamodb_open(const sl_sink_open_args *args, void **state, sl_error *err)
{
    const sl_options *o = args->options;
    ddb_sink *ds = sl_pnew(args->cx, ddb_sink);
    const char *region = option_or_env(o, "region", "AWS_REGION", "AWS_DEFAULT_REGION");
    const char *key_id, *secret, *token, *endpoint;
    sl_ddb_ts_format tsf = SL_DDB_TS_ISO8601;
    int h = 0;

    ds->sink_name = sl_pstrdup(args->cx, args->sink_name);
    ds->table = sl_pstrdup(args->cx, sl_options_get(o, "table"));
    if (region == NULL) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "dynamodb sink \"%s\" has no region",
                     ds->sink_name);
        sl_error_hint(err, "Add region = '...' to the sink's options or set AWS_REGION for the server.");
        return SL_ERROR;
    }
    /* A key pair comes whole from the options or whole from the
     * environment: an environment session token belongs to the
     * environment's keys, not to keys given in SQL. */
    if (sl_options_given(o, "access_key_id") || sl_options_given(o, "secret_access_key")) {
        key_id = sl_options_get(o, "access_key_id");
        secret = sl_options_get(o, "secret_access_key");
        token = sl_options_get(o, "session_token");
    } else {
        key_id = getenv("AWS_ACCESS_KEY_ID");
        secret = getenv("AWS_SECRET_ACCESS_KEY");
        token = sl_options_given(o, "session_token") ? sl_options_get(o, "session_token")
                                                     : getenv("AWS_SESSION_TOKEN");
    }
    if (key_id == NULL || key_id[0] == '\0' || secret == NULL || secret[0] == '\0') {
        sl_error_set(err, SL_ERRCODE_INVALID_AUTHORIZATION, "dynamodb sink \"%s\" has no AWS credentials",
                     ds->sink_name);
        sl_error_hint(err, "Give access_key_id and secret_access_key, or set AWS_ACCESS_KEY_ID and "
                           "AWS_SECRET_ACCESS_KEY for the server.");
        return SL_ERROR;
    }
    if (strchr(key_id, ':') != NULL)
        return sl_error_set(err, SL_ERRCODE_INVALID_AUTHORIZATION,
                            "dynamodb sink \"%s\": access key id must not contain ':'", ds->sink_name);
    endpoint = sl_options_get(o, "endpoint");
    ds->url = endpoint != NULL && endpoint[0] != '\0'
                  ? sl_pstrdup(args->cx, endpoint)
                  : sl_psprintf(args->cx, "https://dynamodb.%s.amazonaws.com/", region);
    /* The region goes into the default URL and the signature scope: a
     * region name is letters, digits and '-', nothing that moves the host. */
    if (strspn(region, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(region))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "dynamodb sink \"%s\": region must be letters, digits and '-'", ds->sink_name);
    if (sl_confine_url(args->confine, endpoint != NULL && endpoint[0] != '\0' ? "endpoint" : "region",
                       ds->url, err) != SL_OK)
        return SL_ERROR;
    {
        size_t size = strlen(ds->url) + sizeof(SL_SECRET_MASK);
        ds->url_shown = sl_url_redact(ds->url, sl_palloc(args->cx, size), size);
    }
    ds->sigv4 = sl_psprintf(args->cx, "aws:amz:%s:dynamodb", region);
    ds->userpwd = sl_psprintf(args->cx, "%s:%s", key_id, secret);
    ds->headers[h++] = "Content-Type: application/x-amz-json-1.0";
    ds->headers[h++] = "X-Amz-Target: DynamoDB_20120810.BatchWriteItem";
    if (token != NULL && token[0] != '\0')
        ds->headers[h++] = sl_psprintf(args->cx, "X-Amz-Security-Token: %s", token);
    ds->headers[h] = NULL;

    sl_ddb_ts_format_parse(sl_options_get(o, "timestamp_format"), &tsf);
    if (sl_ddb_encoder_new(args->cx, args->schema, ds->table, sl_options_get(o, "key"),
                           sl_options_get(o, "sort_key"), tsf, &ds->enc, err) != SL_OK) {
        char msg[SL_ERROR_MSG_MAX], code[sizeof(err->sqlstate)];

        memcpy(code, err->sqlstate, sizeof(code));
        memcpy(msg, err->message, sizeof(msg));
        sl_error_set(err, code, "dynamodb sink \"%s\": %.900s", ds->sink_name, msg);
        return SL_ERROR;
    }
    ds->http = sl_http_new(args->cx, args->confine, err);
    if (ds->http == NULL) {
        sl_ddb_encoder_free(ds->enc);
        return SL_ERROR;
    }
    sl_http_set_stop(ds->http, args->should_stop, args->stop_arg);
    sl_buf_init(&ds->body);
    sl_buf_init(&ds->retry);
    ds->rng = (uint64_t)sl_clock_mono_us() ^ (uint64_t)(uintptr_t)ds;
    *state = ds;
    return SL_OK;
}

/* 50 ms, 100 ms, ... up to 2 s, times a jitter factor in [0.5, 1). */
static int64_t backoff_us(ddb_sink *ds, int round)
{
    int64_t b = DDB_BACKOFF_FIRST_US << (round < 10 ? round : 10);
    uint64_t x;

    if (b > DDB_BACKOFF_MAX_US)
        b = DDB_BACKOFF_MAX_US;
    /* xorshift64: jitter needs no quality, only spread between queries. */
    x = ds->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    ds->rng = x;
    return b / 2 + (int64_t)(x % (uint64_t)(b / 2));
}

/* Fills err for an error reply; SL_RETRY or SL_ERROR. */
static sl_status reply_error(ddb_sink *ds, const sl_http_response *resp, const sl_ddb_reply *reply,
                             bool parsed, sl_error *err)
{
    bool retry;

    if (!parsed || reply->type[0] == '\0') {
        /* Not DynamoDB speaking (a proxy, a load balancer): the status says it. */
        return sl_http_classify(resp, "dynamodb BatchWriteItem", ds->url, err);
    }
    retry = sl_ddb_error_retryable(reply->type) || resp->status >= 500 || resp->status == 429 ||
            resp->status == 408;
    sl_error_set(err, retry ? SL_ERRCODE_CONNECTION_FAILURE : sl_ddb_error_sqlstate(reply->type),
                 "dynamodb sink \"%s\" (table \"%s\"): %s: %s", ds->sink_name, ds->table, reply->type,
                 reply->message[0] != '\0' ? reply->message : "(no message)");
    sl_error_detail(err, "HTTP %ld from %s.", resp->status, ds->url_shown);
    return retry ? SL_RETRY : SL_ERROR;
}

/* Sends the request in ds->body until DynamoDB has taken all of it. */
static sl_status send_request(ddb_sink *ds, sl_error *err)
{
    sl_buf *body = &ds->body, *spare = &ds->retry;

    for (int round = 0;; round++) {
        sl_http_request req = {
            .url = ds->url,
            .headers = ds->headers,
            .body = body->data,
            .len = body->len,
            .aws_sigv4 = ds->sigv4,
            .userpwd = ds->userpwd,
        };
        sl_http_response resp;
        sl_ddb_reply reply;
        bool parsed;
        sl_buf *t;

        if (sl_http_send(ds->http, &req, &resp, err) != SL_OK) {
            /* No connection: keep curl's text and say which sink, as the
             * other HTTP sinks do (SHOW SINKS' last_error, the query's error). */
            char msg[SL_ERROR_MSG_MAX];

            snprintf(msg, sizeof(msg), "%s", err->message);
            sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "dynamodb sink \"%s\": %s", ds->sink_name, msg);
            err->retriable = true;
            return SL_RETRY;
        }
        parsed = sl_ddb_reply_parse(resp.body, resp.len, &reply);
        if (resp.status != 200)
            return reply_error(ds, &resp, &reply, parsed, err);
        if (!parsed) {
            sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE,
                         "dynamodb sink \"%s\": unreadable BatchWriteItem reply from %s", ds->sink_name,
                         ds->url_shown);
            return SL_RETRY;
        }
        if (reply.unprocessed_count == 0)
            return SL_OK;
        if (round + 1 >= DDB_UNPROCESSED_ROUNDS) {
            sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE,
                         "dynamodb sink \"%s\" (table \"%s\"): %d items still unprocessed after %d requests",
                         ds->sink_name, ds->table, reply.unprocessed_count, DDB_UNPROCESSED_ROUNDS);
            sl_error_hint(err, "The table lacks write capacity; the batch is sent again after a backoff.");
            return SL_RETRY;
        }
        /* The reply lives in the HTTP client until the next post: build the
         * next body from it now, in the other buffer. */
        sl_buf_reset(spare, 4 * 1024 * 1024);
        sl_ddb_retry_body(&reply, spare);
        t = body;
        body = spare;
        spare = t;
        sl_sleep_us(backoff_us(ds, round));
    }
}

static sl_status dynamodb_write(void *state, const sl_batch *batch, sl_error *err)
{
    ddb_sink *ds = state;
    sl_ddb_stats st = {0};
    int next = 0;

    while (next < batch->nrows) {
        sl_status rc;

        sl_buf_reset(&ds->body, 4 * 1024 * 1024);
        if (sl_ddb_encode_request(ds->enc, batch, &next, SL_DDB_MAX_ITEMS, SL_DDB_MAX_REQUEST_BYTES,
                                  &ds->body, &st) == 0)
            continue;
        rc = send_request(ds, err);
        if (rc != SL_OK)
            return rc; /* the framework resends the whole batch: puts are idempotent */
    }
    /* Counted once the batch is in: a resent batch would count twice. */
    ds->stats.items += st.items;
    ds->stats.bad_keys += st.bad_keys;
    ds->stats.duplicates += st.duplicates;
    ds->stats.values_nulled += st.values_nulled;
    if (ds->stats.bad_keys > ds->bad_keys_logged) {
        int64_t t = sl_clock_mono_us();

        if (ds->bad_keys_logged == 0 || t - ds->last_warn_us >= DDB_WARN_EVERY_US) {
            sl_log(SL_LOG_WARNING,
                   "dynamodb sink \"%s\": skipped %lld rows whose key or sort key is NULL, empty or too long "
                   "(%lld items written)",
                   ds->sink_name, (long long)ds->stats.bad_keys, (long long)ds->stats.items);
            ds->bad_keys_logged = ds->stats.bad_keys;
            ds->last_warn_us = t;
        }
    }
    return SL_OK;
}

static void dynamodb_close(void *state)
{
    ddb_sink *ds = state;

    if (ds == NULL)
        return;
    if (ds->stats.bad_keys > ds->bad_keys_logged)
        sl_log(SL_LOG_WARNING,
               "dynamodb sink \"%s\": skipped %lld rows whose key or sort key is NULL, empty or too long",
               ds->sink_name, (long long)ds->stats.bad_keys);
    sl_http_free(ds->http);
    ds->http = NULL;
    sl_ddb_encoder_free(ds->enc);
    sl_buf_free(&ds->body);
    sl_buf_free(&ds->retry);
}

const sl_sink_kind sl_sink_dynamodb = {
    .api_version = SL_SINK_API_VERSION,
    .name = "dynamodb",
    .description = "items in a DynamoDB table (BatchWriteItem, SigV4), idempotent by key",
    .options = dynamodb_options,
    .validate = dynamodb_validate,
    .open = dynamodb_open,
    .write = dynamodb_write,
    .flush = NULL,
    .close = dynamodb_close,
};
