/*
 * lexer.c - the hand-written SQL tokenizer (see lexer.h).
 *
 * One pass over the query string, no backtracking beyond a character or
 * two, so the cost is linear in the input.  It folds keywords and unquoted
 * identifiers to lower case, unescapes '' in strings and "" in quoted
 * identifiers, reads dollar-quoted strings ($$...$$, $tag$...$tag$) as written,
 * skips -- and (nested) block comments, and reads a number glued
 * to a unit (1m, 30s, 500ms) as one DURATION token so the grammar never sees
 * the pieces.  Token codes are the grammar's TK_* (grammar.h).
 *
 * Entry points: sl_lexer_init(), sl_lexer_next(), sl_lexer_word_token(),
 * sl_char_position(), sl_token_name().
 */
#include "parser/lexer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/interval.h"
#include "parser/grammar.h"
#include "parser/parse.h"
#include "sluice/errcodes.h"

typedef struct sl_keyword {
    const char *name; /* folded spelling */
    int token;
} sl_keyword;

/* Sorted by name: looked up with bsearch(). */
static const sl_keyword sl_keywords[] = {
    {"abort", TK_ABORT},
    {"all", TK_ALL},
    {"alter", TK_ALTER},
    {"and", TK_AND},
    {"as", TK_AS},
    {"authorization", TK_AUTHORIZATION},
    {"begin", TK_BEGIN},
    {"between", TK_BETWEEN},
    {"by", TK_BY},
    {"cascade", TK_CASCADE},
    {"case", TK_CASE},
    {"cast", TK_CAST},
    {"characteristics", TK_CHARACTERISTICS},
    {"close", TK_CLOSE},
    {"commit", TK_COMMIT},
    {"committed", TK_COMMITTED},
    {"create", TK_CREATE},
    {"default", TK_DEFAULT},
    {"deferrable", TK_DEFERRABLE},
    {"describe", TK_DESCRIBE},
    {"discard", TK_DISCARD},
    {"distinct", TK_DISTINCT},
    {"do", TK_DO},
    {"double", TK_DOUBLE},
    {"drop", TK_DROP},
    {"else", TK_ELSE},
    {"end", TK_END},
    {"event", TK_EVENT},
    {"exists", TK_EXISTS},
    {"explain", TK_EXPLAIN},
    {"extension", TK_EXTENSION},
    {"extensions", TK_EXTENSIONS},
    {"extract", TK_EXTRACT},
    {"false", TK_FALSE},
    {"from", TK_FROM},
    {"grant", TK_GRANT},
    {"grants", TK_GRANTS},
    {"group", TK_GROUP},
    {"having", TK_HAVING},
    {"hopping", TK_HOPPING},
    {"if", TK_IF},
    {"ilike", TK_ILIKE},
    {"in", TK_IN},
    {"interval", TK_INTERVAL},
    {"into", TK_INTO},
    {"is", TK_IS},
    {"isolation", TK_ISOLATION},
    {"language", TK_LANGUAGE},
    {"level", TK_LEVEL},
    {"like", TK_LIKE},
    {"limit", TK_LIMIT},
    {"listen", TK_LISTEN},
    {"local", TK_LOCAL},
    {"not", TK_NOT},
    {"null", TK_NULL},
    {"on", TK_ON},
    {"only", TK_ONLY},
    {"or", TK_OR},
    {"pause", TK_PAUSE},
    {"precision", TK_PRECISION},
    {"queries", TK_QUERIES},
    {"query", TK_QUERY},
    {"read", TK_READ},
    {"repeatable", TK_REPEATABLE},
    {"reset", TK_RESET},
    {"resume", TK_RESUME},
    {"revoke", TK_REVOKE},
    {"role", TK_ROLE},
    {"roles", TK_ROLES},
    {"rollback", TK_ROLLBACK},
    {"select", TK_SELECT},
    {"serializable", TK_SERIALIZABLE},
    {"session", TK_SESSION},
    {"set", TK_SET},
    {"show", TK_SHOW},
    {"sink", TK_SINK},
    {"sinks", TK_SINKS},
    {"source", TK_SOURCE},
    {"sources", TK_SOURCES},
    {"start", TK_START},
    {"then", TK_THEN},
    {"time", TK_TIME},
    {"timestamp", TK_TIMESTAMP},
    {"to", TK_TO},
    {"transaction", TK_TRANSACTION},
    {"true", TK_TRUE},
    {"tumbling", TK_TUMBLING},
    {"uncommitted", TK_UNCOMMITTED},
    {"unlisten", TK_UNLISTEN},
    {"user", TK_USER},
    {"varying", TK_VARYING},
    {"watermark", TK_WATERMARK},
    {"when", TK_WHEN},
    {"where", TK_WHERE},
    {"window", TK_WINDOW},
    {"with", TK_WITH},
    {"without", TK_WITHOUT},
    {"work", TK_WORK},
    {"write", TK_WRITE},
    {"zone", TK_ZONE},
};

