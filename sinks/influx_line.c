/*
 * influx_line.c - batches -> InfluxDB line protocol (see influx_line.h).
 *
 * The names never change from row to row, so the encoder escapes them once:
 * the measurement, ",key=" for each tag (tags sorted by key, as InfluxDB
 * prefers) and "key=" for each field.  Per row only values are escaped.
 * Every piece is appended with one reservation of its worst-case size, so
 * a row costs no allocation beyond the buffer's occasional growth.
 *
 * Entry points: see influx_line.h.
 */
#include "sinks/influx_line.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "formats/format.h" /* sl_format_double_fast */

typedef struct influx_col {
    int col;
    sl_type type;
    const char *key; /* tags: ",key=", fields: "key=" (escaped); the first field's comma is added per row */
    size_t key_len;
} influx_col;

struct sl_influx_encoder {
    const char *measurement; /* escaped */
    size_t measurement_len;
    influx_col *tags, *fields;
    int ntags, nfields;
    int time_col;
    sl_influx_precision precision;
};

bool sl_influx_precision_parse(const char *name, sl_influx_precision *out)
{
    static const char *const names[] = {"ns", "us", "ms", "s"};

    for (int i = 0; i < 4; i++)
        if (name != NULL && strcmp(name, names[i]) == 0) {
            *out = (sl_influx_precision)i;
            return true;
        }
    return false;
}

/* ---- escaping ---- */

enum { ESC_MEASUREMENT, ESC_NAME }; /* ESC_NAME: tag keys, tag values, field keys */

static bool needs_escape(char c, int what)
{
    return c == ',' || c == ' ' || (what == ESC_NAME && c == '=');
}

/* Worst case: every byte becomes two. */
static size_t escape_into(char *dst, const char *s, size_t len, int what)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (needs_escape(c, what)) {
            dst[n++] = '\\';
            dst[n++] = c;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            dst[n++] = '\\';
            dst[n++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else if (c == '\\') {
            /* InfluxDB reads a backslash before a separator as escaping it
             * (and keeps other backslashes as they are): one at the end or
             * before an escaped character has no spelling, so it goes. */
            char next = i + 1 < len ? s[i + 1] : '\0';
            if (i + 1 < len && !needs_escape(next, what) && next != '\n' && next != '\r' && next != '\t')
                dst[n++] = c;
        } else {
            dst[n++] = c;
        }
    }
    return n;
}

static void put_escaped(sl_buf *out, const char *s, size_t len, int what)
{
    char *p = sl_buf_reserve(out, 2 * len);

    out->len += escape_into(p, s, len, what);
}

static char *escape_copy(sl_mcxt *cx, const char *prefix, const char *s, const char *suffix, int what,
                         size_t *len_out)
{
    size_t pl = strlen(prefix), sl = strlen(s), xl = strlen(suffix);
    char *p = sl_palloc(cx, pl + 2 * sl + xl + 1);
    size_t n = 0;

    memcpy(p, prefix, pl);
    n = pl;
    n += escape_into(p + n, s, sl, what);
    memcpy(p + n, suffix, xl);
    n += xl;
    p[n] = '\0';
    *len_out = n;
    return p;
}

/* ---- numbers ---- */

