/*
 * runtime.c - one query: plan it, run it.
 *
 * Planning opens the source and sink and builds the query's operators
 * (server/engine/plan.c; the operator interface is server/engine/op.h).
 * A run is one loop on one thread (a query's worker, or the session thread
 * of a push query) that drives them:
 *
 *   read a batch -> fill event times -> push into the plan
 *     (Filter -> [Aggregate -> Filter] -> Project -> [Limit] -> Sink | Client)
 *   no rows: advance the plan with processing time; end: flush it
 *
 * Memory: everything planned lives in the runtime's context; the input
 * batch's own context holds the source's text, and the operators'
 * "scratch" context holds expression results; both are reset every batch, so the loop does
 * not allocate per row.  The sink is flushed when the source is idle (at
 * most every 100 ms), before a pause, at the end, and at least every
 * flush_interval; after each successful flush the source's commit
 * callback records how far it has read (Kafka offsets: at-least-once).
 *
 * Dead letters: when the source names a dead_letter sink (continuous
 * queries only; a push query just counts decode errors), the runtime
 * opens that sink too and hands the source a reject callback.  Rejected
 * records are copied aside during read(), written to the dead-letter sink
 * right after that read() (before any row of it reaches the query's sink)
 * and flushed before the query's sink is, so a source commit never covers
 * a dead letter that is not safely written.  The dead-letter sink gets the
 * fixed columns (raw TEXT, error TEXT, source TEXT, at TIMESTAMP): the
 * record's bytes (invalid UTF-8 and NUL bytes replaced by U+FFFD), the
 * decode error, the source's name and when it was rejected.
 *
 * Memory: a query's context (and so every operator's, the DISTINCT sets'
 * and the sink buffers') charges the account the caller gives, and every
 * account charges the server's (memory_total).  After each batch and tick
 * memory_check compares them with query_memory_limit and max_memory
 * (0: a quarter, a half of the machine's memory) and fails the query with
 * 53200, naming the context that holds the most of it.
 *
 * Checkpoints: see server/engine/runtime.h.  When the source kind has position/seek,
 * sink flushes no longer let the source commit on their own: the commit
 * follows each saved checkpoint (checkpoint_take), so Kafka's committed
 * offsets are always a checkpoint's.  Besides every checkpoint_interval,
 * the idle flush of a source that went quiet after reading rows is a
 * checkpoint too, so a quiet topic's offsets are committed within about
 * 100 ms, as they were before checkpoints.  A failed checkpoint write is
 * logged and retried at the next interval (nothing is committed meanwhile).
 *
 * Entry points: see server/engine/runtime.h.
 */
#include "server/engine/runtime.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/catalog/catalog.h"
#include "server/catalog/secret_store.h"
#include "sluice/clock.h"
#include "sluice/checkpoint.h"
#include "server/config.h"
#include "formats/format.h"
#include "sluice/log.h"
#include "sluice/batch.h"
#include "sluice/connector.h"
#include "server/connectors/confinement.h"
#include "server/connectors/sink_writer.h"
#include "sluice/errcodes.h"
#include "server/engine/ops.h"
#include "server/engine/plan.h"
#include "server/engine/window.h"

/* Sleep of an idle loop: short enough for prompt DROP/cancel, long enough
 * not to spin (a source whose read() waits for data itself is not slept
 * for: its rows go on as soon as they come). */
#define SL_RUNTIME_IDLE_MS 20
/* How long a Kafka source's partition must have been seen caught up before
 * rows read meanwhile may move the watermark past it (server/engine/window.c, "Settling"):
 * far longer than librdkafka takes to hand on one fetch response, even on a
 * loaded machine or under sanitizers; windows close this much later. */
#define SL_RUNTIME_SPLIT_SETTLE_US 200000
/* A sink flush makes data durable (fdatasync for a file): when a source
 * trickles, idle flushes are spaced at least this far apart. */
#define SL_RUNTIME_IDLE_FLUSH_US 100000
/* Deltas saved after a whole window state before the next whole one: bounds
 * what a restore applies. */
#define SL_RUNTIME_MAX_DELTAS 1024

/* What every query's account charges too (max_memory). */
static sl_mem_account memory_total;

/* A record the source rejected, waiting to be written to the dead-letter sink. */
typedef struct sl_dead_letter {
    char *raw, *error;
    int32_t raw_len, error_len;
    int64_t at;
} sl_dead_letter;

struct sl_runtime {
    sl_mcxt *cx;
    const char *query_name;
    const char *query_text;
    sl_cat_source *src;
    sl_cat_sink *sink; /* NULL for a push query */
    const sl_source_kind *skind;
    const sl_sink_kind *kkind;
    const sl_option_decl *src_decls[3];
    const sl_option_decl *sink_decls[3];
    sl_options src_opts, sink_opts;
    void *src_state;
    bool src_open;
    sl_sink_writer *sw; /* the query's sink (NULL: not open, or a push query) */
    const sl_schema *input;
    bool bounded;
    sl_query_desc *q;

    /* the operators (see server/engine/op.h) */
    sl_op_ctx ops;
    sl_op_counters counters;
    sl_plan plan;
    sl_operator *terminal; /* the plan's Sink or Client */

    /* run state */
    sl_batch *in; /* source rows */
    sl_dest *dest;
    int64_t last_flush_us;
    int64_t flush_interval_us;
    const sl_runtime_control *ctl;
    sl_mem_account *account; /* NULL: not accounted */
    int64_t mem_checked;     /* its bytes at the last memory_check */

    /* the source's dead_letter sink (NULL: none); see the header comment */
    sl_cat_sink *dl;
    const sl_sink_kind *dlkind;
    const sl_option_decl *dl_decls[3];
    sl_options dl_opts;
    sl_sink_writer *dlw;
    const sl_schema *dl_schema;
    sl_batch *dl_batch;
    sl_mcxt *dl_cx;          /* pending records; reset once they are written */
    sl_dead_letter *pending; /* rejected during the last read() */
    int npending, pending_cap;

