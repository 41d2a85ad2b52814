/*
 * lexer.h - the hand-written SQL tokenizer that feeds the Lemon grammar.
 *
 * Entry points: sl_lexer_init() and sl_lexer_next() split a query string
 * into tokens whose codes are the grammar's TK_* constants (grammar.h, made
 * by Lemon); sl_lexer_word_token() classifies a word (the printer uses it to
 * decide which identifiers need quotes); sl_char_position() turns a byte
 * offset into the 1-based character position that errors report.
 */
#ifndef SLUICE_LEXER_H
#define SLUICE_LEXER_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/error.h"
#include "sluice/mcxt.h"

typedef struct sl_token {
    int type;        /* TK_* code; 0 at end of input */
    int offset;      /* byte offset of the token's first byte in the query string */
    int length;      /* bytes of the token as written (0 for the end of input) */
    const char *str; /* ID: the name (folded unless quoted); STRING: the unescaped text;
                        keywords and UNIT: the folded word; numbers: the literal as written */
    int64_t ival;    /* INTEGER: the value; DURATION and UNIT: microseconds */
} sl_token;

typedef struct sl_lexer {
    const char *sql; /* the whole query string */
    int len;         /* its length in bytes */
    int pos;         /* byte offset of the next unread character */
    sl_mcxt *cx;     /* where token strings are allocated */
} sl_lexer;

/* Prepares lx to tokenize sql[0..len); strings are allocated in cx. */
void sl_lexer_init(sl_lexer *lx, const char *sql, int len, sl_mcxt *cx);

/*
 * Reads the next token into *tok (type 0 at the end of input; whitespace and
 * comments are skipped).  Returns SL_ERROR with err set (SQLSTATE 42601 and
 * the character position) for an unterminated string, quoted identifier or
 * comment, a bad number or a character that starts no token.
 */
sl_status sl_lexer_next(sl_lexer *lx, sl_token *tok, sl_error *err);

/* The token code of a folded word: a keyword's TK_*, TK_UNIT for an interval unit, else TK_ID. */
int sl_lexer_word_token(const char *word);

/* 1-based character (not byte) position of byte offset in sql, counting UTF-8 characters. */
int sl_char_position(const char *sql, int offset);

/* A printable name for a token code ("ID", "'('", keywords as spelled: "select"), for tests and traces. */
const char *sl_token_name(int type);

#endif
