/*
 * expr.c - bound expression nodes and their canonical text.
 *
 * Entry points: sl_expr_new, sl_expr_const_null, sl_expr_column,
 * sl_expr_type, sl_is_aggregate_name, sl_expr_print (EXPLAIN, and the
 * analyzer's structural matching of GROUP BY expressions), plus the small
 * helpers sl_expr_position and sl_name_distance used for error reports,
 * and sl_eval_row_error, which evaluation and the functions share.
 */
#include "server/engine/expr_int.h"
#include "server/net/dest.h"

#include "sluice/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

sl_expr *sl_expr_new(sl_mcxt *cx, sl_expr_kind kind, sl_type type, int location, int nargs)
{
    sl_expr *e = sl_pnew(cx, sl_expr);

    e->kind = kind;
    e->type = type;
    e->location = location;
    e->column = -1;
    e->nargs = nargs;
    if (nargs > 0)
        e->args = sl_pzalloc(cx, sizeof(sl_expr *) * (size_t)nargs);
    return e;
}

sl_expr *sl_expr_const_null(sl_mcxt *cx, sl_type type, int location)
{
    sl_expr *e = sl_expr_new(cx, SL_EXPR_CONST, type, location, 0);
    e->is_null = true;
    return e;
}

sl_expr *sl_expr_column(sl_mcxt *cx, const sl_schema *input, int idx)
{
    sl_expr *e = sl_expr_new(cx, SL_EXPR_COLUMN, input->types[idx], -1, 0);
    e->column = idx;
    e->name = input->names[idx];
    return e;
}

sl_type sl_expr_type(const sl_expr *expr)
{
    return expr->type;
}

uint32_t sl_expr_type_oid(const sl_expr *expr)
{
    if (expr->type == SL_TYPE_UNKNOWN)
        return sl_type_oid(SL_TYPE_TEXT);
    return expr->int4 ? SL_OID_INT4 : sl_type_oid(expr->type);
}

