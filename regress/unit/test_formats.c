/*
 * test_formats.c - unit tests of the JSON and CSV decoders and encoders
 * (formats/json.c, formats/csv.c).
 *
 * Every input is copied into a malloc'd buffer of exactly its length
 * before decoding, so that under ASan or valgrind a read past the line is
 * caught; the truncation and mutation loops run the decoder over every
 * prefix and many corruptions of valid lines.
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

#include "formats/format.h"

static sl_mcxt *cx;
static sl_error err;

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

static const sl_schema *schema_of(int n, const char *const *names, const sl_type *types)
{
    return sl_schema_new(cx, n, names, types);
}

/* Decodes s (copied into an exact-size heap buffer) as one JSON line. */
static sl_status json_line(sl_json_decoder *dec, sl_batch *b, const char *s, size_t len)
{
    char *copy = malloc(len ? len : 1);
    sl_status st;

    memcpy(copy, s, len);
    st = sl_json_decode_line(dec, copy, len, b, &err);
    free(copy);
    return st;
}

static sl_status json(sl_json_decoder *dec, sl_batch *b, const char *s)
{
    return json_line(dec, b, s, strlen(s));
}

static sl_status csv(sl_csv_decoder *dec, sl_batch *b, const char *s)
{
    size_t len = strlen(s);
    char *copy = malloc(len ? len : 1);
    sl_status st;

    memcpy(copy, s, len);
    st = sl_csv_decode_line(dec, copy, len, b, &err);
    free(copy);
    return st;
}

static void assert_text(const sl_batch *b, int col, int row, const char *want)
{
    assert_false(b->cols[col].nulls[row]);
    assert_int_equal(b->cols[col].v.text[row].len, strlen(want));
    assert_memory_equal(b->cols[col].v.text[row].ptr, want, strlen(want));
}

#define TS_2026 INT64_C(1767225600000000) /* 2026-01-01 00:00:00 UTC */

/* ---- JSON decoding ---- */

static const char *const all_names[] = {"ts", "station", "ph", "n", "ok", "d"};
static const sl_type all_types[] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT, SL_TYPE_DOUBLE,
                                    SL_TYPE_BIGINT,    SL_TYPE_BOOL, SL_TYPE_INTERVAL};

static void test_json_types(void **state)
{
    const sl_schema *s = schema_of(6, all_names, all_types);
    sl_json_decoder *dec = sl_json_decoder_new(cx, s, NULL);
    sl_batch *b = sl_batch_new(cx, s, 16);

    (void)state;
    assert_int_equal(json(dec, b,
                          "{\"ts\":\"2026-01-01T00:00:01.5Z\",\"station\":\"s1\",\"ph\":7.25,\"n\":42,"
                          "\"ok\":true,\"d\":\"1 minute\"}"),
                     SL_OK);
    assert_int_equal(b->nrows, 1);
    assert_int_equal(b->cols[0].v.i64[0], TS_2026 + 1500000);
    assert_text(b, 1, 0, "s1");
    assert_true(b->cols[2].v.f64[0] == 7.25);
    assert_int_equal(b->cols[3].v.i64[0], 42);
    assert_true(b->cols[4].v.b[0]);
    assert_int_equal(b->cols[5].v.i64[0], 60000000);
    for (int c = 0; c < 6; c++)
        assert_false(b->cols[c].nulls[0]);

    /* Whitespace everywhere JSON allows it, keys in another order, epoch seconds. */
    assert_int_equal(
        json(dec, b, " \t{ \"ok\" : false ,\r\n\"n\":-7, \"ts\" : 1767225600 , \"ph\":-1.5e-3 } \r"), SL_OK);
    assert_int_equal(b->nrows, 2);
    assert_false(b->cols[4].v.b[1]);
    assert_int_equal(b->cols[3].v.i64[1], -7);
    assert_int_equal(b->cols[0].v.i64[1], TS_2026);
    assert_true(b->cols[2].v.f64[1] == -1.5e-3);
    assert_true(b->cols[1].nulls[1]); /* missing */
    assert_true(b->cols[5].nulls[1]);

    /* null, extra fields of every shape, the empty object. */
    assert_int_equal(json(dec, b,
                          "{\"x\":{\"y\":[1,{\"z\":null},\"s\",true,false,null,[]]},\"station\":null,"
                          "\"ph\":1E2,\"more\":[],\"o\":{}}"),
                     SL_OK);
    assert_true(b->cols[1].nulls[2]);
    assert_true(b->cols[2].v.f64[2] == 100.0);
    assert_true(b->cols[0].nulls[2]);
    assert_int_equal(json(dec, b, "{}"), SL_OK);
    for (int c = 0; c < 6; c++)
        assert_true(b->cols[c].nulls[3]);
}

