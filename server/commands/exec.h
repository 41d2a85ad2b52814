/*
 * exec.h - executing one parsed statement.
 *
 * The session parses a query string into statements and calls
 * sl_exec_statement() for each in turn; exec dispatches on the node's tag to
 * the DDL, SHOW/SET, DESCRIBE and query handlers.  Rows go to dest; the
 * CommandComplete tag ("CREATE SOURCE", "SHOW", "SELECT 3") is written to tag.
 */
#ifndef SLUICE_EXEC_H
#define SLUICE_EXEC_H

#include <stdbool.h>

#include "server/net/dest.h"
#include "parser/parse.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

typedef struct sl_settings sl_settings;

typedef struct sl_exec_ctx {
    sl_mcxt *stmt_cx;       /* freed after the statement */
    sl_settings *settings;  /* the session's view of the settings (SET/SHOW) */
    volatile int *cancel;   /* becomes non-zero when a CancelRequest matches the session */
    const char *query_text; /* the whole query string, for error positions */
    bool in_transaction;    /* BEGIN seen: ReadyForQuery reports 'T' */
    const char *role;       /* the role the session logged in as */
    bool superuser;         /* that role is a superuser */
} sl_exec_ctx;

#define SL_TAG_MAX 64

/*
 * Runs stmt.  Returns SL_OK with tag filled, or SL_ERROR with err set (the
 * position, when set, is relative to the whole query string).
 */
sl_status sl_exec_statement(sl_exec_ctx *ctx, const sl_raw_stmt *stmt, sl_dest *dest, char tag[SL_TAG_MAX],
                            sl_error *err);

#endif
