/*
 * schema_registry.c - the Confluent Schema Registry client (see
 * clients/schema_registry.h): URL handling, the two requests through the
 * HTTP client (clients/http.h), the registry's JSON replies read with the
 * small scanner of common/json_scan.h ("id", "schema", "schemaType",
 * "error_code" and "message"), and the process-wide cache of schemas by id.
 *
 * Entry points: see clients/schema_registry.h.
 */
#include "clients/schema_registry.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clients/http.h"
#include "formats/format.h" /* sl_json_put_string */
#include "common/json_scan.h"
#include "sluice/types.h"
#include "sluice/errcodes.h"

/* Replies are small; a longer one fails the request. */
#define SL_REGISTRY_MAX_REPLY  (8 * 1024 * 1024)
#define SL_REGISTRY_TIMEOUT_MS 10000L
#define SL_REGISTRY_CONNECT_MS 5000L
#define SL_REGISTRY_CTYPE      "application/vnd.schemaregistry.v1+json"

struct sl_schema_registry {
    sl_mcxt *cx;
    sl_http *http;
    const char *what;
    char *base;    /* shown in messages */
    char *userpwd; /* NULL: no auth */
    sl_http_response reply;
};

/* ---- the registry's replies (common/json_scan.h) ---- */

/* The value of member key of the reply object at the start of body (what
 * follows that object is not looked at). */
static bool reply_member(const char *body, size_t len, const char *key, sl_json_span *v)
{
    const char *p = body;
    sl_json_span obj;

    return sl_json_scan(&p, body + len, &obj) && sl_json_get(&obj, key, v);
}

/* Member key as a string unescaped into out (cleared first). */
static bool j_member_string(const char *body, size_t len, const char *key, sl_buf *out)
{
    sl_json_span v;

    out->len = 0;
    return reply_member(body, len, key, &v) && sl_json_string(&v, out, false);
}

/* Member key as a non-negative integer. */
static bool j_member_int(const char *body, size_t len, const char *key, int64_t *out)
{
    sl_json_span v;

    return reply_member(body, len, key, &v) && sl_json_uint(&v, out);
}

/* ---- pure parts ---- */

static int pct_decode(char *s)
{
    char *w = s;

    for (char *r = s; *r != '\0'; r++) {
        if (*r == '%' && sl_hex_digit(r[1]) >= 0 && sl_hex_digit(r[2]) >= 0) {
            *w++ = (char)(sl_hex_digit(r[1]) << 4 | sl_hex_digit(r[2]));
            r += 2;
        } else
            *w++ = *r;
    }
    *w = '\0';
    return (int)(w - s);
}

sl_status sl_schema_registry_parse_url(sl_mcxt *cx, const char *url, char **base, char **userpwd,
                                       sl_error *err)
{
    size_t slen, alen, n;
    const char *auth, *at = NULL, *rest;

    *base = *userpwd = NULL;
    if (strncasecmp(url, "http://", 7) == 0)
        slen = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        slen = 8;
    else
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "schema registry URL must start with http:// or https://");
    if (strpbrk(url, "?#") != NULL)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "schema registry URL must not have a query or fragment");
    for (const char *p = url; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                                "schema registry URL must not contain blanks or control characters");
    auth = url + slen;
    alen = strcspn(auth, "/");
    for (const char *p = auth; p < auth + alen; p++)
        if (*p == '@')
            at = p;
    rest = at != NULL ? at + 1 : auth;
    if (rest == auth + alen || *rest == ':')
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "schema registry URL has no host");
    if (at != NULL) {
        char *up = sl_pstrndup(cx, auth, (size_t)(at - auth));
        char *colon = strchr(up, ':');
        char *user = up, *pass = colon != NULL ? colon + 1 : NULL;

        if (colon != NULL)
            *colon = '\0';
        pct_decode(user);
        if (pass != NULL)
            pct_decode(pass);
        *userpwd = sl_psprintf(cx, "%s:%s", user, pass != NULL ? pass : "");
    }
    n = strlen(url);
    while (n > (size_t)(auth + alen - url) && url[n - 1] == '/')
        n--;
    *base = sl_psprintf(cx, "%.*s%.*s", (int)slen, url, (int)(url + n - rest), rest);
    return SL_OK;
}

