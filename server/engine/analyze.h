/*
 * analyze.h - from a SELECT's AST to a typed query description.
 *
 * sl_analyze_select() resolves a SELECT against its source's schema and
 * splits it into the parts the runtime wires into operators:
 *
 *   source -> [where] -> project (plain query)
 *   source -> [where] -> window aggregate(keys, agg args) -> [having] -> project
 *
 * For an aggregated query the final projection and HAVING are bound against
 * agg_schema = (window_start, window_end, key_0.., agg_0..): group-by
 * expressions in the select list become references to key columns and each
 * aggregate call a reference to its agg column.  A column outside GROUP BY
 * and outside an aggregate is 42803.
 */
#ifndef SLUICE_ANALYZE_H
#define SLUICE_ANALYZE_H

#include "parser/ast.h"
#include "server/engine/expr.h"

typedef enum sl_agg_func {
    SL_AGG_COUNT_STAR,
    SL_AGG_COUNT,
    SL_AGG_SUM,
    SL_AGG_AVG,
    SL_AGG_MIN,
    SL_AGG_MAX,
    SL_AGG_STDDEV_SAMP, /* stddev, stddev_samp */
    SL_AGG_STDDEV_POP,
    SL_AGG_VAR_SAMP, /* variance, var_samp */
    SL_AGG_VAR_POP,
    SL_AGG_FIRST, /* by event time */
    SL_AGG_LAST,
} sl_agg_func;

typedef struct sl_agg_call {
    sl_agg_func func;
    bool distinct;       /* count(DISTINCT x), sum(DISTINCT x), ... */
    sl_expr *arg;        /* over the source schema; NULL for count(*) */
    sl_type result_type; /* count: BIGINT; sum: arg's; avg/stddev/var: DOUBLE; ... */
} sl_agg_call;

typedef struct sl_query_desc {
    const char *source;     /* source name */
    const char *sink;       /* INTO sink, NULL for a push query */
    int64_t limit;          /* -1 = none */
    const sl_schema *input; /* the source's columns */
    int event_time_col;     /* EVENT TIME column in input, -1 = source time / arrival time */
    int64_t watermark_us;   /* allowed lateness */

    sl_expr *where; /* over input; NULL = all rows */

    bool aggregated;         /* GROUP BY, aggregates or WINDOW present */
    sl_WindowClause *window; /* NULL: one window over a finite source */
    int nkeys;
    sl_expr **keys; /* GROUP BY, over input */
    int naggs;
    sl_agg_call *aggs;
    const sl_schema *agg_schema; /* window_start, window_end, keys..., aggs... */
    sl_expr *having;             /* over agg_schema; NULL = all groups */

    int nout;
    sl_expr **outputs;       /* over agg_schema when aggregated, else over input */
    const sl_schema *output; /* names (aliases, or PostgreSQL-style defaults) and types */
} sl_query_desc;

typedef struct sl_analyze_args {
    sl_mcxt *cx; /* owns the description */
    const sl_SelectStmt *select;
    const sl_schema *input; /* the source's columns (declared, inferred or fixed) */
    const char *event_time; /* the source's EVENT TIME column, NULL if none */
    int64_t watermark_us;
    bool source_bounded; /* a finite source: aggregates without WINDOW allowed */
    const char *query_text;
    sl_params *params; /* $n: NULL = none */
} sl_analyze_args;

/* Errors as sl_expr_bind, plus 0A000 for an aggregate without a window over an
 * unbounded source (with a hint to add WINDOW ...), 42803 grouping errors. */
sl_status sl_analyze_select(const sl_analyze_args *args, sl_query_desc **out, sl_error *err);

/* PostgreSQL's name for an output column written as n without AS: the column's,
 * the function's, a cast's type, "case", else "?column?". */
const char *sl_analyze_column_name(const sl_node *n);

#endif
