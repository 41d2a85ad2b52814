/*
 * dynamodb_item.h - rows as DynamoDB items, and DynamoDB's replies.
 *
 * Pure functions, no I/O: the DYNAMODB sink (sinks/dynamodb.c) and its unit
 * test (regress/unit/test_dynamodb_item.c) share them.
 *
 * Encoding (one item per row, every output column an attribute named after
 * it, DynamoDB JSON AttributeValues):
 *
 *   NULL                       {"NULL":true}
 *   BOOLEAN                    {"BOOL":true}
 *   BIGINT                     {"N":"42"}
 *   DOUBLE                     {"N":"0.1"}    shortest round-trip decimal; -0 as "0".
 *                              NaN, infinities and magnitudes DynamoDB cannot
 *                              store (>= 1e126, or below 1e-130) -> {"NULL":true},
 *                              counted in values_nulled: a number column keeps
 *                              its attribute, and one odd value does not fail
 *                              the whole stream (the JSON encoders do the same)
 *   TEXT                       {"S":"..."}    JSON-escaped; invalid UTF-8 -> U+FFFD
 *   TIMESTAMP                  iso8601: {"S":"2026-01-01T00:01:00Z"} (fraction only
 *                              when not zero, as the FILE sink writes it);
 *                              epoch_seconds / epoch_millis / epoch_micros:
 *                              {"N":"1767225660"}, exact decimal (a fraction
 *                              when the value is not a whole unit)
 *   INTERVAL                   {"S":"00:01:00"} (its text form)
 *
 * Keys: an item needs its partition key (and sort key, when the table has
 * one).  A row whose key column is NULL, an empty TEXT, a DOUBLE that is
 * not a storable number, or longer than DynamoDB allows (2048 bytes for a
 * partition key, 1024 for a sort key) cannot be stored: it is skipped and
 * counted in bad_keys rather than failing the query, because DynamoDB would
 * reject the whole request (and so every good row sent with it) forever.
 * BOOLEAN columns cannot be keys (DynamoDB keys are S, N or B): the encoder
 * refuses them when it is created.
 *
 * Requests: a BatchWriteItem body holds at most 25 PutRequests and 16 MB,
 * and DynamoDB rejects a request in which two items have the same key.
 * sl_ddb_encode_request() takes rows in order and keeps, within one
 * request, only the last row of each key: the item a sequence of single
 * puts would leave.  Requests are sent in order, so across requests the
 * last row wins too.
 *
 * Entry points: sl_ddb_ts_format_parse, sl_ddb_encoder_new,
 * sl_ddb_encode_request, sl_ddb_encoder_free, sl_ddb_reply_parse,
 * sl_ddb_retry_body, sl_ddb_error_retryable, sl_ddb_error_sqlstate.
 */
#ifndef SLUICE_SINKS_DYNAMODB_ITEM_H
#define SLUICE_SINKS_DYNAMODB_ITEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/buf.h"
#include "sluice/batch.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

/* DynamoDB's limits on one BatchWriteItem request. */
#define SL_DDB_MAX_ITEMS         25
#define SL_DDB_MAX_REQUEST_BYTES (16 * 1024 * 1024)

typedef enum sl_ddb_ts_format {
    SL_DDB_TS_ISO8601,
    SL_DDB_TS_EPOCH_SECONDS,
    SL_DDB_TS_EPOCH_MILLIS,
    SL_DDB_TS_EPOCH_MICROS,
} sl_ddb_ts_format;

/* "iso8601", "epoch_seconds", "epoch_millis", "epoch_micros"; false otherwise. */
bool sl_ddb_ts_format_parse(const char *s, sl_ddb_ts_format *out);

/* What the encoder did, added to by every sl_ddb_encode_request(). */
typedef struct sl_ddb_stats {
    int64_t items;         /* items put into requests */
    int64_t bad_keys;      /* rows skipped: their key cannot be stored */
    int64_t duplicates;    /* rows that replaced an earlier row of the same key in a request */
    int64_t values_nulled; /* DOUBLE values written as NULL (NaN, infinite, out of range) */
} sl_ddb_stats;

typedef struct sl_ddb_encoder sl_ddb_encoder;

/*
 * An encoder of rows of schema (which must outlive it) into requests for
 * table, allocated in cx.  key names the partition key column, sort_key the
 * sort key column or NULL.  Errors: a key column that is not in the schema
 * (42703), a BOOLEAN key column (42804), sort_key equal to key (22023).
 */
sl_status sl_ddb_encoder_new(sl_mcxt *cx, const sl_schema *schema, const char *table, const char *key,
                             const char *sort_key, sl_ddb_ts_format ts_format, sl_ddb_encoder **out,
                             sl_error *err);

/*
 * Appends to out one BatchWriteItem request body for the rows of batch
 * from *next on: at most max_items (1..25) items with distinct keys and
 * at most max_bytes of body, unless a single item alone is larger (it is
 * then sent alone, for DynamoDB to judge).  Advances *next past the rows
 * it consumed (rows put in the request and rows skipped for their key).
 * Returns the number of items in the request; 0 (and nothing appended)
 * when the remaining rows were all skipped or none remain.
 */
int sl_ddb_encode_request(sl_ddb_encoder *enc, const sl_batch *batch, int *next, int max_items,
                          size_t max_bytes, sl_buf *out, sl_ddb_stats *stats);

/* Releases the encoder's scratch buffers (the rest lives in its cx). */
void sl_ddb_encoder_free(sl_ddb_encoder *enc);

/* ---- replies ---- */

typedef struct sl_ddb_reply {
    /* The value of "UnprocessedItems" (an object: table -> array of
     * requests) as it stands in the body, or NULL when absent. */
    const char *unprocessed;
    size_t unprocessed_len;
    int unprocessed_count; /* requests in it, over all tables */
    /* An error reply's "__type" after its last '#' (e.g.
     * "ResourceNotFoundException") and its "message" (or "Message"),
     * unescaped; empty when absent; cut to fit. */
    char type[128];
    char message[512];
} sl_ddb_reply;

/*
 * Reads a DynamoDB JSON reply body[0..len) (no NUL needed).  Returns false
 * when the body is not one well-formed JSON object (a proxy's HTML page, a
 * cut reply); *reply is then cleared.  Pointers in *reply point into body.
 */
bool sl_ddb_reply_parse(const char *body, size_t len, sl_ddb_reply *reply);

/* Appends the request that retries reply's unprocessed items:
 * {"RequestItems":<UnprocessedItems>}. */
void sl_ddb_retry_body(const sl_ddb_reply *reply, sl_buf *out);

/* True for the error types that mean "slow down or try again later":
 * throughput exceeded, throttling, request limits, internal server errors. */
bool sl_ddb_error_retryable(const char *type);

/* The SQLSTATE a permanent error type maps to: a missing table 42P01,
 * credential and signature errors 28000, everything else 22000. */
const char *sl_ddb_error_sqlstate(const char *type);

#endif
