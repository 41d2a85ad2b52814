/*
 * http_metrics.c - /metrics in Prometheus' text format (see server/http/http_metrics.h).
 *
 * The figures come from where SHOW QUERIES and SHOW SINKS read theirs: the
 * catalog's lists of queries and sinks, the query registry's counters
 * (atomics, read without stopping a query) and the sink framework's
 * figures.  The exposition format wants a family's samples together, so
 * the queries' figures are read once into an array and each family then
 * walks it; a family is a row of a table (name, type, help, which figure).
 */
#include "server/http/http_metrics.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server/catalog/catalog.h"
#include "server/config.h"
#include "server/connectors/sink_stats.h"
#include "server/engine/query.h"
#include "server/engine/runtime.h"
#include "server/net/postmaster.h"
#include "sluice/clock.h"
#include "sluice/version.h"

typedef enum { METRIC_COUNTER, METRIC_GAUGE } metric_type;

/* A figure of a query or a sink; absent ones (a checkpoint never taken)
 * are left out rather than written as 0, which would be a lie. */
typedef struct metric_value {
    double v;
    bool present;
} metric_value;

typedef struct query_row {
    const sl_cat_query *q;
    sl_query_info info;
    bool live; /* registered: the counters are real */
} query_row;

typedef struct sink_row {
    const sl_cat_sink *s;
    sl_sink_stats_view view;
} sink_row;

typedef struct metric_def {
    const char *name;
    metric_type type;
    const char *help;
    int field;
} metric_def;

enum {
    Q_ROWS_IN,
    Q_ROWS_OUT,
    Q_LATE,
    Q_FUTURE,
    Q_DECODE,
    Q_ERRORS,
    Q_MEMORY,
    Q_STARTED,
    Q_CKPT_AT,
    Q_CKPT_AGE,
    Q_CKPT_DURATION,
    Q_WATERMARK,
    Q_WATERMARK_AGE,
};

static const metric_def query_metrics[] = {
    {"sluice_query_rows_in_total", METRIC_COUNTER, "Rows the query read from its source.", Q_ROWS_IN},
    {"sluice_query_rows_out_total", METRIC_COUNTER, "Rows the query wrote to its sink.", Q_ROWS_OUT},
    {"sluice_query_late_rows_total", METRIC_COUNTER,
     "Rows dropped because their window had already closed (behind the watermark).", Q_LATE},
    {"sluice_query_future_rows_total", METRIC_COUNTER,
     "Rows dropped because their event time was too far ahead of their arrival time.", Q_FUTURE},
    {"sluice_query_decode_errors_total", METRIC_COUNTER, "Source records the query could not decode.",
     Q_DECODE},
    {"sluice_query_errors_total", METRIC_COUNTER,
     "Row errors: undecodable records plus rows whose expressions failed (SHOW QUERIES errors).", Q_ERRORS},
    {"sluice_query_memory_bytes", METRIC_GAUGE,
     "Memory the query holds (window state, DISTINCT sets, sink buffers).", Q_MEMORY},
    {"sluice_query_start_time_seconds", METRIC_GAUGE,
     "When the query's worker started, seconds since the epoch.", Q_STARTED},
    {"sluice_query_last_checkpoint_timestamp_seconds", METRIC_GAUGE,
     "When the query last saved a checkpoint, seconds since the epoch (none yet since the server started: "
     "absent).",
     Q_CKPT_AT},
    {"sluice_query_checkpoint_age_seconds", METRIC_GAUGE, "Seconds since the query last saved a checkpoint.",
     Q_CKPT_AGE},
    {"sluice_query_checkpoint_duration_seconds", METRIC_GAUGE,
     "How long the query's last checkpoint took (sink flush, source position, state, catalog write).",
     Q_CKPT_DURATION},
    {"sluice_query_watermark_timestamp_seconds", METRIC_GAUGE,
     "The event time up to which the query's windows are complete (absent without windows or before its "
     "first "
     "row).",
     Q_WATERMARK},
    {"sluice_query_watermark_age_seconds", METRIC_GAUGE,
     "How far the watermark is behind the wall clock, in seconds (a replay of old data shows its age).",
     Q_WATERMARK_AGE},
};

