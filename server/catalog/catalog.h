/*
 * catalog.h - the persistent catalog: sources, sinks, queries, settings.
 *
 * One SQLite file, DATADIR/catalog.db, in WAL mode, opened once per process
 * (sl_catalog_open) and shared by every session thread: each call below
 * takes the catalog's lock and runs in one SQLite transaction, so a DDL
 * statement is all or nothing and sessions never see half of one.
 *
 * The catalog stores what it is given; checking options against a
 * connector kind is exec's job (server/commands/exec_ddl.c).  It does keep references
 * intact: a source or sink used by a query, or a sink named as a source's
 * dead_letter, cannot be dropped.
 *
 * Results are allocated in the caller's context; the catalog keeps no
 * pointers to them.
 */
#ifndef SLUICE_CATALOG_H
#define SLUICE_CATALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/connector.h"
#include "sluice/error.h"
#include "sluice/list.h"
#include "sluice/mcxt.h"

/* The schema version this build writes; see the migrations in server/catalog/catalog.c. */
#define SL_CATALOG_SCHEMA_VERSION 6

typedef struct sl_cat_column {
    const char *name;
    const char *type; /* normalised: boolean, bigint, double, text, timestamp, interval */
} sl_cat_column;

typedef struct sl_cat_source {
    const char *name;
    const char *kind;
    int ncolumns; /* 0 when no columns were declared */
    sl_cat_column *columns;
    int noptions;
    sl_option_value *options; /* normalised, in the order given */
    const char *event_time;   /* NULL when absent */
    bool has_watermark;
    int64_t watermark_us;
    const char *created; /* UTC, 'YYYY-MM-DD HH:MM:SS' */
    int64_t max_count;   /* create: max_sources, 54000 when that many exist (0: no limit) */
    const char *owner;   /* the role that created it; NULL: from before roles (superusers only) */
} sl_cat_source;

typedef struct sl_cat_sink {
    const char *name;
    const char *kind;
    int noptions;
    sl_option_value *options;
    const char *created;
    int64_t max_count; /* create: max_sinks, 54000 when that many exist (0: no limit) */
    const char *owner;
} sl_cat_sink;

typedef struct sl_cat_query {
    const char *name;
    const char *sql;
    const char *state; /* running, paused, failed, ... (the engine's words) */
    const char *source;
    const char *sink; /* NULL for a query without INTO */
    const char *created;
    const char *owner;
} sl_cat_query;

/*
 * Opens DATADIR/catalog.db, creating it when missing and migrating an older
 * schema.  Refuses (XX001), without writing to it, a file that is not a
 * SQLite database, one that fails PRAGMA quick_check, one that belongs to
 * another application, and one written by a newer sluice.  Call once
 * before the sessions start.
 */
sl_status sl_catalog_open(const char *datadir, sl_error *err);
/* Closes the catalog (checkpointing the WAL); a no-op when not open. */
void sl_catalog_close(void);

/* Sources.  create: 42710 when the name is taken, 42P01 when the
 * dead_letter option names a sink that does not exist. */
sl_status sl_catalog_create_source(const sl_cat_source *src, sl_error *err);
/* *out = the source, or NULL when there is none of that name. */
sl_status sl_catalog_get_source(sl_mcxt *cx, const char *name, sl_cat_source **out, sl_error *err);
/* Every source (sl_cat_source *), ordered by name. */
sl_status sl_catalog_list_sources(sl_mcxt *cx, sl_list **out, sl_error *err);
/* Replaces the options (42P01 when the source does not exist). */
sl_status sl_catalog_set_source_options(const char *name, int noptions, const sl_option_value *options,
                                        sl_error *err);
/* *dropped = false when there is none of that name; 2BP01 when a query reads it. */
sl_status sl_catalog_drop_source(const char *name, bool *dropped, sl_error *err);

/* Sinks, likewise; dropping one that a query writes to or a source names
 * as its dead_letter is refused (2BP01). */
sl_status sl_catalog_create_sink(const sl_cat_sink *sink, sl_error *err);
sl_status sl_catalog_get_sink(sl_mcxt *cx, const char *name, sl_cat_sink **out, sl_error *err);
sl_status sl_catalog_list_sinks(sl_mcxt *cx, sl_list **out, sl_error *err);
sl_status sl_catalog_set_sink_options(const char *name, int noptions, const sl_option_value *options,
                                      sl_error *err);
sl_status sl_catalog_drop_sink(const char *name, bool *dropped, sl_error *err);

/* Queries (kept so that they start again with the server).  create: 42710
 * when the name is taken, 42P01 when its source or sink is missing. */
sl_status sl_catalog_create_query(const sl_cat_query *q, sl_error *err);
sl_status sl_catalog_get_query(sl_mcxt *cx, const char *name, sl_cat_query **out, sl_error *err);
sl_status sl_catalog_list_queries(sl_mcxt *cx, sl_list **out, sl_error *err);
sl_status sl_catalog_set_query_state(const char *name, const char *state, sl_error *err);
sl_status sl_catalog_drop_query(const char *name, bool *dropped, sl_error *err);

/*
 * Checkpoints of continuous queries (server/engine/runtime.c takes them, include/sluice/checkpoint.h
 * describes the blobs): one row per query, replaced by each new one in one
 * transaction, deleted with the query (DROP QUERY).  save: *saved = false
 * (and nothing written) when the query is no longer in the catalog.
 */
