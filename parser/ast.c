/*
 * ast.c - parse tree nodes: allocation, constructors, tag names and the
 * generic child walk (see ast.h).
 *
 * Entry points: sl_node_new(), sl_node_tag_name(), the sl_make_*()
 * constructors the grammar's actions call, and sl_node_foreach_child().
 * Constructors keep the strings and lists they are given: the parser has
 * already allocated them in the same context.
 */
#include "parser/ast.h"

#include <stdlib.h>
#include <string.h>

#include "sluice/types.h"

void *sl_node_new(sl_mcxt *cx, sl_node_tag tag, size_t size, int location)
{
    sl_node *node = sl_pzalloc(cx, size);

    node->tag = tag;
    node->location = location;
    return node;
}

const char *sl_node_tag_name(sl_node_tag tag)
{
    static const char *const names[SL_T_NumTags] = {
        [SL_T_Invalid] = "Invalid",
        [SL_T_CreateSourceStmt] = "CreateSourceStmt",
        [SL_T_CreateSinkStmt] = "CreateSinkStmt",
        [SL_T_AlterStmt] = "AlterStmt",
        [SL_T_DropStmt] = "DropStmt",
        [SL_T_RoleStmt] = "RoleStmt",
        [SL_T_GrantStmt] = "GrantStmt",
        [SL_T_ShowStmt] = "ShowStmt",
        [SL_T_SetStmt] = "SetStmt",
        [SL_T_DescribeStmt] = "DescribeStmt",
        [SL_T_SelectStmt] = "SelectStmt",
        [SL_T_CreateQueryStmt] = "CreateQueryStmt",
        [SL_T_QueryControlStmt] = "QueryControlStmt",
        [SL_T_ExplainStmt] = "ExplainStmt",
        [SL_T_TransactionStmt] = "TransactionStmt",
        [SL_T_SessionStmt] = "SessionStmt",
        [SL_T_ExtensionStmt] = "ExtensionStmt",
        [SL_T_ColumnDef] = "ColumnDef",
        [SL_T_Option] = "Option",
        [SL_T_ResTarget] = "ResTarget",
        [SL_T_WindowClause] = "WindowClause",
        [SL_T_TypeName] = "TypeName",
        [SL_T_Const] = "Const",
        [SL_T_ColumnRef] = "ColumnRef",
        [SL_T_Star] = "Star",
        [SL_T_OpExpr] = "OpExpr",
        [SL_T_BoolExpr] = "BoolExpr",
        [SL_T_NullTest] = "NullTest",
        [SL_T_BetweenExpr] = "BetweenExpr",
        [SL_T_InExpr] = "InExpr",
        [SL_T_LikeExpr] = "LikeExpr",
        [SL_T_CaseExpr] = "CaseExpr",
        [SL_T_CaseWhen] = "CaseWhen",
        [SL_T_CastExpr] = "CastExpr",
        [SL_T_FuncCall] = "FuncCall",
        [SL_T_ParamRef] = "ParamRef",
    };

    if ((int)tag < 0 || tag >= SL_T_NumTags || names[tag] == NULL)
        return "?";
    return names[tag];
}

/* ---- expressions ---- */

static sl_Const *make_const(sl_mcxt *cx, sl_const_kind kind, int location)
{
    sl_Const *c = SL_NEW(cx, Const, location);

    c->kind = kind;
    return c;
}

sl_Const *sl_make_const_null(sl_mcxt *cx, int location)
{
    return make_const(cx, SL_CONST_NULL, location);
}

sl_Const *sl_make_const_bool(sl_mcxt *cx, bool value, int location)
{
    sl_Const *c = make_const(cx, SL_CONST_BOOL, location);

    c->bval = value;
    return c;
}

sl_Const *sl_make_const_int(sl_mcxt *cx, int64_t value, int location)
{
    sl_Const *c = make_const(cx, SL_CONST_INT, location);

    c->ival = value;
    c->dval = (double)value;
    return c;
}

sl_Const *sl_make_const_numeric(sl_mcxt *cx, const char *text, int location)
{
    sl_Const *c = make_const(cx, SL_CONST_NUMERIC, location);

    c->text = text;
    c->dval = strtod(text, NULL);
    return c;
}

sl_Const *sl_make_const_string(sl_mcxt *cx, const char *text, int location)
{
    sl_Const *c = make_const(cx, SL_CONST_STRING, location);

    c->text = text;
    return c;
}

