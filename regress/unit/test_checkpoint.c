/*
 * test_checkpoint.c - unit tests of checkpoints: the blob codec
 * (common/checkpoint.c), the window operator's state (sl_window_op_save /
 * sl_window_op_restore, server/engine/window.c + server/engine/agg.c) and the positions
 * of the GENERATOR, FILE, XLSX, AVRO and KAFKA sources (position/seek
 * callbacks; Kafka against the embedded mock cluster).
 *
 * The window tests feed the same pseudo-random rows (out of order, NULL
 * keys and values, repeated values for DISTINCT, text arguments) to an
 * operator that runs uninterrupted and, for several split points, to one
 * that is saved after the split, freed, restored into a new operator and
 * fed the rest: the emitted rows, as text, must be identical, for every
 * aggregate and every window kind.  Corrupt and truncated blobs must be
 * refused with XX001 (run under ASan/UBSan: never a crash).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/engine/agg.h"
#include "sluice/checkpoint.h"
#include "kafka/embedded.h"
#include "formats/format.h"
#include "sources/sources.h"
#include "kafka/client.h"
#include "server/engine/window.h"
#include "formats/xlsx_reader.h"

#define SEC INT64_C(1000000)

static sl_mcxt *cx;
static char datadir[256];

static int setup(void **state)
{
    (void)state;
    cx = sl_mcxt_create(NULL, "test_checkpoint");
    snprintf(datadir, sizeof(datadir), "/tmp/sl_test_checkpoint_XXXXXX");
    assert_non_null(mkdtemp(datadir));
    return 0;
}

static int teardown(void **state)
{
    char cmd[512];

    (void)state;
    sl_mcxt_delete(cx);
    cx = NULL;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", datadir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* ---- 1. the codec ---- */

static void test_codec(void **state)
{
    sl_ckpt_w w;
    sl_ckpt_r r;
    size_t len;
    const char *s;

    (void)state;
    sl_ckpt_w_init(&w, cx);
    sl_ckpt_w_u8(&w, 7);
    sl_ckpt_w_u32(&w, 0xDEADBEEFu);
    sl_ckpt_w_i64(&w, INT64_MIN);
    sl_ckpt_w_f64(&w, -0.0);
    sl_ckpt_w_f64(&w, 0.1);
    sl_ckpt_w_str(&w, "station", 7);
    for (int i = 0; i < 1000; i++) /* grows the buffer several times */
        sl_ckpt_w_i64(&w, i);
    assert_int_equal(w.len, 1 + 4 + 8 + 8 + 8 + 4 + 7 + 8000);

    sl_ckpt_r_init(&r, w.data, w.len);
    assert_int_equal(sl_ckpt_r_u8(&r), 7);
    assert_true(sl_ckpt_r_u32(&r) == 0xDEADBEEFu);
    assert_true(sl_ckpt_r_i64(&r) == INT64_MIN);
    {
        double z = sl_ckpt_r_f64(&r);
        assert_true(z == 0.0 && signbit(z)); /* the exact bits */
    }
    assert_true(sl_ckpt_r_f64(&r) == 0.1);
    s = sl_ckpt_r_str(&r, &len);
    assert_int_equal(len, 7);
    assert_memory_equal(s, "station", 7);
    for (int i = 0; i < 1000; i++)
        assert_true(sl_ckpt_r_i64(&r) == i);
    assert_true(sl_ckpt_r_done(&r));
    /* past the end: zero and bad, and it stays bad */
    assert_int_equal(sl_ckpt_r_u8(&r), 0);
    assert_true(r.bad);
    assert_false(sl_ckpt_r_done(&r));

    /* a string whose length runs past the end */
    sl_ckpt_r_init(&r, w.data + 1 + 4 + 8 + 8 + 8, 4 + 3);
    assert_null(sl_ckpt_r_str(&r, &len));
    assert_true(r.bad);
    /* a count larger than what is left can hold */
    sl_ckpt_r_init(&r, "\xff\xff\x00\x00", 4);
    assert_int_equal(sl_ckpt_r_count(&r, UINT32_MAX, 8), 0);
    assert_true(r.bad);
    sl_ckpt_r_init(&r, "\x02\x00\x00\x00\x01\x02", 6);
    assert_int_equal(sl_ckpt_r_count(&r, 10, 1), 2);
    assert_false(r.bad);
    assert_int_equal(sl_ckpt_r_count(&r, 10, 1), 0); /* only 2 bytes left: too short for a u32 */
    assert_true(r.bad);
    /* a bool other than 0/1 */
    sl_ckpt_r_init(&r, "\x02", 1);
    sl_ckpt_r_bool(&r);
    assert_true(r.bad);
    /* an empty blob */
    sl_ckpt_r_init(&r, NULL, 0);
    assert_int_equal(sl_ckpt_r_u32(&r), 0);
    assert_true(r.bad);
}

/* ---- building queries (as test_window.c: by hand, no analyzer) ---- */

typedef struct agg_spec {
    sl_agg_func func;
    bool distinct;
    sl_type arg; /* DOUBLE or TEXT; the result type follows */
} agg_spec;

enum {
    K_TUMBLING = SL_WINDOW_TUMBLING,
    K_HOPPING = SL_WINDOW_HOPPING,
    K_SESSION = SL_WINDOW_SESSION,
    K_NONE = -1
};

static sl_type result_type(const agg_spec *a)
{
    switch (a->func) {
    case SL_AGG_COUNT_STAR:
    case SL_AGG_COUNT:
        return SL_TYPE_BIGINT;
    case SL_AGG_SUM:
    case SL_AGG_MIN:
    case SL_AGG_MAX:
    case SL_AGG_FIRST:
    case SL_AGG_LAST:
        return a->arg;
    default:
        return SL_TYPE_DOUBLE;
    }
}

static sl_query_desc *make_query(int kind, int64_t size_s, int64_t slide_s, int64_t lateness_s, int naggs,
                                 const agg_spec *aggs)
{
    sl_query_desc *q = sl_pnew(cx, sl_query_desc);
    const char *names[40];
    sl_type types[40];
    int n = 0;

    q->limit = -1;
    q->event_time_col = -1;
    q->watermark_us = lateness_s * SEC;
    q->aggregated = true;
    if (kind != K_NONE) {
        q->window = SL_NEW(cx, WindowClause, -1);
        q->window->kind = (sl_window_kind)kind;
        q->window->size_us = size_s * SEC;
        q->window->slide_us = slide_s * SEC;
    }
    q->nkeys = 2; /* a text key and a bigint key */
    q->naggs = naggs;
    q->aggs = sl_pzalloc(cx, sizeof(sl_agg_call) * (size_t)naggs);
    names[n] = "window_start";
    types[n++] = SL_TYPE_TIMESTAMP;
    names[n] = "window_end";
    types[n++] = SL_TYPE_TIMESTAMP;
    names[n] = "station";
    types[n++] = SL_TYPE_TEXT;
    names[n] = "zone";
    types[n++] = SL_TYPE_BIGINT;
    for (int i = 0; i < naggs; i++) {
        q->aggs[i].func = aggs[i].func;
        q->aggs[i].distinct = aggs[i].distinct;
        q->aggs[i].result_type = result_type(&aggs[i]);
        names[n] = sl_psprintf(cx, "a%d", i);
        types[n++] = q->aggs[i].result_type;
    }
    q->agg_schema = sl_schema_new(cx, n, names, types);
    return q;
}

