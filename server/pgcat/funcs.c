/*
 * funcs.c - the functions of catalog SQL, as SQLite user functions.
 *
 * PostgreSQL's catalog functions (version(), current_schemas(),
 * pg_get_userbyid(), format_type(), has_table_privilege(), ...), the
 * helpers that translate.c's output calls (pgcat_regclass() for
 * ::regclass, pgcat_array() for ARRAY[...], pgcat_array_json() for ANY
 * and unnest, ...), PostgreSQL's LIKE (case-sensitive, backslash escape)
 * and the REGEXP operator (POSIX regular expressions, as PostgreSQL's ~).
 * Arrays are their text form '{a,b}'.  An error that carries a SQLSTATE
 * is reported as "SQLSTATE:message" (pgcat.c splits it).
 *
 * Entry points: sl_pgcat_fns, sl_pgcat_register, sl_pgcat_fn_rettype,
 * sl_pgcat_fn_is_catalog_only.
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/commands/privileges.h"
#include "server/config.h"
#include "server/pgcat/pgcat_int.h"
#include "sluice/buf.h"
#include "sluice/version.h"

#define FN_CTX(c) ((sl_exec_ctx *)sqlite3_user_data(c))

static const char *fn_text(sqlite3_value *v)
{
    return (const char *)sqlite3_value_text(v);
}

static bool fn_null(sqlite3_value *v)
{
    return sqlite3_value_type(v) == SQLITE_NULL;
}

/* Runs a one-value lookup on the catalog database; *out owned by the caller (sqlite3_free). */
static char *fn_lookup(sqlite3_context *c, const char *sql, sqlite3_value *arg, const char *text)
{
    sqlite3 *db = sqlite3_context_db_handle(c);
    sqlite3_stmt *st;
    char *r = NULL;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    if (arg != NULL)
        sqlite3_bind_value(st, 1, arg);
    else
        sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        r = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return r;
}

static void fn_result_lookup(sqlite3_context *c, const char *sql, sqlite3_value *arg, const char *text)
{
    char *r = fn_lookup(c, sql, arg, text);
    if (r == NULL)
        sqlite3_result_null(c);
    else
        sqlite3_result_text(c, r, -1, sqlite3_free);
}

/* ---- arrays as text ---- */

/* The elements of a '{a,"b c",NULL}' array (or a '1 2 3' vector); *n of them, each malloc'd. */
static char **fn_array_split(const char *s, int *n, bool *vector)
{
    char **el = NULL;
    int cap = 0;
    sl_buf b;

    *n = 0;
    *vector = false;
    if (s == NULL)
        return NULL;
    while (isspace((unsigned char)*s))
        s++;
    if (*s != '{') {
        /* int2vector, oidvector: space separated */
        *vector = true;
        while (*s) {
            const char *e = s;
            while (*e && !isspace((unsigned char)*e))
                e++;
            if (e > s) {
                if (*n == cap)
                    el = realloc(el, sizeof(char *) * (size_t)(cap = cap ? cap * 2 : 8));
                el[(*n)++] = strndup(s, (size_t)(e - s));
            }
            s = e;
            while (isspace((unsigned char)*s))
                s++;
        }
        return el;
    }
    s++;
    sl_buf_init(&b);
    while (*s && *s != '}') {
        bool quoted = false;
        sl_buf_reset(&b, 0);
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '"') {
            quoted = true;
            s++;
            while (*s && *s != '"') {
                if (*s == '\\' && s[1])
                    s++;
                sl_buf_append(&b, s++, 1);
            }
            if (*s == '"')
                s++;
        } else {
            while (*s && *s != ',' && *s != '}')
                sl_buf_append(&b, s++, 1);
        }
        if (*n == cap)
            el = realloc(el, sizeof(char *) * (size_t)(cap = cap ? cap * 2 : 8));
        if (!quoted && b.len == 4 && strncasecmp(b.data, "null", 4) == 0)
            el[(*n)++] = NULL;
        else
            el[(*n)++] = strndup(b.data ? b.data : "", b.len);
        if (*s == ',')
            s++;
    }
    sl_buf_free(&b);
    return el;
}

static void fn_array_free(char **el, int n)
{
    for (int i = 0; i < n; i++)
        free(el[i]);
    free(el);
}

/* Appends one element as PostgreSQL's array_out writes it. */
static void fn_array_put(sl_buf *b, const char *v)
{
    bool quote =
        v != NULL && (*v == '\0' || strcasecmp(v, "null") == 0 || strpbrk(v, "{},\"\\ \t\n") != NULL);
    if (v == NULL) {
        sl_buf_puts(b, "NULL");
        return;
    }
    if (!quote) {
        sl_buf_puts(b, v);
        return;
    }
    sl_buf_append(b, "\"", 1);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            sl_buf_append(b, "\\", 1);
        sl_buf_append(b, v, 1);
    }
    sl_buf_append(b, "\"", 1);
}

static void fn_result_buf(sqlite3_context *c, sl_buf *b)
{
    sqlite3_result_text(c, b->data ? b->data : "", (int)b->len, SQLITE_TRANSIENT);
    sl_buf_free(b);
}

/* pgcat_array(a, b, ...): ARRAY[a, b, ...] */
static void fn_array(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_append(&b, "{", 1);
    for (int i = 0; i < argc; i++) {
        if (i > 0)
            sl_buf_append(&b, ",", 1);
        fn_array_put(&b, fn_null(argv[i]) ? NULL : fn_text(argv[i]));
    }
    sl_buf_append(&b, "}", 1);
    fn_result_buf(c, &b);
}

