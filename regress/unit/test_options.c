/*
 * test_options.c - unit tests of connector options, the catalog and the
 * execution of DDL/SHOW/DESCRIBE/SET statements.
 *
 * Statements are built as AST nodes directly (SL_NEW), so these tests do
 * not depend on the parser; error positions are checked against offsets in
 * a query text written to match.  Each test runs against a fresh catalog
 * in its own temporary data directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parser/ast.h"
#include "server/catalog/catalog.h"
#include "server/catalog/secret.h"
#include "server/catalog/secret_store.h"
#include "server/config.h"
#include "server/connectors/confinement.h"
#include "server/commands/exec.h"
#include "server/connectors/builtin.h"
#include "server/connectors/registry.h"

/* ---- fixtures ---- */

static char datadir[256];
static sl_mcxt *cx;
static sl_settings *settings;

static void remove_datadir(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
    sl_error err;

    snprintf(datadir, sizeof(datadir), "/tmp/sl_test_options_XXXXXX");
    if (mkdtemp(datadir) == NULL)
        return -1;
    cx = sl_mcxt_create(NULL, "test");
    sl_connectors_register_builtin();
    if (sl_catalog_open(datadir, &err) != SL_OK || sl_secret_store_start(datadir, &err) != SL_OK) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    if (sl_config_init(datadir, &err) != SL_OK || sl_confinement_init(datadir, &err) != SL_OK) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    settings = sl_settings_new(cx);
    return 0;
}

static int teardown(void **state)
{
    sl_catalog_close();
    sl_confinement_shutdown();
    sl_mcxt_delete(cx);
    remove_datadir(datadir);
    return 0;
}

/* ---- a destination that prints rows as "a|b|c" lines ---- */

typedef struct test_dest {
    sl_dest dest;
    char out[16384];
    char notices[1024];
} test_dest;

static void td_append(char *buf, size_t size, const char *s)
{
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "%s", s);
}

static sl_status td_start(sl_dest *d, int ncols, const sl_column_desc *cols, sl_error *err)
{
    test_dest *t = (test_dest *)d;

    t->dest.state = (void *)(intptr_t)ncols;
    for (int i = 0; i < ncols; i++) {
        td_append(t->out, sizeof(t->out), i ? "|" : "");
        td_append(t->out, sizeof(t->out), cols[i].name);
    }
    td_append(t->out, sizeof(t->out), "\n");
    return SL_OK;
}

static sl_status td_row(sl_dest *d, const char *const *values, sl_error *err)
{
    test_dest *t = (test_dest *)d;
    int ncols = (int)(intptr_t)t->dest.state;

    for (int i = 0; i < ncols; i++) {
        td_append(t->out, sizeof(t->out), i ? "|" : "");
        td_append(t->out, sizeof(t->out), values[i] ? values[i] : "<null>");
    }
    td_append(t->out, sizeof(t->out), "\n");
    return SL_OK;
}

static void td_notice(sl_dest *d, const char *message)
{
    test_dest *t = (test_dest *)d;
    td_append(t->notices, sizeof(t->notices), message);
    td_append(t->notices, sizeof(t->notices), "\n");
}

static test_dest td;
static sl_error err;
static char tag[SL_TAG_MAX];
static bool in_txn;

/* Runs stmt with query_text as the text its locations point into. */
static sl_status run_text(void *stmt, const char *query_text)
{
    sl_mcxt *stmt_cx = sl_mcxt_create(cx, "stmt");
    /* As a superuser: privileges are regress/scripts/privileges.sh's. */
    sl_exec_ctx ctx = {.stmt_cx = stmt_cx,
                       .settings = settings,
                       .query_text = query_text,
                       .in_transaction = in_txn,
                       .role = "tester",
                       .superuser = true};
    sl_raw_stmt raw = {.stmt = stmt, .location = 0, .length = query_text ? (int)strlen(query_text) : 0};
    sl_status st;

    memset(&td, 0, sizeof(td));
    td.dest.start = td_start;
    td.dest.row = td_row;
    td.dest.notice = td_notice;
    st = sl_exec_statement(&ctx, &raw, &td.dest, tag, &err);
    in_txn = ctx.in_transaction;
    sl_mcxt_delete(stmt_cx);
    return st;
}

static sl_status run(void *stmt)
{
    return run_text(stmt, NULL);
}

#define assert_error(st, code)                                                                               \
    do {                                                                                                     \
        assert_int_equal((st), SL_ERROR);                                                                    \
        assert_string_equal(err.sqlstate, (code));                                                           \
    } while (0)

#define assert_ok(st)                                                                                        \
    do {                                                                                                     \
        sl_status st_ = (st);                                                                                \
        if (st_ != SL_OK)                                                                                    \
            fail_msg("statement failed: %s %s (%s)", err.sqlstate, err.message, err.hint);                   \
    } while (0)

/* ---- AST builders ---- */

/* Location of needle in text, or -1. */
static int loc_of(const char *text, const char *needle)
{
    const char *p = text ? strstr(text, needle) : NULL;
    return p ? (int)(p - text) : -1;
}

static sl_Option *opt_const(const char *name, sl_Const *c, int loc)
{
    sl_Option *o = SL_NEW(cx, Option, loc);
    o->name = name;
    o->value = c;
    return o;
}

static sl_Option *opt_s(const char *name, const char *value)
{
    sl_Const *c = SL_NEW(cx, Const, -1);
    c->kind = SL_CONST_STRING;
    c->text = value;
    return opt_const(name, c, -1);
}

/* A string option located in text: name at the first "name =", value at "'value'". */
static sl_Option *opt_s_at(const char *text, const char *name, const char *value)
{
    char pat[128];
    sl_Const *c;

    snprintf(pat, sizeof(pat), "'%s'", value);
    c = SL_NEW(cx, Const, loc_of(text, pat));
    c->kind = SL_CONST_STRING;
    c->text = value;
    snprintf(pat, sizeof(pat), "%s =", name);
    if (strchr(name, ' ') != NULL) /* "path = 'b": the name is what precedes " =" */
        return opt_const(sl_pstrndup(cx, name, (size_t)(strchr(name, ' ') - name)), c, loc_of(text, name));
    return opt_const(name, c, loc_of(text, pat));
}

static sl_Option *opt_i(const char *name, int64_t v)
{
    sl_Const *c = SL_NEW(cx, Const, -1);
    c->kind = SL_CONST_INT;
    c->ival = v;
    return opt_const(name, c, -1);
}

