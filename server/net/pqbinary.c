/*
 * pqbinary.c - PostgreSQL's binary formats of values, from and to their text (see pqbinary.h).
 *
 * Integers and floats are big-endian; timestamps microseconds since
 * 2000-01-01 and dates days since then; intervals (microseconds, days,
 * months); numeric base-10000 digits with a weight and a display scale;
 * arrays a header (dimensions, has-nulls, element type, size, lower bound)
 * and length-prefixed elements.
 */
#include "server/net/pqbinary.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/net/dest.h"
#include "server/net/protocol.h"
#include "sluice/errcodes.h"

/* Microseconds from 1970-01-01 (sluice's epoch) to 2000-01-01 (PostgreSQL's). */
#define PG_EPOCH_US   INT64_C(946684800000000)
#define PG_EPOCH_DAYS 10957
#define DAY_US        INT64_C(86400000000)

#define NUMERIC_NEG 0x4000
#define NUMERIC_NAN 0xC000

/* The element type of an array type, 0 when oid is not one. */
static uint32_t array_element(uint32_t oid)
{
    switch (oid) {
    case 1000:
        return SL_OID_BOOL;
    case 1001:
        return SL_OID_BYTEA;
    case 1002:
        return SL_OID_CHAR;
    case 1003:
        return SL_OID_NAME;
    case 1005:
    case SL_OID_INT2VECTOR:
        return SL_OID_INT2;
    case 1007:
        return SL_OID_INT4;
    case 1009:
        return SL_OID_TEXT;
    case 1014:
        return SL_OID_BPCHAR;
    case 1015:
        return SL_OID_VARCHAR;
    case 1016:
        return SL_OID_INT8;
    case 1021:
        return SL_OID_FLOAT4;
    case 1022:
        return SL_OID_FLOAT8;
    case 1028:
    case SL_OID_OIDVECTOR:
        return SL_OID_OID;
    case 1115:
        return SL_OID_TIMESTAMP;
    case 1182:
        return SL_OID_DATE;
    case 1183:
        return SL_OID_TIME;
    case 1185:
        return SL_OID_TIMESTAMPTZ;
    case 1187:
        return SL_OID_INTERVAL;
    case 1231:
        return SL_OID_NUMERIC;
    case 199:
        return SL_OID_JSON;
    case 2951:
        return SL_OID_UUID;
    case 3807:
        return SL_OID_JSONB;
    default:
        return 0;
    }
}

static bool scalar_supported(uint32_t oid)
{
    switch (oid) {
    case SL_OID_BOOL:
    case SL_OID_BYTEA:
    case SL_OID_CHAR:
    case SL_OID_NAME:
    case SL_OID_INT8:
    case SL_OID_INT2:
    case SL_OID_INT4:
    case SL_OID_REGPROC:
    case SL_OID_TEXT:
    case SL_OID_OID:
    case SL_OID_JSON:
    case SL_OID_FLOAT4:
    case SL_OID_FLOAT8:
    case SL_OID_UNKNOWN:
    case SL_OID_BPCHAR:
    case SL_OID_VARCHAR:
    case SL_OID_DATE:
    case SL_OID_TIME:
    case SL_OID_TIMESTAMP:
    case SL_OID_TIMESTAMPTZ:
    case SL_OID_INTERVAL:
    case SL_OID_NUMERIC:
    case SL_OID_REGCLASS:
    case SL_OID_REGTYPE:
    case SL_OID_UUID:
    case SL_OID_JSONB:
        return true;
    default:
        return false;
    }
}

bool sl_pqbin_supported(uint32_t oid)
{
    return scalar_supported(oid) || array_element(oid) != 0;
}

sl_type sl_pq_oid_type(uint32_t oid)
{
    switch (oid) {
    case 0:
    case SL_OID_UNKNOWN:
        return SL_TYPE_UNKNOWN;
    case SL_OID_BOOL:
        return SL_TYPE_BOOL;
    case SL_OID_INT2:
    case SL_OID_INT4:
    case SL_OID_INT8:
    case SL_OID_OID:
        return SL_TYPE_BIGINT;
    case SL_OID_FLOAT4:
    case SL_OID_FLOAT8:
    case SL_OID_NUMERIC:
        return SL_TYPE_DOUBLE;
    case SL_OID_DATE:
    case SL_OID_TIMESTAMP:
    case SL_OID_TIMESTAMPTZ:
        return SL_TYPE_TIMESTAMP;
    case SL_OID_INTERVAL:
        return SL_TYPE_INTERVAL;
    default:
        return SL_TYPE_TEXT;
    }
}

