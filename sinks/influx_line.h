/*
 * influx_line.h - the InfluxDB line-protocol encoder of the INFLUXDB sink.
 *
 * Pure functions: given which columns of a schema are tags, which one (if
 * any) gives the time, the measurement and the timestamp precision, an
 * encoder turns a batch into line protocol, one line per row:
 *
 *   measurement,tag1=v1,tag2=v2 field1=1.5,field2=3i,field3="text" 1709251200000000000
 *
 * Types: BOOLEAN fields true/false; BIGINT, INTERVAL and TIMESTAMP fields
 * integers with the `i` suffix (intervals and timestamps in microseconds);
 * DOUBLE fields the shortest text that reads back as the same double
 * (never with `i`, so an integral double stays a float); TEXT fields in
 * double quotes with `"` and `\` escaped.  NULL fields and NaN/infinite
 * doubles (line protocol has no spelling for them) are left out; NULL or
 * empty tags are left out; a row left with no field at all cannot be a
 * point, so it is skipped and counted.  Tags of other types than TEXT are
 * written in their SQL text form.
 *
 * Escaping: measurement: comma and space; tag keys, tag values and field
 * keys: comma, equals sign and space; all three: newline, carriage return
 * and tab as the two characters \n, \r, \t (line protocol has no way to
 * carry them there).  Backslashes are written as they are (InfluxDB 1.x
 * keeps them literally), except one that would escape the separator after
 * it (at the end of a name or value, or before a character that gets
 * escaped): it cannot be represented and is dropped.
 *
 * Entry points: sl_influx_encoder_new, sl_influx_encode_batch,
 * sl_influx_precision_parse.
 */
#ifndef SLUICE_SINKS_INFLUX_LINE_H
#define SLUICE_SINKS_INFLUX_LINE_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/buf.h"
#include "sluice/batch.h"
#include "sluice/mcxt.h"

typedef enum sl_influx_precision {
    SL_INFLUX_NS = 0,
    SL_INFLUX_US,
    SL_INFLUX_MS,
    SL_INFLUX_S,
} sl_influx_precision;

/* "ns", "us", "ms", "s" -> precision; false when none of them. */
bool sl_influx_precision_parse(const char *name, sl_influx_precision *out);

typedef struct sl_influx_encoder sl_influx_encoder;

/*
 * An encoder for batches of schema, allocated in cx (names escaped once
 * here).  is_tag[c] marks the tag columns; time_col is the TIMESTAMP column
 * giving each point's time, or -1 for the batch's event time (a NULL in
 * the time column also falls back to the event time).  The time column is
 * never written as a field.
 */
sl_influx_encoder *sl_influx_encoder_new(sl_mcxt *cx, const char *measurement, const sl_schema *schema,
                                         const bool *is_tag, int time_col, sl_influx_precision precision);

/* Appends the batch's rows as lines (each ending in '\n') to out; returns
 * the number of lines written and adds the rows skipped for having no
 * field to *skipped. */
int64_t sl_influx_encode_batch(const sl_influx_encoder *enc, const sl_batch *batch, sl_buf *out,
                               int64_t *skipped);

#endif
