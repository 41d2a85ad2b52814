/*
 * test_influx_line.c - unit tests of the InfluxDB line-protocol encoder
 * (sinks/influx_line.c): escaping of measurement, tag keys and values and
 * field keys; string fields with quotes, backslashes and newlines; integer
 * fields with `i`; doubles (integral ones stay floats, NaN/infinity left
 * out); booleans; NULL and empty tags and NULL fields left out; rows with
 * no field skipped and counted; timestamps in every precision, from the
 * time column or the event time.  Every case compares the exact text.
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

#include "sinks/influx_line.h"

static sl_mcxt *cx;

static int setup(void **state)
{
    (void)state;
    cx = sl_mcxt_create(NULL, "test");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sl_mcxt_delete(cx);
    return 0;
}

/* 2024-03-01 00:00:00 UTC in microseconds. */
#define T0 INT64_C(1709251200000000)

static sl_batch *batch_of(int n, const char *const *names, const sl_type *types, int rows)
{
    const sl_schema *s = sl_schema_new(cx, n, names, types);
    sl_batch *b = sl_batch_new(cx, s, rows > 0 ? rows : 1);

    b->nrows = rows;
    for (int r = 0; r < rows; r++) {
        b->event_time[r] = T0 + r * INT64_C(1000000);
        for (int c = 0; c < n; c++)
            b->cols[c].nulls[r] = 0;
    }
    return b;
}

static void set_text(sl_batch *b, int c, int r, const char *s)
{
    b->cols[c].v.text[r] = sl_batch_text(b, s, (int32_t)strlen(s));
}

/* Encodes b and compares the whole output with want; checks the line and skip counts. */
static void expect(const sl_influx_encoder *enc, const sl_batch *b, const char *want, int64_t want_lines,
                   int64_t want_skipped)
{
    sl_buf out;
    int64_t skipped = 0, lines;

    sl_buf_init(&out);
    lines = sl_influx_encode_batch(enc, b, &out, &skipped);
    if (out.len != strlen(want) || memcmp(out.data, want, out.len) != 0)
        fail_msg("encoded\n%.*s\nwanted\n%s", (int)out.len, out.data, want);
    assert_int_equal(lines, want_lines);
    assert_int_equal(skipped, want_skipped);
    sl_buf_free(&out);
}

static void test_basic(void **state)
{
    const char *names[] = {"ts", "station", "ph", "n", "ok", "note"};
    const sl_type types[] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT, SL_TYPE_DOUBLE,
                             SL_TYPE_BIGINT,    SL_TYPE_BOOL, SL_TYPE_TEXT};
    const bool tags[] = {false, true, false, false, false, false};
    sl_batch *b = batch_of(6, names, types, 2);
    sl_influx_encoder *enc = sl_influx_encoder_new(cx, "water", b->schema, tags, 0, SL_INFLUX_NS);

    (void)state;
    b->cols[0].v.i64[0] = T0;
    b->cols[0].v.i64[1] = T0 + 1500000;
    set_text(b, 1, 0, "north");
    set_text(b, 1, 1, "south");
    b->cols[2].v.f64[0] = 7.25;
    b->cols[2].v.f64[1] = 0.1;
    b->cols[3].v.i64[0] = 3;
    b->cols[3].v.i64[1] = INT64_MIN;
    b->cols[4].v.b[0] = true;
    b->cols[4].v.b[1] = false;
    set_text(b, 5, 0, "fine");
    set_text(b, 5, 1, "");
    expect(enc, b,
           "water,station=north ph=7.25,n=3i,ok=true,note=\"fine\" 1709251200000000000\n"
           "water,station=south ph=0.1,n=-9223372036854775808i,ok=false,note=\"\" 1709251201500000000\n",
           2, 0);
}

static void test_escape_names(void **state)
{
    const char *names[] = {"st a,b=c", "f x,y=z", "t\"q"};
    const sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_BIGINT, SL_TYPE_BIGINT};
    const bool tags[] = {true, false, false};
    sl_batch *b = batch_of(3, names, types, 1);
    /* Measurement: comma and space escaped, equals sign not. */
    sl_influx_encoder *enc = sl_influx_encoder_new(cx, "my meas,x=y", b->schema, tags, -1, SL_INFLUX_S);

    (void)state;
    set_text(b, 0, 0, "v 1,2=3");
    b->cols[1].v.i64[0] = 1;
    b->cols[2].v.i64[0] = 2;
    expect(enc, b, "my\\ meas\\,x=y,st\\ a\\,b\\=c=v\\ 1\\,2\\=3 f\\ x\\,y\\=z=1i,t\"q=2i 1709251200\n", 1,
           0);
}

