/*
 * translate.c - one catalog statement from PostgreSQL's dialect to SQLite's.
 *
 * Works on the tokens of scan.c and writes SQLite SQL piece by piece (one
 * piece per token, each with text that may be put before and after it, so
 * that a cast can wrap the operand already written):
 *   x::regclass, ::regtype, ::regproc  -> pgcat_regclass(x), ...: OIDs inside SQLite
 *   x::oid, ::int4, ::text, ::name ... -> pgcat_oid(x), CAST(x AS INTEGER/TEXT)
 *   a ~ b, !~, ~*, !~*, OPERATOR(pg_catalog.~) -> REGEXP (funcs.c; ~* marks the pattern with char(1))
 *   a ILIKE b                          -> a LIKE char(1) || b (funcs.c's like() is PostgreSQL's)
 *   ARRAY(SELECT e ...)                -> (SELECT pgcat_array_agg(pgcat_a) FROM (SELECT e AS pgcat_a ...))
 *   ARRAY[a, b]                        -> pgcat_array(a, b)
 *   x = ANY(arr), x <> ALL(arr)        -> x IN / NOT IN (SELECT value FROM json_each(pgcat_array_json(arr)))
 *   unnest(arr)                        -> (SELECT value AS unnest FROM json_each(...))
 *   x[i]                               -> pgcat_elem(x, i)
 *   COLLATE name                       -> dropped
 *   pg_catalog.f(                      -> f(
 *   current_user, session_user, user   -> pgcat_current_user()
 *   IS [NOT] DISTINCT FROM             -> IS NOT / IS
 *   $n                                 -> ?n
 * and it works out the name and PostgreSQL type of each column of the
 * outer SELECT as PostgreSQL would (a column's own name, a function's, a
 * cast's type...).  PostgreSQL arrays are their text form '{a,b}' in SQLite.
 *
 * Entry point: sl_pgcat_translate.
 */
#include <stdio.h>
#include <string.h>

#include "server/pgcat/pgcat_int.h"
#include "sluice/buf.h"

typedef struct tr_piece {
    const char *pre, *text, *post;
    uint32_t type; /* the type a cast gave the operand starting here */
} tr_piece;

enum { FR_PAREN, FR_ARRAY_SUBQ, FR_ARRAY_BRACKET, FR_ANY, FR_UNNEST, FR_SUBSCRIPT, FR_EXPR };

typedef struct tr_frame {
    int kind;
    int open_piece; /* the piece of the opening token */
    int func_piece; /* the first piece of the function name before it, -1 */
    int header;     /* FR_ARRAY_SUBQ: the piece to rewrite with the item's name */
    int item_tok;   /* FR_ARRAY_SUBQ: the first token of its select item, -1 when done */
    int open_tok;   /* the token of the opening bracket */
} tr_frame;

typedef struct tr_state {
    sl_mcxt *cx;
    const sl_pgcat_tok *t;
    int n;
    tr_piece *p;
    int np, cap;
    int *tok_piece; /* token index -> number of pieces written before it */
    tr_frame fr[128];
    int depth;
    int operand; /* the first piece of the last complete operand, -1 */
    uint32_t *param_oids;
    int nparams;
    sl_error *err;
} tr_state;

static bool tr_is_reg(uint32_t oid)
{
    return oid == 24 || oid == 2202 || oid == 2203 || oid == 2205 || oid == 2206 || oid == 4089 ||
           oid == 4096;
}

/* ---- pieces ---- */

static int tr_emit(tr_state *s, const char *text)
{
    if (s->np == s->cap) {
        s->p = sl_prealloc(s->cx, s->p, sizeof(tr_piece) * (size_t)s->cap,
                           sizeof(tr_piece) * (size_t)s->cap * 2);
        s->cap *= 2;
    }
    s->p[s->np] = (tr_piece){.pre = "", .text = text, .post = ""};
    return s->np++;
}

static void tr_wrap(tr_state *s, int first, int last, const char *pre, const char *post)
{
    s->p[first].pre = sl_psprintf(s->cx, "%s%s", pre, s->p[first].pre);
    s->p[last].post = sl_psprintf(s->cx, "%s%s", s->p[last].post, post);
}

static char *tr_quote(sl_mcxt *cx, const char *v, char q)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_append(&b, &q, 1);
    for (const char *c = v; *c; c++) {
        if (*c == q)
            sl_buf_append(&b, &q, 1);
        sl_buf_append(&b, c, 1);
    }
    sl_buf_append(&b, &q, 1);
    char *r = sl_buf_pstrdup(&b, cx);
    sl_buf_free(&b);
    return r;
}

static sl_status tr_syntax(tr_state *s, int tok)
{
    const sl_pgcat_tok *t = &s->t[tok];
    if (t->kind == SL_PGTOK_EOF)
        sl_error_set(s->err, SL_ERRCODE_SYNTAX_ERROR, "syntax error at end of input");
    else
        sl_error_set(s->err, SL_ERRCODE_SYNTAX_ERROR, "syntax error at or near \"%s\"", t->text);
    s->err->position = t->pos + 1;
    return SL_ERROR;
}

static sl_status tr_unsupported(tr_state *s, int tok, const char *what)
{
    sl_error_set(s->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "%s is not supported in catalog queries", what);
    s->err->position = s->t[tok].pos + 1;
    return SL_ERROR;
}

static bool tr_punct(const sl_pgcat_tok *t, char c)
{
    return t->kind == SL_PGTOK_PUNCT && t->text[0] == c;
}

static bool tr_op(const sl_pgcat_tok *t, const char *op);

static bool tr_comparison(const sl_pgcat_tok *t)
{
    return tr_op(t, "=") || tr_op(t, "<>") || tr_op(t, "!=") || tr_op(t, "<") || tr_op(t, ">") ||
           tr_op(t, "<=") || tr_op(t, ">=");
}

/* The type a parameter at t[i] gets from the catalog column it is compared
 * with (`t.oid = $1`, `$1 = relname`), as PostgreSQL infers it; 0 if none. */
