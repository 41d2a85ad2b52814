/*
 * grammar.y - sluice's SQL grammar, for the Lemon parser generator.
 *
 * The tokenizer (lexer.c) and the driver (parse.c) push tokens in; every
 * action is one constructor call from ast.c (or a parse.c helper for
 * literals that need checking), so the grammar never touches the catalog.
 * Lemon turns this file into grammar.c and grammar.h (generated: do not edit
 * those).  The grammar must stay free of conflicts: `lemon` reports them.
 */

/* Functions are sl_lemonAlloc(), sl_lemon(), sl_lemonFree(). */
%name sl_lemon

/* Token codes are TK_ID, TK_SELECT, ...; lexer.c includes grammar.h for them. */
%token_prefix TK_

/* Every terminal carries its position and value (see lexer.h). */
%token_type {sl_token}

/* The driver's state: memory context, error and the list of statements. */
%extra_context {sl_parse_state *ps}

/*
 * A static parser stack: nesting is bounded (the driver stops at
 * SL_PARSE_MAX_DEPTH parentheses; NOT NOT NOT ... and friends end here), so
 * hostile input gets an error instead of unbounded memory.  The deepest
 * construct, CASE x WHEN y THEN (, takes seven entries per level; eight per
 * level of SL_PARSE_MAX_DEPTH (1000) leave room for the statement around it.
 */
%stack_size 8000
%stack_overflow { sl_parse_too_complex(ps, ps->cur_offset); }

/* Tokens own nothing (their strings live in the context); this only keeps ps used. */
%token_destructor { (void)ps; }

/* Report the first error with its token; the driver stops feeding after it. */
%syntax_error { sl_parse_syntax_error(ps, &TOKEN); }

%include {
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>

#include "parser/ast.h"
#include "parser/lexer.h"
#include "parser/parse_int.h"

#define CX (ps->cx)
/* A binary operator node: located at its left operand (its first token). */
#define BINOP(op, l, r) ((sl_node *)sl_make_op(CX, (op), (l), (r), SL_LOC(l)))
#define NOTNODE(n, loc) ((sl_node *)sl_make_bool(CX, SL_BOOL_NOT, (n), NULL, (loc)))
}

/*
 * Every token the lexer can produce, declared up front so that the codes do
 * not depend on the order rules mention them.  Literals and punctuation:
 */
%token ID STRING INTEGER NUMBER DURATION UNIT PARAM
       PLUS MINUS STAR SLASH PERCENT CARET CONCAT EQ NE LT LE GT GE DCOLON
       LP RP COMMA SEMI DOT NOT_LA.
/* Keywords (lexer.c has the table of their spellings): */
%token ABORT ALL ALTER AND AS AUTHORIZATION BEGIN BETWEEN BY CASE CAST CHARACTERISTICS CLOSE COMMIT COMMITTED
       CASCADE CREATE DEFAULT DEFERRABLE DESCRIBE DISCARD DISTINCT DO DOUBLE DROP ELSE END EVENT EXISTS EXPLAIN EXTENSION EXTENSIONS
       FALSE FROM GRANT GRANTS GROUP HAVING HOPPING IF ILIKE IN INTERVAL INTO IS ISOLATION LANGUAGE LEVEL LIKE
       LIMIT LISTEN LOCAL NOT NULL ON ONLY OR PAUSE PRECISION QUERIES QUERY READ REPEATABLE RESET RESUME
       REVOKE ROLE ROLES ROLLBACK SELECT SERIALIZABLE SESSION SET SHOW SINK SINKS SOURCE SOURCES START
       THEN TIME TIMESTAMP TO TRANSACTION TRUE TUMBLING UNCOMMITTED UNLISTEN USER VARYING WATERMARK
       WHEN WHERE WINDOW WITH WITHOUT WORK WRITE ZONE.

/*
 * Non-reserved keywords: where the grammar has no use for the keyword, it is
 * read as an identifier, so a source may be called "source" and a column
 * "time" or "m".  The rest (SELECT, FROM, AND, ...) are reserved: quote them.
 */
%fallback ID ABORT AUTHORIZATION BEGIN CASCADE CHARACTERISTICS CLOSE COMMIT COMMITTED DEFERRABLE DESCRIBE DISCARD DO
       DOUBLE EVENT EXISTS EXPLAIN EXTENSION EXTENSIONS EXTRACT GRANT GRANTS HOPPING IF INTERVAL ISOLATION LANGUAGE LEVEL LISTEN LOCAL ON
       ONLY PAUSE PRECISION QUERIES QUERY READ REPEATABLE RESET RESUME REVOKE ROLE ROLES ROLLBACK
       SERIALIZABLE SESSION SET SHOW SINK SINKS SOURCE SOURCES START TIME TIMESTAMP TRANSACTION
       TUMBLING UNCOMMITTED UNIT UNLISTEN USER VARYING WATERMARK WINDOW WITHOUT WORK WRITE ZONE.

/* Operator precedence as in PostgreSQL, lowest first. */
%left OR.
%left AND.
%right NOT.
%nonassoc IS.
%nonassoc EQ NE LT LE GT GE.
%nonassoc BETWEEN IN LIKE ILIKE NOT_LA.
%left CONCAT.
%left PLUS MINUS.
%left STAR SLASH PERCENT.
%left CARET.
%right UMINUS.
%left DCOLON.

/* ---- statement lists: the driver ends the input with a ';' of its own ---- */

input ::= cmdlist.
cmdlist ::= cmdlist ecmd.
cmdlist ::= .
ecmd ::= SEMI.
ecmd ::= cmd(C) SEMI(S).                { sl_parse_add_stmt(ps, C, &S); }

%type cmd {sl_node *}

