/*
 * op.c - what every operator shares, and the plan that chains them (see op.h).
 */
#include "server/engine/op.h"

#include <stdio.h>

#include "sluice/errcodes.h"

sl_operator *sl_op_new(sl_op_ctx *ctx, const sl_operator_kind *kind, void *state)
{
    sl_operator *op = sl_pnew(ctx->cx, sl_operator);

    op->kind = kind;
    op->ctx = ctx;
    op->state = state;
    return op;
}

sl_status sl_op_emit(sl_operator *op, sl_batch *b, sl_error *err)
{
    if (op->next == NULL || b->nrows == 0)
        return SL_OK;
    return op->next->kind->push(op->next, b, err);
}

sl_status sl_op_eval(sl_op_ctx *ctx, const sl_expr *e, const sl_batch *in, sl_vector *out, sl_error *err)
{
    sl_eval_ctx ectx = {.cx = ctx->scratch};

    sl_error_clear(&ectx.first_error);
    sl_error_clear(err);
    if (sl_expr_eval(e, in, out, &ectx, err) != SL_OK) {
        if (!sl_error_is_set(err))
            sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "expression evaluation failed");
        return SL_ERROR;
    }
    if (ectx.row_errors > 0)
        atomic_fetch_add_explicit(&ctx->counters->errors, ectx.row_errors, memory_order_relaxed);
    return SL_OK;
}

bool *sl_op_predicate_mask(sl_op_ctx *ctx, const sl_vector *v, int nrows)
{
    bool *keep = sl_palloc(ctx->scratch, sizeof(bool) * (size_t)(nrows > 0 ? nrows : 1));

    for (int i = 0; i < nrows; i++)
        keep[i] = !v->nulls[i] && v->v.b[i];
    return keep;
}

/* ---- the plan ---- */

void sl_plan_append(sl_plan *plan, sl_operator *op)
{
    if (plan->last != NULL)
        plan->last->next = op;
    else
        plan->first = op;
    plan->last = op;
    plan->nops++;
}

sl_status sl_plan_push(sl_plan *plan, sl_batch *b, sl_error *err)
{
    if (plan->first == NULL || b->nrows == 0)
        return SL_OK;
    return plan->first->kind->push(plan->first, b, err);
}

void sl_plan_splits(sl_plan *plan, int nsplits, const bool *pending)
{
    for (sl_operator *op = plan->first; op != NULL; op = op->next)
        if (op->kind->splits != NULL)
            op->kind->splits(op, nsplits, pending);
}

sl_status sl_plan_advance(sl_plan *plan, int64_t now_us, sl_error *err)
{
    for (sl_operator *op = plan->first; op != NULL; op = op->next)
        if (op->kind->advance != NULL && op->kind->advance(op, now_us, err) != SL_OK)
            return SL_ERROR;
    return SL_OK;
}

sl_status sl_plan_flush(sl_plan *plan, bool end, sl_error *err)
{
    for (sl_operator *op = plan->first; op != NULL; op = op->next)
        if (op->kind->flush != NULL && op->kind->flush(op, end, err) != SL_OK)
            return SL_ERROR;
    return SL_OK;
}

static sl_operator *stateful_op(const sl_plan *plan)
{
    for (sl_operator *op = plan->first; op != NULL; op = op->next)
        if (op->kind->save != NULL)
            return op;
    return NULL;
}

bool sl_plan_stateful(const sl_plan *plan)
{
    return stateful_op(plan) != NULL;
}

void sl_plan_save(sl_plan *plan, sl_ckpt_w *out)
{
    sl_operator *op = stateful_op(plan);

    if (op != NULL)
        op->kind->save(op, out);
}

sl_status sl_plan_restore(sl_plan *plan, const char *blob, size_t len, int64_t now_us, sl_error *err)
{
    sl_operator *op = stateful_op(plan);

    if (op == NULL)
        return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "the query has no state to restore");
    return op->kind->restore(op, blob, len, now_us, err);
}

bool sl_plan_save_delta(sl_plan *plan, sl_ckpt_w *out)
{
    sl_operator *op = stateful_op(plan);

    return op != NULL && op->kind->save_delta != NULL && op->kind->save_delta(op, out);
}

void sl_plan_saved(sl_plan *plan)
{
    sl_operator *op = stateful_op(plan);

    if (op != NULL && op->kind->saved != NULL)
        op->kind->saved(op);
}

sl_status sl_plan_apply_delta(sl_plan *plan, const char *blob, size_t len, int64_t now_us, sl_error *err)
{
    sl_operator *op = stateful_op(plan);

    if (op == NULL || op->kind->apply_delta == NULL)
        return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "the query has no state a delta applies to");
    return op->kind->apply_delta(op, blob, len, now_us, err);
}

sl_list *sl_plan_explain(const sl_plan *plan, const char *source, sl_mcxt *cx)
{
    const sl_operator **ops = sl_palloc(cx, sizeof(sl_operator *) * (size_t)(plan->nops + 1));
    sl_list *lines = NULL;
    int n = 0, level = 0;

    for (const sl_operator *op = plan->first; op != NULL; op = op->next)
        ops[n++] = op;
    /* The consumer first, as PostgreSQL prints plans. */
    for (int i = n - 1; i >= -1; i--, level++) {
        const char *text = i >= 0 ? ops[i]->kind->explain(ops[i], cx) : source;
        lines = sl_list_append(cx, lines,
                               level == 0 ? (void *)text : sl_psprintf(cx, "%*s-> %s", level * 2, "", text));
    }
    return lines;
}

void sl_plan_close(sl_plan *plan)
{
    for (sl_operator *op = plan->first; op != NULL; op = op->next)
        if (op->kind->close != NULL)
            op->kind->close(op);
}
