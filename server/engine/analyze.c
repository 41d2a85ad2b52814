/*
 * analyze.c - SELECT AST + source schema -> sl_query_desc (see server/engine/analyze.h).
 *
 * Entry point: sl_analyze_select.  A plain query binds WHERE and the select
 * list over the source's columns.  An aggregated one (aggregates, GROUP BY,
 * HAVING or WINDOW) binds GROUP BY and the aggregate arguments over the
 * source, builds agg_schema = (window_start, window_end, key_0.., agg_0..),
 * then binds the select list and HAVING over agg_schema through a bind hook
 * that turns each aggregate call and each subexpression equal (by printed
 * form) to a GROUP BY expression into a column of agg_schema.
 */
#include "server/engine/analyze.h"

#include <string.h>

#include "server/engine/expr_int.h"
#include "parser/parse.h"

typedef struct sl_analyze_state {
    const sl_analyze_args *args;
    sl_mcxt *cx;
    sl_bind_ctx input_ctx; /* binds over the source columns, no aggregates */
    int naggs, aggcap;
    sl_agg_call *aggs;
    char **agg_text; /* printed "func(DISTINCT arg)" for matching */
    int nkeys;
    sl_expr **keys;
    char **key_text;
    const sl_schema *agg_schema;
    bool windowed;
    sl_mcxt *scratch;
} sl_analyze_state;

static sl_status at(const sl_analyze_state *st, int location, sl_error *err)
{
    if (err->position == 0)
        err->position = sl_expr_position(st->args->query_text, location);
    return SL_ERROR;
}

static const struct {
    const char *name;
    sl_agg_func func;
} sl_agg_names[] = {
    {"count", SL_AGG_COUNT},
    {"sum", SL_AGG_SUM},
    {"avg", SL_AGG_AVG},
    {"min", SL_AGG_MIN},
    {"max", SL_AGG_MAX},
    {"stddev", SL_AGG_STDDEV_SAMP},
    {"stddev_samp", SL_AGG_STDDEV_SAMP},
    {"stddev_pop", SL_AGG_STDDEV_POP},
    {"variance", SL_AGG_VAR_SAMP},
    {"var_samp", SL_AGG_VAR_SAMP},
    {"var_pop", SL_AGG_VAR_POP},
    {"first", SL_AGG_FIRST},
    {"last", SL_AGG_LAST},
};

/* ---- finding aggregate calls in an AST ---- */

typedef struct find_agg {
    const sl_node *found;
} find_agg;

static void find_agg_walk(const sl_node *n, void *arg)
{
    find_agg *f = arg;
    if (f->found != NULL || n == NULL)
        return;
    if (SL_IS(n, FuncCall) && sl_is_aggregate_name(((const sl_FuncCall *)n)->name)) {
        f->found = n;
        return;
    }
    sl_node_foreach_child(n, find_agg_walk, f);
}

static const sl_node *first_aggregate(const sl_node *n)
{
    find_agg f = {NULL};
    if (n != NULL)
        find_agg_walk(n, &f);
    return f.found;
}

