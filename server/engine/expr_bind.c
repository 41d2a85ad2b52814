/*
 * expr_bind.c - the binder: AST expression -> typed sl_expr.
 *
 * Entry points: sl_expr_bind (expr.h) and sl_expr_coerce (server/engine/expr_int.h).
 * Names resolve against the input schema, every node gets its type once,
 * untyped literals ('...' and NULL) take the type their context needs as in
 * PostgreSQL, BIGINT widens to DOUBLE, and expressions whose arguments are
 * all constants are folded here so a batch never recomputes them.  Errors
 * carry a SQLSTATE and the 1-based character position of the node.
 */
#include "server/engine/expr_int.h"

#include <string.h>

static sl_status bind_node(const sl_bind_ctx *ctx, const sl_node *n, sl_expr **out, sl_error *err);

/* Sets err's position to the node's location unless a deeper one is set. */
static sl_status at(const char *query_text, int location, sl_error *err)
{
    if (err->position == 0)
        err->position = sl_expr_position(query_text, location);
    return SL_ERROR;
}

static bool is_untyped(const sl_expr *e)
{
    return e->kind == SL_EXPR_CONST && (e->type == SL_TYPE_UNKNOWN || e->literal);
}

/* True when every one of v[0..n) is an int4 BIGINT (expr_int.h) or a NULL
 * constant: what CASE, COALESCE, GREATEST and LEAST over them return is one too. */
static bool all_int4(sl_expr *const *v, int n)
{
    for (int i = 0; i < n; i++)
        if (v[i]->type != SL_TYPE_BIGINT || !(v[i]->int4 || (v[i]->kind == SL_EXPR_CONST && v[i]->is_null)))
            return false;
    return n > 0;
}

/* Type names PostgreSQL calls integer (int4); smallint stays a bigint. */
static bool is_int4_name(const char *name)
{
    return strcmp(name, "int") == 0 || strcmp(name, "integer") == 0 || strcmp(name, "int4") == 0;
}

/* Evaluates an all-constant node once, at bind time. */
static sl_status fold(sl_mcxt *cx, const char *query_text, sl_expr *e, sl_expr **out, sl_error *err)
{
    sl_eval_ctx ectx;
    sl_batch one;
    sl_vector v;

    *out = e;
    if (e->kind == SL_EXPR_CONST || e->kind == SL_EXPR_COLUMN ||
        (e->kind == SL_EXPR_FUNC && e->op == SL_FN_NOW))
        return SL_OK;
    for (int i = 0; i < e->nargs; i++)
        if (e->args[i]->kind != SL_EXPR_CONST)
            return SL_OK;
    memset(&ectx, 0, sizeof(ectx));
    memset(&one, 0, sizeof(one));
    ectx.cx = cx;
    one.nrows = 1;
    one.capacity = 1;
    one.cx = cx;
    sl_vector_init(&v, cx, e->type, 1);
    if (sl_expr_eval(e, &one, &v, &ectx, err) != SL_OK)
        return SL_ERROR;
    if (ectx.row_errors > 0) {
        *err = ectx.first_error;
        err->position = 0;
        return at(query_text, e->location, err);
    }
    sl_expr *c = sl_expr_new(cx, SL_EXPR_CONST, e->type, e->location, 0);
    c->is_null = v.nulls[0] != 0;
    c->int4 = e->int4;
    switch (e->type) {
    case SL_TYPE_BOOL:
        c->value.b = ((const uint8_t *)v.v.b)[0] != 0;
        break;
    case SL_TYPE_DOUBLE:
        c->value.f64 = v.v.f64[0];
        break;
    case SL_TYPE_TEXT:
        c->value.text = v.v.text[0];
        break;
    case SL_TYPE_UNKNOWN:
        c->is_null = true;
        break;
    default:
        c->value.i64 = v.v.i64[0];
        break;
    }
    *out = c;
    return SL_OK;
}

sl_status sl_expr_coerce(sl_mcxt *cx, const char *query_text, sl_expr *e, sl_type to, bool explicit_cast,
                         sl_expr **out, sl_error *err)
{
    if (e->infer != NULL && *e->infer == SL_TYPE_UNKNOWN && to != SL_TYPE_UNKNOWN)
        *e->infer = to;
    if (e->type == to) {
        if (e->literal) {
            /* the literal is now a typed text value */
            sl_expr *c = sl_expr_new(cx, SL_EXPR_CONST, to, e->location, 0);
            c->value = e->value;
            c->is_null = e->is_null;
            e = c;
        }
        *out = e;
        return SL_OK;
    }
    if (e->kind == SL_EXPR_CONST && e->is_null) {
        *out = sl_expr_const_null(cx, to, e->location);
        return SL_OK;
    }
    bool allowed = explicit_cast || is_untyped(e) || (e->type == SL_TYPE_BIGINT && to == SL_TYPE_DOUBLE);
    if (!allowed || !sl_cast_exists(e->type, to)) {
        sl_error_set(err, explicit_cast ? SL_ERRCODE_CANNOT_COERCE : SL_ERRCODE_DATATYPE_MISMATCH,
                     "cannot cast type %s to %s", sl_type_name(e->type), sl_type_name(to));
        return at(query_text, e->location, err);
    }
    sl_expr *c = sl_expr_new(cx, SL_EXPR_CAST, to, e->location, 1);
    c->args[0] = e;
    c->optype = e->type;
    return fold(cx, query_text, c, out, err);
}

