/*
 * privileges.h - who may do what (issue 12), checked by the statements.
 *
 * Superusers may do everything.  Any other role:
 *   - creates sources and sinks only with CREATE on the server
 *     (GRANT CREATE ON SERVER TO role), and only of kinds its predefined
 *     roles allow: one that reads server files needs sluice_read_server_files,
 *     one that writes them sluice_write_server_files, a kind that reaches
 *     other hosts sluice_network (from the options' sl_option_decl.reach);
 *   - alters and drops only what it owns; uses in a query only the sources
 *     and sinks it owns or was granted USAGE on; pauses, resumes and drops
 *     only its own queries.
 * Objects made before roles existed (no owner) are the superusers' alone.
 *
 * Entry points: sl_priv_check_create, sl_priv_check_owner, sl_priv_check_usage,
 * sl_priv_is_member, sl_priv_create_predefined.
 */
#ifndef SLUICE_PRIVILEGES_H
#define SLUICE_PRIVILEGES_H

#include "server/commands/exec.h"
#include "sluice/connector.h"

#define SL_ROLE_READ_SERVER_FILES  "sluice_read_server_files"
#define SL_ROLE_WRITE_SERVER_FILES "sluice_write_server_files"
#define SL_ROLE_NETWORK            "sluice_network"
/* May read /metrics and the dashboard over HTTP (server/http/), change nothing. */
#define SL_ROLE_MONITOR "sluice_monitor"

/* CREATE SOURCE/SINK (what: "source" or "sink") of a kind with these option declarations and options. */
sl_status sl_priv_check_create(const sl_exec_ctx *ctx, const char *what, const char *kind,
                               const sl_option_decl *const *decls, const sl_options *opts, sl_error *err);
/* ALTER, DROP, PAUSE, RESUME: 42501 unless superuser or owner. */
sl_status sl_priv_check_owner(const sl_exec_ctx *ctx, const char *what, const char *name, const char *owner,
                              sl_error *err);
/* A query reads the source or writes the sink: owner, superuser or USAGE. */
sl_status sl_priv_check_usage(const sl_exec_ctx *ctx, const char *what, const char *name, const char *owner,
                              sl_error *err);
/* True when the session's role is a superuser or a member of role. */
sl_status sl_priv_is_member(const sl_exec_ctx *ctx, const char *role, bool *member, sl_error *err);
/* Makes the predefined roles when missing (at start). */
sl_status sl_priv_create_predefined(sl_error *err);

#endif
