/*
 * window.c - the window aggregate operator (see server/engine/window.h).
 *
 * Entry points: sl_window_op_new, sl_window_op_push, sl_window_op_tick,
 * sl_window_op_flush, sl_window_op_stats, sl_window_op_free,
 * sl_window_op_save, sl_window_op_restore.
 *
 * State.  Tumbling and hopping windows (and the single window of a query
 * without WINDOW) live in an array sorted by start (hence by end: every
 * window has the same size); each window has its own hash table of groups,
 * an entry per group holding the group's key values (copied) and its
 * aggregate states.  Session windows are per group: one hash table of group
 * keys, each entry with its list of open sessions sorted by start, each
 * session with its states.  Every entry, session, table and copied text
 * comes from an sl_agg_pool, so the memory of emitted windows is reused and
 * the operator's memory follows open windows x groups, never rows seen.
 *
 * A push runs in passes over the batch so that each loop does one thing:
 * (1) hash the group keys, column by column; (2) drop future and late rows
 * and advance the watermark row by row; (3) find each row's window(s) and
 * group state; (4) update each aggregate over all rows with one typed loop
 * (agg.c).  Session windows do (3)-(4) row by row, because a row may merge
 * two sessions whose states later rows of the batch would otherwise touch.
 *
 * Event time.  watermark = max event time accepted - lateness, never moving
 * back (INT64_MIN before the first row).  Row by row: event time > arrival +
 * max_future: counted as future and dropped, the watermark ignores it;
 * event time < watermark: counted as late and dropped; else accepted.  A
 * window [start, end) is emitted, exactly once, when watermark >= end, after
 * each push and tick; its states are then freed, and as every row it could
 * take is late from then on, no window is ever emitted twice.  Session
 * windows are [first, last + gap); a row at t joins (and merges) every
 * session of its group that overlaps [t, t + gap), so sessions that merely
 * touch (t == last + gap) stay apart.
 *
 * Splits (sl_window_op_push_split: a Kafka source's partitions).  Each
 * split keeps its own max event time, and the watermark is the smallest
 * max event time of the splits that count, minus lateness (still never
 * moving back), so a partition that runs ahead does not make the rows of a
 * slower one late, as long as each partition is in order within the
 * lateness.  Which splits count (docs/kafka.md has the same table), given
 * what the source says with sl_window_op_pending (records waiting that
 * read() has not returned: buffered, in flight, or below the broker's high
 * watermark):
 *
 *   had rows  pending  quiet > idle_timeout   the split
 *   no        no       -                      does not count (empty, or caught up)
 *   no        yes      -                      holds the watermark where it is
 *   yes       yes      either                 counts with its max event time
 *   yes       no       no                     counts with its max event time
 *   yes       no       yes                    does not count (idle)
 *
 * So only a caught-up partition can be idle, however long ago a partition
 * with unread messages last gave rows.  Without pending information (a
 * source without the splits callback) no split is pending.  Without splits
 * (other sources) there is one, as above.
 *
 * Settling.  What the source says of a split is true only of what it has
 * seen so far: librdkafka handles a fetch response partition by partition,
 * so the rows of one partition can be read while the high watermark of
 * another partition in the same response is not updated yet, and that
 * partition then looks caught up.  So the max event time a split counts
 * with is the one it had split_settle_us ago (two snapshots, taken at
 * least split_settle_us apart), and a split counting but without rows by
 * then holds the watermark: rows read in the last split_settle_us never
 * move the watermark past a split whose pending state may still be stale.
 * The watermark is recomputed at the end of each push and at each tick,
 * not row by row (each split's own rows are in order anyway).
 * The per-split maxima are checkpointed (as settled: they were read before
 * the checkpoint); after a restore every split's idle clock starts again.
 *
 * Idle sources: sl_window_op_tick(now) first applies the table above at
 * now (a split may have become idle, or caught up); then, when no split is
 * pending and now - last_arrival > idle_timeout, it moves the watermark to
 * max(watermark, (max event time - lateness) + (now - last_arrival -
 * idle_timeout)): event time is assumed to go on at the pace of the clock
 * once the whole source has been quiet for idle_timeout.  last_arrival is
 * the arrival_us of the last push with rows.
 *
 * Without WINDOW (a finite source): one window holding every group, emitted
 * by sl_window_op_flush with window_start and window_end NULL; no row is
 * late (nothing is emitted before the end, so out-of-order rows count like
 * any other), future rows are still dropped.  Without GROUP BY the flush
 * emits one row even when no row came (count 0, the rest NULL), as SQL does.
 *
 * Checkpoints (sl_window_op_save / sl_window_op_restore): a versioned
 * blob (include/sluice/checkpoint.h's codec): magic, version, the query's window and
 * aggregate shape (a blob of another query is refused), the event-time
 * state and counters, each aggregate's argument type, then every open
 * window with its groups (keys, then agg.c's states), or for sessions
 * every group with its sessions.  Restoring rebuilds the same tables
 * through the push path's own lookups (hash_keys, table_lookup,
 * window_get), so a restored operator is indistinguishable from the saved
 * one; every count is bounded by what is left of the blob.
 *
 * Emission order: window_end, window_start, then the group keys ascending
 * (NULLs last, text by bytes), in batches of at most SL_BATCH_ROWS over
 * q->agg_schema.  The batch handed to the emit callback is valid only during
 * the call.
 */
#include "server/engine/window.h"

#include <stdlib.h>
#include <string.h>

#include "server/engine/agg.h"

enum { SL_WK_GLOBAL, SL_WK_TUMBLING, SL_WK_HOPPING, SL_WK_SESSION };

typedef struct sl_wkey {
    sl_agg_val v; /* text: a pool chunk of v.cap bytes */
    bool null;
} sl_wkey;

typedef struct sl_wsession sl_wsession;

/* A group: key values, then (tumbling/hopping/global) its states. */
typedef struct sl_wentry {
    struct sl_wentry *next; /* hash chain */
    uint64_t hash;
    uint32_t gen;          /* the checkpoint generation it last changed in (sl_window_op.gen) */
    sl_wsession *sessions; /* session windows: open sessions by start */
    sl_wkey keys[];        /* nkeys, followed by the states at states_off */
} sl_wentry;

struct sl_wsession {
    sl_wsession *next;
    int64_t start, last;
    sl_wentry *entry;
    sl_agg_state states[];
};

typedef struct sl_wtable {
    sl_wentry **buckets;
    uint32_t cap; /* power of two */
    int64_t n;
} sl_wtable;

typedef struct sl_wwin {
    int64_t start, end;
    sl_wtable groups;
} sl_wwin;

/* One (window, group) state to emit. */
typedef struct sl_witem {
    int64_t start, end;
    const sl_wentry *entry;
    const sl_agg_state *states;
} sl_witem;

/* One split of the input (a Kafka partition): see the header comment. */
typedef struct sl_wsplit {
    int64_t max_event;
    int64_t last_arrival;
    bool seen;    /* it had rows (since the query started, checkpoints included) */
    bool pending; /* the source has records of it that it has not returned yet */
    /* settling: max_event and seen at the last snapshot (snap_) and at the
     * one before (settled_: what the watermark uses) */
    int64_t snap_max, settled_max;
    bool snap_seen, settled_seen;
} sl_wsplit;

/* Split ids beyond this share the last one (a source has far fewer). */
#define SL_WINDOW_MAX_SPLITS 65536

struct sl_window_op {
    sl_mcxt *cx;
    const sl_query_desc *q;
    sl_window_config cfg;
    int kind;
    int64_t size, slide, gap;
    int64_t lateness;
    int nkeys;
    const sl_type *key_types;
    sl_aggs *aggs;
    sl_agg_pool pool;
    size_t entry_size; /* a group entry with (or, for sessions, without) its states */
    size_t states_off;
    size_t session_size;

    /* tumbling, hopping, global: open windows sorted by start */
    sl_wwin **wins;
    int nwins, capwins;
    sl_wwin *last_win;
    /* session: groups and their sessions */
    sl_wtable keytab;
    int64_t nsessions;
    int64_t min_end; /* no open session ends before this */

    /* event time */
    int64_t watermark;
    int64_t max_event;
    sl_wsplit *splits; /* per split (source partition), grown to the largest id */
    int nsplits;
    int64_t split_min;     /* smallest max event time of the splits that count; INT64_MAX: none,
                            * INT64_MIN: a pending split without rows holds the watermark */
    int npending;          /* splits pending (sl_window_op_pending) */
    int64_t split_snap_at; /* when the last settling snapshot was taken; INT64_MIN: never */
    bool have_rows;
    bool have_arrival;
    int64_t last_arrival;
    int64_t seq; /* rows pushed so far: arrival numbers */
    int64_t late_rows, future_rows, groups;
    bool flushed;
    /* Checkpoint generations: a group found by a push is stamped with gen;
     * a delta holds the groups stamped after saved_gen, the generation of
     * the last checkpoint the catalog committed (pending_gen until then). */
    uint32_t gen, pending_gen, saved_gen;

