/*
 * json_scan.c - the small JSON scanner (see json_scan.h).
 *
 * Scanning validates everything once; walking members and items scans
 * each value again to find where it ends, which costs a reply's length per
 * level of nesting: fine for replies and schemas, not meant for rows.
 */
#include "common/json_scan.h"

#include <string.h>

#include "sluice/types.h"

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* Four hex digits at p (p + 4 <= end checked by the caller). */
static bool hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++) {
        int h = sl_hex_digit(p[i]);
        if (h < 0)
            return false;
        v = v << 4 | (uint32_t)h;
    }
    *out = v;
    return true;
}

/* The string at p ('"'): the end after its closing quote, or NULL. */
static const char *scan_string(const char *p, const char *end)
{
    p++;
    while (p < end) {
        unsigned char c = (unsigned char)*p;

        if (c == '"')
            return p + 1;
        if (c < 0x20)
            return NULL;
        if (c != '\\') {
            p++;
            continue;
        }
        if (end - p < 2)
            return NULL;
        if (p[1] == 'u') {
            uint32_t cp;
            if (end - p < 6 || !hex4(p + 2, &cp))
                return NULL;
            p += 6;
        } else if (strchr("\"\\/bfnrt", p[1]) != NULL && p[1] != '\0') {
            p += 2;
        } else {
            return NULL;
        }
    }
    return NULL;
}

/* The number at p (RFC 8259 grammar): its end, or NULL. */
static const char *scan_number(const char *p, const char *end)
{
    if (p < end && *p == '-')
        p++;
    if (p >= end || *p < '0' || *p > '9')
        return NULL;
    if (*p == '0')
        p++;
    else
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    if (p < end && *p == '.') {
        const char *d = ++p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return NULL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        const char *d = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return NULL;
    }
    return p;
}

static const char *scan_value(const char *p, const char *end, int depth);

/* The object or array at p: its end, or NULL. */
static const char *scan_container(const char *p, const char *end, int depth)
{
    char close = *p == '{' ? '}' : ']';

    if (depth >= SL_JSON_MAX_DEPTH)
        return NULL;
    p = skip_ws(p + 1, end);
    if (p < end && *p == close)
        return p + 1;
    for (;;) {
        if (close == '}') {
            if (p >= end || *p != '"' || (p = scan_string(p, end)) == NULL)
                return NULL;
            p = skip_ws(p, end);
            if (p >= end || *p != ':')
                return NULL;
            p = skip_ws(p + 1, end);
        }
        if ((p = scan_value(p, end, depth + 1)) == NULL)
            return NULL;
        p = skip_ws(p, end);
        if (p >= end)
            return NULL;
        if (*p == close)
            return p + 1;
        if (*p != ',')
            return NULL;
        p = skip_ws(p + 1, end);
    }
}

static const char *scan_literal(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);

    return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

static const char *scan_value(const char *p, const char *end, int depth)
{
    if (p >= end)
        return NULL;
    switch (*p) {
    case '{':
    case '[':
        return scan_container(p, end, depth);
    case '"':
        return scan_string(p, end);
    case 't':
        return scan_literal(p, end, "true");
    case 'f':
        return scan_literal(p, end, "false");
    case 'n':
        return scan_literal(p, end, "null");
    default:
        return scan_number(p, end);
    }
}

bool sl_json_scan(const char **p, const char *end, sl_json_span *v)
{
    const char *start = skip_ws(*p, end);
    const char *stop = scan_value(start, end, 0);

    if (stop == NULL)
        return false;
    v->start = start;
    v->end = stop;
    *p = stop;
    return true;
}

bool sl_json_parse(const char *text, size_t len, sl_json_span *v)
{
    const char *p = text, *end = text + len;

    return sl_json_scan(&p, end, v) && skip_ws(p, end) == end;
}

char sl_json_type(const sl_json_span *v)
{
    char c = v->start < v->end ? *v->start : '\0';

    return c == '-' || (c >= '0' && c <= '9') ? '0' : c;
}

