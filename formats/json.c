/*
 * json.c - JSON lines: the schema-driven decoder and the encoder.
 *
 * Why our own scanner and not a library: decoding JSON is the hot path of
 * every file and Kafka query.  yajl's callback API measured 1.5M lines/s
 * here, the target is 3M events/s end to end; a scanner that knows the
 * declared columns converts each value straight into its column vector
 * (no tree, no callback per token, no copy of keys) and runs at several
 * million lines/s (see server/README.md).  It still validates everything
 * it accepts (RFC 8259 syntax including skipped values, UTF-8, escapes,
 * nesting depth), because a line it accepts must be JSON; it reads only
 * inside [p, p + len) so it can run on unterminated buffers and be fuzzed.
 *
 * Also here: sl_format_iso_timestamp, sl_format_double_fast and
 * sl_timestamp_unit_parse, shared with formats/csv.c.
 *
 * Entry points: see formats/format.h.
 */
#include "formats/format.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/errcodes.h"

/* Nesting beyond this is refused: it bounds the recursion of the scanner. */
#define JSON_MAX_DEPTH 128

bool sl_timestamp_unit_parse(const char *s, int64_t *us_per_unit)
{
    if (s == NULL || strcmp(s, "s") == 0)
        *us_per_unit = 1000000;
    else if (strcmp(s, "ms") == 0)
        *us_per_unit = 1000;
    else if (strcmp(s, "us") == 0)
        *us_per_unit = 1;
    else
        return false;
    return true;
}

/* ---- numbers (shared with formats/csv.c) ---- */

static const double sl_pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                          1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                          1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

const char *sl_num_scan(const char *p, const char *end, sl_num *num)
{
    uint64_t mant = 0;
    int sig = 0, exp10 = 0;
    bool truncated = false;

    num->neg = false;
    num->is_int = true;
    num->start = p;
    if (p < end && *p == '-') {
        num->neg = true;
        p++;
    }
    if (p >= end)
        return NULL;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') {
            unsigned d = (unsigned)(*p - '0');
            if (sig < 19) {
                mant = mant * 10 + d;
                sig++;
            } else {
                exp10++;
                truncated |= d != 0;
            }
            p++;
        }
    } else {
        return NULL;
    }
    if (p < end && *p == '.') {
        num->is_int = false;
        p++;
        if (p >= end || *p < '0' || *p > '9')
            return NULL;
        while (p < end && *p >= '0' && *p <= '9') {
            unsigned d = (unsigned)(*p - '0');
            if (mant == 0 && d == 0) {
                exp10--; /* leading zeros of the fraction are not significant */
            } else if (sig < 19) {
                mant = mant * 10 + d;
                sig++;
                exp10--;
            } else {
                truncated |= d != 0;
            }
            p++;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        bool eneg = false;
        int e = 0;

        num->is_int = false;
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        if (p >= end || *p < '0' || *p > '9')
            return NULL;
        while (p < end && *p >= '0' && *p <= '9') {
            if (e < 100000) /* beyond that the value is 0 or infinite anyway */
                e = e * 10 + (*p - '0');
            p++;
        }
        exp10 += eneg ? -e : e;
    }
    num->end = p;
    num->mant = mant;
    num->exp10 = exp10;
    num->exact = !truncated;
    return p;
}

bool sl_num_to_double(const sl_num *num, double *out)
{
    double d;

    /* Clinger's fast path: a mantissa below 2^53 and a power of ten that is
     * exact in a double give the correctly rounded result in one operation. */
    if (num->exact && num->mant < (UINT64_C(1) << 53) && num->exp10 >= -22 && num->exp10 <= 22) {
        d = (double)num->mant;
        d = num->exp10 < 0 ? d / sl_pow10_exact[-num->exp10] : d * sl_pow10_exact[num->exp10];
        *out = num->neg ? -d : d;
        return true;
    }
    if (num->mant == 0) {
        *out = num->neg ? -0.0 : 0.0;
        return true;
    }
    {
        char small[128];
        size_t n = (size_t)(num->end - num->start);
        char *tmp = n < sizeof(small) ? small : malloc(n + 1);

        if (tmp == NULL)
            return false;
        memcpy(tmp, num->start, n);
        tmp[n] = '\0';
        errno = 0;
        d = strtod(tmp, NULL);
        if (tmp != small)
            free(tmp);
    }
    if (isinf(d))
        return false;
    *out = d;
    return true;
}