/* ---- CREATE SOURCE / CREATE SINK / ALTER / DROP ---- */

cmd(A) ::= CREATE(K) SOURCE ID(N) coldefs_opt(L) FROM ID(T) with_opt(O) event_time_opt(E) watermark_opt(W).
    { A = (sl_node *)sl_make_create_source(CX, N.str, L, T.str, O, E.str, W, K.offset); }
cmd(A) ::= CREATE(K) SINK ID(N) TO ID(T) with_opt(O).
    { A = (sl_node *)sl_make_create_sink(CX, N.str, T.str, O, K.offset); }
cmd(A) ::= ALTER(K) alter_kind(O) ID(N) SET LP opt_list(L) RP.
    { A = (sl_node *)sl_make_alter(CX, (sl_object_kind)O, N.str, L, K.offset); }
cmd(A) ::= DROP(K) object_kind(O) if_exists(E) ID(N).
    { A = (sl_node *)sl_make_drop(CX, (sl_object_kind)O, N.str, E, K.offset); }

/* ---- roles: CREATE/ALTER/DROP ROLE (or USER, which may log in by default) ---- */

cmd(A) ::= CREATE(K) role_word(U) ID(N) role_opts(L).
    { A = (sl_node *)sl_make_role_stmt(CX, SL_ROLE_CREATE, U, N.str, false, L, K.offset); }
cmd(A) ::= ALTER(K) role_word(U) ID(N) role_opts(L).
    { A = (sl_node *)sl_make_role_stmt(CX, SL_ROLE_ALTER, U, N.str, false, L, K.offset); }
cmd(A) ::= DROP(K) role_word(U) if_exists(E) ID(N).
    { A = (sl_node *)sl_make_role_stmt(CX, SL_ROLE_DROP, U, N.str, E, NULL, K.offset); }

/* ---- extensions: CREATE EXTENSION name [VERSION 'v'], DROP EXTENSION [IF EXISTS] name [CASCADE] ---- */

cmd(A) ::= CREATE(K) EXTENSION ID(N) ext_version(V).
    { A = (sl_node *)sl_make_extension_stmt(CX, false, N.str, V.str, false, false, K.offset); }
cmd(A) ::= DROP(K) EXTENSION if_exists(E) ID(N) cascade_opt(C).
    { A = (sl_node *)sl_make_extension_stmt(CX, true, N.str, NULL, E, C, K.offset); }

%type ext_version {sl_token}
ext_version(A) ::= .                    { A.str = NULL; A.offset = -1; }
/* VERSION is a plain word here, not a keyword: version() stays an unquoted function name. */
ext_version(A) ::= ID(W) STRING(S).     { sl_parse_expect_word(ps, &W, "version"); A = S; }

%type cascade_opt {bool}
cascade_opt(A) ::= .                    { A = false; }
cascade_opt(A) ::= CASCADE.             { A = true; }

/* ---- GRANT / REVOKE: USAGE on a source or sink, CREATE on the server, a role ---- */

cmd(A) ::= GRANT(K) priv_word(P) ON grant_target(T) TO ID(R).
    { A = (sl_node *)sl_make_grant(CX, false, P.str, T.ival, T.str, R.str, K.offset); }
cmd(A) ::= REVOKE(K) priv_word(P) ON grant_target(T) FROM ID(R).
    { A = (sl_node *)sl_make_grant(CX, true, P.str, T.ival, T.str, R.str, K.offset); }
cmd(A) ::= GRANT(K) ID(G) TO ID(R).
    { A = (sl_node *)sl_make_grant(CX, false, NULL, SL_GRANT_ROLE, G.str, R.str, K.offset); }
cmd(A) ::= REVOKE(K) ID(G) FROM ID(R).
    { A = (sl_node *)sl_make_grant(CX, true, NULL, SL_GRANT_ROLE, G.str, R.str, K.offset); }

/* The privilege's word; the executor checks it fits the target. */
%type priv_word {sl_token}
priv_word(A) ::= ID(P).                 { A = P; }
priv_word(A) ::= CREATE(P).             { A = P; A.str = "create"; }

/* ival: the target kind; str: the object's name ("" for the server, whose word is checked). */
%type grant_target {sl_token}
grant_target(A) ::= SOURCE(K) ID(N).    { A = N; A.ival = SL_GRANT_SOURCE; (void)K; }
grant_target(A) ::= SINK(K) ID(N).      { A = N; A.ival = SL_GRANT_SINK; (void)K; }
grant_target(A) ::= ID(S).              { A = S; A.ival = SL_GRANT_SERVER; }

%type role_word {bool}
role_word(A) ::= ROLE.                  { A = false; }
role_word(A) ::= USER.                  { A = true; }

/* Attribute words (LOGIN, NOSUPERUSER, PASSWORD 'x', ...) are checked by the executor. */
%type role_opts {sl_list *}
role_opts(A) ::= .                      { A = NULL; }
role_opts(A) ::= WITH role_opt_list(L). { A = L; }
role_opts(A) ::= role_opt_list(L).      { A = L; }

%type role_opt_list {sl_list *}
role_opt_list(A) ::= role_opt(O).       { A = sl_list_append(CX, NULL, O); }
role_opt_list(A) ::= role_opt_list(L) role_opt(O). { A = sl_list_append(CX, L, O); }

%type role_opt {sl_Option *}
role_opt(A) ::= ID(K).                  { A = sl_make_option(CX, K.str, NULL, K.offset); }
role_opt(A) ::= ID(K) STRING(S).        { A = sl_make_option(CX, K.str, sl_make_const_string(CX, S.str, S.offset), K.offset); }
role_opt(A) ::= ID(K) NULL(N).          { A = sl_make_option(CX, K.str, sl_make_const_null(CX, N.offset), K.offset); }

