/*
 * test_dynamodb_item.c - unit tests of the DynamoDB item encoder and reply
 * reader (sinks/dynamodb_item.c).
 *
 * Request bodies are compared as exact text: the attribute types (N, S,
 * BOOL, NULL), the decimal text of numbers, string escaping, the keys'
 * rules (a row without a storable key is skipped and counted), duplicate
 * keys within a request (the last row wins), and the split into requests
 * of 25 items or max_bytes.  Replies are parsed from exact-size heap
 * copies, so that under ASan a read past the body is caught; every prefix
 * of a valid reply must be refused.
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

#include "sinks/dynamodb_item.h"
#include "sluice/errcodes.h"

static sl_mcxt *cx;
static sl_error err;

static int setup(void **state)
{
    (void)state;
    cx = sl_mcxt_create(NULL, "test");
    sl_error_clear(&err);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sl_mcxt_delete(cx);
    return 0;
}

/* ---- building batches ---- */

static void set_text(sl_batch *b, int col, int row, const char *s)
{
    if (s == NULL) {
        b->cols[col].nulls[row] = 1;
        return;
    }
    b->cols[col].nulls[row] = 0;
    b->cols[col].v.text[row] = sl_batch_text(b, s, (int32_t)strlen(s));
}

static void set_i64(sl_batch *b, int col, int row, int64_t v)
{
    b->cols[col].nulls[row] = 0;
    b->cols[col].v.i64[row] = v;
}

static void set_f64(sl_batch *b, int col, int row, double v)
{
    b->cols[col].nulls[row] = 0;
    b->cols[col].v.f64[row] = v;
}

static void set_bool(sl_batch *b, int col, int row, bool v)
{
    b->cols[col].nulls[row] = 0;
    b->cols[col].v.b[row] = v;
}

static void set_null(sl_batch *b, int col, int row)
{
    b->cols[col].nulls[row] = 1;
}

static sl_ddb_encoder *encoder(const sl_schema *s, const char *key, const char *sort_key, sl_ddb_ts_format f)
{
    sl_ddb_encoder *enc = NULL;

    assert_int_equal(sl_ddb_encoder_new(cx, s, "tbl", key, sort_key, f, &enc, &err), SL_OK);
    assert_non_null(enc);
    return enc;
}

/* Encodes one request from *next and returns it as a NUL-terminated
 * string in cx; *items gets its item count. */
static const char *request(sl_ddb_encoder *enc, const sl_batch *b, int *next, int max_items, size_t max_bytes,
                           int *items, sl_ddb_stats *st)
{
    sl_buf out;
    char *s;

    sl_buf_init(&out);
    *items = sl_ddb_encode_request(enc, b, next, max_items, max_bytes, &out, st);
    s = sl_pstrndup(cx, out.data != NULL ? out.data : "", out.len);
    sl_buf_free(&out);
    return s;
}

#define HEAD "{\"RequestItems\":{\"tbl\":["
#define TAIL "]}}"

/* ---- one row of every type ---- */

