/*
 * op_filter.c - the Filter operator: keeps the rows a predicate is true for
 * (WHERE before the aggregate, HAVING after it), compacting the batch in
 * place.  NULL and false drop a row.
 */
#include <string.h>

#include "server/engine/ops.h"

typedef struct filter_state {
    const sl_expr *pred;
    const sl_query_desc *having_of; /* HAVING: names its aggregate calls in EXPLAIN */
} filter_state;

static sl_status filter_push(sl_operator *op, sl_batch *b, sl_error *err)
{
    filter_state *st = op->state;
    sl_vector v;

    if (op->ctx->limit_reached)
        return SL_OK;
    sl_vector_init(&v, op->ctx->scratch, SL_TYPE_BOOL, b->nrows);
    if (sl_op_eval(op->ctx, st->pred, b, &v, err) != SL_OK)
        return SL_ERROR;
    sl_batch_compact(b, sl_op_predicate_mask(op->ctx, &v, b->nrows));
    return sl_op_emit(op, b, err);
}

/* An expression in parentheses once: the printer already wraps operators. */
static char *paren(sl_mcxt *cx, const sl_expr *e)
{
    char *t = sl_expr_print(cx, e);
    size_t n = strlen(t);
    int depth = 0;

    /* Already wrapped when the first '(' closes at the very end (quotes
     * aside, which a predicate's text rarely needs here). */
    for (size_t i = 0; n >= 2 && t[0] == '(' && i < n; i++) {
        depth += t[i] == '(' ? 1 : t[i] == ')' ? -1 : 0;
        if (depth == 0)
            return i == n - 1 ? t : sl_psprintf(cx, "(%s)", t);
    }
    return sl_psprintf(cx, "(%s)", t);
}

static bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* HAVING is bound over the aggregate's output columns, which carry
 * internal names; a reader wants the calls they stand for. */
static char *having_text(sl_mcxt *cx, const sl_expr *pred, const sl_query_desc *q)
{
    char *t = paren(cx, pred);

    for (int a = 0; a < q->naggs; a++) {
        const char *name = q->agg_schema->names[2 + q->nkeys + a];
        size_t n = strlen(name);
        char *out = sl_pstrdup(cx, "");
        const char *p = t, *hit;

        while ((hit = strstr(p, name)) != NULL) {
            bool word = (hit == t || !ident_char(hit[-1])) && !ident_char(hit[n]);
            out = sl_psprintf(cx, "%s%.*s%s", out, (int)(hit - p), p,
                              word ? sl_agg_call_text(cx, &q->aggs[a]) : name);
            p = hit + n;
        }
        t = sl_psprintf(cx, "%s%s", out, p);
    }
    return t;
}

static char *filter_explain(const sl_operator *op, sl_mcxt *cx)
{
    const filter_state *st = op->state;

    return sl_psprintf(cx, "Filter %s",
                       st->having_of != NULL ? having_text(cx, st->pred, st->having_of)
                                             : paren(cx, st->pred));
}

static const sl_operator_kind filter_kind = {
    .name = "filter",
    .push = filter_push,
    .explain = filter_explain,
};

sl_operator *sl_filter_op_new(sl_op_ctx *ctx, const sl_expr *pred, const sl_query_desc *having_of)
{
    filter_state *st = sl_pnew(ctx->cx, filter_state);

    st->pred = pred;
    st->having_of = having_of;
    return sl_op_new(ctx, &filter_kind, st);
}