%type alter_kind {int}
alter_kind(A) ::= SOURCE.               { A = SL_OBJ_SOURCE; }
alter_kind(A) ::= SINK.                 { A = SL_OBJ_SINK; }

%type object_kind {int}
object_kind(A) ::= SOURCE.              { A = SL_OBJ_SOURCE; }
object_kind(A) ::= SINK.                { A = SL_OBJ_SINK; }
object_kind(A) ::= QUERY.               { A = SL_OBJ_QUERY; }

%type if_exists {bool}
if_exists(A) ::= .                      { A = false; }
if_exists(A) ::= IF EXISTS.             { A = true; }

%type coldefs_opt {sl_list *}
coldefs_opt(A) ::= .                    { A = NULL; }
coldefs_opt(A) ::= LP coldef_list(L) RP. { A = L; }

%type coldef_list {sl_list *}
coldef_list(A) ::= coldef(C).           { A = sl_list_append(CX, NULL, C); }
coldef_list(A) ::= coldef_list(L) COMMA coldef(C). { A = sl_list_append(CX, L, C); }

%type coldef {sl_ColumnDef *}
coldef(A) ::= ID(N) typename(T).        { A = sl_make_column_def(CX, N.str, T, N.offset); }

%type with_opt {sl_list *}
with_opt(A) ::= .                       { A = NULL; }
with_opt(A) ::= WITH LP opt_list(L) RP. { A = L; }

%type opt_list {sl_list *}
opt_list(A) ::= option(O).              { A = sl_list_append(CX, NULL, O); }
opt_list(A) ::= opt_list(L) COMMA option(O). { A = sl_list_append(CX, L, O); }

%type option {sl_Option *}
option(A) ::= option_name(N) EQ optval(V). { A = sl_make_option(CX, N.str, V, N.offset); }

/* Option names may also be reserved words that connectors use as names
 * (the Kafka source's `group`), since nothing else can stand there. */
%type option_name {sl_token}
option_name(A) ::= dotted_name(N).      { A = N; }
option_name(A) ::= GROUP(K).            { A = K; A.str = "group"; }
option_name(A) ::= DEFAULT(K).          { A = K; A.str = "default"; }
option_name(A) ::= LIMIT(K).            { A = K; A.str = "limit"; }
option_name(A) ::= FROM(K).             { A = K; A.str = "from"; }
option_name(A) ::= TO(K).               { A = K; A.str = "to"; }

/* a name, or several joined with '.' (kafka.security.protocol); str is the joined name */
%type dotted_name {sl_token}
dotted_name(A) ::= ID(N).               { A = N; }
dotted_name(A) ::= dotted_name(L) DOT ID(N). { A = L; A.str = sl_psprintf(CX, "%s.%s", L.str, N.str); }

%type optval {sl_Const *}
optval(A) ::= STRING(S).                { A = sl_make_const_string(CX, S.str, S.offset); }
optval(A) ::= INTEGER(N).               { A = sl_parse_number(ps, &N, false, N.offset); }
optval(A) ::= NUMBER(N).                { A = sl_parse_number(ps, &N, false, N.offset); }
optval(A) ::= PLUS(P) INTEGER(N).       { A = sl_parse_number(ps, &N, false, P.offset); }
optval(A) ::= PLUS(P) NUMBER(N).        { A = sl_parse_number(ps, &N, false, P.offset); }
optval(A) ::= MINUS(M) INTEGER(N).      { A = sl_parse_number(ps, &N, true, M.offset); }
optval(A) ::= MINUS(M) NUMBER(N).       { A = sl_parse_number(ps, &N, true, M.offset); }
optval(A) ::= TRUE(T).                  { A = sl_make_const_bool(CX, true, T.offset); }
optval(A) ::= FALSE(T).                 { A = sl_make_const_bool(CX, false, T.offset); }
optval(A) ::= interval(I).              { A = I; }
optval(A) ::= ID(W).                    { A = sl_parse_word_const(ps, &W); }

%type event_time_opt {sl_token}
event_time_opt(A) ::= .                 { A.str = NULL; A.offset = -1; }
event_time_opt(A) ::= EVENT TIME ID(C). { A = C; }

%type watermark_opt {sl_Const *}
watermark_opt(A) ::= .                  { A = NULL; }
watermark_opt(A) ::= WATERMARK interval(I). { A = I; }

/* ---- type names: stored folded, as written, with their modifiers; the binder maps them ---- */

%type typename {sl_TypeName *}
typename(A) ::= ID(N) typmods(M).       { A = sl_make_type_name(CX, N.str, M, N.offset); }
typename(A) ::= ID(N) VARYING typmods(M). { A = sl_make_type_name(CX, sl_psprintf(CX, "%s varying", N.str), M, N.offset); }
typename(A) ::= DOUBLE(D).              { A = sl_make_type_name(CX, "double", NULL, D.offset); }
typename(A) ::= DOUBLE(D) PRECISION.    { A = sl_make_type_name(CX, "double precision", NULL, D.offset); }
typename(A) ::= TIMESTAMP(T) typmods(M). { A = sl_make_type_name(CX, "timestamp", M, T.offset); }
typename(A) ::= TIMESTAMP(T) typmods(M) WITH TIME ZONE. { A = sl_make_type_name(CX, "timestamptz", M, T.offset); }
typename(A) ::= TIMESTAMP(T) typmods(M) WITHOUT TIME ZONE. { A = sl_make_type_name(CX, "timestamp", M, T.offset); }
typename(A) ::= INTERVAL(T).            { A = sl_make_type_name(CX, "interval", NULL, T.offset); }

