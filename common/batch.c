/*
 * batch.c - schemas, column vectors and batches (see include/sluice/batch.h).
 */
#include "sluice/batch.h"

#include <string.h>

sl_schema *sl_schema_new(sl_mcxt *cx, int n, const char *const *names, const sl_type *types)
{
    sl_schema *schema = sl_pnew(cx, sl_schema);

    schema->ncols = n;
    schema->names = sl_palloc(cx, sizeof(char *) * (size_t)(n > 0 ? n : 1));
    schema->types = sl_palloc(cx, sizeof(sl_type) * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        schema->names[i] = sl_pstrdup(cx, names[i]);
        schema->types[i] = types[i];
    }
    return schema;
}

int sl_schema_find(const sl_schema *schema, const char *name)
{
    for (int i = 0; i < schema->ncols; i++)
        if (strcmp(schema->names[i], name) == 0)
            return i;
    return -1;
}

size_t sl_type_width(sl_type type)
{
    switch (type) {
    case SL_TYPE_BOOL:
        return sizeof(bool);
    case SL_TYPE_DOUBLE:
        return sizeof(double);
    case SL_TYPE_TEXT:
        return sizeof(sl_text);
    case SL_TYPE_UNKNOWN:
    case SL_TYPE_BIGINT:
    case SL_TYPE_TIMESTAMP:
    case SL_TYPE_INTERVAL:
        break;
    }
    return sizeof(int64_t);
}

void sl_vector_init(sl_vector *vec, sl_mcxt *cx, sl_type type, int capacity)
{
    size_t n = (size_t)(capacity > 0 ? capacity : 1);

    vec->type = type;
    vec->nulls = sl_pzalloc(cx, n);
    /* All union members share one pointer: allocate for the widest use of this type. */
    vec->v.i64 = sl_pzalloc(cx, n * sl_type_width(type));
}

sl_batch *sl_batch_new(sl_mcxt *cx, const sl_schema *schema, int capacity)
{
    sl_batch *batch = sl_pnew(cx, sl_batch);

    batch->schema = schema;
    batch->capacity = capacity;
    batch->cols = sl_palloc(cx, sizeof(sl_vector) * (size_t)(schema->ncols > 0 ? schema->ncols : 1));
    for (int i = 0; i < schema->ncols; i++)
        sl_vector_init(&batch->cols[i], cx, schema->types[i], capacity);
    batch->event_time = sl_pzalloc(cx, sizeof(int64_t) * (size_t)(capacity > 0 ? capacity : 1));
    batch->split = sl_pzalloc(cx, sizeof(int32_t) * (size_t)(capacity > 0 ? capacity : 1));
    batch->cx = sl_mcxt_create(cx, "batch");
    return batch;
}

void sl_batch_reset(sl_batch *batch)
{
    batch->nrows = 0;
    batch->has_event_time = false;
    batch->has_split = false;
    sl_mcxt_reset(batch->cx);
}

sl_text sl_batch_text(sl_batch *batch, const char *s, int32_t len)
{
    sl_text t;

    t.ptr = sl_pstrndup(batch->cx, s, (size_t)len);
    t.len = len;
    return t;
}

int sl_batch_append(sl_batch *dst, const sl_batch *src, int from, int n)
{
    int room = dst->capacity - dst->nrows, at = dst->nrows;

    if (n > room)
        n = room;
    if (n <= 0)
        return 0;
    for (int c = 0; c < dst->schema->ncols; c++) {
        const sl_vector *sv = &src->cols[c];
        sl_vector *dv = &dst->cols[c];
        size_t w = sl_type_width(dv->type);

        memcpy(dv->nulls + at, sv->nulls + from, (size_t)n);
        if (dv->type != SL_TYPE_TEXT) {
            memcpy((char *)dv->v.i64 + (size_t)at * w, (const char *)sv->v.i64 + (size_t)from * w,
                   (size_t)n * w);
            continue;
        }
        for (int i = 0; i < n; i++) {
            const sl_text *t = &sv->v.text[from + i];
            if (sv->nulls[from + i]) {
                dv->v.text[at + i].ptr = NULL;
                dv->v.text[at + i].len = 0;
                continue;
            }
            dv->v.text[at + i] = sl_batch_text(dst, t->ptr, t->len);
        }
    }
    memcpy(dst->event_time + at, src->event_time + from, sizeof(int64_t) * (size_t)n);
    dst->has_event_time = true;
    /* Splits only matter to the window operator; sinks' buffers drop them. */
    dst->has_split = false;
    dst->nrows += n;
    return n;
}

void sl_batch_compact(sl_batch *batch, const bool *keep)
{
    int out = 0;

    for (int i = 0; i < batch->nrows; i++) {
        if (!keep[i])
            continue;
        if (out != i) {
            for (int c = 0; c < batch->schema->ncols; c++) {
                sl_vector *v = &batch->cols[c];
                size_t w = sl_type_width(v->type);
                v->nulls[out] = v->nulls[i];
                memcpy((char *)v->v.i64 + (size_t)out * w, (char *)v->v.i64 + (size_t)i * w, w);
            }
            batch->event_time[out] = batch->event_time[i];
            batch->split[out] = batch->split[i];
        }
        out++;
    }
    batch->nrows = out;
}