/* Binds one aggregate call's argument over the source; returns its index. */
static sl_status add_aggregate(sl_analyze_state *st, const sl_FuncCall *f, int *index, sl_error *err)
{
    sl_agg_call call;
    int nargs = sl_list_length(f->args);
    const sl_node *inner;

    memset(&call, 0, sizeof(call));
    for (size_t k = 0; k < sizeof(sl_agg_names) / sizeof(sl_agg_names[0]); k++)
        if (strcmp(sl_agg_names[k].name, f->name) == 0)
            call.func = sl_agg_names[k].func;
    call.distinct = f->distinct;
    if (f->star) {
        if (call.func != SL_AGG_COUNT) {
            sl_error_set(err, SL_ERRCODE_UNDEFINED_FUNCTION, "function %s(*) does not exist", f->name);
            return at(st, f->hdr.location, err);
        }
        call.func = SL_AGG_COUNT_STAR;
        call.result_type = SL_TYPE_BIGINT;
    } else {
        if (nargs != 1) {
            sl_error_set(err, SL_ERRCODE_UNDEFINED_FUNCTION, "function %s with %d arguments does not exist",
                         f->name, nargs);
            return at(st, f->hdr.location, err);
        }
        const sl_node *argn = sl_list_nth(f->args, 0);
        if ((inner = first_aggregate(argn)) != NULL) {
            sl_error_set(err, SL_ERRCODE_GROUPING_ERROR, "aggregate function calls cannot be nested");
            return at(st, inner->location, err);
        }
        sl_bind_ctx bc = st->input_ctx;
        bc.agg_context = "aggregate function arguments";
        if (sl_expr_bind(&bc, argn, &call.arg, err) != SL_OK)
            return SL_ERROR;
        sl_type t = call.arg->type;
        if (t == SL_TYPE_UNKNOWN || call.arg->literal) {
            if (sl_expr_coerce(st->cx, st->args->query_text, call.arg, SL_TYPE_TEXT, false, &call.arg, err) !=
                SL_OK)
                return SL_ERROR;
            t = SL_TYPE_TEXT;
        }
        bool numeric = t == SL_TYPE_BIGINT || t == SL_TYPE_DOUBLE;
        switch (call.func) {
        case SL_AGG_COUNT:
            call.result_type = SL_TYPE_BIGINT;
            break;
        case SL_AGG_SUM:
            if (!numeric && t != SL_TYPE_INTERVAL)
                goto bad_type;
            call.result_type = t;
            break;
        case SL_AGG_AVG:
        case SL_AGG_STDDEV_SAMP:
        case SL_AGG_STDDEV_POP:
        case SL_AGG_VAR_SAMP:
        case SL_AGG_VAR_POP:
            if (!numeric)
                goto bad_type;
            call.result_type = SL_TYPE_DOUBLE;
            break;
        default: /* min, max, first, last */
            call.result_type = t;
            break;
        }
    }
    char *text = sl_psprintf(st->cx, "%d:%d:%s", (int)call.func, call.distinct,
                             call.arg ? sl_expr_print(st->cx, call.arg) : "*");
    for (int i = 0; i < st->naggs; i++) {
        if (strcmp(st->agg_text[i], text) == 0) {
            *index = i;
            return SL_OK;
        }
    }
    if (st->naggs == st->aggcap) {
        int cap = st->aggcap * 2 + 4;
        st->aggs = sl_prealloc(st->cx, st->aggs, sizeof(sl_agg_call) * (size_t)st->aggcap,
                               sizeof(sl_agg_call) * (size_t)cap);
        st->agg_text = sl_prealloc(st->cx, st->agg_text, sizeof(char *) * (size_t)st->aggcap,
                                   sizeof(char *) * (size_t)cap);
        st->aggcap = cap;
    }
    st->aggs[st->naggs] = call;
    st->agg_text[st->naggs] = text;
    *index = st->naggs++;
    return SL_OK;
bad_type:
    sl_error_set(err, SL_ERRCODE_UNDEFINED_FUNCTION, "function %s(%s) does not exist", f->name,
                 sl_type_name(call.arg->type));
    sl_error_hint(err,
                  "No function matches the given name and argument types. You might need to add explicit "
                  "type casts.");
    return at(st, f->hdr.location, err);
}

/* Pass 1: every aggregate call of a tree (not descending into calls). */
typedef struct collect_ctx {
    sl_analyze_state *st;
    sl_error *err;
    sl_status status;
} collect_ctx;

static void collect_walk(const sl_node *n, void *arg)
{
    collect_ctx *c = arg;
    if (c->status != SL_OK || n == NULL)
        return;
    if (SL_IS(n, FuncCall) && sl_is_aggregate_name(((const sl_FuncCall *)n)->name)) {
        int idx;
        c->status = add_aggregate(c->st, (const sl_FuncCall *)n, &idx, c->err);
        return;
    }
    sl_node_foreach_child(n, collect_walk, c);
}

static sl_status collect_aggregates(sl_analyze_state *st, const sl_node *n, sl_error *err)
{
    collect_ctx c = {st, err, SL_OK};
    if (n != NULL)
        collect_walk(n, &c);
    return c.status;
}

