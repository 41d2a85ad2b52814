/*
 * printtup.c - rows of a batch as text values (see printtup.h).
 */
#include "server/net/printtup.h"

#include "sluice/types.h"

sl_status sl_printtup_batch(sl_dest *dest, const sl_batch *b, sl_mcxt *cx, const char **values, sl_error *err)
{
    int ncols = b->schema->ncols;

    for (int r = 0; r < b->nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            const sl_vector *v = &b->cols[c];
            char buf[SL_VALUE_TEXT_MAX];
            int n = 0;

            if (v->nulls[r]) {
                values[c] = NULL;
                continue;
            }
            switch (v->type) {
            case SL_TYPE_BOOL:
                n = sl_format_bool(v->v.b[r], buf);
                break;
            case SL_TYPE_BIGINT:
                n = sl_format_bigint(v->v.i64[r], buf);
                break;
            case SL_TYPE_DOUBLE:
                n = sl_format_double(v->v.f64[r], buf);
                break;
            case SL_TYPE_TIMESTAMP:
                n = sl_format_timestamp(v->v.i64[r], buf);
                break;
            case SL_TYPE_INTERVAL:
                n = sl_format_interval(v->v.i64[r], buf);
                break;
            case SL_TYPE_TEXT:
                values[c] = sl_pstrndup(cx, v->v.text[r].ptr, (size_t)v->v.text[r].len);
                continue;
            case SL_TYPE_UNKNOWN:
            default:
                values[c] = NULL;
                continue;
            }
            values[c] = sl_pstrndup(cx, buf, (size_t)n);
        }
        if (dest->row(dest, values, err) != SL_OK)
            return SL_ERROR;
    }
    return SL_OK;
}
