/*
 * op_sink.c - the operators rows leave a query by: Sink (into the query's
 * sink, through the sink framework's writer, which batches and retries)
 * and Client (to the client of a push query, as text rows).
 *
 * A writer stopped while backing off (DROP, shutdown) has rows it did not
 * write: the sink tells the runtime (ctx->commit_blocked), which then must
 * not let the source commit past them.
 */
#include "server/engine/ops.h"
#include "server/net/printtup.h"

/* ---- Sink ---- */

typedef struct sink_state {
    const char *kind, *name;
    sl_sink_writer *writer;
} sink_state;

static sl_status sink_push(sl_operator *op, sl_batch *b, sl_error *err)
{
    sink_state *st = op->state;

    /* A slow sink slows the query down (the writer retries on this
     * thread); it never drops rows. */
    if (sl_sink_writer_append(st->writer, b, err) != SL_OK)
        return SL_ERROR;
    if (sl_sink_writer_stopped(st->writer))
        op->ctx->commit_blocked = true; /* stopped with rows not written */
    atomic_fetch_add_explicit(&op->ctx->counters->rows_out, b->nrows, memory_order_relaxed);
    return SL_OK;
}

/* Only the flush that makes rows durable concerns the sink: at the end of
 * the input the writer holds nothing the next durable flush would not. */
static sl_status sink_flush(sl_operator *op, bool end, sl_error *err)
{
    sink_state *st = op->state;

    if (end || st->writer == NULL)
        return SL_OK;
    if (sl_sink_writer_flush(st->writer, err) != SL_OK)
        return SL_ERROR;
    if (sl_sink_writer_stopped(st->writer))
        op->ctx->commit_blocked = true; /* stopped before the sink confirmed its rows */
    return SL_OK;
}

static char *sink_explain(const sl_operator *op, sl_mcxt *cx)
{
    const sink_state *st = op->state;

    return sl_psprintf(cx, "Sink %s \"%s\"", st->kind, st->name);
}

static const sl_operator_kind sink_kind = {
    .name = "sink",
    .push = sink_push,
    .flush = sink_flush,
    .explain = sink_explain,
};

sl_operator *sl_sink_op_new(sl_op_ctx *ctx, const char *kind, const char *name)
{
    sink_state *st = sl_pnew(ctx->cx, sink_state);

    st->kind = kind;
    st->name = name;
    return sl_op_new(ctx, &sink_kind, st);
}

void sl_sink_op_attach(sl_operator *op, sl_sink_writer *writer)
{
    sink_state *st = op->state;

    st->writer = writer;
}

/* ---- Client ---- */

typedef struct client_state {
    const sl_schema *schema;
    sl_expr *const *outputs; /* what each column is computed by: its type OID */
    sl_dest *dest;
    const char **values; /* one DataRow */
} client_state;

static sl_status client_push(sl_operator *op, sl_batch *b, sl_error *err)
{
    client_state *st = op->state;

    if (sl_printtup_batch(st->dest, b, op->ctx->scratch, st->values, err) != SL_OK)
        return SL_ERROR;
    atomic_fetch_add_explicit(&op->ctx->counters->rows_out, b->nrows, memory_order_relaxed);
    return SL_OK;
}

static char *client_explain(const sl_operator *op, sl_mcxt *cx)
{
    (void)op;
    return sl_pstrdup(cx, "Client");
}

static const sl_operator_kind client_kind = {
    .name = "client",
    .push = client_push,
    .explain = client_explain,
};

sl_operator *sl_client_op_new(sl_op_ctx *ctx, const sl_schema *schema, sl_expr *const *outputs)
{
    client_state *st = sl_pnew(ctx->cx, client_state);

    st->schema = schema;
    st->outputs = outputs;
    st->values = sl_palloc(ctx->cx, sizeof(char *) * (size_t)(schema->ncols + 1));
    return sl_op_new(ctx, &client_kind, st);
}

sl_column_desc *sl_client_op_columns(const sl_operator *op, sl_mcxt *cx, int *ncols)
{
    const client_state *st = op->state;
    const sl_schema *s = st->schema;
    sl_column_desc *cols = sl_palloc(cx, sizeof(sl_column_desc) * (size_t)(s->ncols + 1));

    for (int i = 0; i < s->ncols; i++) {
        cols[i].name = sl_pstrdup(cx, s->names[i]); /* cx may outlive the plan (Describe) */
        cols[i].type_oid = sl_expr_type_oid(st->outputs[i]);
    }
    *ncols = s->ncols;
    return cols;
}

sl_status sl_client_op_start(sl_operator *op, sl_dest *dest, sl_error *err)
{
    client_state *st = op->state;
    int n;
    sl_column_desc *cols = sl_client_op_columns(op, op->ctx->cx, &n);

    st->dest = dest;
    return dest->start(dest, n, cols, err);
}