static sl_Option *opt_num(const char *name, const char *text)
{
    sl_Const *c = SL_NEW(cx, Const, -1);
    c->kind = SL_CONST_NUMERIC;
    c->text = text;
    c->dval = atof(text);
    return opt_const(name, c, -1);
}

static sl_Option *opt_b(const char *name, bool v)
{
    sl_Const *c = SL_NEW(cx, Const, -1);
    c->kind = SL_CONST_BOOL;
    c->bval = v;
    return opt_const(name, c, -1);
}

static sl_Option *opt_iv(const char *name, int64_t us)
{
    sl_Const *c = SL_NEW(cx, Const, -1);
    c->kind = SL_CONST_INTERVAL;
    c->ival = us;
    return opt_const(name, c, -1);
}

static sl_list *opts(int n, ...)
{
    sl_list *l = NULL;
    va_list ap;

    va_start(ap, n);
    for (int i = 0; i < n; i++)
        l = sl_list_append(cx, l, va_arg(ap, sl_Option *));
    va_end(ap);
    return l;
}

static sl_CreateSinkStmt *create_sink(const char *name, const char *kind, sl_list *options)
{
    sl_CreateSinkStmt *s = SL_NEW(cx, CreateSinkStmt, 0);
    s->name = name;
    s->kind = kind;
    s->options = options;
    return s;
}

static sl_ColumnDef *coldef(const char *name, const char *type, int loc, int type_loc)
{
    sl_ColumnDef *c = SL_NEW(cx, ColumnDef, loc);
    c->name = name;
    c->type = SL_NEW(cx, TypeName, type_loc);
    c->type->name = type;
    return c;
}

static sl_CreateSourceStmt *create_source(const char *name, const char *kind, sl_list *columns,
                                          sl_list *options)
{
    sl_CreateSourceStmt *s = SL_NEW(cx, CreateSourceStmt, 0);
    s->name = name;
    s->kind = kind;
    s->columns = columns;
    s->options = options;
    return s;
}

static sl_DropStmt *drop(sl_object_kind obj, const char *name, bool if_exists)
{
    sl_DropStmt *d = SL_NEW(cx, DropStmt, 0);
    d->object = obj;
    d->name = name;
    d->if_exists = if_exists;
    return d;
}

static sl_ShowStmt *show(sl_show_kind what, const char *name)
{
    sl_ShowStmt *s = SL_NEW(cx, ShowStmt, 0);
    s->what = what;
    s->name = name;
    return s;
}

static sl_DescribeStmt *describe(const char *name)
{
    sl_DescribeStmt *d = SL_NEW(cx, DescribeStmt, 0);
    d->name = name;
    return d;
}

static sl_AlterStmt *alter(sl_object_kind obj, const char *name, sl_list *options)
{
    sl_AlterStmt *a = SL_NEW(cx, AlterStmt, 0);
    a->object = obj;
    a->name = name;
    a->options = options;
    return a;
}

/* ---- option values ---- */

static const char *norm(const sl_option_decl *d, const char *text)
{
    const char *out = NULL;
    if (sl_option_parse(d, text, cx, &out, &err) != SL_OK)
        return NULL;
    return out;
}

static void test_values(void **state)
{
    const sl_option_decl d_int = {.name = "rows", .type = SL_OPT_INT};
    const sl_option_decl d_num = {.name = "rate", .type = SL_OPT_NUMBER, .min = 0.001, .max = 1e9};
    const sl_option_decl d_bool = {.name = "gzip", .type = SL_OPT_BOOL};
    const sl_option_decl d_iv = {.name = "idle_timeout", .type = SL_OPT_INTERVAL};
    const sl_option_decl d_size = {.name = "rotate", .type = SL_OPT_SIZE};
    const sl_option_decl d_enum = {
        .name = "codec", .type = SL_OPT_ENUM, .choices = SL_CHOICES("deflate", "null")};
    const sl_option_decl d_str = {.name = "path", .type = SL_OPT_STRING, .required = true};

    /* 1.1 normalised spellings */
    assert_string_equal(norm(&d_int, " +42 "), "42");
    assert_string_equal(norm(&d_num, "100"), "100");
    assert_string_equal(norm(&d_num, "0.010"), "0.01");
    assert_string_equal(norm(&d_num, "1e3"), "1000");
    assert_string_equal(norm(&d_bool, "ON"), "true");
    assert_string_equal(norm(&d_bool, "no"), "false");
    assert_string_equal(norm(&d_iv, "30s"), "30 seconds");
    assert_string_equal(norm(&d_iv, "1 minute 30 seconds"), "90 seconds");
    assert_string_equal(norm(&d_iv, "2 HOURS"), "2 hours");
    assert_string_equal(norm(&d_iv, "1500ms"), "1500 milliseconds");
    assert_string_equal(norm(&d_iv, "60 s"), "1 minute");
    assert_string_equal(norm(&d_iv, "1.5h"), "90 minutes");
    assert_string_equal(norm(&d_size, "64MB"), "64MB");
    assert_string_equal(norm(&d_size, "64mb"), "64MB");
    assert_string_equal(norm(&d_size, "1024"), "1kB");
    assert_string_equal(norm(&d_size, "1.5 GB"), "1536MB");
    assert_string_equal(norm(&d_size, "1000"), "1000B");
    assert_string_equal(norm(&d_enum, "NULL"), "null");
    assert_string_equal(norm(&d_str, "x'y"), "x'y");

    /* 1.2 wrong values name the option and what it takes */
    assert_null(norm(&d_num, "abc"));
    assert_string_equal(err.sqlstate, "22023");
    assert_string_equal(err.message, "invalid value for option \"rate\": \"abc\"");
    assert_null(norm(&d_num, "0"));
    assert_string_equal(err.detail, "Option \"rate\" takes values from 0.001 to 1e+09.");
    assert_null(norm(&d_num, "inf"));
    assert_null(norm(&d_num, "0x10"));
    assert_null(norm(&d_int, "1.5"));
    assert_null(norm(&d_int, "-5"));
    assert_string_equal(err.detail, "Option \"rows\" must be zero or more.");
    assert_null(norm(&d_int, "99999999999999999999"));
    assert_null(norm(&d_bool, "maybe"));
    assert_string_equal(err.message, "invalid value for option \"gzip\": \"maybe\"");
    assert_string_equal(err.hint, "Write true or false.");
    assert_null(norm(&d_size, "64XB"));
    assert_non_null(strstr(err.hint, "B, kB, MB, GB, TB"));
    assert_null(norm(&d_size, "1.3B"));
    assert_null(norm(&d_iv, "10"));
    assert_non_null(strstr(err.hint, "'30 seconds'"));
    assert_null(norm(&d_iv, "soon"));
    assert_null(norm(&d_iv, "0s"));
    assert_string_equal(err.detail, "Option \"idle_timeout\" must be a positive interval.");
    assert_null(norm(&d_enum, "snappy"));
    assert_string_equal(err.hint, "Valid values: deflate, null.");
    assert_null(norm(&d_str, "  "));
    assert_string_equal(err.message, "option \"path\" must not be empty");
}

