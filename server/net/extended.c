/*
 * extended.c - the extended query protocol, PREPARE and cursors (see session_int.h).
 *
 * A prepared statement (Parse, PREPARE, the query of DECLARE) is a query
 * string parsed once: by sluice's grammar, or claimed by the catalog engine
 * (server/pgcat), with its parameters' types given or inferred and what it
 * returns known (sl_exec_describe_stmt).  A portal (Bind, DECLARE, EXECUTE)
 * is a statement with its parameters' values and result formats; it runs at
 * Execute or FETCH, all at once or a row limit at a time:
 *
 *   - a push query keeps its planned runtime (source open) in the portal;
 *     a row limit suspends the run (rows of the batch beyond the limit wait
 *     in the portal) and the next Execute resumes it;
 *   - a statement whose rows are known only by running it (SHOW, catalog
 *     queries, SELECT without FROM) runs once into the portal, which then
 *     hands its rows out;
 *   - anything else runs at Execute, its rows (SELECT ... INTO's one) sent as they come.
 *
 * Values travel as text inside sluice; binary parameters and results are
 * converted at the edge by server/net/pqbinary.c.  Portals live until the
 * transaction ends: at Sync outside a block, at COMMIT/ROLLBACK inside one
 * (cursors WITH HOLD outlive it).  Statements live until Close/DEALLOCATE.
 *
 * Memory: each statement and each portal has its own context under the
 * connection's; counts are capped so a client cannot grow them without end.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/lexer.h"
#include "parser/parse.h"
#include "server/engine/expr.h"
#include "server/net/pqbinary.h"
#include "server/net/session_int.h"
#include "server/pgcat/pgcat.h"
#include "sluice/errcodes.h"
#include "sluice/log.h"

#define EXT_MAX_STATEMENTS 10000
#define EXT_MAX_PORTALS    1000
/* Push queries a session may hold open in portals at once: each has its
 * source open (a Kafka consumer, a file), so fewer than portals. */
#define EXT_MAX_OPEN_PUSH 16
#define EXT_NAME_MAX      1024
/* The statement of a DECLARE while its portal is made: no name a client can send. */
#define EXT_DECLARE_STMT "\001declare"
/* Rows of a portal's result sent before the socket is flushed. */
#define EXT_FLUSH_AT 8192

typedef enum prep_kind {
    PREP_EMPTY,   /* an empty query string */
    PREP_SLUICE,  /* sluice's grammar */
    PREP_CATALOG, /* server/pgcat */
} prep_kind;

typedef struct ext_prep {
    char *name;
    sl_mcxt *cx;
    int refs; /* the table's, and each portal's */
    prep_kind kind;
    char *text;
    sl_raw_stmt *raw;
    sl_pgcat_stmt *cat;
    int nparams;
    uint32_t *oids; /* the parameters' types as ParameterDescription gives them */
    sl_exec_shape shape;
    int ncols; /* shape SL_EXEC_ROWS */
    const sl_column_desc *cols;
    bool ends_block, is_commit;
} ext_prep;

typedef struct ext_portal {
    char *name;
    sl_mcxt *cx;
    ext_prep *prep;
    sl_params params;
    int nformats;
    int16_t *formats; /* Bind's result formats: none (text), one for all, or one per column */
    bool cursor, hold;
    int ncols; /* known once described or run; -1 before */
    const sl_column_desc *cols;
    /* Rows waiting to be handed out: all of a materialized result, or the
     * rows of a push query's batch beyond a row limit. */
    char ***rows;
    int nrows, cap, next;
    bool materialized; /* ran into rows; tag is its CommandComplete */
    char tag[SL_TAG_MAX];
    sl_exec_push *push;
    bool push_finished;
    bool done;
} ext_portal;

struct sl_ext {
    sl_mcxt *cx;
    ext_prep **preps;
    int npreps, cap_preps;
    ext_portal **portals;
    int nportals, cap_portals;
};

/* ---- the tables ---- */

static void ext_block_ended(sl_sess *ss)
{
    sl_ext_discard(ss, false);
}

void sl_ext_init(sl_sess *ss)
{
    ss->ext = sl_pnew(ss->cx, sl_ext);
    ss->ext->cx = sl_mcxt_create(ss->cx, "prepared statements and portals");
    ss->block_ended = ext_block_ended;
}

static ext_prep *prep_find(sl_ext *x, const char *name)
{
    for (int i = 0; i < x->npreps; i++)
        if (strcmp(x->preps[i]->name, name) == 0)
            return x->preps[i];
    return NULL;
}

static ext_portal *portal_find(sl_ext *x, const char *name)
{
    for (int i = 0; i < x->nportals; i++)
        if (strcmp(x->portals[i]->name, name) == 0)
            return x->portals[i];
    return NULL;
}

static void prep_release(ext_prep *p)
{
    if (--p->refs > 0)
        return;
    if (p->cat != NULL)
        sl_pgcat_close(p->cat);
    sl_mcxt_delete(p->cx);
}

static void portal_free(ext_portal *po)
{
    sl_exec_push_close(po->push);
    prep_release(po->prep);
    sl_mcxt_delete(po->cx);
}

static void prep_drop(sl_ext *x, const char *name)
{
    for (int i = 0; i < x->npreps; i++)
        if (strcmp(x->preps[i]->name, name) == 0) {
            prep_release(x->preps[i]);
            x->preps[i] = x->preps[--x->npreps];
            return;
        }
}

static void portal_drop(sl_ext *x, const char *name)
{
    for (int i = 0; i < x->nportals; i++)
        if (strcmp(x->portals[i]->name, name) == 0) {
            portal_free(x->portals[i]);
            x->portals[i] = x->portals[--x->nportals];
            return;
        }
}

/* Grows a table of pointers in cx (the old array stays there until the session ends). */
static void **table_grow(sl_mcxt *cx, void **old, int n, int *cap)
{
    void **grown;

    if (n < *cap)
        return old;
    *cap = *cap == 0 ? 8 : *cap * 2;
    grown = sl_palloc(cx, sizeof(void *) * (size_t)*cap);
    if (n > 0)
        memcpy(grown, old, sizeof(void *) * (size_t)n);
    return grown;
}

void sl_ext_discard(sl_sess *ss, bool statements)
{
    sl_ext *x = ss->ext;

    for (int i = 0; i < x->nportals;) {
        if (!statements && x->portals[i]->hold) {
            i++;
            continue;
        }
        portal_free(x->portals[i]);
        x->portals[i] = x->portals[--x->nportals];
    }
    if (!statements)
        return;
    for (int i = 0; i < x->npreps; i++)
        prep_release(x->preps[i]);
    x->npreps = 0;
}

void sl_ext_sync(sl_sess *ss)
{
    if (!ss->in_transaction)
        sl_ext_discard(ss, false); /* the implicit transaction ended */
}

void sl_ext_free(sl_sess *ss)
{
    if (ss->ext == NULL)
        return;
    for (int i = 0; i < ss->ext->nportals; i++)
        portal_free(ss->ext->portals[i]);
    ss->ext->nportals = 0;
    for (int i = 0; i < ss->ext->npreps; i++)
        prep_release(ss->ext->preps[i]);
    ss->ext->npreps = 0;
    sl_mcxt_delete(ss->ext->cx);
    ss->ext = NULL;
}

/* ---- where a portal's rows go ---- */

typedef struct ext_out {
    sl_sess *ss;
    ext_portal *po;
    int64_t limit; /* rows this Execute may send; 0: all */
    int64_t sent;  /* rows sent by this Execute */
    bool capture;  /* into the portal (materialize), not to the client */
    bool row_desc; /* send RowDescription at start (FETCH, EXECUTE: a simple query's result) */
    bool row_desc_sent;
    bool discard; /* describing only: keep the columns, drop the rows */
    bool skip;    /* MOVE: count the rows, send none */
} ext_out;

static int16_t portal_format(const ext_portal *po, int col)
{
    if (po->nformats == 0)
        return 0;
    return po->nformats == 1 ? po->formats[0] : po->formats[col];
}

