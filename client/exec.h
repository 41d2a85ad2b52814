/*
 * exec.h - runs SQL text on the server and prints its results as they
 * stream in.
 */
#ifndef SLUICE_CLIENT_EXEC_H
#define SLUICE_CLIENT_EXEC_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "client/shell.h"

/* Rows buffered before they are printed with the widths known so far. */
#define SL_EXEC_BATCH_ROWS 1000
/* ... or after this long, when sh->flush_by_time is set. */
#define SL_EXEC_BATCH_MS 1000

/*
 * Sends sql (one statement or several separated by ';') as one simple query
 * and prints every result: tables, command tags (unless quiet), notices and
 * errors.  Returns false when a statement failed; a lost connection is
 * reported and recorded in sh.
 */
bool sl_exec_query(sl_shell *sh, const char *sql);

/* libpq notice receiver: prints NOTICE / WARNING lines where errors go; arg is the sl_shell. */
void sl_exec_notice(void *arg, const PGresult *res);

#endif