static void test_registry(void **state)
{
    static const sl_option_decl bad_enum[] = {{.name = "x", .type = SL_OPT_ENUM}, {0}};
    static const sl_option_decl bad_default[] = {{.name = "x", .type = SL_OPT_INT, .default_value = "ten"},
                                                 {0}};
    static const sl_option_decl dup[] = {{.name = "x"}, {.name = "x"}, {0}};
    static const sl_sink_kind k_version = {.api_version = 99, .name = "v99"};
    static const sl_sink_kind k_name = {.api_version = SL_SINK_API_VERSION, .name = "Bad Name"};
    static const sl_sink_kind k_taken = {.api_version = SL_SINK_API_VERSION, .name = "influxdb"};
    static const sl_sink_kind k_enum = {.api_version = SL_SINK_API_VERSION, .name = "e", .options = bad_enum};
    static const sl_sink_kind k_default = {
        .api_version = SL_SINK_API_VERSION, .name = "d", .options = bad_default};
    static const sl_sink_kind k_dup = {.api_version = SL_SINK_API_VERSION, .name = "dup", .options = dup};
    static const sl_option_decl ext_options[] = {{.name = "note"}, {0}};
    static const sl_sink_kind k_ext = {
        .api_version = SL_SINK_API_VERSION, .name = "nullsink", .options = ext_options};
    const sl_sink_kind *influx = sl_sink_kind_find("INFLUXDB");

    /* 2.1 every kind of the brief is registered */
    assert_non_null(influx);
    assert_string_equal(sl_sink_kind_names(cx), "avro, dynamodb, file, influxdb, kafka, webhook");
    assert_string_equal(sl_source_kind_names(cx), "avro, file, generator, kafka, xlsx");
    /* 2.2 registering the same struct again is harmless */
    sl_connectors_register_builtin();
    assert_int_equal(sl_sink_kind_register(influx, &err), SL_OK);
    /* 2.3 bad kinds are refused */
    assert_int_equal(sl_sink_kind_register(&k_version, &err), SL_ERROR);
    assert_non_null(strstr(err.message, "API version 99"));
    assert_int_equal(sl_sink_kind_register(&k_name, &err), SL_ERROR);
    assert_int_equal(sl_sink_kind_register(&k_taken, &err), SL_ERROR);
    assert_string_equal(err.message, "sink kind \"influxdb\" is already registered");
    assert_int_equal(sl_sink_kind_register(&k_enum, &err), SL_ERROR);
    assert_int_equal(sl_sink_kind_register(&k_default, &err), SL_ERROR);
    assert_int_equal(sl_sink_kind_register(&k_dup, &err), SL_ERROR);
    /* 2.4 an extension's kind works like a built-in one */
    assert_int_equal(sl_sink_kind_register(&k_ext, &err), SL_OK);
    assert_ok(run(create_sink("n", "nullsink", opts(2, opt_s("note", "hi"), opt_i("batch_rows", 7)))));
    assert_ok(run(show(SL_SHOW_SINKS, NULL)));
    assert_string_equal(td.out, "name|kind|options|state|rows|batches|retries|last_error|last_error_at\nn|"
                                "nullsink|note = 'hi', batch_rows = '7'|ok|0|0|0|<null>|<null>\n");
}

/* ---- CREATE SINK / SOURCE ---- */

