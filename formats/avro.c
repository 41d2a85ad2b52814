/*
 * avro.c - Avro binary messages: decoder and encoder on libavro-c.
 *
 * The rules are in formats/avro.h.  libavro-c trusts the lengths it reads
 * (a string length of 2^60 becomes a malloc of 2^60), so every message is
 * first walked against the writer schema here (check_value): varints are
 * bounded, every length and count must fit in what is left of the message,
 * union and enum indexes must be in range, and the record must end exactly
 * at the end of the message.  Only then does avro_value_read see it.
 *
 * libavro-c 1.11 drops logicalType attributes when it parses a schema, so
 * the top-level fields' logical types are found by a small scan of the
 * schema's JSON text (json_parse, trusted input: libavro-c accepted it).
 *
 * Entry points: see formats/avro.h.
 */
#include <avro.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "formats/avro.h"
#include "common/json_scan.h"
#include "sluice/errcodes.h"

/* Deepest schema nesting the walker follows (recursive schemas). */
#define SL_AVRO_MAX_DEPTH 64

/* ---- the timestamp logical types of the schema text ---- */

/* Microseconds per unit of a field type's timestamp logical type (in the
 * type or one of its union branches); 0 when it has none. */
static int64_t logical_unit(const sl_json_span *type)
{
    sl_json_span v;

    if (sl_json_type(type) == '[') {
        const char *it = NULL;
        while (sl_json_next_item(type, &it, &v)) {
            int64_t u = logical_unit(&v);
            if (u != 0)
                return u;
        }
        return 0;
    }
    if (!sl_json_get(type, "logicalType", &v))
        return 0;
    if (sl_json_string_is(&v, "timestamp-millis"))
        return 1000;
    if (sl_json_string_is(&v, "timestamp-micros"))
        return 1;
    return 0;
}

void sl_avro_time_units(sl_mcxt *cx, const char *json, size_t len, int nfields, int64_t *units)
{
    sl_json_span root, fields, field, type;
    const char *it = NULL;
    int i = 0;

    (void)cx;
    for (int k = 0; k < nfields; k++)
        units[k] = 0;
    if (!sl_json_parse(json, len, &root) || !sl_json_get(&root, "fields", &fields))
        return;
    while (i < nfields && sl_json_next_item(&fields, &it, &field)) {
        if (sl_json_get(&field, "type", &type))
            units[i] = logical_unit(&type);
        i++;
    }
}

/* ---- validation of a message against the writer schema ---- */

typedef struct walk {
    const unsigned char *p, *end;
    int64_t budget; /* array and map items left: bounds items that take no bytes */
} walk;

static bool walk_bytes(walk *w, int64_t n)
{
    if (n < 0 || n > w->end - w->p)
        return false;
    w->p += n;
    return true;
}

