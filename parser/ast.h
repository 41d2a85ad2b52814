/*
 * ast.h - the parse tree: one tagged node type per construct.
 *
 * Every node starts with an sl_node header (its tag and the byte offset in
 * the statement text where it starts, -1 when unknown), so any node can be
 * passed as sl_node * and tested with SL_IS(node, Type).  Nodes are built by
 * the grammar's one-line actions through the constructors in ast.c and live
 * in the memory context given to sl_parse(); nothing here touches the
 * catalog: names are resolved later, in the server's binder.
 *
 * Identifiers are stored folded to lower case unless they were double-quoted.
 */
#ifndef SLUICE_AST_H
#define SLUICE_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/error.h"
#include "sluice/list.h"
#include "sluice/mcxt.h"

typedef enum sl_node_tag {
    SL_T_Invalid = 0,
    /* statements */
    SL_T_CreateSourceStmt,
    SL_T_CreateSinkStmt,
    SL_T_AlterStmt,
    SL_T_DropStmt,
    SL_T_ShowStmt,
    SL_T_SetStmt,
    SL_T_DescribeStmt,
    SL_T_SelectStmt,
    SL_T_CreateQueryStmt,
    SL_T_QueryControlStmt,
    SL_T_ExplainStmt,
    SL_T_TransactionStmt,
    SL_T_RoleStmt,
    SL_T_GrantStmt,
    SL_T_SessionStmt,
    SL_T_ExtensionStmt,
    /* parts of statements */
    SL_T_ColumnDef,
    SL_T_Option,
    SL_T_ResTarget,
    SL_T_WindowClause,
    SL_T_TypeName,
    /* expressions */
    SL_T_Const,
    SL_T_ColumnRef,
    SL_T_Star,
    SL_T_OpExpr,
    SL_T_BoolExpr,
    SL_T_NullTest,
    SL_T_BetweenExpr,
    SL_T_InExpr,
    SL_T_LikeExpr,
    SL_T_CaseExpr,
    SL_T_CaseWhen,
    SL_T_CastExpr,
    SL_T_FuncCall,
    SL_T_ParamRef,
    SL_T_NumTags
} sl_node_tag;

typedef struct sl_node {
    sl_node_tag tag;
    int location; /* byte offset in the statement text, -1 = unknown */
} sl_node;

#define SL_IS(node, Type) ((node) != NULL && ((const sl_node *)(node))->tag == SL_T_##Type)
#define SL_LOC(node)      (((const sl_node *)(node))->location)

/* Allocates a zeroed node of type sl_<Type> in cx with its tag set. */
void *sl_node_new(sl_mcxt *cx, sl_node_tag tag, size_t size, int location);
#define SL_NEW(cx, Type, loc) ((sl_##Type *)sl_node_new((cx), SL_T_##Type, sizeof(sl_##Type), (loc)))

/* The tag's name ("SelectStmt"), for printing trees and errors. */
const char *sl_node_tag_name(sl_node_tag tag);

/* ---- expressions ---- */

typedef enum sl_const_kind {
    SL_CONST_NULL,
    SL_CONST_BOOL,
    SL_CONST_INT,     /* fits in int64 */
    SL_CONST_NUMERIC, /* has a fraction or exponent, or does not fit int64: text kept */
    SL_CONST_STRING,
    SL_CONST_INTERVAL, /* INTERVAL '5 minutes', 5 MINUTES, 1m: microseconds */
} sl_const_kind;

typedef struct sl_Const {
    sl_node hdr;
    sl_const_kind kind;
    bool bval;
    int64_t ival;     /* INT value, or INTERVAL in microseconds */
    double dval;      /* NUMERIC value as a double */
    const char *text; /* NUMERIC and STRING: the literal's text (string unescaped) */
} sl_Const;

/* $n: a parameter of the extended query protocol (or PREPARE), bound at Bind/EXECUTE. */
typedef struct sl_ParamRef {
    sl_node hdr;
    int number; /* 1-based */
} sl_ParamRef;

typedef struct sl_ColumnRef {
    sl_node hdr;
    sl_list *names; /* of char *: ["station"] or ["readings", "station"]; ["a","b"] for a.b */
} sl_ColumnRef;

typedef struct sl_Star { /* `*` in a select list or count(*) */
    sl_node hdr;
} sl_Star;