/* Every aggregate, over a DOUBLE and over a TEXT argument where it applies. */
static const agg_spec all_aggs[] = {
    {SL_AGG_COUNT_STAR, false, SL_TYPE_DOUBLE},  {SL_AGG_COUNT, false, SL_TYPE_DOUBLE},
    {SL_AGG_COUNT, true, SL_TYPE_DOUBLE},        {SL_AGG_COUNT, true, SL_TYPE_TEXT},
    {SL_AGG_SUM, false, SL_TYPE_DOUBLE},         {SL_AGG_SUM, true, SL_TYPE_DOUBLE},
    {SL_AGG_AVG, false, SL_TYPE_DOUBLE},         {SL_AGG_AVG, true, SL_TYPE_DOUBLE},
    {SL_AGG_MIN, false, SL_TYPE_DOUBLE},         {SL_AGG_MAX, false, SL_TYPE_DOUBLE},
    {SL_AGG_MIN, false, SL_TYPE_TEXT},           {SL_AGG_MAX, false, SL_TYPE_TEXT},
    {SL_AGG_STDDEV_SAMP, false, SL_TYPE_DOUBLE}, {SL_AGG_STDDEV_POP, false, SL_TYPE_DOUBLE},
    {SL_AGG_VAR_SAMP, false, SL_TYPE_DOUBLE},    {SL_AGG_VAR_POP, true, SL_TYPE_DOUBLE},
    {SL_AGG_FIRST, false, SL_TYPE_DOUBLE},       {SL_AGG_LAST, false, SL_TYPE_DOUBLE},
    {SL_AGG_FIRST, false, SL_TYPE_TEXT},         {SL_AGG_LAST, false, SL_TYPE_TEXT},
};
#define NAGGS ((int)(sizeof(all_aggs) / sizeof(all_aggs[0])))

static sl_window_config config(void)
{
    sl_window_config cfg = {.max_future_us = 3600 * SEC, .idle_timeout_us = 10 * SEC, .max_groups = 100000};
    return cfg;
}

/* ---- input: deterministic pseudo-random rows ---- */

#define NROWS 3000

static const char *const stations[] = {"north", "south", "east", "west", "a-much-longer-station-name-here",
                                       ""};
static const char *const words[] = {"ok", "high", "low", "drift", "calibrating", "zzz"};

typedef struct rows {
    int64_t ev[NROWS];
    sl_vector keys[2];
    sl_vector dbl, txt; /* the two argument vectors */
} rows;

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static rows *make_rows(void)
{
    rows *in = sl_pzalloc(cx, sizeof(rows));
    int64_t t = 1000 * SEC;

    rng_state = 42;
    sl_vector_init(&in->keys[0], cx, SL_TYPE_TEXT, NROWS);
    sl_vector_init(&in->keys[1], cx, SL_TYPE_BIGINT, NROWS);
    sl_vector_init(&in->dbl, cx, SL_TYPE_DOUBLE, NROWS);
    sl_vector_init(&in->txt, cx, SL_TYPE_TEXT, NROWS);
    for (int i = 0; i < NROWS; i++) {
        uint64_t r = rnd();
        const char *st = stations[r % 6];
        const char *wd = words[(r >> 8) % 6];

        /* forward by 0-400 ms in steps of 100 (equal event times are
         * common: first/last break ties by arrival), sometimes back by up
         * to 3 s (some of those late), and now and then a quiet gap of
         * 40 s (sessions end) */
        t += (int64_t)((r >> 16) % 5) * 100000;
        if ((r >> 32) % 97 == 0)
            t += 40 * SEC;
        in->ev[i] = (r >> 40) % 11 == 0 ? t - (int64_t)((r >> 44) % 3000) * 1000 : t;
        in->keys[0].nulls[i] = (r >> 12) % 29 == 0;
        in->keys[0].v.text[i].ptr = st;
        in->keys[0].v.text[i].len = (int32_t)strlen(st);
        in->keys[1].nulls[i] = (r >> 14) % 31 == 0;
        in->keys[1].v.i64[i] = (int64_t)((r >> 20) % 2);
        /* values repeat (DISTINCT matters), a few are NULL, -0.0 and 0.0 both occur */
        in->dbl.nulls[i] = (r >> 24) % 13 == 0;
        in->dbl.v.f64[i] = (r >> 28) % 17 == 0 ? -0.0 : (double)((r >> 48) % 50) / 4.0 + 6.0;
        in->txt.nulls[i] = (r >> 26) % 11 == 0;
        in->txt.v.text[i].ptr = wd;
        in->txt.v.text[i].len = (int32_t)strlen(wd);
    }
    return in;
}

/* A view of rows [off, off + n) of v. */
static sl_vector slice(const sl_vector *v, int off)
{
    sl_vector out = *v;

    out.nulls = v->nulls + off;
    if (v->type == SL_TYPE_TEXT)
        out.v.text = v->v.text + off;
    else
        out.v.i64 = v->v.i64 + off; /* f64 and i64 share the layout */
    return out;
}

/* ---- output as text ---- */

typedef struct sink {
    char *buf;
    size_t len, cap;
    int rows;
} sink;

static void sink_put(sink *s, const char *text)
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

static sl_status collect(void *arg, sl_batch *b, sl_error *err)
{
    sink *s = arg;
    char cell[512];

    (void)err;
    for (int r = 0; r < b->nrows; r++) {
        for (int c = 0; c < b->schema->ncols; c++) {
            const sl_vector *v = &b->cols[c];
            if (v->nulls[r])
                snprintf(cell, sizeof(cell), "NULL");
            else if (v->type == SL_TYPE_TEXT)
                snprintf(cell, sizeof(cell), "'%.*s'", (int)v->v.text[r].len, v->v.text[r].ptr);
            else if (v->type == SL_TYPE_DOUBLE)
                snprintf(cell, sizeof(cell), "%a", v->v.f64[r]); /* exact bits */
            else
                snprintf(cell, sizeof(cell), "%lld", (long long)v->v.i64[r]);
            if (c > 0)
                sink_put(s, ",");
            sink_put(s, cell);
        }
        sink_put(s, "\n");
        s->rows++;
    }
    return SL_OK;
}

static const char *sink_text(const sink *s)
{
    return s->buf != NULL ? s->buf : "";
}

/* ---- driving an operator ---- */

#define BATCH 97