/* PostgreSQL-style resolution of one type for a set of expressions (CASE
 * results, IN lists, COALESCE...); coerces them in place. */
static sl_status common_type(const sl_bind_ctx *ctx, sl_expr **v, int n, const char *what, sl_type *out,
                             sl_error *err)
{
    sl_type t = SL_TYPE_UNKNOWN;

    for (int i = 0; i < n; i++) {
        if (is_untyped(v[i]))
            continue;
        if (t == SL_TYPE_UNKNOWN || t == v[i]->type) {
            t = v[i]->type;
        } else if ((t == SL_TYPE_BIGINT || t == SL_TYPE_DOUBLE) &&
                   (v[i]->type == SL_TYPE_BIGINT || v[i]->type == SL_TYPE_DOUBLE)) {
            t = SL_TYPE_DOUBLE;
        } else {
            sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH, "%s types %s and %s cannot be matched", what,
                         sl_type_name(t), sl_type_name(v[i]->type));
            return at(ctx->query_text, v[i]->location, err);
        }
    }
    if (t == SL_TYPE_UNKNOWN)
        t = SL_TYPE_TEXT;
    for (int i = 0; i < n; i++)
        if (sl_expr_coerce(ctx->cx, ctx->query_text, v[i], t, false, &v[i], err) != SL_OK)
            return SL_ERROR;
    *out = t;
    return SL_OK;
}

static const char *op_text(sl_op op)
{
    static const char *const names[] = {"+", "-",  "*", "/",  "%",  "^", "=", "<>",
                                        "<", "<=", ">", ">=", "||", "-", "+"};
    return names[op];
}

static bool is_numeric(sl_type t)
{
    return t == SL_TYPE_BIGINT || t == SL_TYPE_DOUBLE;
}

static sl_status no_operator(const sl_bind_ctx *ctx, sl_op op, sl_type l, sl_type r, int location,
                             sl_error *err)
{
    if (l == SL_TYPE_UNKNOWN && (op == SL_OP_NEG || op == SL_OP_PLUS))
        sl_error_set(err, SL_ERRCODE_UNDEFINED_FUNCTION, "operator does not exist: %s %s", op_text(op),
                     sl_type_name(r));
    else
        sl_error_set(err, SL_ERRCODE_UNDEFINED_FUNCTION, "operator does not exist: %s %s %s", sl_type_name(l),
                     op_text(op), sl_type_name(r));
    sl_error_hint(err, "No operator matches the given name and argument types. You might need to add "
                       "explicit type casts.");
    return at(ctx->query_text, location, err);
}

/* The type an untyped literal takes opposite an operand of type other. */
static sl_type literal_target(sl_op op, sl_type other, bool literal_is_left)
{
    if (other == SL_TYPE_TIMESTAMP && (op == SL_OP_ADD || (op == SL_OP_SUB && !literal_is_left)))
        return SL_TYPE_INTERVAL;
    if (other == SL_TYPE_INTERVAL && (op == SL_OP_MUL || op == SL_OP_DIV))
        return SL_TYPE_DOUBLE;
    if (other == SL_TYPE_INTERVAL && op == SL_OP_ADD)
        return SL_TYPE_TIMESTAMP;
    return other;
}

/* Builds a binary operator over bound operands (also used for BETWEEN and
 * simple CASE). */
