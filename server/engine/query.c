/*
 * query.c - the registry of continuous queries and their worker threads.
 *
 * Locking: one mutex (reg_mu) guards the list and every query's state
 * fields; it is held only for bookkeeping.  A worker runs its batches
 * without it and looks at its flags between batches through query_check()
 * (which is also where a paused worker waits, on reg_cv).  Counters live
 * in the runtime as atomics.  Joining a worker happens with no lock held.
 *
 * Lifetime: sl_query_start plans in the caller's thread into a fresh root
 * context, then hands it to the worker; the worker closes source and sink
 * when its run ends (so a finished query releases its files at once); the
 * context is deleted after the worker is joined.
 *
 * Stopping is bounded: DROP QUERY and shutdown wait at most
 * SL_QUERY_STOP_WAIT_US for a worker (sources and sinks look at the stop
 * flag at least every 100 ms, so this is a safety net).  A worker that
 * does not end in time is abandoned: logged, detached, and left to free
 * its query itself if it ever ends.  DROP QUERY deletes the query (and its
 * checkpoint) from the catalog before it stops the worker, so a dropped
 * query stays dropped even when its worker is abandoned or the server is
 * killed meanwhile; an abandoned worker cannot checkpoint a query that is
 * no longer in the catalog.
 *
 * Entry points: see query.h.
 */
#include "server/engine/query.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/cancel.h"
#include "server/catalog/catalog.h"
#include "server/config.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "parser/parse.h"
#include "server/engine/runtime.h"
#include "sluice/errcodes.h"

/* How long DROP QUERY and shutdown wait for a worker to end. */
#define SL_QUERY_STOP_WAIT_US (4 * INT64_C(1000000))

typedef struct sl_query {
    struct sl_query *next;
    char name[SL_QUERY_NAME_MAX];
    sl_mcxt *cx;    /* the query's own: sql, AST, runtime */
    sl_runtime *rt; /* NULL when the query could not be planned */
    pthread_t thread;
    bool has_thread;
    bool starting;  /* name reserved, still planning */
    bool stop;      /* the worker must end */
    bool dropping;  /* ... because of DROP QUERY (no last checkpoint) */
    bool exited;    /* the worker's run is over (it no longer touches q but to free it) */
    bool abandoned; /* nobody waits for the worker any more: it frees q */
    sl_query_state state;
    sl_mem_account mem; /* its runtime's memory (the runtime initialises it) */
    int64_t started_us;
    char error[SL_ERROR_MSG_MAX];
} sl_query;

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reg_cv = PTHREAD_COND_INITIALIZER;
static sl_query *reg_list;

const char *sl_query_state_name(sl_query_state state)
{
    switch (state) {
    case SL_QUERY_RUNNING:
        return "running";
    case SL_QUERY_PAUSED:
        return "paused";
    case SL_QUERY_FINISHED:
        return "finished";
    case SL_QUERY_FAILED:
        return "failed";
    }
    return "unknown";
}

/* Caller holds reg_mu. */
static sl_query *find_locked(const char *name)
{
    for (sl_query *q = reg_list; q != NULL; q = q->next)
        if (strcmp(q->name, name) == 0)
            return q;
    return NULL;
}

/* Caller holds reg_mu. */
static void unlink_locked(sl_query *q)
{
    for (sl_query **p = &reg_list; *p != NULL; p = &(*p)->next)
        if (*p == q) {
            *p = q->next;
            return;
        }
}

int sl_query_count(void)
{
    int n = 0;

    pthread_mutex_lock(&reg_mu);
    for (sl_query *q = reg_list; q != NULL; q = q->next)
        n++;
    pthread_mutex_unlock(&reg_mu);
    return n;
}

/* ---- the worker ---- */

/* sl_runtime_control.check: waits while paused; true when the worker must end. */
static bool query_check(void *arg)
{
    sl_query *q = arg;
    bool stop;

    pthread_mutex_lock(&reg_mu);
    while (q->state == SL_QUERY_PAUSED && !q->stop)
        pthread_cond_wait(&reg_cv, &reg_mu);
    stop = q->stop;
    pthread_mutex_unlock(&reg_mu);
    return stop;
}

/* sl_runtime_control.checkpoint_on_stop: a query stopped by shutdown is
 * kept (checkpoint), one stopped by DROP QUERY is not. */