/* varchar(10), numeric(10,2), timestamp(3): integers; the binder checks them */
%type typmods {sl_list *}
typmods(A) ::= .                        { A = NULL; }
typmods(A) ::= LP typmod_list(L) RP.    { A = L; }

%type typmod_list {sl_list *}
typmod_list(A) ::= INTEGER(N).          { A = sl_list_append(CX, NULL, sl_parse_number(ps, &N, false, N.offset)); }
typmod_list(A) ::= typmod_list(L) COMMA INTEGER(N). { A = sl_list_append(CX, L, sl_parse_number(ps, &N, false, N.offset)); }

/* ---- SHOW / SET / DESCRIBE ---- */

cmd(A) ::= SHOW(K) SOURCES.             { A = (sl_node *)sl_make_show(CX, SL_SHOW_SOURCES, NULL, K.offset); }
cmd(A) ::= SHOW(K) SINKS.               { A = (sl_node *)sl_make_show(CX, SL_SHOW_SINKS, NULL, K.offset); }
cmd(A) ::= SHOW(K) QUERIES.             { A = (sl_node *)sl_make_show(CX, SL_SHOW_QUERIES, NULL, K.offset); }
cmd(A) ::= SHOW(K) ROLES.               { A = (sl_node *)sl_make_show(CX, SL_SHOW_ROLES, NULL, K.offset); }
cmd(A) ::= SHOW(K) EXTENSIONS.          { A = (sl_node *)sl_make_show(CX, SL_SHOW_EXTENSIONS, NULL, K.offset); }
cmd(A) ::= SHOW(K) GRANTS.              { A = (sl_node *)sl_make_show(CX, SL_SHOW_GRANTS, NULL, K.offset); }
cmd(A) ::= SHOW(K) ALL.                 { A = (sl_node *)sl_make_show(CX, SL_SHOW_SETTING, "all", K.offset); }
cmd(A) ::= SHOW(K) TIME ZONE.           { A = (sl_node *)sl_make_show(CX, SL_SHOW_SETTING, "timezone", K.offset); }
cmd(A) ::= SHOW(K) TRANSACTION ISOLATION LEVEL.
    { A = (sl_node *)sl_make_show(CX, SL_SHOW_SETTING, "transaction_isolation", K.offset); }
cmd(A) ::= SHOW(K) dotted_name(N).      { A = (sl_node *)sl_make_show(CX, SL_SHOW_SETTING, N.str, K.offset); }

cmd(A) ::= SET(K) set_scope(L) set_rest(S). { A = sl_set_scope(S, L, K.offset); }

/* true for SET LOCAL */
%type set_scope {bool}
set_scope(A) ::= .                      { A = false; }
set_scope(A) ::= SESSION.               { A = false; }
set_scope(A) ::= LOCAL.                 { A = true; }

%type set_rest {sl_SetStmt *}
set_rest(A) ::= dotted_name(N) set_assign set_value(V). { A = sl_make_set(CX, N.str, sl_parse_set_value(ps, N.str, V), N.offset); }
set_rest(A) ::= TIME(T) ZONE set_value(V). { A = sl_make_set(CX, "timezone", sl_parse_set_value(ps, "timezone", V), T.offset); }
set_rest(A) ::= TIME(T) ZONE LOCAL.     { A = sl_make_set(CX, "timezone", NULL, T.offset); }

/* RESET name is SET name TO DEFAULT; RESET ALL resets every setting of the session */
cmd(A) ::= RESET(K) ALL.                { A = (sl_node *)sl_make_session_stmt(CX, SL_SESSION_RESET, NULL, K.offset); }
cmd(A) ::= RESET(K) reset_name(N).      { A = (sl_node *)sl_make_session_stmt(CX, SL_SESSION_RESET, N.str, K.offset); }

%type reset_name {sl_token}
reset_name(A) ::= dotted_name(N).       { A = N; }
reset_name(A) ::= TIME(T) ZONE.         { A = T; A.str = "timezone"; }
reset_name(A) ::= TRANSACTION(T) ISOLATION LEVEL. { A = T; A.str = "transaction_isolation"; }
reset_name(A) ::= SESSION(T) AUTHORIZATION. { A = T; A.str = "session_authorization"; }

/* SET SESSION AUTHORIZATION DEFAULT: back to the role that logged in (the
 * only one a session can be: sluice has no SET SESSION AUTHORIZATION role) */
cmd(A) ::= SET(K) SESSION AUTHORIZATION(N) DEFAULT.
    { A = sl_set_scope(sl_make_set(CX, "session_authorization", NULL, N.offset), false, K.offset); }

/* ---- what connection pools send between clients: DISCARD, UNLISTEN, CLOSE ---- */

