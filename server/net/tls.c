/*
 * tls.c - OpenSSL for client connections (see server/net/tls.h).
 */
#include "server/net/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sluice/clock.h"

struct sl_tls_conn {
    SSL *ssl;
    unsigned char end_point[EVP_MAX_MD_SIZE];
    unsigned int end_point_len;
};

static SSL_CTX *tls_ctx;

/* The first queued OpenSSL error as text ("" when none), and the queue emptied. */
static const char *tls_error_text(char *buf, size_t size)
{
    unsigned long e = ERR_get_error();

    buf[0] = '\0';
    if (e != 0)
        ERR_error_string_n(e, buf, size);
    ERR_clear_error();
    return buf;
}

static sl_status tls_fail(sl_error *err, const char *what, const char *path)
{
    char text[256];

    return sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "%s \"%s\": %s", what, path,
                        tls_error_text(text, sizeof(text)));
}

/* ---- a new data directory's certificate ---- */

static bool tls_add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    bool ok;

    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL)
        return false;
    ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

sl_status sl_tls_make_self_signed(const char *cert_path, const char *key_path, sl_error *err)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = X509_new();
    X509_NAME *name;
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    FILE *fp = NULL;
    int fd;
    sl_status st = SL_ERROR;

    if (key == NULL || cert == NULL || RAND_bytes(serial, sizeof(serial)) != 1) {
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not generate a TLS key");
        goto done;
    }
    serial[0] &= 0x7f; /* a positive serial number */
    bn = BN_bin2bn(serial, sizeof(serial), NULL);
    X509_set_version(cert, 2);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 24 * 3600);
    X509_set_pubkey(cert, key);
    name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"sluice self-signed", -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    if (!tls_add_ext(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") ||
        !tls_add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") ||
        X509_sign(cert, key, EVP_sha256()) == 0) {
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not sign the TLS certificate");
        goto done;
    }
    fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not create file \"%s\": %s", key_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto done;
    }
    if (PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL) != 1 || fclose(fp) != 0) {
        fp = NULL;
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not write file \"%s\"", key_path);
        goto done;
    }
    fd = open(cert_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not create file \"%s\": %s", cert_path,
                     strerror(errno));
        if (fd >= 0)
            close(fd);
        goto done;
    }
    if (PEM_write_X509(fp, cert) != 1 || fclose(fp) != 0) {
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not write file \"%s\"", cert_path);
        goto done;
    }
    st = SL_OK;
done:
    BN_free(bn);
    X509_free(cert);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return st;
}

/* ---- the server's context ---- */

sl_status sl_tls_init(const char *cert_path, const char *key_path, const char *ca_path, sl_error *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    struct stat stbuf;

    if (ctx == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not create a TLS context");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
        SSL_CTX_free(ctx);
        return tls_fail(err, "could not load server certificate file", cert_path);
    }
    /* As PostgreSQL: a key others may read is not a secret any more. */
    if (stat(key_path, &stbuf) == 0 && stbuf.st_uid == geteuid() && (stbuf.st_mode & 077) != 0) {
        SSL_CTX_free(ctx);
        sl_error_set(err, SL_ERRCODE_CONFIG_FILE_ERROR, "private key file \"%s\" has group or world access",
                     key_path);
        sl_error_hint(err, "The file must be readable by its owner only: chmod 600 it.");
        return SL_ERROR;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1) {
        SSL_CTX_free(ctx);
        return tls_fail(err, "could not load private key file", key_path);
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        SSL_CTX_free(ctx);
        return tls_fail(err, "private key does not match the certificate in", cert_path);
    }
    if (ca_path != NULL && ca_path[0] != '\0') {
        STACK_OF(X509_NAME) * names;

        if (SSL_CTX_load_verify_locations(ctx, ca_path, NULL) != 1 ||
            (names = SSL_load_client_CA_file(ca_path)) == NULL) {
            SSL_CTX_free(ctx);
            return tls_fail(err, "could not load root certificate file", ca_path);
        }
        SSL_CTX_set_client_CA_list(ctx, names);
        /* A client certificate is checked when sent, not required. */
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    if (tls_ctx != NULL)
        SSL_CTX_free(tls_ctx);
    tls_ctx = ctx;
    return SL_OK;
}

bool sl_tls_enabled(void)
{
    return tls_ctx != NULL;
}

void sl_tls_shutdown(void)
{
    SSL_CTX_free(tls_ctx);
    tls_ctx = NULL;
}

/* ---- connections ---- */

/* The certificate's hash for tls-server-end-point: its signature's digest,
 * SHA-256 when that is MD5 or SHA-1 (RFC 5929, section 4.1). */
static void tls_compute_end_point(sl_tls_conn *c)
{
    X509 *cert = SSL_get_certificate(c->ssl);
    int md_nid = NID_undef, pk_nid;
    const EVP_MD *md;

    if (cert == NULL || !OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md_nid, &pk_nid))
        md_nid = NID_sha256;
    if (md_nid == NID_md5 || md_nid == NID_sha1 || md_nid == NID_undef)
        md_nid = NID_sha256;
    md = EVP_get_digestbynid(md_nid);
    if (cert == NULL || md == NULL || X509_digest(cert, md, c->end_point, &c->end_point_len) != 1)
        c->end_point_len = 0;
}

