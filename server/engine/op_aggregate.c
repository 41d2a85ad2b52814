/*
 * op_aggregate.c - the Aggregate operator: evaluates the group keys and the
 * aggregates' arguments of each batch and hands them to the window
 * operator (window.c), which owns event time (watermark, late and future
 * rows) and the aggregate states; closed windows go on downstream.  Its
 * state is what a checkpoint of the query holds.
 */
#include "server/engine/ops.h"
#include "sluice/errcodes.h"

typedef struct agg_state {
    const sl_query_desc *q;
    sl_window_op *wop;
    sl_vector *keys, *args; /* per batch: q->nkeys and q->naggs vectors */
} agg_state;

/* The window operator's figures into the query's counters. */
static void agg_stats(sl_operator *op)
{
    agg_state *st = op->state;
    sl_window_stats ws;

    sl_window_op_stats(st->wop, &ws);
    atomic_store_explicit(&op->ctx->counters->late_rows, ws.late_rows, memory_order_relaxed);
    atomic_store_explicit(&op->ctx->counters->future_rows, ws.future_rows, memory_order_relaxed);
    op->ctx->watermark_us = ws.watermark_us;
}

/* sl_window_emit_fn: closed windows go downstream. */
static sl_status agg_emit(void *arg, sl_batch *batch, sl_error *err)
{
    sl_operator *op = arg;

    if (batch->nrows == 0 || op->ctx->limit_reached)
        return SL_OK;
    return sl_op_emit(op, batch, err);
}

static sl_status agg_failed(sl_error *err)
{
    if (!sl_error_is_set(err))
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "window aggregate failed");
    return SL_ERROR;
}

static sl_status agg_push(sl_operator *op, sl_batch *in, sl_error *err)
{
    agg_state *st = op->state;
    const sl_query_desc *q = st->q;

    for (int k = 0; k < q->nkeys; k++)
        if (sl_op_eval(op->ctx, q->keys[k], in, &st->keys[k], err) != SL_OK)
            return SL_ERROR;
    for (int a = 0; a < q->naggs; a++)
        if (q->aggs[a].arg != NULL && sl_op_eval(op->ctx, q->aggs[a].arg, in, &st->args[a], err) != SL_OK)
            return SL_ERROR;
    sl_error_clear(err);
    if (sl_window_op_push_split(st->wop, in->nrows, in->event_time, in->has_split ? in->split : NULL,
                                op->ctx->arrival_us, st->keys, st->args, agg_emit, op, err) != SL_OK)
        return agg_failed(err);
    agg_stats(op);
    return SL_OK;
}

static void agg_splits(sl_operator *op, int nsplits, const bool *pending)
{
    agg_state *st = op->state;

    sl_window_op_pending(st->wop, nsplits, pending);
}

static sl_status agg_advance(sl_operator *op, int64_t now_us, sl_error *err)
{
    agg_state *st = op->state;

    sl_error_clear(err);
    if (sl_window_op_tick(st->wop, now_us, agg_emit, op, err) != SL_OK)
        return agg_failed(err);
    agg_stats(op);
    return SL_OK;
}

static sl_status agg_flush(sl_operator *op, bool end, sl_error *err)
{
    agg_state *st = op->state;

    if (!end || op->ctx->limit_reached)
        return SL_OK;
    sl_error_clear(err);
    if (sl_window_op_flush(st->wop, agg_emit, op, err) != SL_OK)
        return agg_failed(err);
    agg_stats(op);
    return SL_OK;
}

static void agg_save(sl_operator *op, sl_ckpt_w *out)
{
    agg_state *st = op->state;

    sl_window_op_save(st->wop, out);
}

static sl_status agg_restore(sl_operator *op, const char *blob, size_t len, int64_t now_us, sl_error *err)
{
    agg_state *st = op->state;

    if (sl_window_op_restore(st->wop, blob, len, now_us, err) != SL_OK)
        return SL_ERROR;
    agg_stats(op);
    return SL_OK;
}

static const char *agg_name(sl_agg_func f)
{
    switch (f) {
    case SL_AGG_COUNT_STAR:
    case SL_AGG_COUNT:
        return "count";
    case SL_AGG_SUM:
        return "sum";
    case SL_AGG_AVG:
        return "avg";
    case SL_AGG_MIN:
        return "min";
    case SL_AGG_MAX:
        return "max";
    case SL_AGG_STDDEV_SAMP:
        return "stddev_samp";
    case SL_AGG_STDDEV_POP:
        return "stddev_pop";
    case SL_AGG_VAR_SAMP:
        return "var_samp";
    case SL_AGG_VAR_POP:
        return "var_pop";
    case SL_AGG_FIRST:
        return "first";
    case SL_AGG_LAST:
        return "last";
    }
    return "?";
}

