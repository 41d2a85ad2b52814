/*
 * error.c - filling sl_error values (see include/sluice/error.h).
 */
#include "sluice/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sl_error_clear(sl_error *err)
{
    memset(err, 0, sizeof(*err));
}

bool sl_error_is_set(const sl_error *err)
{
    return err->sqlstate[0] != '\0';
}

sl_status sl_error_set(sl_error *err, const char *sqlstate, const char *fmt, ...)
{
    va_list ap;

    sl_error_clear(err);
    snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", sqlstate);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return SL_ERROR;
}

void sl_error_detail(sl_error *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
}

void sl_error_hint(sl_error *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
    va_end(ap);
}
