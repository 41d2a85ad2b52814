/*
 * exec_constant.c - SELECT without FROM: constants and version(), which
 * drivers and connection pools send on connect.
 *
 * Entry point: sl_exec_select_constant (see server/commands/exec_internal.h).
 */
#include <stdio.h>
#include <string.h>

#include "server/commands/exec_internal.h"
#include "server/engine/analyze.h"
#include "server/engine/expr.h"
#include "sluice/errcodes.h"
#include "sluice/version.h"

#if defined(__x86_64__)
#define SL_PLATFORM "x86_64-pc-linux-gnu"
#elif defined(__aarch64__)
#define SL_PLATFORM "aarch64-unknown-linux-gnu"
#else
#define SL_PLATFORM "unknown"
#endif

/* Text of row 0 of vec, in cx; NULL for SQL NULL. */
static const char *constant_text(sl_mcxt *cx, const sl_vector *vec)
{
    char buf[SL_VALUE_TEXT_MAX];

    if (vec->nulls[0])
        return NULL;
    switch (vec->type) {
    case SL_TYPE_BOOL:
        sl_format_bool(vec->v.b[0], buf);
        break;
    case SL_TYPE_BIGINT:
        sl_format_bigint(vec->v.i64[0], buf);
        break;
    case SL_TYPE_DOUBLE:
        sl_format_double(vec->v.f64[0], buf);
        break;
    case SL_TYPE_TIMESTAMP:
        sl_format_timestamp(vec->v.i64[0], buf);
        break;
    case SL_TYPE_INTERVAL:
        sl_format_interval(vec->v.i64[0], buf);
        break;
    case SL_TYPE_TEXT:
        return sl_pstrndup(cx, vec->v.text[0].ptr, (size_t)vec->v.text[0].len);
    case SL_TYPE_UNKNOWN:
        return NULL;
    }
    return sl_pstrdup(cx, buf);
}

sl_status sl_exec_select_constant(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest,
                                  char tag[SL_TAG_MAX], sl_error *err)
{
    const sl_SelectStmt *s = (const sl_SelectStmt *)raw->stmt;
    int n = sl_list_length(s->targets);
    sl_column_desc *cols;
    const char **values;
    const sl_schema *empty;
    sl_batch *one;

    if (s->from != NULL || s->into != NULL || s->where != NULL || s->window != NULL || s->group_by != NULL ||
        s->having != NULL || n == 0 || s->limit == 0)
        return SL_RETRY;
    cols = sl_palloc(ctx->stmt_cx, sizeof(sl_column_desc) * (size_t)n);
    values = sl_palloc(ctx->stmt_cx, sizeof(char *) * (size_t)n);
    /* Expressions without FROM are evaluated over one row of no columns, with
     * the same binder and evaluator as a query, so any constant expression works. */
    empty = sl_schema_new(ctx->stmt_cx, 0, NULL, NULL);
    one = sl_batch_new(ctx->stmt_cx, empty, 1);
    one->nrows = 1;
    for (int i = 0; i < n; i++) {
        const sl_ResTarget *t = sl_list_nth(s->targets, i);
        const sl_node *e = t->expr;
        const sl_FuncCall *f = SL_IS(e, FuncCall) ? (const sl_FuncCall *)e : NULL;

        cols[i].name = t->alias ? t->alias : sl_analyze_column_name(e);
        cols[i].type_oid = SL_OID_TEXT;
        if (f != NULL && strcmp(f->name, "version") == 0 && sl_list_length(f->args) == 0 && !f->star) {
            /* The text drivers parse: "<product> <version> on <platform>". */
            values[i] = SL_VERSION_STRING " on " SL_PLATFORM ", a streaming SQL server";
        } else if (f != NULL && strcmp(f->name, "wait_query") == 0) {
            return SL_RETRY;
        } else {
            sl_bind_ctx bind = {
                .cx = ctx->stmt_cx, .input = empty, .query_text = ctx->query_text, .params = ctx->params};
            sl_eval_ctx eval = {.cx = ctx->stmt_cx};
            sl_expr *x;
            sl_vector out;

            if (sl_expr_bind(&bind, e, &x, err) != SL_OK)
                return SL_ERROR;
            if (ctx->params != NULL && ctx->params->values == NULL) {
                /* Describing (Parse): the types are known, nothing is evaluated. */
                values[i] = NULL;
                cols[i].type_oid = sl_expr_type_oid(x);
                continue;
            }
            sl_vector_init(&out, ctx->stmt_cx, sl_expr_type(x), 1);
            if (sl_expr_eval(x, one, &out, &eval, err) != SL_OK)
                return SL_ERROR;
            if (eval.row_errors > 0) {
                /* One row: its data error is the statement's error. */
                *err = eval.first_error;
                return SL_ERROR;
            }
            values[i] = constant_text(ctx->stmt_cx, &out);
            cols[i].type_oid = sl_expr_type_oid(x);
        }
    }
    if (dest->start(dest, n, cols, err) != SL_OK)
        return SL_ERROR;
    if (ctx->params != NULL && ctx->params->values == NULL)
        return SL_OK;
    if (dest->row(dest, values, err) != SL_OK)
        return SL_ERROR;
    snprintf(tag, SL_TAG_MAX, "SELECT 1");
    return SL_OK;
}
