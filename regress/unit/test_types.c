/*
 * test_types.c - unit tests of common/types.c: type names and OIDs, the
 * PostgreSQL text forms of values, and parsing text into values.
 *
 * Expected texts are what PostgreSQL 15 prints for the same values
 * (DateStyle ISO, IntervalStyle postgres).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "sluice/types.h"

#define SEC INT64_C(1000000)

static void test_type_names(void **state)
{
    sl_type t;
    (void)state;
    assert_string_equal(sl_type_name(SL_TYPE_BOOL), "boolean");
    assert_string_equal(sl_type_name(SL_TYPE_BIGINT), "bigint");
    assert_string_equal(sl_type_name(SL_TYPE_DOUBLE), "double");
    assert_string_equal(sl_type_name(SL_TYPE_TEXT), "text");
    assert_string_equal(sl_type_name(SL_TYPE_TIMESTAMP), "timestamp");
    assert_string_equal(sl_type_name(SL_TYPE_INTERVAL), "interval");
    assert_true(sl_type_parse("INT", &t) && t == SL_TYPE_BIGINT);
    assert_true(sl_type_parse("integer", &t) && t == SL_TYPE_BIGINT);
    assert_true(sl_type_parse("Double  Precision", &t) && t == SL_TYPE_DOUBLE);
    assert_true(sl_type_parse("float8", &t) && t == SL_TYPE_DOUBLE);
    assert_true(sl_type_parse("varchar(20)", &t) && t == SL_TYPE_TEXT);
    assert_true(sl_type_parse("string", &t) && t == SL_TYPE_TEXT);
    assert_true(sl_type_parse("bool", &t) && t == SL_TYPE_BOOL);
    assert_true(sl_type_parse("timestamptz", &t) && t == SL_TYPE_TIMESTAMP);
    assert_true(sl_type_parse("interval", &t) && t == SL_TYPE_INTERVAL);
    assert_false(sl_type_parse("blob", &t));
    assert_false(sl_type_parse("", &t));
    assert_int_equal(sl_type_oid(SL_TYPE_BOOL), 16);
    assert_int_equal(sl_type_oid(SL_TYPE_BIGINT), 20);
    assert_int_equal(sl_type_oid(SL_TYPE_DOUBLE), 701);
    assert_int_equal(sl_type_oid(SL_TYPE_TEXT), 25);
    assert_int_equal(sl_type_oid(SL_TYPE_TIMESTAMP), 1114);
    assert_int_equal(sl_type_oid(SL_TYPE_INTERVAL), 1186);
}

static void test_format_scalars(void **state)
{
    char buf[SL_VALUE_TEXT_MAX];
    (void)state;
    assert_int_equal(sl_format_bool(true, buf), 1);
    assert_string_equal(buf, "t");
    sl_format_bool(false, buf);
    assert_string_equal(buf, "f");
    sl_format_bigint(0, buf);
    assert_string_equal(buf, "0");
    sl_format_bigint(-42, buf);
    assert_string_equal(buf, "-42");
    assert_int_equal(sl_format_bigint(INT64_MIN, buf), 20);
    assert_string_equal(buf, "-9223372036854775808");
    sl_format_bigint(INT64_MAX, buf);
    assert_string_equal(buf, "9223372036854775807");
}

static void test_format_double(void **state)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0.0, "0"},
        {1.0, "1"},
        {-1.5, "-1.5"},
        {0.1, "0.1"},
        {0.1 + 0.2, "0.30000000000000004"},
        {7.25, "7.25"},
        {1.0 / 3.0, "0.3333333333333333"},
        {100, "100"},
        {123456789012345.0, "123456789012345"},
        {1e15, "1e+15"},
        {1.5e20, "1.5e+20"},
        {0.0001, "0.0001"},
        {0.00001, "1e-05"},
        {1.25e-10, "1.25e-10"},
        {1e300, "1e+300"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
    };
    char buf[SL_VALUE_TEXT_MAX];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int n = sl_format_double(cases[i].v, buf);
        assert_string_equal(buf, cases[i].text);
        assert_int_equal(n, (int)strlen(cases[i].text));
        /* round trip through the parser */
        double back;
        sl_error err;
        assert_int_equal(sl_parse_double(buf, n, &back, &err), SL_OK);
        assert_true(back == cases[i].v);
    }
    sl_format_double(INFINITY, buf);
    assert_string_equal(buf, "Infinity");
    sl_format_double(-INFINITY, buf);
    assert_string_equal(buf, "-Infinity");
    sl_format_double(NAN, buf);
    assert_string_equal(buf, "NaN");
    sl_format_double(-0.0, buf);
    assert_string_equal(buf, "-0");
}

