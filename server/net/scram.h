/*
 * scram.h - SCRAM-SHA-256 (RFC 5802, RFC 7677), the server's side: stored
 * verifiers and the exchange, as PostgreSQL speaks it over SASL messages.
 *
 * A role's password is kept only as a verifier,
 *   SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>   (base64 parts)
 * the text PostgreSQL stores, so a verifier made by psql's \password (which
 * sends ALTER ROLE ... PASSWORD 'SCRAM-SHA-256$...') is taken as it is.
 *
 * The exchange is pure: bytes in, bytes out, no socket, so that the fuzz
 * harness drives it exactly as a session does.  A role that does not exist,
 * cannot log in or has no password gets a mock exchange (a salt derived
 * from the role name and a per-server secret) that fails only at the end,
 * so the replies do not tell which roles exist.
 *
 * Channel binding: with TLS the server offers SCRAM-SHA-256-PLUS too and
 * checks tls-server-end-point data (the hash of its certificate); a client
 * that says it could bind ("y") while PLUS was offered is refused, since
 * someone in between removed it.
 *
 * Entry points: sl_scram_make_verifier, sl_scram_verifier_valid,
 * sl_scram_check_password, sl_scram_begin, sl_scram_first, sl_scram_final.
 */
#ifndef SLUICE_SCRAM_H
#define SLUICE_SCRAM_H

#include <stdbool.h>
#include <stddef.h>

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

#define SL_SCRAM_MECH       "SCRAM-SHA-256"
#define SL_SCRAM_MECH_PLUS  "SCRAM-SHA-256-PLUS"
#define SL_SCRAM_ITERATIONS 4096

/* A new verifier for password (random salt), allocated in cx; NULL with err on failure. */
char *sl_scram_make_verifier(sl_mcxt *cx, const char *password, sl_error *err);
/* True when text is a well-formed verifier (for PASSWORD 'SCRAM-SHA-256$...'). */
bool sl_scram_verifier_valid(const char *text);

/*
 * True when password is the one verifier was made from (HTTP Basic logins,
 * server/http/): its StoredKey computed with the verifier's salt and
 * iterations, compared in constant time.  verifier NULL or malformed:
 * false, after the same work with a salt derived from user and
 * mock_secret, so the time taken does not tell which roles exist.
 */
bool sl_scram_check_password(const char *user, const char *verifier, const char *password,
                             const unsigned char mock_secret[32]);

typedef struct sl_scram sl_scram;

/*
 * Starts an exchange for user.  verifier NULL (or malformed): the mock
 * exchange.  cbind: the tls-server-end-point data when the connection is
 * on TLS, else NULL.  mock_secret: per-server random bytes for mock salts.
 */
sl_scram *sl_scram_begin(sl_mcxt *cx, const char *user, const char *verifier, const unsigned char *cbind,
                         size_t cbind_len, const unsigned char mock_secret[32]);

/* The client's SASLInitialResponse: its mechanism and client-first-message.
 * Fills out with the server-first-message.  Errors: 08P01 for malformed
 * input, 28000 for a refused channel binding choice. */
sl_status sl_scram_first(sl_scram *s, const char *mechanism, const char *in, size_t len, sl_buf *out,
                         sl_error *err);

/* The client-final-message.  SL_OK: the proof matched and out holds the
 * server-final-message.  SL_ERROR with 28P01 when authentication failed
 * (err's detail says why, for the log only), 08P01 for malformed input. */
sl_status sl_scram_final(sl_scram *s, const char *in, size_t len, sl_buf *out, sl_error *err);

#endif
