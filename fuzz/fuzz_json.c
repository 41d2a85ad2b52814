/*
 * fuzz_json.c - fuzz harness of the JSON lines decoder (formats/format.h,
 * formats/json.c) and, through round trips, of the JSON and CSV
 * encoders.
 *
 * The input is split into lines; each line is copied into a buffer of
 * exactly its size (so ASan catches a read past its end: the decoder must
 * read nothing outside p[0..len)) and decoded twice: into a schema with
 * path columns ("a.b", "a.c", "a.c.d": nested objects, a path that is a
 * prefix of another), epoch seconds; and into a flat schema, epoch
 * milliseconds, whose decoded rows must survive a round trip through the
 * JSON and the CSV encoder (format_check.c).  A line that fails must leave
 * the batch as it was and set a SQLSTATE.
 */
#include <string.h>

#include "formats/format.h"
#include "fuzz/format_check.h"
#include "fuzz/fuzz.h"

#define FUZZ_ROWS 8

static const char *const nested_names[] = {"ts", "station", "ph", "n", "ok", "d", "a.b", "a.c", "a.c.d"};
static const sl_type nested_types[] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT,   SL_TYPE_DOUBLE,
                                       SL_TYPE_BIGINT,    SL_TYPE_BOOL,   SL_TYPE_INTERVAL,
                                       SL_TYPE_DOUBLE,    SL_TYPE_BIGINT, SL_TYPE_TEXT};
static const char *const flat_names[] = {"ts", "station", "ph", "n", "ok", "d", "note"};
static const sl_type flat_types[] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT,     SL_TYPE_DOUBLE, SL_TYPE_BIGINT,
                                     SL_TYPE_BOOL,      SL_TYPE_INTERVAL, SL_TYPE_TEXT};

/* Decodes one line; checks that a failure leaves the batch alone. */
static sl_status decode(sl_json_decoder *dec, const char *p, size_t len, sl_batch *batch)
{
    sl_error err;
    int before;
    sl_status st;

    if (batch->nrows == batch->capacity)
        sl_batch_reset(batch);
    before = batch->nrows;
    sl_error_clear(&err);
    st = sl_json_decode_line(dec, p, len, batch, &err);
    if (st == SL_OK && batch->nrows != before + 1)
        sl_fuzz_fail("a decoded line added %d rows", batch->nrows - before);
    if (st != SL_OK && (batch->nrows != before || !sl_error_is_set(&err)))
        sl_fuzz_fail("a failed line changed the batch or set no error");
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "fuzz json");
    const sl_schema *nested = sl_schema_new(cx, 9, nested_names, nested_types);
    const sl_schema *flat = sl_schema_new(cx, 7, flat_names, flat_types);
    sl_decode_options ms = {.ts_unit_us = 1000};
    sl_json_decoder *dnested = sl_json_decoder_new(cx, nested, NULL);
    sl_json_decoder *dflat = sl_json_decoder_new(cx, flat, &ms);
    sl_batch *bnested = sl_batch_new(cx, nested, FUZZ_ROWS);
    sl_batch *bflat = sl_batch_new(cx, flat, FUZZ_ROWS);
    sl_fuzz_rt *rt = sl_fuzz_rt_new(cx, flat);
    const char *p = (const char *)data, *end = p + size;

    while (p <= end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        char *line = malloc(len ? len : 1);

        if (line == NULL)
            abort();
        memcpy(line, p, len);
        (void)decode(dnested, line, len, bnested);
        if (decode(dflat, line, len, bflat) == SL_OK)
            sl_fuzz_rt_check(rt, bflat, bflat->nrows - 1);
        free(line);
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    sl_mcxt_delete(cx);
    return 0;
}
