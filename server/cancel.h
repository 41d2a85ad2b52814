/*
 * cancel.h - why a running statement is told to stop.
 *
 * A session's cancel word (sl_session.cancel) holds 0 while the statement
 * may go on, else the reason it must stop; statements poll it (push
 * queries, wait_query()).  The postmaster sets it: for a CancelRequest or
 * at shutdown, when statement_timeout passes, and when the client hung up
 * (client_connection_check_interval).  The reason picks the error.
 */
#ifndef SLUICE_CANCEL_H
#define SLUICE_CANCEL_H

#include "sluice/error.h"

typedef enum sl_cancel_reason {
    SL_CANCEL_NONE = 0,
    SL_CANCEL_REQUEST = 1,     /* CancelRequest, or the server shuts down */
    SL_CANCEL_TIMEOUT = 2,     /* statement_timeout */
    SL_CANCEL_CLIENT_GONE = 3, /* the client closed its connection */
} sl_cancel_reason;

/* Fills err for a statement stopped for reason; returns SL_ERROR. */
static inline sl_status sl_cancel_error(int reason, sl_error *err)
{
    if (reason == SL_CANCEL_TIMEOUT)
        return sl_error_set(err, SL_ERRCODE_QUERY_CANCELED, "canceling statement due to statement timeout");
    if (reason == SL_CANCEL_CLIENT_GONE)
        return sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE,
                            "canceling statement because the client closed the connection");
    return sl_error_set(err, SL_ERRCODE_QUERY_CANCELED, "canceling statement due to user request");
}

#endif
