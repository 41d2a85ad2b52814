/*
 * print.h - result tables and server messages, printed the way psql prints
 * them in its default aligned format.
 *
 * A table is fed row by row as rows arrive (single-row mode) and printed in
 * batches: the first flush fixes the column widths and prints the header;
 * later rows are printed with those widths.  A result that arrives completely
 * before the first flush therefore prints byte-identical to psql.
 */
#ifndef SLUICE_CLIENT_PRINT_H
#define SLUICE_CLIENT_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <libpq-fe.h>

typedef struct sl_table sl_table;

/*
 * Starts a table for the columns described by res (any result of the result
 * set: a PGRES_SINGLE_TUPLE or PGRES_TUPLES_OK one).  expanded selects the
 * `-[ RECORD n ]` layout of \x.  Free it with sl_table_free.
 */
sl_table *sl_print_table_begin(const PGresult *res, bool expanded);

/* Buffers every row of res (copies them; res may be cleared afterwards). */
void sl_print_table_add(sl_table *t, const PGresult *res);

/* Rows buffered and not yet printed. */
size_t sl_print_table_pending(const sl_table *t);

/* True once the header (or the first record) has been printed. */
bool sl_print_table_started(const sl_table *t);

/* Prints the buffered rows (with the header the first time) and forgets them. */
void sl_print_table_flush(sl_table *t, FILE *out);

/* Prints what is left, the `(N rows)` footer and the blank line after it. */
void sl_print_table_finish(sl_table *t, FILE *out);

void sl_print_table_free(sl_table *t);

/*
 * Prints an error or notice result the way psql does: `ERROR:  message`,
 * the `LINE n:` excerpt and caret when the server gave a position into
 * query (which may be NULL), then DETAIL, HINT, QUERY and (errors only)
 * CONTEXT lines.
 */
void sl_print_message(FILE *out, const PGresult *res, const char *query);

/*
 * Prints the `LINE n: ...` line and the caret line for the 1-based character
 * position pos in query; prints nothing if pos is out of range.
 */
void sl_print_position(FILE *out, const char *query, int pos);

/* Screen columns of the UTF-8 text s[0..len) (wide characters count 2). */
int sl_print_text_width(const char *s, size_t len);

#endif
