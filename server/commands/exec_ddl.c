/*
 * exec_ddl.c - CREATE SOURCE/SINK, ALTER SOURCE/SINK SET, DROP.
 *
 * Checks a statement against the connector kind's declared options
 * (sl_options_build) and the column rules, seals the secret options
 * (server/catalog/secret_store.h), then writes the catalog in one call
 * (one transaction).  ALTER opens the stored secrets to check the options
 * it will store, and drops those not given again when it changes where the
 * connector connects (a destination option: docs/security.md).  Errors point at the offending option or
 * column (err->position) so psql draws its caret under it.
 *
 * Entry points: sl_exec_create_source, sl_exec_create_sink, sl_exec_alter,
 * sl_exec_drop (see server/commands/exec_internal.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/url.h"
#include "server/catalog/secret_store.h"
#include "server/commands/exec_internal.h"
#include "server/commands/privileges.h"
#include "server/connectors/confinement.h"
#include "server/config.h"
#include "server/connectors/sink_stats.h"
#include "sluice/errcodes.h"
#include "sluice/types.h"

/* ---- column types ---- */

/* The type a column declaration means, in the catalog's spelling (boolean,
 * bigint, double, text, timestamp, interval), or NULL when it is not one of
 * ours: the one list of type names, sl_type_parse's. */
static const char *column_type(const char *spelling)
{
    sl_type t;

    return sl_type_parse(spelling, &t) ? sl_type_name(t) : NULL;
}

/* ---- options from the AST ---- */

/* The text of an option's literal, as the option parser reads it. */
static sl_status const_text(sl_exec_ctx *ctx, const sl_Option *opt, const char **out, sl_error *err)
{
    const sl_Const *c = opt->value;

    switch (c ? c->kind : SL_CONST_NULL) {
    case SL_CONST_NULL:
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "option \"%s\" cannot be NULL", opt->name);
        err->position = sl_exec_position(ctx, c ? SL_LOC(c) : SL_LOC(opt));
        return SL_ERROR;
    case SL_CONST_BOOL:
        *out = c->bval ? "true" : "false";
        return SL_OK;
    case SL_CONST_INT:
        *out = sl_psprintf(ctx->stmt_cx, "%lld", (long long)c->ival);
        return SL_OK;
    case SL_CONST_NUMERIC:
    case SL_CONST_STRING:
        *out = c->text ? c->text : "";
        return SL_OK;
    case SL_CONST_INTERVAL:
        *out = sl_interval_format(ctx->stmt_cx, c->ival);
        return SL_OK;
    }
    return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "option \"%s\" has an unknown literal", opt->name);
}

/*
 * Checks a WITH / SET list against decls into *out; with check_required,
 * also that every required option is present.  On error sets the position
 * of the offending option (its value when the value is at fault).
 */
static sl_status build_options(sl_exec_ctx *ctx, const sl_option_decl *const *decls, const char *what,
                               const sl_list *given, bool check_required, sl_options *out, sl_error *err)
{
    int n = sl_list_length(given), bad;
    bool bad_value;
    const char **names = sl_palloc(ctx->stmt_cx, sizeof(char *) * (size_t)(n + 1));
    const char **texts = sl_palloc(ctx->stmt_cx, sizeof(char *) * (size_t)(n + 1));

    for (int i = 0; i < n; i++) {
        const sl_Option *opt = sl_list_nth(given, i);
        names[i] = opt->name;
        if (const_text(ctx, opt, &texts[i], err) != SL_OK)
            return SL_ERROR;
    }
    if (sl_options_build(decls, what, n, names, texts, check_required, ctx->stmt_cx, out, &bad, &bad_value,
                         err) != SL_OK) {
        if (bad >= 0) {
            const sl_Option *opt = sl_list_nth(given, bad);
            err->position = sl_exec_position(ctx, bad_value && opt->value ? SL_LOC(opt->value) : SL_LOC(opt));
        }
        return SL_ERROR;
    }
    /* Credentials in a URL would be stored and shown as they are: they
     * belong in the kind's secret options, which are encrypted. */
    for (int i = 0; i < out->count; i++) {
        const sl_option_decl *d = sl_options_find_decl(decls, out->values[i].name);
        const sl_Option *opt = sl_list_nth(given, i);
        size_t start, len;

        if (d == NULL || !d->destination || d->secret || !sl_url_userinfo(out->values[i].value, &start, &len))
            continue;
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                     "option \"%s\" must not hold a user name or password", d->name);
        sl_error_hint(err,
                      "Give credentials in the secret options of %s: they are encrypted in the catalog and "
                      "masked on screen; a URL is neither.",
                      what);
        err->position = sl_exec_position(ctx, opt->value ? SL_LOC(opt->value) : SL_LOC(opt));
        return SL_ERROR;
    }
    return SL_OK;
}

