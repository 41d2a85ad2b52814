/*
 * functions.c - scalar functions and casts.
 *
 * The functions are one table (sl_funcs): a row per signature, with the
 * function's vectorised body (one loop over the batch per function) and
 * whether a NULL argument makes a NULL result.  Bind time finds the row
 * (sl_func_find; server/engine/expr_bind.c coerces the arguments) and the
 * bound call keeps it, so evaluation (sl_func_eval) calls its body.
 *
 * Entry points (server/engine/expr_int.h): sl_func_find, sl_func_none,
 * sl_func_time_unit, sl_expr_untyped, sl_func_eval, sl_cast_exists and
 * sl_cast_vector.  Text functions work on UTF-8 characters (lower/upper
 * change ASCII letters only).  Data errors of a row (square root of a
 * negative number, text that does not parse) are row errors, see expr.h.
 */
#include "server/engine/expr_int.h"

#include "sluice/clock.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SEC)

/* ---------- casts ---------- */

bool sl_cast_exists(sl_type from, sl_type to)
{
    if (from == to || from == SL_TYPE_UNKNOWN || from == SL_TYPE_TEXT || to == SL_TYPE_TEXT)
        return true;
    if ((from == SL_TYPE_BIGINT && (to == SL_TYPE_DOUBLE || to == SL_TYPE_BOOL)) ||
        (to == SL_TYPE_BIGINT && (from == SL_TYPE_DOUBLE || from == SL_TYPE_BOOL)))
        return true;
    return false;
}

static inline bool live(const uint8_t *nulls, const uint8_t *skip, int i)
{
    return !nulls[i] && (skip == NULL || !skip[i]);
}

static void cast_to_text(const sl_vector *in, int n, sl_vector *out, sl_eval_ctx *ectx)
{
    char *buf = sl_palloc(ectx->cx, (size_t)n * SL_VALUE_TEXT_MAX);

    for (int i = 0; i < n; i++) {
        int len = 0;
        char *p = buf + (size_t)i * SL_VALUE_TEXT_MAX;
        if (in->nulls[i]) {
            out->v.text[i] = (sl_text){"", 0};
            continue;
        }
        switch (in->type) {
        case SL_TYPE_BOOL:
            len = (int)strlen(strcpy(p, in->v.b[i] ? "true" : "false"));
            break;
        case SL_TYPE_BIGINT:
            len = sl_format_bigint(in->v.i64[i], p);
            break;
        case SL_TYPE_DOUBLE:
            len = sl_format_double(in->v.f64[i], p);
            break;
        case SL_TYPE_TIMESTAMP:
            len = sl_format_timestamp(in->v.i64[i], p);
            break;
        case SL_TYPE_INTERVAL:
            len = sl_format_interval(in->v.i64[i], p);
            break;
        default:
            break;
        }
        out->v.text[i] = (sl_text){p, len};
    }
}

static void cast_from_text(const sl_vector *in, int n, const uint8_t *skip, sl_vector *out, sl_eval_ctx *ectx)
{
    sl_error perr;

    for (int i = 0; i < n; i++) {
        if (!live(out->nulls, skip, i))
            continue;
        const char *s = in->v.text[i].ptr;
        int32_t len = in->v.text[i].len;
        sl_status st;
        switch (out->type) {
        case SL_TYPE_BOOL:
            st = sl_parse_bool(s, len, &out->v.b[i], &perr);
            break;
        case SL_TYPE_BIGINT:
            st = sl_parse_bigint(s, len, &out->v.i64[i], &perr);
            break;
        case SL_TYPE_DOUBLE:
            st = sl_parse_double(s, len, &out->v.f64[i], &perr);
            break;
        case SL_TYPE_TIMESTAMP:
            st = sl_parse_timestamp(s, len, &out->v.i64[i], &perr);
            break;
        case SL_TYPE_INTERVAL:
            st = sl_parse_interval(s, len, &out->v.i64[i], &perr);
            break;
        default:
            st = SL_OK;
            break;
        }
        if (st != SL_OK) {
            out->nulls[i] = 1;
            sl_eval_row_error(ectx, perr.sqlstate, "%s", perr.message);
        }
    }
}