char *sl_agg_call_text(sl_mcxt *cx, const sl_agg_call *c)
{
    return sl_psprintf(cx, "%s(%s%s)", agg_name(c->func), c->distinct ? "DISTINCT " : "",
                       c->arg != NULL ? sl_expr_print(cx, c->arg) : "*");
}

static char *window_text(sl_mcxt *cx, const sl_query_desc *q)
{
    const sl_WindowClause *w = q->window;

    if (w == NULL)
        return sl_pstrdup(cx, "Aggregate (whole source)");
    switch (w->kind) {
    case SL_WINDOW_HOPPING:
        return sl_psprintf(cx, "WindowAggregate HOPPING (%s, %s)", sl_interval_format(cx, w->size_us),
                           sl_interval_format(cx, w->slide_us));
    case SL_WINDOW_SESSION:
        return sl_psprintf(cx, "WindowAggregate SESSION (%s)", sl_interval_format(cx, w->size_us));
    case SL_WINDOW_TUMBLING:
    default:
        return sl_psprintf(cx, "WindowAggregate TUMBLING (%s)", sl_interval_format(cx, w->size_us));
    }
}

static char *agg_explain(const sl_operator *op, sl_mcxt *cx)
{
    const agg_state *st = op->state;
    const sl_query_desc *q = st->q;
    char *s = window_text(cx, q);

    if (q->nkeys > 0) {
        s = sl_psprintf(cx, "%s keys:", s);
        for (int k = 0; k < q->nkeys; k++)
            s = sl_psprintf(cx, "%s%s %s", s, k ? "," : "", sl_expr_print(cx, q->keys[k]));
    }
    if (q->naggs > 0) {
        s = sl_psprintf(cx, "%s aggs:", s);
        for (int a = 0; a < q->naggs; a++)
            s = sl_psprintf(cx, "%s%s %s", s, a ? "," : "", sl_agg_call_text(cx, &q->aggs[a]));
    }
    if (q->event_time_col >= 0)
        s = sl_psprintf(cx, "%s event time: %s", s, q->input->names[q->event_time_col]);
    if (q->watermark_us > 0)
        s = sl_psprintf(cx, "%s watermark: %s", s, sl_interval_format(cx, q->watermark_us));
    return s;
}

/* The window state goes back at once (a failed query may stay listed
 * for long): its memory leaves the query's account. */
static void agg_close(sl_operator *op)
{
    agg_state *st = op->state;

    sl_window_op_free(st->wop);
    st->wop = NULL;
}

static bool agg_save_delta(sl_operator *op, sl_ckpt_w *out)
{
    agg_state *st = op->state;

    return sl_window_op_save_delta(st->wop, out);
}

static void agg_saved(sl_operator *op)
{
    agg_state *st = op->state;

    sl_window_op_saved(st->wop);
}

static sl_status agg_apply_delta(sl_operator *op, const char *blob, size_t len, int64_t now_us, sl_error *err)
{
    agg_state *st = op->state;

    if (sl_window_op_apply_delta(st->wop, blob, len, now_us, err) != SL_OK)
        return SL_ERROR;
    agg_stats(op);
    return SL_OK;
}

static const sl_operator_kind aggregate_kind = {
    .name = "aggregate",
    .push = agg_push,
    .splits = agg_splits,
    .advance = agg_advance,
    .flush = agg_flush,
    .save = agg_save,
    .restore = agg_restore,
    .save_delta = agg_save_delta,
    .saved = agg_saved,
    .apply_delta = agg_apply_delta,
    .explain = agg_explain,
    .close = agg_close,
};

sl_operator *sl_aggregate_op_new(sl_op_ctx *ctx, const sl_query_desc *q, const sl_window_config *cfg)
{
    agg_state *st = sl_pnew(ctx->cx, agg_state);
    sl_operator *op;

    st->q = q;
    st->keys = sl_palloc(ctx->cx, sizeof(sl_vector) * (size_t)(q->nkeys > 0 ? q->nkeys : 1));
    st->args = sl_pzalloc(ctx->cx, sizeof(sl_vector) * (size_t)(q->naggs > 0 ? q->naggs : 1));
    for (int k = 0; k < q->nkeys; k++)
        sl_vector_init(&st->keys[k], ctx->cx, sl_expr_type(q->keys[k]), SL_BATCH_ROWS);
    for (int a = 0; a < q->naggs; a++)
        if (q->aggs[a].arg != NULL)
            sl_vector_init(&st->args[a], ctx->cx, sl_expr_type(q->aggs[a].arg), SL_BATCH_ROWS);
    st->wop = sl_window_op_new(ctx->cx, q, cfg);
    if (st->wop == NULL)
        return NULL;
    op = sl_op_new(ctx, &aggregate_kind, st);
    agg_stats(op);
    return op;
}