cmd(A) ::= DISCARD(K) ALL.              { A = (sl_node *)sl_make_session_stmt(CX, SL_SESSION_DISCARD, NULL, K.offset); }
cmd(A) ::= DISCARD(K) ID(W).            { A = (sl_node *)sl_make_session_stmt(CX, SL_SESSION_DISCARD, sl_parse_discard_word(ps, &W), K.offset); }
cmd(A) ::= LISTEN(K) ID(N).             { A = (sl_node *)sl_make_session_stmt(CX, SL_SESSION_LISTEN, N.str, K.offset); }
cmd(A) ::= UNLISTEN(K) ID(N).           { A = (sl_node *)sl_make_session_stmt(CX, SL_SESSION_UNLISTEN, N.str, K.offset); }
cmd(A) ::= UNLISTEN(K) STAR.            { A = (sl_node *)sl_make_session_stmt(CX, SL_SESSION_UNLISTEN, NULL, K.offset); }
cmd(A) ::= CLOSE(K) ID(N).              { A = (sl_node *)sl_make_session_stmt(CX, SL_SESSION_CLOSE, N.str, K.offset); }
cmd(A) ::= CLOSE(K) ALL.                { A = (sl_node *)sl_make_session_stmt(CX, SL_SESSION_CLOSE, NULL, K.offset); }
/* DO 'code' [LANGUAGE name]: the block's text; the executor knows which ones do nothing here */
cmd(A) ::= DO(K) STRING(S).             { A = (sl_node *)sl_make_session_stmt(CX, SL_SESSION_DO, S.str, K.offset); }
cmd(A) ::= DO(K) STRING(S) LANGUAGE ID. { A = (sl_node *)sl_make_session_stmt(CX, SL_SESSION_DO, S.str, K.offset); }
cmd(A) ::= DO(K) LANGUAGE ID STRING(S). { A = (sl_node *)sl_make_session_stmt(CX, SL_SESSION_DO, S.str, K.offset); }

set_assign ::= EQ.
set_assign ::= TO.

/* NULL for DEFAULT, else the values (SET datestyle TO iso, mdy), joined by sl_parse_set_value */
%type set_value {sl_list *}
set_value(A) ::= DEFAULT.               { A = NULL; }
set_value(A) ::= set_list(L).           { A = L; }

%type set_list {sl_list *}
set_list(A) ::= set_item(I).            { A = sl_list_append(CX, NULL, I); }
set_list(A) ::= set_list(L) COMMA set_item(I). { A = sl_list_append(CX, L, I); }

%type set_item {char *}
set_item(A) ::= STRING(S).              { A = (char *)S.str; }
set_item(A) ::= ID(W).                  { A = (char *)W.str; }
set_item(A) ::= TRUE.                   { A = "true"; }
set_item(A) ::= FALSE.                  { A = "false"; }
set_item(A) ::= INTEGER(N).             { A = sl_parse_token_text(ps, &N); }
set_item(A) ::= NUMBER(N).              { A = sl_parse_token_text(ps, &N); }
set_item(A) ::= DURATION(N).            { A = sl_parse_token_text(ps, &N); }
set_item(A) ::= MINUS INTEGER(N).       { A = sl_psprintf(CX, "-%s", sl_parse_token_text(ps, &N)); }
set_item(A) ::= MINUS NUMBER(N).        { A = sl_psprintf(CX, "-%s", sl_parse_token_text(ps, &N)); }
set_item(A) ::= PLUS INTEGER(N).        { A = sl_parse_token_text(ps, &N); }
set_item(A) ::= PLUS NUMBER(N).         { A = sl_parse_token_text(ps, &N); }

cmd(A) ::= DESCRIBE(K) ID(N).           { A = (sl_node *)sl_make_describe(CX, N.str, K.offset); }

/* ---- continuous queries ---- */

cmd(A) ::= select_stmt(S).              { A = (sl_node *)S; }
cmd(A) ::= create_query(Q).             { A = Q; }
cmd(A) ::= PAUSE(K) QUERY ID(N).        { A = (sl_node *)sl_make_query_control(CX, SL_QUERY_PAUSE, N.str, K.offset); }
cmd(A) ::= RESUME(K) QUERY ID(N).       { A = (sl_node *)sl_make_query_control(CX, SL_QUERY_RESUME, N.str, K.offset); }
cmd(A) ::= EXPLAIN(K) select_stmt(S).   { A = (sl_node *)sl_make_explain(CX, (sl_node *)S, K.offset); }
cmd(A) ::= EXPLAIN(K) create_query(Q).  { A = (sl_node *)sl_make_explain(CX, Q, K.offset); }

%type create_query {sl_node *}
create_query(A) ::= CREATE(K) QUERY ID(N) AS select_stmt(S).
    { A = (sl_node *)sl_make_create_query(CX, N.str, S, K.offset); }

/*
 * The clauses after the select list exist only with FROM, so that a word
 * after an expression in the select list is always its alias (SELECT x
 * window FROM t names the column "window").
 */
%type select_stmt {sl_SelectStmt *}
select_stmt(A) ::= SELECT(K) target_list(T).
    { A = sl_make_select(CX, T, NULL, -1, NULL, NULL, NULL, NULL, NULL, -1, -1, K.offset); }
select_stmt(A) ::= SELECT(K) target_list(T) FROM ID(F) where_opt(W) window_opt(N) group_opt(G) having_opt(H) into_opt(I) limit_opt(L).
    { A = sl_make_select(CX, T, F.str, F.offset, W, N, G, H, I.str, I.offset, L, K.offset); }

%type target_list {sl_list *}
target_list(A) ::= target(T).           { A = sl_list_append(CX, NULL, T); }
target_list(A) ::= target_list(L) COMMA target(T). { A = sl_list_append(CX, L, T); }

%type target {sl_ResTarget *}
target(A) ::= STAR(S).                  { A = sl_make_res_target(CX, (sl_node *)sl_make_star(CX, S.offset), NULL, S.offset); }
target(A) ::= a_expr(E).                { A = sl_make_res_target(CX, E, NULL, SL_LOC(E)); }
target(A) ::= a_expr(E) AS ID(N).       { A = sl_make_res_target(CX, E, N.str, SL_LOC(E)); }
target(A) ::= a_expr(E) ID(N).          { A = sl_make_res_target(CX, E, N.str, SL_LOC(E)); }

%type where_opt {sl_node *}
where_opt(A) ::= .                      { A = NULL; }
where_opt(A) ::= WHERE a_expr(E).       { A = E; }

