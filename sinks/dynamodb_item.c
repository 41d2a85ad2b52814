/*
 * dynamodb_item.c - rows as DynamoDB items (BatchWriteItem bodies) and the
 * reading of DynamoDB's JSON replies.
 *
 * The encoder writes each row's item into a scratch buffer, remembers where
 * the item and its key attributes start, and joins the items of one request
 * at the end: that is what lets a later row of the same key replace an
 * earlier one in place (DynamoDB refuses a request with a duplicate key).
 * The scratch buffers are kept from request to request, so nothing is
 * allocated per row.  The reply reader is a small validating JSON scanner:
 * replies are a few hundred bytes, except UnprocessedItems, which is handed
 * back verbatim to be resent.
 *
 * Entry points: see dynamodb_item.h.
 */
#include "sinks/dynamodb_item.h"

#include <math.h>
#include <string.h>

#include "formats/format.h"
#include "common/json_scan.h"
#include "sluice/errcodes.h"

/* DynamoDB's key attribute size limits (bytes of the UTF-8 value). */
#define DDB_MAX_PARTITION_KEY 2048
#define DDB_MAX_SORT_KEY      1024

/* One item of the request being built: byte ranges in enc->scratch. */
typedef struct ddb_entry {
    size_t item_off, item_len;
    size_t key_off, key_len;
} ddb_entry;

struct sl_ddb_encoder {
    const sl_schema *schema;
    sl_ddb_ts_format ts_format;
    int key_col, sort_col; /* sort_col -1: no sort key */
    char **prefix;         /* per column: "\"name\":" (JSON-escaped), the first without a comma */
    size_t *prefix_len;
    char *head; /* {"RequestItems":{"<table>":[ */
    size_t head_len;
    sl_buf scratch; /* items and keys of the request being built */
    ddb_entry entries[SL_DDB_MAX_ITEMS];
};

bool sl_ddb_ts_format_parse(const char *s, sl_ddb_ts_format *out)
{
    static const char *const names[] = {"iso8601", "epoch_seconds", "epoch_millis", "epoch_micros"};

    for (int i = 0; i < 4; i++)
        if (s != NULL && strcmp(s, names[i]) == 0) {
            *out = (sl_ddb_ts_format)i;
            return true;
        }
    return false;
}

/* A JSON-escaped copy of s, in cx. */
static char *json_quoted(sl_mcxt *cx, const char *s, size_t *len)
{
    sl_buf b;
    char *copy;

    sl_buf_init(&b);
    sl_json_put_string(&b, s, strlen(s));
    copy = sl_pstrndup(cx, b.data, b.len);
    *len = b.len;
    sl_buf_free(&b);
    return copy;
}

static sl_status find_key_column(const sl_schema *schema, const char *name, const char *what, int *col,
                                 sl_error *err)
{
    *col = sl_schema_find(schema, name);
    if (*col < 0)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_COLUMN,
                            "%s column \"%s\" is not an output column of the query", what, name);
    if (schema->types[*col] == SL_TYPE_BOOL || schema->types[*col] == SL_TYPE_UNKNOWN)
        return sl_error_set(
            err, SL_ERRCODE_DATATYPE_MISMATCH,
            "%s column \"%s\" must be of type text, bigint, double, timestamp or interval, not %s", what,
            name, sl_type_name(schema->types[*col]));
    return SL_OK;
}

sl_status sl_ddb_encoder_new(sl_mcxt *cx, const sl_schema *schema, const char *table, const char *key,
                             const char *sort_key, sl_ddb_ts_format ts_format, sl_ddb_encoder **out,
                             sl_error *err)
{
    sl_ddb_encoder *enc = sl_pnew(cx, sl_ddb_encoder);
    int n = schema->ncols > 0 ? schema->ncols : 1;
    size_t tlen;
    char *t;

    *out = NULL;
    enc->schema = schema;
    enc->ts_format = ts_format;
    enc->sort_col = -1;
    if (find_key_column(schema, key, "key", &enc->key_col, err) != SL_OK)
        return SL_ERROR;
    if (sort_key != NULL && sort_key[0] != '\0') {
        if (strcmp(sort_key, key) == 0)
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                                "sort_key \"%s\" must be a different column than key", sort_key);
        if (find_key_column(schema, sort_key, "sort_key", &enc->sort_col, err) != SL_OK)
            return SL_ERROR;
    }
    enc->prefix = sl_palloc(cx, sizeof(char *) * (size_t)n);
    enc->prefix_len = sl_palloc(cx, sizeof(size_t) * (size_t)n);
    for (int c = 0; c < schema->ncols; c++) {
        size_t len;
        char *q = json_quoted(cx, schema->names[c], &len);

        enc->prefix[c] = sl_psprintf(cx, "%s%s:", c == 0 ? "" : ",", q);
        enc->prefix_len[c] = len + 1 + (c == 0 ? 0 : 1);
    }
    t = json_quoted(cx, table, &tlen);
    enc->head = sl_psprintf(cx, "{\"RequestItems\":{%s:[", t);
    enc->head_len = strlen(enc->head);
    sl_buf_init(&enc->scratch);
    *out = enc;
    return SL_OK;
}

