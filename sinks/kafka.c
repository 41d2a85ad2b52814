/*
 * kafka.c - the KAFKA sink: rows produced to a topic.
 *
 * An idempotent librdkafka producer (enable.idempotence: retries inside
 * librdkafka never duplicate or reorder a partition's messages).  write()
 * encodes each row with the server's encoders (formats/format.h) as one
 * message, the `key` column's text as the message key, and hands it to
 * librdkafka (which copies it); when librdkafka's queue is full it serves
 * delivery reports until there is room, and after a while gives the
 * framework SL_RETRY, remembering how far into the batch it got so the
 * retry does not produce a row twice.  flush() waits (bounded) until every
 * message is acknowledged: not done yet -> SL_RETRY; a message that
 * librdkafka finally failed to deliver -> SL_ERROR with its error text,
 * so the query shows it and the source's offsets are not committed past
 * it.  Delivery reports are served on the query's thread (poll in write
 * and flush), so the sink's state needs no lock.
 *
 * With format avro and schema_registry, open() registers the derived
 * schema under the subject "<topic>-value" (clients/schema_registry.h) and
 * every message starts with the Confluent header naming the id the
 * registry answered.  A registry that refuses the schema (4xx: invalid,
 * incompatible, unauthorised) fails open(): the query shows the error.  A
 * registry that is unreachable (or answers 5xx) does not: open() logs a
 * warning, and write() registers again before producing anything,
 * returning SL_RETRY (08006) until the registry answers, so the framework
 * backs off and retries as for any sink outage (SHOW SINKS shows it; after
 * max_retries the query fails with that error).
 *
 * Entry point: sl_sink_kafka.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "formats/format.h"
#include "formats/avro.h"
#include "kafka/client.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "clients/schema_registry.h"
#include "sluice/batch.h"
#include "sluice/connector.h"
#include "sluice/errcodes.h"

static const sl_option_decl kafka_options[] = {
    {.name = "brokers",
     .type = SL_OPT_STRING,
     .reach = SL_REACH_HOSTS,
     .destination = true,
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
     .reach = SL_REACH_URL,
     .destination = true,
     .help = "format avro: URL of a schema registry; the derived schema is registered under the subject "
             "'<topic>-value' and messages use the Confluent wire format (magic byte + schema id)"},
    SL_KAFKA_REGISTRY_AUTH_OPTIONS,
    SL_KAFKA_CONNECTION_OPTIONS,
    SL_SINK_OPTION_BATCH_ROWS_UNBUFFERED, /* it buffers by itself: librdkafka's queue */
    {0},
};

/* How long one flush() waits for acknowledgements before SL_RETRY. */
#define SL_KAFKA_FLUSH_TIMEOUT_MS 10000
/* Waits are cut in slices this long to notice that the query stops. */
#define SL_KAFKA_WAIT_SLICE_MS 100
/* How long write() waits for room in librdkafka's queue before SL_RETRY. */
#define SL_KAFKA_QUEUE_WAIT_MS 5000
/* How long close() gives messages still in flight (after a failed run). */
#define SL_KAFKA_CLOSE_TIMEOUT_MS 2000

typedef struct kafka_sink {
    char what[300]; /* 'sink "name"' */
    char *topic;
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    bool csv;
    sl_json_encoder *json_enc;
    sl_csv_encoder *csv_enc;
    sl_avro_encoder *avro_enc;    /* format avro */
    sl_schema_registry *registry; /* schema_registry given */
    char *subject;                /* "<topic>-value" */
    bool need_id;                 /* the registration is still to be done (registry was down) */
    int key_col;                  /* -1: no key */
    sl_buf buf;
    int resume_row; /* after SL_RETRY: rows of the batch already produced */
    int64_t failed; /* messages librdkafka gave up on */
    char fail_text[512];
    bool (*should_stop)(void *arg); /* sl_sink_open_args.should_stop */
    void *stop_arg;
} kafka_sink;

static bool kafka_stopping(const kafka_sink *ks)
{
    return ks->should_stop != NULL && ks->should_stop(ks->stop_arg);
}

/* rd_kafka_flush for at most timeout_ms, in slices, giving up as soon as
 * the query stops. */
