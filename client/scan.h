/*
 * scan.h - splits input lines into statements the way psql does.
 *
 * The scanner is fed one line at a time and knows just enough SQL to find
 * the semicolon that ends a statement: '...' and E'...' strings, "..."
 * identifiers, $tag$...$tag$ strings, -- comments, nested C-style comments
 * and parentheses.  A backslash outside all of them starts a shell command that
 * runs to the end of the line.
 *
 * The statement text is collected in the scanner's buffer exactly as psql
 * collects it (so that error positions and `LINE n:` numbers match psql):
 * whitespace and -- comments before the first token are dropped, lines are
 * joined with '\n', and the text ends with the terminating ';'.
 */
#ifndef SLUICE_CLIENT_SCAN_H
#define SLUICE_CLIENT_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "sluice/buf.h"

typedef enum sl_scan_mode {
    SL_SCAN_NORMAL,
    SL_SCAN_QUOTE,   /* '...' */
    SL_SCAN_ESCAPE,  /* E'...' (backslash escapes) */
    SL_SCAN_IDENT,   /* "..." */
    SL_SCAN_DOLLAR,  /* $tag$...$tag$ */
    SL_SCAN_COMMENT, /* slash-star comment, possibly nested */
} sl_scan_mode;

typedef enum sl_scan_result {
    SL_SCAN_EOL,       /* the line is used up; the statement continues */
    SL_SCAN_SEMICOLON, /* a statement is complete in the buffer */
    SL_SCAN_BACKSLASH, /* a backslash command: see sl_scan_command */
} sl_scan_result;

typedef struct sl_scan {
    sl_scan_mode mode;
    int comment_depth;
    int paren_depth;
    char tag[64]; /* dollar-quote tag including both '$' */
    size_t tag_len;
    sl_buf text;      /* the statement being collected, kept NUL-terminated */
    const char *line; /* the line being scanned (not owned) */
    size_t pos;
    size_t line_mark; /* buf length after the '\n' added for this line */
    bool added_nl;
    bool in_command; /* the last result was SL_SCAN_BACKSLASH */
} sl_scan;

void sl_scan_init(sl_scan *s);
void sl_scan_free(sl_scan *s);

/* Forgets the statement collected so far and any open string or comment. */
void sl_scan_reset(sl_scan *s);

/* Starts scanning a new input line (without its '\n'); line must outlive the scan of it. */
void sl_scan_line(sl_scan *s, const char *line);

/*
 * Scans on from where the last call stopped.  On SL_SCAN_SEMICOLON the
 * statement is sl_scan_text(s); the caller runs it, calls sl_scan_clear and
 * calls sl_scan_next again for the rest of the line.
 */
sl_scan_result sl_scan_next(sl_scan *s);

/* On SL_SCAN_BACKSLASH: the command text from the backslash to the end of the line. */
const char *sl_scan_command(const sl_scan *s);

/* The statement collected so far (never NULL) and its length. */
const char *sl_scan_text(const sl_scan *s);
size_t sl_scan_length(const sl_scan *s);

/* Empties the statement buffer (after running it); string/comment state is kept. */
void sl_scan_clear(sl_scan *s);

/* True inside a string, quoted identifier or comment (an empty line then counts). */
bool sl_scan_in_quote(const sl_scan *s);

#endif