/* Old options with the new ones laid over them: a name given again keeps
 * its place with the new value, new names go at the end. */
static void merge_options(sl_mcxt *cx, int nold, const sl_option_value *old, const sl_options *new_opts,
                          int *n, const char ***names, const char ***texts)
{
    *names = sl_palloc(cx, sizeof(char *) * (size_t)(nold + new_opts->count + 1));
    *texts = sl_palloc(cx, sizeof(char *) * (size_t)(nold + new_opts->count + 1));
    *n = 0;
    for (int i = 0; i < nold; i++) {
        (*names)[*n] = old[i].name;
        (*texts)[*n] = old[i].value;
        for (int j = 0; j < new_opts->count; j++)
            if (strcmp(new_opts->values[j].name, old[i].name) == 0)
                (*texts)[*n] = new_opts->values[j].value;
        (*n)++;
    }
    for (int j = 0; j < new_opts->count; j++) {
        bool seen = false;
        for (int i = 0; i < nold; i++)
            seen = seen || strcmp(new_opts->values[j].name, old[i].name) == 0;
        if (!seen) {
            (*names)[*n] = new_opts->values[j].name;
            (*texts)[*n] = new_opts->values[j].value;
            (*n)++;
        }
    }
}

static sl_status unknown_source_kind(sl_exec_ctx *ctx, const char *kind, sl_error *err)
{
    sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "unknown source kind \"%s\"", kind);
    sl_error_hint(err, "Valid source kinds: %s.", sl_source_kind_names(ctx->stmt_cx));
    return SL_ERROR;
}

static sl_status unknown_sink_kind(sl_exec_ctx *ctx, const char *kind, sl_error *err)
{
    sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "unknown sink kind \"%s\"", kind);
    sl_error_hint(err, "Valid sink kinds: %s.", sl_sink_kind_names(ctx->stmt_cx));
    return SL_ERROR;
}

/* ---- CREATE SOURCE ---- */

/* Checks the column list and EVENT TIME into src. */
static sl_status check_columns(sl_exec_ctx *ctx, const sl_CreateSourceStmt *cs, sl_cat_source *src,
                               sl_error *err)
{
    int n = sl_list_length(cs->columns);

    src->ncolumns = n;
    src->columns = sl_palloc(ctx->stmt_cx, sizeof(sl_cat_column) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        const sl_ColumnDef *col = sl_list_nth(cs->columns, i);
        const char *type = col->type ? column_type(col->type->name) : NULL;

        if (type == NULL) {
            sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "type \"%s\" does not exist",
                         col->type ? col->type->name : "?");
            sl_error_hint(err, "Column types: boolean, bigint, double, text, timestamp, interval.");
            err->position = sl_exec_position(ctx, col->type ? SL_LOC(col->type) : SL_LOC(col));
            return SL_ERROR;
        }
        if (sl_type_name_check(col->type, err) != SL_OK) {
            err->position = sl_exec_position(ctx, SL_LOC(col->type));
            return SL_ERROR;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(src->columns[j].name, col->name) == 0) {
                sl_error_set(err, SL_ERRCODE_DUPLICATE_OBJECT, "column \"%s\" specified more than once",
                             col->name);
                err->position = sl_exec_position(ctx, SL_LOC(col));
                return SL_ERROR;
            }
        src->columns[i].name = col->name;
        src->columns[i].type = type;
    }

    if (cs->event_time != NULL && n > 0) {
        const sl_cat_column *found = NULL;
        char *names = "";

        for (int i = 0; i < n; i++) {
            if (strcmp(src->columns[i].name, cs->event_time) == 0)
                found = &src->columns[i];
            names = sl_psprintf(ctx->stmt_cx, "%s%s%s", names, i ? ", " : "", src->columns[i].name);
        }
        if (found == NULL) {
            sl_error_set(err, SL_ERRCODE_UNDEFINED_COLUMN,
                         "event time column \"%s\" is not a column of source \"%s\"", cs->event_time,
                         cs->name);
            sl_error_hint(err, "EVENT TIME names one of the declared columns: %s.", names);
            return SL_ERROR;
        }
        if (strcmp(found->type, "timestamp") != 0) {
            sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH,
                         "event time column \"%s\" must be of type timestamp, not %s", found->name,
                         found->type);
            sl_error_hint(err, "Declare it as TIMESTAMP; epoch numbers are decoded into timestamps "
                               "(see the timestamp_unit option).");
            return SL_ERROR;
        }
    }
    if (cs->has_watermark && cs->watermark_us < 0)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "watermark must not be negative");
    src->event_time = cs->event_time;
    src->has_watermark = cs->has_watermark;
    src->watermark_us = cs->watermark_us;
    return SL_OK;
}