    /* per-push scratch, grown to the largest batch */
    int scratch_cap;
    int32_t *rows;
    int64_t *wms; /* the watermark right after each accepted row */
    int64_t *starts;
    sl_agg_state **states;
    int hash_cap;
    uint64_t *hashes;

    /* emission */
    sl_vector *slices; /* views of a batch pushed in slices */
    sl_witem *items;
    int nitems, capitems;
    sl_batch *out;
};

/* ---- helpers ---- */

static int64_t sl_sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t sl_sat_sub(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return b > 0 ? INT64_MIN : INT64_MAX;
    return r;
}

/* floor(t / size) * size, for negative t too. */
static int64_t sl_floor_to(int64_t t, int64_t size)
{
    int64_t r = t % size;
    if (r < 0)
        r += size;
    return t - r;
}

static sl_agg_state *entry_states(const sl_window_op *w, const sl_wentry *e)
{
    return (sl_agg_state *)((char *)e + w->states_off);
}

static sl_status sl_max_groups_error(const sl_window_op *w, sl_error *err)
{
    sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "query exceeds max_groups_per_query (%lld)",
                 (long long)w->cfg.max_groups);
    sl_error_hint(err, "Use fewer groups or shorter windows, or raise max_groups_per_query.");
    return SL_ERROR;
}

/* ---- creation ---- */

sl_window_op *sl_window_op_new(sl_mcxt *cx, const sl_query_desc *q, const sl_window_config *cfg)
{
    sl_mcxt *wcx = sl_mcxt_create(cx, "group tables and windows");
    sl_window_op *w = sl_pnew(wcx, sl_window_op);

    w->cx = wcx;
    w->q = q;
    w->cfg = *cfg;
    w->gen = 1;
    w->lateness = q->watermark_us > 0 ? q->watermark_us : 0;
    w->kind = SL_WK_GLOBAL;
    if (q->window != NULL) {
        int64_t size = q->window->size_us > 0 ? q->window->size_us : 1;
        switch (q->window->kind) {
        case SL_WINDOW_TUMBLING:
            w->kind = SL_WK_TUMBLING;
            w->size = w->slide = size;
            break;
        case SL_WINDOW_HOPPING:
            w->kind = SL_WK_HOPPING;
            w->size = size;
            w->slide = q->window->slide_us > 0 ? q->window->slide_us : size;
            if (w->slide == w->size)
                w->kind = SL_WK_TUMBLING;
            break;
        case SL_WINDOW_SESSION:
            w->kind = SL_WK_SESSION;
            w->gap = size;
            break;
        }
    }
    w->nkeys = q->nkeys;
    w->key_types = q->agg_schema->types + 2;
    sl_agg_pool_init(&w->pool, wcx);
    w->aggs = sl_aggs_new(wcx, q, &w->pool);
    w->states_off = sizeof(sl_wentry) + sizeof(sl_wkey) * (size_t)w->nkeys;
    w->states_off = (w->states_off + 7) & ~(size_t)7;
    w->entry_size = w->states_off;
    if (w->kind != SL_WK_SESSION)
        w->entry_size += sizeof(sl_agg_state) * (size_t)q->naggs;
    w->session_size = sizeof(sl_wsession) + sizeof(sl_agg_state) * (size_t)q->naggs;
    w->watermark = INT64_MIN;
    w->max_event = INT64_MIN;
    w->split_min = INT64_MAX;
    w->split_snap_at = INT64_MIN;
    w->min_end = INT64_MAX;
    w->out = sl_batch_new(wcx, q->agg_schema, SL_BATCH_ROWS);
    return w;
}

void sl_window_op_free(sl_window_op *w)
{
    if (w != NULL)
        sl_mcxt_delete(w->cx);
}

/* ---- hash tables of groups ---- */

static void table_init(sl_window_op *w, sl_wtable *t)
{
    t->cap = 16;
    t->n = 0;
    t->buckets = sl_agg_pool_alloc(&w->pool, sizeof(sl_wentry *) * t->cap);
    memset(t->buckets, 0, sizeof(sl_wentry *) * t->cap);
}

static void table_grow(sl_window_op *w, sl_wtable *t)
{
    uint32_t ncap = t->cap * 2;
    sl_wentry **nb = sl_agg_pool_alloc(&w->pool, sizeof(sl_wentry *) * ncap);

    memset(nb, 0, sizeof(sl_wentry *) * ncap);
    for (uint32_t i = 0; i < t->cap; i++) {
        sl_wentry *e = t->buckets[i];
        while (e != NULL) {
            sl_wentry *next = e->next;
            uint32_t b = (uint32_t)e->hash & (ncap - 1);
            e->next = nb[b];
            nb[b] = e;
            e = next;
        }
    }
    sl_agg_pool_free(&w->pool, t->buckets, sizeof(sl_wentry *) * t->cap);
    t->buckets = nb;
    t->cap = ncap;
}

/* Hash of every row's key values, column by column. */
static void hash_keys(sl_window_op *w, int nrows, const sl_vector *keys)
{
    uint64_t *h = w->hashes;
    const uint64_t k1 = UINT64_C(0x9e3779b97f4a7c15);

    memset(h, 0, sizeof(uint64_t) * (size_t)nrows);
    for (int c = 0; c < w->nkeys; c++) {
        const sl_vector *v = &keys[c];
        const uint8_t *nulls = v->nulls;
        switch (v->type) {
        case SL_TYPE_TEXT:
            for (int i = 0; i < nrows; i++) {
                const sl_text *t = &v->v.text[i];
                h[i] = (h[i] ^ (nulls[i] ? 0x5bd1e995 : sl_hash_bytes(t->ptr, (size_t)t->len, 3))) * k1;
            }
            break;
        case SL_TYPE_BOOL:
            for (int i = 0; i < nrows; i++)
                h[i] = (h[i] ^ (nulls[i] ? 0x5bd1e995 : (uint64_t)v->v.b[i] + 1)) * k1;
            break;
        case SL_TYPE_DOUBLE:
            for (int i = 0; i < nrows; i++) {
                double d = v->v.f64[i] == 0.0 ? 0.0 : v->v.f64[i]; /* -0.0 groups with 0.0 */
                uint64_t bits;
                memcpy(&bits, &d, 8);
                h[i] = (h[i] ^ (nulls[i] ? 0x5bd1e995 : sl_hash_mix(bits))) * k1;
            }
            break;
        default:
            for (int i = 0; i < nrows; i++)
                h[i] = (h[i] ^ (nulls[i] ? 0x5bd1e995 : sl_hash_mix((uint64_t)v->v.i64[i]))) * k1;
            break;
        }
    }
    /* the products above carry entropy upwards; buckets use the low bits */
    for (int i = 0; i < nrows; i++)
        h[i] ^= h[i] >> 31;
}

