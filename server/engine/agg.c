/*
 * agg.c - aggregate states (see agg.h for the semantics).
 *
 * Entry points: sl_agg_pool_*, sl_hash_*, sl_aggs_new, sl_aggs_init,
 * sl_aggs_update, sl_aggs_merge, sl_aggs_final, sl_aggs_release.
 *
 * The hot aggregates (count, sum, avg, min, max, variances over BIGINT and
 * DOUBLE) have one typed loop each, chosen by a switch before the row loop;
 * the rest (text, booleans, first/last, DISTINCT) go through agg_apply(),
 * one value at a time, which is also what merging DISTINCT sets uses.
 */
#include "server/engine/agg.h"

#include <math.h>
#include <string.h>

/* ---- pool ---- */

static int sl_pool_class(size_t size)
{
    size_t c = 16;
    int k = 0;

    while (c < size) {
        c <<= 1;
        k++;
    }
    return k;
}

size_t sl_agg_pool_chunk(size_t size)
{
    return (size_t)16 << sl_pool_class(size);
}

void sl_agg_pool_init(sl_agg_pool *pool, sl_mcxt *cx)
{
    memset(pool, 0, sizeof(*pool));
    pool->cx = cx;
}

void *sl_agg_pool_alloc(sl_agg_pool *pool, size_t size)
{
    int k = sl_pool_class(size);
    void **chunk = pool->free[k];

    if (chunk != NULL) {
        pool->free[k] = *chunk;
        return chunk;
    }
    return sl_palloc(pool->cx, (size_t)16 << k);
}

void sl_agg_pool_free(sl_agg_pool *pool, void *ptr, size_t size)
{
    int k = sl_pool_class(size);

    if (ptr == NULL)
        return;
    *(void **)ptr = pool->free[k];
    pool->free[k] = ptr;
}

/* ---- hashing ---- */

uint64_t sl_hash_mix(uint64_t x)
{
    /* A 64-bit finalizer: every input bit affects every output bit. */
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

uint64_t sl_hash_bytes(const char *p, size_t len, uint64_t seed)
{
    /* Short keys (station names) are the common case: one multiply per 8
     * bytes, the last 1-8 bytes read with two overlapping loads, no loop. */
    const uint64_t k = UINT64_C(0x9e3779b97f4a7c15);
    uint64_t h = (seed + len) * k;
    uint64_t w;

    while (len > 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * k;
        h ^= h >> 32;
        p += 8;
        len -= 8;
    }
    if (len >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + len - 4, 4);
        w = ((uint64_t)a << 32) | b;
    } else if (len > 0) {
        w = ((uint64_t)(uint8_t)p[0] << 16) | ((uint64_t)(uint8_t)p[len >> 1] << 8) | (uint8_t)p[len - 1];
    } else {
        w = 0;
    }
    h = (h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53);
    return h ^ (h >> 29);
}

/* ---- DISTINCT sets: open addressing, hash 0 = empty slot ---- */

struct sl_agg_set {
    uint32_t cap; /* power of two */
    uint32_t n;
    uint64_t *hashes;
    sl_agg_val *vals;
};

static bool sl_type_is_i64(sl_type t)
{
    return t == SL_TYPE_BIGINT || t == SL_TYPE_TIMESTAMP || t == SL_TYPE_INTERVAL;
}

static double agg_norm_double(double d)
{
    /* DISTINCT treats 0.0 and -0.0 as one value, and all NaNs as one. */
    if (d == 0.0)
        return 0.0;
    if (d != d)
        return NAN;
    return d;
}

static uint64_t agg_hash_val(sl_type type, const sl_agg_val *v)
{
    uint64_t h;

    switch (type) {
    case SL_TYPE_TEXT:
        h = sl_hash_bytes(v->u.ptr, (size_t)v->len, 7);
        break;
    case SL_TYPE_DOUBLE: {
        uint64_t bits;
        double d = agg_norm_double(v->u.f64);
        memcpy(&bits, &d, 8);
        h = sl_hash_mix(bits);
        break;
    }
    case SL_TYPE_BOOL:
        h = sl_hash_mix(v->u.b ? 1 : 2);
        break;
    default:
        h = sl_hash_mix((uint64_t)v->u.i64);
        break;
    }
    return h == 0 ? 1 : h;
}

