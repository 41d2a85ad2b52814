/*
 * interval.c - interval text and units (see interval.h).
 */
#include "common/interval.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct sl_unit {
    const char *name;
    int64_t us;
    bool cast_only; /* 'w': CAST(text AS INTERVAL) takes it; as a word of SQL it would take a name */
} sl_unit;

#define SL_US_SECOND INT64_C(1000000)

static const sl_unit sl_units[] = {
    {"us", 1, false},
    {"usec", 1, false},
    {"usecs", 1, false},
    {"microsecond", 1, false},
    {"microseconds", 1, false},
    {"ms", 1000, false},
    {"msec", 1000, false},
    {"msecs", 1000, false},
    {"millisecond", 1000, false},
    {"milliseconds", 1000, false},
    {"s", SL_US_SECOND, false},
    {"sec", SL_US_SECOND, false},
    {"secs", SL_US_SECOND, false},
    {"second", SL_US_SECOND, false},
    {"seconds", SL_US_SECOND, false},
    {"m", 60 * SL_US_SECOND, false},
    {"min", 60 * SL_US_SECOND, false},
    {"mins", 60 * SL_US_SECOND, false},
    {"minute", 60 * SL_US_SECOND, false},
    {"minutes", 60 * SL_US_SECOND, false},
    {"h", 3600 * SL_US_SECOND, false},
    {"hr", 3600 * SL_US_SECOND, false},
    {"hrs", 3600 * SL_US_SECOND, false},
    {"hour", 3600 * SL_US_SECOND, false},
    {"hours", 3600 * SL_US_SECOND, false},
    {"d", 86400 * SL_US_SECOND, false},
    {"day", 86400 * SL_US_SECOND, false},
    {"days", 86400 * SL_US_SECOND, false},
    {"week", 7 * 86400 * SL_US_SECOND, false},
    {"weeks", 7 * 86400 * SL_US_SECOND, false},
    {"w", 7 * 86400 * SL_US_SECOND, true},
};

int64_t sl_interval_unit_lookup(const char *unit, size_t len, bool cast)
{
    for (size_t i = 0; i < sizeof(sl_units) / sizeof(sl_units[0]); i++)
        if ((cast || !sl_units[i].cast_only) && strlen(sl_units[i].name) == len &&
            strncasecmp(unit, sl_units[i].name, len) == 0)
            return sl_units[i].us;
    return -1;
}

int64_t sl_interval_unit_us(const char *unit)
{
    /* The lexer asks for every word it reads: reject most of them cheaply. */
    if (unit == NULL || unit[0] == '\0' || strchr("umshdwUMSHDW", unit[0]) == NULL)
        return -1;
    return sl_interval_unit_lookup(unit, strlen(unit), false);
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

int sl_interval_text(int64_t us, bool weeks, char *buf, size_t size)
{
    static const struct {
        const char *name;
        int64_t us;
    } units[] = {
        {"week", INT64_C(604800000000)},
        {"day", INT64_C(86400000000)},
        {"hour", INT64_C(3600000000)},
        {"minute", INT64_C(60000000)},
        {"second", INT64_C(1000000)},
        {"millisecond", 1000},
        {"microsecond", 1},
    };

    if (us == 0)
        return snprintf(buf, size, "0 seconds");
    for (size_t i = weeks ? 0 : 1; i < sizeof(units) / sizeof(units[0]); i++) {
        if (us % units[i].us == 0) {
            int64_t n = us / units[i].us;
            return snprintf(buf, size, "%lld %s%s", (long long)n, units[i].name,
                            n == 1 || n == -1 ? "" : "s");
        }
    }
    return 0; /* not reached: 1 divides every value */
}
