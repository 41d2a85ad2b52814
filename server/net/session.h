/*
 * session.h - one client connection, on its own thread.
 *
 * The postmaster accepts a socket, fills an sl_session and starts
 * sl_session_main() on a new thread.  The session reads the startup packet
 * (answering SSLRequest with 'S' and starting TLS when ssl is on, and
 * GSSENCRequest with 'N'; handing a CancelRequest to the postmaster),
 * authenticates the client (server/net/auth.h), greets it, then runs the simple query loop:
 * each Query string is parsed whole, then its statements run one by one
 * through sl_exec_statement(), their rows going out as DataRow messages.
 *
 * Entry point: sl_session_main().
 */
#ifndef SLUICE_SESSION_H
#define SLUICE_SESSION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sluice/error.h"

typedef struct sl_session sl_session;

/*
 * What a session asks of the server that started it (the postmaster fills
 * it in), so that the session depends on no listener and tests or another
 * front end can start sessions too.
 */
typedef struct sl_session_host {
    /* Registers s (BackendKeyData, max_connections); an error ends the session. */
    sl_status (*session_begin)(sl_session *s, sl_error *err);
    /* Unregisters s and closes its socket; the last call a session makes. */
    void (*session_exit)(sl_session *s);
    /* Forwards a CancelRequest to the session it names, if any. */
    void (*cancel)(int32_t pid, int32_t key);
    /* True once the server is shutting down. */
    bool (*shutting_down)(void);
    /* A descriptor that turns readable at shutdown (to poll beside the socket). */
    int (*shutdown_fd)(void);
} sl_session_host;

struct sl_session {
    const sl_session_host *host;
    int fd;                       /* the client's socket; closed by host->session_exit */
    bool is_unix;                 /* Unix socket (no TCP options) */
    char peer[64];                /* for log lines: "127.0.0.1:51234" or "[local]" */
    struct sockaddr_storage addr; /* the client's address (TCP only), for sluice_hba.conf */
    int32_t pid, key;             /* BackendKeyData, set by host->session_begin */
    volatile int cancel;          /* 0, or why the running statement must stop (server/cancel.h) */
    /* Read by the postmaster to enforce statement_timeout and notice a client
     * gone while a statement runs: */
    _Atomic int64_t statement_deadline_us; /* monotonic; 0: no statement or no timeout */
    _Atomic bool busy;                     /* a statement is running */
    bool superuser;                        /* the role logged in as, for reserved connections */
    /* Owned by the postmaster's registry: */
    pthread_t thread;
    int slot;
    bool counted; /* counts against max_connections */
};

/* Thread entry: runs the connection until it ends; arg is the sl_session. */
void *sl_session_main(void *arg);

#endif
