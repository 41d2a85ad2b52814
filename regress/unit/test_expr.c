/*
 * test_expr.c - unit tests of the binder and the vectorised evaluator
 * (server/expr*.c, server/engine/functions.c).
 *
 * Each case parses "SELECT <expr> FROM r", binds the expression over a
 * hand-built batch of 4 rows and compares every row's value, printed as
 * PostgreSQL prints it ("NULL" for NULL), joined with '|'.  Error cases
 * check SQLSTATE, message, hint and 1-based position.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/engine/expr.h"
#include "parser/parse.h"

static sl_mcxt *cx;
static sl_schema *schema;
static sl_batch *batch;

/* r(i bigint, d double, t text, b boolean, ts timestamp, iv interval, z bigint) */
static int setup(void **state)
{
    static const char *names[] = {"i", "d", "t", "b", "ts", "iv", "z"};
    static const sl_type types[] = {SL_TYPE_BIGINT,    SL_TYPE_DOUBLE,   SL_TYPE_TEXT,  SL_TYPE_BOOL,
                                    SL_TYPE_TIMESTAMP, SL_TYPE_INTERVAL, SL_TYPE_BIGINT};
    static const char *texts[] = {"abc", "Hello World", "42", ""};
    (void)state;
    cx = sl_mcxt_create(NULL, "test");
    schema = sl_schema_new(cx, 7, names, types);
    batch = sl_batch_new(cx, schema, 8);
    batch->nrows = 4;
    for (int r = 0; r < 4; r++) {
        batch->cols[0].v.i64[r] = (r + 1) * 10; /* 10 20 30 NULL */
        batch->cols[1].v.f64[r] = r * 1.5;      /* 0 1.5 3 4.5 */
        batch->cols[2].v.text[r] = (sl_text){texts[r], (int32_t)strlen(texts[r])};
        batch->cols[3].v.b[r] = r % 2 == 0; /* t f t NULL */
        batch->cols[4].v.i64[r] =
            INT64_C(1795600800000000) + r * INT64_C(90000000); /* 2026-11-25 10:00 + r*90s */
        batch->cols[5].v.i64[r] = r * INT64_C(60000000);
        batch->cols[6].v.i64[r] = r; /* 0 1 2 3 */
    }
    batch->cols[0].nulls[3] = 1;
    batch->cols[3].nulls[3] = 1;
    batch->cols[2].nulls[3] = 1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sl_mcxt_delete(cx);
    return 0;
}

static const char *query_text;

static sl_status bind_sql(const char *expr_sql, sl_expr **out, sl_error *err)
{
    sl_list *stmts;
    char *sql = sl_psprintf(cx, "SELECT %s FROM r", expr_sql);
    query_text = sql;
    if (sl_parse(sql, cx, &stmts, err) != SL_OK)
        return SL_ERROR;
    const sl_raw_stmt *raw = sl_list_nth(stmts, 0);
    const sl_SelectStmt *sel = (const sl_SelectStmt *)raw->stmt;
    const sl_ResTarget *t = sl_list_nth(sel->targets, 0);
    sl_bind_ctx ctx = {.cx = cx, .input = schema, .query_text = sql, .source_name = "r"};
    return sl_expr_bind(&ctx, t->expr, out, err);
}