/* Equal bytes; short keys without a call to memcmp. */
static inline bool text_equal(const char *a, const char *b, int32_t len)
{
    if (len >= 4 && len <= 8) {
        uint32_t a0, a1, b0, b1;
        memcpy(&a0, a, 4);
        memcpy(&b0, b, 4);
        memcpy(&a1, a + len - 4, 4);
        memcpy(&b1, b + len - 4, 4);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    if (len < 4) {
        for (int32_t i = 0; i < len; i++)
            if (a[i] != b[i])
                return false;
        return true;
    }
    return memcmp(a, b, (size_t)len) == 0;
}

static bool keys_equal(const sl_window_op *w, const sl_wentry *e, const sl_vector *keys, int r)
{
    for (int c = 0; c < w->nkeys; c++) {
        const sl_vector *v = &keys[c];
        const sl_wkey *k = &e->keys[c];
        if (v->nulls[r] || k->null) {
            if (!(v->nulls[r] && k->null))
                return false;
            continue;
        }
        switch (v->type) {
        case SL_TYPE_TEXT:
            if (k->v.len != v->v.text[r].len || !text_equal(k->v.u.ptr, v->v.text[r].ptr, k->v.len))
                return false;
            break;
        case SL_TYPE_BOOL:
            if (k->v.u.b != v->v.b[r])
                return false;
            break;
        case SL_TYPE_DOUBLE:
            if (!(k->v.u.f64 == v->v.f64[r]))
                return false;
            break;
        default:
            if (k->v.u.i64 != v->v.i64[r])
                return false;
            break;
        }
    }
    return true;
}

/* The entry of row r's group in t, created when new (NULL when *nw_count
 * would pass max_groups: the caller reports it). */
static sl_wentry *table_lookup(sl_window_op *w, sl_wtable *t, const sl_vector *keys, int r, bool count_group)
{
    uint64_t h = w->hashes[r];
    sl_wentry *e;

    for (e = t->buckets[(uint32_t)h & (t->cap - 1)]; e != NULL; e = e->next)
        if (e->hash == h && keys_equal(w, e, keys, r)) {
            e->gen = w->gen;
            return e;
        }
    if (count_group) {
        if (w->cfg.max_groups > 0 && w->groups >= w->cfg.max_groups)
            return NULL;
        w->groups++;
    }
    if (t->n >= (int64_t)t->cap)
        table_grow(w, t);
    e = sl_agg_pool_alloc(&w->pool, w->entry_size);
    e->hash = h;
    e->gen = w->gen;
    e->sessions = NULL;
    for (int c = 0; c < w->nkeys; c++) {
        const sl_vector *v = &keys[c];
        sl_wkey *k = &e->keys[c];
        memset(k, 0, sizeof(*k));
        k->null = v->nulls[r] != 0;
        if (k->null)
            continue;
        switch (v->type) {
        case SL_TYPE_TEXT: {
            int32_t len = v->v.text[r].len;
            size_t cap = sl_agg_pool_chunk((size_t)(len > 0 ? len : 1));
            char *copy = sl_agg_pool_alloc(&w->pool, cap);
            memcpy(copy, v->v.text[r].ptr, (size_t)len);
            k->v.u.ptr = copy;
            k->v.len = len;
            k->v.cap = (int32_t)cap;
            break;
        }
        case SL_TYPE_BOOL:
            k->v.u.b = v->v.b[r];
            break;
        case SL_TYPE_DOUBLE:
            k->v.u.f64 = v->v.f64[r] == 0.0 ? 0.0 : v->v.f64[r];
            break;
        default:
            k->v.u.i64 = v->v.i64[r];
            break;
        }
    }
    if (w->kind != SL_WK_SESSION)
        sl_aggs_init(w->aggs, entry_states(w, e));
    {
        uint32_t b = (uint32_t)h & (t->cap - 1);
        e->next = t->buckets[b];
        t->buckets[b] = e;
    }
    t->n++;
    return e;
}

static void entry_free(sl_window_op *w, sl_wentry *e)
{
    for (int c = 0; c < w->nkeys; c++)
        if (!e->keys[c].null && e->keys[c].v.cap > 0)
            sl_agg_pool_free(&w->pool, (void *)e->keys[c].v.u.ptr, (size_t)e->keys[c].v.cap);
    if (w->kind != SL_WK_SESSION)
        sl_aggs_release(w->aggs, entry_states(w, e));
    sl_agg_pool_free(&w->pool, e, w->entry_size);
}

/* ---- tumbling / hopping / global windows ---- */

static sl_wwin *window_get(sl_window_op *w, int64_t start)
{
    int lo = 0, hi = w->nwins;
    sl_wwin *win;

    if (w->last_win != NULL && w->last_win->start == start)
        return w->last_win;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (w->wins[mid]->start < start)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < w->nwins && w->wins[lo]->start == start) {
        w->last_win = w->wins[lo];
        return w->last_win;
    }
    if (w->nwins == w->capwins) {
        int ncap = w->capwins ? w->capwins * 2 : 8;
        sl_wwin **nw = sl_palloc(w->cx, sizeof(sl_wwin *) * (size_t)ncap);
        if (w->nwins > 0)
            memcpy(nw, w->wins, sizeof(sl_wwin *) * (size_t)w->nwins);
        w->wins = nw; /* the old array stays in cx: growth is bounded by the peak */
        w->capwins = ncap;
    }
    win = sl_agg_pool_alloc(&w->pool, sizeof(sl_wwin));
    win->start = start;
    win->end = w->kind == SL_WK_GLOBAL ? start : sl_sat_add(start, w->size);
    table_init(w, &win->groups);
    memmove(&w->wins[lo + 1], &w->wins[lo], sizeof(sl_wwin *) * (size_t)(w->nwins - lo));
    w->wins[lo] = win;
    w->nwins++;
    w->last_win = win;
    return win;
}

static void window_free(sl_window_op *w, sl_wwin *win)
{
    for (uint32_t i = 0; i < win->groups.cap; i++) {
        sl_wentry *e = win->groups.buckets[i];
        while (e != NULL) {
            sl_wentry *next = e->next;
            entry_free(w, e);
            e = next;
        }
    }
    w->groups -= win->groups.n;
    sl_agg_pool_free(&w->pool, win->groups.buckets, sizeof(sl_wentry *) * win->groups.cap);
    sl_agg_pool_free(&w->pool, win, sizeof(sl_wwin));
    if (w->last_win == win)
        w->last_win = NULL;
}

/* ---- emission ---- */

static void items_reserve(sl_window_op *w, int64_t more)
{
    if (w->nitems + more <= w->capitems)
        return;
    int64_t ncap = w->capitems ? w->capitems : 64;
    while (ncap < w->nitems + more)
        ncap *= 2;
    sl_witem *ni = sl_palloc(w->cx, sizeof(sl_witem) * (size_t)ncap);
    if (w->nitems > 0)
        memcpy(ni, w->items, sizeof(sl_witem) * (size_t)w->nitems);
    w->items = ni;
    w->capitems = (int)ncap;
}

static void items_add(sl_window_op *w, int64_t start, int64_t end, const sl_wentry *e,
                      const sl_agg_state *states)
{
    sl_witem *it;

    items_reserve(w, 1);
    it = &w->items[w->nitems++];
    it->start = start;
    it->end = end;
    it->entry = e;
    it->states = states;
}

static int key_cmp(sl_type type, const sl_wkey *a, const sl_wkey *b)
{
    if (a->null || b->null)
        return (int)a->null - (int)b->null; /* NULLs last */
    switch (type) {
    case SL_TYPE_TEXT: {
        int32_t n = a->v.len < b->v.len ? a->v.len : b->v.len;
        int c = n > 0 ? memcmp(a->v.u.ptr, b->v.u.ptr, (size_t)n) : 0;
        if (c != 0)
            return c < 0 ? -1 : 1;
        return (a->v.len > b->v.len) - (a->v.len < b->v.len);
    }
    case SL_TYPE_DOUBLE:
        return (a->v.u.f64 > b->v.u.f64) - (a->v.u.f64 < b->v.u.f64);
    case SL_TYPE_BOOL:
        return (int)a->v.u.b - (int)b->v.u.b;
    default:
        return (a->v.u.i64 > b->v.u.i64) - (a->v.u.i64 < b->v.u.i64);
    }
}

static int item_cmp(const void *pa, const void *pb, void *arg)
{
    const sl_window_op *w = arg;
    const sl_witem *a = pa, *b = pb;

    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->entry == NULL || b->entry == NULL)
        return 0;
    for (int c = 0; c < w->nkeys; c++) {
        int r = key_cmp(w->key_types[c], &a->entry->keys[c], &b->entry->keys[c]);
        if (r != 0)
            return r;
    }
    return 0;
}

/* Sorts the collected items and sends them to emit in batches. */
static sl_status items_emit(sl_window_op *w, sl_window_emit_fn emit, void *emit_arg, sl_error *err)
{
    sl_batch *b = w->out;
    bool global = w->kind == SL_WK_GLOBAL;
    sl_status st = SL_OK;

    if (w->nitems == 0)
        return SL_OK;
    qsort_r(w->items, (size_t)w->nitems, sizeof(sl_witem), item_cmp, w);
    sl_batch_reset(b);
    for (int i = 0; i < w->nitems; i++) {
        const sl_witem *it = &w->items[i];
        int row = b->nrows;
        b->cols[0].nulls[row] = global;
        b->cols[1].nulls[row] = global;
        b->cols[0].v.i64[row] = global ? 0 : it->start;
        b->cols[1].v.i64[row] = global ? 0 : it->end;
        for (int c = 0; c < w->nkeys; c++) {
            sl_vector *v = &b->cols[2 + c];
            const sl_wkey *k = &it->entry->keys[c];
            v->nulls[row] = k->null;
            if (k->null)
                continue;
            switch (v->type) {
            case SL_TYPE_TEXT:
                v->v.text[row] = sl_batch_text(b, k->v.u.ptr, k->v.len);
                break;
            case SL_TYPE_BOOL:
                v->v.b[row] = k->v.u.b;
                break;
            case SL_TYPE_DOUBLE:
                v->v.f64[row] = k->v.u.f64;
                break;
            default:
                v->v.i64[row] = k->v.u.i64;
                break;
            }
        }
        for (int k = 0; k < w->aggs->n; k++)
            sl_aggs_final(w->aggs, k, it->states, &b->cols[2 + w->nkeys + k], row, b);
        b->event_time[row] = global ? 0 : it->end;
        b->nrows++;
        if (b->nrows == b->capacity || i == w->nitems - 1) {
            st = emit(emit_arg, b, err);
            sl_batch_reset(b);
            if (st != SL_OK)
                break;
        }
    }
    w->nitems = 0;
    return st;
}

