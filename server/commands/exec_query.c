/*
 * exec_query.c - the query statements.
 *
 *   SELECT ... FROM src INTO sink        starts a continuous query named query_<n>;
 *                                        answers one row, column "query" = its name
 *   CREATE QUERY name AS SELECT ... INTO starts a named one (tag CREATE QUERY)
 *   SELECT ... FROM src                  push query: rows stream to the client, on
 *                                        the session thread, until LIMIT, the end
 *                                        of a finite source, or cancel (57014)
 *   PAUSE QUERY / RESUME QUERY / DROP QUERY [IF EXISTS]
 *   SHOW QUERIES                         registry state + catalog rows
 *   EXPLAIN SELECT ... / EXPLAIN CREATE QUERY ...
 *   SELECT wait_query('name' [, timeout_seconds])
 *                                        waits while the query is running and
 *                                        returns its state (for scripts and tests)
 *
 * Continuous queries are validated and planned before they are stored, so
 * a bad one never reaches the catalog.  Their SQL is stored as the text of
 * the SELECT (from SELECT to the end of the statement).
 *
 * Entry points: sl_exec_select, sl_exec_create_query, sl_exec_query_control,
 * sl_exec_drop_query, sl_exec_explain, sl_exec_show_queries (server/commands/exec_internal.h).
 */
#include <stdio.h>
#include <string.h>

#include "server/cancel.h"
#include "server/commands/exec_internal.h"
#include "server/engine/query.h"
#include "server/commands/privileges.h"
#include "server/engine/runtime.h"
#include "sluice/errcodes.h"

/* The SELECT's own text: from its SELECT keyword to the end of the statement. */
static const char *select_text(sl_exec_ctx *ctx, const sl_raw_stmt *raw, const sl_SelectStmt *sel,
                               int *offset)
{
    int start = SL_LOC(sel) >= raw->location ? SL_LOC(sel) : raw->location;
    int end = raw->location + raw->length;

    *offset = sl_exec_position(ctx, start) - 1;
    if (*offset < 0)
        *offset = 0;
    return sl_pstrndup(ctx->stmt_cx, ctx->query_text + start, (size_t)(end - start));
}

/* The query's role may read its source and write its sink (server/commands/privileges.h). */
static sl_status check_usage(sl_exec_ctx *ctx, const sl_SelectStmt *sel, sl_error *err)
{
    sl_cat_source *src = NULL;
    sl_cat_sink *sink = NULL;

    if (ctx->superuser)
        return SL_OK;
    /* A name that does not exist is left for the planner to report, with its position. */
    if (sel->from != NULL && sl_catalog_get_source(ctx->stmt_cx, sel->from, &src, err) != SL_OK)
        return SL_ERROR;
    if (src != NULL && sl_priv_check_usage(ctx, "source", src->name, src->owner, err) != SL_OK)
        return SL_ERROR;
    if (sel->into != NULL && sl_catalog_get_sink(ctx->stmt_cx, sel->into, &sink, err) != SL_OK)
        return SL_ERROR;
    if (sink != NULL && sl_priv_check_usage(ctx, "sink", sink->name, sink->owner, err) != SL_OK)
        return SL_ERROR;
    return SL_OK;
}

/* PAUSE, RESUME, DROP: the query's owner or a superuser. */
static sl_status check_query_owner(sl_exec_ctx *ctx, const char *name, sl_error *err)
{
    sl_cat_query *q;

    if (ctx->superuser)
        return SL_OK;
    if (sl_catalog_get_query(ctx->stmt_cx, name, &q, err) != SL_OK)
        return SL_ERROR;
    return q == NULL ? SL_OK : sl_priv_check_owner(ctx, "query", name, q->owner, err);
}

static sl_status start_continuous(sl_exec_ctx *ctx, const sl_raw_stmt *raw, const sl_SelectStmt *sel,
                                  const char *name, char out_name[SL_QUERY_NAME_MAX], sl_error *err)
{
    sl_query_start_args a = {.name = name, .persist = true, .owner = ctx->role, .cancel = ctx->cancel};

    if (check_usage(ctx, sel, err) != SL_OK)
        return SL_ERROR;
    a.sql = select_text(ctx, raw, sel, &a.position_offset);
    if (sl_query_start(&a, out_name, err) == SL_OK)
        return SL_OK;
    if (ctx->cancel != NULL && *ctx->cancel != 0) /* the source's open gave up: say why */
        return sl_cancel_error(*ctx->cancel, err);
    return SL_ERROR;
}