static bool check_value(avro_schema_t s, walk *w, int depth)
{
    int64_t n;

    if (depth > SL_AVRO_MAX_DEPTH)
        return false;
    switch (avro_typeof(s)) {
    case AVRO_NULL:
        return true;
    case AVRO_BOOLEAN:
        if (w->p >= w->end || *w->p > 1)
            return false;
        w->p++;
        return true;
    case AVRO_INT32:
        return sl_avro_varint_get(&w->p, w->end, 5, &n) && n >= INT32_MIN && n <= INT32_MAX;
    case AVRO_INT64:
        return sl_avro_varint_get(&w->p, w->end, 10, &n);
    case AVRO_FLOAT:
        return walk_bytes(w, 4);
    case AVRO_DOUBLE:
        return walk_bytes(w, 8);
    case AVRO_STRING:
    case AVRO_BYTES:
        return sl_avro_varint_get(&w->p, w->end, 10, &n) && walk_bytes(w, n);
    case AVRO_FIXED:
        return walk_bytes(w, avro_schema_fixed_size(s));
    case AVRO_ENUM:
        return sl_avro_varint_get(&w->p, w->end, 5, &n) && n >= 0 &&
               n < avro_schema_enum_number_of_symbols(s);
    case AVRO_UNION:
        if (!sl_avro_varint_get(&w->p, w->end, 5, &n) || n < 0 || (size_t)n >= avro_schema_union_size(s))
            return false;
        return check_value(avro_schema_union_branch(s, (int)n), w, depth + 1);
    case AVRO_RECORD:
        for (size_t i = 0; i < avro_schema_record_size(s); i++)
            if (!check_value(avro_schema_record_field_get_by_index(s, (int)i), w, depth + 1))
                return false;
        return true;
    case AVRO_LINK:
        return check_value(avro_schema_link_target(s), w, depth + 1);
    case AVRO_ARRAY:
    case AVRO_MAP: {
        avro_schema_t item =
            avro_typeof(s) == AVRO_ARRAY ? avro_schema_array_items(s) : avro_schema_map_values(s);
        for (;;) {
            int64_t count, size;
            if (!sl_avro_varint_get(&w->p, w->end, 10, &count))
                return false;
            if (count == 0)
                return true;
            if (count < 0) {
                if (count == INT64_MIN || !sl_avro_varint_get(&w->p, w->end, 10, &size) || size < 0 ||
                    size > w->end - w->p)
                    return false;
                count = -count;
            }
            if (count > w->budget)
                return false;
            w->budget -= count;
            for (int64_t i = 0; i < count; i++) {
                if (avro_typeof(s) == AVRO_MAP &&
                    !(sl_avro_varint_get(&w->p, w->end, 10, &n) && walk_bytes(w, n)))
                    return false;
                if (!check_value(item, w, depth + 1))
                    return false;
            }
        }
    }
    default:
        return false;
    }
}

bool sl_avro_skip_value(avro_schema_t s, const unsigned char **p, const unsigned char *end, int64_t *budget)
{
    walk w = {.p = *p, .end = end, .budget = *budget};
    bool ok = check_value(s, &w, 0);

    *p = w.p;
    *budget = w.budget;
    return ok;
}

/* ---- decoding ---- */

struct sl_avro_decoder {
    const sl_schema *schema;
    bool confluent;
    int64_t ts_unit_us;
    avro_schema_t writer;
    avro_value_iface_t *iface;
    avro_value_t value;
    bool has_value;
    avro_reader_t reader;
    int *field;       /* per column: writer record field index, -1 missing */
    int64_t *ts_unit; /* per column: logical timestamp unit of its field, 0 none */
};

void sl_avro_decoder_free(sl_avro_decoder *dec)
{
    if (dec == NULL)
        return;
    if (dec->has_value)
        avro_value_decref(&dec->value);
    dec->has_value = false;
    if (dec->iface != NULL)
        avro_value_iface_decref(dec->iface);
    dec->iface = NULL;
    if (dec->reader != NULL)
        avro_reader_free(dec->reader);
    dec->reader = NULL;
    if (dec->writer != NULL)
        avro_schema_decref(dec->writer);
    dec->writer = NULL;
}