static sl_status out_row_description(ext_out *o, sl_error *err)
{
    ext_portal *po = o->po;
    int16_t *fmts = sl_palloc(o->ss->msg_cx, sizeof(int16_t) * (size_t)(po->ncols + 1));

    for (int i = 0; i < po->ncols; i++)
        fmts[i] = portal_format(po, i);
    sl_pq_row_description_formats(&o->ss->out, po->ncols, po->cols, fmts);
    o->row_desc_sent = true;
    (void)err;
    return SL_OK;
}

/* Keeps the columns in the portal (the first run's), for Describe and binary formats. */
static void portal_set_columns(ext_portal *po, int ncols, const sl_column_desc *cols)
{
    sl_column_desc *c;

    if (po->ncols >= 0)
        return;
    c = sl_palloc(po->cx, sizeof(sl_column_desc) * (size_t)(ncols + 1));
    for (int i = 0; i < ncols; i++) {
        c[i].name = sl_pstrdup(po->cx, cols[i].name != NULL ? cols[i].name : "?column?");
        c[i].type_oid = cols[i].type_oid;
    }
    po->ncols = ncols;
    po->cols = c;
}

static sl_status out_start(sl_dest *dest, int ncols, const sl_column_desc *cols, sl_error *err)
{
    ext_out *o = dest->state;

    portal_set_columns(o->po, ncols, cols);
    if (o->po->ncols != ncols)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "the statement's columns changed while it ran");
    if (o->row_desc && !o->row_desc_sent && !o->capture)
        return out_row_description(o, err);
    return SL_OK;
}

static void portal_queue_row(ext_portal *po, const char *const *values)
{
    char **copy = sl_palloc(po->cx, sizeof(char *) * (size_t)(po->ncols + 1));

    for (int i = 0; i < po->ncols; i++)
        copy[i] = values[i] != NULL ? sl_pstrdup(po->cx, values[i]) : NULL;
    if (po->nrows == po->cap)
        po->rows = (char ***)table_grow(po->cx, (void **)po->rows, po->nrows, &po->cap);
    po->rows[po->nrows++] = copy;
}

/* A DataRow in the portal's formats. */
static sl_status send_row(ext_out *o, const char *const *values, sl_error *err)
{
    ext_portal *po = o->po;
    sl_buf *b = &o->ss->out;
    size_t m;

    if (o->skip) {
        o->sent++;
        return SL_OK;
    }
    m = sl_pq_begin(b, 'D');

    sl_pq_put_int16(b, (int16_t)po->ncols);
    for (int i = 0; i < po->ncols; i++) {
        size_t at;
        if (values[i] == NULL) {
            sl_pq_put_int32(b, -1);
            continue;
        }
        if (portal_format(po, i) == 0) {
            size_t n = strlen(values[i]);
            sl_pq_put_int32(b, (int32_t)n);
            sl_pq_put_bytes(b, values[i], n);
            continue;
        }
        at = b->len;
        sl_pq_put_int32(b, 0);
        if (sl_pqbin_encode(po->cols[i].type_oid, values[i], b, err) != SL_OK) {
            b->len = m; /* the partial message goes */
            return SL_ERROR;
        }
        {
            uint32_t n = (uint32_t)(b->len - at - 4);
            unsigned char be[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                                   (unsigned char)(n >> 8), (unsigned char)n};
            memcpy(b->data + at, be, 4);
        }
    }
    sl_pq_end(b, m);
    o->sent++;
    /* A push query's rows trickle in as windows close: the client sees each at once. */
    if ((po->push != NULL || b->len >= EXT_FLUSH_AT) && sl_sess_flush(o->ss) != SL_OK)
        return sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "connection to client lost");
    return SL_OK;
}

static sl_status out_row(sl_dest *dest, const char *const *values, sl_error *err)
{
    ext_out *o = dest->state;

    if (o->discard)
        return SL_OK;
    if (o->capture || (o->limit > 0 && o->sent >= o->limit)) {
        portal_queue_row(o->po, values);
        return SL_OK;
    }
    return send_row(o, values, err);
}

static void out_notice(sl_dest *dest, const char *message)
{
    ext_out *o = dest->state;

    sl_pq_notice_response(&o->ss->out, SL_ERRCODE_SUCCESSFUL_COMPLETION, message);
}

/* sl_exec_ctx.yield: a push query stops once this Execute's rows are out. */
static bool out_yield(void *arg)
{
    const ext_out *o = arg;
    return o->limit > 0 && o->sent >= o->limit;
}

/* ---- statements ---- */

/* The highest $n in a tree. */
static void max_param(const sl_node *n, void *arg)
{
    int *max = arg;

    if (SL_IS(n, ParamRef) && ((const sl_ParamRef *)n)->number > *max)
        *max = ((const sl_ParamRef *)n)->number;
    sl_node_foreach_child(n, max_param, arg);
}

typedef struct describe_run {
    const sl_raw_stmt *raw;
    sl_dest *dest;
} describe_run;

static sl_status run_statement(sl_exec_ctx *ctx, void *arg, char *tag, sl_error *err)
{
    describe_run *r = arg;
    return sl_exec_statement(ctx, r->raw, r->dest, tag, err);
}

/* Parses text into p: the catalog engine's, sluice's (described), or empty. */
static sl_status prep_build(sl_sess *ss, ext_prep *p, int ngiven, const uint32_t *given, sl_error *err)
{
    sl_list *spans = NULL, *stmts = NULL;
    const sl_stmt_span *sp;
    int maxref = 0;
    sl_type *types;
    sl_exec_ctx ctx;
    sl_params params;
    size_t bad_at;

    if (!sl_pq_valid_utf8(p->text, strlen(p->text), &bad_at))
        return sl_error_set(err, SL_ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
                            "invalid byte sequence for encoding \"UTF8\": 0x%02x",
                            (unsigned)(unsigned char)p->text[bad_at]);
    if (strlen(p->text) > SL_PARSE_MAX_LENGTH)
        return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "statement is too long");
    if (sl_split_statements(p->text, (int)strlen(p->text), p->cx, &spans, err) != SL_OK)
        return SL_ERROR;
    if (sl_list_length(spans) > 1)
        return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR,
                            "cannot insert multiple commands into a prepared statement");
    if (sl_list_length(spans) == 0) {
        p->kind = PREP_EMPTY;
        p->nparams = ngiven;
        p->oids = sl_palloc(p->cx, sizeof(uint32_t) * (size_t)(ngiven + 1));
        for (int i = 0; i < ngiven; i++)
            p->oids[i] = given[i];
        return SL_OK;
    }
    sp = sl_list_nth(spans, 0);
    sl_sess_exec_ctx(ss, &ctx, p->text);
    if (sl_ext_is_simple(p->text + sp->location))
        return sl_error_set(
            err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
            "PREPARE, EXECUTE, DECLARE, FETCH and CLOSE cannot be prepared: send them as a simple query");
    if (sl_pgcat_claims(p->text + sp->location, sp->length)) {
        p->kind = PREP_CATALOG;
        if (sl_pgcat_prepare(&ctx, p->cx, p->text, (int)strlen(p->text), ngiven, given, &p->cat, err) !=
            SL_OK)
            return SL_ERROR;
        p->nparams = sl_pgcat_nparams(p->cat);
        p->oids = sl_palloc(p->cx, sizeof(uint32_t) * (size_t)(p->nparams + 1));
        for (int i = 0; i < p->nparams; i++)
            p->oids[i] = sl_pgcat_param_oid(p->cat, i);
        p->shape = SL_EXEC_ROWS;
        p->ncols = sl_pgcat_ncols(p->cat);
        p->cols = sl_pgcat_cols(p->cat);
        return SL_OK;
    }
    p->kind = PREP_SLUICE;
    if (sl_parse(p->text, p->cx, &stmts, err) != SL_OK)
        return SL_ERROR;
    p->raw = sl_list_nth(stmts, 0);
    p->ends_block = sl_sess_ends_block(p->raw, &p->is_commit);
    max_param(p->raw->stmt, &maxref);
    p->nparams = maxref > ngiven ? maxref : ngiven;
    types = sl_palloc(p->cx, sizeof(sl_type) * (size_t)(p->nparams + 1));
    for (int i = 0; i < p->nparams; i++)
        types[i] = i < ngiven ? sl_pq_oid_type(given[i]) : SL_TYPE_UNKNOWN;
    params = (sl_params){.n = p->nparams, .types = types, .values = NULL};
    ctx.params = &params;
    if (sl_exec_describe_stmt(&ctx, p->raw, p->cx, &p->shape, &p->ncols, &p->cols, err) != SL_OK)
        return SL_ERROR;
    p->oids = sl_palloc(p->cx, sizeof(uint32_t) * (size_t)(p->nparams + 1));
    for (int i = 0; i < p->nparams; i++)
        p->oids[i] = i < ngiven && given[i] != 0
                         ? given[i]
                         : sl_type_oid(types[i] == SL_TYPE_UNKNOWN ? SL_TYPE_TEXT : types[i]);
    return SL_OK;
}

