/*
 * agg.h - aggregate states: init, vectorised update, merge, finalize.
 *
 * The window operator (server/engine/window.c) keeps, per (window, group), one array of
 * sl_agg_state, one element per aggregate call of the query.  Updating is
 * vectorised: sl_aggs_update() takes one aggregate, its argument vector and
 * a list of (row, state array) pairs, and picks its loop with one switch
 * outside the row loop.  Session windows merge states (sl_aggs_merge); an
 * emitted state writes its value into an output vector (sl_aggs_final) and
 * gives back what it holds (sl_aggs_release).
 *
 * Semantics (PostgreSQL-like): NULL arguments are ignored; an aggregate over
 * no non-NULL value is NULL, except count which is 0.  sum(BIGINT) is BIGINT:
 * on overflow PostgreSQL errors "bigint out of range"; a stream cannot stop,
 * so the group's sum becomes NULL and the row is counted in sl_aggs.errors.
 * avg is sum/count in double (as sqlite3 computes it); variances use
 * Welford's update (Chan's formula to merge); the sample variance and
 * stddev of one value are NULL.  first/last are the non-NULL values with the
 * smallest / largest event time, ties broken by arrival order.  DISTINCT
 * count/sum/avg/variance keep a hash set of the values seen per state;
 * min/max/first/last ignore DISTINCT (it does not change their result).
 * Their result_type must be the argument's type (the analyzer's contract);
 * sum/avg accept BIGINT or DOUBLE arguments whatever their result type.
 *
 * Memory: states hold text (min/max/first/last of TEXT, DISTINCT sets) in
 * an sl_agg_pool, a free-list allocator by size class, so that memory freed
 * when a window is emitted is reused and the operator's memory follows the
 * number of open states, not the number of rows seen.
 *
 * Checkpoints: sl_aggs_save / sl_aggs_load write and read states exactly.
 */
#ifndef SLUICE_AGG_H
#define SLUICE_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "server/engine/analyze.h"
#include "sluice/checkpoint.h"
#include "sluice/batch.h"

/* ---- a free-list allocator by power-of-two size class ---- */

#define SL_AGG_POOL_CLASSES 40

typedef struct sl_agg_pool {
    sl_mcxt *cx;                     /* chunks come from here, never returned */
    void *free[SL_AGG_POOL_CLASSES]; /* free chunks of 16 << class bytes */
} sl_agg_pool;

void sl_agg_pool_init(sl_agg_pool *pool, sl_mcxt *cx);
/* A chunk of at least size bytes (8-byte aligned). */
void *sl_agg_pool_alloc(sl_agg_pool *pool, size_t size);
/* Gives back a chunk obtained with the same size. */
void sl_agg_pool_free(sl_agg_pool *pool, void *ptr, size_t size);
/* Bytes a request of size really takes (its class). */
size_t sl_agg_pool_chunk(size_t size);

/* ---- hashing (also used for group keys) ---- */

uint64_t sl_hash_mix(uint64_t x);
uint64_t sl_hash_bytes(const char *p, size_t len, uint64_t seed);

/* ---- values and states ---- */

/* One value of any type; text points to bytes owned elsewhere (len) or, in a
 * state, to a pool chunk of cap bytes. */
typedef struct sl_agg_val {
    union {
        int64_t i64; /* BIGINT, TIMESTAMP, INTERVAL */
        double f64;
        bool b;
        const char *ptr;
    } u;
    int32_t len;
    int32_t cap; /* text held in a pool chunk: its size; else 0 */
} sl_agg_val;

typedef struct sl_agg_set sl_agg_set;

typedef struct sl_agg_state {
    int64_t n;       /* non-NULL values aggregated (count; "has a value" for the rest) */
    sl_agg_val v;    /* sum, min, max, first, last; the mean of variances (v.u.f64) */
    double m2;       /* variances: sum of squared deviations */
    int64_t t;       /* first/last: event time of v */
    int64_t seq;     /* first/last: arrival number of v (breaks ties) */
    sl_agg_set *set; /* DISTINCT: values seen; NULL until the first one */
    bool overflow;   /* sum(BIGINT) overflowed: the result is NULL */
} sl_agg_state;

typedef struct sl_aggs {
    int n;
    const sl_agg_call *calls;
    bool *int_sum;      /* per aggregate: sum/avg state kept in int64 (result not DOUBLE) */
    bool *use_set;      /* per aggregate: DISTINCT that needs a set */
    sl_type *arg_types; /* per aggregate: type of the argument vectors seen (SL_TYPE_UNKNOWN before) */
    bool needs_release; /* some state may hold pool memory (text values, sets) */
    sl_agg_pool *pool;
    sl_agg_pool set_pool; /* DISTINCT sets, in a context of their own (memory accounting names it) */
    int64_t errors;       /* rows whose sum overflowed bigint */
} sl_aggs;

/* Describes the aggregates of q; memory in cx, state memory from pool. */
sl_aggs *sl_aggs_new(sl_mcxt *cx, const sl_query_desc *q, sl_agg_pool *pool);

/* Initialises the n states of one group (an empty aggregate). */
void sl_aggs_init(const sl_aggs *a, sl_agg_state *states);

/*
 * Adds rows to aggregate k: for j in [0, m), the value arg[rows[j]] goes to
 * states[j][k].  event_time[rows[j]] and seq_base + rows[j] (the arrival
 * number) order first/last.  arg is unused (may be NULL) for count(*).
 */
void sl_aggs_update(sl_aggs *a, int k, const sl_vector *arg, int m, const int32_t *rows,
                    sl_agg_state *const *states, const int64_t *event_time, int64_t seq_base);

/* Merges the states of src into dst (session windows) and releases src. */
void sl_aggs_merge(sl_aggs *a, sl_agg_state *dst, sl_agg_state *src);

/* Writes the value of aggregate k of states into out[row]; text is copied
 * into batch's memory. */
void sl_aggs_final(const sl_aggs *a, int k, const sl_agg_state *states, sl_vector *out, int row,
                   sl_batch *batch);

/* Gives back the pool memory the n states hold. */
void sl_aggs_release(sl_aggs *a, sl_agg_state *states);

/*
 * Checkpoints (server/engine/window.c saves every open state): sl_aggs_save appends the
 * n states of one group to w, exactly (doubles by their bits, DISTINCT sets
 * value by value, first/last with their event time and arrival number).
 * sl_aggs_load reads them back into states (overwritten; text and sets
 * from the pool) and returns false when the blob does not hold what the
 * aggregates need (r->bad is then set); a->arg_types must already be
 * restored (the type of DISTINCT set values).
 */
void sl_aggs_save(const sl_aggs *a, const sl_agg_state *states, sl_ckpt_w *w);
bool sl_aggs_load(sl_aggs *a, sl_agg_state *states, sl_ckpt_r *r);

#endif