static bool query_keep_on_stop(void *arg)
{
    sl_query *q = arg;
    bool keep;

    pthread_mutex_lock(&reg_mu);
    keep = !q->dropping;
    pthread_mutex_unlock(&reg_mu);
    return keep;
}

/* sl_runtime_control.paused: a peek, without waiting. */
static bool query_paused(void *arg)
{
    sl_query *q = arg;
    bool paused;

    pthread_mutex_lock(&reg_mu);
    paused = q->state == SL_QUERY_PAUSED && !q->stop;
    pthread_mutex_unlock(&reg_mu);
    return paused;
}

static void *query_worker(void *arg)
{
    sl_query *q = arg;
    sl_runtime_control ctl = {
        .check = query_check, .arg = q, .paused = query_paused, .checkpoint_on_stop = query_keep_on_stop};
    sl_runtime_end end = SL_RUNTIME_STOPPED;
    sl_error err;
    sl_status st;
    bool abandoned;

    sl_error_clear(&err);
    st = sl_runtime_run(q->rt, &ctl, &end, &err);
    sl_runtime_close(q->rt);

    pthread_mutex_lock(&reg_mu);
    if (st != SL_OK) {
        q->state = SL_QUERY_FAILED;
        snprintf(q->error, sizeof(q->error), "%s", err.message);
    } else if (end == SL_RUNTIME_FINISHED) {
        q->state = SL_QUERY_FINISHED;
    }
    pthread_cond_broadcast(&reg_cv);
    pthread_mutex_unlock(&reg_mu);

    if (st != SL_OK) {
        /* The top of a query thread is where its error is logged. */
        sl_log(SL_LOG_WARNING, "query \"%s\" failed: %s", q->name, err.message);
    } else if (end == SL_RUNTIME_FINISHED) {
        sl_error cerr;
        /* Kept as finished so a restart does not write its output twice;
         * a query dropped meanwhile is simply not found. */
        if (sl_catalog_set_query_state(q->name, "finished", &cerr) != SL_OK &&
            strcmp(cerr.sqlstate, SL_ERRCODE_UNDEFINED_OBJECT) != 0)
            sl_log_error(SL_LOG_WARNING, &cerr);
    }
    pthread_mutex_lock(&reg_mu);
    q->exited = true;
    abandoned = q->abandoned;
    pthread_cond_broadcast(&reg_cv);
    pthread_mutex_unlock(&reg_mu);
    if (abandoned) {
        /* Too late: DROP or shutdown gave up on this worker and detached it. */
        sl_log(SL_LOG_LOG, "abandoned query \"%s\" ended after all", q->name);
        sl_mcxt_delete(q->cx);
        free(q);
    }
    return NULL;
}

/* ---- start ---- */

/* Reserves name (or generates one) in the registry; 42710 / 54000. */
static sl_status reserve(const char *name, sl_query **out, sl_error *err)
{
    sl_query *q;
    int n = 0;
    int64_t max = sl_config_int("max_queries");
    sl_status st = SL_OK;

    pthread_mutex_lock(&reg_mu);
    for (q = reg_list; q != NULL; q = q->next)
        n++;
    if (n >= max) {
        st = sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "too many queries (max_queries is %lld)",
                          (long long)max);
        sl_error_hint(err, "Drop a query or raise max_queries.");
    } else if (name != NULL && find_locked(name) != NULL) {
        st = sl_error_set(err, SL_ERRCODE_DUPLICATE_OBJECT, "query \"%s\" already exists", name);
    } else if (name != NULL && strlen(name) >= SL_QUERY_NAME_MAX) {
        st = sl_error_set(err, SL_ERRCODE_NAME_TOO_LONG, "query name \"%s\" is too long", name);
    }
    if (st != SL_OK) {
        pthread_mutex_unlock(&reg_mu);
        return SL_ERROR;
    }
    q = calloc(1, sizeof(*q));
    if (q == NULL)
        abort();
    if (name != NULL) {
        snprintf(q->name, sizeof(q->name), "%s", name);
    } else {
        /* The lowest query_<n> free in the registry and in the catalog. */
        for (int i = 1;; i++) {
            sl_cat_query *cq = NULL;
            sl_error cerr;
            sl_mcxt *tmp;

            snprintf(q->name, sizeof(q->name), "query_%d", i);
            if (find_locked(q->name) != NULL)
                continue;
            tmp = sl_mcxt_create(NULL, "query name");
            if (sl_catalog_get_query(tmp, q->name, &cq, &cerr) != SL_OK)
                cq = NULL;
            sl_mcxt_delete(tmp);
            if (cq == NULL)
                break;
        }
    }
    q->starting = true;
    q->state = SL_QUERY_RUNNING;
    q->next = reg_list;
    reg_list = q;
    pthread_mutex_unlock(&reg_mu);
    *out = q;
    return SL_OK;
}