static sl_status build_binary(const sl_bind_ctx *ctx, sl_op op, sl_expr *l, sl_expr *r, int location,
                              sl_expr **out, sl_error *err)
{
    sl_mcxt *cx = ctx->cx;
    const char *qt = ctx->query_text;

    if (op == SL_OP_CONCAT) {
        if (l->type != SL_TYPE_TEXT && r->type != SL_TYPE_TEXT && !is_untyped(l) && !is_untyped(r))
            return no_operator(ctx, op, l->type, r->type, location, err);
        if (sl_expr_coerce(cx, qt, l, SL_TYPE_TEXT, true, &l, err) != SL_OK ||
            sl_expr_coerce(cx, qt, r, SL_TYPE_TEXT, true, &r, err) != SL_OK)
            return SL_ERROR;
        sl_expr *e = sl_expr_new(cx, SL_EXPR_BINARY, SL_TYPE_TEXT, location, 2);
        e->op = SL_BIN_CONCAT;
        e->optype = SL_TYPE_TEXT;
        e->args[0] = l;
        e->args[1] = r;
        return fold(cx, qt, e, out, err);
    }
    bool lu = is_untyped(l), ru = is_untyped(r);
    if (lu && !ru) {
        if (sl_expr_coerce(cx, qt, l, literal_target(op, r->type, true), false, &l, err) != SL_OK)
            return SL_ERROR;
    } else if (ru && !lu) {
        if (sl_expr_coerce(cx, qt, r, literal_target(op, l->type, false), false, &r, err) != SL_OK)
            return SL_ERROR;
    } else if (lu && ru) {
        if (sl_expr_coerce(cx, qt, l, SL_TYPE_TEXT, false, &l, err) != SL_OK ||
            sl_expr_coerce(cx, qt, r, SL_TYPE_TEXT, false, &r, err) != SL_OK)
            return SL_ERROR;
    }
    sl_type lt = l->type, rt = r->type;
    bool cmp = op >= SL_OP_EQ && op <= SL_OP_GE;
    /* widening: BIGINT op DOUBLE is DOUBLE op DOUBLE; interval * bigint is interval * double */
    if ((lt == SL_TYPE_BIGINT && rt == SL_TYPE_DOUBLE) || (lt == SL_TYPE_DOUBLE && rt == SL_TYPE_BIGINT) ||
        (op == SL_OP_POW && is_numeric(lt) && is_numeric(rt)) ||
        ((op == SL_OP_MUL || op == SL_OP_DIV) && lt == SL_TYPE_INTERVAL && rt == SL_TYPE_BIGINT) ||
        (op == SL_OP_MUL && lt == SL_TYPE_BIGINT && rt == SL_TYPE_INTERVAL)) {
        if (lt == SL_TYPE_BIGINT && sl_expr_coerce(cx, qt, l, SL_TYPE_DOUBLE, false, &l, err) != SL_OK)
            return SL_ERROR;
        if (rt == SL_TYPE_BIGINT && sl_expr_coerce(cx, qt, r, SL_TYPE_DOUBLE, false, &r, err) != SL_OK)
            return SL_ERROR;
        lt = l->type;
        rt = r->type;
    }
    sl_type result = SL_TYPE_UNKNOWN;
    int bop = -1;
    if (cmp) {
        if (lt == rt && lt != SL_TYPE_UNKNOWN) {
            result = SL_TYPE_BOOL;
            bop = SL_BIN_EQ + (op - SL_OP_EQ);
        }
    } else if (lt == SL_TYPE_BIGINT && rt == SL_TYPE_BIGINT) {
        result = SL_TYPE_BIGINT;
        bop = op == SL_OP_ADD   ? SL_BIN_ADD_I
              : op == SL_OP_SUB ? SL_BIN_SUB_I
              : op == SL_OP_MUL ? SL_BIN_MUL_I
              : op == SL_OP_DIV ? SL_BIN_DIV_I
              : op == SL_OP_MOD ? SL_BIN_MOD_I
                                : -1;
    } else if (lt == SL_TYPE_DOUBLE && rt == SL_TYPE_DOUBLE) {
        result = SL_TYPE_DOUBLE;
        bop = op == SL_OP_ADD   ? SL_BIN_ADD_D
              : op == SL_OP_SUB ? SL_BIN_SUB_D
              : op == SL_OP_MUL ? SL_BIN_MUL_D
              : op == SL_OP_DIV ? SL_BIN_DIV_D
              : op == SL_OP_MOD ? SL_BIN_MOD_D
              : op == SL_OP_POW ? SL_BIN_POW_D
                                : -1;
    } else if (lt == SL_TYPE_TIMESTAMP && rt == SL_TYPE_INTERVAL && (op == SL_OP_ADD || op == SL_OP_SUB)) {
        result = SL_TYPE_TIMESTAMP;
        bop = op == SL_OP_ADD ? SL_BIN_ADD_I : SL_BIN_SUB_I;
    } else if (lt == SL_TYPE_INTERVAL && rt == SL_TYPE_TIMESTAMP && op == SL_OP_ADD) {
        result = SL_TYPE_TIMESTAMP;
        bop = SL_BIN_ADD_I;
    } else if (lt == SL_TYPE_TIMESTAMP && rt == SL_TYPE_TIMESTAMP && op == SL_OP_SUB) {
        result = SL_TYPE_INTERVAL;
        bop = SL_BIN_SUB_I;
    } else if (lt == SL_TYPE_INTERVAL && rt == SL_TYPE_INTERVAL && (op == SL_OP_ADD || op == SL_OP_SUB)) {
        result = SL_TYPE_INTERVAL;
        bop = op == SL_OP_ADD ? SL_BIN_ADD_I : SL_BIN_SUB_I;
    } else if (lt == SL_TYPE_INTERVAL && rt == SL_TYPE_DOUBLE && (op == SL_OP_MUL || op == SL_OP_DIV)) {
        result = SL_TYPE_INTERVAL;
        bop = op == SL_OP_MUL ? SL_BIN_MUL_IV_D : SL_BIN_DIV_IV_D;
    } else if (lt == SL_TYPE_DOUBLE && rt == SL_TYPE_INTERVAL && op == SL_OP_MUL) {
        sl_expr *t = l;
        l = r;
        r = t;
        result = SL_TYPE_INTERVAL;
        bop = SL_BIN_MUL_IV_D;
    }
    if (bop < 0)
        return no_operator(ctx, op, lt, rt, location, err);
    sl_expr *e = sl_expr_new(cx, SL_EXPR_BINARY, result, location, 2);
    e->op = bop;
    e->optype = l->type;
    e->args[0] = l;
    e->args[1] = r;
    /* integer op integer is integer, checked for its range, as in PostgreSQL */
    e->int4 = result == SL_TYPE_BIGINT && l->int4 && r->int4;
    return fold(cx, qt, e, out, err);
}

