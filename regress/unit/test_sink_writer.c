/*
 * test_sink_writer.c - the sink framework (server/connectors/sink_writer.c): batching
 * by rows and bytes, retries with backoff on SL_RETRY, permanent errors,
 * retries used up, a stop during backoff, and the SHOW SINKS figures
 * (server/connectors/sink_stats.c) each of these leaves.
 *
 * The sink under test is a fake kind that records the size of every
 * write() and fails as the test tells it to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/connectors/sink_stats.h"
#include "server/connectors/sink_writer.h"
#include "sluice/batch.h"
#include "sluice/connector.h"

typedef struct fake_sink {
    int writes;    /* write() calls, failed ones included */
    int sizes[64]; /* rows of each successful write */
    int nsizes;
    int flushes;
    int fail_next; /* this many write()s return fail_with first */
    sl_status fail_with;
    bool closed;
    int64_t rows_seen; /* sum of the ph column of written rows, to check content */
} fake_sink;

static fake_sink fake;

static sl_status fake_open(const sl_sink_open_args *args, void **state, sl_error *err)
{
    *state = &fake;
    return SL_OK;
}

static sl_status fake_write(void *state, const sl_batch *b, sl_error *err)
{
    fake_sink *f = state;

    f->writes++;
    if (f->fail_next > 0) {
        f->fail_next--;
        return sl_error_set(err, "08006", "fake sink: HTTP 503 from http://127.0.0.1:1/"), f->fail_with;
    }
    if (f->nsizes < 64)
        f->sizes[f->nsizes++] = b->nrows;
    for (int r = 0; r < b->nrows; r++)
        f->rows_seen += b->cols[0].v.i64[r];
    return SL_OK;
}

static sl_status fake_flush(void *state, sl_error *err)
{
    ((fake_sink *)state)->flushes++;
    return SL_OK;
}

static void fake_close(void *state)
{
    ((fake_sink *)state)->closed = true;
}

static const sl_sink_kind fake_kind = {
    .api_version = SL_SINK_API_VERSION,
    .name = "fake",
    .open = fake_open,
    .write = fake_write,
    .flush = fake_flush,
    .close = fake_close,
};

static const sl_option_decl *const decls[] = {sl_sink_framework_options, NULL};
static sl_mcxt *cx;
static const sl_schema *schema;
static int stop_after; /* should_stop says stop after this many calls; <0: never */

static bool test_should_stop(void *arg)
{
    return stop_after >= 0 && stop_after-- == 0;
}

static int setup(void **state)
{
    static const char *const names[] = {"n", "station"};
    static const sl_type types[] = {SL_TYPE_BIGINT, SL_TYPE_TEXT};

    memset(&fake, 0, sizeof(fake));
    cx = sl_mcxt_create(NULL, "test");
    schema = sl_schema_new(cx, 2, names, types);
    stop_after = -1;
    return 0;
}

static int teardown(void **state)
{
    sl_mcxt_delete(cx);
    return 0;
}

/* A writer on sink `name` with the given option values (name, value pairs). */
static sl_sink_writer *open_writer(const char *name, int n, ...)
{
    sl_options *opts = sl_pnew(cx, sl_options);
    sl_sink_writer_args wa = {.cx = cx,
                              .sink_name = name,
                              .kind = &fake_kind,
                              .options = opts,
                              .schema = schema,
                              .query_name = "q",
                              .should_stop = test_should_stop};
    sl_sink_writer *w;
    sl_error err;
    va_list ap;

    opts->decls = decls;
    opts->count = n;
    opts->values = sl_palloc(cx, sizeof(sl_option_value) * (size_t)(n > 0 ? n : 1));
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        opts->values[i].name = va_arg(ap, const char *);
        opts->values[i].value = va_arg(ap, const char *);
    }
    va_end(ap);
    sl_sink_stats_reset(name);
    assert_int_equal(sl_sink_writer_open(&wa, &w, &err), SL_OK);
    return w;
}