static void test_string_fields(void **state)
{
    const char *names[] = {"s"};
    const sl_type types[] = {SL_TYPE_TEXT};
    sl_batch *b = batch_of(1, names, types, 3);
    sl_influx_encoder *enc = sl_influx_encoder_new(cx, "m", b->schema, NULL, -1, SL_INFLUX_S);

    (void)state;
    set_text(b, 0, 0, "say \"hi\" \\o/");
    set_text(b, 0, 1, "two\nlines, a=b");
    set_text(b, 0, 2, "\\");
    expect(enc, b,
           "m s=\"say \\\"hi\\\" \\\\o/\" 1709251200\n"
           "m s=\"two\nlines, a=b\" 1709251201\n"
           "m s=\"\\\\\" 1709251202\n",
           3, 0);
}

static void test_doubles(void **state)
{
    const char *names[] = {"d"};
    const sl_type types[] = {SL_TYPE_DOUBLE};
    const double vals[] = {7.0,  -0.5, 1e300,    0.1 + 0.2, 123456789012345680.0,
                           1e-7, NAN,  INFINITY, -INFINITY, 42};
    const int n = (int)(sizeof(vals) / sizeof(vals[0]));
    sl_batch *b = batch_of(1, names, types, n);
    sl_influx_encoder *enc = sl_influx_encoder_new(cx, "m", b->schema, NULL, -1, SL_INFLUX_S);

    (void)state;
    for (int i = 0; i < n; i++)
        b->cols[0].v.f64[i] = vals[i];
    /* Integral doubles have no `i`: InfluxDB keeps them floats.  NaN and
     * infinities have no line-protocol form: the only field goes, so the
     * row goes too, and is counted. */
    expect(enc, b,
           "m d=7 1709251200\n"
           "m d=-0.5 1709251201\n"
           "m d=1e+300 1709251202\n"
           "m d=0.30000000000000004 1709251203\n"
           "m d=1.2345678901234568e+17 1709251204\n"
           "m d=1e-07 1709251205\n"
           "m d=42 1709251209\n",
           7, 3);
}

static void test_nulls(void **state)
{
    const char *names[] = {"tag", "a", "b", "c"};
    const sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_BIGINT, SL_TYPE_DOUBLE, SL_TYPE_TEXT};
    const bool tags[] = {true, false, false, false};
    sl_batch *b = batch_of(4, names, types, 4);
    sl_influx_encoder *enc = sl_influx_encoder_new(cx, "m", b->schema, tags, -1, SL_INFLUX_S);

    (void)state;
    /* row 0: first field NULL (no leading comma), NULL tag */
    b->cols[0].nulls[0] = 1;
    b->cols[1].nulls[0] = 1;
    b->cols[2].v.f64[0] = 1.5;
    set_text(b, 3, 0, "x");
    /* row 1: every field NULL: skipped, counted */
    set_text(b, 0, 1, "t");
    b->cols[1].nulls[1] = b->cols[2].nulls[1] = b->cols[3].nulls[1] = 1;
    /* row 2: empty tag (InfluxDB refuses it): left out; only the last field */
    set_text(b, 0, 2, "");
    b->cols[1].nulls[2] = b->cols[2].nulls[2] = 1;
    set_text(b, 3, 2, "y");
    /* row 3: NaN is left out like a NULL */
    set_text(b, 0, 3, "t");
    b->cols[1].v.i64[3] = 5;
    b->cols[2].v.f64[3] = NAN;
    b->cols[3].nulls[3] = 1;
    expect(enc, b,
           "m b=1.5,c=\"x\" 1709251200\n"
           "m c=\"y\" 1709251202\n"
           "m,tag=t a=5i 1709251203\n",
           3, 1);
}

static void test_precisions(void **state)
{
    const char *names[] = {"ts", "v"};
    const sl_type types[] = {SL_TYPE_TIMESTAMP, SL_TYPE_BIGINT};
    sl_batch *b = batch_of(2, names, types, 3);
    static const struct {
        sl_influx_precision p;
        const char *want;
    } cases[] = {
        {SL_INFLUX_NS, "m v=1i 1709251200123456000\nm v=2i -1500000\nm v=3i 0\n"},
        {SL_INFLUX_US, "m v=1i 1709251200123456\nm v=2i -1500\nm v=3i 0\n"},
        /* floor, not truncation: -1.5 ms is in the millisecond -2 */
        {SL_INFLUX_MS, "m v=1i 1709251200123\nm v=2i -2\nm v=3i 0\n"},
        {SL_INFLUX_S, "m v=1i 1709251200\nm v=2i -1\nm v=3i 0\n"},
    };

    (void)state;
    b->cols[0].v.i64[0] = T0 + 123456;
    b->cols[0].v.i64[1] = -1500;
    b->cols[0].v.i64[2] = 0;
    for (int r = 0; r < 3; r++)
        b->cols[1].v.i64[r] = r + 1;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect(sl_influx_encoder_new(cx, "m", b->schema, NULL, 0, cases[i].p), b, cases[i].want, 3, 0);
}