sl_avro_decoder *sl_avro_decoder_new(sl_mcxt *cx, const sl_schema *schema, const char *writer_json,
                                     size_t len, bool confluent, const sl_decode_options *opts, sl_error *err)
{
    sl_avro_decoder *dec = sl_pnew(cx, sl_avro_decoder);
    static const char empty[1];
    int64_t *units;

    dec->schema = schema;
    dec->confluent = confluent;
    dec->ts_unit_us = opts != NULL ? opts->ts_unit_us : 1000000;
    if (avro_schema_from_json_length(writer_json, len, &dec->writer) != 0) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "invalid avro schema: %s", avro_strerror());
        return NULL;
    }
    if (avro_typeof(dec->writer) != AVRO_RECORD) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "avro schema must be a record, not %s",
                     avro_schema_type_name(dec->writer));
        sl_avro_decoder_free(dec);
        return NULL;
    }
    dec->iface = avro_generic_class_from_schema(dec->writer);
    if (dec->iface == NULL || avro_generic_value_new(dec->iface, &dec->value) != 0) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "unusable avro schema: %s", avro_strerror());
        sl_avro_decoder_free(dec);
        return NULL;
    }
    dec->has_value = true;
    dec->reader = avro_reader_memory(empty, 0);
    units = sl_pzalloc(cx, sizeof(int64_t) * (avro_schema_record_size(dec->writer) + 1));
    sl_avro_time_units(cx, writer_json, len, (int)avro_schema_record_size(dec->writer), units);
    dec->field = sl_palloc(cx, sizeof(int) * (size_t)(schema->ncols + 1));
    dec->ts_unit = sl_pzalloc(cx, sizeof(int64_t) * (size_t)(schema->ncols + 1));
    for (int c = 0; c < schema->ncols; c++) {
        int nf = (int)avro_schema_record_size(dec->writer), f = -1;
        for (int i = 0; i < nf && f < 0; i++)
            if (strcmp(avro_schema_record_field_name(dec->writer, i), schema->names[c]) == 0)
                f = i;
        for (int i = 0; i < nf && f < 0; i++)
            if (strcasecmp(avro_schema_record_field_name(dec->writer, i), schema->names[c]) == 0)
                f = i;
        dec->field[c] = f;
        if (f >= 0)
            dec->ts_unit[c] = units[f];
    }
    return dec;
}

static sl_status mismatch(sl_error *err, avro_type_t t, sl_type col)
{
    static const char *const names[] = {
        [AVRO_STRING] = "string", [AVRO_BYTES] = "bytes",   [AVRO_INT32] = "int",       [AVRO_INT64] = "long",
        [AVRO_FLOAT] = "float",   [AVRO_DOUBLE] = "double", [AVRO_BOOLEAN] = "boolean", [AVRO_NULL] = "null",
        [AVRO_RECORD] = "record", [AVRO_ENUM] = "enum",     [AVRO_FIXED] = "fixed",     [AVRO_MAP] = "map",
        [AVRO_ARRAY] = "array",   [AVRO_UNION] = "union",   [AVRO_LINK] = "link",
    };
    const char *tn = (int)t >= 0 && (size_t)t < sizeof(names) / sizeof(names[0]) && names[t] ? names[t] : "?";

    return sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "avro %s does not fit a %s column", tn,
                        sl_type_name(col));
}

