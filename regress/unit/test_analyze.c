/*
 * test_analyze.c - unit tests of the SELECT analyzer (server/engine/analyze.c)
 * over the water-quality schema: each case is a query and either its
 * output columns ("name type, ...") plus the shape of the description, or
 * the expected SQLSTATE, message and position.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/engine/analyze.h"
#include "parser/parse.h"

typedef struct analyze_case {
    const char *sql;
    bool bounded;
    const char *outputs;  /* NULL: an error is expected */
    int nkeys, naggs;     /* -1: not checked */
    const char *sqlstate; /* errors */
    const char *message;
    int position;
} analyze_case;

static const analyze_case cases[] = {
    {"SELECT * FROM readings", false,
     "ts timestamp, station text, ph double, turbidity double, temperature double, dissolved_oxygen double, "
     "conductivity double",
     0, 0, NULL, NULL, 0},
    {"SELECT station, ph * 2 AS ph2, upper(station), ph > 7, ph::text FROM readings WHERE ph NOT BETWEEN 6.5 "
     "AND 8.5",
     false, "station text, ph2 double, upper text, ?column? boolean, ph text", 0, 0, NULL, NULL, 0},
    {"SELECT readings.station FROM readings", false, "station text", 0, 0, NULL, NULL, 0},
    {"SELECT station, avg(ph) AS avg_ph, max(turbidity) AS max_turbidity FROM readings WINDOW TUMBLING (1 "
     "MINUTE) "
     "GROUP BY station",
     false, "station text, avg_ph double, max_turbidity double", 1, 2, NULL, NULL, 0},
    {"SELECT avg(ph) FROM readings WINDOW 1m", false, "avg double", 0, 1, NULL, NULL, 0},
    {"SELECT window_start, window_end, count(*), count(DISTINCT station), sum(ph), first(ph), last(station) "
     "FROM readings WINDOW HOPPING (5 MINUTES, 1 MINUTE)",
     false,
     "window_start timestamp, window_end timestamp, count bigint, count bigint, sum double, first double, "
     "last text",
     0, 5, NULL, NULL, 0},
    {"SELECT upper(station), count(*) FROM readings WINDOW 1m GROUP BY upper(station)", false,
     "upper text, count bigint", 1, 1, NULL, NULL, 0},
    {"SELECT station, avg(ph) FROM readings WINDOW 1m GROUP BY station HAVING avg(ph) > 7 AND count(*) > 2",
     false, "station text, avg double", 1, 2, NULL, NULL, 0},
    {"SELECT stddev(ph), variance(ph), var_pop(ph), stddev_pop(ph), min(ts), max(station) FROM readings",
     true, "stddev double, variance double, var_pop double, stddev_pop double, min timestamp, max text", 0, 6,
     NULL, NULL, 0},
    {"SELECT count(*) + 1 AS n, avg(ph) * 2 FROM readings", true, "n bigint, ?column? double", 0, 2, NULL,
     NULL, 0},
    {"SELECT 'x', NULL, 1 FROM readings", false, "?column? text, ?column? text, ?column? bigint", 0, 0, NULL,
     NULL, 0},
    /* errors */
    {"SELECT phh FROM readings", false, NULL, 0, 0, "42703", "column \"phh\" does not exist", 8},
    {"SELECT * FROM readings WHERE ph", false, NULL, 0, 0, "42804",
     "argument of WHERE must be type boolean, not type double", 30},
    {"SELECT * FROM readings WHERE count(*) > 1", false, NULL, 0, 0, "42803",
     "aggregate functions are not allowed in WHERE", 30},
    {"SELECT station, avg(ph) FROM readings WINDOW 1m", false, NULL, 0, 0, "42803",
     "column \"station\" must appear in the GROUP BY clause or be used in an aggregate function", 8},
    {"SELECT ph, avg(ph) FROM readings WINDOW 1m GROUP BY station", false, NULL, 0, 0, "42803",
     "column \"ph\" must appear in the GROUP BY clause or be used in an aggregate function", 8},
    {"SELECT avg(max(ph)) FROM readings WINDOW 1m", false, NULL, 0, 0, "42803",
     "aggregate function calls cannot be nested", 12},
    {"SELECT avg(ph) FROM readings", false, NULL, 0, 0, "0A000",
     "aggregates over the unbounded source \"readings\" need a WINDOW", 0},
    {"SELECT * FROM readings WINDOW 1m", false, NULL, 0, 0, "42803", "a query with WINDOW must aggregate", 0},
    {"SELECT sum(station) FROM readings WINDOW 1m", false, NULL, 0, 0, "42883",
     "function sum(text) does not exist", 8},
    {"SELECT avg(station) FROM readings WINDOW 1m", false, NULL, 0, 0, "42883",
     "function avg(text) does not exist", 8},
    {"SELECT window_start, ph FROM readings", false, NULL, 0, 0, "42703",
     "column \"window_start\" does not exist", 8},
    {"SELECT count(*) FROM readings WINDOW HOPPING (1 MINUTE, 5 MINUTES)", false, NULL, 0, 0, "22023",
     "window slide must be positive and not larger than the window size", 0},
    {"SELECT station FROM readings WINDOW 1m GROUP BY station HAVING ph > 1", false, NULL, 0, 0, "42803",
     "column \"ph\" must appear in the GROUP BY clause or be used in an aggregate function", 64},
    {"SELECT count(*) FROM readings WINDOW 1m GROUP BY count(*)", false, NULL, 0, 0, "42803",
     "aggregate functions are not allowed in GROUP BY", 50},
    {"SELECT station || ph FROM readings WHERE station = 1", false, NULL, 0, 0, "42883",
     "operator does not exist: text = bigint", 42},
};

