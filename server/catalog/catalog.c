/*
 * catalog.c - the catalog in SQLite (see server/catalog/catalog.h).
 *
 * Owns DATADIR/catalog.db: opening and checking it, the schema and its
 * migrations, and the rows of sources, sinks, queries and settings.
 *
 * One connection for the whole server, guarded by one mutex: catalog
 * traffic is DDL and SHOW, a few statements per second at most, so a
 * connection per thread would buy nothing but more ways to hit
 * SQLITE_BUSY.  Every entry point takes the mutex, runs its statements in
 * one transaction (BEGIN IMMEDIATE for writes, so a check and the write it
 * guards cannot interleave with another writer) and releases it.
 *
 * Schema versions: PRAGMA user_version holds the version of the schema in
 * the file; migrations[v] takes a file from version v to v+1, each in its
 * own transaction.  A file from a newer build is refused, never
 * "repaired": an older server must not destroy what it cannot read.
 *
 * Columns and options are stored as JSON text (written here, read back
 * with SQLite's json_each) so that `sqlite3 catalog.db` shows something a
 * person can read.
 *
 * Checkpoints (schema 2) are one row per query with two BLOBs, replaced
 * in one transaction and deleted with the query by ON DELETE CASCADE.
 *
 * Space (catalog_space_setup, catalog_reclaim): window state makes large
 * blobs, so the file must give space back.  A new catalog is created with
 * auto_vacuum = INCREMENTAL; an old one without it is converted by one
 * VACUUM at start when its live data is small (CATALOG_VACUUM_MAX bytes),
 * else a notice says how to do it offline.  DROP QUERY (and start) run
 * incremental_vacuum, which hands the freed pages back to the file
 * system, and a wal_checkpoint(TRUNCATE); so does a checkpoint write over
 * CATALOG_BIG_WRITE bytes, and journal_size_limit caps what the WAL keeps
 * between checkpoints.  secure_delete = FAST (Debian builds SQLite with
 * it on): deleted rows are still zeroed in their pages, but the overflow
 * pages of a replaced checkpoint are not written a second time as zeros.
 * A checkpoint still rewrites its whole window state: the WAL briefly
 * holds one copy of it.
 *
 * Entry points: sl_catalog_open, sl_catalog_close, sl_catalog_*_source,
 * sl_catalog_*_sink, sl_catalog_*_query, sl_catalog_*_checkpoint,
 * sl_catalog_*_setting, sl_catalog_rewrite_options, sl_catalog_*_extension(s).
 */
#include "server/catalog/catalog.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sluice/buf.h"
#include "sluice/log.h"
#include "sluice/errcodes.h"

/* 'Slce': marks the file as ours, so that another program's SQLite
 * database in the data directory is not mistaken for an empty catalog. */
#define SL_CATALOG_APPLICATION_ID 0x536c6365

/* An old catalog without incremental auto_vacuum is VACUUMed at start when
 * it holds less live data than this (a VACUUM copies the live data). */
#define CATALOG_VACUUM_MAX (64 * 1024 * 1024)
/* A checkpoint at least this big is checkpointed out of the WAL at once. */
#define CATALOG_BIG_WRITE (1024 * 1024)

static pthread_mutex_t catalog_lock = PTHREAD_MUTEX_INITIALIZER;
static sqlite3 *catalog_db;
static char catalog_path[4096];

/* ---- small helpers ---- */

/* Fills err from the connection's last error. */
static sl_status db_error(sl_error *err, sqlite3 *db, const char *doing)
{
    int code = sqlite3_errcode(db);
    const char *state = SL_ERRCODE_IO_ERROR;

    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
        state = SL_ERRCODE_DATA_CORRUPTED;
    else if (code == SQLITE_FULL)
        state = SL_ERRCODE_DISK_FULL;
    else if (code == SQLITE_NOMEM)
        state = SL_ERRCODE_OUT_OF_MEMORY;
    sl_error_set(err, state, "catalog error while %s: %s", doing, sqlite3_errmsg(db));
    err->retriable = (code == SQLITE_BUSY || code == SQLITE_LOCKED);
    return SL_ERROR;
}

static sl_status exec_sql(sqlite3 *db, const char *sql, const char *doing, sl_error *err)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_error(err, db, doing);
    return SL_OK;
}

static sl_status prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, sl_error *err)
{
    if (sqlite3_prepare_v2(db, sql, -1, stmt, NULL) != SQLITE_OK) {
        *stmt = NULL;
        return db_error(err, db, "preparing a statement");
    }
    return SL_OK;
}

/* Runs a prepared statement that returns no rows (or ignores them) and
 * finalizes it. */
static sl_status step_done(sqlite3 *db, sqlite3_stmt *stmt, const char *doing, sl_error *err)
{
    int rc;

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        ;
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return db_error(err, db, doing);
    return SL_OK;
}

static void bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
    if (s == NULL)
        sqlite3_bind_null(stmt, i);
    else
        sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT);
}

static const char *column_text(sl_mcxt *cx, sqlite3_stmt *stmt, int i)
{
    const unsigned char *t = sqlite3_column_text(stmt, i);
    return t == NULL ? NULL : sl_pstrdup(cx, (const char *)t);
}

/* Reads one integer from a one-row query such as a PRAGMA. */
static sl_status query_int(sqlite3 *db, const char *sql, int64_t *out, sl_error *err)
{
    sqlite3_stmt *stmt;
    int rc;

    if (prepare(db, sql, &stmt, err) != SL_OK)
        return SL_ERROR;
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return rc == SQLITE_DONE ? (*out = 0, SL_OK) : db_error(err, db, "reading the catalog header");
    }
    *out = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return SL_OK;
}

/* ---- JSON text of columns and options ---- */

static void buf_json_string(sl_buf *b, const char *s)
{
    sl_buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\', esc[1] = (char)*p, esc[2] = '\0';
            sl_buf_puts(b, esc);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", *p);
            sl_buf_puts(b, esc);
        } else {
            sl_buf_append(b, (const char *)p, 1);
        }
    }
    sl_buf_puts(b, "\"");
}

/* {"name": "value", ...} in the given order (json_each keeps it). */
static char *options_json(sl_mcxt *cx, int n, const sl_option_value *opts)
{
    sl_buf b;

    sl_buf_init(&b);
    sl_buf_puts(&b, "{");
    for (int i = 0; i < n; i++) {
        if (i > 0)
            sl_buf_puts(&b, ",");
        buf_json_string(&b, opts[i].name);
        sl_buf_puts(&b, ":");
        buf_json_string(&b, opts[i].value);
    }
    sl_buf_puts(&b, "}");
    return sl_buf_pstrdup(&b, cx);
}

/* [{"name": "ts", "type": "timestamp"}, ...] */
static char *columns_json(sl_mcxt *cx, int n, const sl_cat_column *cols)
{
    sl_buf b;

    sl_buf_init(&b);
    sl_buf_puts(&b, "[");
    for (int i = 0; i < n; i++) {
        sl_buf_puts(&b, i > 0 ? ",{\"name\":" : "{\"name\":");
        buf_json_string(&b, cols[i].name);
        sl_buf_puts(&b, ",\"type\":");
        buf_json_string(&b, cols[i].type);
        sl_buf_puts(&b, "}");
    }
    sl_buf_puts(&b, "]");
    return sl_buf_pstrdup(&b, cx);
}

/* Reads the pairs of a JSON text with sql (json_each over ?1, two text
 * columns) into a fresh array of *n pairs, in cx. */
