/*
 * kafka.c - the KAFKA source: messages of every partition of a topic.
 *
 * open() asks the brokers for the topic's partitions and assign()s all of
 * them at the offsets the consumer group committed, or at `start`
 * (earliest/latest) where it committed nothing; it asks the group for them
 * itself (rd_kafka_committed) rather than leaving OFFSET_STORED to
 * librdkafka, whose group machinery took 100-250 ms longer to start
 * fetching.  assign() instead of subscribe(): no group join (seconds with
 * the mock cluster, and a rebalance would move partitions between queries
 * that should each see everything).  Partitions added to the topic after
 * open() are found by a metadata request every 5 s and added to the
 * assignment (partitions_check()).
 *
 * read() takes messages from librdkafka's consumer queue with
 * rd_kafka_consume_batch_queue (10 ms timeout when it has nothing to give,
 * so an idle topic does not hold the query loop), sorts them into one
 * buffer per partition and merges the partitions by message timestamp:
 * the next row is the oldest head of all partitions (a binary heap of the
 * partitions by head timestamp), and while a partition
 * has nothing buffered and has not reported its end (enable.partition.eof)
 * the merge waits for it (at most 500 ms).  So rows reach the window
 * operator in event-time order across partitions as far as the message
 * timestamps tell it: few windows are open while a backlog is read, and
 * the same messages read again (a replay after a crash, an archive) come
 * in the same order, which float aggregates need to give the same digits.
 * Lateness does not depend on it: every row carries its partition
 * (batch->split) and the window operator keeps a max event time per
 * partition.  splits() tells it which partitions have messages read() has
 * not returned yet: buffered here, not at their end (a partition is at its
 * end from its end-of-partition event until its next message), or below
 * the high watermark offset librdkafka learnt from its latest fetch
 * response (messages of that response still on their way through
 * librdkafka's queues).  Such a partition holds the watermark back; only
 * one caught up with its high watermark may count as idle (server/engine/window.c,
 * docs/kafka.md).  A partition that gets
 * far ahead is paused (librdkafka then fetches the others), which bounds
 * the buffers (16384 messages a partition, 512k in all with more than 32
 * partitions; librdkafka's own queue is bounded by
 * queued.max.messages.kbytes).  Values are decoded with the FILE source's
 * decoders (json, csv: formats/format.h) or the Avro decoder
 * (formats/avro.h) straight into the batch; the message key goes to
 * key_column (a declared TEXT column the decoder skips), the message
 * timestamp to batch->event_time unless timestamp = 'event'.  A value
 * that does not decode is counted, never fatal, and with a dead_letter
 * sink handed to the engine's reject callback (the whole message, or for
 * CSV the line that failed) with the error.  A CSV message may hold
 * several lines (with header = true the first is the header); a message
 * not finished when the batch is full goes on in the next read().
 *
 * Avro with schema_registry: each message starts with the Confluent
 * header (magic byte 0, schema id); the id's writer schema is fetched
 * from the registry (clients/schema_registry.h, cached process-wide) and
 * gets its own decoder, kept for the query's life.  A message without the
 * header, or whose id the registry does not know or whose schema is not a
 * usable record, is a decode error (counted, dead-lettered; an unknown id
 * is asked for again at most once a minute).  A registry that is
 * unreachable or answers 5xx stops the merge at that message, which stays
 * buffered: read() returns what it has, logs a warning, and asks again
 * after a backoff (1 s doubling to 30 s), so nothing is lost or reordered
 * and the query waits as it does for a broker outage.  A registry that
 * refuses the credentials (401/403) fails the query at that message (the
 * rows before it are returned first; the next read() fails).
 *
 * commit() (called by the runtime once the sink has flushed everything
 * read so far) commits the next offset of each partition to the group:
 * at-least-once, a stopped or restarted query goes on where its sink's
 * data ends.  The group is the `group` option, else "sluice-<query>".
 *
 * Checkpoints: position() is the next offset of every partition (after the
 * last message read() decoded; -1 where none was read) and, when a CSV
 * message was cut short by a full batch, that message's partition, offset
 * and how many of its bytes were consumed.  seek() assign()s the
 * partitions again at those offsets (OFFSET_STORED where the checkpoint
 * has none), drops anything fetched before, skips the consumed lines of a
 * cut message (its CSV header is still read), and from then on drops any
 * message of a partition older than the next one expected (a fetch of the
 * first assignment still in flight).  The runtime calls commit() right
 * after each checkpoint, so the group's offsets follow the checkpoint.
 *
 * Entry points: sl_kafka_source_validate, sl_kafka_source_open,
 * sl_kafka_source_read, sl_kafka_source_commit, sl_kafka_source_close,
 * sl_kafka_source_position, sl_kafka_source_seek.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sources/sources.h"
#include "sluice/clock.h"
#include "sluice/checkpoint.h"
#include "formats/format.h"
#include "formats/avro.h"
#include "kafka/client.h"
#include "sluice/log.h"
#include "clients/schema_registry.h"
#include "sluice/batch.h"
#include "sluice/errcodes.h"

/* How long open() waits for the topic's metadata, and in slices of how
 * long, between which it asks should_stop. */
#define SL_KAFKA_METADATA_TIMEOUT_MS 10000
#define SL_KAFKA_METADATA_SLICE_MS   250
/* How long one read() waits for messages: short, so an idle topic lets the
 * runtime tick windows and notice DROP promptly. */
#define SL_KAFKA_READ_TIMEOUT_MS 10
/* After the first message of a quiet spell, how long read() pauses before
 * it takes the rest of its fetch response (see fetch()). */
#define SL_KAFKA_SETTLE_US 200
/* How long the timestamp merge waits for a partition that has nothing
 * buffered and has not reported its end (a fetch in flight). */
#define SL_KAFKA_ALIGN_WAIT_US 500000
/* A partition with this many messages buffered is paused until the merge
 * has taken it down to an eighth of that; fewer each with more than 32
 * partitions, so that all of them together hold at most
 * SL_KAFKA_BUFFERED_MAX (librdkafka's own queue comes on top: at most
 * queued.max.messages.kbytes). */
#define SL_KAFKA_PART_HIGH     16384
#define SL_KAFKA_PART_HIGH_MIN 512
#define SL_KAFKA_BUFFERED_MAX  (32 * SL_KAFKA_PART_HIGH)
/* Messages taken from librdkafka's queue at once, and fetches per read(). */
#define SL_KAFKA_FETCH_MAX        4096
#define SL_KAFKA_FETCHES_PER_READ 32
/* How often read() asks the brokers whether the topic has more partitions,
 * and how long it waits for the answer at most. */
#define SL_KAFKA_PARTITION_CHECK_US         5000000
#define SL_KAFKA_PARTITION_CHECK_TIMEOUT_MS 1000
/* schema_registry: how long an unknown schema id is not asked for again,
 * how many such ids are remembered, and the backoff while the registry
 * is unreachable. */
#define SL_KAFKA_UNKNOWN_ID_US           60000000
#define SL_KAFKA_UNKNOWN_IDS             64
#define SL_KAFKA_REGISTRY_BACKOFF_US     1000000
#define SL_KAFKA_REGISTRY_BACKOFF_MAX_US 30000000

/* The messages of one partition that read() fetched and has not decoded
 * yet, in offset order: msgs[pos..n). */
typedef struct kafka_part {
    rd_kafka_message_t **msgs;
    int pos, n, cap;
    int64_t head_ts;        /* timestamp of msgs[pos] when pos < n */
    bool at_end;            /* its last event was end-of-partition: nothing more to wait for */
    int64_t eof_offset;     /* the offset of its last end-of-partition event; -1: none */
    bool paused;            /* fetching paused: far ahead of the others */
    int hpos;               /* its index in the merge's heap, -1 while nothing is buffered */
    int64_t blocking_since; /* when it started holding the merge back (0: it is not) */
} kafka_part;

/* schema_registry: the decoder of one writer schema id. */
typedef struct kafka_writer {
    int32_t id;
    sl_avro_decoder *dec;
} kafka_writer;

/* schema_registry: an id the registry did not give a usable schema for. */
typedef struct kafka_bad_id {
    int32_t id;
    int64_t until; /* monotonic us; 0: slot unused */
    char why[400];
} kafka_bad_id;