%type window_opt {sl_WindowClause *}
window_opt(A) ::= .                     { A = NULL; }
window_opt(A) ::= WINDOW(W) TUMBLING LP interval(S) RP.
    { A = sl_make_window(CX, SL_WINDOW_TUMBLING, S->ival, 0, W.offset); }
window_opt(A) ::= WINDOW(W) HOPPING LP interval(S) COMMA interval(D) RP.
    { A = sl_make_window(CX, SL_WINDOW_HOPPING, S->ival, D->ival, W.offset); }
window_opt(A) ::= WINDOW(W) SESSION LP interval(G) RP.
    { A = sl_make_window(CX, SL_WINDOW_SESSION, G->ival, 0, W.offset); }
window_opt(A) ::= WINDOW(W) interval(S).
    { A = sl_make_window(CX, SL_WINDOW_TUMBLING, S->ival, 0, W.offset); }

%type group_opt {sl_list *}
group_opt(A) ::= .                      { A = NULL; }
group_opt(A) ::= GROUP BY expr_list(L). { A = L; }

%type having_opt {sl_node *}
having_opt(A) ::= .                     { A = NULL; }
having_opt(A) ::= HAVING a_expr(E).     { A = E; }

%type into_opt {sl_token}
into_opt(A) ::= .                       { A.str = NULL; A.offset = -1; }
into_opt(A) ::= INTO ID(N).             { A = N; }

%type limit_opt {int64_t}
limit_opt(A) ::= .                      { A = -1; }
limit_opt(A) ::= LIMIT INTEGER(N).      { A = N.ival; }

/* ---- transactions: accepted so drivers that wrap statements work ---- */

cmd(A) ::= BEGIN(K) opt_work txn_modes(M). { A = (sl_node *)sl_make_transaction(CX, SL_TXN_BEGIN, M, K.offset); }
cmd(A) ::= START(K) TRANSACTION txn_modes(M). { A = (sl_node *)sl_make_start_transaction(CX, M, K.offset); }
cmd(A) ::= COMMIT(K) opt_work.          { A = (sl_node *)sl_make_transaction(CX, SL_TXN_COMMIT, NULL, K.offset); }
cmd(A) ::= END(K) opt_work.             { A = (sl_node *)sl_make_transaction(CX, SL_TXN_COMMIT, NULL, K.offset); }
cmd(A) ::= ROLLBACK(K) opt_work.        { A = (sl_node *)sl_make_transaction(CX, SL_TXN_ROLLBACK, NULL, K.offset); }
cmd(A) ::= ABORT(K) opt_work.           { A = (sl_node *)sl_make_transaction(CX, SL_TXN_ROLLBACK, NULL, K.offset); }
cmd(A) ::= SET(K) TRANSACTION txn_mode_list(M).
    { A = (sl_node *)sl_make_transaction(CX, SL_TXN_SET, M, K.offset); }
cmd(A) ::= SET(K) SESSION CHARACTERISTICS AS TRANSACTION txn_mode_list(M).
    { A = (sl_node *)sl_make_transaction(CX, SL_TXN_SET_SESSION, M, K.offset); }

opt_work ::= .
opt_work ::= WORK.
opt_work ::= TRANSACTION.

/* The modes, as in PostgreSQL: separated by commas or blanks; each one an
 * sl_Option naming the setting it sets. */
%type txn_modes {sl_list *}
txn_modes(A) ::= .                      { A = NULL; }
txn_modes(A) ::= txn_mode_list(L).      { A = L; }

%type txn_mode_list {sl_list *}
txn_mode_list(A) ::= txn_mode(M).       { A = sl_list_append(CX, NULL, M); }
txn_mode_list(A) ::= txn_mode_list(L) txn_mode(M). { A = sl_list_append(CX, L, M); }
txn_mode_list(A) ::= txn_mode_list(L) COMMA txn_mode(M). { A = sl_list_append(CX, L, M); }

%type txn_mode {sl_Option *}
txn_mode(A) ::= ISOLATION(K) LEVEL iso_level(L). { A = sl_make_txn_mode(CX, "transaction_isolation", L, K.offset); }
txn_mode(A) ::= READ(K) ONLY.           { A = sl_make_txn_mode(CX, "transaction_read_only", "on", K.offset); }
txn_mode(A) ::= READ(K) WRITE.          { A = sl_make_txn_mode(CX, "transaction_read_only", "off", K.offset); }
txn_mode(A) ::= DEFERRABLE(K).          { A = sl_make_txn_mode(CX, "transaction_deferrable", "on", K.offset); }
txn_mode(A) ::= NOT(K) DEFERRABLE.      { A = sl_make_txn_mode(CX, "transaction_deferrable", "off", K.offset); }

%type iso_level {const char *}
iso_level(A) ::= SERIALIZABLE.          { A = "serializable"; }
iso_level(A) ::= REPEATABLE READ.       { A = "repeatable read"; }
iso_level(A) ::= READ COMMITTED.        { A = "read committed"; }
iso_level(A) ::= READ UNCOMMITTED.      { A = "read uncommitted"; }

/* ---- intervals: INTERVAL '5 minutes', 5 MINUTES, 1m ---- */

%type interval {sl_Const *}
interval(A) ::= DURATION(D).            { A = sl_make_const_interval(CX, D.ival, D.offset); }
interval(A) ::= INTEGER(N) UNIT(U).     { A = sl_parse_number_unit(ps, &N, &U); }
interval(A) ::= NUMBER(N) UNIT(U).      { A = sl_parse_number_unit(ps, &N, &U); }
interval(A) ::= INTERVAL(K) STRING(S).  { A = sl_parse_interval_string(ps, &K, &S, NULL); }
interval(A) ::= INTERVAL(K) STRING(S) UNIT(U). { A = sl_parse_interval_string(ps, &K, &S, &U); }

