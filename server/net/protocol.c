/*
 * protocol.c - PostgreSQL v3 framing, decoders and message builders (see protocol.h).
 *
 * Integers on the wire are big-endian.  Every decoder checks the bytes left
 * before reading, and every length word is checked against a limit before
 * any memory is reserved for the body: a client controls those numbers.
 */
#include "server/net/protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- decoding ---- */

void sl_pq_msg_init(sl_pq_msg *msg, char type, const char *data, size_t len)
{
    msg->type = type;
    msg->data = data;
    msg->len = len;
    msg->pos = 0;
}

bool sl_pq_get_bytes(sl_pq_msg *msg, size_t n, const char **out)
{
    if (sl_pq_remaining(msg) < n)
        return false;
    *out = msg->data == NULL ? NULL : msg->data + msg->pos;
    msg->pos += n;
    return true;
}

bool sl_pq_get_byte(sl_pq_msg *msg, uint8_t *out)
{
    const char *p;

    if (!sl_pq_get_bytes(msg, 1, &p))
        return false;
    *out = (uint8_t)p[0];
    return true;
}

bool sl_pq_get_int16(sl_pq_msg *msg, int16_t *out)
{
    const char *p;

    if (!sl_pq_get_bytes(msg, 2, &p))
        return false;
    *out = (int16_t)(((uint16_t)(uint8_t)p[0] << 8) | (uint8_t)p[1]);
    return true;
}

static uint32_t pq_load32(const char *p)
{
    const uint8_t *u = (const uint8_t *)p;
    return ((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3];
}

bool sl_pq_get_int32(sl_pq_msg *msg, int32_t *out)
{
    const char *p;

    if (!sl_pq_get_bytes(msg, 4, &p))
        return false;
    *out = (int32_t)pq_load32(p);
    return true;
}

const char *sl_pq_get_string(sl_pq_msg *msg)
{
    const char *s, *nul;

    if (sl_pq_remaining(msg) == 0)
        return NULL;
    s = msg->data + msg->pos;
    nul = memchr(s, '\0', sl_pq_remaining(msg));
    if (nul == NULL)
        return NULL;
    msg->pos += (size_t)(nul - s) + 1;
    return s;
}

/* ---- framing ---- */

static sl_status pq_violation(sl_error *err, const char *what)
{
    return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, "%s", what);
}

sl_status sl_pq_read_startup(sl_pq_recv_fn recv, void *arg, sl_buf *in, sl_pq_msg *msg, sl_error *err)
{
    char hdr[4];
    uint32_t len;

    in->len = 0;
    if (recv(arg, hdr, 4, err) != SL_OK)
        return SL_ERROR;
    len = pq_load32(hdr);
    if (len < 8 || len > SL_PQ_STARTUP_MAX)
        return pq_violation(err, "invalid length of startup packet");
    len -= 4;
    if (recv(arg, sl_buf_reserve(in, len), len, err) != SL_OK)
        return SL_ERROR;
    in->len = len;
    sl_pq_msg_init(msg, 0, in->data, len);
    return SL_OK;
}

/* Reads and drops n bytes (the body of a query too long to keep). */
static sl_status pq_discard(sl_pq_recv_fn recv, void *arg, size_t n, sl_error *err)
{
    char junk[8192];

    while (n > 0) {
        size_t chunk = n < sizeof(junk) ? n : sizeof(junk);
        if (recv(arg, junk, chunk, err) != SL_OK)
            return SL_ERROR;
        n -= chunk;
    }
    return SL_OK;
}

sl_status sl_pq_read_message(sl_pq_recv_fn recv, void *arg, sl_buf *in, size_t max_query, sl_pq_msg *msg,
                             sl_error *err)
{
    char hdr[5];
    uint32_t len;
    size_t limit;

    in->len = 0;
    if (recv(arg, hdr, 5, err) != SL_OK)
        return SL_ERROR;
    len = pq_load32(hdr + 1);
    if (len < 4 || len > SL_PQ_MESSAGE_MAX)
        return pq_violation(err, "invalid message length");
    len -= 4;
    sl_pq_msg_init(msg, hdr[0], NULL, 0);
    limit = hdr[0] == 'Q' ? max_query + 1 /* the NUL */ : max_query + SL_PQ_MESSAGE_SLACK;
    if (len > limit) {
        if (hdr[0] != 'Q')
            return pq_violation(err, "invalid message length");
        /* A long query is a user error, not garbage: drop it and carry on. */
        if (pq_discard(recv, arg, len, err) != SL_OK)
            return SL_ERROR;
        sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "statement is too long (%u bytes)", len - 1);
        sl_error_detail(err, "The limit is max_statement_size = %zu bytes.", max_query);
        return SL_ERROR;
    }
    if (recv(arg, sl_buf_reserve(in, len + 1), len, err) != SL_OK)
        return SL_ERROR;
    in->len = len;
    in->data[len] = '\0'; /* a guard: the body itself is checked by the decoders */
    sl_pq_msg_init(msg, hdr[0], in->data, len);
    return SL_OK;
}