typedef struct kafka_source {
    sl_mcxt *cx;
    char what[300]; /* 'source "name"' for messages */
    rd_kafka_t *rk;
    rd_kafka_queue_t *queue;
    char *topic;
    int npartitions;
    int64_t *next_offset; /* per partition: after the last message read; -1 none */
    int64_t *committed;   /* per partition: what commit() last committed; -1 none */
    bool can_commit;      /* a continuous query: offsets belong to its group */
    int64_t start_offset; /* no committed offset: BEGINNING, END or STORED (librdkafka decides) */

    /* decoding */
    bool csv, csv_header;
    sl_json_decoder *json;
    sl_csv_decoder *csvdec;
    sl_avro_decoder *avro;   /* format avro */
    const sl_schema *schema; /* the batch's: the declared columns */
    int key_col;             /* -1: no key column */
    int ndec;                /* columns the decoder fills: all but key_col */
    sl_batch view;           /* the batch minus the key column, for the decoder */
    bool kafka_time;         /* event time from the message timestamp */
    sl_decode_options dopts;

    /* schema_registry: ks->avro is set per message to its writer's decoder */
    sl_schema_registry *registry;
    kafka_writer *writers;
    int nwriters, writers_cap;
    kafka_bad_id bad_ids[SL_KAFKA_UNKNOWN_IDS];
    int next_bad;
    int64_t registry_wait_until; /* monotonic us: the registry was down */
    bool registry_refused;       /* it refused our credentials: read() fails with fatal */
    sl_error fatal;
    int64_t registry_backoff_us;
    int64_t registry_failures;

    /* Messages fetched but not decoded yet, per partition (see read()). */
    kafka_part *parts;       /* npartitions */
    rd_kafka_message_t **in; /* one fetch from the consumer queue */
    int in_cap;
    int64_t buffered; /* messages in all parts */
    int part_high;    /* pause a partition with this many buffered */
    /* The merge's heap: the partitions with messages buffered, by (head_ts,
     * partition), so the next row is found in O(log n), not by a scan of
     * every partition per row.  nwaiting counts the partitions with nothing
     * buffered and no end reported: only while there are some does the
     * merge need its scan (to wait for them). */
    int *heap;
    int nheap;
    int nwaiting;
    bool *pending;   /* per partition, for splits() */
    size_t line_pos; /* CSV: where the next line of the current message starts */
    int line_part;   /* with line_pos > 0: the partition of that message */

    int64_t transport_errors;
    int64_t next_meta_check; /* monotonic us: when to look for new partitions */

    /* after seek(): per partition the next offset expected (older messages
     * are dropped), and the message cut short at the checkpoint */
    int64_t *expect; /* NULL until seek() */
    int skip_part;   /* -1: none */
    int64_t skip_offset;
    size_t skip_until; /* bytes of that message consumed before */
    bool skip_in_msg;  /* decoding that message now */
    bool skip_header;  /* its CSV header line was read */

    /* dead letters (sl_source_open_args.reject), NULL when none */
    void (*reject)(void *arg, const char *raw, size_t len, const sl_error *why);
    void *reject_arg;
    sl_error row_err; /* why the last row did not decode */
} kafka_source;

sl_status sl_kafka_source_validate(const sl_options *opts, sl_error *err)
{
    const char *fmt = sl_options_get(opts, "format");
    bool avro = fmt != NULL && strcmp(fmt, "avro") == 0;
    const char *url = sl_options_get(opts, "schema_registry");

    if (url != NULL && sl_options_given(opts, "schema")) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                     "options \"schema\" and \"schema_registry\" exclude each other");
        sl_error_hint(err, "With schema_registry each message names its writer schema; the declared "
                           "columns take its fields by name.");
        return SL_ERROR;
    }
    if (sl_schema_registry_check_options(opts, err) != SL_OK)
        return SL_ERROR;
    if (avro && !sl_options_given(opts, "schema") && url == NULL) {
        /* The text other tests and users know; schema_registry is in docs/kafka.md. */
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "format avro needs the option \"schema\"");
        sl_error_hint(err, "Give the writer schema as JSON text or the name of a file holding it.");
        return SL_ERROR;
    }
    return sl_kafka_properties_check(opts, err);
}

/* The batch's columns are the declared ones; key_column must name one of
 * them of type TEXT (declared, so that EXPLAIN, which does not open the
 * source, sees the same columns as a running query). */
static sl_status build_schema(kafka_source *ks, const sl_source_open_args *args, sl_error *err)
{
    const sl_schema *decl = args->schema;
    const char *key = sl_options_get(args->options, "key_column");

    if (decl == NULL || decl->ncols == 0) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "%s: a kafka source needs declared columns",
                     ks->what);
        sl_error_hint(err, "Declare them: CREATE SOURCE name (column type, ...) FROM KAFKA WITH (...).");
        return SL_ERROR;
    }
    ks->schema = decl;
    ks->ndec = decl->ncols;
    ks->key_col = -1;
    if (key == NULL)
        return SL_OK;
    ks->key_col = sl_schema_find(decl, key);
    if (ks->key_col < 0) {
        sl_error_set(err, SL_ERRCODE_UNDEFINED_COLUMN, "%s: key_column \"%s\" is not a declared column",
                     ks->what, key);
        sl_error_hint(err, "Declare it as a TEXT column of the source.");
        return SL_ERROR;
    }
    if (decl->types[ks->key_col] != SL_TYPE_TEXT)
        return sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH, "%s: key_column \"%s\" must be of type TEXT",
                            ks->what, key);
    ks->ndec = decl->ncols - 1;
    return SL_OK;
}

/* The decoder's schema: every column but the key column, in order. */
static const sl_schema *decoder_schema(kafka_source *ks)
{
    const char **names;
    sl_type *types;
    int j = 0;

    if (ks->key_col < 0)
        return ks->schema;
    names = sl_palloc(ks->cx, sizeof(char *) * (size_t)(ks->ndec + 1));
    types = sl_palloc(ks->cx, sizeof(sl_type) * (size_t)(ks->ndec + 1));
    for (int c = 0; c < ks->schema->ncols; c++) {
        if (c == ks->key_col)
            continue;
        names[j] = ks->schema->names[c];
        types[j] = ks->schema->types[c];
        j++;
    }
    return sl_schema_new(ks->cx, ks->ndec, names, types);
}

/* Consumer settings sluice chooses; `properties` may override them. */
static const sl_kafka_setting consumer_defaults[] = {
    {"enable.auto.commit", "false"}, /* commit() decides when */
    {"enable.auto.offset.store", "false"},
    /* A pipeline may start reading a topic before anything wrote to it. */
    {"allow.auto.create.topics", "true"},
    /* Short fetch waits and small fetches: latency, and the mock cluster
     * sends one message set per partition per fetch, so smaller fetches
     * pipeline better.  The mock holds an empty fetch for the whole wait,
     * new messages or not (a real broker answers as soon as data comes),
     * so the wait is the latency floor there: 10 ms gave a p99 of 17 ms,
     * 1 ms gives 5 ms; an idle query then costs about 3.5 % of a core
     * (docs/kafka.md, "Latency"). */
    {"fetch.wait.max.ms", "1"},
    {"fetch.max.bytes", "1048576"},
    /* librdkafka 2.0 pauses fetching for about a second whenever the app
     * is this many messages behind (default 100000, shared by all
     * partitions of the consumer queue): a burst then reads at a quarter
     * of the speed.  Memory stays bounded by queued.max.messages.kbytes
     * (64 MB). */
    {"queued.min.messages", "1000000"},
    /* read() needs to know when a partition has nothing more right now. */
    {"enable.partition.eof", "true"},
    {NULL, NULL},
};

/* Where a partition without a committed offset starts: the effective
 * auto.offset.reset (`start`, or `properties` overriding it); STORED for
 * "error" and anything unknown, which leaves it to librdkafka. */
static int64_t offset_reset(rd_kafka_t *rk)
{
    static const char *const begin[] = {"smallest", "earliest", "beginning"};
    static const char *const end[] = {"largest", "latest", "end"};
    char v[64];
    size_t n = sizeof(v);

    if (rd_kafka_conf_get(rd_kafka_conf(rk), "auto.offset.reset", v, &n) != RD_KAFKA_CONF_OK)
        return RD_KAFKA_OFFSET_STORED;
    for (int i = 0; i < 3; i++) {
        if (strcmp(v, begin[i]) == 0)
            return RD_KAFKA_OFFSET_BEGINNING;
        if (strcmp(v, end[i]) == 0)
            return RD_KAFKA_OFFSET_END;
    }
    return RD_KAFKA_OFFSET_STORED;
}