typedef enum sl_op {
    /* binary */
    SL_OP_ADD,
    SL_OP_SUB,
    SL_OP_MUL,
    SL_OP_DIV,
    SL_OP_MOD,
    SL_OP_POW,
    SL_OP_EQ,
    SL_OP_NE,
    SL_OP_LT,
    SL_OP_LE,
    SL_OP_GT,
    SL_OP_GE,
    SL_OP_CONCAT,
    /* unary */
    SL_OP_NEG,
    SL_OP_PLUS,
} sl_op;

typedef struct sl_OpExpr {
    sl_node hdr;
    sl_op op;
    sl_node *left; /* NULL for unary operators */
    sl_node *right;
} sl_OpExpr;

typedef enum sl_bool_op { SL_BOOL_AND, SL_BOOL_OR, SL_BOOL_NOT } sl_bool_op;

typedef struct sl_BoolExpr {
    sl_node hdr;
    sl_bool_op op;
    sl_list *args; /* of sl_node *: two for AND/OR (nested), one for NOT */
} sl_BoolExpr;

typedef struct sl_NullTest {
    sl_node hdr;
    sl_node *arg;
    bool is_not; /* IS NOT NULL */
} sl_NullTest;

typedef struct sl_BetweenExpr {
    sl_node hdr;
    sl_node *arg, *low, *high;
    bool is_not;
} sl_BetweenExpr;

typedef struct sl_InExpr {
    sl_node hdr;
    sl_node *arg;
    sl_list *values; /* of sl_node * */
    bool is_not;
} sl_InExpr;

typedef struct sl_LikeExpr {
    sl_node hdr;
    sl_node *arg, *pattern;
    bool is_not;
    bool case_insensitive; /* ILIKE */
} sl_LikeExpr;

typedef struct sl_CaseWhen {
    sl_node hdr;
    sl_node *cond, *result;
} sl_CaseWhen;

typedef struct sl_CaseExpr {
    sl_node hdr;
    sl_node *arg;         /* CASE arg WHEN ..., NULL for searched CASE */
    sl_list *whens;       /* of sl_CaseWhen * */
    sl_node *else_result; /* NULL when absent */
} sl_CaseExpr;

typedef struct sl_TypeName {
    sl_node hdr;
    const char *name; /* folded, without modifiers: "bigint", "double precision", "character varying", ... */
    sl_list *mods;    /* the modifiers of varchar(10), numeric(10,2): integer sl_Const *; NULL when none */
} sl_TypeName;

typedef struct sl_CastExpr {
    sl_node hdr;
    sl_node *arg;
    sl_TypeName *type;
} sl_CastExpr;

typedef struct sl_FuncCall {
    sl_node hdr;
    const char *name; /* folded */
    sl_list *args;    /* of sl_node *; count(*) has one sl_Star */
    bool star;        /* f(*) */
    bool distinct;    /* f(DISTINCT x) */
} sl_FuncCall;

/* ---- statement parts ---- */

typedef struct sl_ColumnDef {
    sl_node hdr;
    const char *name;
    sl_TypeName *type;
} sl_ColumnDef;

typedef struct sl_Option { /* name = value in WITH (...) / SET (...) */
    sl_node hdr;
    const char *name; /* folded */
    sl_Const *value;  /* a string, number, boolean or interval literal; identifiers become strings */
} sl_Option;

typedef struct sl_ResTarget {
    sl_node hdr;
    sl_node *expr;     /* sl_Star for `*` */
    const char *alias; /* NULL when absent */
} sl_ResTarget;

typedef enum sl_window_kind {
    SL_WINDOW_TUMBLING,
    SL_WINDOW_HOPPING,
    SL_WINDOW_SESSION,
} sl_window_kind;

typedef struct sl_WindowClause {
    sl_node hdr;
    sl_window_kind kind;
    int64_t size_us;  /* tumbling/hopping size; session gap */
    int64_t slide_us; /* hopping only, else 0 */
} sl_WindowClause;

/* ---- statements ---- */

typedef enum sl_object_kind {
    SL_OBJ_SOURCE,
    SL_OBJ_SINK,
    SL_OBJ_QUERY,
} sl_object_kind;

typedef struct sl_CreateSourceStmt {
    sl_node hdr;
    const char *name;
    sl_list *columns;       /* of sl_ColumnDef *, NULL when not declared */
    const char *kind;       /* folded connector kind: "kafka", "xlsx", ... */
    sl_list *options;       /* of sl_Option * */
    const char *event_time; /* EVENT TIME column, NULL when absent */
    bool has_watermark;
    int64_t watermark_us; /* WATERMARK lateness */
} sl_CreateSourceStmt;