/* pgcat_array_json(arr): the elements as a JSON array, for json_each (ANY, unnest). */
static void fn_array_json(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    int n;
    bool vector;
    char **el;
    sl_buf b;

    (void)argc;
    if (fn_null(argv[0])) {
        sqlite3_result_text(c, "[]", -1, SQLITE_STATIC);
        return;
    }
    el = fn_array_split(fn_text(argv[0]), &n, &vector);
    sl_buf_init(&b);
    sl_buf_append(&b, "[", 1);
    for (int i = 0; i < n; i++) {
        const char *v = el[i];
        char *end;
        if (i > 0)
            sl_buf_append(&b, ",", 1);
        if (v == NULL) {
            sl_buf_puts(&b, "null");
            continue;
        }
        strtoll(v, &end, 10);
        if (*v && *end == '\0' && (isdigit((unsigned char)*v) || *v == '-')) {
            sl_buf_puts(&b, v);
            continue;
        }
        sl_buf_append(&b, "\"", 1);
        for (; *v; v++) {
            if (*v == '"' || *v == '\\')
                sl_buf_printf(&b, "\\%c", *v);
            else if ((unsigned char)*v < 0x20)
                sl_buf_printf(&b, "\\u%04x", (unsigned char)*v);
            else
                sl_buf_append(&b, v, 1);
        }
        sl_buf_append(&b, "\"", 1);
    }
    sl_buf_append(&b, "]", 1);
    fn_array_free(el, n);
    fn_result_buf(c, &b);
}

/* pgcat_elem(arr, i): arr[i] (1-based for arrays, 0-based for int2vector and oidvector, as in PostgreSQL). */
static void fn_elem(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    int n;
    bool vector;
    char **el;
    int64_t i;

    (void)argc;
    if (fn_null(argv[0]) || fn_null(argv[1])) {
        sqlite3_result_null(c);
        return;
    }
    el = fn_array_split(fn_text(argv[0]), &n, &vector);
    i = sqlite3_value_int64(argv[1]) - (vector ? 0 : 1);
    if (i < 0 || i >= n || el[i] == NULL)
        sqlite3_result_null(c);
    else {
        char *end;
        long long v = strtoll(el[i], &end, 10);
        if (*el[i] && *end == '\0')
            sqlite3_result_int64(c, v);
        else
            sqlite3_result_text(c, el[i], -1, SQLITE_TRANSIENT);
    }
    fn_array_free(el, n);
}

/* array_to_string(arr, sep [, null_text]) */
static void fn_array_to_string(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    int n, k = 0;
    bool vector;
    char **el;
    sl_buf b;

    if (fn_null(argv[0]) || fn_null(argv[1])) {
        sqlite3_result_null(c);
        return;
    }
    el = fn_array_split(fn_text(argv[0]), &n, &vector);
    sl_buf_init(&b);
    sl_buf_append(&b, "", 0);
    for (int i = 0; i < n; i++) {
        const char *v = el[i] ? el[i] : (argc > 2 && !fn_null(argv[2]) ? fn_text(argv[2]) : NULL);
        if (v == NULL)
            continue;
        if (k++ > 0)
            sl_buf_puts(&b, fn_text(argv[1]));
        sl_buf_puts(&b, v);
    }
    fn_array_free(el, n);
    fn_result_buf(c, &b);
}

/* array_remove(arr, v) */
static void fn_array_remove(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    int n;
    bool vector;
    char **el;
    sl_buf b;
    const char *v = fn_null(argv[1]) ? NULL : fn_text(argv[1]);

    (void)argc;
    if (fn_null(argv[0])) {
        sqlite3_result_null(c);
        return;
    }
    el = fn_array_split(fn_text(argv[0]), &n, &vector);
    sl_buf_init(&b);
    sl_buf_append(&b, "{", 1);
    for (int i = 0, k = 0; i < n; i++) {
        if (v == NULL ? el[i] == NULL : (el[i] != NULL && strcmp(el[i], v) == 0))
            continue;
        if (k++ > 0)
            sl_buf_append(&b, ",", 1);
        fn_array_put(&b, el[i]);
    }
    sl_buf_append(&b, "}", 1);
    fn_array_free(el, n);
    fn_result_buf(c, &b);
}

/* array_length(arr, dim), cardinality(arr), array_upper(arr, dim) */
static void fn_array_length(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    int n;
    bool vector;
    char **el;

    (void)argc;
    if (fn_null(argv[0])) {
        sqlite3_result_null(c);
        return;
    }
    el = fn_array_split(fn_text(argv[0]), &n, &vector);
    fn_array_free(el, n);
    if (n == 0 && argc > 1)
        sqlite3_result_null(c);
    else
        sqlite3_result_int(c, n);
}

/* array_agg / pgcat_array_agg: '{a,b}'; string_agg(x, sep) */
typedef struct fn_agg {
    sl_buf b;
    int n;
} fn_agg;

static void fn_array_agg_step(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    fn_agg *a = sqlite3_aggregate_context(c, sizeof(*a));
    (void)argc;
    if (a == NULL)
        return;
    if (a->n++ == 0)
        sl_buf_init(&a->b);
    else
        sl_buf_append(&a->b, ",", 1);
    fn_array_put(&a->b, fn_null(argv[0]) ? NULL : fn_text(argv[0]));
}

