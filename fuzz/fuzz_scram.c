/*
 * fuzz_scram.c - the server's side of SCRAM-SHA-256 (server/net/scram.c),
 * fed as a session feeds it.
 *
 * Input: byte 0 holds flags (bit 0: the connection is on TLS, so there is
 * channel binding data; bit 1: the role has no verifier, the mock
 * exchange; bit 2: the harness writes the client-final-message itself,
 * with the right proof, and bit 3 then flips one byte of that proof),
 * byte 1 picks the mechanism (even: SCRAM-SHA-256, odd: -PLUS), the rest
 * is the client-first-message, then (after a NUL) the client-final-message.
 *
 * Invariants: a mock exchange never succeeds; a client-final-message the
 * harness did not compute never succeeds (that would be a forged login);
 * one it computed for a role with a verifier succeeds exactly when
 * untouched and the first message was an ordinary "n,," one; every error has a SQLSTATE.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <string.h>

#include "common/base64.h"
#include "fuzz/fuzz.h"
#include "server/net/scram.h"

#define FUZZ_PASSWORD "pencil"

static const unsigned char fuzz_mock_secret[32] = {1, 2, 3};
static const unsigned char fuzz_cbind[32] = {9, 8, 7};

/* The verifier of FUZZ_PASSWORD with a fixed salt, made by the same rules
 * (RFC 5802) outside sluice: a constant, so that no input pays for PBKDF2
 * and nothing outlives an input.  Its acceptance also checks that a
 * verifier computed elsewhere parses. */
static const char fuzz_verifier[] =
    "SCRAM-SHA-256$4096:c2x1aWNlLWZ1enotc2FsdA==$q6O4BbhZmZDWf0s9GvhKvOJmOGzUcvA03JwAp1kwgBQ=:"
    "p/hl/wy5gN0au2voGqstbq+Qycy5GlOPdc9AKB+jSoU=";

/* The client-final-message a real client would send after server_first. */
static char *fuzz_client_final(sl_mcxt *cx, const char *first_bare, const char *server_first, bool flip)
{
    const char *r = strstr(server_first, "r="), *s = strstr(server_first, ",s="),
               *i = strstr(server_first, ",i=");
    unsigned char salt[64], salted[32], client_key[32], stored[32], sig[32], proof[32];
    unsigned int len = 32;
    size_t salt_len;
    char *without_proof, *auth, *b64;

    if (r == NULL || s == NULL || i == NULL ||
        !sl_base64_decode(s + 3, (size_t)(i - s - 3), salt, sizeof(salt), &salt_len))
        sl_fuzz_fail("server-first-message \"%s\" is malformed", server_first);
    PKCS5_PBKDF2_HMAC(FUZZ_PASSWORD, 6, salt, (int)salt_len, atoi(i + 3), EVP_sha256(), 32, salted);
    HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Client Key", 10, client_key, &len);
    SHA256(client_key, 32, stored);
    without_proof = sl_psprintf(cx, "c=biws,r=%.*s", (int)(s - r - 2), r + 2);
    auth = sl_psprintf(cx, "%s,%s,%s", first_bare, server_first, without_proof);
    HMAC(EVP_sha256(), stored, 32, (const unsigned char *)auth, strlen(auth), sig, &len);
    for (int k = 0; k < 32; k++)
        proof[k] = client_key[k] ^ sig[k];
    if (flip)
        proof[0] ^= 1;
    b64 = sl_palloc(cx, sl_base64_encoded_len(32) + 1);
    sl_base64_encode(proof, 32, b64);
    return sl_psprintf(cx, "%s,p=%s", without_proof, b64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_mcxt *cx;
    sl_scram *s;
    sl_buf out;
    sl_error err;
    const char *first, *final, *nul;
    size_t first_len, final_len;
    bool tls, mock, compute, flip, ok_first, ok_final;

    if (size < 2)
        return 0;
    tls = data[0] & 1;
    mock = data[0] & 2;
    compute = data[0] & 4;
    flip = data[0] & 8;
    first = (const char *)data + 2;
    nul = memchr(first, '\0', size - 2);
    first_len = nul ? (size_t)(nul - first) : size - 2;
    final = nul ? nul + 1 : "";
    final_len = nul ? size - 2 - first_len - 1 : 0;

    cx = sl_mcxt_create(NULL, "fuzz scram");
    sl_buf_init(&out);
    s = sl_scram_begin(cx, "fuzzer", mock ? NULL : fuzz_verifier, tls ? fuzz_cbind : NULL, tls ? 32 : 0,
                       fuzz_mock_secret);
    ok_first = sl_scram_first(s, (data[1] & 1) ? SL_SCRAM_MECH_PLUS : SL_SCRAM_MECH, first, first_len, &out,
                              &err) == SL_OK;
    if (!ok_first && strlen(err.sqlstate) != 5)
        sl_fuzz_fail("an error without a SQLSTATE");
    if (ok_first) {
        char *server_first = sl_pstrndup(cx, out.data, out.len);
        bool plain = first_len > 3 && memcmp(first, "n,,", 3) == 0 && !(tls && (data[1] & 1));

        if (compute && plain) {
            final = fuzz_client_final(cx, sl_pstrndup(cx, first + 3, first_len - 3), server_first, flip);
            final_len = strlen(final);
        }
        sl_buf_reset(&out, 0);
        ok_final = sl_scram_final(s, final, final_len, &out, &err) == SL_OK;
        if (!ok_final && strlen(err.sqlstate) != 5)
            sl_fuzz_fail("an error without a SQLSTATE");
        if (ok_final && mock)
            sl_fuzz_fail("the mock exchange let a client in");
        if (ok_final && !(compute && plain))
            sl_fuzz_fail("a client-final-message the harness did not compute succeeded");
        if (compute && plain && !mock && ok_final == flip)
            sl_fuzz_fail("a computed proof %s (flipped: %d): %s", ok_final ? "succeeded" : "failed", flip,
                         err.message);
    }
    sl_buf_free(&out);
    sl_mcxt_delete(cx);
    return 0;
}