typedef struct prep_args {
    sl_sess *ss;
    ext_prep *p;
    int ngiven;
    const uint32_t *given;
} prep_args;

static sl_status run_prep_build(sl_exec_ctx *ctx, void *arg, char *tag, sl_error *err)
{
    prep_args *a = arg;
    (void)ctx;
    (void)tag;
    return prep_build(a->ss, a->p, a->ngiven, a->given, err);
}

/* A new prepared statement name for text (name "" is the unnamed one, replaced). */
static sl_sess_result prep_create(sl_sess *ss, const char *name, const char *text, int ngiven,
                                  const uint32_t *given, ext_prep **out, sl_error *err)
{
    sl_ext *x = ss->ext;
    ext_prep *p;
    sl_exec_ctx ctx;
    char tag[SL_TAG_MAX];
    sl_sess_result r;
    bool is_commit = false, ends = false;

    *out = NULL;
    if (name[0] != '\0' && prep_find(x, name) != NULL) {
        sl_error_set(err, SL_ERRCODE_DUPLICATE_PREPARED_STATEMENT, "prepared statement \"%s\" already exists",
                     name);
        return SL_SESS_FAILED;
    }
    if (name[0] == '\0')
        prep_drop(x, "");
    if (x->npreps >= EXT_MAX_STATEMENTS) {
        sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "too many prepared statements (%d)",
                     EXT_MAX_STATEMENTS);
        sl_error_hint(err, "Close or DEALLOCATE the statements no longer used.");
        return SL_SESS_FAILED;
    }
    p = sl_pnew(x->cx, ext_prep);
    p->cx = sl_mcxt_create(x->cx, "prepared statement");
    p->name = sl_pstrdup(p->cx, name);
    p->text = sl_pstrdup(p->cx, text);
    p->refs = 1;
    {
        /* COMMIT and ROLLBACK may be prepared in a failed block: peek before running the checks. */
        sl_list *stmts = NULL;
        sl_error ignored;
        if (sl_parse(p->text, ss->msg_cx, &stmts, &ignored) == SL_OK && sl_list_length(stmts) == 1)
            ends = sl_sess_ends_block(sl_list_nth(stmts, 0), &is_commit);
    }
    sl_sess_exec_ctx(ss, &ctx, p->text);
    prep_args a = {.ss = ss, .p = p, .ngiven = ngiven, .given = given};
    /* Through sl_sess_run for the failed-block check, statement_timeout and hang-up check:
     * describing a push query opens its source. */
    bool was_failed = ss->failed_transaction;
    r = sl_sess_run(ss, &ctx, ends, false, run_prep_build, &a, tag, err);
    if (r != SL_SESS_DONE) {
        prep_release(p);
        return r;
    }
    /* Preparing a COMMIT does not end a failed block: executing it does. */
    ss->failed_transaction = was_failed;
    if (was_failed)
        ss->in_transaction = true;
    x->preps = (ext_prep **)table_grow(x->cx, (void **)x->preps, x->npreps, &x->cap_preps);
    x->preps[x->npreps++] = p;
    *out = p;
    return SL_SESS_DONE;
}

/* ---- portals ---- */

/* A portal of p with the parameters' values (text, NULL for SQL NULL). */
static sl_sess_result portal_create(sl_sess *ss, const char *name, ext_prep *p, const char **values,
                                    int nformats, const int16_t *formats, ext_portal **out, sl_error *err)
{
    sl_ext *x = ss->ext;
    ext_portal *po;

    *out = NULL;
    if (name[0] != '\0' && portal_find(x, name) != NULL) {
        sl_error_set(err, SL_ERRCODE_DUPLICATE_CURSOR, "cursor \"%s\" already exists", name);
        return SL_SESS_FAILED;
    }
    if (name[0] == '\0')
        portal_drop(x, "");
    if (x->nportals >= EXT_MAX_PORTALS) {
        sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "too many open portals (%d)", EXT_MAX_PORTALS);
        sl_error_hint(err, "Close the cursors no longer used.");
        return SL_SESS_FAILED;
    }
    po = sl_pnew(x->cx, ext_portal);
    po->cx = sl_mcxt_create(x->cx, "portal");
    po->name = sl_pstrdup(po->cx, name);
    po->prep = p;
    p->refs++;
    po->ncols = -1;
    po->params.n = p->nparams;
    po->params.types = sl_palloc(po->cx, sizeof(sl_type) * (size_t)(p->nparams + 1));
    for (int i = 0; i < p->nparams; i++)
        po->params.types[i] = sl_pq_oid_type(p->oids[i]);
    {
        const char **v = sl_palloc(po->cx, sizeof(char *) * (size_t)(p->nparams + 1));
        for (int i = 0; i < p->nparams; i++)
            v[i] = values[i] != NULL ? sl_pstrdup(po->cx, values[i]) : NULL;
        po->params.values = v;
    }
    po->nformats = nformats;
    po->formats = sl_palloc(po->cx, sizeof(int16_t) * (size_t)(nformats + 1));
    for (int i = 0; i < nformats; i++)
        po->formats[i] = formats[i];
    if (p->shape == SL_EXEC_ROWS && p->kind == PREP_SLUICE && !sl_exec_is_push(p->raw))
        portal_set_columns(po, p->ncols, p->cols);
    x->portals = (ext_portal **)table_grow(x->cx, (void **)x->portals, x->nportals, &x->cap_portals);
    x->portals[x->nportals++] = po;
    *out = po;
    return SL_SESS_DONE;
}

static bool portal_materializes(const ext_portal *po)
{
    return po->prep->kind == PREP_CATALOG || po->prep->shape == SL_EXEC_ROWS_BY_RUNNING;
}

/* What a portal run needs besides the exec context. */
typedef struct portal_run {
    sl_sess *ss;
    ext_portal *po;
    ext_out *out;
    bool describe; /* only make sure the columns are known */
    bool suspended;
} portal_run;

static sl_status portal_check_formats(const ext_portal *po, sl_error *err)
{
    if (po->nformats > 1 && po->nformats != po->ncols)
        return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION,
                            "bind message has %d result formats but query has %d columns", po->nformats,
                            po->ncols);
    for (int i = 0; i < po->ncols; i++) {
        int16_t f = portal_format(po, i);
        if (f != 0 && f != 1)
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "unsupported format code: %d", f);
        if (f == 1 && !sl_pqbin_supported(po->cols[i].type_oid))
            return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                                "no binary output function available for type with OID %u",
                                (unsigned)po->cols[i].type_oid);
    }
    return SL_OK;
}

/* Hands out queued rows up to the limit. */
static sl_status portal_drain(portal_run *r, sl_error *err)
{
    ext_portal *po = r->po;
    ext_out *o = r->out;

    while (po->next < po->nrows && (o->limit == 0 || o->sent < o->limit)) {
        if (send_row(o, (const char *const *)po->rows[po->next], err) != SL_OK)
            return SL_ERROR;
        po->next++;
    }
    if (po->next == po->nrows && !po->materialized) {
        po->next = po->nrows = 0; /* a push query's queue: reuse it */
    }
    return SL_OK;
}