static uint32_t tr_param_context(const sl_pgcat_tok *t, int i)
{
    if (i >= 2 && tr_comparison(&t[i - 1]) && t[i - 2].kind == SL_PGTOK_IDENT)
        return sl_pgcat_column_oid(t[i - 2].text);
    if (tr_comparison(&t[i + 1]) && t[i + 2].kind == SL_PGTOK_IDENT) {
        const sl_pgcat_tok *col = &t[i + 2];
        if (t[i + 3].kind == SL_PGTOK_PUNCT && t[i + 3].text[0] == '.' && t[i + 4].kind == SL_PGTOK_IDENT)
            col = &t[i + 4]; /* alias.column */
        return sl_pgcat_column_oid(col->text);
    }
    return 0;
}

static bool tr_op(const sl_pgcat_tok *t, const char *op)
{
    return t->kind == SL_PGTOK_OP && strcmp(t->text, op) == 0;
}

/* Words that end a select item or cannot be a bare column alias. */
static bool tr_reserved(const sl_pgcat_tok *t)
{
    static const char *const words[] = {
        "from",     "where", "group", "having", "order",   "limit", "offset", "union", "intersect",
        "except",   "as",    "and",   "or",     "not",     "end",   "then",   "else",  "when",
        "case",     "is",    "null",  "true",   "false",   "in",    "like",   "ilike", "between",
        "on",       "join",  "left",  "right",  "inner",   "outer", "cross",  "full",  "select",
        "distinct", "all",   "any",   "some",   "exists",  "for",   "window", "using", "collate",
        "escape",   "asc",   "desc",  "nulls",  "natural", NULL};
    if (t->kind != SL_PGTOK_IDENT)
        return false;
    for (int i = 0; words[i]; i++)
        if (strcmp(t->text, words[i]) == 0)
            return true;
    return false;
}

/* The operator of OPERATOR(schema.op) or a plain operator token, in SQLite. */
static const char *tr_map_op(const char *op)
{
    if (strcmp(op, "~") == 0)
        return "REGEXP";
    if (strcmp(op, "!~") == 0)
        return "NOT REGEXP";
    if (strcmp(op, "~*") == 0)
        return "REGEXP char(1) ||";
    if (strcmp(op, "!~*") == 0)
        return "NOT REGEXP char(1) ||";
    if (strcmp(op, "~~") == 0)
        return "LIKE";
    if (strcmp(op, "!~~") == 0)
        return "NOT LIKE";
    if (strcmp(op, "~~*") == 0)
        return "LIKE char(1) ||";
    if (strcmp(op, "!~~*") == 0)
        return "NOT LIKE char(1) ||";
    return op;
}

/* Reads a type name at *i (after ::): [schema.]name [(mods)] [[]]...; *oid 0 when unknown,
 * *array when it ends with []. */
static sl_status tr_type_name(tr_state *s, int *i, uint32_t *oid, bool *array, const char **name)
{
    const sl_pgcat_tok *t = s->t;
    int k = *i;
    char buf[64] = "";

    if (t[k].kind != SL_PGTOK_IDENT && t[k].kind != SL_PGTOK_QIDENT)
        return tr_syntax(s, k);
    if (t[k + 1].kind == SL_PGTOK_PUNCT && t[k + 1].text[0] == '.' &&
        (t[k + 2].kind == SL_PGTOK_IDENT || t[k + 2].kind == SL_PGTOK_QIDENT))
        k += 2;
    snprintf(buf, sizeof(buf), "%s", t[k].text);
    k++;
    /* double precision, character varying, timestamp with[out] time zone */
    if (strcmp(buf, "double") == 0 && sl_pgcat_tok_is(&t[k], "precision")) {
        snprintf(buf, sizeof(buf), "double precision");
        k++;
    } else if (strcmp(buf, "character") == 0 && sl_pgcat_tok_is(&t[k], "varying")) {
        snprintf(buf, sizeof(buf), "character varying");
        k++;
    }
    if ((strcmp(buf, "timestamp") == 0 || strcmp(buf, "time") == 0) &&
        (sl_pgcat_tok_is(&t[k], "with") || sl_pgcat_tok_is(&t[k], "without")) &&
        sl_pgcat_tok_is(&t[k + 1], "time") && sl_pgcat_tok_is(&t[k + 2], "zone")) {
        if (sl_pgcat_tok_is(&t[k], "with"))
            snprintf(buf, sizeof(buf), "%s", strcmp(buf, "timestamp") == 0 ? "timestamptz" : "time");
        k += 3;
    }
    if (tr_punct(&t[k], '(')) {
        while (t[k].kind != SL_PGTOK_EOF && !tr_punct(&t[k], ')'))
            k++;
        if (t[k].kind == SL_PGTOK_EOF)
            return tr_syntax(s, k);
        k++;
    }
    *array = false;
    while (tr_punct(&t[k], '[')) {
        k++;
        if (t[k].kind == SL_PGTOK_NUMBER)
            k++;
        if (!tr_punct(&t[k], ']'))
            return tr_syntax(s, k);
        k++;
        *array = true;
    }
    *oid = sl_pgcat_type_by_name(buf);
    *name = sl_pstrdup(s->cx, buf);
    *i = k;
    return SL_OK;
}