/* The next value of a container after *it (at its opening bracket at first). */
static bool next_in(const sl_json_span *c, char open, const char **it, sl_json_span *key, sl_json_span *val)
{
    const char *p;

    if (sl_json_type(c) != open)
        return false;
    p = skip_ws(*it == NULL ? c->start + 1 : *it, c->end);
    if (*it != NULL && p < c->end && *p == ',')
        p = skip_ws(p + 1, c->end);
    if (p >= c->end || *p == (open == '{' ? '}' : ']'))
        return false;
    if (key != NULL) {
        key->start = p;
        key->end = p = scan_string(p, c->end);
        if (p == NULL)
            return false;
        p = skip_ws(p, c->end) + 1; /* ':' */
    }
    if (!sl_json_scan(&p, c->end, val))
        return false;
    *it = p;
    return true;
}

bool sl_json_next_member(const sl_json_span *obj, const char **it, sl_json_span *key, sl_json_span *val)
{
    return next_in(obj, '{', it, key, val);
}

bool sl_json_next_item(const sl_json_span *arr, const char **it, sl_json_span *val)
{
    return next_in(arr, '[', it, NULL, val);
}

bool sl_json_get(const sl_json_span *obj, const char *key, sl_json_span *val)
{
    const char *it = NULL;
    sl_json_span k;

    while (sl_json_next_member(obj, &it, &k, val))
        if (sl_json_string_is(&k, key))
            return true;
    return false;
}

void sl_utf8_put(sl_buf *out, uint32_t cp)
{
    char b[4];
    size_t n;

    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | cp >> 6);
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | cp >> 12);
        b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | cp >> 18);
        b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sl_buf_append(out, b, n);
}

bool sl_json_string(const sl_json_span *v, sl_buf *out, bool lone_fffd)
{
    const char *p = v->start + 1, *end = v->end - 1; /* inside the quotes */

    if (sl_json_type(v) != '"' || v->end - v->start < 2)
        return false;
    while (p < end) {
        const char *run = p;
        uint32_t cp = 0, lo = 0;

        while (p < end && *p != '\\')
            p++;
        if (p > run)
            sl_buf_append(out, run, (size_t)(p - run));
        if (p >= end)
            break;
        switch (p[1]) { /* the scan made sure an escape is whole */
        case 'b':
            cp = '\b';
            break;
        case 'f':
            cp = '\f';
            break;
        case 'n':
            cp = '\n';
            break;
        case 'r':
            cp = '\r';
            break;
        case 't':
            cp = '\t';
            break;
        case 'u':
            hex4(p + 2, &cp);
            p += 4;
            /* A surrogate pair is one code point; a lone surrogate is not text. */
            if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 8 && p[2] == '\\' && p[3] == 'u' &&
                hex4(p + 4, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else if (cp >= 0xD800 && cp < 0xE000) {
                if (!lone_fffd)
                    return false;
                cp = 0xFFFD;
            }
            break;
        default: /* " \ / */
            cp = (uint32_t)(unsigned char)p[1];
            break;
        }
        sl_utf8_put(out, cp);
        p += 2;
    }
    return true;
}

bool sl_json_string_is(const sl_json_span *v, const char *s)
{
    size_t n = strlen(s);
    sl_buf b;
    bool same;

    /* Most keys hold no escape: compare in place. */
    if (sl_json_type(v) != '"')
        return false;
    if (memchr(v->start, '\\', (size_t)(v->end - v->start)) == NULL)
        return (size_t)(v->end - v->start) == n + 2 && memcmp(v->start + 1, s, n) == 0;
    sl_buf_init(&b);
    same = sl_json_string(v, &b, false) && b.len == n && memcmp(b.data, s, n) == 0;
    sl_buf_free(&b);
    return same;
}

bool sl_json_uint(const sl_json_span *v, int64_t *out)
{
    int64_t n = 0;

    if (v->start >= v->end)
        return false;
    for (const char *p = v->start; p < v->end; p++) {
        if (*p < '0' || *p > '9' || n > (INT64_MAX - (*p - '0')) / 10)
            return false;
        n = n * 10 + (*p - '0');
    }
    *out = n;
    return true;
}
