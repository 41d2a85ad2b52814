/*
 * test_window.c - unit tests of the window aggregate operator (server/engine/window.c)
 * and the aggregates (server/engine/agg.c).
 *
 * Query descriptions are built by hand (no parser, no analyzer): the
 * operator only reads q->window, q->watermark_us, q->nkeys, q->naggs,
 * q->aggs[i] and q->agg_schema, and receives evaluated key and argument
 * vectors.  Emitted rows are printed as text, one line per row:
 * "start,end,keys...,aggs..." with times in seconds, doubles with %.10g and
 * NULL as "NULL", and compared with expected text written out by hand.
 *
 * The last test is a micro-benchmark of the hot path (tumbling 1 minute,
 * 10 stations, avg/min/max/count(*)); SL_WINDOW_BENCH_ROWS sets its size
 * (default 200000, small enough for valgrind) and it prints rows/s.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/engine/agg.h"
#include "server/engine/window.h"

#define SEC INT64_C(1000000)

/* ---- fixtures ---- */

static sl_mcxt *cx;

static int setup(void **state)
{
    (void)state;
    cx = sl_mcxt_create(NULL, "test_window");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sl_mcxt_delete(cx);
    cx = NULL;
    return 0;
}

/* ---- building queries ---- */

typedef struct agg_spec {
    sl_agg_func func;
    bool distinct;
    sl_type result;
} agg_spec;

/* window: kind < 0 = no WINDOW. Keys are named k0.., aggregates a0.. */
static sl_query_desc *make_query(int kind, int64_t size_s, int64_t slide_s, int64_t lateness_s, int nkeys,
                                 const sl_type *key_types, int naggs, const agg_spec *aggs)
{
    sl_query_desc *q = sl_pnew(cx, sl_query_desc);
    const char *names[32];
    sl_type types[32];
    int n = 0;

    q->limit = -1;
    q->event_time_col = -1;
    q->watermark_us = lateness_s * SEC;
    q->aggregated = true;
    if (kind >= 0) {
        q->window = SL_NEW(cx, WindowClause, -1);
        q->window->kind = (sl_window_kind)kind;
        q->window->size_us = size_s * SEC;
        q->window->slide_us = slide_s * SEC;
    }
    q->nkeys = nkeys;
    q->naggs = naggs;
    q->aggs = sl_pzalloc(cx, sizeof(sl_agg_call) * (size_t)(naggs > 0 ? naggs : 1));
    names[n] = "window_start";
    types[n++] = SL_TYPE_TIMESTAMP;
    names[n] = "window_end";
    types[n++] = SL_TYPE_TIMESTAMP;
    for (int i = 0; i < nkeys; i++) {
        names[n] = sl_psprintf(cx, "k%d", i);
        types[n++] = key_types[i];
    }
    for (int i = 0; i < naggs; i++) {
        q->aggs[i].func = aggs[i].func;
        q->aggs[i].distinct = aggs[i].distinct;
        q->aggs[i].result_type = aggs[i].result;
        names[n] = sl_psprintf(cx, "a%d", i);
        types[n++] = aggs[i].result;
    }
    q->agg_schema = sl_schema_new(cx, n, names, types);
    return q;
}

static sl_window_config default_config(void)
{
    sl_window_config cfg;
    cfg.max_future_us = 3600 * SEC;
    cfg.idle_timeout_us = 10 * SEC;
    cfg.max_groups = 100000;
    cfg.split_settle_us = 0; /* the tests that settle set it */
    return cfg;
}

/* ---- collecting output ---- */

typedef struct sink {
    char *buf;
    size_t len, cap;
    int batches;
    int max_batch_rows;
    int rows;
} sink;

static void sink_append(sink *s, const char *text)
{
    size_t n = strlen(text);
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->buf = realloc(s->buf, s->cap);
        assert_non_null(s->buf);
    }
    memcpy(s->buf + s->len, text, n + 1);
    s->len += n;
}

static void sink_clear(sink *s)
{
    s->len = 0;
    if (s->buf != NULL)
        s->buf[0] = '\0';
}

static const char *sink_text(sink *s)
{
    return s->buf != NULL ? s->buf : "";
}

static void format_cell(const sl_vector *v, int row, bool is_time, char *out, size_t outsz)
{
    if (v->nulls[row]) {
        snprintf(out, outsz, "NULL");
        return;
    }
    switch (v->type) {
    case SL_TYPE_TEXT:
        snprintf(out, outsz, "%.*s", (int)v->v.text[row].len, v->v.text[row].ptr);
        break;
    case SL_TYPE_DOUBLE:
        snprintf(out, outsz, "%.10g", v->v.f64[row]);
        break;
    case SL_TYPE_BOOL:
        snprintf(out, outsz, "%s", v->v.b[row] ? "t" : "f");
        break;
    default:
        if (is_time)
            snprintf(out, outsz, "%lld", (long long)(v->v.i64[row] / SEC));
        else
            snprintf(out, outsz, "%lld", (long long)v->v.i64[row]);
        break;
    }
}

static sl_status collect(void *arg, sl_batch *batch, sl_error *err)
{
    sink *s = arg;
    char cell[256];

    (void)err;
    s->batches++;
    if (batch->nrows > s->max_batch_rows)
        s->max_batch_rows = batch->nrows;
    for (int r = 0; r < batch->nrows; r++) {
        for (int c = 0; c < batch->schema->ncols; c++) {
            const sl_vector *v = &batch->cols[c];
            /* window bounds print in seconds; TIMESTAMP results too */
            format_cell(v, r, v->type == SL_TYPE_TIMESTAMP || v->type == SL_TYPE_INTERVAL, cell,
                        sizeof(cell));
            if (c > 0)
                sink_append(s, ",");
            sink_append(s, cell);
        }
        sink_append(s, "\n");
        s->rows++;
    }
    return SL_OK;
}

static void sink_free(sink *s)
{
    free(s->buf);
    memset(s, 0, sizeof(*s));
}

/* ---- building input ---- */

#define MAXR 64

/* One row: event time (seconds), a text key (NULL = SQL NULL), a double
 * argument (NAN = SQL NULL). */
typedef struct trow {
    int64_t t;
    const char *key;
    double x;
} trow;

typedef struct input {
    int n;
    int64_t ev[MAXR];
    sl_vector keys[1];
    sl_vector args[16];
} input;

/* Fills in from rows; every aggregate gets the same DOUBLE argument x. */
static void make_input(input *in, const trow *rows, int n, int naggs)
{
    in->n = n;
    sl_vector_init(&in->keys[0], cx, SL_TYPE_TEXT, MAXR);
    for (int a = 0; a < naggs; a++)
        sl_vector_init(&in->args[a], cx, SL_TYPE_DOUBLE, MAXR);
    for (int i = 0; i < n; i++) {
        in->ev[i] = rows[i].t * SEC;
        in->keys[0].nulls[i] = rows[i].key == NULL;
        if (rows[i].key != NULL) {
            in->keys[0].v.text[i].ptr = rows[i].key;
            in->keys[0].v.text[i].len = (int32_t)strlen(rows[i].key);
        }
        for (int a = 0; a < naggs; a++) {
            in->args[a].nulls[i] = isnan(rows[i].x);
            in->args[a].v.f64[i] = isnan(rows[i].x) ? 0 : rows[i].x;
        }
    }
}