typedef struct sl_cat_checkpoint {
    const char *query;
    int64_t seq;          /* 1, 2, ... per query */
    const char *taken;    /* UTC, 'YYYY-MM-DD HH:MM:SS.SSS' (set by the catalog on save) */
    const char *position; /* the source's position() blob; NULL/0: none */
    size_t position_len;
    const char *state; /* the window operator's state; NULL/0: none */
    size_t state_len;
    /* save: state is a delta of the window state (server/engine/window.h):
     * the row keeps its state and the delta is added after the others; a
     * whole state (delta false) deletes them. */
    bool delta;
    /* get: the deltas saved since the row's whole state, in order (seq,
     * taken and position are then the last delta's). */
    int ndeltas;
    const char **deltas;
    size_t *delta_lens;
} sl_cat_checkpoint;

sl_status sl_catalog_save_checkpoint(const sl_cat_checkpoint *c, bool *saved, sl_error *err);
/* *out = the query's checkpoint (blobs copied into cx), or NULL when it has none. */
sl_status sl_catalog_get_checkpoint(sl_mcxt *cx, const char *query, sl_cat_checkpoint **out, sl_error *err);

/*
 * Roles (issue 12): who may log in, and as what.  verifier is a SCRAM
 * verifier (server/net/scram.h) or NULL: a role without one cannot log in
 * with a password.  create: 42710 when taken; alter (every field
 * replaced): 42704 when missing.
 */
typedef struct sl_cat_role {
    const char *name;
    bool superuser;
    bool login;
    const char *verifier;
    const char *created;
} sl_cat_role;

sl_status sl_catalog_create_role(const sl_cat_role *r, sl_error *err);
sl_status sl_catalog_alter_role(const sl_cat_role *r, sl_error *err);
/* *out = the role, or NULL when there is none of that name. */
sl_status sl_catalog_get_role(sl_mcxt *cx, const char *name, sl_cat_role **out, sl_error *err);
/* Every role (sl_cat_role *), ordered by name. */
sl_status sl_catalog_list_roles(sl_mcxt *cx, sl_list **out, sl_error *err);
/* 2BP01 while the role owns a source, sink or query. */
sl_status sl_catalog_drop_role(const char *name, bool *dropped, sl_error *err);
/* Creates a role that cannot log in unless one of that name exists (the predefined roles). */
sl_status sl_catalog_ensure_role(const char *name, sl_error *err);

/*
 * Privileges (issue 12): kind "source" or "sink" with privilege "usage" on
 * the object of that name, kind "server" with "create" (object ""), kind
 * "role" with "member" (membership of the role named object).  grant:
 * 42704 when the grantee does not exist; *changed = false when it was
 * already so.  Grants go with their grantee (DROP ROLE).
 */
typedef struct sl_cat_grant {
    const char *kind, *object, *grantee, *privilege;
} sl_cat_grant;
sl_status sl_catalog_grant(const char *kind, const char *object, const char *grantee, const char *privilege,
                           bool revoke, bool *changed, sl_error *err);
sl_status sl_catalog_has_grant(const char *kind, const char *object, const char *grantee,
                               const char *privilege, bool *has, sl_error *err);
sl_status sl_catalog_list_grants(sl_mcxt *cx, sl_list **out, sl_error *err);

/* When no superuser that can log in exists (a new or older catalog), makes
 * name one, as initdb does for the OS user that runs it. */
sl_status sl_catalog_bootstrap_role(const char *name, bool *created, sl_error *err);

/*
 * Extensions (issue 16): the ones CREATE EXTENSION loaded, loaded again at
 * start.  create: 42710 when one of that name is kept; drop: *dropped false
 * when there was none.
 */
typedef struct sl_cat_extension {
    const char *name;
    const char *version;
    const char *created;
} sl_cat_extension;

sl_status sl_catalog_create_extension(const sl_cat_extension *e, sl_error *err);
/* Every extension (sl_cat_extension *), ordered by name. */
sl_status sl_catalog_list_extensions(sl_mcxt *cx, sl_list **out, sl_error *err);
sl_status sl_catalog_drop_extension(const char *name, bool *dropped, sl_error *err);

/* Persistent server-wide key/value settings (*value = NULL when unset). */
sl_status sl_catalog_get_setting(sl_mcxt *cx, const char *name, const char **value, sl_error *err);
sl_status sl_catalog_set_setting(const char *name, const char *value, sl_error *err);

/*
 * Rewrites options in one write transaction (sealing secrets, rotating
 * their key: server/catalog/secret_store.c): fn is called for every source
 * and sink (object = "source" or "sink") with its options; when it sets
 * *out (n pairs, in cx) they replace the stored ones.  An error from fn
 * rolls everything back.  *changed counts the rewritten objects.  When
 * it is not 0 the file is then vacuumed and the WAL checkpointed and
 * truncated, so that no copy of what was replaced stays on disk.
 */
typedef sl_status (*sl_catalog_options_fn)(void *arg, sl_mcxt *cx, const char *object, const char *name,
                                           const char *kind, int n, const sl_option_value *opts, int *nout,
                                           sl_option_value **out, sl_error *err);
sl_status sl_catalog_rewrite_options(sl_catalog_options_fn fn, void *arg, int *changed, sl_error *err);

#endif