/* Files, URLs, hosts and Kafka settings the options reach must be inside
 * the server's confinement (docs/security.md). */
static sl_status check_reach(const sl_options *opts, sl_error *err)
{
    sl_confinement_ctx cc = {.confine = sl_confinement()};

    return sl_confinement_check(&cc, opts, err);
}

/* A source's dead_letter sink is written by the source's queries: its role needs USAGE on it. */
static sl_status check_dead_letter_usage(sl_exec_ctx *ctx, const sl_options *opts, sl_error *err)
{
    const char *dl = sl_options_get(opts, "dead_letter");
    sl_cat_sink *sink;

    if (dl == NULL || ctx->superuser)
        return SL_OK;
    if (sl_catalog_get_sink(ctx->stmt_cx, dl, &sink, err) != SL_OK)
        return SL_ERROR;
    return sink == NULL ? SL_OK : sl_priv_check_usage(ctx, "sink", dl, sink->owner, err);
}

/*
 * A DYNAMODB sink without access keys signs with the server's own AWS
 * credentials (its environment): only a superuser may lend those, or a
 * client could send them to an endpoint it chose.
 */
static sl_status check_server_credentials(sl_exec_ctx *ctx, const char *kind, const sl_options *opts,
                                          sl_error *err)
{
    const char *key = sl_options_get(opts, "access_key_id");

    if (ctx->superuser || strcmp(kind, "dynamodb") != 0 || (key != NULL && key[0] != '\0'))
        return SL_OK;
    sl_error_set(err, SL_ERRCODE_INSUFFICIENT_PRIVILEGE,
                 "only superusers may create a dynamodb sink that uses the server's AWS credentials");
    sl_error_hint(err, "Give access_key_id and secret_access_key.");
    return SL_ERROR;
}

sl_status sl_exec_create_source(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                                sl_error *err)
{
    const sl_CreateSourceStmt *cs = (const sl_CreateSourceStmt *)raw->stmt;
    const sl_source_kind *kind = sl_source_kind_find(cs->kind);
    const sl_option_decl *decls[3];
    sl_cat_source src = {.name = cs->name};
    sl_options opts;
    char *what;

    if (kind == NULL)
        return unknown_source_kind(ctx, cs->kind, err);
    if (check_columns(ctx, cs, &src, err) != SL_OK)
        return SL_ERROR;
    sl_exec_source_decls(kind, decls);
    what = sl_psprintf(ctx->stmt_cx, "source kind %s", kind->name);
    if (build_options(ctx, decls, what, cs->options, true, &opts, err) != SL_OK)
        return SL_ERROR;
    if (kind->validate != NULL && kind->validate(&opts, err) != SL_OK)
        return SL_ERROR;
    if (check_reach(&opts, err) != SL_OK ||
        sl_priv_check_create(ctx, "source", kind->name, decls, &opts, err) != SL_OK ||
        check_dead_letter_usage(ctx, &opts, err) != SL_OK)
        return SL_ERROR;
    src.owner = ctx->role;
    src.kind = kind->name;
    src.noptions = opts.count;
    src.max_count = sl_config_int("max_sources");
    if (sl_secret_store_seal(ctx->stmt_cx, "source", cs->name, decls, opts.count, opts.values, &src.options,
                             err) != SL_OK ||
        sl_catalog_create_source(&src, err) != SL_OK)
        return SL_ERROR;
    snprintf(tag, SL_TAG_MAX, "CREATE SOURCE");
    return SL_OK;
}