static sl_status require_bool(const sl_bind_ctx *ctx, sl_expr *e, const char *what, sl_expr **out,
                              sl_error *err)
{
    if (is_untyped(e))
        return sl_expr_coerce(ctx->cx, ctx->query_text, e, SL_TYPE_BOOL, false, out, err);
    if (e->type != SL_TYPE_BOOL) {
        sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH, "argument of %s must be type boolean, not type %s",
                     what, sl_type_name(e->type));
        return at(ctx->query_text, e->location, err);
    }
    *out = e;
    return SL_OK;
}

static sl_status bind_const(const sl_bind_ctx *ctx, const sl_Const *c, sl_expr **out)
{
    sl_expr *e;
    int loc = c->hdr.location;

    switch (c->kind) {
    case SL_CONST_NULL:
        e = sl_expr_const_null(ctx->cx, SL_TYPE_UNKNOWN, loc);
        break;
    case SL_CONST_BOOL:
        e = sl_expr_new(ctx->cx, SL_EXPR_CONST, SL_TYPE_BOOL, loc, 0);
        e->value.b = c->bval;
        break;
    case SL_CONST_INT:
        e = sl_expr_new(ctx->cx, SL_EXPR_CONST, SL_TYPE_BIGINT, loc, 0);
        e->value.i64 = c->ival;
        /* PostgreSQL types an integer literal that fits 32 bits integer, a larger one bigint */
        e->int4 = c->ival >= INT32_MIN && c->ival <= INT32_MAX;
        break;
    case SL_CONST_NUMERIC:
        e = sl_expr_new(ctx->cx, SL_EXPR_CONST, SL_TYPE_DOUBLE, loc, 0);
        e->value.f64 = c->dval;
        break;
    case SL_CONST_INTERVAL:
        e = sl_expr_new(ctx->cx, SL_EXPR_CONST, SL_TYPE_INTERVAL, loc, 0);
        e->value.i64 = c->ival;
        break;
    case SL_CONST_STRING:
    default:
        e = sl_expr_new(ctx->cx, SL_EXPR_CONST, SL_TYPE_TEXT, loc, 0);
        e->literal = true;
        e->value.text.ptr = c->text != NULL ? c->text : "";
        e->value.text.len = (int32_t)strlen(e->value.text.ptr);
        break;
    }
    *out = e;
    return SL_OK;
}

/* $n: a NULL of its type while describing (one of unknown type records the
 * type its context coerces it to), else the constant its text gives. */
static sl_status bind_param(const sl_bind_ctx *ctx, const sl_ParamRef *p, sl_expr **out, sl_error *err)
{
    int loc = p->hdr.location, i = p->number - 1;
    sl_params *params = ctx->params;
    sl_expr *e;

    if (params == NULL || i >= params->n) {
        sl_error_set(err, SL_ERRCODE_UNDEFINED_PARAMETER, "there is no parameter $%d", p->number);
        return at(ctx->query_text, loc, err);
    }
    if (params->values == NULL) {
        e = sl_expr_const_null(ctx->cx, params->types[i], loc);
        if (params->types[i] == SL_TYPE_UNKNOWN)
            e->infer = &params->types[i];
        *out = e;
        return SL_OK;
    }
    if (params->values[i] == NULL) {
        *out = sl_expr_const_null(ctx->cx, params->types[i], loc);
        return SL_OK;
    }
    e = sl_expr_new(ctx->cx, SL_EXPR_CONST, SL_TYPE_TEXT, loc, 0);
    e->literal = true;
    e->value.text.ptr = params->values[i];
    e->value.text.len = (int32_t)strlen(params->values[i]);
    if (params->types[i] == SL_TYPE_UNKNOWN) {
        *out = e;
        return SL_OK;
    }
    return sl_expr_coerce(ctx->cx, ctx->query_text, e, params->types[i], true, out, err);
}