/* Emits and frees the windows with end <= limit (all of them when all). */
static sl_status emit_windows(sl_window_op *w, int64_t limit, bool all, sl_window_emit_fn emit,
                              void *emit_arg, sl_error *err)
{
    int nclose = 0;
    sl_status st;

    while (nclose < w->nwins && (all || w->wins[nclose]->end <= limit))
        nclose++;
    if (nclose == 0)
        return SL_OK;
    w->nitems = 0;
    for (int i = 0; i < nclose; i++) {
        sl_wwin *win = w->wins[i];
        items_reserve(w, win->groups.n);
        for (uint32_t b = 0; b < win->groups.cap; b++)
            for (sl_wentry *e = win->groups.buckets[b]; e != NULL; e = e->next)
                items_add(w, win->start, win->end, e, entry_states(w, e));
    }
    st = items_emit(w, emit, emit_arg, err);
    /* Freed even when emit failed: a window is never emitted twice. */
    for (int i = 0; i < nclose; i++)
        window_free(w, w->wins[i]);
    memmove(&w->wins[0], &w->wins[nclose], sizeof(sl_wwin *) * (size_t)(w->nwins - nclose));
    w->nwins -= nclose;
    return st;
}

/* Emits and frees the sessions with end <= limit (all of them when all). */
static sl_status emit_sessions(sl_window_op *w, int64_t limit, bool all, sl_window_emit_fn emit,
                               void *emit_arg, sl_error *err)
{
    sl_wtable *t = &w->keytab;
    int64_t min_end = INT64_MAX;
    sl_status st;

    if (!all && limit < w->min_end)
        return SL_OK;
    if (t->buckets == NULL)
        return SL_OK;
    w->nitems = 0;
    for (uint32_t b = 0; b < t->cap; b++)
        for (sl_wentry *e = t->buckets[b]; e != NULL; e = e->next)
            for (sl_wsession *s = e->sessions; s != NULL; s = s->next) {
                int64_t end = sl_sat_add(s->last, w->gap);
                if (all || end <= limit)
                    items_add(w, s->start, end, e, s->states);
                else if (end < min_end)
                    min_end = end;
            }
    w->min_end = min_end;
    st = items_emit(w, emit, emit_arg, err);
    for (uint32_t b = 0; b < t->cap; b++) {
        sl_wentry **pe = &t->buckets[b];
        while (*pe != NULL) {
            sl_wentry *e = *pe;
            sl_wsession **ps = &e->sessions;
            while (*ps != NULL) {
                sl_wsession *s = *ps;
                if (all || sl_sat_add(s->last, w->gap) <= limit) {
                    *ps = s->next;
                    sl_aggs_release(w->aggs, s->states);
                    sl_agg_pool_free(&w->pool, s, w->session_size);
                    w->nsessions--;
                    w->groups--;
                } else {
                    ps = &s->next;
                }
            }
            if (e->sessions == NULL) {
                *pe = e->next;
                entry_free(w, e);
                t->n--;
            } else {
                pe = &e->next;
            }
        }
    }
    return st;
}

static sl_status emit_closed(sl_window_op *w, sl_window_emit_fn emit, void *emit_arg, sl_error *err)
{
    if (w->watermark == INT64_MIN)
        return SL_OK;
    switch (w->kind) {
    case SL_WK_GLOBAL:
        return SL_OK;
    case SL_WK_SESSION:
        return emit_sessions(w, w->watermark, false, emit, emit_arg, err);
    default:
        return emit_windows(w, w->watermark, false, emit, emit_arg, err);
    }
}

/* ---- push ---- */

static void scratch_reserve(sl_window_op *w, int nrows, int64_t per_row)
{
    int64_t need = (int64_t)nrows * per_row;

    if (nrows > w->hash_cap) {
        w->hash_cap = nrows;
        w->hashes = sl_palloc(w->cx, sizeof(uint64_t) * (size_t)nrows);
    }
    if (need > w->scratch_cap) {
        w->scratch_cap = (int)need;
        w->rows = sl_palloc(w->cx, sizeof(int32_t) * (size_t)need);
        w->wms = sl_palloc(w->cx, sizeof(int64_t) * (size_t)need);
        w->starts = sl_palloc(w->cx, sizeof(int64_t) * (size_t)need);
        w->states = sl_palloc(w->cx, sizeof(sl_agg_state *) * (size_t)need);
    }
}

/* Adds accepted row r to the sessions of its group (merging those it bridges). */
static sl_status session_add(sl_window_op *w, int r, const int64_t *event_time, const sl_vector *args,
                             const sl_vector *keys, int64_t seq_base, sl_error *err)
{
    int64_t t = event_time[r];
    int64_t hi = sl_sat_add(t, w->gap);
    sl_wentry *e;
    sl_wsession *target = NULL, **ps;
    int32_t row = r;

    if (w->keytab.buckets == NULL)
        table_init(w, &w->keytab);
    e = table_lookup(w, &w->keytab, keys, r, false);
    ps = &e->sessions;
    while (*ps != NULL) {
        sl_wsession *s = *ps;
        if (s->start < hi && t < sl_sat_add(s->last, w->gap)) {
            if (target == NULL) {
                target = s;
                ps = &s->next;
            } else {
                /* The row bridges target and s: one session now. */
                if (s->start < target->start)
                    target->start = s->start;
                if (s->last > target->last)
                    target->last = s->last;
                sl_aggs_merge(w->aggs, target->states, s->states);
                *ps = s->next;
                sl_agg_pool_free(&w->pool, s, w->session_size);
                w->nsessions--;
                w->groups--;
            }
            continue;
        }
        if (s->start >= hi)
            break; /* sorted by start: no later session overlaps */
        ps = &s->next;
    }
    if (target == NULL) {
        if (w->cfg.max_groups > 0 && w->groups >= w->cfg.max_groups) {
            if (e->sessions == NULL) {
                /* drop the group entry just made for this row */
                sl_wentry **pe = &w->keytab.buckets[(uint32_t)e->hash & (w->keytab.cap - 1)];
                while (*pe != e)
                    pe = &(*pe)->next;
                *pe = e->next;
                entry_free(w, e);
                w->keytab.n--;
            }
            return SL_RETRY; /* the caller may make room, else reports it */
        }
        target = sl_agg_pool_alloc(&w->pool, w->session_size);
        target->start = target->last = t;
        target->entry = e;
        sl_aggs_init(w->aggs, target->states);
        for (ps = &e->sessions; *ps != NULL && (*ps)->start < t; ps = &(*ps)->next)
            ;
        target->next = *ps;
        *ps = target;
        w->nsessions++;
        w->groups++;
        if (hi < w->min_end)
            w->min_end = hi;
    } else {
        if (t < target->start)
            target->start = t;
        if (t > target->last)
            target->last = t;
    }
    {
        sl_agg_state *st = target->states;
        for (int k = 0; k < w->aggs->n; k++)
            sl_aggs_update(w->aggs, k, &args[k], 1, &row, &st, event_time, seq_base);
    }
    return SL_OK;
}

static bool split_active(const sl_window_op *w, const sl_wsplit *sp, int64_t arrival_us)
{
    return sp->seen && (sp->pending || w->cfg.idle_timeout_us < 0 ||
                        sl_sat_sub(arrival_us, sp->last_arrival) <= w->cfg.idle_timeout_us);
}

/* Settling snapshots (see the top): what was snapshotted at least
 * split_settle_us ago becomes what the watermark uses. */
static void splits_settle(sl_window_op *w, int64_t now_us)
{
    bool instant = w->cfg.split_settle_us <= 0;

    /* A wall clock set back (now before the last snapshot) takes a new
     * one rather than stall the watermark until it catches up. */
    if (!instant && w->split_snap_at != INT64_MIN && now_us >= w->split_snap_at &&
        sl_sat_sub(now_us, w->split_snap_at) < w->cfg.split_settle_us)
        return;
    for (int s = 0; s < w->nsplits; s++) {
        sl_wsplit *sp = &w->splits[s];
        sp->settled_max = instant ? sp->max_event : sp->snap_max;
        sp->settled_seen = instant ? sp->seen : sp->snap_seen;
        sp->snap_max = sp->max_event;
        sp->snap_seen = sp->seen;
    }
    w->split_snap_at = now_us;
}

/* The smallest settled max event time of the splits that count at
 * arrival_us (the table at the top); INT64_MIN when a split holds it. */
