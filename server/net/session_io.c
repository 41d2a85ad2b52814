/*
 * session_io.c - what every way of running a statement shares (see session_int.h):
 * sending to the client, errors, ParameterStatus, and sl_sess_run.
 *
 * Below both session.c (startup, the loop, simple queries) and extended.c
 * (the extended protocol, cursors), which call it and not each other's
 * internals; the end of a transaction block reaches extended.c's portals
 * through the block_ended hook.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "server/cancel.h"
#include "server/catalog/catalog.h"
#include "server/config.h"
#include "server/net/session_int.h"
#include "sluice/clock.h"
#include "sluice/errcodes.h"
#include "sluice/log.h"

/* Settings whose changes the client hears of by ParameterStatus, as PostgreSQL reports them. */
static const char *const sess_reported[] = {
    "server_version",
    "server_encoding",
    "client_encoding",
    "application_name",
    "DateStyle",
    "IntervalStyle",
    "TimeZone",
    "integer_datetimes",
    "is_superuser",
    "standard_conforming_strings",
    "session_authorization",
};
#define SESS_NREPORTED ((int)(sizeof(sess_reported) / sizeof(sess_reported[0])))
_Static_assert(SESS_NREPORTED == SL_SESS_NREPORTED, "session_int.h counts the reported settings");

sl_status sl_sess_flush(sl_sess *ss)
{
    size_t off = 0;

    if (ss->broken) {
        ss->out.len = 0;
        return SL_ERROR;
    }
    while (off < ss->out.len) {
        ssize_t n;

        if (ss->tls != NULL) {
            n = sl_tls_write(ss->tls, ss->out.data + off, ss->out.len - off);
            if (n == SL_TLS_WANT_READ || n == SL_TLS_WANT_WRITE) {
                /* The socket is non-blocking under TLS: wait as a blocking send would. */
                struct pollfd pfd = {.fd = ss->s->fd, .events = n == SL_TLS_WANT_READ ? POLLIN : POLLOUT};
                int rc = poll(&pfd, 1, SL_SESSION_SEND_TIMEOUT_S * 1000);
                if (rc > 0 || (rc < 0 && errno == EINTR))
                    continue;
                errno = EAGAIN;
            } else if (n <= 0)
                errno = ECONNRESET;
        } else
            n = send(ss->s->fd, ss->out.data + off, ss->out.len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                sl_log(SL_LOG_LOG, "closing connection of %s: the client did not read for %d s", ss->s->peer,
                       SL_SESSION_SEND_TIMEOUT_S);
            ss->broken = true;
            ss->out.len = 0;
            return SL_ERROR;
        }
        off += (size_t)n;
    }
    sl_buf_reset(&ss->out, SL_SESSION_BUF_KEEP);
    return SL_OK;
}

/* Sends an ErrorResponse and, for ERROR, keeps the connection. */
void sl_sess_send_error(sl_sess *ss, const char *severity, const sl_error *err)
{
    sl_pq_error_response(&ss->out, severity, err);
    sl_sess_flush(ss);
}

/* ---- ParameterStatus ---- */

/* Sends ParameterStatus for each reported setting whose value changed since last sent. */
void sl_sess_report_changes(sl_sess *ss)
{
    for (int i = 0; i < SESS_NREPORTED; i++) {
        sl_error err;
        const char *v = sl_settings_show(ss->settings, ss->msg_cx, sess_reported[i], &err);

        if (v == NULL)
            continue;
        if (ss->reported[i] != NULL && strcmp(ss->reported[i], v) == 0)
            continue;
        if (ss->reported[i] == NULL)
            ss->reported[i] = sl_palloc(ss->cx, SL_CONFIG_VALUE_MAX);
        snprintf(ss->reported[i], SL_CONFIG_VALUE_MAX, "%s", v);
        sl_pq_parameter_status(&ss->out, sess_reported[i], v);
    }
}

bool sl_sess_ends_block(const sl_raw_stmt *raw, bool *is_commit)
{
    const sl_TransactionStmt *t;

    *is_commit = false;
    if (raw == NULL || !SL_IS(raw->stmt, TransactionStmt))
        return false;
    t = (const sl_TransactionStmt *)raw->stmt;
    *is_commit = t->kind == SL_TXN_COMMIT;
    return t->kind == SL_TXN_COMMIT || t->kind == SL_TXN_ROLLBACK;
}

/* An error for the client; inside a transaction block it fails the block. */
void sl_sess_statement_error(sl_sess *ss, const sl_error *err)
{
    if (ss->in_transaction)
        ss->failed_transaction = true;
    /* The SQLSTATE only: a syntax error quotes the statement's text, which
     * may hold a password or a connector secret. */
    sl_log(SL_LOG_DEBUG, "statement of %s failed: %s", ss->s->peer, err->sqlstate);
    sl_sess_send_error(ss, "ERROR", err);
}

void sl_sess_exec_ctx(sl_sess *ss, sl_exec_ctx *ctx, const char *query_text)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->stmt_cx = ss->stmt_cx;
    ctx->settings = ss->settings;
    ctx->cancel = &ss->s->cancel;
    ctx->query_text = query_text;
    ctx->in_transaction = ss->in_transaction;
    ctx->role = ss->role->name;
    ctx->superuser = ss->role->superuser;
}

sl_sess_result sl_sess_run(sl_sess *ss, sl_exec_ctx *ctx, bool ends_block, bool is_commit,
                           sl_status (*run)(sl_exec_ctx *ctx, void *arg, char *tag, sl_error *err), void *arg,
                           char tag[SL_TAG_MAX], sl_error *err)
{
    bool was_failed = ss->failed_transaction;
    int64_t timeout_ms = sl_settings_int(ss->settings, "statement_timeout");
    sl_status rc;

    tag[0] = '\0';
    sl_error_clear(err);
    if (was_failed && !ends_block) {
        sl_error_set(err, SL_ERRCODE_IN_FAILED_SQL_TRANSACTION,
                     "current transaction is aborted, commands ignored until end of transaction block");
        return SL_SESS_FAILED;
    }
    ctx->in_transaction = ss->in_transaction;
    atomic_store(&ss->s->statement_deadline_us, timeout_ms > 0 ? sl_clock_mono_us() + timeout_ms * 1000 : 0);
    atomic_store(&ss->s->busy, true);
    rc = run(ctx, arg, tag, err);
    atomic_store(&ss->s->busy, false);
    atomic_store(&ss->s->statement_deadline_us, 0);
    sl_mcxt_reset(ss->stmt_cx);
    if (ss->s->cancel == SL_CANCEL_CLIENT_GONE || ss->broken) {
        /* Found by the hang-up check, or by a row that could not be sent. */
        sl_log(SL_LOG_LOG, "statement of %s stopped: the client closed the connection", ss->s->peer);
        return SL_SESS_END;
    }
    if (ss->in_transaction && !ctx->in_transaction)
        ss->block_ended(ss); /* its portals go */
    ss->in_transaction = ctx->in_transaction;
    if (ss->s->host->shutting_down())
        return SL_SESS_END; /* the caller says why */
    if (rc != SL_OK) {
        if (!sl_error_is_set(err))
            sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "statement failed without an error message");
        return SL_SESS_FAILED;
    }
    if (was_failed) {
        /* COMMIT of a failed block rolls back, and says so, as PostgreSQL does. */
        ss->failed_transaction = false;
        ss->in_transaction = false;
        ss->block_ended(ss);
        if (is_commit)
            snprintf(tag, SL_TAG_MAX, "ROLLBACK");
    }
    return SL_SESS_DONE;
}