static sl_status bind_column(const sl_bind_ctx *ctx, const sl_ColumnRef *ref, sl_expr **out, sl_error *err)
{
    int n = sl_list_length(ref->names);
    const char *name = sl_list_nth(ref->names, n - 1);
    int loc = ref->hdr.location;

    if (n > 2) {
        sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "improper qualified name (too many dotted names): %s.%s",
                     (const char *)sl_list_nth(ref->names, 0), name);
        return at(ctx->query_text, loc, err);
    }
    if (n == 2) {
        const char *qual = sl_list_nth(ref->names, 0);
        if (ctx->source_name == NULL || strcmp(qual, ctx->source_name) != 0) {
            sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, "missing FROM-clause entry for table \"%s\"", qual);
            return at(ctx->query_text, loc, err);
        }
    }
    int idx = ctx->input != NULL ? sl_schema_find(ctx->input, name) : -1;
    if (idx < 0) {
        sl_error_set(err, SL_ERRCODE_UNDEFINED_COLUMN, "column \"%s\" does not exist", name);
        if (ctx->input != NULL) {
            int best = -1, best_d = 1000;
            for (int i = 0; i < ctx->input->ncols; i++) {
                int d = sl_name_distance(name, ctx->input->names[i]);
                if (d < best_d) {
                    best_d = d;
                    best = i;
                }
            }
            int len = (int)strlen(name);
            if (best >= 0 && best_d <= (len < 6 ? 2 : len / 2))
                sl_error_hint(err, "Perhaps you meant to reference the column \"%s\".",
                              ctx->input->names[best]);
        }
        if ((strcmp(name, "window_start") == 0 || strcmp(name, "window_end") == 0) && err->hint[0] == '\0')
            sl_error_hint(
                err, "%s is a column of windowed aggregate queries only: add WINDOW and an aggregate.", name);
        return at(ctx->query_text, loc, err);
    }
    sl_expr *e = sl_expr_column(ctx->cx, ctx->input, idx);
    e->location = loc;
    *out = e;
    return SL_OK;
}

static sl_status bind_list(const sl_bind_ctx *ctx, const sl_list *list, sl_expr **dst, sl_error *err)
{
    for (int i = 0; i < sl_list_length(list); i++)
        if (bind_node(ctx, sl_list_nth(list, i), &dst[i], err) != SL_OK)
            return SL_ERROR;
    return SL_OK;
}

static sl_status bind_case(const sl_bind_ctx *ctx, const sl_CaseExpr *c, sl_expr **out, sl_error *err)
{
    int nwhen = sl_list_length(c->whens);
    int loc = c->hdr.location;
    sl_expr *arg = NULL;
    sl_expr *e =
        sl_expr_new(ctx->cx, SL_EXPR_CASE, SL_TYPE_UNKNOWN, loc, 2 * nwhen + (c->else_result ? 1 : 0));
    sl_expr **results = sl_palloc(ctx->cx, sizeof(sl_expr *) * (size_t)(nwhen + 1));
    int nres = 0;

    if (c->arg != NULL && bind_node(ctx, c->arg, &arg, err) != SL_OK)
        return SL_ERROR;
    for (int i = 0; i < nwhen; i++) {
        const sl_CaseWhen *w = sl_list_nth(c->whens, i);
        sl_expr *cond, *res;
        if (bind_node(ctx, w->cond, &cond, err) != SL_OK)
            return SL_ERROR;
        if (arg != NULL) {
            if (build_binary(ctx, SL_OP_EQ, arg, cond, w->hdr.location, &cond, err) != SL_OK)
                return SL_ERROR;
        } else if (require_bool(ctx, cond, "CASE/WHEN", &cond, err) != SL_OK) {
            return SL_ERROR;
        }
        if (bind_node(ctx, w->result, &res, err) != SL_OK)
            return SL_ERROR;
        e->args[2 * i] = cond;
        results[nres++] = res;
    }
    if (c->else_result != NULL) {
        if (bind_node(ctx, c->else_result, &results[nres], err) != SL_OK)
            return SL_ERROR;
        nres++;
        e->has_else = true;
    }
    if (common_type(ctx, results, nres, "CASE", &e->type, err) != SL_OK)
        return SL_ERROR;
    e->int4 = all_int4(results, nres);
    for (int i = 0; i < nwhen; i++)
        e->args[2 * i + 1] = results[i];
    if (e->has_else)
        e->args[e->nargs - 1] = results[nwhen];
    return fold(ctx->cx, ctx->query_text, e, out, err);
}

/* A scalar function call with bound args: picks the function (server/engine/functions.c),
 * coerces args in place, sets the result type.  42883 when unknown. */