static void splits_recompute(sl_window_op *w, int64_t arrival_us)
{
    splits_settle(w, arrival_us);
    w->split_min = INT64_MAX;
    for (int s = 0; s < w->nsplits; s++) {
        const sl_wsplit *sp = &w->splits[s];
        bool counts = sp->seen ? split_active(w, sp, arrival_us) : sp->pending;
        if (!counts)
            continue;
        if (!sp->settled_seen) {
            w->split_min = INT64_MIN;
            return;
        }
        if (sp->settled_max < w->split_min)
            w->split_min = sp->settled_max;
    }
}

/* Makes room for split ids below need (at most SL_WINDOW_MAX_SPLITS). */
static void splits_grow(sl_window_op *w, int need)
{
    if (need > SL_WINDOW_MAX_SPLITS)
        need = SL_WINDOW_MAX_SPLITS;
    if (need > w->nsplits) {
        sl_wsplit *ns = sl_pzalloc(w->cx, sizeof(sl_wsplit) * (size_t)need);
        if (w->nsplits > 0)
            memcpy(ns, w->splits, sizeof(sl_wsplit) * (size_t)w->nsplits);
        w->splits = ns;
        w->nsplits = need;
    }
}

/* Makes room for the split ids of a push; ids out of range become the last. */
static void splits_reserve(sl_window_op *w, int nrows, const int32_t *split)
{
    int need = w->nsplits;

    for (int i = 0; i < nrows; i++) {
        int s = split[i] < 0 || split[i] >= SL_WINDOW_MAX_SPLITS ? SL_WINDOW_MAX_SPLITS - 1 : split[i];
        if (s + 1 > need)
            need = s + 1;
    }
    splits_grow(w, need);
}

/* Moves the watermark up to the aligned one (never back). */
static void splits_apply(sl_window_op *w)
{
    if (w->split_min != INT64_MAX) {
        int64_t wm = sl_sat_sub(w->split_min, w->lateness);
        if (wm > w->watermark)
            w->watermark = wm;
    }
}

void sl_window_op_pending(sl_window_op *w, int nsplits, const bool *pending)
{
    splits_grow(w, nsplits);
    w->npending = 0;
    for (int s = 0; s < w->nsplits; s++) {
        w->splits[s].pending = s < nsplits && pending[s];
        w->npending += w->splits[s].pending;
    }
}

/* A row of split s (event time t) was accepted. */
static inline void split_accept(sl_window_op *w, int s, int64_t t, int64_t arrival_us)
{
    sl_wsplit *sp = &w->splits[s];

    if (!sp->seen || t > sp->max_event)
        sp->max_event = t;
    sp->seen = true;
    sp->last_arrival = arrival_us;
}

/* The end of a push: with splits, the watermark the batch's rows allow;
 * then the windows it closed. */
static sl_status push_done(sl_window_op *w, bool splits, int64_t arrival_us, sl_window_emit_fn emit,
                           void *emit_arg, sl_error *err)
{
    if (splits) {
        splits_recompute(w, arrival_us);
        splits_apply(w);
    }
    return emit_closed(w, emit, emit_arg, err);
}

static sl_status window_push(sl_window_op *w, int nrows, const int64_t *event_time, const int32_t *split,
                             int64_t arrival_us, const sl_vector *keys, const sl_vector *args,
                             sl_window_emit_fn emit, void *emit_arg, sl_error *err)
{
    int64_t per_row = 1;
    int64_t future_limit;
    int64_t seq_base = w->seq;
    int m = 0, base = 0;
    bool check_late = w->kind != SL_WK_GLOBAL;

    if (nrows <= 0)
        return SL_OK;
    w->seq += nrows;
    w->have_arrival = true;
    w->last_arrival = arrival_us;
    if (split != NULL) {
        splits_reserve(w, nrows, split);
        /* The watermark stays what the last push or tick left (when every
         * split with rows in this batch was pending or counted): the
         * batch's rows are judged against it, then it moves at the end. */
    }
    if (w->kind == SL_WK_HOPPING)
        per_row = (w->size + w->slide - 1) / w->slide;
    scratch_reserve(w, nrows, per_row);
    future_limit = w->cfg.max_future_us < 0 ? INT64_MAX : sl_sat_add(arrival_us, w->cfg.max_future_us);

    /* (2) future and late rows, the watermark */
    for (int i = 0; i < nrows; i++) {
        int64_t t = event_time[i];
        if (t > future_limit) {
            w->future_rows++;
            continue;
        }
        if (check_late && t < w->watermark) {
            w->late_rows++;
            continue;
        }
        if (split != NULL) {
            int sid = split[i] < 0 || split[i] >= SL_WINDOW_MAX_SPLITS ? SL_WINDOW_MAX_SPLITS - 1 : split[i];
            if (t > w->max_event || !w->have_rows) {
                w->max_event = t;
                w->have_rows = true;
            }
            split_accept(w, sid, t, arrival_us);
        } else if (t > w->max_event || !w->have_rows) {
            int64_t wm = sl_sat_sub(t, w->lateness);
            w->max_event = t;
            w->have_rows = true;
            if (wm > w->watermark)
                w->watermark = wm;
        }
        w->wms[m] = w->watermark;
        w->rows[m++] = i;
    }
    if (m == 0)
        return push_done(w, split != NULL, arrival_us, emit, emit_arg, err);

    /* (1) group hashes (only when grouping) */
    if (w->nkeys > 0)
        hash_keys(w, nrows, keys);
    else
        memset(w->hashes, 0, sizeof(uint64_t) * (size_t)nrows);

    if (w->kind == SL_WK_SESSION) {
        for (int j = 0; j < m; j++) {
            sl_status st = session_add(w, w->rows[j], event_time, args, keys, seq_base, err);
            if (st == SL_RETRY) {
                /* Over max_groups: first emit what the watermark of this row
                 * already closed (no later row can join those sessions). */
                st = emit_sessions(w, w->wms[j], false, emit, emit_arg, err);
                if (st != SL_OK)
                    return st;
                st = session_add(w, w->rows[j], event_time, args, keys, seq_base, err);
                if (st == SL_RETRY)
                    return sl_max_groups_error(w, err);
            }
            if (st != SL_OK)
                return st;
        }
        return push_done(w, split != NULL, arrival_us, emit, emit_arg, err);
    }

    /* (3) window and group state of each row (hopping: of each (row, window)) */
    if (w->kind == SL_WK_HOPPING) {
        int n = m;
        /* keep the accepted rows at the tail: the expansion never catches up with them */
        int32_t *acc = w->rows + (w->scratch_cap - m);
        int64_t *accw = w->wms + (w->scratch_cap - m);
        memmove(acc, w->rows, sizeof(int32_t) * (size_t)m);
        memmove(accw, w->wms, sizeof(int64_t) * (size_t)m);
        m = 0;
        for (int j = 0; j < n; j++) {
            int r = acc[j];
            int64_t t = event_time[r], wm = accw[j];
            for (int64_t s = sl_floor_to(t, w->slide); s > t - w->size; s -= w->slide) {
                w->starts[m] = s;
                w->wms[m] = wm;
                w->rows[m++] = r;
            }
        }
    } else if (w->kind == SL_WK_TUMBLING) {
        /* consecutive rows mostly share a window: divide only on a change */
        int64_t lo = 1, hi = 0;
        for (int j = 0; j < m; j++) {
            int64_t t = event_time[w->rows[j]];
            if (t < lo || t >= hi) {
                lo = sl_floor_to(t, w->size);
                hi = sl_sat_add(lo, w->size);
            }
            w->starts[j] = lo;
        }
    } else {
        for (int j = 0; j < m; j++)
            w->starts[j] = 0;
    }
    for (int j = 0; j < m; j++) {
        sl_wwin *win = w->last_win;
        sl_wentry *e;
        if (win == NULL || win->start != w->starts[j])
            win = window_get(w, w->starts[j]);
        e = table_lookup(w, &win->groups, keys, w->rows[j], true);
        if (e == NULL && w->kind == SL_WK_GLOBAL)
            /* Without WINDOW the one window closes only at the end of the
             * source: emitting it early would repeat its groups with partial
             * states, so the limit fails the query as it does for windows. */
            return sl_max_groups_error(w, err);
        if (e == NULL) {
            /* Over max_groups: aggregate the rows placed so far, emit the
             * windows the watermark of row j already closed (they hold none
             * of rows j.. since those were not late), and try again. */
            sl_status st;
            for (int k = 0; k < w->aggs->n; k++)
                sl_aggs_update(w->aggs, k, &args[k], j - base, w->rows + base, w->states + base, event_time,
                               seq_base);
            base = j;
            st = emit_windows(w, w->wms[j], false, emit, emit_arg, err);
            if (st != SL_OK)
                return st;
            win = window_get(w, w->starts[j]);
            e = table_lookup(w, &win->groups, keys, w->rows[j], true);
            if (e == NULL)
                return sl_max_groups_error(w, err);
        }
        w->states[j] = entry_states(w, e);
    }

    /* (4) the aggregates, one typed loop each */
    for (int k = 0; k < w->aggs->n; k++)
        sl_aggs_update(w->aggs, k, &args[k], m - base, w->rows + base, w->states + base, event_time,
                       seq_base);

    return push_done(w, split != NULL, arrival_us, emit, emit_arg, err);
}