static void test_event_time(void **state)
{
    const char *names[] = {"window_end", "v"};
    const sl_type types[] = {SL_TYPE_TIMESTAMP, SL_TYPE_DOUBLE};
    sl_batch *b = batch_of(2, names, types, 2);

    (void)state;
    b->cols[0].v.i64[0] = T0 + 60000000;
    b->cols[0].nulls[1] = 1; /* NULL time: the row's event time */
    b->cols[1].v.f64[0] = 1;
    b->cols[1].v.f64[1] = 2;
    expect(sl_influx_encoder_new(cx, "m", b->schema, NULL, 0, SL_INFLUX_S), b,
           "m v=1 1709251260\nm v=2 1709251201\n", 2, 0);
    /* No time column: the event time, and window_end is an ordinary
     * (integer microseconds) field. */
    expect(sl_influx_encoder_new(cx, "m", b->schema, NULL, -1, SL_INFLUX_S), b,
           "m window_end=1709251260000000i,v=1 1709251200\nm v=2 1709251201\n", 2, 0);
}

static void test_other_types(void **state)
{
    const char *names[] = {"z", "a", "iv", "at", "flag"};
    const sl_type types[] = {SL_TYPE_BIGINT, SL_TYPE_DOUBLE, SL_TYPE_INTERVAL, SL_TYPE_TIMESTAMP,
                             SL_TYPE_BOOL};
    const bool tags[] = {true, true, false, false, true};
    sl_batch *b = batch_of(5, names, types, 1);
    sl_influx_encoder *enc = sl_influx_encoder_new(cx, "m", b->schema, tags, -1, SL_INFLUX_S);

    (void)state;
    b->cols[0].v.i64[0] = -42;
    b->cols[1].v.f64[0] = 2.5;
    b->cols[2].v.i64[0] = 90000000; /* 1 min 30 s */
    b->cols[3].v.i64[0] = T0;
    b->cols[4].v.b[0] = true;
    /* Tags sorted by key; non-text tags in their SQL text; intervals and
     * timestamps as integer microseconds. */
    expect(enc, b, "m,a=2.5,flag=true,z=-42 iv=90000000i,at=1709251200000000i 1709251200\n", 1, 0);
}

static void test_tag_specials(void **state)
{
    const char *names[] = {"t", "v"};
    const sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_BIGINT};
    const bool tags[] = {true, false};
    const char *vals[] = {"a\\b", "end\\", "a\\,b", "line\nbreak\ttab\r", "\\"};
    const int n = (int)(sizeof(vals) / sizeof(vals[0]));
    sl_batch *b = batch_of(2, names, types, n);
    sl_influx_encoder *enc = sl_influx_encoder_new(cx, "m\\", b->schema, tags, -1, SL_INFLUX_S);

    (void)state;
    for (int i = 0; i < n; i++) {
        set_text(b, 0, i, vals[i]);
        b->cols[1].v.i64[i] = i;
    }
    /* A backslash InfluxDB would read as escaping the separator after it
     * has no spelling and goes; others stay; control characters become
     * \n, \t, \r; a tag with nothing left is left out. */
    expect(enc, b,
           "m,t=a\\b v=0i 1709251200\n"
           "m,t=end v=1i 1709251201\n"
           "m,t=a\\,b v=2i 1709251202\n"
           "m,t=line\\nbreak\\ttab\\r v=3i 1709251203\n"
           "m v=4i 1709251204\n",
           5, 0);
}

static void test_appends(void **state)
{
    const char *names[] = {"v"};
    const sl_type types[] = {SL_TYPE_TEXT};
    sl_batch *b = batch_of(1, names, types, 1);
    sl_influx_encoder *enc = sl_influx_encoder_new(cx, "m", b->schema, NULL, -1, SL_INFLUX_US);
    char big[5000];
    sl_buf out;
    int64_t skipped = 0;

    (void)state;
    /* A long value grows the buffer in the middle of a line; what was
     * there before stays. */
    memset(big, '"', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    set_text(b, 0, 0, big);
    sl_buf_init(&out);
    sl_buf_append(&out, "x\n", 2);
    assert_int_equal(sl_influx_encode_batch(enc, b, &out, &skipped), 1);
    assert_int_equal(out.len, 2 + strlen("m v=\"\" 1709251200000000\n") + 2 * (sizeof(big) - 1));
    assert_memory_equal(out.data, "x\nm v=\"\\\"\\\"", 11);
    assert_memory_equal(out.data + out.len - 21, "\\\"\" 1709251200000000\n", 21);
    sl_buf_free(&out);
}

static void test_precision_names(void **state)
{
    sl_influx_precision p;

    (void)state;
    assert_true(sl_influx_precision_parse("ns", &p));
    assert_int_equal(p, SL_INFLUX_NS);
    assert_true(sl_influx_precision_parse("us", &p));
    assert_int_equal(p, SL_INFLUX_US);
    assert_true(sl_influx_precision_parse("ms", &p));
    assert_int_equal(p, SL_INFLUX_MS);
    assert_true(sl_influx_precision_parse("s", &p));
    assert_int_equal(p, SL_INFLUX_S);
    assert_false(sl_influx_precision_parse("h", &p));
    assert_false(sl_influx_precision_parse(NULL, &p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_doubles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nulls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precisions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tag_specials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precision_names, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
