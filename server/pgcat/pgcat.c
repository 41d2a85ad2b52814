/*
 * pgcat.c - the catalog engine's statements: which statements it takes,
 * preparing them (translate.c) and running them on the session thread's
 * catalog database (tables.c), rows in PostgreSQL's text format.
 *
 * Each session thread has its own in-memory SQLite database (no shared
 * state between threads); its tables and builtin rows are made once, and
 * each execution replaces the rows that come from the catalog, so they are
 * never stale.  Preparing compiles the statement there to learn the
 * result's columns.  The
 * client's SQL runs under an authorizer that allows reading and the
 * functions of funcs.c only (no ATTACH, PRAGMA, writes, load_extension),
 * with SQLite's limits lowered and a progress handler that stops the
 * statement on cancel or statement_timeout (ctx->cancel) and after a
 * bounded number of steps.
 *
 * Entry points: see pgcat.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "server/cancel.h"
#include "server/pgcat/pgcat.h"
#include "server/pgcat/pgcat_int.h"
#include "sluice/buf.h"

/* A hostile query (a cross join of pg_attribute with itself a few times) stops here:
 * about 2 * 10^8 virtual machine steps, two seconds. */
#define PGCAT_MAX_PROGRESS_CALLS 200000
#define PGCAT_PROGRESS_STEPS     1000

struct sl_pgcat_stmt {
    const char *sql; /* SQLite's */
    int nparams;
    uint32_t *param_oids;
    int ncols;
    sl_column_desc *cols;
};

/* The relations of pg_catalog a statement may name without the schema. */
static bool pgcat_is_catalog_name(const char *name)
{
    static const char *const names[] = {"pg_namespace",
                                        "pg_class",
                                        "pg_attribute",
                                        "pg_type",
                                        "pg_attrdef",
                                        "pg_index",
                                        "pg_constraint",
                                        "pg_inherits",
                                        "pg_description",
                                        "pg_shdescription",
                                        "pg_database",
                                        "pg_authid",
                                        "pg_roles",
                                        "pg_user",
                                        "pg_auth_members",
                                        "pg_proc",
                                        "pg_settings",
                                        "pg_am",
                                        "pg_tablespace",
                                        "pg_extension",
                                        "pg_collation",
                                        "pg_enum",
                                        "pg_range",
                                        "pg_sequence",
                                        "pg_trigger",
                                        "pg_policy",
                                        "pg_rewrite",
                                        "pg_publication",
                                        "pg_publication_rel",
                                        "pg_publication_namespace",
                                        "pg_statistic_ext",
                                        "pg_foreign_table",
                                        "pg_foreign_server",
                                        "pg_foreign_data_wrapper",
                                        "pg_partitioned_table",
                                        "pg_opclass",
                                        "pg_operator",
                                        "pg_depend",
                                        "pg_language",
                                        "pg_event_trigger",
                                        "pg_tables",
                                        "pg_views",
                                        "pg_matviews",
                                        NULL};
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

bool sl_pgcat_claims(const char *sql, int len)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "pgcat claims");
    sl_pgcat_tok *t;
    int n, k = 0;
    bool claim = false;
    sl_error err;

    if (sl_pgcat_scan(cx, sql, len, &t, &n, &err) != SL_OK)
        goto done;
    while (k < n && t[k].kind == SL_PGTOK_PUNCT && t[k].text[0] == '(')
        k++;
    if (!(sl_pgcat_tok_is(&t[k], "select") || sl_pgcat_tok_is(&t[k], "with") ||
          sl_pgcat_tok_is(&t[k], "values") || sl_pgcat_tok_is(&t[k], "table")))
        goto done;
    for (int i = k; i < n && !claim; i++) {
        const sl_pgcat_tok *x = &t[i];
        bool dot_after = i + 1 < n && t[i + 1].kind == SL_PGTOK_PUNCT && t[i + 1].text[0] == '.';
        bool dot_before = i > 0 && t[i - 1].kind == SL_PGTOK_PUNCT && t[i - 1].text[0] == '.';
        bool call = i + 1 < n && t[i + 1].kind == SL_PGTOK_PUNCT && t[i + 1].text[0] == '(';
        if (x->kind != SL_PGTOK_IDENT)
            continue;
        if ((strcmp(x->text, "pg_catalog") == 0 || strcmp(x->text, "information_schema") == 0) && dot_after)
            claim = true;
        else if (!dot_before && !call && pgcat_is_catalog_name(x->text))
            claim = true;
        else if (call && !dot_before && sl_pgcat_fn_is_catalog_only(x->text))
            claim = true;
        else if (strncmp(x->text, "reg", 3) == 0 && sl_pgcat_type_by_name(x->text) != 0 && i > 0 &&
                 (t[i - 1].kind == SL_PGTOK_CAST || (dot_before && i > 2 && t[i - 3].kind == SL_PGTOK_CAST)))
            claim = true; /* ::regclass, ::regtype...: types only the catalog engine has */
        else if (!dot_before && !call &&
                 (strcmp(x->text, "current_user") == 0 || strcmp(x->text, "session_user") == 0 ||
                  strcmp(x->text, "current_schema") == 0 || strcmp(x->text, "current_catalog") == 0) &&
                 sl_pgcat_tok_is(&t[k], "select"))
            claim = true;
    }