sl_status sl_pq_check_text(uint32_t oid, const char *text, sl_error *err)
{
    int32_t len = (int32_t)strlen(text);
    int64_t i;
    double d;
    bool b;

    switch (sl_pq_oid_type(oid)) {
    case SL_TYPE_BOOL:
        return sl_parse_bool(text, len, &b, err);
    case SL_TYPE_BIGINT:
        if (sl_parse_bigint(text, len, &i, err) != SL_OK)
            return SL_ERROR;
        if ((oid == SL_OID_INT4 && (i < INT32_MIN || i > INT32_MAX)) ||
            (oid == SL_OID_INT2 && (i < INT16_MIN || i > INT16_MAX)) ||
            (oid == SL_OID_OID && (i < 0 || i > UINT32_MAX)))
            return sl_error_set(err, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
                                "value \"%s\" is out of range for type %s", text,
                                oid == SL_OID_INT4   ? "integer"
                                : oid == SL_OID_INT2 ? "smallint"
                                                     : "oid");
        return SL_OK;
    case SL_TYPE_DOUBLE:
        return sl_parse_double(text, len, &d, err);
    case SL_TYPE_TIMESTAMP:
        return sl_parse_timestamp(text, len, &i, err);
    case SL_TYPE_INTERVAL:
        return sl_parse_interval(text, len, &i, err);
    default:
        return SL_OK;
    }
}

/* ---- text -> binary ---- */

static sl_status bad_text(uint32_t oid, const char *text, sl_error *err)
{
    return sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION,
                        "invalid input syntax for type with OID %u: \"%.60s\"", (unsigned)oid, text);
}

static void put_int64(sl_buf *out, int64_t v)
{
    sl_pq_put_int32(out, (int32_t)(uint32_t)((uint64_t)v >> 32));
    sl_pq_put_int32(out, (int32_t)(uint32_t)((uint64_t)v & 0xffffffffu));
}

