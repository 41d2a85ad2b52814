/*
 * session.h - one client connection, on its own thread.
 *
 * The postmaster accepts a socket, fills an sl_session and starts
 * sl_session_main() on a new thread.  The session reads the startup packet
 * (answering SSLRequest/GSSENCRequest with 'N', handing a CancelRequest to
 * the postmaster), greets the client, then runs the simple query loop:
 * each Query string is parsed whole, then its statements run one by one
 * through sl_exec_statement(), their rows going out as DataRow messages.
 *
 * Entry point: sl_session_main().
 */
#ifndef SLUICE_SESSION_H
#define SLUICE_SESSION_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct sl_session {
    int fd;              /* the client's socket; closed by sl_postmaster_session_exit */
    bool is_unix;        /* Unix socket (no TCP options) */
    char peer[64];       /* for log lines: "127.0.0.1:51234" or "[local]" */
    int32_t pid, key;    /* BackendKeyData, set by sl_postmaster_session_begin */
    volatile int cancel; /* set by a matching CancelRequest or at shutdown */
    /* Owned by the postmaster's registry: */
    pthread_t thread;
    int slot;
    bool counted; /* counts against max_connections */
} sl_session;

/* Thread entry: runs the connection until it ends; arg is the sl_session. */
void *sl_session_main(void *arg);

#endif
