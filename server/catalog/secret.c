/*
 * secret.c - sealing and opening connector secrets, key files and the key
 * ring (see server/catalog/secret.h).
 *
 * AES-256-GCM through OpenSSL's EVP interface: authenticated, so a changed
 * byte, another key or another owner (the associated data) is an error,
 * never garbage handed to a connector.  A nonce is 12 random bytes per
 * value: with at most a few thousand seals per key, collisions are out of
 * reach (NIST SP 800-38D allows 2^32 random nonces per key).
 *
 * The ring is written only while the server starts (and by
 * --rotate-secret-key, which runs alone), before any session or query
 * thread exists, and read afterwards: it needs no lock.
 *
 * Entry points: see server/catalog/secret.h.
 */
#include "server/catalog/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice/errcodes.h"

#define SL_SECRET_NONCE_LEN 12
#define SL_SECRET_TAG_LEN   16

static sl_secret_key ring_current, ring_next;
static bool have_current, have_next;

/* ---- the sealed form ---- */

bool sl_secret_sealed_key_id(const char *value, char id[SL_SECRET_KEY_ID_LEN + 1])
{
    size_t plen = strlen(SL_SECRET_PREFIX);

    if (value == NULL || strncmp(value, SL_SECRET_PREFIX, plen) != 0)
        return false;
    value += plen;
    for (int i = 0; i < SL_SECRET_KEY_ID_LEN; i++)
        if (!((value[i] >= '0' && value[i] <= '9') || (value[i] >= 'a' && value[i] <= 'f')))
            return false;
    if (value[SL_SECRET_KEY_ID_LEN] != ':')
        return false;
    if (id != NULL) {
        memcpy(id, value, SL_SECRET_KEY_ID_LEN);
        id[SL_SECRET_KEY_ID_LEN] = '\0';
    }
    return true;
}

bool sl_secret_is_sealed(const char *value)
{
    return sl_secret_sealed_key_id(value, NULL);
}

/* The associated data: a label, then kind, object and option, each
 * followed by a NUL so that ("a", "bc") and ("ab", "c") differ. */
static unsigned char *owner_ad(sl_mcxt *cx, const sl_secret_owner *owner, int *len)
{
    const char *parts[] = {"sluice secret v1", owner->kind, owner->object, owner->option};
    size_t n = 0;
    unsigned char *ad;

    for (size_t i = 0; i < 4; i++)
        n += strlen(parts[i]) + 1;
    ad = sl_palloc(cx, n);
    n = 0;
    for (size_t i = 0; i < 4; i++) {
        size_t l = strlen(parts[i]) + 1;
        memcpy(ad + n, parts[i], l);
        n += l;
    }
    *len = (int)n;
    return ad;
}

static sl_status crypto_error(sl_error *err, const char *doing)
{
    return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not %s a secret: OpenSSL failed", doing);
}

sl_status sl_secret_seal(sl_mcxt *cx, const sl_secret_key *key, const sl_secret_owner *owner,
                         const char *plain, char **out, sl_error *err)
{
    int plen = (int)strlen(plain), adlen, len, total;
    unsigned char *ad = owner_ad(cx, owner, &adlen);
    size_t rawlen = SL_SECRET_NONCE_LEN + (size_t)plen + SL_SECRET_TAG_LEN;
    unsigned char *raw = sl_palloc(cx, rawlen);
    unsigned char *ct = raw + SL_SECRET_NONCE_LEN;
    char *text;
    size_t head;
    EVP_CIPHER_CTX *c;
    bool ok;

    if (getrandom(raw, SL_SECRET_NONCE_LEN, 0) != SL_SECRET_NONCE_LEN)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not seal a secret: getrandom: %s",
                            strerror(errno));
    if ((c = EVP_CIPHER_CTX_new()) == NULL)
        return crypto_error(err, "seal");
    ok = EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, SL_SECRET_NONCE_LEN, NULL) == 1 &&
         EVP_EncryptInit_ex(c, NULL, NULL, key->bytes, raw) == 1 &&
         EVP_EncryptUpdate(c, NULL, &len, ad, adlen) == 1 &&
         EVP_EncryptUpdate(c, ct, &len, (const unsigned char *)plain, plen) == 1 &&
         EVP_EncryptFinal_ex(c, ct + len, &total) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SL_SECRET_TAG_LEN, ct + plen) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok)
        return crypto_error(err, "seal");

    head = strlen(SL_SECRET_PREFIX) + SL_SECRET_KEY_ID_LEN + 1;
    text = sl_palloc(cx, head + 4 * ((rawlen + 2) / 3) + 1);
    snprintf(text, head + 1, "%s%s:", SL_SECRET_PREFIX, key->id);
    EVP_EncodeBlock((unsigned char *)text + head, raw, (int)rawlen);
    *out = text;
    return SL_OK;
}

