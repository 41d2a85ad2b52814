/*
 * pqbinary.h - PostgreSQL's binary formats of values, from and to their text.
 *
 * The executor hands rows over as text (server/net/dest.h); a client that
 * asks for binary results (asyncpg, pgx) gets each value's binary form made
 * from its text by the column's type OID.  Binary parameters of Bind go the
 * other way, into the text the binder parses.  Types: bool, bytea, "char",
 * name, int2/4/8, oid (and the reg* aliases), text, varchar, bpchar, json,
 * jsonb, unknown, float4/8, numeric, date, time, timestamp, timestamptz,
 * interval, uuid, and one-dimensional arrays of them (int2vector and
 * oidvector too).
 */
#ifndef SLUICE_PQBINARY_H
#define SLUICE_PQBINARY_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"
#include "sluice/types.h"

/* PostgreSQL type OIDs beyond those of dest.h. */
#define SL_OID_BYTEA       17
#define SL_OID_CHAR        18
#define SL_OID_NAME        19
#define SL_OID_INT2        21
#define SL_OID_INT2VECTOR  22
#define SL_OID_INT4        23
#define SL_OID_REGPROC     24
#define SL_OID_OID         26
#define SL_OID_OIDVECTOR   30
#define SL_OID_JSON        114
#define SL_OID_FLOAT4      700
#define SL_OID_UNKNOWN     705
#define SL_OID_BPCHAR      1042
#define SL_OID_VARCHAR     1043
#define SL_OID_DATE        1082
#define SL_OID_TIME        1083
#define SL_OID_TIMESTAMPTZ 1184
#define SL_OID_NUMERIC     1700
#define SL_OID_REGCLASS    2205
#define SL_OID_REGTYPE     2206
#define SL_OID_UUID        2950
#define SL_OID_JSONB       3802

/* True when values of type oid have a binary form here. */
bool sl_pqbin_supported(uint32_t oid);

/* Appends the binary form of text (a value of type oid in PostgreSQL's text
 * output) to out.  0A000 for a type without one, 22P02 for text that is
 * not of the type (nothing appended then). */
sl_status sl_pqbin_encode(uint32_t oid, const char *text, sl_buf *out, sl_error *err);

/* The text form of a binary parameter data[0..len) of type oid, in cx.
 * 22P03 "incorrect binary data format" for data of the wrong size or
 * content, 0A000 for a type without a binary form here. */
sl_status sl_pqbin_decode(uint32_t oid, const char *data, int len, sl_mcxt *cx, char **text, sl_error *err);

/* 22P02 (22003 out of range) when text is not a value of type oid; types
 * sluice reads as text pass. */
sl_status sl_pq_check_text(uint32_t oid, const char *text, sl_error *err);

/* The sluice type a parameter of type oid binds as (SL_TYPE_UNKNOWN for 0:
 * to infer); types sluice does not have bind as TEXT. */
sl_type sl_pq_oid_type(uint32_t oid);

#endif