static void push_rows(sl_window_op *w, const trow *rows, int n, int naggs, int64_t arrival_s, sink *s)
{
    input in;
    sl_error err;

    make_input(&in, rows, n, naggs);
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_push(w, n, in.ev, arrival_s * SEC, in.keys, in.args, collect, s, &err),
                     SL_OK);
}

/* push_rows with the rows' source splits (Kafka partitions). */
static void push_split_rows(sl_window_op *w, const trow *rows, const int32_t *split, int n, int naggs,
                            int64_t arrival_s, sink *s)
{
    input in;
    sl_error err;

    make_input(&in, rows, n, naggs);
    sl_error_clear(&err);
    assert_int_equal(
        sl_window_op_push_split(w, n, in.ev, split, arrival_s * SEC, in.keys, in.args, collect, s, &err),
        SL_OK);
}

static const sl_type text_key[] = {SL_TYPE_TEXT};

/* count(*) per TEXT key in 10 s tumbling windows, 2 s of lateness: the
 * query of the event-time tests. */
static sl_query_desc *count_by_key_query(void)
{
    const agg_spec aggs[] = {{SL_AGG_COUNT_STAR, false, SL_TYPE_BIGINT}};
    return make_query(SL_WINDOW_TUMBLING, 10, 0, 2, 1, text_key, 1, aggs);
}

/* count(*), count(x), sum(x), avg(x), min(x), max(x) over DOUBLE x */
static const agg_spec basic_aggs[] = {
    {SL_AGG_COUNT_STAR, false, SL_TYPE_BIGINT}, {SL_AGG_COUNT, false, SL_TYPE_BIGINT},
    {SL_AGG_SUM, false, SL_TYPE_DOUBLE},        {SL_AGG_AVG, false, SL_TYPE_DOUBLE},
    {SL_AGG_MIN, false, SL_TYPE_DOUBLE},        {SL_AGG_MAX, false, SL_TYPE_DOUBLE},
};

/* ---- tests ---- */

static void test_tumbling(void **state)
{
    sl_window_config cfg = default_config();
    sl_query_desc *q = make_query(SL_WINDOW_TUMBLING, 10, 0, 0, 1, text_key, 6, basic_aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    sl_window_stats st;
    const trow batch1[] = {
        {1, "A", 1.0}, {2, "B", 2.0}, {3, "A", NAN}, {5, "A", 3.0}, {9, "B", 4.5},
    };
    const trow batch2[] = {{11, "B", NAN}, {12, "A", 10.0}};

    (void)state;
    push_rows(w, batch1, 5, 6, 100, &s);
    assert_string_equal(sink_text(&s), "");
    sl_window_op_stats(w, &st);
    assert_int_equal(st.open_windows, 1);
    assert_int_equal(st.groups, 2);
    assert_int_equal(st.watermark_us, 9 * SEC);

    /* t=11 moves the watermark past 10: [0,10) closes */
    push_rows(w, batch2, 2, 6, 100, &s);
    assert_string_equal(sink_text(&s), "0,10,A,3,2,4,2,1,3\n"
                                       "0,10,B,2,2,6.5,3.25,2,4.5\n");
    sl_window_op_stats(w, &st);
    assert_int_equal(st.open_windows, 1);
    assert_int_equal(st.groups, 2);

    sink_clear(&s);
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "10,20,A,1,1,10,10,10,10\n"
                                       "10,20,B,1,0,NULL,NULL,NULL,NULL\n");
    sl_window_op_stats(w, &st);
    assert_int_equal(st.open_windows, 0);
    assert_int_equal(st.groups, 0);
    sl_window_op_free(w);
    sink_free(&s);
}

static void test_emit_once_and_late(void **state)
{
    sl_window_config cfg = default_config();
    sl_query_desc *q = count_by_key_query();
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    sl_window_stats st;
    const trow r1[] = {{5, "A", 0}, {10, "A", 0}, {7, "A", 0}}; /* wm 8: 7 is late */
    const trow r2[] = {{9, "A", 0}, {12, "A", 0}};              /* 9 ok; wm 10 closes [0,10) */
    const trow r3[] = {{3, "A", 0}, {9, "A", 0}, {15, "A", 0}}; /* 3 and 9 late now */

    (void)state;
    push_rows(w, r1, 3, 1, 0, &s);
    sl_window_op_stats(w, &st);
    assert_int_equal(st.late_rows, 1);
    assert_int_equal(st.watermark_us, 8 * SEC);
    assert_string_equal(sink_text(&s), "");

    push_rows(w, r2, 2, 1, 0, &s);
    assert_string_equal(sink_text(&s), "0,10,A,2\n");

    /* no window is emitted twice, even when rows for it keep coming */
    push_rows(w, r3, 3, 1, 0, &s);
    sl_window_op_stats(w, &st);
    assert_int_equal(st.late_rows, 3);
    assert_string_equal(sink_text(&s), "0,10,A,2\n");
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_tick(w, 1000 * SEC, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "0,10,A,2\n10,20,A,3\n");
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "0,10,A,2\n10,20,A,3\n");
    sl_window_op_free(w);
    sink_free(&s);
}

/* Splits: the watermark follows the slowest partition that had rows within
 * idle_timeout, so a partition running ahead makes no row of another late. */
static void test_splits(void **state)
{
    sl_window_config cfg = default_config();
    sl_query_desc *q = count_by_key_query();
    sl_window_op *w = sl_window_op_new(cx, q, &cfg), *flat = sl_window_op_new(cx, q, &cfg);
    sink s = {0}, fs = {0};
    sl_window_stats st;
    const trow start[] = {{1, "A", 0}, {1, "B", 0}};
    const int32_t start_split[] = {0, 1};
    const trow ahead[] = {{5, "A", 0}, {12, "A", 0}, {25, "A", 0}}; /* split 0 runs ahead */
    const int32_t ahead_split[] = {0, 0, 0};
    const trow behind[] = {{4, "B", 0}, {9, "B", 0}, {14, "B", 0}}; /* split 1 catches up */
    const int32_t behind_split[] = {1, 1, 1};
    const trow later[] = {{27, "A", 0}, {40, "A", 0}};
    const int32_t later_split[] = {0, 0};

    (void)state;
    /* 1. with splits: split 1 holds the watermark back (min(25, 1) - 2) */
    push_split_rows(w, start, start_split, 2, 1, 100, &s);
    push_split_rows(w, ahead, ahead_split, 3, 1, 100, &s);
    sl_window_op_stats(w, &st);
    assert_int_equal(st.watermark_us, -1 * SEC);
    assert_string_equal(sink_text(&s), "");
    push_split_rows(w, behind, behind_split, 3, 1, 101, &s);
    sl_window_op_stats(w, &st);
    assert_int_equal(st.late_rows, 0);
    assert_int_equal(st.watermark_us, 12 * SEC); /* min(25, 14) - 2 */
    assert_string_equal(sink_text(&s), "0,10,A,2\n0,10,B,3\n");
    /* 2. the same rows without splits: B's rows behind 25 - 2 are late */
    push_rows(flat, start, 2, 1, 100, &fs);
    push_rows(flat, ahead, 3, 1, 100, &fs);
    push_rows(flat, behind, 3, 1, 101, &fs);
    sl_window_op_stats(flat, &st);
    assert_int_equal(st.late_rows, 3);
    /* 3. split 1 goes quiet: after idle_timeout (10 s of arrival time) it no
     * longer holds the watermark, which follows split 0 alone (42 - 2) */
    push_split_rows(w, later, later_split, 2, 1, 105, &s);
    sl_window_op_stats(w, &st);
    assert_int_equal(st.watermark_us, 12 * SEC);
    {
        const trow next[] = {{42, "A", 0}};
        push_split_rows(w, next, later_split, 1, 1, 112, &s);
    }
    sl_window_op_stats(w, &st);
    assert_int_equal(st.watermark_us, 40 * SEC);
    assert_int_equal(st.late_rows, 0);
    assert_string_equal(sink_text(&s), "0,10,A,2\n0,10,B,3\n10,20,A,1\n10,20,B,1\n20,30,A,2\n");
    /* 4. a split id out of range is folded into the last one, never a crash */
    {
        const int32_t odd[] = {-5, 1 << 30};
        const trow rows[] = {{41, "A", 0}, {43, "A", 0}};
        push_split_rows(w, rows, odd, 2, 1, 113, &s);
    }
    sl_window_op_free(w);
    sl_window_op_free(flat);
    sink_free(&s);
    sink_free(&fs);
}

