/*
 * exec.c - runs one parsed statement: dispatch by node tag.
 *
 * Owns sl_exec_statement (exec.h), the statements that need no catalog
 * (BEGIN/COMMIT/ROLLBACK), and the helpers the handlers share (error
 * positions, notices, option text).  The handlers live in exec_ddl.c
 * (CREATE, ALTER, DROP), exec_show.c (SHOW, SET, DESCRIBE, SELECT
 * version()) and exec_query.c (SELECT, CREATE QUERY, PAUSE/RESUME, EXPLAIN).
 *
 * Entry point: sl_exec_statement.
 */
#include <stdio.h>
#include <string.h>

#include "exec_internal.h"
#include "sluice/errcodes.h"

int sl_exec_position(const sl_exec_ctx *ctx, int loc)
{
    int pos = 1;

    if (ctx->query_text == NULL || loc < 0)
        return 0;
    /* Count characters, not bytes: psql draws its caret by character.
     * UTF-8 continuation bytes (10xxxxxx) do not start a character. */
    for (int i = 0; i < loc && ctx->query_text[i] != '\0'; i++)
        if (((unsigned char)ctx->query_text[i] & 0xC0) != 0x80)
            pos++;
    return pos;
}

void sl_exec_notice(sl_dest *dest, const char *message)
{
    if (dest != NULL && dest->notice != NULL)
        dest->notice(dest, message);
}

void sl_exec_source_decls(const sl_source_kind *kind, const sl_option_decl *decls[3])
{
    int n = 0;

    if (kind->options != NULL)
        decls[n++] = kind->options;
    decls[n++] = sl_source_framework_options;
    decls[n] = NULL;
}

void sl_exec_sink_decls(const sl_sink_kind *kind, const sl_option_decl *decls[3])
{
    int n = 0;

    if (kind->options != NULL)
        decls[n++] = kind->options;
    decls[n++] = sl_sink_framework_options;
    decls[n] = NULL;
}

char *sl_exec_quote_literal(sl_mcxt *cx, const char *s)
{
    size_t n = 2;
    char *out, *p;

    for (const char *q = s; *q; q++)
        n += *q == '\'' ? 2 : 1;
    out = p = sl_palloc(cx, n + 1);
    *p++ = '\'';
    for (const char *q = s; *q; q++) {
        if (*q == '\'')
            *p++ = '\'';
        *p++ = *q;
    }
    *p++ = '\'';
    *p = '\0';
    return out;
}

char *sl_exec_options_text(sl_mcxt *cx, const sl_option_decl *const *decls, int n,
                           const sl_option_value *opts)
{
    char *out = sl_pstrdup(cx, "");

    for (int i = 0; i < n; i++) {
        const sl_option_decl *d = decls ? sl_options_find_decl(decls, opts[i].name) : NULL;
        bool secret = d == NULL || d->secret;

        out = sl_psprintf(cx, "%s%s%s = %s", out, i ? ", " : "", opts[i].name,
                          secret ? "'" SL_SECRET_MASK "'" : sl_exec_quote_literal(cx, opts[i].value));
    }
    return out;
}

/* BEGIN/COMMIT/ROLLBACK: accepted so that drivers which wrap statements in
 * a transaction work; they do not make DDL transactional (each statement
 * commits on its own), which docs/sql.md says. */
static sl_status exec_transaction(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest,
                                  char tag[SL_TAG_MAX], sl_error *err)
{
    const sl_TransactionStmt *t = (const sl_TransactionStmt *)raw->stmt;

    switch (t->kind) {
    case SL_TXN_BEGIN:
        if (ctx->in_transaction)
            sl_exec_notice(dest, "there is already a transaction in progress");
        ctx->in_transaction = true;
        snprintf(tag, SL_TAG_MAX, "BEGIN");
        break;
    case SL_TXN_COMMIT:
    case SL_TXN_ROLLBACK:
        if (!ctx->in_transaction)
            sl_exec_notice(dest, "there is no transaction in progress");
        ctx->in_transaction = false;
        snprintf(tag, SL_TAG_MAX, "%s", t->kind == SL_TXN_COMMIT ? "COMMIT" : "ROLLBACK");
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
};

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
