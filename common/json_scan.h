/*
 * json_scan.h - a small JSON scanner for text off the hot path: the
 * replies of the schema registry and of DynamoDB, Avro schemas.
 *
 * It validates strictly (RFC 8259: strings without raw control characters
 * and with valid escapes, the number grammar, the three literals, nesting
 * at most SL_JSON_MAX_DEPTH deep) and hands out spans of the text instead
 * of building a tree: a caller scans a value once, then walks the members
 * of an object or the items of an array and decodes the strings it wants.
 * Nothing is allocated but the decoded strings.  The rows of JSON sources
 * are read by formats/json.c's schema-driven decoder, not by this.
 *
 * Entry points: sl_json_scan, sl_json_parse, sl_json_type, sl_json_next_member,
 * sl_json_next_item, sl_json_get, sl_json_string, sl_json_string_is,
 * sl_json_uint, sl_utf8_put.
 */
#ifndef SLUICE_JSON_SCAN_H
#define SLUICE_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/buf.h"

#define SL_JSON_MAX_DEPTH 64

/* The text of one JSON value: [start, end). */
typedef struct sl_json_span {
    const char *start, *end;
} sl_json_span;

/* Scans the value at *p (blanks before it skipped), never reading at or past
 * end: its text in *v, *p moved past it.  False when no well-formed value is
 * there. */
bool sl_json_scan(const char **p, const char *end, sl_json_span *v);

/* The whole of text[0..len) as one value (blanks around it allowed). */
bool sl_json_parse(const char *text, size_t len, sl_json_span *v);

/* What a scanned value is: '{' object, '[' array, '"' string, '0' number,
 * 't' true, 'f' false, 'n' null. */
char sl_json_type(const sl_json_span *v);

/* Walks the members of a scanned object (the items of a scanned array):
 * *it is NULL at the start; each call gives the next member's key (a string
 * span) and value, false after the last one or when obj is no object. */
bool sl_json_next_member(const sl_json_span *obj, const char **it, sl_json_span *key, sl_json_span *val);
bool sl_json_next_item(const sl_json_span *arr, const char **it, sl_json_span *val);

/* The value of the first member of obj whose key, unescaped, is key. */
bool sl_json_get(const sl_json_span *obj, const char *key, sl_json_span *val);

/* Appends the scanned string v, unescaped, to out (UTF-8).  A lone
 * surrogate escape makes it fail, or with lone_fffd become U+FFFD.  False
 * when v is not a string. */
bool sl_json_string(const sl_json_span *v, sl_buf *out, bool lone_fffd);

/* True when the scanned string v, unescaped, is s. */
bool sl_json_string_is(const sl_json_span *v, const char *s);

/* A scanned number that is a non-negative integer (no sign, fraction or
 * exponent) fitting int64. */
bool sl_json_uint(const sl_json_span *v, int64_t *out);

/* Appends code point cp (at most U+10FFFF) to out as UTF-8. */
void sl_utf8_put(sl_buf *out, uint32_t cp);

#endif