void sl_cast_vector(const sl_vector *in, int n, const uint8_t *skip, sl_vector *out, sl_eval_ctx *ectx)
{
    memcpy(out->nulls, in->nulls, (size_t)n);
    if (in->type == SL_TYPE_UNKNOWN) {
        memset(out->nulls, 1, (size_t)n);
        return;
    }
    if (in->type == out->type) {
        size_t w = out->type == SL_TYPE_BOOL ? sizeof(bool) : out->type == SL_TYPE_TEXT ? sizeof(sl_text) : 8;
        memcpy(out->v.i64, in->v.i64, (size_t)n * w);
        return;
    }
    if (out->type == SL_TYPE_TEXT) {
        cast_to_text(in, n, out, ectx);
        return;
    }
    if (in->type == SL_TYPE_TEXT) {
        cast_from_text(in, n, skip, out, ectx);
        return;
    }
    switch (out->type) {
    case SL_TYPE_DOUBLE:
        for (int i = 0; i < n; i++)
            out->v.f64[i] = (double)in->v.i64[i];
        break;
    case SL_TYPE_BOOL:
        for (int i = 0; i < n; i++)
            out->v.b[i] = in->v.i64[i] != 0;
        break;
    case SL_TYPE_BIGINT:
        if (in->type == SL_TYPE_BOOL) {
            for (int i = 0; i < n; i++)
                out->v.i64[i] = in->v.b[i] ? 1 : 0;
        } else {
            for (int i = 0; i < n; i++) {
                double r = rint(in->v.f64[i]);
                if (r >= -9223372036854775808.0 && r < 9223372036854775808.0) {
                    out->v.i64[i] = (int64_t)r;
                } else {
                    out->v.i64[i] = 0;
                    if (live(out->nulls, skip, i)) {
                        out->nulls[i] = 1;
                        sl_eval_row_error(ectx, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range");
                    }
                }
            }
        }
        break;
    default:
        memset(out->nulls, 1, (size_t)n);
        break;
    }
}

/* ---------- resolution ---------- */

/* The parameters of every body (sl_func_body) and the names they use. */
#define SL_FUNC_ARGS                                                                                         \
    const sl_expr *e, sl_vector *args, int n, const uint8_t *skip, sl_vector *out, sl_eval_ctx *ectx
#define SL_FUNC_LOCALS                                                                                       \
    const sl_vector *a0 = e->nargs > 0 ? &args[0] : NULL;                                                    \
    uint8_t *nl = out->nulls;                                                                                \
    (void)a0, (void)nl, (void)skip, (void)ectx

/* The bodies, defined under "evaluation" below. */
static void fn_abs(SL_FUNC_ARGS);
static void fn_round(SL_FUNC_ARGS);
static void fn_round2(SL_FUNC_ARGS);
static void fn_ceil(SL_FUNC_ARGS);
static void fn_floor(SL_FUNC_ARGS);
static void fn_exp(SL_FUNC_ARGS);
static void fn_sqrt_ln_log10(SL_FUNC_ARGS);
static void fn_log2arg(SL_FUNC_ARGS);
static void fn_power(SL_FUNC_ARGS);
static void fn_greatest_least(SL_FUNC_ARGS);
static void fn_nullif(SL_FUNC_ARGS);
static void fn_lower_upper(SL_FUNC_ARGS);
static void fn_length(SL_FUNC_ARGS);
static void fn_substr(SL_FUNC_ARGS);
static void fn_trim_ltrim_rtrim(SL_FUNC_ARGS);
static void fn_replace(SL_FUNC_ARGS);
static void fn_concat(SL_FUNC_ARGS);
static void fn_now(SL_FUNC_ARGS);
static void fn_date_trunc(SL_FUNC_ARGS);
static void fn_date_part(SL_FUNC_ARGS);
static void fn_to_timestamp(SL_FUNC_ARGS);
static void fn_epoch(SL_FUNC_ARGS);

#define B  SL_TYPE_BIGINT
#define D  SL_TYPE_DOUBLE
#define T  SL_TYPE_TEXT
#define TS SL_TYPE_TIMESTAMP
static const sl_func_sig sl_funcs[] = {
    {"abs", SL_FN_ABS, 1, {B}, B, fn_abs, false},
    {"abs", SL_FN_ABS, 1, {D}, D, fn_abs, false},
    {"round", SL_FN_ROUND, 1, {D}, D, fn_round, false},
    {"round", SL_FN_ROUND2, 2, {D, B}, D, fn_round2, false},
    {"ceil", SL_FN_CEIL, 1, {D}, D, fn_ceil, false},
    {"ceiling", SL_FN_CEIL, 1, {D}, D, fn_ceil, false},
    {"floor", SL_FN_FLOOR, 1, {D}, D, fn_floor, false},
    {"sqrt", SL_FN_SQRT, 1, {D}, D, fn_sqrt_ln_log10, false},
    {"power", SL_FN_POWER, 2, {D, D}, D, fn_power, false},
    {"pow", SL_FN_POWER, 2, {D, D}, D, fn_power, false},
    {"ln", SL_FN_LN, 1, {D}, D, fn_sqrt_ln_log10, false},
    {"log", SL_FN_LOG10, 1, {D}, D, fn_sqrt_ln_log10, false},
    {"log10", SL_FN_LOG10, 1, {D}, D, fn_sqrt_ln_log10, false},
    {"log", SL_FN_LOG2ARG, 2, {D, D}, D, fn_log2arg, false},
    {"exp", SL_FN_EXP, 1, {D}, D, fn_exp, false},
    {"lower", SL_FN_LOWER, 1, {T}, T, fn_lower_upper, false},
    {"upper", SL_FN_UPPER, 1, {T}, T, fn_lower_upper, false},
    {"length", SL_FN_LENGTH, 1, {T}, B, fn_length, false},
    {"char_length", SL_FN_LENGTH, 1, {T}, B, fn_length, false},
    {"substr", SL_FN_SUBSTR, 2, {T, B}, T, fn_substr, false},
    {"substr", SL_FN_SUBSTR, 3, {T, B, B}, T, fn_substr, false},
    {"substring", SL_FN_SUBSTR, 2, {T, B}, T, fn_substr, false},
    {"substring", SL_FN_SUBSTR, 3, {T, B, B}, T, fn_substr, false},
    {"trim", SL_FN_TRIM, 1, {T}, T, fn_trim_ltrim_rtrim, false},
    {"btrim", SL_FN_TRIM, 1, {T}, T, fn_trim_ltrim_rtrim, false},
    {"ltrim", SL_FN_LTRIM, 1, {T}, T, fn_trim_ltrim_rtrim, false},
    {"rtrim", SL_FN_RTRIM, 1, {T}, T, fn_trim_ltrim_rtrim, false},
    {"replace", SL_FN_REPLACE, 3, {T, T, T}, T, fn_replace, false},
    {"now", SL_FN_NOW, 0, {0}, TS, fn_now, false},
    {"current_timestamp", SL_FN_NOW, 0, {0}, TS, fn_now, false},
    {"date_trunc", SL_FN_DATE_TRUNC, 2, {T, TS}, TS, fn_date_trunc, false},
    {"date_part", SL_FN_DATE_PART, 2, {T, TS}, D, fn_date_part, false},
    {"to_timestamp", SL_FN_TO_TIMESTAMP, 1, {D}, TS, fn_to_timestamp, false},
    {"epoch", SL_FN_EPOCH, 1, {TS}, D, fn_epoch, false},
    {"greatest", SL_FN_GREATEST, -1, {0}, 0, fn_greatest_least, true},
    {"least", SL_FN_LEAST, -1, {0}, 0, fn_greatest_least, true},
    {"coalesce", SL_FN_COALESCE, -1, {0}, 0, NULL, true},
    {"nullif", SL_FN_NULLIF, -1, {0}, 0, fn_nullif, true},
    {"concat", SL_FN_CONCAT, -1, {0}, T, fn_concat, true},
};
#undef B
#undef D
#undef T
#undef TS

bool sl_expr_untyped(const sl_expr *e)
{
    return e->kind == SL_EXPR_CONST && (e->type == SL_TYPE_UNKNOWN || e->literal);
}

static bool accepts(sl_type param, const sl_expr *arg)
{
    return arg->type == param || sl_expr_untyped(arg) ||
           (arg->type == SL_TYPE_BIGINT && param == SL_TYPE_DOUBLE);
}

/* Field names of date_trunc/date_part, in microseconds where that makes sense. */
enum {
    U_MICRO,
    U_MILLI,
    U_SECOND,
    U_MINUTE,
    U_HOUR,
    U_DAY,
    U_WEEK,
    U_MONTH,
    U_QUARTER,
    U_YEAR,
    U_DECADE,
    U_CENTURY,
    U_DOW,
    U_ISODOW,
    U_DOY,
    U_EPOCH,
};
static const struct {
    const char *name;
    int unit;
    bool trunc_ok;
} sl_units[] = {
    {"microseconds", U_MICRO, true}, {"microsecond", U_MICRO, true}, {"us", U_MICRO, true},
    {"milliseconds", U_MILLI, true}, {"millisecond", U_MILLI, true}, {"ms", U_MILLI, true},
    {"second", U_SECOND, true},      {"seconds", U_SECOND, true},    {"sec", U_SECOND, true},
    {"minute", U_MINUTE, true},      {"minutes", U_MINUTE, true},    {"min", U_MINUTE, true},
    {"hour", U_HOUR, true},          {"hours", U_HOUR, true},        {"day", U_DAY, true},
    {"days", U_DAY, true},           {"week", U_WEEK, true},         {"weeks", U_WEEK, true},
    {"month", U_MONTH, true},        {"months", U_MONTH, true},      {"quarter", U_QUARTER, true},
    {"year", U_YEAR, true},          {"years", U_YEAR, true},        {"decade", U_DECADE, true},
    {"century", U_CENTURY, true},    {"dow", U_DOW, false},          {"isodow", U_ISODOW, false},
    {"doy", U_DOY, false},           {"epoch", U_EPOCH, false},
};

sl_status sl_func_none(const char *name, sl_expr *const *args, int nargs, sl_error *err)
{
    char types[256] = "";
    size_t len = 0;

    for (int i = 0; i < nargs && len < sizeof(types) - 32; i++)
        len += (size_t)snprintf(types + len, sizeof(types) - len, "%s%s", i ? ", " : "",
                                sl_expr_untyped(args[i]) && args[i]->type == SL_TYPE_UNKNOWN
                                    ? "unknown"
                                    : sl_type_name(args[i]->type));
    sl_error_set(err, SL_ERRCODE_UNDEFINED_FUNCTION, "function %s(%s) does not exist", name, types);
    sl_error_hint(err,
                  "No function matches the given name and argument types. You might need to add explicit "
                  "type casts.");
    return SL_ERROR;
}

const sl_func_sig *sl_func_find(const char *name, sl_expr *const *args, int nargs)
{
    for (size_t k = 0; k < sizeof(sl_funcs) / sizeof(sl_funcs[0]); k++) {
        const sl_func_sig *s = &sl_funcs[k];
        if (strcmp(s->name, name) != 0)
            continue;
        if (s->nargs < 0)
            return s;
        if (s->nargs != nargs)
            continue;
        bool ok = true;
        for (int i = 0; i < nargs && ok; i++)
            ok = accepts(s->args[i], args[i]);
        if (ok)
            return s;
    }
    return NULL;
}

int sl_func_time_unit(const char *unit, bool trunc)
{
    for (size_t k = 0; k < sizeof(sl_units) / sizeof(sl_units[0]); k++)
        if (strcmp(unit, sl_units[k].name) == 0 && (!trunc || sl_units[k].trunc_ok))
            return sl_units[k].unit;
    return -1;
}

/* ---------- evaluation ---------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t trunc_ts(int64_t ts, int unit)
{
    static const int64_t step[] = {1, 1000, US_PER_SEC, 60 * US_PER_SEC, 3600 * US_PER_SEC, US_PER_DAY};
    if (unit <= U_DAY)
        return floor_div(ts, step[unit]) * step[unit];
    int64_t days = floor_div(ts, US_PER_DAY), y;
    int m, d;
    if (unit == U_WEEK) /* ISO weeks start on Monday; 1970-01-01 was a Thursday */
        return (days - ((days + 3) % 7 + 7) % 7) * US_PER_DAY;
    sl_civil_from_days(days, &y, &m, &d);
    switch (unit) {
    case U_MONTH:
        return sl_days_from_civil(y, m, 1) * US_PER_DAY;
    case U_QUARTER:
        return sl_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1) * US_PER_DAY;
    case U_YEAR:
        return sl_days_from_civil(y, 1, 1) * US_PER_DAY;
    case U_DECADE:
        return sl_days_from_civil(y - ((y % 10) + 10) % 10, 1, 1) * US_PER_DAY;
    default: /* century: 2001-01-01 starts the 21st */
        return sl_days_from_civil(((y - 1) / 100) * 100 + 1, 1, 1) * US_PER_DAY;
    }
}