    /* checkpoints (see server/engine/runtime.h) */
    bool ckpt;                                           /* this run takes checkpoints */
    int64_t ckpt_seq;                                    /* of the last one saved or restored (0: none) */
    int64_t last_ckpt_us;                                /* monotonic */
    int64_t ckpt_rows_in, ckpt_rows_out, ckpt_watermark; /* at the last one: skip identical ones */
    /* Incremental checkpoints: the bytes of the last whole window state and
     * of the deltas saved since; a delta is saved while the deltas stay
     * smaller than the whole (so at most twice the state is kept and read). */
    size_t ckpt_base_len, ckpt_delta_len;
    int ckpt_ndeltas;
    sl_mcxt *ckpt_cx; /* the blobs of one checkpoint */

    /* for /metrics (server/http/): read by other threads */
    _Atomic int64_t decode_errors;    /* of counters.errors, those the source reported */
    _Atomic int64_t ckpt_saved_us;    /* wall clock of the last checkpoint saved (0: none yet) */
    _Atomic int64_t ckpt_duration_us; /* how long its flush, position, state and write took */
    _Atomic int64_t watermark_pub;    /* ops.watermark_us as of the last batch boundary */
};

/* ---- clocks ---- */

/* ---- planning ---- */

static void set_position(sl_error *err, const char *text, int loc)
{
    int pos = 1;

    if (text == NULL || loc < 0)
        return;
    for (int i = 0; i < loc && text[i] != '\0'; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            pos++;
    err->position = pos;
}

/* The declared columns of a source as a schema, or NULL when none are declared. */
static sl_status declared_schema(sl_mcxt *cx, const sl_cat_source *src, const sl_schema **out, sl_error *err)
{
    const char **names;
    sl_type *types;

    *out = NULL;
    if (src->ncolumns == 0)
        return SL_OK;
    names = sl_palloc(cx, sizeof(char *) * (size_t)src->ncolumns);
    types = sl_palloc(cx, sizeof(sl_type) * (size_t)src->ncolumns);
    for (int i = 0; i < src->ncolumns; i++) {
        names[i] = src->columns[i].name;
        if (!sl_type_parse(src->columns[i].type, &types[i]))
            return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR,
                                "column \"%s\" of source \"%s\" has unknown type %s", src->columns[i].name,
                                src->name, src->columns[i].type);
    }
    *out = sl_schema_new(cx, src->ncolumns, names, types);
    return SL_OK;
}

/* Copies len bytes of p into cx as valid UTF-8 without NUL bytes (each
 * offending byte becomes U+FFFD): TEXT values must be both. */
static char *utf8_clean(sl_mcxt *cx, const char *p, size_t len, int32_t *out_len)
{
    const unsigned char *s = (const unsigned char *)p, *end = s + len;
    char *buf = sl_palloc(cx, len * 3 + 1);
    size_t n = 0;

    while (s < end) {
        int k = *s == 0 ? 0 : *s < 0x80 ? 1 : sl_utf8_seq_len(s, end);
        if (k == 0) {
            memcpy(buf + n, "\xEF\xBF\xBD", 3);
            n += 3;
            s++;
            continue;
        }
        memcpy(buf + n, s, (size_t)k);
        n += (size_t)k;
        s += k;
    }
    buf[n] = '\0';
    *out_len = (int32_t)n;
    return buf;
}

/* sl_source_open_args.reject: keeps a copy of the record until the loop
 * writes it (dead_letter_write). */
static void on_reject(void *arg, const char *raw, size_t len, const sl_error *why)
{
    sl_runtime *rt = arg;
    sl_dead_letter *d;
    const char *msg = why != NULL && why->message[0] != '\0' ? why->message : "record does not decode";

    if (rt->npending == rt->pending_cap) {
        int cap = rt->pending_cap > 0 ? rt->pending_cap * 2 : 64;
        sl_dead_letter *np = sl_palloc(rt->dl_cx, sizeof(sl_dead_letter) * (size_t)cap);
        if (rt->npending > 0)
            memcpy(np, rt->pending, sizeof(sl_dead_letter) * (size_t)rt->npending);
        rt->pending = np;
        rt->pending_cap = cap;
    }
    d = &rt->pending[rt->npending++];
    d->raw = utf8_clean(rt->dl_cx, raw != NULL ? raw : "", raw != NULL ? len : 0, &d->raw_len);
    d->error = utf8_clean(rt->dl_cx, msg, strlen(msg), &d->error_len);
    d->at = sl_clock_wall_us();
}

/* The sink named by the source's dead_letter option, for a continuous
 * query: looked up and checked now, opened with the query's sink. */
static sl_status plan_dead_letter(sl_runtime *rt, sl_error *err)
{
    static const char *const names[] = {"raw", "error", "source", "at"};
    static const sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_TEXT, SL_TYPE_TEXT, SL_TYPE_TIMESTAMP};
    const char *name = sl_options_get(&rt->src_opts, "dead_letter");
    int n = 0;

    if (name == NULL || name[0] == '\0')
        return SL_OK;
    if (sl_catalog_get_sink(rt->cx, name, &rt->dl, err) != SL_OK)
        return SL_ERROR;
    if (rt->dl == NULL)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, "sink \"%s\" does not exist", name);
    if (rt->sink != NULL && strcmp(rt->dl->name, rt->sink->name) == 0) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                     "sink \"%s\" cannot be both the query's sink and the dead_letter of source \"%s\"",
                     rt->dl->name, rt->src->name);
        sl_error_hint(err,
                      "Dead letters have their own columns (raw, error, source, at): give them a sink of "
                      "their own.");
        return SL_ERROR;
    }
    rt->dlkind = sl_sink_kind_find(rt->dl->kind);
    if (rt->dlkind == NULL || rt->dlkind->open == NULL || rt->dlkind->write == NULL ||
        rt->dlkind->close == NULL)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                            "sink kind \"%s\" of dead_letter sink \"%s\" is not supported yet", rt->dl->kind,
                            rt->dl->name);
    if (rt->dlkind->options != NULL)
        rt->dl_decls[n++] = rt->dlkind->options;
    rt->dl_decls[n++] = sl_sink_framework_options;
    rt->dl_decls[n] = NULL;
    rt->dl_opts.decls = rt->dl_decls;
    rt->dl_opts.count = rt->dl->noptions;
    if (sl_secret_store_open(rt->cx, "sink", rt->dl->name, rt->dl_decls, rt->dl->noptions, rt->dl->options,
                             &rt->dl_opts.values, err) != SL_OK)
        return SL_ERROR;
    rt->dl_schema = sl_schema_new(rt->cx, 4, names, types);
    rt->dl_cx = sl_mcxt_create(rt->cx, "dead letters");
    return SL_OK;
}