static sl_status read_pairs(sl_mcxt *cx, const char *json, const char *sql, int *n, const char ***first,
                            const char ***second, sl_error *err)
{
    sqlite3_stmt *stmt;
    int cap = 8, rc;

    *n = 0;
    *first = sl_palloc(cx, sizeof(char *) * (size_t)cap);
    *second = sl_palloc(cx, sizeof(char *) * (size_t)cap);
    if (json == NULL)
        return SL_OK;
    if (prepare(catalog_db, sql, &stmt, err) != SL_OK)
        return SL_ERROR;
    bind_text(stmt, 1, json);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*n == cap) {
            *first = sl_prealloc(cx, *first, sizeof(char *) * (size_t)cap, sizeof(char *) * (size_t)cap * 2);
            *second =
                sl_prealloc(cx, *second, sizeof(char *) * (size_t)cap, sizeof(char *) * (size_t)cap * 2);
            cap *= 2;
        }
        (*first)[*n] = column_text(cx, stmt, 0);
        (*second)[*n] = column_text(cx, stmt, 1);
        if ((*first)[*n] == NULL || (*second)[*n] == NULL) {
            sqlite3_finalize(stmt);
            return sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "catalog \"%s\" holds malformed JSON: %s",
                                catalog_path, json);
        }
        (*n)++;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return db_error(err, catalog_db, "reading columns or options");
    return SL_OK;
}

static sl_status read_options(sl_mcxt *cx, const char *json, int *n, sl_option_value **out, sl_error *err)
{
    const char **names, **values;

    if (read_pairs(cx, json, "SELECT key, value FROM json_each(?1)", n, &names, &values, err) != SL_OK)
        return SL_ERROR;
    *out = sl_palloc(cx, sizeof(sl_option_value) * (size_t)(*n > 0 ? *n : 1));
    for (int i = 0; i < *n; i++)
        (*out)[i].name = names[i], (*out)[i].value = values[i];
    return SL_OK;
}

static sl_status read_columns(sl_mcxt *cx, const char *json, int *n, sl_cat_column **out, sl_error *err)
{
    const char **names, **types;

    if (read_pairs(cx, json,
                   "SELECT json_extract(value, '$.name'), json_extract(value, '$.type') FROM json_each(?1)",
                   n, &names, &types, err) != SL_OK)
        return SL_ERROR;
    *out = sl_palloc(cx, sizeof(sl_cat_column) * (size_t)(*n > 0 ? *n : 1));
    for (int i = 0; i < *n; i++)
        (*out)[i].name = names[i], (*out)[i].type = types[i];
    return SL_OK;
}

/* ---- schema and migrations ---- */

#define SL_NOW_SQL "strftime('%Y-%m-%d %H:%M:%S', 'now')"

/* Version 0 -> 1: the tables of the foundation. */
static sl_status migrate_to_1(sqlite3 *db, sl_error *err)
{
    return exec_sql(db,
                    "CREATE TABLE sources ("
                    "  name TEXT PRIMARY KEY,"
                    "  kind TEXT NOT NULL,"
                    "  columns TEXT NOT NULL DEFAULT '[]'," /* JSON array of {name, type} */
                    "  options TEXT NOT NULL DEFAULT '{}'," /* JSON object, normalised values */
                    "  event_time TEXT,"
                    "  watermark_us INTEGER," /* NULL: no WATERMARK clause */
                    "  created TEXT NOT NULL DEFAULT (" SL_NOW_SQL "));"
                    "CREATE TABLE sinks ("
                    "  name TEXT PRIMARY KEY,"
                    "  kind TEXT NOT NULL,"
                    "  options TEXT NOT NULL DEFAULT '{}',"
                    "  created TEXT NOT NULL DEFAULT (" SL_NOW_SQL "));"
                    "CREATE TABLE queries ("
                    "  name TEXT PRIMARY KEY,"
                    "  sql TEXT NOT NULL,"
                    "  state TEXT NOT NULL,"
                    "  source TEXT,"
                    "  sink TEXT,"
                    "  created TEXT NOT NULL DEFAULT (" SL_NOW_SQL "));"
                    "CREATE INDEX queries_source ON queries (source);"
                    "CREATE INDEX queries_sink ON queries (sink);"
                    "CREATE TABLE settings ("
                    "  name TEXT PRIMARY KEY,"
                    "  value TEXT);"
                    "PRAGMA application_id = 1399612261;", /* SL_CATALOG_APPLICATION_ID */
                    "creating the catalog schema", err);
}

/* Version 1 -> 2: checkpoints of continuous queries (source position and
 * window state), deleted with their query by the foreign key. */
static sl_status migrate_to_2(sqlite3 *db, sl_error *err)
{
    return exec_sql(db,
                    "CREATE TABLE checkpoints ("
                    "  query TEXT PRIMARY KEY REFERENCES queries (name) ON DELETE CASCADE,"
                    "  seq INTEGER NOT NULL,"
                    "  taken TEXT NOT NULL,"
                    "  position BLOB,"
                    "  state BLOB);",
                    "creating the checkpoints table", err);
}

/* Version 2 -> 3: roles (issue 12).  password holds a SCRAM verifier, never
 * a password; a role that is NULL there cannot log in with one. */
static sl_status migrate_to_3(sqlite3 *db, sl_error *err)
{
    return exec_sql(db,
                    "CREATE TABLE roles ("
                    "  name TEXT PRIMARY KEY,"
                    "  superuser INTEGER NOT NULL DEFAULT 0,"
                    "  login INTEGER NOT NULL DEFAULT 0,"
                    "  password TEXT,"
                    "  created TEXT NOT NULL DEFAULT (" SL_NOW_SQL "));",
                    "creating the roles table", err);
}

/* Version 3 -> 4: owners of sources, sinks and queries (NULL: made before
 * roles, owned by the superusers alone) and the privileges granted on them,
 * on the server (CREATE) and of roles (membership). */
static sl_status migrate_to_4(sqlite3 *db, sl_error *err)
{
    return exec_sql(db,
                    "ALTER TABLE sources ADD COLUMN owner TEXT;"
                    "ALTER TABLE sinks ADD COLUMN owner TEXT;"
                    "ALTER TABLE queries ADD COLUMN owner TEXT;"
                    "CREATE TABLE grants ("
                    "  kind TEXT NOT NULL," /* source, sink, server, role */
                    "  object TEXT NOT NULL,"
                    "  grantee TEXT NOT NULL REFERENCES roles (name) ON DELETE CASCADE,"
                    "  privilege TEXT NOT NULL," /* usage, create, member */
                    "  PRIMARY KEY (kind, object, grantee, privilege));",
                    "adding owners and grants", err);
}

/* Version 4 -> 5: the extensions CREATE EXTENSION loaded (issue 16), loaded
 * again at start; what each added is known only once it is loaded. */
static sl_status migrate_to_5(sqlite3 *db, sl_error *err)
{
    return exec_sql(db,
                    "CREATE TABLE extensions ("
                    "  name TEXT PRIMARY KEY,"
                    "  version TEXT NOT NULL,"
                    "  created TEXT NOT NULL DEFAULT (" SL_NOW_SQL "));",
                    "creating the extensions table", err);
}

/* Version 5 -> 6: incremental checkpoints: the deltas of window state saved
 * after a query's checkpoint row took its whole state, in order, deleted
 * with the checkpoint (a whole save) or the query.  A delta carries its own
 * sequence number, time and source position: the row with the whole state
 * is not written again (SQLite rewrites a whole row, blob included). */
static sl_status migrate_to_6(sqlite3 *db, sl_error *err)
{
    return exec_sql(db,
                    "CREATE TABLE checkpoint_deltas ("
                    "  query TEXT NOT NULL REFERENCES queries (name) ON DELETE CASCADE,"
                    "  seq INTEGER NOT NULL,"
                    "  taken TEXT NOT NULL,"
                    "  position BLOB,"
                    "  state BLOB NOT NULL,"
                    "  PRIMARY KEY (query, seq));",
                    "creating the checkpoint_deltas table", err);
}

typedef sl_status (*sl_migration_fn)(sqlite3 *db, sl_error *err);

/* migrations[v] takes the schema from version v to v + 1. */
static const sl_migration_fn migrations[SL_CATALOG_SCHEMA_VERSION] = {
    migrate_to_1, migrate_to_2, migrate_to_3, migrate_to_4, migrate_to_5, migrate_to_6,
};