static void fn_array_agg_final(sqlite3_context *c)
{
    fn_agg *a = sqlite3_aggregate_context(c, 0);
    sl_buf b;
    if (a == NULL || a->n == 0) {
        sqlite3_result_null(c);
        return;
    }
    sl_buf_init(&b);
    sl_buf_printf(&b, "{%.*s}", (int)a->b.len, a->b.data ? a->b.data : "");
    sl_buf_free(&a->b);
    fn_result_buf(c, &b);
}

static void fn_string_agg_step(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    fn_agg *a;
    (void)argc;
    if (fn_null(argv[0]))
        return;
    a = sqlite3_aggregate_context(c, sizeof(*a));
    if (a == NULL)
        return;
    if (a->n++ == 0)
        sl_buf_init(&a->b);
    else if (!fn_null(argv[1]))
        sl_buf_puts(&a->b, fn_text(argv[1]));
    sl_buf_puts(&a->b, fn_text(argv[0]));
}

static void fn_string_agg_final(sqlite3_context *c)
{
    fn_agg *a = sqlite3_aggregate_context(c, 0);
    if (a == NULL || a->n == 0) {
        sqlite3_result_null(c);
        return;
    }
    sqlite3_result_text(c, a->b.data ? a->b.data : "", (int)a->b.len, SQLITE_TRANSIENT);
    sl_buf_free(&a->b);
}

/* ---- LIKE and regular expressions ---- */

/* PostgreSQL's LIKE: % and _, backslash escapes the next character; icase folds ASCII. */
static bool fn_like_match(const char *p, const char *s, bool icase)
{
    while (*p) {
        if (*p == '%') {
            while (*p == '%')
                p++;
            if (*p == '\0')
                return true;
            for (; *s; s++)
                if (fn_like_match(p, s, icase))
                    return true;
            return false;
        }
        if (*s == '\0')
            return false;
        if (*p == '_') {
            p++;
            s++;
            continue;
        }
        if (*p == '\\' && p[1])
            p++;
        if (icase ? tolower((unsigned char)*p) != tolower((unsigned char)*s) : *p != *s)
            return false;
        p++;
        s++;
    }
    return *s == '\0';
}

/* like(pattern, subject): a pattern starting with char(1) is ILIKE's */
static void fn_like(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    const char *p = fn_text(argv[0]), *s = fn_text(argv[1]);
    bool icase = false;
    (void)argc;
    if (p == NULL || s == NULL) {
        sqlite3_result_null(c);
        return;
    }
    if (*p == '\1') {
        icase = true;
        p++;
    }
    sqlite3_result_int(c, fn_like_match(p, s, icase));
}

static void fn_regfree(void *p)
{
    regfree(p);
    free(p);
}

/* regexp(pattern, subject): X REGEXP Y; a pattern starting with char(1) is ~*'s */
static void fn_regexp(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    const char *p = fn_text(argv[0]), *s = fn_text(argv[1]);
    regex_t *re;
    (void)argc;
    if (p == NULL || s == NULL) {
        sqlite3_result_null(c);
        return;
    }
    re = sqlite3_get_auxdata(c, 0);
    if (re == NULL) {
        int flags = REG_EXTENDED | REG_NOSUB;
        if (*p == '\1') {
            flags |= REG_ICASE;
            p++;
        }
        re = malloc(sizeof(*re));
        if (re == NULL || regcomp(re, p, flags) != 0) {
            free(re);
            sqlite3_result_error(c, SL_ERRCODE_INVALID_REGULAR_EXPRESSION ":invalid regular expression", -1);
            return;
        }
        sqlite3_set_auxdata(c, 0, re, fn_regfree);
        re = sqlite3_get_auxdata(c, 0);
        if (re == NULL) {
            sqlite3_result_error_nomem(c);
            return;
        }
    }
    sqlite3_result_int(c, regexec(re, s, 0, NULL, 0) == 0);
}

/* ---- reg* types: OIDs inside, names outside ---- */

/* Splits "schema.name" / "\"Name\"" as PostgreSQL's name parsing does; returns the relation name. */
static void fn_qualname(const char *in, char *schema, char *name, size_t size)
{
    char part[2][256] = {"", ""};
    int np = 0;
    size_t k = 0;
    bool q = false;

    for (const char *s = in; *s && np < 2; s++) {
        if (*s == '"') {
            if (q && s[1] == '"') {
                if (k < 255)
                    part[np][k++] = '"';
                s++;
            } else
                q = !q;
        } else if (*s == '.' && !q) {
            part[np][k] = '\0';
            np++;
            k = 0;
        } else if (k < 255)
            part[np][k++] = q ? *s : (char)tolower((unsigned char)*s);
    }
    if (np < 2)
        part[np][k] = '\0';
    if (np >= 1) {
        snprintf(schema, size, "%s", part[0]);
        snprintf(name, size, "%s", part[1]);
    } else {
        schema[0] = '\0';
        snprintf(name, size, "%s", part[0]);
    }
}

static bool fn_is_int(sqlite3_value *v)
{
    const char *t;
    char *end;
    if (sqlite3_value_type(v) == SQLITE_INTEGER)
        return true;
    t = fn_text(v);
    if (t == NULL || *t == '\0')
        return false;
    strtoll(t, &end, 10);
    return *end == '\0';
}