static sl_status unseal_error(sl_error *err, const sl_secret_owner *owner, const char *why)
{
    sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "could not decrypt option \"%s\" of %s \"%s\": %s",
                 owner->option, owner->kind, owner->object, why);
    sl_error_hint(err,
                  "Set the option again with ALTER %s ... SET, or restore the catalog and its secret.key "
                  "together from a backup.",
                  strcmp(owner->kind, "source") == 0 ? "SOURCE" : "SINK");
    return SL_ERROR;
}

sl_status sl_secret_unseal(sl_mcxt *cx, const sl_secret_key *key, const sl_secret_owner *owner,
                           const char *sealed, char **out, sl_error *err)
{
    char id[SL_SECRET_KEY_ID_LEN + 1];
    const char *b64;
    size_t b64len;
    unsigned char *raw, *ad;
    char *plain;
    int rawlen, adlen, len, fin, ctlen;
    EVP_CIPHER_CTX *c;
    bool ok;

    if (!sl_secret_sealed_key_id(sealed, id))
        return unseal_error(err, owner, "the stored value is not encrypted");
    if (strcmp(id, key->id) != 0)
        return unseal_error(err, owner, "it was encrypted with another key");
    b64 = sealed + strlen(SL_SECRET_PREFIX) + SL_SECRET_KEY_ID_LEN + 1;
    b64len = strlen(b64);
    if (b64len == 0 || b64len % 4 != 0 || b64len > INT_MAX / 2)
        return unseal_error(err, owner, "the stored value is malformed");
    raw = sl_palloc(cx, b64len / 4 * 3 + 1);
    rawlen = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)b64len);
    /* EVP_DecodeBlock counts the padding's zero bytes: take them off. */
    if (rawlen >= 0 && b64[b64len - 1] == '=')
        rawlen -= b64[b64len - 2] == '=' ? 2 : 1;
    if (rawlen < SL_SECRET_NONCE_LEN + SL_SECRET_TAG_LEN)
        return unseal_error(err, owner, "the stored value is malformed");
    {
        /* Only the canonical encoding: a changed padding bit is a change. */
        char *again = sl_palloc(cx, b64len + 1);
        EVP_EncodeBlock((unsigned char *)again, raw, rawlen);
        if (strcmp(again, b64) != 0)
            return unseal_error(err, owner, "the stored value is malformed");
    }
    ctlen = rawlen - SL_SECRET_NONCE_LEN - SL_SECRET_TAG_LEN;
    ad = owner_ad(cx, owner, &adlen);
    plain = sl_palloc(cx, (size_t)ctlen + 1);
    if ((c = EVP_CIPHER_CTX_new()) == NULL)
        return crypto_error(err, "decrypt");
    ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, SL_SECRET_NONCE_LEN, NULL) == 1 &&
         EVP_DecryptInit_ex(c, NULL, NULL, key->bytes, raw) == 1 &&
         EVP_DecryptUpdate(c, NULL, &len, ad, adlen) == 1 &&
         EVP_DecryptUpdate(c, (unsigned char *)plain, &len, raw + SL_SECRET_NONCE_LEN, ctlen) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SL_SECRET_TAG_LEN, raw + SL_SECRET_NONCE_LEN + ctlen) ==
             1 &&
         EVP_DecryptFinal_ex(c, (unsigned char *)plain + len, &fin) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok) {
        OPENSSL_cleanse(plain, (size_t)ctlen + 1);
        return unseal_error(err, owner, "it does not belong to this option or was changed");
    }
    plain[ctlen] = '\0';
    if (strlen(plain) != (size_t)ctlen)
        return unseal_error(err, owner, "the stored value is malformed");
    *out = plain;
    return SL_OK;
}

/* ---- keys ---- */

