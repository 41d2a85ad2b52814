/*
 * scram.c - SCRAM-SHA-256 verifiers and the server's side of the exchange
 * (see server/net/scram.h).
 *
 * The messages are parsed strictly, attribute by attribute in the order the
 * RFC fixes; anything unexpected is a protocol violation, never guessed at.
 * Secrets are compared with CRYPTO_memcmp so that timing tells nothing.
 */
#include "server/net/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"

#define SCRAM_KEY_LEN   SHA256_DIGEST_LENGTH
#define SCRAM_SALT_LEN  16
#define SCRAM_NONCE_LEN 18
#define SCRAM_MAX_ITER  (1 << 24)

typedef enum { SCRAM_START, SCRAM_SENT_FIRST, SCRAM_DONE } sl_scram_step;

struct sl_scram {
    sl_mcxt *cx;
    sl_scram_step step;
    const char *user;
    bool mock; /* no usable verifier: fail at the end */
    int iterations;
    unsigned char salt[SCRAM_SALT_LEN + 16];
    size_t salt_len;
    unsigned char stored_key[SCRAM_KEY_LEN], server_key[SCRAM_KEY_LEN];
    const unsigned char *cbind; /* tls-server-end-point data, NULL without TLS */
    size_t cbind_len;
    bool plus;               /* the client chose SCRAM-SHA-256-PLUS */
    char *gs2_header;        /* as the client sent it, for the c= check */
    char *client_first_bare; /* for AuthMessage */
    char *server_first;      /* likewise */
    char *nonce;             /* client nonce + server nonce */
};

/* ---- keys ---- */

static void scram_hmac(const unsigned char *key, size_t keylen, const void *data, size_t len,
                       unsigned char out[SCRAM_KEY_LEN])
{
    unsigned int outlen = SCRAM_KEY_LEN;
    HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &outlen);
}

/* StoredKey and ServerKey from a password, salt and iteration count (RFC 5802, section 3). */
static bool scram_keys(const char *password, const unsigned char *salt, size_t salt_len, int iterations,
                       unsigned char stored[SCRAM_KEY_LEN], unsigned char server[SCRAM_KEY_LEN])
{
    unsigned char salted[SCRAM_KEY_LEN], client_key[SCRAM_KEY_LEN];

    if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iterations, EVP_sha256(),
                          SCRAM_KEY_LEN, salted) != 1)
        return false;
    scram_hmac(salted, sizeof(salted), "Client Key", 10, client_key);
    SHA256(client_key, sizeof(client_key), stored);
    scram_hmac(salted, sizeof(salted), "Server Key", 10, server);
    OPENSSL_cleanse(salted, sizeof(salted));
    OPENSSL_cleanse(client_key, sizeof(client_key));
    return true;
}

static char *scram_b64(sl_mcxt *cx, const unsigned char *in, size_t n)
{
    char *out = sl_palloc(cx, sl_base64_encoded_len(n) + 1);
    sl_base64_encode(in, n, out);
    return out;
}

char *sl_scram_make_verifier(sl_mcxt *cx, const char *password, sl_error *err)
{
    unsigned char salt[SCRAM_SALT_LEN], stored[SCRAM_KEY_LEN], server[SCRAM_KEY_LEN];

    if (RAND_bytes(salt, sizeof(salt)) != 1 ||
        !scram_keys(password, salt, sizeof(salt), SL_SCRAM_ITERATIONS, stored, server)) {
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not compute a SCRAM verifier");
        return NULL;
    }
    return sl_psprintf(cx, "%s$%d:%s$%s:%s", SL_SCRAM_MECH, SL_SCRAM_ITERATIONS,
                       scram_b64(cx, salt, sizeof(salt)), scram_b64(cx, stored, sizeof(stored)),
                       scram_b64(cx, server, sizeof(server)));
}