#define SL_NKEYWORDS ((int)(sizeof(sl_keywords) / sizeof(sl_keywords[0])))

/* Longest unterminated-token text quoted in an error message, in bytes. */
#define SL_LEX_ERROR_TEXT_MAX 200

static int keyword_cmp(const void *key, const void *entry)
{
    return strcmp(key, ((const sl_keyword *)entry)->name);
}

static const sl_keyword *keyword_find(const char *word)
{
    return bsearch(word, sl_keywords, SL_NKEYWORDS, sizeof(sl_keyword), keyword_cmp);
}

int sl_lexer_word_token(const char *word)
{
    const sl_keyword *kw = keyword_find(word);

    if (kw != NULL)
        return kw->token;
    if (sl_interval_unit_us(word) >= 0)
        return TK_UNIT;
    return TK_ID;
}

int sl_char_position(const char *sql, int offset)
{
    int chars = 0;

    for (int i = 0; i < offset && sql[i] != '\0'; i++)
        if (((unsigned char)sql[i] & 0xC0) != 0x80)
            chars++;
    return chars + 1;
}

void sl_lexer_init(sl_lexer *lx, const char *sql, int len, sl_mcxt *cx)
{
    lx->sql = sql;
    lx->len = len;
    lx->pos = 0;
    lx->cx = cx;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Identifiers start with a letter, '_' or any non-ASCII byte (UTF-8), as in PostgreSQL. */
static bool is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
    return is_ident_start(c) || is_digit(c) || c == '$';
}

/* Byte offset <= end that does not split a UTF-8 character, at most max bytes after start. */
static int clip_utf8(const char *s, int start, int end, int max)
{
    if (end - start <= max)
        return end;
    end = start + max;
    while (end > start && ((unsigned char)s[end] & 0xC0) == 0x80)
        end--;
    return end;
}

/*
 * Fills err with `<what> at or near "<text>"` where text is sql[start..end)
 * (clipped), positioned at start.  Returns SL_ERROR.
 */
static sl_status lex_error(const sl_lexer *lx, sl_error *err, const char *sqlstate, const char *what,
                           int start, int end)
{
    /* An unterminated token runs to the end of input: leave out the final newline and blanks. */
    bool to_end = end == lx->len;
    while (to_end && end > start + 1 && is_space((unsigned char)lx->sql[end - 1]))
        end--;
    int clipped = clip_utf8(lx->sql, start, end, SL_LEX_ERROR_TEXT_MAX);

    sl_error_set(err, sqlstate, "%s at or near \"%.*s\"", what, clipped - start, lx->sql + start);
    err->position = sl_char_position(lx->sql, start);
    return SL_ERROR;
}

/* Skips blanks and comments; fails only on an unterminated block comment. */
static sl_status skip_blanks(sl_lexer *lx, sl_error *err)
{
    const char *s = lx->sql;

    for (;;) {
        while (lx->pos < lx->len && is_space((unsigned char)s[lx->pos]))
            lx->pos++;
        if (lx->pos + 1 < lx->len && s[lx->pos] == '-' && s[lx->pos + 1] == '-') {
            while (lx->pos < lx->len && s[lx->pos] != '\n')
                lx->pos++;
            continue;
        }
        if (lx->pos + 1 < lx->len && s[lx->pos] == '/' && s[lx->pos + 1] == '*') {
            /* Block comments nest, as in PostgreSQL and the SQL standard. */
            int start = lx->pos;
            int depth = 0;

            while (lx->pos < lx->len) {
                if (lx->pos + 1 < lx->len && s[lx->pos] == '/' && s[lx->pos + 1] == '*') {
                    depth++;
                    lx->pos += 2;
                } else if (lx->pos + 1 < lx->len && s[lx->pos] == '*' && s[lx->pos + 1] == '/') {
                    depth--;
                    lx->pos += 2;
                    if (depth == 0)
                        break;
                } else {
                    lx->pos++;
                }
            }
            if (depth > 0)
                return lex_error(lx, err, SL_ERRCODE_SYNTAX_ERROR, "unterminated /* comment", start, lx->len);
            continue;
        }
        return SL_OK;
    }
}