static void fn_regclass(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    char schema[256], name[256], *r, *sql;
    (void)argc;
    if (fn_null(argv[0]) || fn_is_int(argv[0])) {
        sqlite3_result_value(c, argv[0]);
        return;
    }
    fn_qualname(fn_text(argv[0]), schema, name, sizeof(name));
    sql = sqlite3_mprintf(
        "SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
        "c.relnamespace WHERE c.relname = ?1 AND %s ORDER BY n.nspname <> 'pg_catalog' LIMIT 1",
        schema[0] ? "n.nspname = %Q" : "n.nspname IN ('pg_catalog', 'public')");
    char *full = sqlite3_mprintf(sql, schema);
    sqlite3_free(sql);
    r = fn_lookup(c, full, NULL, name);
    sqlite3_free(full);
    if (r == NULL) {
        char *m =
            sqlite3_mprintf(SL_ERRCODE_UNDEFINED_TABLE ":relation \"%s\" does not exist", fn_text(argv[0]));
        sqlite3_result_error(c, m, -1);
        sqlite3_free(m);
        return;
    }
    sqlite3_result_int64(c, strtoll(r, NULL, 10));
    sqlite3_free(r);
}

static void fn_regtype(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    char schema[256], name[256], *r;
    uint32_t oid;
    (void)argc;
    if (fn_null(argv[0]) || fn_is_int(argv[0])) {
        sqlite3_result_value(c, argv[0]);
        return;
    }
    fn_qualname(fn_text(argv[0]), schema, name, sizeof(name));
    size_t n = strlen(name);
    bool array = n > 2 && strcmp(name + n - 2, "[]") == 0;
    if (array)
        name[n - 2] = '\0';
    oid = sl_pgcat_type_by_name(name);
    if (oid != 0) {
        uint32_t elem;
        const sl_pgcat_type *t = array ? sl_pgcat_type_by_oid(oid, &elem) : NULL;
        if (array && (t == NULL || t->array == 0)) {
            char *m =
                sqlite3_mprintf(SL_ERRCODE_UNDEFINED_OBJECT ":type \"%s\" does not exist", fn_text(argv[0]));
            sqlite3_result_error(c, m, -1);
            sqlite3_free(m);
            return;
        }
        sqlite3_result_int64(c, array ? t->array : oid);
        return;
    }
    r = fn_lookup(c, "SELECT oid FROM pg_catalog.pg_type WHERE typname = ?1", NULL, name);
    if (r == NULL) {
        char *m =
            sqlite3_mprintf(SL_ERRCODE_UNDEFINED_OBJECT ":type \"%s\" does not exist", fn_text(argv[0]));
        sqlite3_result_error(c, m, -1);
        sqlite3_free(m);
        return;
    }
    sqlite3_result_int64(c, strtoll(r, NULL, 10));
    sqlite3_free(r);
}

/* regproc, regnamespace, regrole and ::oid of a name */
static void fn_regother(sqlite3_context *c, const char *sql, sqlite3_value *v, const char *what)
{
    char schema[256], name[256], *r;
    if (fn_null(v) || fn_is_int(v)) {
        sqlite3_result_int64(c, sqlite3_value_int64(v));
        return;
    }
    if (strcmp(fn_text(v), "-") == 0) {
        sqlite3_result_int(c, 0);
        return;
    }
    fn_qualname(fn_text(v), schema, name, sizeof(name));
    r = fn_lookup(c, sql, NULL, name);
    if (r == NULL) {
        char *m = sqlite3_mprintf(SL_ERRCODE_UNDEFINED_OBJECT ":%s \"%s\" does not exist", what, fn_text(v));
        sqlite3_result_error(c, m, -1);
        sqlite3_free(m);
        return;
    }
    sqlite3_result_int64(c, strtoll(r, NULL, 10));
    sqlite3_free(r);
}

static void fn_regproc(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (!fn_null(argv[0]) && !fn_is_int(argv[0])) {
        /* the I/O functions of pg_type are not all rows of pg_proc: their OIDs are stable hashes */
        char schema[256], name[256];
        fn_qualname(fn_text(argv[0]), schema, name, sizeof(name));
        if (strcmp(name, "-") == 0)
            sqlite3_result_int(c, 0);
        else
            sqlite3_result_text(c, name, -1, SQLITE_TRANSIENT); /* as pg_type's typinput... hold them */
        return;
    }
    sqlite3_result_value(c, argv[0]);
}

static void fn_regnamespace(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    fn_regother(c, "SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ?1", argv[0], "schema");
}

static void fn_regrole(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    fn_regother(c, "SELECT oid FROM pg_catalog.pg_authid WHERE rolname = ?1", argv[0], "role");
}

/* pgcat_regtypes(v): an oidvector or oid[] as regtype[] prints, '{integer,text}' */
static void fn_regtypes(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    int n;
    bool vector;
    char **el;
    sl_buf b;

    (void)argc;
    if (fn_null(argv[0])) {
        sqlite3_result_null(c);
        return;
    }
    el = fn_array_split(fn_text(argv[0]), &n, &vector);
    sl_buf_init(&b);
    sl_buf_append(&b, "{", 1);
    for (int i = 0; i < n; i++) {
        uint32_t elem = 0;
        const sl_pgcat_type *t =
            el[i] ? sl_pgcat_type_by_oid((uint32_t)strtoul(el[i], NULL, 10), &elem) : NULL;
        char name[96];
        snprintf(name, sizeof(name), "%s%s",
                 t ? (t->sqlname ? t->sqlname : t->name) : (el[i] ? el[i] : "NULL"), elem ? "[]" : "");
        if (i > 0)
            sl_buf_append(&b, ",", 1);
        fn_array_put(&b, name);
    }
    sl_buf_append(&b, "}", 1);
    fn_array_free(el, n);
    fn_result_buf(c, &b);
}

