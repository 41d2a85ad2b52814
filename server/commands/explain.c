/*
 * explain.c - EXPLAIN's text: the operator graph of a planned query.
 *
 * One line per operator, the consumer first, each input indented under it
 * with "-> " as PostgreSQL prints plans:
 *
 *   Sink file "out"
 *     -> Project (station text, avg_ph double)
 *       -> WindowAggregate TUMBLING (1 minute) keys: station aggs: avg(ph)
 *         -> Filter (ph > 0)
 *           -> Source generator "gen" (ts timestamp, station text, ...)
 *
 * Entry point: sl_runtime_explain (server/engine/runtime.h).
 */
#include <stdio.h>
#include <string.h>

#include "server/engine/runtime.h"
#include "sluice/connector.h"

static const char *agg_name(sl_agg_func f)
{
    switch (f) {
    case SL_AGG_COUNT_STAR:
    case SL_AGG_COUNT:
        return "count";
    case SL_AGG_SUM:
        return "sum";
    case SL_AGG_AVG:
        return "avg";
    case SL_AGG_MIN:
        return "min";
    case SL_AGG_MAX:
        return "max";
    case SL_AGG_STDDEV_SAMP:
        return "stddev_samp";
    case SL_AGG_STDDEV_POP:
        return "stddev_pop";
    case SL_AGG_VAR_SAMP:
        return "var_samp";
    case SL_AGG_VAR_POP:
        return "var_pop";
    case SL_AGG_FIRST:
        return "first";
    case SL_AGG_LAST:
        return "last";
    }
    return "?";
}

/* "(a text, b double)" */
static char *columns(sl_mcxt *cx, const sl_schema *s)
{
    char *out = sl_pstrdup(cx, "(");

    for (int i = 0; i < s->ncols; i++)
        out = sl_psprintf(cx, "%s%s%s %s", out, i ? ", " : "", s->names[i], sl_type_name(s->types[i]));
    return sl_psprintf(cx, "%s)", out);
}

/* An expression in parentheses once: the printer already wraps operators. */
static char *paren(sl_mcxt *cx, const sl_expr *e)
{
    char *t = sl_expr_print(cx, e);
    size_t n = strlen(t);

    int depth = 0;

    /* Already wrapped when the first '(' closes at the very end (quotes
     * aside, which a predicate's text rarely needs here). */
    for (size_t i = 0; n >= 2 && t[0] == '(' && i < n; i++) {
        depth += t[i] == '(' ? 1 : t[i] == ')' ? -1 : 0;
        if (depth == 0)
            return i == n - 1 ? t : sl_psprintf(cx, "(%s)", t);
    }
    return sl_psprintf(cx, "(%s)", t);
}

/* The text of aggregate call a: "avg(ph)", "count(*)". */
static char *agg_text(sl_mcxt *cx, const sl_agg_call *c)
{
    return sl_psprintf(cx, "%s(%s%s)", agg_name(c->func), c->distinct ? "DISTINCT " : "",
                       c->arg != NULL ? sl_expr_print(cx, c->arg) : "*");
}

static bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* HAVING is bound over the aggregate's output columns, which carry
 * internal names; a reader wants the calls they stand for. */
static char *having_text(sl_mcxt *cx, const sl_query_desc *q)
{
    char *t = paren(cx, q->having);

    for (int a = 0; a < q->naggs; a++) {
        const char *name = q->agg_schema->names[2 + q->nkeys + a];
        size_t n = strlen(name);
        char *out = sl_pstrdup(cx, "");
        const char *p = t, *hit;

        while ((hit = strstr(p, name)) != NULL) {
            bool word = (hit == t || !ident_char(hit[-1])) && !ident_char(hit[n]);
            out =
                sl_psprintf(cx, "%s%.*s%s", out, (int)(hit - p), p, word ? agg_text(cx, &q->aggs[a]) : name);
            p = hit + n;
        }
        t = sl_psprintf(cx, "%s%s", out, p);
    }
    return t;
}

static sl_list *line(sl_mcxt *cx, sl_list *lines, int level, const char *text)
{
    if (level == 0)
        return sl_list_append(cx, lines, (void *)text);
    return sl_list_append(cx, lines, sl_psprintf(cx, "%*s-> %s", level * 2, "", text));
}

static char *window_text(sl_mcxt *cx, const sl_query_desc *q)
{
    const sl_WindowClause *w = q->window;

    if (w == NULL)
        return sl_pstrdup(cx, "Aggregate (whole source)");
    switch (w->kind) {
    case SL_WINDOW_HOPPING:
        return sl_psprintf(cx, "WindowAggregate HOPPING (%s, %s)", sl_interval_format(cx, w->size_us),
                           sl_interval_format(cx, w->slide_us));
    case SL_WINDOW_SESSION:
        return sl_psprintf(cx, "WindowAggregate SESSION (%s)", sl_interval_format(cx, w->size_us));
    case SL_WINDOW_TUMBLING:
    default:
        return sl_psprintf(cx, "WindowAggregate TUMBLING (%s)", sl_interval_format(cx, w->size_us));
    }
}

sl_list *sl_runtime_explain(sl_mcxt *cx, const sl_runtime *rt)
{
    const sl_query_desc *q = sl_runtime_desc(rt);
    sl_list *lines = NULL;
    int level = 0;
    char *s;

    if (q->sink != NULL)
        lines =
            line(cx, lines, level++, sl_psprintf(cx, "Sink %s \"%s\"", sl_runtime_sink_kind(rt), q->sink));
    else
        lines = line(cx, lines, level++, "Client");
    if (q->limit >= 0)
        lines = line(cx, lines, level++, sl_psprintf(cx, "Limit (%lld)", (long long)q->limit));
    lines = line(cx, lines, level++, sl_psprintf(cx, "Project %s", columns(cx, q->output)));
    if (q->aggregated) {
        if (q->having != NULL)
            lines = line(cx, lines, level++, sl_psprintf(cx, "Filter %s", having_text(cx, q)));
        s = window_text(cx, q);
        if (q->nkeys > 0) {
            s = sl_psprintf(cx, "%s keys:", s);
            for (int k = 0; k < q->nkeys; k++)
                s = sl_psprintf(cx, "%s%s %s", s, k ? "," : "", sl_expr_print(cx, q->keys[k]));
        }
        if (q->naggs > 0) {
            s = sl_psprintf(cx, "%s aggs:", s);
            for (int a = 0; a < q->naggs; a++) {
                s = sl_psprintf(cx, "%s%s %s", s, a ? "," : "", agg_text(cx, &q->aggs[a]));
            }
        }
        if (q->event_time_col >= 0)
            s = sl_psprintf(cx, "%s event time: %s", s, q->input->names[q->event_time_col]);
        if (q->watermark_us > 0)
            s = sl_psprintf(cx, "%s watermark: %s", s, sl_interval_format(cx, q->watermark_us));
        lines = line(cx, lines, level++, s);
    }
    if (q->where != NULL)
        lines = line(cx, lines, level++, sl_psprintf(cx, "Filter %s", paren(cx, q->where)));
    lines = line(
        cx, lines, level++,
        sl_psprintf(cx, "Source %s \"%s\" %s", sl_runtime_source_kind(rt), q->source, columns(cx, q->input)));
    return lines;
}