static bool writer_should_stop(void *arg);

/* The confinement check of CREATE, again before opening: the catalog may
 * hold options that an older release (or older settings) allowed. */
static sl_status confine_check(sl_runtime *rt, const char *object, const char *name, const sl_options *opts,
                               sl_error *err)
{
    sl_confinement_ctx ctx = {.confine = sl_confinement(),
                              .what = sl_psprintf(rt->cx, "%s \"%s\"", object, name)};

    return sl_confinement_check(&ctx, opts, err);
}

static sl_status open_dead_letter(sl_runtime *rt, sl_error *err)
{
    sl_sink_writer_args wa = {
        .cx = rt->cx,
        .sink_name = rt->dl->name,
        .kind = rt->dlkind,
        .options = &rt->dl_opts,
        .schema = rt->dl_schema,
        .query_name = rt->query_name,
        .confine = sl_confinement(),
        .should_stop = writer_should_stop,
        .stop_arg = rt,
    };

    if (confine_check(rt, "sink", rt->dl->name, &rt->dl_opts, err) != SL_OK)
        return SL_ERROR;
    return sl_sink_writer_open(&wa, &rt->dlw, err);
}

static sl_status plan_source(sl_runtime *rt, const sl_runtime_args *args, sl_error *err)
{
    const sl_SelectStmt *sel = args->select;
    const sl_schema *declared;
    int n = 0;

    if (sl_catalog_get_source(rt->cx, sel->from, &rt->src, err) != SL_OK)
        return SL_ERROR;
    if (rt->src == NULL) {
        sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, "source \"%s\" does not exist", sel->from);
        set_position(err, args->query_text, sel->from_location);
        return SL_ERROR;
    }
    rt->skind = sl_source_kind_find(rt->src->kind);
    if (rt->skind == NULL)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "source kind \"%s\" is not loaded",
                            rt->src->kind);
    if (rt->skind->options != NULL)
        rt->src_decls[n++] = rt->skind->options;
    rt->src_decls[n++] = sl_source_framework_options;
    rt->src_decls[n] = NULL;
    rt->src_opts.decls = rt->src_decls;
    rt->src_opts.count = rt->src->noptions;
    rt->src_opts.values = rt->src->options;
    if (declared_schema(rt->cx, rt->src, &declared, err) != SL_OK)
        return SL_ERROR;

    if (rt->skind->open == NULL || rt->skind->read == NULL || (!args->open_source && declared != NULL)) {
        if (!args->open_source && declared != NULL) {
            /* EXPLAIN (or a kind that cannot run yet): the declared columns
             * are enough to show the plan, without connecting to a broker. */
            rt->input = declared;
            rt->bounded = false;
            return SL_OK;
        }
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "source kind \"%s\" is not supported yet",
                            rt->src->kind);
    }
    if (args->open_sink && plan_dead_letter(rt, err) != SL_OK)
        return SL_ERROR;
    /* Secrets are decrypted only now, for the source's open(). */
    if (sl_secret_store_open(rt->cx, "source", rt->src->name, rt->src_decls, rt->src->noptions,
                             rt->src->options, &rt->src_opts.values, err) != SL_OK)
        return SL_ERROR;
    {
        const sl_schema *schema = NULL;
        bool bounded = false;
        sl_source_open_args oa = {
            .source_name = rt->src->name,
            .query_name = args->query_name,
            .options = &rt->src_opts,
            .schema = declared,
            .confine = sl_confinement(),
            .cx = sl_mcxt_create(rt->cx, "source reader"), /* named for memory accounting */
            .schema_out = &schema,
            .bounded_out = &bounded,
            .reject = rt->dl != NULL ? on_reject : NULL,
            .reject_arg = rt->dl != NULL ? rt : NULL,
            .should_stop = args->should_stop,
            .stop_arg = args->stop_arg,
        };
        sl_error_clear(err);
        if (confine_check(rt, "source", rt->src->name, &rt->src_opts, err) != SL_OK)
            return SL_ERROR;
        if (rt->skind->open(&oa, &rt->src_state, err) != SL_OK) {
            if (!sl_error_is_set(err))
                sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "source \"%s\" could not be opened",
                             rt->src->name);
            return SL_ERROR;
        }
        rt->src_open = true;
        rt->input = schema != NULL ? schema : declared;
        rt->bounded = bounded;
        if (rt->input == NULL)
            return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "source \"%s\" reported no columns",
                                rt->src->name);
    }
    return SL_OK;
}

