/*
 * expr_eval.c - vectorised evaluation of bound expressions.
 *
 * Entry point: sl_expr_eval (expr.h).
 * Each node evaluates its children into scratch vectors (allocated in the
 * per-batch context ectx->cx; a column child is used in place, without a
 * copy) and then runs one loop over the arrays, chosen by a switch outside
 * the loop.  Null masks are combined with byte-wise ORs.  Values of NULL
 * rows are computed but meaningless; checks that raise row errors (division
 * by zero, overflow) look at the null mask and at `skip`, the rows a CASE or
 * COALESCE does not take, so untaken branches never count errors.
 */
#include "server/engine/expr_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static sl_status eval(const sl_expr *e, const sl_batch *in, int n, const uint8_t *skip, sl_vector *out,
                      sl_eval_ctx *ectx, sl_error *err);

/* A child's values: the input column itself, or a scratch vector. */
static sl_status eval_child(const sl_expr *e, const sl_batch *in, int n, const uint8_t *skip,
                            sl_eval_ctx *ectx, sl_vector **res, sl_error *err)
{
    if (e->kind == SL_EXPR_COLUMN) {
        *res = &in->cols[e->column];
        return SL_OK;
    }
    sl_vector *v = sl_palloc(ectx->cx, sizeof(sl_vector));
    sl_vector_init(v, ectx->cx, e->type, n);
    *res = v;
    return eval(e, in, n, skip, v, ectx, err);
}

static inline bool row_live(const uint8_t *nulls, const uint8_t *skip, int i)
{
    return !nulls[i] && (skip == NULL || !skip[i]);
}

static void broadcast(const sl_expr *e, int n, sl_vector *out)
{
    memset(out->nulls, e->is_null ? 1 : 0, (size_t)n);
    if (e->is_null)
        return;
    switch (e->type) {
    case SL_TYPE_BOOL:
        memset(out->v.b, e->value.b ? 1 : 0, (size_t)n);
        break;
    case SL_TYPE_DOUBLE:
        for (int i = 0; i < n; i++)
            out->v.f64[i] = e->value.f64;
        break;
    case SL_TYPE_TEXT:
        for (int i = 0; i < n; i++)
            out->v.text[i] = e->value.text;
        break;
    case SL_TYPE_UNKNOWN:
        break;
    default:
        for (int i = 0; i < n; i++)
            out->v.i64[i] = e->value.i64;
        break;
    }
}

/* out[i] = src[i] for rows with take[i]. */
static void copy_rows(sl_vector *out, const sl_vector *src, const uint8_t *take, int n)
{
    size_t w = sl_type_width(out->type);
    char *o = (char *)out->v.i64;
    const char *s = (const char *)src->v.i64;

    for (int i = 0; i < n; i++) {
        if (take[i]) {
            out->nulls[i] = src->nulls[i];
            memcpy(o + (size_t)i * w, s + (size_t)i * w, w);
        }
    }
}

static const char *range_name(sl_type t)
{
    return t == SL_TYPE_TIMESTAMP  ? "timestamp out of range"
           : t == SL_TYPE_INTERVAL ? "interval out of range"
                                   : "bigint out of range";
}

static int text_cmp(sl_text a, sl_text b)
{
    int32_t m = a.len < b.len ? a.len : b.len;
    int c = m > 0 ? memcmp(a.ptr, b.ptr, (size_t)m) : 0;
    return c != 0 ? c : (a.len < b.len ? -1 : a.len > b.len);
}

#define CMP_LOOP(X, Y, OPER)                                                                                 \
    for (int i = 0; i < n; i++)                                                                              \
        o[i] = (X)[i] OPER(Y)[i];

#define CMP_ALL(X, Y)                                                                                        \
    switch (op) {                                                                                            \
    case SL_BIN_EQ:                                                                                          \
        CMP_LOOP(X, Y, ==) break;                                                                            \
    case SL_BIN_NE:                                                                                          \
        CMP_LOOP(X, Y, !=) break;                                                                            \
    case SL_BIN_LT:                                                                                          \
        CMP_LOOP(X, Y, <) break;                                                                             \
    case SL_BIN_LE:                                                                                          \
        CMP_LOOP(X, Y, <=) break;                                                                            \
    case SL_BIN_GT:                                                                                          \
        CMP_LOOP(X, Y, >) break;                                                                             \
    default:                                                                                                 \
        CMP_LOOP(X, Y, >=) break;                                                                            \
    }