static sl_status migrate(sqlite3 *db, int64_t from, sl_error *err)
{
    for (int64_t v = from; v < SL_CATALOG_SCHEMA_VERSION; v++) {
        char sql[64];

        if (exec_sql(db, "BEGIN IMMEDIATE", "starting a migration", err) != SL_OK)
            return SL_ERROR;
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)(v + 1));
        if (migrations[v](db, err) != SL_OK || exec_sql(db, sql, "migrating the catalog", err) != SL_OK ||
            exec_sql(db, "COMMIT", "migrating the catalog", err) != SL_OK) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return SL_ERROR;
        }
    }
    return SL_OK;
}

/* ---- open and close ---- */

/* Fills err for a file sluiced will not touch. */
static sl_status refuse(sl_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static sl_status refuse(sl_error *err, const char *fmt, ...)
{
    va_list ap;

    sl_error_set(err, SL_ERRCODE_DATA_CORRUPTED, "catalog refused");
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    sl_error_hint(err,
                  "sluiced never rewrites a catalog it cannot read: restore %s from a backup, or move it "
                  "away to start with an empty catalog.",
                  catalog_path);
    return SL_ERROR;
}

/* Checks an existing file before anything writes to it. */
static sl_status check_catalog(sqlite3 *db, sl_error *err)
{
    sqlite3_stmt *stmt;
    int64_t app_id, version, ntables;
    int rc;
    char detail[512] = "";

    /* The first read of a file that is not a database fails here. */
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &stmt, NULL) != SQLITE_OK) {
        int code = sqlite3_errcode(db);
        if (code == SQLITE_NOTADB)
            return refuse(err, "catalog \"%s\" is not a valid SQLite database: %s", catalog_path,
                          sqlite3_errmsg(db));
        if (code == SQLITE_CORRUPT) {
            refuse(err, "catalog \"%s\" is corrupt", catalog_path);
            sl_error_detail(err, "SQLite: %s", sqlite3_errmsg(db));
            return SL_ERROR;
        }
        return db_error(err, db, "opening the catalog");
    }
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const char *res = (const char *)sqlite3_column_text(stmt, 0);
        if (res != NULL && strcmp(res, "ok") != 0)
            snprintf(detail, sizeof(detail), "%s", res);
    } else {
        snprintf(detail, sizeof(detail), "%s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(stmt);
    if (detail[0] != '\0') {
        refuse(err, "catalog \"%s\" is corrupt", catalog_path);
        sl_error_detail(err, "PRAGMA quick_check: %s", detail);
        return SL_ERROR;
    }

    if (query_int(db, "PRAGMA application_id", &app_id, err) != SL_OK ||
        query_int(db, "PRAGMA user_version", &version, err) != SL_OK ||
        query_int(db, "SELECT count(*) FROM sqlite_master", &ntables, err) != SL_OK)
        return SL_ERROR;
    if ((app_id != 0 && app_id != SL_CATALOG_APPLICATION_ID) || (app_id == 0 && ntables > 0)) {
        return refuse(err, "catalog \"%s\" is a SQLite database of another application", catalog_path);
    }
    if (version > SL_CATALOG_SCHEMA_VERSION) {
        sl_error_set(
            err, SL_ERRCODE_DATA_CORRUPTED,
            "catalog \"%s\" was written by a newer version of sluice (schema %lld, this build knows %d)",
            catalog_path, (long long)version, SL_CATALOG_SCHEMA_VERSION);
        sl_error_hint(err, "Run a sluiced at least as new as the one that wrote it.");
        return SL_ERROR;
    }
    return SL_OK;
}

/* Gives free pages back to the file system and empties the WAL.  Errors
 * are ignored: the space is taken back next time. */
#define CATALOG_RECLAIM_SQL "PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE)"

static void catalog_reclaim(sqlite3 *db)
{
    sqlite3_exec(db, CATALOG_RECLAIM_SQL, NULL, NULL, NULL);
}

/* At open: converts an old catalog to incremental auto_vacuum when that is
 * cheap, then reclaims what earlier runs freed. */
static sl_status catalog_space_setup(sqlite3 *db, sl_error *err)
{
    int64_t mode, pages, free_pages, page_size;

    if (query_int(db, "PRAGMA auto_vacuum", &mode, err) != SL_OK ||
        query_int(db, "PRAGMA page_count", &pages, err) != SL_OK ||
        query_int(db, "PRAGMA freelist_count", &free_pages, err) != SL_OK ||
        query_int(db, "PRAGMA page_size", &page_size, err) != SL_OK)
        return SL_ERROR;
    if (mode != 2) { /* 2: INCREMENTAL */
        int64_t live = (pages - free_pages) * page_size;
        if (live > CATALOG_VACUUM_MAX) {
            sl_log(SL_LOG_NOTICE,
                   "catalog \"%s\" does not give space back (auto_vacuum is off) and holds %lld MB: with the "
                   "server stopped, run: sqlite3 %s 'PRAGMA auto_vacuum = INCREMENTAL; VACUUM'",
                   catalog_path, (long long)(live >> 20), catalog_path);
            return SL_OK;
        }
        if (exec_sql(db, "VACUUM", "converting the catalog to incremental auto_vacuum", err) != SL_OK)
            return SL_ERROR;
        sl_log(SL_LOG_LOG, "catalog \"%s\" converted to incremental auto_vacuum", catalog_path);
    }
    catalog_reclaim(db);
    return SL_OK;
}

sl_status sl_catalog_open(const char *datadir, sl_error *err)
{
    sqlite3 *db = NULL;
    struct stat st;
    int64_t version;

    if (stat(datadir, &st) != 0 || !S_ISDIR(st.st_mode))
        return sl_error_set(err, SL_ERRCODE_IO_ERROR, "data directory \"%s\" does not exist", datadir);
    pthread_mutex_lock(&catalog_lock);
    if (catalog_db != NULL) {
        pthread_mutex_unlock(&catalog_lock);
        return sl_error_set(err, SL_ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "catalog \"%s\" is already open", catalog_path);
    }
    snprintf(catalog_path, sizeof(catalog_path), "%s/catalog.db", datadir);

    if (sqlite3_open_v2(catalog_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not open catalog \"%s\": %s", catalog_path,
                     db ? sqlite3_errmsg(db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_extended_result_codes(db, 0);
    if (check_catalog(db, err) != SL_OK)
        goto fail;
    /* Only now that the file is known to be ours may anything write to it.
     * synchronous=FULL: a DDL statement that answered OK survives a power cut.
     * auto_vacuum takes effect in a new file (before its first table). */
    if (exec_sql(db,
                 "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                 "PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = 4194304; PRAGMA wal_autocheckpoint = "
                 "1000; "
                 "PRAGMA secure_delete = FAST",
                 "setting up the catalog", err) != SL_OK ||
        query_int(db, "PRAGMA user_version", &version, err) != SL_OK || migrate(db, version, err) != SL_OK ||
        catalog_space_setup(db, err) != SL_OK)
        goto fail;
    catalog_db = db;
    pthread_mutex_unlock(&catalog_lock);
    return SL_OK;

fail:
    sqlite3_close(db);
    pthread_mutex_unlock(&catalog_lock);
    return SL_ERROR;
}

void sl_catalog_close(void)
{
    pthread_mutex_lock(&catalog_lock);
    if (catalog_db != NULL) {
        sqlite3_close(catalog_db);
        catalog_db = NULL;
    }
    pthread_mutex_unlock(&catalog_lock);
}

/* ---- transactions ---- */

/* Takes the lock; with write, also starts an IMMEDIATE transaction. */
static sl_status begin(bool write, sl_error *err)
{
    pthread_mutex_lock(&catalog_lock);
    if (catalog_db == NULL) {
        pthread_mutex_unlock(&catalog_lock);
        return sl_error_set(err, SL_ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "the catalog is not open");
    }
    if (exec_sql(catalog_db, write ? "BEGIN IMMEDIATE" : "BEGIN", "starting a catalog transaction", err) !=
        SL_OK) {
        pthread_mutex_unlock(&catalog_lock);
        return SL_ERROR;
    }
    return SL_OK;
}

/* Commits when st is SL_OK, else rolls back; after a commit runs the
 * statements `after` (may be NULL; errors ignored: space and WAL upkeep);
 * releases the lock; returns the final status. */
static sl_status end_then(sl_status st, const char *after, sl_error *err)
{
    if (st == SL_OK)
        st = exec_sql(catalog_db, "COMMIT", "committing to the catalog", err);
    if (st != SL_OK)
        sqlite3_exec(catalog_db, "ROLLBACK", NULL, NULL, NULL);
    else if (after != NULL)
        sqlite3_exec(catalog_db, after, NULL, NULL, NULL);
    pthread_mutex_unlock(&catalog_lock);
    return st;
}

static sl_status end(sl_status st, sl_error *err)
{
    return end_then(st, NULL, err);
}

/* 1 when the query (one ?1 parameter bound to name) returns a row, 0 when
 * not, -1 on error. */
static int exists(const char *sql, const char *name, sl_error *err)
{
    sqlite3_stmt *stmt;
    int rc;

    if (prepare(catalog_db, sql, &stmt, err) != SL_OK)
        return -1;
    bind_text(stmt, 1, name);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    db_error(err, catalog_db, "looking up a name");
    return -1;
}

/* 54000 when the table of `what` ("source": sources, "sink": sinks)
 * already holds max rows (max <= 0: no limit); inside the creating
 * transaction, so two sessions cannot both take the last place. */
static sl_status check_count(const char *what, int64_t max, sl_error *err)
{
    char sql[64];
    int64_t n;

    if (max <= 0)
        return SL_OK;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %ss", what);
    if (query_int(catalog_db, sql, &n, err) != SL_OK)
        return SL_ERROR;
    if (n < max)
        return SL_OK;
    sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "too many %ss (max_%ss is %lld)", what, what,
                 (long long)max);
    sl_error_hint(err, "Drop a %s or raise max_%ss.", what, what);
    return SL_ERROR;
}

/* The first column of the first row of sql (?1 bound to name), or NULL when there is none. */
static sl_status select_text(sl_mcxt *cx, const char *sql, const char *name, const char **out, sl_error *err)
{
    sqlite3_stmt *stmt;
    int rc;

    *out = NULL;
    if (prepare(catalog_db, sql, &stmt, err) != SL_OK)
        return SL_ERROR;
    bind_text(stmt, 1, name);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *out = column_text(cx, stmt, 0);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_error(err, catalog_db, "reading the catalog");
    return SL_OK;
}

/* The name of one query that uses name through column col, or NULL. */
static sl_status using_query(sl_mcxt *cx, const char *col, const char *name, const char **query,
                             sl_error *err)
{
    char sql[128];

    snprintf(sql, sizeof(sql), "SELECT name FROM queries WHERE %s = ?1 ORDER BY name LIMIT 1", col);
    return select_text(cx, sql, name, query, err);
}

/* ---- sources ---- */

static const char *option_value(int n, const sl_option_value *opts, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(opts[i].name, name) == 0)
            return opts[i].value;
    return NULL;
}

/* A source's dead_letter must name an existing sink (checked in the same
 * transaction as the write, so a concurrent DROP SINK cannot slip in). */
static sl_status check_dead_letter(int n, const sl_option_value *opts, sl_error *err)
{
    const char *dl = option_value(n, opts, "dead_letter");
    int r;

    if (dl == NULL)
        return SL_OK;
    r = exists("SELECT 1 FROM sinks WHERE name = ?1", dl, err);
    if (r < 0)
        return SL_ERROR;
    if (r == 0)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, "sink \"%s\" does not exist", dl);
    return SL_OK;
}

sl_status sl_catalog_create_source(const sl_cat_source *src, sl_error *err)
{
    sl_mcxt *cx;
    sqlite3_stmt *stmt;
    sl_status st;
    int r;

    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    cx = sl_mcxt_create(NULL, "catalog");
    r = exists("SELECT 1 FROM sources WHERE name = ?1", src->name, err);
    if (r != 0)
        st = r < 0
                 ? SL_ERROR
                 : sl_error_set(err, SL_ERRCODE_DUPLICATE_OBJECT, "source \"%s\" already exists", src->name);
    else if ((st = check_count("source", src->max_count, err)) != SL_OK)
        ;
    else if ((st = check_dead_letter(src->noptions, src->options, err)) != SL_OK)
        ;
    else if ((st = prepare(
                  catalog_db,
                  "INSERT INTO sources (name, kind, columns, options, event_time, watermark_us, owner) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                  &stmt, err)) == SL_OK) {
        bind_text(stmt, 1, src->name);
        bind_text(stmt, 2, src->kind);
        bind_text(stmt, 3, columns_json(cx, src->ncolumns, src->columns));
        bind_text(stmt, 4, options_json(cx, src->noptions, src->options));
        bind_text(stmt, 5, src->event_time);
        if (src->has_watermark)
            sqlite3_bind_int64(stmt, 6, src->watermark_us);
        else
            sqlite3_bind_null(stmt, 6);
        bind_text(stmt, 7, src->owner);
        st = step_done(catalog_db, stmt, "creating a source", err);
    }
    sl_mcxt_delete(cx);
    return end(st, err);
}

#define SOURCE_COLUMNS "name, kind, columns, options, event_time, watermark_us, created, owner"

static sl_status read_source(sl_mcxt *cx, sqlite3_stmt *stmt, void **out, sl_error *err)
{
    sl_cat_source *s = sl_pnew(cx, sl_cat_source);

    s->name = column_text(cx, stmt, 0);
    s->kind = column_text(cx, stmt, 1);
    if (read_columns(cx, (const char *)sqlite3_column_text(stmt, 2), &s->ncolumns, &s->columns, err) !=
            SL_OK ||
        read_options(cx, (const char *)sqlite3_column_text(stmt, 3), &s->noptions, &s->options, err) != SL_OK)
        return SL_ERROR;
    s->event_time = column_text(cx, stmt, 4);
    s->has_watermark = sqlite3_column_type(stmt, 5) != SQLITE_NULL;
    s->watermark_us = sqlite3_column_int64(stmt, 5);
    s->created = column_text(cx, stmt, 6);
    s->owner = column_text(cx, stmt, 7);
    *out = s;
    return SL_OK;
}

static sl_status read_sink(sl_mcxt *cx, sqlite3_stmt *stmt, void **out, sl_error *err)
{
    sl_cat_sink *s = sl_pnew(cx, sl_cat_sink);

    s->name = column_text(cx, stmt, 0);
    s->kind = column_text(cx, stmt, 1);
    if (read_options(cx, (const char *)sqlite3_column_text(stmt, 2), &s->noptions, &s->options, err) != SL_OK)
        return SL_ERROR;
    s->created = column_text(cx, stmt, 3);
    s->owner = column_text(cx, stmt, 4);
    *out = s;
    return SL_OK;
}

static sl_status read_query(sl_mcxt *cx, sqlite3_stmt *stmt, void **out, sl_error *err)
{
    sl_cat_query *q = sl_pnew(cx, sl_cat_query);

    q->name = column_text(cx, stmt, 0);
    q->sql = column_text(cx, stmt, 1);
    q->state = column_text(cx, stmt, 2);
    q->source = column_text(cx, stmt, 3);
    q->sink = column_text(cx, stmt, 4);
    q->created = column_text(cx, stmt, 5);
    q->owner = column_text(cx, stmt, 6);
    *out = q;
    return SL_OK;
}

typedef sl_status (*sl_row_reader)(sl_mcxt *cx, sqlite3_stmt *stmt, void **out, sl_error *err);

/* Runs sql (with ?1 bound to name when name is not NULL) and reads each row
 * with reader: into *one (first row or NULL) or appended to *many. */
static sl_status read_rows(sl_mcxt *cx, const char *sql, const char *name, sl_row_reader reader, void **one,
                           sl_list **many, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st = SL_OK;
    int rc;

    if (one)
        *one = NULL;
    if (many)
        *many = NULL;
    if (begin(false, err) != SL_OK)
        return SL_ERROR;
    if (prepare(catalog_db, sql, &stmt, err) != SL_OK)
        return end(SL_ERROR, err);
    if (name != NULL)
        bind_text(stmt, 1, name);
    while (st == SL_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        void *item;
        st = reader(cx, stmt, &item, err);
        if (st == SL_OK && one) {
            *one = item;
            break;
        }
        if (st == SL_OK)
            *many = sl_list_append(cx, *many, item);
    }
    if (st == SL_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = db_error(err, catalog_db, "reading the catalog");
    sqlite3_finalize(stmt);
    return end(st, err);
}

sl_status sl_catalog_get_source(sl_mcxt *cx, const char *name, sl_cat_source **out, sl_error *err)
{
    void *item;
    sl_status st = read_rows(cx, "SELECT " SOURCE_COLUMNS " FROM sources WHERE name = ?1", name, read_source,
                             &item, NULL, err);

    *out = st == SL_OK ? item : NULL;
    return st;
}

sl_status sl_catalog_list_sources(sl_mcxt *cx, sl_list **out, sl_error *err)
{
    return read_rows(cx, "SELECT " SOURCE_COLUMNS " FROM sources ORDER BY name", NULL, read_source, NULL, out,
                     err);
}

/* UPDATE table SET options = ... WHERE name; 42P01 when there is no row. */
static sl_status set_options(const char *table, const char *what, const char *name, int n,
                             const sl_option_value *opts, sl_error *err)
{
    sl_mcxt *cx;
    sqlite3_stmt *stmt;
    char sql[128];
    sl_status st;

    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    cx = sl_mcxt_create(NULL, "catalog");
    snprintf(sql, sizeof(sql), "UPDATE %s SET options = ?2 WHERE name = ?1", table);
    st = strcmp(table, "sources") == 0 ? check_dead_letter(n, opts, err) : SL_OK;
    if (st == SL_OK && (st = prepare(catalog_db, sql, &stmt, err)) == SL_OK) {
        bind_text(stmt, 1, name);
        bind_text(stmt, 2, options_json(cx, n, opts));
        st = step_done(catalog_db, stmt, "changing options", err);
        if (st == SL_OK && sqlite3_changes(catalog_db) == 0)
            st = sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, "%s \"%s\" does not exist", what, name);
    }
    sl_mcxt_delete(cx);
    return end(st, err);
}

sl_status sl_catalog_set_source_options(const char *name, int noptions, const sl_option_value *options,
                                        sl_error *err)
{
    return set_options("sources", "source", name, noptions, options, err);
}

/* DELETE one row after checking that nothing refers to it. */
static sl_status drop_object(const char *table, const char *what, const char *name, bool *dropped,
                             sl_error *err)
{
    sl_mcxt *cx;
    sqlite3_stmt *stmt;
    char sql[128];
    sl_status st = SL_OK;
    const char *user = NULL;

    *dropped = false;
    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    cx = sl_mcxt_create(NULL, "catalog");
    if (strcmp(table, "queries") != 0)
        st = using_query(cx, strcmp(table, "sources") == 0 ? "source" : "sink", name, &user, err);
    if (st == SL_OK && user != NULL) {
        st = sl_error_set(err, SL_ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                          "cannot drop %s \"%s\" because query \"%s\" uses it", what, name, user);
        sl_error_hint(err, "Drop query \"%s\" first.", user);
    }
    if (st == SL_OK && strcmp(table, "sinks") == 0) {
        /* A source whose dead_letter names this sink. */
        if ((st = prepare(catalog_db,
                          "SELECT s.name FROM sources s, json_each(s.options) o "
                          "WHERE o.key = 'dead_letter' AND o.value = ?1 ORDER BY s.name LIMIT 1",
                          &stmt, err)) == SL_OK) {
            bind_text(stmt, 1, name);
            if (sqlite3_step(stmt) == SQLITE_ROW) {
                st = sl_error_set(err, SL_ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                                  "cannot drop sink \"%s\" because source \"%s\" uses it as its dead_letter",
                                  name, (const char *)sqlite3_column_text(stmt, 0));
                sl_error_hint(err, "Change the source's dead_letter option with ALTER SOURCE first.");
            }
            sqlite3_finalize(stmt);
        }
    }
    if (st == SL_OK) {
        snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE name = ?1", table);
        if ((st = prepare(catalog_db, sql, &stmt, err)) == SL_OK) {
            bind_text(stmt, 1, name);
            st = step_done(catalog_db, stmt, "dropping", err);
            *dropped = st == SL_OK && sqlite3_changes(catalog_db) > 0;
        }
    }
    /* The grants on it go too: a new object of the name starts with none. */
    if (st == SL_OK && *dropped &&
        (st = prepare(catalog_db, "DELETE FROM grants WHERE kind = ?1 AND object = ?2", &stmt, err)) ==
            SL_OK) {
        bind_text(stmt, 1, what);
        bind_text(stmt, 2, name);
        st = step_done(catalog_db, stmt, "dropping grants", err);
    }
    sl_mcxt_delete(cx);
    /* A query's checkpoint went with it: give its space back at once. */
    return end_then(st, *dropped && strcmp(table, "queries") == 0 ? CATALOG_RECLAIM_SQL : NULL, err);
}

sl_status sl_catalog_drop_source(const char *name, bool *dropped, sl_error *err)
{
    return drop_object("sources", "source", name, dropped, err);
}

/* ---- sinks ---- */

sl_status sl_catalog_create_sink(const sl_cat_sink *sink, sl_error *err)
{
    sl_mcxt *cx;
    sqlite3_stmt *stmt;
    sl_status st;
    int r;

    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    cx = sl_mcxt_create(NULL, "catalog");
    r = exists("SELECT 1 FROM sinks WHERE name = ?1", sink->name, err);
    if (r != 0)
        st = r < 0 ? SL_ERROR
                   : sl_error_set(err, SL_ERRCODE_DUPLICATE_OBJECT, "sink \"%s\" already exists", sink->name);
    else if ((st = check_count("sink", sink->max_count, err)) != SL_OK)
        ;
    else if ((st = prepare(catalog_db,
                           "INSERT INTO sinks (name, kind, options, owner) VALUES (?1, ?2, ?3, ?4)", &stmt,
                           err)) == SL_OK) {
        bind_text(stmt, 1, sink->name);
        bind_text(stmt, 2, sink->kind);
        bind_text(stmt, 3, options_json(cx, sink->noptions, sink->options));
        bind_text(stmt, 4, sink->owner);
        st = step_done(catalog_db, stmt, "creating a sink", err);
    }
    sl_mcxt_delete(cx);
    return end(st, err);
}

sl_status sl_catalog_get_sink(sl_mcxt *cx, const char *name, sl_cat_sink **out, sl_error *err)
{
    void *item;
    sl_status st = read_rows(cx, "SELECT name, kind, options, created, owner FROM sinks WHERE name = ?1",
                             name, read_sink, &item, NULL, err);

    *out = st == SL_OK ? item : NULL;
    return st;
}

sl_status sl_catalog_list_sinks(sl_mcxt *cx, sl_list **out, sl_error *err)
{
    return read_rows(cx, "SELECT name, kind, options, created, owner FROM sinks ORDER BY name", NULL,
                     read_sink, NULL, out, err);
}

sl_status sl_catalog_set_sink_options(const char *name, int noptions, const sl_option_value *options,
                                      sl_error *err)
{
    return set_options("sinks", "sink", name, noptions, options, err);
}

sl_status sl_catalog_drop_sink(const char *name, bool *dropped, sl_error *err)
{
    return drop_object("sinks", "sink", name, dropped, err);
}

/* ---- queries ---- */

sl_status sl_catalog_create_query(const sl_cat_query *q, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st = SL_OK;
    int r;

    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    r = exists("SELECT 1 FROM queries WHERE name = ?1", q->name, err);
    if (r != 0)
        st = r < 0 ? SL_ERROR
                   : sl_error_set(err, SL_ERRCODE_DUPLICATE_OBJECT, "query \"%s\" already exists", q->name);
    if (st == SL_OK && q->source != NULL &&
        (r = exists("SELECT 1 FROM sources WHERE name = ?1", q->source, err)) != 1)
        st = r < 0 ? SL_ERROR
                   : sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, "source \"%s\" does not exist", q->source);
    if (st == SL_OK && q->sink != NULL &&
        (r = exists("SELECT 1 FROM sinks WHERE name = ?1", q->sink, err)) != 1)
        st = r < 0 ? SL_ERROR
                   : sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, "sink \"%s\" does not exist", q->sink);
    if (st == SL_OK &&
        (st = prepare(
             catalog_db,
             "INSERT INTO queries (name, sql, state, source, sink, owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
             &stmt, err)) == SL_OK) {
        bind_text(stmt, 1, q->name);
        bind_text(stmt, 2, q->sql);
        bind_text(stmt, 3, q->state ? q->state : "running");
        bind_text(stmt, 4, q->source);
        bind_text(stmt, 5, q->sink);
        bind_text(stmt, 6, q->owner);
        st = step_done(catalog_db, stmt, "creating a query", err);
    }
    return end(st, err);
}

sl_status sl_catalog_get_query(sl_mcxt *cx, const char *name, sl_cat_query **out, sl_error *err)
{
    void *item;
    sl_status st =
        read_rows(cx, "SELECT name, sql, state, source, sink, created, owner FROM queries WHERE name = ?1",
                  name, read_query, &item, NULL, err);

    *out = st == SL_OK ? item : NULL;
    return st;
}

sl_status sl_catalog_list_queries(sl_mcxt *cx, sl_list **out, sl_error *err)
{
    return read_rows(cx, "SELECT name, sql, state, source, sink, created, owner FROM queries ORDER BY name",
                     NULL, read_query, NULL, out, err);
}

sl_status sl_catalog_set_query_state(const char *name, const char *state, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st;

    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    if ((st = prepare(catalog_db, "UPDATE queries SET state = ?2 WHERE name = ?1", &stmt, err)) == SL_OK) {
        bind_text(stmt, 1, name);
        bind_text(stmt, 2, state);
        st = step_done(catalog_db, stmt, "changing a query's state", err);
        if (st == SL_OK && sqlite3_changes(catalog_db) == 0)
            st = sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "query \"%s\" does not exist", name);
    }
    return end(st, err);
}

