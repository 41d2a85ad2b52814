/*
 * window.h - the window aggregate operator and event time.
 *
 * The operator owns everything about event time for a windowed query: it
 * receives rows (their event times, arrival time, group key vectors and
 * aggregate argument vectors), keeps per window and group the aggregate
 * states, tracks the watermark (max event time seen - lateness), drops and
 * counts late rows (event time < watermark) and rows too far in the future
 * (event time > arrival + max_future: counted, never moving the watermark),
 * and emits each window exactly once, when the watermark passes its end.
 * State is bounded by open windows x groups, never by rows seen.
 */
#ifndef SLUICE_WINDOW_H
#define SLUICE_WINDOW_H

#include "server/engine/analyze.h"
#include "sluice/checkpoint.h"

typedef struct sl_window_op sl_window_op;

/* Receives emitted rows: a batch over q->agg_schema (window_start, window_end,
 * keys..., aggs...), ordered by window_end, window_start, then group keys.
 * The batch (and its text) belongs to the operator and is valid only during
 * the call; batch->event_time[i] is the row's window_end (0 without WINDOW,
 * where window_start and window_end are NULL). */
typedef sl_status (*sl_window_emit_fn)(void *arg, sl_batch *batch, sl_error *err);

typedef struct sl_window_config {
    int64_t max_future_us;   /* source option max_future; < 0: no limit */
    int64_t idle_timeout_us; /* source option idle_timeout; < 0: never advance by the clock */
    int64_t max_groups;      /* max_groups_per_query: over it the query fails (54000); <= 0: no limit */
    int64_t split_settle_us; /* with splits: how old a split's max event time must be to count
                              * (server/engine/window.c, "Settling"); <= 0: at once */
} sl_window_config;

sl_window_op *sl_window_op_new(sl_mcxt *cx, const sl_query_desc *q, const sl_window_config *cfg);

/* Adds nrows rows; keys[q->nkeys] and args[q->naggs] (args[i] unused for count(*))
 * are vectors over the same rows. May emit windows the batch closes. */
sl_status sl_window_op_push(sl_window_op *w, int nrows, const int64_t *event_time, int64_t arrival_us,
                            const sl_vector *keys, const sl_vector *args, sl_window_emit_fn emit,
                            void *emit_arg, sl_error *err);

/* The same, the rows coming from the source's splits split[i] (a Kafka
 * source's partitions, >= 0): the watermark is aligned to the slowest split
 * that had rows within idle_timeout (see server/engine/window.c).  split NULL: one split. */
sl_status sl_window_op_push_split(sl_window_op *w, int nrows, const int64_t *event_time, const int32_t *split,
                                  int64_t arrival_us, const sl_vector *keys, const sl_vector *args,
                                  sl_window_emit_fn emit, void *emit_arg, sl_error *err);

/* What the source knows of its splits (a Kafka source's partitions):
 * pending[s] says that split s has records read() has not returned yet.
 * A pending split holds the watermark back however long ago it last gave
 * rows; only a split that is not pending can be idle (see server/engine/window.c's
 * table).  Call it after each read, before the push or tick. */
void sl_window_op_pending(sl_window_op *w, int nsplits, const bool *pending);

/* Processing time passes with no rows: splits that became idle stop
 * holding the watermark, and once the whole source has been quiet for
 * idle_timeout with no split pending, the watermark advances with the
 * clock, so the last windows of a quiet source close. */
sl_status sl_window_op_tick(sl_window_op *w, int64_t now_us, sl_window_emit_fn emit, void *emit_arg,
                            sl_error *err);

/* A finite source ended: emits every open window. */
sl_status sl_window_op_flush(sl_window_op *w, sl_window_emit_fn emit, void *emit_arg, sl_error *err);

typedef struct sl_window_stats {
    int64_t late_rows;
    int64_t future_rows;
    int64_t open_windows;
    int64_t groups;       /* open (window, group) states */
    int64_t watermark_us; /* INT64_MIN before the first row */
    int64_t agg_errors;   /* rows whose sum(bigint) overflowed (that sum is then NULL) */
    int64_t state_bytes;  /* memory the operator holds for its state */
} sl_window_stats;

void sl_window_op_stats(const sl_window_op *w, sl_window_stats *out);

/*
 * Checkpoints.  sl_window_op_save appends everything the operator holds to
 * out: every open window (or session) per group with all its aggregate
 * states, the watermark and the event-time clock, the counters, and a
 * description of the query's windows and aggregates.  sl_window_op_restore
 * loads such a blob into a new operator (nothing pushed yet) of the same
 * query, so that it goes on emitting exactly what the saved one would
 * have; the idle clock restarts at now_us (the time the server was down is
 * not taken for idleness).  Errors: XX001 for a blob that is truncated,
 * corrupt or of another query shape (the operator must then be freed),
 * 54000 when it holds more groups than max_groups_per_query.
 */
void sl_window_op_save(sl_window_op *w, sl_ckpt_w *out);
sl_status sl_window_op_restore(sl_window_op *w, const char *blob, size_t len, int64_t now_us, sl_error *err);

/*
 * Incremental checkpoints, so that a large state is not rewritten whole
 * each time: sl_window_op_save_delta appends only what changed since the
 * last checkpoint the catalog committed (the groups a push touched since,
 * each whole, and the list of open windows: the others closed), and
 * returns false, writing nothing, when a delta cannot be made (session
 * windows, or no committed checkpoint yet): then save whole.
 * sl_window_op_saved tells the operator the catalog committed what the
 * last save or save_delta wrote (until then the next delta repeats it).
 * sl_window_op_apply_delta applies, after sl_window_op_restore of the
 * base, each delta saved since, in order.  Errors as restore.
 */
bool sl_window_op_save_delta(sl_window_op *w, sl_ckpt_w *out);
void sl_window_op_saved(sl_window_op *w);
sl_status sl_window_op_apply_delta(sl_window_op *w, const char *blob, size_t len, int64_t now_us,
                                   sl_error *err);

/* Frees the operator and all its state (it lives in a child context of the
 * cx given to sl_window_op_new, so deleting that context frees it too). */
void sl_window_op_free(sl_window_op *w);

#endif
