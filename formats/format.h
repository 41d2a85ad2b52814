/*
 * format.h - the wire formats of sources and sinks: JSON lines and CSV.
 *
 * Decoders turn one line (a file line or a Kafka message) into one row of a
 * batch whose schema is the declared columns; encoders turn rows of a batch
 * into text.  Both are shared by the FILE source and sink and the Kafka
 * source and sink.
 *
 * Decoding rules (docs/sql.md "Formats" says the same to users):
 *   JSON  one object per line; a declared column is picked by name, a name
 *         with dots ("a.b") by path into nested objects; a missing field or
 *         JSON null -> NULL; other fields are validated and ignored; when a
 *         key occurs twice, the last one wins.  BIGINT from integer numbers
 *         (no fraction, no exponent), DOUBLE from any number, TEXT from
 *         strings, BOOLEAN from true/false, TIMESTAMP from ISO-8601 strings
 *         or epoch numbers (in the timestamp unit), INTERVAL from strings.
 *         Any other value type, a malformed line (strict RFC 8259 syntax,
 *         valid UTF-8), trailing garbage -> a row error.
 *   CSV   RFC 4180 fields separated by commas, "" inside quotes for a quote;
 *         a quoted newline is not supported (input is split into lines
 *         first).  Columns by position, or by the header line's names when
 *         header is true (exact name, else case-insensitive; declared columns
 *         absent from the header are NULL, header fields not declared are
 *         ignored).  An empty unquoted field -> NULL; "" -> empty TEXT (NULL
 *         for other types).  Values parse as a CAST from text does (numbers
 *         in TIMESTAMP columns are epoch numbers); a row with a different
 *         number of fields than expected or a bad value -> a row error.
 *
 * Encoding rules: JSON objects keyed by column names, NULL -> null,
 * TIMESTAMP as ISO-8601 UTC text ("2026-01-01T00:01:00Z", fraction when not
 * zero), INTERVAL as its text form, DOUBLE in shortest round-trip form (NaN
 * and infinities, which JSON cannot spell, -> null).  CSV: comma separated,
 * "\n" line ends, fields quoted when they hold a comma, quote, CR, LF or
 * leading/trailing space; NULL -> empty field; same value texts as JSON.
 *
 * Entry points: sl_json_decoder_new, sl_json_decode_line, sl_csv_decoder_new,
 * sl_csv_decoder_reset, sl_csv_decode_line, sl_json_encoder_new,
 * sl_json_encode_row, sl_json_encode_batch, sl_csv_encoder_new,
 * sl_csv_encode_header, sl_csv_encode_row, sl_csv_encode_batch,
 * sl_format_iso_timestamp, sl_timestamp_unit_parse.
 */
#ifndef SL_FORMAT_H
#define SL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/batch.h"
#include "sluice/connector.h"
#include "sluice/error.h"
#include "sluice/buf.h"
#include "sluice/mcxt.h"

/* The encoders append to an sl_buf (sluice/buf.h). */

/* ---- decoding ---- */

typedef struct sl_decode_options {
    int64_t ts_unit_us; /* microseconds per unit of epoch numbers in TIMESTAMP columns (1, 1000, 1000000) */
    bool header;        /* CSV: the first line names the columns */
} sl_decode_options;

/* "s" / "ms" / "us" -> microseconds per unit; false when none of them. */
bool sl_timestamp_unit_parse(const char *s, int64_t *us_per_unit);

typedef struct sl_json_decoder sl_json_decoder;

/* A decoder for rows of schema (which must outlive it), allocated in cx.
 * opts may be NULL (epoch seconds). */
sl_json_decoder *sl_json_decoder_new(sl_mcxt *cx, const sl_schema *schema, const sl_decode_options *opts);

/*
 * Decodes the JSON object in p[0..len) (no NUL needed, nothing read outside
 * it) into row batch->nrows of batch (whose schema is the decoder's) and
 * increments batch->nrows; the caller makes sure the batch has room.  Text
 * values are copied into the batch's memory.  On a malformed line or a bad
 * value returns SL_ERROR with row_err set (22P02 and friends) and leaves
 * batch->nrows unchanged: the caller counts it and goes on.
 */
