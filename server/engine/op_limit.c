/*
 * op_limit.c - the Limit operator: passes the first n rows on and then
 * tells the runtime the query is done (ctx->limit_reached).
 */
#include <stdio.h>

#include "server/engine/ops.h"

typedef struct limit_state {
    int64_t limit;
    int64_t passed;
} limit_state;

static sl_status limit_push(sl_operator *op, sl_batch *b, sl_error *err)
{
    limit_state *st = op->state;

    if (op->ctx->limit_reached)
        return SL_OK;
    if (st->passed + b->nrows >= st->limit) {
        b->nrows = (int)(st->limit - st->passed);
        op->ctx->limit_reached = true;
    }
    st->passed += b->nrows;
    return sl_op_emit(op, b, err);
}

static char *limit_explain(const sl_operator *op, sl_mcxt *cx)
{
    const limit_state *st = op->state;

    return sl_psprintf(cx, "Limit (%lld)", (long long)st->limit);
}

static const sl_operator_kind limit_kind = {
    .name = "limit",
    .push = limit_push,
    .explain = limit_explain,
};

sl_operator *sl_limit_op_new(sl_op_ctx *ctx, int64_t limit)
{
    limit_state *st = sl_pnew(ctx->cx, limit_state);

    st->limit = limit;
    return sl_op_new(ctx, &limit_kind, st);
}
