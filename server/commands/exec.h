/*
 * exec.h - executing one parsed statement.
 *
 * The session parses a query string into statements and calls
 * sl_exec_statement() for each in turn; exec dispatches on the node's tag to
 * the DDL, SHOW/SET, DESCRIBE and query handlers.  Rows go to dest; the
 * CommandComplete tag ("CREATE SOURCE", "SHOW", "SELECT 3") is written to tag.
 */
#ifndef SLUICE_EXEC_H
#define SLUICE_EXEC_H

#include <stdbool.h>

#include "server/net/dest.h"
#include "parser/parse.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

typedef struct sl_settings sl_settings;
typedef struct sl_params sl_params; /* server/engine/expr.h */

typedef struct sl_exec_ctx {
    sl_mcxt *stmt_cx;       /* freed after the statement */
    sl_settings *settings;  /* the session's view of the settings (SET/SHOW) */
    volatile int *cancel;   /* becomes non-zero when a CancelRequest matches the session */
    const char *query_text; /* the whole query string, for error positions */
    bool in_transaction;    /* BEGIN seen: ReadyForQuery reports 'T' */
    const char *role;       /* the role the session logged in as */
    bool superuser;         /* that role is a superuser */
    sl_params *params; /* $n: the values of Bind or EXECUTE, or types only while describing; NULL: none */
    /* Optional: asked with the cancel flag while a push query runs; true
     * suspends the run (sl_exec_push_run), as Execute's row limit does. */
    bool (*yield)(void *arg);
    void *yield_arg;
} sl_exec_ctx;

#define SL_TAG_MAX 64

/*
 * Runs stmt.  Returns SL_OK with tag filled, or SL_ERROR with err set (the
 * position, when set, is relative to the whole query string).
 */
sl_status sl_exec_statement(sl_exec_ctx *ctx, const sl_raw_stmt *stmt, sl_dest *dest, char tag[SL_TAG_MAX],
                            sl_error *err);

/*
 * What a statement returns, known before it runs (Describe): no rows
 * (NoData), rows of known columns, or rows known only by running it (SHOW,
 * DESCRIBE, EXPLAIN, SELECT without FROM: read-only, so Describe runs them).
 */
typedef enum sl_exec_shape {
    SL_EXEC_NO_ROWS,
    SL_EXEC_ROWS,
    SL_EXEC_ROWS_BY_RUNNING,
} sl_exec_shape;

/* Describes stmt without running it (a SELECT without FROM is bound, not
 * evaluated: ctx->params must be set, describing): ctx->params (values NULL) get their
 * inferred types (unknown ones left as SL_TYPE_UNKNOWN), *cols (in cx) the
 * columns when the shape is SL_EXEC_ROWS.  A push query is planned (its
 * source opened and closed again); errors are those of planning it. */
sl_status sl_exec_describe_stmt(sl_exec_ctx *ctx, const sl_raw_stmt *stmt, sl_mcxt *cx, sl_exec_shape *shape,
                                int *ncols, const sl_column_desc **cols, sl_error *err);

/* True for a push query (SELECT ... FROM without INTO): it runs through
 * sl_exec_push_* so that a portal can keep it between Execute messages. */
bool sl_exec_is_push(const sl_raw_stmt *stmt);

/* A planned push query, its source open, owned by cx until closed. */
typedef struct sl_exec_push sl_exec_push;
sl_status sl_exec_push_plan(sl_exec_ctx *ctx, const sl_raw_stmt *stmt, sl_mcxt *cx, sl_exec_push **out,
                            int *ncols, const sl_column_desc **cols, sl_error *err);
/* Runs it (dest->start is called again on each run) until the source ends or
 * LIMIT (tag "SELECT n"), a cancel (57014 and the like), or ctx->yield says
 * suspend (*suspended: run it again to go on). */
sl_status sl_exec_push_run(sl_exec_ctx *ctx, sl_exec_push *p, sl_dest *dest, bool *suspended,
                           char tag[SL_TAG_MAX], sl_error *err);
void sl_exec_push_close(sl_exec_push *p);

#endif
