/*
 * scan.c - the statement splitter of the shell (see scan.h).
 *
 * Entry points: sl_scan_init / _free / _reset, sl_scan_line to start a line,
 * sl_scan_next to find the next semicolon or backslash command in it, and
 * sl_scan_text / _clear for the statement collected.
 *
 * This is not a SQL lexer: it only tracks the constructs inside which a ';'
 * or a '\' does not end anything, so that the server sees each statement
 * exactly as typed.
 */
#include "client/scan.h"

#include <stdlib.h>
#include <string.h>

/* Appends p[0..n) and keeps the text NUL-terminated (the NUL not counted). */
static void sl_scan_append(sl_scan *s, const char *p, size_t n)
{
    sl_buf_append(&s->text, p, n);
    *sl_buf_reserve(&s->text, 1) = '\0';
}

static bool sl_scan_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool sl_scan_ident_char(unsigned char c)
{
    return sl_scan_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool sl_scan_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void sl_scan_init(sl_scan *s)
{
    memset(s, 0, sizeof(*s));
    sl_buf_init(&s->text);
    sl_scan_append(s, "", 0);
    s->line = "";
}

void sl_scan_free(sl_scan *s)
{
    sl_buf_free(&s->text);
}

void sl_scan_clear(sl_scan *s)
{
    s->text.len = 0;
    s->text.data[0] = '\0';
    s->paren_depth = 0;
    s->added_nl = false;
}

void sl_scan_reset(sl_scan *s)
{
    sl_scan_clear(s);
    s->mode = SL_SCAN_NORMAL;
    s->comment_depth = 0;
    s->tag_len = 0;
    s->line = "";
    s->pos = 0;
    s->in_command = false;
}

void sl_scan_line(sl_scan *s, const char *line)
{
    s->line = line;
    s->pos = 0;
    s->added_nl = false;
    s->in_command = false;
    /* Lines of one statement are joined with '\n', as psql joins them. */
    if (s->text.len > 0) {
        sl_scan_append(s, "\n", 1);
        s->added_nl = true;
        s->line_mark = s->text.len;
    }
}

const char *sl_scan_command(const sl_scan *s)
{
    /* sl_scan_next leaves pos on the backslash until the next call. */
    return s->line + s->pos;
}

const char *sl_scan_text(const sl_scan *s)
{
    return s->text.data;
}

size_t sl_scan_length(const sl_scan *s)
{
    return s->text.len;
}

bool sl_scan_in_quote(const sl_scan *s)
{
    return s->mode != SL_SCAN_NORMAL;
}

/*
 * At a '$' in normal mode: if a dollar-quote tag ($$ or $name$) starts here,
 * remembers it and returns its length, else 0.  A '$' inside an identifier
 * (a$b) or before a digit ($1, a parameter) starts nothing.
 */
static size_t sl_scan_dollar_tag(sl_scan *s, const char *p)
{
    size_t n = 1;

    if (s->text.len > 0 && sl_scan_ident_char((unsigned char)s->text.data[s->text.len - 1]))
        return 0;
    if (p[1] != '$') {
        if (!sl_scan_ident_start((unsigned char)p[1]))
            return 0;
        while (p[n] != '\0' && p[n] != '$' && sl_scan_ident_char((unsigned char)p[n]))
            n++;
        if (p[n] != '$')
            return 0;
    }
    n++;
    if (n > sizeof(s->tag))
        return 0;
    memcpy(s->tag, p, n);
    s->tag_len = n;
    return n;
}

sl_scan_result sl_scan_next(sl_scan *s)
{
    const char *l = s->line;

    /* A command returned by the last call owns the rest of its line. */
    if (s->in_command) {
        s->in_command = false;
        s->pos += strlen(l + s->pos);
        return SL_SCAN_EOL;
    }
    while (l[s->pos] != '\0') {
        const char *p = l + s->pos;
        char c = *p;

        switch (s->mode) {
        case SL_SCAN_NORMAL:
            if (c == '-' && p[1] == '-') {
                /* A -- comment before the statement is dropped, inside it kept. */
                size_t rest = strlen(p);

                if (s->text.len > 0)
                    sl_scan_append(s, p, rest);
                s->pos += rest;
                continue;
            }
            if (sl_scan_space(c)) {
                if (s->text.len > 0)
                    sl_scan_append(s, p, 1);
                s->pos++;
                continue;
            }
            if (c == '\\') {
                /* A line that held nothing but a command adds nothing to the statement. */
                if (s->added_nl && s->text.len == s->line_mark) {
                    s->text.len--;
                    s->text.data[s->text.len] = '\0';
                    s->added_nl = false;
                }
                s->in_command = true;
                return SL_SCAN_BACKSLASH;
            }
            if (c == '/' && p[1] == '*') {
                s->mode = SL_SCAN_COMMENT;
                s->comment_depth = 1;
                sl_scan_append(s, p, 2);
                s->pos += 2;
                continue;
            }
            if (c == '$') {
                size_t n = sl_scan_dollar_tag(s, p);

                if (n > 0) {
                    s->mode = SL_SCAN_DOLLAR;
                    sl_scan_append(s, p, n);
                    s->pos += n;
                    continue;
                }
            } else if (c == '\'') {
                /* E'...' (a lone E or e just before the quote) takes backslash escapes. */
                bool esc =
                    s->text.len > 0 &&
                    (s->text.data[s->text.len - 1] == 'E' || s->text.data[s->text.len - 1] == 'e') &&
                    (s->text.len == 1 || !sl_scan_ident_char((unsigned char)s->text.data[s->text.len - 2]));

                s->mode = esc ? SL_SCAN_ESCAPE : SL_SCAN_QUOTE;
            } else if (c == '"') {
                s->mode = SL_SCAN_IDENT;
            } else if (c == '(') {
                s->paren_depth++;
            } else if (c == ')' && s->paren_depth > 0) {
                s->paren_depth--;
            } else if (c == ';' && s->paren_depth == 0) {
                sl_scan_append(s, p, 1);
                s->pos++;
                return SL_SCAN_SEMICOLON;
            }
            sl_scan_append(s, p, 1);
            s->pos++;
            break;

        case SL_SCAN_ESCAPE:
            if (c == '\\' && p[1] != '\0') {
                sl_scan_append(s, p, 2);
                s->pos += 2;
                break;
            }
            /* otherwise an E'...' string ends like any other */
            /* fall through */
        case SL_SCAN_QUOTE:
        case SL_SCAN_IDENT: {
            char q = s->mode == SL_SCAN_IDENT ? '"' : '\'';

            if (c == q && p[1] == q) {
                /* doubled quote: a quote character inside */
                sl_scan_append(s, p, 2);
                s->pos += 2;
                break;
            }
            if (c == q)
                s->mode = SL_SCAN_NORMAL;
            sl_scan_append(s, p, 1);
            s->pos++;
            break;
        }

        case SL_SCAN_DOLLAR:
            if (c == '$' && strncmp(p, s->tag, s->tag_len) == 0) {
                sl_scan_append(s, p, s->tag_len);
                s->pos += s->tag_len;
                s->mode = SL_SCAN_NORMAL;
                break;
            }
            sl_scan_append(s, p, 1);
            s->pos++;
            break;

        case SL_SCAN_COMMENT:
            if (c == '/' && p[1] == '*') {
                s->comment_depth++;
                sl_scan_append(s, p, 2);
                s->pos += 2;
            } else if (c == '*' && p[1] == '/') {
                if (--s->comment_depth == 0)
                    s->mode = SL_SCAN_NORMAL;
                sl_scan_append(s, p, 2);
                s->pos += 2;
            } else {
                sl_scan_append(s, p, 1);
                s->pos++;
            }
            break;
        }
    }
    return SL_SCAN_EOL;
}
