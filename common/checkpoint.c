/*
 * checkpoint.c - the writer and bounds-checked reader of checkpoint blobs
 * (see include/sluice/checkpoint.h).
 *
 * Every number is written little-endian with a fixed width, doubles as
 * their IEEE bits, so a blob reads back the same on any machine and a
 * restored aggregate is bit for bit the one that was saved.
 *
 * Entry points: sl_ckpt_w_init, sl_ckpt_w_bytes, sl_ckpt_w_u8,
 * sl_ckpt_w_u32, sl_ckpt_w_i64, sl_ckpt_w_f64, sl_ckpt_w_str,
 * sl_ckpt_r_init, sl_ckpt_r_u8, sl_ckpt_r_u32, sl_ckpt_r_i64,
 * sl_ckpt_r_f64, sl_ckpt_r_bool, sl_ckpt_r_str, sl_ckpt_r_count,
 * sl_ckpt_r_done.
 */
#include "sluice/checkpoint.h"

#include <string.h>

/* ---- writer ---- */

void sl_ckpt_w_init(sl_ckpt_w *w, sl_mcxt *cx)
{
    w->cx = cx;
    w->data = NULL;
    w->len = w->cap = 0;
}

void sl_ckpt_w_bytes(sl_ckpt_w *w, const void *p, size_t n)
{
    if (w->len + n > w->cap) {
        size_t cap = w->cap > 0 ? w->cap : 256;
        while (cap < w->len + n)
            cap *= 2;
        w->data = w->data == NULL ? sl_palloc(w->cx, cap) : sl_prealloc(w->cx, w->data, w->cap, cap);
        w->cap = cap;
    }
    if (n > 0)
        memcpy(w->data + w->len, p, n);
    w->len += n;
}

void sl_ckpt_w_u8(sl_ckpt_w *w, uint8_t v)
{
    sl_ckpt_w_bytes(w, &v, 1);
}

void sl_ckpt_w_u32(sl_ckpt_w *w, uint32_t v)
{
    unsigned char b[4];

    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    sl_ckpt_w_bytes(w, b, 4);
}

void sl_ckpt_w_i64(sl_ckpt_w *w, int64_t v)
{
    unsigned char b[8];
    uint64_t u = (uint64_t)v;

    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(u >> (8 * i));
    sl_ckpt_w_bytes(w, b, 8);
}

void sl_ckpt_w_f64(sl_ckpt_w *w, double v)
{
    int64_t bits;

    memcpy(&bits, &v, 8);
    sl_ckpt_w_i64(w, bits);
}

void sl_ckpt_w_str(sl_ckpt_w *w, const char *p, size_t n)
{
    sl_ckpt_w_u32(w, (uint32_t)n);
    sl_ckpt_w_bytes(w, p, n);
}

/* ---- reader ---- */

void sl_ckpt_r_init(sl_ckpt_r *r, const void *data, size_t len)
{
    r->p = data;
    r->end = r->p != NULL ? r->p + len : NULL;
    r->bad = false;
}

/* n bytes, or NULL (and bad) when fewer are left. */
static const unsigned char *take(sl_ckpt_r *r, size_t n)
{
    const unsigned char *p = r->p;

    if (r->bad || p == NULL || (size_t)(r->end - p) < n) {
        r->bad = true;
        return NULL;
    }
    r->p += n;
    return p;
}

uint8_t sl_ckpt_r_u8(sl_ckpt_r *r)
{
    const unsigned char *p = take(r, 1);

    return p != NULL ? p[0] : 0;
}

uint32_t sl_ckpt_r_u32(sl_ckpt_r *r)
{
    const unsigned char *p = take(r, 4);
    uint32_t v = 0;

    if (p == NULL)
        return 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

int64_t sl_ckpt_r_i64(sl_ckpt_r *r)
{
    const unsigned char *p = take(r, 8);
    uint64_t v = 0;

    if (p == NULL)
        return 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return (int64_t)v;
}

double sl_ckpt_r_f64(sl_ckpt_r *r)
{
    int64_t bits = sl_ckpt_r_i64(r);
    double d;

    memcpy(&d, &bits, 8);
    return d;
}

bool sl_ckpt_r_bool(sl_ckpt_r *r)
{
    uint8_t v = sl_ckpt_r_u8(r);

    if (v > 1)
        r->bad = true;
    return v == 1;
}

const char *sl_ckpt_r_str(sl_ckpt_r *r, size_t *len)
{
    uint32_t n = sl_ckpt_r_u32(r);
    const unsigned char *p;

    *len = 0;
    if (r->bad)
        return NULL;
    p = take(r, n);
    if (p == NULL)
        return NULL;
    *len = n;
    return (const char *)p;
}

uint32_t sl_ckpt_r_count(sl_ckpt_r *r, uint32_t max, size_t min_bytes)
{
    uint32_t n = sl_ckpt_r_u32(r);

    if (r->bad)
        return 0;
    if (n > max || (min_bytes > 0 && (size_t)n > (size_t)(r->end - r->p) / min_bytes)) {
        r->bad = true;
        return 0;
    }
    return n;
}

bool sl_ckpt_r_done(const sl_ckpt_r *r)
{
    return !r->bad && r->p == r->end;
}
