/*
 * sink_stats.h - what each sink has done, for SHOW SINKS.
 *
 * One entry per sink name, shared by every query writing into that sink
 * (and by a source's dead_letter use of it).  Writers update counters with
 * atomics and the last error under a mutex; SHOW SINKS reads a snapshot.
 * Entries live until the sink is dropped or created again (then they start
 * from zero), so figures survive a query's restart but not the server's.
 *
 * Entry points: sl_sink_stats_get, sl_sink_stats_reset,
 * sl_sink_stats_snapshot, and the updates below.
 */
#ifndef SLUICE_SINK_STATS_H
#define SLUICE_SINK_STATS_H

#include <stdint.h>

#include "sluice/error.h"

typedef enum sl_sink_state {
    SL_SINK_OK,       /* the last write succeeded (or none has been tried) */
    SL_SINK_RETRYING, /* a write failed transiently and is being retried */
    SL_SINK_FAILED,   /* a write failed for good: its query failed */
} sl_sink_state;

typedef struct sl_sink_stats sl_sink_stats;

/* The entry of sink `name`, created on first use; never NULL, never freed
 * while the server runs (a dropped sink's entry is emptied, not freed, as
 * a writer may still hold it). */
sl_sink_stats *sl_sink_stats_get(const char *name);

/* Empties the entry of `name` (CREATE SINK, DROP SINK). */
void sl_sink_stats_reset(const char *name);

void sl_sink_stats_written(sl_sink_stats *st, int64_t rows);
void sl_sink_stats_retry(sl_sink_stats *st, const sl_error *why);
void sl_sink_stats_failed(sl_sink_stats *st, const sl_error *why);

typedef struct sl_sink_stats_view {
    sl_sink_state state;
    int64_t rows;                      /* rows the sink confirmed */
    int64_t batches;                   /* successful writes */
    int64_t retries;                   /* failed attempts that were retried */
    char last_error[SL_ERROR_MSG_MAX]; /* "" when none */
    int64_t last_error_at;             /* microseconds since the epoch; 0 when none */
    int64_t last_success_at;           /* of the last successful write, likewise */
} sl_sink_stats_view;

/* A consistent-enough copy of the entry of `name` (zeros when it has none). */
void sl_sink_stats_snapshot(const char *name, sl_sink_stats_view *out);

/* "ok", "retrying", "failed". */

const char *sl_sink_state_name(sl_sink_state state);

#endif