static void test_json_timestamp_units(void **state)
{
    static const char *const names[] = {"ts"};
    static const sl_type types[] = {SL_TYPE_TIMESTAMP};
    const sl_schema *s = schema_of(1, names, types);
    sl_decode_options ms = {.ts_unit_us = 1000};
    sl_decode_options us = {.ts_unit_us = 1};
    sl_json_decoder *dsec = sl_json_decoder_new(cx, s, NULL);
    sl_json_decoder *dms = sl_json_decoder_new(cx, s, &ms);
    sl_json_decoder *dus = sl_json_decoder_new(cx, s, &us);
    sl_batch *b = sl_batch_new(cx, s, 16);
    int64_t unit;

    (void)state;
    assert_true(sl_timestamp_unit_parse("ms", &unit) && unit == 1000);
    assert_false(sl_timestamp_unit_parse("h", &unit));
    assert_int_equal(json(dsec, b, "{\"ts\":1767225600.25}"), SL_OK);
    assert_int_equal(b->cols[0].v.i64[0], TS_2026 + 250000);
    assert_int_equal(json(dms, b, "{\"ts\":1767225600123}"), SL_OK);
    assert_int_equal(b->cols[0].v.i64[1], TS_2026 + 123000);
    assert_int_equal(json(dus, b, "{\"ts\":1767225600123456}"), SL_OK);
    assert_int_equal(b->cols[0].v.i64[2], TS_2026 + 123456);
    assert_int_equal(json(dsec, b, "{\"ts\":\"2026-01-01 01:00:00+01:00\"}"), SL_OK);
    assert_int_equal(b->cols[0].v.i64[3], TS_2026);
    /* Out of range epoch, bad text. */
    assert_int_equal(json(dsec, b, "{\"ts\":99999999999999999999}"), SL_ERROR);
    assert_int_equal(json(dsec, b, "{\"ts\":\"yesterday-ish\"}"), SL_ERROR);
    assert_non_null(strstr(err.message, "field \"ts\""));
    assert_int_equal(b->nrows, 4);
}

static void test_json_nested(void **state)
{
    static const char *const names[] = {"id", "a.b", "a.c.d", "e"};
    static const sl_type types[] = {SL_TYPE_BIGINT, SL_TYPE_DOUBLE, SL_TYPE_TEXT, SL_TYPE_TEXT};
    const sl_schema *s = schema_of(4, names, types);
    sl_json_decoder *dec = sl_json_decoder_new(cx, s, NULL);
    sl_batch *b = sl_batch_new(cx, s, 16);

    (void)state;
    assert_int_equal(json(dec, b, "{\"a\":{\"x\":1,\"c\":{\"d\":\"deep\",\"q\":[1]},\"b\":2.5},\"id\":1}"),
                     SL_OK);
    assert_int_equal(b->cols[0].v.i64[0], 1);
    assert_true(b->cols[1].v.f64[0] == 2.5);
    assert_text(b, 2, 0, "deep");
    assert_true(b->cols[3].nulls[0]);
    /* A path through a non-object or null: missing. */
    assert_int_equal(json(dec, b, "{\"a\":5,\"e\":\"x\"}"), SL_OK);
    assert_true(b->cols[1].nulls[1] && b->cols[2].nulls[1]);
    assert_int_equal(json(dec, b, "{\"a\":null}"), SL_OK);
    assert_true(b->cols[1].nulls[2] && b->cols[2].nulls[2]);
    assert_int_equal(json(dec, b, "{\"a\":{\"c\":[]}}"), SL_OK);
    assert_true(b->cols[2].nulls[3]);
    /* A key spelled with escapes still matches ("a" = "\u0061"). */
    assert_int_equal(json(dec, b, "{\"\\u0061\":{\"b\":1}}"), SL_OK);
    assert_true(b->cols[1].v.f64[4] == 1.0);
    /* A literal top-level key "a.b" is just another key. */
    assert_int_equal(json(dec, b, "{\"a.b\":3}"), SL_OK);
    assert_true(b->cols[1].nulls[5]);
}