enum { S_ROWS, S_BATCHES, S_RETRIES, S_SUCCESS_AT, S_ERROR_AT };

static const metric_def sink_metrics[] = {
    {"sluice_sink_rows_total", METRIC_COUNTER, "Rows the sink confirmed written.", S_ROWS},
    {"sluice_sink_batches_total", METRIC_COUNTER, "Successful writes (batches) of the sink.", S_BATCHES},
    {"sluice_sink_retries_total", METRIC_COUNTER, "Failed writes of the sink that were retried.", S_RETRIES},
    {"sluice_sink_last_success_timestamp_seconds", METRIC_GAUGE,
     "When the sink last wrote successfully, seconds since the epoch (absent before its first write).",
     S_SUCCESS_AT},
    {"sluice_sink_last_error_timestamp_seconds", METRIC_GAUGE,
     "When a write of the sink last failed, seconds since the epoch (absent when none has).", S_ERROR_AT},
};

static const sl_query_state query_states[] = {SL_QUERY_RUNNING, SL_QUERY_PAUSED, SL_QUERY_FINISHED,
                                              SL_QUERY_FAILED};
static const sl_sink_state sink_states[] = {SL_SINK_OK, SL_SINK_RETRYING, SL_SINK_FAILED};

void sl_http_metrics_escape(sl_buf *out, const char *value)
{
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '\\')
            sl_buf_puts(out, "\\\\");
        else if (*p == '"')
            sl_buf_puts(out, "\\\"");
        else if (*p == '\n')
            sl_buf_puts(out, "\\n");
        else
            sl_buf_append(out, p, 1);
    }
}

static void metric_header(sl_buf *out, const char *name, metric_type type, const char *help)
{
    sl_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                  type == METRIC_COUNTER ? "counter" : "gauge");
}

/* One sample: name{label="value"} v, the value an integer when it is one. */
static void metric_sample(sl_buf *out, const char *name, const char *label, const char *value, double v)
{
    sl_buf_puts(out, name);
    if (label != NULL) {
        sl_buf_printf(out, "{%s=\"", label);
        sl_http_metrics_escape(out, value);
        sl_buf_puts(out, "\"}");
    }
    if (v == (double)(int64_t)v && v < 9e15 && v > -9e15)
        sl_buf_printf(out, " %lld\n", (long long)v);
    else
        sl_buf_printf(out, " %.6f\n", v);
}

static void metric_one(sl_buf *out, const char *name, metric_type type, const char *help, double v)
{
    metric_header(out, name, type, help);
    metric_sample(out, name, NULL, NULL, v);
}

static metric_value seconds(int64_t us)
{
    return (metric_value){(double)us / 1e6, us != 0};
}

static metric_value query_field(const query_row *r, int field, int64_t now_us)
{
    const sl_query_info *i = &r->info;

    switch (field) {
    case Q_ROWS_IN:
        return (metric_value){(double)i->rows_in, true};
    case Q_ROWS_OUT:
        return (metric_value){(double)i->rows_out, true};
    case Q_LATE:
        return (metric_value){(double)i->late_rows, true};
    case Q_FUTURE:
        return (metric_value){(double)i->future_rows, true};
    case Q_DECODE:
        return (metric_value){(double)i->decode_errors, true};
    case Q_ERRORS:
        return (metric_value){(double)i->errors, true};
    case Q_MEMORY:
        return (metric_value){(double)i->memory, true};
    case Q_STARTED:
        return seconds(i->started_us);
    case Q_CKPT_AT:
        return seconds(i->checkpoint_us);
    case Q_CKPT_AGE:
        return (metric_value){(double)(now_us - i->checkpoint_us) / 1e6, i->checkpoint_us != 0};
    case Q_CKPT_DURATION:
        return (metric_value){(double)i->checkpoint_duration_us / 1e6, i->checkpoint_us != 0};
    case Q_WATERMARK:
        return (metric_value){(double)i->watermark_us / 1e6,
                              i->watermark_us != 0 && i->watermark_us != INT64_MIN};
    case Q_WATERMARK_AGE:
        return (metric_value){(double)(now_us - i->watermark_us) / 1e6,
                              i->watermark_us != 0 && i->watermark_us != INT64_MIN};
    }
    return (metric_value){0, false};
}