static sl_status plan_sink(sl_runtime *rt, const sl_runtime_args *args, sl_error *err)
{
    const sl_SelectStmt *sel = args->select;
    int n = 0;

    if (sl_catalog_get_sink(rt->cx, sel->into, &rt->sink, err) != SL_OK)
        return SL_ERROR;
    if (rt->sink == NULL) {
        sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, "sink \"%s\" does not exist", sel->into);
        set_position(err, args->query_text, sel->into_location);
        return SL_ERROR;
    }
    rt->kkind = sl_sink_kind_find(rt->sink->kind);
    if (rt->kkind == NULL)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "sink kind \"%s\" is not loaded",
                            rt->sink->kind);
    if (rt->kkind->options != NULL)
        rt->sink_decls[n++] = rt->kkind->options;
    rt->sink_decls[n++] = sl_sink_framework_options;
    rt->sink_decls[n] = NULL;
    rt->sink_opts.decls = rt->sink_decls;
    rt->sink_opts.count = rt->sink->noptions;
    rt->sink_opts.values = rt->sink->options;
    rt->flush_interval_us = sl_options_get_interval_us(&rt->sink_opts, "flush_interval", 1000000);
    if (args->open_sink && (rt->kkind->open == NULL || rt->kkind->write == NULL || rt->kkind->close == NULL))
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "sink kind \"%s\" is not supported yet",
                            rt->sink->kind);
    if (args->open_sink &&
        sl_secret_store_open(rt->cx, "sink", rt->sink->name, rt->sink_decls, rt->sink->noptions,
                             rt->sink->options, &rt->sink_opts.values, err) != SL_OK)
        return SL_ERROR;
    return SL_OK;
}

static sl_status open_sink(sl_runtime *rt, sl_error *err)
{
    sl_sink_writer_args wa = {
        .cx = rt->cx,
        .sink_name = rt->sink->name,
        .kind = rt->kkind,
        .options = &rt->sink_opts,
        .schema = rt->q->output,
        .query_name = rt->query_name,
        .confine = sl_confinement(),
        .should_stop = writer_should_stop,
        .stop_arg = rt,
    };

    if (confine_check(rt, "sink", rt->sink->name, &rt->sink_opts, err) != SL_OK)
        return SL_ERROR;
    return sl_sink_writer_open(&wa, &rt->sw, err);
}

/* The operators the query runs (and EXPLAIN prints). */
static sl_status build_plan(sl_runtime *rt, sl_error *err)
{
    sl_window_config wc = {
        .max_future_us = sl_options_get_interval_us(&rt->src_opts, "max_future", INT64_C(3600000000)),
        .idle_timeout_us = sl_options_get_interval_us(&rt->src_opts, "idle_timeout", INT64_C(10000000)),
        .max_groups = sl_config_int("max_groups_per_query"),
        .split_settle_us = SL_RUNTIME_SPLIT_SETTLE_US,
    };

    rt->ops = (sl_op_ctx){
        .cx = rt->cx,
        .scratch = sl_mcxt_create(rt->cx, "batch scratch"),
        .counters = &rt->counters,
    };
    if (sl_plan_build(&rt->plan, &rt->ops, rt->q, &wc, rt->sink != NULL ? rt->sink->kind : NULL,
                      rt->sink != NULL ? rt->sink->name : NULL, err) != SL_OK)
        return SL_ERROR;
    rt->terminal = rt->plan.last;
    return SL_OK;
}

sl_status sl_runtime_plan(const sl_runtime_args *args, sl_runtime **out, sl_error *err)
{
    sl_runtime *rt = sl_pnew(args->cx, sl_runtime);
    const sl_SelectStmt *sel = args->select;

    *out = NULL;
    rt->cx = args->cx;
    rt->query_name = sl_pstrdup(rt->cx, args->query_name);
    rt->query_text = args->query_text;
    rt->account = args->account;
    if (rt->account != NULL) {
        sl_mem_account_init(rt->account, &memory_total);
        sl_mcxt_set_account(rt->cx, rt->account);
    }
    if (sel->from == NULL)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "a query needs FROM source");
    /* Sink first: a missing sink is reported without opening the source. */
    if (sel->into != NULL && plan_sink(rt, args, err) != SL_OK)
        return SL_ERROR;
    if (plan_source(rt, args, err) != SL_OK)
        goto fail;
    {
        sl_analyze_args aa = {
            .cx = rt->cx,
            .select = sel,
            .input = rt->input,
            .event_time = rt->src->event_time,
            .watermark_us = rt->src->has_watermark ? rt->src->watermark_us : 0,
            .source_bounded = rt->bounded,
            .query_text = args->query_text,
            .params = args->params,
        };
        sl_error_clear(err);
        if (sl_analyze_select(&aa, &rt->q, err) != SL_OK) {
            if (!sl_error_is_set(err))
                sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "query analysis failed");
            goto fail;
        }
    }
    if (build_plan(rt, err) != SL_OK)
        goto fail;
    if (rt->sink != NULL && args->open_sink && open_sink(rt, err) != SL_OK)
        goto fail;
    if (rt->dl != NULL && open_dead_letter(rt, err) != SL_OK)
        goto fail;
    *out = rt;
    return SL_OK;
fail:
    sl_runtime_close(rt);
    return SL_ERROR;
}

sl_column_desc *sl_runtime_columns(const sl_runtime *rt, sl_mcxt *cx, int *ncols)
{
    return sl_client_op_columns(rt->terminal, cx, ncols);
}

const sl_query_desc *sl_runtime_desc(const sl_runtime *rt)
{
    return rt->q;
}

const sl_plan *sl_runtime_ops(const sl_runtime *rt)
{
    return &rt->plan;
}

const char *sl_runtime_source_kind(const sl_runtime *rt)
{
    return rt->src->kind;
}

const char *sl_runtime_sink_kind(const sl_runtime *rt)
{
    return rt->sink != NULL ? rt->sink->kind : NULL;
}

void sl_runtime_close(sl_runtime *rt)
{
    if (rt == NULL)
        return;
    if (rt->src_open && rt->skind->close != NULL)
        rt->skind->close(rt->src_state);
    rt->src_open = false;
    sl_plan_close(&rt->plan);
    rt->plan = (sl_plan){0};
    sl_sink_writer_close(rt->sw);
    rt->sw = NULL;
    sl_sink_writer_close(rt->dlw);
    rt->dlw = NULL;
}

