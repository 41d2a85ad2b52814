/*
 * tls.h - TLS for client connections, with OpenSSL.
 *
 * The server holds one SSL_CTX made at start from ssl_cert_file and
 * ssl_key_file (TLS 1.2 or later; ssl_ca_file, when set, is offered for
 * client certificates).  A session that gets an SSLRequest answers 'S' and
 * calls sl_tls_accept(); after that its reads and writes go through
 * sl_tls_read()/sl_tls_write() on a non-blocking socket, so that waits stay
 * in the session's poll() with the shutdown descriptor beside the socket.
 *
 * A new data directory gets a self-signed certificate and key
 * (sl_tls_make_self_signed; the key 0600), so ssl = on works at once.
 *
 * Entry points: sl_tls_make_self_signed, sl_tls_init, sl_tls_enabled,
 * sl_tls_accept, sl_tls_read, sl_tls_write, sl_tls_pending,
 * sl_tls_end_point, sl_tls_describe, sl_tls_close.
 */
#ifndef SLUICE_TLS_H
#define SLUICE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sluice/error.h"

typedef struct sl_tls_conn sl_tls_conn;

/* Writes a new EC P-256 key (mode 0600) and a self-signed certificate for
 * localhost, 127.0.0.1 and ::1, valid ten years. */
sl_status sl_tls_make_self_signed(const char *cert_path, const char *key_path, sl_error *err);

/* Loads the certificate and key (ca_path may be NULL or ""). */
sl_status sl_tls_init(const char *cert_path, const char *key_path, const char *ca_path, sl_error *err);
/* True once sl_tls_init succeeded. */
bool sl_tls_enabled(void);
/* Frees the server's context (at exit). */
void sl_tls_shutdown(void);

/* Runs the handshake on fd (made non-blocking), giving up after timeout_ms
 * or when stop_fd turns readable. */
sl_tls_conn *sl_tls_accept(int fd, int timeout_ms, int stop_fd, sl_error *err);

/* > 0: bytes moved; 0: the peer closed; SL_TLS_WANT_READ / SL_TLS_WANT_WRITE:
 * poll for that and call again; SL_TLS_FAILED: the connection is broken. */
#define SL_TLS_WANT_READ  (-2)
#define SL_TLS_WANT_WRITE (-3)
#define SL_TLS_FAILED     (-1)
ssize_t sl_tls_read(sl_tls_conn *c, void *buf, size_t n);
ssize_t sl_tls_write(sl_tls_conn *c, const void *buf, size_t n);
/* Bytes already decrypted and waiting: read them before polling. */
size_t sl_tls_pending(sl_tls_conn *c);

/* The tls-server-end-point channel binding data (RFC 5929): the hash of
 * the server's certificate. */
const unsigned char *sl_tls_end_point(sl_tls_conn *c, size_t *len);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384", for the log. */
void sl_tls_describe(sl_tls_conn *c, char *buf, size_t size);

/* Sends close_notify (best effort) and frees the connection's state. */
void sl_tls_close(sl_tls_conn *c);

#endif