static void test_create_sinks(void **state)
{
    /* 3.1 one of each kind */
    assert_ok(run(create_sink("influx", "influxdb",
                              opts(5, opt_s("url", "http://127.0.0.1:8086"), opt_s("database", "water"),
                                   opt_s("tags", "station"), opt_s("username", "admin"),
                                   opt_s("password", "hunter2")))));
    assert_string_equal(tag, "CREATE SINK");
    assert_ok(run(create_sink("influx2", "influxdb",
                              opts(4, opt_s("url", "http://x"), opt_s("org", "acme"), opt_s("bucket", "w"),
                                   opt_s("token", "s3cr3t")))));
    assert_ok(
        run(create_sink("dynamo", "dynamodb",
                        opts(6, opt_s("endpoint", "http://127.0.0.1:8000"), opt_s("region", "eu-west-1"),
                             opt_s("table", "quality"), opt_s("key", "station"),
                             opt_s("access_key_id", "AKID"), opt_s("secret_access_key", "wJal")))));
    assert_ok(run(
        create_sink("backup", "avro",
                    opts(3, opt_s("path", "archive/"), opt_s("rotate", "64mb"), opt_s("codec", "DEFLATE")))));
    assert_ok(run(create_sink(
        "processed", "kafka",
        opts(3, opt_s("topic", "water-processed"), opt_s("format", "json"), opt_s("compression", "lz4")))));
    assert_ok(
        run(create_sink("alerts", "webhook",
                        opts(3, opt_s("url", "http://127.0.0.1:9000/alert"),
                             opt_s("headers", "Authorization: Bearer xyz"), opt_iv("timeout", 5000000)))));
    assert_ok(run(create_sink("s", "file",
                              opts(4, opt_s("path", "out.csv"), opt_s("format", "csv"),
                                   opt_i("batch_rows", 500), opt_iv("flush_interval", 2000000)))));

    /* 3.2 SHOW SINKS: ordered by name, normalised, secrets masked */
    assert_ok(run(show(SL_SHOW_SINKS, NULL)));
    assert_string_equal(tag, "SHOW");
    assert_string_equal(
        td.out,
        "name|kind|options|state|rows|batches|retries|last_error|last_error_at\n"
        "alerts|webhook|url = 'http://127.0.0.1:9000/alert', headers = '********', timeout = '5 "
        "seconds'|ok|0|0|0|<null>|<null>\n"
        "backup|avro|path = 'archive/', rotate = '64MB', codec = 'deflate'|ok|0|0|0|<null>|<null>\n"
        "dynamo|dynamodb|endpoint = 'http://127.0.0.1:8000', region = 'eu-west-1', table = 'quality', "
        "key = 'station', access_key_id = '********', secret_access_key = '********'|ok|0|0|0|<null>|<null>\n"
        "influx|influxdb|url = 'http://127.0.0.1:8086', database = 'water', tags = 'station', "
        "username = 'admin', password = '********'|ok|0|0|0|<null>|<null>\n"
        "influx2|influxdb|url = 'http://x', org = 'acme', bucket = 'w', token = "
        "'********'|ok|0|0|0|<null>|<null>\n"
        "processed|kafka|topic = 'water-processed', format = 'json', compression = "
        "'lz4'|ok|0|0|0|<null>|<null>\n"
        "s|file|path = 'out.csv', format = 'csv', batch_rows = '500', flush_interval = '2 "
        "seconds'|ok|0|0|0|<null>|<null>\n");
    assert_null(strstr(td.out, "hunter2"));

    /* 3.3 DESCRIBE: options as given, then defaults; secrets masked */
    assert_ok(run(describe("influx")));
    assert_string_equal(tag, "DESCRIBE");
    assert_string_equal(td.out, "section|name|value\n"
                                "sink|influx|influxdb\n"
                                "option|url|http://127.0.0.1:8086\n"
                                "option|database|water\n"
                                "option|tags|station\n"
                                "option|username|admin\n"
                                "option|password|********\n"
                                "default|precision|ns\n"
                                "default|gzip|false\n"
                                "default|timeout|30 seconds\n"
                                "default|batch_rows|5000\n"
                                "default|batch_bytes|4MB\n"
                                "default|flush_interval|1 second\n"
                                "default|max_retries|10\n"
                                "default|retry_backoff|100 milliseconds\n");

    /* 3.4 the catalog holds the secret sealed; opened for this sink it is
     * the real one (what the engine gives the connector), for another not */
    {
        const sl_option_decl *decls[3] = {sl_sink_kind_find("influxdb")->options, sl_sink_framework_options,
                                          NULL};
        sl_cat_sink *sink;
        sl_option_value *plain;
        assert_int_equal(sl_catalog_get_sink(cx, "influx", &sink, &err), SL_OK);
        assert_string_equal(sink->options[4].name, "password");
        assert_true(sl_secret_is_sealed(sink->options[4].value));
        assert_int_equal(
            sl_secret_store_open(cx, "sink", "influx", decls, sink->noptions, sink->options, &plain, &err),
            SL_OK);
        assert_string_equal(plain[4].value, "hunter2");
        assert_string_equal(plain[0].value, sink->options[0].value);
        assert_int_equal(
            sl_secret_store_open(cx, "sink", "influx2", decls, sink->noptions, sink->options, &plain, &err),
            SL_ERROR);
        assert_string_equal(err.sqlstate, "XX001");
    }
}