/* ::oid: numbers stay, the names of regproc values (typinput...) become stable OIDs */
static void fn_oid(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    char schema[256], name[256];
    (void)argc;
    if (fn_null(argv[0]) || fn_is_int(argv[0])) {
        sqlite3_result_value(c, argv[0]);
        return;
    }
    fn_qualname(fn_text(argv[0]), schema, name, sizeof(name));
    sqlite3_result_int64(c, strcmp(name, "-") == 0 ? 0 : sl_pgcat_object_oid("proc", name));
}

/* pgcat_regname(type, v): the text output of a reg* value */
static void fn_regname(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    int64_t type = sqlite3_value_int64(argv[0]);
    const char *sql = NULL;
    (void)argc;
    if (fn_null(argv[1])) {
        sqlite3_result_null(c);
        return;
    }
    if (!fn_is_int(argv[1])) {
        sqlite3_result_value(c, argv[1]);
        return;
    }
    if (sqlite3_value_int64(argv[1]) == 0) {
        sqlite3_result_text(c, "-", -1, SQLITE_STATIC);
        return;
    }
    switch (type) {
    case 2205:
        sql =
            "SELECT CASE WHEN n.nspname IN ('pg_catalog', 'public') THEN c.relname ELSE n.nspname || '.' || "
            "c.relname END FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
            "c.relnamespace "
            "WHERE c.oid = ?1";
        break;
    case 2206:
        sql = "SELECT format_type(?1, NULL)";
        break;
    case 24:
    case 2202:
        sql = "SELECT proname FROM pg_catalog.pg_proc WHERE oid = ?1";
        break;
    case 4089:
        sql = "SELECT nspname FROM pg_catalog.pg_namespace WHERE oid = ?1";
        break;
    case 4096:
        sql = "SELECT rolname FROM pg_catalog.pg_authid WHERE oid = ?1";
        break;
    }
    char *r = sql ? fn_lookup(c, sql, argv[1], NULL) : NULL;
    if (r == NULL)
        sqlite3_result_text(c, fn_text(argv[1]), -1, SQLITE_TRANSIENT);
    else
        sqlite3_result_text(c, r, -1, sqlite3_free);
}

static void fn_bool(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    const char *t = fn_text(argv[0]);
    (void)argc;
    if (t == NULL) {
        sqlite3_result_null(c);
        return;
    }
    if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER) {
        sqlite3_result_int(c, sqlite3_value_int64(argv[0]) != 0);
        return;
    }
    sqlite3_result_int(c, strcasecmp(t, "t") == 0 || strcasecmp(t, "true") == 0 || strcasecmp(t, "on") == 0 ||
                              strcasecmp(t, "yes") == 0 || strcasecmp(t, "y") == 0 || strcmp(t, "1") == 0);
}

static void fn_booltext(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (fn_null(argv[0]))
        sqlite3_result_null(c);
    else
        sqlite3_result_text(c, sqlite3_value_int64(argv[0]) ? "true" : "false", -1, SQLITE_STATIC);
}

/* ---- session and server ---- */

static void fn_current_user(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_text(c, FN_CTX(c)->role ? FN_CTX(c)->role : "", -1, SQLITE_TRANSIENT);
}

static void fn_version(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    /* the words drivers parse ("PostgreSQL 15.0"), then what this is */
    sqlite3_result_text(c, "PostgreSQL " SL_SERVER_VERSION ", a streaming SQL server", -1, SQLITE_STATIC);
}

static void fn_current_schema(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_text(c, "public", -1, SQLITE_STATIC);
}

static void fn_current_schemas(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_text(c, sqlite3_value_int64(argv[0]) ? "{pg_catalog,public}" : "{public}", -1,
                        SQLITE_STATIC);
}

static void fn_current_database(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_text(c, "sluice", -1, SQLITE_STATIC);
}

static void fn_current_setting(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    sl_exec_ctx *ctx = FN_CTX(c);
    sl_error err;
    const char *v;
    if (fn_null(argv[0])) {
        sqlite3_result_null(c);
        return;
    }
    v = sl_settings_show(ctx->settings, ctx->stmt_cx, fn_text(argv[0]), &err);
    if (v == NULL) {
        if (argc > 1 && sqlite3_value_int64(argv[1])) {
            sqlite3_result_null(c);
            return;
        }
        char *m = sqlite3_mprintf(SL_ERRCODE_UNDEFINED_OBJECT ":unrecognized configuration parameter \"%s\"",
                                  fn_text(argv[0]));
        sqlite3_result_error(c, m, -1);
        sqlite3_free(m);
        return;
    }
    sqlite3_result_text(c, v, -1, SQLITE_TRANSIENT);
}

static void fn_userbyid(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    char *r;
    (void)argc;
    if (fn_null(argv[0])) {
        sqlite3_result_null(c);
        return;
    }
    r = fn_lookup(c, "SELECT rolname FROM pg_catalog.pg_authid WHERE oid = ?1", argv[0], NULL);
    if (r == NULL)
        r = sqlite3_mprintf("unknown (OID=%lld)", (long long)sqlite3_value_int64(argv[0]));
    sqlite3_result_text(c, r, -1, sqlite3_free);
}

static void fn_backend_pid(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_int(c, (int)getpid());
}