static bool agg_val_equal(sl_type type, const sl_agg_val *a, const sl_agg_val *b)
{
    switch (type) {
    case SL_TYPE_TEXT:
        return a->len == b->len && memcmp(a->u.ptr, b->u.ptr, (size_t)a->len) == 0;
    case SL_TYPE_DOUBLE: {
        double x = agg_norm_double(a->u.f64), y = agg_norm_double(b->u.f64);
        return x == y || (x != x && y != y);
    }
    case SL_TYPE_BOOL:
        return a->u.b == b->u.b;
    default:
        return a->u.i64 == b->u.i64;
    }
}

static void agg_set_alloc(sl_agg_pool *pool, sl_agg_set *set, uint32_t cap)
{
    set->cap = cap;
    set->hashes = sl_agg_pool_alloc(pool, sizeof(uint64_t) * cap);
    set->vals = sl_agg_pool_alloc(pool, sizeof(sl_agg_val) * cap);
    memset(set->hashes, 0, sizeof(uint64_t) * cap);
}

/* Inserts v (text copied into the pool); false when it was already there. */
static bool agg_set_add(sl_agg_pool *pool, sl_agg_set *set, sl_type type, const sl_agg_val *v)
{
    uint64_t h = agg_hash_val(type, v);
    uint32_t i;

    if ((set->n + 1) * 4 > set->cap * 3) {
        sl_agg_set old = *set;
        agg_set_alloc(pool, set, old.cap * 2);
        for (uint32_t j = 0; j < old.cap; j++) {
            if (old.hashes[j] == 0)
                continue;
            i = (uint32_t)old.hashes[j] & (set->cap - 1);
            while (set->hashes[i] != 0)
                i = (i + 1) & (set->cap - 1);
            set->hashes[i] = old.hashes[j];
            set->vals[i] = old.vals[j];
        }
        sl_agg_pool_free(pool, old.hashes, sizeof(uint64_t) * old.cap);
        sl_agg_pool_free(pool, old.vals, sizeof(sl_agg_val) * old.cap);
    }
    i = (uint32_t)h & (set->cap - 1);
    while (set->hashes[i] != 0) {
        if (set->hashes[i] == h && agg_val_equal(type, &set->vals[i], v))
            return false;
        i = (i + 1) & (set->cap - 1);
    }
    set->hashes[i] = h;
    set->vals[i] = *v;
    set->vals[i].cap = 0;
    if (type == SL_TYPE_TEXT) {
        size_t cap = sl_agg_pool_chunk((size_t)(v->len > 0 ? v->len : 1));
        char *copy = sl_agg_pool_alloc(pool, cap);
        memcpy(copy, v->u.ptr, (size_t)v->len);
        set->vals[i].u.ptr = copy;
        set->vals[i].cap = (int32_t)cap;
    }
    set->n++;
    return true;
}

static sl_agg_set *agg_set_new(sl_agg_pool *pool)
{
    sl_agg_set *set = sl_agg_pool_alloc(pool, sizeof(sl_agg_set));

    set->n = 0;
    agg_set_alloc(pool, set, 8);
    return set;
}

static void agg_set_free(sl_agg_pool *pool, sl_agg_set *set)
{
    for (uint32_t i = 0; i < set->cap; i++)
        if (set->hashes[i] != 0 && set->vals[i].cap > 0)
            sl_agg_pool_free(pool, (void *)set->vals[i].u.ptr, (size_t)set->vals[i].cap);
    sl_agg_pool_free(pool, set->hashes, sizeof(uint64_t) * set->cap);
    sl_agg_pool_free(pool, set->vals, sizeof(sl_agg_val) * set->cap);
    sl_agg_pool_free(pool, set, sizeof(sl_agg_set));
}

