/*
 * fuzz_avro.c - fuzz harness of the Avro message decoder
 * (formats/avro.h): the length checks done before libavro reads a
 * message, the value conversions, and the encoder through a round trip.
 *
 * Two kinds of input:
 *   - anything not starting with '{': one Avro message, decoded with a
 *     fixed writer schema (every Avro type: primitives, logical timestamps,
 *     enum, fixed, bytes, unions, arrays, maps, a nested record and a
 *     recursive list) without and with the Confluent header.  Each row
 *     decoded is encoded with the derived schema (sl_avro_encoder) and
 *     decoded again: the values must come back the same.
 *   - '{...}\n' followed by bytes: a writer schema (what a user puts in
 *     the `schema` option) and one message decoded with it; a schema
 *     libavro refuses must fail cleanly.
 */
#include <string.h>

#include "formats/avro.h"
#include "fuzz/format_check.h"
#include "fuzz/fuzz.h"

static const char writer_schema[] =
    "{\"type\":\"record\",\"name\":\"reading\",\"fields\":["
    "{\"name\":\"station\",\"type\":\"string\"},"
    "{\"name\":\"ph\",\"type\":\"double\"},"
    "{\"name\":\"count\",\"type\":\"long\"},"
    "{\"name\":\"ok\",\"type\":\"boolean\"},"
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"ts_us\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}]},"
    "{\"name\":\"ts_text\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"gap\",\"type\":[\"null\",\"long\",\"string\"]},"
    "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"kind\",\"symbols\":[\"A\",\"B\",\"C\"]}},"
    "{\"name\":\"small\",\"type\":\"int\"},"
    "{\"name\":\"f\",\"type\":\"float\"},"
    "{\"name\":\"any\",\"type\":[\"null\",\"int\",\"long\",\"float\",\"double\",\"string\",\"boolean\"]},"
    "{\"name\":\"raw\",\"type\":\"bytes\"},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"fx\",\"size\":4}},"
    "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
    "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"double\"]}},"
    "{\"name\":\"inner\",\"type\":{\"type\":\"record\",\"name\":\"inner\",\"fields\":["
    "{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"ys\",\"type\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"record\",\"name\":\"inner2\",\"fields\":[{\"name\":\"z\",\"type\":\"double\"}]}}}]}},"
    "{\"name\":\"list\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"node\",\"fields\":["
    "{\"name\":\"v\",\"type\":\"long\"},{\"name\":\"next\",\"type\":[\"null\",\"node\"]}]}]},"
    "{\"name\":\"empty\",\"type\":\"null\"}"
    "]}";

static const char *const names[] = {"station", "ph",   "count", "ok", "ts",  "ts_us",  "ts_text",
                                    "gap",     "kind", "small", "F",  "any", "missing"};
static const sl_type types[] = {SL_TYPE_TEXT,      SL_TYPE_DOUBLE,    SL_TYPE_BIGINT,    SL_TYPE_BOOL,
                                SL_TYPE_TIMESTAMP, SL_TYPE_TIMESTAMP, SL_TYPE_TIMESTAMP, SL_TYPE_INTERVAL,
                                SL_TYPE_TEXT,      SL_TYPE_BIGINT,    SL_TYPE_DOUBLE,    SL_TYPE_DOUBLE,
                                SL_TYPE_TEXT};
#define NCOLS ((int)(sizeof(names) / sizeof(names[0])))

/* Decodes p[0..len) with dec; a decoded row is round-tripped through the encoder. */
static void decode(sl_mcxt *cx, sl_avro_decoder *dec, const sl_schema *schema, const char *p, size_t len)
{
    sl_batch *batch = sl_batch_new(cx, schema, 1), *back = sl_batch_new(cx, schema, 1);
    sl_avro_encoder *enc;
    sl_avro_decoder *rdec;
    const char *json;
    sl_buf out;
    sl_error err;

    sl_error_clear(&err);
    if (sl_avro_decode(dec, p, len, batch, &err) != SL_OK) {
        if (batch->nrows != 0 || !sl_error_is_set(&err))
            sl_fuzz_fail("a failed message changed the batch or set no error");
        return;
    }
    if (batch->nrows != 1)
        sl_fuzz_fail("a decoded message gave %d rows", batch->nrows);
    enc = sl_avro_encoder_new(cx, schema, &err);
    if (enc == NULL)
        sl_fuzz_fail("no encoder: %s", err.message);
    json = sl_avro_encoder_schema_json(enc);
    rdec = sl_avro_decoder_new(cx, schema, json, strlen(json), false, NULL, &err);
    if (rdec == NULL)
        sl_fuzz_fail("the derived schema does not decode: %s", err.message);
    sl_buf_init(&out);
    if (sl_avro_encode_row(enc, batch, 0, &out, &err) != SL_OK)
        sl_fuzz_fail("a decoded row does not encode: %s", err.message);
    if (sl_avro_decode(rdec, out.data, out.len, back, &err) != SL_OK)
        sl_fuzz_fail("an encoded row does not decode: %s %s", err.sqlstate, err.message);
    for (int c = 0; c < schema->ncols; c++)
        sl_fuzz_compare(batch, 0, back, 0, c, false, "(avro)");
    sl_buf_free(&out);
    sl_avro_decoder_free(rdec);
    sl_avro_encoder_free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "fuzz avro");
    const sl_schema *schema = sl_schema_new(cx, NCOLS, names, types);
    sl_error err;
    /* An exact copy: ASan sees a read past the message. */
    char *msg = malloc(size ? size : 1);

    if (msg == NULL)
        abort();
    sl_error_clear(&err);
    memcpy(msg, data, size);
    if (size > 0 && msg[0] == '{') {
        const char *nl = memchr(msg, '\n', size);
        size_t slen = nl ? (size_t)(nl - msg) : size;
        sl_avro_decoder *dec = sl_avro_decoder_new(cx, schema, msg, slen, false, NULL, &err);

        if (dec != NULL) {
            decode(cx, dec, schema, nl ? nl + 1 : msg + size, nl ? size - slen - 1 : 0);
            sl_avro_decoder_free(dec);
        } else if (!sl_error_is_set(&err))
            sl_fuzz_fail("a refused schema set no error");
    } else {
        size_t slen = sizeof(writer_schema) - 1;
        const char *json = writer_schema;
        sl_avro_decoder *plain = sl_avro_decoder_new(cx, schema, json, slen, false, NULL, &err);
        sl_avro_decoder *confluent = sl_avro_decoder_new(cx, schema, json, slen, true, NULL, &err);

        if (plain == NULL || confluent == NULL)
            sl_fuzz_fail("the fixed schema is refused: %s", err.message);
        decode(cx, plain, schema, msg, size);
        decode(cx, confluent, schema, msg, size);
        sl_avro_decoder_free(plain);
        sl_avro_decoder_free(confluent);
    }
    free(msg);
    sl_mcxt_delete(cx);
    return 0;
}