static void test_json_strings(void **state)
{
    static const char *const names[] = {"t"};
    static const sl_type types[] = {SL_TYPE_TEXT};
    const sl_schema *s = schema_of(1, names, types);
    sl_json_decoder *dec = sl_json_decoder_new(cx, s, NULL);
    sl_batch *b = sl_batch_new(cx, s, 32);

    (void)state;
    assert_int_equal(json(dec, b, "{\"t\":\"a\\nb\\\"c\\\\d\\/e\\tf\\r\\b\\f\"}"), SL_OK);
    assert_text(b, 0, 0, "a\nb\"c\\d/e\tf\r\b\f");
    assert_int_equal(json(dec, b, "{\"t\":\"\\u00e9\\u20AC\\ud83d\\ude00\"}"), SL_OK);
    assert_text(b, 0, 1, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    assert_int_equal(json(dec, b, "{\"t\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}"), SL_OK);
    assert_text(b, 0, 2, "caf\xc3\xa9 \xf0\x9f\x98\x80");
    assert_int_equal(json(dec, b, "{\"t\":\"\"}"), SL_OK);
    assert_text(b, 0, 3, "");

    /* Invalid strings. */
    static const char *const bad[] = {
        "{\"t\":\"\\ud800\"}",          /* lone high surrogate */
        "{\"t\":\"\\ud800\\u0041\"}",   /* high surrogate + not a low one */
        "{\"t\":\"\\udc00\"}",          /* lone low surrogate */
        "{\"t\":\"\\x41\"}",            /* unknown escape */
        "{\"t\":\"\\u12\"}",            /* short \u */
        "{\"t\":\"\\u12g4\"}",          /* not hex */
        "{\"t\":\"a\tb\"}",             /* raw control character */
        "{\"t\":\"\xff\"}",             /* not UTF-8 */
        "{\"t\":\"\xc0\xaf\"}",         /* overlong */
        "{\"t\":\"\xed\xa0\x80\"}",     /* encoded surrogate */
        "{\"t\":\"\xf4\x90\x80\x80\"}", /* beyond U+10FFFF */
        "{\"t\":\"\xe2\x82\"}",         /* truncated sequence */
        "{\"t\":\"\\u0000\"}",          /* NUL cannot be text */
        "{\"t\":\"abc}",                /* unterminated */
        "{\"t\":\"abc\\",               /* ends in an escape */
        "{\"t\":'x'}",                  /* single quotes */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sl_error_clear(&err);
        assert_int_equal(json(dec, b, bad[i]), SL_ERROR);
        assert_true(sl_error_is_set(&err));
    }
    assert_int_equal(b->nrows, 4);
}

static void test_json_numbers(void **state)
{
    static const char *const names[] = {"d", "i"};
    static const sl_type types[] = {SL_TYPE_DOUBLE, SL_TYPE_BIGINT};
    const sl_schema *s = schema_of(2, names, types);
    sl_json_decoder *dec = sl_json_decoder_new(cx, s, NULL);
    sl_batch *b = sl_batch_new(cx, s, 64);
    static const char *const good[] = {"0",
                                       "-0",
                                       "1.5e3",
                                       "-2E-2",
                                       "0.1",
                                       "1e-320",
                                       "1e308",
                                       "123456789012345678901234567890",
                                       "0.000001234",
                                       "3.141592653589793238462643383279",
                                       "2.2250738585072014e-308",
                                       "9007199254740993",
                                       "1E+2",
                                       "5e0"};
    char line[256];

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int row = b->nrows;
        snprintf(line, sizeof(line), "{\"d\":%s}", good[i]);
        assert_int_equal(json(dec, b, line), SL_OK);
        assert_true(b->cols[0].v.f64[row] == strtod(good[i], NULL));
    }
    sl_batch_reset(b);

    /* Random doubles printed in several precisions parse exactly as strtod does. */
    {
        uint64_t x = 12345;
        for (int i = 0; i < 20000; i++) {
            double v, want;
            uint64_t r;
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            r = x >> 11;
            v = (double)r / (double)(1ULL << 53) * pow(10.0, (double)(int)(x % 40) - 20);
            snprintf(line, sizeof(line), "{\"d\":%.*g}", 1 + (int)(x >> 59) % 17, v);
            want = strtod(line + 5, NULL);
            sl_batch_reset(b);
            assert_int_equal(json(dec, b, line), SL_OK);
            if (b->cols[0].v.f64[0] != want)
                fail_msg("%s gave %.17g, strtod %.17g", line, b->cols[0].v.f64[0], want);
        }
    }
    sl_batch_reset(b);

    assert_int_equal(json(dec, b, "{\"i\":9223372036854775807}"), SL_OK);
    assert_true(b->cols[1].v.i64[0] == INT64_MAX);
    assert_int_equal(json(dec, b, "{\"i\":-9223372036854775808}"), SL_OK);
    assert_true(b->cols[1].v.i64[1] == INT64_MIN);
    assert_int_equal(json(dec, b, "{\"i\":-0}"), SL_OK);
    assert_int_equal(b->cols[1].v.i64[2], 0);

    static const char *const bad[] = {
        "{\"i\":9223372036854775808}", /* bigint overflow */
        "{\"i\":-9223372036854775809}",
        "{\"i\":1.5}",   /* fraction */
        "{\"i\":1e3}",   /* exponent */
        "{\"d\":1e400}", /* double overflow */
        "{\"d\":-1e400}",
        "{\"d\":01}", /* leading zero */
        "{\"d\":1.}", /* no fraction digits */
        "{\"d\":.5}",
        "{\"d\":+1}",
        "{\"d\":-}",
        "{\"d\":1e}",
        "{\"d\":1e+}",
        "{\"d\":NaN}",
        "{\"d\":Infinity}",
        "{\"d\":0x10}",
        "{\"d\":1 2}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sl_error_clear(&err);
        if (json(dec, b, bad[i]) != SL_ERROR)
            fail_msg("accepted %s", bad[i]);
    }
    assert_int_equal(b->nrows, 3);
}

