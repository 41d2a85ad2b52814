/*
 * exec_role.c - CREATE/ALTER/DROP ROLE (and USER), SHOW ROLES.
 *
 * Only superusers manage roles; any role may change its own password (as
 * in PostgreSQL).  Passwords become SCRAM verifiers here, before anything
 * is stored or logged; a verifier given as the password (psql's \password
 * sends one) is stored as it is.
 *
 * GRANT and REVOKE (USAGE on a source or sink, by its owner; CREATE on the
 * server and role membership, by superusers) and SHOW GRANTS live here too,
 * beside the roles they name; the checks are server/commands/privileges.c's.
 *
 * Entry points: sl_exec_role, sl_exec_grant, sl_exec_show_roles,
 * sl_exec_show_grants (server/commands/exec_internal.h).
 */
#include <stdio.h>
#include <string.h>

#include "server/commands/exec_internal.h"
#include "server/commands/privileges.h"
#include "server/net/scram.h"
#include "sluice/errcodes.h"

/* Longest role name, as PostgreSQL's NAMEDATALEN - 1. */
#define SL_ROLE_NAME_MAX 63
/* Names the server keeps for its predefined roles. */
#define SL_ROLE_RESERVED_PREFIX "sluice_"

/* The attributes a statement sets; -1 = not given. */
typedef struct role_attrs {
    int superuser, login;
    bool password_given;
    const char *password; /* NULL: PASSWORD NULL */
} role_attrs;

static sl_status role_option_error(sl_exec_ctx *ctx, const sl_Option *o, sl_error *err, const char *fmt,
                                   const char *arg)
{
    sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, fmt, arg);
    err->position = sl_exec_position(ctx, SL_LOC(o));
    return SL_ERROR;
}

/* Reads LOGIN/NOLOGIN, SUPERUSER/NOSUPERUSER and PASSWORD 'x' | NULL. */
static sl_status role_read_attrs(sl_exec_ctx *ctx, const sl_RoleStmt *s, role_attrs *a, sl_error *err)
{
    static const struct {
        const char *word;
        int which; /* 0 superuser, 1 login */
        int value;
    } flags[] = {
        {"superuser", 0, 1},
        {"nosuperuser", 0, 0},
        {"login", 1, 1},
        {"nologin", 1, 0},
    };
    const sl_Option *o;

    a->superuser = a->login = -1;
    a->password_given = false;
    a->password = NULL;
    sl_list_foreach(o, s->options)
    {
        bool known = false;

        if (strcmp(o->name, "password") == 0) {
            if (o->value == NULL)
                return role_option_error(ctx, o, err, "%s needs a string or NULL", "PASSWORD");
            if (a->password_given)
                return role_option_error(ctx, o, err, "conflicting or redundant options%s", "");
            a->password_given = true;
            a->password = o->value->kind == SL_CONST_NULL ? NULL : o->value->text;
            continue;
        }
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
            int *slot = flags[i].which == 0 ? &a->superuser : &a->login;

            if (strcmp(o->name, flags[i].word) != 0)
                continue;
            if (o->value != NULL)
                return role_option_error(ctx, o, err, "role attribute \"%s\" takes no value", o->name);
            if (*slot != -1)
                return role_option_error(ctx, o, err, "conflicting or redundant options%s", "");
            *slot = flags[i].value;
            known = true;
        }
        if (!known) {
            role_option_error(ctx, o, err, "unrecognized role option \"%s\"", o->name);
            sl_error_hint(err, "Use LOGIN, NOLOGIN, SUPERUSER, NOSUPERUSER or PASSWORD 'secret' | NULL.");
            return SL_ERROR;
        }
    }
    return SL_OK;
}

/* The verifier to store for a PASSWORD clause (NULL to clear), or SL_ERROR. */
static sl_status role_verifier(sl_exec_ctx *ctx, sl_dest *dest, const char *password, const char **out,
                               sl_error *err)
{
    *out = NULL;
    if (password == NULL)
        return SL_OK;
    if (password[0] == '\0') {
        sl_exec_notice(dest, "empty string is not a valid password, clearing password");
        return SL_OK;
    }
    if (strncmp(password, SL_SCRAM_MECH "$", strlen(SL_SCRAM_MECH) + 1) == 0) {
        if (!sl_scram_verifier_valid(password))
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "invalid SCRAM-SHA-256 verifier");
        *out = sl_pstrdup(ctx->stmt_cx, password);
        return SL_OK;
    }
    if (strncmp(password, "md5", 3) == 0 && strlen(password) == 35) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "MD5 password hashes are not supported");
        sl_error_hint(err, "Give the password itself, or a SCRAM-SHA-256 verifier.");
        return SL_ERROR;
    }
    /* Clients normalise non-ASCII passwords (SASLprep) before hashing; the
     * server does not implement that normalisation, so such a password could
     * never match.  Refuse it rather than store one nobody can log in with. */
    for (const unsigned char *p = (const unsigned char *)password; *p; p++)
        if (*p >= 0x80) {
            sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, "passwords must be ASCII");
            sl_error_hint(err, "Use psql's \\password, which sends a SCRAM verifier it computed itself.");
            return SL_ERROR;
        }
    *out = sl_scram_make_verifier(ctx->stmt_cx, password, err);
    return *out != NULL ? SL_OK : SL_ERROR;
}