static void test_types(void **state)
{
    const char *names[] = {"station", "window_end", "n", "avg", "ok", "note", "dur"};
    sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_TIMESTAMP, SL_TYPE_BIGINT,  SL_TYPE_DOUBLE,
                       SL_TYPE_BOOL, SL_TYPE_TEXT,      SL_TYPE_INTERVAL};
    const sl_schema *s = sl_schema_new(cx, 7, names, types);
    sl_batch *b = sl_batch_new(cx, s, 4);
    sl_ddb_encoder *enc = encoder(s, "station", "window_end", SL_DDB_TS_ISO8601);
    sl_ddb_stats st = {0};
    int next = 0, items;
    const char *got;

    (void)state;
    set_text(b, 0, 0, "north");
    set_i64(b, 1, 0, INT64_C(1767225660000000)); /* 2026-01-01 00:01:00 */
    set_i64(b, 2, 0, -42);
    set_f64(b, 3, 0, 0.1);
    set_bool(b, 4, 0, true);
    set_null(b, 5, 0);
    set_i64(b, 6, 0, 60000000);
    set_text(b, 0, 1, "south");
    set_i64(b, 1, 1, INT64_C(1767225660250000)); /* a fraction */
    set_i64(b, 2, 1, INT64_MAX);
    set_f64(b, 3, 1, -2.5);
    set_bool(b, 4, 1, false);
    set_text(b, 5, 1, "");
    set_null(b, 6, 1);
    b->nrows = 2;

    got = request(enc, b, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st);
    assert_int_equal(items, 2);
    assert_int_equal(next, 2);
    assert_string_equal(got,
                        HEAD "{\"PutRequest\":{\"Item\":{\"station\":{\"S\":\"north\"},"
                             "\"window_end\":{\"S\":\"2026-01-01T00:01:00Z\"},\"n\":{\"N\":\"-42\"},"
                             "\"avg\":{\"N\":\"0.1\"},\"ok\":{\"BOOL\":true},\"note\":{\"NULL\":true},"
                             "\"dur\":{\"S\":\"00:01:00\"}}}},"
                             "{\"PutRequest\":{\"Item\":{\"station\":{\"S\":\"south\"},"
                             "\"window_end\":{\"S\":\"2026-01-01T00:01:00.25Z\"},"
                             "\"n\":{\"N\":\"9223372036854775807\"},\"avg\":{\"N\":\"-2.5\"},"
                             "\"ok\":{\"BOOL\":false},\"note\":{\"S\":\"\"},\"dur\":{\"NULL\":true}}}}" TAIL);
    assert_int_equal(st.items, 2);
    assert_int_equal(st.bad_keys, 0);
    assert_int_equal(st.values_nulled, 0);

    /* Nothing left: no request. */
    got = request(enc, b, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st);
    assert_int_equal(items, 0);
    assert_string_equal(got, "");
    sl_ddb_encoder_free(enc);
}

/* ---- numbers ---- */

/* The N text of one DOUBLE, or "NULL" when it became {"NULL":true}. */
static const char *double_text(double v, int64_t *nulled)
{
    const char *names[] = {"k", "v"};
    sl_type types[] = {SL_TYPE_BIGINT, SL_TYPE_DOUBLE};
    const sl_schema *s = sl_schema_new(cx, 2, names, types);
    sl_batch *b = sl_batch_new(cx, s, 1);
    sl_ddb_encoder *enc = encoder(s, "k", NULL, SL_DDB_TS_ISO8601);
    sl_ddb_stats st = {0};
    int next = 0, items;
    const char *got, *p, *want_head = HEAD "{\"PutRequest\":{\"Item\":{\"k\":{\"N\":\"1\"},\"v\":";
    char *q;

    set_i64(b, 0, 0, 1);
    set_f64(b, 1, 0, v);
    b->nrows = 1;
    got = request(enc, b, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st);
    sl_ddb_encoder_free(enc);
    assert_int_equal(items, 1);
    assert_true(strncmp(got, want_head, strlen(want_head)) == 0);
    p = got + strlen(want_head);
    *nulled = st.values_nulled;
    if (strcmp(p, "{\"NULL\":true}}}}" TAIL) == 0)
        return "NULL";
    assert_true(strncmp(p, "{\"N\":\"", 6) == 0);
    q = sl_pstrdup(cx, p + 6);
    assert_non_null(strchr(q, '"'));
    *strchr(q, '"') = '\0';
    return q;
}

static void test_doubles(void **state)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0.1, "0.1"},         {1.0 / 3, "0.3333333333333333"},
        {123.456, "123.456"}, {7.0, "7"},
        {-2.5, "-2.5"},       {1e-7, "1e-07"},
        {1e20, "1e+20"},      {0.30000000000000004, "0.30000000000000004"},
        {5e-324, "NULL"}, /* below DynamoDB's 1e-130 */
        {1e-130, "1e-130"},   {9.9e125, "9.9e+125"},
        {1e126, "NULL"},      {-1.7976931348623157e308, "NULL"},
        {0.0, "0"},           {-0.0, "0"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t nulled;
        const char *got = double_text(cases[i].v, &nulled);

        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%.17g: got %s, want %s", cases[i].v, got, cases[i].want);
        assert_int_equal(nulled, strcmp(cases[i].want, "NULL") == 0 ? 1 : 0);
        /* What is written reads back as the same double. */
        if (strcmp(got, "NULL") != 0)
            assert_true(strtod(got, NULL) == cases[i].v);
    }
    /* NaN and infinities are not DynamoDB numbers: NULL, counted. */
    {
        int64_t nulled;
        assert_string_equal(double_text(NAN, &nulled), "NULL");
        assert_int_equal(nulled, 1);
        assert_string_equal(double_text(INFINITY, &nulled), "NULL");
        assert_string_equal(double_text(-INFINITY, &nulled), "NULL");
    }
}

