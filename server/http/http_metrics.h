/*
 * http_metrics.h - /metrics: the server's figures in Prometheus' text
 * exposition format (version 0.0.4).
 *
 * One call writes every metric family with its # HELP and # TYPE lines:
 * the server (uptime, connections, memory), each query of the catalog
 * (label query="name": rows in and out, late, future and undecodable
 * rows, errors, state, memory, checkpoints) and each sink (label
 * sink="name": rows, batches, retries, state, last success).  Names follow
 * Prometheus' conventions: counters end in _total, units are base units
 * (_seconds, _bytes), label values are escaped.  docs/dashboard.md lists
 * them.
 *
 * Entry points: sl_http_metrics_write, sl_http_metrics_escape.
 */
#ifndef SLUICE_HTTP_METRICS_H
#define SLUICE_HTTP_METRICS_H

#include <stdint.h>

#include "sluice/buf.h"
#include "sluice/error.h"

/* Appends the exposition to out.  started_us: when the server started
 * (wall clock, microseconds).  SL_ERROR only when the catalog cannot be
 * read; out then holds nothing usable. */
sl_status sl_http_metrics_write(sl_buf *out, int64_t started_us, sl_error *err);

/* Appends value as a label value: backslash, double quote and newline escaped. */
void sl_http_metrics_escape(sl_buf *out, const char *value);

#endif