static void discard(sl_query *q)
{
    pthread_mutex_lock(&reg_mu);
    unlink_locked(q);
    pthread_mutex_unlock(&reg_mu);
    sl_mcxt_delete(q->cx);
    free(q);
}

/* sl_runtime_args.should_stop while a session waits for CREATE QUERY: its cancel flag. */
static bool plan_cancelled(void *arg)
{
    const volatile int *cancel = arg;
    return *cancel != 0;
}

/* Parses q's sql (copied into its context) and plans it. */
static sl_status plan(sl_query *q, const char *sql, int position_offset, volatile int *cancel, sl_error *err)
{
    sl_list *stmts = NULL;
    const sl_raw_stmt *raw;
    const sl_SelectStmt *sel;
    char *text = sl_pstrdup(q->cx, sql);

    if (sl_parse(text, q->cx, &stmts, err) != SL_OK)
        goto fail;
    raw = sl_list_length(stmts) == 1 ? sl_list_nth(stmts, 0) : NULL;
    if (raw == NULL || !SL_IS(raw->stmt, SelectStmt) || ((const sl_SelectStmt *)raw->stmt)->into == NULL)
        return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "query \"%s\" is not one SELECT ... INTO sink",
                            q->name);
    sel = (const sl_SelectStmt *)raw->stmt;
    {
        sl_runtime_args ra = {
            .cx = q->cx,
            .select = sel,
            .query_text = text,
            .query_name = q->name,
            .open_sink = true,
            .open_source = true,
            .account = &q->mem,
            .should_stop = cancel != NULL ? plan_cancelled : NULL,
            .stop_arg = (void *)cancel,
        };
        if (sl_runtime_plan(&ra, &q->rt, err) != SL_OK)
            goto fail;
    }
    return SL_OK;
fail:
    if (err->position > 0)
        err->position += position_offset;
    return SL_ERROR;
}

static sl_status launch(sl_query *q, bool paused, sl_error *err)
{
    int rc;

    pthread_mutex_lock(&reg_mu);
    q->state = paused ? SL_QUERY_PAUSED : SL_QUERY_RUNNING;
    q->started_us = sl_clock_wall_us();
    q->starting = false;
    rc = pthread_create(&q->thread, NULL, query_worker, q);
    q->has_thread = rc == 0;
    pthread_mutex_unlock(&reg_mu);
    if (rc != 0)
        return sl_error_set(err, SL_ERRCODE_OUT_OF_MEMORY, "could not start a thread for query \"%s\": %s",
                            q->name, strerror(rc));
    return SL_OK;
}

sl_status sl_query_start(const sl_query_start_args *args, char *name_out, sl_error *err)
{
    sl_query *q;

    if (reserve(args->name, &q, err) != SL_OK)
        return SL_ERROR;
    q->cx = sl_mcxt_create(NULL, "query");
    if (plan(q, args->sql, args->position_offset, args->cancel, err) != SL_OK) {
        sl_runtime_close(q->rt);
        discard(q);
        return SL_ERROR;
    }
    if (args->persist) {
        const sl_query_desc *d = sl_runtime_desc(q->rt);
        sl_cat_query cq = {
            .name = q->name,
            .sql = args->sql,
            .state = args->paused ? "paused" : "running",
            .source = d->source,
            .sink = d->sink,
            .owner = args->owner,
        };
        if (sl_catalog_create_query(&cq, err) != SL_OK) {
            sl_runtime_close(q->rt);
            discard(q);
            return SL_ERROR;
        }
    }
    if (launch(q, args->paused, err) != SL_OK) {
        sl_error derr;
        sl_runtime_close(q->rt);
        if (args->persist)
            (void)sl_catalog_drop_query(q->name, &(bool){false}, &derr);
        discard(q);
        return SL_ERROR;
    }
    if (name_out != NULL)
        snprintf(name_out, SL_QUERY_NAME_MAX, "%s", q->name);
    return SL_OK;
}