bool sl_schema_registry_reply_id(const char *body, size_t len, int32_t *id)
{
    int64_t v;

    if (!j_member_int(body, len, "id", &v) || v > INT32_MAX)
        return false;
    *id = (int32_t)v;
    return true;
}

sl_status sl_schema_registry_reply_schema(sl_mcxt *cx, const char *body, size_t len, const char **json,
                                          size_t *jlen, sl_error *err)
{
    sl_buf b;
    sl_status st = SL_OK;

    sl_buf_init(&b);
    if (j_member_string(body, len, "schemaType", &b) &&
        !(b.len == 4 && strncasecmp((const char *)b.data, "AVRO", 4) == 0)) {
        st = sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "the schema is of type %.*s, not AVRO",
                          b.len > 40 ? 40 : (int)b.len, (const char *)b.data);
    } else if (!j_member_string(body, len, "schema", &b)) {
        st = sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "the reply has no \"schema\" string");
    } else {
        char *s = sl_palloc(cx, b.len + 1);
        memcpy(s, b.data, b.len);
        s[b.len] = '\0';
        *json = s;
        *jlen = b.len;
    }
    sl_buf_free(&b);
    return st;
}

sl_status sl_schema_registry_classify(long status, const char *body, size_t len, const char *what,
                                      const char *action, const char *url, sl_error *err)
{
    bool retry = status >= 500 || status == 408 || status == 429;
    const char *code = retry                            ? SL_ERRCODE_CONNECTION_FAILURE
                       : status == 404                  ? SL_ERRCODE_UNDEFINED_OBJECT
                       : status == 401 || status == 403 ? SL_ERRCODE_INVALID_AUTHORIZATION
                                                        : SL_ERRCODE_INVALID_PARAMETER_VALUE;
    int64_t ecode;
    sl_buf msg;

    if (status >= 200 && status < 300)
        return SL_OK;
    sl_buf_init(&msg);
    if (j_member_string(body, len, "message", &msg) && j_member_int(body, len, "error_code", &ecode))
        sl_error_set(err, code, "%s: %s at schema registry %s: %.*s (error %lld)", what, action, url,
                     msg.len > 400 ? 400 : (int)msg.len, (const char *)msg.data, (long long)ecode);
    else {
        int shown = len > 200 ? 200 : (int)len;
        while (shown > 0 && (body[shown - 1] == '\n' || body[shown - 1] == '\r'))
            shown--;
        sl_error_set(err, code, "%s: %s at schema registry %s: HTTP %ld%s%.*s", what, action, url, status,
                     shown > 0 ? ": " : "", shown, body);
    }
    sl_buf_free(&msg);
    return retry ? SL_RETRY : SL_ERROR;
}

char *sl_schema_registry_request_body(sl_mcxt *cx, const char *schema_json)
{
    sl_buf b;
    char *s;

    sl_buf_init(&b);
    sl_buf_append(&b, "{\"schema\": ", 11);
    sl_json_put_string(&b, schema_json, strlen(schema_json));
    sl_buf_append(&b, "}", 1);
    s = sl_palloc(cx, b.len + 1);
    memcpy(s, b.data, b.len);
    s[b.len] = '\0';
    sl_buf_free(&b);
    return s;
}

char *sl_schema_registry_subject_url(sl_mcxt *cx, const char *base, const char *subject)
{
    size_t blen = strlen(base), n = 0;
    char *s = sl_palloc(cx, blen + strlen(subject) * 3 + sizeof("/subjects//versions"));
    static const char hex[] = "0123456789ABCDEF";

    memcpy(s, base, blen);
    n = blen;
    memcpy(s + n, "/subjects/", 10);
    n += 10;
    /* Topic names are [A-Za-z0-9._-]; anything else is percent-encoded. */
    for (const unsigned char *p = (const unsigned char *)subject; *p != '\0'; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~')
            s[n++] = (char)*p;
        else {
            s[n++] = '%';
            s[n++] = hex[*p >> 4];
            s[n++] = hex[*p & 15];
        }
    }
    memcpy(s + n, "/versions", 10);
    return s;
}