/* The N (or S) text of one TIMESTAMP in format f. */
static const char *ts_text(int64_t us, sl_ddb_ts_format f)
{
    const char *names[] = {"k", "t"};
    sl_type types[] = {SL_TYPE_BIGINT, SL_TYPE_TIMESTAMP};
    const sl_schema *s = sl_schema_new(cx, 2, names, types);
    sl_batch *b = sl_batch_new(cx, s, 1);
    sl_ddb_encoder *enc = encoder(s, "k", NULL, f);
    sl_ddb_stats st = {0};
    int next = 0, items;
    const char *got, *want_head = HEAD "{\"PutRequest\":{\"Item\":{\"k\":{\"N\":\"1\"},\"t\":";
    size_t hl = strlen(want_head), tl = strlen("}}}" TAIL);

    set_i64(b, 0, 0, 1);
    set_i64(b, 1, 0, us);
    b->nrows = 1;
    got = request(enc, b, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st);
    sl_ddb_encoder_free(enc);
    assert_int_equal(items, 1);
    assert_true(strncmp(got, want_head, hl) == 0);
    return sl_pstrndup(cx, got + hl, strlen(got) - hl - tl);
}

static void test_timestamps(void **state)
{
    const int64_t t = INT64_C(1767225660000000); /* 2026-01-01 00:01:00 UTC */

    (void)state;
    assert_string_equal(ts_text(t, SL_DDB_TS_ISO8601), "{\"S\":\"2026-01-01T00:01:00Z\"}");
    assert_string_equal(ts_text(t + 500, SL_DDB_TS_ISO8601), "{\"S\":\"2026-01-01T00:01:00.0005Z\"}");
    assert_string_equal(ts_text(t, SL_DDB_TS_EPOCH_SECONDS), "{\"N\":\"1767225660\"}");
    assert_string_equal(ts_text(t + 500000, SL_DDB_TS_EPOCH_SECONDS), "{\"N\":\"1767225660.5\"}");
    assert_string_equal(ts_text(t + 1, SL_DDB_TS_EPOCH_SECONDS), "{\"N\":\"1767225660.000001\"}");
    assert_string_equal(ts_text(t, SL_DDB_TS_EPOCH_MILLIS), "{\"N\":\"1767225660000\"}");
    assert_string_equal(ts_text(t + 1, SL_DDB_TS_EPOCH_MILLIS), "{\"N\":\"1767225660000.001\"}");
    assert_string_equal(ts_text(t + 120, SL_DDB_TS_EPOCH_MILLIS), "{\"N\":\"1767225660000.12\"}");
    assert_string_equal(ts_text(t + 7, SL_DDB_TS_EPOCH_MICROS), "{\"N\":\"1767225660000007\"}");
    assert_string_equal(ts_text(0, SL_DDB_TS_EPOCH_SECONDS), "{\"N\":\"0\"}");
    assert_string_equal(ts_text(-1500000, SL_DDB_TS_EPOCH_SECONDS), "{\"N\":\"-1.5\"}");
    assert_string_equal(ts_text(-1, SL_DDB_TS_EPOCH_MILLIS), "{\"N\":\"-0.001\"}");
    assert_string_equal(ts_text(INT64_MIN, SL_DDB_TS_EPOCH_MICROS), "{\"N\":\"-9223372036854775808\"}");
    assert_string_equal(ts_text(INT64_MIN, SL_DDB_TS_EPOCH_SECONDS), "{\"N\":\"-9223372036854.775808\"}");
}

