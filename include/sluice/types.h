/*
 * types.h - sluice's SQL types and their in-memory representation.
 *
 *   BOOLEAN    bool
 *   BIGINT     int64_t
 *   DOUBLE     double
 *   TEXT       sl_text (pointer + length, not NUL-terminated)
 *   TIMESTAMP  int64_t microseconds since 1970-01-01 00:00:00 UTC
 *   INTERVAL   int64_t microseconds
 *
 * SL_TYPE_UNKNOWN is the type of a bare NULL literal before the binder
 * gives it the type its context needs.
 */
#ifndef SLUICE_TYPES_H
#define SLUICE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/error.h"
#include "sluice/mcxt.h"

typedef enum sl_type {
    SL_TYPE_UNKNOWN = 0,
    SL_TYPE_BOOL,
    SL_TYPE_BIGINT,
    SL_TYPE_DOUBLE,
    SL_TYPE_TEXT,
    SL_TYPE_TIMESTAMP,
    SL_TYPE_INTERVAL,
} sl_type;

typedef struct sl_text {
    const char *ptr;
    int32_t len;
} sl_text;

/* "boolean", "bigint", "double", "text", "timestamp", "interval" (catalog spelling). */
const char *sl_type_name(sl_type type);
/* Copies text into out (outsize bytes) in lower case, each run of blanks one
 * space, none at the ends, up to the first stop character ('\0': none);
 * false when it does not fit.  For comparing words as SQL spells them. */
bool sl_fold_blanks(const char *text, char stop, char *out, size_t outsize);
/* Parses a catalog type name or an alias (int, integer, int8, float8, double precision,
 * varchar, string, bool, timestamptz...); false when unknown. */
bool sl_type_parse(const char *name, sl_type *out);
/* Checks the modifiers of a type name as PostgreSQL does (varchar(n): n >= 1,
 * numeric(p[,s]), timestamp(p): 0..6, float(p): 1..53; none on other types):
 * SL_OK, or SL_ERROR with 42601 or 22023.  name is folded, without modifiers.
 * sluice accepts the modifiers and does not enforce them on values. */
sl_status sl_type_check_mods(const char *name, int nmods, const int64_t *mods, sl_error *err);
/* PostgreSQL OID reported in RowDescription. */
uint32_t sl_type_oid(sl_type type);

/* Text forms, as PostgreSQL prints them (timestamps ISO 8601 "2026-11-25 10:00:00.5",
 * doubles shortest round-trip, intervals "00:01:00" / "1 day 02:00:00").
 * Each writes into buf (at least SL_VALUE_TEXT_MAX bytes) and returns the length. */
#define SL_VALUE_TEXT_MAX 64
int sl_format_bool(bool v, char *buf);
int sl_format_bigint(int64_t v, char *buf);
int sl_format_double(double v, char *buf);
int sl_format_timestamp(int64_t us, char *buf);
int sl_format_interval(int64_t us, char *buf);

/* Parses text to a value of the type (CAST from TEXT, decoders).  ISO-8601
 * timestamps with 'T' or ' ', optional fraction and zone (Z, +01:00);
 * returns SL_ERROR with 22P02 / 22007 / 22003 and a message naming the text. */
sl_status sl_parse_bool(const char *s, int32_t len, bool *out, sl_error *err);
/* True when s[0..len) is exactly one of the words of a boolean (true, t,
 * yes, y, on, 1 / false, f, no, n, off, 0; any case), with *out its value:
 * the one list that casts, options and settings accept. */
bool sl_bool_word(const char *s, size_t len, bool *out);
/* The value of a hexadecimal digit (either case), -1 for any other character. */
int sl_hex_digit(char c);
sl_status sl_parse_bigint(const char *s, int32_t len, int64_t *out, sl_error *err);
sl_status sl_parse_double(const char *s, int32_t len, double *out, sl_error *err);
sl_status sl_parse_timestamp(const char *s, int32_t len, int64_t *out, sl_error *err);
/* Interval text, for casts, INTERVAL '...' literals and options alike:
 * items of a signed number and a unit ('1 minute 30 seconds', '500 ms',
 * '1h30m', '-2 days', '2w'), a bare number of seconds ('30'), a clock
 * 'hh:mm[:ss[.frac]]' (minutes and seconds up to 59), PostgreSQL's '@' and
 * 'ago'; 22007 for bad text, 22003 out of range. */
sl_status sl_parse_interval(const char *s, int32_t len, int64_t *out, sl_error *err);
/* The same for NUL-terminated text, true when it is an interval. */
bool sl_interval_parse(const char *text, int64_t *us);

/* Calendar arithmetic on the proleptic Gregorian calendar: days since
 * 1970-01-01 to (year, month 1-12, day 1-31) and back. */
void sl_civil_from_days(int64_t days, int64_t *year, int *month, int *day);
int64_t sl_days_from_civil(int64_t year, int month, int day);

#endif
