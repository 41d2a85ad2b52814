/*
 * avro.h - Avro binary messages (one record per Kafka message).
 *
 * Decoding: the writer schema (JSON text) must be a record; a declared
 * column takes the record field of the same name (exact, else
 * case-insensitive).  A missing field, or a null branch of a union -> NULL.
 * int/long -> BIGINT (and DOUBLE), float/double -> DOUBLE, string -> TEXT,
 * enum -> TEXT (the symbol), boolean -> BOOLEAN; TIMESTAMP from a long with
 * logicalType timestamp-millis / timestamp-micros, from another int/long as
 * an epoch number in the decode options' unit, or from an ISO-8601 string.
 * Any other combination, or bytes that do not hold exactly one record of
 * the writer schema -> a row error.  Every length in the message is
 * checked against the message before libavro reads it.  With confluent,
 * a message starts with the Confluent wire-format header (magic byte 0 and
 * a big-endian 4-byte schema id), which is checked and skipped.
 *
 * Encoding: the schema is derived from the output columns: a record
 * "sluice.row" with one field per column (name made a valid Avro name),
 * each a union ["null", T] with default null: BOOLEAN boolean, BIGINT long,
 * DOUBLE double, TEXT string, TIMESTAMP long with logicalType
 * timestamp-micros, INTERVAL long (microseconds).  A row is written as one
 * Avro binary record, optionally after a Confluent header.
 *
 * Entry points: sl_avro_decoder_new, sl_avro_decode, sl_avro_decoder_free,
 * sl_avro_encoder_new, sl_avro_encoder_schema_json,
 * sl_avro_encoder_set_schema_id, sl_avro_encode_row, sl_avro_encoder_free,
 * sl_avro_schema_load.
 */
#ifndef SL_FORMAT_AVRO_H
#define SL_FORMAT_AVRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <avro.h>

#include "formats/format.h"

typedef struct sl_avro_decoder sl_avro_decoder;

/*
 * A decoder of messages written with writer_json (len bytes) into rows of
 * schema (which must outlive it); allocated in cx, libavro's objects freed
 * by sl_avro_decoder_free.  opts may be NULL (epoch seconds).  NULL with
 * err set (22023) when the schema does not parse or is not a record.
 */
sl_avro_decoder *sl_avro_decoder_new(sl_mcxt *cx, const sl_schema *schema, const char *writer_json,
                                     size_t len, bool confluent, const sl_decode_options *opts,
                                     sl_error *err);
/* Decodes one message p[0..len) into row batch->nrows, as sl_json_decode_line does. */
sl_status sl_avro_decode(sl_avro_decoder *dec, const char *p, size_t len, sl_batch *batch, sl_error *row_err);
void sl_avro_decoder_free(sl_avro_decoder *dec);

typedef struct sl_avro_encoder sl_avro_encoder;

/* An encoder for rows of schema (which must outlive it); NULL with err set
 * when libavro refuses the derived schema. */
sl_avro_encoder *sl_avro_encoder_new(sl_mcxt *cx, const sl_schema *schema, sl_error *err);
/* The derived writer schema as JSON text (owned by the encoder). */
const char *sl_avro_encoder_schema_json(const sl_avro_encoder *enc);
/* From now on every message starts with a Confluent header naming id. */
void sl_avro_encoder_set_schema_id(sl_avro_encoder *enc, int32_t id);
/* Appends row of batch as one Avro message. */
sl_status sl_avro_encode_row(sl_avro_encoder *enc, const sl_batch *batch, int row, sl_buf *out,
                             sl_error *err);
void sl_avro_encoder_free(sl_avro_encoder *enc);

/* The `schema` option: JSON text when it starts with '{' or '"' (after
 * blanks), else the name of a file holding it, inside confine's file
 * roots; the text in cx. */
sl_status sl_avro_schema_load(sl_mcxt *cx, const sl_confine *confine, const char *option, const char **json,
                              size_t *len, sl_error *err);

/* ---- the zigzag varints of Avro's int and long ---- */

/* Reads a varint of at most maxbytes bytes (5 for an int, 10 for a long)
 * at *p, never at or past end, and moves *p after it; false when the bytes
 * end first. */
static inline bool sl_avro_varint_get(const unsigned char **p, const unsigned char *end, int maxbytes,
                                      int64_t *out)
{
    uint64_t v = 0;

    for (int i = 0; i < maxbytes; i++) {
        if (*p >= end)
            return false;
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return true;
        }
    }
    return false;
}

/* Writes v as a varint at p (10 bytes at most); returns the end. */
static inline unsigned char *sl_avro_varint_put(unsigned char *p, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);

    while (z >= 0x80) {
        *p++ = (unsigned char)(z | 0x80);
        z >>= 7;
    }
    *p++ = (unsigned char)z;
    return p;
}

/* Steps over one Avro binary value of schema s at *p, never reading past
 * end; false when the bytes do not hold one.  *budget bounds the array and
 * map items (which may take no bytes) and goes down as they are seen. */
bool sl_avro_skip_value(avro_schema_t s, const unsigned char **p, const unsigned char *end, int64_t *budget);

/* The timestamp unit of each of the first nfields fields of the record
 * schema json (already accepted by libavro-c), in microseconds: 1000 for
 * logicalType timestamp-millis, 1 for timestamp-micros (also inside a
 * union), 0 for none.  Scratch memory in cx. */
void sl_avro_time_units(sl_mcxt *cx, const char *json, size_t len, int nfields, int64_t *units);

#endif