static void test_option_errors(void **state)
{
    const char *q;

    /* 4.1 unknown kinds list the valid ones */
    assert_error(run(create_sink("f", "nosuchkind", opts(1, opt_s("path", "x")))), "42704");
    assert_string_equal(err.message, "unknown sink kind \"nosuchkind\"");
    /* (test_registry may have added an extension's kind to the list) */
    assert_true(strncmp(err.hint, "Valid sink kinds: avro, dynamodb, file, influxdb, kafka, ", 56) == 0);
    assert_error(run(create_source("k", "nosuchkind", NULL, opts(1, opt_s("topic", "w")))), "42704");
    assert_string_equal(err.message, "unknown source kind \"nosuchkind\"");
    assert_string_equal(err.hint, "Valid source kinds: avro, file, generator, kafka, xlsx.");

    /* 4.2 unknown option: names the valid ones, points at the option */
    q = "CREATE SINK w TO WEBHOOK WITH (url = 'http://h/', colour = 'blue')";
    assert_error(
        run_text(create_sink("w", "webhook",
                             opts(2, opt_s_at(q, "url", "http://h/"), opt_s_at(q, "colour", "blue"))),
                 q),
        "22023");
    assert_string_equal(err.message, "unknown option \"colour\" for sink kind webhook");
    assert_string_equal(err.hint,
                        "Valid options: batch_bytes, batch_rows, flush_interval, headers, max_retries, "
                        "retry_backoff, timeout, url.");
    assert_int_equal(err.position, loc_of(q, "colour") + 1);
    /* a near miss gets a suggestion */
    assert_error(run(create_source("k", "kafka", NULL, opts(1, opt_s("topik", "w")))), "22023");
    assert_non_null(strstr(err.hint, "Did you mean \"topic\"?"));

    /* 4.3 missing required option */
    assert_error(run(create_source("k", "kafka", NULL, opts(1, opt_s("format", "json")))), "22023");
    assert_string_equal(err.message, "missing required option \"topic\" for source kind kafka");
    assert_error(run(create_sink("i", "influxdb", opts(1, opt_s("database", "water")))), "22023");
    assert_string_equal(err.message, "missing required option \"url\" for sink kind influxdb");

    /* 4.4 wrong types, with the position of the value; positions count characters */
    q = "CREATE SOURCE x FROM XLSX WITH (path = 'é.xlsx', rate = 'fast')";
    assert_error(run_text(create_source("x", "xlsx", NULL,
                                        opts(2, opt_s_at(q, "path", "é.xlsx"), opt_s_at(q, "rate", "fast"))),
                          q),
                 "22023");
    assert_string_equal(err.message, "invalid value for option \"rate\": \"fast\"");
    assert_int_equal(err.position, loc_of(q, "'fast'")); /* é is two bytes, one character */
    assert_error(run(create_source("x", "xlsx", NULL, opts(2, opt_s("path", "a"), opt_s("header", "maybe")))),
                 "22023");
    assert_error(run(create_sink("a", "avro", opts(2, opt_s("path", "a/"), opt_s("rotate", "64XB")))),
                 "22023");
    assert_string_equal(err.message, "invalid value for option \"rotate\": \"64XB\"");
    assert_error(run(create_sink("a", "avro", opts(2, opt_s("path", "a/"), opt_s("codec", "snappy")))),
                 "22023");
    assert_string_equal(err.hint, "Valid values: deflate, null.");
    assert_error(
        run(create_source("k", "kafka", NULL, opts(2, opt_s("topic", "w"), opt_s("start", "middle")))),
        "22023");
    assert_string_equal(err.hint, "Valid values: earliest, latest.");
    assert_error(run(create_source("g", "generator", NULL, opts(1, opt_i("rows", -5)))), "22023");
    assert_error(run(create_source("g", "generator", NULL, opts(1, opt_num("late_fraction", "1.5")))),
                 "22023");
    assert_error(
        run(create_sink("w", "webhook", opts(2, opt_s("url", "http://u"), opt_s("timeout", "soon")))),
        "22023");
    assert_error(run(create_sink("f", "file", opts(2, opt_s("path", "x"), opt_s("format", "parquet")))),
                 "22023");
    assert_error(run(create_sink("f", "file", opts(2, opt_s("path", "x"), opt_b("format", true)))), "22023");
    /* batch_rows has a range (0 is allowed: no buffering) */
    assert_error(run(create_sink("f", "file", opts(2, opt_s("path", "x"), opt_i("batch_rows", -1)))),
                 "22023");

    /* 4.5 an option given twice; NULL */
    q = "CREATE SOURCE x FROM XLSX WITH (path = 'a.xlsx', path = 'b.xlsx')";
    assert_error(
        run_text(create_source("x", "xlsx", NULL,
                               opts(2, opt_s_at(q, "path", "a.xlsx"), opt_s_at(q, "path = 'b", "b.xlsx"))),
                 q),
        "42601");
    assert_string_equal(err.message, "option \"path\" specified more than once");
    assert_int_equal(err.position, loc_of(q, "path = 'b") + 1);
    {
        sl_Const *null_value = SL_NEW(cx, Const, -1);
        null_value->kind = SL_CONST_NULL;
        assert_error(run(create_sink("f", "file", opts(1, opt_const("path", null_value, -1)))), "22023");
        assert_string_equal(err.message, "option \"path\" cannot be NULL");
    }

    /* 4.6 cross-option checks of a kind */
    assert_error(run(create_sink("i", "influxdb", opts(1, opt_s("url", "http://u")))), "22023");
    assert_non_null(strstr(err.message, "needs database"));
    assert_error(
        run(create_sink("i", "influxdb",
                        opts(3, opt_s("url", "http://u"), opt_s("database", "d"), opt_s("org", "o")))),
        "22023");

    /* 4.7 literals of every kind are accepted where they fit */
    assert_ok(run(create_source("ok1", "kafka", NULL,
                                opts(4, opt_s("topic", "water"), opt_s("format", "JSON"),
                                     opt_s("start", "earliest"), opt_iv("idle_timeout", 30000000)))));
    assert_ok(run(create_source("gen", "generator", NULL,
                                opts(5, opt_i("rows", 1000), opt_i("stations", 5), opt_i("seed", 42),
                                     opt_num("late_fraction", "0.010"), opt_num("rate", "100")))));
    assert_ok(run(create_source("sheet", "xlsx", NULL,
                                opts(4, opt_s("path", "w.xlsx"), opt_s("sheet", "Sheet1"),
                                     opt_b("header", true), opt_s("loop", "on")))));
    assert_ok(run(show(SL_SHOW_SOURCES, NULL)));
    assert_string_equal(
        td.out, "name|kind|columns|options|event_time|watermark\n"
                "gen|generator|<null>|rows = '1000', stations = '5', seed = '42', late_fraction = '0.01', "
                "rate = '100'|<null>|<null>\n"
                "ok1|kafka|<null>|topic = 'water', format = 'json', start = 'earliest', idle_timeout = "
                "'30 seconds'|<null>|<null>\n"
                "sheet|xlsx|<null>|path = 'w.xlsx', sheet = 'Sheet1', header = 'true', loop = 'true'|<null>|"
                "<null>\n");
    /* nothing of the failed statements reached the catalog */
    assert_ok(run(show(SL_SHOW_SINKS, NULL)));
    assert_string_equal(td.out, "name|kind|options|state|rows|batches|retries|last_error|last_error_at\n");
}

static void test_columns(void **state)
{
    const char *q =
        "CREATE SOURCE r (ts TIMESTAMP, station TEXT, n INT, ph DOUBLE PRECISION, a BLOB) FROM KAFKA";
    sl_CreateSourceStmt *cs;

    /* 5.1 unknown type, at the type */
    cs = create_source("r", "kafka",
                       opts(2, coldef("ts", "timestamp", loc_of(q, "ts"), loc_of(q, "TIMESTAMP")),
                            coldef("a", "blob", loc_of(q, "a BLOB"), loc_of(q, "BLOB"))),
                       opts(1, opt_s("topic", "w")));
    assert_error(run_text(cs, q), "42704");
    assert_string_equal(err.message, "type \"blob\" does not exist");
    assert_int_equal(err.position, loc_of(q, "BLOB") + 1);

    /* 5.2 duplicate column, at the second one */
    cs = create_source("r", "kafka", opts(2, coldef("a", "text", 1, 2), coldef("a", "bigint", 40, 42)),
                       opts(1, opt_s("topic", "w")));
    assert_error(run_text(cs, q), "42710");
    assert_string_equal(err.message, "column \"a\" specified more than once");
    assert_int_equal(err.position, 41);

    /* 5.3 EVENT TIME names a declared timestamp column */
    cs = create_source("r", "generator", opts(1, coldef("a", "text", -1, -1)), opts(1, opt_i("rows", 1)));
    cs->event_time = "ts";
    assert_error(run(cs), "42703");
    assert_string_equal(err.message, "event time column \"ts\" is not a column of source \"r\"");
    cs->event_time = "a";
    assert_error(run(cs), "42804");

    /* 5.4 aliases normalised, watermark kept */
    cs = create_source(
        "readings", "kafka",
        opts(5, coldef("ts", "timestamptz", -1, -1), coldef("station", "varchar", -1, -1),
             coldef("n", "int", -1, -1), coldef("ph", "double precision", -1, -1),
             coldef("ok", "bool", -1, -1)),
        opts(3, opt_s("brokers", "localhost:9092"), opt_s("topic", "water"), opt_s("sasl_password", "pw")));
    cs->event_time = "ts";
    cs->has_watermark = true;
    cs->watermark_us = 5000000;
    assert_ok(run(cs));
    assert_string_equal(tag, "CREATE SOURCE");
    assert_ok(run(show(SL_SHOW_SOURCES, NULL)));
    assert_string_equal(
        td.out, "name|kind|columns|options|event_time|watermark\n"
                "readings|kafka|ts timestamp, station text, n bigint, ph double, ok boolean|"
                "brokers = 'localhost:9092', topic = 'water', sasl_password = '********'|ts|5 seconds\n");
    assert_ok(run(describe("readings")));
    assert_string_equal(td.out, "section|name|value\n"
                                "source|readings|kafka\n"
                                "column|ts|timestamp\n"
                                "column|station|text\n"
                                "column|n|bigint\n"
                                "column|ph|double\n"
                                "column|ok|boolean\n"
                                "event time|ts|<null>\n"
                                "watermark|<null>|5 seconds\n"
                                "option|brokers|localhost:9092\n"
                                "option|topic|water\n"
                                "option|sasl_password|********\n"
                                "default|format|json\n"
                                "default|start|earliest\n"
                                "default|header|false\n"
                                "default|idle_timeout|10 seconds\n"
                                "default|max_future|1 hour\n");
    /* 5.5 names are unique per kind: a sink may share a source's name */
    assert_error(run(cs), "42710");
    assert_string_equal(err.message, "source \"readings\" already exists");
    assert_ok(run(create_sink("readings", "file", opts(1, opt_s("path", "r.jsonl")))));
    assert_ok(run(describe("readings")));
    assert_non_null(strstr(td.out, "sink|readings|file\noption|path|r.jsonl\n"));
    assert_error(run(describe("nosuch")), "42P01");
    assert_string_equal(err.message, "source or sink \"nosuch\" does not exist");
}