static void fn_null_result(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_null(c);
}

static void fn_true(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_int(c, 1);
}

static void fn_false(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_int(c, 0);
}

static void fn_zero(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_int(c, 0);
}

static void fn_first_arg(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_value(c, argv[0]);
}

/* format_type(oid, typmod): the SQL name of a type */
static void fn_format_type(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    uint32_t elem = 0;
    const sl_pgcat_type *t;
    (void)argc;
    if (fn_null(argv[0])) {
        sqlite3_result_null(c);
        return;
    }
    t = sl_pgcat_type_by_oid((uint32_t)sqlite3_value_int64(argv[0]), &elem);
    if (t == NULL) {
        fn_result_lookup(c, "SELECT typname FROM pg_catalog.pg_type WHERE oid = ?1", argv[0], NULL);
        return;
    }
    if (elem != 0) {
        char *r = sqlite3_mprintf("%s[]", t->sqlname ? t->sqlname : t->name);
        sqlite3_result_text(c, r, -1, sqlite3_free);
    } else
        sqlite3_result_text(c, t->sqlname ? t->sqlname : t->name, -1, SQLITE_STATIC);
}

static void fn_encoding_to_char(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_text(c, sqlite3_value_int64(argv[0]) == 6 ? "UTF8" : "", -1, SQLITE_STATIC);
}

static void fn_char_to_encoding(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    const char *t = fn_text(argv[0]);
    (void)argc;
    sqlite3_result_int(c, t && (strcasecmp(t, "utf8") == 0 || strcasecmp(t, "utf-8") == 0) ? 6 : -1);
}

/* has_table_privilege([user,] table, privilege): SELECT on a relation the role may read (a source it
 * owns or was granted USAGE on); catalog relations for everyone */
static void fn_has_table_privilege(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    sqlite3_value *rel = argv[argc - 2];
    char *r;
    if (fn_null(rel)) {
        sqlite3_result_null(c);
        return;
    }
    if (!fn_is_int(rel)) {
        char schema[256], name[256];
        fn_qualname(fn_text(rel), schema, name, sizeof(name));
        r = fn_lookup(
            c,
            "SELECT coalesce((SELECT readable FROM pg_catalog.pgcat_access a JOIN pg_catalog.pg_class c "
            "ON c.oid = a.oid WHERE c.relname = ?1), 1)",
            NULL, name);
    } else
        r = fn_lookup(c, "SELECT coalesce((SELECT readable FROM pg_catalog.pgcat_access WHERE oid = ?1), 1)",
                      rel, NULL);
    sqlite3_result_int(c, r != NULL && strcmp(r, "1") == 0);
    sqlite3_free(r);
}

static void fn_function_result(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    fn_result_lookup(c, "SELECT format_type(prorettype, NULL) FROM pg_catalog.pg_proc WHERE oid = ?1",
                     argv[0], NULL);
}

static void fn_function_arguments(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    char *r;
    int n;
    bool vector;
    char **el;
    sl_buf b;
    (void)argc;
    r = fn_lookup(c, "SELECT proargtypes FROM pg_catalog.pg_proc WHERE oid = ?1", argv[0], NULL);
    if (r == NULL) {
        sqlite3_result_null(c);
        return;
    }
    el = fn_array_split(r, &n, &vector);
    sqlite3_free(r);
    sl_buf_init(&b);
    sl_buf_append(&b, "", 0);
    for (int i = 0; i < n; i++) {
        uint32_t elem = 0;
        const sl_pgcat_type *t = sl_pgcat_type_by_oid((uint32_t)strtoul(el[i], NULL, 10), &elem);
        if (i > 0)
            sl_buf_puts(&b, ", ");
        sl_buf_printf(&b, "%s%s", t ? (t->sqlname ? t->sqlname : t->name) : el[i], elem ? "[]" : "");
    }
    fn_array_free(el, n);
    fn_result_buf(c, &b);
}

static void fn_viewdef(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    fn_result_lookup(c, "SELECT def FROM pg_catalog.pgcat_access WHERE oid = ?1", argv[0], NULL);
}

static void fn_quote_ident(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    const char *t = fn_text(argv[0]);
    bool plain = t != NULL && *t && (islower((unsigned char)*t) || *t == '_');
    (void)argc;
    if (t == NULL) {
        sqlite3_result_null(c);
        return;
    }
    for (const char *s = t; *s && plain; s++)
        plain = islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_';
    if (plain) {
        sqlite3_result_value(c, argv[0]);
        return;
    }
    char *q = sqlite3_mprintf("\"%w\"", t);
    sqlite3_result_text(c, q, -1, sqlite3_free);
}

/* quote_literal(text): 'it''s' */
static void fn_quote_literal(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (fn_null(argv[0])) {
        sqlite3_result_null(c);
        return;
    }
    sqlite3_result_text(c, sqlite3_mprintf("%Q", fn_text(argv[0])), -1, sqlite3_free);
}

static void fn_size_pretty(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    char *r = sqlite3_mprintf("%lld bytes", (long long)sqlite3_value_int64(argv[0]));
    sqlite3_result_text(c, r, -1, sqlite3_free);
}

static void fn_now(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    fn_result_lookup(c, "SELECT strftime('%Y-%m-%d %H:%M:%f+00', 'now') WHERE ?1 IS NULL", NULL, NULL);
}

