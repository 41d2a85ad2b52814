/*
 * expr_int.h - the inside of bound expressions, shared by expr.c (nodes,
 * printing), server/engine/expr_bind.c (AST -> sl_expr), server/engine/expr_eval.c (vectorised
 * evaluation), server/engine/functions.c (scalar functions and casts) and server/engine/analyze.c.
 * Nothing outside those files should include it: the rest of the server
 * sees sl_expr as opaque (expr.h).
 */
#ifndef SLUICE_EXPR_INT_H
#define SLUICE_EXPR_INT_H

#include "server/engine/expr.h"

typedef enum sl_expr_kind {
    SL_EXPR_CONST,
    SL_EXPR_COLUMN,
    SL_EXPR_BINARY, /* op: sl_binop; args[0], args[1] */
    SL_EXPR_NEG,    /* args[0] */
    SL_EXPR_AND,    /* args[0], args[1] */
    SL_EXPR_OR,
    SL_EXPR_NOT,
    SL_EXPR_NULLTEST, /* negate: IS NOT NULL */
    SL_EXPR_IN,       /* args[0] IN (args[1..]); negate: NOT IN */
    SL_EXPR_LIKE,     /* args[0] LIKE args[1]; negate, ci (ILIKE) */
    SL_EXPR_CASE,     /* args: cond0, result0, cond1, result1, ..., [else] */
    SL_EXPR_CAST,     /* args[0] to type */
    SL_EXPR_FUNC,     /* op: sl_func_id */
} sl_expr_kind;

/* Binary operators, resolved for their operand types at bind time. */
typedef enum sl_binop {
    /* int64 arithmetic (BIGINT, TIMESTAMP +- INTERVAL, INTERVAL +- INTERVAL,
     * TIMESTAMP - TIMESTAMP), overflow is a row error */
    SL_BIN_ADD_I,
    SL_BIN_SUB_I,
    SL_BIN_MUL_I,
    SL_BIN_DIV_I,
    SL_BIN_MOD_I,
    SL_BIN_ADD_D,
    SL_BIN_SUB_D,
    SL_BIN_MUL_D,
    SL_BIN_DIV_D,
    SL_BIN_MOD_D,
    SL_BIN_POW_D,
    SL_BIN_MUL_IV_D, /* interval * double */
    SL_BIN_DIV_IV_D, /* interval / double */
    /* comparisons; operands of type expr->optype */
    SL_BIN_EQ,
    SL_BIN_NE,
    SL_BIN_LT,
    SL_BIN_LE,
    SL_BIN_GT,
    SL_BIN_GE,
    SL_BIN_CONCAT,
} sl_binop;

typedef enum sl_func_id {
    SL_FN_ABS,
    SL_FN_ROUND,
    SL_FN_ROUND2,
    SL_FN_CEIL,
    SL_FN_FLOOR,
    SL_FN_SQRT,
    SL_FN_POWER,
    SL_FN_LN,
    SL_FN_LOG10,
    SL_FN_LOG2ARG, /* log(base, x) */
    SL_FN_EXP,
    SL_FN_GREATEST,
    SL_FN_LEAST,
    SL_FN_COALESCE,
    SL_FN_NULLIF,
    SL_FN_LOWER,
    SL_FN_UPPER,
    SL_FN_LENGTH,
    SL_FN_SUBSTR,
    SL_FN_TRIM,
    SL_FN_LTRIM,
    SL_FN_RTRIM,
    SL_FN_REPLACE,
    SL_FN_CONCAT,
    SL_FN_NOW,
    SL_FN_DATE_TRUNC,
    SL_FN_DATE_PART,
    SL_FN_TO_TIMESTAMP,
    SL_FN_EPOCH,
} sl_func_id;

typedef union sl_value {
    bool b;
    int64_t i64;
    double f64;
    sl_text text;
} sl_value;