sl_Const *sl_make_const_interval(sl_mcxt *cx, int64_t us, int location)
{
    sl_Const *c = make_const(cx, SL_CONST_INTERVAL, location);

    c->ival = us;
    return c;
}

sl_ColumnRef *sl_make_column_ref(sl_mcxt *cx, const char *name, int location)
{
    sl_ColumnRef *ref = SL_NEW(cx, ColumnRef, location);

    ref->names = sl_list_append(cx, NULL, (void *)name);
    return ref;
}

sl_ColumnRef *sl_column_ref_append(sl_mcxt *cx, sl_ColumnRef *ref, const char *name)
{
    ref->names = sl_list_append(cx, ref->names, (void *)name);
    return ref;
}

sl_Star *sl_make_star(sl_mcxt *cx, int location)
{
    return SL_NEW(cx, Star, location);
}

sl_OpExpr *sl_make_op(sl_mcxt *cx, sl_op op, sl_node *left, sl_node *right, int location)
{
    sl_OpExpr *e = SL_NEW(cx, OpExpr, location);

    e->op = op;
    e->left = left;
    e->right = right;
    return e;
}

sl_node *sl_make_negation(sl_mcxt *cx, sl_node *expr, int location)
{
    sl_Const *c = (sl_Const *)expr;

    if (SL_IS(expr, Const)) {
        switch (c->kind) {
        case SL_CONST_INT:
            if (c->ival == INT64_MIN)
                break; /* -(-9223372036854775808) does not fit: leave it to the evaluator */
            c->ival = -c->ival;
            c->dval = (double)c->ival;
            c->hdr.location = location;
            return expr;
        case SL_CONST_NUMERIC:
            if (strcmp(c->text, "9223372036854775808") == 0)
                return (sl_node *)sl_make_const_int(cx, INT64_MIN, location);
            c->text = c->text[0] == '-' ? c->text + 1 : sl_psprintf(cx, "-%s", c->text);
            c->dval = -c->dval;
            c->hdr.location = location;
            return expr;
        case SL_CONST_INTERVAL:
            if (c->ival == INT64_MIN)
                break;
            c->ival = -c->ival;
            c->hdr.location = location;
            return expr;
        default:
            break;
        }
    }
    return (sl_node *)sl_make_op(cx, SL_OP_NEG, NULL, expr, location);
}

sl_BoolExpr *sl_make_bool(sl_mcxt *cx, sl_bool_op op, sl_node *a, sl_node *b, int location)
{
    sl_BoolExpr *e = SL_NEW(cx, BoolExpr, location);

    e->op = op;
    e->args = sl_list_append(cx, NULL, a);
    if (b != NULL)
        e->args = sl_list_append(cx, e->args, b);
    return e;
}

sl_NullTest *sl_make_null_test(sl_mcxt *cx, sl_node *arg, bool is_not, int location)
{
    sl_NullTest *e = SL_NEW(cx, NullTest, location);

    e->arg = arg;
    e->is_not = is_not;
    return e;
}

sl_BetweenExpr *sl_make_between(sl_mcxt *cx, sl_node *arg, sl_node *low, sl_node *high, bool is_not,
                                int location)
{
    sl_BetweenExpr *e = SL_NEW(cx, BetweenExpr, location);

    e->arg = arg;
    e->low = low;
    e->high = high;
    e->is_not = is_not;
    return e;
}

sl_InExpr *sl_make_in(sl_mcxt *cx, sl_node *arg, sl_list *values, bool is_not, int location)
{
    sl_InExpr *e = SL_NEW(cx, InExpr, location);

    e->arg = arg;
    e->values = values;
    e->is_not = is_not;
    return e;
}

sl_LikeExpr *sl_make_like(sl_mcxt *cx, sl_node *arg, sl_node *pattern, bool is_not, bool case_insensitive,
                          int location)
{
    sl_LikeExpr *e = SL_NEW(cx, LikeExpr, location);

    e->arg = arg;
    e->pattern = pattern;
    e->is_not = is_not;
    e->case_insensitive = case_insensitive;
    return e;
}

sl_CaseWhen *sl_make_case_when(sl_mcxt *cx, sl_node *cond, sl_node *result, int location)
{
    sl_CaseWhen *w = SL_NEW(cx, CaseWhen, location);

    w->cond = cond;
    w->result = result;
    return w;
}

