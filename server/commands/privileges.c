/*
 * privileges.c - the privilege checks of the statements (see server/commands/privileges.h).
 */
#include "server/commands/privileges.h"

#include <string.h>

#include "server/catalog/catalog.h"
#include "sluice/errcodes.h"

sl_status sl_priv_create_predefined(sl_error *err)
{
    static const char *const predefined[] = {SL_ROLE_READ_SERVER_FILES, SL_ROLE_WRITE_SERVER_FILES,
                                             SL_ROLE_NETWORK, SL_ROLE_MONITOR};

    for (size_t i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++)
        if (sl_catalog_ensure_role(predefined[i], err) != SL_OK)
            return SL_ERROR;
    return SL_OK;
}

sl_status sl_priv_is_member(const sl_exec_ctx *ctx, const char *role, bool *member, sl_error *err)
{
    *member = true;
    if (ctx->superuser || strcmp(ctx->role, role) == 0)
        return SL_OK;
    return sl_catalog_has_grant("role", role, ctx->role, "member", member, err);
}

static sl_status priv_denied(sl_error *err, const char *fmt, const char *a, const char *b)
{
    return sl_error_set(err, SL_ERRCODE_INSUFFICIENT_PRIVILEGE, fmt, a, b);
}

/* The declaration of option name, or NULL. */
static const sl_option_decl *priv_decl(const sl_option_decl *const *decls, const char *name)
{
    for (int t = 0; decls[t] != NULL; t++)
        for (const sl_option_decl *d = decls[t]; d->name != NULL; d++)
            if (strcmp(d->name, name) == 0)
                return d;
    return NULL;
}

/*
 * What an object reaches: other hosts when its kind declares an option that
 * names them (a kind's connections are its job, given or defaulted: a
 * DYNAMODB sink without endpoint still calls AWS); server files when an
 * option given names one (a Kafka source may name a certificate file, most
 * do not).
 */
static void priv_reach(const sl_option_decl *const *decls, const sl_options *opts, bool *reads, bool *writes,
                       bool *network)
{
    *reads = *writes = *network = false;
    for (int t = 0; decls[t] != NULL; t++)
        for (const sl_option_decl *d = decls[t]; d->name != NULL; d++)
            if (d->reach == SL_REACH_URL || d->reach == SL_REACH_HOSTS ||
                d->reach == SL_REACH_KAFKA_PROPERTIES)
                *network = true;
    for (int i = 0; i < opts->count; i++) {
        const sl_option_decl *d = priv_decl(decls, opts->values[i].name);
        const char *v = opts->values[i].value;

        if (d == NULL || v == NULL || v[0] == '\0')
            continue;
        if (d->reach == SL_REACH_FILE_READ ||
            (d->reach == SL_REACH_FILE_OR_TEXT && v[0] != '{' && v[0] != '"'))
            *reads = true;
        else if (d->reach == SL_REACH_FILE_WRITE || d->reach == SL_REACH_DIR_WRITE)
            *writes = true;
    }
}

sl_status sl_priv_check_create(const sl_exec_ctx *ctx, const char *what, const char *kind,
                               const sl_option_decl *const *decls, const sl_options *opts, sl_error *err)
{
    static const struct {
        const char *role, *does;
    } needs[] = {
        {SL_ROLE_READ_SERVER_FILES, "reads server files"},
        {SL_ROLE_WRITE_SERVER_FILES, "writes server files"},
        {SL_ROLE_NETWORK, "connects to other hosts"},
    };
    bool has, need[3];

    if (ctx->superuser)
        return SL_OK;
    if (sl_catalog_has_grant("server", "", ctx->role, "create", &has, err) != SL_OK)
        return SL_ERROR;
    if (!has) {
        priv_denied(err, "permission denied to create %s%s", what, "s");
        sl_error_hint(err, "A superuser can allow it: GRANT CREATE ON SERVER TO %s.", ctx->role);
        return SL_ERROR;
    }
    priv_reach(decls, opts, &need[0], &need[1], &need[2]);
    for (int i = 0; i < 3; i++) {
        if (!need[i])
            continue;
        if (sl_priv_is_member(ctx, needs[i].role, &has, err) != SL_OK)
            return SL_ERROR;
        if (!has) {
            sl_error_set(err, SL_ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied to create %s of kind %s",
                         what, kind);
            sl_error_detail(err, "A %s %s %s: only superusers and members of %s may create one.", kind, what,
                            needs[i].does, needs[i].role);
            sl_error_hint(err, "A superuser can allow it: GRANT %s TO %s.", needs[i].role, ctx->role);
            return SL_ERROR;
        }
    }
    return SL_OK;
}

sl_status sl_priv_check_owner(const sl_exec_ctx *ctx, const char *what, const char *name, const char *owner,
                              sl_error *err)
{
    if (ctx->superuser || (owner != NULL && strcmp(owner, ctx->role) == 0))
        return SL_OK;
    return priv_denied(err, "must be owner of %s \"%s\"", what, name);
}

sl_status sl_priv_check_usage(const sl_exec_ctx *ctx, const char *what, const char *name, const char *owner,
                              sl_error *err)
{
    bool has;

    if (ctx->superuser || (owner != NULL && strcmp(owner, ctx->role) == 0))
        return SL_OK;
    if (sl_catalog_has_grant(what, name, ctx->role, "usage", &has, err) != SL_OK)
        return SL_ERROR;
    if (has)
        return SL_OK;
    priv_denied(err, "permission denied for %s \"%s\"", what, name);
    sl_error_hint(err, "Its owner can allow it: GRANT USAGE ON %s %s TO %s.",
                  strcmp(what, "source") == 0 ? "SOURCE" : "SINK", name, ctx->role);
    return SL_ERROR;
}
