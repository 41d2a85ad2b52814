/*
 * interval.h - interval units and interval text, as SQL writes them.
 *
 * One table of units for every place that reads a duration: the lexer's
 * unit words and numbers with units, interval text (literals, casts,
 * options), and one spelling for every place that writes one.
 *
 * Entry points: sl_interval_unit_us, sl_interval_unit_lookup,
 * sl_number_times_unit, sl_interval_text.  Interval text itself is parsed
 * by one parser, sl_parse_interval (sluice/types.h), which uses this table.
 */
#ifndef SLUICE_INTERVAL_H
#define SLUICE_INTERVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Microseconds in an interval unit name ("ms", "second", "minutes", "h", ...), or -1. */
int64_t sl_interval_unit_us(const char *unit);
/* The same for unit[0..len) (any case); cast true also takes 'w' for
 * weeks, as CAST(text AS INTERVAL) does (in SQL text a lone w is a name). */
int64_t sl_interval_unit_lookup(const char *unit, size_t len, bool cast);

/*
 * Microseconds in text (digits with an optional fraction, no sign) times
 * unit_us, exactly for integers; false when it does not fit int64.
 */
bool sl_number_times_unit(const char *text, int64_t unit_us, int64_t *us);

/* Longest text sl_interval_text writes, with its NUL. */
#define SL_INTERVAL_TEXT_MAX 48

/*
 * Writes us as a count of the largest unit that divides it exactly ("90
 * seconds", "1 day", "2 weeks"; weeks false stops at days, as SQL text
 * prints them), "0 seconds" for 0, into buf of size bytes; returns the
 * length.  The one spelling of intervals in options, EXPLAIN and SQL text.
 */
int sl_interval_text(int64_t us, bool weeks, char *buf, size_t size);

#endif