typedef struct sl_CreateSinkStmt {
    sl_node hdr;
    const char *name;
    const char *kind;
    sl_list *options;
} sl_CreateSinkStmt;

typedef struct sl_AlterStmt { /* ALTER SOURCE|SINK name SET (...) */
    sl_node hdr;
    sl_object_kind object;
    const char *name;
    sl_list *options;
} sl_AlterStmt;

typedef struct sl_DropStmt {
    sl_node hdr;
    sl_object_kind object;
    const char *name;
    bool if_exists;
} sl_DropStmt;

typedef enum sl_role_action {
    SL_ROLE_CREATE,
    SL_ROLE_ALTER,
    SL_ROLE_DROP,
} sl_role_action;

/* CREATE|ALTER ROLE name [WITH] attr..., DROP ROLE [IF EXISTS] name (or USER). */
typedef struct sl_RoleStmt {
    sl_node hdr;
    sl_role_action action;
    bool is_user; /* spelled USER: CREATE USER may log in unless NOLOGIN */
    const char *name;
    bool if_exists;
    sl_list *options; /* of sl_Option *: a word, with a string or NULL value or none */
} sl_RoleStmt;

/* CREATE EXTENSION name [VERSION 'v'] | DROP EXTENSION [IF EXISTS] name [CASCADE]. */
typedef struct sl_ExtensionStmt {
    sl_node hdr;
    bool drop;
    const char *name;
    const char *version; /* NULL: not given */
    bool if_exists;
    bool cascade;
} sl_ExtensionStmt;

typedef enum sl_grant_target {
    SL_GRANT_SOURCE,
    SL_GRANT_SINK,
    SL_GRANT_SERVER,
    SL_GRANT_ROLE, /* membership: GRANT role TO role */
} sl_grant_target;

/* GRANT privilege ON SOURCE|SINK name | SERVER TO role, GRANT role TO role, and REVOKE ... FROM. */
typedef struct sl_GrantStmt {
    sl_node hdr;
    bool revoke;
    const char *privilege; /* folded word; NULL for a role's membership */
    sl_grant_target target;
    const char *object; /* the source, sink or role; for SERVER the word written there */
    const char *grantee;
} sl_GrantStmt;

typedef enum sl_show_kind {
    SL_SHOW_SOURCES,
    SL_SHOW_SINKS,
    SL_SHOW_QUERIES,
    SL_SHOW_ROLES,
    SL_SHOW_GRANTS,
    SL_SHOW_EXTENSIONS,
    SL_SHOW_SETTING, /* SHOW name; SHOW ALL has name "all" */
} sl_show_kind;

typedef struct sl_ShowStmt {
    sl_node hdr;
    sl_show_kind what;
    const char *name; /* SL_SHOW_SETTING only */
} sl_ShowStmt;

typedef struct sl_SetStmt { /* SET [SESSION|LOCAL] name = value | name TO value | name TO DEFAULT */
    sl_node hdr;
    const char *name;
    const char *value; /* text of the value; NULL for DEFAULT */
    bool local;        /* SET LOCAL: until the end of the transaction block */
} sl_SetStmt;

typedef struct sl_DescribeStmt {
    sl_node hdr;
    const char *name;
} sl_DescribeStmt;

typedef struct sl_SelectStmt {
    sl_node hdr;
    sl_list *targets; /* of sl_ResTarget * */
    const char *from; /* source name, NULL for SELECT without FROM */
    int from_location;
    sl_node *where;          /* NULL when absent */
    sl_WindowClause *window; /* NULL when absent */
    sl_list *group_by;       /* of sl_node * */
    sl_node *having;
    const char *into; /* sink name, NULL for a push query */
    int into_location;
    int64_t limit; /* -1 when absent */
} sl_SelectStmt;

typedef struct sl_CreateQueryStmt {
    sl_node hdr;
    const char *name;
    sl_SelectStmt *select;
} sl_CreateQueryStmt;

typedef enum sl_query_action { SL_QUERY_PAUSE, SL_QUERY_RESUME } sl_query_action;

typedef struct sl_QueryControlStmt {
    sl_node hdr;
    sl_query_action action;
    const char *name;
} sl_QueryControlStmt;

typedef struct sl_ExplainStmt {
    sl_node hdr;
    sl_node *stmt; /* sl_SelectStmt (or CreateQueryStmt) */
} sl_ExplainStmt;

