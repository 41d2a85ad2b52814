/*
 * parse.h - the parser's entry points.
 *
 * sl_parse() turns a query string (one or more statements separated by
 * semicolons) into a list of statement nodes; sl_print_node() turns a tree
 * back into canonical SQL (for EXPLAIN, error messages and tests).
 */
#ifndef SLUICE_PARSE_H
#define SLUICE_PARSE_H

#include "parser/ast.h"
#include "sluice/error.h"

/* Limits that keep hostile input from exhausting the stack or memory. */
#define SL_PARSE_MAX_DEPTH  1000          /* nested parentheses/expressions */
#define SL_PARSE_MAX_LENGTH (1024 * 1024) /* bytes in one query string */

typedef struct sl_raw_stmt {
    sl_node *stmt;
    int location; /* byte offset of the statement's first token */
    int length;   /* bytes up to the end of its last token (the ';', blanks and comments after it excluded) */
} sl_raw_stmt;

/*
 * Parses sql (NUL-terminated) into *out, a list of sl_raw_stmt * allocated
 * in cx (empty statements between semicolons are skipped, so an all-blank
 * string gives NULL).  On a syntax error returns SL_ERROR with err set to
 * SQLSTATE 42601, a message naming the unexpected token ("syntax error at or
 * near \"FROM\"", or "syntax error at end of input") and err->position the
 * 1-based *character* position of that token in sql.  Other errors:
 * 42601 for unterminated strings, quoted identifiers and comments; 54000
 * "statement is too long" above SL_PARSE_MAX_LENGTH bytes; 54001 "statement
 * is too complex" for nesting deeper than SL_PARSE_MAX_DEPTH (so walkers of
 * the tree may recurse); 22007/22003 for bad or out-of-range intervals.
 */
sl_status sl_parse(const char *sql, sl_mcxt *cx, sl_list **out, sl_error *err);

/* One statement of a query string: sql[location .. location+length), its
 * first token to its last (the ';', blanks and comments around excluded). */
typedef struct sl_stmt_span {
    int location;
    int length;
    int semicolon; /* byte offset of the ';' that ends it, -1 at the end of the string */
} sl_stmt_span;

/*
 * Cuts sql[0..len) at the semicolons that end statements, as PostgreSQL's
 * scanner would (not inside quotes, dollar quotes or comments), into a list
 * of sl_stmt_span * in cx; empty statements are left out.  42601 with the
 * position for an unterminated string, identifier or comment.
 */
sl_status sl_split_statements(const char *sql, int len, sl_mcxt *cx, sl_list **out, sl_error *err);

/* Canonical SQL for a statement or expression, allocated in cx. */
char *sl_print_node(sl_mcxt *cx, const sl_node *node);

#endif
