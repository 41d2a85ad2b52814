/*
 * types.c - SQL type names, OIDs, and the text forms of values
 * (see include/sluice/types.h).
 *
 * Entry points: sl_type_name, sl_type_parse, sl_type_oid, sl_format_*,
 * sl_parse_*.  Output follows PostgreSQL's defaults (DateStyle ISO,
 * IntervalStyle postgres, extra_float_digits 1) so that clients see what
 * they would see from PostgreSQL; input accepts what PostgreSQL accepts for
 * the common cases plus ISO-8601 zones, converting every timestamp to UTC.
 */
#include "common/interval.h"
#include "sluice/types.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define US_PER_SEC  INT64_C(1000000)
#define US_PER_MIN  (60 * US_PER_SEC)
#define US_PER_HOUR (60 * US_PER_MIN)
#define US_PER_DAY  (24 * US_PER_HOUR)

const char *sl_type_name(sl_type type)
{
    switch (type) {
    case SL_TYPE_BOOL:
        return "boolean";
    case SL_TYPE_BIGINT:
        return "bigint";
    case SL_TYPE_DOUBLE:
        return "double";
    case SL_TYPE_TEXT:
        return "text";
    case SL_TYPE_TIMESTAMP:
        return "timestamp";
    case SL_TYPE_INTERVAL:
        return "interval";
    case SL_TYPE_UNKNOWN:
        break;
    }
    return "unknown";
}

static const struct {
    const char *name;
    sl_type type;
} sl_type_aliases[] = {
    {"boolean", SL_TYPE_BOOL},
    {"bool", SL_TYPE_BOOL},
    {"bigint", SL_TYPE_BIGINT},
    {"int", SL_TYPE_BIGINT},
    {"integer", SL_TYPE_BIGINT},
    {"int8", SL_TYPE_BIGINT},
    {"int4", SL_TYPE_BIGINT},
    {"int2", SL_TYPE_BIGINT},
    {"smallint", SL_TYPE_BIGINT},
    {"long", SL_TYPE_BIGINT},
    {"oid", SL_TYPE_BIGINT},
    {"double", SL_TYPE_DOUBLE},
    {"double precision", SL_TYPE_DOUBLE},
    {"float", SL_TYPE_DOUBLE},
    {"float8", SL_TYPE_DOUBLE},
    {"float4", SL_TYPE_DOUBLE},
    {"real", SL_TYPE_DOUBLE},
    {"numeric", SL_TYPE_DOUBLE},
    {"decimal", SL_TYPE_DOUBLE},
    {"text", SL_TYPE_TEXT},
    {"varchar", SL_TYPE_TEXT},
    {"character varying", SL_TYPE_TEXT},
    {"char", SL_TYPE_TEXT},
    {"character", SL_TYPE_TEXT},
    {"char varying", SL_TYPE_TEXT},
    {"bpchar", SL_TYPE_TEXT},
    {"name", SL_TYPE_TEXT},
    {"string", SL_TYPE_TEXT},
    {"timestamp", SL_TYPE_TIMESTAMP},
    {"timestamptz", SL_TYPE_TIMESTAMP},
    {"timestamp with time zone", SL_TYPE_TIMESTAMP},
    {"timestamp without time zone", SL_TYPE_TIMESTAMP},
    {"datetime", SL_TYPE_TIMESTAMP},
    {"interval", SL_TYPE_INTERVAL},
};

bool sl_fold_blanks(const char *text, char stop, char *out, size_t outsize)
{
    size_t n = 0;
    bool space = false;

    for (const char *p = text; *p != '\0' && *p != stop; p++) {
        if (isspace((unsigned char)*p)) {
            space = n > 0;
            continue;
        }
        if (n + 2 >= outsize)
            return false;
        if (space)
            out[n++] = ' ';
        space = false;
        out[n++] = (char)tolower((unsigned char)*p);
    }
    out[n] = '\0';
    return true;
}

bool sl_type_parse(const char *name, sl_type *out)
{
    char norm[64];

    /* Lower case, collapse runs of blanks, drop a type modifier "(n)". */
    if (name == NULL || !sl_fold_blanks(name, '(', norm, sizeof(norm)))
        return false;
    for (size_t i = 0; i < sizeof(sl_type_aliases) / sizeof(sl_type_aliases[0]); i++) {
        if (strcmp(norm, sl_type_aliases[i].name) == 0) {
            *out = sl_type_aliases[i].type;
            return true;
        }
    }
    return false;
}