typedef enum sl_txn_kind {
    SL_TXN_BEGIN,       /* BEGIN, START TRANSACTION */
    SL_TXN_COMMIT,      /* COMMIT, END */
    SL_TXN_ROLLBACK,    /* ROLLBACK, ABORT */
    SL_TXN_SET,         /* SET TRANSACTION modes */
    SL_TXN_SET_SESSION, /* SET SESSION CHARACTERISTICS AS TRANSACTION modes */
} sl_txn_kind;

typedef struct sl_TransactionStmt { /* accepted for drivers that wrap statements in BEGIN/COMMIT */
    sl_node hdr;
    sl_txn_kind kind;
    /* ISOLATION LEVEL, READ ONLY|WRITE, [NOT] DEFERRABLE as sl_Option * named by the
     * setting each one sets: transaction_isolation ('read committed', ...),
     * transaction_read_only and transaction_deferrable (booleans); NULL when none */
    sl_list *modes;
    bool start; /* SL_TXN_BEGIN written START TRANSACTION (its command tag) */
} sl_TransactionStmt;

/* The session statements drivers send on their own (pool resets and the like). */
typedef enum sl_session_kind {
    SL_SESSION_RESET,    /* RESET name | RESET ALL */
    SL_SESSION_DISCARD,  /* DISCARD ALL | PLANS | SEQUENCES | TEMP (name: that word in upper case; NULL for
                            ALL) */
    SL_SESSION_LISTEN,   /* LISTEN channel */
    SL_SESSION_UNLISTEN, /* UNLISTEN channel | UNLISTEN * */
    SL_SESSION_CLOSE,    /* CLOSE cursor | CLOSE ALL */
    SL_SESSION_DO,       /* DO 'code' (name: the code) */
} sl_session_kind;

typedef struct sl_SessionStmt {
    sl_node hdr;
    sl_session_kind kind;
    const char *name; /* the setting, channel or cursor; NULL for ALL (and UNLISTEN *) */
} sl_SessionStmt;

/* ---- constructors (ast.c): the grammar's actions call these ---- */

/*
 * Each allocates a node in cx and fills it from its arguments, which it
 * keeps (strings and lists are not copied: they already live in cx).
 * location is the byte offset of the construct's first token.
 */
sl_Const *sl_make_const_null(sl_mcxt *cx, int location);
sl_Const *sl_make_const_bool(sl_mcxt *cx, bool value, int location);
sl_Const *sl_make_const_int(sl_mcxt *cx, int64_t value, int location);
sl_Const *sl_make_const_numeric(sl_mcxt *cx, const char *text, int location); /* dval from text */
sl_Const *sl_make_const_string(sl_mcxt *cx, const char *text, int location);
sl_Const *sl_make_const_interval(sl_mcxt *cx, int64_t us, int location);
sl_ColumnRef *sl_make_column_ref(sl_mcxt *cx, const char *name, int location);
sl_ColumnRef *sl_column_ref_append(sl_mcxt *cx, sl_ColumnRef *ref, const char *name); /* a.b */
sl_Star *sl_make_star(sl_mcxt *cx, int location);
sl_OpExpr *sl_make_op(sl_mcxt *cx, sl_op op, sl_node *left, sl_node *right, int location);
/* -expr: a numeric or interval constant is negated in place (as PostgreSQL folds -5), else an SL_OP_NEG */
sl_node *sl_make_negation(sl_mcxt *cx, sl_node *expr, int location);
sl_BoolExpr *sl_make_bool(sl_mcxt *cx, sl_bool_op op, sl_node *a, sl_node *b,
                          int location); /* b NULL for NOT */
sl_NullTest *sl_make_null_test(sl_mcxt *cx, sl_node *arg, bool is_not, int location);
sl_BetweenExpr *sl_make_between(sl_mcxt *cx, sl_node *arg, sl_node *low, sl_node *high, bool is_not,
                                int location);
sl_InExpr *sl_make_in(sl_mcxt *cx, sl_node *arg, sl_list *values, bool is_not, int location);
sl_LikeExpr *sl_make_like(sl_mcxt *cx, sl_node *arg, sl_node *pattern, bool is_not, bool case_insensitive,
                          int location);
sl_CaseWhen *sl_make_case_when(sl_mcxt *cx, sl_node *cond, sl_node *result, int location);
sl_CaseExpr *sl_make_case(sl_mcxt *cx, sl_node *arg, sl_list *whens, sl_node *else_result, int location);
sl_TypeName *sl_make_type_name(sl_mcxt *cx, const char *name, sl_list *mods,
                               int location); /* mods may be NULL */
