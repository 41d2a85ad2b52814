/*
 * exec_internal.h - what exec.c, server/commands/exec_ddl.c and server/commands/exec_show.c share.
 *
 * exec.c dispatches a statement by its node tag to one handler per
 * statement family; every handler has the shape of sl_exec_handler.
 */
#ifndef SLUICE_EXEC_INTERNAL_H
#define SLUICE_EXEC_INTERNAL_H

#include "server/catalog/catalog.h"
#include "server/commands/exec.h"
#include "server/connectors/registry.h"

typedef sl_status (*sl_exec_handler)(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest,
                                     char tag[SL_TAG_MAX], sl_error *err);

/* server/commands/exec_ddl.c: CREATE SOURCE/SINK, ALTER SOURCE/SINK, DROP SOURCE/SINK/QUERY. */
sl_status sl_exec_create_source(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                                sl_error *err);
sl_status sl_exec_create_sink(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                              sl_error *err);
sl_status sl_exec_alter(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                        sl_error *err);
sl_status sl_exec_drop(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                       sl_error *err);

/* server/commands/exec_show.c: SHOW, SET, DESCRIBE, RESET, DISCARD, LISTEN, UNLISTEN, CLOSE. */
sl_status sl_exec_show(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                       sl_error *err);
sl_status sl_exec_set(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                      sl_error *err);
/* RESET, DISCARD, LISTEN (0A000), UNLISTEN (a no-op), CLOSE (cursors: none yet). */
sl_status sl_exec_session(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                          sl_error *err);
sl_status sl_exec_describe(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                           sl_error *err);
/* exec_constant.c: a SELECT without FROM whose targets are constants or version(); returns
 * SL_RETRY (err untouched) when the statement is not one. */
sl_status sl_exec_select_constant(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest,
                                  char tag[SL_TAG_MAX], sl_error *err);

/* server/commands/exec_query.c: SELECT (continuous, push, wait_query()), CREATE QUERY,
 * PAUSE/RESUME QUERY, EXPLAIN, and the query parts of DROP and SHOW. */
sl_status sl_exec_select(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                         sl_error *err);
sl_status sl_exec_create_query(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                               sl_error *err);
sl_status sl_exec_query_control(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                                sl_error *err);
sl_status sl_exec_explain(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                          sl_error *err);
/* Stops the query's worker and removes it from the catalog. */
sl_status sl_exec_drop_query(sl_exec_ctx *ctx, const char *name, bool *dropped, sl_error *err);
/* SHOW QUERIES' rows (start included). */
sl_status sl_exec_show_queries(sl_exec_ctx *ctx, sl_dest *dest, sl_error *err);

/* server/commands/exec_role.c: CREATE/ALTER/DROP ROLE and USER, SHOW ROLES. */
sl_status sl_exec_role(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                       sl_error *err);
sl_status sl_exec_show_roles(sl_exec_ctx *ctx, sl_dest *dest, sl_error *err);
sl_status sl_exec_grant(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                        sl_error *err);
sl_status sl_exec_show_grants(sl_exec_ctx *ctx, sl_dest *dest, sl_error *err);

/* server/commands/exec_extension.c: CREATE/DROP EXTENSION, SHOW EXTENSIONS. */
sl_status sl_exec_extension(sl_exec_ctx *ctx, const sl_raw_stmt *raw, sl_dest *dest, char tag[SL_TAG_MAX],
                            sl_error *err);
sl_status sl_exec_show_extensions(sl_exec_ctx *ctx, sl_dest *dest, sl_error *err);

/* exec_util.c: helpers the handlers share. */

/* 1-based character position of byte offset loc in the query text (node
 * locations are offsets into the whole query string); 0 when unknown. */
int sl_exec_position(const sl_exec_ctx *ctx, int loc);

/* Sends a NoticeResponse when the destination takes notices. */
void sl_exec_notice(sl_dest *dest, const char *message);

/* The option tables a source or sink kind is checked against, NULL-terminated
 * (the kind's own, then the framework's); decls must have room for 3. */
void sl_exec_source_decls(const sl_source_kind *kind, const sl_option_decl *decls[3]);
void sl_exec_sink_decls(const sl_sink_kind *kind, const sl_option_decl *decls[3]);

/* An option's value as SHOW and DESCRIBE print it: ******** for a secret
 * (and for every option when decls is NULL: the kind is not loaded, so
 * which are secret is unknown), a URL's userinfo masked; in cx. */
const char *sl_exec_option_shown(sl_mcxt *cx, const sl_option_decl *const *decls, const char *name,
                                 const char *value);

/* "name = 'value', ..." with the values as sl_exec_option_shown prints them. */
char *sl_exec_options_text(sl_mcxt *cx, const sl_option_decl *const *decls, int n,
                           const sl_option_value *opts);

/* Quotes s as a SQL string literal ('it''s'), in cx. */
char *sl_exec_quote_literal(sl_mcxt *cx, const char *s);

#endif