void sl_runtime_stats_get(const sl_runtime *rt, sl_runtime_stats *out)
{
    sl_runtime *r = (sl_runtime *)rt; /* atomic loads take a non-const pointer */

    out->rows_in = atomic_load_explicit(&r->counters.rows_in, memory_order_relaxed);
    out->rows_out = atomic_load_explicit(&r->counters.rows_out, memory_order_relaxed);
    out->late_rows = atomic_load_explicit(&r->counters.late_rows, memory_order_relaxed);
    out->future_rows = atomic_load_explicit(&r->counters.future_rows, memory_order_relaxed);
    out->errors = atomic_load_explicit(&r->counters.errors, memory_order_relaxed);
    out->decode_errors = atomic_load_explicit(&r->decode_errors, memory_order_relaxed);
    out->checkpoint_us = atomic_load_explicit(&r->ckpt_saved_us, memory_order_relaxed);
    out->checkpoint_duration_us = atomic_load_explicit(&r->ckpt_duration_us, memory_order_relaxed);
    out->watermark_us = atomic_load_explicit(&r->watermark_pub, memory_order_relaxed);
}

int64_t sl_runtime_memory_total(void)
{
    return sl_mem_account_bytes(&memory_total);
}

/* ---- running ---- */

/* n bytes as text for a message: MB from 1 MB on, else kB. */
static const char *memory_text(int64_t n, char buf[32])
{
    if (n >= 1024 * 1024)
        snprintf(buf, 32, "%lld MB", (long long)((n + 512 * 1024) >> 20));
    else
        snprintf(buf, 32, "%lld kB", (long long)((n + 512) >> 10));
    return buf;
}

/* A byte-size setting; 0 means `share` of the machine's memory. */
static int64_t memory_setting(const char *name, int share)
{
    int64_t v = sl_config_int(name);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

    if (v > 0 || pages <= 0 || page <= 0)
        return v;
    return (int64_t)pages * page / share;
}

/* 53200 when the query holds more than query_memory_limit, or when it grew
 * and all queries together hold more than max_memory while it holds a large
 * share of that.  The hint names the
 * part of the query that holds the most (the name of its context). */
static sl_status memory_check(sl_runtime *rt, sl_error *err)
{
    int64_t used, limit, total, max;
    size_t top_bytes;
    const char *top;
    bool grew;
    char b1[32], b2[32], b3[32];

    if (rt->account == NULL)
        return SL_OK;
    used = sl_mem_account_bytes(rt->account);
    grew = used > rt->mem_checked;
    rt->mem_checked = used;
    if (!grew)
        return SL_OK; /* only growth can pass a limit, and the server's total is someone else's doing */
    limit = memory_setting("query_memory_limit", 4);
    total = sl_mem_account_bytes(&memory_total);
    max = memory_setting("max_memory", 2);
    if ((limit <= 0 || used <= limit) && (max <= 0 || total <= max))
        return SL_OK;
    /* Over max_memory, the query that grew last is not necessarily the one
     * to blame: a small one growing by a few bytes beside a large one must
     * go on.  A query holding half the total or a quarter of max_memory is
     * failed for it; when many small ones together hold twice max_memory,
     * any that grows is, so the total stays bounded even then. */
    if ((limit <= 0 || used <= limit) && used * 2 < total && used * 4 <= max && total <= 2 * max)
        return SL_OK;
    top = sl_mcxt_largest(rt->cx, &top_bytes);
    if (limit > 0 && used > limit)
        sl_error_set(err, SL_ERRCODE_OUT_OF_MEMORY, "query exceeds query_memory_limit (%s): it holds %s",
                     memory_text(limit, b1), memory_text(used, b2));
    else
        sl_error_set(err, SL_ERRCODE_OUT_OF_MEMORY,
                     "queries together exceed max_memory (%s): this one holds %s of %s", memory_text(max, b1),
                     memory_text(used, b2), memory_text(total, b3));
    sl_error_hint(err,
                  "Most of it is held by the %s (%s).  Use fewer groups, fewer distinct values or shorter "
                  "windows, or raise %s.",
                  top, memory_text((int64_t)top_bytes, b1),
                  limit > 0 && used > limit ? "query_memory_limit" : "max_memory");
    return SL_ERROR;
}

static bool should_stop(sl_runtime *rt)
{
    return rt->ctl != NULL && rt->ctl->check != NULL && rt->ctl->check(rt->ctl->arg);
}

/* sl_sink_writer_args.should_stop: a retrying sink gives up waiting on DROP,
 * PAUSE and shutdown (nothing is committed past its rows). */
static bool writer_should_stop(void *arg)
{
    return should_stop(arg);
}

/* Everything read so far is in the sink and flushed: the source may
 * record its position (Kafka offsets).  A failure is only logged: the
 * next flush commits again. */
static void source_commit(sl_runtime *rt)
{
    sl_error cerr;

    if (rt->sw == NULL || !rt->src_open || rt->skind->commit == NULL || rt->ops.commit_blocked)
        return;
    sl_error_clear(&cerr);
    if (rt->skind->commit(rt->src_state, &cerr) != SL_OK) {
        if (!sl_error_is_set(&cerr))
            sl_error_set(&cerr, SL_ERRCODE_IO_ERROR, "source \"%s\" could not commit", rt->src->name);
        sl_log_error(SL_LOG_WARNING, &cerr);
    }
}

/* Writes the records rejected by the last read() to the dead-letter sink,
 * SL_BATCH_ROWS at a time (the writer batches and retries). */