/* Pushes rows [from, to) in batches of BATCH, each arriving 1 s after its
 * first row's event time. */
static void push_range(sl_window_op *w, const sl_query_desc *q, const rows *in, int from, int to, sink *s)
{
    sl_vector keys[2], args[NAGGS];
    sl_error err;

    for (int off = from; off < to; off += BATCH) {
        int n = to - off < BATCH ? to - off : BATCH;
        keys[0] = slice(&in->keys[0], off);
        keys[1] = slice(&in->keys[1], off);
        for (int k = 0; k < q->naggs; k++)
            args[k] = slice(all_aggs[k].arg == SL_TYPE_TEXT ? &in->txt : &in->dbl, off);
        sl_error_clear(&err);
        assert_int_equal(
            sl_window_op_push(w, n, in->ev + off, in->ev[off] + SEC, keys, args, collect, s, &err), SL_OK);
    }
}

static void finish(sl_window_op *w, sink *s)
{
    sl_error err;

    sl_error_clear(&err);
    assert_int_equal(sl_window_op_flush(w, collect, s, &err), SL_OK);
}

/* Saves w into a blob in cx. */
static sl_ckpt_w save(sl_window_op *w)
{
    sl_ckpt_w out;

    sl_ckpt_w_init(&out, cx);
    sl_window_op_save(w, &out);
    return out;
}

/* The uninterrupted run vs. one saved after split rows and restored into
 * a new operator (twice: saved again right after the restore, so a blob
 * written by a restored operator is good too). */
static void check_kind(int kind, int64_t size_s, int64_t slide_s)
{
    static const int splits[] = {0, 1, BATCH, 500, 1234, 2047, NROWS - 1, NROWS};
    const sl_query_desc *q = make_query(kind, size_s, slide_s, 2, NAGGS, all_aggs);
    sl_window_config cfg = config();
    rows *in = make_rows();
    sink ref = {0};
    sl_window_op *w;

    w = sl_window_op_new(cx, q, &cfg);
    push_range(w, q, in, 0, NROWS, &ref);
    finish(w, &ref);
    sl_window_op_free(w);
    assert_true(ref.rows > 20);

    for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
        sink got = {0};
        sl_ckpt_w blob;
        sl_error err;
        sl_window_op *a = sl_window_op_new(cx, q, &cfg), *b, *c;

        push_range(a, q, in, 0, splits[i], &got);
        blob = save(a);
        sl_window_op_free(a);

        b = sl_window_op_new(cx, q, &cfg);
        sl_error_clear(&err);
        assert_int_equal(sl_window_op_restore(b, blob.data, blob.len, 0, &err), SL_OK);
        blob = save(b);
        sl_window_op_free(b);

        c = sl_window_op_new(cx, q, &cfg);
        assert_int_equal(sl_window_op_restore(c, blob.data, blob.len, 0, &err), SL_OK);
        push_range(c, q, in, splits[i], NROWS, &got);
        finish(c, &got);
        {
            sl_window_stats s1, s2;
            sink again = {0};
            sl_window_op_stats(c, &s2);
            w = sl_window_op_new(cx, q, &cfg);
            push_range(w, q, in, 0, NROWS, &again);
            free(again.buf);
            sl_window_op_stats(w, &s1);
            assert_int_equal(s1.late_rows, s2.late_rows);
            assert_int_equal(s1.future_rows, s2.future_rows);
            sl_window_op_free(w);
        }
        sl_window_op_free(c);
        if (strcmp(sink_text(&ref), sink_text(&got)) != 0)
            fail_msg("kind %d split at %d: restored output differs (%d rows vs %d)", kind, splits[i],
                     got.rows, ref.rows);
        free(got.buf);
    }
    free(ref.buf);
}

/*
 * Incremental checkpoints: a whole state at the first cut, then a delta at
 * each later cut (each "committed" by sl_window_op_saved), restored as
 * base + deltas into a new operator that goes on: its output is the
 * uninterrupted run's.  The deltas hold only what changed: smaller than
 * the base when few rows came between the cuts.
 */
static void check_deltas(int kind, int64_t size_s, int64_t slide_s)
{
    static const int cuts[] = {700, 701, 950, 1500, 1501, 2047};
    const int ncuts = (int)(sizeof(cuts) / sizeof(cuts[0]));
    const sl_query_desc *q = make_query(kind, size_s, slide_s, 2, NAGGS, all_aggs);
    sl_window_config cfg = config();
    rows *in = make_rows();
    sink ref = {0}, got = {0};
    sl_window_op *w = sl_window_op_new(cx, q, &cfg), *a, *b;
    sl_ckpt_w blobs[8];
    sl_error err;
    int from = 0;

    push_range(w, q, in, 0, NROWS, &ref);
    finish(w, &ref);
    sl_window_op_free(w);

    a = sl_window_op_new(cx, q, &cfg);
    for (int i = 0; i < ncuts; i++) {
        push_range(a, q, in, from, cuts[i], &got);
        from = cuts[i];
        sl_ckpt_w_init(&blobs[i], cx);
        if (i == 0)
            sl_window_op_save(a, &blobs[i]);
        else
            assert_true(sl_window_op_save_delta(a, &blobs[i]));
        sl_window_op_saved(a);
    }
    /* One row between two cuts: its delta is a fraction of the whole. */
    assert_true(blobs[2].len > 0 && blobs[0].len > 0);
    assert_true(blobs[1].len < blobs[0].len);
    sl_window_op_free(a);

    b = sl_window_op_new(cx, q, &cfg);
    sl_error_clear(&err);
    assert_int_equal(sl_window_op_restore(b, blobs[0].data, blobs[0].len, 0, &err), SL_OK);
    for (int i = 1; i < ncuts; i++)
        assert_int_equal(sl_window_op_apply_delta(b, blobs[i].data, blobs[i].len, 0, &err), SL_OK);
    /* A delta of another operator's shape, or a whole state given as a delta, is refused. */
    assert_int_equal(sl_window_op_apply_delta(b, blobs[0].data, blobs[0].len, 0, &err), SL_ERROR);
    push_range(b, q, in, from, NROWS, &got);
    finish(b, &got);
    sl_window_op_free(b);
    if (strcmp(sink_text(&ref), sink_text(&got)) != 0)
        fail_msg("kind %d: output after base + deltas differs (%d rows vs %d)", kind, got.rows, ref.rows);
    free(ref.buf);
    free(got.buf);
}

static void test_window_deltas(void **state)
{
    sl_window_config cfg = config();
    sl_window_op *s = sl_window_op_new(cx, make_query(K_SESSION, 5, 0, 2, NAGGS, all_aggs), &cfg);
    sl_ckpt_w out;

    (void)state;
    check_deltas(K_TUMBLING, 10, 0);
    check_deltas(K_HOPPING, 20, 5);
    check_deltas(K_NONE, 0, 0);
    /* Session windows and an operator with no committed checkpoint save whole. */
    sl_ckpt_w_init(&out, cx);
    assert_false(sl_window_op_save_delta(s, &out));
    assert_int_equal(out.len, 0);
    sl_window_op_free(s);
}