void sl_secret_key_set_id(sl_secret_key *key)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    EVP_Digest(key->bytes, SL_SECRET_KEY_LEN, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < SL_SECRET_KEY_ID_LEN / 2; i++) {
        key->id[2 * i] = hex[md[i] >> 4];
        key->id[2 * i + 1] = hex[md[i] & 15];
    }
    key->id[SL_SECRET_KEY_ID_LEN] = '\0';
}

sl_status sl_secret_key_generate(sl_secret_key *key, sl_error *err)
{
    if (getrandom(key->bytes, SL_SECRET_KEY_LEN, 0) != SL_SECRET_KEY_LEN)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not generate a secret key: getrandom: %s",
                            strerror(errno));
    sl_secret_key_set_id(key);
    return SL_OK;
}

sl_status sl_secret_key_read(const char *path, sl_secret_key *key, bool *found, sl_error *err)
{
    struct stat st;
    ssize_t n;
    int fd;

    *found = false;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return SL_OK;
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not open secret key file \"%s\": %s", path,
                            strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "secret key file \"%s\" is not a regular file", path);
    }
    if ((st.st_mode & 077) != 0) {
        close(fd);
        sl_error_set(err, SL_ERRCODE_INVALID_AUTHORIZATION,
                     "secret key file \"%s\" has group or world access (mode %04o)", path,
                     (unsigned)(st.st_mode & 07777));
        sl_error_hint(err, "Run chmod 600 on it: the key decrypts every secret in the catalog.");
        return SL_ERROR;
    }
    n = read(fd, key->bytes, SL_SECRET_KEY_LEN);
    if (n == SL_SECRET_KEY_LEN && st.st_size == SL_SECRET_KEY_LEN) {
        close(fd);
        sl_secret_key_set_id(key);
        *found = true;
        return SL_OK;
    }
    close(fd);
    sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "secret key file \"%s\" is damaged: %lld bytes, expected %d",
                 path, (long long)st.st_size, SL_SECRET_KEY_LEN);
    sl_error_hint(err, "Restore it from the backup taken with the catalog.");
    return SL_ERROR;
}

/* fsync of the directory that holds path, so that a rename is durable. */
static sl_status sync_parent(const char *path, sl_error *err)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int fd;

    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path > 0 ? slash - path : 1), path);
    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not open directory \"%s\": %s", dir,
                            strerror(errno));
    if (fsync(fd) != 0 && errno != EINVAL) {
        int e = errno;
        close(fd);
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not sync directory \"%s\": %s", dir,
                            strerror(e));
    }
    close(fd);
    return SL_OK;
}

sl_status sl_secret_key_write(const char *path, const sl_secret_key *key, sl_error *err)
{
    char tmp[PATH_MAX];
    int fd;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "secret key file path \"%s\" is too long", path);
    unlink(tmp); /* a leftover of a crash: never a key anything depends on */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not create secret key file \"%s\": %s", tmp,
                            strerror(errno));
    if (write(fd, key->bytes, SL_SECRET_KEY_LEN) != SL_SECRET_KEY_LEN || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not write secret key file \"%s\": %s", tmp,
                            strerror(e));
    }
    close(fd);
    if (sl_secret_key_rename(tmp, path, err) != SL_OK) {
        unlink(tmp);
        return SL_ERROR;
    }
    return SL_OK;
}

sl_status sl_secret_key_rename(const char *from, const char *to, sl_error *err)
{
    if (rename(from, to) != 0)
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not rename \"%s\" to \"%s\": %s", from, to,
                            strerror(errno));
    return sync_parent(to, err);
}

/* ---- the ring ---- */

void sl_secret_ring_set(const sl_secret_key *current, const sl_secret_key *next)
{
    sl_secret_ring_clear();
    if (current != NULL)
        ring_current = *current, have_current = true;
    if (next != NULL)
        ring_next = *next, have_next = true;
}

const sl_secret_key *sl_secret_ring_get(const char *id)
{
    if (id == NULL)
        return have_current ? &ring_current : NULL;
    if (have_current && strcmp(ring_current.id, id) == 0)
        return &ring_current;
    if (have_next && strcmp(ring_next.id, id) == 0)
        return &ring_next;
    return NULL;
}

void sl_secret_ring_clear(void)
{
    OPENSSL_cleanse(&ring_current, sizeof(ring_current));
    OPENSSL_cleanse(&ring_next, sizeof(ring_next));
    have_current = have_next = false;
}
