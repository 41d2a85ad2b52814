/*
 * exec_show.c - statements that answer with rows about the server: SHOW,
 * DESCRIBE; and the session's settings: SET, RESET, DISCARD, with the
 * statements connection pools send beside them (UNLISTEN, CLOSE, LISTEN).
 *
 * Output is deterministic: catalog rows come ordered by name, options in
 * the order they were given, and secrets always as ********.
 *
 * Entry points: sl_exec_show, sl_exec_set, sl_exec_session, sl_exec_describe (see
 * server/commands/exec_internal.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server/config.h"
#include "server/commands/exec_internal.h"
#include "server/engine/expr.h"
#include "server/connectors/sink_stats.h"
#include "sluice/errcodes.h"
#include "sluice/version.h"

/* Describes ncols text columns named by names. */
static sl_status start_text(sl_dest *dest, int ncols, const char *const *names, sl_mcxt *cx, sl_error *err)
{
    sl_column_desc *cols = sl_palloc(cx, sizeof(sl_column_desc) * (size_t)ncols);

    for (int i = 0; i < ncols; i++) {
        cols[i].name = names[i];
        cols[i].type_oid = SL_OID_TEXT;
    }
    return dest->start(dest, ncols, cols, err);
}

static char *columns_text(sl_mcxt *cx, const sl_cat_source *src)
{
    char *out = sl_pstrdup(cx, "");

    for (int i = 0; i < src->ncolumns; i++)
        out = sl_psprintf(cx, "%s%s%s %s", out, i ? ", " : "", src->columns[i].name, src->columns[i].type);
    return out;
}

/* The decls of a stored source or sink: NULL when its kind is not loaded. */
static const sl_option_decl *const *source_decls(const char *kind, const sl_option_decl *decls[3])
{
    const sl_source_kind *k = sl_source_kind_find(kind);
    if (k == NULL)
        return NULL;
    sl_exec_source_decls(k, decls);
    return decls;
}

static const sl_option_decl *const *sink_decls(const char *kind, const sl_option_decl *decls[3])
{
    const sl_sink_kind *k = sl_sink_kind_find(kind);
    if (k == NULL)
        return NULL;
    sl_exec_sink_decls(k, decls);
    return decls;
}

/* ---- SHOW ---- */

static sl_status show_sources(sl_exec_ctx *ctx, sl_dest *dest, sl_error *err)
{
    static const char *const names[] = {"name", "kind", "columns", "options", "event_time", "watermark"};
    sl_list *list;
    sl_cat_source *src;

    if (sl_catalog_list_sources(ctx->stmt_cx, &list, err) != SL_OK ||
        start_text(dest, 6, names, ctx->stmt_cx, err) != SL_OK)
        return SL_ERROR;
    sl_list_foreach(src, list)
    {
        const sl_option_decl *decls[3];
        const char *values[6] = {
            src->name,
            src->kind,
            src->ncolumns > 0 ? columns_text(ctx->stmt_cx, src) : NULL,
            sl_exec_options_text(ctx->stmt_cx, source_decls(src->kind, decls), src->noptions, src->options),
            src->event_time,
            src->has_watermark ? sl_interval_format(ctx->stmt_cx, src->watermark_us) : NULL,
        };
        if (dest->row(dest, values, err) != SL_OK)
            return SL_ERROR;
    }
    return SL_OK;
}

/* SHOW SINKS: each sink's definition, then what the sink framework counted
 * (server/connectors/sink_stats.h) since the sink was created or the server started. */
