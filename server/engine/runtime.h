/*
 * runtime.h - the operator pipeline of one query (continuous or push).
 *
 * sl_runtime_plan() turns a SELECT into a runnable pipeline: it looks the
 * source and sink up in the catalog, checks that their kinds can run,
 * opens the source (which reports its columns and whether it ends),
 * analyzes the SELECT against those columns (server/engine/analyze.h) and, when asked,
 * opens the sink.  Everything lives in the context the caller passes,
 * which may be handed to another thread as a whole (a query's worker
 * takes over the runtime its session planned).
 *
 * sl_runtime_run() then loops, batch at a time:
 *
 *   source read -> event time -> the plan's operators (server/engine/plan.h):
 *     Filter (WHERE) -> [Aggregate -> Filter (HAVING)] -> Project -> [Limit] -> Sink | Client
 *
 * until the source ends (bounded), LIMIT is reached, ctl->check() asks it
 * to stop, or something fails.  A source with no rows makes the loop tick
 * the operators with the clock and sleep briefly.
 *
 * Checkpoints (a continuous query whose source kind has position/seek):
 * at the first run the runtime restores the query's last checkpoint from
 * the catalog (source seek()ed, window state loaded) and logs "query "q"
 * resumed from checkpoint N taken at T"; then, every checkpoint_interval
 * at a batch boundary, when the query is paused and when it is stopped to
 * be kept (shutdown), it flushes the sink and only then saves the
 * source's position and the window state in one catalog transaction,
 * then lets the source commit (Kafka offsets follow the checkpoint).
 * Output after the last checkpoint is written again after a crash:
 * at-least-once, with the same windows rewritten with the same values.
 *
 * Counters are atomics so other threads (SHOW QUERIES) read them while the
 * query runs without taking any lock the worker needs.
 *
 * Entry points: sl_runtime_plan, sl_runtime_run, sl_runtime_stats_get,
 * sl_runtime_close, sl_runtime_explain (explain.c).
 */
#ifndef SLUICE_RUNTIME_H
#define SLUICE_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "server/engine/analyze.h"
#include "server/engine/op.h"
#include "parser/ast.h"
#include "server/net/dest.h"
#include "sluice/error.h"
#include "sluice/list.h"
#include "sluice/mcxt.h"

typedef struct sl_runtime sl_runtime;

typedef struct sl_runtime_args {
    sl_mcxt *cx;                 /* owns the runtime (plan, operator state, opened connectors) */
    const sl_SelectStmt *select; /* must outlive the runtime when it is run later (copy it into cx) */
    const char *query_text;      /* text the select's locations point into (error positions) */
    const char *query_name;      /* NULL for a push query */
    bool open_sink;              /* false: plan only (EXPLAIN, validation of a push query) */
    bool open_source;            /* false: use declared columns when the kind cannot open (EXPLAIN) */
    /* Optional: the query's memory account, initialised here and charged
     * with everything in cx; it must outlive cx.  The run fails with 53200
     * when it passes query_memory_limit, or when all queries' accounts
     * together pass max_memory after this one grew. */
    sl_mem_account *account;
    sl_params *params; /* $n of a push query: NULL = none */
    /* Optional: the source's open() gives up waiting once it says so. */
    bool (*should_stop)(void *arg);
    void *stop_arg;
} sl_runtime_args;

/*
 * Plans args->select.  Errors: 42P01 unknown source or sink (with the
 * position of its name), 0A000 a kind without a reader/writer yet (`source
 * kind "kafka" is not supported yet`), 0A000 a push query with INTO or a
 * continuous one without it is the caller's to check, the source's and
 * sink's open errors, and every error of sl_analyze_select.  On error
 * whatever was opened is closed again.
 */
sl_status sl_runtime_plan(const sl_runtime_args *args, sl_runtime **out, sl_error *err);

/* A push query's result columns as the client is told of them, in cx. */
sl_column_desc *sl_runtime_columns(const sl_runtime *rt, sl_mcxt *cx, int *ncols);

/* The analyzed query (its output schema, source and sink names). */
const sl_query_desc *sl_runtime_desc(const sl_runtime *rt);
/* The operators it runs (server/engine/op.h). */
const sl_plan *sl_runtime_ops(const sl_runtime *rt);
/* The source's and sink's kind names ("generator", "file"; sink NULL for a push query). */
const char *sl_runtime_source_kind(const sl_runtime *rt);
const char *sl_runtime_sink_kind(const sl_runtime *rt);

/* How a run is steered from outside. */
typedef struct sl_runtime_control {
    /* Called before every batch and while idle: returns true when the run
     * must end now (DROP, shutdown, cancel).  It may block (a paused query
     * waits inside it).  NULL: never stop. */
    bool (*check)(void *arg);
    void *arg;
    /* Push query: rows go to dest (dest->start is called by the runtime),
     * NULL for a query writing into its sink. */
    sl_dest *dest;
    /* Optional: true when check() is about to wait (a paused query), so
     * the runtime first flushes what the sink buffers (and checkpoints). */
    bool (*paused)(void *arg);
    /* Optional: asked once check() said stop; true when the stop keeps the
     * query (server shutdown) so a last checkpoint is taken, false when it
     * ends it (DROP QUERY).  NULL: no checkpoint on stop. */
    bool (*checkpoint_on_stop)(void *arg);
} sl_runtime_control;

typedef enum sl_runtime_end {
    SL_RUNTIME_STOPPED,  /* check() said stop */
    SL_RUNTIME_FINISHED, /* the source ended or LIMIT was reached: all flushed */
} sl_runtime_end;

/* Runs the pipeline on the calling thread.  SL_OK with *end set, or
 * SL_ERROR with err (sink or source failure, client gone). */
sl_status sl_runtime_run(sl_runtime *rt, const sl_runtime_control *ctl, sl_runtime_end *end, sl_error *err);

/* Counters, readable from any thread at any time. */
typedef struct sl_runtime_stats {
    int64_t rows_in;                /* rows read from the source */
    int64_t rows_out;               /* rows written to the sink / sent to the client */
    int64_t late_rows;              /* dropped by the window operator as late */
    int64_t future_rows;            /* too far ahead of arrival time */
    int64_t errors;                 /* decode errors + rows whose expression failed */
    int64_t decode_errors;          /* of errors, the records the source could not decode */
    int64_t checkpoint_us;          /* wall clock of the last checkpoint this run saved; 0: none */
    int64_t checkpoint_duration_us; /* how long taking it took */
    int64_t watermark_us;           /* the window operator's (INT64_MIN before its first row, 0: none) */
} sl_runtime_stats;

void sl_runtime_stats_get(const sl_runtime *rt, sl_runtime_stats *out);

/* Bytes all accounted queries hold together. */
int64_t sl_runtime_memory_total(void);

/* Flushes nothing, closes the source and sink (if open).  Idempotent; the
 * caller deletes the context afterwards. */
void sl_runtime_close(sl_runtime *rt);

/* explain.c: the operator graph, one line per operator (list of char *, in cx). */
sl_list *sl_runtime_explain(sl_mcxt *cx, const sl_runtime *rt);

#endif
