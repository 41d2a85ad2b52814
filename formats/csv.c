/*
 * csv.c - CSV: the line decoder and the encoder (RFC 4180).
 *
 * Input arrives split into lines (a file's lines, a Kafka message), so a
 * quoted field cannot hold a newline: such a line is reported as an
 * unterminated quoted field.  The rules users see are in formats/format.h.
 *
 * Entry points: sl_csv_decoder_new, sl_csv_decoder_reset, sl_csv_decode_line,
 * sl_csv_encoder_new, sl_csv_encode_header, sl_csv_encode_row,
 * sl_csv_encode_batch.
 */
#include "formats/format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sluice/errcodes.h"

/* One field of a line: its raw bytes (without the quotes) and whether it
 * was quoted / holds "" pairs to collapse. */
typedef struct csv_field {
    const char *s;
    size_t len;
    bool quoted;
    bool escaped;
} csv_field;

struct sl_csv_decoder {
    sl_mcxt *cx;
    const sl_schema *schema;
    int64_t ts_unit_us;
    bool header;      /* the option */
    bool need_header; /* the next line is a header */
    int nexpected;    /* fields per line: the header's count, or the columns' */
    int *map;         /* field index -> column index or -1 (nexpected entries) */
    uint8_t *seen;    /* per column, this row */
    csv_field *fields;
    int fields_cap;
};

sl_csv_decoder *sl_csv_decoder_new(sl_mcxt *cx, const sl_schema *schema, const sl_decode_options *opts)
{
    sl_csv_decoder *dec = sl_pnew(cx, sl_csv_decoder);
    int n = schema->ncols > 0 ? schema->ncols : 1;

    dec->cx = cx;
    dec->schema = schema;
    dec->ts_unit_us = opts && opts->ts_unit_us > 0 ? opts->ts_unit_us : 1000000;
    dec->header = opts && opts->header;
    dec->need_header = dec->header;
    dec->nexpected = schema->ncols;
    dec->map = sl_palloc(cx, sizeof(int) * (size_t)n);
    for (int i = 0; i < schema->ncols; i++)
        dec->map[i] = i;
    dec->seen = sl_pzalloc(cx, (size_t)n);
    dec->fields_cap = 16;
    dec->fields = sl_palloc(cx, sizeof(csv_field) * (size_t)dec->fields_cap);
    return dec;
}

void sl_csv_decoder_reset(sl_csv_decoder *dec)
{
    dec->need_header = dec->header;
}

static sl_status csv_syntax(sl_error *err, const char *begin, const char *at, const char *what)
{
    return sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "invalid CSV at byte %d: %s",
                        (int)(at - begin) + 1, what);
}

/* Splits p[0..len) into dec->fields; returns the count or -1 (err set). */
static int csv_split(sl_csv_decoder *dec, const char *p, size_t len, sl_error *err)
{
    const char *begin = p;
    const char *end = p + len;
    int n = 0;

    for (;;) {
        csv_field f;

        if (n == dec->fields_cap) {
            int cap = dec->fields_cap * 2;
            dec->fields = sl_prealloc(dec->cx, dec->fields, sizeof(csv_field) * (size_t)dec->fields_cap,
                                      sizeof(csv_field) * (size_t)cap);
            dec->fields_cap = cap;
        }
        f.quoted = false;
        f.escaped = false;
        if (p < end && *p == '"') {
            f.quoted = true;
            f.s = ++p;
            for (;;) {
                const char *q = memchr(p, '"', (size_t)(end - p));
                if (q == NULL) {
                    csv_syntax(err, begin, f.s - 1,
                               "unterminated quoted field (quoted newlines are not supported)");
                    return -1;
                }
                if (q + 1 < end && q[1] == '"') {
                    f.escaped = true;
                    p = q + 2;
                    continue;
                }
                f.len = (size_t)(q - f.s);
                p = q + 1;
                break;
            }
            if (p < end && *p != ',') {
                csv_syntax(err, begin, p, "unexpected character after a closing quote");
                return -1;
            }
        } else {
            const char *q = memchr(p, ',', (size_t)(end - p));
            f.s = p;
            p = q ? q : end;
            f.len = (size_t)(p - f.s);
        }
        dec->fields[n++] = f;
        if (p >= end)
            return n;
        p++; /* the comma: a field follows, possibly empty */
    }
}