/* ---- strings ---- */

static void test_escaping(void **state)
{
    const char *names[] = {"id", "a \"quoted\"\\name"};
    sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_TEXT};
    const sl_schema *s = sl_schema_new(cx, 2, names, types);
    sl_batch *b = sl_batch_new(cx, s, 1);
    sl_ddb_encoder *enc;
    sl_ddb_stats st = {0};
    int next = 0, items;
    const char *got;

    (void)state;
    assert_int_equal(sl_ddb_encoder_new(cx, s, "my\"table", "id", NULL, SL_DDB_TS_ISO8601, &enc, &err),
                     SL_OK);
    set_text(b, 0, 0, "k\xc3\xa9y \xf0\x9f\x98\x80");       /* é and an emoji pass through as UTF-8 */
    set_text(b, 1, 0, "say \"hi\"\\ \n\t\r\x01\x1f \xff!"); /* controls escaped, invalid UTF-8 -> U+FFFD */
    b->nrows = 1;
    got = request(enc, b, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st);
    assert_int_equal(items, 1);
    assert_string_equal(got,
                        "{\"RequestItems\":{\"my\\\"table\":[{\"PutRequest\":{\"Item\":{"
                        "\"id\":{\"S\":\"k\xc3\xa9y \xf0\x9f\x98\x80\"},"
                        "\"a \\\"quoted\\\"\\\\name\":{\"S\":\"say \\\"hi\\\"\\\\ \\n\\t\\r\\u0001\\u001f "
                        "\xef\xbf\xbd!\"}}}}]}}");
    sl_ddb_encoder_free(enc);
}

/* ---- keys ---- */

static void test_bad_keys(void **state)
{
    const char *names[] = {"station", "t", "v"};
    sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_DOUBLE, SL_TYPE_BIGINT};
    const sl_schema *s = sl_schema_new(cx, 3, names, types);
    sl_batch *b = sl_batch_new(cx, s, 8);
    sl_ddb_encoder *enc = encoder(s, "station", "t", SL_DDB_TS_ISO8601);
    sl_ddb_stats st = {0};
    int next = 0, items;
    char *long_pk = sl_palloc(cx, 2050), *long_sk = sl_palloc(cx, 1026);
    const char *got;

    (void)state;
    memset(long_pk, 'p', 2049);
    long_pk[2049] = '\0';
    memset(long_sk, 's', 1025);
    long_sk[1025] = '\0';
    /* Rows 0-5 cannot be stored: a NULL key, an empty key, a NULL sort key,
     * a NaN sort key, a partition key over 2048 bytes, a sort key that is
     * no DynamoDB number (1e200).  Rows 6 (a key of exactly 2048 bytes) and
     * 7 can. */
    set_null(b, 0, 0), set_f64(b, 1, 0, 1), set_i64(b, 2, 0, 0);
    set_text(b, 0, 1, ""), set_f64(b, 1, 1, 1), set_i64(b, 2, 1, 1);
    set_text(b, 0, 2, "a"), set_null(b, 1, 2), set_i64(b, 2, 2, 2);
    set_text(b, 0, 3, "a"), set_f64(b, 1, 3, NAN), set_i64(b, 2, 3, 3);
    set_text(b, 0, 4, long_pk), set_f64(b, 1, 4, 1), set_i64(b, 2, 4, 4);
    set_text(b, 0, 5, "a"), set_f64(b, 1, 5, 1e200), set_i64(b, 2, 5, 5);
    long_pk[2048] = '\0';
    set_text(b, 0, 6, long_pk), set_f64(b, 1, 6, 2), set_i64(b, 2, 6, 6);
    set_text(b, 0, 7, "a"), set_f64(b, 1, 7, 1.5), set_i64(b, 2, 7, 7);
    b->nrows = 8;
    got = request(enc, b, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st);
    assert_int_equal(next, 8);
    assert_int_equal(items, 2);
    assert_int_equal(st.bad_keys, 6);
    assert_int_equal(st.values_nulled, 0);
    assert_non_null(strstr(got, "ppp\"},\"t\":{\"N\":\"2\"},\"v\":{\"N\":\"6\"}}}},"));
    assert_non_null(strstr(got, ",{\"PutRequest\":{\"Item\":{\"station\":{\"S\":\"a\"},\"t\":{\"N\":\"1.5\"},"
                                "\"v\":{\"N\":\"7\"}}}}" TAIL));
    assert_int_equal(strlen(got), strlen(HEAD TAIL) + 2048 +
                                      2 * strlen("{\"PutRequest\":{\"Item\":{\"station\":{\"S\":\"\"},"
                                                 "\"t\":{\"N\":\"2\"},\"v\":{\"N\":\"6\"}}}}") +
                                      1 + 1 + 2);

    /* A sort key of text is limited to 1024 bytes. */
    {
        const char *n2[] = {"pk", "sk"};
        sl_type t2[] = {SL_TYPE_BIGINT, SL_TYPE_TEXT};
        const sl_schema *s2 = sl_schema_new(cx, 2, n2, t2);
        sl_batch *b2 = sl_batch_new(cx, s2, 2);
        sl_ddb_encoder *e2 = encoder(s2, "pk", "sk", SL_DDB_TS_ISO8601);
        sl_ddb_stats st2 = {0};

        set_i64(b2, 0, 0, 1), set_text(b2, 1, 0, long_sk);
        long_sk[1024] = '\0';
        set_i64(b2, 0, 1, 2), set_text(b2, 1, 1, long_sk);
        b2->nrows = 2;
        next = 0;
        request(e2, b2, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st2);
        assert_int_equal(items, 1);
        assert_int_equal(st2.bad_keys, 1);
        sl_ddb_encoder_free(e2);
    }

    /* All rows bad: no request, all consumed. */
    b->nrows = 2;
    next = 0;
    got = request(enc, b, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st);
    assert_int_equal(items, 0);
    assert_int_equal(next, 2);
    assert_string_equal(got, "");
    sl_ddb_encoder_free(enc);
}

