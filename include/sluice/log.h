/*
 * log.h - the server log: one line per event on stderr.
 *
 * Lines look like PostgreSQL's: "2024-05-01 12:00:00.123 UTC [12345] LOG:  message".
 * Levels follow PostgreSQL's names; a message below log_min_messages is
 * dropped.  Never pass secrets or statement text at LOG or above.
 *
 * Entry points: sl_log(), sl_log_error(), sl_log_set_min_level(), sl_log_level_parse().
 */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <stdbool.h>

#include "sluice/error.h"

typedef enum sl_log_level {
    SL_LOG_DEBUG = 0,
    SL_LOG_INFO,
    SL_LOG_LOG,
    SL_LOG_NOTICE,
    SL_LOG_WARNING,
    SL_LOG_ERROR,
    SL_LOG_FATAL,
} sl_log_level;

/* Writes one line at level (thread-safe, one write(2) per line). */
void sl_log(sl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs an error value: its message at level, then DETAIL and HINT lines. */
void sl_log_error(sl_log_level level, const sl_error *err);

/* Drops messages below level from now on. */
void sl_log_set_min_level(sl_log_level level);

/* Level of a name ("debug", "info", "log", "notice", "warning", "error", "fatal",
 * case-insensitive); false when the name is unknown. */
bool sl_log_level_parse(const char *name, sl_log_level *level);

/* The level's name as printed in a log line ("LOG"). */
const char *sl_log_level_name(sl_log_level level);

#endif