/* Column c of the row from the avro value v. */
static sl_status put_value(sl_avro_decoder *dec, int c, avro_value_t *v, sl_batch *batch, int row,
                           sl_error *err)
{
    sl_vector *vec = &batch->cols[c];
    avro_type_t t = avro_value_get_type(v);
    avro_value_t branch;
    int32_t i32;
    int64_t i64 = 0;
    float f32;
    double f64;
    int b;

    if (t == AVRO_UNION) {
        if (avro_value_get_current_branch(v, &branch) != 0)
            return sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "bad avro union");
        v = &branch;
        t = avro_value_get_type(v);
    }
    vec->nulls[row] = 0;
    if (t == AVRO_NULL) {
        vec->nulls[row] = 1;
        return SL_OK;
    }
    if (t == AVRO_INT32) {
        avro_value_get_int(v, &i32);
        i64 = i32;
    } else if (t == AVRO_INT64)
        avro_value_get_long(v, &i64);
    switch (vec->type) {
    case SL_TYPE_BOOL:
        if (t != AVRO_BOOLEAN)
            return mismatch(err, t, vec->type);
        avro_value_get_boolean(v, &b);
        vec->v.b[row] = b != 0;
        return SL_OK;
    case SL_TYPE_BIGINT:
        if (t != AVRO_INT32 && t != AVRO_INT64)
            return mismatch(err, t, vec->type);
        vec->v.i64[row] = i64;
        return SL_OK;
    case SL_TYPE_DOUBLE:
        if (t == AVRO_INT32 || t == AVRO_INT64)
            vec->v.f64[row] = (double)i64;
        else if (t == AVRO_FLOAT) {
            avro_value_get_float(v, &f32);
            vec->v.f64[row] = f32;
        } else if (t == AVRO_DOUBLE) {
            avro_value_get_double(v, &f64);
            vec->v.f64[row] = f64;
        } else
            return mismatch(err, t, vec->type);
        return SL_OK;
    case SL_TYPE_TEXT: {
        const char *s = NULL;
        size_t n = 0;
        if (t == AVRO_STRING) {
            avro_value_get_string(v, &s, &n);
            n = n > 0 ? n - 1 : 0; /* libavro counts the NUL */
            if (s == NULL)
                s = "";
            if (!sl_utf8_valid((const unsigned char *)s, (size_t)n))
                return sl_error_set(err, SL_ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
                                    "invalid UTF-8 in avro string");
        } else if (t == AVRO_ENUM) {
            int sym;
            avro_value_get_enum(v, &sym);
            s = avro_schema_enum_get(avro_value_get_schema(v), sym);
            n = s != NULL ? strlen(s) : 0;
        } else
            return mismatch(err, t, vec->type);
        if (n > INT32_MAX)
            return sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "avro string too long");
        vec->v.text[row] = sl_batch_text(batch, s != NULL ? s : "", (int32_t)n);
        return SL_OK;
    }
    case SL_TYPE_TIMESTAMP:
    case SL_TYPE_INTERVAL:
        if (t == AVRO_INT32 || t == AVRO_INT64) {
            int64_t unit = vec->type == SL_TYPE_INTERVAL ? 1
                           : dec->ts_unit[c]             ? dec->ts_unit[c]
                                                         : dec->ts_unit_us;
            if (i64 > INT64_MAX / unit || i64 < INT64_MIN / unit)
                return sl_error_set(err, SL_ERRCODE_DATETIME_FIELD_OVERFLOW,
                                    "avro timestamp %lld out of range", (long long)i64);
            vec->v.i64[row] = i64 * unit;
            return SL_OK;
        }
        if (t == AVRO_STRING) {
            const char *s = NULL;
            size_t n = 0;
            avro_value_get_string(v, &s, &n);
            n = n > 0 ? n - 1 : 0;
            if (n > 256)
                return sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "avro string too long");
            return vec->type == SL_TYPE_TIMESTAMP ? sl_parse_timestamp(s, (int32_t)n, &vec->v.i64[row], err)
                                                  : sl_parse_interval(s, (int32_t)n, &vec->v.i64[row], err);
        }
        return mismatch(err, t, vec->type);
    default:
        return mismatch(err, t, vec->type);
    }
}

sl_status sl_avro_decode(sl_avro_decoder *dec, const char *p, size_t len, sl_batch *batch, sl_error *row_err)
{
    walk w;
    int row = batch->nrows;

    if (dec->confluent) {
        if (len < 5 || p[0] != 0)
            return sl_error_set(row_err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION,
                                "message does not start with a confluent avro header");
        p += 5;
        len -= 5;
    }
    w.p = (const unsigned char *)p;
    w.end = w.p + len;
    w.budget = (int64_t)len + 1024;
    if (len > INT32_MAX || !check_value(dec->writer, &w, 0))
        return sl_error_set(row_err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION,
                            "malformed avro message (%zu bytes)", len);
    if (w.p != w.end)
        return sl_error_set(row_err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION,
                            "%zu bytes after the avro record", (size_t)(w.end - w.p));
    avro_value_reset(&dec->value);
    avro_reader_memory_set_source(dec->reader, p, (int64_t)len);
    if (avro_value_read(dec->reader, &dec->value) != 0)
        return sl_error_set(row_err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "malformed avro message: %s",
                            avro_strerror());
    for (int c = 0; c < dec->schema->ncols; c++) {
        avro_value_t field;

        if (dec->field[c] < 0) {
            batch->cols[c].nulls[row] = 1;
            continue;
        }
        if (avro_value_get_by_index(&dec->value, (size_t)dec->field[c], &field, NULL) != 0 ||
            put_value(dec, c, &field, batch, row, row_err) != SL_OK)
            return sl_error_prefix_field(row_err, dec->schema->names[c]);
    }
    batch->nrows++;
    return SL_OK;
}