/*
 * Replaces RD_KAFKA_OFFSET_STORED in parts with the group's committed
 * offset, or `start` where it committed none.  librdkafka resolves STORED
 * itself, but only after its group coordinator machinery gets round to an
 * OffsetFetch: 100-250 ms before the first fetch with the mock cluster,
 * 10-60 ms with explicit offsets (a tenth of a 1M-message benchmark).
 * On any error the STORED ones stay as they are, and librdkafka resolves
 * them as before.
 */
static void resolve_stored(kafka_source *ks, rd_kafka_topic_partition_list_t *parts, int64_t fallback)
{
    rd_kafka_topic_partition_list_t *q = rd_kafka_topic_partition_list_new(parts->cnt);
    rd_kafka_resp_err_t rc;

    for (int i = 0; i < parts->cnt; i++)
        if (parts->elems[i].offset == RD_KAFKA_OFFSET_STORED)
            rd_kafka_topic_partition_list_add(q, parts->elems[i].topic, parts->elems[i].partition);
    if (q->cnt > 0 &&
        (rc = rd_kafka_committed(ks->rk, q, SL_KAFKA_METADATA_TIMEOUT_MS)) != RD_KAFKA_RESP_ERR_NO_ERROR)
        sl_log(SL_LOG_NOTICE, "%s: kafka: committed offsets unknown (%s), the group's are read later",
               ks->what, rd_kafka_err2str(rc));
    else
        for (int i = 0; i < q->cnt; i++) {
            rd_kafka_topic_partition_t *e = &q->elems[i];
            rd_kafka_topic_partition_t *t;
            if (e->err != RD_KAFKA_RESP_ERR_NO_ERROR)
                continue;
            t = rd_kafka_topic_partition_list_find(parts, e->topic, e->partition);
            if (t != NULL)
                t->offset = e->offset >= 0 ? e->offset : fallback;
        }
    rd_kafka_topic_partition_list_destroy(q);
}

/* Creates the consumer, learns the partitions and assigns them all. */
static sl_status start_consumer(kafka_source *ks, const sl_source_open_args *args, sl_error *err)
{
    const char *group = sl_options_get(args->options, "group");
    const char *start = sl_options_get(args->options, "start");
    char errstr[512], client_id[300];
    static int push_seq; /* names the groups of push queries */
    rd_kafka_conf_t *conf;
    rd_kafka_topic_t *rkt;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_partition_list_t *parts;
    rd_kafka_resp_err_t rc;

    snprintf(client_id, sizeof(client_id), "sluice-%s", args->query_name ? args->query_name : "push");
    if (sl_kafka_conf_new(args->options, args->confine, ks->what, client_id, consumer_defaults, &conf, err) !=
        SL_OK)
        return SL_ERROR;
    if (group == NULL) {
        if (args->query_name != NULL)
            group = sl_psprintf(ks->cx, "sluice-%s", args->query_name);
        else /* a push query reads from `start` and commits nothing */
            group = sl_psprintf(ks->cx, "sluice-push-%ld-%d", (long)getpid(),
                                __atomic_add_fetch(&push_seq, 1, __ATOMIC_RELAXED));
    }
    ks->can_commit = args->query_name != NULL;
    if (sl_kafka_conf_set(conf, "group.id", group, ks->what, err) != SL_OK ||
        sl_kafka_conf_set(conf, "auto.offset.reset", start != NULL ? start : "earliest", ks->what, err) !=
            SL_OK)
        goto fail_conf;
    ks->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (ks->rk == NULL) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "%s: could not create a kafka consumer: %s",
                     ks->what, errstr);
        goto fail_conf;
    }
    ks->start_offset = offset_reset(ks->rk);
    rkt = rd_kafka_topic_new(ks->rk, ks->topic, NULL);
    if (rkt == NULL)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "%s: bad topic \"%s\": %s", ks->what,
                            ks->topic, rd_kafka_err2str(rd_kafka_last_error()));
    /* In slices, so that a cancel or DROP need not wait for the whole timeout. */
    for (int waited = 0;; waited += SL_KAFKA_METADATA_SLICE_MS) {
        rc = rd_kafka_metadata(ks->rk, 0, rkt, &md, SL_KAFKA_METADATA_SLICE_MS);
        if (rc == RD_KAFKA_RESP_ERR_NO_ERROR ||
            waited + SL_KAFKA_METADATA_SLICE_MS >= SL_KAFKA_METADATA_TIMEOUT_MS)
            break;
        if (rc != RD_KAFKA_RESP_ERR__TIMED_OUT && rc != RD_KAFKA_RESP_ERR__TRANSPORT)
            break;
        if (rc == RD_KAFKA_RESP_ERR__TRANSPORT)
            usleep(SL_KAFKA_METADATA_SLICE_MS * 1000); /* refused at once: do not spin */
        if (args->should_stop != NULL && args->should_stop(args->stop_arg)) {
            rd_kafka_topic_destroy(rkt);
            return sl_error_set(err, SL_ERRCODE_QUERY_CANCELED,
                                "%s: stopped while waiting for the metadata of topic \"%s\"", ks->what,
                                ks->topic);
        }
    }
    rd_kafka_topic_destroy(rkt);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *brokers = sl_options_get(args->options, "brokers");
        sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "%s: could not get the metadata of topic \"%s\": %s",
                     ks->what, ks->topic, rd_kafka_err2str(rc));
        sl_error_hint(err, "Check that %s is reachable.",
                      brokers != NULL ? "a broker of the brokers option" : "the embedded broker");
        return SL_ERROR;
    }
    if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
        md->topics[0].partition_cnt <= 0) {
        sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "%s: topic \"%s\" is not available: %s", ks->what,
                     ks->topic,
                     md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : "no metadata returned");
        rd_kafka_metadata_destroy(md);
        return SL_ERROR;
    }
    ks->npartitions = md->topics[0].partition_cnt;
    ks->next_offset = sl_palloc(ks->cx, sizeof(int64_t) * (size_t)ks->npartitions);
    ks->committed = sl_palloc(ks->cx, sizeof(int64_t) * (size_t)ks->npartitions);
    parts = rd_kafka_topic_partition_list_new(ks->npartitions);
    for (int i = 0; i < md->topics[0].partition_cnt; i++) {
        int32_t id = md->topics[0].partitions[i].id;
        if (id < 0 || id >= ks->npartitions)
            continue; /* partition ids are 0..n-1 in Kafka; skip anything else */
        rd_kafka_topic_partition_list_add(parts, ks->topic, id)->offset = RD_KAFKA_OFFSET_STORED;
    }
    rd_kafka_metadata_destroy(md);
    ks->parts = sl_pzalloc(ks->cx, sizeof(kafka_part) * (size_t)ks->npartitions);
    ks->heap = sl_palloc(ks->cx, sizeof(int) * (size_t)ks->npartitions);
    ks->nheap = 0;
    ks->nwaiting = ks->npartitions;
    ks->pending = sl_pzalloc(ks->cx, sizeof(bool) * (size_t)ks->npartitions);
    ks->part_high = SL_KAFKA_BUFFERED_MAX / ks->npartitions;
    if (ks->part_high > SL_KAFKA_PART_HIGH)
        ks->part_high = SL_KAFKA_PART_HIGH;
    if (ks->part_high < SL_KAFKA_PART_HIGH_MIN)
        ks->part_high = SL_KAFKA_PART_HIGH_MIN;
    for (int i = 0; i < ks->npartitions; i++) {
        ks->next_offset[i] = ks->committed[i] = -1;
        ks->parts[i].hpos = -1;
        ks->parts[i].eof_offset = -1;
    }
    resolve_stored(ks, parts, ks->start_offset);
    rc = rd_kafka_assign(ks->rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR)
        return sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE,
                            "%s: could not assign the partitions of \"%s\": %s", ks->what, ks->topic,
                            rd_kafka_err2str(rc));
    ks->next_meta_check = sl_clock_mono_us() + SL_KAFKA_PARTITION_CHECK_US;
    ks->queue = rd_kafka_queue_get_consumer(ks->rk);
    if (ks->queue == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "%s: no consumer queue", ks->what);
    return SL_OK;