/* ---- tick, flush, stats ---- */

sl_status sl_window_op_tick(sl_window_op *w, int64_t now_us, sl_window_emit_fn emit, void *emit_arg,
                            sl_error *err)
{
    int64_t idle;

    if (w->kind == SL_WK_GLOBAL)
        return SL_OK;
    if (w->nsplits > 0) {
        /* Splits may have become idle, or caught up, since the last push. */
        splits_recompute(w, now_us);
        splits_apply(w);
    }
    if (!w->have_rows || !w->have_arrival || w->cfg.idle_timeout_us < 0 || w->npending > 0)
        return emit_closed(w, emit, emit_arg, err);
    idle = sl_sat_sub(now_us, w->last_arrival);
    /* With splits, the last rows must have settled too (see the top). */
    if (idle > w->cfg.idle_timeout_us && (w->nsplits == 0 || idle >= w->cfg.split_settle_us)) {
        int64_t wm = sl_sat_add(sl_sat_sub(w->max_event, w->lateness), idle - w->cfg.idle_timeout_us);
        if (wm > w->watermark)
            w->watermark = wm;
    }
    return emit_closed(w, emit, emit_arg, err);
}

sl_status sl_window_op_flush(sl_window_op *w, sl_window_emit_fn emit, void *emit_arg, sl_error *err)
{
    sl_status st;

    if (w->kind == SL_WK_SESSION)
        return emit_sessions(w, 0, true, emit, emit_arg, err);
    if (w->kind == SL_WK_GLOBAL && w->nwins == 0 && w->nkeys == 0 && !w->flushed) {
        /* SQL: an aggregate without GROUP BY over no rows is one row. */
        sl_agg_state *empty =
            sl_palloc(w->cx, sizeof(sl_agg_state) * (size_t)(w->aggs->n > 0 ? w->aggs->n : 1));
        sl_aggs_init(w->aggs, empty);
        w->flushed = true;
        w->nitems = 0;
        items_add(w, 0, 0, NULL, empty);
        return items_emit(w, emit, emit_arg, err);
    }
    w->flushed = true;
    st = emit_windows(w, 0, true, emit, emit_arg, err);
    return st;
}

void sl_window_op_stats(const sl_window_op *w, sl_window_stats *out)
{
    out->late_rows = w->late_rows;
    out->future_rows = w->future_rows;
    out->open_windows = w->kind == SL_WK_SESSION ? w->nsessions : w->nwins;
    out->groups = w->groups;
    out->watermark_us = w->watermark;
    out->agg_errors = w->aggs->errors;
    out->state_bytes = (int64_t)sl_mcxt_bytes(w->cx);
}

/* A view of rows [off, ...) of vector v. */
static sl_vector vector_slice(const sl_vector *v, int off)
{
    sl_vector out = *v;

    out.nulls = v->nulls + off;
    switch (v->type) {
    case SL_TYPE_TEXT:
        out.v.text = v->v.text + off;
        break;
    case SL_TYPE_DOUBLE:
        out.v.f64 = v->v.f64 + off;
        break;
    case SL_TYPE_BOOL:
        out.v.b = v->v.b + off;
        break;
    default:
        out.v.i64 = v->v.i64 + off;
        break;
    }
    return out;
}

/* Hopping windows with many windows per row would need scratch of rows x
 * windows per row: such batches go in slices (the result is the same, the
 * watermark moving row by row). */
#define SL_WINDOW_MAX_EXPANDED 65536

sl_status sl_window_op_push(sl_window_op *w, int nrows, const int64_t *event_time, int64_t arrival_us,
                            const sl_vector *keys, const sl_vector *args, sl_window_emit_fn emit,
                            void *emit_arg, sl_error *err)
{
    return sl_window_op_push_split(w, nrows, event_time, NULL, arrival_us, keys, args, emit, emit_arg, err);
}

sl_status sl_window_op_push_split(sl_window_op *w, int nrows, const int64_t *event_time, const int32_t *split,
                                  int64_t arrival_us, const sl_vector *keys, const sl_vector *args,
                                  sl_window_emit_fn emit, void *emit_arg, sl_error *err)
{
    int64_t per_row;
    int chunk;
    sl_vector *sk, *sa;
    sl_status st = SL_OK;

    if (w->kind != SL_WK_HOPPING)
        return window_push(w, nrows, event_time, split, arrival_us, keys, args, emit, emit_arg, err);
    per_row = (w->size + w->slide - 1) / w->slide;
    if ((int64_t)nrows * per_row <= SL_WINDOW_MAX_EXPANDED)
        return window_push(w, nrows, event_time, split, arrival_us, keys, args, emit, emit_arg, err);
    chunk = (int)(SL_WINDOW_MAX_EXPANDED / per_row);
    if (chunk < 1)
        chunk = 1;
    if (w->slices == NULL)
        w->slices = sl_palloc(w->cx, sizeof(sl_vector) * (size_t)(w->nkeys + w->aggs->n + 1));
    sk = w->slices;
    sa = w->slices + w->nkeys;
    for (int off = 0; off < nrows && st == SL_OK; off += chunk) {
        int n = nrows - off < chunk ? nrows - off : chunk;
        for (int c = 0; c < w->nkeys; c++)
            sk[c] = vector_slice(&keys[c], off);
        for (int k = 0; k < w->aggs->n; k++)
            sa[k] = w->q->aggs[k].func == SL_AGG_COUNT_STAR ? args[k] : vector_slice(&args[k], off);
        st = window_push(w, n, event_time + off, split != NULL ? split + off : NULL, arrival_us, sk, sa, emit,
                         emit_arg, err);
    }
    return st;
}

/* ---- checkpoints ---- */

#define SL_WSTATE_MAGIC 0x31535753u /* "SWS1" little-endian */
/* A delta: what changed since the previous checkpoint (sl_window_op_save_delta). */
#define SL_WSTATE_DELTA_MAGIC 0x44535753u /* "SWSD" */
/* 2: the splits' max event times after the counters (1: none, still read) */
#define SL_WSTATE_VERSION 2

/* What the blob must agree on with the operator it is loaded into. */
static void save_shape(const sl_window_op *w, sl_ckpt_w *out)
{
    sl_ckpt_w_u8(out, (uint8_t)w->kind);
    sl_ckpt_w_i64(out, w->size);
    sl_ckpt_w_i64(out, w->slide);
    sl_ckpt_w_i64(out, w->gap);
    sl_ckpt_w_i64(out, w->lateness);
    sl_ckpt_w_u32(out, (uint32_t)w->nkeys);
    for (int c = 0; c < w->nkeys; c++)
        sl_ckpt_w_u8(out, (uint8_t)w->key_types[c]);
    sl_ckpt_w_u32(out, (uint32_t)w->aggs->n);
    for (int k = 0; k < w->aggs->n; k++) {
        const sl_agg_call *c = &w->aggs->calls[k];
        sl_ckpt_w_u8(out, (uint8_t)c->func);
        sl_ckpt_w_u8(out, c->distinct ? 1 : 0);
        sl_ckpt_w_u8(out, (uint8_t)c->result_type);
    }
}

static void save_keys(const sl_window_op *w, const sl_wentry *e, sl_ckpt_w *out)
{
    for (int c = 0; c < w->nkeys; c++) {
        const sl_wkey *k = &e->keys[c];
        sl_ckpt_w_u8(out, k->null ? 1 : 0);
        if (k->null)
            continue;
        switch (w->key_types[c]) {
        case SL_TYPE_TEXT:
            sl_ckpt_w_str(out, k->v.u.ptr, (size_t)k->v.len);
            break;
        case SL_TYPE_DOUBLE:
            sl_ckpt_w_f64(out, k->v.u.f64);
            break;
        case SL_TYPE_BOOL:
            sl_ckpt_w_u8(out, k->v.u.b ? 1 : 0);
            break;
        default:
            sl_ckpt_w_i64(out, k->v.u.i64);
            break;
        }
    }
}

/* What a full state and a delta both begin with after their magic: the
 * version, the shape, the clocks and counters, the splits. */