/* One row (event time t_s, key) of split sp arriving at arrival_s. */
static void push_one(sl_window_op *w, int64_t t_s, const char *key, int32_t sp, int64_t arrival_s, sink *s)
{
    const trow r[] = {{t_s, key, 0}};
    const int32_t split[] = {sp};
    push_split_rows(w, r, split, 1, 1, arrival_s, s);
}

/* A tick at now_us, then the operator's figures. */
static sl_window_stats tick_stats(sl_window_op *w, int64_t now_us, sink *s)
{
    sl_window_stats st;
    sl_error err;

    sl_error_clear(&err);
    assert_int_equal(sl_window_op_tick(w, now_us, collect, s, &err), SL_OK);
    sl_window_op_stats(w, &st);
    return st;
}

static sl_window_stats stats_of(const sl_window_op *w)
{
    sl_window_stats st;
    sl_window_op_stats(w, &st);
    return st;
}

/* The watermark rules of server/engine/window.c's table (docs/kafka.md has the same
 * table), one case each; split 0 runs ahead of the split under test. */
static void test_split_pending(void **state)
{
    sl_window_config cfg = default_config();
    sl_window_op *w = sl_window_op_new(cx, count_by_key_query(), &cfg);
    sink s = {0};

    (void)state;
    /* had no rows, pending: holds the watermark where it is */
    sl_window_op_pending(w, 3, (const bool[]){false, true, false});
    push_one(w, 5, "A", 0, 100, &s);
    push_one(w, 25, "A", 0, 100, &s);
    assert_int_equal(stats_of(w).watermark_us, INT64_MIN);
    /* had no rows, not pending (split 2: an empty partition): does not
     * count; split 1 delivers and is caught up: min(25, 4) - 2 */
    sl_window_op_pending(w, 3, (const bool[]){false, false, false});
    push_one(w, 4, "B", 1, 101, &s);
    assert_int_equal(stats_of(w).watermark_us, 2 * SEC);
    /* had rows, not pending, quiet less than idle_timeout: counts */
    push_one(w, 30, "A", 0, 110, &s);
    assert_int_equal(stats_of(w).watermark_us, 2 * SEC);
    /* had rows, pending, quiet for far longer than idle_timeout: counts,
     * and the clock does not advance while a split is pending */
    sl_window_op_pending(w, 3, (const bool[]){false, true, false});
    push_one(w, 31, "A", 0, 200, &s);
    assert_int_equal(tick_stats(w, 500 * SEC, &s).watermark_us, 2 * SEC);
    assert_string_equal(sink_text(&s), "");
    /* ... and its rows are not late however far split 0 went */
    push_one(w, 6, "B", 1, 501, &s);
    assert_int_equal(stats_of(w).late_rows, 0);
    assert_int_equal(stats_of(w).watermark_us, 4 * SEC);
    /* had rows, not pending, quiet longer than idle_timeout: idle, does
     * not count (split 1 last gave rows at 501); split 0 alone: 31 - 2,
     * then the clock */
    sl_window_op_pending(w, 3, (const bool[]){false, false, false});
    assert_int_equal(tick_stats(w, 512 * SEC, &s).watermark_us, 29 * SEC + 1 * SEC);
    assert_string_equal(sink_text(&s), "0,10,A,1\n0,10,B,2\n20,30,A,1\n");
    /* an empty split that starts to fill holds again until it delivers */
    sl_window_op_pending(w, 3, (const bool[]){false, false, true});
    push_one(w, 45, "A", 0, 513, &s);
    assert_int_equal(stats_of(w).watermark_us, 30 * SEC);
    sl_window_op_pending(w, 3, (const bool[]){false, false, false});
    push_one(w, 33, "C", 2, 514, &s);
    assert_int_equal(stats_of(w).late_rows, 0);
    assert_int_equal(stats_of(w).watermark_us, 31 * SEC); /* min(45, 33) - 2 */
    sl_window_op_free(w);
    sink_free(&s);
}

/* Settling: a split that looks caught up may not be (its fetch response is
 * still being handed on), so rows read in the last split_settle_us do not
 * move the watermark past it; once settled they do. */
static void test_split_settle(void **state)
{
    sl_window_config cfg = default_config();
    sl_query_desc *q = count_by_key_query();
    sl_window_op *w, *r;
    sink s = {0};
    sl_error err;

    (void)state;
    cfg.split_settle_us = SEC;
    w = sl_window_op_new(cx, q, &cfg);
    sl_window_op_pending(w, 2, (const bool[]){false, false}); /* both look caught up */
    push_one(w, 20, "A", 0, 100, &s);
    push_one(w, 50, "A", 0, 100, &s);
    assert_int_equal(stats_of(w).watermark_us, INT64_MIN); /* split 0's rows have not settled */
    /* split 1's rows, which were on their way all along */
    push_one(w, 10, "B", 1, 100, &s);
    push_one(w, 12, "B", 1, 100, &s);
    assert_int_equal(tick_stats(w, 100 * SEC + SEC / 2, &s).watermark_us, INT64_MIN);
    assert_int_equal(stats_of(w).late_rows, 0);
    tick_stats(w, 101 * SEC, &s);
    assert_int_equal(tick_stats(w, 102 * SEC, &s).watermark_us, 10 * SEC); /* settled: min(50, 12) - 2 */
    assert_string_equal(sink_text(&s), "");                                /* [0, 10) had no rows */

    /* the split maxima survive a checkpoint: split 1 still holds at 12 */
    {
        sl_ckpt_w blob;
        sl_ckpt_w_init(&blob, cx);
        sl_window_op_save(w, &blob);
        r = sl_window_op_new(cx, q, &cfg);
        sl_error_clear(&err);
        assert_int_equal(sl_window_op_restore(r, blob.data, blob.len, 200 * SEC, &err), SL_OK);
    }
    /* split 1 caught up but not idle: counts with its restored max */
    sl_window_op_pending(r, 2, (const bool[]){true, false});
    push_one(r, 60, "A", 0, 200, &s);
    tick_stats(r, 202 * SEC, &s);
    push_one(r, 11, "B", 1, 203, &s);
    push_one(r, 13, "B", 1, 203, &s);
    assert_int_equal(stats_of(r).late_rows, 0);

    /* the wall clock set back (102 s -> 50 s): settling goes on from the
     * new time instead of waiting for the old one */
    push_one(w, 20, "B", 1, 50, &s);
    assert_int_equal(tick_stats(w, 51 * SEC + SEC / 2, &s).watermark_us, 18 * SEC); /* min(50, 20) - 2 */
    sl_window_op_free(w);
    sl_window_op_free(r);
    sink_free(&s);
}