done:
    sl_mcxt_delete(cx);
    return claim;
}

/* ---- the client's SQL under guard ---- */

static int pgcat_authorize(void *arg, int action, const char *a, const char *b, const char *db,
                           const char *trig)
{
    (void)arg;
    (void)b;
    (void)db;
    (void)trig;
    switch (action) {
    case SQLITE_READ:
        /* the relations of pg_catalog and information_schema, not SQLite's own */
        return a != NULL && strncmp(a, "sqlite_", 7) == 0 ? SQLITE_DENY : SQLITE_OK;
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_FUNCTION:
        /* ours and SQLite's scalar functions; never load_extension, nor anything that reaches files */
        if (a != NULL &&
            (strcmp(a, "load_extension") == 0 || strcmp(a, "readfile") == 0 || strcmp(a, "writefile") == 0 ||
             strcmp(a, "edit") == 0 || strcmp(a, "fts3_tokenizer") == 0))
            return SQLITE_DENY;
        return SQLITE_OK;
    default:
        return SQLITE_DENY;
    }
}

typedef struct pgcat_guard {
    volatile int *cancel;
    int calls;
} pgcat_guard;

static int pgcat_progress(void *arg)
{
    pgcat_guard *g = arg;
    if (g->cancel != NULL && *g->cancel != 0)
        return 1;
    return ++g->calls > PGCAT_MAX_PROGRESS_CALLS;
}

static void pgcat_guard_db(sqlite3 *db, pgcat_guard *g)
{
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 16 * 1024 * 1024);
    sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 1024 * 1024);
    sqlite3_limit(db, SQLITE_LIMIT_COLUMN, 500);
    sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, 200);
    sqlite3_limit(db, SQLITE_LIMIT_COMPOUND_SELECT, 50);
    sqlite3_limit(db, SQLITE_LIMIT_VDBE_OP, 100000);
    sqlite3_limit(db, SQLITE_LIMIT_FUNCTION_ARG, 100);
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 2);
    sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 10000);
    sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, 100);
    sqlite3_limit(db, SQLITE_LIMIT_TRIGGER_DEPTH, 1);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)0);
    /* json_each (ANY, unnest) is built on first use, which writes its schema: before the authorizer */
    sqlite3_exec(db, "SELECT value FROM json_each('[]')", NULL, NULL, NULL);
    sqlite3_set_authorizer(db, pgcat_authorize, NULL);
    sqlite3_progress_handler(db, PGCAT_PROGRESS_STEPS, pgcat_progress, g);
}

/* Where name first stands in the statement as a word (1-based; 0 when not found), for error positions. */
static int pgcat_position(const char *sql, int len, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; sql != NULL && n > 0 && i + (int)n <= len; i++)
        if (strncasecmp(sql + i, name, n) == 0 &&
            (i == 0 || !(isalnum((unsigned char)sql[i - 1]) || sql[i - 1] == '_')) &&
            (i + (int)n == len || !(isalnum((unsigned char)sql[i + n]) || sql[i + n] == '_')))
            return i + 1;
    return 0;
}