/* sl_runtime_control.check of a push query: the session's cancel flag
 * (set by a CancelRequest and by shutdown). */
static bool push_check(void *arg)
{
    volatile int *cancel = arg;
    return cancel != NULL && *cancel != 0;
}

struct sl_exec_push {
    sl_mcxt *cx;        /* the runtime's */
    sl_mem_account mem; /* outlives cx */
    sl_runtime *rt;
    sl_exec_ctx *ctx; /* of the current run */
    bool finished;
};

/* sl_runtime_control.check of a push query: the session's cancel flag
 * (set by a CancelRequest and by shutdown), or the caller's yield. */
static bool push_run_check(void *arg)
{
    const sl_exec_push *p = arg;
    return push_check((void *)p->ctx->cancel) || (p->ctx->yield != NULL && p->ctx->yield(p->ctx->yield_arg));
}

sl_status sl_exec_push_plan(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_mcxt *cx, sl_exec_push **out,
                            int *ncols, const sl_column_desc **cols, sl_error *err)
{
    const sl_SelectStmt *sel = (const sl_SelectStmt *)raw->stmt;
    sl_exec_push *p;

    *out = NULL;
    if (check_usage(ctx, sel, err) != SL_OK)
        return SL_ERROR;
    p = sl_pnew(cx, sl_exec_push);
    p->cx = sl_mcxt_create(cx, "push query");
    sl_runtime_args ra = {
        .cx = p->cx,
        .select = sel,
        .query_text = ctx->query_text,
        .query_name = NULL,
        .open_sink = false,
        .open_source = true,
        .account = &p->mem,
        .params = ctx->params,
        .should_stop = push_check,
        .stop_arg = (void *)ctx->cancel,
    };
    if (sl_runtime_plan(&ra, &p->rt, err) != SL_OK) {
        sl_mcxt_delete(p->cx);
        if (push_check((void *)ctx->cancel)) /* the open gave up: say why */
            return sl_cancel_error(*ctx->cancel, err);
        return SL_ERROR;
    }
    if (cols != NULL)
        *cols = sl_runtime_columns(p->rt, cx, ncols);
    *out = p;
    return SL_OK;
}

sl_status sl_exec_push_run(sl_exec_ctx *ctx, sl_exec_push *p, sl_dest *dest, bool *suspended,
                           char tag[SL_TAG_MAX], sl_error *err)
{
    sl_runtime_control ctl = {.check = push_run_check, .arg = p, .dest = dest};
    sl_runtime_end end;
    sl_runtime_stats stats;

    *suspended = false;
    if (p->finished)
        return sl_error_set(err, SL_ERRCODE_INVALID_CURSOR_STATE, "the push query has ended");
    p->ctx = ctx;
    if (sl_runtime_run(p->rt, &ctl, &end, err) != SL_OK)
        return SL_ERROR;
    if (end == SL_RUNTIME_STOPPED) {
        if (!push_check((void *)ctx->cancel)) {
            *suspended = true; /* the caller's yield: it runs again later */
            return SL_OK;
        }
        return sl_cancel_error(ctx->cancel != NULL ? *ctx->cancel : SL_CANCEL_REQUEST, err);
    }
    p->finished = true;
    sl_runtime_stats_get(p->rt, &stats);
    snprintf(tag, SL_TAG_MAX, "SELECT %lld", (long long)stats.rows_out);
    return SL_OK;
}

void sl_exec_push_close(sl_exec_push *p)
{
    if (p == NULL || p->rt == NULL)
        return;
    sl_runtime_close(p->rt);
    sl_mcxt_delete(p->cx);
    p->rt = NULL;
}

static sl_status push_query(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                            sl_error *err)
{
    sl_exec_push *p;
    bool suspended;
    sl_status st;

    if (sl_exec_push_plan(ctx, raw, ctx->stmt_cx, &p, NULL, NULL, err) != SL_OK)
        return SL_ERROR;
    st = sl_exec_push_run(ctx, p, dest, &suspended, tag, err);
    sl_exec_push_close(p);
    return st;
}

/* SELECT wait_query('name' [, seconds]) without FROM; SL_RETRY when the
 * statement is something else. */