static sl_status portal_body(sl_exec_ctx *ctx, void *arg, char *tag, sl_error *err)
{
    portal_run *r = arg;
    ext_portal *po = r->po;
    ext_prep *p = po->prep;
    ext_out *o = r->out;
    sl_dest d = {.start = out_start, .row = out_row, .notice = out_notice, .state = o};

    ctx->params = &po->params;
    ctx->query_text = p->text;
    if (p->kind == PREP_EMPTY)
        return SL_OK;
    if (portal_materializes(po)) {
        if (!po->materialized) {
            bool capture = o->capture;
            o->capture = true;
            sl_status st = p->kind == PREP_CATALOG
                               ? sl_pgcat_execute(ctx, p->cat, po->params.values, &d, po->tag, err)
                               : sl_exec_statement(ctx, p->raw, &d, po->tag, err);
            o->capture = capture;
            if (st != SL_OK)
                return SL_ERROR;
            po->materialized = true;
            if (po->ncols < 0)
                po->ncols = 0; /* ran without rows (SET inside SHOW's shape: none) */
        }
        if (r->describe)
            return SL_OK;
        if (portal_check_formats(po, err) != SL_OK)
            return SL_ERROR;
        if (o->row_desc && !o->row_desc_sent && po->ncols > 0)
            out_row_description(o, err);
        if (portal_drain(r, err) != SL_OK)
            return SL_ERROR;
        if (po->next < po->nrows) {
            r->suspended = true;
            return SL_OK;
        }
        /* "SELECT n" counts the rows of this Execute, as PostgreSQL's does. */
        if (strncmp(po->tag, "SELECT ", 7) == 0 || po->cursor)
            snprintf(tag, SL_TAG_MAX, "SELECT %lld", (long long)o->sent);
        else
            snprintf(tag, SL_TAG_MAX, "%s", po->tag);
        po->done = true;
        return SL_OK;
    }
    if (p->kind == PREP_SLUICE && sl_exec_is_push(p->raw)) {
        bool suspended = false;
        if (po->push == NULL) {
            int n, open = 0;
            const sl_column_desc *cols;
            for (int i = 0; i < r->ss->ext->nportals; i++)
                open += r->ss->ext->portals[i]->push != NULL && !r->ss->ext->portals[i]->push_finished;
            if (open >= EXT_MAX_OPEN_PUSH) {
                sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                             "too many push queries open in portals of this session (%d)", EXT_MAX_OPEN_PUSH);
                sl_error_hint(err, "Close the cursors no longer read.");
                return SL_ERROR;
            }
            if (sl_exec_push_plan(ctx, p->raw, po->cx, &po->push, &n, &cols, err) != SL_OK)
                return SL_ERROR;
            portal_set_columns(po, n, cols);
        }
        if (r->describe)
            return SL_OK;
        if (portal_check_formats(po, err) != SL_OK)
            return SL_ERROR;
        if (o->row_desc && !o->row_desc_sent)
            out_row_description(o, err);
        if (portal_drain(r, err) != SL_OK)
            return SL_ERROR;
        if (po->nrows > po->next || (o->limit > 0 && o->sent >= o->limit)) {
            r->suspended = !(po->push_finished && po->nrows == po->next);
            if (r->suspended)
                return SL_OK;
        }
        if (!po->push_finished) {
            char run_tag[SL_TAG_MAX];
            ctx->yield = out_yield;
            ctx->yield_arg = o;
            if (sl_exec_push_run(ctx, po->push, &d, &suspended, run_tag, err) != SL_OK)
                return SL_ERROR;
            po->push_finished = !suspended;
            if (suspended || po->next < po->nrows) {
                r->suspended = true;
                return SL_OK;
            }
        }
        snprintf(tag, SL_TAG_MAX, "SELECT %lld", (long long)o->sent);
        po->done = true;
        return SL_OK;
    }
    if (r->describe)
        return SL_OK;
    if (po->ncols > 0 && portal_check_formats(po, err) != SL_OK)
        return SL_ERROR;
    if (sl_exec_statement(ctx, p->raw, &d, tag, err) != SL_OK)
        return SL_ERROR;
    snprintf(po->tag, sizeof(po->tag), "%s", tag);
    po->done = true;
    return SL_OK;
}

/* Runs (or describes) a portal through sl_sess_run; on DONE, *suspended or tag says how it ended. */
static sl_sess_result portal_run_now(sl_sess *ss, ext_portal *po, ext_out *o, bool describe, bool *suspended,
                                     char tag[SL_TAG_MAX], sl_error *err)
{
    sl_exec_ctx ctx;
    portal_run r = {.ss = ss, .po = po, .out = o, .describe = describe};
    sl_sess_result res;

    sl_sess_exec_ctx(ss, &ctx, po->prep->text);
    res = sl_sess_run(ss, &ctx, po->prep->ends_block, po->prep->is_commit, portal_body, &r, tag, err);
    *suspended = r.suspended;
    return res;
}

/* ---- messages ---- */

static sl_sess_result bad_message(sl_error *err, const char *what)
{
    sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, "invalid %s message format", what);
    return SL_SESS_FAILED;
}

static bool get_name(sl_pq_msg *msg, const char **out)
{
    *out = sl_pq_get_string(msg);
    return *out != NULL && strlen(*out) < EXT_NAME_MAX;
}

static sl_sess_result ext_parse(sl_sess *ss, sl_pq_msg *msg, sl_error *err)
{
    const char *name, *query;
    int16_t n;
    uint32_t *oids;
    ext_prep *p;
    sl_sess_result r;

    if (!get_name(msg, &name) || (query = sl_pq_get_string(msg)) == NULL || !sl_pq_get_int16(msg, &n) ||
        n < 0)
        return bad_message(err, "Parse");
    oids = sl_palloc(ss->msg_cx, sizeof(uint32_t) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        int32_t v;
        if (!sl_pq_get_int32(msg, &v))
            return bad_message(err, "Parse");
        oids[i] = (uint32_t)v;
    }
    if (sl_pq_remaining(msg) != 0)
        return bad_message(err, "Parse");
    r = prep_create(ss, name, query, n, oids, &p, err);
    if (r == SL_SESS_DONE)
        sl_pq_simple_message(&ss->out, '1'); /* ParseComplete */
    return r;
}