sl_status sl_catalog_drop_query(const char *name, bool *dropped, sl_error *err)
{
    return drop_object("queries", "query", name, dropped, err);
}

/* ---- checkpoints ---- */

/* A delta: added after those before it, with its sequence number, time
 * and position; the row with the whole state stays as it is. */
static sl_status save_delta(const sl_cat_checkpoint *c, bool *saved, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st = prepare(catalog_db,
                           "INSERT INTO checkpoint_deltas (query, seq, taken, position, state) "
                           "SELECT ?1, ?2, strftime('%Y-%m-%d %H:%M:%f', 'now'), ?3, ?4 "
                           "WHERE EXISTS (SELECT 1 FROM checkpoints WHERE query = ?1)",
                           &stmt, err);

    if (st == SL_OK) {
        bind_text(stmt, 1, c->query);
        sqlite3_bind_int64(stmt, 2, c->seq);
        if (c->position != NULL)
            sqlite3_bind_blob64(stmt, 3, c->position, c->position_len, SQLITE_STATIC);
        sqlite3_bind_blob64(stmt, 4, c->state != NULL ? c->state : "", c->state_len, SQLITE_STATIC);
        st = step_done(catalog_db, stmt, "saving a checkpoint delta", err);
        /* Nothing added when the query (and so its whole state) is gone. */
        *saved = st == SL_OK && sqlite3_changes(catalog_db) > 0;
    }
    return st;
}

