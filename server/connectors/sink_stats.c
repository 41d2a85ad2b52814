/*
 * sink_stats.c - the per-sink counters behind SHOW SINKS.
 *
 * A small list of entries under one mutex for lookup; the hot updates
 * (rows, batches) are atomics on an entry a writer looked up once at open.
 * The number of sinks is small (catalog objects), so lookup is a scan.
 *
 * Entry points: see server/connectors/sink_stats.h.
 */
#include "sluice/clock.h"
#include "server/connectors/sink_stats.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct sl_sink_stats {
    struct sl_sink_stats *next;
    char *name;
    _Atomic int state;
    _Atomic int64_t rows, batches, retries;
    char last_error[SL_ERROR_MSG_MAX]; /* under stats_lock */
    int64_t last_error_at;
    _Atomic int64_t last_success_at;
};

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static sl_sink_stats *stats_head;

/* Sink names are identifiers, compared as the catalog does: case-insensitively. */
static sl_sink_stats *find_locked(const char *name)
{
    for (sl_sink_stats *s = stats_head; s != NULL; s = s->next)
        if (strcasecmp(s->name, name) == 0)
            return s;
    return NULL;
}

sl_sink_stats *sl_sink_stats_get(const char *name)
{
    sl_sink_stats *s;

    pthread_mutex_lock(&stats_lock);
    s = find_locked(name);
    if (s == NULL) {
        /* Process-lifetime memory: entries are few and never freed (see the header). */
        s = calloc(1, sizeof(*s));
        if (s == NULL || (s->name = strdup(name)) == NULL)
            abort();
        s->next = stats_head;
        stats_head = s;
    }
    pthread_mutex_unlock(&stats_lock);
    return s;
}

void sl_sink_stats_reset(const char *name)
{
    sl_sink_stats *s;

    pthread_mutex_lock(&stats_lock);
    s = find_locked(name);
    if (s != NULL) {
        atomic_store(&s->state, SL_SINK_OK);
        atomic_store(&s->rows, 0);
        atomic_store(&s->batches, 0);
        atomic_store(&s->retries, 0);
        s->last_error[0] = '\0';
        s->last_error_at = 0;
        atomic_store(&s->last_success_at, 0);
    }
    pthread_mutex_unlock(&stats_lock);
}

void sl_sink_stats_written(sl_sink_stats *st, int64_t rows)
{
    atomic_fetch_add_explicit(&st->rows, rows, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->batches, 1, memory_order_relaxed);
    atomic_store_explicit(&st->state, SL_SINK_OK, memory_order_relaxed);
    atomic_store_explicit(&st->last_success_at, sl_clock_wall_us(), memory_order_relaxed);
}

static void set_error(sl_sink_stats *st, const sl_error *why, sl_sink_state state)
{
    pthread_mutex_lock(&stats_lock);
    snprintf(st->last_error, sizeof(st->last_error), "%s",
             why != NULL && why->message[0] != '\0' ? why->message : "write failed");
    st->last_error_at = sl_clock_wall_us();
    atomic_store_explicit(&st->state, state, memory_order_relaxed);
    pthread_mutex_unlock(&stats_lock);
}

void sl_sink_stats_retry(sl_sink_stats *st, const sl_error *why)
{
    atomic_fetch_add_explicit(&st->retries, 1, memory_order_relaxed);
    set_error(st, why, SL_SINK_RETRYING);
}

void sl_sink_stats_failed(sl_sink_stats *st, const sl_error *why)
{
    set_error(st, why, SL_SINK_FAILED);
}

void sl_sink_stats_snapshot(const char *name, sl_sink_stats_view *out)
{
    sl_sink_stats *s;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&stats_lock);
    s = find_locked(name);
    if (s != NULL) {
        out->state = (sl_sink_state)atomic_load(&s->state);
        out->rows = atomic_load(&s->rows);
        out->batches = atomic_load(&s->batches);
        out->retries = atomic_load(&s->retries);
        memcpy(out->last_error, s->last_error, sizeof(out->last_error));
        out->last_error_at = s->last_error_at;
        out->last_success_at = atomic_load(&s->last_success_at);
    }
    pthread_mutex_unlock(&stats_lock);
}

const char *sl_sink_state_name(sl_sink_state state)
{
    switch (state) {
    case SL_SINK_RETRYING:
        return "retrying";
    case SL_SINK_FAILED:
        return "failed";
    case SL_SINK_OK:
    default:
        return "ok";
    }
}
