/*
 * dest.h - where a statement's result rows go.
 *
 * Like PostgreSQL's DestReceiver: the executor describes its columns once,
 * then hands over rows one at a time as text values; the receiver decides
 * what that means (DataRow messages for a client, a buffer in a test).  A push
 * query keeps calling row() as windows close, so a receiver must not hold
 * rows back: the protocol receiver flushes each batch to the socket.
 */
#ifndef SLUICE_DEST_H
#define SLUICE_DEST_H

#include <stdint.h>

#include "sluice/error.h"

/* PostgreSQL type OIDs of the types sluice reports in RowDescription. */
#define SL_OID_BOOL      16
#define SL_OID_INT8      20
#define SL_OID_INT4      23 /* a BIGINT expression PostgreSQL types integer (server/engine/expr_int.h) */
#define SL_OID_TEXT      25
#define SL_OID_FLOAT8    701
#define SL_OID_TIMESTAMP 1114
#define SL_OID_INTERVAL  1186

typedef struct sl_column_desc {
    const char *name;
    uint32_t type_oid;
} sl_column_desc;

typedef struct sl_dest sl_dest;

struct sl_dest {
    /* Describes the result's columns; called once before any row. */
    sl_status (*start)(sl_dest *dest, int ncols, const sl_column_desc *cols, sl_error *err);
    /* One row: ncols text values, NULL for SQL NULL.  SL_ERROR stops the statement
     * (the client went away); the values are only borrowed. */
    sl_status (*row)(sl_dest *dest, const char *const *values, sl_error *err);
    /* A NoticeResponse (severity NOTICE) for the client; may be NULL. */
    void (*notice)(sl_dest *dest, const char *message);
    void *state;
};

#endif