static sl_status role_denied(sl_error *err, const char *what)
{
    sl_error_set(err, SL_ERRCODE_INSUFFICIENT_PRIVILEGE, "permission denied to %s", what);
    sl_error_detail(err, "Only superusers may do that.");
    return SL_ERROR;
}

static sl_status role_create(sl_exec_ctx *ctx, const sl_RoleStmt *s, const role_attrs *a, sl_dest *dest,
                             sl_error *err)
{
    sl_cat_role r = {.name = s->name};

    if (!ctx->superuser)
        return role_denied(err, "create role");
    if (strlen(s->name) > SL_ROLE_NAME_MAX)
        return sl_error_set(err, SL_ERRCODE_NAME_TOO_LONG, "role name \"%s\" is too long (at most %d bytes)",
                            s->name, SL_ROLE_NAME_MAX);
    if (strncmp(s->name, SL_ROLE_RESERVED_PREFIX, strlen(SL_ROLE_RESERVED_PREFIX)) == 0) {
        sl_error_set(err, SL_ERRCODE_RESERVED_NAME, "role name \"%s\" is reserved", s->name);
        sl_error_detail(err, "Role names starting with \"%s\" are reserved.", SL_ROLE_RESERVED_PREFIX);
        return SL_ERROR;
    }
    r.superuser = a->superuser == 1;
    r.login = a->login == -1 ? s->is_user : a->login == 1;
    if (a->password_given && role_verifier(ctx, dest, a->password, &r.verifier, err) != SL_OK)
        return SL_ERROR;
    return sl_catalog_create_role(&r, err);
}

static sl_status role_alter(sl_exec_ctx *ctx, const sl_RoleStmt *s, const role_attrs *a, sl_dest *dest,
                            sl_error *err)
{
    sl_cat_role *r;
    bool self = strcmp(s->name, ctx->role) == 0;

    /* A role may change its own password, nothing else. */
    if (!ctx->superuser && !(self && a->superuser == -1 && a->login == -1))
        return role_denied(err, "alter role");
    if (sl_catalog_get_role(ctx->stmt_cx, s->name, &r, err) != SL_OK)
        return SL_ERROR;
    if (r == NULL)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "role \"%s\" does not exist", s->name);
    if (self && (a->superuser == 0 || a->login == 0))
        return sl_error_set(err, SL_ERRCODE_OBJECT_IN_USE,
                            "the current role cannot take away its own superuser or login");
    if (a->superuser != -1)
        r->superuser = a->superuser == 1;
    if (a->login != -1)
        r->login = a->login == 1;
    if (a->password_given && role_verifier(ctx, dest, a->password, &r->verifier, err) != SL_OK)
        return SL_ERROR;
    return sl_catalog_alter_role(r, err);
}

static sl_status role_drop(sl_exec_ctx *ctx, const sl_RoleStmt *s, sl_dest *dest, sl_error *err)
{
    bool dropped;

    if (!ctx->superuser)
        return role_denied(err, "drop role");
    if (strcmp(s->name, ctx->role) == 0)
        return sl_error_set(err, SL_ERRCODE_OBJECT_IN_USE, "current user cannot be dropped");
    if (sl_catalog_drop_role(s->name, &dropped, err) != SL_OK)
        return SL_ERROR;
    if (!dropped && !s->if_exists)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "role \"%s\" does not exist", s->name);
    if (!dropped) {
        char msg[128];
        snprintf(msg, sizeof(msg), "role \"%s\" does not exist, skipping", s->name);
        sl_exec_notice(dest, msg);
    }
    return SL_OK;
}

sl_status sl_exec_role(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                       sl_error *err)
{
    static const char *const verbs[] = {"CREATE", "ALTER", "DROP"};
    const sl_RoleStmt *s = (const sl_RoleStmt *)raw->stmt;
    role_attrs a;
    sl_status st;

    if (role_read_attrs(ctx, s, &a, err) != SL_OK)
        return SL_ERROR;
    switch (s->action) {
    case SL_ROLE_CREATE:
        st = role_create(ctx, s, &a, dest, err);
        break;
    case SL_ROLE_ALTER:
        st = role_alter(ctx, s, &a, dest, err);
        break;
    case SL_ROLE_DROP:
    default:
        st = role_drop(ctx, s, dest, err);
        break;
    }
    if (st != SL_OK)
        return SL_ERROR;
    snprintf(tag, SL_TAG_MAX, "%s ROLE", verbs[s->action]);
    return SL_OK;
}

/* ---- GRANT / REVOKE ---- */

