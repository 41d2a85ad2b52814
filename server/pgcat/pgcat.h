/*
 * pgcat.h - pg_catalog and information_schema as read-only relations.
 *
 * PostgreSQL tools (psql, pgjdbc, SQLAlchemy, pgcli, asyncpg) introspect a
 * server with catalog SQL.  The statements that name catalog relations or
 * functions only the catalog knows are not run by sluice's own engine but by
 * SQLite: an in-memory database with the schemas pg_catalog and
 * information_schema, filled from sluice's catalog (server/pgcat/tables.c),
 * queried with the statement translated from PostgreSQL's dialect
 * (server/pgcat/translate.c) and the functions of server/pgcat/funcs.c.
 * docs/catalog.md lists what exists.
 *
 * Entry points: sl_pgcat_claims, sl_pgcat_prepare, sl_pgcat_execute,
 * sl_pgcat_close and the describers of a prepared statement.
 */
#ifndef SLUICE_PGCAT_H
#define SLUICE_PGCAT_H

#include <stdbool.h>
#include <stdint.h>

#include "server/commands/exec.h" /* sl_exec_ctx, SL_TAG_MAX */
#include "server/net/dest.h"      /* sl_dest, sl_column_desc */

typedef struct sl_pgcat_stmt sl_pgcat_stmt;

/* True when this one statement (no trailing ';') is for the catalog engine: a SELECT (or WITH/ VALUES /
 * TABLE) that names a pg_catalog or information_schema relation or a function only the catalog engine
 * knows (current_setting, pg_backend_pid, current_schema(s), pg_get_userbyid, format_type, ...), or uses
 * PostgreSQL-only syntax (::regclass, ~) on such names.  `SELECT 1`, `SELECT version()`, `SELECT x FROM
 * <source>` and every non-SELECT stay with sluice's own parser: return false for them. */
bool sl_pgcat_claims(const char *sql, int len);

/* Translates and prepares.  nparams/param_oids: the types the client gave in Parse (0 = unspecified:
 * inferred from a cast of the parameter, else text 25).  Allocates in cx (the statement is closed when
 * cx is deleted or reset); errors carry a SQLSTATE (42601 syntax with err->position, 42P01 undefined
 * table, 42883 undefined function, 0A000 for PostgreSQL features the engine does not have). */
sl_status sl_pgcat_prepare(sl_exec_ctx *ctx, sl_mcxt *cx, const char *sql, int len, int nparams,
                           const uint32_t *param_oids, sl_pgcat_stmt **out, sl_error *err);
int sl_pgcat_nparams(const sl_pgcat_stmt *st);
uint32_t sl_pgcat_param_oid(const sl_pgcat_stmt *st, int i);
int sl_pgcat_ncols(const sl_pgcat_stmt *st);
const sl_column_desc *sl_pgcat_cols(const sl_pgcat_stmt *st); /* names + PostgreSQL type OIDs, exact */

/* Runs with the parameters' text values (NULL = SQL NULL); rows go to dest as text values in
 * PostgreSQL's text output format (bool 't'/'f', arrays '{a,b}', ...): dest->start then dest->row per
 * row; tag gets "SELECT n".  May be called more than once per prepared statement. */
sl_status sl_pgcat_execute(sl_exec_ctx *ctx, sl_pgcat_stmt *st, const char *const *params, sl_dest *dest,
                           char tag[SL_TAG_MAX], sl_error *err);
/* The length of the first statement of sql[0..len), up to (not including) a ';' outside quotes and
 * comments, or len; *next gets where the next one starts.  For the simple query protocol's strings. */
int sl_pgcat_split(const char *sql, int len, int *next);

/* Frees the statement's SQLite resources; idempotent (also run when its cx goes). */
void sl_pgcat_close(sl_pgcat_stmt *st);

#endif