static sl_status dead_letter_write(sl_runtime *rt, sl_error *err)
{
    sl_text src;

    if (rt->npending == 0 || rt->dlw == NULL)
        return SL_OK;
    if (rt->dl_batch == NULL)
        rt->dl_batch = sl_batch_new(rt->cx, rt->dl_schema, SL_BATCH_ROWS);
    for (int done = 0; done < rt->npending;) {
        sl_batch *b = rt->dl_batch;

        sl_batch_reset(b);
        src = sl_batch_text(b, rt->src->name, (int32_t)strlen(rt->src->name));
        for (; done < rt->npending && b->nrows < b->capacity; done++) {
            const sl_dead_letter *d = &rt->pending[done];
            int r = b->nrows++;

            for (int c = 0; c < 4; c++)
                b->cols[c].nulls[r] = 0;
            b->cols[0].v.text[r] = sl_batch_text(b, d->raw, d->raw_len);
            b->cols[1].v.text[r] = sl_batch_text(b, d->error, d->error_len);
            b->cols[2].v.text[r] = src;
            b->cols[3].v.i64[r] = d->at;
            b->event_time[r] = d->at;
        }
        b->has_event_time = true;
        if (sl_sink_writer_append(rt->dlw, b, err) != SL_OK)
            return SL_ERROR;
        if (sl_sink_writer_stopped(rt->dlw)) {
            rt->ops.commit_blocked = true; /* stopped with dead letters not written */
            break;
        }
    }
    rt->npending = rt->pending_cap = 0;
    rt->pending = NULL;
    sl_mcxt_reset(rt->dl_cx);
    return SL_OK;
}

/* Writes out what the sinks buffer and makes it durable, dead letters
 * first (a commit must not cover unflushed ones), then lets the source
 * commit its position. */
static sl_status sink_flush(sl_runtime *rt, sl_error *err)
{
    rt->last_flush_us = sl_clock_mono_us();
    if (rt->dlw != NULL) {
        if (sl_sink_writer_flush(rt->dlw, err) != SL_OK)
            return SL_ERROR;
        if (sl_sink_writer_stopped(rt->dlw)) {
            rt->ops.commit_blocked = true;
            return SL_OK;
        }
    }
    if (rt->sw == NULL)
        return SL_OK;
    /* The plan's Sink flushes its writer. */
    if (sl_plan_flush(&rt->plan, false, err) != SL_OK)
        return SL_ERROR;
    if (rt->ops.commit_blocked)
        return SL_OK; /* stopped before the sink confirmed its rows */
    if (!rt->ckpt)    /* with checkpoints the commit follows the checkpoint */
        source_commit(rt);
    return SL_OK;
}

/* ---- checkpoints ---- */

/* The aggregate's watermark (0 without one). */
static int64_t checkpoint_watermark(const sl_runtime *rt)
{
    return rt->ops.watermark_us;
}

/* Rows were read or written since the last checkpoint. */
static bool checkpoint_rows_changed(sl_runtime *rt)
{
    return atomic_load_explicit(&rt->counters.rows_in, memory_order_relaxed) != rt->ckpt_rows_in ||
           atomic_load_explicit(&rt->counters.rows_out, memory_order_relaxed) != rt->ckpt_rows_out;
}

static bool checkpoint_due(const sl_runtime *rt)
{
    return sl_clock_mono_us() - rt->last_ckpt_us >= sl_config_int("checkpoint_interval") * 1000;
}

/* Flushes the sinks, then saves the source's position and the window state
 * in one catalog transaction, then lets the source commit.  Only a sink
 * error fails the query; a position or catalog error is logged and the
 * next interval tries again (nothing was committed past the last one). */
static sl_status checkpoint_take(sl_runtime *rt, sl_error *err)
{
    sl_cat_checkpoint c = {.query = rt->query_name};
    sl_error cerr;
    bool saved = false;
    int64_t in = atomic_load_explicit(&rt->counters.rows_in, memory_order_relaxed);
    int64_t out = atomic_load_explicit(&rt->counters.rows_out, memory_order_relaxed);
    int64_t wm = checkpoint_watermark(rt);
    int64_t began_us = sl_clock_mono_us();

    if (sink_flush(rt, err) != SL_OK)
        return SL_ERROR;
    rt->last_ckpt_us = sl_clock_mono_us();
    if (rt->ops.commit_blocked)
        return SL_OK; /* stopped with rows the sink has not confirmed */
    if (rt->ckpt_seq > 0 && in == rt->ckpt_rows_in && out == rt->ckpt_rows_out && wm == rt->ckpt_watermark)
        return SL_OK; /* nothing happened since the last one */
    sl_error_clear(&cerr);
    {
        char *pos = NULL;
        size_t len = 0;
        if (rt->skind->position(rt->src_state, rt->ckpt_cx, &pos, &len, &cerr) != SL_OK)
            goto failed;
        c.position = pos;
        c.position_len = len;
    }
    if (sl_plan_stateful(&rt->plan)) {
        sl_ckpt_w w;
        sl_ckpt_w_init(&w, rt->ckpt_cx);
        if (rt->ckpt_seq > 0 && rt->ckpt_ndeltas < SL_RUNTIME_MAX_DELTAS &&
            sl_plan_save_delta(&rt->plan, &w) && rt->ckpt_delta_len + w.len <= rt->ckpt_base_len)
            c.delta = true;
        else {
            sl_ckpt_w_init(&w, rt->ckpt_cx);
            sl_plan_save(&rt->plan, &w);
        }
        c.state = w.data;
        c.state_len = w.len;
    }
    c.seq = rt->ckpt_seq + 1;
    if (sl_catalog_save_checkpoint(&c, &saved, &cerr) != SL_OK)
        goto failed;
    sl_mcxt_reset(rt->ckpt_cx);
    if (saved && sl_plan_stateful(&rt->plan)) {
        sl_plan_saved(&rt->plan);
        if (c.delta) {
            rt->ckpt_delta_len += c.state_len;
            rt->ckpt_ndeltas++;
        } else {
            rt->ckpt_base_len = c.state_len;
            rt->ckpt_delta_len = 0;
            rt->ckpt_ndeltas = 0;
        }
    }
    if (saved) {
        rt->ckpt_seq = c.seq;
        rt->ckpt_rows_in = in;
        rt->ckpt_rows_out = out;
        rt->ckpt_watermark = wm;
        source_commit(rt);
        atomic_store_explicit(&rt->ckpt_saved_us, sl_clock_wall_us(), memory_order_relaxed);
        atomic_store_explicit(&rt->ckpt_duration_us, sl_clock_mono_us() - began_us, memory_order_relaxed);
    }
    return SL_OK;
failed:
    sl_mcxt_reset(rt->ckpt_cx);
    if (!sl_error_is_set(&cerr))
        sl_error_set(&cerr, SL_ERRCODE_IO_ERROR, "could not take a checkpoint");
    sl_log(SL_LOG_WARNING, "query \"%s\": checkpoint not saved: %s", rt->query_name, cerr.message);
    return SL_OK;
}