/* ---- description ---- */

sl_aggs *sl_aggs_new(sl_mcxt *cx, const sl_query_desc *q, sl_agg_pool *pool)
{
    sl_aggs *a = sl_pnew(cx, sl_aggs);
    size_t n = (size_t)(q->naggs > 0 ? q->naggs : 1);

    a->n = q->naggs;
    a->calls = q->aggs;
    a->pool = pool;
    sl_agg_pool_init(&a->set_pool, sl_mcxt_create(cx, "DISTINCT sets"));
    a->int_sum = sl_pzalloc(cx, n * sizeof(bool));
    a->use_set = sl_pzalloc(cx, n * sizeof(bool));
    a->arg_types = sl_pzalloc(cx, n * sizeof(sl_type));
    for (int k = 0; k < q->naggs; k++) {
        const sl_agg_call *c = &q->aggs[k];
        a->int_sum[k] = (c->func == SL_AGG_SUM || c->func == SL_AGG_AVG) && c->result_type != SL_TYPE_DOUBLE;
        switch (c->func) {
        case SL_AGG_COUNT:
        case SL_AGG_SUM:
        case SL_AGG_AVG:
        case SL_AGG_STDDEV_SAMP:
        case SL_AGG_STDDEV_POP:
        case SL_AGG_VAR_SAMP:
        case SL_AGG_VAR_POP:
            a->use_set[k] = c->distinct;
            break;
        default:
            break;
        }
        if (a->use_set[k] || c->result_type == SL_TYPE_TEXT)
            a->needs_release = true;
    }
    return a;
}

void sl_aggs_init(const sl_aggs *a, sl_agg_state *states)
{
    memset(states, 0, sizeof(sl_agg_state) * (size_t)a->n);
}

/* ---- one value at a time ---- */

static double agg_as_double(sl_type type, const sl_agg_val *v)
{
    return type == SL_TYPE_DOUBLE ? v->u.f64 : (double)v->u.i64;
}

/* Sets dst to v, copying text into dst's pool chunk (grown when too small). */
static void agg_assign(sl_agg_pool *pool, sl_type type, sl_agg_val *dst, const sl_agg_val *v)
{
    if (type != SL_TYPE_TEXT) {
        dst->u = v->u;
        return;
    }
    if (dst->cap < v->len || dst->cap == 0) {
        size_t cap = sl_agg_pool_chunk((size_t)(v->len > 0 ? v->len : 1));
        if (dst->cap > 0)
            sl_agg_pool_free(pool, (void *)dst->u.ptr, (size_t)dst->cap);
        dst->u.ptr = sl_agg_pool_alloc(pool, cap);
        dst->cap = (int32_t)cap;
    }
    memcpy((char *)dst->u.ptr, v->u.ptr, (size_t)v->len);
    dst->len = v->len;
}

/* <0, 0, >0 as a is below, equal to, above b. */
static int agg_val_cmp(sl_type type, const sl_agg_val *a, const sl_agg_val *b)
{
    switch (type) {
    case SL_TYPE_TEXT: {
        int32_t n = a->len < b->len ? a->len : b->len;
        int c = n > 0 ? memcmp(a->u.ptr, b->u.ptr, (size_t)n) : 0;
        if (c != 0)
            return c;
        return (a->len > b->len) - (a->len < b->len);
    }
    case SL_TYPE_DOUBLE:
        return (a->u.f64 > b->u.f64) - (a->u.f64 < b->u.f64);
    case SL_TYPE_BOOL:
        return (int)a->u.b - (int)b->u.b;
    default:
        return (a->u.i64 > b->u.i64) - (a->u.i64 < b->u.i64);
    }
}

static void agg_welford(sl_agg_state *s, double x)
{
    double delta = x - s->v.u.f64;

    s->n++;
    s->v.u.f64 += delta / (double)s->n;
    s->m2 += delta * (x - s->v.u.f64);
}

/* Adds one non-NULL value v of type vt (event time t, arrival seq) to state s
 * of aggregate k, without DISTINCT filtering. */
