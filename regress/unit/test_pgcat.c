/*
 * test_pgcat.c - the catalog engine (server/pgcat): which statements it
 * claims, the translation of PostgreSQL's dialect, and statements run
 * against a real catalog: results in PostgreSQL's text format with its
 * type OIDs, secrets never shown, the client's SQL unable to write,
 * attach, run pragmas or load extensions, and a runaway join stopped.
 * Expected values are PostgreSQL 15's answers to the same SQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/catalog/catalog.h"
#include "server/config.h"
#include "server/pgcat/pgcat.h"
#include "server/pgcat/pgcat_int.h"
#include "sluice/buf.h"

static char datadir[] = "/tmp/sl-pgcat-unit.XXXXXX";
static sl_mcxt *cx;
static sl_settings *settings;
static volatile int cancel_word;

typedef struct collect {
    sl_buf out;
    int ncols;
    uint32_t types[64];
} collect;

static sl_status collect_start(sl_dest *d, int ncols, const sl_column_desc *cols, sl_error *err)
{
    collect *c = d->state;
    (void)err;
    c->ncols = ncols;
    for (int i = 0; i < ncols; i++) {
        c->types[i] = cols[i].type_oid;
        sl_buf_printf(&c->out, "%s%s", i ? "|" : "", cols[i].name);
    }
    sl_buf_puts(&c->out, "\n");
    return SL_OK;
}

static sl_status collect_row(sl_dest *d, const char *const *values, sl_error *err)
{
    collect *c = d->state;
    (void)err;
    for (int i = 0; i < c->ncols; i++)
        sl_buf_printf(&c->out, "%s%s", i ? "|" : "", values[i] ? values[i] : "NULL");
    sl_buf_puts(&c->out, "\n");
    return SL_OK;
}

static sl_exec_ctx test_ctx(void)
{
    return (sl_exec_ctx){
        .stmt_cx = cx, .settings = settings, .cancel = &cancel_word, .role = "alice", .superuser = true};
}

/* Runs sql; returns the header and rows ("a|b\n1|2\n"), or "ERROR sqlstate: message". */
static const char *run(const char *sql, collect *c)
{
    sl_exec_ctx ctx = test_ctx();
    sl_pgcat_stmt *st;
    sl_error err;
    char tag[SL_TAG_MAX];
    sl_dest dest = {.start = collect_start, .row = collect_row, .state = c};

    sl_buf_init(&c->out);
    sl_buf_append(&c->out, "", 0);
    sl_error_clear(&err);
    if (sl_pgcat_prepare(&ctx, cx, sql, (int)strlen(sql), 0, NULL, &st, &err) != SL_OK ||
        sl_pgcat_execute(&ctx, st, NULL, &dest, tag, &err) != SL_OK) {
        sl_buf_free(&c->out);
        return sl_psprintf(cx, "ERROR %s: %s", err.sqlstate, err.message);
    }
    const char *r = sl_buf_pstrdup(&c->out, cx);
    sl_buf_free(&c->out);
    return r;
}

