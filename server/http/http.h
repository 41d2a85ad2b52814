/*
 * http.h - sluiced's HTTP listener (libmicrohttpd): /metrics for
 * Prometheus, logins with sluice's roles, and the dashboard's home.
 *
 * Settings (server/config.c): http_port (0: no listener),
 * http_listen_addresses, http_max_connections, http_session_lifetime.
 * With ssl = on it speaks only HTTPS, with the protocol's certificate and
 * key (server/net/security.h).
 *
 * Clients are strangers: each address has its own daemon with one thread
 * per connection, at most http_max_connections of them (more are closed
 * at once); a request's headers may take 32 kB, its body 4 kB (a longer
 * Content-Length gets 413 before the body is read, a longer chunked body
 * closes the connection); a connection idle for 10 s is closed.  So a
 * slow or hostile client costs one bounded thread and never a session's
 * or a query's time.
 *
 *   GET  /metrics   Prometheus text format (server/http/http_metrics.h)
 *   GET  /login     the login form;  POST /login  starts a session (cookie)
 *   POST /logout    ends it
 *   GET  /          who is logged in, and where things are
 *
 * Who may see what: server/http/http_auth.h.
 *
 * Entry points: sl_http_start, sl_http_stop.
 */
#ifndef SLUICE_HTTP_H
#define SLUICE_HTTP_H

#include "sluice/error.h"

/* Binds and starts serving (after the protocol's listener, before the
 * queries start).  An address that cannot be bound (a port in use) is a
 * WARNING, as PostgreSQL treats one of its listen_addresses: the server
 * runs on, without that listener.  SL_ERROR only for what makes no
 * listener sensible (TLS files unreadable). */
sl_status sl_http_start(sl_error *err);

/* Stops every listener: open connections are closed, their threads joined
 * (a request waiting out the failure delay ends at once: the server's
 * shutdown descriptor is readable by then).  Idempotent. */
void sl_http_stop(void);

#endif