/* ---- CREATE SINK ---- */

sl_status sl_exec_create_sink(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                              sl_error *err)
{
    const sl_CreateSinkStmt *cs = (const sl_CreateSinkStmt *)raw->stmt;
    const sl_sink_kind *kind = sl_sink_kind_find(cs->kind);
    const sl_option_decl *decls[3];
    sl_cat_sink sink = {.name = cs->name};
    sl_options opts;
    char *what;

    if (kind == NULL)
        return unknown_sink_kind(ctx, cs->kind, err);
    sl_exec_sink_decls(kind, decls);
    what = sl_psprintf(ctx->stmt_cx, "sink kind %s", kind->name);
    if (build_options(ctx, decls, what, cs->options, true, &opts, err) != SL_OK)
        return SL_ERROR;
    if (kind->validate != NULL && kind->validate(&opts, err) != SL_OK)
        return SL_ERROR;
    if (check_reach(&opts, err) != SL_OK ||
        sl_priv_check_create(ctx, "sink", kind->name, decls, &opts, err) != SL_OK ||
        check_server_credentials(ctx, kind->name, &opts, err) != SL_OK)
        return SL_ERROR;
    sink.owner = ctx->role;
    sink.kind = kind->name;
    sink.noptions = opts.count;
    sink.max_count = sl_config_int("max_sinks");
    if (sl_secret_store_seal(ctx->stmt_cx, "sink", cs->name, decls, opts.count, opts.values, &sink.options,
                             err) != SL_OK ||
        sl_catalog_create_sink(&sink, err) != SL_OK)
        return SL_ERROR;
    sl_sink_stats_reset(sink.name); /* a sink of an old name starts from zero */
    snprintf(tag, SL_TAG_MAX, "CREATE SINK");
    return SL_OK;
}

/* ---- ALTER SOURCE|SINK name SET (...) ---- */

/*
 * The stored options of object name in plain text, for the checks of the
 * merged set (*out, in cx); non-secret values as they are.  A secret that does not open (another key, a
 * changed byte) is an error only when it is kept: one the statement sets
 * again, or that a new destination clears, is read as "" and *unopened[i]
 * says so.
 */
static void open_stored(sl_mcxt *cx, const char *object, const char *name, const sl_option_decl *const *decls,
                        int n, const sl_option_value *stored, sl_option_value **out, bool **unopened)
{
    sl_error ignored;

    *out = sl_palloc(cx, sizeof(sl_option_value) * (size_t)(n + 1));
    *unopened = sl_palloc(cx, sizeof(bool) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        sl_option_value *one;

        (*unopened)[i] = false;
        if (sl_secret_store_open(cx, object, name, decls, 1, &stored[i], &one, &ignored) == SL_OK) {
            (*out)[i] = one[0];
        } else {
            (*out)[i].name = stored[i].name;
            (*out)[i].value = "";
            (*unopened)[i] = true;
        }
    }
}

/*
 * When given changes a destination option (a new value, not the stored
 * one), the stored secrets that given does not set again are left out of
 * *old (a copy in cx): they were meant for the old destination.  *cleared
 * lists them ('"token", "password"'), or is NULL; *changed names the
 * destination option.
 */
static void drop_secrets_on_new_destination(sl_mcxt *cx, const sl_option_decl *const *decls,
                                            const sl_options *given, int *nold, const sl_option_value **old,
                                            const char **changed, char **cleared)
{
    sl_option_value *kept;
    int n = 0;

    *changed = NULL;
    *cleared = NULL;
    for (int j = 0; j < given->count && *changed == NULL; j++) {
        const sl_option_decl *d = sl_options_find_decl(decls, given->values[j].name);
        const char *before = NULL;

        if (d == NULL || !d->destination)
            continue;
        for (int i = 0; i < *nold; i++)
            if (strcmp((*old)[i].name, d->name) == 0)
                before = (*old)[i].value;
        if (before == NULL || strcmp(before, given->values[j].value) != 0)
            *changed = d->name;
    }
    if (*changed == NULL)
        return;
    kept = sl_palloc(cx, sizeof(sl_option_value) * (size_t)(*nold + 1));
    for (int i = 0; i < *nold; i++) {
        const sl_option_decl *d = sl_options_find_decl(decls, (*old)[i].name);
        bool again = false;

        for (int j = 0; j < given->count; j++)
            again = again || strcmp(given->values[j].name, (*old)[i].name) == 0;
        if (d != NULL && d->secret && !again) {
            *cleared =
                sl_psprintf(cx, "%s%s\"%s\"", *cleared ? *cleared : "", *cleared ? ", " : "", (*old)[i].name);
            continue;
        }
        kept[n++] = (*old)[i];
    }
    *nold = n;
    *old = kept;
}