/* ---- encoding ---- */

struct sl_avro_encoder {
    const sl_schema *schema;
    char *json;
    avro_schema_t writer;
    avro_value_iface_t *iface;
    avro_value_t value;
    bool has_value;
    avro_writer_t writer_io;
    int32_t schema_id; /* -1: no Confluent header */
    char *scratch;     /* NUL-terminated copies of text values (libavro wants them) */
    size_t scratch_cap;
};

void sl_avro_encoder_free(sl_avro_encoder *enc)
{
    if (enc == NULL)
        return;
    if (enc->has_value)
        avro_value_decref(&enc->value);
    enc->has_value = false;
    if (enc->iface != NULL)
        avro_value_iface_decref(enc->iface);
    enc->iface = NULL;
    if (enc->writer_io != NULL)
        avro_writer_free(enc->writer_io);
    enc->writer_io = NULL;
    if (enc->writer != NULL)
        avro_schema_decref(enc->writer);
    enc->writer = NULL;
    free(enc->scratch);
    enc->scratch = NULL;
}

static const char *avro_type_json(sl_type t)
{
    switch (t) {
    case SL_TYPE_BOOL:
        return "\"boolean\"";
    case SL_TYPE_DOUBLE:
        return "\"double\"";
    case SL_TYPE_TEXT:
        return "\"string\"";
    case SL_TYPE_TIMESTAMP:
        return "{\"type\": \"long\", \"logicalType\": \"timestamp-micros\"}";
    default: /* BIGINT, INTERVAL (microseconds) */
        return "\"long\"";
    }
}

sl_avro_encoder *sl_avro_encoder_new(sl_mcxt *cx, const sl_schema *schema, sl_error *err)
{
    sl_avro_encoder *enc = sl_pnew(cx, sl_avro_encoder);
    sl_buf b;
    static char dummy[1];

    enc->schema = schema;
    enc->schema_id = -1;
    sl_buf_init(&b);
    {
        static const char head[] =
            "{\"type\": \"record\", \"name\": \"row\", \"namespace\": \"sluice\", \"fields\": [";
        sl_buf_append(&b, head, sizeof(head) - 1);
    }
    for (int c = 0; c < schema->ncols; c++) {
        const char *name = schema->names[c];
        char *fixed = sl_palloc(cx, strlen(name) + 2), *q = fixed;
        char *piece;

        /* Avro names are [A-Za-z_][A-Za-z0-9_]*: other characters -> '_'. */
        if (!isalpha((unsigned char)name[0]) && name[0] != '_')
            *q++ = '_';
        for (const char *s = name; *s; s++)
            *q++ = isalnum((unsigned char)*s) ? *s : '_';
        *q = '\0';
        piece = sl_psprintf(cx, "%s{\"name\": \"%s\", \"type\": [\"null\", %s], \"default\": null}",
                            c ? ", " : "", fixed, avro_type_json(schema->types[c]));
        sl_buf_append(&b, piece, strlen(piece));
    }
    sl_buf_append(&b, "]}", 3);
    enc->json = sl_pstrdup(cx, b.data);
    sl_buf_free(&b);
    if (avro_schema_from_json_length(enc->json, strlen(enc->json), &enc->writer) != 0) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "could not derive an avro schema: %s",
                     avro_strerror());
        return NULL;
    }
    enc->iface = avro_generic_class_from_schema(enc->writer);
    if (enc->iface == NULL || avro_generic_value_new(enc->iface, &enc->value) != 0) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "could not derive an avro schema: %s",
                     avro_strerror());
        sl_avro_encoder_free(enc);
        return NULL;
    }
    enc->has_value = true;
    enc->writer_io = avro_writer_memory(dummy, 0);
    return enc;
}