bool sl_is_aggregate_name(const char *name)
{
    static const char *const names[] = {"count",    "sum",        "avg",         "min",      "max",
                                        "stddev",   "stddev_pop", "stddev_samp", "variance", "var_pop",
                                        "var_samp", "first",      "last"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

int sl_expr_position(const char *query_text, int location)
{
    int pos = 0;

    if (query_text == NULL || location < 0)
        return 0;
    for (int i = 0; i <= location && query_text[i] != '\0'; i++)
        if (((unsigned char)query_text[i] & 0xC0) != 0x80)
            pos++;
    return pos;
}

int sl_name_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int row[64 + 1];

    if (la > 64 || lb > 64)
        return 1000;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* ---------- printing ---------- */

static void sb_quoted(sl_buf *sb, const char *s, size_t n)
{
    sl_buf_append(sb, "'", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'')
            sl_buf_append(sb, "'", 1);
        sl_buf_append(sb, s + i, 1);
    }
    sl_buf_append(sb, "'", 1);
}

static void sb_ident(sl_buf *sb, const char *name)
{
    bool plain = name[0] != '\0' && !(name[0] >= '0' && name[0] <= '9');

    for (const char *p = name; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
    if (plain) {
        sl_buf_puts(sb, name);
        return;
    }
    sl_buf_append(sb, "\"", 1);
    for (const char *p = name; *p; p++) {
        if (*p == '"')
            sl_buf_append(sb, "\"", 1);
        sl_buf_append(sb, p, 1);
    }
    sl_buf_append(sb, "\"", 1);
}

static const char *sl_binop_text(int op)
{
    switch ((sl_binop)op) {
    case SL_BIN_ADD_I:
    case SL_BIN_ADD_D:
        return "+";
    case SL_BIN_SUB_I:
    case SL_BIN_SUB_D:
        return "-";
    case SL_BIN_MUL_I:
    case SL_BIN_MUL_D:
    case SL_BIN_MUL_IV_D:
        return "*";
    case SL_BIN_DIV_I:
    case SL_BIN_DIV_D:
    case SL_BIN_DIV_IV_D:
        return "/";
    case SL_BIN_MOD_I:
    case SL_BIN_MOD_D:
        return "%";
    case SL_BIN_POW_D:
        return "^";
    case SL_BIN_EQ:
        return "=";
    case SL_BIN_NE:
        return "<>";
    case SL_BIN_LT:
        return "<";
    case SL_BIN_LE:
        return "<=";
    case SL_BIN_GT:
        return ">";
    case SL_BIN_GE:
        return ">=";
    case SL_BIN_CONCAT:
        return "||";
    }
    return "?";
}

static void print_expr(sl_buf *sb, const sl_expr *e)
{
    char buf[SL_VALUE_TEXT_MAX];

    switch (e->kind) {
    case SL_EXPR_CONST:
        if (e->is_null) {
            sl_buf_puts(sb, "NULL");
            if (e->type != SL_TYPE_UNKNOWN && e->type != SL_TYPE_TEXT) {
                sl_buf_puts(sb, "::");
                sl_buf_puts(sb, sl_type_name(e->type));
            }
            break;
        }
        switch (e->type) {
        case SL_TYPE_BOOL:
            sl_buf_puts(sb, e->value.b ? "true" : "false");
            break;
        case SL_TYPE_BIGINT:
            sl_format_bigint(e->value.i64, buf);
            sl_buf_puts(sb, buf);
            break;
        case SL_TYPE_DOUBLE: {
            int n = sl_format_double(e->value.f64, buf);
            bool plain = true;
            for (int i = 0; i < n; i++)
                if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.' || (i == 0 && buf[i] == '-')))
                    plain = false;
            if (plain) {
                sl_buf_puts(sb, buf);
            } else {
                sb_quoted(sb, buf, (size_t)n);
                sl_buf_puts(sb, "::double");
            }
            break;
        }
        case SL_TYPE_TEXT:
        case SL_TYPE_UNKNOWN:
            sb_quoted(sb, e->value.text.ptr, (size_t)e->value.text.len);
            break;
        case SL_TYPE_TIMESTAMP:
            sb_quoted(sb, buf, (size_t)sl_format_timestamp(e->value.i64, buf));
            sl_buf_puts(sb, "::timestamp");
            break;
        case SL_TYPE_INTERVAL:
            sb_quoted(sb, buf, (size_t)sl_format_interval(e->value.i64, buf));
            sl_buf_puts(sb, "::interval");
            break;
        }
        break;
    case SL_EXPR_COLUMN:
        sb_ident(sb, e->name);
        break;
    case SL_EXPR_BINARY:
        sl_buf_puts(sb, "(");
        print_expr(sb, e->args[0]);
        sl_buf_puts(sb, " ");
        sl_buf_puts(sb, sl_binop_text(e->op));
        sl_buf_puts(sb, " ");
        print_expr(sb, e->args[1]);
        sl_buf_puts(sb, ")");
        break;
    case SL_EXPR_NEG:
        sl_buf_puts(sb, "(- ");
        print_expr(sb, e->args[0]);
        sl_buf_puts(sb, ")");
        break;
    case SL_EXPR_AND:
    case SL_EXPR_OR:
        sl_buf_puts(sb, "(");
        print_expr(sb, e->args[0]);
        sl_buf_puts(sb, e->kind == SL_EXPR_AND ? " AND " : " OR ");
        print_expr(sb, e->args[1]);
        sl_buf_puts(sb, ")");
        break;
    case SL_EXPR_NOT:
        sl_buf_puts(sb, "(NOT ");
        print_expr(sb, e->args[0]);
        sl_buf_puts(sb, ")");
        break;
    case SL_EXPR_NULLTEST:
        sl_buf_puts(sb, "(");
        print_expr(sb, e->args[0]);
        sl_buf_puts(sb, e->negate ? " IS NOT NULL)" : " IS NULL)");
        break;
    case SL_EXPR_IN:
        sl_buf_puts(sb, "(");
        print_expr(sb, e->args[0]);
        sl_buf_puts(sb, e->negate ? " NOT IN (" : " IN (");
        for (int i = 1; i < e->nargs; i++) {
            if (i > 1)
                sl_buf_puts(sb, ", ");
            print_expr(sb, e->args[i]);
        }
        sl_buf_puts(sb, "))");
        break;
    case SL_EXPR_LIKE:
        sl_buf_puts(sb, "(");
        print_expr(sb, e->args[0]);
        sl_buf_puts(sb, e->negate ? " NOT" : "");
        sl_buf_puts(sb, e->ci ? " ILIKE " : " LIKE ");
        print_expr(sb, e->args[1]);
        sl_buf_puts(sb, ")");
        break;
    case SL_EXPR_CASE: {
        int pairs = (e->nargs - (e->has_else ? 1 : 0)) / 2;
        sl_buf_puts(sb, "CASE");
        for (int i = 0; i < pairs; i++) {
            sl_buf_puts(sb, " WHEN ");
            print_expr(sb, e->args[2 * i]);
            sl_buf_puts(sb, " THEN ");
            print_expr(sb, e->args[2 * i + 1]);
        }
        if (e->has_else) {
            sl_buf_puts(sb, " ELSE ");
            print_expr(sb, e->args[e->nargs - 1]);
        }
        sl_buf_puts(sb, " END");
        break;
    }
    case SL_EXPR_CAST:
        sl_buf_puts(sb, "CAST(");
        print_expr(sb, e->args[0]);
        sl_buf_puts(sb, " AS ");
        sl_buf_puts(sb, e->int4 ? "integer" : sl_type_name(e->type));
        sl_buf_puts(sb, ")");
        break;
    case SL_EXPR_FUNC:
        sl_buf_puts(sb, e->name);
        sl_buf_puts(sb, "(");
        for (int i = 0; i < e->nargs; i++) {
            if (i > 0)
                sl_buf_puts(sb, ", ");
            print_expr(sb, e->args[i]);
        }
        sl_buf_puts(sb, ")");
        break;
    }
}

char *sl_expr_print(sl_mcxt *cx, const sl_expr *expr)
{
    sl_buf sb;

    sl_buf_init(&sb);
    print_expr(&sb, expr);
    return sl_buf_pstrdup(&sb, cx);
}

bool sl_expr_is_const(const sl_expr *expr, bool *is_null)
{
    if (expr->kind != SL_EXPR_CONST)
        return false;
    if (is_null != NULL)
        *is_null = expr->is_null;
    return true;
}

int sl_expr_column_index(const sl_expr *expr)
{
    return expr->kind == SL_EXPR_COLUMN ? expr->column : -1;
}

void sl_eval_row_error(sl_eval_ctx *ectx, const char *sqlstate, const char *fmt, ...)
{
    ectx->row_errors++;
    if (!sl_error_is_set(&ectx->first_error)) {
        va_list ap;
        snprintf(ectx->first_error.sqlstate, sizeof(ectx->first_error.sqlstate), "%s", sqlstate);
        va_start(ap, fmt);
        vsnprintf(ectx->first_error.message, sizeof(ectx->first_error.message), fmt, ap);
        va_end(ap);
    }
}