fail_conf:
    rd_kafka_conf_destroy(conf);
    return SL_ERROR;
}

sl_status sl_kafka_source_open(const sl_source_open_args *args, void **state, sl_error *err)
{
    kafka_source *ks = sl_pnew(args->cx, kafka_source);
    const char *fmt = sl_options_get(args->options, "format");
    const char *ts = sl_options_get(args->options, "timestamp");
    sl_decode_options dopts = {.ts_unit_us = 1000000};
    const sl_schema *dschema;
    const char *registry = sl_options_get(args->options, "schema_registry");

    *state = NULL;
    ks->cx = args->cx;
    snprintf(ks->what, sizeof(ks->what), "source \"%s\"", args->source_name);
    ks->topic = sl_pstrdup(ks->cx, sl_options_get(args->options, "topic"));
    if (sl_kafka_source_validate(args->options, err) != SL_OK)
        return SL_ERROR;
    if (build_schema(ks, args, err) != SL_OK)
        return SL_ERROR;
    ks->reject = args->reject;
    ks->reject_arg = args->reject_arg;
    ks->skip_part = -1;
    /* Without timestamp = 'event' the message timestamp is the event time;
     * an EVENT TIME column still wins in the runtime. */
    ks->kafka_time = ts == NULL || strcmp(ts, "kafka") == 0;
    ks->csv = fmt != NULL && strcmp(fmt, "csv") == 0;
    ks->csv_header = sl_options_get_bool(args->options, "header", false);
    dopts.header = ks->csv_header;
    ks->dopts = dopts;
    dschema = decoder_schema(ks);
    if (ks->csv)
        ks->csvdec = sl_csv_decoder_new(ks->cx, dschema, &dopts);
    else if (fmt != NULL && strcmp(fmt, "avro") == 0 && registry != NULL) {
        /* Decoders come per schema id, as messages name them. */
        ks->registry = sl_schema_registry_new(ks->cx, args->confine, ks->what, registry,
                                              sl_options_get(args->options, "schema_registry_user"),
                                              sl_options_get(args->options, "schema_registry_password"), err);
        if (ks->registry == NULL)
            return SL_ERROR;
    } else if (fmt != NULL && strcmp(fmt, "avro") == 0) {
        const char *json;
        size_t jlen;
        const char *schema = sl_options_get(args->options, "schema");
        if (sl_avro_schema_load(ks->cx, args->confine, schema, &json, &jlen, err) != SL_OK ||
            (ks->avro = sl_avro_decoder_new(ks->cx, dschema, json, jlen, false, &dopts, err)) == NULL) {
            char msg[SL_ERROR_MSG_MAX];
            snprintf(msg, sizeof(msg), "%s", err->message);
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "%s: %.900s", ks->what, msg);
            return SL_ERROR;
        }
    } else
        ks->json = sl_json_decoder_new(ks->cx, dschema, &dopts);
    ks->view.schema = dschema;
    ks->view.cols = sl_palloc(ks->cx, sizeof(sl_vector) * (size_t)(ks->ndec + 1));
    if (start_consumer(ks, args, err) != SL_OK) {
        sl_kafka_source_close(ks);
        return SL_ERROR;
    }
    *args->schema_out = ks->schema;
    *args->bounded_out = false;
    *state = ks;
    return SL_OK;
}

/* Decodes one line (a JSON message, or one CSV line) into the batch; the
 * key and event time of msg go with the row.  False on a decode error. */
static bool decode_row(kafka_source *ks, sl_batch *batch, const rd_kafka_message_t *msg, const char *p,
                       size_t len, int64_t msg_ts, int64_t arrival)
{
    sl_batch *target = batch;
    sl_status st;
    int row = batch->nrows;

    if (ks->key_col >= 0) {
        /* The decoder fills a view of the batch without the key column:
         * the same vectors, so nothing is copied. */
        int j = 0;
        for (int c = 0; c < batch->schema->ncols; c++)
            if (c != ks->key_col)
                ks->view.cols[j++] = batch->cols[c];
        ks->view.nrows = batch->nrows;
        ks->view.capacity = batch->capacity;
        ks->view.cx = batch->cx;
        ks->view.event_time = batch->event_time;
        target = &ks->view;
    }
    /* ks->row_err is clear here: reject_row() clears it after use (a
     * clear per row, a few KB of memset, showed in profiles). */
    st = ks->csv    ? sl_csv_decode_line(ks->csvdec, p, len, target, &ks->row_err)
         : ks->avro ? sl_avro_decode(ks->avro, p, len, target, &ks->row_err)
                    : sl_json_decode_line(ks->json, p, len, target, &ks->row_err);
    if (st != SL_OK)
        return false;
    if (target->nrows == row) /* a CSV header line */
        return true;
    if (ks->key_col >= 0) {
        sl_vector *kv = &batch->cols[ks->key_col];
        if (msg->key == NULL) {
            kv->nulls[row] = 1;
        } else {
            if (!sl_utf8_valid(msg->key, msg->key_len)) {
                sl_error_set(&ks->row_err, SL_ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
                             "message key is not valid UTF-8");
                return false; /* the row is dropped: batch->nrows was not advanced */
            }
            kv->nulls[row] = 0;
            kv->v.text[row] = sl_batch_text(batch, msg->key, (int32_t)msg->key_len);
        }
        batch->nrows = target->nrows;
    }
    if (ks->kafka_time)
        batch->event_time[row] = msg_ts >= 0 ? msg_ts * 1000 : arrival;
    return true;
}

/* Counts a record that did not decode (ks->row_err says why) and hands it
 * to the dead-letter callback. */
static void reject_row(kafka_source *ks, const char *p, size_t len, int64_t *decode_errors)
{
    (*decode_errors)++;
    if (ks->reject != NULL)
        ks->reject(ks->reject_arg, p, len, &ks->row_err);
    sl_error_clear(&ks->row_err);
}

/* Decodes what is left of msg while the batch has room; true when the
 * message is done. */
static bool decode_message(kafka_source *ks, sl_batch *batch, const rd_kafka_message_t *msg, int64_t msg_ts,
                           int64_t *decode_errors, int64_t arrival)
{
    const char *p = msg->payload != NULL ? (const char *)msg->payload : "";
    size_t len = msg->payload != NULL ? msg->len : 0;

    if (!ks->csv) {
        /* schema_registry: no decoder means merge() found none (row_err says why). */
        if ((ks->registry != NULL && ks->avro == NULL) ||
            !decode_row(ks, batch, msg, p, len, msg_ts, arrival))
            reject_row(ks, p, len, decode_errors);
        return true;
    }
    /* CSV: one row per line; with header, every message starts with one. */
    if (ks->line_pos == 0 && ks->csv_header)
        sl_csv_decoder_reset(ks->csvdec);
    if (ks->line_pos == 0 && ks->skip_part == msg->partition && ks->skip_offset == msg->offset) {
        ks->skip_in_msg = true; /* the message cut short at the checkpoint */
        ks->skip_header = false;
        ks->skip_part = -1;
    }
    while (ks->line_pos < len) {
        const char *b = p + ks->line_pos;
        const char *nl = memchr(b, '\n', len - ks->line_pos);
        size_t n = nl != NULL ? (size_t)(nl - b) : len - ks->line_pos;

        if (batch->nrows >= batch->capacity)
            return false;
        ks->line_pos += n + (nl != NULL);
        if (n == 0 || (n == 1 && b[0] == '\r'))
            continue; /* blank line */
        if (ks->skip_in_msg) {
            if (ks->line_pos > ks->skip_until) {
                ks->skip_in_msg = false;
            } else {
                /* Consumed before the checkpoint; a header is read again. */
                bool header = ks->csv_header && !ks->skip_header;
                ks->skip_header = true;
                if (!header)
                    continue;
            }
        }
        if (!decode_row(ks, batch, msg, b, n, msg_ts, arrival))
            reject_row(ks, b, n, decode_errors);
    }
    if (len == 0) { /* an empty message is not a row */
        sl_error_set(&ks->row_err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "empty message");
        reject_row(ks, p, len, decode_errors);
    }
    return true;
}