static bool parse_int(const char *text, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int floor_div4(int a)
{
    return a / 4 - (a % 4 != 0 && a < 0);
}

/* numeric text ("-12.50", "1e-3", "NaN") as PostgreSQL's base-10000 digits. */
static sl_status encode_numeric(const char *text, sl_buf *out, sl_error *err)
{
    char digits[1100];
    int nd = 0, point = -1, exp10 = 0, dscale, sign = 0;
    const char *p = text;
    int16_t groups[300];
    int ng = 0, weight, first, last;

    if (strcasecmp(text, "nan") == 0) {
        sl_pq_put_int16(out, 0);
        sl_pq_put_int16(out, 0);
        sl_pq_put_int16(out, (int16_t)NUMERIC_NAN);
        sl_pq_put_int16(out, 0);
        return SL_OK;
    }
    if (*p == '-' || *p == '+')
        sign = *p++ == '-' ? NUMERIC_NEG : 0;
    for (; *p != '\0' && *p != 'e' && *p != 'E'; p++) {
        if (*p == '.' && point < 0)
            point = nd;
        else if (isdigit((unsigned char)*p) && nd < (int)sizeof(digits) - 8)
            digits[nd++] = *p;
        else
            return bad_text(SL_OID_NUMERIC, text, err);
    }
    if (nd == 0)
        return bad_text(SL_OID_NUMERIC, text, err);
    if (*p != '\0') {
        int64_t e;
        if (!parse_int(p + 1, -400, 400, &e))
            return bad_text(SL_OID_NUMERIC, text, err);
        exp10 = (int)e;
    }
    if (point < 0)
        point = nd;
    point += exp10; /* digits[0..point) is the integer part */
    dscale = nd - point > 0 ? nd - point : 0;
    /* Groups of four digits aligned on the decimal point: the first starts
     * at pos <= 0 with point - pos a multiple of 4. */
    {
        int k = -floor_div4(-point); /* ceil(point / 4) */
        int pos = point - 4 * k;
        weight = k - 1;
        for (; pos < nd && ng < (int)(sizeof(groups) / sizeof(groups[0])); pos += 4) {
            int g = 0;
            for (int j = 0; j < 4; j++) {
                int i = pos + j;
                g = g * 10 + (i >= 0 && i < nd ? digits[i] - '0' : 0);
            }
            groups[ng++] = (int16_t)g;
        }
    }
    first = 0;
    while (first < ng && groups[first] == 0) {
        first++;
        weight--;
    }
    last = ng;
    while (last > first && groups[last - 1] == 0)
        last--;
    if (first == last) {
        weight = 0;
        sign = 0;
    }
    sl_pq_put_int16(out, (int16_t)(last - first));
    sl_pq_put_int16(out, (int16_t)weight);
    sl_pq_put_int16(out, (int16_t)sign);
    sl_pq_put_int16(out, (int16_t)dscale);
    for (int i = first; i < last; i++)
        sl_pq_put_int16(out, groups[i]);
    return SL_OK;
}

static sl_status encode_uuid(const char *text, sl_buf *out, sl_error *err)
{
    unsigned char b[16];
    int n = 0;

    for (const char *p = text; *p != '\0'; p++) {
        int hi, lo;
        if (*p == '-' || *p == '{' || *p == '}')
            continue;
        hi = sl_hex_digit(p[0]);
        lo = p[1] != '\0' ? sl_hex_digit(p[1]) : -1;
        if (hi < 0 || lo < 0 || n == 16)
            return bad_text(SL_OID_UUID, text, err);
        b[n++] = (unsigned char)(hi * 16 + lo);
        p++;
    }
    if (n != 16)
        return bad_text(SL_OID_UUID, text, err);
    sl_buf_append(out, b, 16);
    return SL_OK;
}

static sl_status encode_bytea(const char *text, sl_buf *out, sl_error *err)
{
    if (text[0] == '\\' && text[1] == 'x') {
        for (const char *p = text + 2; *p != '\0'; p += 2) {
            int hi = sl_hex_digit(p[0]), lo = p[1] != '\0' ? sl_hex_digit(p[1]) : -1;
            unsigned char c;
            if (hi < 0 || lo < 0)
                return bad_text(SL_OID_BYTEA, text, err);
            c = (unsigned char)(hi * 16 + lo);
            sl_buf_append(out, &c, 1);
        }
        return SL_OK;
    }
    sl_buf_append(out, text, strlen(text));
    return SL_OK;
}

static sl_status encode_time_of_day(const char *text, sl_buf *out, sl_error *err)
{
    int h, m;
    double s = 0;
    int n = sscanf(text, "%d:%d:%lf", &h, &m, &s);

    if (n < 2 || h < 0 || h > 24 || m < 0 || m > 59 || s < 0 || s >= 61)
        return bad_text(SL_OID_TIME, text, err);
    put_int64(out, ((int64_t)h * 3600 + m * 60) * 1000000 + (int64_t)llround(s * 1e6));
    return SL_OK;
}

static sl_status encode_array(uint32_t oid, const char *text, sl_buf *out, sl_error *err);

static sl_status encode_scalar(uint32_t oid, const char *text, sl_buf *out, sl_error *err)
{
    int64_t i;
    size_t len = strlen(text);

    switch (oid) {
    case SL_OID_BOOL: {
        bool b;
        if (!sl_bool_word(text, len, &b))
            return bad_text(oid, text, err);
        sl_pq_put_byte(out, b ? 1 : 0);
        return SL_OK;
    }
    case SL_OID_INT2:
        if (!parse_int(text, INT16_MIN, INT16_MAX, &i))
            return bad_text(oid, text, err);
        sl_pq_put_int16(out, (int16_t)i);
        return SL_OK;
    case SL_OID_INT4:
        if (!parse_int(text, INT32_MIN, INT32_MAX, &i))
            return bad_text(oid, text, err);
        sl_pq_put_int32(out, (int32_t)i);
        return SL_OK;
    case SL_OID_OID:
    case SL_OID_REGPROC:
    case SL_OID_REGCLASS:
    case SL_OID_REGTYPE:
        if (!parse_int(text, 0, UINT32_MAX, &i))
            return bad_text(oid, text, err);
        sl_pq_put_int32(out, (int32_t)(uint32_t)i);
        return SL_OK;
    case SL_OID_INT8:
        if (!parse_int(text, INT64_MIN, INT64_MAX, &i))
            return bad_text(oid, text, err);
        put_int64(out, i);
        return SL_OK;
    case SL_OID_FLOAT4:
    case SL_OID_FLOAT8: {
        char *end;
        double d = strtod(text, &end);
        if (end == text || *end != '\0')
            return bad_text(oid, text, err);
        if (oid == SL_OID_FLOAT4) {
            float f = (float)d;
            uint32_t u;
            memcpy(&u, &f, 4);
            sl_pq_put_int32(out, (int32_t)u);
        } else {
            uint64_t u;
            memcpy(&u, &d, 8);
            put_int64(out, (int64_t)u);
        }
        return SL_OK;
    }
    case SL_OID_NUMERIC:
        return encode_numeric(text, out, err);
    case SL_OID_CHAR:
        sl_buf_append(out, text, len > 0 ? 1 : 0);
        return SL_OK;
    case SL_OID_BYTEA:
        return encode_bytea(text, out, err);
    case SL_OID_JSONB:
        sl_pq_put_byte(out, 1); /* jsonb's binary format version */
        sl_buf_append(out, text, len);
        return SL_OK;
    case SL_OID_UUID:
        return encode_uuid(text, out, err);
    case SL_OID_TIME:
        return encode_time_of_day(text, out, err);
    case SL_OID_DATE:
    case SL_OID_TIMESTAMP:
    case SL_OID_TIMESTAMPTZ: {
        int64_t us;
        if (sl_parse_timestamp(text, (int32_t)len, &us, err) != SL_OK)
            return SL_ERROR;
        if (oid == SL_OID_DATE) {
            int64_t days = us / DAY_US - (us % DAY_US < 0 ? 1 : 0);
            sl_pq_put_int32(out, (int32_t)(days - PG_EPOCH_DAYS));
        } else
            put_int64(out, us - PG_EPOCH_US);
        return SL_OK;
    }
    case SL_OID_INTERVAL: {
        int64_t us, days;
        if (sl_parse_interval(text, (int32_t)len, &us, err) != SL_OK)
            return SL_ERROR;
        days = us / DAY_US; /* whole days apart, as PostgreSQL keeps them */
        put_int64(out, us - days * DAY_US);
        sl_pq_put_int32(out, (int32_t)days);
        sl_pq_put_int32(out, 0);
        return SL_OK;
    }
    default:
        if (scalar_supported(oid)) { /* the text types */
            sl_buf_append(out, text, len);
            return SL_OK;
        }
        if (array_element(oid) != 0)
            return encode_array(oid, text, out, err);
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                            "no binary output function available for type with OID %u", (unsigned)oid);
    }
}