/* Values of all rows, "v0|v1|v2|v3"; *errors gets the row error count. */
static char *eval_sql(const char *expr_sql, int64_t *errors, sl_error *first)
{
    sl_expr *e;
    sl_error err;
    if (bind_sql(expr_sql, &e, &err) != SL_OK) {
        print_error("bind %s: %s %s\n", expr_sql, err.sqlstate, err.message);
        fail();
    }
    sl_eval_ctx ectx;
    memset(&ectx, 0, sizeof(ectx));
    ectx.cx = cx;
    sl_vector out;
    sl_vector_init(&out, cx, sl_expr_type(e), batch->nrows);
    assert_int_equal(sl_expr_eval(e, batch, &out, &ectx, &err), SL_OK);
    char *res = sl_pstrdup(cx, "");
    for (int r = 0; r < batch->nrows; r++) {
        char buf[SL_VALUE_TEXT_MAX];
        const char *v = buf;
        if (out.nulls[r])
            v = "NULL";
        else
            switch (out.type) {
            case SL_TYPE_BOOL:
                sl_format_bool(out.v.b[r], buf);
                break;
            case SL_TYPE_BIGINT:
                sl_format_bigint(out.v.i64[r], buf);
                break;
            case SL_TYPE_DOUBLE:
                sl_format_double(out.v.f64[r], buf);
                break;
            case SL_TYPE_TIMESTAMP:
                sl_format_timestamp(out.v.i64[r], buf);
                break;
            case SL_TYPE_INTERVAL:
                sl_format_interval(out.v.i64[r], buf);
                break;
            case SL_TYPE_TEXT:
                v = sl_pstrndup(cx, out.v.text[r].ptr, (size_t)out.v.text[r].len);
                break;
            default:
                v = "?";
            }
        res = sl_psprintf(cx, "%s%s%s", res, r ? "|" : "", v);
    }
    if (errors)
        *errors = ectx.row_errors;
    if (first)
        *first = ectx.first_error;
    return res;
}

typedef struct eval_case {
    const char *expr;
    const char *type;
    const char *values;
    int64_t row_errors;
} eval_case;