bool sl_num_to_int64(const sl_num *num, int64_t *out)
{
    const char *p = num->start;
    uint64_t v = 0;
    uint64_t limit;

    if (!num->is_int)
        return false;
    if (num->exact && num->exp10 == 0 && num->mant <= (uint64_t)INT64_MAX) {
        /* At most 19 digits, all in mant: no second pass. */
        *out = num->neg ? -(int64_t)num->mant : (int64_t)num->mant;
        return true;
    }
    if (*p == '-')
        p++;
    limit = num->neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; p < num->end; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = num->neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool sl_num_to_timestamp(const sl_num *num, int64_t unit_us, int64_t *out)
{
    int64_t i;
    double d;

    if (num->is_int && sl_num_to_int64(num, &i)) {
        if (__builtin_mul_overflow(i, unit_us, out))
            return false;
        return true;
    }
    if (!sl_num_to_double(num, &d))
        return false;
    d *= (double)unit_us;
    if (!(d > -9.2e18 && d < 9.2e18))
        return false;
    *out = llround(d);
    return true;
}

/*
 * sl_format_double's text, fast for the common case.  sl_format_double
 * finds the shortest round-trip digits by printing and re-reading up to 17
 * times (about 2 us a value here), which made encoding ~0.2M rows/s.  Most
 * values (sensor readings, averages of them) have few digits: for
 * 1e-4 <= |v| < 1e15 (where sl_format_double prints fixed notation) we look
 * for the fewest fraction digits k whose rounding m = v * 10^k reads back
 * as v (m / 10^k is correctly rounded, as in sl_num_to_double); with at
 * most 15 significant digits that m is unique, hence the shortest.  Other
 * values go to sl_format_double.  test_formats checks both agree.
 */
int sl_format_double_fast(double v, char *buf)
{
    double a = v < 0 ? -v : v;

    if (a >= 1e-4 && a < 1e15) {
        for (int k = 0; k <= 19; k++) {
            double scaled = a * sl_pow10_exact[k];
            double m;

            if (scaled >= 1e15)
                break; /* more than 15 significant digits */
            m = nearbyint(scaled);
            if (m / sl_pow10_exact[k] == a) {
                char digits[24];
                uint64_t u = (uint64_t)m;
                int nd = 0, len = 0;

                do {
                    digits[nd++] = (char)('0' + u % 10);
                    u /= 10;
                } while (u > 0);
                while (nd <= k) /* 0.00123: leading zeros */
                    digits[nd++] = '0';
                if (v < 0)
                    buf[len++] = '-';
                for (int i = nd - 1; i >= 0; i--) {
                    buf[len++] = digits[i];
                    if (i == k && k > 0)
                        buf[len++] = '.';
                }
                buf[len] = '\0';
                return len;
            }
        }
    }
    return sl_format_double(v, buf);
}

/* ---- ISO-8601 UTC timestamps ---- */

int sl_format_iso_timestamp(int64_t us, char *buf)
{
    /* sl_format_timestamp prints PostgreSQL's "2026-01-01 00:01:00[.fraction][ BC]"
     * in UTC; the ISO form only differs by the 'T' and the 'Z', which goes
     * with the time, before a " BC" (sl_parse_timestamp reads it back). */
    int n = sl_format_timestamp(us, buf);
    bool bc = n > 3 && memcmp(buf + n - 3, " BC", 3) == 0;

    for (int i = 0; i < n; i++)
        if (buf[i] == ' ') {
            buf[i] = 'T';
            break;
        }
    if (bc)
        n -= 3;
    if (n < SL_VALUE_TEXT_MAX - 4) {
        buf[n++] = 'Z';
        if (bc)
            n += sprintf(buf + n, " BC");
    }
    buf[n] = '\0';
    return n;
}

/* ---- strings ---- */

/* Byte classes inside a JSON string: 0 plain, 1 quote, 2 backslash,
 * 3 control (must be escaped), 4 start of a multi-byte UTF-8 sequence. */
static uint8_t json_str_class[256];
static uint8_t json_hex[256]; /* hex digit value + 1, 0 when not a hex digit */

static void json_tables_build(void)
{
    for (int c = 0; c < 256; c++) {
        json_str_class[c] = c < 0x20 ? 3 : c >= 0x80 ? 4 : 0;
        json_hex[c] = 0;
    }
    json_str_class['"'] = 1;
    json_str_class['\\'] = 2;
    for (int c = 0; c < 10; c++)
        json_hex['0' + c] = (uint8_t)(c + 1);
    for (int c = 0; c < 6; c++) {
        json_hex['a' + c] = (uint8_t)(c + 11);
        json_hex['A' + c] = (uint8_t)(c + 11);
    }
}

static void json_tables_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, json_tables_build);
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
int sl_utf8_seq_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];

    if (c >= 0xC2 && c <= 0xDF) {
        if (end - p < 2 || (p[1] & 0xC0) != 0x80)
            return 0;
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (end - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && p[1] < 0xA0) /* overlong */
            return 0;
        if (c == 0xED && p[1] >= 0xA0) /* UTF-16 surrogates */
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (end - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && p[1] < 0x90) /* overlong */
            return 0;
        if (c == 0xF4 && p[1] >= 0x90) /* beyond U+10FFFF */
            return 0;
        return 4;
    }
    return 0;
}