/* The next element of an array's text at *p ("a", "\"b c\"", NULL) into buf;
 * *is_null for an unquoted NULL.  False at malformed text. */
static bool array_item(const char **p, char sep, sl_buf *buf, bool *is_null)
{
    const char *s = *p;

    buf->len = 0;
    *is_null = false;
    if (*s == '"') {
        for (s++; *s != '"'; s++) {
            if (*s == '\0')
                return false;
            if (*s == '\\' && s[1] != '\0')
                s++;
            sl_buf_append(buf, s, 1);
        }
        s++;
    } else {
        while (*s != '\0' && *s != sep && *s != '}') {
            if (*s == '{' || *s == '"')
                return false;
            sl_buf_append(buf, s, 1);
            s++;
        }
        while (buf->len > 0 && buf->data[buf->len - 1] == ' ')
            buf->len--;
        *is_null = buf->len == 4 && strncasecmp(buf->data, "NULL", 4) == 0;
    }
    sl_buf_append(buf, "", 1);
    buf->len--;
    *p = s;
    return true;
}

static sl_status encode_array(uint32_t oid, const char *text, sl_buf *out, sl_error *err)
{
    uint32_t elem = array_element(oid);
    bool vector = oid == SL_OID_INT2VECTOR || oid == SL_OID_OIDVECTOR;
    char sep = vector ? ' ' : ',';
    const char *p = text;
    size_t header = out->len, count_at;
    int count = 0;
    bool has_null = false;
    sl_buf item;
    sl_status st = SL_OK;

    while (*p == ' ')
        p++;
    if (!vector) {
        if (*p != '{')
            return bad_text(oid, text, err);
        p++;
    }
    /* Header now, counts patched in when known. */
    sl_pq_put_int32(out, 1);
    sl_pq_put_int32(out, 0);
    sl_pq_put_int32(out, (int32_t)elem);
    count_at = out->len;
    sl_pq_put_int32(out, 0);
    sl_pq_put_int32(out, vector ? 0 : 1);
    sl_buf_init(&item);
    while (*p != '\0' && *p != '}') {
        bool is_null;
        size_t len_at;
        while (*p == ' ' && !vector)
            p++;
        if (vector && *p == ' ') {
            p++;
            continue;
        }
        if (!array_item(&p, sep, &item, &is_null)) {
            st = bad_text(oid, text, err);
            break;
        }
        count++;
        len_at = out->len;
        if (is_null) {
            has_null = true;
            sl_pq_put_int32(out, -1);
        } else {
            sl_pq_put_int32(out, 0);
            if (encode_scalar(elem, item.data, out, err) != SL_OK) {
                st = SL_ERROR;
                break;
            }
            uint32_t n = (uint32_t)(out->len - len_at - 4);
            unsigned char be[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                                   (unsigned char)(n >> 8), (unsigned char)n};
            memcpy(out->data + len_at, be, 4);
        }
        while (*p == ' ' && !vector)
            p++;
        if (*p == sep && !vector)
            p++;
    }
    sl_buf_free(&item);
    if (st != SL_OK) {
        out->len = header;
        return SL_ERROR;
    }
    if (count == 0) {
        /* An empty array has no dimensions. */
        out->len = header;
        sl_pq_put_int32(out, 0);
        sl_pq_put_int32(out, 0);
        sl_pq_put_int32(out, (int32_t)elem);
        return SL_OK;
    }
    {
        unsigned char be[4] = {0, 0, 0, has_null ? 1 : 0};
        memcpy(out->data + header + 4, be, 4);
        be[0] = (unsigned char)((unsigned)count >> 24);
        be[1] = (unsigned char)((unsigned)count >> 16);
        be[2] = (unsigned char)((unsigned)count >> 8);
        be[3] = (unsigned char)count;
        memcpy(out->data + count_at, be, 4);
    }
    return SL_OK;
}

