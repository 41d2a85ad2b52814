/*
 * auth.h - client authentication: from the startup packet's user name to a
 * role, by the method sluice_hba.conf picks (server/net/hba.h).
 *
 *   trust          the role must exist and may log in
 *   reject         refused
 *   peer           Unix socket: the OS user of the peer (SO_PEERCRED) must
 *                  have the role's name
 *   scram-sha-256  the SASL exchange of server/net/scram.h, with channel
 *                  binding on TLS
 *
 * Every refusal is answered after the same delay (authentication_failure_delay)
 * with the same message for a wrong password, an unknown role and a role
 * without a password (28P01), so a client learns nothing about which roles
 * exist; the log line says which it was, with the peer's address, and
 * never holds a password.
 *
 * Entry points: sl_auth_init, sl_auth_client, sl_auth_mock_secret.
 */
#ifndef SLUICE_AUTH_H
#define SLUICE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "server/catalog/catalog.h"
#include "server/net/protocol.h"
#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

/* What authentication needs of the connection (the session fills it in). */
typedef struct sl_auth_port {
    void *arg;
    sl_buf *out;                                                 /* messages to send */
    sl_status (*flush)(void *arg);                               /* sends out */
    sl_status (*read)(void *arg, sl_pq_msg *msg, sl_error *err); /* one client message */
    int fd;                                                      /* the socket, for SO_PEERCRED */
    int stop_fd;                                                 /* readable at shutdown */
    const struct sockaddr *addr;                                 /* NULL: Unix socket */
    bool ssl;
    const unsigned char *cbind; /* tls-server-end-point data, NULL without TLS */
    size_t cbind_len;
    const char *peer; /* for log lines */
} sl_auth_port;

/* Reads or makes the per-server secret that mock SCRAM salts come from
 * (kept in the catalog so they stay the same across restarts). */
sl_status sl_auth_init(sl_error *err);
/* That secret (32 bytes), for other checks of passwords (HTTP Basic). */
const unsigned char *sl_auth_mock_secret(void);

/*
 * Authenticates user for database.  SL_OK: *role is the role (in cx) and
 * AuthenticationOk has been queued in port->out.  SL_ERROR: err is what
 * the client is told (FATAL); the caller ends the connection.
 */
sl_status sl_auth_client(sl_auth_port *port, sl_mcxt *cx, const char *user, const char *database,
                         sl_cat_role **role, sl_error *err);

#endif