bool sl_utf8_valid(const unsigned char *p, size_t len)
{
    const unsigned char *end = p + len;

    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        int n = sl_utf8_seq_len(p, end);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

static unsigned json_hex4(const unsigned char *p)
{
    return (unsigned)((json_hex[p[0]] - 1) << 12 | (json_hex[p[1]] - 1) << 8 | (json_hex[p[2]] - 1) << 4 |
                      (json_hex[p[3]] - 1));
}

/* A string's raw content (between the quotes) and whether it has escapes. */
typedef struct json_str {
    const char *s;
    size_t len;
    bool escaped;
} json_str;

typedef struct json_cur {
    const char *begin; /* the line, for error positions */
    const char *end;
    sl_error *err;
} json_cur;

static sl_status json_syntax(json_cur *cur, const char *at, const char *what)
{
    if (at >= cur->end)
        return sl_error_set(cur->err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION,
                            "invalid JSON: line ends unexpectedly, %s", what);
    return sl_error_set(cur->err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "invalid JSON at byte %d: %s",
                        (int)(at - cur->begin) + 1, what);
}

/*
 * Scans the string whose opening quote is at *pp and validates it (escapes,
 * control characters, UTF-8, paired surrogates); *pp moves past the closing
 * quote.
 */
static sl_status json_scan_string(json_cur *cur, const char **pp, json_str *out)
{
    const unsigned char *p = (const unsigned char *)*pp + 1;
    const unsigned char *end = (const unsigned char *)cur->end;

    out->s = (const char *)p;
    out->escaped = false;
    for (;;) {
        while (p < end && json_str_class[*p] == 0)
            p++;
        if (p >= end)
            return json_syntax(cur, (const char *)p, "unterminated string");
        switch (json_str_class[*p]) {
        case 1:
            out->len = (size_t)((const char *)p - out->s);
            *pp = (const char *)p + 1;
            return SL_OK;
        case 2:
            out->escaped = true;
            if (end - p < 2)
                return json_syntax(cur, (const char *)end, "unterminated string");
            switch (p[1]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                p += 2;
                break;
            case 'u': {
                unsigned u;
                if (end - p < 6 || !json_hex[p[2]] || !json_hex[p[3]] || !json_hex[p[4]] || !json_hex[p[5]])
                    return json_syntax(cur, (const char *)p, "invalid \\u escape");
                u = json_hex4(p + 2);
                p += 6;
                if (u >= 0xDC00 && u <= 0xDFFF)
                    return json_syntax(cur, (const char *)p - 6, "unpaired UTF-16 surrogate in \\u escape");
                if (u >= 0xD800 && u <= 0xDBFF) {
                    unsigned lo;
                    if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !json_hex[p[2]] || !json_hex[p[3]] ||
                        !json_hex[p[4]] || !json_hex[p[5]])
                        return json_syntax(cur, (const char *)p - 6,
                                           "unpaired UTF-16 surrogate in \\u escape");
                    lo = json_hex4(p + 2);
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return json_syntax(cur, (const char *)p - 6,
                                           "unpaired UTF-16 surrogate in \\u escape");
                    p += 6;
                }
                break;
            }
            default:
                return json_syntax(cur, (const char *)p, "invalid escape in string");
            }
            break;
        case 3:
            return json_syntax(cur, (const char *)p, "control character in string");
        default: {
            int n = sl_utf8_seq_len(p, end);
            if (n == 0)
                return json_syntax(cur, (const char *)p, "invalid UTF-8 in string");
            p += n;
            break;
        }
        }
    }
}