const char *sl_avro_encoder_schema_json(const sl_avro_encoder *enc)
{
    return enc->json;
}

void sl_avro_encoder_set_schema_id(sl_avro_encoder *enc, int32_t id)
{
    enc->schema_id = id;
}

sl_status sl_avro_encode_row(sl_avro_encoder *enc, const sl_batch *batch, int row, sl_buf *out, sl_error *err)
{
    size_t size = 0;
    char *dst;

    for (int c = 0; c < enc->schema->ncols; c++) {
        const sl_vector *vec = &batch->cols[c];
        avro_value_t field, br;
        int rc;

        if (avro_value_get_by_index(&enc->value, (size_t)c, &field, NULL) != 0)
            goto fail;
        if (vec->nulls[row]) {
            rc = avro_value_set_branch(&field, 0, &br) || avro_value_set_null(&br);
        } else {
            rc = avro_value_set_branch(&field, 1, &br);
            switch (vec->type) {
            case SL_TYPE_BOOL:
                rc = rc || avro_value_set_boolean(&br, vec->v.b[row]);
                break;
            case SL_TYPE_DOUBLE:
                rc = rc || avro_value_set_double(&br, vec->v.f64[row]);
                break;
            case SL_TYPE_TEXT: {
                size_t n = (size_t)vec->v.text[row].len;
                if (n + 1 > enc->scratch_cap) {
                    size_t cap = n + 1 > 256 ? n + 1 : 256;
                    char *s = realloc(enc->scratch, cap);
                    if (s == NULL)
                        abort(); /* as the memory contexts do */
                    enc->scratch = s;
                    enc->scratch_cap = cap;
                }
                memcpy(enc->scratch, vec->v.text[row].ptr, n);
                enc->scratch[n] = '\0';
                rc = rc || avro_value_set_string_len(&br, enc->scratch, n + 1);
                break;
            }
            default: /* BIGINT, TIMESTAMP, INTERVAL */
                rc = rc || avro_value_set_long(&br, vec->v.i64[row]);
                break;
            }
        }
        if (rc != 0)
            goto fail;
    }
    if (avro_value_sizeof(&enc->value, &size) != 0)
        goto fail;
    dst = sl_buf_reserve(out, size + 5);
    if (enc->schema_id >= 0) {
        uint32_t id = (uint32_t)enc->schema_id;
        dst[0] = 0;
        dst[1] = (char)(id >> 24);
        dst[2] = (char)(id >> 16);
        dst[3] = (char)(id >> 8);
        dst[4] = (char)id;
        dst += 5;
        out->len += 5;
    }
    avro_writer_memory_set_dest(enc->writer_io, dst, (int64_t)size);
    if (avro_value_write(enc->writer_io, &enc->value) != 0)
        goto fail;
    out->len += (size_t)avro_writer_tell(enc->writer_io);
    return SL_OK;
fail:
    return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not encode an avro row: %s", avro_strerror());
}

/* ---- the schema option ---- */

sl_status sl_avro_schema_load(sl_mcxt *cx, const sl_confine *confine, const char *option, const char **json,
                              size_t *len, sl_error *err)
{
    int fd;
    const char *p = option;
    FILE *f;
    sl_buf b;
    char chunk[4096];
    size_t n;

    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p == '{' || *p == '"') {
        *json = option;
        *len = strlen(option);
        return SL_OK;
    }
    fd = sl_confine_open(confine, "schema", option, O_RDONLY, 0, err);
    if (fd < 0)
        return SL_ERROR;
    f = fdopen(fd, "rb");
    if (f == NULL) {
        close(fd);
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "could not read avro schema file \"%s\": %s", option, strerror(errno));
    }
    sl_buf_init(&b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < (16u << 20))
        sl_buf_append(&b, chunk, n);
    fclose(f);
    *len = b.len;
    *json = b.len > 0 ? sl_pstrndup(cx, b.data, b.len) : "";
    sl_buf_free(&b);
    return SL_OK;
}