/* Decimal digits of v into buf (at least 21 bytes); returns the length. */
static int put_int64(char *buf, int64_t v)
{
    char tmp[24];
    int n = 0, len = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        buf[len++] = '-';
    while (n > 0)
        buf[len++] = tmp[--n];
    return len;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* The point's time in the encoder's precision.  Nanoseconds are the
 * microseconds' digits and "000": exact, and no overflow to guard
 * against (InfluxDB itself rejects times outside its range). */
static int put_time(char *buf, int64_t us, sl_influx_precision p)
{
    int n;

    switch (p) {
    case SL_INFLUX_NS:
        n = put_int64(buf, us);
        if (us != 0) {
            memcpy(buf + n, "000", 3);
            n += 3;
        }
        return n;
    case SL_INFLUX_US:
        return put_int64(buf, us);
    case SL_INFLUX_MS:
        return put_int64(buf, floor_div(us, 1000));
    case SL_INFLUX_S:
    default:
        return put_int64(buf, floor_div(us, 1000000));
    }
}

/* ---- the encoder ---- */

static int cmp_tag(const void *a, const void *b)
{
    const influx_col *x = a, *y = b;

    return strcmp(x->key, y->key);
}

sl_influx_encoder *sl_influx_encoder_new(sl_mcxt *cx, const char *measurement, const sl_schema *schema,
                                         const bool *is_tag, int time_col, sl_influx_precision precision)
{
    sl_influx_encoder *enc = sl_pnew(cx, sl_influx_encoder);
    int n = schema->ncols > 0 ? schema->ncols : 1;

    enc->measurement = escape_copy(cx, "", measurement, "", ESC_MEASUREMENT, &enc->measurement_len);
    enc->tags = sl_palloc(cx, sizeof(influx_col) * (size_t)n);
    enc->fields = sl_palloc(cx, sizeof(influx_col) * (size_t)n);
    enc->time_col = time_col;
    enc->precision = precision;
    for (int c = 0; c < schema->ncols; c++) {
        influx_col *ic;

        if (c == time_col)
            continue;
        if (is_tag != NULL && is_tag[c]) {
            ic = &enc->tags[enc->ntags++];
            ic->key = escape_copy(cx, ",", schema->names[c], "=", ESC_NAME, &ic->key_len);
        } else {
            ic = &enc->fields[enc->nfields++];
            ic->key = escape_copy(cx, "", schema->names[c], "=", ESC_NAME, &ic->key_len);
        }
        ic->col = c;
        ic->type = schema->types[c];
    }
    /* InfluxDB sorts a point's tags by key before storing it; sending
     * them sorted saves it the work (byte order, as Go's bytes.Compare). */
    qsort(enc->tags, (size_t)enc->ntags, sizeof(influx_col), cmp_tag);
    return enc;
}

/* A non-TEXT tag's text form; returns its length.  Booleans are spelled
 * out (as line protocol spells boolean fields), the rest as SQL prints them. */
static int tag_text(const sl_vector *v, int r, char *buf)
{
    switch (v->type) {
    case SL_TYPE_BOOL:
        strcpy(buf, v->v.b[r] ? "true" : "false");
        return v->v.b[r] ? 4 : 5;
    case SL_TYPE_BIGINT:
        return sl_format_bigint(v->v.i64[r], buf);
    case SL_TYPE_DOUBLE:
        return sl_format_double(v->v.f64[r], buf);
    case SL_TYPE_TIMESTAMP:
        return sl_format_timestamp(v->v.i64[r], buf);
    case SL_TYPE_INTERVAL:
        return sl_format_interval(v->v.i64[r], buf);
    case SL_TYPE_TEXT:
    case SL_TYPE_UNKNOWN:
    default:
        return 0;
    }
}

/* Appends one field's value (after its key) or nothing; false when the
 * value has no line-protocol form (NULL, NaN, infinity). */
static bool put_field(sl_buf *out, const influx_col *f, const sl_vector *v, int r, bool first)
{
    char *p;
    size_t n;

    if (v->nulls[r])
        return false;
    if (v->type == SL_TYPE_DOUBLE && !isfinite(v->v.f64[r]))
        return false;
    if (v->type == SL_TYPE_UNKNOWN)
        return false;
    /* Separator and key: at most 1 + key_len; a number after it at most 24. */
    p = sl_buf_reserve(out, 1 + f->key_len + 32);
    n = 0;
    if (!first)
        p[n++] = ',';
    memcpy(p + n, f->key, f->key_len);
    n += f->key_len;
    switch (v->type) {
    case SL_TYPE_BOOL:
        if (v->v.b[r]) {
            memcpy(p + n, "true", 4);
            n += 4;
        } else {
            memcpy(p + n, "false", 5);
            n += 5;
        }
        break;
    case SL_TYPE_BIGINT:
    case SL_TYPE_TIMESTAMP:
    case SL_TYPE_INTERVAL:
        n += (size_t)put_int64(p + n, v->v.i64[r]);
        p[n++] = 'i';
        break;
    case SL_TYPE_DOUBLE:
        n += (size_t)sl_format_double_fast(v->v.f64[r], p + n);
        break;
    case SL_TYPE_TEXT: {
        const sl_text *t = &v->v.text[r];

        out->len += n;
        /* Quotes, then every byte possibly escaped. */
        p = sl_buf_reserve(out, 2 * (size_t)t->len + 2);
        n = 0;
        p[n++] = '"';
        for (int32_t i = 0; i < t->len; i++) {
            char c = t->ptr[i];
            if (c == '"' || c == '\\')
                p[n++] = '\\';
            p[n++] = c;
        }
        p[n++] = '"';
        break;
    }
    case SL_TYPE_UNKNOWN:
        break;
    }
    out->len += n;
    return true;
}

int64_t sl_influx_encode_batch(const sl_influx_encoder *enc, const sl_batch *batch, sl_buf *out,
                               int64_t *skipped)
{
    int64_t lines = 0;

    for (int r = 0; r < batch->nrows; r++) {
        size_t start = out->len;
        bool any = false;
        int64_t t;
        char *p;
        int n;

        sl_buf_append(out, enc->measurement, enc->measurement_len);
        for (int i = 0; i < enc->ntags; i++) {
            const influx_col *tg = &enc->tags[i];
            const sl_vector *v = &batch->cols[tg->col];
            const char *s;
            size_t len, mark, before;
            char buf[SL_VALUE_TEXT_MAX];

            if (v->nulls[r])
                continue;
            if (v->type == SL_TYPE_TEXT) {
                s = v->v.text[r].ptr;
                len = (size_t)v->v.text[r].len;
            } else {
                len = (size_t)tag_text(v, r, buf);
                s = buf;
            }
            if (len == 0)
                continue; /* InfluxDB refuses empty tag values: no tag */
            mark = out->len;
            sl_buf_append(out, tg->key, tg->key_len);
            before = out->len;
            put_escaped(out, s, len, ESC_NAME);
            if (out->len == before) /* nothing left once escaped (only backslashes) */
                out->len = mark;
        }
        sl_buf_append(out, " ", 1);
        for (int i = 0; i < enc->nfields; i++) {
            const influx_col *f = &enc->fields[i];

            if (put_field(out, f, &batch->cols[f->col], r, !any))
                any = true;
        }
        if (!any) {
            /* No field, no point: InfluxDB would reject the whole request. */
            out->len = start;
            (*skipped)++;
            continue;
        }
        if (enc->time_col >= 0 && !batch->cols[enc->time_col].nulls[r])
            t = batch->cols[enc->time_col].v.i64[r];
        else
            t = batch->event_time[r];
        p = sl_buf_reserve(out, 32);
        p[0] = ' ';
        n = 1 + put_time(p + 1, t, enc->precision);
        p[n++] = '\n';
        out->len += (size_t)n;
        lines++;
    }
    return lines;
}
