/*
 * parse_int.h - internals shared by the parse driver (parse.c) and the
 * grammar's actions (grammar.y); nothing outside parser/ includes it.
 *
 * The driver owns an sl_parse_state, hands it to Lemon as %extra_context and
 * reads the result from it.  The helpers below are what grammar actions call
 * besides the AST constructors of ast.h: they can fail, and then record the
 * error in the state, which stops the driver after the current token.
 */
#ifndef SLUICE_PARSE_INT_H
#define SLUICE_PARSE_INT_H

#include "parser/ast.h"
#include "parser/lexer.h"
#include "parser/parse.h"

typedef struct sl_parse_state {
    sl_mcxt *cx;     /* where the tree goes */
    const char *sql; /* the whole query string, for error positions */
    sl_error *err;   /* set once; later errors are ignored */
    bool failed;     /* err holds an error: stop feeding tokens */
    sl_list *stmts;  /* of sl_raw_stmt *, the result */
    int cur_offset;  /* byte offset of the token being fed, for stack overflow */
} sl_parse_state;

/* Records a syntax error at tok (the end of input when tok->length is 0). */
void sl_parse_syntax_error(sl_parse_state *ps, const sl_token *tok);

/* Records "statement is too complex" at byte offset. */
void sl_parse_too_complex(sl_parse_state *ps, int offset);

/* Appends a finished statement; semi is its terminating ';' (ival = end of its last token). */
void sl_parse_add_stmt(sl_parse_state *ps, sl_node *stmt, const sl_token *semi);

/* A numeric literal (INTEGER or NUMBER token) as a Const, negated when negative. */
sl_Const *sl_parse_number(sl_parse_state *ps, const sl_token *num, bool negative, int location);

/* $n as a ParamRef. */
sl_node *sl_make_param(sl_parse_state *ps, const sl_token *param);

/* A bare word used as an option value: a STRING Const holding the folded word. */
sl_Const *sl_parse_word_const(sl_parse_state *ps, const sl_token *word);

/* INTERVAL 'text' [unit]: parses text (unit may be NULL); records 22007 on bad text. */
sl_Const *sl_parse_interval_string(sl_parse_state *ps, const sl_token *kw, const sl_token *text,
                                   const sl_token *unit);

/* number UNIT (5 MINUTES, 1.5 HOURS) as an INTERVAL Const. */
sl_Const *sl_parse_number_unit(sl_parse_state *ps, const sl_token *num, const sl_token *unit);

/* The token's text exactly as written in the query (SET values). */
char *sl_parse_token_text(sl_parse_state *ps, const sl_token *tok);

/* DISCARD's words besides ALL (plans, sequences, temp, temporary: TEMP): the
 * word in upper case, or a syntax error at it. */
const char *sl_parse_discard_word(sl_parse_state *ps, const sl_token *word);

/* A word the grammar takes as a name where only one word may stand (CREATE
 * EXTENSION x VERSION '1'): a syntax error at it unless it is expected. */
void sl_parse_expect_word(sl_parse_state *ps, const sl_token *word, const char *expected);

/* The text of SET name's values (char *), joined with ", " (SET datestyle = iso, mdy);
 * NULL for none (DEFAULT).  For search_path each name is quoted when it is not a
 * plain lower-case one, as PostgreSQL shows lists of names ("$user", public). */
char *sl_parse_set_value(sl_parse_state *ps, const char *name, const sl_list *items);

#endif