/* Wraps the last operand in the cast to oid (array: leaves it, arrays are text). */
static void tr_cast(tr_state *s, uint32_t oid, bool array)
{
    int first = s->operand, last = s->np - 1;
    uint32_t from;

    if (first < 0 || last < first)
        return;
    from = s->p[first].type;
    if (array) {
        /* arrays are text; an oidvector or oid[] cast to regtype[] prints type names */
        if (oid == 2206)
            tr_wrap(s, first, last, "pgcat_regtypes(", ")");
        s->p[first].type = 0;
        return;
    }
    switch (oid) {
    case 2205:
        tr_wrap(s, first, last, "pgcat_regclass(", ")");
        break;
    case 2206:
        tr_wrap(s, first, last, "pgcat_regtype(", ")");
        break;
    case 24:
    case 2202:
        tr_wrap(s, first, last, "pgcat_regproc(", ")");
        break;
    case 4089:
        tr_wrap(s, first, last, "pgcat_regnamespace(", ")");
        break;
    case 4096:
        tr_wrap(s, first, last, "pgcat_regrole(", ")");
        break;
    case 26:
        tr_wrap(s, first, last, "pgcat_oid(", ")");
        break;
    case 20:
    case 21:
    case 23:
        tr_wrap(s, first, last, "CAST(", " AS INTEGER)");
        break;
    case 700:
    case 701:
    case 1700:
        tr_wrap(s, first, last, "CAST(", " AS REAL)");
        break;
    case 16:
        tr_wrap(s, first, last, "pgcat_bool(", ")");
        break;
    case 18:
    case 19:
    case 25:
    case 1042:
    case 1043:
        if (tr_is_reg(from))
            tr_wrap(s, first, last, sl_psprintf(s->cx, "pgcat_regname(%u, ", from), ")");
        else if (from == 16)
            tr_wrap(s, first, last, "pgcat_booltext(", ")");
        else
            tr_wrap(s, first, last, "CAST(", " AS TEXT)");
        break;
    default:
        break;
    }
    s->p[first].type = oid;
}

/* ---- select items: names and types ---- */

/* Tokens [a, b) of one select item: its alias (or NULL) and where the expression ends. */
static const char *tr_item_alias(const sl_pgcat_tok *t, int a, int b, int *expr_end)
{
    *expr_end = b;
    if (b - a >= 3 && sl_pgcat_tok_is(&t[b - 2], "as") &&
        (t[b - 1].kind == SL_PGTOK_IDENT || t[b - 1].kind == SL_PGTOK_QIDENT ||
         t[b - 1].kind == SL_PGTOK_STRING)) {
        *expr_end = b - 2;
        return t[b - 1].text;
    }
    if (b - a >= 2 &&
        (t[b - 1].kind == SL_PGTOK_QIDENT || (t[b - 1].kind == SL_PGTOK_IDENT && !tr_reserved(&t[b - 1])))) {
        const sl_pgcat_tok *p = &t[b - 2];
        bool operand_end = p->kind == SL_PGTOK_IDENT || p->kind == SL_PGTOK_QIDENT ||
                           p->kind == SL_PGTOK_STRING || p->kind == SL_PGTOK_NUMBER || tr_punct(p, ')') ||
                           tr_punct(p, ']');
        if (operand_end &&
            !(p->kind == SL_PGTOK_IDENT && tr_reserved(p) && !sl_pgcat_tok_is(p, "end") &&
              !sl_pgcat_tok_is(p, "null") && !sl_pgcat_tok_is(p, "true") && !sl_pgcat_tok_is(p, "false"))) {
            /* "x.y" and "f(...)" then a word: an alias; but "CASE ... END" is no operand then word */
            *expr_end = b - 1;
            return t[b - 1].text;
        }
    }
    return NULL;
}

/* The name and type PostgreSQL gives the expression in tokens [a, b). */
static void tr_item_figure(const sl_pgcat_tok *t, int a, int b, const char **name, uint32_t *type)
{
    int depth = 0, last_cast = -1, last_compare = -1;
    bool compare = false, concat = false;

    *name = "?column?";
    *type = 0;
    for (int i = a; i < b; i++) {
        /* CASE ... END nests like parentheses: what is inside is not the item's operator */
        if (tr_punct(&t[i], '(') || tr_punct(&t[i], '[') || sl_pgcat_tok_is(&t[i], "case"))
            depth++;
        else if (tr_punct(&t[i], ')') || tr_punct(&t[i], ']') || sl_pgcat_tok_is(&t[i], "end"))
            depth--;
        else if (depth == 0 && t[i].kind == SL_PGTOK_CAST)
            last_cast = i;
        else if (depth == 0 && t[i].kind == SL_PGTOK_OP) {
            if (strcmp(t[i].text, "||") == 0)
                concat = true;
            else if (strchr("=<>~!", t[i].text[0])) {
                compare = true;
                last_compare = i;
            }
        } else if (depth == 0 && t[i].kind == SL_PGTOK_IDENT &&
                   (sl_pgcat_tok_is(&t[i], "and") || sl_pgcat_tok_is(&t[i], "or") ||
                    sl_pgcat_tok_is(&t[i], "like") || sl_pgcat_tok_is(&t[i], "ilike") ||
                    sl_pgcat_tok_is(&t[i], "in") || sl_pgcat_tok_is(&t[i], "is") ||
                    (sl_pgcat_tok_is(&t[i], "not") && i > a) || sl_pgcat_tok_is(&t[i], "operator"))) {
            compare = true;
            last_compare = i;
        }
    }
    (void)last_compare;
    if (compare)
        last_cast = -1; /* :: binds tighter than a comparison: x = y::regproc is a bool */
    int end = last_cast >= 0 ? last_cast : b;
    /* the name: of a column, a function, a cast's operand */
    if (end - a == 1 &&
        (t[a].kind == SL_PGTOK_QIDENT || (t[a].kind == SL_PGTOK_IDENT && !tr_reserved(&t[a])))) {
        *name = t[a].text;
    } else if (end - a == 3 && tr_punct(&t[a + 1], '.') && t[a + 2].kind != SL_PGTOK_PUNCT) {
        *name = t[a + 2].text;
    } else if (t[a].kind == SL_PGTOK_IDENT && sl_pgcat_tok_is(&t[a], "case")) {
        *name = "case";
    } else if (t[a].kind == SL_PGTOK_IDENT && sl_pgcat_tok_is(&t[a], "exists")) {
        *name = "exists";
        *type = 16;
    } else if (t[a].kind == SL_PGTOK_IDENT && sl_pgcat_tok_is(&t[a], "array")) {
        *name = "array";
        *type = 1009;
    } else {
        int f = a;
        if (t[f].kind == SL_PGTOK_IDENT && tr_punct(&t[f + 1], '.') && t[f + 2].kind == SL_PGTOK_IDENT)
            f += 2;
        if (t[f].kind == SL_PGTOK_IDENT && tr_punct(&t[f + 1], '(')) {
            int d = 0, k;
            for (k = f + 1; k < end; k++) {
                if (tr_punct(&t[k], '('))
                    d++;
                else if (tr_punct(&t[k], ')') && --d == 0)
                    break;
            }
            if (k == end - 1 || (k < end - 1 && sl_pgcat_tok_is(&t[k + 1], "over"))) {
                *name = t[f].text;
                *type = sl_pgcat_fn_rettype(t[f].text);
            }
        } else if (f == a && (t[a].kind == SL_PGTOK_IDENT || t[a].kind == SL_PGTOK_QIDENT) &&
                   (sl_pgcat_tok_is(&t[a], "current_user") || sl_pgcat_tok_is(&t[a], "session_user") ||
                    sl_pgcat_tok_is(&t[a], "user") || sl_pgcat_tok_is(&t[a], "current_catalog") ||
                    sl_pgcat_tok_is(&t[a], "current_schema"))) {
            *name = t[a].text;
            *type = 19;
        }
    }
    if (last_cast >= 0) {
        int k = last_cast + 1;
        if (t[k + 1].kind == SL_PGTOK_PUNCT && t[k + 1].text[0] == '.')
            k += 2;
        uint32_t oid = sl_pgcat_type_by_name(t[k].text);
        bool array = false;
        for (int j = k + 1; j < b; j++)
            if (tr_punct(&t[j], '['))
                array = true;
        if (strcmp(*name, "?column?") == 0)
            *name = t[k].text;
        if (array) {
            uint32_t elem = 0;
            for (uint32_t o = 1; o < 5000 && oid != 0; o++) {
                const sl_pgcat_type *ty = sl_pgcat_type_by_oid(oid, &elem);
                *type = ty && ty->array ? ty->array : 1009;
                break;
            }
            if (oid == 0)
                *type = 1009;
        } else
            *type = oid ? oid : 25;
        return;
    }
    if (*type != 0)
        return;
    if (end - a == 1 && t[a].kind == SL_PGTOK_STRING)
        *type = 25;
    else if (end - a == 1 && t[a].kind == SL_PGTOK_NUMBER)
        *type = strchr(t[a].text, '.') ? 1700 : 23;
    else if (end - a == 1 && (sl_pgcat_tok_is(&t[a], "true") || sl_pgcat_tok_is(&t[a], "false"))) {
        *type = 16;
        *name = "bool";
    } else if (end - a == 1 && sl_pgcat_tok_is(&t[a], "null"))
        *type = 25;
    else if (compare)
        *type = 16;
    else if (concat)
        *type = 25;
    else if (sl_pgcat_tok_is(&t[a], "case")) {
        for (int i = a; i < b; i++)
            if (sl_pgcat_tok_is(&t[i], "then")) {
                if (t[i + 1].kind == SL_PGTOK_STRING)
                    *type = 25;
                else if (t[i + 1].kind == SL_PGTOK_NUMBER)
                    *type = 23;
                else if (sl_pgcat_tok_is(&t[i + 1], "true") || sl_pgcat_tok_is(&t[i + 1], "false"))
                    *type = 16;
                break;
            }
        if (*type == 0)
            *type = 25;
    }
}