static void test_window_tumbling(void **state)
{
    (void)state;
    check_kind(K_TUMBLING, 10, 0);
}

static void test_window_hopping(void **state)
{
    (void)state;
    check_kind(K_HOPPING, 20, 5);
}

static void test_window_session(void **state)
{
    (void)state;
    check_kind(K_SESSION, 5, 0);
}

static void test_window_global(void **state)
{
    (void)state;
    check_kind(K_NONE, 0, 0);
}

/* A restored operator holds the same open state: the stats agree. */
static void test_window_stats_after_restore(void **state)
{
    const sl_query_desc *q = make_query(K_TUMBLING, 60, 0, 2, NAGGS, all_aggs);
    sl_window_config cfg = config();
    rows *in = make_rows();
    sl_window_op *a = sl_window_op_new(cx, q, &cfg), *b;
    sl_window_stats sa, sb;
    sl_ckpt_w blob;
    sl_error err;
    sink s = {0};

    (void)state;
    push_range(a, q, in, 0, 1500, &s);
    blob = save(a);
    b = sl_window_op_new(cx, q, &cfg);
    assert_int_equal(sl_window_op_restore(b, blob.data, blob.len, 5 * SEC, &err), SL_OK);
    sl_window_op_stats(a, &sa);
    sl_window_op_stats(b, &sb);
    assert_true(sa.open_windows > 0 && sa.groups > 0);
    assert_int_equal(sa.open_windows, sb.open_windows);
    assert_int_equal(sa.groups, sb.groups);
    assert_true(sa.watermark_us == sb.watermark_us);
    assert_int_equal(sa.late_rows, sb.late_rows);
    /* restoring twice into the same operator is refused */
    assert_int_equal(sl_window_op_restore(b, blob.data, blob.len, 0, &err), SL_ERROR);
    sl_window_op_free(a);
    sl_window_op_free(b);
    free(s.buf);
}

/* The idle clock restarts at the restore: downtime is not idleness. */
static void test_window_idle_after_restore(void **state)
{
    const sl_query_desc *q = make_query(K_TUMBLING, 10, 0, 0, 1, all_aggs);
    sl_window_config cfg = config();
    rows *in = make_rows();
    sl_window_op *a = sl_window_op_new(cx, q, &cfg), *b;
    sl_ckpt_w blob;
    sl_error err;
    sink s = {0};
    int64_t restore_at = in->ev[99] + 3600 * SEC; /* "an hour later" */

    (void)state;
    push_range(a, q, in, 0, 100, &s);
    blob = save(a);
    sl_window_op_free(a);
    b = sl_window_op_new(cx, q, &cfg);
    assert_int_equal(sl_window_op_restore(b, blob.data, blob.len, restore_at, &err), SL_OK);
    s.rows = 0;
    /* 5 s after the restore: under idle_timeout, nothing closes */
    assert_int_equal(sl_window_op_tick(b, restore_at + 5 * SEC, collect, &s, &err), SL_OK);
    assert_int_equal(s.rows, 0);
    /* 30 s after: the open window closes */
    assert_int_equal(sl_window_op_tick(b, restore_at + 30 * SEC, collect, &s, &err), SL_OK);
    assert_true(s.rows > 0);
    sl_window_op_free(b);
    free(s.buf);
}

/* first/last break ties of event time by arrival: the arrival count goes on
 * across a restore. */
static void test_window_first_last_ties(void **state)
{
    static const agg_spec fl[] = {{SL_AGG_FIRST, false, SL_TYPE_DOUBLE},
                                  {SL_AGG_LAST, false, SL_TYPE_DOUBLE}};
    const sl_query_desc *q = make_query(K_TUMBLING, 60, 0, 0, 2, fl);
    sl_window_config cfg = config();
    sl_vector keys[2], args[2];
    int64_t ev[3] = {1000 * SEC, 1000 * SEC, 1000 * SEC};
    sl_window_op *a = sl_window_op_new(cx, q, &cfg), *b;
    sl_ckpt_w blob;
    sl_error err;
    sink s = {0};

    (void)state;
    sl_vector_init(&keys[0], cx, SL_TYPE_TEXT, 3);
    sl_vector_init(&keys[1], cx, SL_TYPE_BIGINT, 3);
    sl_vector_init(&args[0], cx, SL_TYPE_DOUBLE, 3);
    for (int i = 0; i < 3; i++) {
        keys[0].v.text[i].ptr = "k";
        keys[0].v.text[i].len = 1;
        keys[1].v.i64[i] = 1;
        args[0].v.f64[i] = i + 1;
    }
    args[1] = args[0];
    assert_int_equal(sl_window_op_push(a, 3, ev, 1000 * SEC, keys, args, collect, &s, &err), SL_OK);
    blob = save(a);
    sl_window_op_free(a);
    b = sl_window_op_new(cx, q, &cfg);
    assert_int_equal(sl_window_op_restore(b, blob.data, blob.len, 0, &err), SL_OK);
    args[0].v.f64[0] = 4;
    args[0].v.f64[1] = 5;
    args[1] = args[0];
    assert_int_equal(sl_window_op_push(b, 2, ev, 1000 * SEC, keys, args, collect, &s, &err), SL_OK);
    finish(b, &s);
    sl_window_op_free(b);
    /* window 960..1020 s, key ('k', 1), first 1, last 5 */
    assert_string_equal(sink_text(&s), "960000000,1020000000,'k',1,0x1p+0,0x1.4p+2\n");
    free(s.buf);
}