static void test_encoder_errors(void **state)
{
    const char *names[] = {"station", "flag", "n"};
    sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_BOOL, SL_TYPE_BIGINT};
    const sl_schema *s = sl_schema_new(cx, 3, names, types);
    sl_ddb_encoder *enc;

    (void)state;
    assert_int_equal(sl_ddb_encoder_new(cx, s, "tbl", "nope", NULL, SL_DDB_TS_ISO8601, &enc, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_UNDEFINED_COLUMN);
    assert_string_equal(err.message, "key column \"nope\" is not an output column of the query");
    assert_int_equal(sl_ddb_encoder_new(cx, s, "tbl", "station", "flag", SL_DDB_TS_ISO8601, &enc, &err),
                     SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_DATATYPE_MISMATCH);
    assert_string_equal(
        err.message,
        "sort_key column \"flag\" must be of type text, bigint, double, timestamp or interval, not boolean");
    assert_int_equal(sl_ddb_encoder_new(cx, s, "tbl", "station", "station", SL_DDB_TS_ISO8601, &enc, &err),
                     SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_INVALID_PARAMETER_VALUE);
    assert_int_equal(sl_ddb_encoder_new(cx, s, "tbl", "n", "station", SL_DDB_TS_ISO8601, &enc, &err), SL_OK);
    sl_ddb_encoder_free(enc);

    {
        sl_ddb_ts_format f;
        assert_true(sl_ddb_ts_format_parse("epoch_millis", &f));
        assert_int_equal(f, SL_DDB_TS_EPOCH_MILLIS);
        assert_false(sl_ddb_ts_format_parse("epoch", &f));
        assert_false(sl_ddb_ts_format_parse(NULL, &f));
    }
}

/* ---- requests ---- */