static void test_json_malformed(void **state)
{
    const sl_schema *s = schema_of(6, all_names, all_types);
    sl_json_decoder *dec = sl_json_decoder_new(cx, s, NULL);
    sl_batch *b = sl_batch_new(cx, s, 16);
    static const char *const bad[] = {
        "",
        "   ",
        "{",
        "{\"ph\"",
        "{\"ph\":",
        "{\"ph\":1",
        "{\"ph\":1,",
        "{\"ph\":1,}",
        "{\"ph\":1}x",
        "{\"ph\":1}{}",
        "{\"ph\":1},",
        "{ph:1}",
        "{\"ph\" 1}",
        "{\"ph\":1 \"n\":2}",
        "{,}",
        "[1]",
        "\"x\"",
        "42",
        "null",
        "{\"x\":tru}",
        "{\"x\":nul}",
        "{\"x\":[1,]}",
        "{\"x\":[1 2]}",
        "{\"x\":{\"a\"}}",
        "{\"x\":{1:2}}",
        "{\"x\":]}",
        "{\"x\":\"\\u00e9}",
        "\xef\xbb\xbf{}", /* a BOM is not JSON */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sl_error_clear(&err);
        if (json(dec, b, bad[i]) != SL_ERROR)
            fail_msg("accepted '%s'", bad[i]);
        assert_string_equal(err.sqlstate, "22P02");
    }
    assert_int_equal(b->nrows, 0);

    /* Deep nesting in a skipped field: refused beyond the limit, not a crash. */
    {
        char deep[2000];
        size_t n = 0;
        n += (size_t)sprintf(deep, "{\"x\":");
        for (int i = 0; i < 500; i++)
            deep[n++] = '[';
        for (int i = 0; i < 500; i++)
            deep[n++] = ']';
        deep[n++] = '}';
        assert_int_equal(json_line(dec, b, deep, n), SL_ERROR);
        assert_non_null(strstr(err.message, "nesting"));
        n = (size_t)sprintf(deep, "{\"x\":");
        for (int i = 0; i < 50; i++)
            deep[n++] = '[';
        for (int i = 0; i < 50; i++)
            deep[n++] = ']';
        deep[n++] = '}';
        assert_int_equal(json_line(dec, b, deep, n), SL_OK);
    }
}