/* ---- the startup packet ---- */

sl_status sl_pq_parse_startup(const sl_pq_msg *packet, sl_mcxt *cx, sl_pq_startup *out, sl_error *err)
{
    sl_pq_msg msg = *packet;
    int32_t code;
    int cap = 8;

    memset(out, 0, sizeof(*out));
    if (!sl_pq_get_int32(&msg, &code))
        return pq_violation(err, "invalid length of startup packet");
    out->version = (uint32_t)code;
    switch (out->version) {
    case SL_PQ_SSL_REQUEST_CODE:
    case SL_PQ_GSSENC_REQUEST_CODE:
        if (sl_pq_remaining(&msg) != 0)
            return pq_violation(err, "invalid length of startup packet");
        out->kind = out->version == SL_PQ_SSL_REQUEST_CODE ? SL_PQ_STARTUP_SSL : SL_PQ_STARTUP_GSSENC;
        return SL_OK;
    case SL_PQ_CANCEL_REQUEST_CODE:
        if (sl_pq_remaining(&msg) != 8)
            return pq_violation(err, "invalid length of cancel request packet");
        sl_pq_get_int32(&msg, &out->cancel_pid);
        sl_pq_get_int32(&msg, &out->cancel_key);
        out->kind = SL_PQ_STARTUP_CANCEL;
        return SL_OK;
    default:
        break;
    }
    if (SL_PQ_MAJOR(out->version) != 3)
        return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION,
                            "unsupported frontend protocol %u.%u: server supports 3.0 to 3.0",
                            SL_PQ_MAJOR(out->version), SL_PQ_MINOR(out->version));
    out->kind = SL_PQ_STARTUP_NORMAL;
    out->names = sl_palloc(cx, cap * sizeof(char *));
    out->values = sl_palloc(cx, cap * sizeof(char *));
    for (;;) {
        const char *name = sl_pq_get_string(&msg), *value;

        if (name == NULL)
            return pq_violation(err, "invalid startup packet layout: expected terminator as last byte");
        if (name[0] == '\0')
            break;
        value = sl_pq_get_string(&msg);
        if (value == NULL)
            return pq_violation(err, "invalid startup packet layout: expected terminator as last byte");
        if (out->nparams == cap) {
            out->names = sl_prealloc(cx, out->names, cap * sizeof(char *), 2 * cap * sizeof(char *));
            out->values = sl_prealloc(cx, out->values, cap * sizeof(char *), 2 * cap * sizeof(char *));
            cap *= 2;
        }
        out->names[out->nparams] = name;
        out->values[out->nparams] = value;
        out->nparams++;
    }
    if (sl_pq_remaining(&msg) != 0)
        return pq_violation(err, "invalid startup packet layout: expected terminator as last byte");
    return SL_OK;
}

/* Next whitespace-separated word of *p with backslash escapes removed, in cx; NULL at the end. */
static char *pq_next_word(const char **p, sl_mcxt *cx)
{
    const char *s = *p;
    char *word, *w;

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (*s == '\0') {
        *p = s;
        return NULL;
    }
    word = w = sl_palloc(cx, strlen(s) + 1);
    while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') {
        if (*s == '\\' && s[1] != '\0')
            s++;
        *w++ = *s++;
    }
    *w = '\0';
    *p = s;
    return word;
}

