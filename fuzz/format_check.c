/*
 * format_check.c - round trips of decoded rows through the JSON and CSV
 * encoders and back (see format_check.h).
 */
#include <math.h>
#include <string.h>

#include "fuzz/format_check.h"
#include "fuzz/fuzz.h"

struct sl_fuzz_rt {
    const sl_schema *schema;
    sl_json_encoder *json_enc;
    sl_json_decoder *json_dec;
    sl_csv_encoder *csv_enc;
    sl_csv_decoder *csv_dec;
    sl_batch *back; /* one row decoded again */
};

sl_fuzz_rt *sl_fuzz_rt_new(sl_mcxt *cx, const sl_schema *schema)
{
    sl_fuzz_rt *rt = sl_pnew(cx, sl_fuzz_rt);

    rt->schema = schema;
    rt->json_enc = sl_json_encoder_new(cx, schema);
    rt->json_dec = sl_json_decoder_new(cx, schema, NULL);
    rt->csv_enc = sl_csv_encoder_new(cx, schema);
    rt->csv_dec = sl_csv_decoder_new(cx, schema, NULL);
    rt->back = sl_batch_new(cx, schema, 1);
    return rt;
}

void sl_fuzz_compare(const sl_batch *a, int r, const sl_batch *b, int s, int c, bool nan_may_be_null,
                     const char *text)
{
    const sl_vector *va = &a->cols[c], *vb = &b->cols[c];
    const char *col = a->schema->names[c];

    if (va->nulls[r] || vb->nulls[s]) {
        if (va->nulls[r] && vb->nulls[s])
            return;
        if (nan_may_be_null && !va->nulls[r] && va->type == SL_TYPE_DOUBLE && !isfinite(va->v.f64[r]))
            return;
        sl_fuzz_fail("round trip: column %s NULL %d -> %d\n  encoded: %s", col, va->nulls[r], vb->nulls[s],
                     text);
    }
    switch (va->type) {
    case SL_TYPE_BOOL:
        if (va->v.b[r] != vb->v.b[s])
            sl_fuzz_fail("round trip: column %s changed\n  encoded: %s", col, text);
        break;
    case SL_TYPE_BIGINT:
    case SL_TYPE_TIMESTAMP:
    case SL_TYPE_INTERVAL:
        if (va->v.i64[r] != vb->v.i64[s])
            sl_fuzz_fail("round trip: column %s %lld -> %lld\n  encoded: %s", col, (long long)va->v.i64[r],
                         (long long)vb->v.i64[s], text);
        break;
    case SL_TYPE_DOUBLE: {
        double x = va->v.f64[r], y = vb->v.f64[s];
        if (!(x == y && signbit(x) == signbit(y)) && !(isnan(x) && isnan(y)))
            sl_fuzz_fail("round trip: column %s %.17g -> %.17g\n  encoded: %s", col, x, y, text);
        break;
    }
    case SL_TYPE_TEXT:
        if (va->v.text[r].len != vb->v.text[s].len ||
            memcmp(va->v.text[r].ptr, vb->v.text[s].ptr, (size_t)va->v.text[r].len) != 0)
            sl_fuzz_fail("round trip: column %s text changed\n  encoded: %s", col, text);
        break;
    default:
        break;
    }
}

/* True when every TEXT value of the row is valid UTF-8 without NUL: JSON
 * can carry only those (the encoder writes U+FFFD for a bad byte, and a
 * NUL as \u0000, which the decoder refuses for TEXT); CSV carries any
 * bytes. */
static bool json_safe(const sl_batch *batch, int row)
{
    for (int c = 0; c < batch->schema->ncols; c++) {
        const sl_vector *v = &batch->cols[c];
        if (v->type != SL_TYPE_TEXT || v->nulls[row])
            continue;
        if (!sl_utf8_valid((const unsigned char *)v->v.text[row].ptr, (size_t)v->v.text[row].len) ||
            memchr(v->v.text[row].ptr, '\0', (size_t)v->v.text[row].len) != NULL)
            return false;
    }
    return true;
}

void sl_fuzz_rt_check(sl_fuzz_rt *rt, const sl_batch *batch, int row)
{
    sl_buf out;
    sl_error err;

    sl_buf_init(&out);
    for (int pass = json_safe(batch, row) ? 0 : 1; pass < 2; pass++) {
        bool json = pass == 0;
        sl_status st;

        out.len = 0;
        sl_batch_reset(rt->back);
        if (json)
            sl_json_encode_row(rt->json_enc, batch, row, &out);
        else
            sl_csv_encode_row(rt->csv_enc, batch, row, &out);
        sl_buf_append(&out, "", 1); /* NUL for the messages; not part of the line */
        st = json ? sl_json_decode_line(rt->json_dec, out.data, out.len - 1, rt->back, &err)
                  : sl_csv_decode_line(rt->csv_dec, out.data, out.len - 1, rt->back, &err);
        if (st != SL_OK)
            sl_fuzz_fail("%s round trip: the encoded row does not decode: %s %s\n  encoded: %s",
                         json ? "json" : "csv", err.sqlstate, err.message, out.data);
        if (rt->back->nrows != 1)
            sl_fuzz_fail("round trip: %d rows decoded", rt->back->nrows);
        for (int c = 0; c < rt->schema->ncols; c++)
            sl_fuzz_compare(batch, row, rt->back, 0, c, json, out.data);
    }
    sl_buf_free(&out);
}