static void test_future_rows(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {{SL_AGG_COUNT_STAR, false, SL_TYPE_BIGINT}};
    sl_query_desc *q = make_query(SL_WINDOW_TUMBLING, 10, 0, 0, 1, text_key, 1, aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    sl_window_stats st;
    /* arrival at 100 s, max_future 1 hour: 100 + 3600 is the limit */
    const trow r[] = {{101, "A", 0}, {3701, "A", 0}, {3700, "A", 0}, {102, "A", 0}};

    (void)state;
    push_rows(w, r, 4, 1, 100, &s);
    sl_window_op_stats(w, &st);
    assert_int_equal(st.future_rows, 1);
    assert_int_equal(st.late_rows, 1); /* 102 after 3700 moved the watermark */
    assert_int_equal(st.watermark_us, 3700 * SEC);
    assert_string_equal(sink_text(&s), "100,110,A,1\n");

    /* a future row alone does not move the watermark */
    {
        const trow f[] = {{999999, "A", 0}};
        push_rows(w, f, 1, 1, 100, &s);
    }
    sl_window_op_stats(w, &st);
    assert_int_equal(st.future_rows, 2);
    assert_int_equal(st.watermark_us, 3700 * SEC);
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "100,110,A,1\n3700,3710,A,1\n");
    sl_window_op_free(w);
    sink_free(&s);
}