static sl_status show_sinks(sl_exec_ctx *ctx, sl_dest *dest, sl_error *err)
{
    static const char *const names[] = {"name",    "kind",    "options",    "state",        "rows",
                                        "batches", "retries", "last_error", "last_error_at"};
    sl_list *list;
    sl_cat_sink *sink;

    if (sl_catalog_list_sinks(ctx->stmt_cx, &list, err) != SL_OK ||
        start_text(dest, 9, names, ctx->stmt_cx, err) != SL_OK)
        return SL_ERROR;
    sl_list_foreach(sink, list)
    {
        const sl_option_decl *decls[3];
        sl_sink_stats_view sv;
        char at[SL_VALUE_TEXT_MAX];
        const char *values[9];

        sl_sink_stats_snapshot(sink->name, &sv);
        if (sv.last_error_at != 0)
            sl_format_timestamp(sv.last_error_at, at);
        values[0] = sink->name;
        values[1] = sink->kind;
        values[2] =
            sl_exec_options_text(ctx->stmt_cx, sink_decls(sink->kind, decls), sink->noptions, sink->options);
        values[3] = sl_sink_state_name(sv.state);
        values[4] = sl_psprintf(ctx->stmt_cx, "%lld", (long long)sv.rows);
        values[5] = sl_psprintf(ctx->stmt_cx, "%lld", (long long)sv.batches);
        values[6] = sl_psprintf(ctx->stmt_cx, "%lld", (long long)sv.retries);
        values[7] = sv.last_error[0] != '\0' ? sl_pstrdup(ctx->stmt_cx, sv.last_error) : NULL;
        values[8] = sv.last_error_at != 0 ? sl_pstrdup(ctx->stmt_cx, at) : NULL;
        if (dest->row(dest, values, err) != SL_OK)
            return SL_ERROR;
    }
    return SL_OK;
}

typedef struct sl_setting_row {
    const char *name, *value, *description;
} sl_setting_row;

typedef struct sl_setting_rows {
    sl_mcxt *cx;
    sl_list *rows;
} sl_setting_rows;

static void collect_setting(void *arg, const char *name, const char *value, const char *description)
{
    sl_setting_rows *acc = arg;
    sl_setting_row *r = sl_pnew(acc->cx, sl_setting_row);

    r->name = sl_pstrdup(acc->cx, name);
    r->value = sl_pstrdup(acc->cx, value);
    r->description = sl_pstrdup(acc->cx, description);
    acc->rows = sl_list_append(acc->cx, acc->rows, r);
}

static sl_status show_all(sl_exec_ctx *ctx, sl_dest *dest, sl_error *err)
{
    static const char *const names[] = {"name", "setting", "description"};
    sl_setting_rows acc = {.cx = ctx->stmt_cx};
    sl_setting_row *r;

    /* Collected first: the visitor cannot stop on a client error. */
    sl_settings_foreach(ctx->settings, ctx->stmt_cx, collect_setting, &acc);
    if (start_text(dest, 3, names, ctx->stmt_cx, err) != SL_OK)
        return SL_ERROR;
    sl_list_foreach(r, acc.rows)
    {
        const char *values[3] = {r->name, r->value, r->description};
        if (dest->row(dest, values, err) != SL_OK)
            return SL_ERROR;
    }
    return SL_OK;
}

sl_status sl_exec_show(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                       sl_error *err)
{
    const sl_ShowStmt *s = (const sl_ShowStmt *)raw->stmt;
    sl_status st;

    switch (s->what) {
    case SL_SHOW_SOURCES:
        st = show_sources(ctx, dest, err);
        break;
    case SL_SHOW_SINKS:
        st = show_sinks(ctx, dest, err);
        break;
    case SL_SHOW_QUERIES:
        st = sl_exec_show_queries(ctx, dest, err); /* server/commands/exec_query.c */
        break;
    case SL_SHOW_ROLES:
        st = sl_exec_show_roles(ctx, dest, err); /* server/commands/exec_role.c */
        break;
    case SL_SHOW_GRANTS:
        st = sl_exec_show_grants(ctx, dest, err);
        break;
    case SL_SHOW_EXTENSIONS:
        st = sl_exec_show_extensions(ctx, dest, err); /* server/commands/exec_extension.c */
        break;
    case SL_SHOW_SETTING:
    default:
        if (strcmp(s->name, "all") == 0) {
            st = show_all(ctx, dest, err);
        } else {
            const char *value = sl_settings_show(ctx->settings, ctx->stmt_cx, s->name, err);
            const char *names[1] = {s->name};
            const char *values[1] = {value};

            if (value == NULL) {
                if (!sl_error_is_set(err))
                    sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT,
                                 "unrecognized configuration parameter \"%s\"", s->name);
                return SL_ERROR;
            }
            st = start_text(dest, 1, names, ctx->stmt_cx, err);
            if (st == SL_OK)
                st = dest->row(dest, values, err);
        }
        break;
    }
    if (st != SL_OK)
        return SL_ERROR;
    snprintf(tag, SL_TAG_MAX, "SHOW");
    return SL_OK;
}

