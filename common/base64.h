/*
 * base64.h - standard base64 (RFC 4648, with padding), for the SCRAM
 * exchange and its stored verifiers.
 *
 * Decoding is strict: only the standard alphabet, padding only at the end,
 * a length that is a multiple of four; anything else is refused, since the
 * text comes from clients.
 *
 * Entry points: sl_base64_encoded_len, sl_base64_encode, sl_base64_decode.
 */
#ifndef SLUICE_BASE64_H
#define SLUICE_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* Characters sl_base64_encode writes for n bytes (without the NUL). */
size_t sl_base64_encoded_len(size_t n);
/* Writes the encoding of in[0..n) and a NUL into out (sl_base64_encoded_len(n) + 1 bytes). */
void sl_base64_encode(const unsigned char *in, size_t n, char *out);
/* Decodes text[0..len) into out (at most outsize bytes); *outlen = bytes written.
 * False for bad input or an out too small. */
bool sl_base64_decode(const char *text, size_t len, unsigned char *out, size_t outsize, size_t *outlen);

#endif