static void test_idle_tick(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {{SL_AGG_COUNT_STAR, false, SL_TYPE_BIGINT}};
    sl_query_desc *q = make_query(SL_WINDOW_TUMBLING, 10, 0, 1, 1, text_key, 1, aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    sl_window_stats st;
    const trow r[] = {{1, "A", 0}, {3, "B", 0}, {2, "A", 0}};

    (void)state;
    cfg.idle_timeout_us = 5 * SEC;
    sl_window_op_free(w);
    w = sl_window_op_new(cx, q, &cfg);
    push_rows(w, r, 3, 1, 1000, &s); /* wm = 3 - 1 = 2 */
    sl_error_clear(&err);
    /* quiet for less than idle_timeout: nothing moves */
    assert_int_equal(sl_window_op_tick(w, 1005 * SEC, collect, &s, &err), SL_OK);
    sl_window_op_stats(w, &st);
    assert_int_equal(st.watermark_us, 2 * SEC);
    /* 7 s idle: watermark = 2 + (7 - 5) = 4 */
    assert_int_equal(sl_window_op_tick(w, 1007 * SEC, collect, &s, &err), SL_OK);
    sl_window_op_stats(w, &st);
    assert_int_equal(st.watermark_us, 4 * SEC);
    assert_string_equal(sink_text(&s), "");
    /* 13 s idle: watermark = 2 + 8 = 10 closes [0,10) */
    assert_int_equal(sl_window_op_tick(w, 1013 * SEC, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "0,10,A,2\n0,10,B,1\n");
    sl_window_op_stats(w, &st);
    assert_int_equal(st.open_windows, 0);
    /* the clock-driven watermark stays when rows come again */
    {
        const trow late[] = {{9, "A", 0}, {11, "A", 0}};
        push_rows(w, late, 2, 1, 1014, &s);
    }
    sl_window_op_stats(w, &st);
    assert_int_equal(st.late_rows, 1);
    assert_int_equal(st.watermark_us, 10 * SEC);
    sl_window_op_free(w);
    sink_free(&s);
}

static void test_hopping(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {{SL_AGG_COUNT_STAR, false, SL_TYPE_BIGINT}, {SL_AGG_SUM, false, SL_TYPE_DOUBLE}};
    sl_query_desc *q = make_query(SL_WINDOW_HOPPING, 10, 5, 0, 1, text_key, 2, aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    /* 7 is in [0,10) and [5,15); 12 in [5,15) and [10,20); 3 in [-5,5) and [0,10) */
    const trow r[] = {{3, "A", 2}, {7, "A", 1}, {12, "A", 4}, {12, "B", 8}};

    (void)state;
    push_rows(w, r, 4, 2, 0, &s);
    /* wm 12: [-5,5) and [0,10) are closed */
    assert_string_equal(sink_text(&s), "-5,5,A,1,2\n"
                                       "0,10,A,2,3\n");
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "-5,5,A,1,2\n"
                                       "0,10,A,2,3\n"
                                       "5,15,A,2,5\n"
                                       "5,15,B,1,8\n"
                                       "10,20,A,1,4\n"
                                       "10,20,B,1,8\n");
    sl_window_op_free(w);
    sink_free(&s);

    /* slide > size: rows between windows belong to none */
    q = make_query(SL_WINDOW_HOPPING, 2, 5, 0, 1, text_key, 2, aggs);
    w = sl_window_op_new(cx, q, &cfg);
    {
        const trow g[] = {{1, "A", 1}, {3, "A", 2}, {6, "A", 4}};
        push_rows(w, g, 3, 2, 0, &s);
    }
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "0,2,A,1,1\n"
                                       "5,7,A,1,4\n");
    sl_window_op_free(w);
    sink_free(&s);
}

static void test_session(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {
        {SL_AGG_COUNT_STAR, false, SL_TYPE_BIGINT}, {SL_AGG_COUNT, true, SL_TYPE_BIGINT},
        {SL_AGG_FIRST, false, SL_TYPE_DOUBLE},      {SL_AGG_LAST, false, SL_TYPE_DOUBLE},
        {SL_AGG_VAR_POP, false, SL_TYPE_DOUBLE},    {SL_AGG_MAX, false, SL_TYPE_DOUBLE},
    };
    sl_query_desc *q = make_query(SL_WINDOW_SESSION, 5, 0, 100, 1, text_key, 6, aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    sl_window_stats st;
    /* A: [1,8) from 1,3; [10,15) from 10; B: [20,25) */
    const trow r1[] = {{1, "A", 1}, {3, "A", 2}, {10, "A", 2}, {20, "B", 5}};
    /* 7 bridges A's two sessions: [1,15), values 1 2 2 3 */
    const trow r2[] = {{7, "A", 3}};
    /* touching but not overlapping: 25 starts a new B session (25 == 20 + 5) */
    const trow r3[] = {{25, "B", 6}};

    (void)state;
    push_rows(w, r1, 4, 6, 0, &s);
    sl_window_op_stats(w, &st);
    assert_int_equal(st.open_windows, 3);
    push_rows(w, r2, 1, 6, 0, &s);
    sl_window_op_stats(w, &st);
    assert_int_equal(st.open_windows, 2);
    assert_int_equal(st.groups, 2);
    push_rows(w, r3, 1, 6, 0, &s);
    sl_window_op_stats(w, &st);
    assert_int_equal(st.open_windows, 3);
    assert_string_equal(sink_text(&s), "");
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "1,15,A,4,3,1,2,0.5,3\n"
                                       "20,25,B,1,1,5,5,0,5\n"
                                       "25,30,B,1,1,6,6,0,6\n");
    sl_window_op_stats(w, &st);
    assert_int_equal(st.open_windows, 0);
    assert_int_equal(st.groups, 0);
    sl_window_op_free(w);
    sink_free(&s);
}

static void test_session_watermark(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {{SL_AGG_COUNT_STAR, false, SL_TYPE_BIGINT},
                       {SL_AGG_SUM, true, SL_TYPE_DOUBLE},
                       {SL_AGG_AVG, true, SL_TYPE_DOUBLE}};
    sl_query_desc *q = make_query(SL_WINDOW_SESSION, 10, 0, 0, 1, text_key, 3, aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    /* A: 0,4 then 30 -> [0,14) then [30,40); the distinct sets of merging sessions */
    const trow r1[] = {{0, "A", 1}, {4, "A", 1}, {15, "B", 2}};
    const trow r2[] = {{30, "A", 3}};
    const trow r3[] = {{34, "A", 3}, {45, "A", 4}, {40, "A", 5}};

    (void)state;
    push_rows(w, r1, 3, 3, 0, &s);
    assert_string_equal(sink_text(&s), "0,14,A,2,1,1\n");
    push_rows(w, r2, 1, 3, 0, &s);
    assert_string_equal(sink_text(&s), "0,14,A,2,1,1\n15,25,B,1,2,2\n");
    sink_clear(&s);
    /* 45 then 40 (wm stays 45 - 0 = 45 > 40: late) */
    push_rows(w, r3, 3, 3, 0, &s);
    assert_string_equal(sink_text(&s), "30,44,A,2,3,3\n");
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "30,44,A,2,3,3\n45,55,A,1,4,4\n");
    sl_window_op_free(w);
    sink_free(&s);
}

/* A session merge of DISTINCT sets, text first/last and min/max. */
static void test_session_merge_states(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {
        {SL_AGG_COUNT, true, SL_TYPE_BIGINT},        {SL_AGG_SUM, true, SL_TYPE_BIGINT},
        {SL_AGG_FIRST, false, SL_TYPE_TEXT},         {SL_AGG_LAST, false, SL_TYPE_TEXT},
        {SL_AGG_MIN, false, SL_TYPE_TEXT},           {SL_AGG_MAX, false, SL_TYPE_TEXT},
        {SL_AGG_STDDEV_SAMP, false, SL_TYPE_DOUBLE},
    };
    sl_query_desc *q = make_query(SL_WINDOW_SESSION, 5, 0, 100, 0, NULL, 7, aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    int64_t ev[] = {0, 2, 10, 12, 6};
    const char *txt[] = {"mm", "zz", "aa", "bb", "kk"};
    int64_t iv[] = {1, 2, 2, 3, 1};
    sl_vector args[7];

    (void)state;
    for (int k = 0; k < 7; k++) {
        bool text = k >= 2 && k <= 5;
        sl_vector_init(&args[k], cx, text ? SL_TYPE_TEXT : SL_TYPE_BIGINT, 8);
        for (int i = 0; i < 5; i++) {
            if (text) {
                args[k].v.text[i].ptr = txt[i];
                args[k].v.text[i].len = 2;
            } else {
                args[k].v.i64[i] = iv[i];
            }
        }
    }
    for (int i = 0; i < 5; i++)
        ev[i] *= SEC;
    sl_error_clear(&err);
    /* first four rows: sessions [0,7) and [10,17); then 6 bridges them */
    assert_int_equal(sl_window_op_push(w, 4, ev, 0, NULL, args, collect, &s, &err), SL_OK);
    {
        sl_vector one[7];
        int64_t ev1[] = {6 * SEC};
        for (int k = 0; k < 7; k++) {
            one[k] = args[k];
            one[k].nulls = args[k].nulls + 4;
            if (args[k].type == SL_TYPE_TEXT)
                one[k].v.text = args[k].v.text + 4;
            else
                one[k].v.i64 = args[k].v.i64 + 4;
        }
        assert_int_equal(sl_window_op_push(w, 1, ev1, 0, NULL, one, collect, &s, &err), SL_OK);
    }
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    /* values 1 2 2 3 1: distinct {1,2,3}; first "mm" (t 0), last "bb" (t 12);
     * stddev_samp of 1 2 2 3 1 = sqrt(0.7) */
    assert_string_equal(sink_text(&s), "0,17,3,6,mm,bb,aa,zz,0.8366600265\n");
    sl_window_op_free(w);
    sink_free(&s);
}

static void test_statistics(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {
        {SL_AGG_STDDEV_SAMP, false, SL_TYPE_DOUBLE}, {SL_AGG_STDDEV_POP, false, SL_TYPE_DOUBLE},
        {SL_AGG_VAR_SAMP, false, SL_TYPE_DOUBLE},    {SL_AGG_VAR_POP, false, SL_TYPE_DOUBLE},
        {SL_AGG_AVG, false, SL_TYPE_DOUBLE},         {SL_AGG_COUNT, false, SL_TYPE_BIGINT},
    };
    sl_query_desc *q = make_query(SL_WINDOW_TUMBLING, 10, 0, 10, 1, text_key, 6, aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    /* A: 1 2 3 4 (+NULL); B: one value; C: only NULLs */
    const trow r[] = {{1, "A", 1}, {2, "A", 2}, {3, "A", NAN}, {4, "A", 3},
                      {5, "A", 4}, {1, "B", 7}, {1, "C", NAN}, {2, "C", NAN}};

    (void)state;
    push_rows(w, r, 8, 6, 0, &s);
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "0,10,A,1.290994449,1.118033989,1.666666667,1.25,2.5,4\n"
                                       "0,10,B,NULL,0,NULL,0,7,1\n"
                                       "0,10,C,NULL,NULL,NULL,NULL,NULL,0\n");
    sl_window_op_free(w);
    sink_free(&s);
}

static void test_distinct(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {
        {SL_AGG_COUNT, true, SL_TYPE_BIGINT},   {SL_AGG_SUM, true, SL_TYPE_DOUBLE},
        {SL_AGG_AVG, true, SL_TYPE_DOUBLE},     {SL_AGG_COUNT, false, SL_TYPE_BIGINT},
        {SL_AGG_VAR_POP, true, SL_TYPE_DOUBLE},
    };
    sl_query_desc *q = make_query(SL_WINDOW_TUMBLING, 10, 0, 10, 1, text_key, 5, aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    const trow r[] = {{1, "A", 1}, {2, "A", 2},    {3, "A", 2},   {4, "A", NAN}, {5, "A", 1},
                      {6, "A", 4}, {7, "A", -0.0}, {8, "A", 0.0}, {1, "B", NAN}};

    (void)state;
    push_rows(w, r, 9, 5, 0, &s);
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    /* distinct {1,2,4,0}: count 4, sum 7, avg 1.75, var_pop 2.1875 */
    assert_string_equal(sink_text(&s), "0,10,A,4,7,1.75,7,2.1875\n"
                                       "0,10,B,0,NULL,NULL,0,NULL\n");
    sl_window_op_free(w);
    sink_free(&s);

    /* count(DISTINCT text) with many values (the set grows) */
    {
        agg_spec ta[] = {{SL_AGG_COUNT, true, SL_TYPE_BIGINT}};
        sl_vector arg;
        int64_t ev[200];
        char *strs = sl_palloc(cx, 200 * 8);
        q = make_query(-1, 0, 0, 0, 0, NULL, 1, ta);
        w = sl_window_op_new(cx, q, &cfg);
        sl_vector_init(&arg, cx, SL_TYPE_TEXT, 200);
        for (int i = 0; i < 200; i++) {
            ev[i] = i * SEC;
            snprintf(strs + i * 8, 8, "v%d", i % 70);
            arg.v.text[i].ptr = strs + i * 8;
            arg.v.text[i].len = (int32_t)strlen(strs + i * 8);
            arg.nulls[i] = i % 50 == 49;
        }
        sink_clear(&s);
        assert_int_equal(sl_window_op_push(w, 200, ev, 0, NULL, &arg, collect, &s, &err), SL_OK);
        assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
        /* rows 49, 99, 149, 199 are NULL: v49 (49), v29 (99), v9 (149), v59 (199);
         * v49 also at 119, v29 at 29, v9 at 9/79, v59 at 59/129: all 70 remain */
        assert_string_equal(sink_text(&s), "NULL,NULL,70\n");
        sl_window_op_free(w);
        sink_free(&s);
    }
}

static void test_first_last(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {{SL_AGG_FIRST, false, SL_TYPE_DOUBLE}, {SL_AGG_LAST, false, SL_TYPE_DOUBLE}};
    sl_query_desc *q = make_query(SL_WINDOW_TUMBLING, 10, 0, 10, 1, text_key, 2, aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    /* arrival order; ties: first keeps the earliest arrival, last the latest;
     * NULL at t=1 is ignored */
    const trow r1[] = {{5, "A", 1}, {2, "A", 2}, {9, "A", 3}};
    const trow r2[] = {{2, "A", 4}, {9, "A", 5}, {1, "A", NAN}, {3, "B", NAN}};

    (void)state;
    push_rows(w, r1, 3, 2, 0, &s);
    push_rows(w, r2, 4, 2, 0, &s);
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "0,10,A,2,5\n0,10,B,NULL,NULL\n");
    sl_window_op_free(w);
    sink_free(&s);
}

/* min/max over every type, sum of BIGINT and its overflow. */
static void test_types(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {
        {SL_AGG_MIN, false, SL_TYPE_TEXT},      {SL_AGG_MAX, false, SL_TYPE_TEXT},
        {SL_AGG_MIN, false, SL_TYPE_BOOL},      {SL_AGG_MAX, false, SL_TYPE_BOOL},
        {SL_AGG_MIN, false, SL_TYPE_TIMESTAMP}, {SL_AGG_MAX, false, SL_TYPE_INTERVAL},
        {SL_AGG_MIN, false, SL_TYPE_BIGINT},    {SL_AGG_SUM, false, SL_TYPE_BIGINT},
        {SL_AGG_AVG, false, SL_TYPE_DOUBLE},    {SL_AGG_SUM, false, SL_TYPE_BIGINT},
    };
    sl_type ktypes[] = {SL_TYPE_BIGINT, SL_TYPE_BOOL};
    sl_query_desc *q = make_query(SL_WINDOW_TUMBLING, 10, 0, 0, 2, ktypes, 10, aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    sl_window_stats st;
    const char *txt[] = {"pear", "apple", "apples", "", "zebra"};
    sl_vector keys[2], args[10];
    int64_t ev[5] = {1, 2, 3, 4, 5};
    int n = 5;

    (void)state;
    sl_vector_init(&keys[0], cx, SL_TYPE_BIGINT, n);
    sl_vector_init(&keys[1], cx, SL_TYPE_BOOL, n);
    for (int i = 0; i < n; i++) {
        ev[i] *= SEC;
        keys[0].v.i64[i] = 7;
        keys[1].v.b[i] = true;
    }
    keys[1].nulls[4] = 1; /* row 4 is its own group (7, NULL) */
    for (int k = 0; k < 10; k++)
        sl_vector_init(&args[k], cx,
                       k < 2   ? SL_TYPE_TEXT
                       : k < 4 ? SL_TYPE_BOOL
                       : k < 6 ? SL_TYPE_TIMESTAMP
                               : SL_TYPE_BIGINT,
                       n);
    args[4].type = SL_TYPE_TIMESTAMP;
    args[5].type = SL_TYPE_INTERVAL;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 2; k++) {
            args[k].v.text[i].ptr = txt[i];
            args[k].v.text[i].len = (int32_t)strlen(txt[i]);
        }
        args[2].v.b[i] = args[3].v.b[i] = i % 2 == 0;
        args[4].v.i64[i] = (100 - i) * SEC;
        args[5].v.i64[i] = (i + 1) * 60 * SEC;
        args[6].v.i64[i] = 10 - i;
        args[7].v.i64[i] = i + 1;
        args[8].v.i64[i] = i + 1;
        args[9].v.i64[i] = INT64_MAX - 1;
    }
    args[0].nulls[0] = 1; /* "pear" not seen by min */
    args[9].nulls[2] = args[9].nulls[3] = 1;
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_push(w, n, ev, 0, keys, args, collect, &s, &err), SL_OK);
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    /* group (7,t): rows 0-3; group (7,NULL): row 4; the overflowing sum is NULL */
    assert_string_equal(sink_text(&s), "0,10,7,t,,pear,f,t,97,240,7,10,2.5,NULL\n"
                                       "0,10,7,NULL,zebra,zebra,t,t,96,300,6,5,5,9223372036854775806\n");
    sl_window_op_stats(w, &st);
    assert_int_equal(st.agg_errors, 1);
    sl_window_op_free(w);
    sink_free(&s);
}

static void test_global(void **state)
{
    sl_window_config cfg = default_config();
    sl_query_desc *q = make_query(-1, 0, 0, 0, 0, NULL, 6, basic_aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    sl_window_stats st;
    /* out of order: nothing is late without a window */
    const trow r[] = {{50, NULL, 1}, {10, NULL, 2}, {30, NULL, NAN}, {5, NULL, 6}};

    (void)state;
    sl_error_clear(&err);
    /* no rows, no GROUP BY: one row */
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "NULL,NULL,0,0,NULL,NULL,NULL,NULL\n");
    sl_window_op_free(w);
    sink_clear(&s);

    w = sl_window_op_new(cx, q, &cfg);
    push_rows(w, r, 4, 6, 0, &s);
    assert_int_equal(sl_window_op_tick(w, 1000000 * SEC, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "");
    sl_window_op_stats(w, &st);
    assert_int_equal(st.late_rows, 0);
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "NULL,NULL,4,3,9,3,1,6\n");
    sl_window_op_free(w);
    sink_clear(&s);

    /* GROUP BY without WINDOW and no rows: nothing */
    q = make_query(-1, 0, 0, 0, 1, text_key, 6, basic_aggs);
    w = sl_window_op_new(cx, q, &cfg);
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "");
    {
        const trow g[] = {{1, "b", 1}, {2, NULL, 2}, {3, "a", 3}, {4, NULL, 4}};
        push_rows(w, g, 4, 6, 0, &s);
    }
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_string_equal(sink_text(&s), "NULL,NULL,a,1,1,3,3,3,3\n"
                                       "NULL,NULL,b,1,1,1,1,1,1\n"
                                       "NULL,NULL,NULL,2,2,6,3,2,4\n");
    sl_window_op_free(w);
    sink_free(&s);
}