sl_CaseExpr *sl_make_case(sl_mcxt *cx, sl_node *arg, sl_list *whens, sl_node *else_result, int location)
{
    sl_CaseExpr *e = SL_NEW(cx, CaseExpr, location);

    e->arg = arg;
    e->whens = whens;
    e->else_result = else_result;
    return e;
}

sl_TypeName *sl_make_type_name(sl_mcxt *cx, const char *name, sl_list *mods, int location)
{
    sl_TypeName *t = SL_NEW(cx, TypeName, location);

    t->name = name;
    t->mods = mods;
    return t;
}

sl_status sl_type_name_check(const sl_TypeName *t, sl_error *err)
{
    int64_t mods[3];
    int n = sl_list_length(t->mods);

    for (int i = 0; i < n && i < 3; i++)
        mods[i] = ((const sl_Const *)sl_list_nth(t->mods, i))->ival;
    return sl_type_check_mods(t->name, n < 3 ? n : 3, mods, err);
}

sl_CastExpr *sl_make_cast(sl_mcxt *cx, sl_node *arg, sl_TypeName *type, int location)
{
    sl_CastExpr *e = SL_NEW(cx, CastExpr, location);

    e->arg = arg;
    e->type = type;
    return e;
}

sl_FuncCall *sl_make_func_call(sl_mcxt *cx, const char *name, sl_list *args, bool star, bool distinct,
                               int location)
{
    sl_FuncCall *f = SL_NEW(cx, FuncCall, location);

    f->name = name;
    f->args = args;
    f->star = star;
    f->distinct = distinct;
    return f;
}

/* ---- statement parts ---- */

sl_ColumnDef *sl_make_column_def(sl_mcxt *cx, const char *name, sl_TypeName *type, int location)
{
    sl_ColumnDef *d = SL_NEW(cx, ColumnDef, location);

    d->name = name;
    d->type = type;
    return d;
}

sl_Option *sl_make_option(sl_mcxt *cx, const char *name, sl_Const *value, int location)
{
    sl_Option *o = SL_NEW(cx, Option, location);

    o->name = name;
    o->value = value;
    return o;
}

sl_ResTarget *sl_make_res_target(sl_mcxt *cx, sl_node *expr, const char *alias, int location)
{
    sl_ResTarget *t = SL_NEW(cx, ResTarget, location);

    t->expr = expr;
    t->alias = alias;
    return t;
}

sl_WindowClause *sl_make_window(sl_mcxt *cx, sl_window_kind kind, int64_t size_us, int64_t slide_us,
                                int location)
{
    sl_WindowClause *w = SL_NEW(cx, WindowClause, location);

    w->kind = kind;
    w->size_us = size_us;
    w->slide_us = slide_us;
    return w;
}

/* ---- statements ---- */

sl_CreateSourceStmt *sl_make_create_source(sl_mcxt *cx, const char *name, sl_list *columns, const char *kind,
                                           sl_list *options, const char *event_time,
                                           const sl_Const *watermark, int location)
{
    sl_CreateSourceStmt *s = SL_NEW(cx, CreateSourceStmt, location);

    s->name = name;
    s->columns = columns;
    s->kind = kind;
    s->options = options;
    s->event_time = event_time;
    s->has_watermark = watermark != NULL;
    s->watermark_us = watermark != NULL ? watermark->ival : 0;
    return s;
}

sl_CreateSinkStmt *sl_make_create_sink(sl_mcxt *cx, const char *name, const char *kind, sl_list *options,
                                       int location)
{
    sl_CreateSinkStmt *s = SL_NEW(cx, CreateSinkStmt, location);

    s->name = name;
    s->kind = kind;
    s->options = options;
    return s;
}

sl_AlterStmt *sl_make_alter(sl_mcxt *cx, sl_object_kind object, const char *name, sl_list *options,
                            int location)
{
    sl_AlterStmt *s = SL_NEW(cx, AlterStmt, location);

    s->object = object;
    s->name = name;
    s->options = options;
    return s;
}

sl_DropStmt *sl_make_drop(sl_mcxt *cx, sl_object_kind object, const char *name, bool if_exists, int location)
{
    sl_DropStmt *s = SL_NEW(cx, DropStmt, location);

    s->object = object;
    s->name = name;
    s->if_exists = if_exists;
    return s;
}

