/*
 * scan.c - a small scanner of PostgreSQL's lexical rules for catalog SQL:
 * identifiers (folded to lower case), "quoted identifiers", '..' strings
 * with '' inside, E'..' strings with backslash escapes, $tag$..$tag$
 * dollar quotes, numbers, $n parameters, operators, -- and nested block
 * comments.
 *
 * Entry points: sl_pgcat_scan, sl_pgcat_tok_is.
 */
#include <ctype.h>
#include <string.h>

#include "server/pgcat/pgcat_int.h"
#include "sluice/buf.h"

static bool scan_opchar(char c)
{
    return c != '\0' && strchr("+-*/<>=~!@#%^&|`?", c) != NULL;
}

static bool scan_identstart(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static bool scan_identchar(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* An E'..' string's backslash escape at s[*i] (after the backslash). */
static void scan_escape(sl_buf *b, const char *s, int len, int *i)
{
    char c = s[*i];
    switch (c) {
    case 'n':
        sl_buf_append(b, "\n", 1);
        break;
    case 't':
        sl_buf_append(b, "\t", 1);
        break;
    case 'r':
        sl_buf_append(b, "\r", 1);
        break;
    case 'b':
        sl_buf_append(b, "\b", 1);
        break;
    case 'f':
        sl_buf_append(b, "\f", 1);
        break;
    default:
        if (c >= '0' && c <= '7') {
            int v = 0, n = 0;
            while (n < 3 && *i < len && s[*i] >= '0' && s[*i] <= '7') {
                v = v * 8 + (s[*i] - '0');
                (*i)++;
                n++;
            }
            char ch = (char)v;
            sl_buf_append(b, &ch, 1);
            return;
        }
        sl_buf_append(b, &c, 1);
    }
    (*i)++;
}

/* A quoted string or identifier at s[*i] (the opening quote): doubled quotes stand for one,
 * backslash escapes only in E'' strings.  False when it does not end. */
static bool scan_quoted(sl_buf *b, const char *s, int len, int *i, char q, bool escapes)
{
    (*i)++;
    for (;;) {
        if (*i >= len)
            return false;
        if (escapes && s[*i] == '\\' && *i + 1 < len) {
            (*i)++;
            scan_escape(b, s, len, i);
        } else if (s[*i] == q && *i + 1 < len && s[*i + 1] == q) {
            sl_buf_append(b, &q, 1);
            *i += 2;
        } else if (s[*i] == q) {
            (*i)++;
            return true;
        } else
            sl_buf_append(b, &s[(*i)++], 1);
    }
}

static sl_status scan_unterminated(sl_error *err, const char *what, int pos)
{
    sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "unterminated %s", what);
    err->position = pos + 1;
    return SL_ERROR;
}

sl_status sl_pgcat_scan(sl_mcxt *cx, const char *s, int len, sl_pgcat_tok **toks, int *ntoks, sl_error *err)
{
    int cap = 64, n = 0, i = 0;
    sl_pgcat_tok *t = sl_palloc(cx, sizeof(*t) * (size_t)cap);
    sl_buf b;

    sl_buf_init(&b);
    for (;;) {
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        if (i + 1 < len && s[i] == '-' && s[i + 1] == '-') {
            while (i < len && s[i] != '\n')
                i++;
            continue;
        }
        if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
            int depth = 1, start = i;
            i += 2;
            while (i < len && depth > 0) {
                if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
                    depth++;
                    i += 2;
                } else if (i + 1 < len && s[i] == '*' && s[i + 1] == '/') {
                    depth--;
                    i += 2;
                } else
                    i++;
            }
            if (depth > 0) {
                sl_buf_free(&b);
                return scan_unterminated(err, "/* comment", start);
            }
            continue;
        }
        if (n + 1 >= cap) {
            t = sl_prealloc(cx, t, sizeof(*t) * (size_t)cap, sizeof(*t) * (size_t)cap * 2);
            cap *= 2;
        }
        sl_pgcat_tok *k = &t[n];
        memset(k, 0, sizeof(*k));
        k->pos = i;
        if (i >= len) {
            k->kind = SL_PGTOK_EOF;
            k->text = "";
            n++;
            break;
        }
        unsigned char c = (unsigned char)s[i];
        sl_buf_reset(&b, 0);
        if ((c == 'E' || c == 'e') && i + 1 < len && s[i + 1] == '\'') {
            i++;
            if (!scan_quoted(&b, s, len, &i, '\'', true)) {
                sl_buf_free(&b);
                return scan_unterminated(err, "quoted string", k->pos);
            }
            k->kind = SL_PGTOK_STRING;
        } else if (c == '\'' || c == '"') {
            if (!scan_quoted(&b, s, len, &i, (char)c, false)) {
                sl_buf_free(&b);
                return scan_unterminated(err, c == '"' ? "quoted identifier" : "quoted string", k->pos);
            }
            k->kind = c == '"' ? SL_PGTOK_QIDENT : SL_PGTOK_STRING;
        } else if (c == '$' && i + 1 < len && isdigit((unsigned char)s[i + 1])) {
            i++;
            while (i < len && isdigit((unsigned char)s[i])) {
                if (k->num < 100000)
                    k->num = k->num * 10 + (s[i] - '0');
                i++;
            }
            sl_buf_append(&b, s + k->pos, (size_t)(i - k->pos));
            k->kind = SL_PGTOK_PARAM;
        } else if (c == '$') {
            /* $tag$ ... $tag$ */
            int j = i + 1;
            while (j < len && scan_identchar((unsigned char)s[j]) && s[j] != '$')
                j++;
            if (j >= len || s[j] != '$') {
                sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "syntax error at or near \"$\"");
                err->position = i + 1;
                sl_buf_free(&b);
                return SL_ERROR;
            }
            int taglen = j - i + 1, start = i, body = j + 1, end = -1;
            for (int m = body; m + taglen <= len; m++)
                if (memcmp(s + m, s + i, (size_t)taglen) == 0) {
                    end = m;
                    break;
                }
            if (end < 0) {
                sl_buf_free(&b);
                return scan_unterminated(err, "dollar-quoted string", start);
            }
            sl_buf_append(&b, s + body, (size_t)(end - body));
            i = end + taglen;
            k->kind = SL_PGTOK_STRING;
        } else if (scan_identstart(c)) {
            while (i < len && scan_identchar((unsigned char)s[i])) {
                char l = (char)tolower((unsigned char)s[i++]);
                sl_buf_append(&b, &l, 1);
            }
            k->kind = SL_PGTOK_IDENT;
        } else if (isdigit(c) || (c == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) {
            while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '.' ||
                               ((s[i] == '+' || s[i] == '-') && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
                i++;
            sl_buf_append(&b, s + k->pos, (size_t)(i - k->pos));
            k->kind = SL_PGTOK_NUMBER;
        } else if (c == ':' && i + 1 < len && s[i + 1] == ':') {
            i += 2;
            sl_buf_puts(&b, "::");
            k->kind = SL_PGTOK_CAST;
        } else if (scan_opchar((char)c)) {
            while (i < len && scan_opchar(s[i]) && !(s[i] == '-' && i + 1 < len && s[i + 1] == '-') &&
                   !(s[i] == '/' && i + 1 < len && s[i + 1] == '*'))
                i++;
            sl_buf_append(&b, s + k->pos, (size_t)(i - k->pos));
            k->kind = SL_PGTOK_OP;
        } else {
            i++;
            sl_buf_append(&b, &c, 1);
            k->kind = SL_PGTOK_PUNCT;
        }
        k->text = b.len ? sl_pstrndup(cx, b.data, b.len) : "";
        n++;
    }
    sl_buf_free(&b);
    *toks = t;
    *ntoks = n;
    return SL_OK;
}

bool sl_pgcat_tok_is(const sl_pgcat_tok *t, const char *word)
{
    return t->kind == SL_PGTOK_IDENT && strcmp(t->text, word) == 0;
}