static void test_max_groups(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {{SL_AGG_COUNT_STAR, false, SL_TYPE_BIGINT}};
    sl_query_desc *q = make_query(SL_WINDOW_TUMBLING, 10, 0, 0, 1, text_key, 1, aggs);
    sl_window_op *w;
    sink s = {0};
    sl_error err;
    input in;
    const trow r[] = {{1, "A", 0}, {2, "B", 0}, {3, "A", 0}, {4, "C", 0}};

    (void)state;
    cfg.max_groups = 2;
    w = sl_window_op_new(cx, q, &cfg);
    make_input(&in, r, 4, 1);
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_push(w, 4, in.ev, 0, in.keys, in.args, collect, &s, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "54000");
    assert_string_equal(err.message, "query exceeds max_groups_per_query (2)");
    sl_window_op_free(w);

    /* emitted windows give their groups back */
    w = sl_window_op_new(cx, q, &cfg);
    {
        const trow a[] = {{1, "A", 0}, {2, "B", 0}, {12, "A", 0}, {13, "B", 0}, {25, "C", 0}};
        push_rows(w, a, 5, 1, 0, &s);
    }
    assert_string_equal(sink_text(&s), "0,10,A,1\n0,10,B,1\n10,20,A,1\n10,20,B,1\n");
    sl_window_op_free(w);

    /* without WINDOW the one window is never emitted early: the limit fails
     * the push and nothing was emitted (no group with a partial count) */
    q = make_query(-1, 0, 0, 0, 1, text_key, 1, aggs);
    w = sl_window_op_new(cx, q, &cfg);
    sink_free(&s);
    make_input(&in, r, 4, 1);
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_push(w, 4, in.ev, 0, in.keys, in.args, collect, &s, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "54000");
    assert_string_equal(sink_text(&s), "");
    sl_window_op_free(w);

    /* session windows count sessions */
    q = make_query(SL_WINDOW_SESSION, 5, 0, 100, 1, text_key, 1, aggs);
    w = sl_window_op_new(cx, q, &cfg);
    make_input(&in, r, 4, 1);
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_push(w, 4, in.ev, 0, in.keys, in.args, collect, &s, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "54000");
    sl_window_op_free(w);
    sink_free(&s);
}