/* A batch of n rows: n = first, first+1, ...; station = a text of textlen bytes. */
static sl_batch *rows(int first, int n, int textlen)
{
    sl_batch *b = sl_batch_new(cx, schema, n);
    char text[512];

    memset(text, 'x', sizeof(text));
    for (int i = 0; i < n; i++) {
        b->cols[0].nulls[i] = 0;
        b->cols[0].v.i64[i] = first + i;
        b->cols[1].nulls[i] = 0;
        b->cols[1].v.text[i] = sl_batch_text(b, text, textlen);
        b->event_time[i] = 0;
    }
    b->nrows = n;
    return b;
}

/* 1. batch_rows: 25 rows appended 7 at a time go out as 10, 10 and, on flush, 5. */
static void test_batch_rows(void **state)
{
    sl_sink_writer *w = open_writer("s1", 1, "batch_rows", "10");
    sl_sink_stats_view v;
    sl_error err;
    int64_t want = 0;

    for (int i = 0; i < 25; i += 7) {
        int n = i + 7 > 25 ? 25 - i : 7;
        assert_int_equal(sl_sink_writer_append(w, rows(i, n, 3), &err), SL_OK);
        for (int k = 0; k < n; k++)
            want += i + k;
    }
    assert_int_equal(fake.nsizes, 2);
    assert_true(sl_sink_writer_dirty(w));
    assert_int_equal(fake.flushes, 0);
    assert_int_equal(sl_sink_writer_flush(w, &err), SL_OK);
    assert_int_equal(fake.nsizes, 3);
    assert_int_equal(fake.sizes[0], 10);
    assert_int_equal(fake.sizes[1], 10);
    assert_int_equal(fake.sizes[2], 5);
    assert_int_equal(fake.rows_seen, want);
    assert_int_equal(fake.flushes, 1);
    assert_false(sl_sink_writer_dirty(w));
    /* nothing new: flush does not call the kind again */
    assert_int_equal(sl_sink_writer_flush(w, &err), SL_OK);
    assert_int_equal(fake.flushes, 1);
    sl_sink_stats_snapshot("s1", &v);
    assert_int_equal(v.rows, 25);
    assert_int_equal(v.batches, 3);
    assert_int_equal(v.retries, 0);
    assert_string_equal(sl_sink_state_name(v.state), "ok");
    sl_sink_writer_close(w);
    assert_true(fake.closed);
}

/* 2. batch_bytes: rows of 8 + 100 bytes against 1kB go out 10 at a time. */
static void test_batch_bytes(void **state)
{
    sl_sink_writer *w = open_writer("s2", 2, "batch_rows", "1000", "batch_bytes", "1kB");
    sl_error err;

    assert_int_equal(sl_sink_writer_append(w, rows(0, 35, 100), &err), SL_OK);
    /* a row is 8 (n) + 8 + 100 (station) = 116 bytes: the 9th reaches 1024 */
    assert_int_equal(fake.nsizes, 3);
    assert_int_equal(fake.sizes[0], 9);
    assert_int_equal(sl_sink_writer_flush(w, &err), SL_OK);
    assert_int_equal(fake.sizes[3], 35 - 27);
    sl_sink_writer_close(w);
}

/* 3. SL_RETRY three times: the same rows are written on the fourth try. */
static void test_retry(void **state)
{
    sl_sink_writer *w = open_writer("s3", 2, "retry_backoff", "1 millisecond", "batch_rows", "5");
    sl_sink_stats_view v;
    sl_error err;

    fake.fail_next = 3;
    fake.fail_with = SL_RETRY;
    assert_int_equal(sl_sink_writer_append(w, rows(1, 5, 1), &err), SL_OK);
    assert_int_equal(fake.writes, 4);
    assert_int_equal(fake.nsizes, 1);
    assert_int_equal(fake.rows_seen, 1 + 2 + 3 + 4 + 5);
    sl_sink_stats_snapshot("s3", &v);
    assert_int_equal(v.retries, 3);
    assert_int_equal(v.rows, 5);
    assert_string_equal(sl_sink_state_name(v.state), "ok"); /* recovered */
    assert_non_null(strstr(v.last_error, "HTTP 503"));
    assert_true(v.last_error_at > 0);
    sl_sink_writer_close(w);
}