/* A message that carries an error instead of data (from the consumer). */
static sl_status message_error(kafka_source *ks, const rd_kafka_message_t *msg, sl_error *err)
{
    char fatal[512];

    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
        return SL_OK;
    if (rd_kafka_fatal_error(ks->rk, fatal, sizeof(fatal)) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "%s: kafka consumer failed: %s", ks->what, fatal);
    /* Brokers going away and coming back are retried by librdkafka: log
     * the first occurrences and then one in a thousand. */
    if (ks->transport_errors++ < 10 || ks->transport_errors % 1000 == 0)
        sl_log(SL_LOG_WARNING, "%s: kafka: %s", ks->what, rd_kafka_message_errstr(msg));
    return SL_OK;
}

/* Pauses or resumes fetching partition p: a partition far ahead of the
 * merge waits, so librdkafka fetches the ones the merge waits for and the
 * buffers stay bounded.  librdkafka drops what it prefetched for a paused
 * partition and fetches it again from after the last message read. */
static void part_pause(kafka_source *ks, int p, bool pause)
{
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);

    rd_kafka_topic_partition_list_add(list, ks->topic, p);
    if (pause)
        rd_kafka_pause_partitions(ks->rk, list);
    else
        rd_kafka_resume_partitions(ks->rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    ks->parts[p].paused = pause;
}

/* Orders the heap: older head first, ties by partition number. */
static inline bool heap_less(const kafka_source *ks, int a, int b)
{
    int64_t ta = ks->parts[a].head_ts, tb = ks->parts[b].head_ts;
    return ta < tb || (ta == tb && a < b);
}

static inline void heap_set(kafka_source *ks, int i, int p)
{
    ks->heap[i] = p;
    ks->parts[p].hpos = i;
}

static void heap_up(kafka_source *ks, int i)
{
    int p = ks->heap[i];

    while (i > 0 && heap_less(ks, p, ks->heap[(i - 1) / 2])) {
        heap_set(ks, i, ks->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(ks, i, p);
}

static void heap_down(kafka_source *ks, int i)
{
    int p = ks->heap[i];

    for (;;) {
        int c = 2 * i + 1;
        if (c >= ks->nheap)
            break;
        if (c + 1 < ks->nheap && heap_less(ks, ks->heap[c + 1], ks->heap[c]))
            c++;
        if (!heap_less(ks, ks->heap[c], p))
            break;
        heap_set(ks, i, ks->heap[c]);
        i = c;
    }
    heap_set(ks, i, p);
}

static void heap_insert(kafka_source *ks, int p)
{
    heap_set(ks, ks->nheap++, p);
    heap_up(ks, ks->nheap - 1);
}

static void heap_remove(kafka_source *ks, int p)
{
    int i = ks->parts[p].hpos, last = ks->heap[--ks->nheap];

    ks->parts[p].hpos = -1;
    if (i == ks->nheap)
        return;
    heap_set(ks, i, last);
    heap_up(ks, i);
    heap_down(ks, ks->parts[last].hpos);
}

/* Empties every partition's buffer (close, seek): the heap too. */
static void parts_clear(kafka_source *ks)
{
    for (int p = 0; ks->parts != NULL && p < ks->npartitions; p++) {
        kafka_part *kp = &ks->parts[p];
        for (int i = kp->pos; i < kp->n; i++)
            rd_kafka_message_destroy(kp->msgs[i]);
        kp->pos = kp->n = 0;
        kp->hpos = -1;
    }
    ks->nheap = 0;
    ks->buffered = 0;
}

/* Appends msg to its partition's buffer (grown by doubling, rarely). */
static void part_push(kafka_source *ks, kafka_part *kp, rd_kafka_message_t *msg)
{
    if (kp->n == kp->cap) {
        if (kp->pos > 0) {
            memmove(kp->msgs, kp->msgs + kp->pos, sizeof(rd_kafka_message_t *) * (size_t)(kp->n - kp->pos));
            kp->n -= kp->pos;
            kp->pos = 0;
        } else {
            int cap = kp->cap > 0 ? kp->cap * 2 : 256;
            kp->msgs = sl_prealloc(ks->cx, kp->msgs, sizeof(rd_kafka_message_t *) * (size_t)kp->cap,
                                   sizeof(rd_kafka_message_t *) * (size_t)cap);
            kp->cap = cap;
        }
    }
    kp->msgs[kp->n++] = msg;
    ks->buffered++;
    if (kp->n - kp->pos == 1) { /* it was empty */
        kp->head_ts = rd_kafka_message_timestamp(msg, NULL);
        heap_insert(ks, msg->partition);
        if (!kp->at_end)
            ks->nwaiting--;
    }
    if (kp->n - kp->pos >= ks->part_high && !kp->paused)
        part_pause(ks, msg->partition, true);
}

/* One fetch from the consumer queue, sorted into the partitions' buffers;
 * end-of-partition events mark them.  When nothing is queued and
 * timeout_ms > 0 it waits up to that long for the first message only:
 * rd_kafka_consume_batch_queue with a timeout waits for a full batch or
 * the timeout, which held a trickle of messages back for the whole
 * timeout (latency, docs/kafka.md). */
static sl_status fetch(kafka_source *ks, int want, int timeout_ms, int *got, sl_error *err)
{
    ssize_t n = 0;

    *got = 0;
    if (want > ks->in_cap) {
        ks->in = sl_palloc(ks->cx, sizeof(rd_kafka_message_t *) * (size_t)want);
        ks->in_cap = want;
    }
    /* What is queued already (a backlog: no pause). */
    n = rd_kafka_consume_batch_queue(ks->queue, 0, ks->in, (size_t)want);
    if (n == 0 && timeout_ms > 0) {
        rd_kafka_message_t *first = rd_kafka_consume_queue(ks->queue, timeout_ms);
        if (first == NULL)
            return SL_OK; /* nothing came */
        ks->in[0] = first;
        /* The first message after a quiet spell: the rest of its fetch
         * response is being handed on partition by partition.  After a
         * moment's pause what is queued is usually all of it, so the merge
         * sees every partition of it (ends_refresh() covers the rest).
         * rd_kafka_consume_batch_queue with a timeout would wait for a
         * full batch, a whole millisecond or more. */
        sl_sleep_us(SL_KAFKA_SETTLE_US);
        n = rd_kafka_consume_batch_queue(ks->queue, 0, ks->in + 1, (size_t)want - 1);
        if (n >= 0)
            n++;
        else
            rd_kafka_message_destroy(first);
    }
    if (n < 0)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "%s: kafka consume failed: %s", ks->what,
                            rd_kafka_err2str(rd_kafka_last_error()));
    *got = (int)n;
    for (ssize_t i = 0; i < n; i++) {
        rd_kafka_message_t *msg = ks->in[i];
        bool mine = msg->rkt != NULL && msg->partition >= 0 && msg->partition < ks->npartitions;
        kafka_part *kp = mine ? &ks->parts[msg->partition] : NULL;

        if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR && kp != NULL && ks->expect != NULL) {
            if (msg->offset < ks->expect[msg->partition]) {
                rd_kafka_message_destroy(msg); /* fetched for the assignment before seek() */
                continue;
            }
            ks->expect[msg->partition] = msg->offset + 1;
        }
        if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR && kp != NULL) {
            part_push(ks, kp, msg);
            kp->at_end = false;
            kp->blocking_since = 0;
            continue;
        }
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (kp != NULL && kp->pos == kp->n && !kp->at_end)
                ks->nwaiting--;
            if (kp != NULL) {
                kp->at_end = true;
                kp->eof_offset = msg->offset;
            }
        } else if (message_error(ks, msg, err) != SL_OK) {
            for (ssize_t j = i; j < n; j++)
                rd_kafka_message_destroy(ks->in[j]);
            return SL_ERROR;
        }
        rd_kafka_message_destroy(msg);
    }
    return SL_OK;
}

/* True when partition p's high watermark offset, as librdkafka learnt it
 * from its latest fetch response, is beyond the last message read() took
 * or the last end-of-partition event: its end event is stale, messages of
 * that response are still on their way through librdkafka's queues. */
static bool part_behind(const kafka_source *ks, int p)
{
    const kafka_part *kp = &ks->parts[p];
    int64_t lo, hi, done = ks->next_offset[p] > kp->eof_offset ? ks->next_offset[p] : kp->eof_offset;

    return rd_kafka_get_watermark_offsets(ks->rk, ks->topic, p, &lo, &hi) == RD_KAFKA_RESP_ERR_NO_ERROR &&
           hi >= 0 && hi > done;
}