/* pgcat_series(a, b [, step]): generate_series as a JSON array (at most 100000 values) */
static void fn_series(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    int64_t a = sqlite3_value_int64(argv[0]), b = sqlite3_value_int64(argv[1]);
    int64_t step = argc > 2 ? sqlite3_value_int64(argv[2]) : 1;
    sl_buf out;
    int n = 0;

    if (fn_null(argv[0]) || fn_null(argv[1]) || step == 0) {
        sqlite3_result_text(c, "[]", -1, SQLITE_STATIC);
        return;
    }
    sl_buf_init(&out);
    sl_buf_append(&out, "[", 1);
    for (int64_t v = a; (step > 0 ? v <= b : v >= b) && n < 100000; v += step, n++)
        sl_buf_printf(&out, "%s%lld", n ? "," : "", (long long)v);
    sl_buf_append(&out, "]", 1);
    fn_result_buf(c, &out);
}

/* pgcat_subscripts(arr, dim): generate_subscripts as a JSON array (0-based for int2vector and oidvector) */
static void fn_subscripts(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    int n;
    bool vector;
    char **el = fn_array_split(fn_text(argv[0]), &n, &vector);
    sl_buf out;

    (void)argc;
    fn_array_free(el, n);
    sl_buf_init(&out);
    sl_buf_append(&out, "[", 1);
    for (int i = 0; i < n; i++)
        sl_buf_printf(&out, "%s%d", i ? "," : "", vector ? i : i + 1);
    sl_buf_append(&out, "]", 1);
    fn_result_buf(c, &out);
}

/* The table: name, arguments (-1 any), result type, argument types (pg_proc), body. */
const sl_pgcat_fn sl_pgcat_fns[] = {
    {"version", 0, 25, "", fn_version},
    {"current_schema", 0, 19, "", fn_current_schema},
    {"current_schemas", 1, 1003, "16", fn_current_schemas},
    {"current_database", 0, 19, "", fn_current_database},
    {"current_setting", 1, 25, "25", fn_current_setting},
    {"current_setting", 2, 25, "25 16", fn_current_setting},
    {"pg_get_userbyid", 1, 19, "26", fn_userbyid},
    {"pg_backend_pid", 0, 23, "", fn_backend_pid},
    {"pg_advisory_unlock_all", 0, 2278, "", fn_null_result},
    {"format_type", 2, 25, "26 23", fn_format_type},
    {"obj_description", 1, 25, "26", fn_null_result},
    {"obj_description", 2, 25, "26 19", fn_null_result},
    {"col_description", 2, 25, "26 23", fn_null_result},
    {"shobj_description", 2, 25, "26 19", fn_null_result},
    {"pg_table_is_visible", 1, 16, "26", fn_true},
    {"pg_type_is_visible", 1, 16, "26", fn_true},
    {"pg_function_is_visible", 1, 16, "26", fn_true},
    {"pg_get_expr", 2, 25, "194 26", fn_first_arg},
    {"pg_get_expr", 3, 25, "194 26 16", fn_first_arg},
    {"pg_get_indexdef", 1, 25, "26", fn_null_result},
    {"pg_get_indexdef", 3, 25, "26 23 16", fn_null_result},
    {"pg_get_constraintdef", 1, 25, "26", fn_null_result},
    {"pg_get_constraintdef", 2, 25, "26 16", fn_null_result},
    {"pg_get_triggerdef", 1, 25, "26", fn_null_result},
    {"pg_get_triggerdef", 2, 25, "26 16", fn_null_result},
    {"pg_get_viewdef", 1, 25, "26", fn_viewdef},
    {"pg_get_viewdef", 2, 25, "26 16", fn_viewdef},
    {"pg_get_partkeydef", 1, 25, "26", fn_null_result},
    {"pg_get_statisticsobjdef_columns", 1, 25, "26", fn_null_result},
    {"pg_get_ruledef", 1, 25, "26", fn_null_result},
    {"pg_get_ruledef", 2, 25, "26 16", fn_null_result},
    {"pg_get_functiondef", 1, 25, "26", fn_null_result},
    {"pg_tablespace_location", 1, 25, "26", fn_null_result},
    {"pg_get_serial_sequence", 2, 25, "25 25", fn_null_result},
    {"pg_get_function_result", 1, 25, "26", fn_function_result},
    {"pg_get_function_arguments", 1, 25, "26", fn_function_arguments},
    {"pg_get_function_identity_arguments", 1, 25, "26", fn_function_arguments},
    {"has_table_privilege", 2, 16, "25 25", fn_has_table_privilege},
    {"has_table_privilege", 3, 16, "19 25 25", fn_has_table_privilege},
    {"has_schema_privilege", 2, 16, "25 25", fn_true},
    {"has_schema_privilege", 3, 16, "19 25 25", fn_true},
    {"has_database_privilege", 2, 16, "25 25", fn_true},
    {"has_database_privilege", 3, 16, "19 25 25", fn_true},
    {"pg_has_role", 2, 16, "19 25", fn_true},
    {"pg_has_role", 3, 16, "19 19 25", fn_true},
    {"pg_is_in_recovery", 0, 16, "", fn_false},
    {"pg_relation_is_publishable", 1, 16, "2205", fn_false},
    {"pg_encoding_to_char", 1, 19, "23", fn_encoding_to_char},
    {"pg_char_to_encoding", 1, 23, "19", fn_char_to_encoding},
    {"array_to_string", 2, 25, "2277 25", fn_array_to_string},
    {"array_to_string", 3, 25, "2277 25 25", fn_array_to_string},
    {"array_length", 2, 23, "2277 23", fn_array_length},
    {"array_remove", 2, 2277, "2277 2283", fn_array_remove},
    {"array_upper", 2, 23, "2277 23", fn_array_length},
    {"cardinality", 1, 23, "2277", fn_array_length},
    {"pg_relation_size", 1, 20, "2205", fn_zero},
    {"pg_total_relation_size", 1, 20, "2205", fn_zero},
    {"pg_table_size", 1, 20, "2205", fn_zero},
    {"pg_size_pretty", 1, 25, "20", fn_size_pretty},
    {"quote_ident", 1, 25, "25", fn_quote_ident},
    {"quote_literal", 1, 25, "25", fn_quote_literal},
    {"now", 0, 1184, "", fn_now},
    {"pg_postmaster_start_time", 0, 1184, "", fn_now},
    /* the translator's helpers (not in pg_proc) */
    {"pgcat_current_user", 0, 19, NULL, fn_current_user},
    {"pgcat_array", -1, 1009, NULL, fn_array},
    {"pgcat_array_json", 1, 25, NULL, fn_array_json},
    {"pgcat_series", 2, 25, NULL, fn_series},
    {"pgcat_subscripts", 2, 25, NULL, fn_subscripts},
    {"pgcat_series", 3, 25, NULL, fn_series},
    {"pgcat_elem", 2, 25, NULL, fn_elem},
    {"pgcat_regclass", 1, 2205, NULL, fn_regclass},
    {"pgcat_regtype", 1, 2206, NULL, fn_regtype},
    {"pgcat_regproc", 1, 24, NULL, fn_regproc},
    {"pgcat_regnamespace", 1, 4089, NULL, fn_regnamespace},
    {"pgcat_regrole", 1, 4096, NULL, fn_regrole},
    {"pgcat_regname", 2, 25, NULL, fn_regname},
    {"pgcat_regtypes", 1, 1009, NULL, fn_regtypes},
    {"pgcat_oid", 1, 26, NULL, fn_oid},
    {"pgcat_bool", 1, 16, NULL, fn_bool},
    {"pgcat_booltext", 1, 25, NULL, fn_booltext},
    {"like", 2, 16, NULL, fn_like},
    {"regexp", 2, 16, NULL, fn_regexp},
    {NULL, 0, 0, NULL, NULL},
};