static void test_duplicates(void **state)
{
    const char *names[] = {"k", "v"};
    sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_BIGINT};
    const sl_schema *s = sl_schema_new(cx, 2, names, types);
    sl_batch *b = sl_batch_new(cx, s, 8);
    sl_ddb_encoder *enc = encoder(s, "k", NULL, SL_DDB_TS_ISO8601);
    sl_ddb_stats st = {0};
    int next = 0, items;
    const char *got;

    (void)state;
    set_text(b, 0, 0, "a"), set_i64(b, 1, 0, 1);
    set_text(b, 0, 1, "b"), set_i64(b, 1, 1, 2);
    set_text(b, 0, 2, "a"), set_i64(b, 1, 2, 3);
    set_text(b, 0, 3, "a"), set_i64(b, 1, 3, 4);
    set_text(b, 0, 4, "c"), set_i64(b, 1, 4, 5);
    b->nrows = 5;
    got = request(enc, b, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st);
    assert_int_equal(items, 3);
    assert_int_equal(st.duplicates, 2);
    /* "a" keeps its place with the last row's values. */
    assert_string_equal(got,
                        HEAD "{\"PutRequest\":{\"Item\":{\"k\":{\"S\":\"a\"},\"v\":{\"N\":\"4\"}}}},"
                             "{\"PutRequest\":{\"Item\":{\"k\":{\"S\":\"b\"},\"v\":{\"N\":\"2\"}}}},"
                             "{\"PutRequest\":{\"Item\":{\"k\":{\"S\":\"c\"},\"v\":{\"N\":\"5\"}}}}" TAIL);

    /* With a sort key, (a, 1) and (a, 2) are different items; keys of
     * different types are different ("1" the text vs 1 the number cannot
     * meet in one column, but the encoding keeps the type anyway). */
    {
        const char *n2[] = {"p", "s"};
        sl_type t2[] = {SL_TYPE_TEXT, SL_TYPE_BIGINT};
        const sl_schema *s2 = sl_schema_new(cx, 2, n2, t2);
        sl_batch *b2 = sl_batch_new(cx, s2, 4);
        sl_ddb_encoder *e2 = encoder(s2, "p", "s", SL_DDB_TS_ISO8601);
        sl_ddb_stats st2 = {0};

        set_text(b2, 0, 0, "a"), set_i64(b2, 1, 0, 1);
        set_text(b2, 0, 1, "a"), set_i64(b2, 1, 1, 2);
        set_text(b2, 0, 2, "a"), set_i64(b2, 1, 2, 1);
        b2->nrows = 3;
        next = 0;
        request(e2, b2, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st2);
        assert_int_equal(items, 2);
        assert_int_equal(st2.duplicates, 1);
        sl_ddb_encoder_free(e2);
    }
    sl_ddb_encoder_free(enc);
}