static void test_format_timestamp(void **state)
{
    char buf[SL_VALUE_TEXT_MAX];
    (void)state;
    sl_format_timestamp(0, buf);
    assert_string_equal(buf, "1970-01-01 00:00:00");
    /* 2026-11-25 10:00:00 UTC = 1795600800 */
    sl_format_timestamp(INT64_C(1795600800) * SEC, buf);
    assert_string_equal(buf, "2026-11-25 10:00:00");
    sl_format_timestamp(INT64_C(1795600800) * SEC + 500000, buf);
    assert_string_equal(buf, "2026-11-25 10:00:00.5");
    sl_format_timestamp(INT64_C(1795600800) * SEC + 1, buf);
    assert_string_equal(buf, "2026-11-25 10:00:00.000001");
    sl_format_timestamp(-1, buf);
    assert_string_equal(buf, "1969-12-31 23:59:59.999999");
    sl_format_timestamp(INT64_C(951782400) * SEC, buf); /* leap day */
    assert_string_equal(buf, "2000-02-29 00:00:00");
}

static void test_format_interval(void **state)
{
    static const struct {
        int64_t us;
        const char *text;
    } cases[] = {
        {0, "00:00:00"},
        {60 * SEC, "00:01:00"},
        {90 * SEC, "00:01:30"},
        {SEC / 2, "00:00:00.5"},
        {26 * 3600 * SEC, "1 day 02:00:00"},
        {24 * 3600 * SEC, "1 day"},
        {48 * 3600 * SEC, "2 days"},
        {-60 * SEC, "-00:01:00"},
        {-26 * 3600 * SEC, "-1 days -02:00:00"},
        {123 * SEC + 456, "00:02:03.000456"},
    };
    char buf[SL_VALUE_TEXT_MAX];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int n = sl_format_interval(cases[i].us, buf);
        assert_string_equal(buf, cases[i].text);
        int64_t back;
        sl_error err;
        assert_int_equal(sl_parse_interval(buf, n, &back, &err), SL_OK);
        assert_true(back == cases[i].us);
    }
}

static void test_parse_timestamp(void **state)
{
    static const struct {
        const char *text;
        int64_t us;
    } cases[] = {
        {"2026-11-25 10:00:00", INT64_C(1795600800) * SEC},
        {"2026-11-25T10:00:00", INT64_C(1795600800) * SEC},
        {"2026-11-25T10:00:00Z", INT64_C(1795600800) * SEC},
        {"2026-11-25T10:00:00.25Z", INT64_C(1795600800) * SEC + 250000},
        {"2026-11-25T11:00:00+01:00", INT64_C(1795600800) * SEC},
        {"2026-11-25T11:30:00+0130", INT64_C(1795600800) * SEC},
        {"2026-11-25 05:00:00-05", INT64_C(1795600800) * SEC},
        {"  2026-11-25 10:00  ", INT64_C(1795600800) * SEC},
        {"2026-11-25", INT64_C(1795564800) * SEC},
        {"1970-01-01 00:00:00.1234567", 123457},
        {"2000-02-29 00:00:00", INT64_C(951782400) * SEC},
    };
    sl_error err;
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t us = 0;
        assert_int_equal(sl_parse_timestamp(cases[i].text, (int32_t)strlen(cases[i].text), &us, &err), SL_OK);
        assert_true(us == cases[i].us);
    }
    static const char *bad[] = {"",
                                "abc",
                                "2026-13-01",
                                "2026-02-30",
                                "2026-11-25X10:00",
                                "2026-11-25 10:00:00+",
                                "2026-11-25 25:00",
                                "26-11-25"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t us;
        assert_int_equal(sl_parse_timestamp(bad[i], (int32_t)strlen(bad[i]), &us, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, "22007");
    }
    int64_t us;
    sl_parse_timestamp("abc", 3, &us, &err);
    assert_string_equal(err.message, "invalid input syntax for type timestamp: \"abc\"");
}