/* ---- expressions ---- */

/*
 * a_expr is any expression; b_expr leaves out the boolean, comparison and
 * pattern operators so that the AND in `x BETWEEN b_expr AND a_expr` is
 * never read as a boolean AND (PostgreSQL does the same).
 */
%type a_expr {sl_node *}
a_expr(A) ::= c_expr(E).                { A = E; }
a_expr(A) ::= a_expr(L) OR a_expr(R).   { A = (sl_node *)sl_make_bool(CX, SL_BOOL_OR, L, R, SL_LOC(L)); }
a_expr(A) ::= a_expr(L) AND a_expr(R).  { A = (sl_node *)sl_make_bool(CX, SL_BOOL_AND, L, R, SL_LOC(L)); }
a_expr(A) ::= NOT(K) a_expr(E).         { A = NOTNODE(E, K.offset); }
a_expr(A) ::= a_expr(E) IS NULL.        { A = (sl_node *)sl_make_null_test(CX, E, false, SL_LOC(E)); }
a_expr(A) ::= a_expr(E) IS NOT NULL.    { A = (sl_node *)sl_make_null_test(CX, E, true, SL_LOC(E)); }
a_expr(A) ::= a_expr(L) EQ a_expr(R).   { A = BINOP(SL_OP_EQ, L, R); }
a_expr(A) ::= a_expr(L) NE a_expr(R).   { A = BINOP(SL_OP_NE, L, R); }
a_expr(A) ::= a_expr(L) LT a_expr(R).   { A = BINOP(SL_OP_LT, L, R); }
a_expr(A) ::= a_expr(L) LE a_expr(R).   { A = BINOP(SL_OP_LE, L, R); }
a_expr(A) ::= a_expr(L) GT a_expr(R).   { A = BINOP(SL_OP_GT, L, R); }
a_expr(A) ::= a_expr(L) GE a_expr(R).   { A = BINOP(SL_OP_GE, L, R); }
a_expr(A) ::= a_expr(E) BETWEEN b_expr(L) AND a_expr(H). [BETWEEN]
    { A = (sl_node *)sl_make_between(CX, E, L, H, false, SL_LOC(E)); }
a_expr(A) ::= a_expr(E) NOT_LA BETWEEN b_expr(L) AND a_expr(H). [NOT_LA]
    { A = (sl_node *)sl_make_between(CX, E, L, H, true, SL_LOC(E)); }
a_expr(A) ::= a_expr(E) IN LP expr_list(L) RP.
    { A = (sl_node *)sl_make_in(CX, E, L, false, SL_LOC(E)); }
a_expr(A) ::= a_expr(E) NOT_LA IN LP expr_list(L) RP.
    { A = (sl_node *)sl_make_in(CX, E, L, true, SL_LOC(E)); }
a_expr(A) ::= a_expr(E) LIKE a_expr(P).
    { A = (sl_node *)sl_make_like(CX, E, P, false, false, SL_LOC(E)); }
a_expr(A) ::= a_expr(E) NOT_LA LIKE a_expr(P). [NOT_LA]
    { A = (sl_node *)sl_make_like(CX, E, P, true, false, SL_LOC(E)); }
a_expr(A) ::= a_expr(E) ILIKE a_expr(P).
    { A = (sl_node *)sl_make_like(CX, E, P, false, true, SL_LOC(E)); }
a_expr(A) ::= a_expr(E) NOT_LA ILIKE a_expr(P). [NOT_LA]
    { A = (sl_node *)sl_make_like(CX, E, P, true, true, SL_LOC(E)); }
a_expr(A) ::= a_expr(L) CONCAT a_expr(R). { A = BINOP(SL_OP_CONCAT, L, R); }
a_expr(A) ::= a_expr(L) PLUS a_expr(R). { A = BINOP(SL_OP_ADD, L, R); }
a_expr(A) ::= a_expr(L) MINUS a_expr(R). { A = BINOP(SL_OP_SUB, L, R); }
a_expr(A) ::= a_expr(L) STAR a_expr(R). { A = BINOP(SL_OP_MUL, L, R); }
a_expr(A) ::= a_expr(L) SLASH a_expr(R). { A = BINOP(SL_OP_DIV, L, R); }
a_expr(A) ::= a_expr(L) PERCENT a_expr(R). { A = BINOP(SL_OP_MOD, L, R); }
a_expr(A) ::= a_expr(L) CARET a_expr(R). { A = BINOP(SL_OP_POW, L, R); }
a_expr(A) ::= MINUS(K) a_expr(E). [UMINUS] { A = sl_make_negation(CX, E, K.offset); }
a_expr(A) ::= PLUS(K) a_expr(E). [UMINUS] { A = (sl_node *)sl_make_op(CX, SL_OP_PLUS, NULL, E, K.offset); }
a_expr(A) ::= a_expr(E) DCOLON typename(T). { A = (sl_node *)sl_make_cast(CX, E, T, SL_LOC(E)); }