static void test_cases(void **state)
{
    static const char *names[] = {"ts",          "station",          "ph",          "turbidity",
                                  "temperature", "dissolved_oxygen", "conductivity"};
    static const sl_type types[] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT,   SL_TYPE_DOUBLE, SL_TYPE_DOUBLE,
                                    SL_TYPE_DOUBLE,    SL_TYPE_DOUBLE, SL_TYPE_DOUBLE};
    (void)state;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        const analyze_case *c = &cases[k];
        sl_mcxt *cx = sl_mcxt_create(NULL, "test");
        sl_schema *input = sl_schema_new(cx, 7, names, types);
        sl_list *stmts;
        sl_error err;
        if (sl_parse(c->sql, cx, &stmts, &err) != SL_OK) {
            print_error("%s: parse: %s\n", c->sql, err.message);
            fail();
        }
        sl_analyze_args args = {.cx = cx,
                                .select = (const sl_SelectStmt *)((sl_raw_stmt *)sl_list_nth(stmts, 0))->stmt,
                                .input = input,
                                .event_time = "ts",
                                .watermark_us = 5000000,
                                .source_bounded = c->bounded,
                                .query_text = c->sql};
        sl_query_desc *q = NULL;
        sl_status st = sl_analyze_select(&args, &q, &err);
        if (c->outputs == NULL) {
            if (st == SL_OK || strcmp(err.sqlstate, c->sqlstate) != 0 ||
                strcmp(err.message, c->message) != 0 || (c->position != 0 && err.position != c->position)) {
                print_error("%s: got %s \"%s\" at %d\n", c->sql, st == SL_OK ? "OK" : err.sqlstate,
                            st == SL_OK ? "" : err.message, err.position);
                fail();
            }
        } else {
            if (st != SL_OK) {
                print_error("%s: %s %s at %d\n", c->sql, err.sqlstate, err.message, err.position);
                fail();
            }
            char *got = sl_pstrdup(cx, "");
            for (int i = 0; i < q->output->ncols; i++)
                got = sl_psprintf(cx, "%s%s%s %s", got, i ? ", " : "", q->output->names[i],
                                  sl_type_name(q->output->types[i]));
            if (strcmp(got, c->outputs) != 0) {
                print_error("%s:\n got  %s\n want %s\n", c->sql, got, c->outputs);
                fail();
            }
            assert_int_equal(q->nkeys, c->nkeys);
            assert_int_equal(q->naggs, c->naggs);
            assert_int_equal(q->event_time_col, 0);
            if (q->aggregated)
                assert_int_equal(q->agg_schema->ncols, 2 + q->nkeys + q->naggs);
        }
        sl_mcxt_delete(cx);
    }
}

/* The parts of a windowed query, printed. */
static void test_desc_parts(void **state)
{
    static const char *names[] = {"ts", "station", "ph"};
    static const sl_type types[] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT, SL_TYPE_DOUBLE};
    const char *sql = "SELECT upper(station) AS s, window_end, avg(ph) + 1 FROM readings WHERE ph > 0 "
                      "WINDOW 1m GROUP BY upper(station) HAVING count(*) > 1 LIMIT 10";
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    sl_list *stmts;
    sl_error err;
    sl_query_desc *q;
    (void)state;
    assert_int_equal(sl_parse(sql, cx, &stmts, &err), SL_OK);
    sl_analyze_args args = {.cx = cx,
                            .select = (const sl_SelectStmt *)((sl_raw_stmt *)sl_list_nth(stmts, 0))->stmt,
                            .input = sl_schema_new(cx, 3, names, types),
                            .query_text = sql};
    assert_int_equal(sl_analyze_select(&args, &q, &err), SL_OK);
    assert_true(q->aggregated);
    assert_int_equal(q->limit, 10);
    assert_int_equal(q->event_time_col, -1);
    assert_string_equal(q->source, "readings");
    assert_null(q->sink);
    assert_string_equal(sl_expr_print(cx, q->where), "(ph > 0)");
    assert_string_equal(sl_expr_print(cx, q->keys[0]), "upper(station)");
    assert_int_equal(q->naggs, 2);
    assert_int_equal(q->aggs[0].func, SL_AGG_AVG);
    assert_string_equal(sl_expr_print(cx, q->aggs[0].arg), "ph");
    assert_int_equal(q->aggs[1].func, SL_AGG_COUNT_STAR);
    assert_null(q->aggs[1].arg);
    assert_string_equal(sl_expr_print(cx, q->having), "(agg_1 > 1)");
    assert_string_equal(sl_expr_print(cx, q->outputs[0]), "key_0");
    assert_string_equal(sl_expr_print(cx, q->outputs[1]), "window_end");
    assert_string_equal(sl_expr_print(cx, q->outputs[2]), "(agg_0 + 1)");
    assert_string_equal(q->output->names[0], "s");
    sl_mcxt_delete(cx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_desc_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