void sl_ddb_encoder_free(sl_ddb_encoder *enc)
{
    if (enc != NULL)
        sl_buf_free(&enc->scratch);
}

/* ---- values ---- */

static void put(sl_buf *b, const char *s, size_t n)
{
    sl_buf_append(b, s, n);
}

#define PUT_LIT(b, lit) put((b), (lit), sizeof(lit) - 1)

/* True when DynamoDB can store v as a number: finite, and zero or within
 * [1e-130, 1e126) in magnitude. */
static bool ddb_number_ok(double v)
{
    double a = fabs(v);

    return isfinite(v) && (a == 0 || (a >= 1e-130 && a < 1e126));
}

/*
 * Exact decimal text of us / unit (unit 1, 1000 or 1000000): the integer
 * part, then the remainder as a fraction without trailing zeros.  Unsigned
 * arithmetic so that INT64_MIN has a magnitude.
 */
static int format_epoch(int64_t us, int64_t unit, char *buf)
{
    uint64_t mag = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
    uint64_t whole = mag / (uint64_t)unit, frac = mag % (uint64_t)unit;
    char digits[24];
    int nd = 0, len = 0, width = unit == 1000000 ? 6 : unit == 1000 ? 3 : 0;

    if (us < 0)
        buf[len++] = '-';
    do {
        digits[nd++] = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole > 0);
    while (nd > 0)
        buf[len++] = digits[--nd];
    if (frac != 0) {
        char f[8];

        for (int i = width - 1; i >= 0; i--) {
            f[i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        while (width > 0 && f[width - 1] == '0')
            width--;
        buf[len++] = '.';
        memcpy(buf + len, f, (size_t)width);
        len += width;
    }
    buf[len] = '\0';
    return len;
}

/*
 * Appends the AttributeValue of column c of row.  With is_key, returns
 * false (and appends nothing) when the value cannot be a key of at most
 * key_max bytes; otherwise always true.
 */
static bool put_value(const sl_ddb_encoder *enc, const sl_batch *batch, int c, int row, bool is_key,
                      size_t key_max, sl_buf *out, sl_ddb_stats *stats)
{
    const sl_vector *v = &batch->cols[c];
    char tmp[SL_VALUE_TEXT_MAX + 2];
    int n;

    if (v->nulls[row]) {
        if (is_key)
            return false;
        PUT_LIT(out, "{\"NULL\":true}");
        return true;
    }
    switch (v->type) {
    case SL_TYPE_BOOL:
        if (v->v.b[row])
            PUT_LIT(out, "{\"BOOL\":true}");
        else
            PUT_LIT(out, "{\"BOOL\":false}");
        return true;
    case SL_TYPE_BIGINT:
        n = sl_format_bigint(v->v.i64[row], tmp);
        break;
    case SL_TYPE_DOUBLE: {
        double d = v->v.f64[row];

        if (!ddb_number_ok(d)) {
            if (is_key)
                return false;
            stats->values_nulled++;
            PUT_LIT(out, "{\"NULL\":true}");
            return true;
        }
        /* DynamoDB numbers have no negative zero. */
        n = d == 0 ? (int)(strcpy(tmp, "0"), 1) : sl_format_double_fast(d, tmp);
        break;
    }
    case SL_TYPE_TEXT: {
        sl_text t = v->v.text[row];

        if (is_key && (t.len == 0 || (size_t)t.len > key_max))
            return false;
        PUT_LIT(out, "{\"S\":");
        sl_json_put_string(out, t.ptr, (size_t)t.len);
        PUT_LIT(out, "}");
        return true;
    }
    case SL_TYPE_TIMESTAMP:
        if (enc->ts_format == SL_DDB_TS_ISO8601) {
            n = sl_format_iso_timestamp(v->v.i64[row], tmp);
            PUT_LIT(out, "{\"S\":\"");
            put(out, tmp, (size_t)n);
            PUT_LIT(out, "\"}");
            return true;
        }
        n = format_epoch(v->v.i64[row],
                         enc->ts_format == SL_DDB_TS_EPOCH_SECONDS  ? 1000000
                         : enc->ts_format == SL_DDB_TS_EPOCH_MILLIS ? 1000
                                                                    : 1,
                         tmp);
        break;
    case SL_TYPE_INTERVAL:
        n = sl_format_interval(v->v.i64[row], tmp);
        PUT_LIT(out, "{\"S\":");
        sl_json_put_string(out, tmp, (size_t)n);
        PUT_LIT(out, "}");
        return true;
    case SL_TYPE_UNKNOWN:
    default:
        if (is_key)
            return false;
        PUT_LIT(out, "{\"NULL\":true}");
        return true;
    }
    /* A number: BIGINT, DOUBLE, epoch TIMESTAMP. */
    PUT_LIT(out, "{\"N\":\"");
    put(out, tmp, (size_t)n);
    PUT_LIT(out, "\"}");
    return true;
}

/* ---- requests ---- */

/* Appends row's key attributes (partition, then sort key) to scratch as the
 * identity used to find duplicates; false when the row has no valid key. */
static bool put_key(sl_ddb_encoder *enc, const sl_batch *batch, int row, sl_ddb_stats *stats)
{
    size_t start = enc->scratch.len;

    if (!put_value(enc, batch, enc->key_col, row, true, DDB_MAX_PARTITION_KEY, &enc->scratch, stats))
        return false;
    if (enc->sort_col >= 0) {
        PUT_LIT(&enc->scratch, ",");
        if (!put_value(enc, batch, enc->sort_col, row, true, DDB_MAX_SORT_KEY, &enc->scratch, stats)) {
            enc->scratch.len = start;
            return false;
        }
    }
    return true;
}

static void put_item(sl_ddb_encoder *enc, const sl_batch *batch, int row, sl_ddb_stats *stats)
{
    sl_buf *b = &enc->scratch;

    PUT_LIT(b, "{\"PutRequest\":{\"Item\":{");
    for (int c = 0; c < enc->schema->ncols; c++) {
        put(b, enc->prefix[c], enc->prefix_len[c]);
        put_value(enc, batch, c, row, false, 0, b, stats);
    }
    PUT_LIT(b, "}}}");
}

int sl_ddb_encode_request(sl_ddb_encoder *enc, const sl_batch *batch, int *next, int max_items,
                          size_t max_bytes, sl_buf *out, sl_ddb_stats *stats)
{
    ddb_entry *e = enc->entries;
    size_t total = enc->head_len + 3; /* head + "]}}" */
    int n = 0, row = *next;

    if (max_items < 1 || max_items > SL_DDB_MAX_ITEMS)
        max_items = SL_DDB_MAX_ITEMS;
    /* Keeps a usual request's worth of scratch, gives back what a huge one took. */
    sl_buf_reset(&enc->scratch, 4 * 1024 * 1024);
    for (; row < batch->nrows; row++) {
        size_t key_off = enc->scratch.len, item_off, item_len;
        int dup = -1;

        if (!put_key(enc, batch, row, stats)) {
            stats->bad_keys++;
            continue;
        }
        item_off = enc->scratch.len;
        put_item(enc, batch, row, stats);
        item_len = enc->scratch.len - item_off;
        for (int i = 0; i < n; i++)
            if (e[i].key_len == item_off - key_off &&
                memcmp(enc->scratch.data + e[i].key_off, enc->scratch.data + key_off, e[i].key_len) == 0) {
                dup = i;
                break;
            }
        if (dup >= 0) {
            /* The later row replaces the earlier one, unless the request
             * would grow too big: then it starts the next request, which is
             * sent later, so it still wins. */
            if (total - e[dup].item_len + item_len > max_bytes) {
                enc->scratch.len = key_off;
                break;
            }
            total = total - e[dup].item_len + item_len;
            e[dup].item_off = item_off;
            e[dup].item_len = item_len;
            stats->duplicates++;
            continue;
        }
        if (n == max_items || (n > 0 && total + 1 + item_len > max_bytes)) {
            /* This row begins the next request (encoded again then: cheaper
             * than keeping it aside). */
            enc->scratch.len = key_off;
            break;
        }
        e[n].key_off = key_off;
        e[n].key_len = item_off - key_off;
        e[n].item_off = item_off;
        e[n].item_len = item_len;
        total += item_len + (n > 0 ? 1 : 0);
        n++;
    }
    *next = row;
    if (n == 0)
        return 0;
    sl_buf_reserve(out, total);
    put(out, enc->head, enc->head_len);
    for (int i = 0; i < n; i++) {
        if (i > 0)
            PUT_LIT(out, ",");
        put(out, enc->scratch.data + e[i].item_off, e[i].item_len);
    }
    PUT_LIT(out, "]}}");
    stats->items += n;
    return n;
}

/* ---- replies (common/json_scan.h) ---- */

/* The string v unescaped into dst (cap bytes with the NUL), cut at a
 * character boundary to fit; a lone surrogate becomes U+FFFD. */
static void copy_string(const sl_json_span *v, char *dst, size_t cap)
{
    sl_buf b;
    size_t n = 0;

    sl_buf_init(&b);
    if (sl_json_string(v, &b, true)) {
        n = b.len < cap - 1 ? b.len : cap - 1;
        while (n > 0 && n < b.len && ((unsigned char)b.data[n] & 0xC0) == 0x80)
            n--;
        memcpy(dst, b.data, n);
    }
    dst[n] = '\0';
    sl_buf_free(&b);
}

bool sl_ddb_reply_parse(const char *body, size_t len, sl_ddb_reply *reply)
{
    sl_json_span obj, key, val, table, req;
    const char *it = NULL;

    memset(reply, 0, sizeof(*reply));
    if (!sl_json_parse(body, len, &obj) || sl_json_type(&obj) != '{')
        return false;
    while (sl_json_next_member(&obj, &it, &key, &val)) {
        if (sl_json_string_is(&key, "UnprocessedItems") && sl_json_type(&val) == '{') {
            const char *t = NULL;
            reply->unprocessed = val.start;
            reply->unprocessed_len = (size_t)(val.end - val.start);
            while (sl_json_next_member(&val, &t, &table, &req)) {
                const char *r = NULL;
                sl_json_span item;
                while (sl_json_type(&req) == '[' && sl_json_next_item(&req, &r, &item))
                    reply->unprocessed_count++;
            }
        } else if (sl_json_string_is(&key, "__type") && sl_json_type(&val) == '"') {
            /* "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" */
            char *hash;
            copy_string(&val, reply->type, sizeof(reply->type));
            hash = strrchr(reply->type, '#');
            if (hash != NULL)
                memmove(reply->type, hash + 1, strlen(hash + 1) + 1);
        } else if ((sl_json_string_is(&key, "message") || sl_json_string_is(&key, "Message")) &&
                   sl_json_type(&val) == '"') {
            copy_string(&val, reply->message, sizeof(reply->message));
        }
    }
    return true;
}

void sl_ddb_retry_body(const sl_ddb_reply *reply, sl_buf *out)
{
    PUT_LIT(out, "{\"RequestItems\":");
    if (reply->unprocessed != NULL)
        put(out, reply->unprocessed, reply->unprocessed_len);
    else
        PUT_LIT(out, "{}");
    PUT_LIT(out, "}");
}

bool sl_ddb_error_retryable(const char *type)
{
    static const char *const retryable[] = {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "LimitExceededException",
    };

    for (size_t i = 0; i < sizeof(retryable) / sizeof(retryable[0]); i++)
        if (strcmp(type, retryable[i]) == 0)
            return true;
    return false;
}

const char *sl_ddb_error_sqlstate(const char *type)
{
    static const char *const auth[] = {
        "UnrecognizedClientException", "AccessDeniedException",
        "InvalidSignatureException",   "IncompleteSignatureException",
        "MissingAuthenticationToken",  "MissingAuthenticationTokenException",
        "ExpiredTokenException",       "InvalidClientTokenId",
        "SignatureDoesNotMatch",       "NotAuthorized",
    };

    if (strcmp(type, "ResourceNotFoundException") == 0)
        return SL_ERRCODE_UNDEFINED_TABLE;
    for (size_t i = 0; i < sizeof(auth) / sizeof(auth[0]); i++)
        if (strcmp(type, auth[i]) == 0)
            return SL_ERRCODE_INVALID_AUTHORIZATION;
    return SL_ERRCODE_DATA_EXCEPTION;
}