sl_status sl_pq_split_options(const char *options, sl_mcxt *cx, int *n, const char ***names,
                              const char ***values, sl_error *err)
{
    const char *p = options;
    int count = 0, cap = 0;
    char *word;

    *n = 0;
    *names = *values = NULL;
    while ((word = pq_next_word(&p, cx)) != NULL) {
        char *setting, *eq;

        if (strcmp(word, "-c") == 0) {
            setting = pq_next_word(&p, cx);
            if (setting == NULL)
                return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION,
                                    "invalid command-line argument for server process: -c");
        } else if (strncmp(word, "-c", 2) == 0)
            setting = word + 2;
        else if (strncmp(word, "--", 2) == 0)
            setting = word + 2;
        else {
            sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION,
                         "invalid command-line argument for server process: %s", word);
            sl_error_hint(err, "Only -c name=value and --name=value are accepted in options.");
            return SL_ERROR;
        }
        eq = strchr(setting, '=');
        if (eq == NULL || eq == setting)
            return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION,
                                "invalid command-line argument for server process: %s", setting);
        *eq = '\0';
        /* Like PostgreSQL: dashes in a name stand for underscores. */
        for (char *c = setting; *c; c++)
            if (*c == '-')
                *c = '_';
        if (count == cap) {
            int ncap = cap ? cap * 2 : 4;
            *names = *names ? sl_prealloc(cx, *names, cap * sizeof(char *), ncap * sizeof(char *))
                            : sl_palloc(cx, ncap * sizeof(char *));
            *values = *values ? sl_prealloc(cx, *values, cap * sizeof(char *), ncap * sizeof(char *))
                              : sl_palloc(cx, ncap * sizeof(char *));
            cap = ncap;
        }
        (*names)[count] = setting;
        (*values)[count] = eq + 1;
        count++;
    }
    *n = count;
    return SL_OK;
}

/* ---- encoding ---- */

size_t sl_pq_begin(sl_buf *buf, char type)
{
    size_t start = buf->len;

    if (type != 0)
        sl_pq_put_byte(buf, (uint8_t)type);
    sl_pq_put_int32(buf, 0); /* the length, filled in by sl_pq_end */
    return start;
}

void sl_pq_put_byte(sl_buf *buf, uint8_t v)
{
    sl_buf_append(buf, &v, 1);
}

void sl_pq_put_int16(sl_buf *buf, int16_t v)
{
    uint8_t b[2] = {(uint8_t)((uint16_t)v >> 8), (uint8_t)v};
    sl_buf_append(buf, b, 2);
}

static void pq_store32(char *p, uint32_t v)
{
    p[0] = (char)(v >> 24);
    p[1] = (char)(v >> 16);
    p[2] = (char)(v >> 8);
    p[3] = (char)v;
}

void sl_pq_put_int32(sl_buf *buf, int32_t v)
{
    char b[4];
    pq_store32(b, (uint32_t)v);
    sl_buf_append(buf, b, 4);
}

void sl_pq_put_bytes(sl_buf *buf, const void *data, size_t n)
{
    sl_buf_append(buf, data, n);
}

void sl_pq_put_string(sl_buf *buf, const char *s)
{
    sl_buf_append(buf, s, strlen(s) + 1);
}

void sl_pq_end(sl_buf *buf, size_t start)
{
    /* The type byte, when there is one, is not counted; it is never 0. */
    size_t at = buf->data[start] != 0 ? start + 1 : start;
    pq_store32(buf->data + at, (uint32_t)(buf->len - at));
}

void sl_pq_auth_ok(sl_buf *buf)
{
    size_t m = sl_pq_begin(buf, 'R');
    sl_pq_put_int32(buf, 0);
    sl_pq_end(buf, m);
}

void sl_pq_parameter_status(sl_buf *buf, const char *name, const char *value)
{
    size_t m = sl_pq_begin(buf, 'S');
    sl_pq_put_string(buf, name);
    sl_pq_put_string(buf, value);
    sl_pq_end(buf, m);
}

void sl_pq_backend_key_data(sl_buf *buf, int32_t pid, int32_t key)
{
    size_t m = sl_pq_begin(buf, 'K');
    sl_pq_put_int32(buf, pid);
    sl_pq_put_int32(buf, key);
    sl_pq_end(buf, m);
}

void sl_pq_ready_for_query(sl_buf *buf, char status)
{
    size_t m = sl_pq_begin(buf, 'Z');
    sl_pq_put_byte(buf, (uint8_t)status);
    sl_pq_end(buf, m);
}

/* typlen of the types sluice reports, as pg_type has them. */
static int16_t pq_typlen(uint32_t oid)
{
    switch (oid) {
    case SL_OID_BOOL:
    case 18: /* "char" */
        return 1;
    case 21: /* int2 */
        return 2;
    case 23:   /* int4 */
    case 26:   /* oid */
    case 700:  /* float4 */
    case 1082: /* date */
        return 4;
    case 19: /* name */
        return 64;
    case SL_OID_INT8:
    case SL_OID_FLOAT8:
    case SL_OID_TIMESTAMP:
    case 1184: /* timestamptz */
    case 1083: /* time */
        return 8;
    case SL_OID_INTERVAL:
    case 2950: /* uuid */
        return 16;
    default:
        return -1;
    }
}

