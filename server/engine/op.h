/*
 * op.h - the operator interface and the plan of a query.
 *
 * A query runs as a chain of operators, each a struct of callbacks
 * (sl_operator_kind) over its own state.  Rows flow by push: the runtime hands a
 * batch read from the source to the first operator, and each operator
 * passes what it makes to the next with sl_op_emit().  The plan a query
 * runs is the same list EXPLAIN prints (engine/plan.c builds it):
 *
 *   Filter (WHERE) -> [Aggregate -> Filter (HAVING)] -> Project -> [Limit] -> Sink | Client
 *
 * Besides push, an operator may
 *   - learn which of the source's splits still have records coming
 *     (splits), before the rows of a read are pushed;
 *   - advance with processing time while the source is quiet (advance):
 *     the aggregate closes the windows of an idle source;
 *   - flush: at the end of a finite input, emit everything it still holds
 *     (end true), or make durable what was pushed (end false, the sink);
 *   - save its state into a checkpoint and restore it (save, restore);
 *   - describe itself for EXPLAIN (explain);
 *   - close.
 * Every callback but push and explain is optional (NULL).
 *
 * The operators of a query share an sl_op_ctx: the per-batch scratch
 * memory, the counters other threads read (SHOW QUERIES), and the flags an
 * operator raises for the runtime (LIMIT reached, rows a sink did not
 * confirm).  Everything runs on the query's thread.
 *
 * Entry points: sl_op_new, sl_op_emit, sl_op_eval, sl_op_predicate_mask,
 * sl_plan_append, sl_plan_push, sl_plan_splits, sl_plan_advance,
 * sl_plan_flush, sl_plan_stateful, sl_plan_save, sl_plan_restore,
 * sl_plan_explain, sl_plan_close; the operators' constructors are in
 * engine/ops.h.
 */
#ifndef SLUICE_OP_H
#define SLUICE_OP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/engine/expr.h"
#include "sluice/batch.h"
#include "sluice/checkpoint.h"
#include "sluice/error.h"
#include "sluice/list.h"
#include "sluice/mcxt.h"

typedef struct sl_operator sl_operator;

/* Figures of a running query, readable from any thread. */
typedef struct sl_op_counters {
    _Atomic int64_t rows_in;     /* rows read from the source */
    _Atomic int64_t rows_out;    /* rows written to the sink or sent to the client */
    _Atomic int64_t late_rows;   /* dropped by the aggregate as late */
    _Atomic int64_t future_rows; /* too far ahead of arrival time */
    _Atomic int64_t errors;      /* decode errors + rows whose expression failed */
} sl_op_counters;

/* What the operators of one query share. */
typedef struct sl_op_ctx {
    sl_mcxt *cx;      /* the query's: operators and their state */
    sl_mcxt *scratch; /* reset by the runtime before each read and tick */
    sl_op_counters *counters;
    int64_t arrival_us;   /* processing time of the batch being pushed */
    int64_t watermark_us; /* the aggregate's watermark (INT64_MIN before its first row, 0 without one) */
    bool limit_reached;   /* LIMIT has its rows: the runtime stops reading */
    bool commit_blocked;  /* a sink was stopped with rows not written: the source must not commit */
} sl_op_ctx;

