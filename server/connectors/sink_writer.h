/*
 * sink_writer.h - the sink framework: what every sink gets for free.
 *
 * A query (and a source's dead_letter use) writes into a sink through an
 * sl_sink_writer, which wraps the kind's callbacks:
 *
 *   - Batching: rows are copied into a buffer and handed to the kind's
 *     write() when batch_rows rows or batch_bytes bytes are buffered, and
 *     on flush, so a kind sees one request's worth at a time.  A kind
 *     that buffers by itself declares batch_rows with default 0: its
 *     write() then gets each batch of the query as it comes.
 *   - Retries: a write or flush that returns SL_RETRY is tried again with
 *     the same rows after an exponential backoff with jitter (retry_backoff
 *     doubled per attempt, up to 30 s, the sleep drawn from [b/2, b]), up to
 *     max_retries times; SL_ERROR (or retries used up) fails the query.
 *   - Backpressure: all of this happens on the query's thread, so while a
 *     sink is slow or down the query does not read its source; the buffer
 *     never holds more than one batch.
 *   - Statistics for SHOW SINKS (server/connectors/sink_stats.h): rows, batches, retries,
 *     last error and state.
 *
 * The runtime calls sl_sink_writer_flush() before a source commit: a
 * commit never covers rows the sink has not confirmed.
 *
 * While backing off, the writer calls the stop callback every few
 * milliseconds; when it says stop, the rows are left unwritten and
 * sl_sink_writer_stopped() turns true: the caller must not commit.
 *
 * Entry points: sl_sink_writer_open, sl_sink_writer_append,
 * sl_sink_writer_flush, sl_sink_writer_dirty, sl_sink_writer_stopped,
 * sl_sink_writer_close.
 */
#ifndef SLUICE_SINK_WRITER_H
#define SLUICE_SINK_WRITER_H

#include <stdbool.h>

#include "sluice/batch.h"
#include "sluice/connector.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

typedef struct sl_sink_writer sl_sink_writer;

typedef struct sl_sink_writer_args {
    sl_mcxt *cx; /* owns the writer and the kind's state */
    const char *sink_name;
    const sl_sink_kind *kind;
    const sl_options *options; /* the sink's, with the framework's declarations */
    const sl_schema *schema;   /* the rows written */
    const char *query_name;
    const sl_confine *confine;      /* checked against the options before open */
    bool (*should_stop)(void *arg); /* NULL: never */
    void *stop_arg;
} sl_sink_writer_args;

/* Opens the kind; its errors come back as they are. */
sl_status sl_sink_writer_open(const sl_sink_writer_args *args, sl_sink_writer **out, sl_error *err);

/* Buffers the rows of b, writing full batches as they fill. */
sl_status sl_sink_writer_append(sl_sink_writer *w, const sl_batch *b, sl_error *err);

/* Writes what is buffered and has the kind make it durable (flush()). */
sl_status sl_sink_writer_flush(sl_sink_writer *w, sl_error *err);

/* True when rows were appended since the last successful flush. */
bool sl_sink_writer_dirty(const sl_sink_writer *w);

/* True once a retry was cut short by the stop callback: rows are missing. */
bool sl_sink_writer_stopped(const sl_sink_writer *w);

/* Closes the kind (buffered rows are dropped: flush first).  Idempotent. */
void sl_sink_writer_close(sl_sink_writer *w);

#endif