sl_status sl_exec_alter(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                        sl_error *err)
{
    const sl_AlterStmt *as = (const sl_AlterStmt *)raw->stmt;
    const sl_option_decl *decls[3];
    sl_status (*validate)(const sl_options *, sl_error *);
    sl_options given, merged;
    int nold, n, bad;
    bool bad_value;
    const sl_option_value *old;
    sl_option_value *plain_old, *stored;
    const sl_option_value *sealed_old;
    bool *unopened;
    int nstored;
    const char **names, **texts, *object = as->object == SL_OBJ_SOURCE ? "source" : "sink", *changed;
    char *what, *cleared;
    const char *kind_name = NULL; /* a sink's kind */

    if (as->object == SL_OBJ_SOURCE) {
        sl_cat_source *src;
        const sl_source_kind *kind;

        if (sl_catalog_get_source(ctx->stmt_cx, as->name, &src, err) != SL_OK)
            return SL_ERROR;
        if (src == NULL)
            return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, "source \"%s\" does not exist", as->name);
        if (sl_priv_check_owner(ctx, "source", as->name, src->owner, err) != SL_OK)
            return SL_ERROR;
        if ((kind = sl_source_kind_find(src->kind)) == NULL)
            return unknown_source_kind(ctx, src->kind, err);
        sl_exec_source_decls(kind, decls);
        validate = kind->validate;
        nold = src->noptions, old = src->options;
        what = sl_psprintf(ctx->stmt_cx, "source kind %s", kind->name);
    } else if (as->object == SL_OBJ_SINK) {
        sl_cat_sink *sink;
        const sl_sink_kind *kind;

        if (sl_catalog_get_sink(ctx->stmt_cx, as->name, &sink, err) != SL_OK)
            return SL_ERROR;
        if (sink == NULL)
            return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, "sink \"%s\" does not exist", as->name);
        if (sl_priv_check_owner(ctx, "sink", as->name, sink->owner, err) != SL_OK)
            return SL_ERROR;
        if ((kind = sl_sink_kind_find(sink->kind)) == NULL)
            return unknown_sink_kind(ctx, sink->kind, err);
        sl_exec_sink_decls(kind, decls);
        validate = kind->validate;
        nold = sink->noptions, old = sink->options;
        what = sl_psprintf(ctx->stmt_cx, "sink kind %s", kind->name);
        kind_name = kind->name;
    } else {
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "ALTER QUERY is not supported");
    }

    /* First the new options alone (so errors point into the statement),
     * then the merged set (required options, cross-option checks). */
    if (build_options(ctx, decls, what, as->options, false, &given, err) != SL_OK)
        return SL_ERROR;
    /* The stored secrets, opened for the checks of the merged options
     * (sealed again below, bound to this object). */
    open_stored(ctx->stmt_cx, object, as->name, decls, nold, old, &plain_old, &unopened);
    sealed_old = old;
    nstored = nold;
    old = plain_old;
    drop_secrets_on_new_destination(ctx->stmt_cx, decls, &given, &nold, &old, &changed, &cleared);
    /* A kept secret that did not open: its error (set it again to repair it). */
    for (int k = 0; k < nstored; k++) {
        bool kept = false, again = false;

        for (int i = 0; i < nold; i++)
            kept = kept || strcmp(old[i].name, sealed_old[k].name) == 0;
        for (int j = 0; j < given.count; j++)
            again = again || strcmp(given.values[j].name, sealed_old[k].name) == 0;
        if (unopened[k] && kept && !again)
            return sl_secret_store_open(ctx->stmt_cx, object, as->name, decls, 1, &sealed_old[k], &plain_old,
                                        err);
    }
    merge_options(ctx->stmt_cx, nold, old, &given, &n, &names, &texts);
    if (sl_options_build(decls, what, n, names, texts, true, ctx->stmt_cx, &merged, &bad, &bad_value, err) !=
        SL_OK)
        return SL_ERROR;
    if (validate != NULL && validate(&merged, err) != SL_OK)
        return SL_ERROR;
    if (check_reach(&merged, err) != SL_OK ||
        (kind_name != NULL && check_server_credentials(ctx, kind_name, &merged, err) != SL_OK) ||
        sl_secret_store_seal(ctx->stmt_cx, object, as->name, decls, merged.count, merged.values, &stored,
                             err) != SL_OK)
        return SL_ERROR;
    if (as->object == SL_OBJ_SOURCE) {
        if (sl_catalog_set_source_options(as->name, merged.count, stored, err) != SL_OK)
            return SL_ERROR;
        snprintf(tag, SL_TAG_MAX, "ALTER SOURCE");
    } else {
        if (sl_catalog_set_sink_options(as->name, merged.count, stored, err) != SL_OK)
            return SL_ERROR;
        snprintf(tag, SL_TAG_MAX, "ALTER SINK");
    }
    if (cleared != NULL)
        sl_exec_notice(dest, sl_psprintf(ctx->stmt_cx,
                                         "secret option%s %s of %s \"%s\" %s cleared because \"%s\" changed",
                                         strchr(cleared, ',') ? "s" : "", cleared, object, as->name,
                                         strchr(cleared, ',') ? "were" : "was", changed));
    return SL_OK;
}

