/*
 * split.c - a query string cut into its statements (see parse.h).
 *
 * Not the lexer: the pieces may be PostgreSQL SQL that sluice's grammar
 * does not know (catalog queries go to server/pgcat), so this scanner only
 * knows what can hide a ';': quoted strings and identifiers, E'' strings
 * with backslash escapes, dollar-quoted strings and both kinds of comment,
 * as PostgreSQL's scanner reads them.
 */
#include <string.h>

#include "parser/lexer.h"
#include "parser/parse.h"
#include "sluice/errcodes.h"

static bool ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
    return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* Length of the dollar-quote delimiter ($tag$) at s[i], 0 when there is none. */
static int dollar_tag(const char *s, int i, int len)
{
    int j = i + 1;

    if (j < len && !ident_start((unsigned char)s[j]) && s[j] != '$')
        return 0;
    while (j < len && s[j] != '$') {
        if (!ident_char((unsigned char)s[j]) || s[j] == '$')
            return 0;
        j++;
    }
    return j < len ? j - i + 1 : 0;
}

/* Byte offset after the token starting at s[i] that may hide a ';'; i when
 * there is none; -1 when it runs to the end of the input unterminated. */
static int skip_hiding(const char *s, int i, int len, const char **what)
{
    unsigned char c = (unsigned char)s[i];

    if (c == '-' && i + 1 < len && s[i + 1] == '-') {
        while (i < len && s[i] != '\n')
            i++;
        return i;
    }
    if (c == '/' && i + 1 < len && s[i + 1] == '*') {
        int depth = 1;
        i += 2;
        while (i < len && depth > 0) {
            if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
                depth++;
                i += 2;
            } else if (s[i] == '*' && i + 1 < len && s[i + 1] == '/') {
                depth--;
                i += 2;
            } else
                i++;
        }
        *what = "unterminated /* comment";
        return depth > 0 ? -1 : i;
    }
    if (c == '\'' || c == '"') {
        bool backslash = c == '\'' && i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') &&
                         (i < 2 || !ident_char((unsigned char)s[i - 2]));
        *what = c == '\'' ? "unterminated quoted string" : "unterminated quoted identifier";
        for (i++; i < len; i++) {
            if (backslash && s[i] == '\\' && i + 1 < len) {
                i++;
                continue;
            }
            if ((unsigned char)s[i] == c) {
                if (i + 1 < len && (unsigned char)s[i + 1] == c) {
                    i++; /* a doubled quote */
                    continue;
                }
                return i + 1;
            }
        }
        return -1;
    }
    if (c == '$' && (i == 0 || !ident_char((unsigned char)s[i - 1]))) {
        int tag = dollar_tag(s, i, len);
        if (tag == 0)
            return i;
        *what = "unterminated dollar-quoted string";
        for (int j = i + tag; j + tag <= len; j++)
            if (memcmp(s + j, s + i, (size_t)tag) == 0)
                return j + tag;
        return -1;
    }
    return i;
}

static bool blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void add_span(sl_mcxt *cx, sl_list **out, const char *s, int start, int end, int first_token,
                     int semicolon)
{
    sl_stmt_span *sp;

    while (end > start && blank((unsigned char)s[end - 1]))
        end--;
    if (first_token < 0)
        return; /* only blanks and comments */
    sp = sl_pnew(cx, sl_stmt_span);
    sp->location = first_token;
    sp->length = end - first_token;
    sp->semicolon = semicolon;
    *out = sl_list_append(cx, *out, sp);
}

sl_status sl_split_statements(const char *sql, int len, sl_mcxt *cx, sl_list **out, sl_error *err)
{
    int start = 0, first = -1, i = 0;

    *out = NULL;
    while (i < len) {
        const char *what = NULL;
        int next = skip_hiding(sql, i, len, &what);

        if (next < 0) {
            sl_list *ignored;
            /* The grammar's lexer words it as for any syntax error, quoting the text. */
            if (sql[len] == '\0' && sl_parse(sql, cx, &ignored, err) != SL_OK)
                return SL_ERROR;
            sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "%s", what);
            err->position = sl_char_position(sql, i);
            return SL_ERROR;
        }
        if (next > i) {
            bool comment = sql[i] == '-' || sql[i] == '/';
            if (!comment && first < 0)
                first = i;
            i = next;
            continue;
        }
        if (sql[i] == ';') {
            add_span(cx, out, sql, start, i, first, i);
            start = i + 1;
            first = -1;
        } else if (!blank((unsigned char)sql[i]) && first < 0)
            first = i;
        i++;
    }
    add_span(cx, out, sql, start, len, first, -1);
    return SL_OK;
}
