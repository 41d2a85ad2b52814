/*
 * query.h - the registry of running continuous queries.
 *
 * One sl_query per continuous query: its worker thread, its state
 * (running, paused, finished, failed), its runtime (server/engine/runtime.h, whose
 * counters are atomics), its error.  The registry is guarded by one mutex
 * that is only held for short bookkeeping, never while a batch runs or a
 * thread is joined, so sessions and queries never wait for each other.
 *
 * Each query owns a root memory context (plan + operator state) that its
 * worker takes over when it starts; it is deleted after the worker is
 * joined (DROP QUERY, shutdown).
 *
 * The catalog keeps every query (name, SQL, state, source, sink): the
 * server starts them again at start (sl_query_start_all); paused ones stay
 * paused, finished ones stay finished (their output is not written twice);
 * running and failed ones resume from their last checkpoint (server/engine/runtime.h:
 * source position and window state), or, without one or with a source
 * kind that has no position/seek, start over from their source's start or
 * committed offsets.  On shutdown (sl_query_stop_all) each query takes a
 * last checkpoint and the catalog state stays what it was, so running
 * queries go on after a restart where they stopped; DROP QUERY takes no
 * checkpoint and deletes the query's.
 *
 * Entry points: sl_query_start, sl_query_pause, sl_query_resume,
 * sl_query_drop, sl_query_get, sl_query_wait, sl_query_start_all,
 * sl_query_stop_all, sl_query_state_name.
 */
#ifndef SLUICE_QUERY_H
#define SLUICE_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/error.h"
#include "sluice/mcxt.h"

typedef enum sl_query_state {
    SL_QUERY_RUNNING,
    SL_QUERY_PAUSED,
    SL_QUERY_FINISHED,
    SL_QUERY_FAILED,
} sl_query_state;

/* "running", "paused", "finished", "failed" (the catalog's and SHOW's words). */
const char *sl_query_state_name(sl_query_state state);

#define SL_QUERY_NAME_MAX 64

typedef struct sl_query_start_args {
    const char *name;    /* NULL: generate query_<n> */
    const char *sql;     /* the SELECT ... INTO sink text, which is stored and re-parsed */
    int position_offset; /* characters before sql in the client's string (error positions) */
    bool paused;         /* start paused (a paused query in the catalog) */
    bool persist;        /* insert into the catalog (false when loading from it) */
    const char *owner;   /* the role that creates it (persist) */
    /* Optional: the statement's cancel flag (server/cancel.h); a source
     * that waits in open() gives up once it is set. */
    volatile int *cancel;
} sl_query_start_args;

/*
 * Plans the query (source and sink opened, SELECT analyzed) and starts its
 * worker.  Errors: 42710 the name is taken, 54000 max_queries reached,
 * 42601 the text is not one SELECT ... INTO, everything sl_runtime_plan
 * reports (positions shifted by position_offset).  name_out (room for
 * SL_QUERY_NAME_MAX) receives the name.
 */
sl_status sl_query_start(const sl_query_start_args *args, char *name_out, sl_error *err);

/* PAUSE/RESUME: 42704 when no such query, 55000 when it is finished or
 * failed.  The state is kept in the catalog. */
sl_status sl_query_pause(const char *name, sl_error *err);
sl_status sl_query_resume(const char *name, sl_error *err);

/* Stops the worker, joins it, closes source and sink, removes the query
 * from the catalog.  *dropped = false when there is no such query. */
sl_status sl_query_drop(const char *name, bool *dropped, sl_error *err);

/* What SHOW QUERIES shows of a registered query. */
typedef struct sl_query_info {
    sl_query_state state;
    int64_t rows_in, rows_out, late_rows, errors;
    int64_t future_rows, decode_errors;            /* /metrics (server/http/) */
    int64_t checkpoint_us, checkpoint_duration_us; /* of the last checkpoint saved; 0: none */
    int64_t watermark_us;                          /* event time; INT64_MIN or 0: none */
    int64_t memory;                                /* bytes its runtime holds (its contexts' blocks) */
    int64_t started_us; /* when the worker started, us since the epoch; 0 = never */
    const char *error;  /* of a failed query, in cx; NULL otherwise */
} sl_query_info;

/* false when the query is not registered (e.g. in the catalog only). */
bool sl_query_get(sl_mcxt *cx, const char *name, sl_query_info *out);

/* Waits until the query is no longer running (finished, failed, paused,
 * dropped), at most timeout_ms; stops early when *cancel becomes non-zero
 * (57014).  *state_out: its state then, NULL when it does not exist. */
sl_status sl_query_wait(const char *name, int64_t timeout_ms, volatile int *cancel, const char **state_out,
                        sl_error *err);

/* Registered queries (max_queries counts them). */
int sl_query_count(void);

/* Server start: starts the catalog's queries (one that cannot be planned
 * is registered as failed, with its error, and logged). */
void sl_query_start_all(void);
/* Server stop: stops and joins every worker, closes sources and sinks. */
void sl_query_stop_all(void);

#endif
