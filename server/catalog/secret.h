/*
 * secret.h - sealing connector secrets for the catalog: AES-256-GCM under
 * a key kept in DATADIR/secret.key (docs/security.md, "Secrets").
 *
 * A sealed value is text: "enc1:<key id>:<base64 of nonce | ciphertext |
 * tag>", with a fresh random 12-byte nonce per value and the associated
 * data binding it to its object and option ("sink", "alerts", "headers"),
 * so a ciphertext copied to another object or option does not open.  The
 * key id is the first 8 bytes of SHA-256 over the key, in hex: it tells
 * which key sealed a value without revealing the key.
 *
 * The key ring is process-wide: the current key (secret.key) and, while a
 * rotation is under way, the next one (secret.key.new).  Values are sealed
 * with the current key and opened with whichever key their id names.
 *
 * Entry points: sl_secret_seal, sl_secret_unseal, sl_secret_is_sealed,
 * sl_secret_key_id, sl_secret_key_generate, sl_secret_key_read,
 * sl_secret_key_write, sl_secret_key_rename, and the ring: sl_secret_ring_set, sl_secret_ring_get,
 * sl_secret_ring_clear.
 */
#ifndef SLUICE_SECRET_H
#define SLUICE_SECRET_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/error.h"
#include "sluice/mcxt.h"

#define SL_SECRET_KEY_LEN    32
#define SL_SECRET_KEY_ID_LEN 16 /* hex digits */
#define SL_SECRET_PREFIX     "enc1:"

typedef struct sl_secret_key {
    uint8_t bytes[SL_SECRET_KEY_LEN];
    char id[SL_SECRET_KEY_ID_LEN + 1];
} sl_secret_key;

/* Where a value belongs: its associated data.  kind is "source" or "sink". */
typedef struct sl_secret_owner {
    const char *kind;
    const char *object;
    const char *option;
} sl_secret_owner;

/* True when value has the form of a sealed value (it may still not open). */
bool sl_secret_is_sealed(const char *value);
/* The key id of a sealed value, copied into id; false when not sealed. */
bool sl_secret_sealed_key_id(const char *value, char id[SL_SECRET_KEY_ID_LEN + 1]);

/* Seals plain for owner under key; the text is allocated in cx.  Fails
 * (XX000) only when the random source or OpenSSL does. */
sl_status sl_secret_seal(sl_mcxt *cx, const sl_secret_key *key, const sl_secret_owner *owner,
                         const char *plain, char **out, sl_error *err);
/* Opens a sealed value for owner with key (whose id must match the
 * value's): *out is the plain text in cx.  A malformed value, another key
 * or another owner, or a changed byte: XX001, a message naming the owner
 * (never the value). */
sl_status sl_secret_unseal(sl_mcxt *cx, const sl_secret_key *key, const sl_secret_owner *owner,
                           const char *sealed, char **out, sl_error *err);

/* A new key of 32 bytes from getrandom(2), with its id. */
sl_status sl_secret_key_generate(sl_secret_key *key, sl_error *err);
/* Fills key->id from key->bytes. */
void sl_secret_key_set_id(sl_secret_key *key);
/* Reads a key file: *found = false when it does not exist.  A file of
 * another size, or readable by group or others, is refused (XX001 /
 * 42501) with a message naming it. */
sl_status sl_secret_key_read(const char *path, sl_secret_key *key, bool *found, sl_error *err);
/* Writes key to path atomically: a temporary file of mode 0600 in the same
 * directory, fsync, rename over path, fsync of the directory. */
sl_status sl_secret_key_write(const char *path, const sl_secret_key *key, sl_error *err);

/* rename(from, to), then fsync of their directory. */
sl_status sl_secret_key_rename(const char *from, const char *to, sl_error *err);

/* The key ring: current seals and opens, next (may be NULL) only opens. */
void sl_secret_ring_set(const sl_secret_key *current, const sl_secret_key *next);
/* The key of that id in the ring, or NULL; NULL id: the current key. */
const sl_secret_key *sl_secret_ring_get(const char *id);
void sl_secret_ring_clear(void);

#endif