/* Turns err into "checkpoint N of query q is unusable: ..." (XX001). */
static sl_status checkpoint_unusable(sl_runtime *rt, int64_t seq, sl_error *err)
{
    char why[SL_ERROR_MSG_MAX];

    snprintf(why, sizeof(why), "%s", sl_error_is_set(err) ? err->message : "unknown error");
    sl_error_clear(err);
    sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "checkpoint %lld of query \"%s\" is unusable: %.900s",
                 (long long)seq, rt->query_name, why);
    sl_error_hint(err, "DROP QUERY deletes the checkpoint; create the query again to start over.");
    return SL_ERROR;
}

/* Resumes from the query's last checkpoint, if it has one. */
static sl_status checkpoint_restore(sl_runtime *rt, sl_error *err)
{
    sl_cat_checkpoint *c;

    if (sl_catalog_get_checkpoint(rt->ckpt_cx, rt->query_name, &c, err) != SL_OK)
        return SL_ERROR;
    if (c == NULL)
        return SL_OK;
    sl_error_clear(err);
    if (c->position != NULL && rt->skind->seek(rt->src_state, c->position, c->position_len, err) != SL_OK)
        return checkpoint_unusable(rt, c->seq, err);
    if (sl_plan_stateful(&rt->plan) != (c->state != NULL)) {
        sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED,
                     sl_plan_stateful(&rt->plan) ? "it has no window state" : "the query has no windows");
        return checkpoint_unusable(rt, c->seq, err);
    }
    if (c->state != NULL &&
        sl_plan_restore(&rt->plan, c->state, c->state_len, sl_clock_wall_us(), err) != SL_OK)
        return checkpoint_unusable(rt, c->seq, err);
    rt->ckpt_base_len = c->state_len;
    rt->ckpt_delta_len = 0;
    for (int i = 0; i < c->ndeltas; i++) {
        if (c->state == NULL ||
            sl_plan_apply_delta(&rt->plan, c->deltas[i], c->delta_lens[i], sl_clock_wall_us(), err) != SL_OK)
            return checkpoint_unusable(rt, c->seq, err);
        rt->ckpt_delta_len += c->delta_lens[i];
    }
    rt->ckpt_ndeltas = c->ndeltas;
    rt->ckpt_seq = c->seq;
    sl_log(SL_LOG_LOG, "query \"%s\" resumed from checkpoint %lld taken at %s UTC", rt->query_name,
           (long long)c->seq, c->taken != NULL ? c->taken : "?");
    sl_mcxt_reset(rt->ckpt_cx);
    return SL_OK;
}

static bool sinks_dirty(const sl_runtime *rt)
{
    return (rt->sw != NULL && sl_sink_writer_dirty(rt->sw)) ||
           (rt->dlw != NULL && sl_sink_writer_dirty(rt->dlw));
}

/* Event time (the EVENT TIME column, else the source's own, else arrival),
 * then the batch enters the plan. */
static sl_status process_batch(sl_runtime *rt, int64_t arrival_us, sl_error *err)
{
    sl_batch *in = rt->in;
    const sl_query_desc *q = rt->q;

    if (q->event_time_col >= 0) {
        const sl_vector *et = &in->cols[q->event_time_col];
        for (int i = 0; i < in->nrows; i++)
            in->event_time[i] = et->nulls[i] ? arrival_us : et->v.i64[i];
    } else if (!in->has_event_time) {
        for (int i = 0; i < in->nrows; i++)
            in->event_time[i] = arrival_us;
    }
    rt->ops.arrival_us = arrival_us;
    return sl_plan_push(&rt->plan, in, err);
}

static sl_status run_setup(sl_runtime *rt, sl_error *err)
{
    if (rt->in == NULL) /* a suspended push query runs again (server/net/extended.c) */
        rt->in = sl_batch_new(rt->cx, rt->input, SL_BATCH_ROWS);
    if (rt->sw != NULL)
        sl_sink_op_attach(rt->terminal, rt->sw);
    rt->ckpt = rt->dest == NULL && rt->sw != NULL && rt->query_name != NULL && rt->skind->position != NULL &&
               rt->skind->seek != NULL;
    if (rt->ckpt) {
        rt->ckpt_cx = sl_mcxt_create(rt->cx, "checkpoint");
        if (checkpoint_restore(rt, err) != SL_OK)
            return SL_ERROR;
        rt->ckpt_rows_in = rt->ckpt_rows_out = 0;
        rt->ckpt_watermark = rt->ops.watermark_us;
        rt->last_ckpt_us = sl_clock_mono_us();
    }
    if (rt->dest != NULL && sl_client_op_start(rt->terminal, rt->dest, err) != SL_OK)
        return SL_ERROR;
    rt->last_flush_us = sl_clock_mono_us();
    return SL_OK;
}