%type b_expr {sl_node *}
b_expr(A) ::= c_expr(E).                { A = E; }
b_expr(A) ::= b_expr(L) CONCAT b_expr(R). { A = BINOP(SL_OP_CONCAT, L, R); }
b_expr(A) ::= b_expr(L) PLUS b_expr(R). { A = BINOP(SL_OP_ADD, L, R); }
b_expr(A) ::= b_expr(L) MINUS b_expr(R). { A = BINOP(SL_OP_SUB, L, R); }
b_expr(A) ::= b_expr(L) STAR b_expr(R). { A = BINOP(SL_OP_MUL, L, R); }
b_expr(A) ::= b_expr(L) SLASH b_expr(R). { A = BINOP(SL_OP_DIV, L, R); }
b_expr(A) ::= b_expr(L) PERCENT b_expr(R). { A = BINOP(SL_OP_MOD, L, R); }
b_expr(A) ::= b_expr(L) CARET b_expr(R). { A = BINOP(SL_OP_POW, L, R); }
b_expr(A) ::= MINUS(K) b_expr(E). [UMINUS] { A = sl_make_negation(CX, E, K.offset); }
b_expr(A) ::= PLUS(K) b_expr(E). [UMINUS] { A = (sl_node *)sl_make_op(CX, SL_OP_PLUS, NULL, E, K.offset); }
b_expr(A) ::= b_expr(E) DCOLON typename(T). { A = (sl_node *)sl_make_cast(CX, E, T, SL_LOC(E)); }

%type c_expr {sl_node *}
c_expr(A) ::= columnref(C).             { A = (sl_node *)C; }
c_expr(A) ::= constant(C).              { A = (sl_node *)C; }
c_expr(A) ::= PARAM(P).                 { A = sl_make_param(ps, &P); }
c_expr(A) ::= LP a_expr(E) RP.          { A = E; }
c_expr(A) ::= func_call(F).             { A = F; }
c_expr(A) ::= CAST(K) LP a_expr(E) AS typename(T) RP. { A = (sl_node *)sl_make_cast(CX, E, T, K.offset); }
/* TIMESTAMP 'text' is a cast of the literal, as in PostgreSQL. */
c_expr(A) ::= TIMESTAMP(K) STRING(S).
    { A = (sl_node *)sl_make_cast(CX, (sl_node *)sl_make_const_string(CX, S.str, S.offset), sl_make_type_name(CX, "timestamp", NULL, K.offset), K.offset); }
c_expr(A) ::= CASE(K) case_arg(G) when_list(W) case_else(E) END.
    { A = (sl_node *)sl_make_case(CX, G, W, E, K.offset); }

%type columnref {sl_ColumnRef *}
columnref(A) ::= ID(N).                 { A = sl_make_column_ref(CX, N.str, N.offset); }
/* Keywords that also start a literal or a call (TIMESTAMP '...', INTERVAL
 * '...', EXTRACT(...)) are column names when no string or '(' follows, as
 * PostgreSQL's col_name_keywords: SELECT timestamp, station FROM sheet. */
columnref(A) ::= TIMESTAMP(N).          { A = sl_make_column_ref(CX, "timestamp", N.offset); }
columnref(A) ::= INTERVAL(N).           { A = sl_make_column_ref(CX, "interval", N.offset); }
columnref(A) ::= EXTRACT(N).            { A = sl_make_column_ref(CX, "extract", N.offset); }
columnref(A) ::= columnref(C) DOT ID(N). { A = sl_column_ref_append(CX, C, N.str); }

%type constant {sl_Const *}
constant(A) ::= INTEGER(N).             { A = sl_parse_number(ps, &N, false, N.offset); }
constant(A) ::= NUMBER(N).              { A = sl_parse_number(ps, &N, false, N.offset); }
constant(A) ::= STRING(S).              { A = sl_make_const_string(CX, S.str, S.offset); }
constant(A) ::= TRUE(T).                { A = sl_make_const_bool(CX, true, T.offset); }
constant(A) ::= FALSE(T).               { A = sl_make_const_bool(CX, false, T.offset); }
constant(A) ::= NULL(T).                { A = sl_make_const_null(CX, T.offset); }
constant(A) ::= interval(I).            { A = I; }

%type func_call {sl_node *}
func_call(A) ::= ID(N) LP RP.           { A = (sl_node *)sl_make_func_call(CX, N.str, NULL, false, false, N.offset); }
func_call(A) ::= ID(N) LP STAR(S) RP.
    { A = (sl_node *)sl_make_func_call(CX, N.str, sl_list_append(CX, NULL, sl_make_star(CX, S.offset)), true, false, N.offset); }
func_call(A) ::= ID(N) LP expr_list(L) RP. { A = (sl_node *)sl_make_func_call(CX, N.str, L, false, false, N.offset); }
func_call(A) ::= ID(N) LP DISTINCT expr_list(L) RP. { A = (sl_node *)sl_make_func_call(CX, N.str, L, false, true, N.offset); }
/* EXTRACT(field FROM x) is date_part('field', x), as in PostgreSQL. */
func_call(A) ::= EXTRACT(E) LP ID(F) FROM a_expr(X) RP.
    { A = (sl_node *)sl_make_func_call(CX, "date_part", sl_list_append(CX, sl_list_append(CX, NULL, sl_make_const_string(CX, F.str, F.offset)), X), false, false, E.offset); }

%type expr_list {sl_list *}
expr_list(A) ::= a_expr(E).             { A = sl_list_append(CX, NULL, E); }
expr_list(A) ::= expr_list(L) COMMA a_expr(E). { A = sl_list_append(CX, L, E); }

%type case_arg {sl_node *}
case_arg(A) ::= .                       { A = NULL; }
case_arg(A) ::= a_expr(E).              { A = E; }

%type when_list {sl_list *}
when_list(A) ::= when_clause(W).        { A = sl_list_append(CX, NULL, W); }
when_list(A) ::= when_list(L) when_clause(W). { A = sl_list_append(CX, L, W); }

%type when_clause {sl_CaseWhen *}
when_clause(A) ::= WHEN(K) a_expr(C) THEN a_expr(R). { A = sl_make_case_when(CX, C, R, K.offset); }

%type case_else {sl_node *}
case_else(A) ::= .                      { A = NULL; }
case_else(A) ::= ELSE a_expr(E).        { A = E; }