/* ---- DROP, ALTER, dependencies ---- */

static void test_drop_alter(void **state)
{
    sl_cat_query q = {.name = "q1",
                      .sql = "SELECT * FROM gen INTO out",
                      .state = "running",
                      .source = "gen",
                      .sink = "out"};

    assert_ok(run(create_source("gen", "generator", NULL, opts(1, opt_i("rows", 10)))));
    assert_ok(run(create_sink("out", "file", opts(1, opt_s("path", "o.jsonl")))));

    /* 6.1 missing objects */
    assert_error(run(drop(SL_OBJ_SINK, "nosuch", false)), "42P01");
    assert_string_equal(err.message, "sink \"nosuch\" does not exist");
    assert_ok(run(drop(SL_OBJ_SINK, "nosuch", true)));
    assert_string_equal(tag, "DROP SINK");
    assert_string_equal(td.notices, "sink \"nosuch\" does not exist, skipping\n");
    assert_error(run(drop(SL_OBJ_QUERY, "nosuch", false)), "42704");
    assert_string_equal(err.message, "query \"nosuch\" does not exist");
    assert_ok(run(drop(SL_OBJ_QUERY, "nosuch", true)));
    assert_string_equal(tag, "DROP QUERY");

    /* 6.2 objects used by a query cannot be dropped */
    assert_int_equal(sl_catalog_create_query(&q, &err), SL_OK);
    assert_error(run(drop(SL_OBJ_SINK, "out", false)), "2BP01");
    assert_string_equal(err.message, "cannot drop sink \"out\" because query \"q1\" uses it");
    assert_error(run(drop(SL_OBJ_SOURCE, "gen", true)), "2BP01");
    assert_ok(run(show(SL_SHOW_QUERIES, NULL)));
    assert_string_equal(td.out,
                        "name|state|source|sink|rows_in|rows_out|late_rows|errors|started|sql|error|memory\n"
                        "q1|running|gen|out|0|0|0|0|<null>|SELECT * FROM gen INTO out|<null>|0\n");
    assert_ok(run(drop(SL_OBJ_QUERY, "q1", false)));
    assert_ok(run(drop(SL_OBJ_SINK, "out", false)));
    assert_string_equal(tag, "DROP SINK");
    assert_ok(run(drop(SL_OBJ_SOURCE, "gen", false)));
    assert_string_equal(tag, "DROP SOURCE");

    /* 6.3 dead_letter names an existing sink, which then cannot be dropped */
    assert_error(
        run(create_source("k", "kafka", NULL, opts(2, opt_s("topic", "t"), opt_s("dead_letter", "dl")))),
        "42P01");
    assert_string_equal(err.message, "sink \"dl\" does not exist");
    assert_ok(run(create_sink("dl", "file", opts(1, opt_s("path", "dl.jsonl")))));
    assert_ok(
        run(create_source("k", "kafka", NULL, opts(2, opt_s("topic", "t"), opt_s("dead_letter", "dl")))));
    assert_error(run(drop(SL_OBJ_SINK, "dl", false)), "2BP01");
    assert_string_equal(err.message,
                        "cannot drop sink \"dl\" because source \"k\" uses it as its dead_letter");

    /* 6.4 ALTER merges and re-validates */
    assert_ok(run(alter(SL_OBJ_SINK, "dl", opts(2, opt_s("format", "CSV"), opt_i("batch_rows", 10)))));
    assert_string_equal(tag, "ALTER SINK");
    assert_ok(run(show(SL_SHOW_SINKS, NULL)));
    assert_string_equal(td.out,
                        "name|kind|options|state|rows|batches|retries|last_error|last_error_at\ndl|file|path "
                        "= 'dl.jsonl', format = 'csv', batch_rows = '10'|ok|0|0|0|<null>|<null>\n");
    assert_ok(run(alter(SL_OBJ_SINK, "dl", opts(1, opt_s("path", "dl2.csv")))));
    assert_ok(run(show(SL_SHOW_SINKS, NULL)));
    assert_string_equal(td.out,
                        "name|kind|options|state|rows|batches|retries|last_error|last_error_at\ndl|file|path "
                        "= 'dl2.csv', format = 'csv', batch_rows = '10'|ok|0|0|0|<null>|<null>\n");
    assert_error(run(alter(SL_OBJ_SINK, "dl", opts(1, opt_s("colour", "blue")))), "22023");
    assert_error(run(alter(SL_OBJ_SINK, "dl", opts(1, opt_s("format", "xml")))), "22023");
    assert_error(run(alter(SL_OBJ_SINK, "nosuch", opts(1, opt_s("format", "csv")))), "42P01");
    assert_ok(run(alter(SL_OBJ_SOURCE, "k", opts(1, opt_s("start", "latest")))));
    assert_string_equal(tag, "ALTER SOURCE");
    assert_error(run(alter(SL_OBJ_SOURCE, "k", opts(1, opt_s("dead_letter", "nosuch")))), "42P01");
    assert_ok(run(create_sink("i", "influxdb", opts(2, opt_s("url", "http://u"), opt_s("database", "d")))));
    assert_error(run(alter(SL_OBJ_SINK, "i", opts(1, opt_s("org", "o")))), "22023"); /* both 1.x and 2.x */
    assert_ok(run(show(SL_SHOW_SINKS, NULL)));
    assert_string_equal(td.out,
                        "name|kind|options|state|rows|batches|retries|last_error|last_error_at\n"
                        "dl|file|path = 'dl2.csv', format = 'csv', batch_rows = '10'|ok|0|0|0|<null>|<null>\n"
                        "i|influxdb|url = 'http://u', database = 'd'|ok|0|0|0|<null>|<null>\n");
}