/* ---- the cache ---- */

typedef struct cache_entry {
    char *base;
    int32_t id;
    char *json;
    size_t len;
} cache_entry;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
/* Process lifetime, like the server's other registries: malloc'd once per
 * schema id, never per message. */
static cache_entry *cache;
static int cache_n;

static cache_entry *cache_find(const char *base, int32_t id)
{
    for (int i = 0; i < cache_n; i++)
        if (cache[i].id == id && strcmp(cache[i].base, base) == 0)
            return &cache[i];
    return NULL;
}

bool sl_schema_registry_cache_get(const char *base, int32_t id, sl_mcxt *cx, const char **json, size_t *len)
{
    cache_entry *e;
    bool hit = false;

    pthread_mutex_lock(&cache_lock);
    e = cache_find(base, id);
    if (e != NULL) {
        char *s = sl_palloc(cx, e->len + 1);
        memcpy(s, e->json, e->len + 1);
        *json = s;
        *len = e->len;
        hit = true;
    }
    pthread_mutex_unlock(&cache_lock);
    return hit;
}

void sl_schema_registry_cache_put(const char *base, int32_t id, const char *json, size_t len)
{
    pthread_mutex_lock(&cache_lock);
    if (cache_find(base, id) == NULL && cache_n < SL_SCHEMA_REGISTRY_CACHE_MAX) {
        char *b = strdup(base), *j = malloc(len + 1);

        if (cache == NULL)
            cache = calloc(SL_SCHEMA_REGISTRY_CACHE_MAX, sizeof(cache_entry));
        if (cache != NULL && b != NULL && j != NULL) {
            memcpy(j, json, len);
            j[len] = '\0';
            cache[cache_n++] = (cache_entry){.base = b, .id = id, .json = j, .len = len};
            b = j = NULL;
        }
        free(b); /* on failure only: the schema is then fetched again next time */
        free(j);
    }
    pthread_mutex_unlock(&cache_lock);
}

/* ---- requests ---- */

sl_status sl_schema_registry_check_url(const char *option, const char *url, sl_error *err)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "schema registry url");
    char *base, *userpwd;
    sl_status st = sl_schema_registry_parse_url(cx, url, &base, &userpwd, err);

    sl_mcxt_delete(cx);
    if (st != SL_OK) {
        char msg[SL_ERROR_MSG_MAX];
        snprintf(msg, sizeof(msg), "%s", err->message);
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "option \"%s\": %.900s", option, msg);
        sl_error_hint(err, "Give the registry's base URL, e.g. http://registry:8081.");
    }
    return st;
}

sl_schema_registry *sl_schema_registry_new(sl_mcxt *cx, const sl_confine *confine, const char *what,
                                           const char *url, const char *user, const char *password,
                                           sl_error *err)
{
    sl_schema_registry *reg = sl_pnew(cx, sl_schema_registry);
    char *userpwd;

    reg->cx = cx;
    reg->what = sl_pstrdup(cx, what);
    if (sl_schema_registry_parse_url(cx, url, &reg->base, &userpwd, err) != SL_OK) {
        char msg[SL_ERROR_MSG_MAX];
        snprintf(msg, sizeof(msg), "%s", err->message);
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "%s: %.900s", what, msg);
        return NULL;
    }
    reg->userpwd = user != NULL ? sl_psprintf(cx, "%s:%s", user, password != NULL ? password : "") : userpwd;
    if (sl_confine_url(confine, "schema_registry", url, err) != SL_OK)
        return NULL;
    reg->http = sl_http_new(cx, confine, err);
    return reg->http != NULL ? reg : NULL;
}

const char *sl_schema_registry_url(const sl_schema_registry *reg)
{
    return reg->base;
}

void sl_schema_registry_free(sl_schema_registry *reg)
{
    if (reg == NULL)
        return;
    sl_http_free(reg->http);
    reg->http = NULL;
}

/* One request (a POST when body is not NULL); SL_OK with *status and the
 * reply in reg->reply (NUL-terminated), SL_RETRY on a transport failure. */