/* Splits a verifier into its parts; false when it is not one. */
static bool scram_parse_verifier(const char *text, int *iterations, unsigned char *salt, size_t salt_size,
                                 size_t *salt_len, unsigned char stored[SCRAM_KEY_LEN],
                                 unsigned char server[SCRAM_KEY_LEN])
{
    const char *p, *colon, *dollar, *colon2;
    char *end;
    long iter;
    size_t n;

    if (text == NULL || strncmp(text, SL_SCRAM_MECH "$", strlen(SL_SCRAM_MECH) + 1) != 0)
        return false;
    p = text + strlen(SL_SCRAM_MECH) + 1;
    if (*p < '1' || *p > '9')
        return false;
    iter = strtol(p, &end, 10);
    if (*end != ':' || iter < 1 || iter > SCRAM_MAX_ITER)
        return false;
    colon = end;
    dollar = strchr(colon + 1, '$');
    if (dollar == NULL)
        return false;
    colon2 = strchr(dollar + 1, ':');
    if (colon2 == NULL)
        return false;
    if (!sl_base64_decode(colon + 1, (size_t)(dollar - colon - 1), salt, salt_size, salt_len) ||
        *salt_len == 0)
        return false;
    if (!sl_base64_decode(dollar + 1, (size_t)(colon2 - dollar - 1), stored, SCRAM_KEY_LEN, &n) ||
        n != SCRAM_KEY_LEN)
        return false;
    if (!sl_base64_decode(colon2 + 1, strlen(colon2 + 1), server, SCRAM_KEY_LEN, &n) || n != SCRAM_KEY_LEN)
        return false;
    *iterations = (int)iter;
    return true;
}

bool sl_scram_verifier_valid(const char *text)
{
    unsigned char salt[64], stored[SCRAM_KEY_LEN], server[SCRAM_KEY_LEN];
    size_t salt_len;
    int iter;

    return scram_parse_verifier(text, &iter, salt, sizeof(salt), &salt_len, stored, server);
}

bool sl_scram_check_password(const char *user, const char *verifier, const char *password,
                             const unsigned char mock_secret[32])
{
    unsigned char salt[64], stored[SCRAM_KEY_LEN], server[SCRAM_KEY_LEN], mine[SCRAM_KEY_LEN],
        other[SCRAM_KEY_LEN];
    size_t salt_len;
    int iter;
    bool real = scram_parse_verifier(verifier, &iter, salt, sizeof(salt), &salt_len, stored, server);
    bool ok;

    if (!real) {
        /* The mock: the work of a real check, against nothing. */
        char label[300];
        int n = snprintf(label, sizeof(label), "mock-salt:%.250s", user);

        scram_hmac(mock_secret, 32, label, (size_t)n, salt);
        salt_len = SCRAM_SALT_LEN;
        iter = SL_SCRAM_ITERATIONS;
        memset(stored, 0, sizeof(stored));
    }
    ok = scram_keys(password, salt, salt_len, iter, mine, other) &&
         CRYPTO_memcmp(mine, stored, SCRAM_KEY_LEN) == 0 && real;
    OPENSSL_cleanse(mine, sizeof(mine));
    OPENSSL_cleanse(other, sizeof(other));
    return ok;
}

/* ---- the exchange ---- */

sl_scram *sl_scram_begin(sl_mcxt *cx, const char *user, const char *verifier, const unsigned char *cbind,
                         size_t cbind_len, const unsigned char mock_secret[32])
{
    sl_scram *s = sl_pzalloc(cx, sizeof(*s));

    s->cx = cx;
    s->user = sl_pstrdup(cx, user);
    s->cbind = cbind;
    s->cbind_len = cbind_len;
    if (!scram_parse_verifier(verifier, &s->iterations, s->salt, sizeof(s->salt), &s->salt_len, s->stored_key,
                              s->server_key)) {
        /* The mock: a salt that is the same for a name at every attempt, as a real one would be. */
        unsigned char h[SCRAM_KEY_LEN];
        char *label = sl_psprintf(cx, "mock-salt:%s", user);

        scram_hmac(mock_secret, 32, label, strlen(label), h);
        memcpy(s->salt, h, SCRAM_SALT_LEN);
        s->salt_len = SCRAM_SALT_LEN;
        s->iterations = SL_SCRAM_ITERATIONS;
        s->mock = true;
    }
    return s;
}

static sl_status scram_malformed(sl_error *err, const char *what)
{
    sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, "malformed SCRAM message");
    sl_error_detail(err, "%s", what);
    return SL_ERROR;
}