/* The modifiers of t checked for its type (sl_type_check_mods): for the binder and CREATE SOURCE. */
sl_status sl_type_name_check(const sl_TypeName *t, sl_error *err);
sl_CastExpr *sl_make_cast(sl_mcxt *cx, sl_node *arg, sl_TypeName *type, int location);
sl_FuncCall *sl_make_func_call(sl_mcxt *cx, const char *name, sl_list *args, bool star, bool distinct,
                               int location);
sl_ColumnDef *sl_make_column_def(sl_mcxt *cx, const char *name, sl_TypeName *type, int location);
sl_Option *sl_make_option(sl_mcxt *cx, const char *name, sl_Const *value, int location);
sl_ResTarget *sl_make_res_target(sl_mcxt *cx, sl_node *expr, const char *alias, int location);
sl_WindowClause *sl_make_window(sl_mcxt *cx, sl_window_kind kind, int64_t size_us, int64_t slide_us,
                                int location);
/* watermark NULL when absent (has_watermark false) */
sl_CreateSourceStmt *sl_make_create_source(sl_mcxt *cx, const char *name, sl_list *columns, const char *kind,
                                           sl_list *options, const char *event_time,
                                           const sl_Const *watermark, int location);
sl_CreateSinkStmt *sl_make_create_sink(sl_mcxt *cx, const char *name, const char *kind, sl_list *options,
                                       int location);
sl_AlterStmt *sl_make_alter(sl_mcxt *cx, sl_object_kind object, const char *name, sl_list *options,
                            int location);
sl_DropStmt *sl_make_drop(sl_mcxt *cx, sl_object_kind object, const char *name, bool if_exists, int location);
sl_RoleStmt *sl_make_role_stmt(sl_mcxt *cx, sl_role_action action, bool is_user, const char *name,
                               bool if_exists, sl_list *options, int location);
sl_ExtensionStmt *sl_make_extension_stmt(sl_mcxt *cx, bool drop, const char *name, const char *version,
                                         bool if_exists, bool cascade, int location);
sl_GrantStmt *sl_make_grant(sl_mcxt *cx, bool revoke, const char *privilege, int64_t target,
                            const char *object, const char *grantee, int location);
sl_ShowStmt *sl_make_show(sl_mcxt *cx, sl_show_kind what, const char *name, int location);
sl_SetStmt *sl_make_set(sl_mcxt *cx, const char *name, const char *value, int location);
/* SET's scope: local true for SET LOCAL; returns stmt, now located at location (the SET). */
sl_node *sl_set_scope(sl_SetStmt *stmt, bool local, int location);
sl_DescribeStmt *sl_make_describe(sl_mcxt *cx, const char *name, int location);
/* from/into NULL when absent; limit -1 when absent */
sl_SelectStmt *sl_make_select(sl_mcxt *cx, sl_list *targets, const char *from, int from_location,
                              sl_node *where, sl_WindowClause *window, sl_list *group_by, sl_node *having,
                              const char *into, int into_location, int64_t limit, int location);
sl_CreateQueryStmt *sl_make_create_query(sl_mcxt *cx, const char *name, sl_SelectStmt *select, int location);
sl_QueryControlStmt *sl_make_query_control(sl_mcxt *cx, sl_query_action action, const char *name,
                                           int location);
sl_ExplainStmt *sl_make_explain(sl_mcxt *cx, sl_node *stmt, int location);
sl_TransactionStmt *sl_make_transaction(sl_mcxt *cx, sl_txn_kind kind, sl_list *modes, int location);
/* START TRANSACTION [modes]: a BEGIN that answers with the tag START TRANSACTION. */
sl_TransactionStmt *sl_make_start_transaction(sl_mcxt *cx, sl_list *modes, int location);
/* One transaction mode (see sl_TransactionStmt): name is the setting, value its text. */
sl_Option *sl_make_txn_mode(sl_mcxt *cx, const char *name, const char *value, int location);
sl_SessionStmt *sl_make_session_stmt(sl_mcxt *cx, sl_session_kind kind, const char *name, int location);

/*
 * Calls fn(child, arg) for each direct child node of node, in source order
 * (targets, expressions, options, column definitions, ...; not strings).
 * Lets walkers visit any tree without a switch of their own.
 */
void sl_node_foreach_child(const sl_node *node, void (*fn)(const sl_node *child, void *arg), void *arg);

#endif