/* After a fetch: a partition at its end with nothing buffered whose high
 * watermark says more is coming is waited for by the merge again. */
static void ends_refresh(kafka_source *ks)
{
    for (int p = 0; p < ks->npartitions; p++) {
        kafka_part *kp = &ks->parts[p];
        if (kp->at_end && kp->pos == kp->n && part_behind(ks, p)) {
            kp->at_end = false;
            ks->nwaiting++;
        }
    }
}

/* The partition whose next message has the smallest timestamp, or -1 when
 * none has one or the merge waits for a partition still fetching. */
static int merge_next(kafka_source *ks, int64_t now)
{
    int best = -1;
    int64_t best_ts = 0;

    if (ks->nwaiting == 0)
        return ks->nheap > 0 ? ks->heap[0] : -1;

    for (int p = 0; p < ks->npartitions; p++) {
        kafka_part *kp = &ks->parts[p];

        if (kp->pos < kp->n) {
            if (best < 0 || kp->head_ts < best_ts) {
                best = p;
                best_ts = kp->head_ts;
            }
        } else if (!kp->at_end) {
            /* Empty but not known to be at its end: its next message may
             * be older than everything buffered.  Wait for it, a while. */
            if (kp->blocking_since == 0)
                kp->blocking_since = now;
            if (now - kp->blocking_since < SL_KAFKA_ALIGN_WAIT_US)
                return -1;
        }
    }
    return best;
}

/* schema_registry: the decoder of msg's writer schema as ks->avro, or
 * NULL with ks->row_err saying why the message cannot be decoded.
 * SL_RETRY when the registry cannot be asked now (it is down, or was a
 * moment ago): the message waits.  SL_ERROR when the registry refused the
 * credentials (401/403): no message can be decoded until they change, so
 * rather than dead-letter every message the query fails (ks->fatal) at
 * this one, which stays unread and uncommitted. */