sl_status sl_type_check_mods(const char *name, int nmods, const int64_t *mods, sl_error *err)
{
    bool text = strcmp(name, "varchar") == 0 || strcmp(name, "character varying") == 0 ||
                strcmp(name, "char varying") == 0 || strcmp(name, "char") == 0 ||
                strcmp(name, "character") == 0 || strcmp(name, "bpchar") == 0;
    bool numeric = strcmp(name, "numeric") == 0 || strcmp(name, "decimal") == 0;
    bool stamp = strcmp(name, "timestamp") == 0 || strcmp(name, "timestamptz") == 0;
    bool flt = strcmp(name, "float") == 0;

    if (nmods == 0)
        return SL_OK;
    if (!(text || numeric || stamp || flt))
        return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "type modifier is not allowed for type \"%s\"",
                            name);
    if (nmods > (numeric ? 2 : 1))
        return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "invalid type modifier");
    if (text && mods[0] < 1)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "length for type %s must be at least 1",
                            name);
    if (text && mods[0] > 10485760)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "length for type %s cannot exceed 10485760", name);
    if (numeric && (mods[0] < 1 || mods[0] > 1000))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "NUMERIC precision %lld must be between 1 and 1000", (long long)mods[0]);
    if (numeric && nmods == 2 && (mods[1] < 0 || mods[1] > mods[0]))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "NUMERIC scale %lld must be between 0 and precision %lld", (long long)mods[1],
                            (long long)mods[0]);
    if (stamp && (mods[0] < 0 || mods[0] > 6))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "TIMESTAMP(%lld) precision must be between 0 and 6", (long long)mods[0]);
    if (flt && (mods[0] < 1 || mods[0] > 53))
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                            "precision for type float must be between 1 and 53 bits");
    return SL_OK;
}

uint32_t sl_type_oid(sl_type type)
{
    switch (type) {
    case SL_TYPE_BOOL:
        return 16;
    case SL_TYPE_BIGINT:
        return 20;
    case SL_TYPE_DOUBLE:
        return 701;
    case SL_TYPE_TEXT:
        return 25;
    case SL_TYPE_TIMESTAMP:
        return 1114;
    case SL_TYPE_INTERVAL:
        return 1186;
    case SL_TYPE_UNKNOWN:
        break;
    }
    return 705; /* unknown */
}

/* ---------- formatting ---------- */

int sl_format_bool(bool v, char *buf)
{
    buf[0] = v ? 't' : 'f';
    buf[1] = '\0';
    return 1;
}

int sl_format_bigint(int64_t v, char *buf)
{
    char tmp[24];
    int n = 0, len = 0;
    /* Work on the negative value so INT64_MIN needs no special case. */
    int64_t x = v < 0 ? v : -v;

    do {
        tmp[n++] = (char)('0' - (x % 10));
        x /= 10;
    } while (x != 0);
    if (v < 0)
        buf[len++] = '-';
    while (n > 0)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}

/*
 * Shortest digits that read back as v (what PostgreSQL 12+ prints), in
 * fixed notation for decimal exponents -4..14 and as d.ddde+XX otherwise.
 */