/* ---- control ---- */

static sl_status set_paused(const char *name, bool pause, sl_error *err)
{
    sl_query *q;
    sl_status st = SL_OK;

    pthread_mutex_lock(&reg_mu);
    q = find_locked(name);
    if (q == NULL || q->starting) {
        st = sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "query \"%s\" does not exist", name);
    } else if (q->state == SL_QUERY_FINISHED || q->state == SL_QUERY_FAILED) {
        st = sl_error_set(err, SL_ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                          "cannot %s query \"%s\" because it has %s", pause ? "pause" : "resume", name,
                          q->state == SL_QUERY_FINISHED ? "finished" : "failed");
        sl_error_hint(err, "Drop it and create it again to run it again.");
    } else {
        q->state = pause ? SL_QUERY_PAUSED : SL_QUERY_RUNNING;
        pthread_cond_broadcast(&reg_cv);
    }
    pthread_mutex_unlock(&reg_mu);
    if (st != SL_OK)
        return SL_ERROR;
    /* Outside the lock: the catalog has its own.  A paused query stays
     * paused across a restart. */
    return sl_catalog_set_query_state(name, pause ? "paused" : "running", err);
}

sl_status sl_query_pause(const char *name, sl_error *err)
{
    return set_paused(name, true, err);
}

sl_status sl_query_resume(const char *name, sl_error *err)
{
    return set_paused(name, false, err);
}

/* Waits until q's worker has exited or the monotonic clock reaches
 * deadline_us; true when it exited.  Caller holds reg_mu. */
static bool wait_exited_locked(sl_query *q, int64_t deadline_us)
{
    while (!q->exited) {
        int64_t now = sl_clock_mono_us();
        struct timespec ts;

        if (now >= deadline_us)
            return false;
        /* reg_cv runs on the wall clock: wait in short slices, and the
         * deadline is kept on the monotonic one. */
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&reg_cv, &reg_mu, &ts);
    }
    return true;
}

/* Joins q's worker if it ends by deadline_us and frees q; else abandons
 * it (logged; the worker frees q when it ends).  No lock held by the
 * caller; q->stop is set. */
static void join_or_abandon(sl_query *q, int64_t deadline_us)
{
    if (q->has_thread) {
        pthread_mutex_lock(&reg_mu);
        if (!wait_exited_locked(q, deadline_us)) {
            q->abandoned = true;
            pthread_detach(q->thread);
            pthread_mutex_unlock(&reg_mu);
            sl_log(SL_LOG_WARNING, "query \"%s\" did not stop within %lld s: abandoned", q->name,
                   (long long)(SL_QUERY_STOP_WAIT_US / 1000000));
            return;
        }
        pthread_mutex_unlock(&reg_mu);
        pthread_join(q->thread, NULL);
    }
    sl_runtime_close(q->rt); /* the worker closed them already; planned-only queries not */
    sl_mcxt_delete(q->cx);
    free(q);
}

/* Tells q's worker to end (no lock held by the caller). */
static void request_stop(sl_query *q)
{
    pthread_mutex_lock(&reg_mu);
    q->stop = true;
    pthread_cond_broadcast(&reg_cv);
    pthread_mutex_unlock(&reg_mu);
}

sl_status sl_query_drop(const char *name, bool *dropped, sl_error *err)
{
    sl_query *q;
    bool cat_dropped = false;
    sl_status st;

    pthread_mutex_lock(&reg_mu);
    q = find_locked(name);
    if (q != NULL && q->starting)
        q = NULL; /* still being created by another session: the catalog decides */
    if (q != NULL) {
        unlink_locked(q);
        q->dropping = true; /* no checkpoint on the way out: it goes with the query */
    }
    pthread_mutex_unlock(&reg_mu);
    /* The catalog first: whatever happens to the worker, the query is gone. */
    st = sl_catalog_drop_query(name, &cat_dropped, err);
    if (q != NULL) {
        request_stop(q);
        join_or_abandon(q, sl_clock_mono_us() + SL_QUERY_STOP_WAIT_US);
    }
    if (st != SL_OK)
        return SL_ERROR;
    *dropped = q != NULL || cat_dropped;
    return SL_OK;
}

/* ---- observation ---- */