/* A copy of in[0..len) as a C string; NULL when it holds a NUL byte. */
static char *scram_text(sl_mcxt *cx, const char *in, size_t len)
{
    if (memchr(in, '\0', len) != NULL)
        return NULL;
    return sl_pstrndup(cx, in, len);
}

/* Printable ASCII but ',' (RFC 5802's "printable"): the nonce's alphabet. */
static bool scram_printable(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x21 || p[i] > 0x7e || p[i] == ',')
            return false;
    return n > 0;
}

/* The value of attribute `name` at *p ("r=..."), up to the next ',' or the end; advances *p past it. */
static bool scram_attr(const char **p, char name, const char **value, size_t *len)
{
    const char *q = *p, *comma;

    if (q[0] != name || q[1] != '=')
        return false;
    q += 2;
    comma = strchr(q, ',');
    *value = q;
    *len = comma ? (size_t)(comma - q) : strlen(q);
    *p = comma ? comma + 1 : q + *len;
    return true;
}

sl_status sl_scram_first(sl_scram *s, const char *mechanism, const char *in, size_t len, sl_buf *out,
                         sl_error *err)
{
    const char *msg, *p, *v;
    size_t vlen;
    unsigned char snonce[SCRAM_NONCE_LEN];

    if (s->step != SCRAM_START)
        return scram_malformed(err, "The client-first-message came twice.");
    if (strcmp(mechanism, SL_SCRAM_MECH_PLUS) == 0 && s->cbind != NULL)
        s->plus = true;
    else if (strcmp(mechanism, SL_SCRAM_MECH) != 0)
        return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION,
                            "client selected an invalid SASL authentication mechanism");
    msg = scram_text(s->cx, in, len);
    if (msg == NULL)
        return scram_malformed(err, "The message holds a NUL byte.");
    p = msg;
    /* gs2-cbind-flag */
    if (p[0] == 'p' && p[1] == '=') {
        const char *comma = strchr(p, ',');
        if (comma == NULL)
            return scram_malformed(err, "The channel binding flag has no end.");
        if (!s->plus)
            return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION,
                                "channel binding requested by a client that did not select %s",
                                SL_SCRAM_MECH_PLUS);
        if ((size_t)(comma - p - 2) != strlen("tls-server-end-point") ||
            strncmp(p + 2, "tls-server-end-point", (size_t)(comma - p - 2)) != 0)
            return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, "unsupported SCRAM channel binding type");
        p = comma + 1;
    } else if ((p[0] == 'n' || p[0] == 'y') && p[1] == ',') {
        if (s->plus)
            return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION,
                                "client selected %s without channel binding data", SL_SCRAM_MECH_PLUS);
        /* "y": the client could bind but thought we could not; we offered PLUS, so someone removed it. */
        if (p[0] == 'y' && s->cbind != NULL)
            return sl_error_set(err, SL_ERRCODE_INVALID_AUTHORIZATION,
                                "SCRAM channel binding negotiation error");
        p += 2;
    } else
        return scram_malformed(err, "Expected a channel binding flag (n, y or p=).");
    /* authzid: not supported, as in PostgreSQL */
    if (p[0] == 'a' && p[1] == '=')
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                            "client uses authorization identity, but it is not supported");
    if (p[0] != ',')
        return scram_malformed(err, "Expected the end of the GS2 header.");
    p++;
    s->gs2_header = sl_pstrndup(s->cx, msg, (size_t)(p - msg));
    s->client_first_bare = sl_pstrdup(s->cx, p);
    if (p[0] == 'm' && p[1] == '=')
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                            "SCRAM mandatory extensions are not supported");
    /* n=: the startup packet's user name counts; libpq sends it empty */
    if (!scram_attr(&p, 'n', &v, &vlen))
        return scram_malformed(err, "Expected the attribute n=.");
    if (!scram_attr(&p, 'r', &v, &vlen) || !scram_printable(v, vlen))
        return scram_malformed(err, "Expected a printable client nonce r=.");
    if (RAND_bytes(snonce, sizeof(snonce)) != 1)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not generate a SCRAM nonce");
    s->nonce = sl_psprintf(s->cx, "%.*s%s", (int)vlen, v, scram_b64(s->cx, snonce, sizeof(snonce)));
    s->server_first =
        sl_psprintf(s->cx, "r=%s,s=%s,i=%d", s->nonce, scram_b64(s->cx, s->salt, s->salt_len), s->iterations);
    sl_buf_puts(out, s->server_first);
    s->step = SCRAM_SENT_FIRST;
    return SL_OK;
}