/* Writes the UTF-8 of code point u to d; returns the byte count. */
static int utf8_put(char *d, unsigned u)
{
    if (u < 0x80) {
        d[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        d[0] = (char)(0xC0 | u >> 6);
        d[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    if (u < 0x10000) {
        d[0] = (char)(0xE0 | u >> 12);
        d[1] = (char)(0x80 | (u >> 6 & 0x3F));
        d[2] = (char)(0x80 | (u & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | u >> 18);
    d[1] = (char)(0x80 | (u >> 12 & 0x3F));
    d[2] = (char)(0x80 | (u >> 6 & 0x3F));
    d[3] = (char)(0x80 | (u & 0x3F));
    return 4;
}

/*
 * Unescapes a string json_scan_string accepted into d (room for str->len
 * bytes: unescaping never grows a string); returns the length.  *has_nul
 * tells whether it contained \u0000.
 */
static size_t json_unescape(const json_str *str, char *d, bool *has_nul)
{
    const unsigned char *p = (const unsigned char *)str->s;
    const unsigned char *end = p + str->len;
    char *d0 = d;

    *has_nul = false;
    while (p < end) {
        if (*p != '\\') {
            *d++ = (char)*p++;
            continue;
        }
        switch (p[1]) {
        case 'b':
            *d++ = '\b';
            break;
        case 'f':
            *d++ = '\f';
            break;
        case 'n':
            *d++ = '\n';
            break;
        case 'r':
            *d++ = '\r';
            break;
        case 't':
            *d++ = '\t';
            break;
        case 'u': {
            unsigned u = json_hex4(p + 2);
            if (u >= 0xD800 && u <= 0xDBFF) {
                unsigned lo = json_hex4(p + 8);
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            if (u == 0)
                *has_nul = true;
            d += utf8_put(d, u);
            p += 6;
            continue;
        }
        default: /* " \ / */
            *d++ = (char)p[1];
            break;
        }
        p += 2;
    }
    return (size_t)(d - d0);
}

/* ---- skipping values (validated) ---- */

static inline const char *json_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static inline bool json_lit(const char *p, const char *end, const char *lit, size_t n)
{
    return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

static sl_status json_skip_value(json_cur *cur, const char **pp, int depth);

static sl_status json_skip_container(json_cur *cur, const char **pp, int depth)
{
    const char *p = *pp;
    bool obj = *p == '{';
    char close = obj ? '}' : ']';

    if (depth > JSON_MAX_DEPTH)
        return json_syntax(cur, p, "nesting too deep");
    p = json_ws(p + 1, cur->end);
    if (p < cur->end && *p == close) {
        *pp = p + 1;
        return SL_OK;
    }
    for (;;) {
        if (obj) {
            json_str key;
            if (p >= cur->end || *p != '"')
                return json_syntax(cur, p, "expected a string key");
            if (json_scan_string(cur, &p, &key) != SL_OK)
                return SL_ERROR;
            p = json_ws(p, cur->end);
            if (p >= cur->end || *p != ':')
                return json_syntax(cur, p, "expected ':'");
            p = json_ws(p + 1, cur->end);
        }
        if (json_skip_value(cur, &p, depth) != SL_OK)
            return SL_ERROR;
        p = json_ws(p, cur->end);
        if (p < cur->end && *p == ',') {
            p = json_ws(p + 1, cur->end);
            continue;
        }
        if (p < cur->end && *p == close) {
            *pp = p + 1;
            return SL_OK;
        }
        return json_syntax(cur, p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

/* Validates the value at *pp (no leading whitespace) and moves past it. */
static sl_status json_skip_value(json_cur *cur, const char **pp, int depth)
{
    const char *p = *pp;
    json_str str;
    sl_num num;

    if (p >= cur->end)
        return json_syntax(cur, p, "expected a value");
    switch (*p) {
    case '"':
        return json_scan_string(cur, pp, &str);
    case '{':
    case '[':
        return json_skip_container(cur, pp, depth + 1);
    case 't':
        if (!json_lit(p, cur->end, "true", 4))
            break;
        *pp = p + 4;
        return SL_OK;
    case 'f':
        if (!json_lit(p, cur->end, "false", 5))
            break;
        *pp = p + 5;
        return SL_OK;
    case 'n':
        if (!json_lit(p, cur->end, "null", 4))
            break;
        *pp = p + 4;
        return SL_OK;
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9')) {
            const char *e = sl_num_scan(p, cur->end, &num);
            if (e == NULL)
                return json_syntax(cur, p, "invalid number");
            *pp = e;
            return SL_OK;
        }
        break;
    }
    return json_syntax(cur, p, "expected a value");
}

/* ---- the decoder ---- */

/* One key of an object the decoder looks into: a column, a nested object
 * holding columns, or both (columns "a" and "a.b"). */
typedef struct json_field {
    const char *key;
    int keylen;
    int col;    /* column index, or -1 */
    int child;  /* node index, or -1 */
    bool plain; /* the key needs no escape in JSON: input bytes "key" are it */
} json_field;

typedef struct json_node {
    int nfields;
    int cap;
    json_field *fields;
    int hint; /* where the next key is looked for first: keys usually come in one order */
} json_node;

struct sl_json_decoder {
    sl_mcxt *cx;
    const sl_schema *schema;
    int ncols;
    json_node *nodes;
    int nnodes;
    int64_t ts_unit_us;
    uint8_t *seen; /* per column: set in this row */
};

static int json_node_add(sl_json_decoder *dec)
{
    int cap = dec->nnodes + 1;
    /* Nodes are few (one per distinct object path): grow by one. */
    json_node *nodes = sl_palloc(dec->cx, sizeof(json_node) * (size_t)cap);

    if (dec->nnodes > 0)
        memcpy(nodes, dec->nodes, sizeof(json_node) * (size_t)dec->nnodes);
    memset(&nodes[dec->nnodes], 0, sizeof(json_node));
    dec->nodes = nodes;
    return dec->nnodes++;
}

static json_field *json_node_field(sl_json_decoder *dec, int node, const char *key, int keylen)
{
    json_node *n = &dec->nodes[node];

    for (int i = 0; i < n->nfields; i++)
        if (n->fields[i].keylen == keylen && memcmp(n->fields[i].key, key, (size_t)keylen) == 0)
            return &n->fields[i];
    if (n->nfields == n->cap) {
        int cap = n->cap ? n->cap * 2 : 8;
        json_field *f = sl_palloc(dec->cx, sizeof(json_field) * (size_t)cap);
        if (n->nfields > 0)
            memcpy(f, n->fields, sizeof(json_field) * (size_t)n->nfields);
        n->fields = f;
        n->cap = cap;
    }
    n->fields[n->nfields].key = key;
    n->fields[n->nfields].keylen = keylen;
    n->fields[n->nfields].col = -1;
    n->fields[n->nfields].child = -1;
    n->fields[n->nfields].plain = sl_utf8_valid((const unsigned char *)key, (size_t)keylen);
    for (int i = 0; i < keylen; i++)
        if ((unsigned char)key[i] < 0x20 || key[i] == '"' || key[i] == '\\')
            n->fields[n->nfields].plain = false;
    return &n->fields[n->nfields++];
}

sl_json_decoder *sl_json_decoder_new(sl_mcxt *cx, const sl_schema *schema, const sl_decode_options *opts)
{
    sl_json_decoder *dec = sl_pnew(cx, sl_json_decoder);

    json_tables_init();
    dec->cx = cx;
    dec->schema = schema;
    dec->ncols = schema->ncols;
    dec->ts_unit_us = opts && opts->ts_unit_us > 0 ? opts->ts_unit_us : 1000000;
    dec->seen = sl_pzalloc(cx, (size_t)(schema->ncols > 0 ? schema->ncols : 1));
    json_node_add(dec); /* the root object */
    for (int c = 0; c < schema->ncols; c++) {
        const char *name = schema->names[c];
        int node = 0;

        /* "a.b.c": nodes for a and a.b, the column under c. */
        for (;;) {
            const char *dot = strchr(name, '.');
            json_field *f;

            if (dot == NULL) {
                f = json_node_field(dec, node, name, (int)strlen(name));
                if (f->col < 0) /* a duplicate column name stays NULL */
                    f->col = c;
                break;
            }
            f = json_node_field(dec, node, name, (int)(dot - name));
            if (f->child < 0) {
                int child = json_node_add(dec);
                /* json_node_add moved the nodes: look the field up again. */
                f = json_node_field(dec, node, name, (int)(dot - name));
                f->child = child;
            }
            node = f->child;
            name = dot + 1;
        }
    }
    return dec;
}

typedef struct json_row {
    json_cur cur;
    sl_json_decoder *dec;
    sl_batch *batch;
    int row;
} json_row;

static sl_status json_type_error(json_row *jr, int col, const char *got)
{
    return sl_error_set(jr->cur.err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION,
                        "field \"%s\" is %s, expected a value of type %s", jr->dec->schema->names[col], got,
                        sl_type_name(jr->dec->schema->types[col]));
}

/* Prefixes an error from a value parser with the column it was for. */
static sl_status json_value_error(json_row *jr, int col)
{
    return sl_error_prefix_field(jr->cur.err, jr->dec->schema->names[col]);
}

sl_status sl_error_prefix_field(sl_error *err, const char *name)
{
    char msg[SL_ERROR_MSG_MAX];

    memcpy(msg, err->message, sizeof(msg));
    msg[sizeof(msg) - 1] = '\0';
    /* The value parsers' messages are short; the bound keeps the compiler's
     * truncation check quiet and cannot cut a real message. */
    snprintf(err->message, sizeof(err->message), "field \"%.200s\": %.700s", name, msg);
    return SL_ERROR;
}

/*
 * The common shape of JSON timestamps, "YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z",
 * without sl_parse_timestamp's general machinery (trimming, BC, zones,
 * case-insensitive words: about 6 % of a Kafka JSON query's CPU).  False
 * for anything else, including out-of-range fields, which then take the
 * general parser and its error message: for every text this accepts the
 * result is the one sl_parse_timestamp gives.
 */
static bool json_ts_fast(const char *s, size_t len, int64_t *out)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const unsigned char *u = (const unsigned char *)s;
    int64_t year, month, day, hour, minute, second, frac = 0, scale = 100000;
    size_t i;

    if (len < 20 || len > 27 || u[len - 1] != 'Z' || u[4] != '-' || u[7] != '-' || u[10] != 'T' ||
        u[13] != ':' || u[16] != ':')
        return false;
    for (i = 0; i < 19; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (unsigned)(u[i] - '0') > 9)
            return false;
#define D2(k) ((int64_t)(u[k] - '0') * 10 + (u[(k) + 1] - '0'))
    year = D2(0) * 100 + D2(2);
    month = D2(5);
    day = D2(8);
    hour = D2(11);
    minute = D2(14);
    second = D2(17);
#undef D2
    if (len > 20) { /* ".f" to ".ffffff" before the Z */
        if (u[19] != '.' || len == 21)
            return false;
        for (i = 20; i < len - 1; i++) {
            if ((unsigned)(u[i] - '0') > 9)
                return false;
            frac += (u[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (month < 1 || month > 12 || day < 1 ||
        day > mdays[month - 1] + (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) ||
        hour > 23 || minute > 59 || second > 59)
        return false; /* includes 24:00:00 and leap seconds: the general parser decides */
    *out = sl_days_from_civil(year, (int)month, (int)day) * INT64_C(86400000000) +
           hour * INT64_C(3600000000) + minute * INT64_C(60000000) + second * INT64_C(1000000) + frac;
    return true;
}

/* Decodes the value at *pp into column col of the row. */
static sl_status json_leaf(json_row *jr, int col, const char **pp, int depth)
{
    const char *p = *pp;
    const char *end = jr->cur.end;
    sl_vector *v = &jr->batch->cols[col];
    int row = jr->row;

    jr->dec->seen[col] = 1;
    if (p >= end)
        return json_syntax(&jr->cur, p, "expected a value");
    switch (*p) {
    case 'n':
        if (!json_lit(p, end, "null", 4))
            return json_syntax(&jr->cur, p, "expected a value");
        *pp = p + 4;
        v->nulls[row] = 1;
        return SL_OK;
    case 't':
    case 'f': {
        bool b = *p == 't';
        size_t n = b ? 4 : 5;
        if (!json_lit(p, end, b ? "true" : "false", n))
            return json_syntax(&jr->cur, p, "expected a value");
        if (v->type != SL_TYPE_BOOL)
            return json_type_error(jr, col, "a boolean");
        *pp = p + n;
        v->v.b[row] = b;
        v->nulls[row] = 0;
        return SL_OK;
    }
    case '"': {
        json_str str;
        char tmp[SL_VALUE_TEXT_MAX * 2];
        const char *s;
        size_t len;
        bool has_nul = false;
        sl_status st;

        if (json_scan_string(&jr->cur, pp, &str) != SL_OK)
            return SL_ERROR;
        if (v->type == SL_TYPE_TEXT) {
            if (str.len > INT32_MAX)
                return sl_error_set(jr->cur.err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                                    "field \"%s\": string too long", jr->dec->schema->names[col]);
            if (!str.escaped) {
                v->v.text[row] = sl_batch_text(jr->batch, str.s, (int32_t)str.len);
            } else {
                char *d = sl_palloc(jr->batch->cx, str.len + 1);
                len = json_unescape(&str, d, &has_nul);
                if (has_nul)
                    return sl_error_set(jr->cur.err, SL_ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
                                        "field \"%s\": \\u0000 cannot be stored in text",
                                        jr->dec->schema->names[col]);
                d[len] = '\0';
                v->v.text[row].ptr = d;
                v->v.text[row].len = (int32_t)len;
            }
            v->nulls[row] = 0;
            return SL_OK;
        }
        if (v->type != SL_TYPE_TIMESTAMP && v->type != SL_TYPE_INTERVAL)
            return json_type_error(jr, col, "a string");
        s = str.s;
        len = str.len;
        if (str.escaped) {
            /* Escapes in a timestamp are odd but legal JSON: unescape into
             * tmp; longer texts are no valid timestamp anyway. */
            if (str.len >= sizeof(tmp))
                len = 0, s = "";
            else
                len = json_unescape(&str, tmp, &has_nul), s = tmp;
        }
        if (len > INT32_MAX)
            len = INT32_MAX;
        if (v->type == SL_TYPE_TIMESTAMP && !str.escaped && json_ts_fast(s, len, &v->v.i64[row]))
            st = SL_OK;
        else if (v->type == SL_TYPE_TIMESTAMP)
            st = sl_parse_timestamp(s, (int32_t)len, &v->v.i64[row], jr->cur.err);
        else
            st = sl_parse_interval(s, (int32_t)len, &v->v.i64[row], jr->cur.err);
        if (st != SL_OK)
            return json_value_error(jr, col);
        v->nulls[row] = 0;
        return SL_OK;
    }
    case '{':
    case '[':
        if (json_skip_container(&jr->cur, pp, depth + 1) != SL_OK)
            return SL_ERROR;
        return json_type_error(jr, col, *p == '{' ? "an object" : "an array");
    default: {
        sl_num num;
        const char *e;

        if (*p != '-' && (*p < '0' || *p > '9'))
            return json_syntax(&jr->cur, p, "expected a value");
        e = sl_num_scan(p, end, &num);
        if (e == NULL)
            return json_syntax(&jr->cur, p, "invalid number");
        *pp = e;
        switch (v->type) {
        case SL_TYPE_DOUBLE:
            if (!sl_num_to_double(&num, &v->v.f64[row]))
                return sl_error_set(jr->cur.err, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
                                    "field \"%s\": number %.*s is out of range for type double",
                                    jr->dec->schema->names[col], (int)(e - p > 64 ? 64 : e - p), p);
            break;
        case SL_TYPE_BIGINT:
            if (!num.is_int)
                return sl_error_set(jr->cur.err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION,
                                    "field \"%s\": number %.*s is not an integer",
                                    jr->dec->schema->names[col], (int)(e - p > 64 ? 64 : e - p), p);
            if (!sl_num_to_int64(&num, &v->v.i64[row]))
                return sl_error_set(jr->cur.err, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
                                    "field \"%s\": number %.*s is out of range for type bigint",
                                    jr->dec->schema->names[col], (int)(e - p > 64 ? 64 : e - p), p);
            break;
        case SL_TYPE_TIMESTAMP:
            if (!sl_num_to_timestamp(&num, jr->dec->ts_unit_us, &v->v.i64[row]))
                return sl_error_set(jr->cur.err, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
                                    "field \"%s\": epoch %.*s is out of range for type timestamp",
                                    jr->dec->schema->names[col], (int)(e - p > 64 ? 64 : e - p), p);
            break;
        default:
            return json_type_error(jr, col, "a number");
        }
        v->nulls[row] = 0;
        return SL_OK;
    }
    }
}

/* memcmp for the short keys of JSON objects: inline, since the call showed
 * in profiles (every key of every row is compared at least once). */
static inline bool json_key_eq(const char *a, const char *b, size_t n)
{
    while (n >= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return false;
        a += 8, b += 8, n -= 8;
    }
    while (n > 0) {
        if (*a++ != *b++)
            return false;
        n--;
    }
    return true;
}

/* Decodes the members of the object at *pp ('{') whose keys node knows. */
static sl_status json_object(json_row *jr, int node_ix, const char **pp, int depth)
{
    const char *p = *pp;
    const char *end = jr->cur.end;
    sl_json_decoder *dec = jr->dec;

    if (depth > JSON_MAX_DEPTH)
        return json_syntax(&jr->cur, p, "nesting too deep");
    p = json_ws(p + 1, end);
    if (p < end && *p == '}') {
        *pp = p + 1;
        return SL_OK;
    }
    for (;;) {
        json_str key;
        json_field *f = NULL;
        json_node *node = &dec->nodes[node_ix];

        if (p >= end || *p != '"')
            return json_syntax(&jr->cur, p, "expected a string key");
        /* Keys usually come in the order of the last row: when the bytes
         * after the quote are the expected key and its closing quote, that
         * is the key (a plain key is its own JSON text), with no scan of
         * the string and no search. */
        if (node->nfields > 0) {
            json_field *cand = &node->fields[node->hint];
            if (cand->plain && end - p >= cand->keylen + 2 && p[cand->keylen + 1] == '"' &&
                json_key_eq(p + 1, cand->key, (size_t)cand->keylen)) {
                f = cand;
                node->hint = node->hint + 1 < node->nfields ? node->hint + 1 : 0;
                p += cand->keylen + 2;
            }
        }
        if (f == NULL && json_scan_string(&jr->cur, &p, &key) != SL_OK)
            return SL_ERROR;
        p = json_ws(p, end);
        if (p >= end || *p != ':')
            return json_syntax(&jr->cur, p, "expected ':'");
        p = json_ws(p + 1, end);

        if (f == NULL) {
            const char *k = key.s;
            size_t klen = key.len;
            char kbuf[256];
            bool has_nul;

            if (key.escaped) {
                /* Rare: compare the unescaped key.  Keys longer than any
                 * sane column name cannot match and are only validated. */
                if (key.len < sizeof(kbuf)) {
                    klen = json_unescape(&key, kbuf, &has_nul);
                    k = kbuf;
                } else {
                    klen = 0;
                    k = NULL;
                }
            }
            if (k != NULL) {
                int n = node->nfields;
                int h = node->hint;
                for (int i = 0; i < n; i++) {
                    json_field *cand = &node->fields[h];
                    /* Length and first byte first: most misses end there
                     * without a call. */
                    if ((size_t)cand->keylen == klen && (klen == 0 || cand->key[0] == k[0]) &&
                        json_key_eq(cand->key, k, klen)) {
                        f = cand;
                        node->hint = h + 1 < n ? h + 1 : 0;
                        break;
                    }
                    if (++h == n)
                        h = 0;
                }
            }
        }

        if (f == NULL) {
            if (json_skip_value(&jr->cur, &p, depth) != SL_OK)
                return SL_ERROR;
        } else if (f->child >= 0 && p < end && *p == '{') {
            if (f->col >= 0) {
                dec->seen[f->col] = 1;
                if (json_object(jr, f->child, &p, depth + 1) != SL_OK)
                    return SL_ERROR;
                return json_type_error(jr, f->col, "an object");
            }
            if (json_object(jr, f->child, &p, depth + 1) != SL_OK)
                return SL_ERROR;
        } else if (f->col >= 0) {
            if (json_leaf(jr, f->col, &p, depth) != SL_OK)
                return SL_ERROR;
        } else {
            /* A path through something that is not an object: the columns
             * below stay missing (NULL). */
            if (json_skip_value(&jr->cur, &p, depth) != SL_OK)
                return SL_ERROR;
        }

        p = json_ws(p, end);
        if (p < end && *p == ',') {
            p = json_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}') {
            *pp = p + 1;
            return SL_OK;
        }
        return json_syntax(&jr->cur, p, "expected ',' or '}'");
    }
}

sl_status sl_json_decode_line(sl_json_decoder *dec, const char *p, size_t len, sl_batch *batch,
                              sl_error *row_err)
{
    json_row jr;
    const char *end = p + len;
    int ncols = dec->ncols;

    jr.cur.begin = p;
    jr.cur.end = end;
    jr.cur.err = row_err;
    jr.dec = dec;
    jr.batch = batch;
    jr.row = batch->nrows;
    if (jr.row >= batch->capacity)
        return sl_error_set(row_err, SL_ERRCODE_INTERNAL_ERROR, "batch is full");
    memset(dec->seen, 0, (size_t)ncols);

    p = json_ws(p, end);
    if (p >= end || *p != '{')
        return json_syntax(&jr.cur, p, p >= end ? "expected an object" : "expected '{'");
    if (json_object(&jr, 0, &p, 1) != SL_OK)
        return SL_ERROR;
    p = json_ws(p, end);
    if (p != end)
        return json_syntax(&jr.cur, p, "unexpected text after the object");
    for (int c = 0; c < ncols; c++)
        if (!dec->seen[c])
            batch->cols[c].nulls[jr.row] = 1;
    batch->nrows++;
    return SL_OK;
}

/* ---- the encoder ---- */

struct sl_json_encoder {
    const sl_schema *schema;
    const char **prefix; /* per column: '{"name":' or ',"name":', escaped */
    int *prefix_len;
};

/* Appends s as a JSON string (with quotes), escaping what JSON requires.
 * Invalid UTF-8 is passed through byte by byte replaced with U+FFFD so
 * the output is always valid JSON. */
void sl_json_put_string(sl_buf *out, const char *s, size_t len)
{
    static const char hexd[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + len;
    char *d;

    json_tables_init();
    sl_buf_reserve(out, len * 6 + 2);
    d = out->data + out->len;
    *d++ = '"';
    while (p < end) {
        unsigned c = *p;
        switch (json_str_class[c]) {
        case 0:
            *d++ = (char)c;
            p++;
            break;
        case 1:
        case 2:
            *d++ = '\\';
            *d++ = (char)c;
            p++;
            break;
        case 3:
            *d++ = '\\';
            switch (c) {
            case '\n':
                *d++ = 'n';
                break;
            case '\r':
                *d++ = 'r';
                break;
            case '\t':
                *d++ = 't';
                break;
            case '\b':
                *d++ = 'b';
                break;
            case '\f':
                *d++ = 'f';
                break;
            default:
                *d++ = 'u';
                *d++ = '0';
                *d++ = '0';
                *d++ = hexd[c >> 4];
                *d++ = hexd[c & 15];
                break;
            }
            p++;
            break;
        default: {
            int n = sl_utf8_seq_len(p, end);
            if (n == 0) {
                memcpy(d, "\xEF\xBF\xBD", 3);
                d += 3;
                p++;
            } else {
                memcpy(d, p, (size_t)n);
                d += n;
                p += n;
            }
            break;
        }
        }
    }
    *d++ = '"';
    out->len = (size_t)(d - out->data);
}

sl_json_encoder *sl_json_encoder_new(sl_mcxt *cx, const sl_schema *schema)
{
    sl_json_encoder *enc = sl_pnew(cx, sl_json_encoder);
    int n = schema->ncols > 0 ? schema->ncols : 1;

    enc->schema = schema;
    enc->prefix = sl_palloc(cx, sizeof(char *) * (size_t)n);
    enc->prefix_len = sl_palloc(cx, sizeof(int) * (size_t)n);
    for (int c = 0; c < schema->ncols; c++) {
        sl_buf b;
        sl_buf_init(&b);
        sl_buf_append(&b, c == 0 ? "{" : ",", 1);
        sl_json_put_string(&b, schema->names[c], strlen(schema->names[c]));
        sl_buf_append(&b, ":", 1);
        enc->prefix[c] = sl_pstrndup(cx, b.data, b.len);
        enc->prefix_len[c] = (int)b.len;
        sl_buf_free(&b);
    }
    return enc;
}

void sl_json_encode_row(const sl_json_encoder *enc, const sl_batch *batch, int row, sl_buf *out)
{
    const sl_schema *schema = enc->schema;
    char tmp[SL_VALUE_TEXT_MAX + 2];
    int n;

    if (schema->ncols == 0) {
        sl_buf_append(out, "{}", 2);
        return;
    }
    for (int c = 0; c < schema->ncols; c++) {
        const sl_vector *v = &batch->cols[c];

        sl_buf_append(out, enc->prefix[c], (size_t)enc->prefix_len[c]);
        if (v->nulls[row]) {
            sl_buf_append(out, "null", 4);
            continue;
        }
        switch (v->type) {
        case SL_TYPE_BOOL:
            if (v->v.b[row])
                sl_buf_append(out, "true", 4);
            else
                sl_buf_append(out, "false", 5);
            break;
        case SL_TYPE_BIGINT:
            n = sl_format_bigint(v->v.i64[row], tmp);
            sl_buf_append(out, tmp, (size_t)n);
            break;
        case SL_TYPE_DOUBLE:
            if (!isfinite(v->v.f64[row])) {
                sl_buf_append(out, "null", 4);
                break;
            }
            n = sl_format_double_fast(v->v.f64[row], tmp);
            sl_buf_append(out, tmp, (size_t)n);
            break;
        case SL_TYPE_TEXT:
            sl_json_put_string(out, v->v.text[row].ptr, (size_t)v->v.text[row].len);
            break;
        case SL_TYPE_TIMESTAMP:
            n = sl_format_iso_timestamp(v->v.i64[row], tmp);
            sl_json_put_string(out, tmp, (size_t)n);
            break;
        case SL_TYPE_INTERVAL:
            n = sl_format_interval(v->v.i64[row], tmp);
            sl_json_put_string(out, tmp, (size_t)n);
            break;
        case SL_TYPE_UNKNOWN:
            sl_buf_append(out, "null", 4);
            break;
        }
    }
    sl_buf_append(out, "}", 1);
}

void sl_json_encode_batch(const sl_json_encoder *enc, const sl_batch *batch, sl_buf *out)
{
    for (int r = 0; r < batch->nrows; r++) {
        sl_json_encode_row(enc, batch, r, out);
        sl_buf_append(out, "\n", 1);
    }
}
