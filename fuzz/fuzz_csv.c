/*
 * fuzz_csv.c - fuzz harness of the CSV line decoder (formats/format.h,
 * formats/csv.c) and, through round trips, of the encoders.
 *
 * The input is split into lines as the FILE source splits a file; each
 * line is copied into a buffer of exactly its size (ASan catches a read
 * past it) and decoded by two decoders: one by position (epoch seconds),
 * whose rows must survive a round trip through the CSV and the JSON
 * encoder (format_check.c), and one with header (the first line names the
 * columns; epoch milliseconds).  The header decoder is reset at a line
 * "--reset--" (a new file begins), so later lines are a header again.
 */
#include <string.h>

#include "formats/format.h"
#include "fuzz/format_check.h"
#include "fuzz/fuzz.h"

#define FUZZ_ROWS 8

static const char *const names[] = {"ts", "station", "ph", "n", "ok", "d", "Note"};
static const sl_type types[] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT,     SL_TYPE_DOUBLE, SL_TYPE_BIGINT,
                                SL_TYPE_BOOL,      SL_TYPE_INTERVAL, SL_TYPE_TEXT};

static sl_status decode(sl_csv_decoder *dec, const char *p, size_t len, sl_batch *batch)
{
    sl_error err;
    int before;
    sl_status st;

    if (batch->nrows == batch->capacity)
        sl_batch_reset(batch);
    before = batch->nrows;
    sl_error_clear(&err);
    st = sl_csv_decode_line(dec, p, len, batch, &err);
    if (st == SL_OK && batch->nrows != before && batch->nrows != before + 1)
        sl_fuzz_fail("a decoded line added %d rows", batch->nrows - before);
    if (st != SL_OK && (batch->nrows != before || !sl_error_is_set(&err)))
        sl_fuzz_fail("a failed line changed the batch or set no error");
    return st == SL_OK && batch->nrows == before + 1 ? SL_OK : SL_ERROR;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "fuzz csv");
    const sl_schema *schema = sl_schema_new(cx, 7, names, types);
    sl_decode_options header = {.ts_unit_us = 1000, .header = true};
    sl_csv_decoder *dpos = sl_csv_decoder_new(cx, schema, NULL);
    sl_csv_decoder *dhdr = sl_csv_decoder_new(cx, schema, &header);
    sl_batch *bpos = sl_batch_new(cx, schema, FUZZ_ROWS);
    sl_batch *bhdr = sl_batch_new(cx, schema, FUZZ_ROWS);
    sl_fuzz_rt *rt = sl_fuzz_rt_new(cx, schema);
    const char *p = (const char *)data, *end = p + size;

    while (p <= end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        char *line = malloc(len ? len : 1);

        if (line == NULL)
            abort();
        memcpy(line, p, len);
        if (len == 9 && memcmp(line, "--reset--", 9) == 0)
            sl_csv_decoder_reset(dhdr);
        else {
            (void)decode(dhdr, line, len, bhdr);
            if (decode(dpos, line, len, bpos) == SL_OK)
                sl_fuzz_rt_check(rt, bpos, bpos->nrows - 1);
        }
        free(line);
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    sl_mcxt_delete(cx);
    return 0;
}