static sl_status scram_failed(sl_scram *s, sl_error *err, const char *why)
{
    s->step = SCRAM_DONE;
    sl_error_set(err, SL_ERRCODE_INVALID_PASSWORD, "password authentication failed for user \"%s\"", s->user);
    sl_error_detail(err, "%s", why);
    return SL_ERROR;
}

sl_status sl_scram_final(sl_scram *s, const char *in, size_t len, sl_buf *out, sl_error *err)
{
    const char *msg, *p, *v, *proof_at;
    size_t vlen, n;
    unsigned char cb[1024], proof[SCRAM_KEY_LEN], sig[SCRAM_KEY_LEN], client_key[SCRAM_KEY_LEN],
        check[SCRAM_KEY_LEN];
    size_t gs2_len;
    char *auth_message;

    if (s->step != SCRAM_SENT_FIRST)
        return scram_malformed(err, "The client-final-message came out of order.");
    s->step = SCRAM_DONE;
    msg = scram_text(s->cx, in, len);
    if (msg == NULL)
        return scram_malformed(err, "The message holds a NUL byte.");
    p = msg;
    if (!scram_attr(&p, 'c', &v, &vlen) || !sl_base64_decode(v, vlen, cb, sizeof(cb), &n))
        return scram_malformed(err, "Expected channel binding data c=.");
    gs2_len = strlen(s->gs2_header);
    if (n < gs2_len || memcmp(cb, s->gs2_header, gs2_len) != 0)
        return scram_malformed(err, "The channel binding data does not repeat the GS2 header.");
    if (s->plus) {
        if (n - gs2_len != s->cbind_len || CRYPTO_memcmp(cb + gs2_len, s->cbind, s->cbind_len) != 0)
            return scram_failed(s, err, "SCRAM channel binding check failed.");
    } else if (n != gs2_len)
        return scram_malformed(err, "Channel binding data came without channel binding.");
    if (!scram_attr(&p, 'r', &v, &vlen) || vlen != strlen(s->nonce) || memcmp(v, s->nonce, vlen) != 0)
        return scram_malformed(err, "The nonce does not match.");
    /* extensions, then p= last */
    proof_at = strstr(msg, ",p=");
    while (proof_at != NULL && strstr(proof_at + 1, ",p=") != NULL)
        proof_at = strstr(proof_at + 1, ",p=");
    if (proof_at == NULL || proof_at < p - 1)
        return scram_malformed(err, "Expected the proof p= last.");
    if (!sl_base64_decode(proof_at + 3, strlen(proof_at + 3), proof, sizeof(proof), &n) || n != SCRAM_KEY_LEN)
        return scram_malformed(err, "The proof is not 32 base64-encoded bytes.");
    if (s->mock)
        return scram_failed(s, err, "The role does not exist, cannot log in or has no password.");
    auth_message =
        sl_psprintf(s->cx, "%s,%s,%.*s", s->client_first_bare, s->server_first, (int)(proof_at - msg), msg);
    scram_hmac(s->stored_key, SCRAM_KEY_LEN, auth_message, strlen(auth_message), sig);
    for (int i = 0; i < SCRAM_KEY_LEN; i++)
        client_key[i] = proof[i] ^ sig[i];
    SHA256(client_key, sizeof(client_key), check);
    if (CRYPTO_memcmp(check, s->stored_key, SCRAM_KEY_LEN) != 0)
        return scram_failed(s, err, "The password does not match.");
    scram_hmac(s->server_key, SCRAM_KEY_LEN, auth_message, strlen(auth_message), sig);
    sl_buf_printf(out, "v=%s", scram_b64(s->cx, sig, sizeof(sig)));
    return SL_OK;
}