static void test_split(void **state)
{
    const char *names[] = {"k", "v"};
    sl_type types[] = {SL_TYPE_BIGINT, SL_TYPE_TEXT};
    const sl_schema *s = sl_schema_new(cx, 2, names, types);
    sl_batch *b = sl_batch_new(cx, s, 64);
    sl_ddb_encoder *enc = encoder(s, "k", NULL, SL_DDB_TS_ISO8601);
    sl_ddb_stats st = {0};
    int next = 0, items, total = 0, requests = 0;
    const char *got;
    size_t item_len;

    (void)state;
    for (int i = 0; i < 60; i++) {
        set_i64(b, 0, i, 100 + i); /* every item the same length */
        set_text(b, 1, i, "xxxxxxxxxx");
    }
    b->nrows = 60;
    /* By count: 25, 25, 10. */
    got = request(enc, b, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st);
    assert_int_equal(items, 25);
    assert_int_equal(next, 25);
    assert_non_null(strstr(got, "{\"k\":{\"N\":\"124\"}"));
    assert_null(strstr(got, "{\"k\":{\"N\":\"125\"}"));
    request(enc, b, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st);
    assert_int_equal(items, 25);
    got = request(enc, b, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st);
    assert_int_equal(items, 10);
    assert_int_equal(next, 60);
    assert_non_null(strstr(got, "{\"k\":{\"N\":\"159\"}"));
    assert_int_equal(st.items, 60);
    /* A 26th item with the key of an item already in a full request
     * replaces it rather than starting a new request. */
    set_i64(b, 0, 25, 100);
    set_text(b, 1, 25, "yyyyyyyyyy");
    b->nrows = 26;
    next = 0;
    got = request(enc, b, &next, 25, SL_DDB_MAX_REQUEST_BYTES, &items, &st);
    assert_int_equal(items, 25);
    assert_int_equal(next, 26);
    assert_non_null(strstr(got, "{\"k\":{\"N\":\"100\"},\"v\":{\"S\":\"yyyyyyyyyy\"}"));
    assert_null(strstr(got, "xxxxxxxxxx\"}}}},{\"PutRequest\":{\"Item\":{\"k\":{\"N\":\"100\"}"));

    /* By bytes: an item is 64 bytes, the frame 27: a limit of 27 + 3 * 64
     * + 2 commas holds exactly 3 items. */
    item_len = strlen("{\"PutRequest\":{\"Item\":{\"k\":{\"N\":\"100\"},\"v\":{\"S\":\"xxxxxxxxxx\"}}}}");
    assert_int_equal(item_len, 64);
    b->nrows = 60;
    set_i64(b, 0, 25, 125);
    set_text(b, 1, 25, "xxxxxxxxxx");
    next = 0;
    while (next < b->nrows) {
        size_t limit = strlen(HEAD TAIL) + 3 * item_len + 2;

        got = request(enc, b, &next, 25, limit, &items, &st);
        assert_true(strlen(got) <= limit);
        assert_true(items == 3 || (items == 0 && next == 60));
        total += items;
        requests++;
    }
    assert_int_equal(total, 60);
    assert_int_equal(requests, 20);
    /* An item larger than the limit alone still goes (alone). */
    next = 0;
    got = request(enc, b, &next, 25, 10, &items, &st);
    assert_int_equal(items, 1);
    assert_int_equal(next, 1);
    /* Fewer items per request on request. */
    next = 0;
    request(enc, b, &next, 7, SL_DDB_MAX_REQUEST_BYTES, &items, &st);
    assert_int_equal(items, 7);
    sl_ddb_encoder_free(enc);
}

/* ---- replies ---- */

static bool parse(const char *s, sl_ddb_reply *r)
{
    size_t len = strlen(s);
    char *copy = malloc(len ? len : 1);
    bool ok;

    memcpy(copy, s, len);
    ok = sl_ddb_reply_parse(copy, len, r);
    /* The reply points into the body: move what the test reads out of it. */
    if (ok && r->unprocessed != NULL)
        r->unprocessed = sl_pstrndup(cx, r->unprocessed, r->unprocessed_len);
    free(copy);
    return ok;
}

