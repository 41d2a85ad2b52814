/*
 * sink_writer.c - batching, retries with backoff, and statistics around a
 * sink kind's callbacks (see server/connectors/sink_writer.h).
 *
 * The buffer is one sl_batch of at most SL_SINK_MAX_BUFFER_ROWS rows (a
 * larger batch_rows is written in pieces of that size), filled by
 * sl_batch_append; its per-batch context holds the copied text and is reset
 * after each successful write, so steady state allocates nothing per row.
 * batch_bytes is checked against an estimate: 8 bytes per value plus the
 * length of each text.  batch_rows = 0 (the default of the KAFKA and FILE
 * sinks, which buffer by themselves: librdkafka's queue, the page cache)
 * skips the buffer: each batch of the query goes to write() as it comes,
 * so a Kafka message's timestamp is when its row was produced.
 *
 * Entry points: see server/connectors/sink_writer.h.
 */
#include "server/connectors/sink_writer.h"

#include <stdint.h>
#include <time.h>

#include "server/connectors/sink_stats.h"
#include "sluice/clock.h"
#include "sluice/errcodes.h"

#define SL_SINK_MAX_BUFFER_ROWS (1 << 20)
#define SL_SINK_MAX_BACKOFF_US  (30 * INT64_C(1000000))
/* Backoff sleeps are cut in slices this long to notice a stop. */
#define SL_SINK_SLEEP_SLICE_US 20000

struct sl_sink_writer {
    const char *sink_name;
    const sl_sink_kind *kind;
    void *state;
    bool open, dirty, stopped;
    bool passthrough; /* batch_rows = 0: no buffer, each append is one write */
    sl_batch *buf;
    int64_t buf_bytes;
    int batch_rows;
    int64_t batch_bytes;
    int64_t max_retries, backoff_us;
    uint64_t rng;
    bool (*should_stop)(void *arg);
    void *stop_arg;
    sl_sink_stats *stats;
};

/* xorshift64*: jitter only needs to differ between writers and attempts. */
static uint64_t next_random(sl_sink_writer *w)
{
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    return w->rng * UINT64_C(2685821657736338717);
}

/* Sleeps before retry number `attempt` (0-based); true when told to stop. */
static bool backoff(sl_sink_writer *w, int64_t attempt)
{
    int64_t b = w->backoff_us, wait;

    for (int64_t i = 0; i < attempt && b < SL_SINK_MAX_BACKOFF_US; i++)
        b *= 2;
    if (b > SL_SINK_MAX_BACKOFF_US)
        b = SL_SINK_MAX_BACKOFF_US;
    /* "Equal jitter": half fixed, half random, so writers that failed
     * together do not come back together. */
    wait = b / 2 + (b > 1 ? (int64_t)(next_random(w) % (uint64_t)(b - b / 2)) : 0);
    while (wait > 0) {
        int64_t slice = wait < SL_SINK_SLEEP_SLICE_US ? wait : SL_SINK_SLEEP_SLICE_US;
        sl_sleep_us(slice);
        wait -= slice;
        if (w->should_stop != NULL && w->should_stop(w->stop_arg))
            return true;
    }
    return false;
}

sl_status sl_sink_writer_open(const sl_sink_writer_args *args, sl_sink_writer **out, sl_error *err)
{
    /* A context of its own: memory accounting names it. */
    sl_mcxt *cx = sl_mcxt_create(args->cx, "sink buffers");
    sl_sink_writer *w = sl_pnew(cx, sl_sink_writer);
    sl_sink_open_args oa = {
        .sink_name = args->sink_name,
        .query_name = args->query_name,
        .options = args->options,
        .schema = args->schema,
        .confine = args->confine,
        .cx = cx,
        .should_stop = args->should_stop,
        .stop_arg = args->stop_arg,
    };
    int64_t rows = sl_options_get_int(args->options, "batch_rows", 1000);
    struct timespec ts;

    *out = NULL;
    w->sink_name = sl_pstrdup(cx, args->sink_name);
    w->kind = args->kind;
    w->passthrough = rows == 0;
    w->batch_rows = (int)(rows < 1 ? 1 : rows > SL_SINK_MAX_BUFFER_ROWS ? SL_SINK_MAX_BUFFER_ROWS : rows);
    w->batch_bytes = sl_options_get_size(args->options, "batch_bytes", 4 * 1024 * 1024);
    w->max_retries = sl_options_get_int(args->options, "max_retries", 10);
    w->backoff_us = sl_options_get_interval_us(args->options, "retry_backoff", 100000);
    if (w->backoff_us < 1)
        w->backoff_us = 1;
    w->should_stop = args->should_stop;
    w->stop_arg = args->stop_arg;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    w->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)(uintptr_t)w ^ UINT64_C(0x9E3779B97F4A7C15);
    if (w->rng == 0)
        w->rng = 1;
    w->buf = sl_batch_new(cx, args->schema, w->passthrough ? 1 : w->batch_rows);
    w->stats = sl_sink_stats_get(args->sink_name);

    sl_error_clear(err);
    if (w->kind->open(&oa, &w->state, err) != SL_OK) {
        if (!sl_error_is_set(err))
            sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "sink \"%s\" could not be opened", args->sink_name);
        return SL_ERROR;
    }
    w->open = true;
    *out = w;
    return SL_OK;
}