/* Pass 2 hook: aggregate calls and GROUP BY expressions -> agg_schema columns. */
static sl_status agg_hook(void *arg, const sl_node *n, sl_expr **out, sl_error *err)
{
    sl_analyze_state *st = arg;
    int base = 2 + st->nkeys;

    *out = NULL;
    if (SL_IS(n, FuncCall) && sl_is_aggregate_name(((const sl_FuncCall *)n)->name)) {
        int idx;
        if (add_aggregate(st, (const sl_FuncCall *)n, &idx, err) != SL_OK)
            return SL_ERROR;
        *out = sl_expr_column(st->cx, st->agg_schema, base + idx);
        (*out)->location = n->location;
        return SL_OK;
    }
    if (SL_IS(n, ColumnRef)) {
        const sl_ColumnRef *ref = (const sl_ColumnRef *)n;
        const char *name = sl_list_nth(ref->names, sl_list_length(ref->names) - 1);
        if (st->windowed && sl_list_length(ref->names) == 1 &&
            (strcmp(name, "window_start") == 0 || strcmp(name, "window_end") == 0) &&
            sl_schema_find(st->args->input, name) < 0) {
            *out = sl_expr_column(st->cx, st->agg_schema, name[7] == 's' ? 0 : 1);
            (*out)->location = n->location;
            return SL_OK;
        }
    }
    if (SL_IS(n, Star) || first_aggregate(n) != NULL)
        return SL_OK;
    /* a subexpression equal to a GROUP BY expression is that key */
    sl_error terr;
    sl_expr *trial;
    sl_bind_ctx bc = st->input_ctx;
    sl_mcxt_reset(st->scratch);
    bc.cx = st->scratch;
    if (sl_expr_bind(&bc, n, &trial, &terr) == SL_OK) {
        const char *text = sl_expr_print(st->scratch, trial);
        for (int k = 0; k < st->nkeys; k++) {
            if (strcmp(text, st->key_text[k]) == 0) {
                *out = sl_expr_column(st->cx, st->agg_schema, 2 + k);
                (*out)->location = n->location;
                return SL_OK;
            }
        }
        if (SL_IS(n, ColumnRef)) {
            sl_error_set(
                err, SL_ERRCODE_GROUPING_ERROR,
                "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function",
                trial->name);
            return SL_ERROR;
        }
    } else if (SL_IS(n, ColumnRef)) {
        /* report an unknown column against the source, not agg_schema */
        *err = terr;
        err->position = 0;
        return SL_ERROR;
    }
    return SL_OK;
}

/* PostgreSQL's default output column name. */
const char *sl_analyze_column_name(const sl_node *n)
{
    if (SL_IS(n, ColumnRef)) {
        const sl_ColumnRef *r = (const sl_ColumnRef *)n;
        return sl_list_nth(r->names, sl_list_length(r->names) - 1);
    }
    if (SL_IS(n, FuncCall))
        return ((const sl_FuncCall *)n)->name;
    if (SL_IS(n, CastExpr)) {
        const char *inner = sl_analyze_column_name(((const sl_CastExpr *)n)->arg);
        return strcmp(inner, "?column?") != 0 ? inner : ((const sl_CastExpr *)n)->type->name;
    }
    if (SL_IS(n, CaseExpr))
        return "case";
    return "?column?";
}

static sl_status require_bool(const sl_analyze_state *st, sl_expr **e, const char *what, int loc,
                              sl_error *err)
{
    if ((*e)->kind == SL_EXPR_CONST && ((*e)->type == SL_TYPE_UNKNOWN || (*e)->literal))
        return sl_expr_coerce(st->cx, st->args->query_text, *e, SL_TYPE_BOOL, false, e, err);
    if ((*e)->type != SL_TYPE_BOOL) {
        sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH, "argument of %s must be type boolean, not type %s",
                     what, sl_type_name((*e)->type));
        return at(st, loc, err);
    }
    return SL_OK;
}

