/*
 * print.c - canonical SQL for a parse tree (see parse.h: sl_print_node).
 *
 * Keywords come out in upper case, identifiers in lower case and quoted only
 * when they must be (upper case, odd characters, keywords), strings with
 * their quotes doubled, intervals as INTERVAL '5 minutes', and every binary
 * or unary expression in parentheses, so printing never has to know
 * operator precedence and reparsing the output gives the same tree.
 * EXPLAIN, error messages and the parser's tests use it.
 *
 * The printer recurses once per tree level; sl_parse() rejects trees deeper
 * than SL_PARSE_MAX_DEPTH, which bounds the recursion.
 */
#include "parser/parse.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/interval.h"
#include "parser/grammar.h"
#include "parser/lexer.h"
#include "sluice/buf.h"

/* ---- words and literals ---- */

/*
 * True when name reads back as itself without quotes: lower case, plain
 * characters, not a keyword.  Unit words (m, s, minutes) need no quotes: the
 * grammar reads them as names except right after a number, and the printer
 * never puts a name there (aliases follow AS).
 */
static bool ident_is_plain(const char *name)
{
    if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '$'))
            return false;
    int tok = sl_lexer_word_token(name);
    return tok == TK_ID || tok == TK_UNIT;
}

static void print_ident(sl_buf *sb, const char *name)
{
    if (name == NULL) {
        sl_buf_puts(sb, "\"?\"");
        return;
    }
    if (ident_is_plain(name)) {
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

/* a.b.c as a dotted name (options, settings); one quoted name when a part is empty */
static void print_dotted(sl_buf *sb, const char *name)
{
    if (name == NULL || name[0] == '\0' || name[0] == '.' || name[strlen(name) - 1] == '.' ||
        strstr(name, "..") != NULL) {
        print_ident(sb, name);
        return;
    }
    const char *p = name;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        char *part = strndup(p, n);
        if (part == NULL)
            abort(); /* as the memory contexts do */
        print_ident(sb, part);
        free(part);
        if (dot == NULL)
            break;
        sl_buf_append(sb, ".", 1);
        p = dot + 1;
    }
}

static void print_string(sl_buf *sb, const char *s)
{
    sl_buf_append(sb, "'", 1);
    for (const char *p = s != NULL ? s : ""; *p; p++) {
        if (*p == '\'')
            sl_buf_append(sb, "'", 1);
        sl_buf_append(sb, p, 1);
    }
    sl_buf_append(sb, "'", 1);
}

static void print_interval(sl_buf *sb, int64_t us)
{
    char buf[SL_INTERVAL_TEXT_MAX];

    sl_interval_text(us, false, buf, sizeof(buf));
    sl_buf_printf(sb, "INTERVAL '%s'", buf);
}

static void print_const(sl_buf *sb, const sl_Const *c)
{
    switch (c->kind) {
    case SL_CONST_NULL:
        sl_buf_puts(sb, "NULL");
        break;
    case SL_CONST_BOOL:
        sl_buf_puts(sb, c->bval ? "TRUE" : "FALSE");
        break;
    case SL_CONST_INT:
        sl_buf_printf(sb, "%" PRId64, c->ival);
        break;
    case SL_CONST_NUMERIC:
        if (c->text != NULL)
            sl_buf_puts(sb, c->text);
        else
            sl_buf_printf(sb, "%.17g", c->dval);
        break;
    case SL_CONST_STRING:
        print_string(sb, c->text);
        break;
    case SL_CONST_INTERVAL:
        print_interval(sb, c->ival);
        break;
    }
}

/* Type names in upper case when they read back the same (BIGINT, DOUBLE PRECISION), else quoted. */
static void print_type(sl_buf *sb, const sl_TypeName *t)
{
    const char *name = t->name != NULL ? t->name : "?";
    int tok = sl_lexer_word_token(name);
    bool plain = strcmp(name, "double precision") == 0 || tok == TK_ID || tok == TK_UNIT ||
                 tok == TK_DOUBLE || tok == TK_TIMESTAMP || tok == TK_INTERVAL;

    for (const char *p = name; plain && *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == ' '))
            plain = false;
    if (!plain || !(name[0] >= 'a' && name[0] <= 'z')) {
        print_ident(sb, name);
    } else {
        for (const char *p = name; *p; p++) {
            char u = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
            sl_buf_append(sb, &u, 1);
        }
    }
    for (int i = 0; i < sl_list_length(t->mods); i++) {
        const sl_Const *m = sl_list_nth(t->mods, i);
        sl_buf_printf(sb, "%s%lld", i == 0 ? "(" : ", ", (long long)m->ival);
    }
    if (t->mods != NULL)
        sl_buf_puts(sb, ")");
}