/* 4. SL_ERROR: no retry, the error comes back and the sink shows failed. */
static void test_permanent(void **state)
{
    sl_sink_writer *w = open_writer("s4", 1, "batch_rows", "5");
    sl_sink_stats_view v;
    sl_error err;

    fake.fail_next = 1;
    fake.fail_with = SL_ERROR;
    assert_int_equal(sl_sink_writer_append(w, rows(1, 5, 1), &err), SL_ERROR);
    assert_non_null(strstr(err.message, "HTTP 503"));
    assert_int_equal(fake.writes, 1);
    sl_sink_stats_snapshot("s4", &v);
    assert_string_equal(sl_sink_state_name(v.state), "failed");
    assert_int_equal(v.rows, 0);
    sl_sink_writer_close(w);
}

/* 5. max_retries = 2: three attempts, then the query fails with a hint. */
static void test_retries_used_up(void **state)
{
    sl_sink_writer *w =
        open_writer("s5", 3, "retry_backoff", "1 millisecond", "max_retries", "2", "batch_rows", "5");
    sl_sink_stats_view v;
    sl_error err;

    fake.fail_next = 100;
    fake.fail_with = SL_RETRY;
    assert_int_equal(sl_sink_writer_append(w, rows(1, 5, 1), &err), SL_ERROR);
    assert_int_equal(fake.writes, 3);
    assert_non_null(strstr(err.hint, "retried 2 times"));
    sl_sink_stats_snapshot("s5", &v);
    assert_int_equal(v.retries, 2);
    assert_string_equal(sl_sink_state_name(v.state), "failed");
    sl_sink_writer_close(w);
}

/* 6. A stop while backing off: rows stay unwritten, stopped() says so. */
static void test_stop_during_backoff(void **state)
{
    sl_sink_writer *w = open_writer("s6", 2, "retry_backoff", "1 second", "batch_rows", "5");
    sl_error err;

    fake.fail_next = 100;
    fake.fail_with = SL_RETRY;
    stop_after = 2;
    assert_int_equal(sl_sink_writer_append(w, rows(1, 5, 1), &err), SL_OK);
    assert_true(sl_sink_writer_stopped(w));
    assert_int_equal(fake.writes, 1);
    assert_int_equal(fake.nsizes, 0);
    /* and a flush afterwards neither writes nor claims success for them */
    assert_int_equal(sl_sink_writer_flush(w, &err), SL_OK);
    assert_int_equal(fake.flushes, 0);
    assert_true(sl_sink_writer_stopped(w));
    sl_sink_writer_close(w);
}

/* 7. Reset (CREATE/DROP SINK) empties the figures. */
static void test_reset(void **state)
{
    sl_sink_writer *w = open_writer("s7", 1, "batch_rows", "2");
    sl_sink_stats_view v;
    sl_error err;

    assert_int_equal(sl_sink_writer_append(w, rows(1, 4, 1), &err), SL_OK);
    sl_sink_stats_snapshot("S7", &v); /* names are case-insensitive */
    assert_int_equal(v.rows, 4);
    sl_sink_stats_reset("s7");
    sl_sink_stats_snapshot("s7", &v);
    assert_int_equal(v.rows, 0);
    assert_int_equal(v.batches, 0);
    sl_sink_stats_snapshot("never-used", &v);
    assert_int_equal(v.rows, 0);
    assert_string_equal(sl_sink_state_name(v.state), "ok");
    sl_sink_writer_close(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permanent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_used_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_during_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