/* Aggregates (in pg_proc too, prokind 'a'). */
static const struct {
    const char *name;
    int nargs;
    uint32_t rettype;
    void (*step)(sqlite3_context *, int, sqlite3_value **);
    void (*final)(sqlite3_context *);
} fn_aggs[] = {
    {"array_agg", 1, 1009, fn_array_agg_step, fn_array_agg_final},
    {"pgcat_array_agg", 1, 1009, fn_array_agg_step, fn_array_agg_final},
    {"string_agg", 2, 25, fn_string_agg_step, fn_string_agg_final},
};

uint32_t sl_pgcat_fn_rettype(const char *name)
{
    static const struct {
        const char *name;
        uint32_t oid;
    } others[] = {{"count", 20},       {"row_number", 20}, {"rank", 20},   {"dense_rank", 20},
                  {"array_agg", 1009}, {"string_agg", 25}, {"lower", 25},  {"upper", 25},
                  {"length", 23},      {"coalesce", 0},    {"max", 0},     {"min", 0},
                  {"sum", 20},         {"substring", 25},  {"concat", 25}, {"replace", 25},
                  {"trim", 25}};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        if (strcmp(others[i].name, name) == 0)
            return others[i].oid;
    for (int i = 0; sl_pgcat_fns[i].name; i++)
        if (strcmp(sl_pgcat_fns[i].name, name) == 0)
            return sl_pgcat_fns[i].rettype;
    return 0;
}

bool sl_pgcat_fn_is_catalog_only(const char *name)
{
    /* version() and the SQL functions sluice's engine has stay with it */
    if (strcmp(name, "version") == 0 || strcmp(name, "now") == 0 || strcmp(name, "like") == 0 ||
        strcmp(name, "regexp") == 0 || strncmp(name, "pgcat_", 6) == 0)
        return false;
    for (int i = 0; sl_pgcat_fns[i].name; i++)
        if (strcmp(sl_pgcat_fns[i].name, name) == 0)
            return true;
    return false;
}

sl_status sl_pgcat_register(sqlite3 *db, sl_exec_ctx *ctx, sl_error *err)
{
    for (int i = 0; sl_pgcat_fns[i].name; i++) {
        const sl_pgcat_fn *f = &sl_pgcat_fns[i];
        int flags = SQLITE_UTF8 | (strcmp(f->name, "now") == 0 ? 0 : SQLITE_DETERMINISTIC);
        if (sqlite3_create_function(db, f->name, f->nargs, flags, ctx, f->fn, NULL, NULL) != SQLITE_OK)
            return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "catalog function %s: %s", f->name,
                                sqlite3_errmsg(db));
    }
    for (size_t i = 0; i < sizeof(fn_aggs) / sizeof(fn_aggs[0]); i++)
        if (sqlite3_create_function(db, fn_aggs[i].name, fn_aggs[i].nargs, SQLITE_UTF8, ctx, NULL,
                                    fn_aggs[i].step, fn_aggs[i].final) != SQLITE_OK)
            return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "catalog aggregate %s: %s", fn_aggs[i].name,
                                sqlite3_errmsg(db));
    return SL_OK;
}