/* ---- SET ---- */

sl_status sl_exec_set(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                      sl_error *err)
{
    const sl_SetStmt *s = (const sl_SetStmt *)raw->stmt;
    /* The current transaction's own settings last until its end, as SET LOCAL */
    bool local = s->local || strncasecmp(s->name, "transaction_", 12) == 0;
    sl_status st;

    snprintf(tag, SL_TAG_MAX, "SET");
    /* SET SESSION AUTHORIZATION DEFAULT: a session is always the role it logged in as */
    if (strcmp(s->name, "session_authorization") == 0 && s->value == NULL)
        return SL_OK;
    if (local && !ctx->in_transaction) {
        /* As PostgreSQL: checked, then a warning, and no effect outside a block. */
        sl_settings *scratch = sl_settings_new(ctx->stmt_cx);
        if (sl_settings_set(scratch, s->name, s->value, err) != SL_OK)
            return SL_ERROR;
        sl_exec_notice(dest, s->local ? "SET LOCAL can only be used in transaction blocks"
                                      : "SET TRANSACTION can only be used in transaction blocks");
        return SL_OK;
    }
    st = local ? sl_settings_set_local(ctx->settings, s->name, s->value, err)
               : sl_settings_set(ctx->settings, s->name, s->value, err);
    if (st != SL_OK)
        return SL_ERROR;
    return SL_OK;
}

/* ---- RESET, DISCARD, LISTEN, UNLISTEN, CLOSE ---- */

/*
 * True for the DO blocks that do nothing in sluice, so that it may skip them:
 * asyncpg's pool reset unlistens only when pg_listening_channels() has a row,
 * and a sluice session listens to nothing.  Compared with blanks collapsed
 * and case folded.
 */
static bool do_block_is_noop(const char *code)
{
    static const char *const noops[] = {
        "begin perform * from pg_listening_channels() limit 1; if found then unlisten *; end if; end;",
    };
    char norm[256];

    if (!sl_fold_blanks(code, '\0', norm, sizeof(norm)))
        return false;
    for (size_t i = 0; i < sizeof(noops) / sizeof(noops[0]); i++)
        if (strcmp(norm, noops[i]) == 0)
            return true;
    return false;
}

sl_status sl_exec_session(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                          sl_error *err)
{
    const sl_SessionStmt *s = (const sl_SessionStmt *)raw->stmt;
    int pos = sl_exec_position(ctx, SL_LOC(s));

    (void)dest;
    switch (s->kind) {
    case SL_SESSION_RESET:
        /* RESET SESSION AUTHORIZATION: a session is always the role it logged in as */
        if (s->name == NULL)
            sl_settings_reset_all(ctx->settings);
        else if (strcmp(s->name, "session_authorization") != 0 &&
                 sl_settings_set(ctx->settings, s->name, NULL, err) != SL_OK)
            return SL_ERROR;
        snprintf(tag, SL_TAG_MAX, "RESET");
        return SL_OK;
    case SL_SESSION_DO:
        if (!do_block_is_noop(s->name)) {
            sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "DO is not supported");
            sl_error_detail(err, "sluice runs no procedural code.");
            err->position = pos;
            return SL_ERROR;
        }
        snprintf(tag, SL_TAG_MAX, "DO");
        return SL_OK;
    case SL_SESSION_DISCARD:
        if (s->name == NULL) {
            if (ctx->in_transaction) {
                sl_error_set(err, SL_ERRCODE_ACTIVE_SQL_TRANSACTION,
                             "DISCARD ALL cannot run inside a transaction block");
                err->position = pos;
                return SL_ERROR;
            }
            sl_settings_reset_all(ctx->settings);
        }
        /* DISCARD PLANS, SEQUENCES, TEMP: sluice keeps none of these.  On the
         * tag "DISCARD ALL" the session drops its prepared statements and
         * cursors too: they belong to the protocol layer. */
        snprintf(tag, SL_TAG_MAX, "DISCARD %s", s->name == NULL ? "ALL" : s->name);
        return SL_OK;
    case SL_SESSION_LISTEN:
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "LISTEN is not supported");
        sl_error_detail(err, "sluice sends no notifications.");
        err->position = pos;
        return SL_ERROR;
    case SL_SESSION_UNLISTEN:
        /* Nothing is ever listened to, so there is nothing to stop. */
        snprintf(tag, SL_TAG_MAX, "UNLISTEN");
        return SL_OK;
    case SL_SESSION_CLOSE:
        /* CLOSE ALL closes nothing while sluice has no cursors; the session's
         * cursors (DECLARE) will answer CLOSE name before it reaches here. */
        if (s->name != NULL) {
            sl_error_set(err, SL_ERRCODE_INVALID_CURSOR_NAME, "cursor \"%s\" does not exist", s->name);
            err->position = pos;
            return SL_ERROR;
        }
        snprintf(tag, SL_TAG_MAX, "CLOSE CURSOR");
        return SL_OK;
    }
    return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "unexpected session statement %d", (int)s->kind);
}