static rd_kafka_resp_err_t kafka_flush_until(kafka_sink *ks, int timeout_ms)
{
    int64_t deadline = sl_clock_mono_us() + (int64_t)timeout_ms * 1000;
    rd_kafka_resp_err_t rc;

    for (;;) {
        rc = rd_kafka_flush(ks->rk, SL_KAFKA_WAIT_SLICE_MS);
        if (rc == RD_KAFKA_RESP_ERR_NO_ERROR || sl_clock_mono_us() >= deadline || kafka_stopping(ks))
            return rc;
    }
}

/* Delivery report of one message (served by rd_kafka_poll/flush on the
 * query's thread): remembers the first failure. */
static void kafka_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    kafka_sink *ks = opaque;

    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR || ks == NULL)
        return;
    if (ks->failed++ == 0)
        snprintf(ks->fail_text, sizeof(ks->fail_text), "%s", rd_kafka_err2str(msg->err));
}

static sl_status kafka_sink_validate(const sl_options *opts, sl_error *err)
{
    if (sl_schema_registry_check_options(opts, err) != SL_OK)
        return SL_ERROR;
    return sl_kafka_properties_check(opts, err);
}

/* Registers the derived schema; from then on messages carry its id. */
static sl_status register_schema(kafka_sink *ks, sl_error *err)
{
    int32_t id;
    sl_status st = sl_schema_registry_register(ks->registry, ks->subject,
                                               sl_avro_encoder_schema_json(ks->avro_enc), &id, err);

    if (st != SL_OK)
        return st;
    sl_avro_encoder_set_schema_id(ks->avro_enc, id);
    ks->need_id = false;
    sl_log(SL_LOG_LOG, "%s: schema registry %s: subject \"%s\" has schema id %ld", ks->what,
           sl_schema_registry_url(ks->registry), ks->subject, (long)id);
    return SL_OK;
}

/* A failed delivery or a fatal producer error, as the query's error. */
static sl_status check_failed(kafka_sink *ks, sl_error *err)
{
    char fatal[512];

    if (rd_kafka_fatal_error(ks->rk, fatal, sizeof(fatal)) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "%s: kafka producer failed: %s", ks->what, fatal);
    if (ks->failed > 0) {
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "%s: delivery to topic \"%s\" failed: %s", ks->what, ks->topic,
                     ks->fail_text);
        if (ks->failed > 1)
            sl_error_detail(err, "%lld messages were not delivered.", (long long)ks->failed);
        return SL_ERROR;
    }
    return SL_OK;
}

