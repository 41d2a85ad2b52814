/*
 * postmaster.h - listening sockets, the accept loop, signals, the session registry.
 *
 * sl_postmaster_listen() opens the TCP and Unix sockets of the settings;
 * sl_postmaster_run() accepts connections, one thread per client, until
 * SIGTERM or SIGINT, then tells every session to end, waits for them and
 * returns.  SIGHUP reloads sluiced.conf.  Signal handlers only set a flag
 * and write to a pipe the loop polls (the self-pipe trick), so nothing
 * unsafe runs inside a handler.
 *
 * Sessions call back into the registry: begin (BackendKeyData, the
 * max_connections check), cancel (CancelRequest) and exit.
 */
#ifndef SLUICE_POSTMASTER_H
#define SLUICE_POSTMASTER_H

#include <stdbool.h>
#include <stdint.h>

#include "server/net/session.h"
#include "sluice/error.h"

/* Installs the signal handlers; call before any thread starts. */
sl_status sl_postmaster_init(sl_error *err);

/* Binds and listens; a port in use fails with a message saying so. */
sl_status sl_postmaster_listen(sl_error *err);

/* Serves until SIGTERM/SIGINT; returns once every session has ended. */
sl_status sl_postmaster_run(sl_error *err);

/* Closes the listening sockets and removes the Unix socket files. */
void sl_postmaster_close(void);

/* The address details written to the lock file (valid after listen). */
const char *sl_postmaster_first_socket_dir(void);
const char *sl_postmaster_first_listen_addr(void);

/* Client sessions logged in now (those max_connections counts), for /metrics. */
int sl_postmaster_connections(void);

/* ---- for sessions ---- */

/* True once shutdown has begun. */
bool sl_postmaster_shutting_down(void);
/* A descriptor that becomes readable when shutdown begins (poll it, never read it). */
int sl_postmaster_shutdown_fd(void);
/* Assigns the session's BackendKeyData and counts it; 53300 when max_connections are in use. */
sl_status sl_postmaster_session_begin(sl_session *s, sl_error *err);
/* Sets the cancel flag of the session with this key, if any. */
void sl_postmaster_cancel(int32_t pid, int32_t key);
/* Closes the session's socket and lets the postmaster reap its thread; the session's last call. */
void sl_postmaster_session_exit(sl_session *s);

#endif