/* ---- DESCRIBE ---- */

/*
 * Rows of (section, name, value): for a source its kind, columns, event
 * time and watermark; then for either its options as given, then the
 * defaults of the options not given.  When a source and a sink share the
 * name, both are described, the source first.
 */
static sl_status describe_row(sl_dest *dest, const char *section, const char *name, const char *value,
                              sl_error *err)
{
    const char *values[3] = {section, name, value};
    return dest->row(dest, values, err);
}

static sl_status describe_options(sl_exec_ctx *ctx, sl_dest *dest, const sl_option_decl *const *decls, int n,
                                  const sl_option_value *opts, sl_error *err)
{
    for (int i = 0; i < n; i++) {
        if (describe_row(dest, "option", opts[i].name,
                         sl_exec_option_shown(ctx->stmt_cx, decls, opts[i].name, opts[i].value),
                         err) != SL_OK)
            return SL_ERROR;
    }
    if (decls == NULL)
        return SL_OK;
    for (int t = 0; decls[t] != NULL; t++)
        for (const sl_option_decl *d = decls[t]; d->name != NULL; d++) {
            bool given = false;
            for (int i = 0; i < n; i++)
                given = given || strcmp(opts[i].name, d->name) == 0;
            if (given || d->default_value == NULL || sl_options_find_decl(decls, d->name) != d)
                continue;
            if (describe_row(dest, "default", d->name, d->secret ? SL_SECRET_MASK : d->default_value, err) !=
                SL_OK)
                return SL_ERROR;
        }
    return SL_OK;
}

sl_status sl_exec_describe(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                           sl_error *err)
{
    static const char *const names[] = {"section", "name", "value"};
    const sl_DescribeStmt *ds = (const sl_DescribeStmt *)raw->stmt;
    sl_cat_source *src;
    sl_cat_sink *sink;
    const sl_option_decl *decls[3];

    if (sl_catalog_get_source(ctx->stmt_cx, ds->name, &src, err) != SL_OK ||
        sl_catalog_get_sink(ctx->stmt_cx, ds->name, &sink, err) != SL_OK)
        return SL_ERROR;
    if (src == NULL && sink == NULL)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, "source or sink \"%s\" does not exist",
                            ds->name);
    if (start_text(dest, 3, names, ctx->stmt_cx, err) != SL_OK)
        return SL_ERROR;
    if (src != NULL) {
        if (describe_row(dest, "source", src->name, src->kind, err) != SL_OK)
            return SL_ERROR;
        for (int i = 0; i < src->ncolumns; i++)
            if (describe_row(dest, "column", src->columns[i].name, src->columns[i].type, err) != SL_OK)
                return SL_ERROR;
        if (src->event_time != NULL && describe_row(dest, "event time", src->event_time, NULL, err) != SL_OK)
            return SL_ERROR;
        if (src->has_watermark &&
            describe_row(dest, "watermark", NULL, sl_interval_format(ctx->stmt_cx, src->watermark_us), err) !=
                SL_OK)
            return SL_ERROR;
        if (describe_options(ctx, dest, source_decls(src->kind, decls), src->noptions, src->options, err) !=
            SL_OK)
            return SL_ERROR;
    }
    if (sink != NULL) {
        if (describe_row(dest, "sink", sink->name, sink->kind, err) != SL_OK ||
            describe_options(ctx, dest, sink_decls(sink->kind, decls), sink->noptions, sink->options, err) !=
                SL_OK)
            return SL_ERROR;
    }
    snprintf(tag, SL_TAG_MAX, "DESCRIBE");
    return SL_OK;
}