static const eval_case eval_cases[] = {
    /* arithmetic */
    {"i + 1", "bigint", "11|21|31|NULL", 0},
    {"i / 3", "bigint", "3|6|10|NULL", 0},
    {"i % 7", "bigint", "3|6|2|NULL", 0},
    {"i * d", "double", "0|30|90|NULL", 0},
    {"d / 2", "double", "0|0.75|1.5|2.25", 0},
    {"2 ^ z", "double", "1|2|4|8", 0},
    {"-i", "bigint", "-10|-20|-30|NULL", 0},
    {"i / z", "bigint", "NULL|20|15|NULL", 1},
    {"d / (z - 1)", "double", "-0|NULL|3|2.25", 1},
    {"9223372036854775807 + z", "bigint", "9223372036854775807|NULL|NULL|NULL", 3},
    {"1.5 + 1", "double", "2.5|2.5|2.5|2.5", 0},
    /* comparisons and NULL logic */
    {"i > 15", "boolean", "f|t|t|NULL", 0},
    {"d >= 1.5", "boolean", "f|t|t|t", 0},
    {"t = 'abc'", "boolean", "t|f|f|NULL", 0},
    {"t < 'b'", "boolean", "t|t|t|NULL", 0},
    {"b AND i > 15", "boolean", "f|f|t|NULL", 0},
    {"b AND false", "boolean", "f|f|f|f", 0},
    {"b OR true", "boolean", "t|t|t|t", 0},
    {"b OR false", "boolean", "t|f|t|NULL", 0},
    {"b AND NULL", "boolean", "NULL|f|NULL|NULL", 0},
    {"b OR NULL", "boolean", "t|NULL|t|NULL", 0},
    {"NOT b", "boolean", "f|t|f|NULL", 0},
    {"i IS NULL", "boolean", "f|f|f|t", 0},
    {"i IS NOT NULL", "boolean", "t|t|t|f", 0},
    {"NULL = 1", "boolean", "NULL|NULL|NULL|NULL", 0},
    {"z BETWEEN 1 AND 2", "boolean", "f|t|t|f", 0},
    {"z NOT BETWEEN 1 AND 2", "boolean", "t|f|f|t", 0},
    {"i IN (10, 30)", "boolean", "t|f|t|NULL", 0},
    {"i NOT IN (10, 30)", "boolean", "f|t|f|NULL", 0},
    {"i IN (10, NULL)", "boolean", "t|NULL|NULL|NULL", 0},
    {"z IN (1.0, 3)", "boolean", "f|t|f|t", 0},
    {"t LIKE 'a%'", "boolean", "t|f|f|NULL", 0},
    {"t LIKE '%o W%'", "boolean", "f|t|f|NULL", 0},
    {"t LIKE '_b_'", "boolean", "t|f|f|NULL", 0},
    {"t ILIKE 'hello%'", "boolean", "f|t|f|NULL", 0},
    {"t NOT LIKE '%'", "boolean", "f|f|f|NULL", 0},
    {"'a%b' LIKE 'a\\%b'", "boolean", "t|t|t|t", 0},
    {"'axb' LIKE 'a\\%b'", "boolean", "f|f|f|f", 0},
    /* CASE */
    {"CASE WHEN z = 0 THEN 'zero' WHEN z < 2 THEN 'one' ELSE 'many' END", "text", "zero|one|many|many", 0},
    {"CASE z WHEN 1 THEN 10 WHEN 2 THEN 2.5 END", "double", "NULL|10|2.5|NULL", 0},
    {"CASE WHEN z = 0 THEN NULL ELSE 10 / z END", "bigint", "NULL|10|5|3", 0},
    /* casts */
    {"CAST(t AS bigint)", "bigint", "NULL|NULL|42|NULL", 2},
    {"t::double", "double", "NULL|NULL|42|NULL", 2},
    {"i::text || '!'", "text", "10!|20!|30!|NULL", 0},
    {"d::bigint", "bigint", "0|2|3|4", 0},
    {"b::text", "text", "true|false|true|NULL", 0},
    {"'2026-01-01 00:00:00'::timestamp", "timestamp",
     "2026-01-01 00:00:00|2026-01-01 00:00:00|2026-01-01 00:00:00|2026-01-01 00:00:00", 0},
    {"ts::text", "text", "2026-11-25 10:00:00|2026-11-25 10:01:30|2026-11-25 10:03:00|2026-11-25 10:04:30",
     0},
    {"iv::text", "text", "00:00:00|00:01:00|00:02:00|00:03:00", 0},
    {"'t'::boolean", "boolean", "t|t|t|t", 0},
    {"t || z", "text", "abc0|Hello World1|422|NULL", 0},
    /* timestamps and intervals */
    {"ts > '2026-11-25 10:01:00'", "boolean", "f|t|t|t", 0},
    {"ts + INTERVAL '1 minute'", "timestamp",
     "2026-11-25 10:01:00|2026-11-25 10:02:30|2026-11-25 10:04:00|2026-11-25 10:05:30", 0},
    {"ts - '1 day'", "timestamp",
     "2026-11-24 10:00:00|2026-11-24 10:01:30|2026-11-24 10:03:00|2026-11-24 10:04:30", 0},
    {"ts - '2026-11-25 09:00:00'::timestamp", "interval", "01:00:00|01:01:30|01:03:00|01:04:30", 0},
    {"iv * 1.5", "interval", "00:00:00|00:01:30|00:03:00|00:04:30", 0},
    {"2 * iv", "interval", "00:00:00|00:02:00|00:04:00|00:06:00", 0},
    {"iv + iv > '00:02:00'", "boolean", "f|f|t|t", 0},
    /* functions */
    {"abs(-i)", "bigint", "10|20|30|NULL", 0},
    {"abs(d - 2)", "double", "2|0.5|1|2.5", 0},
    {"round(d)", "double", "0|2|3|4", 0},
    {"round(d / 7, 2)", "double", "0|0.21|0.43|0.64", 0},
    {"ceil(d)", "double", "0|2|3|5", 0},
    {"floor(d)", "double", "0|1|3|4", 0},
    {"sqrt(z - 1)", "double", "NULL|0|1|1.4142135623730951", 1},
    {"power(2, z)", "double", "1|2|4|8", 0},
    {"ln(z)", "double", "NULL|0|0.6931471805599453|1.0986122886681098", 1},
    {"log(100)", "double", "2|2|2|2", 0},
    {"log(2, 8)", "double", "3|3|3|3", 0},
    {"exp(0)", "double", "1|1|1|1", 0},
    {"greatest(z, 2)", "bigint", "2|2|2|3", 0},
    {"least(i, 15, NULL)", "bigint", "10|15|15|15", 0},
    {"coalesce(i, z, 0)", "bigint", "10|20|30|3", 0},
    {"nullif(z, 1)", "bigint", "0|NULL|2|3", 0},
    {"lower(t)", "text", "abc|hello world|42|NULL", 0},
    {"upper(t)", "text", "ABC|HELLO WORLD|42|NULL", 0},
    {"length(t)", "bigint", "3|11|2|NULL", 0},
    {"length('héllo')", "bigint", "5|5|5|5", 0},
    {"substr(t, 2)", "text", "bc|ello World|2|NULL", 0},
    {"substr(t, 2, 3)", "text", "bc|ell|2|NULL", 0},
    {"substr(t, 0, 2)", "text", "a|H|4|NULL", 0},
    {"substr('héllo', 2, 2)", "text", "él|él|él|él", 0},
    {"trim('  x  ')", "text", "x|x|x|x", 0},
    {"replace(t, 'l', 'L')", "text", "abc|HeLLo WorLd|42|NULL", 0},
    {"concat(t, '-', i)", "text", "abc-10|Hello World-20|42-30|-", 0},
    {"date_trunc('minute', ts)", "timestamp",
     "2026-11-25 10:00:00|2026-11-25 10:01:00|2026-11-25 10:03:00|2026-11-25 10:04:00", 0},
    {"date_trunc('day', ts)", "timestamp",
     "2026-11-25 00:00:00|2026-11-25 00:00:00|2026-11-25 00:00:00|2026-11-25 00:00:00", 0},
    {"date_trunc('month', ts)", "timestamp",
     "2026-11-01 00:00:00|2026-11-01 00:00:00|2026-11-01 00:00:00|2026-11-01 00:00:00", 0},
    {"date_trunc('week', ts)", "timestamp",
     "2026-11-23 00:00:00|2026-11-23 00:00:00|2026-11-23 00:00:00|2026-11-23 00:00:00", 0},
    {"date_part('second', ts)", "double", "0|30|0|30", 0},
    {"date_part('minute', ts)", "double", "0|1|3|4", 0},
    {"date_part('year', ts)", "double", "2026|2026|2026|2026", 0},
    {"date_part('dow', ts)", "double", "3|3|3|3", 0},
    {"epoch(ts) - 1795600800", "double", "0|90|180|270", 0},
    {"to_timestamp(0)", "timestamp",
     "1970-01-01 00:00:00|1970-01-01 00:00:00|1970-01-01 00:00:00|1970-01-01 00:00:00", 0},
    {"now() > '2020-01-01'", "boolean", "t|t|t|t", 0},
};