struct sl_expr {
    sl_expr_kind kind;
    sl_type type;     /* result type */
    int location;     /* byte offset in the query text, -1 = none */
    int op;           /* sl_binop for BINARY, sl_func_id for FUNC */
    sl_type optype;   /* operand type of a comparison / IN, source type of a CAST */
    const char *name; /* column name, function name */
    int column;       /* COLUMN: index in the input schema */
    int nargs;
    sl_expr **args;
    bool negate; /* NOT IN, NOT LIKE, IS NOT NULL */
    bool ci;     /* ILIKE */
    bool has_else;
    int unit;                       /* FUNC date_trunc/date_part: the field, resolved at bind time */
    const struct sl_func_sig *func; /* FUNC: the table row it calls */
    /* A BIGINT whose values always fit 32 bits and that PostgreSQL types
     * integer (int4): a literal that fits, CAST(x AS integer), and +, -, *, /,
     * %, unary minus, CASE and COALESCE over such values.  Stored as int64 like
     * every BIGINT; evaluating one checks the range (22003 "integer out of
     * range"), so a value reported as int4 (OID 23) always is one. */
    bool int4;
    /* CONST */
    bool is_null;
    bool literal; /* an untyped string literal ('...'), still free to coerce */
    /* A parameter of unknown type being described: the type it is coerced
     * to is its inferred type, written here (sl_params.types). */
    sl_type *infer;
    sl_value value;
};

/* Node constructors (expr.c); the node lives in cx. */
sl_expr *sl_expr_new(sl_mcxt *cx, sl_expr_kind kind, sl_type type, int location, int nargs);
sl_expr *sl_expr_const_null(sl_mcxt *cx, sl_type type, int location);

/* Converts e to type `to` (server/engine/expr_bind.c).  A constant is converted now (an
 * error such as 22P02 is returned with e's position); otherwise a CAST node
 * is added.  explicit_cast allows every conversion; implicit ones are only
 * BIGINT -> DOUBLE and untyped literals/NULL to anything. */
sl_status sl_expr_coerce(sl_mcxt *cx, const char *query_text, sl_expr *e, sl_type to, bool explicit_cast,
                         sl_expr **out, sl_error *err);

/* True when a cast from -> to exists (server/engine/functions.c). */
bool sl_cast_exists(sl_type from, sl_type to);

/* A function's vectorised body: e's arguments args (vectors over n rows,
 * skip marking the rows a CASE does not take) -> out; row errors go to ectx. */
typedef void (*sl_func_body)(const sl_expr *e, sl_vector *args, int n, const uint8_t *skip, sl_vector *out,
                             sl_eval_ctx *ectx);

/* One row of the table of scalar functions (server/engine/functions.c): a
 * signature and the body that evaluates it. */
typedef struct sl_func_sig {
    const char *name;
    sl_func_id id;
    int nargs; /* -1: variadic (special handling) */
    sl_type args[3];
    sl_type result;
    sl_func_body eval; /* NULL: evaluated by expr_eval.c itself (coalesce) */
    bool lenient;      /* a NULL argument does not make the result NULL */
} sl_func_sig;

/* The function name(args) calls, or NULL (server/engine/functions.c).  An untyped
 * literal matches any parameter, a BIGINT a DOUBLE one. */
const sl_func_sig *sl_func_find(const char *name, sl_expr *const *args, int nargs);
/* The 42883 error for a call that matches no function; returns SL_ERROR. */
sl_status sl_func_none(const char *name, sl_expr *const *args, int nargs, sl_error *err);
/* The date_part (trunc false) or date_trunc (trunc true) field of a
 * lower-case unit name, or -1. */
int sl_func_time_unit(const char *unit, bool trunc);
/* True for a literal whose type is still open (an untyped string or NULL). */
bool sl_expr_untyped(const sl_expr *e);

/* Records a data error of one row (expr.c). */
void sl_eval_row_error(sl_eval_ctx *ectx, const char *sqlstate, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Vectorised cast of n rows of in into out (server/engine/functions.c).  Rows with skip[i]
 * set (skip may be NULL) never raise row errors. */
void sl_cast_vector(const sl_vector *in, int n, const uint8_t *skip, sl_vector *out, sl_eval_ctx *ectx);

/* Vectorised scalar function over evaluated arguments (server/engine/functions.c). */
sl_status sl_func_eval(const sl_expr *e, sl_vector *args, int n, const uint8_t *skip, sl_vector *out,
                       sl_eval_ctx *ectx, sl_error *err);

/* Byte offset -> 1-based character position (UTF-8) of query_text, 0 if unknown. */
int sl_expr_position(const char *query_text, int location);

/* Levenshtein distance between two names, for "did you mean" hints. */
int sl_name_distance(const char *a, const char *b);

#endif