sl_status sl_json_decode_line(sl_json_decoder *dec, const char *p, size_t len, sl_batch *batch,
                              sl_error *row_err);

typedef struct sl_csv_decoder sl_csv_decoder;

sl_csv_decoder *sl_csv_decoder_new(sl_mcxt *cx, const sl_schema *schema, const sl_decode_options *opts);
/* With header: the next line is a header again (a new file begins). */
void sl_csv_decoder_reset(sl_csv_decoder *dec);
/*
 * Decodes one CSV line (a trailing CR is ignored) into row batch->nrows as
 * sl_json_decode_line does.  With header, the first line after new/reset is
 * taken as the header: SL_OK and no row appended.
 */
sl_status sl_csv_decode_line(sl_csv_decoder *dec, const char *p, size_t len, sl_batch *batch,
                             sl_error *row_err);

/* ---- encoding ---- */

/* "2026-01-01T00:01:00Z" or "2026-01-01T00:01:00.25Z"; buf of SL_VALUE_TEXT_MAX bytes; returns the length. */
int sl_format_iso_timestamp(int64_t us, char *buf);

typedef struct sl_json_encoder sl_json_encoder;

sl_json_encoder *sl_json_encoder_new(sl_mcxt *cx, const sl_schema *schema);
/* Appends row as one JSON object, without a line end (a Kafka message). */
void sl_json_encode_row(const sl_json_encoder *enc, const sl_batch *batch, int row, sl_buf *out);
/* Appends every row of batch, each followed by "\n" (JSON lines). */
void sl_json_encode_batch(const sl_json_encoder *enc, const sl_batch *batch, sl_buf *out);

typedef struct sl_csv_encoder sl_csv_encoder;

sl_csv_encoder *sl_csv_encoder_new(sl_mcxt *cx, const sl_schema *schema);
/* Appends the column names as a CSV line with "\n". */
void sl_csv_encode_header(const sl_csv_encoder *enc, sl_buf *out);
/* Appends row as CSV fields, without a line end. */
void sl_csv_encode_row(const sl_csv_encoder *enc, const sl_batch *batch, int row, sl_buf *out);
/* Appends every row of batch, each followed by "\n". */
void sl_csv_encode_batch(const sl_csv_encoder *enc, const sl_batch *batch, sl_buf *out);

/* ---- helpers shared by the formats (formats/json.c) ---- */

/* A JSON number as scanned: up to 19 significant digits in mant, value
 * mant * 10^exp10 (exact false when digits were dropped). */
typedef struct sl_num {
    const char *start, *end;
    uint64_t mant;
    int exp10;
    bool neg;
    bool is_int; /* no fraction, no exponent */
    bool exact;
} sl_num;

/* Scans a JSON number (RFC 8259 grammar) at p, reading nothing at or past
 * end; returns the end of the number or NULL when none is there. */
const char *sl_num_scan(const char *p, const char *end, sl_num *num);
/* Correctly rounded; false when out of range (infinite). */
bool sl_num_to_double(const sl_num *num, double *out);
/* False when not an integer or out of range. */
bool sl_num_to_int64(const sl_num *num, int64_t *out);
/* Epoch number in units of unit_us microseconds -> timestamp; false when out of range. */
bool sl_num_to_timestamp(const sl_num *num, int64_t unit_us, int64_t *out);
/* Length of the valid UTF-8 sequence at p (*p >= 0x80), 0 when invalid. */
int sl_utf8_seq_len(const unsigned char *p, const unsigned char *end);
/* True when p[0..len) is valid UTF-8 (it may become TEXT). */
bool sl_utf8_valid(const unsigned char *p, size_t len);
/* Same text as sl_format_double, faster for values with few digits. */
int sl_format_double_fast(double v, char *buf);
/* Rewrites err's message as 'field "name": message'; returns SL_ERROR. */
sl_status sl_error_prefix_field(sl_error *err, const char *name);
/* Appends s as a quoted, escaped JSON string. */
void sl_json_put_string(sl_buf *out, const char *s, size_t len);

#endif