/* The items of every select list in the statement (subqueries too), by name: what a star over a
 * subquery gives (SELECT * FROM (SELECT x = y AS b ...) c) is typed from them. */
static void tr_all_items(sl_mcxt *cx, const sl_pgcat_tok *t, int n, sl_pgcat_sql *out)
{
    int cap = 16;
    out->nnamed = 0;
    out->named = sl_palloc(cx, sizeof(sl_pgcat_item) * (size_t)cap);
    for (int s0 = 0; s0 < n; s0++) {
        if (!sl_pgcat_tok_is(&t[s0], "select"))
            continue;
        int a = s0 + 1, d = 0;
        if (sl_pgcat_tok_is(&t[a], "distinct") || sl_pgcat_tok_is(&t[a], "all"))
            a++;
        for (int j = a; j < n; j++) {
            bool end = t[j].kind == SL_PGTOK_EOF || tr_punct(&t[j], ';');
            if (!end && d == 0 && t[j].kind == SL_PGTOK_IDENT && tr_reserved(&t[j]) &&
                (sl_pgcat_tok_is(&t[j], "from") || sl_pgcat_tok_is(&t[j], "where") ||
                 sl_pgcat_tok_is(&t[j], "order") || sl_pgcat_tok_is(&t[j], "group") ||
                 sl_pgcat_tok_is(&t[j], "union") || sl_pgcat_tok_is(&t[j], "limit")))
                end = true;
            if (tr_punct(&t[j], '(') || tr_punct(&t[j], '[') || sl_pgcat_tok_is(&t[j], "case"))
                d++;
            else if (tr_punct(&t[j], ')') || tr_punct(&t[j], ']') || sl_pgcat_tok_is(&t[j], "end"))
                d--;
            if (end || d < 0 || (d == 0 && tr_punct(&t[j], ','))) {
                int expr_end;
                const char *alias = j > a ? tr_item_alias(t, a, j, &expr_end) : NULL;
                const char *name;
                uint32_t type;
                if (j > a) {
                    tr_item_figure(t, a, alias ? expr_end : j, &name, &type);
                    if (type != 0) {
                        if (out->nnamed == cap) {
                            out->named = sl_prealloc(cx, out->named, sizeof(sl_pgcat_item) * (size_t)cap,
                                                     sizeof(sl_pgcat_item) * (size_t)cap * 2);
                            cap *= 2;
                        }
                        out->named[out->nnamed++] =
                            (sl_pgcat_item){.name = alias ? alias : name, .type_oid = type};
                    }
                }
                if (end || d < 0)
                    break;
                a = j + 1;
            }
        }
    }
}

/* ---- the walk ---- */

static tr_frame *tr_push(tr_state *s, int kind, int open_piece, int tok)
{
    if (s->depth >= (int)(sizeof(s->fr) / sizeof(s->fr[0]))) {
        tr_unsupported(s, tok, "nesting this deep");
        return NULL;
    }
    tr_frame *f = &s->fr[s->depth++];
    *f = (tr_frame){.kind = kind,
                    .open_piece = open_piece,
                    .func_piece = -1,
                    .header = -1,
                    .item_tok = -1,
                    .open_tok = tok};
    return f;
}

