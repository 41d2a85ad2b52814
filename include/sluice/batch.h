/*
 * batch.h - column batches: the unit of work between operators.
 *
 * A batch holds up to `capacity` rows (SL_BATCH_ROWS by default) as one
 * typed vector per column plus a null mask per column, so operators loop
 * over plain arrays instead of calling per row.  Text values point into the
 * batch's own memory context (or into memory the producer guarantees lives
 * as long as the batch); sl_batch_reset() empties the batch and frees that
 * memory in one step, so nothing on the hot path allocates per row.
 */
#ifndef SLUICE_BATCH_H
#define SLUICE_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/mcxt.h"
#include "sluice/types.h"

#define SL_BATCH_ROWS 1024

/* Column names and types of a batch, a source or a query's output. */
typedef struct sl_schema {
    int ncols;
    const char **names;
    sl_type *types;
} sl_schema;

/* Builds a schema of n columns in cx (names copied). */
sl_schema *sl_schema_new(sl_mcxt *cx, int n, const char *const *names, const sl_type *types);
/* Index of the column called name, or -1. */
int sl_schema_find(const sl_schema *schema, const char *name);

typedef struct sl_vector {
    sl_type type;
    uint8_t *nulls; /* nulls[i] != 0: row i is NULL; always allocated */
    union {
        bool *b;
        int64_t *i64; /* BIGINT, TIMESTAMP, INTERVAL */
        double *f64;
        sl_text *text;
    } v;
} sl_vector;

typedef struct sl_batch {
    const sl_schema *schema;
    int nrows;
    int capacity;
    sl_vector *cols;     /* schema->ncols vectors of capacity rows */
    int64_t *event_time; /* per row, microseconds; filled by the source driver */
    bool has_event_time; /* the source filled event_time itself (Kafka timestamps) */
    int32_t *split;      /* per row, the source split (Kafka partition) it came from */
    bool has_split;      /* the source filled split (the window operator aligns the
                          * watermark to the slowest split); reset with the batch */
    sl_mcxt *cx;         /* text bytes and other per-batch memory; reset with the batch */
} sl_batch;

/* A batch for schema with room for capacity rows; its arrays live in cx, its
 * per-batch context is a child of cx. */
sl_batch *sl_batch_new(sl_mcxt *cx, const sl_schema *schema, int capacity);
/* Empties the batch (nrows = 0) and frees its per-batch memory. */
void sl_batch_reset(sl_batch *batch);
/* Copies text into the batch's memory and returns it as an sl_text. */
sl_text sl_batch_text(sl_batch *batch, const char *s, int32_t len);
/* Appends up to n rows of src, from row `from` on, to dst (same column
 * types), as many as dst has room for; TEXT bytes are copied into dst's
 * memory.  Returns the number of rows appended. */
int sl_batch_append(sl_batch *dst, const sl_batch *src, int from, int n);
/* Keeps only the rows whose keep[i] is true, in order (used by filters). */
void sl_batch_compact(sl_batch *batch, const bool *keep);
/* Bytes of one value of type in a vector (TEXT: an sl_text). */
size_t sl_type_width(sl_type type);
/* A vector of capacity rows of type in cx. */
void sl_vector_init(sl_vector *vec, sl_mcxt *cx, sl_type type, int capacity);

#endif