/* ---- transactions and session statements ---- */

static void print_transaction(sl_buf *sb, const sl_TransactionStmt *t)
{
    static const char *const words[] = {
        [SL_TXN_BEGIN] = "BEGIN",
        [SL_TXN_COMMIT] = "COMMIT",
        [SL_TXN_ROLLBACK] = "ROLLBACK",
        [SL_TXN_SET] = "SET TRANSACTION",
        [SL_TXN_SET_SESSION] = "SET SESSION CHARACTERISTICS AS TRANSACTION",
    };

    sl_buf_puts(sb, t->start ? "START TRANSACTION" : words[t->kind]);
    for (int i = 0; i < sl_list_length(t->modes); i++) {
        const sl_Option *m = sl_list_nth(t->modes, i);
        const char *v = m->value->text;
        bool on = strcmp(v, "on") == 0;

        sl_buf_puts(sb, i == 0 ? " " : ", ");
        if (strcmp(m->name, "transaction_isolation") == 0) {
            sl_buf_puts(sb, "ISOLATION LEVEL ");
            for (const char *p = v; *p; p++) {
                char u = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
                sl_buf_append(sb, &u, 1);
            }
        } else if (strcmp(m->name, "transaction_read_only") == 0) {
            sl_buf_puts(sb, on ? "READ ONLY" : "READ WRITE");
        } else {
            sl_buf_puts(sb, on ? "DEFERRABLE" : "NOT DEFERRABLE");
        }
    }
}

static void print_session(sl_buf *sb, const sl_SessionStmt *s)
{
    static const char *const words[] = {
        [SL_SESSION_RESET] = "RESET",       [SL_SESSION_DISCARD] = "DISCARD", [SL_SESSION_LISTEN] = "LISTEN",
        [SL_SESSION_UNLISTEN] = "UNLISTEN", [SL_SESSION_CLOSE] = "CLOSE",     [SL_SESSION_DO] = "DO",
    };

    sl_buf_puts(sb, words[s->kind]);
    sl_buf_puts(sb, " ");
    if (s->name == NULL)
        sl_buf_puts(sb, s->kind == SL_SESSION_UNLISTEN ? "*" : "ALL");
    else if (s->kind == SL_SESSION_RESET)
        print_dotted(sb, s->name);
    else if (s->kind == SL_SESSION_DO)
        print_string(sb, s->name);
    else if (s->kind == SL_SESSION_DISCARD)
        sl_buf_puts(sb, s->name); /* a keyword */
    else
        print_ident(sb, s->name);
}

/* ---- expressions ---- */

static void print_node(sl_buf *sb, const sl_node *node);

static void print_list(sl_buf *sb, const sl_list *list, const char *sep)
{
    for (int i = 0; i < sl_list_length(list); i++) {
        if (i > 0)
            sl_buf_puts(sb, sep);
        print_node(sb, sl_list_nth(list, i));
    }
}

static const char *op_text(sl_op op)
{
    switch (op) {
    case SL_OP_ADD:
    case SL_OP_PLUS:
        return "+";
    case SL_OP_SUB:
    case SL_OP_NEG:
        return "-";
    case SL_OP_MUL:
        return "*";
    case SL_OP_DIV:
        return "/";
    case SL_OP_MOD:
        return "%";
    case SL_OP_POW:
        return "^";
    case SL_OP_EQ:
        return "=";
    case SL_OP_NE:
        return "<>";
    case SL_OP_LT:
        return "<";
    case SL_OP_LE:
        return "<=";
    case SL_OP_GT:
        return ">";
    case SL_OP_GE:
        return ">=";
    case SL_OP_CONCAT:
        return "||";
    }
    return "?";
}

