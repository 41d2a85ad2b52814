/*
 * checkpoint.h - the binary encoding of checkpoints: what a source's
 * position() writes and its seek() reads.
 *
 * A checkpoint of a continuous query is two blobs stored together, with a
 * sequence number, in one SQLite transaction (server/catalog/catalog.h,
 * sl_catalog_save_checkpoint): the source's position (opaque to the
 * engine, written by the source kind's position() callback and handed back
 * to its seek()) and the window operator's state (server/engine/window.h,
 * sl_window_op_save).  The runtime (server/engine/runtime.c) decides when to take one:
 * every checkpoint_interval at a batch boundary, and when a query is
 * paused or the server shuts down, always after its sink has flushed.
 *
 * This file owns the little-endian writer and the bounds-checked reader
 * every blob is written and read with.  The reader never reads past the
 * end: a short or corrupt blob makes every later get fail and sets
 * r->bad, and the caller turns that into an error naming the query.
 *
 * Entry points: sl_ckpt_w_*, sl_ckpt_r_*.
 */
#ifndef SLUICE_CHECKPOINT_H
#define SLUICE_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/error.h"
#include "sluice/mcxt.h"

/* ---- writer: a growable buffer in a memory context ---- */

typedef struct sl_ckpt_w {
    sl_mcxt *cx;
    char *data;
    size_t len, cap;
} sl_ckpt_w;

void sl_ckpt_w_init(sl_ckpt_w *w, sl_mcxt *cx);
void sl_ckpt_w_bytes(sl_ckpt_w *w, const void *p, size_t n);
void sl_ckpt_w_u8(sl_ckpt_w *w, uint8_t v);
void sl_ckpt_w_u32(sl_ckpt_w *w, uint32_t v);
void sl_ckpt_w_i64(sl_ckpt_w *w, int64_t v);
void sl_ckpt_w_f64(sl_ckpt_w *w, double v); /* the exact bits: a restored sum is the same double */
/* A length (u32) and the bytes. */
void sl_ckpt_w_str(sl_ckpt_w *w, const char *p, size_t n);

/* ---- reader ---- */

typedef struct sl_ckpt_r {
    const unsigned char *p, *end;
    bool bad; /* a get ran past the end or found a value out of range */
} sl_ckpt_r;

void sl_ckpt_r_init(sl_ckpt_r *r, const void *data, size_t len);
/* Each returns 0 (and sets r->bad) when the blob is too short. */
uint8_t sl_ckpt_r_u8(sl_ckpt_r *r);
uint32_t sl_ckpt_r_u32(sl_ckpt_r *r);
int64_t sl_ckpt_r_i64(sl_ckpt_r *r);
double sl_ckpt_r_f64(sl_ckpt_r *r);
/* A bool: 0 or 1, anything else marks the blob bad. */
bool sl_ckpt_r_bool(sl_ckpt_r *r);
/* A string written by sl_ckpt_w_str: points into the blob (not
 * NUL-terminated), *len its length; NULL when bad. */
const char *sl_ckpt_r_str(sl_ckpt_r *r, size_t *len);
/* A count that must be at most max (and small enough for what is left of
 * the blob when each element takes at least min_bytes): else bad. */
uint32_t sl_ckpt_r_count(sl_ckpt_r *r, uint32_t max, size_t min_bytes);
/* True when the whole blob was read and nothing was bad. */
bool sl_ckpt_r_done(const sl_ckpt_r *r);

#endif