sl_status sl_pqbin_encode(uint32_t oid, const char *text, sl_buf *out, sl_error *err)
{
    size_t at = out->len;

    if (encode_scalar(oid, text, out, err) != SL_OK) {
        out->len = at;
        return SL_ERROR;
    }
    return SL_OK;
}

/* ---- binary -> text ---- */

static sl_status bad_binary(sl_error *err)
{
    return sl_error_set(err, SL_ERRCODE_INVALID_BINARY_REPRESENTATION, "incorrect binary data format");
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static sl_status decode_numeric(const unsigned char *d, int len, sl_buf *out, sl_error *err)
{
    int ndigits, weight, sign, dscale;

    if (len < 8)
        return bad_binary(err);
    ndigits = (int16_t)(d[0] << 8 | d[1]);
    weight = (int16_t)(d[2] << 8 | d[3]);
    sign = d[4] << 8 | d[5];
    dscale = d[6] << 8 | d[7];
    if (ndigits < 0 || len != 8 + 2 * ndigits || dscale > 1000 || weight > 1000 || weight < -1000)
        return bad_binary(err);
    if (sign == NUMERIC_NAN) {
        sl_buf_puts(out, "NaN");
        return SL_OK;
    }
    if (sign == NUMERIC_NEG)
        sl_buf_puts(out, "-");
    else if (sign != 0)
        return bad_binary(err);
    /* Integer part: groups 0..weight. */
    if (weight < 0)
        sl_buf_puts(out, "0");
    for (int g = 0; g <= weight; g++) {
        int v = g < ndigits ? (d[8 + 2 * g] << 8 | d[9 + 2 * g]) : 0;
        if (v > 9999)
            return bad_binary(err);
        sl_buf_printf(out, g == 0 ? "%d" : "%04d", v);
    }
    if (dscale > 0) {
        sl_buf_puts(out, ".");
        for (int k = 0; k < dscale; k++) {
            int g = weight + 1 + k / 4; /* the group holding this fraction digit */
            int v = g >= 0 && g < ndigits ? (d[8 + 2 * g] << 8 | d[9 + 2 * g]) : 0;
            static const int div[4] = {1000, 100, 10, 1};
            sl_buf_printf(out, "%d", (v / div[k % 4]) % 10);
        }
    }
    return SL_OK;
}

static sl_status decode_scalar(uint32_t oid, const unsigned char *d, int len, sl_buf *out, sl_error *err);

static sl_status decode_array(uint32_t oid, const unsigned char *d, int len, sl_buf *out, sl_error *err)
{
    uint32_t elem = array_element(oid);
    int32_t ndim, count;
    const unsigned char *p, *end = d + len;

    if (len < 12)
        return bad_binary(err);
    ndim = (int32_t)be32(d);
    if (be32(d + 8) != elem && !(elem == SL_OID_TEXT || elem == SL_OID_VARCHAR))
        return bad_binary(err);
    if (ndim == 0) {
        sl_buf_puts(out, "{}");
        return SL_OK;
    }
    if (ndim != 1 || len < 20)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                            "only one-dimensional arrays are supported");
    count = (int32_t)be32(d + 12);
    if (count < 0)
        return bad_binary(err);
    p = d + 20;
    sl_buf_puts(out, "{");
    for (int i = 0; i < count; i++) {
        int32_t n;
        sl_buf item;
        if (end - p < 4)
            return bad_binary(err);
        n = (int32_t)be32(p);
        p += 4;
        if (i > 0)
            sl_buf_puts(out, ",");
        if (n == -1) {
            sl_buf_puts(out, "NULL");
            continue;
        }
        if (n < 0 || end - p < n)
            return bad_binary(err);
        sl_buf_init(&item);
        if (decode_scalar(elem, p, n, &item, err) != SL_OK) {
            sl_buf_free(&item);
            return SL_ERROR;
        }
        sl_buf_puts(out, "\"");
        for (size_t k = 0; k < item.len; k++) {
            if (item.data[k] == '"' || item.data[k] == '\\')
                sl_buf_puts(out, "\\");
            sl_buf_append(out, item.data + k, 1);
        }
        sl_buf_puts(out, "\"");
        sl_buf_free(&item);
        p += n;
    }
    sl_buf_puts(out, "}");
    return p == end ? SL_OK : bad_binary(err);
}