/* An SQLite error as PostgreSQL's: "SQLSTATE:message" from funcs.c, the usual messages mapped; the
 * position of the name it is about when the statement (sql, len; NULL at execution) has it. */
static sl_status pgcat_sqlite_error(sqlite3 *db, sl_exec_ctx *ctx, const char *sql, int len, sl_error *err)
{
    const char *m = sqlite3_errmsg(db);
    int code = sqlite3_errcode(db);

    if (code == SQLITE_INTERRUPT || (code == SQLITE_ERROR && strcmp(m, "interrupted") == 0)) {
        if (ctx->cancel != NULL && *ctx->cancel != 0)
            return sl_cancel_error(*ctx->cancel, err);
        return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "catalog query does too much work");
    }
    if (strlen(m) > 6 && m[5] == ':')
        return sl_error_set(err, sl_psprintf(ctx->stmt_cx, "%.5s", m), "%s", m + 6);
    if (strncmp(m, "no such table: ", 15) == 0) {
        const char *name = m + 15, *dot = strchr(name, '.');
        if (dot && (strncmp(name, "pg_catalog.", 11) == 0 || strncmp(name, "main.", 5) == 0))
            name = dot + 1;
        sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, "relation \"%s\" does not exist", name);
        err->position = pgcat_position(sql, len, name);
        return SL_ERROR;
    }
    if (strncmp(m, "no such function: ", 18) == 0 ||
        strncmp(m, "wrong number of arguments to function ", 38) == 0) {
        char name[128];
        snprintf(name, sizeof(name), "%s", m[0] == 'n' ? m + 18 : m + 38);
        char *paren = strchr(name, '(');
        if (paren)
            *paren = '\0';
        sl_error_set(err, SL_ERRCODE_UNDEFINED_FUNCTION, "function %s does not exist", name);
        err->position = pgcat_position(sql, len, name);
        return SL_ERROR;
    }
    if (strncmp(m, "no such column: ", 16) == 0) {
        const char *name = m + 16, *dot = strrchr(name, '.');
        if (dot)
            sl_error_set(err, SL_ERRCODE_UNDEFINED_COLUMN, "column %s does not exist", name);
        else
            sl_error_set(err, SL_ERRCODE_UNDEFINED_COLUMN, "column \"%s\" does not exist", name);
        err->position = pgcat_position(sql, len, dot ? dot + 1 : name);
        return SL_ERROR;
    }
    if (strncmp(m, "ambiguous column name: ", 23) == 0)
        return sl_error_set(err, SL_ERRCODE_AMBIGUOUS_COLUMN, "column reference \"%s\" is ambiguous", m + 23);
    if (code == SQLITE_AUTH)
        return sl_error_set(err, SL_ERRCODE_INSUFFICIENT_PRIVILEGE, "catalog queries may only read");
    if (code == SQLITE_TOOBIG || code == SQLITE_NOMEM)
        return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "catalog query too large");
    if (strstr(m, "syntax error") != NULL) {
        const char *near = strstr(m, "near \"");
        if (near) {
            const char *e = strchr(near + 6, '"');
            return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "syntax error at or near \"%.*s\"",
                                e ? (int)(e - near - 6) : 0, near + 6);
        }
        return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "syntax error in catalog query");
    }
    return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "catalog query not supported: %s", m);
}

/* The PostgreSQL type a declared SQLite type carries ("TEXT19": name). */
static uint32_t pgcat_decl_oid(const char *decl)
{
    if (decl == NULL)
        return 0;
    while (*decl && (*decl < '0' || *decl > '9'))
        decl++;
    return (uint32_t)strtoul(decl, NULL, 10);
}

static sl_status pgcat_open(sl_exec_ctx *ctx, bool rows, sqlite3 **db, pgcat_guard *g, sl_error *err)
{
    if (sl_pgcat_build(ctx, rows, db, err) != SL_OK)
        return SL_ERROR;
    g->cancel = ctx->cancel;
    g->calls = 0;
    pgcat_guard_db(*db, g);
    return SL_OK;
}