/*
 * Reads a quoted string or identifier starting at the opening quote q;
 * a doubled quote stands for one.  Sets *out to the unescaped text.
 */
static bool read_quoted(sl_lexer *lx, char q, char **out, int *outlen)
{
    const char *s = lx->sql;
    int start = lx->pos + 1;
    int i = start;
    int n = 0;
    char *buf;

    /* First pass finds the end, so the copy is allocated once. */
    for (;;) {
        if (i >= lx->len)
            return false;
        if (s[i] == q) {
            if (i + 1 < lx->len && s[i + 1] == q) {
                i += 2;
                n++;
                continue;
            }
            break;
        }
        i++;
        n++;
    }
    buf = sl_palloc(lx->cx, (size_t)n + 1);
    n = 0;
    for (int j = start; j < i; j++) {
        buf[n++] = s[j];
        if (s[j] == q)
            j++; /* skip the second quote of a pair */
    }
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    lx->pos = i + 1;
    return true;
}

/*
 * Reads a dollar-quoted string at lx->pos (a '$' not followed by a digit):
 * the opening delimiter is $tag$ with tag empty or an identifier without '$'
 * (as in PostgreSQL), the text runs to the next identical delimiter and is
 * taken as written: no escapes, quotes and backslashes are ordinary.
 */
static sl_status read_dollar_quoted(sl_lexer *lx, sl_token *tok, sl_error *err)
{
    const char *s = lx->sql;
    int start = lx->pos;
    int i = start + 1;

    if (i < lx->len && is_ident_start((unsigned char)s[i]))
        while (i < lx->len && s[i] != '$' &&
               (is_ident_start((unsigned char)s[i]) || is_digit((unsigned char)s[i])))
            i++;
    if (i >= lx->len || s[i] != '$')
        return lex_error(lx, err, SL_ERRCODE_SYNTAX_ERROR, "syntax error", start, start + 1);
    int delim = i + 1 - start; /* length of $tag$ */
    int body = i + 1;
    for (int j = body; j + delim <= lx->len; j++) {
        if (s[j] == '$' && memcmp(s + j, s + start, (size_t)delim) == 0) {
            tok->type = TK_STRING;
            tok->str = sl_pstrndup(lx->cx, s + body, (size_t)(j - body));
            lx->pos = j + delim;
            return SL_OK;
        }
    }
    return lex_error(lx, err, SL_ERRCODE_SYNTAX_ERROR, "unterminated dollar-quoted string", start, lx->len);
}

/*
 * Reads a number at lx->pos: 12, 1.5, .5, 1e3, an integer too large for
 * int64 (NUMBER), or a number glued to a unit (1m, 500ms: DURATION).
 */