sl_status sl_analyze_select(const sl_analyze_args *args, sl_query_desc **out, sl_error *err)
{
    const sl_SelectStmt *sel = args->select;
    sl_mcxt *cx = args->cx;
    sl_analyze_state st;
    sl_query_desc *q = sl_pnew(cx, sl_query_desc);
    sl_status rc = SL_ERROR;

    sl_error_clear(err);
    memset(&st, 0, sizeof(st));
    st.args = args;
    st.cx = cx;
    st.scratch = sl_mcxt_create(NULL, "analyze scratch");
    st.input_ctx.cx = cx;
    st.input_ctx.input = args->input;
    st.input_ctx.query_text = args->query_text;
    st.input_ctx.source_name = sel->from;
    st.input_ctx.params = args->params;

    q->source = sel->from;
    q->sink = sel->into;
    q->limit = sel->limit;
    q->input = args->input;
    q->watermark_us = args->watermark_us;
    q->event_time_col = -1;
    if (args->event_time != NULL) {
        q->event_time_col = sl_schema_find(args->input, args->event_time);
        if (q->event_time_col < 0) {
            sl_error_set(err, SL_ERRCODE_UNDEFINED_COLUMN, "event time column \"%s\" does not exist",
                         args->event_time);
            goto done;
        }
        if (args->input->types[q->event_time_col] != SL_TYPE_TIMESTAMP) {
            sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH,
                         "event time column \"%s\" must be type timestamp, not type %s", args->event_time,
                         sl_type_name(args->input->types[q->event_time_col]));
            goto done;
        }
    }

    /* WHERE */
    if (sel->where != NULL) {
        sl_bind_ctx bc = st.input_ctx;
        bc.agg_context = "WHERE";
        if (sl_expr_bind(&bc, sel->where, &q->where, err) != SL_OK ||
            require_bool(&st, &q->where, "WHERE", sel->where->location, err) != SL_OK)
            goto done;
    }

    /* window */
    if (sel->window != NULL) {
        const sl_WindowClause *w = sel->window;
        if (w->size_us <= 0) {
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "window %s must be positive",
                         w->kind == SL_WINDOW_SESSION ? "gap" : "size");
            at(&st, w->hdr.location, err);
            goto done;
        }
        if (w->kind == SL_WINDOW_HOPPING && (w->slide_us <= 0 || w->slide_us > w->size_us)) {
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                         "window slide must be positive and not larger than the window size");
            at(&st, w->hdr.location, err);
            goto done;
        }
    }

    /* is it aggregated? */
    bool has_agg = false;
    for (int i = 0; i < sl_list_length(sel->targets); i++)
        has_agg |= first_aggregate(((const sl_ResTarget *)sl_list_nth(sel->targets, i))->expr) != NULL;
    has_agg |= first_aggregate(sel->having) != NULL;
    const sl_node *gagg = NULL;
    for (int i = 0; i < sl_list_length(sel->group_by) && gagg == NULL; i++)
        gagg = first_aggregate(sl_list_nth(sel->group_by, i));
    if (gagg != NULL) {
        sl_error_set(err, SL_ERRCODE_GROUPING_ERROR, "aggregate functions are not allowed in GROUP BY");
        at(&st, gagg->location, err);
        goto done;
    }
    q->aggregated = has_agg || sl_list_length(sel->group_by) > 0 || sel->having != NULL;
    if (sel->window != NULL && !q->aggregated) {
        sl_error_set(err, SL_ERRCODE_GROUPING_ERROR, "a query with WINDOW must aggregate");
        sl_error_hint(err,
                      "Add an aggregate function such as count(*) or a GROUP BY clause, or remove the WINDOW "
                      "clause.");
        at(&st, sel->window->hdr.location, err);
        goto done;
    }
    if (q->aggregated && sel->window == NULL && !args->source_bounded) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                     "aggregates over the unbounded source \"%s\" need a WINDOW", sel->from ? sel->from : "");
        sl_error_hint(
            err, "Add a window, for example WINDOW 1m (tumbling) or WINDOW HOPPING (5 MINUTES, 1 MINUTE).");
        goto done;
    }
    q->window = sel->window;
    st.windowed = sel->window != NULL;

    int ntargets = sl_list_length(sel->targets);
    sl_list *exprs = NULL; /* of sl_ResTarget *, with * expanded */
    for (int i = 0; i < ntargets; i++) {
        sl_ResTarget *t = sl_list_nth(sel->targets, i);
        if (SL_IS(t->expr, Star)) {
            for (int c = 0; c < args->input->ncols; c++) {
                sl_ColumnRef *ref = sl_make_column_ref(cx, args->input->names[c], t->hdr.location);
                exprs =
                    sl_list_append(cx, exprs, sl_make_res_target(cx, (sl_node *)ref, NULL, t->hdr.location));
            }
        } else {
            exprs = sl_list_append(cx, exprs, t);
        }
    }
    q->nout = sl_list_length(exprs);
    q->outputs = sl_pzalloc(cx, sizeof(sl_expr *) * (size_t)(q->nout > 0 ? q->nout : 1));
    const char **names = sl_pzalloc(cx, sizeof(char *) * (size_t)(q->nout > 0 ? q->nout : 1));
    sl_type *types = sl_pzalloc(cx, sizeof(sl_type) * (size_t)(q->nout > 0 ? q->nout : 1));

    sl_bind_ctx out_ctx = st.input_ctx;
    if (q->aggregated) {
        /* keys over the input */
        st.nkeys = sl_list_length(sel->group_by);
        st.keys = sl_pzalloc(cx, sizeof(sl_expr *) * (size_t)(st.nkeys + 1));
        st.key_text = sl_pzalloc(cx, sizeof(char *) * (size_t)(st.nkeys + 1));
        for (int k = 0; k < st.nkeys; k++) {
            sl_bind_ctx bc = st.input_ctx;
            bc.agg_context = "GROUP BY";
            if (sl_expr_bind(&bc, sl_list_nth(sel->group_by, k), &st.keys[k], err) != SL_OK)
                goto done;
            if (st.keys[k]->literal && sl_expr_coerce(cx, args->query_text, st.keys[k], SL_TYPE_TEXT, false,
                                                      &st.keys[k], err) != SL_OK)
                goto done;
            st.key_text[k] = sl_expr_print(cx, st.keys[k]);
        }
        /* aggregates of the select list and HAVING */
        for (int i = 0; i < q->nout; i++)
            if (collect_aggregates(&st, ((sl_ResTarget *)sl_list_nth(exprs, i))->expr, err) != SL_OK)
                goto done;
        if (collect_aggregates(&st, sel->having, err) != SL_OK)
            goto done;
        int ncols = 2 + st.nkeys + st.naggs;
        const char **an = sl_palloc(cx, sizeof(char *) * (size_t)ncols);
        sl_type *at_ = sl_palloc(cx, sizeof(sl_type) * (size_t)ncols);
        an[0] = "window_start";
        an[1] = "window_end";
        at_[0] = at_[1] = SL_TYPE_TIMESTAMP;
        for (int k = 0; k < st.nkeys; k++) {
            an[2 + k] = sl_psprintf(cx, "key_%d", k);
            at_[2 + k] = st.keys[k]->type;
        }
        for (int a = 0; a < st.naggs; a++) {
            an[2 + st.nkeys + a] = sl_psprintf(cx, "agg_%d", a);
            at_[2 + st.nkeys + a] = st.aggs[a].result_type;
        }
        st.agg_schema = sl_schema_new(cx, ncols, an, at_);
        out_ctx.input = st.agg_schema;
        out_ctx.hook = agg_hook;
        out_ctx.hook_arg = &st;
        int naggs_before = st.naggs;
        if (sel->having != NULL) {
            if (sl_expr_bind(&out_ctx, sel->having, &q->having, err) != SL_OK ||
                require_bool(&st, &q->having, "HAVING", sel->having->location, err) != SL_OK)
                goto done;
        }
        (void)naggs_before;
    }
    for (int i = 0; i < q->nout; i++) {
        sl_ResTarget *t = sl_list_nth(exprs, i);
        if (sl_expr_bind(&out_ctx, t->expr, &q->outputs[i], err) != SL_OK)
            goto done;
        if (q->outputs[i]->type == SL_TYPE_UNKNOWN || q->outputs[i]->literal) {
            /* SELECT 'abc' / SELECT NULL: text, as PostgreSQL resolves unknown outputs */
            if (sl_expr_coerce(cx, args->query_text, q->outputs[i], SL_TYPE_TEXT, false, &q->outputs[i],
                               err) != SL_OK)
                goto done;
        }
        names[i] = t->alias != NULL ? t->alias : sl_analyze_column_name(t->expr);
        types[i] = q->outputs[i]->type;
    }
    q->output = sl_schema_new(cx, q->nout, names, types);
    q->nkeys = st.nkeys;
    q->keys = st.keys;
    q->naggs = st.naggs;
    q->aggs = st.aggs;
    q->agg_schema = st.agg_schema;
    *out = q;
    rc = SL_OK;
done:
    sl_mcxt_delete(st.scratch);
    return rc;
}