sl_status sl_pgcat_prepare(sl_exec_ctx *ctx, sl_mcxt *cx, const char *sql, int len, int nparams,
                           const uint32_t *param_oids, sl_pgcat_stmt **out, sl_error *err)
{
    sl_pgcat_sql tr;
    sl_pgcat_stmt *st;
    sqlite3 *db;
    sqlite3_stmt *vm;
    pgcat_guard g;

    *out = NULL;
    if (sl_pgcat_translate(cx, sql, len, &tr, err) != SL_OK)
        return SL_ERROR;
    if (pgcat_open(ctx, false, &db, &g, err) != SL_OK)
        return SL_ERROR;
    if (sqlite3_prepare_v2(db, tr.sql, -1, &vm, NULL) != SQLITE_OK) {
        pgcat_sqlite_error(db, ctx, sql, len, err);
        sl_pgcat_release(db, false);
        return SL_ERROR;
    }
    if (!sqlite3_stmt_readonly(vm)) {
        sqlite3_finalize(vm);
        sl_pgcat_release(db, false);
        return sl_error_set(err, SL_ERRCODE_INSUFFICIENT_PRIVILEGE, "catalog queries may only read");
    }
    st = sl_pzalloc(cx, sizeof(*st));
    st->sql = tr.sql;
    st->nparams = tr.nparams > nparams ? tr.nparams : nparams;
    st->param_oids = sl_pzalloc(cx, sizeof(uint32_t) * (size_t)(st->nparams + 1));
    for (int i = 0; i < st->nparams; i++) {
        uint32_t o = i < nparams && param_oids ? param_oids[i] : 0;
        if (o == 0 && i < tr.nparams)
            o = tr.param_oids[i];
        st->param_oids[i] = o ? o : SL_OID_TEXT;
    }
    st->ncols = sqlite3_column_count(vm);
    st->cols = sl_pzalloc(cx, sizeof(sl_column_desc) * (size_t)(st->ncols + 1));
    for (int i = 0; i < st->ncols; i++) {
        bool known = tr.nitems == st->ncols;
        uint32_t oid = known ? tr.items[i].type_oid : 0;
        if (oid == 0)
            oid = pgcat_decl_oid(sqlite3_column_decltype(vm, i));
        for (int k = 0; oid == 0 && k < tr.nnamed; k++)
            if (strcmp(tr.named[k].name, sqlite3_column_name(vm, i)) == 0)
                oid = tr.named[k].type_oid;
        st->cols[i].name =
            sl_pstrdup(cx, known && tr.items[i].name ? tr.items[i].name : sqlite3_column_name(vm, i));
        st->cols[i].type_oid = oid ? oid : SL_OID_TEXT;
    }
    sqlite3_finalize(vm);
    sl_pgcat_release(db, false);
    *out = st;
    return SL_OK;
}

int sl_pgcat_nparams(const sl_pgcat_stmt *st)
{
    return st->nparams;
}

uint32_t sl_pgcat_param_oid(const sl_pgcat_stmt *st, int i)
{
    return i >= 0 && i < st->nparams ? st->param_oids[i] : 0;
}

int sl_pgcat_ncols(const sl_pgcat_stmt *st)
{
    return st->ncols;
}

const sl_column_desc *sl_pgcat_cols(const sl_pgcat_stmt *st)
{
    return st->cols;
}

/* One value in PostgreSQL's text output of its column's type. */
static const char *pgcat_out(sl_mcxt *cx, sqlite3_stmt *vm, int i, uint32_t type)
{
    int vt = sqlite3_column_type(vm, i);
    if (vt == SQLITE_NULL)
        return NULL;
    switch (type) {
    case 16:
        if (vt == SQLITE_INTEGER || vt == SQLITE_FLOAT)
            return sqlite3_column_int64(vm, i) ? "t" : "f";
        {
            const char *t = (const char *)sqlite3_column_text(vm, i);
            return (t[0] == 't' || t[0] == 'T' || t[0] == '1' || t[0] == 'y' || strcmp(t, "on") == 0) ? "t"
                                                                                                      : "f";
        }
    case 20:
    case 21:
    case 23:
    case 26:
        if (vt == SQLITE_FLOAT)
            return sl_psprintf(cx, "%lld", (long long)sqlite3_column_double(vm, i));
        break;
    case 700:
    case 701:
        if (vt == SQLITE_INTEGER)
            return sl_psprintf(cx, "%lld", (long long)sqlite3_column_int64(vm, i));
        if (vt == SQLITE_FLOAT) {
            double d = sqlite3_column_double(vm, i);
            return sl_psprintf(cx, type == 700 ? "%.7g" : "%.15g", d);
        }
        break;
    }
    return sl_pstrdup(cx, (const char *)sqlite3_column_text(vm, i));
}