int sl_format_double(double v, char *buf)
{
    char tmp[40];
    char digits[24];
    int ndig = 0, exp10 = 0, len = 0;

    if (isnan(v))
        return (int)(strcpy(buf, "NaN"), 3);
    if (isinf(v)) {
        strcpy(buf, v < 0 ? "-Infinity" : "Infinity");
        return (int)strlen(buf);
    }
    if (v == 0) {
        strcpy(buf, signbit(v) ? "-0" : "0");
        return (int)strlen(buf);
    }
    /* Shortest round trip in at most three tries: 15-digit decimals are spaced
     * wider than a double's ulp, so if the 15-digit rounding reads back as v it
     * is the only 15-digit candidate and trimming its zeros gives the shortest
     * form; otherwise the nearest 16- or 17-digit one is what Ryu would print.
     * Subnormals have fewer significant bits, so they search from one digit. */
    for (int prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
        if (prec == 17 || strtod(tmp, NULL) == v)
            break;
    }
    /* tmp is "-d.ddde+XX": collect the digits and the exponent. */
    const char *p = tmp;
    if (*p == '-') {
        buf[len++] = '-';
        p++;
    }
    for (; *p != 'e'; p++)
        if (isdigit((unsigned char)*p))
            digits[ndig++] = *p;
    exp10 = atoi(p + 1);
    while (ndig > 1 && digits[ndig - 1] == '0')
        ndig--;

    if (exp10 < -4 || exp10 >= 15) {
        buf[len++] = digits[0];
        if (ndig > 1) {
            buf[len++] = '.';
            for (int i = 1; i < ndig; i++)
                buf[len++] = digits[i];
        }
        len += sprintf(buf + len, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
        return len;
    }
    if (exp10 < 0) {
        buf[len++] = '0';
        buf[len++] = '.';
        for (int i = -1; i > exp10; i--)
            buf[len++] = '0';
        for (int i = 0; i < ndig; i++)
            buf[len++] = digits[i];
    } else {
        for (int i = 0; i <= exp10; i++)
            buf[len++] = i < ndig ? digits[i] : '0';
        if (ndig > exp10 + 1) {
            buf[len++] = '.';
            for (int i = exp10 + 1; i < ndig; i++)
                buf[len++] = digits[i];
        }
    }
    buf[len] = '\0';
    return len;
}

/* Days since 1970-01-01 -> proleptic Gregorian date (era-based arithmetic). */
void sl_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int64_t sl_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* ".ffffff" without trailing zeros, nothing for 0. */
static int sl_format_fraction(int64_t frac_us, char *buf)
{
    int len = 0;

    if (frac_us == 0)
        return 0;
    buf[len++] = '.';
    for (int64_t div = 100000; div > 0 && frac_us > 0; div /= 10) {
        buf[len++] = (char)('0' + frac_us / div);
        frac_us %= div;
    }
    buf[len] = '\0';
    return len;
}

int sl_format_timestamp(int64_t us, char *buf)
{
    int64_t days = us / US_PER_DAY, rem = us % US_PER_DAY;
    int64_t year;
    int month, day, len;

    if (rem < 0) {
        rem += US_PER_DAY;
        days--;
    }
    sl_civil_from_days(days, &year, &month, &day);
    int64_t secs = rem / US_PER_SEC;
    bool bc = year <= 0;
    /* PostgreSQL has no year 0: 1 BC is year 0 of the proleptic calendar. */
    len = sprintf(buf, "%04lld-%02d-%02d %02d:%02d:%02d", (long long)(bc ? 1 - year : year), month, day,
                  (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    len += sl_format_fraction(rem % US_PER_SEC, buf + len);
    if (bc)
        len += sprintf(buf + len, " BC");
    buf[len] = '\0';
    return len;
}

/* PostgreSQL's "postgres" IntervalStyle over days + time (no months here). */
int sl_format_interval(int64_t us, char *buf)
{
    int len = 0;
    /* Split with truncation toward zero so days and time share the sign. */
    int64_t days = us / US_PER_DAY;
    int64_t rem = us % US_PER_DAY;
    bool neg_time = rem < 0;
    uint64_t t = neg_time ? (uint64_t)(-rem) : (uint64_t)rem;

    if (days != 0)
        len += sprintf(buf, "%lld day%s", (long long)days, (days == 1) ? "" : "s");
    if (rem != 0 || days == 0) {
        uint64_t secs = t / (uint64_t)US_PER_SEC;
        len += sprintf(buf + len, "%s%s%02llu:%02llu:%02llu", days != 0 ? " " : "", neg_time ? "-" : "",
                       (unsigned long long)(secs / 3600), (unsigned long long)(secs / 60 % 60),
                       (unsigned long long)(secs % 60));
        len += sl_format_fraction((int64_t)(t % (uint64_t)US_PER_SEC), buf + len);
    }
    buf[len] = '\0';
    return len;
}

/* ---------- parsing ---------- */

/* Trims blanks at both ends of [*s, *s + *len). */
static void sl_trim(const char **s, int32_t *len)
{
    while (*len > 0 && isspace((unsigned char)**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

static sl_status sl_bad_input(sl_error *err, const char *code, const char *type, const char *s, int32_t len)
{
    int shown = len > 200 ? 200 : len;
    return sl_error_set(err, code, "invalid input syntax for type %s: \"%.*s%s\"", type, shown, s,
                        shown < len ? "..." : "");
}

int sl_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool sl_bool_word(const char *s, size_t len, bool *out)
{
    static const struct {
        const char *word;
        bool value;
    } words[] = {{"true", true},   {"t", true},  {"yes", true}, {"y", true},  {"on", true},   {"1", true},
                 {"false", false}, {"f", false}, {"no", false}, {"n", false}, {"off", false}, {"0", false}};

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (len == strlen(words[i].word) && strncasecmp(s, words[i].word, len) == 0) {
            *out = words[i].value;
            return true;
        }
    }
    return false;
}

sl_status sl_parse_bool(const char *s, int32_t len, bool *out, sl_error *err)
{
    const char *orig = s;
    int32_t orig_len = len;

    sl_trim(&s, &len);
    if (sl_bool_word(s, (size_t)len, out))
        return SL_OK;
    return sl_bad_input(err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "boolean", orig, orig_len);
}

sl_status sl_parse_bigint(const char *s, int32_t len, int64_t *out, sl_error *err)
{
    const char *orig = s;
    int32_t orig_len = len, i = 0;
    bool neg = false;
    /* Accumulate negatively: |INT64_MIN| does not fit in the positive range. */
    int64_t acc = 0;

    sl_trim(&s, &len);
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i >= len)
        return sl_bad_input(err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "bigint", orig, orig_len);
    for (; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return sl_bad_input(err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "bigint", orig, orig_len);
        int d = s[i] - '0';
        if (acc < (INT64_MIN + d) / 10)
            goto overflow;
        acc = acc * 10 - d;
    }
    if (!neg) {
        if (acc == INT64_MIN)
            goto overflow;
        acc = -acc;
    }
    *out = acc;
    return SL_OK;
overflow:
    return sl_error_set(err, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
                        "value \"%.*s\" is out of range for type bigint", orig_len > 200 ? 200 : orig_len,
                        orig);
}

sl_status sl_parse_double(const char *s, int32_t len, double *out, sl_error *err)
{
    char buf[128];
    const char *orig = s;
    int32_t orig_len = len;
    char *end;

    sl_trim(&s, &len);
    if (len == 0 || (size_t)len >= sizeof(buf))
        return sl_bad_input(err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "double precision", orig, orig_len);
    memcpy(buf, s, (size_t)len);
    buf[len] = '\0';
    /* strtod also reads hex floats and "infinity" prefixes; PostgreSQL's spellings only. */
    const char *w = buf + (buf[0] == '-' || buf[0] == '+');
    if (strcasecmp(w, "infinity") == 0 || strcasecmp(w, "inf") == 0) {
        *out = buf[0] == '-' ? -INFINITY : INFINITY;
        return SL_OK;
    }
    if (strcasecmp(buf, "nan") == 0) {
        *out = NAN;
        return SL_OK;
    }
    for (const char *p = w; *p; p++)
        if (!isdigit((unsigned char)*p) && *p != '.' && *p != 'e' && *p != 'E' && *p != '-' && *p != '+')
            return sl_bad_input(err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "double precision", orig,
                                orig_len);
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0')
        return sl_bad_input(err, SL_ERRCODE_INVALID_TEXT_REPRESENTATION, "double precision", orig, orig_len);
    if (errno == ERANGE && (isinf(v) || v == 0))
        return sl_error_set(err, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
                            "\"%s\" is out of range for type double precision", buf);
    *out = v;
    return SL_OK;
}

/* Reads 1..maxd digits at s[*i]; false when none. */
static bool sl_read_digits(const char *s, int32_t len, int32_t *i, int maxd, int64_t *v, int *ndig)
{
    int n = 0;
    int64_t acc = 0;

    while (*i < len && n < maxd && isdigit((unsigned char)s[*i])) {
        acc = acc * 10 + (s[*i] - '0');
        (*i)++;
        n++;
    }
    if (ndig != NULL)
        *ndig = n;
    *v = acc;
    return n > 0;
}

/* ".ddd" -> microseconds (digits beyond the sixth are rounded away). */
static int64_t sl_read_fraction(const char *s, int32_t len, int32_t *i)
{
    int64_t us = 0, scale = 100000;
    bool round_up = false;
    int n = 0;

    (*i)++; /* the '.' */
    while (*i < len && isdigit((unsigned char)s[*i])) {
        if (n < 6)
            us += (s[*i] - '0') * scale, scale /= 10;
        else if (n == 6)
            round_up = s[*i] >= '5';
        n++;
        (*i)++;
    }
    return us + (round_up ? 1 : 0);
}

static bool sl_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

sl_status sl_parse_timestamp(const char *s, int32_t len, int64_t *out, sl_error *err)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *orig = s;
    int32_t orig_len = len, i = 0;
    int64_t year, month, day, hour = 0, minute = 0, second = 0, frac = 0, zone_us = 0;
    int nd;
    bool bc = false;

    sl_trim(&s, &len);
    /* A trailing " BC", as sl_format_timestamp writes before year 1 (and PostgreSQL reads). */
    if (len > 3 && strncasecmp(s + len - 2, "BC", 2) == 0 && s[len - 3] == ' ') {
        bc = true;
        len -= 3;
        sl_trim(&s, &len);
    }
    if (!sl_read_digits(s, len, &i, 9, &year, &nd) || nd < 4 || i >= len || s[i++] != '-' ||
        !sl_read_digits(s, len, &i, 2, &month, NULL) || i >= len || s[i++] != '-' ||
        !sl_read_digits(s, len, &i, 2, &day, NULL))
        goto bad;
    if (i < len && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        i++;
        while (i < len && s[i] == ' ')
            i++;
        if (!sl_read_digits(s, len, &i, 2, &hour, NULL) || i >= len || s[i++] != ':' ||
            !sl_read_digits(s, len, &i, 2, &minute, NULL))
            goto bad;
        if (i < len && s[i] == ':') {
            i++;
            if (!sl_read_digits(s, len, &i, 2, &second, NULL))
                goto bad;
            if (i < len && (s[i] == '.' || s[i] == ','))
                frac = sl_read_fraction(s, len, &i);
        }
    }
    while (i < len && s[i] == ' ')
        i++;
    if (i < len) {
        if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
            i++;
        } else if (len - i == 3 && strncasecmp(s + i, "UTC", 3) == 0) {
            i += 3;
        } else if (s[i] == '+' || s[i] == '-') {
            int sign = s[i++] == '-' ? -1 : 1;
            int64_t zh, zm = 0;
            if (!sl_read_digits(s, len, &i, 2, &zh, &nd) || nd != 2)
                goto bad;
            if (i < len && s[i] == ':')
                i++;
            if (i < len && !sl_read_digits(s, len, &i, 2, &zm, &nd))
                goto bad;
            if (zh > 15 || zm > 59)
                goto range;
            zone_us = sign * (zh * US_PER_HOUR + zm * US_PER_MIN);
        }
        if (i != len)
            goto bad;
    }
    if (bc) {
        if (year < 1)
            goto range;
        year = 1 - year; /* there is no year 0: 1 BC is year 0 of the proleptic calendar */
    }
    if (month < 1 || month > 12 || day < 1 ||
        day > mdays[month - 1] + (month == 2 && sl_is_leap(year) ? 1 : 0) || hour > 24 || minute > 59 ||
        second > 60 || (hour == 24 && (minute != 0 || second != 0 || frac != 0)))
        goto range;
    /* PostgreSQL accepts a leap second by rolling it into the next minute.
     * Years of up to 9 digits are read: beyond about 294000 the microseconds
     * do not fit int64, which must be an error, not an overflow. */
    {
        int64_t days = sl_days_from_civil(year, (int)month, (int)day);
        int64_t tod = hour * US_PER_HOUR + minute * US_PER_MIN + second * US_PER_SEC + frac - zone_us;
        /* Near the lower end the day alone may not fit in microseconds while
         * the time is within range (what the formatter writes there must
         * read back): count from the end of the day instead. */
        if (days < 0) {
            days += 1;
            tod -= US_PER_DAY;
        }
        if (__builtin_mul_overflow(days, US_PER_DAY, out) || __builtin_add_overflow(*out, tod, out))
            goto range;
    }
    return SL_OK;
bad:
    return sl_bad_input(err, SL_ERRCODE_INVALID_DATETIME_FORMAT, "timestamp", orig, orig_len);
range:
    return sl_error_set(err, SL_ERRCODE_INVALID_DATETIME_FORMAT,
                        "date/time field value out of range: \"%.*s\"", orig_len > 200 ? 200 : orig_len,
                        orig);
}

/* Adds a*b to *acc; false on overflow. */
static bool sl_add_mul(int64_t *acc, int64_t a, int64_t b)
{
    int64_t p;
    return !__builtin_mul_overflow(a, b, &p) && !__builtin_add_overflow(*acc, p, acc);
}

/*
 * Interval text: a sequence of "<number> <unit>" (number may be signed and
 * fractional, unit may follow without a blank: "5s", "500ms") and/or one
 * "[-]hh:mm[:ss[.f]]" clock part, optionally led by '@' and ended by "ago".
 */
sl_status sl_parse_interval(const char *s, int32_t len, int64_t *out, sl_error *err)
{
    const char *orig = s;
    int32_t orig_len = len, i = 0;
    int64_t total = 0;
    bool any = false, ago = false;

    sl_trim(&s, &len);
    if (i < len && s[i] == '@')
        i++;
    for (;;) {
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        if (i >= len)
            break;
        if (ago)
            goto bad;
        if (len - i >= 3 && strncasecmp(s + i, "ago", 3) == 0 &&
            (len - i == 3 || isspace((unsigned char)s[i + 3]))) {
            ago = true;
            i += 3;
            continue;
        }
        int sign = 1;
        if (s[i] == '-' || s[i] == '+')
            sign = s[i++] == '-' ? -1 : 1;
        int64_t ipart;
        int32_t start = i;
        bool has_int = sl_read_digits(s, len, &i, 18, &ipart, NULL);
        if (!has_int)
            ipart = 0;
        if (i < len && s[i] == ':') {
            /* clock part: hh:mm[:ss[.f]] */
            int64_t mm, ss = 0, frac = 0;
            if (!has_int)
                goto bad;
            i++;
            if (!sl_read_digits(s, len, &i, 2, &mm, NULL))
                goto bad;
            if (i < len && s[i] == ':') {
                i++;
                if (!sl_read_digits(s, len, &i, 2, &ss, NULL))
                    goto bad;
                if (i < len && s[i] == '.')
                    frac = sl_read_fraction(s, len, &i);
            }
            if (mm > 59 || ss > 59)
                goto range;
            int64_t t = 0;
            if (!sl_add_mul(&t, ipart, US_PER_HOUR) || !sl_add_mul(&t, mm, US_PER_MIN) ||
                !sl_add_mul(&t, ss, US_PER_SEC) || !sl_add_mul(&t, frac, 1) || !sl_add_mul(&total, t, sign))
                goto range;
            any = true;
            continue;
        }
        double frac = 0;
        if (i < len && s[i] == '.') {
            int32_t fstart = i;
            i++;
            while (i < len && isdigit((unsigned char)s[i]))
                i++;
            char fbuf[32];
            int32_t flen = i - fstart > 30 ? 30 : i - fstart;
            fbuf[0] = '0';
            memcpy(fbuf + 1, s + fstart, (size_t)flen);
            fbuf[flen + 1] = '\0';
            frac = strtod(fbuf, NULL);
        }
        if (i == start || (!has_int && i == start + 1))
            goto bad;
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        int32_t ustart = i;
        while (i < len && isalpha((unsigned char)s[i]))
            i++;
        int64_t unit = -1;
        if (i == ustart) {
            /* a bare number is seconds, as in PostgreSQL's '90'::interval */
            unit = US_PER_SEC;
        } else {
            unit = sl_interval_unit_lookup(s + ustart, (size_t)(i - ustart), true);
            if (unit < 0)
                goto bad;
        }
        int64_t part = 0;
        if (!sl_add_mul(&part, ipart, unit) || !sl_add_mul(&part, (int64_t)llround(frac * (double)unit), 1) ||
            !sl_add_mul(&total, part, sign))
            goto range;
        any = true;
    }
    if (!any)
        goto bad;
    *out = ago ? -total : total;
    return SL_OK;
bad:
    return sl_bad_input(err, SL_ERRCODE_INVALID_INTERVAL_FORMAT, "interval", orig, orig_len);
range:
    return sl_error_set(err, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "interval out of range: \"%.*s\"",
                        orig_len > 200 ? 200 : orig_len, orig);
}

bool sl_interval_parse(const char *text, int64_t *us)
{
    size_t n = strlen(text);
    sl_error err;

    return n <= INT32_MAX && sl_parse_interval(text, (int32_t)n, us, &err) == SL_OK;
}