/* One callback (write of the buffer, or flush) with the retry policy. */
static sl_status with_retries(sl_sink_writer *w, const sl_batch *b, bool is_flush, sl_error *err)
{
    for (int64_t attempt = 0;; attempt++) {
        sl_status st;

        sl_error_clear(err);
        st = is_flush ? w->kind->flush(w->state, err) : w->kind->write(w->state, b, err);
        if (st == SL_OK)
            return SL_OK;
        if (!sl_error_is_set(err))
            sl_error_set(err, SL_ERRCODE_IO_ERROR, "sink \"%s\" could not %s", w->sink_name,
                         is_flush ? "flush" : "write");
        if (st != SL_RETRY || attempt >= w->max_retries) {
            sl_sink_stats_failed(w->stats, err);
            if (st == SL_RETRY)
                sl_error_hint(err, "The write was retried %lld times (max_retries).", (long long)attempt);
            return SL_ERROR;
        }
        sl_sink_stats_retry(w->stats, err);
        if (backoff(w, attempt)) {
            w->stopped = true;
            return SL_OK;
        }
    }
}

/* Hands the buffer to the kind. */
static sl_status write_buffer(sl_sink_writer *w, sl_error *err)
{
    int n = w->buf->nrows;

    if (n == 0 || w->stopped)
        return SL_OK;
    if (with_retries(w, w->buf, false, err) != SL_OK)
        return SL_ERROR;
    if (w->stopped)
        return SL_OK;
    sl_sink_stats_written(w->stats, n);
    sl_batch_reset(w->buf);
    w->buf_bytes = 0;
    w->dirty = true;
    return SL_OK;
}

/* The estimate batch_bytes is held against. */
static int64_t row_bytes(const sl_batch *b, int row)
{
    int64_t n = 0;

    for (int c = 0; c < b->schema->ncols; c++) {
        const sl_vector *v = &b->cols[c];
        n += 8;
        if (v->type == SL_TYPE_TEXT && !v->nulls[row])
            n += v->v.text[row].len;
    }
    return n;
}

sl_status sl_sink_writer_append(sl_sink_writer *w, const sl_batch *b, sl_error *err)
{
    int from = 0;

    if (w->passthrough) {
        /* The kind buffers by itself: its write() gets the rows at once. */
        if (b->nrows == 0 || w->stopped)
            return SL_OK;
        if (with_retries(w, b, false, err) != SL_OK)
            return SL_ERROR;
        if (!w->stopped) {
            sl_sink_stats_written(w->stats, b->nrows);
            w->dirty = true;
        }
        return SL_OK;
    }

    while (from < b->nrows && !w->stopped) {
        int room = w->buf->capacity - w->buf->nrows, n = 0;

        /* Up to the row that reaches batch_bytes (always at least one). */
        while (n < room && from + n < b->nrows) {
            w->buf_bytes += row_bytes(b, from + n);
            n++;
            if (w->buf_bytes >= w->batch_bytes)
                break;
        }
        sl_batch_append(w->buf, b, from, n);
        from += n;
        if ((w->buf->nrows >= w->buf->capacity || w->buf_bytes >= w->batch_bytes) &&
            write_buffer(w, err) != SL_OK)
            return SL_ERROR;
    }
    return SL_OK;
}

sl_status sl_sink_writer_flush(sl_sink_writer *w, sl_error *err)
{
    if (write_buffer(w, err) != SL_OK)
        return SL_ERROR;
    if (w->stopped || !w->dirty)
        return SL_OK;
    if (w->kind->flush != NULL && (with_retries(w, NULL, true, err) != SL_OK))
        return SL_ERROR;
    if (!w->stopped)
        w->dirty = false;
    return SL_OK;
}

bool sl_sink_writer_dirty(const sl_sink_writer *w)
{
    return w->dirty || w->buf->nrows > 0;
}

bool sl_sink_writer_stopped(const sl_sink_writer *w)
{
    return w->stopped;
}

void sl_sink_writer_close(sl_sink_writer *w)
{
    if (w == NULL || !w->open)
        return;
    if (w->kind->close != NULL)
        w->kind->close(w->state);
    w->open = false;
}
