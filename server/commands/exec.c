/*
 * exec.c - runs one parsed statement: dispatch by node tag.
 *
 * Owns sl_exec_statement (exec.h) and the statements that need no catalog
 * (BEGIN/COMMIT/ROLLBACK, SET TRANSACTION, SET SESSION CHARACTERISTICS).  The handlers live in
 * server/commands/exec_ddl.c (CREATE, ALTER, DROP), server/commands/exec_show.c (SHOW, SET, DESCRIBE),
 * exec_constant.c (SELECT without FROM) and server/commands/exec_query.c (SELECT, CREATE QUERY, PAUSE/RESUME,
 * EXPLAIN), exec_role.c (CREATE/ALTER/DROP ROLE, SHOW ROLES); the helpers
 * they share are in exec_util.c.
 *
 * Entry point: sl_exec_statement.
 */
#include <stdio.h>
#include <string.h>

#include "server/commands/exec_internal.h"
#include "server/config.h"
#include "server/engine/expr.h"
#include "sluice/errcodes.h"

/*
 * Applies a transaction's modes (ISOLATION LEVEL, READ ONLY, DEFERRABLE) to
 * the settings they name: for the block (SET LOCAL), or as the session's
 * defaults (default_transaction_*).  sluice has nothing to isolate, so they
 * are kept and shown, not enforced (docs/sql.md).
 */
static sl_status apply_txn_modes(sl_exec_ctx *ctx, const sl_list *modes, bool session, sl_error *err)
{
    for (int i = 0; i < sl_list_length(modes); i++) {
        const sl_Option *m = sl_list_nth(modes, i);
        sl_status st = session
                           ? sl_settings_set(ctx->settings, sl_psprintf(ctx->stmt_cx, "default_%s", m->name),
                                             m->value->text, err)
                           : sl_settings_set_local(ctx->settings, m->name, m->value->text, err);
        if (st != SL_OK) {
            err->position = sl_exec_position(ctx, SL_LOC(m));
            return SL_ERROR;
        }
    }
    return SL_OK;
}

static sl_status exec_transaction(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest,
                                  char tag[SL_TAG_MAX], sl_error *err)
{
    const sl_TransactionStmt *t = (const sl_TransactionStmt *)raw->stmt;

    switch (t->kind) {
    case SL_TXN_BEGIN:
        if (ctx->in_transaction)
            sl_exec_notice(dest, "there is already a transaction in progress");
        else if (apply_txn_modes(ctx, t->modes, false, err) != SL_OK)
            return SL_ERROR;
        ctx->in_transaction = true;
        snprintf(tag, SL_TAG_MAX, "%s", t->start ? "START TRANSACTION" : "BEGIN");
        break;
    case SL_TXN_COMMIT:
    case SL_TXN_ROLLBACK:
        if (!ctx->in_transaction)
            sl_exec_notice(dest, "there is no transaction in progress");
        ctx->in_transaction = false;
        sl_settings_end_transaction(ctx->settings); /* SET LOCAL and the block's modes end here */
        snprintf(tag, SL_TAG_MAX, "%s", t->kind == SL_TXN_COMMIT ? "COMMIT" : "ROLLBACK");
        break;
    case SL_TXN_SET:
        /* As PostgreSQL: outside a block it warns and changes nothing. */
        if (!ctx->in_transaction)
            sl_exec_notice(dest, "SET TRANSACTION can only be used in transaction blocks");
        else if (apply_txn_modes(ctx, t->modes, false, err) != SL_OK)
            return SL_ERROR;
        snprintf(tag, SL_TAG_MAX, "SET");
        break;
    case SL_TXN_SET_SESSION:
        if (apply_txn_modes(ctx, t->modes, true, err) != SL_OK)
            return SL_ERROR;
        snprintf(tag, SL_TAG_MAX, "SET");
        break;
    }
    return SL_OK;
}

/* The handler of each statement tag; NULL = not a statement. */
static const sl_exec_handler handlers[SL_T_NumTags] = {
    [SL_T_CreateSourceStmt] = sl_exec_create_source,
    [SL_T_CreateSinkStmt] = sl_exec_create_sink,
    [SL_T_AlterStmt] = sl_exec_alter,
    [SL_T_DropStmt] = sl_exec_drop,
    [SL_T_ShowStmt] = sl_exec_show,
    [SL_T_SetStmt] = sl_exec_set,
    [SL_T_DescribeStmt] = sl_exec_describe,
    [SL_T_SelectStmt] = sl_exec_select,
    [SL_T_CreateQueryStmt] = sl_exec_create_query,
    [SL_T_QueryControlStmt] = sl_exec_query_control,
    [SL_T_ExplainStmt] = sl_exec_explain,
    [SL_T_TransactionStmt] = exec_transaction,
    [SL_T_RoleStmt] = sl_exec_role,
    [SL_T_GrantStmt] = sl_exec_grant,
    [SL_T_SessionStmt] = sl_exec_session,
    [SL_T_ExtensionStmt] = sl_exec_extension,
};

