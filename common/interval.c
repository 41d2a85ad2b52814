/*
 * interval.c - interval text and units (see interval.h).
 */
#include "common/interval.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct sl_unit {
    const char *name;
    int64_t us;
} sl_unit;

#define SL_US_SECOND INT64_C(1000000)

static const sl_unit sl_units[] = {
    {"us", 1},
    {"usec", 1},
    {"usecs", 1},
    {"microsecond", 1},
    {"microseconds", 1},
    {"ms", 1000},
    {"msec", 1000},
    {"msecs", 1000},
    {"millisecond", 1000},
    {"milliseconds", 1000},
    {"s", SL_US_SECOND},
    {"sec", SL_US_SECOND},
    {"secs", SL_US_SECOND},
    {"second", SL_US_SECOND},
    {"seconds", SL_US_SECOND},
    {"m", 60 * SL_US_SECOND},
    {"min", 60 * SL_US_SECOND},
    {"mins", 60 * SL_US_SECOND},
    {"minute", 60 * SL_US_SECOND},
    {"minutes", 60 * SL_US_SECOND},
    {"h", 3600 * SL_US_SECOND},
    {"hr", 3600 * SL_US_SECOND},
    {"hrs", 3600 * SL_US_SECOND},
    {"hour", 3600 * SL_US_SECOND},
    {"hours", 3600 * SL_US_SECOND},
    {"d", 86400 * SL_US_SECOND},
    {"day", 86400 * SL_US_SECOND},
    {"days", 86400 * SL_US_SECOND},
    {"week", 7 * 86400 * SL_US_SECOND},
    {"weeks", 7 * 86400 * SL_US_SECOND},
};

int64_t sl_interval_unit_us(const char *unit)
{
    char word[16];
    size_t n;

    /* The lexer asks for every word it reads: reject most of them cheaply. */
    if (unit == NULL || strchr("umshdwUMSHDW", unit[0]) == NULL || unit[0] == '\0')
        return -1;
    for (n = 0; unit[n] != '\0'; n++) {
        if (n + 1 >= sizeof(word))
            return -1;
        word[n] = (char)tolower((unsigned char)unit[n]);
    }
    word[n] = '\0';
    for (size_t i = 0; i < sizeof(sl_units) / sizeof(sl_units[0]); i++)
        if (sl_units[i].name[0] == word[0] && strcmp(word, sl_units[i].name) == 0)
            return sl_units[i].us;
    return -1;
}

static bool add_us(int64_t *total, int64_t v)
{
    if ((v > 0 && *total > INT64_MAX - v) || (v < 0 && *total < INT64_MIN - v))
        return false;
    *total += v;
    return true;
}

/* Reads digits[.digits] at *pp into buf (NUL-terminated); false when there are none. */
static bool read_unsigned(const char **pp, char *buf, size_t bufsize)
{
    const char *p = *pp;
    size_t n = 0;
    bool digits = false;

    while (isdigit((unsigned char)*p) || (*p == '.' && !strchr(buf, '.'))) {
        if (n + 1 >= bufsize)
            return false;
        digits |= isdigit((unsigned char)*p) != 0;
        buf[n++] = *p++;
        buf[n] = '\0';
    }
    *pp = p;
    return digits;
}

/* hh:mm[:ss[.frac]] after the hours (already read into hours). */
static bool parse_clock(const char **pp, const char *hours, int64_t *us)
{
    const char *p = *pp;
    char buf[64] = "";
    int64_t h, total;

    if (!sl_number_times_unit(hours, 3600 * SL_US_SECOND, &h) || strchr(hours, '.'))
        return false;
    total = h;
    p++; /* ':' */
    if (!read_unsigned(&p, buf, sizeof(buf)) || strchr(buf, '.'))
        return false;
    int64_t part;
    if (!sl_number_times_unit(buf, 60 * SL_US_SECOND, &part) || !add_us(&total, part))
        return false;
    if (*p == ':') {
        p++;
        buf[0] = '\0';
        if (!read_unsigned(&p, buf, sizeof(buf)))
            return false;
        if (!sl_number_times_unit(buf, SL_US_SECOND, &part) || !add_us(&total, part))
            return false;
    }
    *pp = p;
    *us = total;
    return true;
}

bool sl_interval_parse(const char *text, int64_t *us)
{
    const char *p = text;
    int64_t total = 0;
    int items = 0;

    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0')
            break;
        bool negative = false;
        if (*p == '-' || *p == '+') {
            negative = *p == '-';
            p++;
        }
        char num[64] = "";
        if (!read_unsigned(&p, num, sizeof(num)))
            return false;

        int64_t v;
        if (*p == ':') {
            if (!parse_clock(&p, num, &v))
                return false;
        } else {
            while (isspace((unsigned char)*p))
                p++;
            char unit[32];
            size_t n = 0;
            while (isalpha((unsigned char)*p)) {
                if (n + 1 >= sizeof(unit))
                    return false;
                unit[n++] = *p++;
            }
            unit[n] = '\0';
            /* A bare number counts seconds, as in PostgreSQL ('30' = 30 seconds). */
            int64_t unit_us = n == 0 ? SL_US_SECOND : sl_interval_unit_us(unit);
            if (unit_us < 0)
                return false;
            if (!sl_number_times_unit(num, unit_us, &v))
                return false;
        }
        if (!add_us(&total, negative ? -v : v))
            return false;
        items++;
        /* Items are separated by blanks (or follow a unit directly: 1h30m). */
        if (*p != '\0' && !isspace((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' &&
            *p != '+' && *p != '.')
            return false;
    }
    if (items == 0)
        return false;
    *us = total;
    return true;
}

bool sl_number_times_unit(const char *text, int64_t unit_us, int64_t *us)
{
    const char *p = text;
    int64_t whole = 0;

    /* Integers multiply exactly; only fractions go through a double. */
    while (*p >= '0' && *p <= '9') {
        int d = *p - '0';
        if (whole > (INT64_MAX - d) / 10)
            return false;
        whole = whole * 10 + d;
        p++;
    }
    if (*p == '\0') {
        if (unit_us != 0 && whole > INT64_MAX / unit_us)
            return false;
        *us = whole * unit_us;
        return true;
    }
    double v = strtod(text, NULL) * (double)unit_us;
    if (!(fabs(v) < 9.2e18))
        return false;
    *us = (int64_t)llround(v);
    return true;
}