sl_status sl_pgcat_execute(sl_exec_ctx *ctx, sl_pgcat_stmt *st, const char *const *params, sl_dest *dest,
                           char tag[SL_TAG_MAX], sl_error *err)
{
    sqlite3 *db;
    sqlite3_stmt *vm;
    pgcat_guard g;
    sl_mcxt *rowcx;
    const char **values;
    int64_t nrows = 0;
    sl_status rc = SL_OK;

    if (pgcat_open(ctx, true, &db, &g, err) != SL_OK)
        return SL_ERROR;
    if (sqlite3_prepare_v2(db, st->sql, -1, &vm, NULL) != SQLITE_OK) {
        pgcat_sqlite_error(db, ctx, NULL, 0, err);
        sl_pgcat_release(db, false);
        return SL_ERROR;
    }
    if (sqlite3_column_count(vm) != st->ncols) {
        sqlite3_finalize(vm);
        sl_pgcat_release(db, false);
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "cached plan must not change result type");
    }
    for (int i = 0; i < st->nparams; i++) {
        const char *v = params ? params[i] : NULL;
        int idx = sqlite3_bind_parameter_index(vm, sl_psprintf(ctx->stmt_cx, "?%d", i + 1));
        if (idx == 0)
            continue;
        uint32_t type = st->param_oids[i];
        char *end;
        if (v == NULL)
            sqlite3_bind_null(vm, idx);
        else if ((type == 20 || type == 21 || type == 23 || type == 26 || type == 2205 || type == 2206) &&
                 (strtoll(v, &end, 10), *v && *end == '\0'))
            sqlite3_bind_int64(vm, idx, strtoll(v, NULL, 10));
        else if (type == 16)
            sqlite3_bind_int(vm, idx,
                             v[0] == 't' || v[0] == 'T' || v[0] == '1' || v[0] == 'y' || v[0] == 'o');
        else
            sqlite3_bind_text(vm, idx, v, -1, SQLITE_TRANSIENT);
    }
    if (dest->start(dest, st->ncols, st->cols, err) != SL_OK) {
        sqlite3_finalize(vm);
        sl_pgcat_release(db, false);
        return SL_ERROR;
    }
    values = sl_palloc(ctx->stmt_cx, sizeof(char *) * (size_t)(st->ncols + 1));
    rowcx = sl_mcxt_create(ctx->stmt_cx, "pgcat row");
    for (;;) {
        int s = sqlite3_step(vm);
        if (s == SQLITE_DONE)
            break;
        if (s != SQLITE_ROW) {
            rc = pgcat_sqlite_error(db, ctx, NULL, 0, err);
            break;
        }
        sl_mcxt_reset(rowcx);
        for (int i = 0; i < st->ncols; i++)
            values[i] = pgcat_out(rowcx, vm, i, st->cols[i].type_oid);
        if (dest->row(dest, values, err) != SL_OK) {
            rc = SL_ERROR;
            break;
        }
        nrows++;
    }
    sl_mcxt_delete(rowcx);
    sqlite3_finalize(vm);
    sl_pgcat_release(db, false);
    if (rc == SL_OK)
        snprintf(tag, SL_TAG_MAX, "SELECT %lld", (long long)nrows);
    return rc;
}

void sl_pgcat_close(sl_pgcat_stmt *st)
{
    /* Nothing outlives an execution: the statement is text and descriptions in its context. */
    (void)st;
}

int sl_pgcat_split(const char *sql, int len, int *next)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "pgcat split");
    sl_pgcat_tok *t;
    int n, end = len;
    sl_error err;

    if (sl_pgcat_scan(cx, sql, len, &t, &n, &err) == SL_OK)
        for (int i = 0; i < n; i++)
            if (t[i].kind == SL_PGTOK_PUNCT && t[i].text[0] == ';') {
                end = t[i].pos;
                break;
            }
    sl_mcxt_delete(cx);
    *next = end < len ? end + 1 : len;
    return end;
}