sl_status sl_catalog_save_checkpoint(const sl_cat_checkpoint *c, bool *saved, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st;

    *saved = false;
    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    if (c->delta) {
        st = save_delta(c, saved, err);
        /* A big delta leaves the WAL at once too, as a whole state does below. */
        return end_then(
            st,
            c->position_len + c->state_len >= CATALOG_BIG_WRITE ? "PRAGMA wal_checkpoint(TRUNCATE)" : NULL,
            err);
    }
    /* A whole state: the deltas of the one it replaces go. */
    st = prepare(catalog_db, "DELETE FROM checkpoint_deltas WHERE query = ?1", &stmt, err);
    if (st == SL_OK) {
        bind_text(stmt, 1, c->query);
        st = step_done(catalog_db, stmt, "deleting checkpoint deltas", err);
    }
    if (st != SL_OK)
        return end(st, err);
    /* Only for a query still in the catalog: a checkpoint racing DROP QUERY
     * must not outlive it. */
    st = prepare(catalog_db,
                 "INSERT INTO checkpoints (query, seq, taken, position, state) "
                 "SELECT ?1, ?2, strftime('%Y-%m-%d %H:%M:%f', 'now'), ?3, ?4 "
                 "WHERE EXISTS (SELECT 1 FROM queries WHERE name = ?1) "
                 "ON CONFLICT (query) DO UPDATE SET seq = excluded.seq, taken = excluded.taken, "
                 "position = excluded.position, state = excluded.state",
                 &stmt, err);
    if (st == SL_OK) {
        bind_text(stmt, 1, c->query);
        sqlite3_bind_int64(stmt, 2, c->seq);
        if (c->position != NULL)
            sqlite3_bind_blob64(stmt, 3, c->position, c->position_len, SQLITE_STATIC);
        if (c->state != NULL)
            sqlite3_bind_blob64(stmt, 4, c->state, c->state_len, SQLITE_STATIC);
        st = step_done(catalog_db, stmt, "saving a checkpoint", err);
        *saved = st == SL_OK && sqlite3_changes(catalog_db) > 0;
    }
    /* A big one leaves the WAL at once rather than wait there. */
    return end_then(
        st, c->position_len + c->state_len >= CATALOG_BIG_WRITE ? "PRAGMA wal_checkpoint(TRUNCATE)" : NULL,
        err);
}