/* The source ended (or LIMIT was reached): emit what is open, flush. */
static sl_status finish(sl_runtime *rt, sl_error *err)
{
    if (sl_plan_flush(&rt->plan, true, err) != SL_OK)
        return SL_ERROR;
    return sink_flush(rt, err);
}

/* Writes out what the sinks buffer when flush_interval has passed since the
 * last flush. */
static sl_status flush_when_due(sl_runtime *rt, sl_error *err)
{
    if (rt->sw != NULL && sinks_dirty(rt) && sl_clock_mono_us() - rt->last_flush_us >= rt->flush_interval_us)
        return sink_flush(rt, err);
    return SL_OK;
}

sl_status sl_runtime_run(sl_runtime *rt, const sl_runtime_control *ctl, sl_runtime_end *end, sl_error *err)
{
    *end = SL_RUNTIME_STOPPED;
    rt->ctl = ctl;
    rt->dest = ctl != NULL ? ctl->dest : NULL;
    if (!rt->src_open)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "source kind \"%s\" is not supported yet",
                            rt->src->kind);
    if (rt->dest == NULL && rt->sw == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "query \"%s\" has no open sink", rt->query_name);
    if (run_setup(rt, err) != SL_OK || memory_check(rt, err) != SL_OK)
        return SL_ERROR;

    for (;;) {
        bool eof = false;
        int64_t decode_errors = 0;
        int got;
        sl_status st;

        /* A batch boundary: time for a checkpoint? */
        if (rt->ckpt && checkpoint_due(rt) && checkpoint_take(rt, err) != SL_OK)
            return SL_ERROR;
        /* A query about to wait in pause first writes out what it holds
         * (and checkpoints: a paused query resumes from there). */
        if (rt->ctl != NULL && rt->ctl->paused != NULL && rt->ctl->paused(rt->ctl->arg) && rt->sw != NULL &&
            (rt->ckpt ? checkpoint_take(rt, err) : sink_flush(rt, err)) != SL_OK)
            return SL_ERROR;
        if (should_stop(rt))
            break;
        atomic_store_explicit(&rt->watermark_pub, rt->ops.watermark_us, memory_order_relaxed);
        sl_batch_reset(rt->in);
        sl_mcxt_reset(rt->ops.scratch);
        sl_error_clear(err);
        st = rt->skind->read(rt->src_state, rt->in, &eof, &decode_errors, err);
        if (decode_errors > 0) {
            atomic_fetch_add_explicit(&rt->counters.errors, decode_errors, memory_order_relaxed);
            atomic_fetch_add_explicit(&rt->decode_errors, decode_errors, memory_order_relaxed);
        }
        if (st != SL_OK) {
            if (!sl_error_is_set(err))
                sl_error_set(err, SL_ERRCODE_IO_ERROR, "source \"%s\" could not be read", rt->src->name);
            return SL_ERROR;
        }
        /* The aggregate learns which splits still have records coming. */
        if (rt->skind->splits != NULL) {
            int nsplits = 0;
            const bool *pending = NULL;
            rt->skind->splits(rt->src_state, &nsplits, &pending);
            if (nsplits > 0 && pending != NULL)
                sl_plan_splits(&rt->plan, nsplits, pending);
        }
        /* Dead letters of this read go out before its rows do. */
        if (rt->npending > 0 && dead_letter_write(rt, err) != SL_OK)
            return SL_ERROR;
        got = rt->in->nrows; /* WHERE may empty the batch: that is not idleness */
        if (got > 0) {
            atomic_fetch_add_explicit(&rt->counters.rows_in, got, memory_order_relaxed);
            if (process_batch(rt, sl_clock_wall_us(), err) != SL_OK || memory_check(rt, err) != SL_OK)
                return SL_ERROR;
            if (rt->ops.limit_reached)
                eof = true;
            else if (flush_when_due(rt, err) != SL_OK)
                return SL_ERROR;
        }
        if (eof) {
            sl_mcxt_reset(rt->ops.scratch);
            if (finish(rt, err) != SL_OK)
                return SL_ERROR;
            *end = SL_RUNTIME_FINISHED;
            return SL_OK;
        }
        if (got == 0) {
            /* Idle: write out what is buffered, let processing time close
             * windows of a quiet source, and wait a little.  With
             * checkpoints, rows read since the last one make this flush a
             * checkpoint: the source commits as promptly as it would
             * without checkpoints (Kafka offsets after each idle flush). */
            if (rt->sw != NULL && sl_clock_mono_us() - rt->last_flush_us >= SL_RUNTIME_IDLE_FLUSH_US &&
                (rt->ckpt && checkpoint_rows_changed(rt) ? checkpoint_take(rt, err) : sink_flush(rt, err)) !=
                    SL_OK)
                return SL_ERROR;
            sl_mcxt_reset(rt->ops.scratch);
            if (sl_plan_advance(&rt->plan, sl_clock_wall_us(), err) != SL_OK ||
                memory_check(rt, err) != SL_OK)
                return SL_ERROR;
            if (rt->ops.limit_reached) {
                if (sink_flush(rt, err) != SL_OK)
                    return SL_ERROR;
                *end = SL_RUNTIME_FINISHED;
                return SL_OK;
            }
            if (flush_when_due(rt, err) != SL_OK)
                return SL_ERROR;
            if (!rt->skind->read_waits)
                sl_sleep_us(SL_RUNTIME_IDLE_MS * 1000);
        }
    }
    /* Stopped from outside: keep what was written; a query that is kept
     * (shutdown, not DROP) checkpoints so it resumes exactly here. */
    if (rt->ckpt && rt->ctl != NULL && rt->ctl->checkpoint_on_stop != NULL &&
        rt->ctl->checkpoint_on_stop(rt->ctl->arg))
        return checkpoint_take(rt, err);
    if (rt->sw != NULL && sink_flush(rt, err) != SL_OK)
        return SL_ERROR;
    return SL_OK;
}