/* ---- SHOW/SET, queries, transactions ---- */

static void test_misc_statements(void **state)
{
    sl_SelectStmt *sel = SL_NEW(cx, SelectStmt, 0);
    sl_ResTarget *rt = SL_NEW(cx, ResTarget, 0);
    sl_FuncCall *fc = SL_NEW(cx, FuncCall, 0);
    sl_TransactionStmt *txn = SL_NEW(cx, TransactionStmt, 0);
    sl_QueryControlStmt *pause = SL_NEW(cx, QueryControlStmt, 0);
    sl_CreateQueryStmt *cq = SL_NEW(cx, CreateQueryStmt, 0);
    sl_ExplainStmt *ex = SL_NEW(cx, ExplainStmt, 0);
    sl_SetStmt *set = SL_NEW(cx, SetStmt, 0);

    /* 7.1 SELECT version() and constants */
    fc->name = "version";
    rt->expr = (sl_node *)fc;
    sel->targets = sl_list_append(cx, NULL, rt);
    sel->limit = -1;
    assert_ok(run(sel));
    assert_string_equal(tag, "SELECT 1");
    assert_true(strncmp(td.out, "version\nsluice 0.1.0 ", 21) == 0);
    {
        sl_ResTarget *one = SL_NEW(cx, ResTarget, 0);
        sl_Const *c = SL_NEW(cx, Const, 0);
        c->kind = SL_CONST_INT;
        c->ival = 1;
        one->expr = (sl_node *)c;
        one->alias = "one";
        sel->targets = sl_list_append(cx, NULL, one);
        assert_ok(run(sel));
        assert_string_equal(td.out, "one\n1\n");
    }
    /* 7.2 a query over a source that does not exist is refused before it starts */
    sel->from = "readings";
    assert_error(run(sel), "42P01");
    assert_string_equal(err.message, "source \"readings\" does not exist");
    cq->name = "q";
    cq->select = sel;
    assert_error(run(cq), "42601");
    assert_string_equal(err.message, "CREATE QUERY needs INTO sink");
    ex->stmt = (sl_node *)sel;
    assert_error(run(ex), "42P01");
    pause->name = "nosuch";
    assert_error(run(pause), "42704");
    assert_ok(run(show(SL_SHOW_QUERIES, NULL)));
    assert_string_equal(
        td.out, "name|state|source|sink|rows_in|rows_out|late_rows|errors|started|sql|error|memory\n");

    /* 7.3 transactions are accepted */
    in_txn = false;
    txn->kind = SL_TXN_BEGIN;
    assert_ok(run(txn));
    assert_string_equal(tag, "BEGIN");
    assert_true(in_txn);
    txn->kind = SL_TXN_COMMIT;
    assert_ok(run(txn));
    assert_string_equal(tag, "COMMIT");
    assert_false(in_txn);
    txn->kind = SL_TXN_ROLLBACK;
    assert_ok(run(txn));
    assert_string_equal(tag, "ROLLBACK");
    assert_string_equal(td.notices, "there is no transaction in progress\n");

    /* 7.4 SET and SHOW go through the session's settings */
    set->name = "application_name";
    set->value = "regress";
    assert_ok(run(set));
    assert_string_equal(tag, "SET");
    assert_ok(run(show(SL_SHOW_SETTING, "application_name")));
    assert_string_equal(td.out, "application_name\nregress\n");
    assert_error(run(show(SL_SHOW_SETTING, "nosuch_setting")), "42704");
    assert_ok(run(show(SL_SHOW_SETTING, "all")));
    assert_true(strncmp(td.out, "name|setting|description\n", 25) == 0);
    assert_non_null(strstr(td.out, "\napplication_name|regress|"));
}

/* ---- persistence and refusal ---- */