static void test_parse_interval(void **state)
{
    static const struct {
        const char *text;
        int64_t us;
    } cases[] = {
        {"5 minutes", 300 * SEC},
        {"1 minute 30 seconds", 90 * SEC},
        {"00:01:00", 60 * SEC},
        {"500 ms", SEC / 2},
        {"500ms", SEC / 2},
        {"1h30m", 5400 * SEC},
        {"1.5 hours", 5400 * SEC},
        {"2 days", 172800 * SEC},
        {"1 week", 604800 * SEC},
        {"-2 hours", -7200 * SEC},
        {"30", 30 * SEC},
        {"1 day 02:00:00", 93600 * SEC},
        {"00:00:00.5", SEC / 2},
        {"@ 1 minute ago", -60 * SEC},
        {"10 us", 10},
    };
    sl_error err;
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t us = 0;
        assert_int_equal(sl_parse_interval(cases[i].text, (int32_t)strlen(cases[i].text), &us, &err), SL_OK);
        assert_true(us == cases[i].us);
    }
    static const char *bad[] = {"", "minutes", "5 fortnights", "1:", "abc", "5 minutes ago 3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t us;
        assert_int_equal(sl_parse_interval(bad[i], (int32_t)strlen(bad[i]), &us, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, "22007");
    }
    int64_t us;
    assert_int_equal(sl_parse_interval("99999999999999999 days", 22, &us, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "22003");
}

static void test_parse_numbers(void **state)
{
    sl_error err;
    int64_t i;
    double d;
    bool b;
    (void)state;
    assert_int_equal(sl_parse_bigint(" 42 ", 4, &i, &err), SL_OK);
    assert_true(i == 42);
    assert_int_equal(sl_parse_bigint("-9223372036854775808", 20, &i, &err), SL_OK);
    assert_true(i == INT64_MIN);
    assert_int_equal(sl_parse_bigint("9223372036854775807", 19, &i, &err), SL_OK);
    assert_true(i == INT64_MAX);
    assert_int_equal(sl_parse_bigint("9223372036854775808", 19, &i, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "22003");
    assert_string_equal(err.message, "value \"9223372036854775808\" is out of range for type bigint");
    assert_int_equal(sl_parse_bigint("12a", 3, &i, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "22P02");
    assert_string_equal(err.message, "invalid input syntax for type bigint: \"12a\"");
    assert_int_equal(sl_parse_bigint("-", 1, &i, &err), SL_ERROR);
    assert_int_equal(sl_parse_bigint("", 0, &i, &err), SL_ERROR);
    /* length is honoured: the text need not be NUL-terminated */
    assert_int_equal(sl_parse_bigint("123456", 3, &i, &err), SL_OK);
    assert_true(i == 123);

    assert_int_equal(sl_parse_double("7.25", 4, &d, &err), SL_OK);
    assert_true(d == 7.25);
    assert_int_equal(sl_parse_double("-1e3", 4, &d, &err), SL_OK);
    assert_true(d == -1000);
    assert_int_equal(sl_parse_double("Infinity", 8, &d, &err), SL_OK);
    assert_true(isinf(d) && d > 0);
    assert_int_equal(sl_parse_double("-inf", 4, &d, &err), SL_OK);
    assert_true(isinf(d) && d < 0);
    assert_int_equal(sl_parse_double("NaN", 3, &d, &err), SL_OK);
    assert_true(isnan(d));
    assert_int_equal(sl_parse_double("0x10", 4, &d, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "22P02");
    assert_int_equal(sl_parse_double("abc", 3, &d, &err), SL_ERROR);
    assert_string_equal(err.message, "invalid input syntax for type double precision: \"abc\"");
    assert_int_equal(sl_parse_double("1e999", 5, &d, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "22003");

    static const char *yes[] = {"true", "TRUE", "t", "yes", "on", "1", " y "};
    static const char *no[] = {"false", "f", "No", "off", "0", "n"};
    for (size_t k = 0; k < sizeof(yes) / sizeof(yes[0]); k++) {
        assert_int_equal(sl_parse_bool(yes[k], (int32_t)strlen(yes[k]), &b, &err), SL_OK);
        assert_true(b);
    }
    for (size_t k = 0; k < sizeof(no) / sizeof(no[0]); k++) {
        assert_int_equal(sl_parse_bool(no[k], (int32_t)strlen(no[k]), &b, &err), SL_OK);
        assert_false(b);
    }
    assert_int_equal(sl_parse_bool("maybe", 5, &b, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "22P02");
    assert_string_equal(err.message, "invalid input syntax for type boolean: \"maybe\"");
}

/* Every second of a few years round-trips through text (coarse sampling). */
static void test_timestamp_round_trip(void **state)
{
    char buf[SL_VALUE_TEXT_MAX];
    sl_error err;
    (void)state;
    for (int64_t t = -INT64_C(5000000000) * SEC; t < INT64_C(5000000000) * SEC; t += INT64_C(86399123457)) {
        int n = sl_format_timestamp(t, buf);
        int64_t back;
        /* BC dates too: the parser reads PostgreSQL's " BC" suffix */
        assert_int_equal(sl_parse_timestamp(buf, n, &back, &err), SL_OK);
        assert_true(back == t);
    }
    {
        int64_t back;
        /* years whose microseconds overflow int64 are out of range, not wrapped */
        assert_int_equal(sl_parse_timestamp("999999999-01-01", 15, &back, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, "22007");
        assert_int_equal(sl_parse_timestamp("0000-01-01 BC", 13, &back, &err), SL_ERROR);
        assert_int_equal(sl_parse_timestamp("0001-01-01 BC", 13, &back, &err), SL_OK);
        assert_true(back == -INT64_C(62167219200) * SEC);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_names),           cmocka_unit_test(test_format_scalars),
        cmocka_unit_test(test_format_double),        cmocka_unit_test(test_format_timestamp),
        cmocka_unit_test(test_format_interval),      cmocka_unit_test(test_parse_timestamp),
        cmocka_unit_test(test_parse_interval),       cmocka_unit_test(test_parse_numbers),
        cmocka_unit_test(test_timestamp_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