/* A copy of column i's blob in cx (NULL and 0 when NULL). */
static const char *column_blob(sl_mcxt *cx, sqlite3_stmt *stmt, int i, size_t *len)
{
    const void *p = sqlite3_column_blob(stmt, i);
    int n = sqlite3_column_bytes(stmt, i);
    char *copy;

    *len = 0;
    if (p == NULL || n <= 0)
        return NULL;
    copy = sl_palloc(cx, (size_t)n);
    memcpy(copy, p, (size_t)n);
    *len = (size_t)n;
    return copy;
}

/* The deltas saved after c's whole state, in order, copied into cx. */
static sl_status read_deltas(sl_mcxt *cx, sl_cat_checkpoint *c, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st = prepare(
        catalog_db, "SELECT seq, taken, position, state FROM checkpoint_deltas WHERE query = ?1 ORDER BY seq",
        &stmt, err);
    int cap = 0, rc;

    if (st != SL_OK)
        return SL_ERROR;
    bind_text(stmt, 1, c->query);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (c->ndeltas == cap) {
            int ncap = cap ? cap * 2 : 8;
            const char **d = sl_palloc(cx, sizeof(char *) * (size_t)ncap);
            size_t *l = sl_palloc(cx, sizeof(size_t) * (size_t)ncap);
            if (c->ndeltas > 0) {
                memcpy(d, c->deltas, sizeof(char *) * (size_t)c->ndeltas);
                memcpy(l, c->delta_lens, sizeof(size_t) * (size_t)c->ndeltas);
            }
            c->deltas = d;
            c->delta_lens = l;
            cap = ncap;
        }
        /* The checkpoint is the last delta's: its number, time and position. */
        c->seq = sqlite3_column_int64(stmt, 0);
        c->taken = column_text(cx, stmt, 1);
        c->position = column_blob(cx, stmt, 2, &c->position_len);
        c->deltas[c->ndeltas] = column_blob(cx, stmt, 3, &c->delta_lens[c->ndeltas]);
        c->ndeltas++;
    }
    if (rc != SQLITE_DONE)
        st = db_error(err, catalog_db, "reading checkpoint deltas");
    sqlite3_finalize(stmt);
    return st;
}

