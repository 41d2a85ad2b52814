/*
 * log.c - the server log on stderr (see log.h).
 *
 * Each line is formatted into one buffer and written with a single write(2)
 * so that lines of concurrent sessions never interleave.
 */
#include "sluice/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SL_LOG_LINE_MAX 4096

static const char *const sl_log_names[] = {
    [SL_LOG_DEBUG] = "DEBUG",   [SL_LOG_INFO] = "INFO",       [SL_LOG_LOG] = "LOG",
    [SL_LOG_NOTICE] = "NOTICE", [SL_LOG_WARNING] = "WARNING", [SL_LOG_ERROR] = "ERROR",
    [SL_LOG_FATAL] = "FATAL",
};

static atomic_int sl_log_min = SL_LOG_LOG;

void sl_log_set_min_level(sl_log_level level)
{
    atomic_store(&sl_log_min, (int)level);
}

const char *sl_log_level_name(sl_log_level level)
{
    if ((int)level < 0 || level > SL_LOG_FATAL)
        return "LOG";
    return sl_log_names[level];
}

bool sl_log_level_parse(const char *name, sl_log_level *level)
{
    for (int i = 0; i <= SL_LOG_FATAL; i++) {
        if (strcasecmp(name, sl_log_names[i]) == 0) {
            *level = (sl_log_level)i;
            return true;
        }
    }
    return false;
}

/* Formats and writes one line with the given label ("LOG", "DETAIL"). */
static void log_line(const char *label, const char *fmt, va_list ap)
{
    char line[SL_LOG_LINE_MAX];
    struct timeval tv;
    struct tm tm;
    size_t n;
    int rc;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
    rc = snprintf(line + n, sizeof(line) - n, ".%03d UTC [%d] %s:  ", (int)(tv.tv_usec / 1000), (int)getpid(),
                  label);
    if (rc > 0)
        n += (size_t)rc;
    rc = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    if (rc > 0)
        n += (size_t)rc;
    /* A truncated line still ends with a newline. */
    if (n >= sizeof(line) - 1)
        n = sizeof(line) - 2;
    line[n++] = '\n';

    const char *p = line;
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w <= 0)
            break; /* nowhere to report a failing log */
        p += w;
        n -= (size_t)w;
    }
}

static void log_label(const char *label, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line(label, fmt, ap);
    va_end(ap);
}

void sl_log(sl_log_level level, const char *fmt, ...)
{
    va_list ap;

    if ((int)level < atomic_load(&sl_log_min))
        return;
    va_start(ap, fmt);
    log_line(sl_log_level_name(level), fmt, ap);
    va_end(ap);
}

void sl_log_error(sl_log_level level, const sl_error *err)
{
    if ((int)level < atomic_load(&sl_log_min))
        return;
    log_label(sl_log_level_name(level), "%s", err->message);
    if (err->detail[0] != '\0')
        log_label("DETAIL", "%s", err->detail);
    if (err->hint[0] != '\0')
        log_label("HINT", "%s", err->hint);
}