/*
 * (VALUES ...) [AS] s(a, b): SQLite names the columns of VALUES column1,
 * column2...; the list renames them: (SELECT column1 AS a, ... FROM (VALUES ...)) s.
 * Writes that, the closing bracket at t[i] included, and returns the last
 * token it consumed; i when there is no column list (nothing written), -1 on error.
 */
static int tr_values_columns(tr_state *s, const tr_frame *f, int i)
{
    const sl_pgcat_tok *t = s->t;
    int ai = sl_pgcat_tok_is(&t[i + 1], "as") ? i + 2 : i + 1, j;
    sl_buf b;

    if ((t[ai].kind != SL_PGTOK_IDENT && t[ai].kind != SL_PGTOK_QIDENT) || !tr_punct(&t[ai + 1], '('))
        return i;
    sl_buf_init(&b);
    sl_buf_puts(&b, "(SELECT ");
    for (j = ai + 2;; j += 2) {
        if (t[j].kind != SL_PGTOK_IDENT && t[j].kind != SL_PGTOK_QIDENT) {
            sl_buf_free(&b);
            tr_syntax(s, j);
            return -1;
        }
        sl_buf_printf(&b, "%scolumn%d AS %s", j > ai + 2 ? ", " : "", (j - ai) / 2,
                      tr_quote(s->cx, t[j].text, '"'));
        if (tr_punct(&t[j + 1], ')'))
            break;
        if (!tr_punct(&t[j + 1], ',')) {
            sl_buf_free(&b);
            tr_syntax(s, j + 1);
            return -1;
        }
    }
    sl_buf_puts(&b, " FROM (");
    sl_buf_append(&b, "", 1);
    s->p[f->open_piece].text = sl_pstrdup(s->cx, b.data);
    sl_buf_free(&b);
    tr_emit(s, "))");
    tr_emit(s, tr_quote(s->cx, t[ai].text, '"'));
    return j + 1;
}

/* The select item of an ARRAY(SELECT ...) ends at token i: name it so the aggregate can take it. */
static void tr_array_item_end(tr_state *s, tr_frame *f, int i)
{
    int expr_end;
    const char *alias;

    if (f->item_tok < 0 || i <= f->item_tok)
        return;
    alias = tr_item_alias(s->t, f->item_tok, i, &expr_end);
    if (alias != NULL)
        s->p[f->header].text =
            sl_psprintf(s->cx, "(SELECT pgcat_array_agg(%s) FROM (", tr_quote(s->cx, alias, '"'));
    else
        s->p[s->np - 1].post = sl_psprintf(s->cx, "%s AS pgcat_a", s->p[s->np - 1].post);
    f->item_tok = -1;
}