static void test_eval_cases(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(eval_cases) / sizeof(eval_cases[0]); k++) {
        const eval_case *c = &eval_cases[k];
        sl_expr *e;
        sl_error err;
        int64_t errors = -1;
        if (bind_sql(c->expr, &e, &err) != SL_OK) {
            print_error("case %zu %s: bind failed: %s %s\n", k, c->expr, err.sqlstate, err.message);
            fail();
        }
        if (strcmp(sl_type_name(sl_expr_type(e)), c->type) != 0) {
            print_error("case %zu %s: type %s, expected %s\n", k, c->expr, sl_type_name(sl_expr_type(e)),
                        c->type);
            fail();
        }
        char *v = eval_sql(c->expr, &errors, NULL);
        if (strcmp(v, c->values) != 0 || errors != c->row_errors) {
            print_error("case %zu %s: got %s (%lld errors), expected %s (%lld)\n", k, c->expr, v,
                        (long long)errors, c->values, (long long)c->row_errors);
            fail();
        }
    }
}

static void test_row_errors(void **state)
{
    sl_error first;
    int64_t n;
    (void)state;
    eval_sql("i / z", &n, &first);
    assert_int_equal(n, 1);
    assert_string_equal(first.sqlstate, "22012");
    assert_string_equal(first.message, "division by zero");
    eval_sql("t::bigint", &n, &first);
    assert_string_equal(first.sqlstate, "22P02");
    assert_string_equal(first.message, "invalid input syntax for type bigint: \"abc\"");
    eval_sql("9223372036854775807 * (z + 1)", &n, &first);
    assert_int_equal(n, 3);
    assert_string_equal(first.sqlstate, "22003");
    assert_string_equal(first.message, "bigint out of range");
}

