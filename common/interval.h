/*
 * interval.h - interval units and interval text, as SQL writes them.
 *
 * One table of units and one parser for every place that reads a
 * duration: the lexer's INTERVAL literals and unit words, CAST(text AS
 * INTERVAL), WITH options and server settings.
 *
 * Entry points: sl_interval_unit_us, sl_interval_parse, sl_number_times_unit.
 */
#ifndef SLUICE_INTERVAL_H
#define SLUICE_INTERVAL_H

#include <stdbool.h>
#include <stdint.h>

/* Microseconds in an interval unit name ("ms", "second", "minutes", "h", ...), or -1. */
int64_t sl_interval_unit_us(const char *unit);

/*
 * Parses interval text as INTERVAL '...' takes it: items of a signed number
 * and a unit ('1 minute 30 seconds', '500 ms', '1h30m', '-2 days'), a bare
 * number of seconds ('30'), or a clock 'hh:mm[:ss[.frac]]'.  Sets *us to
 * the total in microseconds; false on bad text or overflow.
 */
bool sl_interval_parse(const char *text, int64_t *us);

/*
 * Microseconds in text (digits with an optional fraction, no sign) times
 * unit_us, exactly for integers; false when it does not fit int64.
 */
bool sl_number_times_unit(const char *text, int64_t unit_us, int64_t *us);

#endif