sl_status sl_pgcat_translate(sl_mcxt *cx, const char *sql, int len, sl_pgcat_sql *out, sl_error *err)
{
    tr_state st = {.cx = cx, .operand = -1, .err = err, .cap = 64};
    tr_state *s = &st;
    sl_pgcat_tok *t;
    int n;
    /* the outer select list: token ranges of its items */
    int sel_start = -1, sel_end = -1, nitem = 0, item_a[256], item_b[256];

    if (sl_pgcat_scan(cx, sql, len, &t, &n, err) != SL_OK)
        return SL_ERROR;
    s->t = t;
    s->n = n;
    s->p = sl_palloc(cx, sizeof(tr_piece) * (size_t)s->cap);
    s->tok_piece = sl_palloc(cx, sizeof(int) * (size_t)(n + 1));
    for (int i = 0; i <= n; i++)
        s->tok_piece[i] = -1;
    s->param_oids = sl_pzalloc(cx, sizeof(uint32_t) * 100);

    for (int i = 0; i < n; i++) {
        const sl_pgcat_tok *k = &t[i];
        s->tok_piece[i] = s->np;
        if (k->kind == SL_PGTOK_EOF)
            break;
        if (tr_punct(k, ';')) {
            if (t[i + 1].kind != SL_PGTOK_EOF)
                return tr_unsupported(s, i, "more than one statement");
            break;
        }
        /* the outer select list */
        if (s->depth == 0 && sel_start < 0 && sl_pgcat_tok_is(k, "select")) {
            int a = i + 1;
            if (sl_pgcat_tok_is(&t[a], "all"))
                a++;
            else if (sl_pgcat_tok_is(&t[a], "distinct")) {
                a++;
                if (sl_pgcat_tok_is(&t[a], "on"))
                    return tr_unsupported(s, a, "DISTINCT ON");
            }
            sel_start = a;
            item_a[0] = a;
        } else if (s->depth == 0 && sel_start >= 0 && sel_end < 0 &&
                   (tr_punct(k, ',') || (k->kind == SL_PGTOK_IDENT && i > sel_start && tr_reserved(k) &&
                                         (sl_pgcat_tok_is(k, "from") || sl_pgcat_tok_is(k, "where") ||
                                          sl_pgcat_tok_is(k, "group") || sl_pgcat_tok_is(k, "order") ||
                                          sl_pgcat_tok_is(k, "limit") || sl_pgcat_tok_is(k, "offset") ||
                                          sl_pgcat_tok_is(k, "union") || sl_pgcat_tok_is(k, "intersect") ||
                                          sl_pgcat_tok_is(k, "except") || sl_pgcat_tok_is(k, "having"))))) {
            if (nitem >= 255)
                return tr_unsupported(s, i, "a select list this long");
            item_b[nitem++] = i;
            if (tr_punct(k, ','))
                item_a[nitem] = i + 1;
            else
                sel_end = i;
        }
        /* the select item of an ARRAY(SELECT ...) ends */
        if (s->depth > 0 && s->fr[s->depth - 1].kind == FR_ARRAY_SUBQ && s->fr[s->depth - 1].item_tok >= 0 &&
            (tr_punct(k, ',') || sl_pgcat_tok_is(k, "from") || tr_punct(k, ')')))
            tr_array_item_end(s, &s->fr[s->depth - 1], i);

        /* ORDER BY inside an aggregate's parentheses (array_agg(x ORDER BY i)): SQLite 3.40 has none; the
         * order of the rows that reach it is kept instead */
        if (sl_pgcat_tok_is(k, "order") && sl_pgcat_tok_is(&t[i + 1], "by") && s->depth > 0 &&
            s->fr[s->depth - 1].kind == FR_PAREN && s->fr[s->depth - 1].func_piece >= 0 &&
            (strcmp(s->p[s->fr[s->depth - 1].func_piece].text, "array_agg") == 0 ||
             strcmp(s->p[s->fr[s->depth - 1].func_piece].text, "string_agg") == 0)) {
            int d = 0;
            while (t[i + 1].kind != SL_PGTOK_EOF && !(d == 0 && tr_punct(&t[i + 1], ')'))) {
                i++;
                if (tr_punct(&t[i], '('))
                    d++;
                else if (tr_punct(&t[i], ')'))
                    d--;
            }
            continue;
        }
        switch (k->kind) {
        case SL_PGTOK_IDENT: {
            bool call = tr_punct(&t[i + 1], '(');
            /* after "pg_catalog." of a function (dropped) a name counts as unqualified */
            bool after_dot = i > 0 && tr_punct(&t[i - 1], '.') &&
                             !(call && i > 1 &&
                               (sl_pgcat_tok_is(&t[i - 2], "pg_catalog") ||
                                sl_pgcat_tok_is(&t[i - 2], "information_schema")));
            if ((strcmp(k->text, "pg_catalog") == 0 || strcmp(k->text, "information_schema") == 0) &&
                tr_punct(&t[i + 1], '.')) {
                if (t[i + 2].kind == SL_PGTOK_IDENT && tr_punct(&t[i + 3], '(')) {
                    i++; /* a function: drop the schema */
                    continue;
                }
                s->operand = tr_emit(s, k->text);
                continue;
            }
            if (strcmp(k->text, "operator") == 0 && call) {
                int j = i + 2;
                if (t[j].kind == SL_PGTOK_IDENT && tr_punct(&t[j + 1], '.'))
                    j += 2;
                if (t[j].kind != SL_PGTOK_OP || !tr_punct(&t[j + 1], ')'))
                    return tr_syntax(s, j);
                tr_emit(s, tr_map_op(t[j].text));
                i = j + 1;
                continue;
            }
            if (strcmp(k->text, "collate") == 0 && !after_dot) {
                int j = i + 1;
                if ((t[j].kind == SL_PGTOK_IDENT || t[j].kind == SL_PGTOK_QIDENT) && tr_punct(&t[j + 1], '.'))
                    j += 2;
                if (t[j].kind != SL_PGTOK_IDENT && t[j].kind != SL_PGTOK_QIDENT)
                    return tr_syntax(s, j);
                i = j;
                continue;
            }
            if (strcmp(k->text, "ilike") == 0) {
                tr_emit(s, "LIKE char(1) ||");
                continue;
            }
            if (strcmp(k->text, "is") == 0 && sl_pgcat_tok_is(&t[i + 1], "distinct") &&
                sl_pgcat_tok_is(&t[i + 2], "from")) {
                tr_emit(s, "IS NOT");
                i += 2;
                continue;
            }
            if (strcmp(k->text, "is") == 0 && sl_pgcat_tok_is(&t[i + 1], "not") &&
                sl_pgcat_tok_is(&t[i + 2], "distinct") && sl_pgcat_tok_is(&t[i + 3], "from")) {
                tr_emit(s, "IS");
                i += 3;
                continue;
            }
            if (strcmp(k->text, "array") == 0 && call &&
                (sl_pgcat_tok_is(&t[i + 2], "select") || sl_pgcat_tok_is(&t[i + 2], "with"))) {
                int h = tr_emit(s, "(SELECT pgcat_array_agg(pgcat_a) FROM (");
                tr_frame *f = tr_push(s, FR_ARRAY_SUBQ, h, i);
                if (f == NULL)
                    return SL_ERROR;
                f->header = h;
                f->func_piece = h;
                /* the item starts after SELECT [DISTINCT] */
                int a = i + 3;
                if (sl_pgcat_tok_is(&t[a], "distinct") || sl_pgcat_tok_is(&t[a], "all"))
                    a++;
                f->item_tok = sl_pgcat_tok_is(&t[i + 2], "select") ? a : -1;
                i++; /* the ( */
                continue;
            }
            if (strcmp(k->text, "array") == 0 && tr_punct(&t[i + 1], '[')) {
                int h = tr_emit(s, "pgcat_array(");
                tr_frame *f = tr_push(s, FR_ARRAY_BRACKET, h, i);
                if (f == NULL)
                    return SL_ERROR;
                f->func_piece = h;
                i++;
                continue;
            }
            if ((strcmp(k->text, "any") == 0 || strcmp(k->text, "some") == 0 ||
                 strcmp(k->text, "all") == 0) &&
                call && s->np > 0 && i > 0 && t[i - 1].kind == SL_PGTOK_OP) {
                bool all = strcmp(k->text, "all") == 0;
                const char *op = t[i - 1].text;
                if (!(all ? (strcmp(op, "<>") == 0 || strcmp(op, "!=") == 0) : strcmp(op, "=") == 0))
                    return tr_unsupported(s, i, sl_psprintf(cx, "%s %s (...)", op, all ? "ALL" : "ANY"));
                s->p[s->np - 1].text = all ? "NOT IN" : "IN";
                if (sl_pgcat_tok_is(&t[i + 2], "select") || sl_pgcat_tok_is(&t[i + 2], "with")) {
                    int h = tr_emit(s, "(");
                    if (tr_push(s, FR_PAREN, h, i) == NULL)
                        return SL_ERROR;
                } else {
                    int h = tr_emit(s, "(SELECT value FROM json_each(pgcat_array_json(");
                    if (tr_push(s, FR_ANY, h, i) == NULL)
                        return SL_ERROR;
                }
                i++;
                continue;
            }
            if (strcmp(k->text, "pg_options_to_table") == 0 && call && !after_dot) {
                /* option=value text items as (option_name, option_value) rows */
                int h = tr_emit(s, "(SELECT substr(value, 1, instr(value, '=') - 1) AS option_name, "
                                   "substr(value, instr(value, '=') + 1) AS option_value FROM "
                                   "json_each(pgcat_array_json(");
                tr_frame *f = tr_push(s, FR_ANY, h, i);
                if (f == NULL)
                    return SL_ERROR;
                f->func_piece = h;
                i++;
                continue;
            }
            if ((strcmp(k->text, "unnest") == 0 || strcmp(k->text, "generate_series") == 0 ||
                 strcmp(k->text, "generate_subscripts") == 0) &&
                call && !after_dot) {
                /* a set-returning function: its rows from json_each over a helper's JSON array */
                const char *helper = k->text[0] == 'u'                         ? "pgcat_array_json"
                                     : strcmp(k->text, "generate_series") == 0 ? "pgcat_series"
                                                                               : "pgcat_subscripts";
                int h =
                    tr_emit(s, sl_psprintf(cx, "(SELECT value AS %s FROM json_each(%s(", k->text, helper));
                tr_frame *f = tr_push(s, FR_UNNEST, h, i);
                if (f == NULL)
                    return SL_ERROR;
                f->func_piece = h;
                i++;
                continue;
            }
            if (!after_dot && !call &&
                (strcmp(k->text, "current_user") == 0 || strcmp(k->text, "session_user") == 0 ||
                 strcmp(k->text, "user") == 0 || strcmp(k->text, "current_role") == 0)) {
                s->operand = tr_emit(s, "pgcat_current_user()");
                continue;
            }
            if (!after_dot && !call && strcmp(k->text, "current_catalog") == 0) {
                s->operand = tr_emit(s, "current_database()");
                continue;
            }
            if (!after_dot && !call && strcmp(k->text, "current_schema") == 0) {
                s->operand = tr_emit(s, "current_schema()");
                continue;
            }
            if (strcmp(k->text, "true") == 0 || strcmp(k->text, "false") == 0) {
                s->operand = tr_emit(s, k->text[0] == 't' ? "1" : "0");
                s->p[s->operand].type = 16;
                continue;
            }
            /* an alias may be a word SQLite reserves (AS DEFAULT): quoted */
            const char *word = i > 0 && sl_pgcat_tok_is(&t[i - 1], "as") && !call ? tr_quote(cx, k->text, '"')
                               : call && strcmp(k->text, "json_build_object") == 0 ? "json_object"
                                                                                   : k->text;
            int pc = tr_emit(s, word);
            if (after_dot && s->np >= 3)
                s->operand = s->operand >= 0 && s->operand < pc ? s->operand : pc;
            else
                s->operand = pc;
            if (call) {
                tr_frame *f = tr_push(s, FR_PAREN, tr_emit(s, "("), i);
                if (f == NULL)
                    return SL_ERROR;
                f->func_piece = s->operand;
                i++;
            }
            continue;
        }
        case SL_PGTOK_QIDENT: {
            bool after_dot = i > 0 && tr_punct(&t[i - 1], '.');
            int pc = tr_emit(s, tr_quote(cx, k->text, '"'));
            if (!after_dot)
                s->operand = pc;
            continue;
        }
        case SL_PGTOK_STRING:
            /* bool_column = 't': booleans are 0/1 inside */
            if (i > 1 && (tr_op(&t[i - 1], "=") || tr_op(&t[i - 1], "<>") || tr_op(&t[i - 1], "!=")) &&
                t[i - 2].kind == SL_PGTOK_IDENT && sl_pgcat_column_is_bool(t[i - 2].text)) {
                bool v = strcmp(k->text, "t") == 0 || strcmp(k->text, "true") == 0;
                if (v || strcmp(k->text, "f") == 0 || strcmp(k->text, "false") == 0) {
                    s->operand = tr_emit(s, v ? "1" : "0");
                    continue;
                }
            }
            s->operand = tr_emit(s, tr_quote(cx, k->text, '\''));
            continue;
        case SL_PGTOK_NUMBER:
            s->operand = tr_emit(s, k->text);
            continue;
        case SL_PGTOK_PARAM:
            if (k->num < 1 || k->num > 99)
                return tr_unsupported(s, i, "a parameter number above 99");
            if (k->num > s->nparams)
                s->nparams = k->num;
            s->operand = tr_emit(s, sl_psprintf(cx, "?%d", k->num));
            if (t[i + 1].kind == SL_PGTOK_CAST) {
                int j = i + 2;
                uint32_t oid;
                bool array;
                const char *name;
                if (tr_type_name(s, &j, &oid, &array, &name) != SL_OK)
                    return SL_ERROR;
                if (s->param_oids[k->num - 1] == 0)
                    s->param_oids[k->num - 1] = array ? 1009 : oid;
            }
            if (s->param_oids[k->num - 1] == 0)
                s->param_oids[k->num - 1] = tr_param_context(t, i);
            continue;
        case SL_PGTOK_CAST: {
            int j = i + 1;
            uint32_t oid;
            bool array;
            const char *name;
            if (tr_type_name(s, &j, &oid, &array, &name) != SL_OK)
                return SL_ERROR;
            tr_cast(s, oid, array);
            i = j - 1;
            continue;
        }
        case SL_PGTOK_OP:
            if ((strcmp(k->text, "=") == 0 || strcmp(k->text, "<>") == 0 || strcmp(k->text, "!=") == 0) &&
                (sl_pgcat_tok_is(&t[i + 1], "any") || sl_pgcat_tok_is(&t[i + 1], "some") ||
                 sl_pgcat_tok_is(&t[i + 1], "all")) &&
                tr_punct(&t[i + 2], '(')) {
                tr_emit(s, k->text); /* replaced by IN / NOT IN below */
                continue;
            }
            tr_emit(s, tr_map_op(k->text));
            continue;
        case SL_PGTOK_PUNCT:
            if (k->text[0] == '(') {
                int h = tr_emit(s, "(");
                if (tr_push(s, FR_PAREN, h, i) == NULL)
                    return SL_ERROR;
                continue;
            }
            if (k->text[0] == '[') {
                /* a subscript of the operand before it */
                if (s->operand < 0)
                    return tr_syntax(s, i);
                int first = s->operand;
                s->p[first].pre = sl_psprintf(cx, "pgcat_elem(%s", s->p[first].pre);
                int h = tr_emit(s, ",");
                tr_frame *f = tr_push(s, FR_SUBSCRIPT, h, i);
                if (f == NULL)
                    return SL_ERROR;
                f->func_piece = first;
                continue;
            }
            if (k->text[0] == ')' || k->text[0] == ']') {
                if (s->depth == 0)
                    return tr_syntax(s, i);
                tr_frame f = s->fr[--s->depth];
                bool bracket = f.kind == FR_ARRAY_BRACKET || f.kind == FR_SUBSCRIPT;
                if (bracket != (k->text[0] == ']'))
                    return tr_syntax(s, i);
                /* a bracket opened after a word (FROM (, a call) was pushed at the word */
                if (f.kind == FR_PAREN &&
                    sl_pgcat_tok_is(&t[f.open_tok + (tr_punct(&t[f.open_tok], '(') ? 1 : 2)], "values")) {
                    int next = tr_values_columns(s, &f, i);
                    if (next < 0)
                        return SL_ERROR;
                    if (next > i) {
                        i = next;
                        continue;
                    }
                }
                const char *close = f.kind == FR_ARRAY_SUBQ ? "))"
                                    : f.kind == FR_ANY      ? ")))"
                                    : f.kind == FR_UNNEST   ? ")))"
                                                            : ")";
                tr_emit(s, close);
                s->operand = f.func_piece >= 0 ? f.func_piece : f.open_piece;
                if (f.kind == FR_UNNEST) {
                    /* as in PostgreSQL, the one column of a function takes the alias's name, or the
                     * name its column list gives: f(...) AS s(r) */
                    int ai = sl_pgcat_tok_is(&t[i + 1], "as") ? i + 2 : i + 1;
                    const sl_pgcat_tok *a = &t[ai];
                    const char *column = NULL;
                    if (a->kind == SL_PGTOK_QIDENT || (a->kind == SL_PGTOK_IDENT && !tr_reserved(a))) {
                        if (tr_punct(a + 1, '(') &&
                            (a[2].kind == SL_PGTOK_IDENT || a[2].kind == SL_PGTOK_QIDENT) &&
                            tr_punct(a + 3, ')')) {
                            column = a[2].text;
                            tr_emit(s, tr_quote(cx, a->text, '"'));
                            i = ai + 3; /* the alias and its column list are written */
                        } else if (!tr_punct(a + 1, '(') && !tr_punct(a + 1, '.'))
                            column = a->text;
                    }
                    if (column != NULL)
                        s->p[f.open_piece].text = sl_psprintf(
                            cx, "(SELECT value AS %s FROM json_each(%s", tr_quote(cx, column, '"'),
                            strstr(s->p[f.open_piece].text, " FROM json_each(") + 16);
                }
                continue;
            }
            if (k->text[0] == ':')
                return tr_syntax(s, i);
            tr_emit(s, k->text);
            continue;
        case SL_PGTOK_EOF:
            break;
        }
    }
    if (s->depth != 0)
        return tr_syntax(s, n - 1);
    if (sel_start >= 0 && sel_end < 0) {
        /* the list runs to the end */
        int e = n - 1;
        while (e > 0 && (t[e].kind == SL_PGTOK_EOF || tr_punct(&t[e], ';')))
            e--;
        item_b[nitem++] = e + 1;
    }
    /* tokens read along with others (a cast's type, COLLATE's name) take the next one's piece */
    s->tok_piece[n] = s->np;
    for (int i = n - 1; i >= 0; i--)
        if (s->tok_piece[i] < 0 || t[i].kind == SL_PGTOK_EOF)
            s->tok_piece[i] = t[i].kind == SL_PGTOK_EOF ? s->np : s->tok_piece[i + 1];

    /* name and type the outer select list's items */
    out->nitems = nitem;
    out->items = sl_pzalloc(cx, sizeof(sl_pgcat_item) * (size_t)(nitem ? nitem : 1));
    for (int it = 0; it < nitem; it++) {
        int a = item_a[it], b = item_b[it], expr_end;
        const char *alias = tr_item_alias(t, a, b, &expr_end);
        const char *name;
        uint32_t type;
        if (b <= a) {
            tr_syntax(s, a);
            return SL_ERROR;
        }
        if ((b - a == 1 && tr_op(&t[a], "*")) || (b - a == 3 && tr_op(&t[b - 1], "*"))) {
            out->nitems = -1; /* a star: SQLite names the columns */
            break;
        }
        tr_item_figure(t, a, expr_end, &name, &type);
        int first = s->tok_piece[a], last = s->tok_piece[expr_end] - 1;
        if (last < first)
            continue;
        if (tr_is_reg(type))
            tr_wrap(s, first, last, sl_psprintf(cx, "pgcat_regname(%u, ", type), ")");
        if (alias == NULL)
            s->p[last].post = sl_psprintf(cx, "%s AS %s", s->p[last].post, tr_quote(cx, name, '"'));
        out->items[it].name = alias ? alias : name;
        out->items[it].type_oid = type;
    }

    tr_all_items(cx, t, n, out);
    sl_buf b;
    sl_buf_init(&b);
    for (int i = 0; i < s->np; i++) {
        if (i > 0)
            sl_buf_append(&b, " ", 1);
        sl_buf_puts(&b, s->p[i].pre);
        sl_buf_puts(&b, s->p[i].text);
        sl_buf_puts(&b, s->p[i].post);
    }
    out->sql = sl_buf_pstrdup(&b, cx);
    sl_buf_free(&b);
    out->nparams = s->nparams;
    out->param_oids = s->param_oids;
    return SL_OK;
}