static void kafka_sink_close(void *state)
{
    kafka_sink *ks = state;

    if (ks == NULL)
        return;
    if (ks->rkt != NULL)
        rd_kafka_topic_destroy(ks->rkt);
    ks->rkt = NULL;
    if (ks->rk != NULL) {
        /* The framework flushed before a normal close; after a failure
         * give what is in flight a moment, then drop it without blocking
         * shutdown (the source did not commit past it: it is read again
         * when the query runs again). */
        if ((kafka_stopping(ks)
                 ? rd_kafka_flush(ks->rk, 0)
                 : kafka_flush_until(ks, SL_KAFKA_CLOSE_TIMEOUT_MS)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_purge(ks->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_poll(ks->rk, 0); /* the purged messages' reports */
        }
        rd_kafka_destroy(ks->rk);
    }
    ks->rk = NULL;
    sl_avro_encoder_free(ks->avro_enc);
    ks->avro_enc = NULL;
    sl_schema_registry_free(ks->registry);
    ks->registry = NULL;
    sl_buf_free(&ks->buf);
}

static sl_status kafka_sink_open(const sl_sink_open_args *args, void **state, sl_error *err)
{
    kafka_sink *ks = sl_pnew(args->cx, kafka_sink);
    const char *fmt = sl_options_get(args->options, "format");
    const char *key = sl_options_get(args->options, "key");
    const char *compression = sl_options_get(args->options, "compression");
    rd_kafka_conf_t *conf;
    char errstr[512], client_id[300];

    *state = NULL;
    snprintf(ks->what, sizeof(ks->what), "sink \"%s\"", args->sink_name);
    ks->should_stop = args->should_stop;
    ks->stop_arg = args->stop_arg;
    ks->topic = sl_pstrdup(args->cx, sl_options_get(args->options, "topic"));
    sl_buf_init(&ks->buf);
    if (kafka_sink_validate(args->options, err) != SL_OK)
        return SL_ERROR;
    ks->key_col = -1;
    if (key != NULL) {
        ks->key_col = sl_schema_find(args->schema, key);
        if (ks->key_col < 0)
            return sl_error_set(err, SL_ERRCODE_UNDEFINED_COLUMN,
                                "%s: key column \"%s\" is not an output column of the query", ks->what, key);
    }
    ks->csv = fmt != NULL && strcmp(fmt, "csv") == 0;
    if (ks->csv)
        ks->csv_enc = sl_csv_encoder_new(args->cx, args->schema);
    else if (fmt == NULL || strcmp(fmt, "avro") != 0) /* avro: below, once nothing else can fail */
        ks->json_enc = sl_json_encoder_new(args->cx, args->schema);

    snprintf(client_id, sizeof(client_id), "sluice-%s",
             args->query_name ? args->query_name : args->sink_name);
    {
        /* Sluice's choices; `properties` is applied after them and wins. */
        const sl_kafka_setting defaults[] = {
            {"enable.idempotence", "true"}, /* librdkafka's retries never duplicate */
            /* Send at once: librdkafka's 5 ms linger was a third of the
             * end-to-end latency; under load messages still batch while
             * earlier requests are in flight. */
            {"linger.ms", "0"},
            {"compression.type", compression != NULL ? compression : "none"},
            {NULL, NULL},
        };
        if (sl_kafka_conf_new(args->options, args->confine, ks->what, client_id, defaults, &conf, err) !=
            SL_OK)
            return SL_ERROR;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, kafka_dr_cb);
    rd_kafka_conf_set_opaque(conf, ks);
    ks->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (ks->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "%s: could not create a kafka producer: %s", ks->what, errstr);
    }
    ks->rkt = rd_kafka_topic_new(ks->rk, ks->topic, NULL);
    if (ks->rkt == NULL) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "%s: bad topic \"%s\": %s", ks->what, ks->topic,
                     rd_kafka_err2str(rd_kafka_last_error()));
        kafka_sink_close(ks);
        return SL_ERROR;
    }
    if (fmt != NULL && strcmp(fmt, "avro") == 0) {
        ks->avro_enc = sl_avro_encoder_new(args->cx, args->schema, err);
        if (ks->avro_enc == NULL) {
            kafka_sink_close(ks);
            return SL_ERROR;
        }
        /* Consumers need the writer schema: it is derived, so say it. */
        sl_log(SL_LOG_LOG, "%s: avro schema of topic \"%s\": %s", ks->what, ks->topic,
               sl_avro_encoder_schema_json(ks->avro_enc));
        if (sl_options_given(args->options, "schema_registry")) {
            sl_status st;

            ks->registry = sl_schema_registry_new(
                args->cx, args->confine, ks->what, sl_options_get(args->options, "schema_registry"),
                sl_options_get(args->options, "schema_registry_user"),
                sl_options_get(args->options, "schema_registry_password"), err);
            if (ks->registry == NULL) {
                kafka_sink_close(ks);
                return SL_ERROR;
            }
            ks->subject = sl_psprintf(args->cx, "%s-value", ks->topic); /* Confluent's TopicNameStrategy */
            st = register_schema(ks, err);
            if (st == SL_ERROR) {
                kafka_sink_close(ks);
                return SL_ERROR;
            }
            if (st == SL_RETRY) {
                /* Down for now: write() tries again, under the framework's retries. */
                sl_log(SL_LOG_WARNING, "%s; registering again before the first message", err->message);
                sl_error_clear(err);
                ks->need_id = true;
            }
        }
    }
    *state = ks;
    return SL_OK;
}

/* The key of row r as text in buf (NULL: no key). */
static const char *key_text(const kafka_sink *ks, const sl_batch *batch, int r, char *buf, size_t *len)
{
    const sl_vector *v = &batch->cols[ks->key_col];
    int n;

    if (v->nulls[r])
        return NULL;
    switch (v->type) {
    case SL_TYPE_TEXT:
        *len = (size_t)v->v.text[r].len;
        return v->v.text[r].ptr;
    case SL_TYPE_BOOL:
        n = sl_format_bool(v->v.b[r], buf);
        break;
    case SL_TYPE_BIGINT:
        n = sl_format_bigint(v->v.i64[r], buf);
        break;
    case SL_TYPE_DOUBLE:
        n = sl_format_double(v->v.f64[r], buf);
        break;
    case SL_TYPE_TIMESTAMP:
        n = sl_format_iso_timestamp(v->v.i64[r], buf);
        break;
    case SL_TYPE_INTERVAL:
        n = sl_format_interval(v->v.i64[r], buf);
        break;
    default:
        return NULL;
    }
    *len = (size_t)n;
    return buf;
}