static double part_ts(int64_t ts, int unit)
{
    int64_t days = floor_div(ts, US_PER_DAY), y;
    int64_t tod = ts - days * US_PER_DAY;
    int m, d;

    sl_civil_from_days(days, &y, &m, &d);
    switch (unit) {
    case U_MICRO:
        return (double)(tod % (60 * US_PER_SEC));
    case U_MILLI:
        return (double)(tod % (60 * US_PER_SEC)) / 1000.0;
    case U_SECOND:
        return (double)(tod % (60 * US_PER_SEC)) / 1e6;
    case U_MINUTE:
        return (double)(tod / (60 * US_PER_SEC) % 60);
    case U_HOUR:
        return (double)(tod / (3600 * US_PER_SEC));
    case U_DAY:
        return d;
    case U_MONTH:
        return m;
    case U_QUARTER:
        return (m - 1) / 3 + 1;
    case U_YEAR:
        return (double)y;
    case U_DECADE:
        return (double)floor_div(y, 10);
    case U_CENTURY:
        return (double)(y > 0 ? (y + 99) / 100 : -((99 - (y - 1)) / 100));
    case U_DOW:
        return (double)(((days + 4) % 7 + 7) % 7);
    case U_ISODOW: {
        int64_t w = ((days + 4) % 7 + 7) % 7;
        return (double)(w == 0 ? 7 : w);
    }
    case U_DOY:
        return (double)(days - sl_days_from_civil(y, 1, 1) + 1);
    case U_WEEK: {
        /* ISO week: the week with the year's first Thursday is week 1 */
        int64_t thursday = days - ((days + 3) % 7 + 7) % 7 + 3;
        int64_t ty;
        int tm, td;
        sl_civil_from_days(thursday, &ty, &tm, &td);
        return (double)((thursday - sl_days_from_civil(ty, 1, 1)) / 7 + 1);
    }
    default: /* epoch */
        return (double)ts / 1e6;
    }
}