static int setup(void **state)
{
    sl_error err;
    sl_cat_column cols[] = {{"ts", "timestamp"}, {"station", "text"}, {"ph", "double"}};
    sl_option_value sink_opts[] = {{"url", "http://127.0.0.1:8086"}, {"password", "hunter2-secret"}};
    (void)state;
    if (mkdtemp(datadir) == NULL)
        return -1;
    cx = sl_mcxt_create(NULL, "test");
    if (sl_catalog_open(datadir, &err) != SL_OK || sl_config_init(datadir, &err) != SL_OK) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    settings = sl_settings_new(cx);
    sl_cat_role alice = {.name = "alice",
                         .superuser = true,
                         .login = true,
                         .verifier = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"};
    sl_cat_source src = {
        .name = "readings", .kind = "file", .ncolumns = 3, .columns = cols, .owner = "alice"};
    sl_cat_sink sink = {
        .name = "influx", .kind = "influxdb", .noptions = 2, .options = sink_opts, .owner = "alice"};
    if (sl_catalog_create_role(&alice, &err) != SL_OK || sl_catalog_create_source(&src, &err) != SL_OK ||
        sl_catalog_create_sink(&sink, &err) != SL_OK) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    char cmd[512];
    sl_exec_ctx ctx = test_ctx();
    sqlite3 *db;
    sl_error err;
    (void)state;
    /* the thread's catalog database goes with the thread; this one is the test's main thread */
    if (sl_pgcat_build(&ctx, false, &db, &err) == SL_OK)
        sl_pgcat_release(db, true);
    sl_catalog_close();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", datadir);
    if (system(cmd) != 0)
        return -1;
    sl_mcxt_delete(cx);
    return 0;
}

/* 1. which statements the catalog engine takes */
static void test_claims(void **state)
{
    (void)state;
#define CLAIMS(s) sl_pgcat_claims(s, (int)strlen(s))
    assert_true(CLAIMS("SELECT relname FROM pg_catalog.pg_class"));
    assert_true(CLAIMS("select c.relname from pg_class c"));
    assert_true(CLAIMS("SELECT * FROM information_schema.tables"));
    assert_true(CLAIMS("select pg_catalog.version()"));
    assert_true(CLAIMS("SELECT pg_backend_pid()"));
    assert_true(CLAIMS("SELECT * FROM unnest(current_schemas(true))"));
    assert_true(CLAIMS("select current_schema()"));
    assert_true(CLAIMS("SELECT 'readings'::regclass::oid"));
    assert_true(CLAIMS("WITH x AS (SELECT 1) SELECT * FROM pg_type"));
    assert_false(CLAIMS("SELECT 1"));
    assert_false(CLAIMS("SELECT version()"));
    assert_false(CLAIMS("SELECT station FROM readings"));
    assert_false(CLAIMS("SHOW standard_conforming_strings"));
    assert_false(CLAIMS("CREATE SOURCE pg_class FROM FILE"));
    assert_false(CLAIMS("SELECT 'pg_class'"));
    assert_false(CLAIMS("SELECT x FROM readings WHERE s = 'pg_catalog.pg_class'"));
#undef CLAIMS
}

static const char *tr(const char *sql, sl_pgcat_sql *out)
{
    sl_error err;
    assert_int_equal(sl_pgcat_translate(cx, sql, (int)strlen(sql), out, &err), SL_OK);
    return out->sql;
}

/* 2. the translation, piece by piece */
static void test_translate(void **state)
{
    sl_pgcat_sql out;
    sl_error err;
    (void)state;
#define TR(s) tr(s, &out)
    assert_non_null(strstr(TR("SELECT 'x'::regclass"), "pgcat_regname(2205, pgcat_regclass('x'))"));
    assert_non_null(strstr(TR("SELECT a FROM t WHERE a ~ '^p'"), "a REGEXP '^p'"));
    assert_non_null(strstr(TR("SELECT a FROM t WHERE a !~* 'P'"), "a NOT REGEXP char(1) || 'P'"));
    assert_non_null(strstr(
        TR("SELECT a FROM t WHERE a OPERATOR(pg_catalog.~) 'x' COLLATE pg_catalog.default"), "a REGEXP 'x'"));
    assert_null(strstr(out.sql, "COLLATE"));
    assert_non_null(strstr(TR("SELECT E'a\\nb'"), "'a\nb'"));
    assert_non_null(strstr(TR("SELECT $q$it's$q$"), "'it''s'"));
    assert_non_null(strstr(TR("SELECT a FROM t WHERE a = ANY($1)"),
                           "a IN (SELECT value FROM json_each(pgcat_array_json( ?1 )))"));
    assert_non_null(strstr(TR("SELECT ARRAY[1, 2]"), "pgcat_array( 1 , 2 )"));
    assert_non_null(strstr(TR("SELECT pg_catalog.format_type(1, NULL)"), "format_type ( 1"));
    assert_non_null(strstr(TR("SELECT a AS default FROM t"), "as \"default\""));
    /* columns: names and types as PostgreSQL gives them */
    (void)TR("SELECT c.relname, count(*), c.oid::regclass, 1, 'x', c.relkind = 'r' AS isr, "
             "CASE WHEN true THEN 'a' END FROM pg_class c");
    assert_int_equal(out.nitems, 7);
    assert_string_equal(out.items[0].name, "relname");
    assert_int_equal(out.items[0].type_oid, 0); /* the column's declared type */
    assert_string_equal(out.items[1].name, "count");
    assert_int_equal(out.items[1].type_oid, 20);
    assert_string_equal(out.items[2].name, "oid");
    assert_int_equal(out.items[2].type_oid, 2205);
    assert_string_equal(out.items[3].name, "?column?");
    assert_int_equal(out.items[3].type_oid, 23);
    assert_int_equal(out.items[4].type_oid, 25);
    assert_string_equal(out.items[5].name, "isr");
    assert_int_equal(out.items[5].type_oid, 16);
    assert_string_equal(out.items[6].name, "case");
    assert_int_equal(out.items[6].type_oid, 25);
    /* $1::regclass types the parameter */
    (void)TR("SELECT relname FROM pg_class WHERE oid = $1::regclass");
    assert_int_equal(out.nparams, 1);
    assert_int_equal(out.param_oids[0], 2205);
    /* errors */
    assert_int_equal(sl_pgcat_translate(cx, "SELECT 'abc", 11, &out, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "42601");
    assert_int_equal(err.position, 8);
    assert_int_equal(sl_pgcat_translate(cx, "SELECT 1; SELECT 2", 18, &out, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "0A000");
#undef TR
}

/* 3. statements against the catalog */
static void test_engine(void **state)
{
    collect c;
    (void)state;
    assert_string_equal(
        run("SELECT c.relname, c.relkind, c.relnatts FROM pg_catalog.pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1",
            &c),
        "relname|relkind|relnatts\ninflux|f|0\nreadings|r|3\n");
    assert_int_equal(c.types[0], 19);
    assert_int_equal(c.types[1], 18);
    assert_int_equal(c.types[2], 21);
    assert_string_equal(run("SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull "
                            "FROM pg_attribute a WHERE a.attrelid = 'readings'::regclass AND a.attnum > 0 "
                            "ORDER BY a.attnum",
                            &c),
                        "attname|format_type|attnotnull\nts|timestamp without time zone|f\nstation|text|f\n"
                        "ph|double precision|f\n");
    assert_int_equal(c.types[2], 16);
    assert_string_equal(run("SELECT t.oid, typarray, typinput, typreceive::oid <> 0 AS recv FROM pg_type t "
                            "WHERE typname IN ('int4', '_int4') ORDER BY 1",
                            &c),
                        "oid|typarray|typinput|recv\n23|1007|int4in|t\n1007|0|array_in|t\n");
    assert_int_equal(c.types[0], 26);
    assert_int_equal(c.types[2], 24);
    assert_string_equal(run("SELECT count(*) FROM pg_catalog.pg_type WHERE typname = 'hstore'", &c),
                        "count\n0\n");
    assert_int_equal(c.types[0], 20);
    assert_string_equal(run("SELECT * FROM unnest(current_schemas(true))", &c),
                        "unnest\npg_catalog\npublic\n");
    assert_string_equal(run("SELECT ARRAY(SELECT nspname FROM pg_namespace ORDER BY 1) AS n", &c),
                        "n\n{information_schema,pg_catalog,public}\n");
    assert_string_equal(run("SELECT pg_advisory_unlock_all()", &c), "pg_advisory_unlock_all\nNULL\n");
    assert_int_equal(c.types[0], 2278);
    assert_string_equal(run("SELECT current_setting('no_such_setting')", &c),
                        "ERROR 42704: unrecognized configuration parameter \"no_such_setting\"");
    assert_string_equal(run("SELECT relname FROM pg_nope", &c),
                        "ERROR 42P01: relation \"pg_nope\" does not exist");
    assert_string_equal(run("SELECT 'pg_nope'::regclass FROM pg_class", &c),
                        "ERROR 42P01: relation \"pg_nope\" does not exist");
    assert_string_equal(run("SELECT 1 FROM pg_class WHERE relname LIKE 'READ%'", &c), "?column?\n");
    assert_string_equal(run("SELECT relname FROM pg_class WHERE relname ILIKE 'READ%'", &c),
                        "relname\nreadings\n");
    /* bool_column = 't' compares as PostgreSQL's */
    assert_string_equal(run("SELECT count(*) FROM pg_attribute a WHERE a.attrelid = 'readings'::regclass AND "
                            "a.attisdropped = 'f' AND a.attnotnull <> 't'",
                            &c),
                        "count\n3\n");
}

/* 3a. every prefix of real catalog statements, and each with one byte changed: no crash, an answer
 * or an error with a SQLSTATE */
static void test_prefixes(void **state)
{
    static const char *const stmts[] = {
        "SELECT n.nspname as \"Schema\", c.relname as \"Name\", CASE c.relkind WHEN 'r' THEN 'table' END as "
        "\"Type\", pg_catalog.pg_get_userbyid(c.relowner) as \"Owner\" FROM pg_catalog.pg_class c LEFT JOIN "
        "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p','v','m','S','f','') "
        "AND "
        "n.nspname !~ '^pg_toast' AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1,2;",
        "SELECT r.rolname, ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles "
        "b ON "
        "(m.roleid = b.oid) WHERE m.member = r.oid) as memberof FROM pg_catalog.pg_roles r WHERE r.rolname "
        "!~ '^pg_'",
        "SELECT oid, stxrelid::pg_catalog.regclass, 'd' = any(stxkind) AS nd, E'a\\n' || $x$y$x$ FROM "
        "pg_catalog.pg_statistic_ext WHERE stxrelid = '1' /* c */ -- d\n ORDER BY 1",
        "SELECT * FROM unnest(current_schemas(true)) AS s(r), generate_series(1, 3) g WHERE r = \"g\"[1]",
    };
    sl_pgcat_sql out;
    sl_error err;
    collect c;
    (void)state;
    for (size_t k = 0; k < sizeof(stmts) / sizeof(stmts[0]); k++) {
        size_t n = strlen(stmts[k]);
        char *buf = sl_pstrdup(cx, stmts[k]);
        for (size_t len = 0; len <= n; len++) {
            sl_error_clear(&err);
            if (sl_pgcat_translate(cx, stmts[k], (int)len, &out, &err) != SL_OK)
                assert_true(err.sqlstate[0] != '\0');
            (void)sl_pgcat_claims(stmts[k], (int)len);
        }
        for (size_t at = 0; at < n; at += 7) {
            char saved = buf[at];
            buf[at] = "('\"$:;[]"[at % 9];
            if (sl_pgcat_translate(cx, buf, (int)n, &out, &err) == SL_OK && at % 21 == 0) {
                const char *r = run(buf, &c); /* runs, or fails with a message */
                assert_true(strncmp(r, "ERROR", 5) != 0 || strlen(r) > 12);
            }
            buf[at] = saved;
        }
    }
}

/* 3b. the extended protocol's use: parameters, described before they run, executed twice */
static void test_params(void **state)
{
    sl_exec_ctx ctx = test_ctx();
    sl_pgcat_stmt *st;
    sl_error err;
    char tag[SL_TAG_MAX];
    collect c;
    sl_dest dest = {.start = collect_start, .row = collect_row, .state = &c};
    const char *sql =
        "SELECT c.relname, c.relnatts FROM pg_catalog.pg_class c WHERE c.relname = $1 OR c.oid = $2";
    const uint32_t given[] = {0, 26};
    (void)state;
    assert_int_equal(sl_pgcat_prepare(&ctx, cx, sql, (int)strlen(sql), 2, given, &st, &err), SL_OK);
    assert_int_equal(sl_pgcat_nparams(st), 2);
    assert_int_equal(sl_pgcat_param_oid(st, 0), 19); /* compared with relname: name, as PostgreSQL infers */
    assert_int_equal(sl_pgcat_param_oid(st, 1), 26);
    assert_int_equal(sl_pgcat_ncols(st), 2);
    assert_string_equal(sl_pgcat_cols(st)[0].name, "relname");
    assert_int_equal(sl_pgcat_cols(st)[0].type_oid, 19);
    assert_int_equal(sl_pgcat_cols(st)[1].type_oid, 21);
    for (int round = 0; round < 2; round++) {
        const char *params[] = {round == 0 ? "readings" : "nothing", round == 0 ? NULL : "0"};
        sl_buf_init(&c.out);
        sl_buf_append(&c.out, "", 0);
        assert_int_equal(sl_pgcat_execute(&ctx, st, params, &dest, tag, &err), SL_OK);
        assert_string_equal(sl_buf_pstrdup(&c.out, cx),
                            round == 0 ? "relname|relnatts\nreadings|3\n" : "relname|relnatts\n");
        assert_string_equal(tag, round == 0 ? "SELECT 1" : "SELECT 0");
        sl_buf_free(&c.out);
    }
    sl_pgcat_close(st);
    /* a cast of a parameter types it */
    sql = "SELECT relname FROM pg_class WHERE oid = $1::regclass";
    assert_int_equal(sl_pgcat_prepare(&ctx, cx, sql, (int)strlen(sql), 0, NULL, &st, &err), SL_OK);
    assert_int_equal(sl_pgcat_param_oid(st, 0), 2205);
    const char *name[] = {"readings"};
    sl_buf_init(&c.out);
    sl_buf_append(&c.out, "", 0);
    assert_int_equal(sl_pgcat_execute(&ctx, st, name, &dest, tag, &err), SL_OK);
    assert_string_equal(sl_buf_pstrdup(&c.out, cx), "relname\nreadings\n");
    sl_buf_free(&c.out);
}

/* 4. no secret shows, and the client's SQL cannot reach beyond reading */
static void test_security(void **state)
{
    collect c;
    const char *r;
    (void)state;
    r = run("SELECT rolname, rolpassword FROM pg_authid WHERE rolname = 'alice'", &c);
    assert_string_equal(r, "rolname|rolpassword\nalice|NULL\n");
    r = run("SELECT rolpassword FROM pg_roles WHERE rolname = 'alice'", &c);
    assert_string_equal(r, "rolpassword\n********\n");
    /* no option value anywhere: the whole database has no "hunter2" */
    static const char *const everything[] = {"SELECT * FROM pg_class",
                                             "SELECT * FROM pg_attribute",
                                             "SELECT * FROM pg_settings",
                                             "SELECT * FROM pg_authid",
                                             "SELECT * FROM information_schema.tables",
                                             "SELECT * FROM pg_views",
                                             "SELECT * FROM pg_foreign_table",
                                             "SELECT * FROM pg_catalog.pgcat_access"};
    for (size_t i = 0; i < sizeof(everything) / sizeof(everything[0]); i++) {
        r = run(everything[i], &c);
        assert_null(strstr(r, "hunter2"));
        assert_null(strstr(r, "c3RvcmVk")); /* the verifier's stored key */
    }
    /* no ATTACH, PRAGMA, writes, extensions, files */
    assert_non_null(strstr(run("SELECT * FROM pragma_table_info('pg_class')", &c), "ERROR"));
    assert_non_null(strstr(run("SELECT load_extension('/tmp/x.so') FROM pg_class", &c), "ERROR"));
    assert_non_null(strstr(run("SELECT * FROM sqlite_master", &c), "ERROR"));
    assert_non_null(strstr(run("ATTACH '/tmp/x.db' AS x", &c), "ERROR"));
    assert_non_null(strstr(run("WITH x AS (SELECT 1) DELETE FROM pg_class", &c), "ERROR"));
    assert_non_null(strstr(run("SELECT 1; DROP TABLE pg_class", &c), "ERROR"));
    /* a runaway cross join is stopped, and so is a cancelled statement */
    time_t t0 = time(NULL);
    r = run("SELECT count(*) FROM pg_attribute a, pg_attribute b, pg_attribute c, pg_attribute d", &c);
    assert_non_null(strstr(r, "ERROR 54000"));
    assert_true(time(NULL) - t0 < 60);
    cancel_word = 2;
    r = run("SELECT count(*) FROM pg_attribute a, pg_attribute b, pg_attribute c", &c);
    cancel_word = 0;
    assert_non_null(strstr(r, "ERROR 57014"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims),   cmocka_unit_test(test_translate), cmocka_unit_test(test_engine),
        cmocka_unit_test(test_prefixes), cmocka_unit_test(test_params),    cmocka_unit_test(test_security),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