static sl_sess_result ext_bind(sl_sess *ss, sl_pq_msg *msg, sl_error *err)
{
    const char *portal, *stmt;
    int16_t npf, np, nrf;
    int16_t *pformats, *rformats;
    const char **values;
    ext_prep *p;
    ext_portal *po;
    sl_sess_result r;

    if (!get_name(msg, &portal) || !get_name(msg, &stmt) || !sl_pq_get_int16(msg, &npf) || npf < 0)
        return bad_message(err, "Bind");
    pformats = sl_palloc(ss->msg_cx, sizeof(int16_t) * (size_t)(npf + 1));
    for (int i = 0; i < npf; i++)
        if (!sl_pq_get_int16(msg, &pformats[i]))
            return bad_message(err, "Bind");
    if (!sl_pq_get_int16(msg, &np) || np < 0)
        return bad_message(err, "Bind");
    p = prep_find(ss->ext, stmt);
    if (p == NULL) {
        if (stmt[0] == '\0')
            sl_error_set(err, SL_ERRCODE_INVALID_SQL_STATEMENT_NAME,
                         "unnamed prepared statement does not exist");
        else
            sl_error_set(err, SL_ERRCODE_INVALID_SQL_STATEMENT_NAME,
                         "prepared statement \"%s\" does not exist", stmt);
        return SL_SESS_FAILED;
    }
    if (npf > 1 && npf != np) {
        sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION,
                     "bind message has %d parameter formats but %d parameters", npf, np);
        return SL_SESS_FAILED;
    }
    if (np != p->nparams) {
        sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION,
                     "bind message supplies %d parameters, but prepared statement \"%s\" requires %d", np,
                     stmt, p->nparams);
        return SL_SESS_FAILED;
    }
    values = sl_palloc(ss->msg_cx, sizeof(char *) * (size_t)(np + 1));
    for (int i = 0; i < np; i++) {
        int32_t len;
        const char *data;
        int16_t f = npf == 0 ? 0 : npf == 1 ? pformats[0] : pformats[i];
        if (!sl_pq_get_int32(msg, &len) || len < -1)
            return bad_message(err, "Bind");
        if (len == -1) {
            values[i] = NULL;
            continue;
        }
        if (!sl_pq_get_bytes(msg, (size_t)len, &data))
            return bad_message(err, "Bind");
        if (f == 1) {
            char *text;
            if (sl_pqbin_decode(p->oids[i], data, len, ss->msg_cx, &text, err) != SL_OK) {
                if (strcmp(err->sqlstate, SL_ERRCODE_INVALID_BINARY_REPRESENTATION) == 0)
                    snprintf(err->message + strlen(err->message), sizeof(err->message) - strlen(err->message),
                             " in bind parameter %d", i + 1);
                return SL_SESS_FAILED;
            }
            values[i] = text;
        } else if (f == 0) {
            size_t bad_at;
            if (memchr(data, 0, (size_t)len) != NULL || !sl_pq_valid_utf8(data, (size_t)len, &bad_at)) {
                sl_error_set(err, SL_ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
                             "invalid byte sequence for encoding \"UTF8\" in bind parameter %d", i + 1);
                return SL_SESS_FAILED;
            }
            values[i] = sl_pstrndup(ss->msg_cx, data, (size_t)len);
            /* A value that is not of its type fails Bind, as in PostgreSQL. */
            if (sl_pq_check_text(p->oids[i], values[i], err) != SL_OK)
                return SL_SESS_FAILED;
        } else {
            sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, "unsupported format code: %d", f);
            return SL_SESS_FAILED;
        }
    }
    if (!sl_pq_get_int16(msg, &nrf) || nrf < 0)
        return bad_message(err, "Bind");
    rformats = sl_palloc(ss->msg_cx, sizeof(int16_t) * (size_t)(nrf + 1));
    for (int i = 0; i < nrf; i++)
        if (!sl_pq_get_int16(msg, &rformats[i]))
            return bad_message(err, "Bind");
    if (sl_pq_remaining(msg) != 0)
        return bad_message(err, "Bind");
    if (ss->failed_transaction && !p->ends_block) {
        sl_error_set(err, SL_ERRCODE_IN_FAILED_SQL_TRANSACTION,
                     "current transaction is aborted, commands ignored until end of transaction block");
        return SL_SESS_FAILED;
    }
    r = portal_create(ss, portal, p, values, nrf, rformats, &po, err);
    if (r == SL_SESS_DONE)
        sl_pq_simple_message(&ss->out, '2'); /* BindComplete */
    return r;
}

static void send_row_description_or_nodata(sl_sess *ss, int ncols, const sl_column_desc *cols,
                                           const ext_portal *po)
{
    if (ncols <= 0) {
        sl_pq_simple_message(&ss->out, 'n'); /* NoData */
        return;
    }
    if (po == NULL) {
        sl_pq_row_description_formats(&ss->out, ncols, cols, NULL);
        return;
    }
    {
        int16_t *f = sl_palloc(ss->msg_cx, sizeof(int16_t) * (size_t)(ncols + 1));
        for (int i = 0; i < ncols; i++)
            f[i] = portal_format(po, i);
        sl_pq_row_description_formats(&ss->out, ncols, cols, f);
    }
}

static sl_sess_result describe_statement(sl_sess *ss, ext_prep *p, sl_error *err)
{
    size_t m = sl_pq_begin(&ss->out, 't'); /* ParameterDescription */

    sl_pq_put_int16(&ss->out, (int16_t)p->nparams);
    for (int i = 0; i < p->nparams; i++)
        sl_pq_put_int32(&ss->out, (int32_t)p->oids[i]);
    sl_pq_end(&ss->out, m);
    if (p->kind == PREP_EMPTY || p->shape == SL_EXEC_NO_ROWS) {
        sl_pq_simple_message(&ss->out, 'n');
        return SL_SESS_DONE;
    }
    if (p->shape == SL_EXEC_ROWS) {
        send_row_description_or_nodata(ss, p->ncols, p->cols, NULL);
        return SL_SESS_DONE;
    }
    {
        /* Known by running it, with the parameters NULL: SHOW and the like are read-only. */
        ext_portal scratch = {.cx = ss->msg_cx, .ncols = -1, .prep = p};
        ext_out o = {.ss = ss, .po = &scratch, .discard = true};
        sl_dest d = {.start = out_start, .row = out_row, .notice = NULL, .state = &o};
        sl_exec_ctx ctx;
        describe_run dr = {.raw = p->raw, .dest = &d};
        char tag[SL_TAG_MAX];
        sl_type *types = sl_palloc(ss->msg_cx, sizeof(sl_type) * (size_t)(p->nparams + 1));
        const char **nulls = sl_pzalloc(ss->msg_cx, sizeof(char *) * (size_t)(p->nparams + 1));
        sl_params params = {.n = p->nparams, .types = types, .values = nulls};
        sl_sess_result r;

        for (int i = 0; i < p->nparams; i++)
            types[i] = sl_pq_oid_type(p->oids[i]);
        sl_sess_exec_ctx(ss, &ctx, p->text);
        ctx.params = &params;
        r = sl_sess_run(ss, &ctx, false, false, run_statement, &dr, tag, err);
        if (r != SL_SESS_DONE) {
            /* The ParameterDescription already buffered goes with the error. */
            return r;
        }
        send_row_description_or_nodata(ss, scratch.ncols, scratch.cols, NULL);
        return SL_SESS_DONE;
    }
}

static sl_sess_result ext_describe(sl_sess *ss, sl_pq_msg *msg, sl_error *err)
{
    uint8_t what;
    const char *name;

    if (!sl_pq_get_byte(msg, &what) || !get_name(msg, &name) || sl_pq_remaining(msg) != 0 ||
        (what != 'S' && what != 'P'))
        return bad_message(err, "Describe");
    if (what == 'S') {
        ext_prep *p = prep_find(ss->ext, name);
        if (p == NULL) {
            sl_error_set(err, SL_ERRCODE_INVALID_SQL_STATEMENT_NAME,
                         "prepared statement \"%s\" does not exist", name);
            return SL_SESS_FAILED;
        }
        return describe_statement(ss, p, err);
    }
    {
        ext_portal *po = portal_find(ss->ext, name);
        ext_out o = {.ss = ss};
        bool suspended;
        char tag[SL_TAG_MAX];
        sl_sess_result r;

        if (po == NULL) {
            sl_error_set(err, SL_ERRCODE_INVALID_CURSOR_NAME, "portal \"%s\" does not exist", name);
            return SL_SESS_FAILED;
        }
        o.po = po;
        if (po->ncols < 0 && po->prep->kind != PREP_EMPTY &&
            (po->prep->shape != SL_EXEC_NO_ROWS || po->prep->kind == PREP_CATALOG)) {
            r = portal_run_now(ss, po, &o, true, &suspended, tag, err);
            if (r != SL_SESS_DONE)
                return r;
        }
        if (po->ncols > 0 && portal_check_formats(po, err) != SL_OK)
            return SL_SESS_FAILED;
        send_row_description_or_nodata(ss, po->ncols, po->cols, po);
        return SL_SESS_DONE;
    }
}