static void agg_apply(sl_aggs *a, int k, sl_agg_state *s, sl_type vt, const sl_agg_val *v, int64_t t,
                      int64_t seq)
{
    const sl_agg_call *c = &a->calls[k];

    switch (c->func) {
    case SL_AGG_COUNT_STAR:
    case SL_AGG_COUNT:
        s->n++;
        break;
    case SL_AGG_SUM:
    case SL_AGG_AVG:
        if (a->int_sum[k]) {
            int64_t x = vt == SL_TYPE_DOUBLE ? (int64_t)v->u.f64 : v->u.i64;
            if (!s->overflow && __builtin_add_overflow(s->v.u.i64, x, &s->v.u.i64)) {
                s->overflow = true;
                a->errors++;
            }
        } else {
            s->v.u.f64 += agg_as_double(vt, v);
        }
        s->n++;
        break;
    case SL_AGG_MIN:
    case SL_AGG_MAX: {
        int cmp = s->n == 0 ? 0 : agg_val_cmp(vt, v, &s->v);
        if (s->n == 0 || (c->func == SL_AGG_MIN ? cmp < 0 : cmp > 0))
            agg_assign(a->pool, vt, &s->v, v);
        s->n++;
        break;
    }
    case SL_AGG_STDDEV_SAMP:
    case SL_AGG_STDDEV_POP:
    case SL_AGG_VAR_SAMP:
    case SL_AGG_VAR_POP:
        agg_welford(s, agg_as_double(vt, v));
        break;
    case SL_AGG_FIRST:
    case SL_AGG_LAST: {
        bool take;
        if (s->n == 0)
            take = true;
        else if (c->func == SL_AGG_FIRST)
            take = t < s->t || (t == s->t && seq < s->seq);
        else
            take = t > s->t || (t == s->t && seq > s->seq);
        if (take) {
            agg_assign(a->pool, vt, &s->v, v);
            s->t = t;
            s->seq = seq;
        }
        s->n++;
        break;
    }
    }
}

static void agg_load(const sl_vector *arg, int r, sl_agg_val *v)
{
    v->len = 0;
    v->cap = 0;
    switch (arg->type) {
    case SL_TYPE_TEXT:
        v->u.ptr = arg->v.text[r].ptr;
        v->len = arg->v.text[r].len;
        break;
    case SL_TYPE_DOUBLE:
        v->u.f64 = arg->v.f64[r];
        break;
    case SL_TYPE_BOOL:
        v->u.b = arg->v.b[r];
        break;
    default:
        v->u.i64 = arg->v.i64[r];
        break;
    }
}

/* ---- vectorised update ---- */

/* The typed loops: S is the state of row j, X its (non-NULL) value. */
#define SL_AGG_LOOP(ELEM, BODY)                                                                              \
    for (int j = 0; j < m; j++) {                                                                            \
        int r_ = rows[j];                                                                                    \
        if (nulls[r_])                                                                                       \
            continue;                                                                                        \
        sl_agg_state *S = &states[j][k];                                                                     \
        __typeof__(arg->v.ELEM[0]) X = arg->v.ELEM[r_];                                                      \
        BODY;                                                                                                \
    }