static sl_status request(sl_schema_registry *reg, const char *url, const char *body, const char *action,
                         long *status, sl_error *err)
{
    static const char *const post_headers[] = {"Content-Type: " SL_REGISTRY_CTYPE,
                                               "Accept: " SL_REGISTRY_CTYPE ", application/json", NULL};
    static const char *const get_headers[] = {"Accept: " SL_REGISTRY_CTYPE ", application/json", NULL};
    sl_http_request req = {
        .url = url,
        .headers = body != NULL ? post_headers : get_headers,
        .get = body == NULL,
        .body = body,
        .len = body != NULL ? strlen(body) : 0,
        .userpwd = reg->userpwd,
        .timeout_ms = SL_REGISTRY_TIMEOUT_MS,
        .connect_timeout_ms = SL_REGISTRY_CONNECT_MS,
        .max_reply = SL_REGISTRY_MAX_REPLY,
        .long_reply_fails = true,
    };

    if (sl_http_send(reg->http, &req, &reg->reply, err) != SL_OK) {
        sl_error_clear(err);
        sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "%s: %s at schema registry %s: %s", reg->what,
                     action, reg->base, sl_http_error_text(reg->http));
        sl_error_hint(err, "Check that the registry is reachable at the schema_registry URL.");
        return SL_RETRY;
    }
    *status = reg->reply.status;
    return SL_OK;
}

sl_status sl_schema_registry_get(sl_schema_registry *reg, int32_t id, sl_mcxt *cx, const char **json,
                                 size_t *len, sl_error *err)
{
    char action[64];
    const char *url;
    long status = 0;
    sl_status st;

    if (sl_schema_registry_cache_get(reg->base, id, cx, json, len))
        return SL_OK;
    snprintf(action, sizeof(action), "could not fetch schema %ld", (long)id);
    url = sl_psprintf(cx, "%s/schemas/ids/%ld", reg->base, (long)id);
    st = request(reg, url, NULL, action, &status, err);
    if (st == SL_OK)
        st = sl_schema_registry_classify(status, reg->reply.body, reg->reply.len, reg->what, action,
                                         reg->base, err);
    if (st != SL_OK)
        return st;
    if (sl_schema_registry_reply_schema(cx, reg->reply.body, reg->reply.len, json, len, err) != SL_OK) {
        char msg[SL_ERROR_MSG_MAX];
        snprintf(msg, sizeof(msg), "%s", err->message);
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "%s: %s at schema registry %s: %.700s",
                            reg->what, action, reg->base, msg);
    }
    sl_schema_registry_cache_put(reg->base, id, *json, *len);
    return SL_OK;
}

sl_status sl_schema_registry_register(sl_schema_registry *reg, const char *subject, const char *schema_json,
                                      int32_t *id, sl_error *err)
{
    char *action = sl_psprintf(reg->cx, "could not register the schema under subject \"%s\"", subject);
    const char *url = sl_schema_registry_subject_url(reg->cx, reg->base, subject);
    const char *body = sl_schema_registry_request_body(reg->cx, schema_json);
    long status = 0;
    sl_status st = request(reg, url, body, action, &status, err);

    if (st == SL_OK)
        st = sl_schema_registry_classify(status, reg->reply.body, reg->reply.len, reg->what, action,
                                         reg->base, err);
    if (st != SL_OK)
        return st;
    if (!sl_schema_registry_reply_id(reg->reply.body, reg->reply.len, id))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "%s: %s at schema registry %s: the reply has no schema id", reg->what, action,
                            reg->base);
    sl_schema_registry_cache_put(reg->base, *id, schema_json, strlen(schema_json));
    return SL_OK;
}

sl_status sl_schema_registry_check_options(const sl_options *opts, sl_error *err)
{
    const char *fmt = sl_options_get(opts, "format");
    const char *url = sl_options_get(opts, "schema_registry");

    if (url != NULL) {
        if (fmt == NULL || strcmp(fmt, "avro") != 0)
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                                "option \"schema_registry\" needs format avro");
        return sl_schema_registry_check_url("schema_registry", url, err);
    }
    if (sl_options_given(opts, "schema_registry_user") || sl_options_given(opts, "schema_registry_password"))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "options \"schema_registry_user\" and \"schema_registry_password\" need "
                            "\"schema_registry\"");
    return SL_OK;
}