static void test_replies(void **state)
{
    sl_ddb_reply r;
    sl_buf out;
    const char *unprocessed =
        "{\"UnprocessedItems\":{\"tbl\":[{\"PutRequest\":{\"Item\":{\"k\":{\"S\":\"a]}\\\"\"}}}},"
        "{\"PutRequest\":{\"Item\":{\"k\":{\"N\":\"1\"},\"l\":{\"L\":[{\"N\":\"1\"},{\"NULL\":true}]}}}}],"
        " \"other\" : [ {\"PutRequest\":{\"Item\":{\"k\":{\"BOOL\":false}}}} ] },"
        "\"ConsumedCapacity\":[{\"TableName\":\"tbl\",\"CapacityUnits\":2.5e0}]}";

    (void)state;
    assert_true(parse("{\"UnprocessedItems\":{}}", &r));
    assert_int_equal(r.unprocessed_count, 0);
    assert_non_null(r.unprocessed);
    assert_string_equal(r.type, "");

    assert_true(parse(" {}\n", &r));
    assert_null(r.unprocessed);
    assert_int_equal(r.unprocessed_count, 0);

    assert_true(parse(unprocessed, &r));
    assert_int_equal(r.unprocessed_count, 3);
    sl_buf_init(&out);
    sl_ddb_retry_body(&r, &out);
    {
        const char *from = strchr(unprocessed, ':') + 1, *to = strstr(unprocessed, ",\"ConsumedCapacity\"");
        char *want = sl_psprintf(cx, "{\"RequestItems\":%.*s}", (int)(to - from), from);

        assert_int_equal(out.len, strlen(want));
        assert_memory_equal(out.data, want, out.len);
    }
    sl_buf_free(&out);

    assert_true(parse("{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\","
                      "\"message\":\"Requested resource not found\"}",
                      &r));
    assert_string_equal(r.type, "ResourceNotFoundException");
    assert_string_equal(r.message, "Requested resource not found");
    assert_false(sl_ddb_error_retryable(r.type));
    assert_string_equal(sl_ddb_error_sqlstate(r.type), SL_ERRCODE_UNDEFINED_TABLE);

    /* "Message" (as some AWS errors spell it), escapes, no '#' in the type. */
    assert_true(parse(
        "{\"Message\":\"bad \\\"x\\\" \\u00e9\\ud83d\\ude00\\n\\/\",\"__type\":\"ThrottlingException\"}",
        &r));
    assert_string_equal(r.type, "ThrottlingException");
    assert_string_equal(r.message, "bad \"x\" \xc3\xa9\xf0\x9f\x98\x80\n/");
    assert_true(sl_ddb_error_retryable(r.type));

    /* A very long message is cut, the type is still read. */
    {
        char *big = sl_palloc(cx, 4000);
        strcpy(big, "{\"message\":\"");
        memset(big + 12, 'm', 3000);
        strcpy(big + 3012, "\",\"__type\":\"x#ValidationException\"}");
        assert_true(parse(big, &r));
        assert_string_equal(r.type, "ValidationException");
        assert_int_equal(strlen(r.message), sizeof(r.message) - 1);
    }

    /* Not JSON, or not one object. */
    assert_false(parse("", &r));
    assert_false(parse("<html><body>502 Bad Gateway</body></html>", &r));
    assert_false(parse("{\"UnprocessedItems\":{}} x", &r));
    assert_false(parse("[]", &r));
    assert_false(parse("{\"a\":\"\x01\"}", &r));
    assert_false(parse("{\"a\":\"\\q\"}", &r));
    assert_false(parse("{\"a\" 1}", &r));
    assert_false(parse("{\"a\":1,}", &r));
    assert_null(r.unprocessed);
    /* Every proper prefix of a valid reply is refused (a cut reply). */
    for (size_t n = 0; n < strlen(unprocessed); n++) {
        char *pre = sl_pstrndup(cx, unprocessed, n);
        if (parse(pre, &r))
            fail_msg("prefix of %zu bytes accepted", n);
    }
    /* Deep nesting is refused, not recursed into. */
    {
        char *deep = sl_palloc(cx, 1000);
        size_t n = 0;
        n += (size_t)sprintf(deep, "{\"a\":");
        for (int i = 0; i < 200; i++)
            deep[n++] = '[';
        for (int i = 0; i < 200; i++)
            deep[n++] = ']';
        strcpy(deep + n, "}");
        assert_false(parse(deep, &r));
    }
}

static void test_error_types(void **state)
{
    (void)state;
    assert_true(sl_ddb_error_retryable("ProvisionedThroughputExceededException"));
    assert_true(sl_ddb_error_retryable("RequestLimitExceeded"));
    assert_true(sl_ddb_error_retryable("InternalServerError"));
    assert_false(sl_ddb_error_retryable("ValidationException"));
    assert_false(sl_ddb_error_retryable("AccessDeniedException"));
    assert_false(sl_ddb_error_retryable(""));
    assert_string_equal(sl_ddb_error_sqlstate("UnrecognizedClientException"),
                        SL_ERRCODE_INVALID_AUTHORIZATION);
    assert_string_equal(sl_ddb_error_sqlstate("AccessDeniedException"), SL_ERRCODE_INVALID_AUTHORIZATION);
    assert_string_equal(sl_ddb_error_sqlstate("MissingAuthenticationTokenException"),
                        SL_ERRCODE_INVALID_AUTHORIZATION);
    assert_string_equal(sl_ddb_error_sqlstate("ValidationException"), SL_ERRCODE_DATA_EXCEPTION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_doubles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timestamps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encoder_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_types, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
