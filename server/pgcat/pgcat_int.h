/*
 * pgcat_int.h - what the files of server/pgcat/ share: the scanner's
 * tokens, the translation of a statement, the builder of the catalog
 * database and its functions.
 */
#ifndef SLUICE_PGCAT_INT_H
#define SLUICE_PGCAT_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/commands/exec.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

/* ---- scan.c: PostgreSQL's lexical rules, enough for catalog SQL ---- */

typedef enum sl_pgcat_tok_kind {
    SL_PGTOK_EOF,
    SL_PGTOK_IDENT,  /* unquoted: text is lower-cased */
    SL_PGTOK_QIDENT, /* "quoted": text is the name */
    SL_PGTOK_STRING, /* '..', E'..', $$..$$: text is the value */
    SL_PGTOK_NUMBER,
    SL_PGTOK_PARAM, /* $n: num */
    SL_PGTOK_OP,    /* a run of operator characters: = <> ~ !~* || ... */
    SL_PGTOK_CAST,  /* :: */
    SL_PGTOK_PUNCT, /* ( ) [ ] , ; . : */
} sl_pgcat_tok_kind;

typedef struct sl_pgcat_tok {
    sl_pgcat_tok_kind kind;
    const char *text; /* NUL-terminated, in the caller's context */
    int pos;          /* byte offset in the statement */
    int num;          /* SL_PGTOK_PARAM: n */
} sl_pgcat_tok;

/* Splits sql[0..len) into tokens (comments dropped, an EOF token last).
 * 42601 with a position for an unterminated quote or comment. */
sl_status sl_pgcat_scan(sl_mcxt *cx, const char *sql, int len, sl_pgcat_tok **toks, int *ntoks,
                        sl_error *err);
/* True when the token is the identifier (unquoted) word. */
bool sl_pgcat_tok_is(const sl_pgcat_tok *t, const char *word);

/* ---- types.c: builtin types and object OIDs ---- */

/* One builtin type of pg_type. */
typedef struct sl_pgcat_type {
    uint32_t oid;
    const char *name;
    uint32_t array; /* 0: none */
    int16_t len;
    char typtype, category;
    const char *io;      /* stem of the input/output/receive/send functions */
    const char *sqlname; /* format_type's spelling, NULL: the name */
} sl_pgcat_type;

/* Every builtin type (not the array types: those are each type's array). */
const sl_pgcat_type *sl_pgcat_types(int *n);
/* The type with this OID (arrays included: elem is set for those), or NULL. */
const sl_pgcat_type *sl_pgcat_type_by_oid(uint32_t oid, uint32_t *elem);
/* The type OID of a PostgreSQL type name as written in a cast (0: unknown). */
uint32_t sl_pgcat_type_by_name(const char *name);
/* The stable OID of a catalog object ("source", "sink", "query", "role", "proc") of that name. */
uint32_t sl_pgcat_object_oid(const char *what, const char *name);

/* ---- translate.c: PostgreSQL -> SQLite ---- */

/* What a select list item is known to be before it runs. */
typedef struct sl_pgcat_item {
    const char *name;  /* the column name PostgreSQL would give */
    uint32_t type_oid; /* 0: take the declared type of the SQLite column, else text */
} sl_pgcat_item;

typedef struct sl_pgcat_sql {
    const char *sql; /* SQLite SQL */
    int nitems;
    sl_pgcat_item *items;
    int nparams;
    uint32_t *param_oids; /* from casts of $n; 0 unknown */
    int nnamed;
    sl_pgcat_item *named; /* the typed items of every select list, subqueries too */
} sl_pgcat_sql;

/* Translates one SELECT-like statement.  42601/0A000 with positions. */
sl_status sl_pgcat_translate(sl_mcxt *cx, const char *sql, int len, sl_pgcat_sql *out, sl_error *err);
/* ---- tables.c: the catalog database ---- */

/* The session thread's in-memory database with pg_catalog and
 * information_schema, its rows refreshed from the catalog as the session's
 * role sees it (the tables and builtin rows are made once per thread); the
 * functions (funcs.c) registered for ctx; rows = false (to prepare a
 * statement) leaves the rows as they are.  The caller gives it back with
 * sl_pgcat_release and never closes it. */
sl_status sl_pgcat_build(sl_exec_ctx *ctx, bool rows, sqlite3 **db, sl_error *err);
/* Gives the database back after a statement; broken (a failure that may have left it half
 * refreshed) closes it, and the next build starts a new one. */
void sl_pgcat_release(sqlite3 *db, bool broken);
/* True when a catalog relation has a bool column of that name (booleans are 0/1 in SQLite). */
bool sl_pgcat_column_is_bool(const char *name);
/* The type OID of the catalog columns of that name when they all agree, else 0:
 * what a parameter compared with such a column is inferred to be. */
uint32_t sl_pgcat_column_oid(const char *name);

/* ---- funcs.c: the functions of catalog SQL ---- */

typedef struct sl_pgcat_fn {
    const char *name; /* as SQL names it (lower case) */
    int nargs;        /* -1: any */
    uint32_t rettype;
    const char *argtypes; /* oidvector text: "25 16" */
    void (*fn)(sqlite3_context *c, int argc, sqlite3_value **argv);
} sl_pgcat_fn;

/* The table of functions, ending with a NULL name. */
extern const sl_pgcat_fn sl_pgcat_fns[];
/* The functions only the catalog knows (claims a statement that calls one). */
bool sl_pgcat_fn_is_catalog_only(const char *name);
/* The result type of a function by name, 0 when unknown. */
uint32_t sl_pgcat_fn_rettype(const char *name);
/* Registers every function of sl_pgcat_fns (and the aggregates) on db; ctx is the session's. */
sl_status sl_pgcat_register(sqlite3 *db, sl_exec_ctx *ctx, sl_error *err);

#endif