static sl_status wait_query(sl_exec_ctx *ctx, const sl_SelectStmt *sel, sl_dest *dest, char tag[SL_TAG_MAX],
                            sl_error *err)
{
    const sl_ResTarget *t;
    const sl_FuncCall *f;
    const sl_Const *name, *secs = NULL;
    int64_t timeout_ms = 60000;
    const char *state;
    sl_column_desc col = {"wait_query", SL_OID_TEXT};

    if (sl_list_length(sel->targets) != 1)
        return SL_RETRY;
    t = sl_list_nth(sel->targets, 0);
    if (!SL_IS(t->expr, FuncCall))
        return SL_RETRY;
    f = (const sl_FuncCall *)t->expr;
    if (strcmp(f->name, "wait_query") != 0)
        return SL_RETRY;
    if (sl_list_length(f->args) < 1 || sl_list_length(f->args) > 2 || !SL_IS(sl_list_nth(f->args, 0), Const))
        goto bad;
    name = sl_list_nth(f->args, 0);
    if (name->kind != SL_CONST_STRING)
        goto bad;
    if (sl_list_length(f->args) == 2) {
        secs = sl_list_nth(f->args, 1);
        if (!SL_IS(secs, Const) || (secs->kind != SL_CONST_INT && secs->kind != SL_CONST_NUMERIC))
            goto bad;
        timeout_ms = secs->kind == SL_CONST_INT ? secs->ival * 1000 : (int64_t)(secs->dval * 1000);
    }
    if (sl_query_wait(name->text, timeout_ms, ctx->cancel, &state, err) != SL_OK)
        return SL_ERROR;
    if (state == NULL)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "query \"%s\" does not exist", name->text);
    if (t->alias != NULL)
        col.name = t->alias;
    if (dest->start(dest, 1, &col, err) != SL_OK ||
        dest->row(dest, (const char *const[]){state}, err) != SL_OK)
        return SL_ERROR;
    snprintf(tag, SL_TAG_MAX, "SELECT 1");
    return SL_OK;
bad:
    sl_error_set(err, SL_ERRCODE_UNDEFINED_FUNCTION,
                 "function wait_query takes a query name and an optional timeout in seconds");
    sl_error_hint(err, "SELECT wait_query('query_1', 10)");
    err->position = sl_exec_position(ctx, SL_LOC(f));
    return SL_ERROR;
}

sl_status sl_exec_select(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                         sl_error *err)
{
    const sl_SelectStmt *sel = (const sl_SelectStmt *)raw->stmt;
    char name[SL_QUERY_NAME_MAX];
    sl_status st;

    if (sel->from == NULL) {
        st = sl_exec_select_constant(ctx, raw, dest, tag, err);
        if (st == SL_RETRY)
            st = wait_query(ctx, sel, dest, tag, err);
        if (st == SL_RETRY)
            return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                                "wait_query() must be the only item of its SELECT");
        return st;
    }
    if (sel->into == NULL)
        return push_query(ctx, raw, dest, tag, err);

    if (start_continuous(ctx, raw, sel, NULL, name, err) != SL_OK)
        return SL_ERROR;
    {
        sl_column_desc col = {"query", SL_OID_TEXT};
        if (dest->start(dest, 1, &col, err) != SL_OK ||
            dest->row(dest, (const char *const[]){name}, err) != SL_OK)
            return SL_ERROR;
    }
    snprintf(tag, SL_TAG_MAX, "SELECT 1");
    return SL_OK;
}

sl_status sl_exec_create_query(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                               sl_error *err)
{
    const sl_CreateQueryStmt *cq = (const sl_CreateQueryStmt *)raw->stmt;
    char name[SL_QUERY_NAME_MAX];

    if (cq->select->into == NULL) {
        sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "CREATE QUERY needs INTO sink");
        sl_error_hint(err, "A SELECT without INTO is a push query: run it on its own to stream its rows.");
        return SL_ERROR;
    }
    if (start_continuous(ctx, raw, cq->select, cq->name, name, err) != SL_OK)
        return SL_ERROR;
    snprintf(tag, SL_TAG_MAX, "CREATE QUERY");
    return SL_OK;
}

sl_status sl_exec_query_control(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                                sl_error *err)
{
    const sl_QueryControlStmt *q = (const sl_QueryControlStmt *)raw->stmt;

    if (check_query_owner(ctx, q->name, err) != SL_OK)
        return SL_ERROR;
    if ((q->action == SL_QUERY_PAUSE ? sl_query_pause(q->name, err) : sl_query_resume(q->name, err)) != SL_OK)
        return SL_ERROR;
    snprintf(tag, SL_TAG_MAX, "%s", q->action == SL_QUERY_PAUSE ? "PAUSE QUERY" : "RESUME QUERY");
    return SL_OK;
}