/* Keeps the columns a statement describes, in cx. */
typedef struct capture_cols {
    sl_mcxt *cx;
    int ncols;
    sl_column_desc *cols;
} capture_cols;

static sl_status capture_start(sl_dest *dest, int ncols, const sl_column_desc *cols, sl_error *err)
{
    capture_cols *c = dest->state;

    (void)err;
    c->ncols = ncols;
    c->cols = sl_palloc(c->cx, sizeof(sl_column_desc) * (size_t)(ncols + 1));
    for (int i = 0; i < ncols; i++) {
        c->cols[i].name = sl_pstrdup(c->cx, cols[i].name != NULL ? cols[i].name : "?column?");
        c->cols[i].type_oid = cols[i].type_oid;
    }
    return SL_OK;
}

static sl_status capture_row(sl_dest *dest, const char *const *values, sl_error *err)
{
    (void)dest, (void)values, (void)err;
    return SL_OK;
}

bool sl_exec_is_push(const sl_raw_stmt *stmt)
{
    const sl_SelectStmt *sel;

    if (stmt == NULL || !SL_IS(stmt->stmt, SelectStmt))
        return false;
    sel = (const sl_SelectStmt *)stmt->stmt;
    return sel->from != NULL && sel->into == NULL;
}

sl_status sl_exec_describe_stmt(sl_exec_ctx *ctx, const sl_raw_stmt *stmt, sl_mcxt *cx, sl_exec_shape *shape,
                                int *ncols, const sl_column_desc **cols, sl_error *err)
{
    static const sl_column_desc query_col = {"query", SL_OID_TEXT};
    const sl_node *n = stmt->stmt;

    sl_error_clear(err);
    *ncols = 0;
    *cols = NULL;
    *shape = SL_EXEC_NO_ROWS;
    if (sl_exec_is_push(stmt)) {
        sl_exec_push *p;
        if (sl_exec_push_plan(ctx, stmt, cx, &p, ncols, cols, err) != SL_OK)
            return SL_ERROR;
        sl_exec_push_close(p);
        *shape = SL_EXEC_ROWS;
    } else if (SL_IS(n, SelectStmt) && ((const sl_SelectStmt *)n)->into != NULL) {
        *shape = SL_EXEC_ROWS; /* the continuous query's name */
        *ncols = 1;
        *cols = &query_col;
    } else if (SL_IS(n, SelectStmt) && ctx->params != NULL && ctx->params->values == NULL) {
        /* Without FROM: bound now (errors at Parse, as PostgreSQL), evaluated when run.
         * wait_query() waits when run, so it is left for then. */
        capture_cols c = {.cx = cx};
        sl_dest d = {.start = capture_start, .row = capture_row, .state = &c};
        char tag[SL_TAG_MAX];
        sl_status st = sl_exec_select_constant(ctx, stmt, &d, tag, err);
        if (st == SL_ERROR)
            return SL_ERROR;
        *shape = SL_EXEC_ROWS_BY_RUNNING;
        if (st == SL_OK) {
            *shape = SL_EXEC_ROWS;
            *ncols = c.ncols;
            *cols = c.cols;
        }
    } else if (SL_IS(n, SelectStmt) || SL_IS(n, ShowStmt) || SL_IS(n, DescribeStmt) || SL_IS(n, ExplainStmt))
        *shape = SL_EXEC_ROWS_BY_RUNNING;
    return SL_OK;
}

sl_status sl_exec_statement(sl_exec_ctx *ctx, const sl_raw_stmt *stmt, sl_dest *dest, char tag[SL_TAG_MAX],
                            sl_error *err)
{
    sl_node_tag t;
    sl_status st;

    sl_error_clear(err);
    tag[0] = '\0';
    if (stmt == NULL || stmt->stmt == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "no statement to execute");
    t = stmt->stmt->tag;
    if (t <= SL_T_Invalid || t >= SL_T_NumTags || handlers[t] == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "unexpected node %d at the top of a statement",
                            (int)t);
    st = handlers[t](ctx, stmt, dest, tag, err);
    if (st != SL_OK && !sl_error_is_set(err))
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "statement failed without an error");
    return st == SL_OK ? SL_OK : SL_ERROR;
}