static sl_status func_resolve(sl_mcxt *cx, const char *query_text, const char *name, sl_expr **args,
                              int nargs, int location, sl_expr **out, sl_error *err)
{
    const sl_func_sig *sig = sl_func_find(name, args, nargs);

    if (sig == NULL)
        return sl_func_none(name, args, nargs, err);

    sl_expr *e = sl_expr_new(cx, SL_EXPR_FUNC, sig->result, location, nargs);
    e->op = sig->id;
    e->name = sig->name;
    e->func = sig;
    for (int i = 0; i < nargs; i++)
        e->args[i] = args[i];

    if (sig->nargs >= 0) {
        for (int i = 0; i < nargs; i++)
            if (sl_expr_coerce(cx, query_text, e->args[i], sig->args[i], false, &e->args[i], err) != SL_OK)
                return SL_ERROR;
    } else if (sig->id == SL_FN_CONCAT) {
        for (int i = 0; i < nargs; i++)
            if (sl_expr_coerce(cx, query_text, e->args[i], SL_TYPE_TEXT, true, &e->args[i], err) != SL_OK)
                return SL_ERROR;
    } else {
        /* greatest, least, coalesce, nullif: one common type */
        if (nargs == 0 || (sig->id == SL_FN_NULLIF && nargs != 2))
            return sl_func_none(name, args, nargs, err);
        sl_type t = SL_TYPE_UNKNOWN;
        for (int i = 0; i < nargs; i++) {
            if (sl_expr_untyped(args[i]))
                continue;
            if (t == SL_TYPE_UNKNOWN || t == args[i]->type)
                t = args[i]->type;
            else if ((t == SL_TYPE_BIGINT || t == SL_TYPE_DOUBLE) &&
                     (args[i]->type == SL_TYPE_BIGINT || args[i]->type == SL_TYPE_DOUBLE))
                t = SL_TYPE_DOUBLE;
            else {
                const char *what = sig->id == SL_FN_COALESCE   ? "COALESCE"
                                   : sig->id == SL_FN_NULLIF   ? "NULLIF"
                                   : sig->id == SL_FN_GREATEST ? "GREATEST"
                                                               : "LEAST";
                sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH, "%s types %s and %s cannot be matched", what,
                             sl_type_name(t), sl_type_name(args[i]->type));
                err->position = sl_expr_position(query_text, args[i]->location);
                return SL_ERROR;
            }
        }
        if (t == SL_TYPE_UNKNOWN)
            t = SL_TYPE_TEXT;
        for (int i = 0; i < nargs; i++)
            if (sl_expr_coerce(cx, query_text, e->args[i], t, false, &e->args[i], err) != SL_OK)
                return SL_ERROR;
        e->type = t;
    }
    if (sig->id == SL_FN_DATE_TRUNC || sig->id == SL_FN_DATE_PART) {
        const sl_expr *u = e->args[0];
        if (u->kind != SL_EXPR_CONST || u->is_null) {
            sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "the first argument of %s must be a constant",
                         name);
            err->position = sl_expr_position(query_text, u->location);
            return SL_ERROR;
        }
        char unit[32];
        int32_t len = u->value.text.len < 31 ? u->value.text.len : 31;
        for (int32_t i = 0; i < len; i++) {
            char c = u->value.text.ptr[i];
            unit[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
        }
        unit[len] = '\0';
        e->unit = sl_func_time_unit(unit, sig->id == SL_FN_DATE_TRUNC);
        if (e->unit < 0) {
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                         "unit \"%.*s\" not recognized for type timestamp", (int)u->value.text.len,
                         u->value.text.ptr);
            err->position = sl_expr_position(query_text, u->location);
            return SL_ERROR;
        }
    }
    *out = e;
    return SL_OK;
}

static sl_status bind_func(const sl_bind_ctx *ctx, const sl_FuncCall *f, sl_expr **out, sl_error *err)
{
    int loc = f->hdr.location;
    int nargs = sl_list_length(f->args);

    if (sl_is_aggregate_name(f->name)) {
        sl_error_set(err, SL_ERRCODE_GROUPING_ERROR, "aggregate functions are not allowed %s%s",
                     ctx->agg_context ? "in " : "here", ctx->agg_context ? ctx->agg_context : "");
        return at(ctx->query_text, loc, err);
    }
    if (f->star) {
        sl_error_set(err, SL_ERRCODE_UNDEFINED_FUNCTION, "function %s(*) does not exist", f->name);
        return at(ctx->query_text, loc, err);
    }
    if (f->distinct) {
        sl_error_set(err, SL_ERRCODE_WRONG_OBJECT_TYPE,
                     "DISTINCT specified, but %s is not an aggregate function", f->name);
        return at(ctx->query_text, loc, err);
    }
    sl_expr **args = sl_pzalloc(ctx->cx, sizeof(sl_expr *) * (size_t)(nargs > 0 ? nargs : 1));
    if (bind_list(ctx, f->args, args, err) != SL_OK)
        return SL_ERROR;
    sl_expr *e = NULL;
    if (func_resolve(ctx->cx, ctx->query_text, f->name, args, nargs, loc, &e, err) != SL_OK)
        return at(ctx->query_text, loc, err);
    if (e->kind == SL_EXPR_FUNC &&
        (e->op == SL_FN_COALESCE || e->op == SL_FN_GREATEST || e->op == SL_FN_LEAST))
        e->int4 = all_int4(e->args, e->nargs);
    else if (e->kind == SL_EXPR_FUNC && e->op == SL_FN_NULLIF)
        e->int4 = all_int4(e->args, 1);
    return fold(ctx->cx, ctx->query_text, e, out, err);
}