sl_status sl_catalog_get_checkpoint(sl_mcxt *cx, const char *query, sl_cat_checkpoint **out, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st;
    int rc;

    *out = NULL;
    if (begin(false, err) != SL_OK)
        return SL_ERROR;
    st = prepare(catalog_db, "SELECT seq, taken, position, state FROM checkpoints WHERE query = ?1", &stmt,
                 err);
    if (st == SL_OK) {
        bind_text(stmt, 1, query);
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            sl_cat_checkpoint *c = sl_pnew(cx, sl_cat_checkpoint);
            c->query = sl_pstrdup(cx, query);
            c->seq = sqlite3_column_int64(stmt, 0);
            c->taken = column_text(cx, stmt, 1);
            c->position = column_blob(cx, stmt, 2, &c->position_len);
            c->state = column_blob(cx, stmt, 3, &c->state_len);
            *out = c;
        } else if (rc != SQLITE_DONE) {
            st = db_error(err, catalog_db, "reading a checkpoint");
        }
        sqlite3_finalize(stmt);
    }
    if (st == SL_OK && *out != NULL)
        st = read_deltas(cx, *out, err);
    return end(st, err);
}

/* ---- roles ---- */

#define ROLE_COLUMNS "name, superuser, login, password, created"

static sl_status read_role(sl_mcxt *cx, sqlite3_stmt *stmt, void **out, sl_error *err)
{
    sl_cat_role *r = sl_pnew(cx, sl_cat_role);

    (void)err;
    r->name = column_text(cx, stmt, 0);
    r->superuser = sqlite3_column_int(stmt, 1) != 0;
    r->login = sqlite3_column_int(stmt, 2) != 0;
    r->verifier = column_text(cx, stmt, 3);
    r->created = column_text(cx, stmt, 4);
    *out = r;
    return SL_OK;
}

sl_status sl_catalog_get_role(sl_mcxt *cx, const char *name, sl_cat_role **out, sl_error *err)
{
    void *item;
    sl_status st = read_rows(cx, "SELECT " ROLE_COLUMNS " FROM roles WHERE name = ?1", name, read_role, &item,
                             NULL, err);

    *out = st == SL_OK ? item : NULL;
    return st;
}

sl_status sl_catalog_list_roles(sl_mcxt *cx, sl_list **out, sl_error *err)
{
    return read_rows(cx, "SELECT " ROLE_COLUMNS " FROM roles ORDER BY name", NULL, read_role, NULL, out, err);
}

/* INSERT (create) or UPDATE (alter) of a role's row. */
static sl_status write_role(const sl_cat_role *r, bool create, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st;
    int found;

    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    found = exists("SELECT 1 FROM roles WHERE name = ?1", r->name, err);
    if (found < 0)
        return end(SL_ERROR, err);
    if (create && found)
        return end(sl_error_set(err, SL_ERRCODE_DUPLICATE_OBJECT, "role \"%s\" already exists", r->name),
                   err);
    if (!create && !found)
        return end(sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "role \"%s\" does not exist", r->name),
                   err);
    st = prepare(catalog_db,
                 create ? "INSERT INTO roles (name, superuser, login, password) VALUES (?1, ?2, ?3, ?4)"
                        : "UPDATE roles SET superuser = ?2, login = ?3, password = ?4 WHERE name = ?1",
                 &stmt, err);
    if (st == SL_OK) {
        bind_text(stmt, 1, r->name);
        sqlite3_bind_int(stmt, 2, r->superuser);
        sqlite3_bind_int(stmt, 3, r->login);
        if (r->verifier != NULL)
            bind_text(stmt, 4, r->verifier);
        st = step_done(catalog_db, stmt, "writing a role", err);
    }
    return end(st, err);
}

sl_status sl_catalog_create_role(const sl_cat_role *r, sl_error *err)
{
    return write_role(r, true, err);
}

sl_status sl_catalog_alter_role(const sl_cat_role *r, sl_error *err)
{
    return write_role(r, false, err);
}

sl_status sl_catalog_drop_role(const char *name, bool *dropped, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st;
    sl_mcxt *cx;
    const char *what = NULL;

    *dropped = false;
    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    /* Objects a role owns would be left to no one: drop or reassign them first. */
    cx = sl_mcxt_create(NULL, "catalog");
    st = SL_OK;
    for (int i = 0; st == SL_OK && what == NULL && i < 3; i++) {
        static const char *const tables[] = {"sources", "sinks", "queries"}, *const kinds[] = {
                                                                                 "source", "sink", "query"};
        char sql[128];

        snprintf(sql, sizeof(sql), "SELECT '%s ' || name FROM %s WHERE owner = ?1 ORDER BY name LIMIT 1",
                 kinds[i], tables[i]);
        st = select_text(cx, sql, name, &what, err);
    }
    if (st == SL_OK && what != NULL) {
        sl_error_set(err, SL_ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                     "role \"%s\" cannot be dropped because some objects depend on it", name);
        sl_error_detail(err, "It owns %s.", what);
        st = SL_ERROR;
    }
    sl_mcxt_delete(cx);
    if (st != SL_OK)
        return end(st, err);
    st = prepare(catalog_db, "DELETE FROM roles WHERE name = ?1", &stmt, err);
    if (st == SL_OK) {
        bind_text(stmt, 1, name);
        st = step_done(catalog_db, stmt, "dropping a role", err);
        *dropped = st == SL_OK && sqlite3_changes(catalog_db) > 0;
    }
    return end(st, err);
}

sl_status sl_catalog_ensure_role(const char *name, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st;

    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    st = prepare(catalog_db, "INSERT OR IGNORE INTO roles (name) VALUES (?1)", &stmt, err);
    if (st == SL_OK) {
        bind_text(stmt, 1, name);
        st = step_done(catalog_db, stmt, "creating a predefined role", err);
    }
    return end(st, err);
}

static void bind_grant(sqlite3_stmt *stmt, const char *kind, const char *object, const char *grantee,
                       const char *privilege)
{
    bind_text(stmt, 1, kind);
    bind_text(stmt, 2, object);
    bind_text(stmt, 3, grantee);
    bind_text(stmt, 4, privilege);
}

sl_status sl_catalog_grant(const char *kind, const char *object, const char *grantee, const char *privilege,
                           bool revoke, bool *changed, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st;
    int r;

    *changed = false;
    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    r = exists("SELECT 1 FROM roles WHERE name = ?1", grantee, err);
    if (r <= 0)
        return end(
            r < 0 ? SL_ERROR
                  : sl_error_set(err, SL_ERRCODE_UNDEFINED_OBJECT, "role \"%s\" does not exist", grantee),
            err);
    st = prepare(
        catalog_db,
        revoke ? "DELETE FROM grants WHERE kind = ?1 AND object = ?2 AND grantee = ?3 AND privilege = ?4"
               : "INSERT OR IGNORE INTO grants (kind, object, grantee, privilege) VALUES (?1, ?2, ?3, ?4)",
        &stmt, err);
    if (st == SL_OK) {
        bind_grant(stmt, kind, object, grantee, privilege);
        st = step_done(catalog_db, stmt, "writing a grant", err);
        *changed = st == SL_OK && sqlite3_changes(catalog_db) > 0;
    }
    return end(st, err);
}

sl_status sl_catalog_has_grant(const char *kind, const char *object, const char *grantee,
                               const char *privilege, bool *has, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st;
    int rc;

    *has = false;
    if (begin(false, err) != SL_OK)
        return SL_ERROR;
    st = prepare(catalog_db,
                 "SELECT 1 FROM grants WHERE kind = ?1 AND object = ?2 AND grantee = ?3 AND privilege = ?4",
                 &stmt, err);
    if (st == SL_OK) {
        bind_grant(stmt, kind, object, grantee, privilege);
        rc = sqlite3_step(stmt);
        *has = rc == SQLITE_ROW;
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            st = db_error(err, catalog_db, "reading grants");
        sqlite3_finalize(stmt);
    }
    return end(st, err);
}