/* Collapses "" pairs of a quoted field into d (room for f->len bytes). */
static size_t csv_unescape(const csv_field *f, char *d)
{
    size_t o = 0;

    for (size_t i = 0; i < f->len; i++) {
        d[o++] = f->s[i];
        if (f->s[i] == '"')
            i++;
    }
    return o;
}

static sl_status csv_header(sl_csv_decoder *dec, int n)
{
    const sl_schema *schema = dec->schema;

    dec->nexpected = n;
    dec->map = sl_palloc(dec->cx, sizeof(int) * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        const csv_field *f = &dec->fields[i];
        char *name = sl_palloc(dec->cx, f->len + 1);
        size_t len = f->escaped ? csv_unescape(f, name) : (memcpy(name, f->s, f->len), f->len);
        int col;

        name[len] = '\0';
        col = sl_schema_find(schema, name);
        if (col < 0)
            for (int c = 0; c < schema->ncols; c++)
                if (strcasecmp(schema->names[c], name) == 0) {
                    col = c;
                    break;
                }
        /* A column named twice in the header takes the first. */
        for (int j = 0; j < i && col >= 0; j++)
            if (dec->map[j] == col)
                col = -1;
        dec->map[i] = col;
    }
    dec->need_header = false;
    return SL_OK;
}

static sl_status csv_value(sl_csv_decoder *dec, int col, const csv_field *f, sl_batch *batch, int row,
                           sl_error *err)
{
    sl_vector *v = &batch->cols[col];
    char small[256];
    const char *s = f->s;
    size_t len = f->len;
    sl_status st = SL_OK;

    if (len == 0) {
        if (f->quoted && v->type == SL_TYPE_TEXT) {
            v->v.text[row].ptr = "";
            v->v.text[row].len = 0;
            v->nulls[row] = 0;
        } else {
            v->nulls[row] = 1;
        }
        return SL_OK;
    }
    if (len > INT32_MAX)
        return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "field \"%s\": value too long",
                            dec->schema->names[col]);
    if (v->type == SL_TYPE_TEXT) {
        if (f->escaped) {
            char *d = sl_palloc(batch->cx, len + 1);
            len = csv_unescape(f, d);
            d[len] = '\0';
            v->v.text[row].ptr = d;
            v->v.text[row].len = (int32_t)len;
        } else {
            v->v.text[row] = sl_batch_text(batch, s, (int32_t)len);
        }
        v->nulls[row] = 0;
        return SL_OK;
    }
    if (f->escaped) {
        if (len >= sizeof(small))
            return sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION,
                                "field \"%s\": invalid value for type %s", dec->schema->names[col],
                                sl_type_name(v->type));
        len = csv_unescape(f, small);
        s = small;
    }
    switch (v->type) {
    case SL_TYPE_BOOL:
        st = sl_parse_bool(s, (int32_t)len, &v->v.b[row], err);
        break;
    case SL_TYPE_BIGINT:
        st = sl_parse_bigint(s, (int32_t)len, &v->v.i64[row], err);
        break;
    case SL_TYPE_DOUBLE: {
        sl_num num;
        /* Plain decimal numbers take the fast exact path; anything else
         * ("NaN", "+1", " 2") parses as CAST('...' AS double) does. */
        if (sl_num_scan(s, s + len, &num) == s + len && sl_num_to_double(&num, &v->v.f64[row]))
            break;
        st = sl_parse_double(s, (int32_t)len, &v->v.f64[row], err);
        break;
    }
    case SL_TYPE_TIMESTAMP: {
        sl_num num;
        if (sl_num_scan(s, s + len, &num) == s + len) {
            if (!sl_num_to_timestamp(&num, dec->ts_unit_us, &v->v.i64[row]))
                return sl_error_set(err, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
                                    "field \"%s\": epoch %.*s is out of range for type timestamp",
                                    dec->schema->names[col], (int)(len > 64 ? 64 : len), s);
            break;
        }
        st = sl_parse_timestamp(s, (int32_t)len, &v->v.i64[row], err);
        break;
    }
    case SL_TYPE_INTERVAL:
        st = sl_parse_interval(s, (int32_t)len, &v->v.i64[row], err);
        break;
    default:
        v->nulls[row] = 1;
        return SL_OK;
    }
    if (st != SL_OK)
        return sl_error_prefix_field(err, dec->schema->names[col]);
    v->nulls[row] = 0;
    return SL_OK;
}