static void compare(int op, sl_type t, const sl_vector *a, const sl_vector *b, int n, bool *o)
{
    switch (t) {
    case SL_TYPE_DOUBLE: {
        const double *x = a->v.f64, *y = b->v.f64;
        CMP_ALL(x, y)
        break;
    }
    case SL_TYPE_BOOL: {
        const uint8_t *x = (const uint8_t *)a->v.b, *y = (const uint8_t *)b->v.b;
        for (int i = 0; i < n; i++) {
            int xv = x[i] != 0, yv = y[i] != 0;
            o[i] = op == SL_BIN_EQ   ? xv == yv
                   : op == SL_BIN_NE ? xv != yv
                   : op == SL_BIN_LT ? xv < yv
                   : op == SL_BIN_LE ? xv <= yv
                   : op == SL_BIN_GT ? xv > yv
                                     : xv >= yv;
        }
        break;
    }
    case SL_TYPE_TEXT: {
        const sl_text *x = a->v.text, *y = b->v.text;
        for (int i = 0; i < n; i++) {
            if (op == SL_BIN_EQ || op == SL_BIN_NE) {
                bool eq = x[i].len == y[i].len &&
                          (x[i].len == 0 || memcmp(x[i].ptr, y[i].ptr, (size_t)x[i].len) == 0);
                o[i] = op == SL_BIN_EQ ? eq : !eq;
            } else {
                int c = text_cmp(x[i], y[i]);
                o[i] = op == SL_BIN_LT ? c < 0 : op == SL_BIN_LE ? c <= 0 : op == SL_BIN_GT ? c > 0 : c >= 0;
            }
        }
        break;
    }
    default: {
        const int64_t *x = a->v.i64, *y = b->v.i64;
        CMP_ALL(x, y)
        break;
    }
    }
}