bool sl_query_get(sl_mcxt *cx, const char *name, sl_query_info *out)
{
    sl_query *q;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&reg_mu);
    q = find_locked(name);
    if (q != NULL && !q->starting) {
        out->state = q->state;
        out->started_us = q->started_us;
        out->error = q->state == SL_QUERY_FAILED ? sl_pstrdup(cx, q->error) : NULL;
        if (q->rt != NULL) {
            sl_runtime_stats s;
            sl_runtime_stats_get(q->rt, &s);
            out->rows_in = s.rows_in;
            out->rows_out = s.rows_out;
            out->late_rows = s.late_rows;
            out->errors = s.errors;
            out->future_rows = s.future_rows;
            out->decode_errors = s.decode_errors;
            out->checkpoint_us = s.checkpoint_us;
            out->checkpoint_duration_us = s.checkpoint_duration_us;
            out->watermark_us = s.watermark_us;
            out->memory = sl_mem_account_bytes(&q->mem);
        }
    }
    pthread_mutex_unlock(&reg_mu);
    return q != NULL && !q->starting;
}

sl_status sl_query_wait(const char *name, int64_t timeout_ms, volatile int *cancel, const char **state_out,
                        sl_error *err)
{
    int64_t deadline = sl_clock_wall_us() + timeout_ms * 1000;

    for (;;) {
        sl_query *q;
        sl_query_state state = SL_QUERY_RUNNING;
        bool found;

        pthread_mutex_lock(&reg_mu);
        q = find_locked(name);
        found = q != NULL;
        if (found)
            state = q->state;
        pthread_mutex_unlock(&reg_mu);
        if (!found) {
            *state_out = NULL;
            return SL_OK;
        }
        if (state != SL_QUERY_RUNNING || sl_clock_wall_us() >= deadline) {
            *state_out = sl_query_state_name(state);
            return SL_OK;
        }
        if (cancel != NULL && *cancel)
            return sl_cancel_error(*cancel, err);
        sl_sleep_us(10000);
    }
}

/* ---- server start and stop ---- */

void sl_query_start_all(void)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "query start");
    sl_list *list = NULL;
    sl_cat_query *cq;
    sl_error err;
    int started = 0;

    if (sl_catalog_list_queries(cx, &list, &err) != SL_OK) {
        sl_log_error(SL_LOG_WARNING, &err);
        sl_mcxt_delete(cx);
        return;
    }
    sl_list_foreach(cq, list)
    {
        sl_query_start_args a = {
            .name = cq->name,
            .sql = cq->sql,
            .paused = strcmp(cq->state, "paused") == 0,
            .persist = false,
        };
        sl_query *q;

        if (strcmp(cq->state, "finished") == 0) {
            /* Registered without a worker, so SHOW QUERIES says finished. */
            if (reserve(cq->name, &q, &err) == SL_OK) {
                pthread_mutex_lock(&reg_mu);
                q->starting = false;
                q->state = SL_QUERY_FINISHED;
                pthread_mutex_unlock(&reg_mu);
            }
            continue;
        }
        if (sl_query_start(&a, NULL, &err) == SL_OK) {
            started++;
            continue;
        }
        sl_log(SL_LOG_WARNING, "query \"%s\" could not start: %s", cq->name, err.message);
        /* Kept visible as failed, with the reason. */
        if (reserve(cq->name, &q, &(sl_error){0}) == SL_OK) {
            pthread_mutex_lock(&reg_mu);
            q->starting = false;
            q->state = SL_QUERY_FAILED;
            snprintf(q->error, sizeof(q->error), "%s", err.message);
            pthread_mutex_unlock(&reg_mu);
        }
    }
    if (started > 0)
        sl_log(SL_LOG_LOG, "started %d quer%s from the catalog", started, started == 1 ? "y" : "ies");
    sl_mcxt_delete(cx);
}

void sl_query_stop_all(void)
{
    sl_query *list;
    int64_t deadline;

    pthread_mutex_lock(&reg_mu);
    list = reg_list;
    reg_list = NULL;
    for (sl_query *q = list; q != NULL; q = q->next)
        q->stop = true;
    pthread_cond_broadcast(&reg_cv);
    pthread_mutex_unlock(&reg_mu);
    /* One deadline for all: the workers stop in parallel. */
    deadline = sl_clock_mono_us() + SL_QUERY_STOP_WAIT_US;
    while (list != NULL) {
        sl_query *next = list->next;
        join_or_abandon(list, deadline);
        list = next;
    }
}
