/*
 * http_auth.h - who an HTTP request comes from, by sluice's roles.
 *
 * Two ways to log in, both checked against the role's SCRAM-SHA-256
 * verifier in the catalog (the password is run through the verifier's
 * salt and iterations and the StoredKey compared in constant time;
 * server/net/scram.h):
 *
 *   - HTTP Basic (tools: curl, Prometheus' basic_auth), on every request;
 *   - the login form (people): POST /login with user and password starts
 *     a session whose random token is the cookie sluice_session (HttpOnly,
 *     SameSite=Strict, Secure on TLS), valid http_session_lifetime.  The
 *     server keeps only the token's SHA-256, in a table of fixed size
 *     (the oldest session goes when it is full).
 *
 * A role may look (/metrics, the dashboard) when it can log in, has a
 * password, and is a superuser or a member of sluice_monitor; that is
 * checked again on every request, so REVOKE, ALTER ROLE ... NOLOGIN and
 * DROP ROLE take effect at once, also for sessions already open.
 *
 * A refused login (wrong password, unknown role, a role that cannot log in
 * or has no password) waits authentication_failure_delay, whatever the
 * reason, and is logged with the peer and the real reason, never the
 * password, as server/net/auth.c does for the protocol.  An unknown role
 * costs the same work as a known one (sl_scram_check_password's mock).
 *
 * Entry points: sl_http_auth_basic, sl_http_auth_login, sl_http_auth_cookie,
 * sl_http_auth_logout, sl_http_auth_shutdown, sl_http_form_field.
 */
#ifndef SLUICE_HTTP_AUTH_H
#define SLUICE_HTTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define SL_HTTP_COOKIE "sluice_session"
/* Room for a role name and for a session token (hex, with its NUL). */
#define SL_HTTP_ROLE_MAX  64
#define SL_HTTP_TOKEN_MAX 65

typedef enum sl_http_auth {
    SL_HTTP_AUTH_NONE,      /* no credentials, or an unknown or expired session */
    SL_HTTP_AUTH_FAILED,    /* refused (after the failure delay): 401 */
    SL_HTTP_AUTH_FORBIDDEN, /* logged in, but may not look: 403 */
    SL_HTTP_AUTH_OK,
} sl_http_auth;

/* An Authorization header's value ("Basic base64(user:password)"); role
 * (SL_HTTP_ROLE_MAX) receives the role's name.  peer: for the log. */
sl_http_auth sl_http_auth_basic(const char *header, const char *peer, char *role);

/* The login form: on SL_HTTP_AUTH_OK token (SL_HTTP_TOKEN_MAX) holds a
 * new session's token for the cookie. */
sl_http_auth sl_http_auth_login(const char *user, const char *password, const char *peer, char *token);

/* The session of a cookie's token: its role, if it may still look. */
sl_http_auth sl_http_auth_cookie(const char *token, char *role);

/* Ends the session of token (no-op when there is none). */
void sl_http_auth_logout(const char *token);

/* Forgets every session (the server stops). */
void sl_http_auth_shutdown(void);

/* Field name of an application/x-www-form-urlencoded body, decoded into
 * out; false when absent, too long or holding a NUL byte. */
bool sl_http_form_field(const char *body, const char *name, char *out, size_t outsize);

#endif