/* A constant whose text starts with '-': after a unary '-' it needs a blank, or "--" starts a comment. */
static bool starts_with_minus(const sl_node *n)
{
    const sl_Const *c = (const sl_Const *)n;

    if (!SL_IS(n, Const))
        return false;
    return (c->kind == SL_CONST_INT && c->ival < 0) ||
           (c->kind == SL_CONST_NUMERIC && c->text != NULL && c->text[0] == '-');
}

static void print_op(sl_buf *sb, const sl_OpExpr *e)
{
    sl_buf_append(sb, "(", 1);
    if (e->left == NULL) {
        sl_buf_puts(sb, op_text(e->op));
        if (starts_with_minus(e->right))
            sl_buf_append(sb, " ", 1);
    } else {
        print_node(sb, e->left);
        sl_buf_printf(sb, " %s ", op_text(e->op));
    }
    print_node(sb, e->right);
    sl_buf_append(sb, ")", 1);
}

static void print_bool(sl_buf *sb, const sl_BoolExpr *e)
{
    sl_buf_append(sb, "(", 1);
    if (e->op == SL_BOOL_NOT) {
        sl_buf_puts(sb, "NOT ");
        print_list(sb, e->args, " ");
    } else {
        print_list(sb, e->args, e->op == SL_BOOL_AND ? " AND " : " OR ");
    }
    sl_buf_append(sb, ")", 1);
}

static void print_case(sl_buf *sb, const sl_CaseExpr *e)
{
    sl_buf_puts(sb, "CASE");
    if (e->arg != NULL) {
        sl_buf_append(sb, " ", 1);
        print_node(sb, e->arg);
    }
    for (int i = 0; i < sl_list_length(e->whens); i++) {
        sl_buf_append(sb, " ", 1);
        print_node(sb, sl_list_nth(e->whens, i));
    }
    if (e->else_result != NULL) {
        sl_buf_puts(sb, " ELSE ");
        print_node(sb, e->else_result);
    }
    sl_buf_puts(sb, " END");
}

static void print_func(sl_buf *sb, const sl_FuncCall *f)
{
    print_ident(sb, f->name);
    sl_buf_append(sb, "(", 1);
    if (f->star) {
        sl_buf_append(sb, "*", 1);
    } else {
        if (f->distinct)
            sl_buf_puts(sb, "DISTINCT ");
        print_list(sb, f->args, ", ");
    }
    sl_buf_append(sb, ")", 1);
}

/* ---- statements ---- */

static void print_options(sl_buf *sb, const sl_list *options)
{
    sl_buf_append(sb, "(", 1);
    print_list(sb, options, ", ");
    sl_buf_append(sb, ")", 1);
}

static const char *object_text(sl_object_kind k)
{
    switch (k) {
    case SL_OBJ_SOURCE:
        return "SOURCE";
    case SL_OBJ_SINK:
        return "SINK";
    case SL_OBJ_QUERY:
        return "QUERY";
    }
    return "?";
}

static void print_window(sl_buf *sb, const sl_WindowClause *w)
{
    switch (w->kind) {
    case SL_WINDOW_TUMBLING:
        sl_buf_puts(sb, "WINDOW TUMBLING (");
        break;
    case SL_WINDOW_HOPPING:
        sl_buf_puts(sb, "WINDOW HOPPING (");
        break;
    case SL_WINDOW_SESSION:
        sl_buf_puts(sb, "WINDOW SESSION (");
        break;
    }
    print_interval(sb, w->size_us);
    if (w->kind == SL_WINDOW_HOPPING) {
        sl_buf_puts(sb, ", ");
        print_interval(sb, w->slide_us);
    }
    sl_buf_append(sb, ")", 1);
}

static void print_select(sl_buf *sb, const sl_SelectStmt *s)
{
    sl_buf_puts(sb, "SELECT ");
    print_list(sb, s->targets, ", ");
    if (s->from != NULL) {
        sl_buf_puts(sb, " FROM ");
        print_ident(sb, s->from);
    }
    if (s->where != NULL) {
        sl_buf_puts(sb, " WHERE ");
        print_node(sb, s->where);
    }
    if (s->window != NULL) {
        sl_buf_append(sb, " ", 1);
        print_window(sb, s->window);
    }
    if (s->group_by != NULL) {
        sl_buf_puts(sb, " GROUP BY ");
        print_list(sb, s->group_by, ", ");
    }
    if (s->having != NULL) {
        sl_buf_puts(sb, " HAVING ");
        print_node(sb, s->having);
    }
    if (s->into != NULL) {
        sl_buf_puts(sb, " INTO ");
        print_ident(sb, s->into);
    }
    if (s->limit >= 0)
        sl_buf_printf(sb, " LIMIT %" PRId64, s->limit);
}