static metric_value sink_field(const sink_row *r, int field)
{
    const sl_sink_stats_view *v = &r->view;

    switch (field) {
    case S_ROWS:
        return (metric_value){(double)v->rows, true};
    case S_BATCHES:
        return (metric_value){(double)v->batches, true};
    case S_RETRIES:
        return (metric_value){(double)v->retries, true};
    case S_SUCCESS_AT:
        return seconds(v->last_success_at);
    case S_ERROR_AT:
        return seconds(v->last_error_at);
    }
    return (metric_value){0, false};
}

/* The process's resident memory, from /proc/self/statm (0 when unreadable). */
static int64_t resident_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *fp = fopen("/proc/self/statm", "r");

    if (fp == NULL)
        return 0;
    if (fscanf(fp, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    fclose(fp);
    return (int64_t)resident * sysconf(_SC_PAGESIZE);
}

static void write_server(sl_buf *out, int64_t started_us, int64_t now_us, const query_row *rows, int n)
{
    metric_header(out, "sluice_build_info", METRIC_GAUGE, "The sluice version serving (always 1).");
    sl_buf_puts(out, "sluice_build_info{version=\"");
    sl_http_metrics_escape(out, SL_VERSION);
    sl_buf_puts(out, "\"} 1\n");
    metric_one(out, "sluice_start_time_seconds", METRIC_GAUGE,
               "When sluiced started, seconds since the epoch.", (double)started_us / 1e6);
    metric_one(out, "sluice_uptime_seconds", METRIC_GAUGE, "Seconds since sluiced started.",
               (double)(now_us - started_us) / 1e6);
    metric_one(out, "sluice_connections", METRIC_GAUGE,
               "Client sessions of the PostgreSQL protocol logged in now (max_connections counts them).",
               sl_postmaster_connections());
    metric_one(out, "sluice_max_connections", METRIC_GAUGE, "The max_connections setting.",
               (double)sl_config_int("max_connections"));
    metric_one(out, "sluice_resident_memory_bytes", METRIC_GAUGE, "Resident memory of the sluiced process.",
               (double)resident_bytes());
    metric_one(out, "sluice_queries_memory_bytes", METRIC_GAUGE,
               "Memory all queries hold together (what max_memory bounds).",
               (double)sl_runtime_memory_total());
    metric_header(out, "sluice_queries", METRIC_GAUGE, "Continuous queries of the catalog, by state.");
    for (size_t s = 0; s < sizeof(query_states) / sizeof(query_states[0]); s++) {
        const char *name = sl_query_state_name(query_states[s]);
        int count = 0;

        for (int i = 0; i < n; i++)
            count +=
                strcmp(rows[i].live ? sl_query_state_name(rows[i].info.state) : rows[i].q->state, name) == 0;
        metric_sample(out, "sluice_queries", "state", name, count);
    }
}

static void write_queries(sl_buf *out, int64_t now_us, const query_row *rows, int n)
{
    metric_header(out, "sluice_query_info", METRIC_GAUGE,
                  "A continuous query: its source, sink and owner in labels (always 1).");
    for (int i = 0; i < n; i++) {
        const sl_cat_query *q = rows[i].q;

        sl_buf_puts(out, "sluice_query_info{query=\"");
        sl_http_metrics_escape(out, q->name);
        sl_buf_puts(out, "\",source=\"");
        sl_http_metrics_escape(out, q->source != NULL ? q->source : "");
        sl_buf_puts(out, "\",sink=\"");
        sl_http_metrics_escape(out, q->sink != NULL ? q->sink : "");
        sl_buf_puts(out, "\",owner=\"");
        sl_http_metrics_escape(out, q->owner != NULL ? q->owner : "");
        sl_buf_puts(out, "\"} 1\n");
    }
    metric_header(out, "sluice_query_state", METRIC_GAUGE,
                  "1 for the state the query is in (running, paused, finished, failed), 0 for the others.");
    for (int i = 0; i < n; i++) {
        const char *now = rows[i].live ? sl_query_state_name(rows[i].info.state) : rows[i].q->state;

        for (size_t s = 0; s < sizeof(query_states) / sizeof(query_states[0]); s++) {
            const char *state = sl_query_state_name(query_states[s]);

            sl_buf_puts(out, "sluice_query_state{query=\"");
            sl_http_metrics_escape(out, rows[i].q->name);
            sl_buf_printf(out, "\",state=\"%s\"} %d\n", state, strcmp(state, now) == 0);
        }
    }
    for (size_t m = 0; m < sizeof(query_metrics) / sizeof(query_metrics[0]); m++) {
        const metric_def *d = &query_metrics[m];

        metric_header(out, d->name, d->type, d->help);
        for (int i = 0; i < n; i++) {
            metric_value v = query_field(&rows[i], d->field, now_us);
            if (v.present)
                metric_sample(out, d->name, "query", rows[i].q->name, v.v);
        }
    }
}

static void write_sinks(sl_buf *out, const sink_row *rows, int n)
{
    metric_header(out, "sluice_sink_state", METRIC_GAUGE,
                  "1 for the state the sink is in (ok, retrying, failed), 0 for the others.");
    for (int i = 0; i < n; i++)
        for (size_t s = 0; s < sizeof(sink_states) / sizeof(sink_states[0]); s++) {
            sl_buf_puts(out, "sluice_sink_state{sink=\"");
            sl_http_metrics_escape(out, rows[i].s->name);
            sl_buf_printf(out, "\",state=\"%s\"} %d\n", sl_sink_state_name(sink_states[s]),
                          rows[i].view.state == sink_states[s]);
        }
    for (size_t m = 0; m < sizeof(sink_metrics) / sizeof(sink_metrics[0]); m++) {
        const metric_def *d = &sink_metrics[m];

        metric_header(out, d->name, d->type, d->help);
        for (int i = 0; i < n; i++) {
            metric_value v = sink_field(&rows[i], d->field);
            if (v.present)
                metric_sample(out, d->name, "sink", rows[i].s->name, v.v);
        }
    }
}

sl_status sl_http_metrics_write(sl_buf *out, int64_t started_us, sl_error *err)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "metrics");
    sl_list *queries = NULL, *sinks = NULL;
    query_row *qrows;
    sink_row *srows;
    int nq, ns;
    int64_t now_us = sl_clock_wall_us();

    if (sl_catalog_list_queries(cx, &queries, err) != SL_OK ||
        sl_catalog_list_sinks(cx, &sinks, err) != SL_OK) {
        sl_mcxt_delete(cx);
        return SL_ERROR;
    }
    nq = sl_list_length(queries);
    ns = sl_list_length(sinks);
    qrows = sl_pzalloc(cx, sizeof(*qrows) * (size_t)(nq + 1));
    srows = sl_pzalloc(cx, sizeof(*srows) * (size_t)(ns + 1));
    for (int i = 0; i < nq; i++) {
        qrows[i].q = sl_list_nth(queries, i);
        qrows[i].live = sl_query_get(cx, qrows[i].q->name, &qrows[i].info);
    }
    for (int i = 0; i < ns; i++) {
        srows[i].s = sl_list_nth(sinks, i);
        sl_sink_stats_snapshot(srows[i].s->name, &srows[i].view);
    }
    write_server(out, started_us, now_us, qrows, nq);
    write_queries(out, now_us, qrows, nq);
    write_sinks(out, srows, ns);
    sl_mcxt_delete(cx);
    return SL_OK;
}