/* ---- DROP SOURCE|SINK|QUERY [IF EXISTS] name ---- */

/* DROP SOURCE/SINK: the owner or a superuser (a missing object is DROP's to report). */
static sl_status check_drop_owner(sl_exec_ctx *ctx, bool source, const char *name, sl_error *err)
{
    sl_cat_source *src = NULL;
    sl_cat_sink *sink = NULL;

    if (ctx->superuser)
        return SL_OK;
    if (source ? sl_catalog_get_source(ctx->stmt_cx, name, &src, err) != SL_OK
               : sl_catalog_get_sink(ctx->stmt_cx, name, &sink, err) != SL_OK)
        return SL_ERROR;
    if (src == NULL && sink == NULL)
        return SL_OK;
    return sl_priv_check_owner(ctx, source ? "source" : "sink", name, source ? src->owner : sink->owner, err);
}

sl_status sl_exec_drop(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                       sl_error *err)
{
    const sl_DropStmt *ds = (const sl_DropStmt *)raw->stmt;
    const char *what;
    bool dropped;
    sl_status st;

    switch (ds->object) {
    case SL_OBJ_SOURCE:
        what = "source";
        st = check_drop_owner(ctx, true, ds->name, err);
        if (st == SL_OK)
            st = sl_catalog_drop_source(ds->name, &dropped, err);
        break;
    case SL_OBJ_SINK:
        what = "sink";
        st = check_drop_owner(ctx, false, ds->name, err);
        if (st == SL_OK)
            st = sl_catalog_drop_sink(ds->name, &dropped, err);
        if (st == SL_OK && dropped)
            sl_sink_stats_reset(ds->name);
        break;
    case SL_OBJ_QUERY:
    default:
        /* The worker stops (and is joined) before the catalog row goes. */
        what = "query";
        st = sl_exec_drop_query(ctx, ds->name, &dropped, err);
        break;
    }
    if (st != SL_OK)
        return SL_ERROR;
    if (!dropped) {
        if (!ds->if_exists)
            return sl_error_set(
                err, ds->object == SL_OBJ_QUERY ? SL_ERRCODE_UNDEFINED_OBJECT : SL_ERRCODE_UNDEFINED_TABLE,
                "%s \"%s\" does not exist", what, ds->name);
        sl_exec_notice(dest, sl_psprintf(ctx->stmt_cx, "%s \"%s\" does not exist, skipping", what, ds->name));
    }
    snprintf(tag, SL_TAG_MAX, "DROP %s",
             ds->object == SL_OBJ_SOURCE ? "SOURCE"
             : ds->object == SL_OBJ_SINK ? "SINK"
                                         : "QUERY");
    return SL_OK;
}