static sl_status grant_object_owner(sl_exec_ctx *ctx, const sl_GrantStmt *s, sl_error *err)
{
    const char *what = s->target == SL_GRANT_SOURCE ? "source" : "sink";
    sl_cat_source *src = NULL;
    sl_cat_sink *sink = NULL;

    if (s->target == SL_GRANT_SOURCE ? sl_catalog_get_source(ctx->stmt_cx, s->object, &src, err) != SL_OK
                                     : sl_catalog_get_sink(ctx->stmt_cx, s->object, &sink, err) != SL_OK)
        return SL_ERROR;
    if (src == NULL && sink == NULL)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, "%s \"%s\" does not exist", what, s->object);
    return sl_priv_check_owner(ctx, what, s->object, src != NULL ? src->owner : sink->owner, err);
}

sl_status sl_exec_grant(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                        sl_error *err)
{
    static const char *const kinds[] = {"source", "sink", "server", "role"};
    const sl_GrantStmt *s = (const sl_GrantStmt *)raw->stmt;
    const char *privilege = s->privilege != NULL ? s->privilege : "member", *object = s->object;
    bool changed;
    sl_cat_role *role;

    (void)dest;
    switch (s->target) {
    case SL_GRANT_SOURCE:
    case SL_GRANT_SINK:
        if (strcmp(privilege, "usage") != 0)
            return sl_error_set(err, SL_ERRCODE_INVALID_GRANT_OPERATION, "invalid privilege type %s for %s",
                                privilege, kinds[s->target]);
        if (grant_object_owner(ctx, s, err) != SL_OK)
            return SL_ERROR;
        break;
    case SL_GRANT_SERVER:
        if (strcmp(s->object, "server") != 0) {
            sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, "syntax error at or near \"%s\"", s->object);
            sl_error_hint(err, "Grant on SOURCE name, SINK name or SERVER.");
            err->position = sl_exec_position(ctx, SL_LOC(s));
            return SL_ERROR;
        }
        if (strcmp(privilege, "create") != 0)
            return sl_error_set(err, SL_ERRCODE_INVALID_GRANT_OPERATION,
                                "invalid privilege type %s for server", privilege);
        if (!ctx->superuser)
            return role_denied(err, "grant on the server");
        object = "";
        break;
    case SL_GRANT_ROLE:
    default:
        if (!ctx->superuser)
            return role_denied(err, "grant roles");
        if (sl_catalog_get_role(ctx->stmt_cx, s->object, &role, err) != SL_OK)
            return SL_ERROR;
        if (role == NULL)
            return sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "role \"%s\" does not exist", s->object);
        if (strcmp(s->object, s->grantee) == 0)
            return sl_error_set(err, SL_ERRCODE_INVALID_GRANT_OPERATION,
                                "role \"%s\" is a member of role \"%s\"", s->grantee, s->object);
        break;
    }
    if (sl_catalog_grant(kinds[s->target], object, s->grantee, privilege, s->revoke, &changed, err) != SL_OK)
        return SL_ERROR;
    snprintf(tag, SL_TAG_MAX, "%s", s->revoke ? "REVOKE" : "GRANT");
    return SL_OK;
}

sl_status sl_exec_show_grants(sl_exec_ctx *ctx, sl_dest *dest, sl_error *err)
{
    static const sl_column_desc cols[] = {
        {"kind", SL_OID_TEXT}, {"object", SL_OID_TEXT}, {"grantee", SL_OID_TEXT}, {"privilege", SL_OID_TEXT}};
    sl_list *list;
    sl_cat_grant *g;

    if (sl_catalog_list_grants(ctx->stmt_cx, &list, err) != SL_OK || dest->start(dest, 4, cols, err) != SL_OK)
        return SL_ERROR;
    sl_list_foreach(g, list)
    {
        const char *values[4] = {g->kind, g->object[0] != '\0' ? g->object : NULL, g->grantee, g->privilege};
        if (dest->row(dest, values, err) != SL_OK)
            return SL_ERROR;
    }
    return SL_OK;
}

sl_status sl_exec_show_roles(sl_exec_ctx *ctx, sl_dest *dest, sl_error *err)
{
    static const sl_column_desc cols[] = {
        {"name", SL_OID_TEXT},     {"superuser", SL_OID_BOOL}, {"login", SL_OID_BOOL},
        {"password", SL_OID_TEXT}, {"created", SL_OID_TEXT},
    };
    sl_list *list;
    sl_cat_role *r;

    if (sl_catalog_list_roles(ctx->stmt_cx, &list, err) != SL_OK || dest->start(dest, 5, cols, err) != SL_OK)
        return SL_ERROR;
    sl_list_foreach(r, list)
    {
        /* Never the verifier: it is what an offline guesser would need. */
        const char *values[5] = {r->name, r->superuser ? "t" : "f", r->login ? "t" : "f",
                                 r->verifier != NULL ? "scram-sha-256" : NULL, r->created};
        if (dest->row(dest, values, err) != SL_OK)
            return SL_ERROR;
    }
    return SL_OK;
}