static sl_status bind_node(const sl_bind_ctx *ctx, const sl_node *n, sl_expr **out, sl_error *err)
{
    sl_mcxt *cx = ctx->cx;
    const char *qt = ctx->query_text;
    int loc = n->location;

    if (ctx->hook != NULL) {
        *out = NULL;
        if (ctx->hook(ctx->hook_arg, n, out, err) != SL_OK)
            return at(qt, loc, err);
        if (*out != NULL)
            return SL_OK;
    }
    switch (n->tag) {
    case SL_T_Const:
        return bind_const(ctx, (const sl_Const *)n, out);
    case SL_T_ColumnRef:
        return bind_column(ctx, (const sl_ColumnRef *)n, out, err);
    case SL_T_OpExpr: {
        const sl_OpExpr *o = (const sl_OpExpr *)n;
        sl_expr *l = NULL, *r;
        if (o->left != NULL && bind_node(ctx, o->left, &l, err) != SL_OK)
            return SL_ERROR;
        if (bind_node(ctx, o->right, &r, err) != SL_OK)
            return SL_ERROR;
        if (o->left != NULL)
            return build_binary(ctx, o->op, l, r, loc, out, err);
        if (is_untyped(r) && r->is_null) {
            *out = sl_expr_const_null(cx, SL_TYPE_DOUBLE, loc);
            return SL_OK;
        }
        if (r->type != SL_TYPE_BIGINT && r->type != SL_TYPE_DOUBLE && r->type != SL_TYPE_INTERVAL)
            return no_operator(ctx, o->op, SL_TYPE_UNKNOWN, r->type, loc, err);
        if (o->op == SL_OP_PLUS) {
            *out = r;
            return SL_OK;
        }
        sl_expr *e = sl_expr_new(cx, SL_EXPR_NEG, r->type, loc, 1);
        e->args[0] = r;
        e->int4 = r->int4;
        return fold(cx, qt, e, out, err);
    }
    case SL_T_BoolExpr: {
        const sl_BoolExpr *b = (const sl_BoolExpr *)n;
        static const char *const what[] = {"AND", "OR", "NOT"};
        int nargs = b->op == SL_BOOL_NOT ? 1 : 2;
        sl_expr *e = sl_expr_new(cx,
                                 b->op == SL_BOOL_AND  ? SL_EXPR_AND
                                 : b->op == SL_BOOL_OR ? SL_EXPR_OR
                                                       : SL_EXPR_NOT,
                                 SL_TYPE_BOOL, loc, nargs);
        for (int i = 0; i < nargs; i++) {
            if (bind_node(ctx, sl_list_nth(b->args, i), &e->args[i], err) != SL_OK ||
                require_bool(ctx, e->args[i], what[b->op], &e->args[i], err) != SL_OK)
                return SL_ERROR;
        }
        return fold(cx, qt, e, out, err);
    }
    case SL_T_NullTest: {
        const sl_NullTest *t = (const sl_NullTest *)n;
        sl_expr *e = sl_expr_new(cx, SL_EXPR_NULLTEST, SL_TYPE_BOOL, loc, 1);
        e->negate = t->is_not;
        if (bind_node(ctx, t->arg, &e->args[0], err) != SL_OK)
            return SL_ERROR;
        if (is_untyped(e->args[0]) &&
            sl_expr_coerce(cx, qt, e->args[0], SL_TYPE_TEXT, false, &e->args[0], err) != SL_OK)
            return SL_ERROR;
        return fold(cx, qt, e, out, err);
    }
    case SL_T_BetweenExpr: {
        const sl_BetweenExpr *b = (const sl_BetweenExpr *)n;
        sl_expr *arg, *lo, *hi, *c1, *c2;
        if (bind_node(ctx, b->arg, &arg, err) != SL_OK || bind_node(ctx, b->low, &lo, err) != SL_OK ||
            bind_node(ctx, b->high, &hi, err) != SL_OK)
            return SL_ERROR;
        /* x BETWEEN a AND b is x >= a AND x <= b; NOT BETWEEN is x < a OR x > b */
        if (build_binary(ctx, b->is_not ? SL_OP_LT : SL_OP_GE, arg, lo, loc, &c1, err) != SL_OK ||
            build_binary(ctx, b->is_not ? SL_OP_GT : SL_OP_LE, arg, hi, loc, &c2, err) != SL_OK)
            return SL_ERROR;
        sl_expr *e = sl_expr_new(cx, b->is_not ? SL_EXPR_OR : SL_EXPR_AND, SL_TYPE_BOOL, loc, 2);
        e->args[0] = c1;
        e->args[1] = c2;
        return fold(cx, qt, e, out, err);
    }
    case SL_T_InExpr: {
        const sl_InExpr *in = (const sl_InExpr *)n;
        int nv = sl_list_length(in->values);
        sl_expr *e = sl_expr_new(cx, SL_EXPR_IN, SL_TYPE_BOOL, loc, nv + 1);
        e->negate = in->is_not;
        if (bind_node(ctx, in->arg, &e->args[0], err) != SL_OK ||
            bind_list(ctx, in->values, e->args + 1, err) != SL_OK)
            return SL_ERROR;
        if (common_type(ctx, e->args, nv + 1, "IN", &e->optype, err) != SL_OK)
            return SL_ERROR;
        return fold(cx, qt, e, out, err);
    }
    case SL_T_LikeExpr: {
        const sl_LikeExpr *lk = (const sl_LikeExpr *)n;
        sl_expr *e = sl_expr_new(cx, SL_EXPR_LIKE, SL_TYPE_BOOL, loc, 2);
        e->negate = lk->is_not;
        e->ci = lk->case_insensitive;
        if (bind_node(ctx, lk->arg, &e->args[0], err) != SL_OK ||
            bind_node(ctx, lk->pattern, &e->args[1], err) != SL_OK)
            return SL_ERROR;
        for (int i = 0; i < 2; i++) {
            if (e->args[i]->type != SL_TYPE_TEXT && !is_untyped(e->args[i])) {
                sl_error_set(err, SL_ERRCODE_UNDEFINED_FUNCTION, "operator does not exist: %s %s %s",
                             sl_type_name(e->args[0]->type), e->ci ? "~~*" : "~~",
                             sl_type_name(e->args[1]->type));
                sl_error_hint(err,
                              "No operator matches the given name and argument types. You might need to add "
                              "explicit type casts.");
                return at(qt, loc, err);
            }
            if (sl_expr_coerce(cx, qt, e->args[i], SL_TYPE_TEXT, false, &e->args[i], err) != SL_OK)
                return SL_ERROR;
        }
        return fold(cx, qt, e, out, err);
    }
    case SL_T_CaseExpr:
        return bind_case(ctx, (const sl_CaseExpr *)n, out, err);
    case SL_T_CastExpr: {
        const sl_CastExpr *c = (const sl_CastExpr *)n;
        sl_type to;
        sl_expr *arg;
        if (!sl_type_parse(c->type->name, &to)) {
            sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "type \"%s\" does not exist", c->type->name);
            return at(qt, c->type->hdr.location, err);
        }
        if (sl_type_name_check(c->type, err) != SL_OK)
            return at(qt, c->type->hdr.location, err);
        if (bind_node(ctx, c->arg, &arg, err) != SL_OK)
            return SL_ERROR;
        /* a cast to the type the value already has disappears, as in PostgreSQL */
        if (sl_expr_coerce(cx, qt, arg, to, true, out, err) != SL_OK)
            return at(qt, loc, err);
        if (to == SL_TYPE_BIGINT && is_int4_name(c->type->name) && !(*out)->int4) {
            /* CAST(x AS integer): the value checked to fit 32 bits (22003) */
            sl_expr *k = sl_expr_new(cx, SL_EXPR_CAST, SL_TYPE_BIGINT, loc, 1);
            k->args[0] = *out;
            k->optype = SL_TYPE_BIGINT;
            k->int4 = true;
            return fold(cx, qt, k, out, err);
        }
        if (to == SL_TYPE_BIGINT && !is_int4_name(c->type->name) && (*out)->int4) {
            /* CAST(1 AS bigint): a bigint from here on */
            sl_expr *k = sl_expr_new(cx, (*out)->kind == SL_EXPR_CONST ? SL_EXPR_CONST : SL_EXPR_CAST,
                                     SL_TYPE_BIGINT, loc, (*out)->kind == SL_EXPR_CONST ? 0 : 1);
            if (k->kind == SL_EXPR_CONST) {
                k->value = (*out)->value;
                k->is_null = (*out)->is_null;
            } else {
                k->args[0] = *out;
                k->optype = SL_TYPE_BIGINT;
            }
            *out = k;
        }
        return SL_OK;
    }
    case SL_T_FuncCall:
        return bind_func(ctx, (const sl_FuncCall *)n, out, err);
    case SL_T_ParamRef:
        return bind_param(ctx, (const sl_ParamRef *)n, out, err);
    case SL_T_Star:
        sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "\"*\" is not allowed here");
        return at(qt, loc, err);
    default:
        sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "unexpected %s in an expression",
                     sl_node_tag_name(n->tag));
        return at(qt, loc, err);
    }
}

sl_status sl_expr_bind(const sl_bind_ctx *ctx, const sl_node *expr, sl_expr **out, sl_error *err)
{
    sl_error_clear(err);
    return bind_node(ctx, expr, out, err);
}