/* Many groups: batches of at most SL_BATCH_ROWS, ordered by key. */
static void test_many_groups(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {{SL_AGG_COUNT_STAR, false, SL_TYPE_BIGINT}};
    sl_type kt[] = {SL_TYPE_BIGINT};
    sl_query_desc *q = make_query(SL_WINDOW_TUMBLING, 10, 0, 0, 1, kt, 1, aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    sink s = {0};
    sl_error err;
    enum { N = 3000 };
    sl_vector key, arg;
    int64_t *ev = sl_palloc(cx, sizeof(int64_t) * N);

    (void)state;
    sl_vector_init(&key, cx, SL_TYPE_BIGINT, N);
    sl_vector_init(&arg, cx, SL_TYPE_BIGINT, N);
    for (int i = 0; i < N; i++) {
        ev[i] = 1 * SEC;
        key.v.i64[i] = (i * 7919) % N; /* a permutation of 0..N-1 */
    }
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_push(w, N, ev, 0, &key, &arg, collect, &s, &err), SL_OK);
    assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
    assert_int_equal(s.rows, N);
    assert_int_equal(s.batches, 3);
    assert_int_equal(s.max_batch_rows, SL_BATCH_ROWS);
    {
        /* sorted by key: line i is "0,10,i,1" */
        const char *p = s.buf;
        for (int i = 0; i < N; i++) {
            char expect[64];
            int len = snprintf(expect, sizeof(expect), "0,10,%d,1\n", i);
            assert_memory_equal(p, expect, (size_t)len);
            p += len;
        }
    }
    sl_window_op_free(w);
    sink_free(&s);
}

/* State memory follows open windows x groups, not rows. */
static void test_bounded_memory(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {{SL_AGG_MIN, false, SL_TYPE_TEXT},
                       {SL_AGG_COUNT, true, SL_TYPE_BIGINT},
                       {SL_AGG_LAST, false, SL_TYPE_TEXT}};
    int kinds[] = {SL_WINDOW_TUMBLING, SL_WINDOW_HOPPING, SL_WINDOW_SESSION};
    enum { B = 100 };
    const char *stations[] = {"north", "south", "east", "west", "a much longer station name over 16"};

    (void)state;
    for (int kind = 0; kind < 3; kind++) {
        sl_query_desc *q = make_query(kinds[kind], 10, 5, 5, 1, text_key, 3, aggs);
        sl_window_op *w = sl_window_op_new(cx, q, &cfg);
        sink s = {0};
        sl_error err;
        sl_vector key, args[3];
        int64_t ev[B];
        int64_t bytes_early = 0;
        char vals[B][16];
        sl_window_stats st;

        sl_vector_init(&key, cx, SL_TYPE_TEXT, B);
        for (int k = 0; k < 3; k++)
            sl_vector_init(&args[k], cx, SL_TYPE_TEXT, B);
        for (int round = 0; round < 2000; round++) {
            for (int i = 0; i < B; i++) {
                int64_t t = (int64_t)round * 12 + (i % 12); /* sessions of gap 10 chain... */
                ev[i] = kinds[kind] == SL_WINDOW_SESSION ? ((int64_t)round * 40 + i / 10) * SEC : t * SEC;
                key.v.text[i].ptr = stations[i % 5];
                key.v.text[i].len = (int32_t)strlen(stations[i % 5]);
                snprintf(vals[i], sizeof(vals[i]), "v%d", (round * 31 + i) % 1000);
                for (int k = 0; k < 3; k++) {
                    args[k].v.text[i].ptr = vals[i];
                    args[k].v.text[i].len = (int32_t)strlen(vals[i]);
                }
            }
            sl_error_clear(&err);
            assert_int_equal(sl_window_op_push(w, B, ev, 0, &key, args, collect, &s, &err), SL_OK);
            sink_clear(&s);
            if (round == 200) {
                sl_window_op_stats(w, &st);
                bytes_early = st.state_bytes;
            }
        }
        sl_window_op_stats(w, &st);
        assert_true(st.state_bytes <= bytes_early);
        assert_true(st.open_windows <= 5);
        sl_window_op_free(w);
        sink_free(&s);
    }
}

/* The same rows pushed in batches of 1, 7 and all at once give the same
 * output (the watermark moves row by row), for every kind of window. */