static int32_t utf8_chars(const char *s, int32_t len)
{
    int32_t n = 0;
    for (int32_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Byte offset of character index ci (0-based) in s, clamped to len. */
static int32_t utf8_offset(const char *s, int32_t len, int64_t ci)
{
    int32_t i = 0;
    while (i < len && ci > 0) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        ci--;
    }
    return i;
}

#define UNARY_D(EXPR)                                                                                        \
    for (int i = 0; i < n; i++) {                                                                            \
        double x = a0->v.f64[i];                                                                             \
        out->v.f64[i] = (EXPR);                                                                              \
    }

/* ---------- evaluation: one vectorised body per function ---------- */

static void fn_abs(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    if (e->type == SL_TYPE_DOUBLE) {
        UNARY_D(fabs(x))
    } else {
        for (int i = 0; i < n; i++) {
            int64_t x = a0->v.i64[i];
            if (x == INT64_MIN) {
                out->v.i64[i] = 0;
                if (live(nl, skip, i)) {
                    nl[i] = 1;
                    sl_eval_row_error(ectx, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range");
                }
            } else {
                out->v.i64[i] = x < 0 ? -x : x;
            }
        }
    }
}

static void fn_round(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    UNARY_D(rint(x))
}

static void fn_round2(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    for (int i = 0; i < n; i++) {
        int64_t digits = args[1].v.i64[i];
        double x = a0->v.f64[i];
        if (digits > 300 || digits < -300 || !isfinite(x)) {
            out->v.f64[i] = x;
            continue;
        }
        double scale = pow(10.0, (double)digits);
        double r = round(x * scale) / scale;
        out->v.f64[i] = isfinite(r) ? r : x;
    }
}

static void fn_ceil(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    UNARY_D(ceil(x))
}

static void fn_floor(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    UNARY_D(floor(x))
}

static void fn_exp(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    UNARY_D(exp(x))
}

static void fn_sqrt_ln_log10(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    for (int i = 0; i < n; i++) {
        double x = a0->v.f64[i];
        if (e->op == SL_FN_SQRT) {
            out->v.f64[i] = sqrt(x);
            if (x < 0 && live(nl, skip, i)) {
                nl[i] = 1;
                sl_eval_row_error(ectx, SL_ERRCODE_INVALID_ARGUMENT_FOR_POWER,
                                  "cannot take square root of a negative number");
            }
            continue;
        }
        out->v.f64[i] = e->op == SL_FN_LN ? log(x) : log10(x);
        if (x <= 0 && live(nl, skip, i)) {
            nl[i] = 1;
            sl_eval_row_error(ectx, SL_ERRCODE_INVALID_ARGUMENT_FOR_LOG,
                              x == 0 ? "cannot take logarithm of zero"
                                     : "cannot take logarithm of a negative number");
        }
    }
}

static void fn_log2arg(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    for (int i = 0; i < n; i++) {
        double b = a0->v.f64[i], x = args[1].v.f64[i];
        out->v.f64[i] = log(x) / log(b);
        if (!live(nl, skip, i))
            continue;
        if (b <= 0 || x <= 0) {
            nl[i] = 1;
            sl_eval_row_error(ectx, SL_ERRCODE_INVALID_ARGUMENT_FOR_LOG,
                              (b == 0 || x == 0) ? "cannot take logarithm of zero"
                                                 : "cannot take logarithm of a negative number");
        } else if (b == 1) {
            nl[i] = 1;
            sl_eval_row_error(ectx, SL_ERRCODE_DIVISION_BY_ZERO, "division by zero");
        }
    }
}

static void fn_power(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    for (int i = 0; i < n; i++) {
        double x = a0->v.f64[i], y = args[1].v.f64[i];
        out->v.f64[i] = pow(x, y);
        if (!live(nl, skip, i))
            continue;
        if (x == 0 && y < 0) {
            nl[i] = 1;
            sl_eval_row_error(ectx, SL_ERRCODE_INVALID_ARGUMENT_FOR_POWER,
                              "zero raised to a negative power is undefined");
        } else if (x < 0 && floor(y) != y) {
            nl[i] = 1;
            sl_eval_row_error(ectx, SL_ERRCODE_INVALID_ARGUMENT_FOR_POWER,
                              "a negative number raised to a non-integer power yields a complex result");
        }
    }
}

static void fn_greatest_least(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    /* NULLs are ignored; NULL only when every argument is */
    bool greatest = e->op == SL_FN_GREATEST;
    memset(nl, 1, (size_t)n);
    for (int k = 0; k < e->nargs; k++) {
        const sl_vector *v = &args[k];
        for (int i = 0; i < n; i++) {
            if (v->nulls[i])
                continue;
            bool better;
            if (nl[i]) {
                better = true;
            } else {
                int c;
                switch (e->type) {
                case SL_TYPE_DOUBLE:
                    c = v->v.f64[i] < out->v.f64[i] ? -1 : v->v.f64[i] > out->v.f64[i];
                    break;
                case SL_TYPE_TEXT: {
                    sl_text x = v->v.text[i], y = out->v.text[i];
                    int32_t m = x.len < y.len ? x.len : y.len;
                    c = m > 0 ? memcmp(x.ptr, y.ptr, (size_t)m) : 0;
                    if (c == 0)
                        c = x.len < y.len ? -1 : x.len > y.len;
                    break;
                }
                case SL_TYPE_BOOL:
                    c = (int)v->v.b[i] - (int)out->v.b[i];
                    break;
                default:
                    c = v->v.i64[i] < out->v.i64[i] ? -1 : v->v.i64[i] > out->v.i64[i];
                    break;
                }
                better = greatest ? c > 0 : c < 0;
            }
            if (better) {
                nl[i] = 0;
                switch (e->type) {
                case SL_TYPE_DOUBLE:
                    out->v.f64[i] = v->v.f64[i];
                    break;
                case SL_TYPE_TEXT:
                    out->v.text[i] = v->v.text[i];
                    break;
                case SL_TYPE_BOOL:
                    out->v.b[i] = v->v.b[i];
                    break;
                default:
                    out->v.i64[i] = v->v.i64[i];
                    break;
                }
            }
        }
    }
}

static void fn_nullif(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    bool *eq = sl_palloc(ectx->cx, (size_t)n);
    const sl_vector *a = &args[0], *b = &args[1];
    for (int i = 0; i < n; i++) {
        switch (e->type) {
        case SL_TYPE_DOUBLE:
            eq[i] = a->v.f64[i] == b->v.f64[i];
            break;
        case SL_TYPE_TEXT:
            eq[i] = a->v.text[i].len == b->v.text[i].len &&
                    (a->v.text[i].len == 0 ||
                     memcmp(a->v.text[i].ptr, b->v.text[i].ptr, (size_t)a->v.text[i].len) == 0);
            break;
        case SL_TYPE_BOOL:
            eq[i] = (a->v.b[i] != 0) == (b->v.b[i] != 0);
            break;
        default:
            eq[i] = a->v.i64[i] == b->v.i64[i];
            break;
        }
        nl[i] = a->nulls[i] || (!b->nulls[i] && eq[i]);
    }
    size_t w = e->type == SL_TYPE_BOOL ? sizeof(bool) : e->type == SL_TYPE_TEXT ? sizeof(sl_text) : 8;
    memcpy(out->v.i64, a->v.i64, (size_t)n * w);
}

static void fn_lower_upper(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    size_t total = 0;
    for (int i = 0; i < n; i++)
        if (!nl[i])
            total += (size_t)a0->v.text[i].len;
    char *buf = sl_palloc(ectx->cx, total + 1);
    bool up = e->op == SL_FN_UPPER;
    for (int i = 0; i < n; i++) {
        if (nl[i]) {
            out->v.text[i] = (sl_text){"", 0};
            continue;
        }
        sl_text t = a0->v.text[i];
        for (int32_t j = 0; j < t.len; j++) {
            char c = t.ptr[j];
            if (up && c >= 'a' && c <= 'z')
                c = (char)(c - 32);
            else if (!up && c >= 'A' && c <= 'Z')
                c = (char)(c + 32);
            buf[j] = c;
        }
        out->v.text[i] = (sl_text){buf, t.len};
        buf += t.len;
    }
}

static void fn_length(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    for (int i = 0; i < n; i++)
        out->v.i64[i] = nl[i] ? 0 : utf8_chars(a0->v.text[i].ptr, a0->v.text[i].len);
}

static void fn_substr(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    for (int i = 0; i < n; i++) {
        if (nl[i]) {
            out->v.text[i] = (sl_text){"", 0};
            continue;
        }
        sl_text t = a0->v.text[i];
        int64_t start = args[1].v.i64[i]; /* 1-based */
        int64_t end = INT64_MAX;          /* exclusive, 1-based */
        if (e->nargs == 3) {
            int64_t len = args[2].v.i64[i];
            if (len < 0) {
                if (live(nl, skip, i)) {
                    nl[i] = 1;
                    sl_eval_row_error(ectx, SL_ERRCODE_SUBSTRING_ERROR,
                                      "negative substring length not allowed");
                }
                out->v.text[i] = (sl_text){"", 0};
                continue;
            }
            end = __builtin_add_overflow(start, len, &end) ? INT64_MAX : end;
        }
        if (start < 1)
            start = 1;
        if (end <= start) {
            out->v.text[i] = (sl_text){"", 0};
            continue;
        }
        int32_t b0 = utf8_offset(t.ptr, t.len, start - 1);
        int32_t b1 = end == INT64_MAX ? t.len : b0 + utf8_offset(t.ptr + b0, t.len - b0, end - start);
        out->v.text[i] = (sl_text){t.ptr + b0, b1 - b0};
    }
}

static void fn_trim_ltrim_rtrim(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    for (int i = 0; i < n; i++) {
        sl_text t = nl[i] ? (sl_text){"", 0} : a0->v.text[i];
        if (e->op != SL_FN_RTRIM)
            while (t.len > 0 && t.ptr[0] == ' ')
                t.ptr++, t.len--;
        if (e->op != SL_FN_LTRIM)
            while (t.len > 0 && t.ptr[t.len - 1] == ' ')
                t.len--;
        out->v.text[i] = t;
    }
}

static void fn_replace(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    for (int i = 0; i < n; i++) {
        if (nl[i]) {
            out->v.text[i] = (sl_text){"", 0};
            continue;
        }
        sl_text s = a0->v.text[i], f = args[1].v.text[i], r = args[2].v.text[i];
        if (f.len == 0 || f.len > s.len) {
            out->v.text[i] = s;
            continue;
        }
        int32_t count = 0;
        for (int32_t j = 0; j + f.len <= s.len;) {
            if (memcmp(s.ptr + j, f.ptr, (size_t)f.len) == 0)
                count++, j += f.len;
            else
                j++;
        }
        if (count == 0) {
            out->v.text[i] = s;
            continue;
        }
        size_t size = (size_t)s.len + (size_t)count * (size_t)r.len;
        char *buf = sl_palloc(ectx->cx, size + 1), *p = buf;
        for (int32_t j = 0; j < s.len;) {
            if (j + f.len <= s.len && memcmp(s.ptr + j, f.ptr, (size_t)f.len) == 0) {
                memcpy(p, r.ptr, (size_t)r.len);
                p += r.len;
                j += f.len;
            } else {
                *p++ = s.ptr[j++];
            }
        }
        out->v.text[i] = (sl_text){buf, (int32_t)(p - buf)};
    }
}

static void fn_concat(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    memset(nl, 0, (size_t)n);
    size_t total = 0;
    for (int k = 0; k < e->nargs; k++)
        for (int i = 0; i < n; i++)
            if (!args[k].nulls[i])
                total += (size_t)args[k].v.text[i].len;
    char *buf = sl_palloc(ectx->cx, total + 1);
    for (int i = 0; i < n; i++) {
        char *start = buf;
        for (int k = 0; k < e->nargs; k++) {
            if (args[k].nulls[i])
                continue;
            memcpy(buf, args[k].v.text[i].ptr, (size_t)args[k].v.text[i].len);
            buf += args[k].v.text[i].len;
        }
        out->v.text[i] = (sl_text){start, (int32_t)(buf - start)};
    }
}

static void fn_now(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    /* read once per batch: every row of a batch sees the same now() */
    int64_t now = sl_clock_wall_us();
    for (int i = 0; i < n; i++)
        out->v.i64[i] = now;
}

static void fn_date_trunc(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    for (int i = 0; i < n; i++)
        out->v.i64[i] = trunc_ts(args[1].v.i64[i], e->unit);
}

static void fn_date_part(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    for (int i = 0; i < n; i++)
        out->v.f64[i] = part_ts(args[1].v.i64[i], e->unit);
}

static void fn_to_timestamp(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    for (int i = 0; i < n; i++) {
        double us = a0->v.f64[i] * 1e6;
        if (us > -9.2e18 && us < 9.2e18) {
            out->v.i64[i] = (int64_t)llround(us);
        } else {
            out->v.i64[i] = 0;
            if (live(nl, skip, i)) {
                nl[i] = 1;
                sl_eval_row_error(ectx, SL_ERRCODE_DATETIME_FIELD_OVERFLOW, "timestamp out of range");
            }
        }
    }
}

static void fn_epoch(SL_FUNC_ARGS)
{
    SL_FUNC_LOCALS;
    for (int i = 0; i < n; i++)
        out->v.f64[i] = (double)a0->v.i64[i] / 1e6;
}

sl_status sl_func_eval(const sl_expr *e, sl_vector *args, int n, const uint8_t *skip, sl_vector *out,
                       sl_eval_ctx *ectx, sl_error *err)
{
    const sl_func_sig *f = e->func;

    if (f == NULL || f->eval == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "function %s is not evaluated here", e->name);
    /* strict functions: NULL in any argument gives NULL */
    if (!f->lenient) {
        memset(out->nulls, 0, (size_t)n);
        for (int k = 0; k < e->nargs; k++)
            for (int i = 0; i < n; i++)
                out->nulls[i] |= args[k].nulls[i];
    }
    f->eval(e, args, n, skip, out, ectx);
    return SL_OK;
}