static sl_status eval_binary(const sl_expr *e, const sl_batch *in, int n, const uint8_t *skip, sl_vector *out,
                             sl_eval_ctx *ectx, sl_error *err)
{
    sl_vector *a, *b;

    if (eval_child(e->args[0], in, n, skip, ectx, &a, err) != SL_OK ||
        eval_child(e->args[1], in, n, skip, ectx, &b, err) != SL_OK)
        return SL_ERROR;
    uint8_t *nl = out->nulls;
    for (int i = 0; i < n; i++)
        nl[i] = a->nulls[i] | b->nulls[i];

    if (e->op >= SL_BIN_EQ && e->op <= SL_BIN_GE) {
        compare(e->op, e->optype, a, b, n, out->v.b);
        return SL_OK;
    }
    const int64_t *x = a->v.i64, *y = b->v.i64;
    int64_t *o = out->v.i64;
    const double *dx = a->v.f64, *dy = b->v.f64;
    double *d = out->v.f64;
    bool ovf = false;

    switch ((sl_binop)e->op) {
    case SL_BIN_ADD_I:
        for (int i = 0; i < n; i++)
            ovf |= __builtin_add_overflow(x[i], y[i], &o[i]);
        break;
    case SL_BIN_SUB_I:
        for (int i = 0; i < n; i++)
            ovf |= __builtin_sub_overflow(x[i], y[i], &o[i]);
        break;
    case SL_BIN_MUL_I:
        for (int i = 0; i < n; i++)
            ovf |= __builtin_mul_overflow(x[i], y[i], &o[i]);
        break;
    case SL_BIN_DIV_I:
    case SL_BIN_MOD_I: {
        bool mod = e->op == SL_BIN_MOD_I;
        for (int i = 0; i < n; i++) {
            if (y[i] == 0) {
                o[i] = 0;
                if (row_live(nl, skip, i)) {
                    nl[i] = 1;
                    sl_eval_row_error(ectx, SL_ERRCODE_DIVISION_BY_ZERO, "division by zero");
                }
            } else if (y[i] == -1) {
                /* INT64_MIN / -1 overflows (and traps in C) */
                if (mod) {
                    o[i] = 0;
                } else if (x[i] == INT64_MIN) {
                    o[i] = 0;
                    if (row_live(nl, skip, i)) {
                        nl[i] = 1;
                        sl_eval_row_error(ectx, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range");
                    }
                } else {
                    o[i] = -x[i];
                }
            } else {
                o[i] = mod ? x[i] % y[i] : x[i] / y[i];
            }
        }
        break;
    }
    case SL_BIN_ADD_D:
        for (int i = 0; i < n; i++)
            d[i] = dx[i] + dy[i];
        break;
    case SL_BIN_SUB_D:
        for (int i = 0; i < n; i++)
            d[i] = dx[i] - dy[i];
        break;
    case SL_BIN_MUL_D:
        for (int i = 0; i < n; i++)
            d[i] = dx[i] * dy[i];
        break;
    case SL_BIN_DIV_D:
    case SL_BIN_DIV_IV_D: {
        bool zero = false;
        for (int i = 0; i < n; i++)
            zero |= dy[i] == 0.0;
        if (zero) {
            for (int i = 0; i < n; i++) {
                if (dy[i] == 0.0 && row_live(nl, skip, i)) {
                    nl[i] = 1;
                    sl_eval_row_error(ectx, SL_ERRCODE_DIVISION_BY_ZERO, "division by zero");
                }
            }
        }
        if (e->op == SL_BIN_DIV_D) {
            for (int i = 0; i < n; i++)
                d[i] = dx[i] / dy[i];
        } else {
            for (int i = 0; i < n; i++) {
                double r = dy[i] == 0.0 ? 0.0 : (double)x[i] / dy[i];
                if (!(fabs(r) < 9.2e18)) {
                    r = 0;
                    if (row_live(nl, skip, i)) {
                        nl[i] = 1;
                        sl_eval_row_error(ectx, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
                                          "interval out of range");
                    }
                }
                o[i] = (int64_t)llround(r);
            }
        }
        break;
    }
    case SL_BIN_MOD_D:
        for (int i = 0; i < n; i++) {
            if (dy[i] == 0.0 && row_live(nl, skip, i)) {
                nl[i] = 1;
                sl_eval_row_error(ectx, SL_ERRCODE_DIVISION_BY_ZERO, "division by zero");
            }
            d[i] = fmod(dx[i], dy[i]);
        }
        break;
    case SL_BIN_POW_D:
        for (int i = 0; i < n; i++) {
            if (row_live(nl, skip, i)) {
                if (dx[i] == 0.0 && dy[i] < 0.0) {
                    nl[i] = 1;
                    sl_eval_row_error(ectx, SL_ERRCODE_INVALID_ARGUMENT_FOR_POWER,
                                      "zero raised to a negative power is undefined");
                } else if (dx[i] < 0.0 && floor(dy[i]) != dy[i]) {
                    nl[i] = 1;
                    sl_eval_row_error(
                        ectx, SL_ERRCODE_INVALID_ARGUMENT_FOR_POWER,
                        "a negative number raised to a non-integer power yields a complex result");
                }
            }
            d[i] = pow(dx[i], dy[i]);
        }
        break;
    case SL_BIN_MUL_IV_D:
        for (int i = 0; i < n; i++) {
            double r = (double)x[i] * dy[i];
            if (!(fabs(r) < 9.2e18)) {
                r = 0;
                if (row_live(nl, skip, i)) {
                    nl[i] = 1;
                    sl_eval_row_error(ectx, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "interval out of range");
                }
            }
            o[i] = (int64_t)llround(r);
        }
        break;
    case SL_BIN_CONCAT: {
        const sl_text *tx = a->v.text, *ty = b->v.text;
        size_t total = 0;
        for (int i = 0; i < n; i++)
            if (!nl[i])
                total += (size_t)tx[i].len + (size_t)ty[i].len;
        char *buf = sl_palloc(ectx->cx, total + 1);
        for (int i = 0; i < n; i++) {
            if (nl[i]) {
                out->v.text[i] = (sl_text){"", 0};
                continue;
            }
            memcpy(buf, tx[i].ptr, (size_t)tx[i].len);
            memcpy(buf + tx[i].len, ty[i].ptr, (size_t)ty[i].len);
            out->v.text[i] = (sl_text){buf, tx[i].len + ty[i].len};
            buf += tx[i].len + ty[i].len;
        }
        break;
    }
    default:
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "unknown binary operator %d", e->op);
    }
    if (ovf) {
        /* second pass only when some row overflowed: find the live ones */
        for (int i = 0; i < n; i++) {
            int64_t r;
            bool bad = e->op == SL_BIN_ADD_I   ? __builtin_add_overflow(x[i], y[i], &r)
                       : e->op == SL_BIN_SUB_I ? __builtin_sub_overflow(x[i], y[i], &r)
                                               : __builtin_mul_overflow(x[i], y[i], &r);
            if (bad && row_live(nl, skip, i)) {
                nl[i] = 1;
                sl_eval_row_error(ectx, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "%s", range_name(e->type));
            }
        }
    }
    return SL_OK;
}

