/*
 * session_int.h - what session.c (startup, the simple query loop) and
 * extended.c (the extended query protocol, PREPARE and cursors) share: the
 * connection's state and the way one statement is run and reported.
 */
#ifndef SLUICE_SESSION_INT_H
#define SLUICE_SESSION_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "server/commands/exec.h"
#include "server/net/protocol.h"
#include "server/net/session.h"
#include "server/net/tls.h"
#include "sluice/buf.h"
#include "sluice/mcxt.h"

typedef struct sl_cat_role sl_cat_role;
typedef struct sl_ext sl_ext; /* extended.c's statements and portals */

/* A send that cannot make progress for this long ends the connection. */
#define SL_SESSION_SEND_TIMEOUT_S 60
/* Buffers that grew beyond this for one big message are given back afterwards. */
#define SL_SESSION_BUF_KEEP (64 * 1024)

/* The number of settings reported by ParameterStatus (session.c). */
#define SL_SESS_NREPORTED 11

typedef struct sl_sess sl_sess;

struct sl_sess {
    sl_session *s;
    sl_mcxt *cx;      /* the connection */
    sl_mcxt *msg_cx;  /* one client message */
    sl_mcxt *stmt_cx; /* one statement */
    sl_buf in, out;
    bool broken; /* the socket failed: stop writing */
    int ncols;   /* of the statement's RowDescription */
    sl_settings *settings;
    char *reported[SL_SESS_NREPORTED]; /* values last sent in ParameterStatus */
    sl_tls_conn *tls;                  /* NULL: plain socket */
    int64_t deadline_us; /* the startup, or an idle wait, must end by then (monotonic); 0: none */
    bool idle_wait;      /* deadline_us is idle_session_timeout's */
    sl_cat_role *role;   /* the role logged in as, in cx */
    bool in_transaction;
    bool failed_transaction; /* an error inside BEGIN: only ROLLBACK/COMMIT until it ends */
    char user[64];
    sl_ext *ext;
    /* Called when a transaction block ends (extended.c drops its portals). */
    void (*block_ended)(sl_sess *ss);
};

/* An ErrorResponse (severity "ERROR" or "FATAL"), sent at once. */
void sl_sess_send_error(sl_sess *ss, const char *severity, const sl_error *err);

/* Sends what is buffered; SL_ERROR once the socket failed. */
sl_status sl_sess_flush(sl_sess *ss);

/* An ErrorResponse for a failed statement; inside a transaction block it fails the block. */
void sl_sess_statement_error(sl_sess *ss, const sl_error *err);

/* The execution context of a statement of query_text (stmt_cx, settings, role, cancel). */
void sl_sess_exec_ctx(sl_sess *ss, sl_exec_ctx *ctx, const char *query_text);

/* ParameterStatus for the reported settings that changed. */
void sl_sess_report_changes(sl_sess *ss);

typedef enum sl_sess_result {
    SL_SESS_DONE,   /* ran: tag set */
    SL_SESS_FAILED, /* err set: report it, the session goes on */
    SL_SESS_END,    /* the connection must end (client gone, shutdown) */
} sl_sess_result;

/*
 * Runs one statement through run(ctx, arg, tag, err), the common part of
 * every way a statement runs (simple Query, Execute, EXECUTE, FETCH):
 * refuses it in a failed transaction block unless it ends the block,
 * arms statement_timeout and the hang-up check, resets stmt_cx after,
 * takes the transaction state from ctx, and turns COMMIT of a failed block
 * into ROLLBACK.  ends_block: the statement is COMMIT/ROLLBACK (is_commit: COMMIT).
 */
sl_sess_result sl_sess_run(sl_sess *ss, sl_exec_ctx *ctx, bool ends_block, bool is_commit,
                           sl_status (*run)(sl_exec_ctx *ctx, void *arg, char *tag, sl_error *err), void *arg,
                           char tag[SL_TAG_MAX], sl_error *err);

/* True for COMMIT/ROLLBACK (and their spellings); *is_commit for COMMIT. */
bool sl_sess_ends_block(const sl_raw_stmt *raw, bool *is_commit);

/* ---- session_io.c: the functions above ---- */

/* ---- extended.c ---- */

/* Prepares the connection's tables of statements and portals. */
void sl_ext_init(sl_sess *ss);
/* Parse, Bind, Describe, Execute, Close: SL_SESS_FAILED means skip to Sync. */
sl_sess_result sl_ext_message(sl_sess *ss, sl_pq_msg *msg);
/* Sync: the portals of a transaction that ended are dropped. */
void sl_ext_sync(sl_sess *ss);
/* True for a statement extended.c runs (its first word says so). */
bool sl_ext_is_simple(const char *stmt);
/* A Query string's statement that extended.c runs: PREPARE, EXECUTE,
 * DEALLOCATE, DECLARE, FETCH, MOVE, CLOSE.  false: not one of them (the
 * caller parses it); else *result as sl_sess_run's, err set on FAILED. */
bool sl_ext_simple(sl_sess *ss, const char *query, int location, int length, sl_sess_result *result,
                   sl_error *err);
/* DISCARD ALL, end of a transaction block: prepared statements and/or portals go. */
void sl_ext_discard(sl_sess *ss, bool statements);
/* At the end of the connection: closes what is open. */
void sl_ext_free(sl_sess *ss);

#endif