void sl_aggs_update(sl_aggs *a, int k, const sl_vector *arg, int m, const int32_t *rows,
                    sl_agg_state *const *states, const int64_t *event_time, int64_t seq_base)
{
    const sl_agg_call *c = &a->calls[k];
    const uint8_t *nulls;
    bool dbl, i64;

    if (c->func == SL_AGG_COUNT_STAR) {
        for (int j = 0; j < m; j++)
            states[j][k].n++;
        return;
    }
    nulls = arg->nulls;
    a->arg_types[k] = arg->type;
    dbl = arg->type == SL_TYPE_DOUBLE;
    i64 = sl_type_is_i64(arg->type);

    if (a->use_set[k]) {
        for (int j = 0; j < m; j++) {
            int r = rows[j];
            sl_agg_state *s = &states[j][k];
            sl_agg_val v;
            if (nulls[r])
                continue;
            agg_load(arg, r, &v);
            if (s->set == NULL)
                s->set = agg_set_new(&a->set_pool);
            if (agg_set_add(&a->set_pool, s->set, arg->type, &v))
                agg_apply(a, k, s, arg->type, &v, event_time[r], seq_base + r);
        }
        return;
    }

    switch (c->func) {
    case SL_AGG_COUNT:
        for (int j = 0; j < m; j++)
            states[j][k].n += !nulls[rows[j]];
        return;
    case SL_AGG_SUM:
    case SL_AGG_AVG:
        if (!a->int_sum[k] && dbl) {
            SL_AGG_LOOP(f64, S->v.u.f64 += X; S->n++);
            return;
        }
        if (!a->int_sum[k] && i64) {
            SL_AGG_LOOP(i64, S->v.u.f64 += (double)X; S->n++);
            return;
        }
        if (a->int_sum[k] && i64) {
            SL_AGG_LOOP(i64, {
                if (!S->overflow && __builtin_add_overflow(S->v.u.i64, X, &S->v.u.i64)) {
                    S->overflow = true;
                    a->errors++;
                }
                S->n++;
            });
            return;
        }
        break;
    case SL_AGG_MIN:
        if (dbl) {
            SL_AGG_LOOP(f64, if (S->n == 0 || X < S->v.u.f64) S->v.u.f64 = X; S->n++);
            return;
        }
        if (i64) {
            SL_AGG_LOOP(i64, if (S->n == 0 || X < S->v.u.i64) S->v.u.i64 = X; S->n++);
            return;
        }
        break;
    case SL_AGG_MAX:
        if (dbl) {
            SL_AGG_LOOP(f64, if (S->n == 0 || X > S->v.u.f64) S->v.u.f64 = X; S->n++);
            return;
        }
        if (i64) {
            SL_AGG_LOOP(i64, if (S->n == 0 || X > S->v.u.i64) S->v.u.i64 = X; S->n++);
            return;
        }
        break;
    case SL_AGG_STDDEV_SAMP:
    case SL_AGG_STDDEV_POP:
    case SL_AGG_VAR_SAMP:
    case SL_AGG_VAR_POP:
        if (dbl) {
            SL_AGG_LOOP(f64, agg_welford(S, X));
            return;
        }
        if (i64) {
            SL_AGG_LOOP(i64, agg_welford(S, (double)X));
            return;
        }
        break;
    default:
        break;
    }

    /* Text, booleans, first/last: one value at a time. */
    for (int j = 0; j < m; j++) {
        int r = rows[j];
        sl_agg_val v;
        if (nulls[r])
            continue;
        agg_load(arg, r, &v);
        agg_apply(a, k, &states[j][k], arg->type, &v, event_time[r], seq_base + r);
    }
}

/* ---- merge (session windows) ---- */

static void agg_release_one(sl_aggs *a, int k, sl_agg_state *s)
{
    if (s->v.cap > 0 && a->calls[k].result_type == SL_TYPE_TEXT) {
        sl_agg_pool_free(a->pool, (void *)s->v.u.ptr, (size_t)s->v.cap);
        s->v.cap = 0;
    }
    if (s->set != NULL) {
        agg_set_free(&a->set_pool, s->set);
        s->set = NULL;
    }
}

