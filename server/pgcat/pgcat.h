/*
 * pgcat.h - pg_catalog and information_schema: the catalog SQL PostgreSQL
 * tools send, answered from sluice's catalog.
 *
 * (Interface only for now: the engine lands with the pgcat branch.)
 */
#ifndef SLUICE_PGCAT_H
#define SLUICE_PGCAT_H

#include <stdbool.h>
#include <stdint.h>

#include "server/commands/exec.h"
#include "server/net/dest.h"

typedef struct sl_pgcat_stmt sl_pgcat_stmt;

/* True when this one statement (no trailing ';') is for the catalog engine. */
bool sl_pgcat_claims(const char *sql, int len);
sl_status sl_pgcat_prepare(sl_exec_ctx *ctx, sl_mcxt *cx, const char *sql, int len, int nparams,
                           const uint32_t *param_oids, sl_pgcat_stmt **out, sl_error *err);
int sl_pgcat_nparams(const sl_pgcat_stmt *st);
uint32_t sl_pgcat_param_oid(const sl_pgcat_stmt *st, int i);
int sl_pgcat_ncols(const sl_pgcat_stmt *st);
const sl_column_desc *sl_pgcat_cols(const sl_pgcat_stmt *st);
sl_status sl_pgcat_execute(sl_exec_ctx *ctx, sl_pgcat_stmt *st, const char *const *params, sl_dest *dest,
                           char tag[SL_TAG_MAX], sl_error *err);
void sl_pgcat_close(sl_pgcat_stmt *st);

#endif