static void test_json_wrong_types(void **state)
{
    const sl_schema *s = schema_of(6, all_names, all_types);
    sl_json_decoder *dec = sl_json_decoder_new(cx, s, NULL);
    sl_batch *b = sl_batch_new(cx, s, 16);
    static const char *const bad[] = {
        "{\"ph\":\"7.1\"}",   "{\"station\":12}", "{\"ph\":{}}",       "{\"ph\":[]}",
        "{\"n\":true}",       "{\"ok\":1}",       "{\"ok\":\"true\"}", "{\"d\":60}",
        "{\"station\":true}", "{\"ts\":true}",    "{\"ts\":[]}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sl_error_clear(&err);
        if (json(dec, b, bad[i]) != SL_ERROR)
            fail_msg("accepted %s", bad[i]);
    }
    assert_int_equal(json(dec, b, "{\"ph\":\"x\"}"), SL_ERROR);
    assert_string_equal(err.message, "field \"ph\" is a string, expected a value of type double");
    assert_int_equal(b->nrows, 0);

    /* A failed row leaves nothing behind: the next row has its own NULLs. */
    assert_int_equal(json(dec, b, "{\"station\":\"a\",\"ph\":\"bad\"}"), SL_ERROR);
    assert_int_equal(json(dec, b, "{\"ph\":1}"), SL_OK);
    assert_int_equal(b->nrows, 1);
    assert_true(b->cols[1].nulls[0]);
    assert_false(b->cols[2].nulls[0]);
}

static void test_json_duplicate_keys(void **state)
{
    const sl_schema *s = schema_of(6, all_names, all_types);
    sl_json_decoder *dec = sl_json_decoder_new(cx, s, NULL);
    sl_batch *b = sl_batch_new(cx, s, 16);

    (void)state;
    /* The last occurrence wins, as in JavaScript and Python. */
    assert_int_equal(json(dec, b, "{\"ph\":1,\"station\":\"a\",\"ph\":2,\"station\":\"b\"}"), SL_OK);
    assert_true(b->cols[2].v.f64[0] == 2.0);
    assert_text(b, 1, 0, "b");
    assert_int_equal(json(dec, b, "{\"ph\":1,\"ph\":null}"), SL_OK);
    assert_true(b->cols[2].nulls[1]);
}

/* Every prefix of valid lines and many byte corruptions: the decoder either
 * accepts or reports an error, never reads outside the line (ASan). */
static void test_json_truncation_and_mutation(void **state)
{
    const sl_schema *s = schema_of(6, all_names, all_types);
    sl_json_decoder *dec = sl_json_decoder_new(cx, s, NULL);
    sl_batch *b = sl_batch_new(cx, s, 4);
    static const char *const lines[] = {
        "{\"ts\":\"2026-01-01T00:00:01Z\",\"station\":\"st\\u00e9\\ud83d\\ude00\",\"ph\":7.25e0,\"n\":-42,"
        "\"ok\":false,\"d\":\"00:01:00\",\"x\":{\"y\":[1,2.5,null,true,\"z\"]}}",
        "{\"a\":{\"b\":[[],{}]},\"ph\":-0.0001,\"station\":\"\\\"q\\\"\"}",
    };
    static const char junk[] = "{}[]\":,\\0123456789-+.eEtrufalsn \x80\xc3\xff\t";
    uint64_t x = 99;

    (void)state;
    for (size_t l = 0; l < sizeof(lines) / sizeof(lines[0]); l++) {
        size_t len = strlen(lines[l]);
        char buf[512];

        sl_batch_reset(b);
        assert_int_equal(json_line(dec, b, lines[l], len), SL_OK);
        for (size_t n = 0; n < len; n++) {
            sl_batch_reset(b);
            assert_int_equal(json_line(dec, b, lines[l], n), SL_ERROR);
        }
        for (int i = 0; i < 20000; i++) {
            memcpy(buf, lines[l], len);
            for (int k = 0; k < 3; k++) {
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                buf[(x >> 33) % len] = junk[(x >> 20) % (sizeof(junk) - 1)];
            }
            sl_batch_reset(b);
            (void)json_line(dec, b, buf, len - (x >> 60) % 3);
        }
    }
}

/* ---- CSV decoding ---- */