static void test_persistence(void **state)
{
    sl_error e;

    assert_ok(
        run(create_sink("influx", "influxdb",
                        opts(3, opt_s("url", "http://h"), opt_s("database", "w"), opt_s("password", "pw")))));
    assert_ok(run(create_source("gen", "generator", NULL, opts(2, opt_i("rows", 100), opt_i("seed", 1)))));
    assert_int_equal(sl_catalog_set_setting("embedded_kafka_address", "127.0.0.1:1", &e), SL_OK);
    sl_catalog_close();
    assert_int_equal(sl_catalog_open(datadir, &e), SL_OK);
    assert_ok(run(show(SL_SHOW_SINKS, NULL)));
    assert_string_equal(td.out, "name|kind|options|state|rows|batches|retries|last_error|last_error_"
                                "at\ninflux|influxdb|url = 'http://h', database = 'w', password = "
                                "'********'|ok|0|0|0|<null>|<null>\n");
    assert_ok(run(show(SL_SHOW_SOURCES, NULL)));
    assert_non_null(strstr(td.out, "gen|generator|<null>|rows = '100', seed = '1'"));
    {
        /* The catalog holds the password sealed, never as given. */
        sl_cat_sink *sink;
        assert_int_equal(sl_catalog_get_sink(cx, "influx", &sink, &e), SL_OK);
        assert_int_equal(sink->noptions, 3);
        assert_string_equal(sink->options[2].name, "password");
        assert_true(sl_secret_is_sealed(sink->options[2].value));
    }
    {
        const char *v;
        assert_int_equal(sl_catalog_get_setting(cx, "embedded_kafka_address", &v, &e), SL_OK);
        assert_string_equal(v, "127.0.0.1:1");
    }
    assert_ok(run(drop(SL_OBJ_SINK, "influx", false)));
    sl_catalog_close();
    assert_int_equal(sl_catalog_open(datadir, &e), SL_OK);
    assert_ok(run(show(SL_SHOW_SINKS, NULL)));
    assert_string_equal(td.out, "name|kind|options|state|rows|batches|retries|last_error|last_error_at\n");
    /* opening twice is a caller's bug, reported */
    assert_int_equal(sl_catalog_open(datadir, &e), SL_ERROR);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Runs sql on a fresh SQLite file at path. */
static void make_sqlite(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_refused(void **state)
{
    char dir[300], path[320];
    sl_error e;
    char garbage[8192];
    FILE *f;
    long size;

    sl_catalog_close(); /* the fixture's; these tests open their own */
    snprintf(dir, sizeof(dir), "%s/other", datadir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/catalog.db", dir);

    /* 8.1 not a database */
    memset(garbage, 'x', sizeof(garbage));
    write_file(path, garbage, sizeof(garbage));
    assert_int_equal(sl_catalog_open(dir, &e), SL_ERROR);
    assert_string_equal(e.sqlstate, "XX001");
    assert_non_null(strstr(e.message, "is not a valid SQLite database"));
    assert_non_null(strstr(e.hint, "never rewrites"));
    /* and it was not rewritten */
    f = fopen(path, "rb");
    assert_int_equal(fread(garbage, 1, sizeof(garbage), f), sizeof(garbage));
    fclose(f);
    assert_int_equal(garbage[0], 'x');

    /* 8.2 written by a newer sluice */
    unlink(path);
    make_sqlite(path, "PRAGMA application_id = 1399612261; PRAGMA user_version = 99; CREATE TABLE t (a);");
    assert_int_equal(sl_catalog_open(dir, &e), SL_ERROR);
    assert_string_equal(e.sqlstate, "XX001");
    snprintf(garbage, sizeof(garbage),
             "catalog \"%s\" was written by a newer version of sluice (schema 99, this build knows %d)", path,
             SL_CATALOG_SCHEMA_VERSION);
    assert_string_equal(e.message, garbage);

    /* 8.3 another application's database */
    unlink(path);
    make_sqlite(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);");
    assert_int_equal(sl_catalog_open(dir, &e), SL_ERROR);
    assert_non_null(strstr(e.message, "of another application"));

    /* 8.4 a real catalog with damaged pages fails quick_check */
    unlink(path);
    assert_int_equal(sl_catalog_open(dir, &e), SL_OK);
    for (int i = 0; i < 300; i++) {
        char name[32];
        snprintf(name, sizeof(name), "sink%03d", i);
        assert_ok(run(
            create_sink(sl_pstrdup(cx, name), "file", opts(1, opt_s("path", "a-long-enough-path.jsonl")))));
    }
    sl_catalog_close(); /* checkpoints the WAL into the file */
    f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    assert_true(size > 4 * 4096);
    memset(garbage, 0x5a, 4096);
    fseek(f, 2 * 4096, SEEK_SET); /* a whole b-tree page of the sinks table */
    fwrite(garbage, 1, 4096, f);
    fclose(f);
    assert_int_equal(sl_catalog_open(dir, &e), SL_ERROR);
    assert_string_equal(e.sqlstate, "XX001");
    assert_non_null(strstr(e.message, "is corrupt"));
    assert_true(strstr(e.detail, "quick_check") != NULL || strstr(e.detail, "SQLite") != NULL);

    /* 8.5 a missing data directory */
    assert_int_equal(sl_catalog_open("/nonexistent/sluice", &e), SL_ERROR);

    /* leave the fixture's catalog open again for teardown */
    assert_int_equal(sl_catalog_open(datadir, &e), SL_OK);
}

/* ---- docs ---- */

static void test_docs(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    sl_connector_write_docs(f);
    fclose(f);
    assert_non_null(strstr(buf, "Generated by `sluiced --describe-options`"));
    assert_non_null(strstr(buf, "### INFLUXDB\n"));
    assert_non_null(strstr(buf, "### GENERATOR\n"));
    assert_non_null(strstr(buf, "| `token` | string | no |  | yes |"));
    assert_non_null(strstr(buf, "| `codec` | enum: deflate, null | no | `deflate` | no |"));
    assert_non_null(strstr(buf, "| `topic` | string | yes |  | no |"));
    assert_non_null(strstr(buf, "| `batch_rows` | integer | no | `5000` |")); /* influxdb's own default */
    free(buf);
}

/* ---- many sessions at once ---- */

typedef struct thread_arg {
    int id;
    int failures;
} thread_arg;

static void *ddl_thread(void *p)
{
    thread_arg *a = p;
    sl_mcxt *tcx = sl_mcxt_create(NULL, "thread");

    for (int i = 0; i < 40; i++) {
        sl_CreateSinkStmt *s = sl_node_new(tcx, SL_T_CreateSinkStmt, sizeof(sl_CreateSinkStmt), 0);
        sl_Option *o = sl_node_new(tcx, SL_T_Option, sizeof(sl_Option), -1);
        sl_Const *c = sl_node_new(tcx, SL_T_Const, sizeof(sl_Const), -1);
        sl_DropStmt *d = sl_node_new(tcx, SL_T_DropStmt, sizeof(sl_DropStmt), 0);
        sl_mcxt *scx = sl_mcxt_create(tcx, "stmt");
        sl_exec_ctx ctx = {.stmt_cx = scx, .role = "tester", .superuser = true};
        sl_raw_stmt raw = {.stmt = (sl_node *)s};
        sl_dest dest = {.start = td_start, .row = td_row};
        sl_error e;
        char t[SL_TAG_MAX];

        c->kind = SL_CONST_STRING;
        c->text = "x.jsonl";
        o->name = "path";
        o->value = c;
        s->name = sl_psprintf(tcx, "t%d_%d", a->id, i);
        s->kind = "file";
        s->options = sl_list_append(tcx, NULL, o);
        if (sl_exec_statement(&ctx, &raw, &dest, t, &e) != SL_OK)
            a->failures++;
        if (i % 2 == 0) {
            d->object = SL_OBJ_SINK;
            d->name = s->name;
            raw.stmt = (sl_node *)d;
            if (sl_exec_statement(&ctx, &raw, &dest, t, &e) != SL_OK)
                a->failures++;
        }
        sl_mcxt_delete(scx);
    }
    sl_mcxt_delete(tcx);
    return NULL;
}

static void test_concurrent(void **state)
{
    pthread_t threads[4];
    thread_arg args[4];
    sl_list *sinks;

    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){.id = i};
        assert_int_equal(pthread_create(&threads[i], NULL, ddl_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(args[i].failures, 0);
    }
    assert_int_equal(sl_catalog_list_sinks(cx, &sinks, &err), SL_OK);
    assert_int_equal(sl_list_length(sinks), 4 * 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_sinks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_option_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_alter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misc_statements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_docs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
