/*
 * ops.h - the operators a plan is made of (each a struct of callbacks, see
 * op.h), one file each:
 *
 *   op_filter.c     Filter     keeps the rows a predicate is true for (WHERE, HAVING)
 *   op_aggregate.c  Aggregate  group keys and aggregates over windows (window.c), event time
 *   op_project.c    Project    the output columns
 *   op_limit.c      Limit      the first n rows, then the query is done
 *   op_sink.c       Sink       rows into the query's sink (the sink framework's writer)
 *                   Client     rows to the client of a push query, as text
 *
 * Entry points: the constructors below.
 */
#ifndef SLUICE_OPS_H
#define SLUICE_OPS_H

#include "server/connectors/sink_writer.h"
#include "server/engine/analyze.h"
#include "server/engine/op.h"
#include "server/engine/window.h"
#include "server/net/dest.h"

/* Filter rows by pred (a BOOLEAN expression over the rows pushed).  For a
 * HAVING, having_of is the aggregated query, so that EXPLAIN names the
 * aggregate calls rather than their internal columns; else NULL. */
sl_operator *sl_filter_op_new(sl_op_ctx *ctx, const sl_expr *pred, const sl_query_desc *having_of);

/* The aggregate of q (keys, aggregate calls, window) with the event-time
 * settings of cfg.  NULL when the window operator cannot be made. */
sl_operator *sl_aggregate_op_new(sl_op_ctx *ctx, const sl_query_desc *q, const sl_window_config *cfg);

/* Evaluates outputs[0..n) over the rows pushed into rows of schema. */
sl_operator *sl_project_op_new(sl_op_ctx *ctx, sl_expr *const *outputs, int n, const sl_schema *schema);

/* Passes the first limit rows on, then sets ctx->limit_reached. */
sl_operator *sl_limit_op_new(sl_op_ctx *ctx, int64_t limit);

/* Rows into the sink name of kind; sl_sink_op_attach gives it the opened
 * writer before the first push (EXPLAIN needs none). */
sl_operator *sl_sink_op_new(sl_op_ctx *ctx, const char *kind, const char *name);
void sl_sink_op_attach(sl_operator *op, sl_sink_writer *writer);

/* Rows to the client of a push query; sl_client_op_start sends the row
 * description (columns of schema, typed as outputs[i] reports,
 * sl_expr_type_oid) to dest before the first push. */
sl_operator *sl_client_op_new(sl_op_ctx *ctx, const sl_schema *schema, sl_expr *const *outputs);
sl_status sl_client_op_start(sl_operator *op, sl_dest *dest, sl_error *err);
/* Those columns as the client is told of them (names, PostgreSQL type OIDs), in cx. */
sl_column_desc *sl_client_op_columns(const sl_operator *op, sl_mcxt *cx, int *ncols);

/* EXPLAIN's texts the operators share: "(a text, b double)" and "avg(ph)". */
char *sl_schema_text(sl_mcxt *cx, const sl_schema *s);
char *sl_agg_call_text(sl_mcxt *cx, const sl_agg_call *c);

#endif