static sl_status read_grant(sl_mcxt *cx, sqlite3_stmt *stmt, void **out, sl_error *err)
{
    sl_cat_grant *g = sl_pnew(cx, sl_cat_grant);

    (void)err;
    g->kind = column_text(cx, stmt, 0);
    g->object = column_text(cx, stmt, 1);
    g->grantee = column_text(cx, stmt, 2);
    g->privilege = column_text(cx, stmt, 3);
    *out = g;
    return SL_OK;
}

sl_status sl_catalog_list_grants(sl_mcxt *cx, sl_list **out, sl_error *err)
{
    return read_rows(cx, "SELECT kind, object, grantee, privilege FROM grants ORDER BY kind, object, grantee",
                     NULL, read_grant, NULL, out, err);
}

sl_status sl_catalog_bootstrap_role(const char *name, bool *created, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st;
    int64_t n = 0;

    *created = false;
    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    if (query_int(catalog_db, "SELECT count(*) FROM roles WHERE superuser AND login", &n, err) != SL_OK ||
        n > 0)
        return end(n > 0 ? SL_OK : SL_ERROR, err);
    st = prepare(catalog_db,
                 "INSERT INTO roles (name, superuser, login) VALUES (?1, 1, 1) "
                 "ON CONFLICT (name) DO UPDATE SET superuser = 1, login = 1",
                 &stmt, err);
    if (st == SL_OK) {
        bind_text(stmt, 1, name);
        st = step_done(catalog_db, stmt, "creating the first role", err);
        *created = st == SL_OK;
    }
    return end(st, err);
}

/* ---- settings ---- */

sl_status sl_catalog_get_setting(sl_mcxt *cx, const char *name, const char **value, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st = SL_OK;
    int rc;

    *value = NULL;
    if (begin(false, err) != SL_OK)
        return SL_ERROR;
    if ((st = prepare(catalog_db, "SELECT value FROM settings WHERE name = ?1", &stmt, err)) == SL_OK) {
        bind_text(stmt, 1, name);
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW)
            *value = column_text(cx, stmt, 0);
        else if (rc != SQLITE_DONE)
            st = db_error(err, catalog_db, "reading a setting");
        sqlite3_finalize(stmt);
    }
    return end(st, err);
}

sl_status sl_catalog_set_setting(const char *name, const char *value, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st;

    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    if (value == NULL)
        st = prepare(catalog_db, "DELETE FROM settings WHERE name = ?1", &stmt, err);
    else
        st = prepare(catalog_db,
                     "INSERT INTO settings (name, value) VALUES (?1, ?2) "
                     "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                     &stmt, err);
    if (st == SL_OK) {
        bind_text(stmt, 1, name);
        if (value != NULL)
            bind_text(stmt, 2, value);
        st = step_done(catalog_db, stmt, "writing a setting", err);
    }
    return end(st, err);
}

/* ---- rewriting options (the secrets' sealing and key rotation) ---- */

typedef struct rewrite_row {
    const char *name, *kind, *options;
} rewrite_row;

/* The rows of one table, read before any is written. */
static sl_status rewrite_table(sl_mcxt *cx, const char *table, const char *object, sl_catalog_options_fn fn,
                               void *arg, int *changed, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_list *rows = NULL;
    char sql[128];
    int rc;

    snprintf(sql, sizeof(sql), "SELECT name, kind, options FROM %s ORDER BY name", table);
    if (prepare(catalog_db, sql, &stmt, err) != SL_OK)
        return SL_ERROR;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        rewrite_row *r = sl_pnew(cx, rewrite_row);
        r->name = column_text(cx, stmt, 0);
        r->kind = column_text(cx, stmt, 1);
        r->options = column_text(cx, stmt, 2);
        rows = sl_list_append(cx, rows, r);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return db_error(err, catalog_db, "reading options");
    snprintf(sql, sizeof(sql), "UPDATE %s SET options = ?2 WHERE name = ?1", table);
    for (int i = 0; i < sl_list_length(rows); i++) {
        const rewrite_row *r = sl_list_nth(rows, i);
        sl_option_value *opts, *out = NULL;
        int n, nout = 0;

        if (read_options(cx, r->options, &n, &opts, err) != SL_OK ||
            fn(arg, cx, object, r->name, r->kind, n, opts, &nout, &out, err) != SL_OK)
            return SL_ERROR;
        if (out == NULL)
            continue;
        if (prepare(catalog_db, sql, &stmt, err) != SL_OK)
            return SL_ERROR;
        bind_text(stmt, 1, r->name);
        bind_text(stmt, 2, options_json(cx, nout, out));
        if (step_done(catalog_db, stmt, "rewriting options", err) != SL_OK)
            return SL_ERROR;
        (*changed)++;
    }
    return SL_OK;
}

sl_status sl_catalog_rewrite_options(sl_catalog_options_fn fn, void *arg, int *changed, sl_error *err)
{
    sl_mcxt *cx;
    sl_status st;

    *changed = 0;
    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    cx = sl_mcxt_create(NULL, "catalog rewrite");
    st = rewrite_table(cx, "sources", "source", fn, arg, changed, err);
    if (st == SL_OK)
        st = rewrite_table(cx, "sinks", "sink", fn, arg, changed, err);
    sl_mcxt_delete(cx);
    st = end(st, err);
    if (st != SL_OK)
        *changed = 0;
    else if (*changed > 0) {
        /* No copy of a replaced value may stay on disk: VACUUM rebuilds the
         * file without free space (where an older sluice's deleted
         * plaintext could still lie), the checkpoint moves it out of the
         * WAL and truncates the WAL. */
        pthread_mutex_lock(&catalog_lock);
        st = exec_sql(catalog_db, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE)", "compacting the catalog", err);
        pthread_mutex_unlock(&catalog_lock);
    }
    return st;
}

/* ---- extensions ---- */

static sl_status read_extension(sl_mcxt *cx, sqlite3_stmt *stmt, void **out, sl_error *err)
{
    sl_cat_extension *e = sl_pnew(cx, sl_cat_extension);

    (void)err;
    e->name = column_text(cx, stmt, 0);
    e->version = column_text(cx, stmt, 1);
    e->created = column_text(cx, stmt, 2);
    *out = e;
    return SL_OK;
}

sl_status sl_catalog_create_extension(const sl_cat_extension *e, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st;
    int found;

    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    found = exists("SELECT 1 FROM extensions WHERE name = ?1", e->name, err);
    if (found < 0)
        return end(SL_ERROR, err);
    if (found)
        return end(sl_error_set(err, SL_ERRCODE_DUPLICATE_OBJECT, "extension \"%s\" already exists", e->name),
                   err);
    st = prepare(catalog_db, "INSERT INTO extensions (name, version) VALUES (?1, ?2)", &stmt, err);
    if (st == SL_OK) {
        bind_text(stmt, 1, e->name);
        bind_text(stmt, 2, e->version);
        st = step_done(catalog_db, stmt, "writing an extension", err);
    }
    return end(st, err);
}

sl_status sl_catalog_list_extensions(sl_mcxt *cx, sl_list **out, sl_error *err)
{
    return read_rows(cx, "SELECT name, version, created FROM extensions ORDER BY name", NULL, read_extension,
                     NULL, out, err);
}

sl_status sl_catalog_drop_extension(const char *name, bool *dropped, sl_error *err)
{
    sqlite3_stmt *stmt;
    sl_status st;

    *dropped = false;
    if (begin(true, err) != SL_OK)
        return SL_ERROR;
    st = prepare(catalog_db, "DELETE FROM extensions WHERE name = ?1", &stmt, err);
    if (st == SL_OK) {
        bind_text(stmt, 1, name);
        st = step_done(catalog_db, stmt, "dropping an extension", err);
        *dropped = st == SL_OK && sqlite3_changes(catalog_db) > 0;
    }
    return end(st, err);
}