/* LIKE matching: % any run, _ one character (UTF-8), \ escapes the next. */
static inline unsigned char fold_byte(unsigned char c, bool ci)
{
    return ci && c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static bool like_match(const unsigned char *s, int32_t sl, const unsigned char *p, int32_t pl, bool ci)
{
    int32_t si = 0, pi = 0, star_p = -1, star_s = 0;

    while (si < sl) {
        if (pi < pl && p[pi] == '%') {
            star_p = ++pi;
            star_s = si;
            continue;
        }
        if (pi < pl && p[pi] == '_') {
            pi++;
            si++;
            while (si < sl && (s[si] & 0xC0) == 0x80)
                si++;
            continue;
        }
        if (pi < pl) {
            int32_t q = pi;
            if (p[q] == '\\' && q + 1 < pl)
                q++;
            if (fold_byte(p[q], ci) == fold_byte(s[si], ci)) {
                pi = q + 1;
                si++;
                continue;
            }
        }
        if (star_p < 0)
            return false;
        /* backtrack: let the last % swallow one more character */
        star_s++;
        while (star_s < sl && (s[star_s] & 0xC0) == 0x80)
            star_s++;
        si = star_s;
        pi = star_p;
    }
    while (pi < pl && p[pi] == '%')
        pi++;
    return pi == pl;
}

static sl_status eval_in(const sl_expr *e, const sl_batch *in, int n, const uint8_t *skip, sl_vector *out,
                         sl_eval_ctx *ectx, sl_error *err)
{
    sl_vector *a;
    uint8_t *found = sl_pzalloc(ectx->cx, (size_t)n);
    uint8_t *anynull = sl_pzalloc(ectx->cx, (size_t)n);
    bool *eq = sl_palloc(ectx->cx, (size_t)n * sizeof(bool));

    if (eval_child(e->args[0], in, n, skip, ectx, &a, err) != SL_OK)
        return SL_ERROR;
    for (int k = 1; k < e->nargs; k++) {
        sl_vector *v;
        if (eval_child(e->args[k], in, n, skip, ectx, &v, err) != SL_OK)
            return SL_ERROR;
        compare(SL_BIN_EQ, e->optype, a, v, n, eq);
        for (int i = 0; i < n; i++) {
            found[i] |= eq[i] & !v->nulls[i];
            anynull[i] |= v->nulls[i];
        }
    }
    for (int i = 0; i < n; i++) {
        out->nulls[i] = a->nulls[i] || (!found[i] && anynull[i]);
        out->v.b[i] = (found[i] != 0) != e->negate;
    }
    return SL_OK;
}

static sl_status eval_case(const sl_expr *e, const sl_batch *in, int n, const uint8_t *skip, sl_vector *out,
                           sl_eval_ctx *ectx, sl_error *err)
{
    int pairs = (e->nargs - (e->has_else ? 1 : 0)) / 2;
    uint8_t *decided = sl_palloc(ectx->cx, (size_t)n);
    uint8_t *take = sl_palloc(ectx->cx, (size_t)n);
    uint8_t *notake = sl_palloc(ectx->cx, (size_t)n);

    if (skip != NULL)
        memcpy(decided, skip, (size_t)n);
    else
        memset(decided, 0, (size_t)n);
    memset(out->nulls, 1, (size_t)n);
    for (int k = 0; k < pairs; k++) {
        sl_vector *c, *r;
        int ntake = 0;
        if (eval_child(e->args[2 * k], in, n, decided, ectx, &c, err) != SL_OK)
            return SL_ERROR;
        const uint8_t *cb = (const uint8_t *)c->v.b;
        for (int i = 0; i < n; i++) {
            take[i] = !decided[i] && !c->nulls[i] && cb[i];
            notake[i] = !take[i];
            ntake += take[i];
        }
        if (ntake == 0)
            continue;
        if (eval_child(e->args[2 * k + 1], in, n, notake, ectx, &r, err) != SL_OK)
            return SL_ERROR;
        copy_rows(out, r, take, n);
        for (int i = 0; i < n; i++)
            decided[i] |= take[i];
    }
    if (e->has_else) {
        sl_vector *r;
        if (eval_child(e->args[e->nargs - 1], in, n, decided, ectx, &r, err) != SL_OK)
            return SL_ERROR;
        for (int i = 0; i < n; i++)
            notake[i] = !decided[i];
        copy_rows(out, r, notake, n);
    }
    return SL_OK;
}

static sl_status eval_coalesce(const sl_expr *e, const sl_batch *in, int n, const uint8_t *skip,
                               sl_vector *out, sl_eval_ctx *ectx, sl_error *err)
{
    uint8_t *done = sl_palloc(ectx->cx, (size_t)n);
    uint8_t *take = sl_palloc(ectx->cx, (size_t)n);

    if (skip != NULL)
        memcpy(done, skip, (size_t)n);
    else
        memset(done, 0, (size_t)n);
    memset(out->nulls, 1, (size_t)n);
    for (int k = 0; k < e->nargs; k++) {
        sl_vector *v;
        int left = 0;
        if (eval_child(e->args[k], in, n, done, ectx, &v, err) != SL_OK)
            return SL_ERROR;
        for (int i = 0; i < n; i++) {
            take[i] = !done[i] && !v->nulls[i];
            done[i] |= take[i];
            left += !done[i];
        }
        copy_rows(out, v, take, n);
        if (left == 0)
            break;
    }
    return SL_OK;
}

/*
 * An int4 result (expr_int.h): computed in 64 bits, where int32 operands
 * cannot overflow, then checked: a row outside 32 bits becomes NULL with
 * PostgreSQL's error.  Only expressions PostgreSQL types integer get here
 * (literals, casts to integer, arithmetic on them), never a BIGINT column.
 */
static void check_int4(int n, const uint8_t *skip, sl_vector *out, sl_eval_ctx *ectx)
{
    int64_t *o = out->v.i64;
    bool bad = false;

    for (int i = 0; i < n; i++)
        bad |= o[i] < INT32_MIN || o[i] > INT32_MAX;
    if (!bad)
        return;
    for (int i = 0; i < n; i++) {
        if (o[i] >= INT32_MIN && o[i] <= INT32_MAX)
            continue;
        o[i] = 0;
        if (row_live(out->nulls, skip, i)) {
            out->nulls[i] = 1;
            sl_eval_row_error(ectx, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range");
        }
    }
}

static sl_status eval_node(const sl_expr *e, const sl_batch *in, int n, const uint8_t *skip, sl_vector *out,
                           sl_eval_ctx *ectx, sl_error *err);

static sl_status eval(const sl_expr *e, const sl_batch *in, int n, const uint8_t *skip, sl_vector *out,
                      sl_eval_ctx *ectx, sl_error *err)
{
    if (eval_node(e, in, n, skip, out, ectx, err) != SL_OK)
        return SL_ERROR;
    if (e->int4 && (e->kind == SL_EXPR_BINARY || e->kind == SL_EXPR_NEG || e->kind == SL_EXPR_CAST))
        check_int4(n, skip, out, ectx);
    return SL_OK;
}

static sl_status eval_node(const sl_expr *e, const sl_batch *in, int n, const uint8_t *skip, sl_vector *out,
                           sl_eval_ctx *ectx, sl_error *err)
{
    switch (e->kind) {
    case SL_EXPR_CONST:
        broadcast(e, n, out);
        return SL_OK;
    case SL_EXPR_COLUMN: {
        const sl_vector *c = &in->cols[e->column];
        memcpy(out->nulls, c->nulls, (size_t)n);
        memcpy(out->v.i64, c->v.i64, (size_t)n * sl_type_width(e->type));
        return SL_OK;
    }
    case SL_EXPR_BINARY:
        return eval_binary(e, in, n, skip, out, ectx, err);
    case SL_EXPR_NEG: {
        sl_vector *a;
        if (eval_child(e->args[0], in, n, skip, ectx, &a, err) != SL_OK)
            return SL_ERROR;
        memcpy(out->nulls, a->nulls, (size_t)n);
        if (e->type == SL_TYPE_DOUBLE) {
            for (int i = 0; i < n; i++)
                out->v.f64[i] = -a->v.f64[i];
        } else {
            for (int i = 0; i < n; i++) {
                if (a->v.i64[i] == INT64_MIN) {
                    out->v.i64[i] = 0;
                    if (row_live(out->nulls, skip, i)) {
                        out->nulls[i] = 1;
                        sl_eval_row_error(ectx, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "%s",
                                          range_name(e->type));
                    }
                } else {
                    out->v.i64[i] = -a->v.i64[i];
                }
            }
        }
        return SL_OK;
    }
    case SL_EXPR_AND:
    case SL_EXPR_OR: {
        sl_vector *a, *b;
        if (eval_child(e->args[0], in, n, skip, ectx, &a, err) != SL_OK ||
            eval_child(e->args[1], in, n, skip, ectx, &b, err) != SL_OK)
            return SL_ERROR;
        const uint8_t *x = (const uint8_t *)a->v.b, *y = (const uint8_t *)b->v.b;
        const uint8_t *xn = a->nulls, *yn = b->nulls;
        uint8_t *o = (uint8_t *)out->v.b;
        if (e->kind == SL_EXPR_AND) {
            for (int i = 0; i < n; i++) {
                /* a definite false wins over NULL */
                uint8_t f = (!xn[i] & !x[i]) | (!yn[i] & !y[i]);
                out->nulls[i] = (uint8_t)(f == 0) & (xn[i] | yn[i]);
                o[i] = (f == 0) & ((xn[i] | yn[i]) == 0);
            }
        } else {
            for (int i = 0; i < n; i++) {
                uint8_t t = (!xn[i] & (x[i] != 0)) | (!yn[i] & (y[i] != 0));
                out->nulls[i] = (uint8_t)(t == 0) & (xn[i] | yn[i]);
                o[i] = t;
            }
        }
        return SL_OK;
    }
    case SL_EXPR_NOT: {
        sl_vector *a;
        if (eval_child(e->args[0], in, n, skip, ectx, &a, err) != SL_OK)
            return SL_ERROR;
        const uint8_t *x = (const uint8_t *)a->v.b;
        for (int i = 0; i < n; i++) {
            out->nulls[i] = a->nulls[i];
            out->v.b[i] = !x[i];
        }
        return SL_OK;
    }
    case SL_EXPR_NULLTEST: {
        sl_vector *a;
        if (eval_child(e->args[0], in, n, skip, ectx, &a, err) != SL_OK)
            return SL_ERROR;
        memset(out->nulls, 0, (size_t)n);
        for (int i = 0; i < n; i++)
            out->v.b[i] = (a->nulls[i] != 0) != e->negate;
        return SL_OK;
    }
    case SL_EXPR_IN:
        return eval_in(e, in, n, skip, out, ectx, err);
    case SL_EXPR_LIKE: {
        sl_vector *a, *p;
        if (eval_child(e->args[0], in, n, skip, ectx, &a, err) != SL_OK ||
            eval_child(e->args[1], in, n, skip, ectx, &p, err) != SL_OK)
            return SL_ERROR;
        for (int i = 0; i < n; i++) {
            out->nulls[i] = a->nulls[i] | p->nulls[i];
            out->v.b[i] =
                !out->nulls[i] &&
                like_match((const unsigned char *)a->v.text[i].ptr, a->v.text[i].len,
                           (const unsigned char *)p->v.text[i].ptr, p->v.text[i].len, e->ci) != e->negate;
        }
        return SL_OK;
    }
    case SL_EXPR_CASE:
        return eval_case(e, in, n, skip, out, ectx, err);
    case SL_EXPR_CAST: {
        sl_vector *a;
        if (eval_child(e->args[0], in, n, skip, ectx, &a, err) != SL_OK)
            return SL_ERROR;
        sl_cast_vector(a, n, skip, out, ectx);
        return SL_OK;
    }
    case SL_EXPR_FUNC: {
        if (e->op == SL_FN_COALESCE)
            return eval_coalesce(e, in, n, skip, out, ectx, err);
        sl_vector *args = sl_palloc(ectx->cx, sizeof(sl_vector) * (size_t)(e->nargs > 0 ? e->nargs : 1));
        for (int k = 0; k < e->nargs; k++) {
            sl_vector *v;
            if (eval_child(e->args[k], in, n, skip, ectx, &v, err) != SL_OK)
                return SL_ERROR;
            args[k] = *v;
        }
        return sl_func_eval(e, args, n, skip, out, ectx, err);
    }
    }
    return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "unknown expression kind %d", (int)e->kind);
}

sl_status sl_expr_eval(const sl_expr *expr, const sl_batch *in, sl_vector *out, sl_eval_ctx *ectx,
                       sl_error *err)
{
    if (in->nrows <= 0)
        return SL_OK;
    return eval(expr, in, in->nrows, NULL, out, ectx, err);
}
