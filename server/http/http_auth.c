/*
 * http_auth.c - logins over HTTP with sluice's roles (see server/http/http_auth.h).
 */
#include "server/http/http_auth.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/base64.h"
#include "server/catalog/catalog.h"
#include "server/commands/privileges.h"
#include "server/config.h"
#include "server/net/auth.h"
#include "server/net/postmaster.h"
#include "server/net/scram.h"
#include "sluice/clock.h"
#include "sluice/log.h"

/* Open login sessions at once; a login beyond that ends the oldest. */
#define HTTP_SESSIONS_MAX 256
/* Longest user:password a Basic header may carry (decoded). */
#define HTTP_CREDENTIALS_MAX 1024
#define HTTP_TOKEN_BYTES     32

typedef struct http_session {
    unsigned char hash[SHA256_DIGEST_LENGTH]; /* of the token; all zero: a free slot */
    char role[SL_HTTP_ROLE_MAX];
    int64_t expires_us; /* monotonic */
    bool used;
} http_session;

static pthread_mutex_t sessions_lock = PTHREAD_MUTEX_INITIALIZER;
static http_session sessions[HTTP_SESSIONS_MAX];

/* Waits authentication_failure_delay, or less when the server stops. */
static void auth_delay(void)
{
    struct pollfd pfd = {.fd = sl_postmaster_shutdown_fd(), .events = POLLIN};
    int ms = (int)sl_config_int("authentication_failure_delay");
    int64_t end = sl_clock_mono_us() + (int64_t)ms * 1000;

    while (ms > 0) {
        int rc = poll(&pfd, 1, ms);

        if (rc > 0 || (rc < 0 && errno != EINTR))
            return; /* the server stops (or poll cannot wait) */
        ms = (int)((end - sl_clock_mono_us()) / 1000);
    }
}

/* A refusal: logged with its reason, answered after the delay. */
static sl_http_auth auth_refuse(const char *peer, const char *user, const char *why)
{
    sl_log(SL_LOG_LOG,
           "http authentication refused from %s: password authentication failed for user \"%s\": %s", peer,
           user, why);
    auth_delay();
    return SL_HTTP_AUTH_FAILED;
}

/* May role look at /metrics and the dashboard?  Logs a catalog error and says no. */
static bool auth_may_look(const sl_cat_role *r)
{
    sl_error err;
    bool member = false;

    if (r->superuser)
        return true;
    if (sl_catalog_has_grant("role", SL_ROLE_MONITOR, r->name, "member", &member, &err) != SL_OK) {
        sl_log_error(SL_LOG_WARNING, &err);
        return false;
    }
    return member;
}

/* The password check of both ways in; role receives the name on success. */
static sl_http_auth auth_password(const char *user, const char *password, const char *peer, char *role)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "http auth");
    sl_cat_role *r = NULL;
    sl_error err;
    sl_http_auth res;
    bool ok;

    if (strlen(user) >= SL_HTTP_ROLE_MAX || sl_catalog_get_role(cx, user, &r, &err) != SL_OK) {
        /* Not a role name (too long), or the catalog could not say: the mock's work, then refused. */
        r = NULL;
    }
    ok = sl_scram_check_password(user, r != NULL && r->login ? r->verifier : NULL, password,
                                 sl_auth_mock_secret());
    if (r == NULL)
        res = auth_refuse(peer, user, "The role does not exist.");
    else if (!r->login)
        res = auth_refuse(peer, user, "The role is not permitted to log in.");
    else if (r->verifier == NULL)
        res = auth_refuse(peer, user, "The role has no password.");
    else if (!ok)
        res = auth_refuse(peer, user, "The password does not match.");
    else {
        snprintf(role, SL_HTTP_ROLE_MAX, "%s", r->name);
        res = auth_may_look(r) ? SL_HTTP_AUTH_OK : SL_HTTP_AUTH_FORBIDDEN;
    }
    sl_mcxt_delete(cx);
    return res;
}

sl_http_auth sl_http_auth_basic(const char *header, const char *peer, char *role)
{
    unsigned char buf[HTTP_CREDENTIALS_MAX + 1];
    size_t len = 0;
    char *colon;

    while (*header == ' ')
        header++;
    if (strncasecmp(header, "Basic ", 6) != 0)
        return SL_HTTP_AUTH_NONE;
    header += 6;
    while (*header == ' ')
        header++;
    if (!sl_base64_decode(header, strlen(header), buf, HTTP_CREDENTIALS_MAX, &len) ||
        memchr(buf, '\0', len) != NULL || (colon = memchr(buf, ':', len)) == NULL) {
        sl_log(SL_LOG_LOG, "http authentication refused from %s: malformed Basic credentials", peer);
        auth_delay();
        return SL_HTTP_AUTH_FAILED;
    }
    buf[len] = '\0';
    *colon = '\0';
    {
        sl_http_auth res = auth_password((const char *)buf, colon + 1, peer, role);
        OPENSSL_cleanse(buf, sizeof(buf));
        return res;
    }
}