typedef struct error_case {
    const char *expr;
    const char *sqlstate;
    const char *message;
    const char *hint; /* NULL: not checked */
    int position;     /* in "SELECT <expr> FROM r": the expression starts at 8 */
} error_case;

static const error_case error_cases[] = {
    {"tss + 1", "42703", "column \"tss\" does not exist", "Perhaps you meant to reference the column \"ts\".",
     8},
    {"i + stationx", "42703", "column \"stationx\" does not exist", "", 12},
    {"q.i", "42P01", "missing FROM-clause entry for table \"q\"", NULL, 8},
    {"r.nope", "42703", "column \"nope\" does not exist", NULL, 8},
    {"t + i", "42883", "operator does not exist: text + bigint", NULL, 8},
    {"b + 1", "42883", "operator does not exist: boolean + bigint", NULL, 8},
    {"ts + ts", "42883", "operator does not exist: timestamp + timestamp", NULL, 8},
    {"foo(i)", "42883", "function foo(bigint) does not exist", NULL, 8},
    {"sqrt(t)", "42883", "function sqrt(text) does not exist", NULL, 8},
    {"i AND b", "42804", "argument of AND must be type boolean, not type bigint", NULL, 8},
    {"CASE WHEN b THEN 1 ELSE t END", "42804", "CASE types bigint and text cannot be matched", NULL, 32},
    {"count(i)", "42803", "aggregate functions are not allowed here", NULL, 8},
    {"i + 'abc'", "22P02", "invalid input syntax for type bigint: \"abc\"", NULL, 12},
    {"ts > 'yesterday-ish'", "22007", "invalid input syntax for type timestamp: \"yesterday-ish\"", NULL, 13},
    {"'x'::bigint", "22P02", "invalid input syntax for type bigint: \"x\"", NULL, 8},
    {"1 / 0", "22012", "division by zero", NULL, 8},
    {"i::blob", "42704", "type \"blob\" does not exist", NULL, 11},
    {"ts::bigint", "42846", "cannot cast type timestamp to bigint", NULL, 8},
    {"date_trunc('fortnight', ts)", "22023", "unit \"fortnight\" not recognized for type timestamp", NULL,
     19},
    {"i LIKE 'a'", "42883", "operator does not exist: bigint ~~ text", NULL, 8},
    {"upper(DISTINCT t)", "42809", "DISTINCT specified, but upper is not an aggregate function", NULL, 8},
    {"'é' || nope", "42703", "column \"nope\" does not exist", NULL, 15},
};

static void test_bind_errors(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(error_cases) / sizeof(error_cases[0]); k++) {
        const error_case *c = &error_cases[k];
        sl_expr *e;
        sl_error err;
        if (bind_sql(c->expr, &e, &err) == SL_OK) {
            print_error("case %s: bound, expected %s\n", c->expr, c->sqlstate);
            fail();
        }
        if (strcmp(err.sqlstate, c->sqlstate) != 0 || strcmp(err.message, c->message) != 0 ||
            err.position != c->position || (c->hint != NULL && strcmp(err.hint, c->hint) != 0)) {
            print_error("case %s: got %s \"%s\" hint \"%s\" at %d\n", c->expr, err.sqlstate, err.message,
                        err.hint, err.position);
            fail();
        }
    }
}