static sl_status decode_text(const unsigned char *d, int len, sl_buf *out, sl_error *err)
{
    size_t bad_at;

    if (memchr(d, 0, (size_t)len) != NULL || !sl_pq_valid_utf8((const char *)d, (size_t)len, &bad_at))
        return sl_error_set(err, SL_ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
                            "invalid byte sequence for encoding \"UTF8\"");
    sl_buf_append(out, d, (size_t)len);
    return SL_OK;
}

static sl_status decode_scalar(uint32_t oid, const unsigned char *d, int len, sl_buf *out, sl_error *err)
{
    char buf[SL_VALUE_TEXT_MAX];

    switch (oid) {
    case SL_OID_BOOL:
        if (len != 1)
            return bad_binary(err);
        sl_buf_puts(out, d[0] ? "true" : "false");
        return SL_OK;
    case SL_OID_INT2:
        if (len != 2)
            return bad_binary(err);
        sl_buf_printf(out, "%d", (int)(int16_t)(d[0] << 8 | d[1]));
        return SL_OK;
    case SL_OID_INT4:
        if (len != 4)
            return bad_binary(err);
        sl_buf_printf(out, "%d", (int)(int32_t)be32(d));
        return SL_OK;
    case SL_OID_OID:
    case SL_OID_REGPROC:
    case SL_OID_REGCLASS:
    case SL_OID_REGTYPE:
        if (len != 4)
            return bad_binary(err);
        sl_buf_printf(out, "%u", (unsigned)be32(d));
        return SL_OK;
    case SL_OID_INT8:
        if (len != 8)
            return bad_binary(err);
        sl_buf_printf(out, "%lld", (long long)be64(d));
        return SL_OK;
    case SL_OID_FLOAT4: {
        uint32_t u;
        float f;
        if (len != 4)
            return bad_binary(err);
        u = be32(d);
        memcpy(&f, &u, 4);
        sl_buf_printf(out, "%.9g", (double)f);
        return SL_OK;
    }
    case SL_OID_FLOAT8: {
        uint64_t u;
        double v;
        if (len != 8)
            return bad_binary(err);
        u = (uint64_t)be64(d);
        memcpy(&v, &u, 8);
        sl_format_double(v, buf);
        sl_buf_puts(out, buf);
        return SL_OK;
    }
    case SL_OID_NUMERIC:
        return decode_numeric(d, len, out, err);
    case SL_OID_DATE:
    case SL_OID_TIMESTAMP:
    case SL_OID_TIMESTAMPTZ: {
        int64_t v;
        if (len != (oid == SL_OID_DATE ? 4 : 8))
            return bad_binary(err);
        if (oid == SL_OID_DATE) {
            int32_t days = (int32_t)be32(d);
            if (days == INT32_MAX || days == INT32_MIN)
                return sl_error_set(err, SL_ERRCODE_DATETIME_FIELD_OVERFLOW, "date out of range");
            v = ((int64_t)days + PG_EPOCH_DAYS) * DAY_US;
        } else {
            v = be64(d);
            if (v == INT64_MAX || v == INT64_MIN || v > INT64_MAX - PG_EPOCH_US)
                return sl_error_set(err, SL_ERRCODE_DATETIME_FIELD_OVERFLOW, "timestamp out of range");
            v += PG_EPOCH_US;
        }
        sl_format_timestamp(v, buf);
        sl_buf_puts(out, buf);
        return SL_OK;
    }
    case SL_OID_INTERVAL: {
        int64_t us;
        int32_t days, months;
        if (len != 16)
            return bad_binary(err);
        us = be64(d);
        days = (int32_t)be32(d + 8);
        months = (int32_t)be32(d + 12);
        if (months != 0)
            return sl_error_set(
                err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                "intervals of months are not supported: sluice's intervals are exact durations");
        sl_format_interval(us + (int64_t)days * DAY_US, buf);
        sl_buf_puts(out, buf);
        return SL_OK;
    }
    case SL_OID_UUID:
        if (len != 16)
            return bad_binary(err);
        for (int i = 0; i < 16; i++)
            sl_buf_printf(out, (i == 4 || i == 6 || i == 8 || i == 10) ? "-%02x" : "%02x", d[i]);
        return SL_OK;
    case SL_OID_BYTEA:
        sl_buf_puts(out, "\\x");
        for (int i = 0; i < len; i++)
            sl_buf_printf(out, "%02x", d[i]);
        return SL_OK;
    case SL_OID_CHAR:
        if (len > 1)
            return bad_binary(err);
        return decode_text(d, len, out, err);
    case SL_OID_JSONB:
        if (len < 1 || d[0] != 1)
            return bad_binary(err);
        return decode_text(d + 1, len - 1, out, err);
    default:
        if (scalar_supported(oid))
            return decode_text(d, len, out, err);
        if (array_element(oid) != 0)
            return decode_array(oid, d, len, out, err);
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                            "no binary input function available for type with OID %u", (unsigned)oid);
    }
}

sl_status sl_pqbin_decode(uint32_t oid, const char *data, int len, sl_mcxt *cx, char **text, sl_error *err)
{
    sl_buf out;
    sl_status st;

    sl_buf_init(&out);
    st = decode_scalar(oid, (const unsigned char *)data, len, &out, err);
    if (st == SL_OK) {
        sl_buf_append(&out, "", 1);
        *text = sl_pstrndup(cx, out.data, out.len - 1);
    }
    sl_buf_free(&out);
    return st;
}