static void token_hash(const char *token, unsigned char out[SHA256_DIGEST_LENGTH])
{
    SHA256((const unsigned char *)token, strlen(token), out);
}

sl_http_auth sl_http_auth_login(const char *user, const char *password, const char *peer, char *token)
{
    unsigned char raw[HTTP_TOKEN_BYTES];
    char role[SL_HTTP_ROLE_MAX];
    sl_http_auth res = auth_password(user, password, peer, role);
    http_session *slot = NULL;
    int64_t now = sl_clock_mono_us();

    if (res != SL_HTTP_AUTH_OK)
        return res;
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        sl_log(SL_LOG_WARNING, "http login of \"%s\": could not generate random bytes", role);
        return SL_HTTP_AUTH_FAILED;
    }
    for (int i = 0; i < HTTP_TOKEN_BYTES; i++)
        snprintf(token + 2 * i, 3, "%02x", raw[i]);
    OPENSSL_cleanse(raw, sizeof(raw));
    pthread_mutex_lock(&sessions_lock);
    /* A free or expired slot, else the one that expires first. */
    for (int i = 0; i < HTTP_SESSIONS_MAX; i++) {
        http_session *s = &sessions[i];
        if (!s->used || s->expires_us <= now) {
            slot = s;
            break;
        }
        if (slot == NULL || s->expires_us < slot->expires_us)
            slot = s;
    }
    token_hash(token, slot->hash);
    snprintf(slot->role, sizeof(slot->role), "%s", role);
    slot->expires_us = now + sl_config_int("http_session_lifetime") * 1000;
    slot->used = true;
    pthread_mutex_unlock(&sessions_lock);
    sl_log(SL_LOG_LOG, "http login of role \"%s\" from %s", role, peer);
    return SL_HTTP_AUTH_OK;
}

/* The slot of token (sessions_lock held), or NULL. */
static http_session *session_find_locked(const char *token)
{
    unsigned char h[SHA256_DIGEST_LENGTH];
    http_session *found = NULL;

    token_hash(token, h);
    for (int i = 0; i < HTTP_SESSIONS_MAX; i++)
        if (sessions[i].used && CRYPTO_memcmp(sessions[i].hash, h, sizeof(h)) == 0)
            found = &sessions[i];
    return found;
}

sl_http_auth sl_http_auth_cookie(const char *token, char *role)
{
    http_session *s;
    sl_mcxt *cx;
    sl_cat_role *r = NULL;
    sl_error err;
    sl_http_auth res = SL_HTTP_AUTH_NONE;

    if (strlen(token) != 2 * HTTP_TOKEN_BYTES)
        return SL_HTTP_AUTH_NONE;
    pthread_mutex_lock(&sessions_lock);
    s = session_find_locked(token);
    if (s != NULL && s->expires_us <= sl_clock_mono_us()) {
        memset(s, 0, sizeof(*s));
        s = NULL;
    }
    if (s != NULL)
        snprintf(role, SL_HTTP_ROLE_MAX, "%s", s->role);
    pthread_mutex_unlock(&sessions_lock);
    if (s == NULL)
        return SL_HTTP_AUTH_NONE;
    /* The role as it is now: dropped, NOLOGIN, its password removed or its
     * membership revoked since the login all count. */
    cx = sl_mcxt_create(NULL, "http session");
    if (sl_catalog_get_role(cx, role, &r, &err) == SL_OK && r != NULL && r->login && r->verifier != NULL)
        res = auth_may_look(r) ? SL_HTTP_AUTH_OK : SL_HTTP_AUTH_FORBIDDEN;
    sl_mcxt_delete(cx);
    return res;
}

void sl_http_auth_logout(const char *token)
{
    http_session *s;

    pthread_mutex_lock(&sessions_lock);
    s = session_find_locked(token);
    if (s != NULL)
        memset(s, 0, sizeof(*s));
    pthread_mutex_unlock(&sessions_lock);
}

void sl_http_auth_shutdown(void)
{
    pthread_mutex_lock(&sessions_lock);
    memset(sessions, 0, sizeof(sessions));
    pthread_mutex_unlock(&sessions_lock);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool sl_http_form_field(const char *body, const char *name, char *out, size_t outsize)
{
    size_t nlen = strlen(name);

    for (const char *p = body; p != NULL && *p != '\0';) {
        const char *end = strchr(p, '&');
        size_t flen = end != NULL ? (size_t)(end - p) : strlen(p);

        if (flen > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            size_t n = 0;
            for (const char *q = p + nlen + 1; q < p + flen; q++) {
                int c = (unsigned char)*q;
                if (c == '+')
                    c = ' ';
                else if (c == '%') {
                    int hi = q + 2 < p + flen ? hex_digit(q[1]) : -1, lo = hi >= 0 ? hex_digit(q[2]) : -1;
                    if (lo < 0)
                        return false;
                    c = hi << 4 | lo;
                    q += 2;
                }
                if (c == 0 || n + 1 >= outsize)
                    return false;
                out[n++] = (char)c;
            }
            out[n] = '\0';
            return true;
        }
        p = end != NULL ? end + 1 : NULL;
    }
    return false;
}