static void test_print(void **state)
{
    static const struct {
        const char *expr, *printed;
    } cases[] = {
        {"i + d", "(CAST(i AS double) + d)"},
        {"ts > '2026-01-01'", "(ts > '2026-01-01 00:00:00'::timestamp)"},
        {"upper(t) || 'x'", "(upper(t) || 'x')"},
        {"z BETWEEN 1 AND 2", "((z >= 1) AND (z <= 2))"},
        {"INTERVAL '1 minute' * 2", "'00:02:00'::interval"},
        {"CASE WHEN b THEN 1 END", "CASE WHEN b THEN 1 END"},
        {"i NOT IN (1, 2)", "(i NOT IN (1, 2))"},
        {"t::bigint IS NULL", "(CAST(t AS bigint) IS NULL)"},
    };
    (void)state;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        sl_expr *e;
        sl_error err;
        assert_int_equal(bind_sql(cases[k].expr, &e, &err), SL_OK);
        assert_string_equal(sl_expr_print(cx, e), cases[k].printed);
    }
}

/* A full batch through a comparison: the hot path of a filter. */
static void test_full_batch(void **state)
{
    static const char *names[] = {"ph"};
    static const sl_type types[] = {SL_TYPE_DOUBLE};
    (void)state;
    sl_schema *s = sl_schema_new(cx, 1, names, types);
    sl_batch *b = sl_batch_new(cx, s, SL_BATCH_ROWS);
    b->nrows = SL_BATCH_ROWS;
    for (int i = 0; i < SL_BATCH_ROWS; i++) {
        b->cols[0].v.f64[i] = i % 3 - 1;
        b->cols[0].nulls[i] = i % 10 == 0;
    }
    sl_list *stmts;
    sl_error err;
    const char *sql = "SELECT ph > 0 FROM r";
    assert_int_equal(sl_parse(sql, cx, &stmts, &err), SL_OK);
    const sl_SelectStmt *sel = (const sl_SelectStmt *)((sl_raw_stmt *)sl_list_nth(stmts, 0))->stmt;
    sl_bind_ctx ctx = {.cx = cx, .input = s, .query_text = sql};
    sl_expr *e;
    assert_int_equal(sl_expr_bind(&ctx, ((sl_ResTarget *)sl_list_nth(sel->targets, 0))->expr, &e, &err),
                     SL_OK);
    sl_mcxt *bcx = sl_mcxt_create(cx, "eval");
    int trues = 0, nulls = 0;
    for (int round = 0; round < 100; round++) {
        sl_eval_ctx ectx = {.cx = bcx};
        sl_vector out;
        sl_vector_init(&out, bcx, SL_TYPE_BOOL, SL_BATCH_ROWS);
        assert_int_equal(sl_expr_eval(e, b, &out, &ectx, &err), SL_OK);
        trues = nulls = 0;
        for (int i = 0; i < SL_BATCH_ROWS; i++) {
            nulls += out.nulls[i] != 0;
            trues += !out.nulls[i] && out.v.b[i];
        }
        sl_mcxt_reset(bcx);
    }
    int et = 0, en = 0;
    for (int i = 0; i < SL_BATCH_ROWS; i++) {
        en += i % 10 == 0;
        et += i % 10 != 0 && i % 3 == 2;
    }
    assert_int_equal(nulls, en);
    assert_int_equal(trues, et);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval_cases),  cmocka_unit_test(test_row_errors),
        cmocka_unit_test(test_bind_errors), cmocka_unit_test(test_print),
        cmocka_unit_test(test_full_batch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