void sl_aggs_merge(sl_aggs *a, sl_agg_state *dst, sl_agg_state *src)
{
    for (int k = 0; k < a->n; k++) {
        const sl_agg_call *c = &a->calls[k];
        sl_agg_state *d = &dst[k], *s = &src[k];
        sl_type vt = a->arg_types[k];

        if (a->use_set[k]) {
            /* Each value of src new to dst is added to dst as if it came now. */
            if (s->set != NULL) {
                if (d->set == NULL)
                    d->set = agg_set_new(&a->set_pool);
                for (uint32_t i = 0; i < s->set->cap; i++)
                    if (s->set->hashes[i] != 0 && agg_set_add(&a->set_pool, d->set, vt, &s->set->vals[i]))
                        agg_apply(a, k, d, vt, &s->set->vals[i], 0, 0);
            }
            continue;
        }
        if (s->n == 0)
            continue;
        switch (c->func) {
        case SL_AGG_COUNT_STAR:
        case SL_AGG_COUNT:
            d->n += s->n;
            break;
        case SL_AGG_SUM:
        case SL_AGG_AVG:
            if (a->int_sum[k]) {
                if (s->overflow ||
                    (!d->overflow && __builtin_add_overflow(d->v.u.i64, s->v.u.i64, &d->v.u.i64)))
                    d->overflow = true;
            } else {
                d->v.u.f64 += s->v.u.f64;
            }
            d->n += s->n;
            break;
        case SL_AGG_MIN:
        case SL_AGG_MAX: {
            int cmp = d->n == 0 ? 0 : agg_val_cmp(c->result_type, &s->v, &d->v);
            if (d->n == 0 || (c->func == SL_AGG_MIN ? cmp < 0 : cmp > 0))
                agg_assign(a->pool, c->result_type, &d->v, &s->v);
            d->n += s->n;
            break;
        }
        case SL_AGG_STDDEV_SAMP:
        case SL_AGG_STDDEV_POP:
        case SL_AGG_VAR_SAMP:
        case SL_AGG_VAR_POP:
            if (d->n == 0) {
                d->n = s->n;
                d->v.u.f64 = s->v.u.f64;
                d->m2 = s->m2;
            } else {
                double na = (double)d->n, nb = (double)s->n, nn = na + nb;
                double delta = s->v.u.f64 - d->v.u.f64;
                d->v.u.f64 += delta * nb / nn;
                d->m2 += s->m2 + delta * delta * na * nb / nn;
                d->n += s->n;
            }
            break;
        case SL_AGG_FIRST:
        case SL_AGG_LAST: {
            bool take = d->n == 0;
            if (!take && c->func == SL_AGG_FIRST)
                take = s->t < d->t || (s->t == d->t && s->seq < d->seq);
            else if (!take)
                take = s->t > d->t || (s->t == d->t && s->seq > d->seq);
            if (take) {
                agg_assign(a->pool, c->result_type, &d->v, &s->v);
                d->t = s->t;
                d->seq = s->seq;
            }
            d->n += s->n;
            break;
        }
        }
    }
    sl_aggs_release(a, src);
}

/* ---- results ---- */

static void agg_out_val(sl_type type, const sl_agg_val *v, sl_vector *out, int row, sl_batch *batch)
{
    switch (type) {
    case SL_TYPE_TEXT:
        out->v.text[row] = sl_batch_text(batch, v->u.ptr, v->len);
        break;
    case SL_TYPE_DOUBLE:
        out->v.f64[row] = v->u.f64;
        break;
    case SL_TYPE_BOOL:
        out->v.b[row] = v->u.b;
        break;
    default:
        out->v.i64[row] = v->u.i64;
        break;
    }
}

static void agg_out_double(sl_type type, double d, sl_vector *out, int row)
{
    if (type == SL_TYPE_DOUBLE)
        out->v.f64[row] = d;
    else
        out->v.i64[row] = llround(d);
}