static void print_create_source(sl_buf *sb, const sl_CreateSourceStmt *s)
{
    sl_buf_puts(sb, "CREATE SOURCE ");
    print_ident(sb, s->name);
    if (s->columns != NULL) {
        sl_buf_puts(sb, " (");
        print_list(sb, s->columns, ", ");
        sl_buf_append(sb, ")", 1);
    }
    sl_buf_puts(sb, " FROM ");
    print_ident(sb, s->kind);
    if (s->options != NULL) {
        sl_buf_puts(sb, " WITH ");
        print_options(sb, s->options);
    }
    if (s->event_time != NULL) {
        sl_buf_puts(sb, " EVENT TIME ");
        print_ident(sb, s->event_time);
    }
    if (s->has_watermark) {
        sl_buf_puts(sb, " WATERMARK ");
        print_interval(sb, s->watermark_us);
    }
}

static void print_show(sl_buf *sb, const sl_ShowStmt *s)
{
    switch (s->what) {
    case SL_SHOW_SOURCES:
        sl_buf_puts(sb, "SHOW SOURCES");
        break;
    case SL_SHOW_SINKS:
        sl_buf_puts(sb, "SHOW SINKS");
        break;
    case SL_SHOW_QUERIES:
        sl_buf_puts(sb, "SHOW QUERIES");
        break;
    case SL_SHOW_ROLES:
        sl_buf_puts(sb, "SHOW ROLES");
        break;
    case SL_SHOW_GRANTS:
        sl_buf_puts(sb, "SHOW GRANTS");
        break;
    case SL_SHOW_EXTENSIONS:
        sl_buf_puts(sb, "SHOW EXTENSIONS");
        break;
    case SL_SHOW_SETTING:
        sl_buf_puts(sb, "SHOW ");
        if (s->name != NULL && strcmp(s->name, "all") == 0)
            sl_buf_puts(sb, "ALL");
        else
            print_dotted(sb, s->name);
        break;
    }
}

static void print_role(sl_buf *sb, const sl_RoleStmt *s)
{
    static const char *const verbs[] = {"CREATE", "ALTER", "DROP"};

    sl_buf_printf(sb, "%s %s %s", verbs[s->action], s->is_user ? "USER" : "ROLE",
                  s->if_exists ? "IF EXISTS " : "");
    print_ident(sb, s->name);
    for (int i = 0; i < sl_list_length(s->options); i++) {
        const sl_Option *o = sl_list_nth(s->options, i);
        sl_buf_puts(sb, i == 0 ? " WITH " : " ");
        print_ident(sb, o->name);
        if (o->value != NULL) {
            sl_buf_puts(sb, " ");
            print_const(sb, o->value);
        }
    }
}

static void print_grant(sl_buf *sb, const sl_GrantStmt *s)
{
    static const char *const targets[] = {"SOURCE ", "SINK ", "", ""};

    sl_buf_puts(sb, s->revoke ? "REVOKE " : "GRANT ");
    if (s->target != SL_GRANT_ROLE) {
        if (strcmp(s->privilege, "create") == 0)
            sl_buf_puts(sb, "CREATE");
        else
            print_ident(sb, s->privilege);
        sl_buf_printf(sb, " ON %s", targets[s->target]);
    }
    print_ident(sb, s->object);
    sl_buf_puts(sb, s->revoke ? " FROM " : " TO ");
    print_ident(sb, s->grantee);
}