static void save_header(const sl_window_op *w, sl_ckpt_w *out)
{
    sl_ckpt_w_u32(out, SL_WSTATE_VERSION);
    save_shape(w, out);
    sl_ckpt_w_i64(out, w->watermark);
    sl_ckpt_w_i64(out, w->max_event);
    sl_ckpt_w_u8(out, w->have_rows ? 1 : 0);
    sl_ckpt_w_u8(out, w->have_arrival ? 1 : 0);
    sl_ckpt_w_u8(out, w->flushed ? 1 : 0);
    sl_ckpt_w_i64(out, w->seq);
    sl_ckpt_w_i64(out, w->late_rows);
    sl_ckpt_w_i64(out, w->future_rows);
    sl_ckpt_w_i64(out, w->aggs->errors);
    for (int k = 0; k < w->aggs->n; k++)
        sl_ckpt_w_u8(out, (uint8_t)w->aggs->arg_types[k]);
    sl_ckpt_w_u32(out, (uint32_t)w->nsplits);
    for (int sp = 0; sp < w->nsplits; sp++) {
        sl_ckpt_w_u8(out, w->splits[sp].seen ? 1 : 0);
        sl_ckpt_w_i64(out, w->splits[sp].max_event);
    }
}

void sl_window_op_save(sl_window_op *w, sl_ckpt_w *out)
{
    /* Whatever changes from now on belongs to the next checkpoint. */
    w->pending_gen = w->gen++;
    sl_ckpt_w_u32(out, SL_WSTATE_MAGIC);
    save_header(w, out);
    if (w->kind == SL_WK_SESSION) {
        const sl_wtable *t = &w->keytab;
        sl_ckpt_w_u32(out, (uint32_t)(t->buckets != NULL ? t->n : 0));
        for (uint32_t b = 0; t->buckets != NULL && b < t->cap; b++)
            for (const sl_wentry *e = t->buckets[b]; e != NULL; e = e->next) {
                uint32_t ns = 0;
                save_keys(w, e, out);
                for (const sl_wsession *s = e->sessions; s != NULL; s = s->next)
                    ns++;
                sl_ckpt_w_u32(out, ns);
                for (const sl_wsession *s = e->sessions; s != NULL; s = s->next) {
                    sl_ckpt_w_i64(out, s->start);
                    sl_ckpt_w_i64(out, s->last);
                    sl_aggs_save(w->aggs, s->states, out);
                }
            }
        return;
    }
    sl_ckpt_w_u32(out, (uint32_t)w->nwins);
    for (int i = 0; i < w->nwins; i++) {
        const sl_wwin *win = w->wins[i];
        sl_ckpt_w_i64(out, win->start);
        sl_ckpt_w_i64(out, win->end);
        sl_ckpt_w_u32(out, (uint32_t)win->groups.n);
        for (uint32_t b = 0; b < win->groups.cap; b++)
            for (const sl_wentry *e = win->groups.buckets[b]; e != NULL; e = e->next) {
                save_keys(w, e, out);
                sl_aggs_save(w->aggs, entry_states(w, e), out);
            }
    }
}

bool sl_window_op_save_delta(sl_window_op *w, sl_ckpt_w *out)
{
    if (w->kind == SL_WK_SESSION || w->saved_gen == 0)
        return false; /* sessions merge and move: always whole; and a delta needs a base */
    w->pending_gen = w->gen++;
    sl_ckpt_w_u32(out, SL_WSTATE_DELTA_MAGIC);
    save_header(w, out);
    /* Every open window (those of the base not listed have closed since),
     * with the groups that changed after the last committed checkpoint. */
    sl_ckpt_w_u32(out, (uint32_t)w->nwins);
    for (int i = 0; i < w->nwins; i++) {
        const sl_wwin *win = w->wins[i];
        uint32_t n = 0;
        for (uint32_t b = 0; b < win->groups.cap; b++)
            for (const sl_wentry *e = win->groups.buckets[b]; e != NULL; e = e->next)
                n += e->gen > w->saved_gen;
        sl_ckpt_w_i64(out, win->start);
        sl_ckpt_w_i64(out, win->end);
        sl_ckpt_w_u32(out, n);
        for (uint32_t b = 0; b < win->groups.cap; b++)
            for (const sl_wentry *e = win->groups.buckets[b]; e != NULL; e = e->next)
                if (e->gen > w->saved_gen) {
                    save_keys(w, e, out);
                    sl_aggs_save(w->aggs, entry_states(w, e), out);
                }
    }
    return true;
}

void sl_window_op_saved(sl_window_op *w)
{
    w->saved_gen = w->pending_gen;
}

/* Reads one group's keys into the one-row vectors keys (text pointing into
 * the blob) and hashes them as a push would. */
static void load_keys(sl_window_op *w, sl_vector *keys, sl_ckpt_r *r)
{
    for (int c = 0; c < w->nkeys && !r->bad; c++) {
        sl_vector *v = &keys[c];
        v->nulls[0] = sl_ckpt_r_bool(r) ? 1 : 0;
        if (v->nulls[0])
            continue;
        switch (w->key_types[c]) {
        case SL_TYPE_TEXT: {
            size_t len;
            v->v.text[0].ptr = sl_ckpt_r_str(r, &len);
            if (len > INT32_MAX)
                r->bad = true;
            v->v.text[0].len = (int32_t)len;
            break;
        }
        case SL_TYPE_DOUBLE:
            v->v.f64[0] = sl_ckpt_r_f64(r);
            break;
        case SL_TYPE_BOOL:
            v->v.b[0] = sl_ckpt_r_bool(r);
            break;
        default:
            v->v.i64[0] = sl_ckpt_r_i64(r);
            break;
        }
    }
    if (!r->bad)
        hash_keys(w, 1, keys);
}

static sl_status restore_corrupt(sl_error *err, const char *why)
{
    return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "window state is corrupt: %s", why);
}

/* A group of a tumbling/hopping/global window: its entry, new in table t. */
static sl_status restore_group(sl_window_op *w, sl_wtable *t, sl_vector *keys, sl_ckpt_r *r, sl_error *err)
{
    int64_t before = t->n;
    sl_wentry *e;

    load_keys(w, keys, r);
    if (r->bad)
        return restore_corrupt(err, "truncated group key");
    e = table_lookup(w, t, keys, 0, true);
    if (e == NULL)
        return sl_max_groups_error(w, err);
    if (t->n == before)
        return restore_corrupt(err, "a group appears twice in one window");
    if (!sl_aggs_load(w->aggs, entry_states(w, e), r))
        return restore_corrupt(err, "bad aggregate state");
    return SL_OK;
}

static sl_status restore_sessions(sl_window_op *w, sl_vector *keys, sl_ckpt_r *r, sl_error *err)
{
    uint32_t nent = sl_ckpt_r_count(r, INT32_MAX, 4);

    table_init(w, &w->keytab);
    for (uint32_t i = 0; i < nent && !r->bad; i++) {
        int64_t before = w->keytab.n;
        sl_wentry *e;
        sl_wsession **tail;
        uint32_t ns;
        int64_t prev_start = INT64_MIN;

        load_keys(w, keys, r);
        if (r->bad)
            break;
        e = table_lookup(w, &w->keytab, keys, 0, false);
        if (w->keytab.n == before)
            return restore_corrupt(err, "a group appears twice");
        ns = sl_ckpt_r_count(r, INT32_MAX, 16);
        if (ns == 0 && !r->bad)
            return restore_corrupt(err, "a group without sessions");
        tail = &e->sessions;
        for (uint32_t j = 0; j < ns && !r->bad; j++) {
            sl_wsession *s;
            int64_t start = sl_ckpt_r_i64(r), last = sl_ckpt_r_i64(r);

            if (r->bad)
                break;
            if (start > last || (j > 0 && start <= prev_start))
                return restore_corrupt(err, "sessions out of order");
            prev_start = start;
            if (w->cfg.max_groups > 0 && w->groups >= w->cfg.max_groups)
                return sl_max_groups_error(w, err);
            s = sl_agg_pool_alloc(&w->pool, w->session_size);
            s->start = start;
            s->last = last;
            s->entry = e;
            s->next = NULL;
            if (!sl_aggs_load(w->aggs, s->states, r)) {
                sl_agg_pool_free(&w->pool, s, w->session_size);
                return restore_corrupt(err, "bad aggregate state");
            }
            *tail = s;
            tail = &s->next;
            w->nsessions++;
            w->groups++;
            if (sl_sat_add(last, w->gap) < w->min_end)
                w->min_end = sl_sat_add(last, w->gap);
        }
    }
    if (r->bad)
        return restore_corrupt(err, "truncated session");
    return SL_OK;
}

