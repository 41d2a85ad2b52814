/*
 * expr.h - bound expressions: typed once at plan time, evaluated per batch.
 *
 * The binder (server/engine/expr_bind.c) turns an AST expression into an sl_expr whose
 * every node has a result type; column references become indexes into the
 * input schema.  Evaluation is vectorised: one call computes the expression
 * for all rows of a batch into an output vector, so the per-row cost is a
 * loop over arrays.  SQL three-valued logic: NULL in, NULL out, except
 * AND/OR/IS [NOT] NULL/COALESCE/CASE which follow SQL.
 *
 * Data errors of one row (division by zero, text that does not cast) do not
 * stop a stream: that row's result is NULL, *row_errors is incremented and
 * the first such error is kept in err_first (if not yet set) so the query can
 * show it.  SL_ERROR is returned only when evaluation cannot go on at all.
 */
#ifndef SLUICE_EXPR_H
#define SLUICE_EXPR_H

#include "parser/ast.h"
#include "sluice/batch.h"
#include "sluice/error.h"

typedef struct sl_expr sl_expr;

/*
 * The parameters $1..$n of a statement (extended query protocol, PREPARE).
 * Describing (values NULL), a parameter binds as a NULL of its type, and
 * one of unknown type takes the type its context gives it, written back to
 * types[] (as PostgreSQL infers parameter types at Parse).  Bound (values
 * set), it is the constant its text gives, of types[i].
 */
typedef struct sl_params {
    int n;
    sl_type *types;            /* SL_TYPE_UNKNOWN: not known yet */
    const char *const *values; /* text forms, NULL entry = SQL NULL; NULL array: describing */
} sl_params;

/* How names and aggregates are resolved while binding. */
typedef struct sl_bind_ctx {
    sl_mcxt *cx;             /* owns the bound tree (the plan's context) */
    const sl_schema *input;  /* columns a reference may name */
    const char *query_text;  /* for error positions (1-based characters) */
    const char *source_name; /* a.b may qualify a column with it */
    /* Added (issue 3, expr): where the expression sits, for the message
     * "aggregate functions are not allowed in WHERE"; NULL = "here". */
    const char *agg_context;
    /* Added (issue 3, expr): called for every AST node before it is bound;
     * setting *out (and returning SL_OK) replaces the node's binding.  The
     * analyzer uses it to map GROUP BY expressions and aggregate calls to
     * columns of agg_schema.  NULL = none. */
    sl_status (*hook)(void *hook_arg, const sl_node *node, sl_expr **out, sl_error *err);
    void *hook_arg;
    sl_params *params; /* what $n refers to; NULL: none (42P02) */
} sl_bind_ctx;

/* Binds expr against ctx->input.  Errors: 42703 unknown column (with a "did
 * you mean" hint), 42883 unknown function / operator for these types, 42804
 * type mismatch, 42803 an aggregate where none is allowed, 22P02 a literal
 * that does not cast.  Aggregate calls are refused here: the analyzer
 * (server/engine/analyze.h) extracts them first. */
sl_status sl_expr_bind(const sl_bind_ctx *ctx, const sl_node *expr, sl_expr **out, sl_error *err);

/* A reference to column idx of the input, of the column's type. */
sl_expr *sl_expr_column(sl_mcxt *cx, const sl_schema *input, int idx);

sl_type sl_expr_type(const sl_expr *expr);
/* The PostgreSQL type OID a client is told for expr's values
 * (RowDescription): int4 (23) for the BIGINT expressions PostgreSQL types
 * integer (see expr_int.h), else sl_type_oid of its type; text for an
 * untyped NULL. */
uint32_t sl_expr_type_oid(const sl_expr *expr);

/* True when expr is an aggregate function name (count, sum, avg, ...). */
bool sl_is_aggregate_name(const char *name);

typedef struct sl_eval_ctx {
    sl_mcxt *cx;        /* per-batch scratch and text results; reset by the caller */
    int64_t row_errors; /* rows whose value became NULL because of a data error */
    sl_error first_error;
} sl_eval_ctx;

/* Computes expr for rows [0, in->nrows) of in into out (initialised by the
 * caller with sl_vector_init for at least in->nrows rows and expr's type). */
sl_status sl_expr_eval(const sl_expr *expr, const sl_batch *in, sl_vector *out, sl_eval_ctx *ectx,
                       sl_error *err);

/* Canonical text of a bound expression (column names, not indexes), for EXPLAIN. */
char *sl_expr_print(sl_mcxt *cx, const sl_expr *expr);

/* Added (issue 3, expr): true when expr is a constant (folded at bind time);
 * *is_null tells whether it is NULL.  Lets operators skip work (WHERE true). */
bool sl_expr_is_const(const sl_expr *expr, bool *is_null);

/* Added (issue 3, expr): the input column expr reads when it is a bare column
 * reference, else -1 (projections copy such columns without evaluating). */
int sl_expr_column_index(const sl_expr *expr);

#endif