static void print_node(sl_buf *sb, const sl_node *node)
{
    if (node == NULL) {
        sl_buf_puts(sb, "NULL");
        return;
    }
    switch (node->tag) {
    case SL_T_CreateSourceStmt:
        print_create_source(sb, (const sl_CreateSourceStmt *)node);
        break;
    case SL_T_CreateSinkStmt: {
        const sl_CreateSinkStmt *s = (const void *)node;
        sl_buf_puts(sb, "CREATE SINK ");
        print_ident(sb, s->name);
        sl_buf_puts(sb, " TO ");
        print_ident(sb, s->kind);
        if (s->options != NULL) {
            sl_buf_puts(sb, " WITH ");
            print_options(sb, s->options);
        }
        break;
    }
    case SL_T_AlterStmt: {
        const sl_AlterStmt *s = (const void *)node;
        sl_buf_printf(sb, "ALTER %s ", object_text(s->object));
        print_ident(sb, s->name);
        sl_buf_puts(sb, " SET ");
        print_options(sb, s->options);
        break;
    }
    case SL_T_DropStmt: {
        const sl_DropStmt *s = (const void *)node;
        sl_buf_printf(sb, "DROP %s %s", object_text(s->object), s->if_exists ? "IF EXISTS " : "");
        print_ident(sb, s->name);
        break;
    }
    case SL_T_ShowStmt:
        print_show(sb, (const sl_ShowStmt *)node);
        break;
    case SL_T_RoleStmt:
        print_role(sb, (const sl_RoleStmt *)node);
        break;
    case SL_T_GrantStmt:
        print_grant(sb, (const sl_GrantStmt *)node);
        break;
    case SL_T_ExtensionStmt: {
        const sl_ExtensionStmt *s = (const void *)node;
        sl_buf_puts(sb, s->drop ? "DROP EXTENSION " : "CREATE EXTENSION ");
        if (s->if_exists)
            sl_buf_puts(sb, "IF EXISTS ");
        print_ident(sb, s->name);
        if (s->version != NULL) {
            sl_buf_puts(sb, " VERSION ");
            print_string(sb, s->version);
        }
        if (s->cascade)
            sl_buf_puts(sb, " CASCADE");
        break;
    }
    case SL_T_SetStmt: {
        const sl_SetStmt *s = (const void *)node;
        sl_buf_puts(sb, s->local ? "SET LOCAL " : "SET ");
        print_dotted(sb, s->name);
        if (s->value == NULL) {
            sl_buf_puts(sb, " TO DEFAULT");
        } else if (strcmp(s->name, "search_path") == 0) {
            /* already a list of names, quoted where needed (sl_parse_set_value) */
            sl_buf_puts(sb, " = ");
            sl_buf_puts(sb, s->value);
        } else {
            sl_buf_puts(sb, " = ");
            print_string(sb, s->value);
        }
        break;
    }
    case SL_T_DescribeStmt:
        sl_buf_puts(sb, "DESCRIBE ");
        print_ident(sb, ((const sl_DescribeStmt *)node)->name);
        break;
    case SL_T_SelectStmt:
        print_select(sb, (const sl_SelectStmt *)node);
        break;
    case SL_T_CreateQueryStmt: {
        const sl_CreateQueryStmt *s = (const void *)node;
        sl_buf_puts(sb, "CREATE QUERY ");
        print_ident(sb, s->name);
        sl_buf_puts(sb, " AS ");
        print_node(sb, (const sl_node *)s->select);
        break;
    }
    case SL_T_QueryControlStmt: {
        const sl_QueryControlStmt *s = (const void *)node;
        sl_buf_puts(sb, s->action == SL_QUERY_PAUSE ? "PAUSE QUERY " : "RESUME QUERY ");
        print_ident(sb, s->name);
        break;
    }
    case SL_T_ExplainStmt:
        sl_buf_puts(sb, "EXPLAIN ");
        print_node(sb, ((const sl_ExplainStmt *)node)->stmt);
        break;
    case SL_T_TransactionStmt:
        print_transaction(sb, (const sl_TransactionStmt *)node);
        break;
    case SL_T_SessionStmt:
        print_session(sb, (const sl_SessionStmt *)node);
        break;
    case SL_T_ColumnDef:
        print_ident(sb, ((const sl_ColumnDef *)node)->name);
        sl_buf_append(sb, " ", 1);
        print_node(sb, (const sl_node *)((const sl_ColumnDef *)node)->type);
        break;
    case SL_T_Option:
        print_dotted(sb, ((const sl_Option *)node)->name);
        sl_buf_puts(sb, " = ");
        print_node(sb, (const sl_node *)((const sl_Option *)node)->value);
        break;
    case SL_T_ResTarget: {
        const sl_ResTarget *t = (const void *)node;
        print_node(sb, t->expr);
        if (t->alias != NULL) {
            sl_buf_puts(sb, " AS ");
            print_ident(sb, t->alias);
        }
        break;
    }
    case SL_T_WindowClause:
        print_window(sb, (const sl_WindowClause *)node);
        break;
    case SL_T_TypeName:
        print_type(sb, (const sl_TypeName *)node);
        break;
    case SL_T_Const:
        print_const(sb, (const sl_Const *)node);
        break;
    case SL_T_ColumnRef: {
        const sl_list *names = ((const sl_ColumnRef *)node)->names;
        for (int i = 0; i < sl_list_length(names); i++) {
            if (i > 0)
                sl_buf_append(sb, ".", 1);
            print_ident(sb, sl_list_nth(names, i));
        }
        break;
    }
    case SL_T_Star:
        sl_buf_append(sb, "*", 1);
        break;
    case SL_T_OpExpr:
        print_op(sb, (const sl_OpExpr *)node);
        break;
    case SL_T_BoolExpr:
        print_bool(sb, (const sl_BoolExpr *)node);
        break;
    case SL_T_NullTest: {
        const sl_NullTest *e = (const void *)node;
        sl_buf_append(sb, "(", 1);
        print_node(sb, e->arg);
        sl_buf_puts(sb, e->is_not ? " IS NOT NULL)" : " IS NULL)");
        break;
    }
    case SL_T_BetweenExpr: {
        const sl_BetweenExpr *e = (const void *)node;
        sl_buf_append(sb, "(", 1);
        print_node(sb, e->arg);
        sl_buf_puts(sb, e->is_not ? " NOT BETWEEN " : " BETWEEN ");
        print_node(sb, e->low);
        sl_buf_puts(sb, " AND ");
        print_node(sb, e->high);
        sl_buf_append(sb, ")", 1);
        break;
    }
    case SL_T_InExpr: {
        const sl_InExpr *e = (const void *)node;
        sl_buf_append(sb, "(", 1);
        print_node(sb, e->arg);
        sl_buf_puts(sb, e->is_not ? " NOT IN (" : " IN (");
        print_list(sb, e->values, ", ");
        sl_buf_puts(sb, "))");
        break;
    }
    case SL_T_LikeExpr: {
        const sl_LikeExpr *e = (const void *)node;
        sl_buf_append(sb, "(", 1);
        print_node(sb, e->arg);
        sl_buf_puts(sb, e->is_not ? " NOT" : "");
        sl_buf_puts(sb, e->case_insensitive ? " ILIKE " : " LIKE ");
        print_node(sb, e->pattern);
        sl_buf_append(sb, ")", 1);
        break;
    }
    case SL_T_CaseExpr:
        print_case(sb, (const sl_CaseExpr *)node);
        break;
    case SL_T_CaseWhen:
        sl_buf_puts(sb, "WHEN ");
        print_node(sb, ((const sl_CaseWhen *)node)->cond);
        sl_buf_puts(sb, " THEN ");
        print_node(sb, ((const sl_CaseWhen *)node)->result);
        break;
    case SL_T_CastExpr: {
        const sl_CastExpr *e = (const void *)node;
        sl_buf_puts(sb, "CAST(");
        print_node(sb, e->arg);
        sl_buf_puts(sb, " AS ");
        print_node(sb, (const sl_node *)e->type);
        sl_buf_append(sb, ")", 1);
        break;
    }
    case SL_T_FuncCall:
        print_func(sb, (const sl_FuncCall *)node);
        break;
    case SL_T_ParamRef: {
        char num[16];
        int n = snprintf(num, sizeof(num), "$%d", ((const sl_ParamRef *)node)->number);
        sl_buf_append(sb, num, (size_t)n);
        break;
    }
    default:
        sl_buf_printf(sb, "<%s>", sl_node_tag_name(node->tag));
        break;
    }
}

char *sl_print_node(sl_mcxt *cx, const sl_node *node)
{
    sl_buf sb;

    sl_buf_init(&sb);
    print_node(&sb, node);
    return sl_buf_pstrdup(&sb, cx);
}