static sl_sess_result ext_execute(sl_sess *ss, sl_pq_msg *msg, sl_error *err)
{
    const char *name;
    int32_t max_rows;
    ext_portal *po;
    ext_out o = {.ss = ss};
    bool suspended = false;
    char tag[SL_TAG_MAX] = "";
    sl_sess_result r;

    if (!get_name(msg, &name) || !sl_pq_get_int32(msg, &max_rows) || sl_pq_remaining(msg) != 0)
        return bad_message(err, "Execute");
    po = portal_find(ss->ext, name);
    if (po == NULL) {
        sl_error_set(err, SL_ERRCODE_INVALID_CURSOR_NAME, "portal \"%s\" does not exist", name);
        return SL_SESS_FAILED;
    }
    if (po->prep->kind == PREP_EMPTY) {
        sl_pq_empty_query_response(&ss->out);
        return SL_SESS_DONE;
    }
    if (po->done) {
        /* Run to its end already: nothing more, as PostgreSQL answers. */
        sl_pq_command_complete(
            &ss->out, portal_materializes(po) || sl_exec_is_push(po->prep->raw) ? "SELECT 0" : po->tag);
        return SL_SESS_DONE;
    }
    ss->s->cancel = 0;
    o.po = po;
    o.limit = max_rows > 0 ? max_rows : 0;
    r = portal_run_now(ss, po, &o, false, &suspended, tag, err);
    if (r != SL_SESS_DONE)
        return r;
    if (suspended) {
        sl_pq_simple_message(&ss->out, 's'); /* PortalSuspended */
        return SL_SESS_DONE;
    }
    if (strcmp(tag, "DISCARD ALL") == 0)
        sl_ext_discard(ss, true); /* the portal too: nothing of it may be used below */
    sl_pq_command_complete(&ss->out, tag);
    sl_sess_report_changes(ss);
    return SL_SESS_DONE;
}

static sl_sess_result ext_close(sl_sess *ss, sl_pq_msg *msg, sl_error *err)
{
    uint8_t what;
    const char *name;

    if (!sl_pq_get_byte(msg, &what) || !get_name(msg, &name) || sl_pq_remaining(msg) != 0 ||
        (what != 'S' && what != 'P'))
        return bad_message(err, "Close");
    /* Closing what does not exist is not an error. */
    if (what == 'S')
        prep_drop(ss->ext, name);
    else
        portal_drop(ss->ext, name);
    sl_pq_simple_message(&ss->out, '3'); /* CloseComplete */
    return SL_SESS_DONE;
}

sl_sess_result sl_ext_message(sl_sess *ss, sl_pq_msg *msg)
{
    sl_error err;
    sl_sess_result r;

    sl_error_clear(&err);
    switch (msg->type) {
    case 'P':
        r = ext_parse(ss, msg, &err);
        break;
    case 'B':
        r = ext_bind(ss, msg, &err);
        break;
    case 'D':
        r = ext_describe(ss, msg, &err);
        break;
    case 'E':
        r = ext_execute(ss, msg, &err);
        break;
    case 'C':
        r = ext_close(ss, msg, &err);
        break;
    default:
        return SL_SESS_DONE;
    }
    if (r == SL_SESS_FAILED)
        sl_sess_statement_error(ss, &err);
    return r;
}

/* ---- PREPARE, EXECUTE, DEALLOCATE, DECLARE, FETCH, MOVE, CLOSE ---- */

/* A small scanner over such a statement's words: names (folded unless
 * quoted), numbers, string literals and punctuation. */
typedef struct ext_scan {
    const char *sql; /* the whole statement */
    const char *p;
    sl_mcxt *cx;
} ext_scan;

typedef enum { TOK_END, TOK_WORD, TOK_QUOTED, TOK_STRING, TOK_NUMBER, TOK_PUNCT } tok_kind;

typedef struct ext_tok {
    tok_kind kind;
    char *text;
    const char *at;
} ext_tok;

static void scan_blanks(ext_scan *sc)
{
    for (;;) {
        while (isspace((unsigned char)*sc->p))
            sc->p++;
        if (sc->p[0] == '-' && sc->p[1] == '-') {
            while (*sc->p != '\0' && *sc->p != '\n')
                sc->p++;
            continue;
        }
        if (sc->p[0] == '/' && sc->p[1] == '*') {
            const char *e = strstr(sc->p + 2, "*/");
            sc->p = e != NULL ? e + 2 : sc->p + strlen(sc->p);
            continue;
        }
        return;
    }
}

static ext_tok scan_next(ext_scan *sc)
{
    ext_tok t = {TOK_END, NULL, NULL};
    const char *s;

    scan_blanks(sc);
    s = sc->p;
    t.at = s;
    if (*s == '\0')
        return t;
    if (isalpha((unsigned char)*s) || *s == '_' || (unsigned char)*s >= 0x80) {
        const char *b = s;
        bool estring = (*s == 'E' || *s == 'e') && s[1] == '\'';
        if (!estring) {
            while (isalnum((unsigned char)*s) || *s == '_' || *s == '$' || (unsigned char)*s >= 0x80)
                s++;
            t.kind = TOK_WORD;
            t.text = sl_pstrndup(sc->cx, b, (size_t)(s - b));
            for (char *c = t.text; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            sc->p = s;
            return t;
        }
        s++;
    }
    if (*s == '"' || *s == '\'') {
        char q = *s;
        bool backslash = s > sc->p; /* E'...' */
        sl_buf b;
        sl_buf_init(&b);
        for (s++; *s != '\0'; s++) {
            if (backslash && *s == '\\' && s[1] != '\0') {
                s++;
                sl_buf_append(&b, s, 1);
                continue;
            }
            if (*s == q) {
                if (s[1] == q) {
                    s++;
                    sl_buf_append(&b, s, 1);
                    continue;
                }
                break;
            }
            sl_buf_append(&b, s, 1);
        }
        t.kind = *s == q ? (q == '"' ? TOK_QUOTED : TOK_STRING) : TOK_END;
        sl_buf_append(&b, "", 1);
        t.text = sl_pstrdup(sc->cx, b.data);
        sl_buf_free(&b);
        sc->p = *s == q ? s + 1 : s;
        if (t.kind == TOK_END)
            t.kind = TOK_PUNCT; /* unterminated: a syntax error below */
        return t;
    }
    if (isdigit((unsigned char)*s) ||
        ((*s == '-' || *s == '+' || *s == '.') && isdigit((unsigned char)s[1]))) {
        const char *b = s++;
        while (isalnum((unsigned char)*s) || *s == '.' ||
               ((*s == '-' || *s == '+') && (s[-1] == 'e' || s[-1] == 'E')))
            s++;
        t.kind = TOK_NUMBER;
        t.text = sl_pstrndup(sc->cx, b, (size_t)(s - b));
        sc->p = s;
        return t;
    }
    t.kind = TOK_PUNCT;
    t.text = sl_pstrndup(sc->cx, s, s[0] == ':' && s[1] == ':' ? 2 : 1);
    sc->p = s + strlen(t.text);
    return t;
}

static bool tok_is(const ext_tok *t, const char *word)
{
    return (t->kind == TOK_WORD || t->kind == TOK_PUNCT) && strcmp(t->text, word) == 0;
}

static bool tok_name(const ext_tok *t)
{
    return t->kind == TOK_WORD || t->kind == TOK_QUOTED;
}

static sl_status scan_error(const ext_scan *sc, const ext_tok *t, sl_error *err)
{
    if (t->kind == TOK_END)
        sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "syntax error at end of input");
    else
        sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "syntax error at or near \"%s\"", t->text);
    err->position = sl_char_position(sc->sql, (int)(t->at - sc->sql));
    return SL_ERROR;
}

static const char *const ext_words[] = {"prepare", "execute", "deallocate", "declare",
                                        "fetch",   "move",    "close",      NULL};

bool sl_ext_is_simple(const char *stmt)
{
    ext_scan sc = {.sql = stmt, .p = stmt};
    char word[16];
    size_t n = 0;

    scan_blanks(&sc);
    while (n < sizeof(word) - 1 && isalpha((unsigned char)sc.p[n])) {
        word[n] = (char)tolower((unsigned char)sc.p[n]);
        n++;
    }
    word[n] = '\0';
    if (isalnum((unsigned char)sc.p[n]) || sc.p[n] == '_')
        return false;
    for (int i = 0; ext_words[i] != NULL; i++)
        if (strcmp(word, ext_words[i]) == 0)
            return true;
    return false;
}

/* Sends a portal's rows as a simple query's result (FETCH, EXECUTE): RowDescription, DataRows,
 * CommandComplete. */
