/*
 * plan.h - from an analyzed query to the operators it runs (op.h).
 *
 *   Filter (WHERE) -> [Aggregate -> Filter (HAVING)] -> Project -> [Limit] -> Sink | Client
 *
 * Entry point: sl_plan_build.
 */
#ifndef SLUICE_PLAN_H
#define SLUICE_PLAN_H

#include "server/engine/analyze.h"
#include "server/engine/op.h"
#include "server/engine/window.h"

/*
 * Fills plan (in ctx) with the operators of q, ending in a Sink into the
 * sink sink_name of kind sink_kind, or a Client when sink_name is NULL.
 * cfg holds the aggregate's event-time settings.  On error (the window
 * operator cannot be made) returns SL_ERROR with err set.
 */
sl_status sl_plan_build(sl_plan *plan, sl_op_ctx *ctx, const sl_query_desc *q, const sl_window_config *cfg,
                        const char *sink_kind, const char *sink_name, sl_error *err);

#endif
