/*
 * test_json_scan.c - unit tests of the small JSON scanner (common/json_scan.c)
 * that reads the schema registry's and DynamoDB's replies and Avro schemas:
 * strict syntax (every malformed text refused, nothing read past the end),
 * the nesting limit, spans of values, walking members and items, string
 * unescaping (pairs, lone surrogates refused or U+FFFD), keys compared
 * unescaped, non-negative integers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_scan.h"

static bool parses(const char *text)
{
    sl_json_span v;
    /* A copy of exactly the text's bytes: a read past the end is caught by ASan. */
    size_t n = strlen(text);
    char *copy = malloc(n > 0 ? n : 1);
    bool ok;

    memcpy(copy, text, n);
    ok = sl_json_parse(copy, n, &v);
    free(copy);
    return ok;
}

static void test_syntax(void **state)
{
    static const char *const good[] = {
        "{}",
        "[]",
        "\"\"",
        "0",
        "-0",
        "12",
        "-1.5e+3",
        "1E9",
        "0.25",
        "true",
        "false",
        "null",
        " { \"a\" : [1, 2, {\"b\": null}], \"c\": \"x\\u00e9\\n\" } ",
        "[\"\\ud83d\\ude00\", \"\\/\"]",
        "\"caf\xc3\xa9\"",
    };
    static const char *const bad[] = {
        "",           " ",     "{",        "[1,]",        "{\"a\"}",
        "{\"a\":}",   "{a:1}", "[1 2]",    "01",          "1.",
        ".5",         "1e",    "+1",       "-",           "tru",
        "nul",        "\"abc", "\"a\\x\"", "\"\\u12G4\"", "\"tab\there\"",
        "{\"a\":1,}", "[1]]",  "{} {}",    "\"\\u12\"",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!parses(good[i]))
            fail_msg("refused good JSON: %s", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parses(bad[i]))
            fail_msg("accepted bad JSON: [%s]", bad[i]);
}

static void test_depth(void **state)
{
    char deep[2 * (SL_JSON_MAX_DEPTH + 2) + 1];
    int n;

    (void)state;
    /* SL_JSON_MAX_DEPTH nested arrays are fine, one more is refused. */
    for (n = 0; n < SL_JSON_MAX_DEPTH; n++)
        deep[n] = '[';
    for (int i = 0; i < SL_JSON_MAX_DEPTH; i++)
        deep[n++] = ']';
    deep[n] = '\0';
    assert_true(parses(deep));
    memmove(deep + 1, deep, strlen(deep) + 1);
    deep[0] = '[';
    strcat(deep, "]");
    assert_false(parses(deep));
}

static void test_scan_spans(void **state)
{
    const char *text = "  {\"a\": 1} trailing";
    const char *p = text;
    sl_json_span v;

    (void)state;
    assert_true(sl_json_scan(&p, text + strlen(text), &v));
    assert_int_equal(v.end - v.start, 8);
    assert_memory_equal(v.start, "{\"a\": 1}", 8);
    assert_ptr_equal(p, v.end);
    assert_int_equal(sl_json_type(&v), '{');
    /* sl_json_parse wants nothing but blanks after the value. */
    assert_false(sl_json_parse(text, strlen(text), &v));
}

static void test_members_items(void **state)
{
    const char *text = "{\"id\": 7, \"list\": [1, \"two\", {\"x\": []}], \"k\\u0065y\": \"v\", \"id\": 8}";
    sl_json_span obj, key, val, item;
    const char *it = NULL;
    int64_t n;
    int members = 0, items = 0;

    (void)state;
    assert_true(sl_json_parse(text, strlen(text), &obj));
    while (sl_json_next_member(&obj, &it, &key, &val))
        members++;
    assert_int_equal(members, 4);
    /* the first member of that name; keys compare unescaped */
    assert_true(sl_json_get(&obj, "id", &val));
    assert_true(sl_json_uint(&val, &n));
    assert_int_equal(n, 7);
    assert_true(sl_json_get(&obj, "key", &val));
    assert_true(sl_json_string_is(&val, "v"));
    assert_false(sl_json_get(&obj, "missing", &val));
    assert_true(sl_json_get(&obj, "list", &val));
    assert_int_equal(sl_json_type(&val), '[');
    it = NULL;
    while (sl_json_next_item(&val, &it, &item))
        items++;
    assert_int_equal(items, 3);
    /* walking a value of the other kind gives nothing */
    it = NULL;
    assert_false(sl_json_next_item(&obj, &it, &item));
    it = NULL;
    assert_false(sl_json_next_member(&val, &it, &key, &item));
    /* empty containers */
    assert_true(sl_json_parse("{ }", 3, &obj));
    it = NULL;
    assert_false(sl_json_next_member(&obj, &it, &key, &val));
}

static void test_strings(void **state)
{
    sl_json_span v;
    sl_buf b;

    (void)state;
    sl_buf_init(&b);
    const char *s1 = "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"";
    assert_true(sl_json_parse(s1, strlen(s1), &v));
    assert_true(sl_json_string(&v, &b, false));
    assert_int_equal(b.len, strlen("a\"b\\c/d\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80"));
    assert_memory_equal(b.data, "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80", b.len);
    /* a lone surrogate is not text, unless asked to become U+FFFD */
    const char *s2 = "\"x\\ud800y\"";
    assert_true(sl_json_parse(s2, strlen(s2), &v));
    b.len = 0;
    assert_false(sl_json_string(&v, &b, false));
    b.len = 0;
    assert_true(sl_json_string(&v, &b, true));
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "x\xef\xbf\xbdy", 5);
    /* not a string */
    assert_true(sl_json_parse("12", 2, &v));
    assert_false(sl_json_string(&v, &b, true));
    assert_false(sl_json_string_is(&v, "12"));
    sl_buf_free(&b);
}

static void test_uint(void **state)
{
    static const struct {
        const char *text;
        bool ok;
        int64_t value;
    } cases[] = {
        {"0", true, 0},
        {"42", true, 42},
        {"9223372036854775807", true, INT64_MAX},
        {"9223372036854775808", false, 0},
        {"-1", false, 0},
        {"1.0", false, 0},
        {"1e3", false, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sl_json_span v;
        int64_t n = -7;
        assert_true(sl_json_parse(cases[i].text, strlen(cases[i].text), &v));
        if (sl_json_uint(&v, &n) != cases[i].ok || (cases[i].ok && n != cases[i].value))
            fail_msg("%s: expected %d %lld, got %lld", cases[i].text, cases[i].ok, (long long)cases[i].value,
                     (long long)n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax),     cmocka_unit_test(test_depth),
        cmocka_unit_test(test_scan_spans), cmocka_unit_test(test_members_items),
        cmocka_unit_test(test_strings),    cmocka_unit_test(test_uint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