static sl_sess_result simple_portal_rows(sl_sess *ss, ext_portal *po, int64_t count, bool send,
                                         const char *verb, sl_error *err)
{
    ext_out o = {.ss = ss, .po = po, .limit = count, .row_desc = send, .skip = !send};
    bool suspended = false;
    char tag[SL_TAG_MAX] = "";
    sl_sess_result r;

    if (po->done) {
        if (send && po->ncols > 0)
            out_row_description(&o, err);
        snprintf(tag, sizeof(tag), "%s 0", verb);
        sl_pq_command_complete(&ss->out, tag);
        return SL_SESS_DONE;
    }
    r = portal_run_now(ss, po, &o, false, &suspended, tag, err);
    if (r != SL_SESS_DONE)
        return r;
    snprintf(tag, sizeof(tag), "%s %lld", verb, (long long)o.sent);
    sl_pq_command_complete(&ss->out, tag);
    sl_sess_report_changes(ss);
    return SL_SESS_DONE;
}

/* The text of a constant EXECUTE argument ('x', 12, -1.5, NULL, TRUE, 'x'::type). */
static sl_status scan_argument(ext_scan *sc, ext_tok *t, const char **value, sl_error *err)
{
    if (t->kind == TOK_STRING || t->kind == TOK_NUMBER)
        *value = t->text;
    else if (tok_is(t, "null"))
        *value = NULL;
    else if (tok_is(t, "true") || tok_is(t, "false"))
        *value = t->text;
    else {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "EXECUTE parameters must be constants");
        err->position = sl_char_position(sc->sql, (int)(t->at - sc->sql));
        return SL_ERROR;
    }
    *t = scan_next(sc);
    if (tok_is(t, "::")) { /* a cast: the parameter's own type applies */
        *t = scan_next(sc);
        if (!tok_name(t))
            return scan_error(sc, t, err);
        *t = scan_next(sc);
    }
    return SL_OK;
}

static sl_sess_result simple_prepare(sl_sess *ss, ext_scan *sc, sl_error *err)
{
    ext_tok t = scan_next(sc), name = t;
    uint32_t oids[256];
    int n = 0;
    ext_prep *p;
    sl_sess_result r;

    if (!tok_name(&name))
        return scan_error(sc, &t, err), SL_SESS_FAILED;
    t = scan_next(sc);
    if (tok_is(&t, "(")) {
        do {
            const char *start;
            sl_type ty;
            t = scan_next(sc);
            if (!tok_name(&t))
                return scan_error(sc, &t, err), SL_SESS_FAILED;
            start = t.text;
            /* Type names of several words and modifiers: up to ',' or ')'. */
            sl_buf b;
            sl_buf_init(&b);
            sl_buf_puts(&b, start);
            for (t = scan_next(sc); t.kind != TOK_END && !tok_is(&t, ",") && !tok_is(&t, ")");
                 t = scan_next(sc)) {
                if (tok_is(&t, "("))
                    break;
                sl_buf_puts(&b, " ");
                sl_buf_puts(&b, t.text);
            }
            while (tok_is(&t, "(") || (t.kind != TOK_END && !tok_is(&t, ",") && !tok_is(&t, ")")))
                t = scan_next(sc); /* a modifier: (10) */
            sl_buf_append(&b, "", 1);
            if (!sl_type_parse(b.data, &ty) || n >= 256) {
                sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "type \"%s\" does not exist", b.data);
                sl_buf_free(&b);
                return SL_SESS_FAILED;
            }
            sl_buf_free(&b);
            oids[n++] = sl_type_oid(ty);
        } while (tok_is(&t, ","));
        if (!tok_is(&t, ")"))
            return scan_error(sc, &t, err), SL_SESS_FAILED;
        t = scan_next(sc);
    }
    if (!tok_is(&t, "as"))
        return scan_error(sc, &t, err), SL_SESS_FAILED;
    scan_blanks(sc);
    r = prep_create(ss, name.text, sc->p, n, oids, &p, err);
    if (r == SL_SESS_DONE)
        sl_pq_command_complete(&ss->out, "PREPARE");
    else if (r == SL_SESS_FAILED && err->position > 0)
        err->position += sl_char_position(sc->sql, (int)(sc->p - sc->sql)) - 1;
    return r;
}

static sl_sess_result simple_execute(sl_sess *ss, ext_scan *sc, sl_error *err)
{
    ext_tok t = scan_next(sc), name = t;
    const char *values[256];
    int n = 0;
    ext_prep *p;
    ext_portal *po;
    sl_sess_result r;
    char portal_name[64];

    if (!tok_name(&name))
        return scan_error(sc, &t, err), SL_SESS_FAILED;
    p = prep_find(ss->ext, name.text);
    if (p == NULL) {
        sl_error_set(err, SL_ERRCODE_INVALID_SQL_STATEMENT_NAME, "prepared statement \"%s\" does not exist",
                     name.text);
        return SL_SESS_FAILED;
    }
    t = scan_next(sc);
    if (tok_is(&t, "(")) {
        t = scan_next(sc);
        for (;;) {
            if (n >= 256) {
                sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "too many EXECUTE parameters");
                return SL_SESS_FAILED;
            }
            if (scan_argument(sc, &t, &values[n++], err) != SL_OK)
                return SL_SESS_FAILED;
            if (!tok_is(&t, ","))
                break;
            t = scan_next(sc);
        }
        if (!tok_is(&t, ")"))
            return scan_error(sc, &t, err), SL_SESS_FAILED;
        t = scan_next(sc);
    }
    if (t.kind != TOK_END)
        return scan_error(sc, &t, err), SL_SESS_FAILED;
    if (n != p->nparams) {
        sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "wrong number of parameters for prepared statement \"%s\"",
                     name.text);
        sl_error_detail(err, "Expected %d parameters but got %d.", p->nparams, n);
        return SL_SESS_FAILED;
    }
    /* A portal of its own, not in the table: it ends with this statement. */
    snprintf(portal_name, sizeof(portal_name), "<execute %p>", (void *)p);
    r = portal_create(ss, portal_name, p, values, 0, NULL, &po, err);
    if (r != SL_SESS_DONE)
        return r;
    if (p->kind == PREP_EMPTY) {
        sl_pq_empty_query_response(&ss->out);
        portal_drop(ss->ext, portal_name);
        return SL_SESS_DONE;
    }
    {
        ext_out o = {.ss = ss, .po = po, .row_desc = true};
        bool suspended;
        char tag[SL_TAG_MAX] = "";
        r = portal_run_now(ss, po, &o, false, &suspended, tag, err);
        if (r == SL_SESS_DONE) {
            sl_pq_command_complete(&ss->out, tag);
            sl_sess_report_changes(ss);
        }
        if (ss->ext != NULL)
            portal_drop(ss->ext, portal_name);
        return r;
    }
}

static sl_sess_result simple_deallocate(sl_sess *ss, ext_scan *sc, sl_error *err)
{
    ext_tok t = scan_next(sc);

    if (tok_is(&t, "prepare"))
        t = scan_next(sc);
    if (tok_is(&t, "all") && t.kind == TOK_WORD) {
        for (int i = 0; i < ss->ext->npreps; i++)
            prep_release(ss->ext->preps[i]);
        ss->ext->npreps = 0;
        if (scan_next(sc).kind != TOK_END)
            return scan_error(sc, &t, err), SL_SESS_FAILED;
        sl_pq_command_complete(&ss->out, "DEALLOCATE ALL");
        return SL_SESS_DONE;
    }
    if (!tok_name(&t))
        return scan_error(sc, &t, err), SL_SESS_FAILED;
    if (prep_find(ss->ext, t.text) == NULL) {
        sl_error_set(err, SL_ERRCODE_INVALID_SQL_STATEMENT_NAME, "prepared statement \"%s\" does not exist",
                     t.text);
        return SL_SESS_FAILED;
    }
    prep_drop(ss->ext, t.text);
    sl_pq_command_complete(&ss->out, "DEALLOCATE");
    return SL_SESS_DONE;
}