sl_tls_conn *sl_tls_accept(int fd, int timeout_ms, int stop_fd, sl_error *err)
{
    sl_tls_conn *c = calloc(1, sizeof(*c));
    int64_t deadline = (sl_clock_mono_us() / 1000) + timeout_ms;
    char text[256];

    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    c->ssl = SSL_new(tls_ctx);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1) {
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not start TLS: %s",
                     tls_error_text(text, sizeof(text)));
        goto fail;
    }
    for (;;) {
        int rc = SSL_accept(c->ssl), e, left;
        struct pollfd pfd[2];

        if (rc == 1)
            break;
        e = SSL_get_error(c->ssl, rc);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            const char *why = tls_error_text(text, sizeof(text));
            sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, "could not accept TLS connection: %s",
                         why[0]                   ? why
                         : e == SSL_ERROR_SYSCALL ? "the client closed the connection"
                                                  : "failed");
            goto fail;
        }
        left = (int)(deadline - (sl_clock_mono_us() / 1000));
        if (left <= 0) {
            sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, "timeout during the TLS handshake");
            goto fail;
        }
        pfd[0] = (struct pollfd){.fd = fd, .events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT};
        pfd[1] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
        if (poll(pfd, 2, left) < 0 && errno != EINTR) {
            sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "poll failed: %s", strerror(errno));
            goto fail;
        }
        if (pfd[1].revents) {
            sl_error_set(err, SL_ERRCODE_ADMIN_SHUTDOWN,
                         "terminating connection due to administrator command");
            goto fail;
        }
    }
    tls_compute_end_point(c);
    return c;
fail:
    SSL_free(c->ssl);
    free(c);
    return NULL;
}

static ssize_t tls_result(sl_tls_conn *c, int rc)
{
    if (rc > 0)
        return rc;
    switch (SSL_get_error(c->ssl, rc)) {
    case SSL_ERROR_WANT_READ:
        return SL_TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return SL_TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    default:
        ERR_clear_error();
        return SL_TLS_FAILED;
    }
}

ssize_t sl_tls_read(sl_tls_conn *c, void *buf, size_t n)
{
    return tls_result(c, SSL_read(c->ssl, buf, (int)(n > INT32_MAX ? INT32_MAX : n)));
}

ssize_t sl_tls_write(sl_tls_conn *c, const void *buf, size_t n)
{
    return tls_result(c, SSL_write(c->ssl, buf, (int)(n > INT32_MAX ? INT32_MAX : n)));
}

size_t sl_tls_pending(sl_tls_conn *c)
{
    return (size_t)SSL_pending(c->ssl);
}

const unsigned char *sl_tls_end_point(sl_tls_conn *c, size_t *len)
{
    *len = c->end_point_len;
    return c->end_point_len > 0 ? c->end_point : NULL;
}

void sl_tls_describe(sl_tls_conn *c, char *buf, size_t size)
{
    snprintf(buf, size, "%s %s", SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl));
}

void sl_tls_close(sl_tls_conn *c)
{
    if (c == NULL)
        return;
    SSL_shutdown(c->ssl); /* one try: a client gone is no reason to wait */
    ERR_clear_error();
    SSL_free(c->ssl);
    free(c);
}