sl_RoleStmt *sl_make_role_stmt(sl_mcxt *cx, sl_role_action action, bool is_user, const char *name,
                               bool if_exists, sl_list *options, int location)
{
    sl_RoleStmt *s = SL_NEW(cx, RoleStmt, location);

    s->action = action;
    s->is_user = is_user;
    s->name = name;
    s->if_exists = if_exists;
    s->options = options;
    return s;
}

sl_ExtensionStmt *sl_make_extension_stmt(sl_mcxt *cx, bool drop, const char *name, const char *version,
                                         bool if_exists, bool cascade, int location)
{
    sl_ExtensionStmt *s = SL_NEW(cx, ExtensionStmt, location);

    s->drop = drop;
    s->name = name;
    s->version = version;
    s->if_exists = if_exists;
    s->cascade = cascade;
    return s;
}

sl_GrantStmt *sl_make_grant(sl_mcxt *cx, bool revoke, const char *privilege, int64_t target,
                            const char *object, const char *grantee, int location)
{
    sl_GrantStmt *s = SL_NEW(cx, GrantStmt, location);

    s->revoke = revoke;
    s->privilege = privilege;
    s->target = (sl_grant_target)target;
    s->object = object;
    s->grantee = grantee;
    return s;
}

sl_ShowStmt *sl_make_show(sl_mcxt *cx, sl_show_kind what, const char *name, int location)
{
    sl_ShowStmt *s = SL_NEW(cx, ShowStmt, location);

    s->what = what;
    s->name = name;
    return s;
}

sl_SetStmt *sl_make_set(sl_mcxt *cx, const char *name, const char *value, int location)
{
    sl_SetStmt *s = SL_NEW(cx, SetStmt, location);

    s->name = name;
    s->value = value;
    return s;
}

sl_node *sl_set_scope(sl_SetStmt *stmt, bool local, int location)
{
    stmt->local = local;
    stmt->hdr.location = location;
    return (sl_node *)stmt;
}

sl_DescribeStmt *sl_make_describe(sl_mcxt *cx, const char *name, int location)
{
    sl_DescribeStmt *s = SL_NEW(cx, DescribeStmt, location);

    s->name = name;
    return s;
}

sl_SelectStmt *sl_make_select(sl_mcxt *cx, sl_list *targets, const char *from, int from_location,
                              sl_node *where, sl_WindowClause *window, sl_list *group_by, sl_node *having,
                              const char *into, int into_location, int64_t limit, int location)
{
    sl_SelectStmt *s = SL_NEW(cx, SelectStmt, location);

    s->targets = targets;
    s->from = from;
    s->from_location = from != NULL ? from_location : -1;
    s->where = where;
    s->window = window;
    s->group_by = group_by;
    s->having = having;
    s->into = into;
    s->into_location = into != NULL ? into_location : -1;
    s->limit = limit;
    return s;
}

sl_CreateQueryStmt *sl_make_create_query(sl_mcxt *cx, const char *name, sl_SelectStmt *select, int location)
{
    sl_CreateQueryStmt *s = SL_NEW(cx, CreateQueryStmt, location);

    s->name = name;
    s->select = select;
    return s;
}

sl_QueryControlStmt *sl_make_query_control(sl_mcxt *cx, sl_query_action action, const char *name,
                                           int location)
{
    sl_QueryControlStmt *s = SL_NEW(cx, QueryControlStmt, location);

    s->action = action;
    s->name = name;
    return s;
}

sl_ExplainStmt *sl_make_explain(sl_mcxt *cx, sl_node *stmt, int location)
{
    sl_ExplainStmt *s = SL_NEW(cx, ExplainStmt, location);

    s->stmt = stmt;
    return s;
}

sl_TransactionStmt *sl_make_transaction(sl_mcxt *cx, sl_txn_kind kind, sl_list *modes, int location)
{
    sl_TransactionStmt *s = SL_NEW(cx, TransactionStmt, location);

    s->kind = kind;
    s->modes = modes;
    return s;
}

sl_TransactionStmt *sl_make_start_transaction(sl_mcxt *cx, sl_list *modes, int location)
{
    sl_TransactionStmt *s = sl_make_transaction(cx, SL_TXN_BEGIN, modes, location);

    s->start = true;
    return s;
}

sl_Option *sl_make_txn_mode(sl_mcxt *cx, const char *name, const char *value, int location)
{
    return sl_make_option(cx, name, sl_make_const_string(cx, value, location), location);
}