void sl_aggs_final(const sl_aggs *a, int k, const sl_agg_state *states, sl_vector *out, int row,
                   sl_batch *batch)
{
    const sl_agg_call *c = &a->calls[k];
    const sl_agg_state *s = &states[k];
    sl_type rt = c->result_type;
    double var;

    out->nulls[row] = 0;
    switch (c->func) {
    case SL_AGG_COUNT_STAR:
    case SL_AGG_COUNT:
        out->v.i64[row] = s->n;
        return;
    case SL_AGG_SUM:
        if (s->n == 0 || s->overflow)
            break;
        if (a->int_sum[k])
            out->v.i64[row] = s->v.u.i64;
        else
            agg_out_double(rt, s->v.u.f64, out, row);
        return;
    case SL_AGG_AVG:
        if (s->n == 0 || s->overflow)
            break;
        agg_out_double(rt, (a->int_sum[k] ? (double)s->v.u.i64 : s->v.u.f64) / (double)s->n, out, row);
        return;
    case SL_AGG_MIN:
    case SL_AGG_MAX:
    case SL_AGG_FIRST:
    case SL_AGG_LAST:
        if (s->n == 0)
            break;
        agg_out_val(rt, &s->v, out, row, batch);
        return;
    case SL_AGG_STDDEV_SAMP:
    case SL_AGG_VAR_SAMP:
    case SL_AGG_STDDEV_POP:
    case SL_AGG_VAR_POP: {
        bool samp = c->func == SL_AGG_STDDEV_SAMP || c->func == SL_AGG_VAR_SAMP;
        if (s->n == 0 || (samp && s->n < 2))
            break;
        var = (s->m2 > 0 ? s->m2 : 0.0) / (double)(samp ? s->n - 1 : s->n);
        if (c->func == SL_AGG_STDDEV_SAMP || c->func == SL_AGG_STDDEV_POP)
            var = sqrt(var);
        agg_out_double(rt, var, out, row);
        return;
    }
    }
    out->nulls[row] = 1;
}

void sl_aggs_release(sl_aggs *a, sl_agg_state *states)
{
    if (!a->needs_release)
        return;
    for (int k = 0; k < a->n; k++)
        agg_release_one(a, k, &states[k]);
}

/* ---- checkpoints ---- */

/* How state.v of aggregate k is encoded. */
enum { SL_AGGV_NONE, SL_AGGV_I64, SL_AGGV_F64, SL_AGGV_BOOL, SL_AGGV_TEXT };

static int agg_val_kind(const sl_aggs *a, int k)
{
    const sl_agg_call *c = &a->calls[k];

    switch (c->func) {
    case SL_AGG_COUNT_STAR:
    case SL_AGG_COUNT:
        return SL_AGGV_NONE;
    case SL_AGG_SUM:
    case SL_AGG_AVG:
        return a->int_sum[k] ? SL_AGGV_I64 : SL_AGGV_F64;
    case SL_AGG_STDDEV_SAMP:
    case SL_AGG_STDDEV_POP:
    case SL_AGG_VAR_SAMP:
    case SL_AGG_VAR_POP:
        return SL_AGGV_F64;
    default:
        break;
    }
    switch (c->result_type) {
    case SL_TYPE_TEXT:
        return SL_AGGV_TEXT;
    case SL_TYPE_DOUBLE:
        return SL_AGGV_F64;
    case SL_TYPE_BOOL:
        return SL_AGGV_BOOL;
    default:
        return SL_AGGV_I64;
    }
}

/* One value of type t (DISTINCT set members). */
static void agg_save_typed(sl_type t, const sl_agg_val *v, sl_ckpt_w *w)
{
    switch (t) {
    case SL_TYPE_TEXT:
        sl_ckpt_w_str(w, v->u.ptr, (size_t)v->len);
        break;
    case SL_TYPE_DOUBLE:
        sl_ckpt_w_f64(w, v->u.f64);
        break;
    case SL_TYPE_BOOL:
        sl_ckpt_w_u8(w, v->u.b ? 1 : 0);
        break;
    default:
        sl_ckpt_w_i64(w, v->u.i64);
        break;
    }
}

/* Reads a value of type t; text points into the blob. */
static void agg_load_typed(sl_type t, sl_agg_val *v, sl_ckpt_r *r)
{
    memset(v, 0, sizeof(*v));
    switch (t) {
    case SL_TYPE_TEXT: {
        size_t len;
        v->u.ptr = sl_ckpt_r_str(r, &len);
        if (len > INT32_MAX)
            r->bad = true;
        v->len = (int32_t)len;
        break;
    }
    case SL_TYPE_DOUBLE:
        v->u.f64 = sl_ckpt_r_f64(r);
        break;
    case SL_TYPE_BOOL:
        v->u.b = sl_ckpt_r_bool(r);
        break;
    default:
        v->u.i64 = sl_ckpt_r_i64(r);
        break;
    }
}