static void test_batch_independence(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {
        {SL_AGG_COUNT_STAR, false, SL_TYPE_BIGINT}, {SL_AGG_SUM, false, SL_TYPE_DOUBLE},
        {SL_AGG_COUNT, true, SL_TYPE_BIGINT},       {SL_AGG_FIRST, false, SL_TYPE_DOUBLE},
        {SL_AGG_LAST, false, SL_TYPE_DOUBLE},       {SL_AGG_STDDEV_POP, false, SL_TYPE_DOUBLE},
    };
    enum { N = 400 };
    static const char *keys[] = {"a", "b", NULL};
    int kinds[] = {SL_WINDOW_TUMBLING, SL_WINDOW_HOPPING, SL_WINDOW_SESSION, -1};
    int sizes[] = {1, 7, N};
    uint64_t rng = 12345;
    sl_vector key, args[6];
    int64_t ev[N];

    (void)state;
    sl_vector_init(&key, cx, SL_TYPE_TEXT, N);
    for (int k = 0; k < 6; k++)
        sl_vector_init(&args[k], cx, SL_TYPE_DOUBLE, N);
    for (int i = 0; i < N; i++) {
        const char *kv;
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        ev[i] = ((int64_t)i * 3 + (int64_t)((rng >> 33) % 40)) * SEC / 2; /* out of order */
        kv = keys[(rng >> 20) % 3];
        key.nulls[i] = kv == NULL;
        if (kv != NULL) {
            key.v.text[i].ptr = kv;
            key.v.text[i].len = 1;
        }
        for (int k = 0; k < 6; k++) {
            args[k].nulls[i] = (rng >> 40) % 7 == 0;
            args[k].v.f64[i] = (double)((rng >> 45) % 10);
        }
    }
    for (int kind = 0; kind < 4; kind++) {
        char *first = NULL;
        int64_t late0 = -1;
        for (int sz = 0; sz < 3; sz++) {
            sl_query_desc *q = make_query(kinds[kind], 20, 5, 8, 1, text_key, 6, aggs);
            sl_window_op *w = sl_window_op_new(cx, q, &cfg);
            sink s = {0};
            sl_error err;
            sl_window_stats st;
            for (int off = 0; off < N; off += sizes[sz]) {
                int n = N - off < sizes[sz] ? N - off : sizes[sz];
                sl_vector kk = key, aa[6];
                kk.nulls += off;
                kk.v.text += off;
                for (int k = 0; k < 6; k++) {
                    aa[k] = args[k];
                    aa[k].nulls += off;
                    aa[k].v.f64 += off;
                }
                sl_error_clear(&err);
                assert_int_equal(sl_window_op_push(w, n, ev + off, 0, &kk, aa, collect, &s, &err), SL_OK);
            }
            assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
            sl_window_op_stats(w, &st);
            assert_true(s.rows > 0);
            if (first == NULL) {
                first = sl_pstrdup(cx, sink_text(&s));
                late0 = st.late_rows;
                assert_true(kinds[kind] < 0 ? late0 == 0 : late0 > 0);
            } else {
                assert_string_equal(sink_text(&s), first);
                assert_int_equal(st.late_rows, late0);
            }
            sl_window_op_free(w);
            sink_free(&s);
        }
    }
}

/* HOPPING (1000 s, 1 s): a row is in 1000 windows; a batch of 100 rows is
 * pushed in slices inside the operator and gives what 100 pushes give. */
static void test_hopping_many_windows(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {{SL_AGG_COUNT_STAR, false, SL_TYPE_BIGINT}, {SL_AGG_MAX, false, SL_TYPE_BIGINT}};
    sl_query_desc *q = make_query(SL_WINDOW_HOPPING, 1000, 1, 0, 0, NULL, 2, aggs);
    enum { N = 100 };
    sl_vector args[2];
    int64_t ev[N];
    char *out[2];

    (void)state;
    for (int k = 0; k < 2; k++)
        sl_vector_init(&args[k], cx, SL_TYPE_BIGINT, N);
    for (int i = 0; i < N; i++) {
        ev[i] = i * SEC;
        args[1].v.i64[i] = i;
    }
    for (int pass = 0; pass < 2; pass++) {
        sl_window_op *w = sl_window_op_new(cx, q, &cfg);
        sink s = {0};
        sl_error err;
        sl_error_clear(&err);
        if (pass == 0) {
            assert_int_equal(sl_window_op_push(w, N, ev, 0, NULL, args, collect, &s, &err), SL_OK);
        } else {
            for (int i = 0; i < N; i++) {
                sl_vector one[2] = {args[0], args[1]};
                one[1].nulls += i;
                one[1].v.i64 += i;
                assert_int_equal(sl_window_op_push(w, 1, ev + i, 0, NULL, one, collect, &s, &err), SL_OK);
            }
        }
        assert_int_equal(sl_window_op_flush(w, collect, &s, &err), SL_OK);
        assert_int_equal(s.rows, 1099); /* windows starting at -999 .. 99 */
        assert_memory_equal(s.buf, "-999,1,1,0\n-998,2,2,1\n", 22);
        out[pass] = sl_pstrdup(cx, sink_text(&s));
        sl_window_op_free(w);
        sink_free(&s);
    }
    assert_string_equal(out[0], out[1]);
}

/* The hot path: WINDOW TUMBLING (1 MINUTE) GROUP BY station, avg/min/max/count(*).
 * Input is made beforehand (NB batches reused with shifted event times) so
 * that the time measured is the operator's. */
static void test_bench(void **state)
{
    sl_window_config cfg = default_config();
    agg_spec aggs[] = {{SL_AGG_AVG, false, SL_TYPE_DOUBLE},
                       {SL_AGG_MIN, false, SL_TYPE_DOUBLE},
                       {SL_AGG_MAX, false, SL_TYPE_DOUBLE},
                       {SL_AGG_COUNT_STAR, false, SL_TYPE_BIGINT}};
    sl_query_desc *q = make_query(SL_WINDOW_TUMBLING, 60, 0, 5, 1, text_key, 4, aggs);
    sl_window_op *w = sl_window_op_new(cx, q, &cfg);
    const char *env = getenv("SL_WINDOW_BENCH_ROWS");
    int64_t total = env != NULL ? atoll(env) : 200000;
    static const char *stations[10] = {"st-00", "st-01", "st-02", "st-03", "st-04",
                                       "st-05", "st-06", "st-07", "st-08", "st-09"};
    enum { NB = 16 };
    sl_vector key[NB], arg[NB];
    int64_t *rel[NB];
    int64_t ev[SL_BATCH_ROWS];
    sink s = {0};
    sl_error err;
    struct timespec t0, t1;
    uint64_t rng = 88172645463325252ULL;
    int64_t done = 0, base = 1700000000 * SEC;
    double secs;
    sl_window_stats st;

    (void)state;
    for (int b = 0; b < NB; b++) {
        sl_vector_init(&key[b], cx, SL_TYPE_TEXT, SL_BATCH_ROWS);
        sl_vector_init(&arg[b], cx, SL_TYPE_DOUBLE, SL_BATCH_ROWS);
        rel[b] = sl_palloc(cx, sizeof(int64_t) * SL_BATCH_ROWS);
        for (int i = 0; i < SL_BATCH_ROWS; i++) {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            /* 1 ms of event time per row, up to 0.5 s out of order */
            rel[b][i] = (int64_t)i * 1000 + (int64_t)(rng % 1000000) - 500000;
            key[b].v.text[i].ptr = stations[rng % 10];
            key[b].v.text[i].len = 5;
            arg[b].v.f64[i] = 6.5 + (double)(rng % 2000) / 1000.0;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int b = 0; done < total; b = (b + 1) % NB) {
        int n = total - done < SL_BATCH_ROWS ? (int)(total - done) : SL_BATCH_ROWS;
        const sl_vector args[4] = {arg[b], arg[b], arg[b], arg[b]};
        for (int i = 0; i < n; i++)
            ev[i] = base + rel[b][i];
        base += SL_BATCH_ROWS * 1000;
        assert_int_equal(sl_window_op_push(w, n, ev, base, &key[b], args, collect, &s, &err), SL_OK);
        sink_clear(&s);
        done += n;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    sl_window_op_stats(w, &st);
    printf("bench: %lld rows in %.3f s: %.0f rows/s (window operator; %d rows emitted, %lld late)\n",
           (long long)total, secs, (double)total / secs, s.rows, (long long)st.late_rows);
    assert_true(s.rows > 0);
    assert_int_equal(st.late_rows, 0);
    sl_window_op_free(w);
    sink_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tumbling, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emit_once_and_late, setup, teardown),
        cmocka_unit_test_setup_teardown(test_splits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_settle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_future_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_tick, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hopping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_watermark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_merge_states, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statistics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_distinct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_last, setup, teardown),
        cmocka_unit_test_setup_teardown(test_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_independence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hopping_many_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bench, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