sl_SessionStmt *sl_make_session_stmt(sl_mcxt *cx, sl_session_kind kind, const char *name, int location)
{
    sl_SessionStmt *s = SL_NEW(cx, SessionStmt, location);

    s->kind = kind;
    s->name = name;
    return s;
}

/* ---- walking ---- */

static void visit_list(const sl_list *list, void (*fn)(const sl_node *, void *), void *arg)
{
    for (int i = 0; i < sl_list_length(list); i++)
        if (list->items[i] != NULL)
            fn(list->items[i], arg);
}

static void visit(const void *child, void (*fn)(const sl_node *, void *), void *arg)
{
    if (child != NULL)
        fn(child, arg);
}

void sl_node_foreach_child(const sl_node *node, void (*fn)(const sl_node *child, void *arg), void *arg)
{
    if (node == NULL)
        return;
    switch (node->tag) {
    case SL_T_CreateSourceStmt: {
        const sl_CreateSourceStmt *s = (const void *)node;
        visit_list(s->columns, fn, arg);
        visit_list(s->options, fn, arg);
        break;
    }
    case SL_T_CreateSinkStmt:
        visit_list(((const sl_CreateSinkStmt *)node)->options, fn, arg);
        break;
    case SL_T_AlterStmt:
        visit_list(((const sl_AlterStmt *)node)->options, fn, arg);
        break;
    case SL_T_TransactionStmt:
        visit_list(((const sl_TransactionStmt *)node)->modes, fn, arg);
        break;
    case SL_T_TypeName:
        visit_list(((const sl_TypeName *)node)->mods, fn, arg);
        break;
    case SL_T_SelectStmt: {
        const sl_SelectStmt *s = (const void *)node;
        visit_list(s->targets, fn, arg);
        visit(s->where, fn, arg);
        visit(s->window, fn, arg);
        visit_list(s->group_by, fn, arg);
        visit(s->having, fn, arg);
        break;
    }
    case SL_T_CreateQueryStmt:
        visit(((const sl_CreateQueryStmt *)node)->select, fn, arg);
        break;
    case SL_T_ExplainStmt:
        visit(((const sl_ExplainStmt *)node)->stmt, fn, arg);
        break;
    case SL_T_ColumnDef:
        visit(((const sl_ColumnDef *)node)->type, fn, arg);
        break;
    case SL_T_Option:
        visit(((const sl_Option *)node)->value, fn, arg);
        break;
    case SL_T_ResTarget:
        visit(((const sl_ResTarget *)node)->expr, fn, arg);
        break;
    case SL_T_OpExpr:
        visit(((const sl_OpExpr *)node)->left, fn, arg);
        visit(((const sl_OpExpr *)node)->right, fn, arg);
        break;
    case SL_T_BoolExpr:
        visit_list(((const sl_BoolExpr *)node)->args, fn, arg);
        break;
    case SL_T_NullTest:
        visit(((const sl_NullTest *)node)->arg, fn, arg);
        break;
    case SL_T_BetweenExpr: {
        const sl_BetweenExpr *e = (const void *)node;
        visit(e->arg, fn, arg);
        visit(e->low, fn, arg);
        visit(e->high, fn, arg);
        break;
    }
    case SL_T_InExpr:
        visit(((const sl_InExpr *)node)->arg, fn, arg);
        visit_list(((const sl_InExpr *)node)->values, fn, arg);
        break;
    case SL_T_LikeExpr:
        visit(((const sl_LikeExpr *)node)->arg, fn, arg);
        visit(((const sl_LikeExpr *)node)->pattern, fn, arg);
        break;
    case SL_T_CaseExpr: {
        const sl_CaseExpr *e = (const void *)node;
        visit(e->arg, fn, arg);
        visit_list(e->whens, fn, arg);
        visit(e->else_result, fn, arg);
        break;
    }
    case SL_T_CaseWhen:
        visit(((const sl_CaseWhen *)node)->cond, fn, arg);
        visit(((const sl_CaseWhen *)node)->result, fn, arg);
        break;
    case SL_T_CastExpr:
        visit(((const sl_CastExpr *)node)->arg, fn, arg);
        visit(((const sl_CastExpr *)node)->type, fn, arg);
        break;
    case SL_T_FuncCall:
        visit_list(((const sl_FuncCall *)node)->args, fn, arg);
        break;
    default: /* leaves: Const, ColumnRef, Star, WindowClause, name-only statements */
        break;
    }
}