void sl_aggs_save(const sl_aggs *a, const sl_agg_state *states, sl_ckpt_w *w)
{
    for (int k = 0; k < a->n; k++) {
        const sl_agg_state *s = &states[k];
        int kind = agg_val_kind(a, k);

        sl_ckpt_w_u8(w, (uint8_t)kind);
        sl_ckpt_w_i64(w, s->n);
        switch (kind) {
        case SL_AGGV_I64:
            sl_ckpt_w_i64(w, s->v.u.i64);
            break;
        case SL_AGGV_F64:
            sl_ckpt_w_f64(w, s->v.u.f64);
            break;
        case SL_AGGV_BOOL:
            sl_ckpt_w_u8(w, s->n > 0 && s->v.u.b ? 1 : 0);
            break;
        case SL_AGGV_TEXT:
            if (s->n > 0)
                sl_ckpt_w_str(w, s->v.u.ptr, (size_t)s->v.len);
            else
                sl_ckpt_w_str(w, "", 0);
            break;
        default:
            break;
        }
        sl_ckpt_w_f64(w, s->m2);
        sl_ckpt_w_i64(w, s->t);
        sl_ckpt_w_i64(w, s->seq);
        sl_ckpt_w_u8(w, s->overflow ? 1 : 0);
        if (s->set == NULL) {
            sl_ckpt_w_u8(w, 0);
            continue;
        }
        sl_ckpt_w_u8(w, 1);
        sl_ckpt_w_u32(w, s->set->n);
        for (uint32_t i = 0; i < s->set->cap; i++)
            if (s->set->hashes[i] != 0)
                agg_save_typed(a->arg_types[k], &s->set->vals[i], w);
    }
}

bool sl_aggs_load(sl_aggs *a, sl_agg_state *states, sl_ckpt_r *r)
{
    sl_aggs_init(a, states);
    for (int k = 0; k < a->n && !r->bad; k++) {
        sl_agg_state *s = &states[k];
        int kind = agg_val_kind(a, k);

        if (sl_ckpt_r_u8(r) != kind) {
            r->bad = true;
            break;
        }
        s->n = sl_ckpt_r_i64(r);
        if (s->n < 0)
            r->bad = true;
        switch (kind) {
        case SL_AGGV_I64:
            s->v.u.i64 = sl_ckpt_r_i64(r);
            break;
        case SL_AGGV_F64:
            s->v.u.f64 = sl_ckpt_r_f64(r);
            break;
        case SL_AGGV_BOOL:
            s->v.u.b = sl_ckpt_r_bool(r);
            break;
        case SL_AGGV_TEXT: {
            sl_agg_val v;
            agg_load_typed(SL_TYPE_TEXT, &v, r);
            if (!r->bad && s->n > 0)
                agg_assign(a->pool, SL_TYPE_TEXT, &s->v, &v);
            break;
        }
        default:
            break;
        }
        s->m2 = sl_ckpt_r_f64(r);
        s->t = sl_ckpt_r_i64(r);
        s->seq = sl_ckpt_r_i64(r);
        s->overflow = sl_ckpt_r_bool(r);
        if (sl_ckpt_r_bool(r)) {
            sl_type t = a->arg_types[k];
            uint32_t n = sl_ckpt_r_count(r, UINT32_MAX / 4, 1);

            if (!a->use_set[k] || t == SL_TYPE_UNKNOWN) {
                r->bad = true;
                break;
            }
            s->set = agg_set_new(&a->set_pool);
            for (uint32_t i = 0; i < n && !r->bad; i++) {
                sl_agg_val v;
                agg_load_typed(t, &v, r);
                /* A value twice: not a set this code wrote. */
                if (!r->bad && !agg_set_add(&a->set_pool, s->set, t, &v))
                    r->bad = true;
            }
        }
    }
    if (r->bad) {
        sl_aggs_release(a, states);
        return false;
    }
    return true;
}