static void test_csv_positional(void **state)
{
    const sl_schema *s = schema_of(6, all_names, all_types);
    sl_decode_options o = {.ts_unit_us = 1000, .header = false};
    sl_csv_decoder *dec = sl_csv_decoder_new(cx, s, &o);
    sl_batch *b = sl_batch_new(cx, s, 16);

    (void)state;
    assert_int_equal(csv(dec, b, "2026-01-01 00:00:00,s1,7.5,42,true,1 minute"), SL_OK);
    assert_int_equal(b->cols[0].v.i64[0], TS_2026);
    assert_text(b, 1, 0, "s1");
    assert_true(b->cols[2].v.f64[0] == 7.5);
    assert_int_equal(b->cols[3].v.i64[0], 42);
    assert_true(b->cols[4].v.b[0]);
    assert_int_equal(b->cols[5].v.i64[0], 60000000);
    /* Epoch in the unit, quoting, "" escapes, empty -> NULL, "" -> empty text, CRLF. */
    assert_int_equal(csv(dec, b, "1767225600500,\"a,\"\"b\"\"\",,,\"\",\r"), SL_OK);
    assert_int_equal(b->cols[0].v.i64[1], TS_2026 + 500000);
    assert_text(b, 1, 1, "a,\"b\"");
    assert_true(b->cols[2].nulls[1] && b->cols[3].nulls[1] && b->cols[4].nulls[1] && b->cols[5].nulls[1]);
    assert_int_equal(csv(dec, b, ",\"\",NaN,-1,f,"), SL_OK);
    assert_true(b->cols[0].nulls[2]);
    assert_text(b, 1, 2, "");
    assert_true(isnan(b->cols[2].v.f64[2]));
    assert_int_equal(b->nrows, 3);

    static const char *const bad[] = {
        "a,b",                  /* too few fields */
        ",,,,,,",               /* too many */
        ",s,abc,,,",            /* bad double */
        ",s,,1.5,,",            /* bad bigint */
        ",s,,,maybe,",          /* bad boolean */
        "not a time,s,,,,",     /* bad timestamp */
        ",\"unterminated,,,,,", /* quote never closed */
        ",\"a\"b,,,,",          /* text after a closing quote */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sl_error_clear(&err);
        if (csv(dec, b, bad[i]) != SL_ERROR)
            fail_msg("accepted %s", bad[i]);
    }
    assert_int_equal(b->nrows, 3);
}

static void test_csv_header(void **state)
{
    static const char *const names[] = {"station", "ph", "n"};
    static const sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_DOUBLE, SL_TYPE_BIGINT};
    const sl_schema *s = schema_of(3, names, types);
    sl_decode_options o = {.ts_unit_us = 1000000, .header = true};
    sl_csv_decoder *dec = sl_csv_decoder_new(cx, s, &o);
    sl_batch *b = sl_batch_new(cx, s, 16);

    (void)state;
    /* Columns by name, in another order, with an extra one and one missing. */
    assert_int_equal(csv(dec, b, "extra,PH,\"station\""), SL_OK);
    assert_int_equal(b->nrows, 0);
    assert_int_equal(csv(dec, b, "zzz,6.5,north"), SL_OK);
    assert_text(b, 0, 0, "north");
    assert_true(b->cols[1].v.f64[0] == 6.5);
    assert_true(b->cols[2].nulls[0]);
    assert_int_equal(csv(dec, b, "zzz,6.5"), SL_ERROR); /* field count differs from the header */
    /* A new file: a new header. */
    sl_csv_decoder_reset(dec);
    assert_int_equal(csv(dec, b, "n,station"), SL_OK);
    assert_int_equal(csv(dec, b, "7,south"), SL_OK);
    assert_int_equal(b->cols[2].v.i64[1], 7);
    assert_text(b, 0, 1, "south");
    assert_true(b->cols[1].nulls[1]);
}

/* ---- encoding ---- */

static sl_batch *sample_batch(const sl_schema *s)
{
    sl_batch *b = sl_batch_new(cx, s, 8);

    b->nrows = 3;
    b->cols[0].v.i64[0] = TS_2026 + 60000000;
    b->cols[1].v.text[0] = sl_batch_text(b, "st \"1\",\n\\\x01 \xc3\xa9", 13);
    b->cols[2].v.f64[0] = 7.1;
    b->cols[3].v.i64[0] = -5;
    b->cols[4].v.b[0] = true;
    b->cols[5].v.i64[0] = 90000000;
    b->cols[0].v.i64[1] = TS_2026 + 250000;
    b->cols[1].v.text[1] = sl_batch_text(b, "", 0);
    b->cols[2].v.f64[1] = 1e300;
    b->cols[3].v.i64[1] = INT64_MIN;
    b->cols[4].v.b[1] = false;
    b->cols[5].v.i64[1] = -1;
    for (int c = 0; c < 6; c++)
        b->cols[c].nulls[2] = 1;
    return b;
}