static sl_status writer_decoder(kafka_source *ks, const rd_kafka_message_t *msg)
{
    const unsigned char *p = msg->payload;
    int64_t now = sl_clock_mono_us();
    kafka_bad_id *bad;
    const char *json;
    size_t jlen;
    int32_t id;
    sl_status st;

    /* ks->row_err is clear here (reject_row() clears it after use); it is
     * set only for a message that is then rejected. */
    ks->avro = NULL;
    if (p == NULL || msg->len < 5 || p[0] != 0) {
        sl_error_set(&ks->row_err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION,
                     "message does not start with a confluent avro header");
        return SL_OK;
    }
    id = (int32_t)((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | (uint32_t)p[4]);
    /* Newest first: producers move on to the latest version of a schema. */
    for (int i = ks->nwriters - 1; i >= 0; i--)
        if (ks->writers[i].id == id) {
            ks->avro = ks->writers[i].dec;
            return SL_OK;
        }
    for (int i = 0; i < SL_KAFKA_UNKNOWN_IDS; i++) {
        bad = &ks->bad_ids[i];
        if (bad->until > now && bad->id == id) {
            sl_error_set(&ks->row_err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "%s", bad->why);
            return SL_OK;
        }
    }
    if (now < ks->registry_wait_until)
        return SL_RETRY;
    /* The schema text lives in the query's memory with its decoder: once per id. */
    st = sl_schema_registry_get(ks->registry, id, ks->cx, &json, &jlen, &ks->row_err);
    if (st == SL_RETRY) {
        ks->registry_backoff_us = ks->registry_backoff_us == 0 ? SL_KAFKA_REGISTRY_BACKOFF_US
                                  : ks->registry_backoff_us * 2 > SL_KAFKA_REGISTRY_BACKOFF_MAX_US
                                      ? SL_KAFKA_REGISTRY_BACKOFF_MAX_US
                                      : ks->registry_backoff_us * 2;
        ks->registry_wait_until = now + ks->registry_backoff_us;
        if (ks->registry_failures++ < 10 || ks->registry_failures % 100 == 0)
            sl_log(SL_LOG_WARNING, "%s; the source waits %lld ms and asks again", ks->row_err.message,
                   (long long)(ks->registry_backoff_us / 1000));
        sl_error_clear(&ks->row_err); /* no row is rejected for it */
        return SL_RETRY;
    }
    ks->registry_backoff_us = 0;
    if (st == SL_ERROR && strcmp(ks->row_err.sqlstate, SL_ERRCODE_INVALID_AUTHORIZATION) == 0) {
        ks->fatal = ks->row_err;
        sl_error_clear(&ks->row_err);
        sl_error_hint(&ks->fatal,
                      "Correct schema_registry_user and schema_registry_password (ALTER SOURCE), "
                      "then restart the server: the query starts again from its committed offsets.");
        ks->registry_refused = true;
        return SL_ERROR;
    }
    if (st == SL_OK) {
        sl_avro_decoder *dec =
            sl_avro_decoder_new(ks->cx, ks->view.schema, json, jlen, true, &ks->dopts, &ks->row_err);
        if (dec != NULL) {
            if (ks->nwriters == ks->writers_cap) {
                int cap = ks->writers_cap > 0 ? ks->writers_cap * 2 : 8;
                ks->writers = sl_prealloc(ks->cx, ks->writers, sizeof(kafka_writer) * (size_t)ks->writers_cap,
                                          sizeof(kafka_writer) * (size_t)cap);
                ks->writers_cap = cap;
            }
            ks->writers[ks->nwriters++] = (kafka_writer){.id = id, .dec = dec};
            sl_log(SL_LOG_LOG, "%s: avro schema %ld from schema registry %s", ks->what, (long)id,
                   sl_schema_registry_url(ks->registry));
            ks->avro = dec;
            return SL_OK;
        }
        {
            char msg_text[SL_ERROR_MSG_MAX];
            snprintf(msg_text, sizeof(msg_text), "%s", ks->row_err.message);
            sl_error_set(&ks->row_err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "%s: schema %ld: %.900s", ks->what,
                         (long)id, msg_text);
        }
    }
    /* Unknown id or unusable schema: every message naming it is a decode
     * error; ask again after a while (it may be registered late). */
    bad = &ks->bad_ids[ks->next_bad];
    ks->next_bad = (ks->next_bad + 1) % SL_KAFKA_UNKNOWN_IDS;
    bad->id = id;
    bad->until = now + SL_KAFKA_UNKNOWN_ID_US;
    snprintf(bad->why, sizeof(bad->why), "%.399s", ks->row_err.message);
    return SL_OK;
}

/* Decodes buffered messages in timestamp order while the batch has room. */
static void merge(kafka_source *ks, sl_batch *batch, int64_t *decode_errors, int64_t now)
{
    while (batch->nrows < batch->capacity) {
        /* A CSV message cut short by a full batch goes on first. */
        int p = ks->line_pos > 0 ? ks->line_part : merge_next(ks, now);
        kafka_part *kp;
        rd_kafka_message_t *msg;
        int first;
        bool ok;

        if (p < 0)
            return;
        kp = &ks->parts[p];
        msg = kp->msgs[kp->pos];
        /* The registry is down: the message waits (see the top); or it
         * refused our credentials: read() fails. */
        if (ks->registry != NULL && writer_decoder(ks, msg) != SL_OK)
            return;
        first = batch->nrows;
        ok = decode_message(ks, batch, msg, kp->head_ts, decode_errors, now);
        /* The window operator aligns its watermark to the slowest partition. */
        for (int r = first; r < batch->nrows; r++)
            batch->split[r] = p;
        batch->has_split = true;
        if (!ok) {
            ks->line_part = p; /* batch full in the middle of a CSV message */
            return;
        }
        ks->next_offset[p] = msg->offset + 1;
        rd_kafka_message_destroy(msg);
        ks->line_pos = 0;
        ks->skip_in_msg = false;
        ks->buffered--;
        if (++kp->pos == kp->n) {
            kp->pos = kp->n = 0;
            heap_remove(ks, p);
            if (!kp->at_end)
                ks->nwaiting++;
        } else {
            kp->head_ts = rd_kafka_message_timestamp(kp->msgs[kp->pos], NULL);
            /* Timestamps within a partition usually grow, but producers
             * may set any: the new head can go either way. */
            heap_up(ks, kp->hpos);
            heap_down(ks, kp->hpos);
        }
        if (kp->paused && kp->n - kp->pos <= ks->part_high / 8)
            part_pause(ks, p, false);
    }
}

/* Grows every per-partition array from ks->npartitions to n entries. */
static void parts_grow(kafka_source *ks, int n)
{
    int old = ks->npartitions;
    size_t i64 = sizeof(int64_t);

    ks->next_offset = sl_prealloc(ks->cx, ks->next_offset, i64 * (size_t)old, i64 * (size_t)n);
    ks->committed = sl_prealloc(ks->cx, ks->committed, i64 * (size_t)old, i64 * (size_t)n);
    ks->parts =
        sl_prealloc(ks->cx, ks->parts, sizeof(kafka_part) * (size_t)old, sizeof(kafka_part) * (size_t)n);
    ks->heap = sl_prealloc(ks->cx, ks->heap, sizeof(int) * (size_t)old, sizeof(int) * (size_t)n);
    ks->pending = sl_prealloc(ks->cx, ks->pending, sizeof(bool) * (size_t)old, sizeof(bool) * (size_t)n);
    if (ks->expect != NULL)
        ks->expect = sl_prealloc(ks->cx, ks->expect, i64 * (size_t)old, i64 * (size_t)n);
    for (int p = old; p < n; p++) {
        memset(&ks->parts[p], 0, sizeof(kafka_part));
        ks->parts[p].hpos = -1;
        ks->parts[p].eof_offset = -1;
        ks->next_offset[p] = ks->committed[p] = -1;
        ks->pending[p] = true;
        if (ks->expect != NULL)
            ks->expect[p] = 0;
        ks->nwaiting++; /* nothing buffered, no end reported */
    }
    ks->npartitions = n;
}

/*
 * Partitions added to the topic while the query runs: every
 * SL_KAFKA_PARTITION_CHECK_US read() asks for the topic's metadata (one
 * round trip, at most SL_KAFKA_PARTITION_CHECK_TIMEOUT_MS) and adds the
 * new partitions to the assignment, at the group's committed offsets or
 * else from their beginning (not `start`: every message of a partition
 * made after the query started is new to it).  Until a new partition
 * reports its end or gives rows it holds the watermark (splits()).  A
 * failed request is tried again at the next check; fewer partitions than
 * known (Kafka never removes any) are ignored.
 */
static void partitions_check(kafka_source *ks)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt;
    rd_kafka_topic_partition_list_t *list;
    rd_kafka_error_t *e;
    int n, old = ks->npartitions;

    ks->next_meta_check = sl_clock_mono_us() + SL_KAFKA_PARTITION_CHECK_US;
    rkt = rd_kafka_topic_new(ks->rk, ks->topic, NULL);
    if (rkt == NULL)
        return;
    if (rd_kafka_metadata(ks->rk, 0, rkt, &md, SL_KAFKA_PARTITION_CHECK_TIMEOUT_MS) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_topic_destroy(rkt);
        return;
    }
    rd_kafka_topic_destroy(rkt);
    n = md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR ? md->topics[0].partition_cnt
                                                                              : 0;
    rd_kafka_metadata_destroy(md);
    if (n <= old || n > (1 << 20))
        return;
    parts_grow(ks, n);
    list = rd_kafka_topic_partition_list_new(n - old);
    for (int p = old; p < n; p++)
        rd_kafka_topic_partition_list_add(list, ks->topic, p)->offset = RD_KAFKA_OFFSET_STORED;
    resolve_stored(ks, list, RD_KAFKA_OFFSET_BEGINNING);
    for (int i = 0; i < list->cnt; i++)
        if (list->elems[i].offset == RD_KAFKA_OFFSET_STORED)
            list->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
    e = rd_kafka_incremental_assign(ks->rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (e != NULL) {
        sl_log(SL_LOG_WARNING, "%s: kafka: could not add the new partitions %d..%d of topic \"%s\": %s",
               ks->what, old, n - 1, ks->topic, rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        ks->nwaiting -= n - old; /* as before: the next check tries again */
        ks->npartitions = old;
        return;
    }
    sl_log(SL_LOG_LOG, "%s: topic \"%s\" has %d partitions now (%d before): reading the new ones", ks->what,
           ks->topic, n, old);
}

sl_status sl_kafka_source_read(void *state, sl_batch *batch, bool *eof, int64_t *decode_errors, sl_error *err)
{
    kafka_source *ks = state;

    *eof = false;
    batch->has_event_time = ks->kafka_time;
    if (ks->registry_refused) {
        *err = ks->fatal;
        return SL_ERROR;
    }
    if (sl_clock_mono_us() >= ks->next_meta_check)
        partitions_check(ks);
    merge(ks, batch, decode_errors, sl_clock_wall_us());
    /* Fetch until the batch is full or nothing more comes, a bounded
     * number of times (a stream of undecodable messages must not keep the
     * runtime from checking for DROP); wait briefly only while there is
     * nothing to give (a quiet topic, or the merge waits for a partition
     * whose messages are on their way). */
    for (int i = 0; i < SL_KAFKA_FETCHES_PER_READ && batch->nrows < batch->capacity; i++) {
        int got;

        if (fetch(ks, SL_KAFKA_FETCH_MAX, batch->nrows == 0 ? SL_KAFKA_READ_TIMEOUT_MS : 0, &got, err) !=
            SL_OK)
            return SL_ERROR;
        if (got > 0)
            ends_refresh(ks);
        merge(ks, batch, decode_errors, sl_clock_wall_us());
        if (got == 0 || ks->registry_refused) /* refused: the rows before it go first */
            break;
    }
    return SL_OK;
}

/* Which partitions have messages read() has not returned yet (see the top). */
void sl_kafka_source_splits(void *state, int *nsplits, const bool **pending)
{
    kafka_source *ks = state;

    for (int p = 0; p < ks->npartitions; p++) {
        const kafka_part *kp = &ks->parts[p];
        ks->pending[p] = kp->pos < kp->n || !kp->at_end || part_behind(ks, p);
    }
    *nsplits = ks->npartitions;
    *pending = ks->pending;
}

sl_status sl_kafka_source_commit(void *state, sl_error *err)
{
    kafka_source *ks = state;
    rd_kafka_topic_partition_list_t *list;
    rd_kafka_resp_err_t rc;

    if (ks == NULL || !ks->can_commit)
        return SL_OK;
    list = rd_kafka_topic_partition_list_new(ks->npartitions);
    for (int i = 0; i < ks->npartitions; i++)
        if (ks->next_offset[i] > ks->committed[i])
            rd_kafka_topic_partition_list_add(list, ks->topic, i)->offset = ks->next_offset[i];
    if (list->cnt == 0) {
        rd_kafka_topic_partition_list_destroy(list);
        return SL_OK;
    }
    /* Synchronous: one round trip per sink flush, and the offsets are
     * known to be stored when the runtime goes on. */
    rc = rd_kafka_commit(ks->rk, list, 0);
    if (rc == RD_KAFKA_RESP_ERR_NO_ERROR)
        for (int i = 0; i < list->cnt; i++)
            if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR && rc == RD_KAFKA_RESP_ERR_NO_ERROR)
                rc = list->elems[i].err;
    if (rc == RD_KAFKA_RESP_ERR_NO_ERROR)
        for (int i = 0; i < list->cnt; i++)
            ks->committed[list->elems[i].partition] = list->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(list);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "%s: could not commit offsets: %s", ks->what,
                            rd_kafka_err2str(rc));
    return SL_OK;
}

void sl_kafka_source_close(void *state)
{
    kafka_source *ks = state;

    if (ks == NULL)
        return;
    if (ks->registry != NULL)
        ks->avro = NULL; /* one of the writers' decoders */
    sl_avro_decoder_free(ks->avro);
    for (int i = 0; i < ks->nwriters; i++)
        sl_avro_decoder_free(ks->writers[i].dec);
    ks->nwriters = 0;
    sl_schema_registry_free(ks->registry);
    ks->registry = NULL;
    parts_clear(ks);
    if (ks->queue != NULL)
        rd_kafka_queue_destroy(ks->queue);
    ks->queue = NULL;
    if (ks->rk != NULL) {
        /* No group was joined: closing only stops the fetchers. */
        rd_kafka_consumer_close(ks->rk);
        rd_kafka_destroy(ks->rk);
    }
    ks->rk = NULL;
}

