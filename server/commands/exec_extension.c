/*
 * exec_extension.c - CREATE EXTENSION, DROP EXTENSION, SHOW EXTENSIONS.
 *
 * Loading itself is server/extensions/loader.c's; this file checks who
 * asks (superusers only), keeps the catalog's list of extensions in step
 * with what is loaded, and refuses a DROP while a source or sink uses a
 * kind the extension added.  DROP ... CASCADE is refused (0A000): dropping
 * the sources and sinks, and the queries that read and write them, is not
 * done yet.
 *
 * Entry points: sl_exec_extension, sl_exec_show_extensions
 * (server/commands/exec_internal.h).
 */
#include <stdio.h>
#include <strings.h>

#include "server/commands/exec_internal.h"
#include "server/extensions/loader.h"
#include "sluice/errcodes.h"

static sl_status ext_denied(sl_error *err, const char *what)
{
    sl_error_set(err, SL_ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied to %s extension", what);
    sl_error_detail(err, "Only superusers may do that: an extension runs code inside the server.");
    return SL_ERROR;
}

static sl_status ext_create(sl_exec_ctx *ctx, const sl_ExtensionStmt *s, sl_error *err)
{
    sl_cat_extension c = {.name = s->name};
    sl_status st;

    sl_extension_lock();
    st = sl_extension_load(s->name, s->version, ctx->stmt_cx, &c.version, err);
    if (st == SL_OK && sl_catalog_create_extension(&c, err) != SL_OK) {
        sl_extension_forget(s->name); /* not kept: not loaded either */
        st = SL_ERROR;
    }
    sl_extension_unlock();
    return st;
}

/* The first source or sink whose kind is one of kinds, as "source \"x\" (kind k)"; NULL when none. */
static sl_status ext_user(sl_exec_ctx *ctx, const char **sources, const char **sinks, const char **user,
                          sl_error *err)
{
    sl_list *list;
    sl_cat_source *src;
    sl_cat_sink *snk;

    *user = NULL;
    if (sources[0] != NULL) {
        if (sl_catalog_list_sources(ctx->stmt_cx, &list, err) != SL_OK)
            return SL_ERROR;
        sl_list_foreach(src, list) for (int i = 0; sources[i] != NULL && *user == NULL;
                                        i++) if (strcasecmp(src->kind, sources[i]) == 0) *user =
            sl_psprintf(ctx->stmt_cx, "source \"%s\" uses source kind %s", src->name, sources[i]);
    }
    if (*user == NULL && sinks[0] != NULL) {
        if (sl_catalog_list_sinks(ctx->stmt_cx, &list, err) != SL_OK)
            return SL_ERROR;
        sl_list_foreach(snk, list) for (int i = 0; sinks[i] != NULL && *user == NULL;
                                        i++) if (strcasecmp(snk->kind, sinks[i]) == 0) *user =
            sl_psprintf(ctx->stmt_cx, "sink \"%s\" uses sink kind %s", snk->name, sinks[i]);
    }
    return SL_OK;
}

static sl_status ext_drop(sl_exec_ctx *ctx, const sl_ExtensionStmt *s, sl_dest *dest, sl_error *err)
{
    const char **sources, **sinks, *user;
    bool dropped = false;
    sl_status st = SL_OK;

    if (s->cascade) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "DROP EXTENSION ... CASCADE is not supported");
        sl_error_hint(err, "Drop the sources and sinks that use the extension's kinds first.");
        return SL_ERROR;
    }
    sl_extension_lock();
    if (!sl_extension_exists(s->name)) {
        sl_extension_unlock();
        if (!s->if_exists)
            return sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "extension \"%s\" does not exist", s->name);
        sl_exec_notice(dest, sl_psprintf(ctx->stmt_cx, "extension \"%s\" does not exist, skipping", s->name));
        return SL_OK;
    }
    sl_extension_kinds(s->name, ctx->stmt_cx, &sources, &sinks);
    st = ext_user(ctx, sources, sinks, &user, err);
    if (st == SL_OK && user != NULL) {
        sl_error_set(err, SL_ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                     "cannot drop extension %s because other objects depend on it", s->name);
        sl_error_detail(err, "%s.", user);
        sl_error_hint(err, "Drop those objects first (DROP EXTENSION ... CASCADE is not supported yet).");
        st = SL_ERROR;
    }
    if (st == SL_OK)
        st = sl_catalog_drop_extension(s->name, &dropped, err);
    if (st == SL_OK)
        sl_extension_forget(s->name);
    sl_extension_unlock();
    return st;
}

sl_status sl_exec_extension(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                            sl_error *err)
{
    const sl_ExtensionStmt *s = (const sl_ExtensionStmt *)raw->stmt;

    if (!ctx->superuser)
        return ext_denied(err, s->drop ? "drop" : "create");
    if (sl_extension_check_name(s->name, err) != SL_OK) {
        err->position = sl_exec_position(ctx, SL_LOC(s));
        return SL_ERROR;
    }
    if ((s->drop ? ext_drop(ctx, s, dest, err) : ext_create(ctx, s, err)) != SL_OK)
        return SL_ERROR;
    snprintf(tag, SL_TAG_MAX, "%s EXTENSION", s->drop ? "DROP" : "CREATE");
    return SL_OK;
}

sl_status sl_exec_show_extensions(sl_exec_ctx *ctx, sl_dest *dest, sl_error *err)
{
    static const sl_column_desc cols[] = {
        {"name", SL_OID_TEXT}, {"version", SL_OID_TEXT},     {"state", SL_OID_TEXT},
        {"adds", SL_OID_TEXT}, {"description", SL_OID_TEXT}, {"error", SL_OID_TEXT},
    };
    sl_list *list = sl_extension_list(ctx->stmt_cx);
    sl_extension_row *r;

    if (dest->start(dest, 6, cols, err) != SL_OK)
        return SL_ERROR;
    sl_list_foreach(r, list)
    {
        const char *values[6] = {r->name, r->version, r->state, r->adds, r->description, r->error};
        if (dest->row(dest, values, err) != SL_OK)
            return SL_ERROR;
    }
    return SL_OK;
}