sl_status sl_exec_drop_query(sl_exec_ctx *ctx, const char *name, bool *dropped, sl_error *err)
{
    if (check_query_owner(ctx, name, err) != SL_OK)
        return SL_ERROR;
    return sl_query_drop(name, dropped, err);
}

sl_status sl_exec_explain(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                          sl_error *err)
{
    const sl_ExplainStmt *ex = (const sl_ExplainStmt *)raw->stmt;
    const sl_SelectStmt *sel = SL_IS(ex->stmt, CreateQueryStmt)
                                   ? ((const sl_CreateQueryStmt *)ex->stmt)->select
                                   : (const sl_SelectStmt *)ex->stmt;
    sl_mcxt *cx = sl_mcxt_create(ctx->stmt_cx, "explain");
    sl_runtime *rt;
    sl_runtime_args ra = {
        .cx = cx,
        .select = sel,
        .query_text = ctx->query_text,
        .query_name = "explain",
        .open_sink = false,
        .open_source = false,
    };
    sl_column_desc col = {"QUERY PLAN", SL_OID_TEXT};
    sl_list *lines;
    const char *line;
    int n = 0;

    if (sel->from == NULL) {
        sl_mcxt_delete(cx);
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "EXPLAIN needs a query with FROM source");
    }
    if (sl_runtime_plan(&ra, &rt, err) != SL_OK) {
        sl_mcxt_delete(cx);
        return SL_ERROR;
    }
    lines = sl_runtime_explain(ctx->stmt_cx, rt);
    sl_runtime_close(rt);
    if (dest->start(dest, 1, &col, err) != SL_OK)
        goto fail;
    sl_list_foreach(line, lines)
    {
        if (dest->row(dest, (const char *const[]){line}, err) != SL_OK)
            goto fail;
        n++;
    }
    sl_mcxt_delete(cx);
    snprintf(tag, SL_TAG_MAX, "EXPLAIN");
    return SL_OK;
fail:
    sl_mcxt_delete(cx);
    return SL_ERROR;
}

/* SHOW QUERIES: the catalog's queries (ordered by name) with the registry's
 * state and counters; error is the reason of a failed query. */
sl_status sl_exec_show_queries(sl_exec_ctx *ctx, sl_dest *dest, sl_error *err)
{
    static const sl_column_desc cols[] = {
        {"name", SL_OID_TEXT},      {"state", SL_OID_TEXT},   {"source", SL_OID_TEXT},
        {"sink", SL_OID_TEXT},      {"rows_in", SL_OID_INT8}, {"rows_out", SL_OID_INT8},
        {"late_rows", SL_OID_INT8}, {"errors", SL_OID_INT8},  {"started", SL_OID_TIMESTAMP},
        {"sql", SL_OID_TEXT},       {"error", SL_OID_TEXT},   {"memory", SL_OID_INT8},
    };
    sl_list *list;
    sl_cat_query *q;

    if (sl_catalog_list_queries(ctx->stmt_cx, &list, err) != SL_OK ||
        dest->start(dest, 12, cols, err) != SL_OK)
        return SL_ERROR;
    sl_list_foreach(q, list)
    {
        sl_query_info info;
        bool live = sl_query_get(ctx->stmt_cx, q->name, &info);
        char started[SL_VALUE_TEXT_MAX];
        const char *values[12] = {
            q->name,
            live ? sl_query_state_name(info.state) : q->state,
            q->source,
            q->sink,
            sl_psprintf(ctx->stmt_cx, "%lld", (long long)info.rows_in),
            sl_psprintf(ctx->stmt_cx, "%lld", (long long)info.rows_out),
            sl_psprintf(ctx->stmt_cx, "%lld", (long long)info.late_rows),
            sl_psprintf(ctx->stmt_cx, "%lld", (long long)info.errors),
            NULL,
            q->sql,
            live ? info.error : NULL,
            sl_psprintf(ctx->stmt_cx, "%lld", (long long)info.memory),
        };
        if (live && info.started_us != 0) {
            started[sl_format_timestamp(info.started_us, started)] = '\0';
            values[8] = started;
        }
        if (dest->row(dest, values, err) != SL_OK)
            return SL_ERROR;
    }
    return SL_OK;
}
