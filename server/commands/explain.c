/*
 * explain.c - EXPLAIN's text: the operators of a planned query.
 *
 * One line per operator of the query's plan (server/engine/op.h), the
 * consumer first, each input indented under it with "-> " as PostgreSQL
 * prints plans, the source last:
 *
 *   Sink file "out"
 *     -> Project (station text, avg_ph double)
 *       -> WindowAggregate TUMBLING (1 minute) keys: station aggs: avg(ph)
 *         -> Filter (ph > 0)
 *           -> Source generator "gen" (ts timestamp, station text, ...)
 *
 * Entry point: sl_runtime_explain (server/engine/runtime.h).
 */
#include "server/engine/ops.h"
#include "server/engine/runtime.h"

sl_list *sl_runtime_explain(sl_mcxt *cx, const sl_runtime *rt)
{
    const sl_query_desc *q = sl_runtime_desc(rt);
    const char *source = sl_psprintf(cx, "Source %s \"%s\" %s", sl_runtime_source_kind(rt), q->source,
                                     sl_schema_text(cx, q->input));

    return sl_plan_explain(sl_runtime_ops(rt), source, cx);
}