static sl_status kafka_sink_write(void *state, const sl_batch *batch, sl_error *err)
{
    kafka_sink *ks = state;
    int r = ks->resume_row < batch->nrows ? ks->resume_row : 0;

    if (check_failed(ks, err) != SL_OK)
        return SL_ERROR;
    /* Nothing is produced without the schema id (resume_row is kept). */
    if (ks->need_id) {
        sl_status st = register_schema(ks, err);
        if (st != SL_OK)
            return st;
    }
    for (; r < batch->nrows; r++) {
        char kbuf[SL_VALUE_TEXT_MAX];
        size_t klen = 0;
        const char *key = ks->key_col >= 0 ? key_text(ks, batch, r, kbuf, &klen) : NULL;
        size_t keylen = key != NULL ? klen : 0; /* librdkafka's macros do not parenthesise */
        int64_t waited_since = -1;

        sl_buf_reset(&ks->buf, 1 << 16);
        if (ks->csv)
            sl_csv_encode_row(ks->csv_enc, batch, r, &ks->buf);
        else if (ks->avro_enc != NULL) {
            if (sl_avro_encode_row(ks->avro_enc, batch, r, &ks->buf, err) != SL_OK) {
                ks->resume_row = 0;
                return SL_ERROR;
            }
        } else
            sl_json_encode_row(ks->json_enc, batch, r, &ks->buf);
        for (;;) {
            rd_kafka_resp_err_t rc;

            /* RD_KAFKA_MSG_F_COPY: librdkafka copies the value, so one
             * buffer serves every row. */
            rc = rd_kafka_producev(ks->rk, RD_KAFKA_V_RKT(ks->rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                   RD_KAFKA_V_VALUE(ks->buf.data, ks->buf.len), RD_KAFKA_V_KEY(key, keylen),
                                   RD_KAFKA_V_END);
            if (rc == RD_KAFKA_RESP_ERR_NO_ERROR)
                break;
            if (rc != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                ks->resume_row = 0;
                return sl_error_set(err, SL_ERRCODE_IO_ERROR, "%s: could not produce to topic \"%s\": %s",
                                    ks->what, ks->topic, rd_kafka_err2str(rc));
            }
            /* Full: serve delivery reports until there is room. */
            if (waited_since < 0)
                waited_since = (sl_clock_mono_us() / 1000);
            else if ((sl_clock_mono_us() / 1000) - waited_since > SL_KAFKA_QUEUE_WAIT_MS ||
                     kafka_stopping(ks)) {
                ks->resume_row = r;
                sl_error_set(err, SL_ERRCODE_IO_ERROR, "%s: kafka producer queue is full", ks->what);
                return SL_RETRY;
            }
            rd_kafka_poll(ks->rk, SL_KAFKA_WAIT_SLICE_MS);
            if (check_failed(ks, err) != SL_OK)
                return SL_ERROR;
        }
    }
    ks->resume_row = 0;
    rd_kafka_poll(ks->rk, 0);
    return check_failed(ks, err);
}

static sl_status kafka_sink_flush(void *state, sl_error *err)
{
    kafka_sink *ks = state;
    rd_kafka_resp_err_t rc = kafka_flush_until(ks, SL_KAFKA_FLUSH_TIMEOUT_MS);

    if (check_failed(ks, err) != SL_OK)
        return SL_ERROR;
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "%s: %d messages still wait for delivery to topic \"%s\"",
                     ks->what, rd_kafka_outq_len(ks->rk), ks->topic);
        return SL_RETRY;
    }
    return SL_OK;
}

const sl_sink_kind sl_sink_kafka = {
    .api_version = SL_SINK_API_VERSION,
    .name = "kafka",
    .description = "messages produced to a Kafka topic (idempotent producer)",
    .options = kafka_options,
    .validate = kafka_sink_validate,
    .open = kafka_sink_open,
    .write = kafka_sink_write,
    .flush = kafka_sink_flush,
    .close = kafka_sink_close,
};