/* Truncated, corrupted and foreign blobs: an error, never a crash. */
static void test_window_corrupt(void **state)
{
    const sl_query_desc *q = make_query(K_SESSION, 5, 0, 2, NAGGS, all_aggs);
    const sl_query_desc *other = make_query(K_SESSION, 6, 0, 2, NAGGS, all_aggs);
    sl_window_config cfg = config();
    rows *in = make_rows();
    sl_window_op *a = sl_window_op_new(cx, q, &cfg);
    sl_ckpt_w blob;
    sl_error err;
    sink s = {0};
    char *copy;
    int accepted = 0;

    (void)state;
    push_range(a, q, in, 0, 700, &s);
    blob = save(a);
    sl_window_op_free(a);
    assert_true(blob.len > 200);

    /* every truncation */
    for (size_t n = 0; n < blob.len; n++) {
        sl_window_op *b = sl_window_op_new(cx, q, &cfg);
        sl_error_clear(&err);
        assert_int_equal(sl_window_op_restore(b, blob.data, n, 0, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, "XX001");
        sl_window_op_free(b);
    }
    /* trailing garbage */
    {
        sl_window_op *b = sl_window_op_new(cx, q, &cfg);
        copy = sl_palloc(cx, blob.len + 1);
        memcpy(copy, blob.data, blob.len);
        copy[blob.len] = 0;
        assert_int_equal(sl_window_op_restore(b, copy, blob.len + 1, 0, &err), SL_ERROR);
        assert_non_null(strstr(err.message, "trailing bytes"));
        sl_window_op_free(b);
    }
    /* every byte flipped: refused or accepted (a flipped double is still a
     * double), but never a crash or an out-of-bounds read (ASan) */
    copy = sl_palloc(cx, blob.len);
    for (size_t i = 0; i < blob.len; i++) {
        sl_window_op *b = sl_window_op_new(cx, q, &cfg);
        memcpy(copy, blob.data, blob.len);
        copy[i] ^= (char)0xA5;
        sl_error_clear(&err);
        if (sl_window_op_restore(b, copy, blob.len, 0, &err) == SL_OK) {
            accepted++;
            /* and it runs */
            push_range(b, q, in, 700, 800, &s);
            finish(b, &s);
        } else {
            assert_string_equal(err.sqlstate, "XX001");
        }
        sl_window_op_free(b);
    }
    assert_true(accepted < (int)blob.len);
    /* the header */
    {
        sl_window_op *b = sl_window_op_new(cx, q, &cfg);
        assert_int_equal(sl_window_op_restore(b, "garbage!", 8, 0, &err), SL_ERROR);
        assert_string_equal(err.message, "window state is corrupt: not a window state");
        memcpy(copy, blob.data, blob.len);
        copy[4] = 9; /* version */
        assert_int_equal(sl_window_op_restore(b, copy, blob.len, 0, &err), SL_ERROR);
        assert_string_equal(err.message, "window state has version 9, this build reads 2");
        sl_window_op_free(b);
    }
    /* another query's windows */
    {
        sl_window_op *b = sl_window_op_new(cx, other, &cfg);
        assert_int_equal(sl_window_op_restore(b, blob.data, blob.len, 0, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, "XX001");
        assert_string_equal(err.message, "window state was saved for other windows or aggregates");
        sl_window_op_free(b);
    }
    /* more groups than max_groups_per_query */
    {
        sl_window_config small = config();
        sl_window_op *b;
        small.max_groups = 2;
        b = sl_window_op_new(cx, q, &small);
        assert_int_equal(sl_window_op_restore(b, blob.data, blob.len, 0, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, "54000");
        sl_window_op_free(b);
    }
    free(s.buf);
}

/* ---- 3. source positions ---- */

static sl_options *options(const char *first, ...)
{
    sl_options *o = sl_pnew(cx, sl_options);
    va_list ap;
    const char *name = first;

    o->values = sl_palloc(cx, sizeof(sl_option_value) * 16);
    va_start(ap, first);
    while (name != NULL) {
        o->values[o->count].name = name;
        o->values[o->count].value = va_arg(ap, const char *);
        o->count++;
        name = va_arg(ap, const char *);
    }
    va_end(ap);
    return o;
}

typedef sl_status (*open_fn)(const sl_source_open_args *, void **, sl_error *);
typedef sl_status (*read_fn)(void *, sl_batch *, bool *, int64_t *, sl_error *);

static void *open_src(open_fn open, const sl_options *opts, const sl_schema *declared,
                      const sl_schema **schema)
{
    bool bounded;
    void *st = NULL;
    sl_error err;
    sl_source_open_args a = {.source_name = "src",
                             .query_name = "q",
                             .options = opts,
                             .schema = declared,
                             .confine = sl_confine_new(cx, datadir, "", &(sl_error){.sqlstate = ""}),
                             .cx = cx,
                             .schema_out = schema,
                             .bounded_out = &bounded};

    sl_error_clear(&err);
    if (open(&a, &st, &err) != SL_OK)
        fail_msg("open: %s", err.message);
    return st;
}

/* Reads up to max rows (or to the end when max < 0) in batches of cap,
 * appended as text to s. */
static int64_t read_rows(read_fn rd, void *st, const sl_schema *schema, int cap, int64_t max, sink *s)
{
    sl_batch *b = sl_batch_new(cx, schema, cap);
    int64_t total = 0;
    bool eof = false;
    int64_t errors = 0;
    sl_error err;

    while (!eof && (max < 0 || total < max)) {
        sl_batch_reset(b);
        if (max >= 0 && max - total < cap)
            b->capacity = (int)(max - total);
        sl_error_clear(&err);
        assert_int_equal(rd(st, b, &eof, &errors, &err), SL_OK);
        collect(s, b, &err);
        total += b->nrows;
    }
    return total;
}

static void test_generator_position(void **state)
{
    const sl_options *opts =
        options("rows", "5000", "seed", "42", "stations", "7", "late_fraction", "0.1", NULL);
    const sl_schema *schema;
    void *a, *b;
    sink ref = {0}, head = {0}, tail = {0};
    char *pos;
    size_t len;
    sl_error err;

    (void)state;
    a = open_src(sl_generator_source_open, opts, NULL, &schema);
    assert_int_equal(read_rows(sl_generator_source_read, a, schema, 500, -1, &ref), 5000);

    a = open_src(sl_generator_source_open, opts, NULL, &schema);
    assert_int_equal(read_rows(sl_generator_source_read, a, schema, 300, 1234, &head), 1234);
    assert_int_equal(sl_generator_source_position(a, cx, &pos, &len, &err), SL_OK);
    b = open_src(sl_generator_source_open, opts, NULL, &schema);
    assert_int_equal(sl_generator_source_seek(b, pos, len, &err), SL_OK);
    assert_int_equal(read_rows(sl_generator_source_read, b, schema, 500, -1, &tail), 5000 - 1234);
    sink_put(&head, sink_text(&tail));
    assert_string_equal(sink_text(&head), sink_text(&ref));

    /* a position taken right after seek() is the same position */
    {
        char *pos2;
        size_t len2;
        b = open_src(sl_generator_source_open, opts, NULL, &schema);
        assert_int_equal(sl_generator_source_seek(b, pos, len, &err), SL_OK);
        assert_int_equal(sl_generator_source_position(b, cx, &pos2, &len2, &err), SL_OK);
        assert_int_equal(len, len2);
        assert_memory_equal(pos, pos2, len);
    }
    /* corrupt or foreign positions */
    b = open_src(sl_generator_source_open, opts, NULL, &schema);
    for (size_t n = 0; n < len; n++) {
        assert_int_equal(sl_generator_source_seek(b, pos, n, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, "XX001");
    }
    pos[1] ^= 1; /* row index no longer matches the station */
    assert_int_equal(sl_generator_source_seek(b, pos, len, &err), SL_ERROR);
    assert_string_equal(err.message, "generator position is not valid for this source");
    free(ref.buf);
    free(head.buf);
    free(tail.buf);
}

static void write_file(const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", datadir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Splits a FILE source (two files, header line, blank lines, a last line
 * without newline) at every row: the rows after seek() are the rest. */
static void check_file_source(const sl_options *opts, const sl_schema *declared, int64_t nrows)
{
    const sl_schema *schema;
    sink ref = {0};
    void *a;

    a = open_src(sl_file_source_open, opts, declared, &schema);
    assert_int_equal(read_rows(sl_file_source_read, a, schema, 3, -1, &ref), nrows);
    sl_file_source_close(a);
    for (int64_t split = 0; split <= nrows; split++) {
        sink head = {0}, tail = {0};
        char *pos;
        size_t len;
        sl_error err;
        void *b;

        a = open_src(sl_file_source_open, opts, declared, &schema);
        assert_int_equal(read_rows(sl_file_source_read, a, schema, 2, split, &head), split);
        assert_int_equal(sl_file_source_position(a, cx, &pos, &len, &err), SL_OK);
        sl_file_source_close(a);
        b = open_src(sl_file_source_open, opts, declared, &schema);
        assert_int_equal(sl_file_source_seek(b, pos, len, &err), SL_OK);
        assert_int_equal(read_rows(sl_file_source_read, b, schema, 4, -1, &tail), nrows - split);
        sl_file_source_close(b);
        sink_put(&head, sink_text(&tail));
        if (strcmp(sink_text(&head), sink_text(&ref)) != 0)
            fail_msg("split at %lld:\n%s\nvs\n%s", (long long)split, sink_text(&head), sink_text(&ref));
        free(head.buf);
        free(tail.buf);
    }
    free(ref.buf);
}

static void test_file_position(void **state)
{
    static const char *const names[] = {"station", "x", "n"};
    static const sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_DOUBLE, SL_TYPE_BIGINT};
    const sl_schema *declared = sl_schema_new(cx, 3, names, types);
    const sl_schema *schema;
    char *pos;
    size_t len;
    sl_error err;
    void *a;

    (void)state;
    write_file("a.json", "{\"station\":\"n\",\"x\":1.5,\"n\":1}\n\n{\"station\":\"s\",\"x\":2,\"n\":2}\n"
                         "{\"station\":\"e\",\"x\":3,\"n\":3}\n");
    write_file("b.json", "{\"station\":\"w\",\"x\":4,\"n\":4}\n{\"station\":\"n\",\"x\":5,\"n\":5}");
    check_file_source(options("path", "*.json", NULL), declared, 5);

    /* CSV with a header in another order than the columns: after seek()
     * the header is still read */
    write_file("c1.csv", "n,x,station\n1,1.5,north\n2,2.5,south\n\n3,3.5,east\n");
    write_file("c2.csv", "station,n,x\nwest,4,4.5\nnorth,5,5.5\n");
    check_file_source(options("path", "c*.csv", "format", "csv", NULL), declared, 5);
    /* and without a header */
    write_file("d.csv", "north,1.5,1\nsouth,2.5,2\neast,3.5,3\n");
    check_file_source(options("path", "d.csv", "format", "csv", "header", "false", NULL), declared, 3);

    /* corrupt positions; a file shorter than the position */
    a = open_src(sl_file_source_open, options("path", "d.csv", "format", "csv", "header", "false", NULL),
                 declared, &schema);
    {
        sink three = {0};
        read_rows(sl_file_source_read, a, schema, 2, 3, &three);
        free(three.buf);
    }
    assert_int_equal(sl_file_source_position(a, cx, &pos, &len, &err), SL_OK);
    sl_file_source_close(a);
    for (size_t n = 0; n < len; n++) {
        a = open_src(sl_file_source_open, options("path", "d.csv", "format", "csv", "header", "false", NULL),
                     declared, &schema);
        assert_int_equal(sl_file_source_seek(a, pos, n, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, "XX001");
    }
    write_file("d.csv", "north,1.5,1\n");
    a = open_src(sl_file_source_open, options("path", "d.csv", "format", "csv", "header", "false", NULL),
                 declared, &schema);
    assert_int_equal(sl_file_source_seek(a, pos, len, &err), SL_OK);
    {
        sl_batch *b = sl_batch_new(cx, schema, 10);
        bool eof = false;
        int64_t errors = 0;
        assert_int_equal(sl_file_source_read(a, b, &eof, &errors, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, "XX001");
        assert_non_null(strstr(err.message, "is shorter than the checkpoint's position"));
    }
    sl_file_source_close(a);
}

/* XLSX: split at rows inside and after the look-ahead, at the end, and in
 * a later round of a loop. */
static void test_xlsx_position(void **state)
{
    static const int64_t splits[] = {0, 1, 57, 100, 101, 250, 299, 300};
    const sl_options *once = options("path", "water_xlsxwriter.xlsx", "sheet", "readings", NULL);
    const sl_options *loop =
        options("path", "water_xlsxwriter.xlsx", "sheet", "readings", "loop", "true", NULL);
    const char *src = getenv("SL_SRCDIR");
    const sl_schema *schema;
    char cmd[1024], *pos;
    size_t len;
    sl_error err;
    sink ref = {0}, lref = {0};
    void *a, *b;

    (void)state;
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/regress/fixtures/make_xlsx.py %s --rows 300 >/dev/null",
             src != NULL ? src : ".", datadir);
    assert_int_equal(system(cmd), 0);

    a = open_src(sl_xlsx_source_open, once, NULL, &schema);
    assert_int_equal(read_rows(sl_xlsx_source_read, a, schema, 64, -1, &ref), 300);
    sl_xlsx_source_close(a);
    for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
        sink head = {0}, tail = {0};
        a = open_src(sl_xlsx_source_open, once, NULL, &schema);
        assert_int_equal(read_rows(sl_xlsx_source_read, a, schema, 40, splits[i], &head), splits[i]);
        assert_int_equal(sl_xlsx_source_position(a, cx, &pos, &len, &err), SL_OK);
        sl_xlsx_source_close(a);
        b = open_src(sl_xlsx_source_open, once, NULL, &schema);
        assert_int_equal(sl_xlsx_source_seek(b, pos, len, &err), SL_OK);
        assert_int_equal(read_rows(sl_xlsx_source_read, b, schema, 64, -1, &tail), 300 - splits[i]);
        sl_xlsx_source_close(b);
        sink_put(&head, sink_text(&tail));
        if (strcmp(sink_text(&head), sink_text(&ref)) != 0)
            fail_msg("xlsx split at %lld differs", (long long)splits[i]);
        free(head.buf);
        free(tail.buf);
    }

    /* loop: 700 rows = two rounds and a third begun, split in round 1 */
    a = open_src(sl_xlsx_source_open, loop, NULL, &schema);
    assert_int_equal(read_rows(sl_xlsx_source_read, a, schema, 64, 700, &lref), 700);
    sl_xlsx_source_close(a);
    {
        sink head = {0}, tail = {0};
        a = open_src(sl_xlsx_source_open, loop, NULL, &schema);
        assert_int_equal(read_rows(sl_xlsx_source_read, a, schema, 64, 451, &head), 451);
        assert_int_equal(sl_xlsx_source_position(a, cx, &pos, &len, &err), SL_OK);
        sl_xlsx_source_close(a);
        b = open_src(sl_xlsx_source_open, loop, NULL, &schema);
        assert_int_equal(sl_xlsx_source_seek(b, pos, len, &err), SL_OK);
        assert_int_equal(read_rows(sl_xlsx_source_read, b, schema, 64, 249, &tail), 249);
        sl_xlsx_source_close(b);
        sink_put(&head, sink_text(&tail));
        assert_string_equal(sink_text(&head), sink_text(&lref));
        free(head.buf);
        free(tail.buf);
    }
    /* a round of a loop on a source that does not loop; a sheet shorter
     * than the position; truncated positions */
    b = open_src(sl_xlsx_source_open, once, NULL, &schema);
    assert_int_equal(sl_xlsx_source_seek(b, pos, len, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "XX001");
    sl_xlsx_source_close(b);
    for (size_t n = 0; n < len; n++) {
        b = open_src(sl_xlsx_source_open, loop, NULL, &schema);
        assert_int_equal(sl_xlsx_source_seek(b, pos, n, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, "XX001");
        sl_xlsx_source_close(b);
    }
    {
        sl_ckpt_w w;
        sl_ckpt_w_init(&w, cx);
        sl_ckpt_w_u8(&w, 1);
        sl_ckpt_w_i64(&w, 0);
        sl_ckpt_w_i64(&w, 301);
        for (int i = 0; i < 7; i++)
            i == 1 || i == 2 ? sl_ckpt_w_u8(&w, 0) : sl_ckpt_w_i64(&w, 0);
        b = open_src(sl_xlsx_source_open, once, NULL, &schema);
        assert_int_equal(sl_xlsx_source_seek(b, w.data, w.len, &err), SL_ERROR);
        assert_non_null(strstr(err.message, "fewer rows than the checkpoint's position (301)"));
        sl_xlsx_source_close(b);
    }
    free(ref.buf);
    free(lref.buf);
}

/* AVRO: an archive of several files of several blocks each (written by
 * the AVRO sink), split inside blocks, at block and file boundaries. */
extern const sl_sink_kind sl_sink_avro;
extern const sl_source_kind sl_source_avro;

static sl_options *with_decls(const sl_option_decl *decls, sl_options *o)
{
    const sl_option_decl **d = sl_palloc(cx, sizeof(*d) * 2);

    d[0] = decls;
    d[1] = NULL;
    o->decls = d;
    return o;
}

static void test_avro_position(void **state)
{
    static const char *const names[] = {"station", "seq", "x"};
    static const sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_BIGINT, SL_TYPE_DOUBLE};
    static const int64_t splits[] = {0, 1, 99, 100, 101, 250, 999, 1000, 1001, 1500, 2999, 3000};
    const sl_schema *s = sl_schema_new(cx, 3, names, types);
    sl_options *sopts = with_decls(sl_source_avro.options, options("path", "arch/*.avro", NULL));
    sl_sink_open_args sa = {
        .sink_name = "arch",
        .query_name = "raw",
        .options = with_decls(sl_sink_avro.options,
                              options("path", "arch", "codec", "deflate", "rotate", "8kB", NULL)),
        .schema = s,
        .confine = sl_confine_new(cx, datadir, "", &(sl_error){.sqlstate = ""}),
        .cx = cx};
    const sl_schema *schema;
    sink ref = {0};
    void *st = NULL, *a, *b;
    char *pos;
    size_t len;
    sl_error err;

    (void)state;
    assert_int_equal(sl_sink_avro.open(&sa, &st, &err), SL_OK);
    for (int i = 0; i < 30; i++) {
        sl_batch *bt = sl_batch_new(cx, s, 100);
        for (int r = 0; r < 100; r++) {
            char name[32];
            int n = snprintf(name, sizeof(name), "station-%d", (i * 100 + r) % 7);
            bt->cols[0].nulls[r] = bt->cols[1].nulls[r] = 0;
            bt->cols[2].nulls[r] = r % 9 == 0;
            bt->cols[0].v.text[r] = sl_batch_text(bt, name, n);
            bt->cols[1].v.i64[r] = i * 100 + r;
            bt->cols[2].v.f64[r] = (i * 100 + r) / 8.0;
        }
        bt->nrows = 100;
        assert_int_equal(sl_sink_avro.write(st, bt, &err), SL_OK);
        assert_int_equal(sl_sink_avro.flush(st, &err), SL_OK); /* a block per batch */
    }
    sl_sink_avro.close(st);
    {
        char pat[512];
        glob_t g;
        snprintf(pat, sizeof(pat), "%s/arch/*.avro", datadir);
        assert_int_equal(glob(pat, 0, NULL, &g), 0);
        assert_true(g.gl_pathc >= 2); /* rotated: splits fall in several files */
        globfree(&g);
    }

    a = open_src(sl_source_avro.open, sopts, NULL, &schema);
    assert_int_equal(read_rows(sl_source_avro.read, a, schema, 64, -1, &ref), 3000);
    sl_source_avro.close(a);
    for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
        sink head = {0}, tail = {0};
        a = open_src(sl_source_avro.open, sopts, NULL, &schema);
        assert_int_equal(read_rows(sl_source_avro.read, a, schema, 37, splits[i], &head), splits[i]);
        assert_int_equal(sl_source_avro.position(a, cx, &pos, &len, &err), SL_OK);
        sl_source_avro.close(a);
        b = open_src(sl_source_avro.open, sopts, NULL, &schema);
        assert_int_equal(sl_source_avro.seek(b, pos, len, &err), SL_OK);
        assert_int_equal(read_rows(sl_source_avro.read, b, schema, 64, -1, &tail), 3000 - splits[i]);
        sl_source_avro.close(b);
        sink_put(&head, sink_text(&tail));
        if (strcmp(sink_text(&head), sink_text(&ref)) != 0)
            fail_msg("avro split at %lld differs", (long long)splits[i]);
        free(head.buf);
        free(tail.buf);
    }
    /* truncated positions; a file that is gone */
    for (size_t n = 0; n < len; n++) {
        b = open_src(sl_source_avro.open, sopts, NULL, &schema);
        assert_int_equal(sl_source_avro.seek(b, pos, n, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, "XX001");
        sl_source_avro.close(b);
    }
    {
        sl_ckpt_w w;
        const char *gone = "/nonexistent/x.avro";
        sl_ckpt_w_init(&w, cx);
        sl_ckpt_w_u8(&w, 1);
        sl_ckpt_w_str(&w, gone, strlen(gone));
        sl_ckpt_w_i64(&w, 5);
        b = open_src(sl_source_avro.open, sopts, NULL, &schema);
        assert_int_equal(sl_source_avro.seek(b, w.data, w.len, &err), SL_ERROR);
        assert_string_equal(
            err.message, "avro file \"/nonexistent/x.avro\" of the checkpoint's position is no longer there");
        sl_source_avro.close(b);
    }
    free(ref.buf);
}

/* KAFKA (the embedded mock cluster): CSV messages of several lines with a
 * header each, read in batches small enough to cut messages; after seek()
 * the rest is every row not read before, exactly once. */
#define KAFKA_ROWS 40

/* Reads rows until *total is max, at most tries reads (one waits up to
 * 10 ms when nothing is there), one text line per row in s. */
static void kafka_read_rows(void *st, const sl_schema *schema, int cap, int64_t max, int64_t *total, sink *s,
                            int tries)
{
    sl_batch *b = sl_batch_new(cx, schema, cap);
    sl_error err;

    for (int i = 0; i < tries && *total < max; i++) {
        bool eof = false;
        int64_t errors = 0;
        sl_batch_reset(b);
        if (max - *total < cap)
            b->capacity = (int)(max - *total);
        sl_error_clear(&err);
        assert_int_equal(sl_kafka_source_read(st, b, &eof, &errors, &err), SL_OK);
        assert_int_equal(errors, 0);
        collect(s, b, &err);
        *total += b->nrows;
    }
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of text, sorted, joined again. */
static char *sorted_lines(const char *text)
{
    char *copy = sl_pstrdup(cx, text), *out, *save = NULL;
    char *lines[KAFKA_ROWS * 2];
    int n = 0;
    size_t len = 0;

    for (char *l = strtok_r(copy, "\n", &save); l != NULL && n < KAFKA_ROWS * 2;
         l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    qsort(lines, (size_t)n, sizeof(char *), cmp_lines);
    out = sl_palloc(cx, strlen(text) + 2);
    for (int i = 0; i < n; i++)
        len += (size_t)sprintf(out + len, "%s\n", lines[i]);
    out[len] = '\0';
    return out;
}

static void test_kafka_position(void **state)
{
    static const char *const names[] = {"station", "x", "n"};
    static const sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_DOUBLE, SL_TYPE_BIGINT};
    static const int64_t splits[] = {0, 1, 3, 4, 5, 7, 13, 22, 39, 40};
    const sl_schema *declared = sl_schema_new(cx, 3, names, types);
    const sl_schema *schema;
    sl_options *opts;
    sl_error err;
    char errstr[256], *ref_sorted;
    rd_kafka_conf_t *conf;
    rd_kafka_t *prod;
    sink ref = {0};
    int64_t total = 0;
    void *a;

    (void)state;
    assert_int_equal(sl_embedded_kafka_start(&err), SL_OK);
    assert_int_equal(sl_embedded_kafka_create_topic("ckpt", 2, &err), SL_OK);
    conf = rd_kafka_conf_new();
    assert_int_equal(
        rd_kafka_conf_set(conf, "bootstrap.servers", sl_embedded_kafka_bootstrap(), errstr, sizeof(errstr)),
        RD_KAFKA_CONF_OK);
    prod = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    assert_non_null(prod);
    /* 8 messages of 5 rows each (one with a blank line), alternating partitions */
    for (int m = 0; m < KAFKA_ROWS / 5; m++) {
        char buf[512];
        int len = snprintf(buf, sizeof(buf), "n,station,x\n");
        for (int j = 0; j < 5; j++) {
            len += snprintf(buf + len, sizeof(buf) - (size_t)len, "%d,s%d,%d.5\n", m * 5 + j, m % 3, m);
            if (m == 2 && j == 1)
                len += snprintf(buf + len, sizeof(buf) - (size_t)len, "\n");
        }
        assert_int_equal(
            rd_kafka_producev(prod, RD_KAFKA_V_TOPIC("ckpt"), RD_KAFKA_V_PARTITION(m % 2),
                              RD_KAFKA_V_VALUE(buf, (size_t)len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_TIMESTAMP(INT64_C(1767225600000) + m * 1000), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    assert_int_equal(rd_kafka_flush(prod, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(prod);

    opts = options("topic", "ckpt", "format", "csv", "header", "true", NULL);
    a = open_src(sl_kafka_source_open, opts, declared, &schema);
    kafka_read_rows(a, schema, 64, KAFKA_ROWS, &total, &ref, 1000);
    sl_kafka_source_close(a);
    assert_int_equal(total, KAFKA_ROWS);
    ref_sorted = sorted_lines(sink_text(&ref));

    for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
        sink both = {0};
        int64_t n = 0;
        char *pos;
        size_t len;
        void *b;

        a = open_src(sl_kafka_source_open, opts, declared, &schema);
        kafka_read_rows(a, schema, 3, splits[i], &n, &both, 1000); /* batches of 3 rows cut the messages */
        assert_int_equal(n, splits[i]);
        assert_int_equal(sl_kafka_source_position(a, cx, &pos, &len, &err), SL_OK);
        sl_kafka_source_close(a);
        b = open_src(sl_kafka_source_open, opts, declared, &schema);
        assert_int_equal(sl_kafka_source_seek(b, pos, len, &err), SL_OK);
        kafka_read_rows(b, schema, 4, KAFKA_ROWS, &n, &both, 1000);
        {
            /* nothing more: every row came exactly once */
            int64_t extra = 0;
            sink more = {0};
            kafka_read_rows(b, schema, 4, 5, &extra, &more, 30);
            free(more.buf);
            assert_int_equal(extra, 0);
        }
        sl_kafka_source_close(b);
        assert_int_equal(n, KAFKA_ROWS);
        if (strcmp(sorted_lines(sink_text(&both)), ref_sorted) != 0)
            fail_msg("kafka split at %lld: rows differ:\n%s", (long long)splits[i], sink_text(&both));
        free(both.buf);
        if (i == 3) {
            /* truncated positions are refused */
            for (size_t t = 0; t < len; t++) {
                b = open_src(sl_kafka_source_open, opts, declared, &schema);
                assert_int_equal(sl_kafka_source_seek(b, pos, t, &err), SL_ERROR);
                assert_string_equal(err.sqlstate, "XX001");
                sl_kafka_source_close(b);
            }
        }
    }
    free(ref.buf);
    sl_embedded_kafka_stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec),
        cmocka_unit_test(test_window_tumbling),
        cmocka_unit_test(test_window_hopping),
        cmocka_unit_test(test_window_session),
        cmocka_unit_test(test_window_global),
        cmocka_unit_test(test_window_deltas),
        cmocka_unit_test(test_window_stats_after_restore),
        cmocka_unit_test(test_window_idle_after_restore),
        cmocka_unit_test(test_window_first_last_ties),
        cmocka_unit_test(test_window_corrupt),
        cmocka_unit_test(test_generator_position),
        cmocka_unit_test(test_file_position),
        cmocka_unit_test(test_xlsx_position),
        cmocka_unit_test(test_avro_position),
        cmocka_unit_test(test_kafka_position),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