static void test_iso_timestamp(void **state)
{
    char buf[SL_VALUE_TEXT_MAX];

    (void)state;
    assert_int_equal(sl_format_iso_timestamp(TS_2026 + 60000000, buf), 20);
    assert_string_equal(buf, "2026-01-01T00:01:00Z");
    sl_format_iso_timestamp(TS_2026 + 250000, buf);
    assert_string_equal(buf, "2026-01-01T00:00:00.25Z");
    sl_format_iso_timestamp(0, buf);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
}

/* The encoders' fast double formatting prints exactly what sl_format_double does. */
static void test_format_double_fast(void **state)
{
    char a[SL_VALUE_TEXT_MAX], b[SL_VALUE_TEXT_MAX];
    uint64_t x = 3;
    static const double fixed[] = {
        0,   -0.0, 1e-4,    9.9e-5, 1e15,  999999999999999.9, 0.1,     0.3,    7.05,   -7.05,
        100, 1e14, 123.456, 5e-324, 1e300, 0.1 + 0.2,         1.0 / 3, 2.5e-3, 607.92, 8.6};

    (void)state;
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        sl_format_double(fixed[i], a);
        sl_format_double_fast(fixed[i], b);
        assert_string_equal(a, b);
    }
    for (int i = 0; i < 200000; i++) {
        double v;
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        if (i % 2) {
            /* short decimals of every magnitude */
            v = (double)(int64_t)(x >> 40) / pow(10.0, (double)(x % 12)) * pow(10.0, (double)((x >> 8) % 8));
            if (x & 16)
                v = -v;
        } else {
            memcpy(&v, &x, sizeof(v));
            if (!isfinite(v))
                continue;
        }
        sl_format_double(v, a);
        sl_format_double_fast(v, b);
        if (strcmp(a, b) != 0)
            fail_msg("%.17g: sl_format_double %s, fast %s", v, a, b);
    }
}

static void test_json_encode(void **state)
{
    const sl_schema *s = schema_of(6, all_names, all_types);
    sl_json_encoder *enc = sl_json_encoder_new(cx, s);
    sl_batch *b = sample_batch(s);
    sl_buf out;

    (void)state;
    sl_buf_init(&out);
    sl_json_encode_batch(enc, b, &out);
    sl_buf_append(&out, "", 1);
    assert_string_equal(
        out.data, "{\"ts\":\"2026-01-01T00:01:00Z\",\"station\":\"st \\\"1\\\",\\n\\\\\\u0001 \xc3\xa9\","
                  "\"ph\":7.1,\"n\":-5,\"ok\":true,\"d\":\"00:01:30\"}\n"
                  "{\"ts\":\"2026-01-01T00:00:00.25Z\",\"station\":\"\",\"ph\":1e+300,"
                  "\"n\":-9223372036854775808,\"ok\":false,\"d\":\"-00:00:00.000001\"}\n"
                  "{\"ts\":null,\"station\":null,\"ph\":null,\"n\":null,\"ok\":null,\"d\":null}\n");

    /* NaN and infinities are not JSON: null. */
    out.len = 0;
    b->cols[2].v.f64[0] = NAN;
    sl_json_encode_row(enc, b, 0, &out);
    sl_buf_append(&out, "", 1);
    assert_non_null(strstr(out.data, "\"ph\":null"));
    sl_buf_free(&out);
}

static void test_csv_encode(void **state)
{
    const sl_schema *s = schema_of(6, all_names, all_types);
    sl_csv_encoder *enc = sl_csv_encoder_new(cx, s);
    sl_batch *b = sample_batch(s);
    sl_buf out;

    (void)state;
    sl_buf_init(&out);
    sl_csv_encode_header(enc, &out);
    sl_csv_encode_batch(enc, b, &out);
    sl_buf_append(&out, "", 1);
    assert_string_equal(out.data,
                        "ts,station,ph,n,ok,d\n"
                        "2026-01-01T00:01:00Z,\"st \"\"1\"\",\n\\\x01 \xc3\xa9\",7.1,-5,true,00:01:30\n"
                        "2026-01-01T00:00:00.25Z,\"\",1e+300,-9223372036854775808,false,"
                        "-00:00:00.000001\n"
                        ",,,,,\n");
    sl_buf_free(&out);
}