static sl_status read_number(sl_lexer *lx, sl_token *tok, sl_error *err)
{
    const char *s = lx->sql;
    int start = lx->pos;
    int i = start;
    bool fraction = false;
    bool exponent = false;

    while (i < lx->len && is_digit((unsigned char)s[i]))
        i++;
    if (i < lx->len && s[i] == '.' && !(i + 1 < lx->len && s[i + 1] == '.')) {
        fraction = true;
        i++;
        while (i < lx->len && is_digit((unsigned char)s[i]))
            i++;
    }
    int mantissa_end = i;
    if (i < lx->len && (s[i] == 'e' || s[i] == 'E')) {
        int j = i + 1;
        if (j < lx->len && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < lx->len && is_digit((unsigned char)s[j])) {
            exponent = true;
            i = j;
            while (i < lx->len && is_digit((unsigned char)s[i]))
                i++;
        }
    }

    tok->str = sl_pstrndup(lx->cx, s + start, (size_t)(mantissa_end - start));

    if (i < lx->len && is_ident_start((unsigned char)s[i])) {
        /* A unit glued to the number: 1m, 30s, 500ms, 2days. */
        int w = i;
        while (w < lx->len && is_ident_char((unsigned char)s[w]))
            w++;
        char *unit = sl_pstrndup(lx->cx, s + i, (size_t)(w - i));
        for (char *p = unit; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        int64_t unit_us = exponent ? -1 : sl_interval_unit_us(unit);
        if (unit_us < 0)
            return lex_error(lx, err, SL_ERRCODE_SYNTAX_ERROR, "trailing junk after numeric literal", start,
                             w);
        if (!sl_number_times_unit(tok->str, unit_us, &tok->ival))
            return lex_error(lx, err, SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "interval out of range", start,
                             w);
        tok->type = TK_DURATION;
        tok->str = sl_pstrndup(lx->cx, s + start, (size_t)(w - start));
        lx->pos = w;
        return SL_OK;
    }

    lx->pos = i;
    if (fraction || exponent) {
        tok->type = TK_NUMBER;
        tok->str = sl_pstrndup(lx->cx, s + start, (size_t)(i - start));
        return SL_OK;
    }
    /* An integer; one that does not fit int64 is kept as NUMERIC text. */
    int64_t v = 0;
    for (int j = start; j < i; j++) {
        int d = s[j] - '0';
        if (v > (INT64_MAX - d) / 10) {
            tok->type = TK_NUMBER;
            return SL_OK;
        }
        v = v * 10 + d;
    }
    tok->type = TK_INTEGER;
    tok->ival = v;
    return SL_OK;
}

static sl_status read_word(sl_lexer *lx, sl_token *tok)
{
    const char *s = lx->sql;
    int start = lx->pos;
    int i = start;

    while (i < lx->len && is_ident_char((unsigned char)s[i]))
        i++;
    char *word = sl_pstrndup(lx->cx, s + start, (size_t)(i - start));
    for (char *p = word; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    lx->pos = i;

    const sl_keyword *kw = keyword_find(word);
    if (kw != NULL) {
        tok->type = kw->token;
        tok->str = kw->name;
        return SL_OK;
    }
    tok->str = word;
    tok->ival = sl_interval_unit_us(word);
    tok->type = tok->ival >= 0 ? TK_UNIT : TK_ID;
    if (tok->type == TK_ID)
        tok->ival = 0;
    return SL_OK;
}

/* Operators and punctuation; *len gets the token's length, 0 for a character that starts no token. */
static int read_operator(const char *s, int pos, int len, int *oplen)
{
    char c = s[pos];
    char n = pos + 1 < len ? s[pos + 1] : '\0';

    *oplen = 1;
    switch (c) {
    case '+':
        return TK_PLUS;
    case '-':
        return TK_MINUS;
    case '*':
        return TK_STAR;
    case '/':
        return TK_SLASH;
    case '%':
        return TK_PERCENT;
    case '^':
        return TK_CARET;
    case '=':
        return TK_EQ;
    case '(':
        return TK_LP;
    case ')':
        return TK_RP;
    case ',':
        return TK_COMMA;
    case ';':
        return TK_SEMI;
    case '.':
        return TK_DOT;
    case '<':
        if (n == '=' || n == '>') {
            *oplen = 2;
            return n == '=' ? TK_LE : TK_NE;
        }
        return TK_LT;
    case '>':
        if (n == '=') {
            *oplen = 2;
            return TK_GE;
        }
        return TK_GT;
    case '!':
        if (n == '=') {
            *oplen = 2;
            return TK_NE;
        }
        break;
    case '|':
        if (n == '|') {
            *oplen = 2;
            return TK_CONCAT;
        }
        break;
    case ':':
        if (n == ':') {
            *oplen = 2;
            return TK_DCOLON;
        }
        break;
    default:
        break;
    }
    *oplen = 0;
    return 0;
}

sl_status sl_lexer_next(sl_lexer *lx, sl_token *tok, sl_error *err)
{
    const char *s = lx->sql;

    if (skip_blanks(lx, err) != SL_OK)
        return SL_ERROR;

    memset(tok, 0, sizeof(*tok));
    tok->offset = lx->pos;
    if (lx->pos >= lx->len) {
        tok->type = 0;
        return SL_OK;
    }

    unsigned char c = (unsigned char)s[lx->pos];
    sl_status st = SL_OK;

    if (is_ident_start(c)) {
        st = read_word(lx, tok);
    } else if (is_digit(c) ||
               (c == '.' && lx->pos + 1 < lx->len && is_digit((unsigned char)s[lx->pos + 1]))) {
        st = read_number(lx, tok, err);
    } else if (c == '$' && lx->pos + 1 < lx->len && is_digit((unsigned char)s[lx->pos + 1])) {
        /* $n: a parameter (PostgreSQL allows up to 65535 per statement) */
        int64_t v = 0;
        lx->pos++;
        while (lx->pos < lx->len && is_digit((unsigned char)s[lx->pos])) {
            if (v <= 65535)
                v = v * 10 + (s[lx->pos] - '0');
            lx->pos++;
        }
        if (v < 1 || v > 65535 || (lx->pos < lx->len && is_ident_char((unsigned char)s[lx->pos])))
            return lex_error(lx, err, SL_ERRCODE_SYNTAX_ERROR, "syntax error", tok->offset, lx->pos);
        tok->type = TK_PARAM;
        tok->ival = v;
    } else if (c == '$') {
        /* $$text$$ or $tag$text$tag$: a string taken as written (PostgreSQL's dollar quoting) */
        if (read_dollar_quoted(lx, tok, err) != SL_OK)
            return SL_ERROR;
    } else if (c == '\'' || c == '"') {
        char *text;
        int n;
        if (!read_quoted(lx, (char)c, &text, &n))
            return lex_error(lx, err, SL_ERRCODE_SYNTAX_ERROR,
                             c == '\'' ? "unterminated quoted string" : "unterminated quoted identifier",
                             tok->offset, lx->len);
        if (c == '"' && n == 0)
            return lex_error(lx, err, SL_ERRCODE_SYNTAX_ERROR, "zero-length delimited identifier",
                             tok->offset, lx->pos);
        tok->type = c == '\'' ? TK_STRING : TK_ID;
        tok->str = text;
    } else {
        int oplen;
        tok->type = read_operator(s, lx->pos, lx->len, &oplen);
        if (tok->type == 0)
            return lex_error(lx, err, SL_ERRCODE_SYNTAX_ERROR, "syntax error", tok->offset, tok->offset + 1);
        lx->pos += oplen;
    }
    if (st != SL_OK)
        return st;
    tok->length = lx->pos - tok->offset;
    return SL_OK;
}

const char *sl_token_name(int type)
{
    switch (type) {
    case 0:
        return "EOF";
    case TK_ID:
        return "ID";
    case TK_STRING:
        return "STRING";
    case TK_PARAM:
        return "PARAM";
    case TK_INTEGER:
        return "INTEGER";
    case TK_NUMBER:
        return "NUMBER";
    case TK_DURATION:
        return "DURATION";
    case TK_UNIT:
        return "UNIT";
    case TK_PLUS:
        return "'+'";
    case TK_MINUS:
        return "'-'";
    case TK_STAR:
        return "'*'";
    case TK_SLASH:
        return "'/'";
    case TK_PERCENT:
        return "'%'";
    case TK_CARET:
        return "'^'";
    case TK_CONCAT:
        return "'||'";
    case TK_EQ:
        return "'='";
    case TK_NE:
        return "'<>'";
    case TK_LT:
        return "'<'";
    case TK_LE:
        return "'<='";
    case TK_GT:
        return "'>'";
    case TK_GE:
        return "'>='";
    case TK_DCOLON:
        return "'::'";
    case TK_LP:
        return "'('";
    case TK_RP:
        return "')'";
    case TK_COMMA:
        return "','";
    case TK_SEMI:
        return "';'";
    case TK_DOT:
        return "'.'";
    case TK_NOT_LA:
        return "NOT";
    default:
        break;
    }
    for (int i = 0; i < SL_NKEYWORDS; i++)
        if (sl_keywords[i].token == type)
            return sl_keywords[i].name;
    return "?";
}