void sl_pq_row_description(sl_buf *buf, int ncols, const sl_column_desc *cols)
{
    sl_pq_row_description_formats(buf, ncols, cols, NULL);
}

void sl_pq_simple_message(sl_buf *buf, char type)
{
    sl_pq_end(buf, sl_pq_begin(buf, type));
}

void sl_pq_row_description_formats(sl_buf *buf, int ncols, const sl_column_desc *cols, const int16_t *formats)
{
    size_t m = sl_pq_begin(buf, 'T');

    sl_pq_put_int16(buf, (int16_t)ncols);
    for (int i = 0; i < ncols; i++) {
        sl_pq_put_string(buf, cols[i].name ? cols[i].name : "?column?");
        sl_pq_put_int32(buf, 0); /* table OID */
        sl_pq_put_int16(buf, 0); /* column number */
        sl_pq_put_int32(buf, (int32_t)cols[i].type_oid);
        sl_pq_put_int16(buf, pq_typlen(cols[i].type_oid));
        sl_pq_put_int32(buf, -1); /* typmod */
        sl_pq_put_int16(buf, formats != NULL ? formats[i] : 0);
    }
    sl_pq_end(buf, m);
}

void sl_pq_data_row(sl_buf *buf, int ncols, const char *const *values)
{
    size_t m = sl_pq_begin(buf, 'D');

    sl_pq_put_int16(buf, (int16_t)ncols);
    for (int i = 0; i < ncols; i++) {
        if (values[i] == NULL) {
            sl_pq_put_int32(buf, -1);
        } else {
            size_t n = strlen(values[i]);
            sl_pq_put_int32(buf, (int32_t)n);
            sl_pq_put_bytes(buf, values[i], n);
        }
    }
    sl_pq_end(buf, m);
}

void sl_pq_command_complete(sl_buf *buf, const char *tag)
{
    size_t m = sl_pq_begin(buf, 'C');
    sl_pq_put_string(buf, tag);
    sl_pq_end(buf, m);
}

void sl_pq_empty_query_response(sl_buf *buf)
{
    size_t m = sl_pq_begin(buf, 'I');
    sl_pq_end(buf, m);
}

static void pq_field(sl_buf *buf, char code, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return;
    sl_pq_put_byte(buf, (uint8_t)code);
    sl_pq_put_string(buf, value);
}

void sl_pq_error_response(sl_buf *buf, const char *severity, const sl_error *err)
{
    size_t m = sl_pq_begin(buf, 'E');

    pq_field(buf, 'S', severity);
    pq_field(buf, 'V', severity);
    pq_field(buf, 'C', err->sqlstate[0] ? err->sqlstate : SL_ERRCODE_INTERNAL_ERROR);
    pq_field(buf, 'M', err->message[0] ? err->message : "unknown error");
    pq_field(buf, 'D', err->detail);
    pq_field(buf, 'H', err->hint);
    if (err->position > 0) {
        char pos[16];
        snprintf(pos, sizeof(pos), "%d", err->position);
        pq_field(buf, 'P', pos);
    }
    sl_pq_put_byte(buf, 0);
    sl_pq_end(buf, m);
}

void sl_pq_notice_response(sl_buf *buf, const char *sqlstate, const char *message)
{
    size_t m = sl_pq_begin(buf, 'N');

    pq_field(buf, 'S', "NOTICE");
    pq_field(buf, 'V', "NOTICE");
    pq_field(buf, 'C', sqlstate ? sqlstate : SL_ERRCODE_SUCCESSFUL_COMPLETION);
    pq_field(buf, 'M', message);
    sl_pq_put_byte(buf, 0);
    sl_pq_end(buf, m);
}

void sl_pq_negotiate_version(sl_buf *buf, uint32_t minor, int noptions, const char *const *options)
{
    size_t m = sl_pq_begin(buf, 'v');

    sl_pq_put_int32(buf, (int32_t)SL_PQ_PROTOCOL(3, minor));
    sl_pq_put_int32(buf, noptions);
    for (int i = 0; i < noptions; i++)
        sl_pq_put_string(buf, options[i]);
    sl_pq_end(buf, m);
}

bool sl_pq_valid_utf8(const char *s, size_t len, size_t *bad_at)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;

    while (i < len) {
        uint8_t c = p[i];
        size_t n;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else
            goto bad;
        if (len - i <= n)
            goto bad;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                goto bad;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        /* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
            cp > 0x10ffff)
            goto bad;
        i += n + 1;
    }
    return true;
bad:
    if (bad_at != NULL)
        *bad_at = i;
    return false;
}