/* Position format: version byte 1, npartitions (u32), the next offset of
 * each (i64, -1: none read), then a flag byte and, when set, the partition
 * (u32), offset (i64) and consumed bytes (i64) of a CSV message cut short. */
#define KAFKA_POS_VERSION 1

sl_status sl_kafka_source_position(void *state, sl_mcxt *cx, char **pos, size_t *len, sl_error *err)
{
    kafka_source *ks = state;
    sl_ckpt_w w;

    (void)err;
    sl_ckpt_w_init(&w, cx);
    sl_ckpt_w_u8(&w, KAFKA_POS_VERSION);
    sl_ckpt_w_u32(&w, (uint32_t)ks->npartitions);
    for (int p = 0; p < ks->npartitions; p++)
        sl_ckpt_w_i64(&w, ks->next_offset[p]);
    if (ks->line_pos > 0) {
        const kafka_part *kp = &ks->parts[ks->line_part];
        sl_ckpt_w_u8(&w, 1);
        sl_ckpt_w_u32(&w, (uint32_t)ks->line_part);
        sl_ckpt_w_i64(&w, kp->msgs[kp->pos]->offset);
        sl_ckpt_w_i64(&w, (int64_t)ks->line_pos);
    } else if (ks->skip_part >= 0) {
        /* Seeked to a cut message not fetched since: still the position. */
        sl_ckpt_w_u8(&w, 1);
        sl_ckpt_w_u32(&w, (uint32_t)ks->skip_part);
        sl_ckpt_w_i64(&w, ks->skip_offset);
        sl_ckpt_w_i64(&w, (int64_t)ks->skip_until);
    } else {
        sl_ckpt_w_u8(&w, 0);
    }
    *pos = w.data;
    *len = w.len;
    return SL_OK;
}

sl_status sl_kafka_source_seek(void *state, const char *pos, size_t len, sl_error *err)
{
    kafka_source *ks = state;
    sl_ckpt_r r;
    uint32_t n;
    int64_t *next;
    rd_kafka_topic_partition_list_t *parts;
    rd_kafka_resp_err_t rc;
    int skip_part = -1;
    int64_t skip_offset = 0, skip_until = 0;

    sl_ckpt_r_init(&r, pos, len);
    if (sl_ckpt_r_u8(&r) != KAFKA_POS_VERSION)
        r.bad = true;
    n = sl_ckpt_r_count(&r, 1u << 20, 8);
    next = sl_palloc(ks->cx, sizeof(int64_t) * (size_t)(n > 0 ? n : 1));
    for (uint32_t p = 0; p < n; p++) {
        next[p] = sl_ckpt_r_i64(&r);
        if (next[p] < -1)
            r.bad = true;
    }
    if (sl_ckpt_r_bool(&r)) {
        uint32_t sp = sl_ckpt_r_u32(&r);
        skip_offset = sl_ckpt_r_i64(&r);
        skip_until = sl_ckpt_r_i64(&r);
        if (sp >= n || skip_offset < 0 || skip_until <= 0 || (next[sp] >= 0 && skip_offset < next[sp]))
            r.bad = true;
        skip_part = (int)sp;
    }
    if (!sl_ckpt_r_done(&r))
        return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "%s: kafka position is corrupt", ks->what);
    if ((int)n > ks->npartitions)
        return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED,
                            "%s: the checkpoint has %u partitions of topic \"%s\", the topic now %d",
                            ks->what, n, ks->topic, ks->npartitions);

    /* Stop the first assignment's fetchers and drop what they delivered. */
    rd_kafka_assign(ks->rk, NULL);
    for (;;) {
        int got;
        if (fetch(ks, SL_KAFKA_FETCH_MAX, 0, &got, err) != SL_OK)
            return SL_ERROR;
        if (got == 0)
            break;
    }
    parts_clear(ks);
    for (int p = 0; p < ks->npartitions; p++) {
        kafka_part *kp = &ks->parts[p];
        kp->at_end = false;
        kp->eof_offset = -1;
        if (kp->paused)
            part_pause(ks, p, false);
    }
    ks->nwaiting = ks->npartitions;
    ks->line_pos = 0;

    ks->expect = sl_palloc(ks->cx, sizeof(int64_t) * (size_t)ks->npartitions);
    parts = rd_kafka_topic_partition_list_new(ks->npartitions);
    for (int p = 0; p < ks->npartitions; p++) {
        int64_t off = p < (int)n ? next[p] : -1;
        if (p == skip_part)
            off = skip_offset;
        ks->expect[p] = off >= 0 ? off : 0;
        ks->next_offset[p] = p < (int)n ? next[p] : -1;
        rd_kafka_topic_partition_list_add(parts, ks->topic, p)->offset =
            off >= 0 ? off : RD_KAFKA_OFFSET_STORED;
    }
    resolve_stored(ks, parts, ks->start_offset);
    rc = rd_kafka_assign(ks->rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR)
        return sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE,
                            "%s: could not assign the partitions of \"%s\": %s", ks->what, ks->topic,
                            rd_kafka_err2str(rc));
    ks->skip_part = skip_part;
    ks->skip_offset = skip_offset;
    ks->skip_until = (size_t)skip_until;
    return SL_OK;
}

/* ---- the kind ---- */

static const sl_option_decl kafka_source_options[] = {
    {.name = "brokers",
     .type = SL_OPT_STRING,
     .reach = SL_REACH_HOSTS,
     .destination = true,
     .help = "bootstrap brokers host:port[,host:port...]; omitted: the embedded broker (sluiced "
             "--embedded-kafka)"},
    {.name = "topic", .type = SL_OPT_STRING, .required = true, .help = "topic to read (all partitions)"},
    {.name = "format",
     .type = SL_OPT_ENUM,
     .default_value = "json",
     .choices = SL_CHOICES("json", "csv", "avro"),
     .help = "encoding of the message values"},
    {.name = "group",
     .type = SL_OPT_STRING,
     .help =
         "consumer group; default: one group per query, named after it, so each query sees every message"},
    {.name = "start",
     .type = SL_OPT_ENUM,
     .default_value = "earliest",
     .choices = SL_CHOICES("earliest", "latest"),
     .help = "where a query with no committed offset starts reading"},
    {.name = "key_column",
     .type = SL_OPT_STRING,
     .help = "name of a text column that receives the message key"},
    {.name = "timestamp",
     .type = SL_OPT_ENUM,
     .choices = SL_CHOICES("event", "kafka"),
     .help = "event time from the EVENT TIME column (event) or the message timestamp (kafka); "
             "default: event when EVENT TIME is declared, else kafka"},
    {.name = "header",
     .type = SL_OPT_BOOL,
     .default_value = "false",
     .help = "format csv: messages start with a header line naming the columns (else columns by position)"},
    {.name = "schema",
     .type = SL_OPT_STRING,
     .reach = SL_REACH_FILE_OR_TEXT,
     .help = "format avro: the writer schema, as JSON text or the name of a file inside file_roots"},
    {.name = "schema_registry",
     .type = SL_OPT_STRING,
     .reach = SL_REACH_URL,
     .destination = true,
     .help = "format avro: URL of a schema registry; messages use the Confluent wire format (magic byte + "
             "schema id) and each id's writer schema is fetched from the registry"},
    SL_KAFKA_REGISTRY_AUTH_OPTIONS,
    {.name = "dead_letter",
     .type = SL_OPT_STRING,
     .help = "sink that receives messages that fail to decode, with the error text"},
    SL_KAFKA_CONNECTION_OPTIONS,
    {0},
};

const sl_source_kind sl_source_kafka = {
    .api_version = SL_SOURCE_API_VERSION,
    .name = "kafka",
    .description = "messages of a Kafka topic (JSON, CSV or Avro)",
    .options = kafka_source_options,
    .validate = sl_kafka_source_validate,
    .open = sl_kafka_source_open,
    .read = sl_kafka_source_read,
    .close = sl_kafka_source_close,
    .commit = sl_kafka_source_commit,
    .position = sl_kafka_source_position,
    .seek = sl_kafka_source_seek,
    .splits = sl_kafka_source_splits,
    .read_waits = true,
};