static sl_sess_result simple_declare(sl_sess *ss, ext_scan *sc, sl_error *err)
{
    ext_tok t = scan_next(sc), name = t;
    bool binary = false, hold = false;
    ext_prep *p;
    ext_portal *po;
    sl_sess_result r;
    int16_t one = 1;

    if (!tok_name(&name))
        return scan_error(sc, &t, err), SL_SESS_FAILED;
    for (t = scan_next(sc); !tok_is(&t, "cursor"); t = scan_next(sc)) {
        if (tok_is(&t, "binary"))
            binary = true;
        else if (tok_is(&t, "no")) {
            t = scan_next(sc);
            if (!tok_is(&t, "scroll"))
                return scan_error(sc, &t, err), SL_SESS_FAILED;
        } else if (tok_is(&t, "scroll")) {
            sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "scrollable cursors are not supported");
            sl_error_hint(err, "A push query's rows are read once, forward: declare the cursor NO SCROLL.");
            return SL_SESS_FAILED;
        } else if (!tok_is(&t, "insensitive") && !tok_is(&t, "asensitive"))
            return scan_error(sc, &t, err), SL_SESS_FAILED;
    }
    t = scan_next(sc);
    if (tok_is(&t, "with") || tok_is(&t, "without")) {
        hold = tok_is(&t, "with");
        t = scan_next(sc);
        if (!tok_is(&t, "hold"))
            return scan_error(sc, &t, err), SL_SESS_FAILED;
        t = scan_next(sc);
    }
    if (!tok_is(&t, "for"))
        return scan_error(sc, &t, err), SL_SESS_FAILED;
    if (!ss->in_transaction && !hold) {
        sl_error_set(err, "25P01", "DECLARE CURSOR can only be used in transaction blocks");
        return SL_SESS_FAILED;
    }
    if (portal_find(ss->ext, name.text) != NULL) {
        sl_error_set(err, SL_ERRCODE_DUPLICATE_CURSOR, "cursor \"%s\" already exists", name.text);
        return SL_SESS_FAILED;
    }
    scan_blanks(sc);
    r = prep_create(ss, EXT_DECLARE_STMT, sc->p, 0, NULL, &p, err);
    if (r != SL_SESS_DONE) {
        if (r == SL_SESS_FAILED && err->position > 0)
            err->position += sl_char_position(sc->sql, (int)(sc->p - sc->sql)) - 1;
        return r;
    }
    if (p->kind != PREP_CATALOG && (p->kind != PREP_SLUICE || !SL_IS(p->raw->stmt, SelectStmt))) {
        sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "DECLARE CURSOR needs a SELECT");
        prep_drop(ss->ext, EXT_DECLARE_STMT);
        return SL_SESS_FAILED;
    }
    if (p->nparams > 0) {
        sl_error_set(err, SL_ERRCODE_UNDEFINED_PARAMETER, "there is no parameter $1");
        prep_drop(ss->ext, EXT_DECLARE_STMT);
        return SL_SESS_FAILED;
    }
    r = portal_create(ss, name.text, p, NULL, binary ? 1 : 0, &one, &po, err);
    prep_drop(ss->ext, EXT_DECLARE_STMT); /* the portal holds it */
    if (r != SL_SESS_DONE)
        return r;
    po->cursor = true;
    po->hold = hold;
    sl_pq_command_complete(&ss->out, "DECLARE CURSOR");
    return SL_SESS_DONE;
}

static sl_sess_result simple_fetch(sl_sess *ss, ext_scan *sc, bool move, sl_error *err)
{
    ext_tok t = scan_next(sc);
    int64_t count = 1;
    ext_portal *po;

    if (tok_is(&t, "next") || tok_is(&t, "forward")) {
        bool forward = tok_is(&t, "forward");
        t = scan_next(sc);
        if (forward && t.kind == TOK_NUMBER) {
            count = strtoll(t.text, NULL, 10);
            t = scan_next(sc);
        } else if (forward && tok_is(&t, "all")) {
            count = 0;
            t = scan_next(sc);
        }
    } else if (t.kind == TOK_NUMBER) {
        count = strtoll(t.text, NULL, 10);
        t = scan_next(sc);
    } else if (tok_is(&t, "all")) {
        count = 0;
        t = scan_next(sc);
    } else if (tok_is(&t, "prior") || tok_is(&t, "first") || tok_is(&t, "last") || tok_is(&t, "absolute") ||
               tok_is(&t, "relative") || tok_is(&t, "backward")) {
        sl_error_set(err, "55000", "cursor can only scan forward");
        sl_error_hint(err, "Declare it with SCROLL option to enable backward scan.");
        return SL_SESS_FAILED;
    }
    if (count < 0) {
        sl_error_set(err, "55000", "cursor can only scan forward");
        return SL_SESS_FAILED;
    }
    if (tok_is(&t, "from") || tok_is(&t, "in"))
        t = scan_next(sc);
    if (!tok_name(&t))
        return scan_error(sc, &t, err), SL_SESS_FAILED;
    po = portal_find(ss->ext, t.text);
    if (po == NULL || !po->cursor) {
        sl_error_set(err, SL_ERRCODE_INVALID_CURSOR_NAME, "cursor \"%s\" does not exist", t.text);
        return SL_SESS_FAILED;
    }
    t = scan_next(sc);
    if (t.kind != TOK_END)
        return scan_error(sc, &t, err), SL_SESS_FAILED;
    if (count == 0 && po->prep->kind == PREP_SLUICE && sl_exec_is_push(po->prep->raw))
        count = 0; /* ALL of a push query: until it ends or is cancelled */
    return simple_portal_rows(ss, po, count, !move, move ? "MOVE" : "FETCH", err);
}

static sl_sess_result simple_close(sl_sess *ss, ext_scan *sc, sl_error *err)
{
    ext_tok t = scan_next(sc);

    if (tok_is(&t, "all") && t.kind == TOK_WORD) {
        for (int i = 0; i < ss->ext->nportals;) {
            if (ss->ext->portals[i]->cursor) {
                portal_free(ss->ext->portals[i]);
                ss->ext->portals[i] = ss->ext->portals[--ss->ext->nportals];
            } else
                i++;
        }
    } else if (tok_name(&t)) {
        ext_portal *po = portal_find(ss->ext, t.text);
        if (po == NULL || !po->cursor) {
            sl_error_set(err, SL_ERRCODE_INVALID_CURSOR_NAME, "cursor \"%s\" does not exist", t.text);
            return SL_SESS_FAILED;
        }
        portal_drop(ss->ext, t.text);
    } else
        return scan_error(sc, &t, err), SL_SESS_FAILED;
    t = scan_next(sc);
    if (t.kind != TOK_END)
        return scan_error(sc, &t, err), SL_SESS_FAILED;
    sl_pq_command_complete(&ss->out, "CLOSE CURSOR");
    return SL_SESS_DONE;
}

bool sl_ext_simple(sl_sess *ss, const char *query, int location, int length, sl_sess_result *result,
                   sl_error *err)
{
    char *stmt;
    ext_scan sc;
    ext_tok verb;

    if (!sl_ext_is_simple(query + location))
        return false;
    stmt = sl_pstrndup(ss->msg_cx, query + location, (size_t)length);
    sc = (ext_scan){.sql = stmt, .p = stmt, .cx = ss->msg_cx};
    verb = scan_next(&sc);
    sl_error_clear(err);
    if (ss->failed_transaction && !tok_is(&verb, "close") && !tok_is(&verb, "deallocate")) {
        sl_error_set(err, SL_ERRCODE_IN_FAILED_SQL_TRANSACTION,
                     "current transaction is aborted, commands ignored until end of transaction block");
        *result = SL_SESS_FAILED;
        return true;
    }
    if (tok_is(&verb, "prepare"))
        *result = simple_prepare(ss, &sc, err);
    else if (tok_is(&verb, "execute"))
        *result = simple_execute(ss, &sc, err);
    else if (tok_is(&verb, "deallocate"))
        *result = simple_deallocate(ss, &sc, err);
    else if (tok_is(&verb, "declare"))
        *result = simple_declare(ss, &sc, err);
    else if (tok_is(&verb, "fetch"))
        *result = simple_fetch(ss, &sc, false, err);
    else if (tok_is(&verb, "move"))
        *result = simple_fetch(ss, &sc, true, err);
    else
        *result = simple_close(ss, &sc, err);
    if (*result == SL_SESS_FAILED && !sl_error_is_set(err))
        sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "syntax error");
    return true;
}