sl_status sl_csv_decode_line(sl_csv_decoder *dec, const char *p, size_t len, sl_batch *batch,
                             sl_error *row_err)
{
    int n;
    int row = batch->nrows;
    int ncols = dec->schema->ncols;

    if (len > 0 && p[len - 1] == '\r')
        len--;
    if (row >= batch->capacity)
        return sl_error_set(row_err, SL_ERRCODE_INTERNAL_ERROR, "batch is full");
    n = csv_split(dec, p, len, row_err);
    if (n < 0)
        return SL_ERROR;
    if (dec->need_header)
        return csv_header(dec, n);
    if (n != dec->nexpected)
        return sl_error_set(row_err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION,
                            "CSV line has %d fields, expected %d", n, dec->nexpected);
    memset(dec->seen, 0, (size_t)ncols);
    for (int i = 0; i < n; i++) {
        int col = dec->map[i];
        if (col < 0)
            continue;
        dec->seen[col] = 1;
        if (csv_value(dec, col, &dec->fields[i], batch, row, row_err) != SL_OK)
            return SL_ERROR;
    }
    for (int c = 0; c < ncols; c++)
        if (!dec->seen[c])
            batch->cols[c].nulls[row] = 1;
    batch->nrows++;
    return SL_OK;
}

/* ---- the encoder ---- */

struct sl_csv_encoder {
    const sl_schema *schema;
};

sl_csv_encoder *sl_csv_encoder_new(sl_mcxt *cx, const sl_schema *schema)
{
    sl_csv_encoder *enc = sl_pnew(cx, sl_csv_encoder);

    enc->schema = schema;
    return enc;
}

/* Appends s as one field, quoted when it must be: a comma, quote, CR or LF
 * inside, or space at either end (which readers often trim); an empty TEXT
 * is written "" so that it stays distinct from NULL. */
static void csv_put_field(sl_buf *out, const char *s, size_t len)
{
    bool quote = len == 0 || s[0] == ' ' || s[len - 1] == ' ';

    for (size_t i = 0; i < len && !quote; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = true;
    if (!quote) {
        sl_buf_append(out, s, len);
        return;
    }
    sl_buf_reserve(out, len * 2 + 2);
    out->data[out->len++] = '"';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            out->data[out->len++] = '"';
        out->data[out->len++] = s[i];
    }
    out->data[out->len++] = '"';
}

void sl_csv_encode_header(const sl_csv_encoder *enc, sl_buf *out)
{
    for (int c = 0; c < enc->schema->ncols; c++) {
        if (c > 0)
            sl_buf_append(out, ",", 1);
        csv_put_field(out, enc->schema->names[c], strlen(enc->schema->names[c]));
    }
    sl_buf_append(out, "\n", 1);
}

void sl_csv_encode_row(const sl_csv_encoder *enc, const sl_batch *batch, int row, sl_buf *out)
{
    char tmp[SL_VALUE_TEXT_MAX + 2];
    int n;

    for (int c = 0; c < enc->schema->ncols; c++) {
        const sl_vector *v = &batch->cols[c];

        if (c > 0)
            sl_buf_append(out, ",", 1);
        if (v->nulls[row])
            continue;
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
            n = sl_format_double_fast(v->v.f64[row], tmp);
            sl_buf_append(out, tmp, (size_t)n);
            break;
        case SL_TYPE_TEXT:
            csv_put_field(out, v->v.text[row].ptr, (size_t)v->v.text[row].len);
            break;
        case SL_TYPE_TIMESTAMP:
            n = sl_format_iso_timestamp(v->v.i64[row], tmp);
            sl_buf_append(out, tmp, (size_t)n);
            break;
        case SL_TYPE_INTERVAL:
            n = sl_format_interval(v->v.i64[row], tmp);
            csv_put_field(out, tmp, (size_t)n);
            break;
        case SL_TYPE_UNKNOWN:
            break;
        }
    }
}

void sl_csv_encode_batch(const sl_csv_encoder *enc, const sl_batch *batch, sl_buf *out)
{
    for (int r = 0; r < batch->nrows; r++) {
        sl_csv_encode_row(enc, batch, r, out);
        sl_buf_append(out, "\n", 1);
    }
}
