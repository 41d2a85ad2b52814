/*
 * op_project.c - the Project operator: the query's output columns,
 * evaluated over the rows pushed (source rows, or closed windows).
 */
#include <string.h>

#include "server/engine/ops.h"

typedef struct project_state {
    sl_expr *const *outputs;
    int n;
    const sl_schema *schema;
    sl_batch *out; /* grown when a push is bigger than it */
} project_state;

static sl_status project_push(sl_operator *op, sl_batch *in, sl_error *err)
{
    project_state *st = op->state;

    if (op->ctx->limit_reached)
        return SL_OK;
    if (st->out == NULL || st->out->capacity < in->nrows)
        st->out =
            sl_batch_new(op->ctx->cx, st->schema, in->nrows > SL_BATCH_ROWS ? in->nrows : SL_BATCH_ROWS);
    sl_batch_reset(st->out);
    for (int i = 0; i < st->n; i++)
        if (sl_op_eval(op->ctx, st->outputs[i], in, &st->out->cols[i], err) != SL_OK)
            return SL_ERROR;
    st->out->nrows = in->nrows;
    memcpy(st->out->event_time, in->event_time, sizeof(int64_t) * (size_t)in->nrows);
    st->out->has_event_time = true;
    return sl_op_emit(op, st->out, err);
}

char *sl_schema_text(sl_mcxt *cx, const sl_schema *s)
{
    char *out = sl_pstrdup(cx, "(");

    for (int i = 0; i < s->ncols; i++)
        out = sl_psprintf(cx, "%s%s%s %s", out, i ? ", " : "", s->names[i], sl_type_name(s->types[i]));
    return sl_psprintf(cx, "%s)", out);
}

static char *project_explain(const sl_operator *op, sl_mcxt *cx)
{
    const project_state *st = op->state;

    return sl_psprintf(cx, "Project %s", sl_schema_text(cx, st->schema));
}

static const sl_operator_kind project_kind = {
    .name = "project",
    .push = project_push,
    .explain = project_explain,
};

sl_operator *sl_project_op_new(sl_op_ctx *ctx, sl_expr *const *outputs, int n, const sl_schema *schema)
{
    project_state *st = sl_pnew(ctx->cx, project_state);

    st->outputs = outputs;
    st->n = n;
    st->schema = schema;
    return sl_op_new(ctx, &project_kind, st);
}