/* Encode, decode, compare: the formats carry every value exactly. */
static void test_round_trip(void **state)
{
    const sl_schema *s = schema_of(6, all_names, all_types);
    sl_json_encoder *jenc = sl_json_encoder_new(cx, s);
    sl_json_decoder *jdec = sl_json_decoder_new(cx, s, NULL);
    sl_csv_encoder *cenc = sl_csv_encoder_new(cx, s);
    sl_decode_options o = {.ts_unit_us = 1000000, .header = false};
    sl_csv_decoder *cdec = sl_csv_decoder_new(cx, s, &o);
    sl_batch *in = sl_batch_new(cx, s, 64);
    sl_batch *outb = sl_batch_new(cx, s, 64);
    uint64_t x = 7;

    (void)state;
    for (int r = 0; r < 60; r++) {
        char txt[32];
        int n;
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        in->cols[0].v.i64[r] = TS_2026 + (int64_t)(x >> 40) * 977;
        n = snprintf(txt, sizeof(txt), "t%d,\"%d\" \xc3\xa9", r, (int)(x >> 50));
        in->cols[1].v.text[r] = sl_batch_text(in, txt, n);
        memcpy(&in->cols[2].v.f64[r], &x, sizeof(double));
        if (!isfinite(in->cols[2].v.f64[r]))
            in->cols[2].v.f64[r] = 1.0 / (double)(r + 3);
        in->cols[3].v.i64[r] = (int64_t)x;
        in->cols[4].v.b[r] = (x >> 7) & 1;
        in->cols[5].v.i64[r] = (int64_t)(x >> 30) - (1LL << 33);
        for (int c = 0; c < 6; c++)
            in->cols[c].nulls[r] = ((x >> (c + 3)) & 7) == 0;
    }
    in->nrows = 60;

    for (int pass = 0; pass < 2; pass++) {
        sl_buf buf;
        size_t pos = 0;

        sl_buf_init(&buf);
        sl_batch_reset(outb);
        if (pass == 0)
            sl_json_encode_batch(jenc, in, &buf);
        else
            sl_csv_encode_batch(cenc, in, &buf);
        while (pos < buf.len) {
            char *nl = memchr(buf.data + pos, '\n', buf.len - pos);
            size_t len = (size_t)(nl - (buf.data + pos));
            sl_status st = pass == 0 ? sl_json_decode_line(jdec, buf.data + pos, len, outb, &err)
                                     : sl_csv_decode_line(cdec, buf.data + pos, len, outb, &err);
            if (st != SL_OK)
                fail_msg("%.*s: %s", (int)len, buf.data + pos, err.message);
            pos += len + 1;
        }
        sl_buf_free(&buf);
        assert_int_equal(outb->nrows, 60);
        for (int r = 0; r < 60; r++)
            for (int c = 0; c < 6; c++) {
                const sl_vector *a = &in->cols[c], *z = &outb->cols[c];
                assert_int_equal(a->nulls[r] != 0, z->nulls[r] != 0);
                if (a->nulls[r])
                    continue;
                switch (a->type) {
                case SL_TYPE_TEXT:
                    assert_int_equal(a->v.text[r].len, z->v.text[r].len);
                    assert_memory_equal(a->v.text[r].ptr, z->v.text[r].ptr, (size_t)a->v.text[r].len);
                    break;
                case SL_TYPE_DOUBLE:
                    if (a->v.f64[r] != z->v.f64[r])
                        fail_msg("row %d: %.17g became %.17g", r, a->v.f64[r], z->v.f64[r]);
                    break;
                case SL_TYPE_BOOL:
                    assert_int_equal(a->v.b[r], z->v.b[r]);
                    break;
                default:
                    assert_true(a->v.i64[r] == z->v.i64[r]);
                    break;
                }
            }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_timestamp_units, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_nested, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_wrong_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_duplicate_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_truncation_and_mutation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_positional, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iso_timestamp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_double_fast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_encode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_encode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