/* Reads what save_header wrote; XX001 on a truncated blob or one of another shape. */
static sl_status restore_header(sl_window_op *w, sl_ckpt_r *r, sl_mcxt *tmp, int64_t now_us, sl_error *err)
{
    sl_ckpt_w shape;
    uint32_t version = sl_ckpt_r_u32(r);

    if (version != SL_WSTATE_VERSION && version != 1)
        return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED,
                            "window state has version %u, this build reads %d", version, SL_WSTATE_VERSION);
    /* The shape: the same bytes this operator would write. */
    sl_ckpt_w_init(&shape, tmp);
    save_shape(w, &shape);
    if (r->bad || (size_t)(r->end - r->p) < shape.len || memcmp(r->p, shape.data, shape.len) != 0)
        return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED,
                            "window state was saved for other windows or aggregates");
    r->p += shape.len;
    w->watermark = sl_ckpt_r_i64(r);
    w->max_event = sl_ckpt_r_i64(r);
    w->have_rows = sl_ckpt_r_bool(r);
    w->have_arrival = sl_ckpt_r_bool(r);
    w->flushed = sl_ckpt_r_bool(r);
    w->seq = sl_ckpt_r_i64(r);
    w->late_rows = sl_ckpt_r_i64(r);
    w->future_rows = sl_ckpt_r_i64(r);
    w->aggs->errors = sl_ckpt_r_i64(r);
    for (int k = 0; k < w->aggs->n; k++) {
        uint8_t t = sl_ckpt_r_u8(r);
        if (t > SL_TYPE_INTERVAL)
            r->bad = true;
        w->aggs->arg_types[k] = (sl_type)t;
    }
    if (version >= 2) {
        uint32_t nsplits = sl_ckpt_r_count(r, SL_WINDOW_MAX_SPLITS, 9);
        splits_grow(w, (int)nsplits);
        for (uint32_t sp = 0; sp < nsplits && !r->bad; sp++) {
            sl_wsplit *ws = &w->splits[sp];
            ws->seen = ws->snap_seen = ws->settled_seen = sl_ckpt_r_bool(r);
            ws->max_event = ws->snap_max = ws->settled_max = sl_ckpt_r_i64(r);
            ws->last_arrival = now_us;
        }
    }
    /* The idle clock starts again now: downtime is not idleness. */
    w->last_arrival = now_us;
    if (r->bad)
        return restore_corrupt(err, "truncated header");
    return SL_OK;
}

/* The one-row key vectors restoring reads groups into, in tmp. */
static sl_vector *restore_keys(sl_window_op *w, sl_mcxt *tmp)
{
    sl_vector *keys = sl_palloc(tmp, sizeof(sl_vector) * (size_t)(w->nkeys > 0 ? w->nkeys : 1));

    for (int c = 0; c < w->nkeys; c++)
        sl_vector_init(&keys[c], tmp, w->key_types[c], 1);
    scratch_reserve(w, 1, 1);
    return keys;
}

/* Starts reading blob (a whole state or a delta, by magic): the header,
 * then the key vectors groups are read into; the scratch context they live
 * in (the caller deletes it), or NULL with err set. */
static sl_mcxt *restore_begin(sl_window_op *w, sl_ckpt_r *r, const char *blob, size_t len, uint32_t magic,
                              int64_t now_us, sl_vector **keys, sl_error *err)
{
    sl_mcxt *tmp;

    sl_ckpt_r_init(r, blob, len);
    if (sl_ckpt_r_u32(r) != magic) {
        restore_corrupt(err, magic == SL_WSTATE_MAGIC ? "not a window state" : "not a window state delta");
        return NULL;
    }
    tmp = sl_mcxt_create(w->cx, "window restore");
    if (restore_header(w, r, tmp, now_us, err) != SL_OK) {
        sl_mcxt_delete(tmp);
        return NULL;
    }
    *keys = restore_keys(w, tmp);
    return tmp;
}

/* Reads a window's start and end; false (corrupt) when out of order or of the wrong size. */
static bool restore_window_bounds(const sl_window_op *w, sl_ckpt_r *r, uint32_t i, int64_t *prev,
                                  int64_t *start)
{
    int64_t end;

    *start = sl_ckpt_r_i64(r);
    end = sl_ckpt_r_i64(r);
    if (r->bad)
        return true; /* reported as truncated by the caller */
    if ((i > 0 && *start <= *prev) || end != (w->kind == SL_WK_GLOBAL ? *start : sl_sat_add(*start, w->size)))
        return false;
    *prev = *start;
    return true;
}

sl_status sl_window_op_restore(sl_window_op *w, const char *blob, size_t len, int64_t now_us, sl_error *err)
{
    sl_ckpt_r r;
    sl_vector *keys;
    sl_mcxt *tmp;
    sl_status st = SL_OK;

    if (w->nwins > 0 || w->keytab.buckets != NULL || w->have_rows || w->seq > 0)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "window state restored into a used operator");
    tmp = restore_begin(w, &r, blob, len, SL_WSTATE_MAGIC, now_us, &keys, err);
    if (tmp == NULL)
        return SL_ERROR;
    if (w->kind == SL_WK_SESSION) {
        st = restore_sessions(w, keys, &r, err);
    } else {
        uint32_t nwins = sl_ckpt_r_count(&r, INT32_MAX, 20);
        int64_t prev = INT64_MIN;

        for (uint32_t i = 0; i < nwins && st == SL_OK && !r.bad; i++) {
            int64_t start;
            uint32_t ngroups;
            sl_wwin *win;

            if (!restore_window_bounds(w, &r, i, &prev, &start)) {
                st = restore_corrupt(err, "windows out of order");
                break;
            }
            ngroups = sl_ckpt_r_count(&r, INT32_MAX, (size_t)w->nkeys);
            if (r.bad)
                break;
            win = window_get(w, start);
            for (uint32_t g = 0; g < ngroups && st == SL_OK; g++)
                st = restore_group(w, &win->groups, keys, &r, err);
        }
        if (st == SL_OK && r.bad)
            st = restore_corrupt(err, "truncated window");
    }
    if (st == SL_OK && !sl_ckpt_r_done(&r))
        st = restore_corrupt(err, "trailing bytes");
    w->last_win = NULL;
    /* What was restored is what the catalog holds: a delta starts from it. */
    w->saved_gen = w->gen++;
    sl_mcxt_delete(tmp);
    return st;
}

/* Frees the open windows [from, to) of w->wins and closes the gap. */
static void windows_drop(sl_window_op *w, int from, int to)
{
    for (int i = from; i < to; i++)
        window_free(w, w->wins[i]);
    memmove(&w->wins[from], &w->wins[to], sizeof(sl_wwin *) * (size_t)(w->nwins - to));
    w->nwins -= to - from;
}

sl_status sl_window_op_apply_delta(sl_window_op *w, const char *blob, size_t len, int64_t now_us,
                                   sl_error *err)
{
    sl_ckpt_r r;
    sl_vector *keys;
    sl_mcxt *tmp;
    sl_status st = SL_OK;
    uint32_t nwins;
    int64_t prev = INT64_MIN;
    int at = 0; /* w->wins[at..] are the windows not yet matched with the delta's */

    if (w->kind == SL_WK_SESSION)
        return restore_corrupt(err, "a delta for session windows");
    tmp = restore_begin(w, &r, blob, len, SL_WSTATE_DELTA_MAGIC, now_us, &keys, err);
    if (tmp == NULL)
        return SL_ERROR;
    nwins = sl_ckpt_r_count(&r, INT32_MAX, 20);
    for (uint32_t i = 0; i < nwins && st == SL_OK && !r.bad; i++) {
        int64_t start;
        uint32_t ngroups;
        sl_wwin *win;
        int drop_to = at;

        if (!restore_window_bounds(w, &r, i, &prev, &start)) {
            st = restore_corrupt(err, "windows out of order");
            break;
        }
        ngroups = sl_ckpt_r_count(&r, INT32_MAX, (size_t)w->nkeys);
        if (r.bad)
            break;
        /* Windows of the base that start before this one closed since it was taken. */
        while (drop_to < w->nwins && w->wins[drop_to]->start < start)
            drop_to++;
        windows_drop(w, at, drop_to);
        win = window_get(w, start);
        at++;
        for (uint32_t g = 0; g < ngroups && st == SL_OK; g++) {
            int64_t before = win->groups.n;
            sl_wentry *e;

            load_keys(w, keys, &r);
            if (r.bad)
                break;
            e = table_lookup(w, &win->groups, keys, 0, true);
            if (e == NULL) {
                st = sl_max_groups_error(w, err);
                break;
            }
            if (win->groups.n == before) { /* changed since the base: its states are replaced */
                sl_aggs_release(w->aggs, entry_states(w, e));
                sl_aggs_init(w->aggs, entry_states(w, e));
            }
            if (!sl_aggs_load(w->aggs, entry_states(w, e), &r))
                st = restore_corrupt(err, "bad aggregate state");
        }
    }
    if (st == SL_OK && r.bad)
        st = restore_corrupt(err, "truncated window");
    if (st == SL_OK)
        windows_drop(w, at, w->nwins); /* those after the last listed closed too */
    if (st == SL_OK && !sl_ckpt_r_done(&r))
        st = restore_corrupt(err, "trailing bytes");
    w->last_win = NULL;
    w->saved_gen = w->gen++;
    sl_mcxt_delete(tmp);
    return st;
}
