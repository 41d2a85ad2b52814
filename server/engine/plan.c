/*
 * plan.c - the operators of an analyzed query (see plan.h).
 */
#include "server/engine/plan.h"

#include "server/engine/ops.h"
#include "sluice/errcodes.h"

sl_status sl_plan_build(sl_plan *plan, sl_op_ctx *ctx, const sl_query_desc *q, const sl_window_config *cfg,
                        const char *sink_kind, const char *sink_name, sl_error *err)
{
    *plan = (sl_plan){.ctx = ctx};
    if (q->where != NULL)
        sl_plan_append(plan, sl_filter_op_new(ctx, q->where, NULL));
    if (q->aggregated) {
        sl_operator *agg = sl_aggregate_op_new(ctx, q, cfg);

        if (agg == NULL)
            return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not create the window operator");
        sl_plan_append(plan, agg);
        if (q->having != NULL)
            sl_plan_append(plan, sl_filter_op_new(ctx, q->having, q));
    }
    sl_plan_append(plan, sl_project_op_new(ctx, q->outputs, q->nout, q->output));
    if (q->limit >= 0)
        sl_plan_append(plan, sl_limit_op_new(ctx, q->limit));
    sl_plan_append(plan, sink_name != NULL ? sl_sink_op_new(ctx, sink_kind, sink_name)
                                           : sl_client_op_new(ctx, q->output, q->outputs));
    return SL_OK;
}