typedef struct sl_operator_kind {
    const char *name;
    /* Takes the rows of b (which it may change in place: compact, trim)
     * and passes what it makes on with sl_op_emit. */
    sl_status (*push)(sl_operator *op, sl_batch *b, sl_error *err);
    /* Optional: after each read, which of the source's nsplits splits have
     * records read() has not returned yet (see sl_source_kind.splits). */
    void (*splits)(sl_operator *op, int nsplits, const bool *pending);
    /* Optional: processing time now_us passes without rows. */
    sl_status (*advance)(sl_operator *op, int64_t now_us, sl_error *err);
    /* Optional: end true, the input ended: emit what is held; end false:
     * make durable what was pushed (a sink's flush). */
    sl_status (*flush)(sl_operator *op, bool end, sl_error *err);
    /* Optional, both or neither: the operator's state in a checkpoint. */
    void (*save)(sl_operator *op, sl_ckpt_w *out);
    sl_status (*restore)(sl_operator *op, const char *blob, size_t len, int64_t now_us, sl_error *err);
    /* Optional, all three or none: incremental checkpoints.  save_delta
     * writes what changed since the last committed checkpoint (false: it
     * cannot, save whole); saved: the catalog committed the last save;
     * apply_delta: after restore, each delta since, in order. */
    bool (*save_delta)(sl_operator *op, sl_ckpt_w *out);
    void (*saved)(sl_operator *op);
    sl_status (*apply_delta)(sl_operator *op, const char *blob, size_t len, int64_t now_us, sl_error *err);
    /* EXPLAIN's line for the operator, in cx. */
    char *(*explain)(const sl_operator *op, sl_mcxt *cx);
    /* Optional: frees what the memory context does not. */
    void (*close)(sl_operator *op);
} sl_operator_kind;

struct sl_operator {
    const sl_operator_kind *kind;
    sl_op_ctx *ctx;
    sl_operator *next; /* the consumer of what it emits; NULL for the last */
    void *state;
};

/* A new operator of kind over state, in ctx->cx. */
sl_operator *sl_op_new(sl_op_ctx *ctx, const sl_operator_kind *kind, void *state);

/* Passes b to the next operator (nothing to do for the last one). */
sl_status sl_op_emit(sl_operator *op, sl_batch *b, sl_error *err);

/* Evaluates e over the rows of in into out (scratch memory of ctx); row
 * errors count in ctx->counters->errors. */
sl_status sl_op_eval(sl_op_ctx *ctx, const sl_expr *e, const sl_batch *in, sl_vector *out, sl_error *err);

/* keep[i] = the predicate v is true (NULL and false drop the row); keep
 * has room for nrows, in ctx->scratch. */
bool *sl_op_predicate_mask(sl_op_ctx *ctx, const sl_vector *v, int nrows);

/* ---- the plan: operators in the order rows flow ---- */

typedef struct sl_plan {
    sl_op_ctx *ctx;
    sl_operator *first, *last;
    int nops;
} sl_plan;

/* Links op after the plan's last operator. */
void sl_plan_append(sl_plan *plan, sl_operator *op);

/* Rows read from the source enter the first operator. */
sl_status sl_plan_push(sl_plan *plan, sl_batch *b, sl_error *err);
/* Tells every operator which splits are pending. */
void sl_plan_splits(sl_plan *plan, int nsplits, const bool *pending);
/* Processing time passes: every operator, first to last. */
sl_status sl_plan_advance(sl_plan *plan, int64_t now_us, sl_error *err);
/* Flushes every operator, first to last (an upstream one's output reaches
 * the downstream ones before they flush). */
sl_status sl_plan_flush(sl_plan *plan, bool end, sl_error *err);

/* True when an operator has state to checkpoint.  A plan has at most one
 * such operator (the aggregate): its blob is the plan's state. */
bool sl_plan_stateful(const sl_plan *plan);
void sl_plan_save(sl_plan *plan, sl_ckpt_w *out);
sl_status sl_plan_restore(sl_plan *plan, const char *blob, size_t len, int64_t now_us, sl_error *err);
/* The incremental forms (see sl_operator_kind.save_delta): save_delta is
 * false when the stateful operator cannot make a delta now. */
bool sl_plan_save_delta(sl_plan *plan, sl_ckpt_w *out);
void sl_plan_saved(sl_plan *plan);
sl_status sl_plan_apply_delta(sl_plan *plan, const char *blob, size_t len, int64_t now_us, sl_error *err);

/* EXPLAIN's lines, the consumer first, each input indented under it with
 * "-> " (list of char *, in cx); source is the line of the source below
 * the first operator. */
sl_list *sl_plan_explain(const sl_plan *plan, const char *source, sl_mcxt *cx);

/* Closes every operator. */
void sl_plan_close(sl_plan *plan);

#endif
