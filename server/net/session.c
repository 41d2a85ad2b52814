/*
 * session.c - one client connection: startup, the simple query loop, cancel (see session.h).
 *
 * Memory: the session's context lives as long as the connection; a "message"
 * child is reset after each client message (the parse tree of a query string
 * lives there) and a "statement" child of it is reset after each statement.
 * The socket buffers are malloc'd sl_bufs because they grow and shrink.
 *
 * Blocking: the socket is blocking, with a send timeout so that a client that
 * stops reading cannot hold its thread forever; reads wait in poll() on the
 * socket and on the postmaster's shutdown descriptor, so an idle session
 * notices shutdown at once.
 */
#include "server/net/session.h"
#include "server/net/session_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/cancel.h"
#include "server/config.h"
#include "server/commands/exec.h"
#include "server/net/auth.h"
#include "server/net/tls.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "parser/lexer.h"
#include "parser/parse.h"
#include "server/pgcat/pgcat.h"
#include "server/net/protocol.h"
#include "sluice/mcxt.h"

/* Output is sent once this much is buffered, or when the client must see it. */
#define SL_SESSION_FLUSH_AT 8192

/* ---- socket I/O ---- */

/* sl_pq_recv_fn over the socket: waits in poll() so shutdown and timeouts interrupt it. */
static sl_status sess_recv(void *arg, void *buf, size_t n, sl_error *err)
{
    sl_sess *ss = arg;
    char *p = buf;

    while (n > 0) {
        struct pollfd pfd[2] = {
            {.fd = ss->s->fd, .events = POLLIN},
            {.fd = ss->s->host->shutdown_fd(), .events = POLLIN},
        };
        int timeout = -1, rc;
        ssize_t got;

        if (ss->deadline_us > 0) {
            timeout = (int)((ss->deadline_us - sl_clock_mono_us()) / 1000);
            if (timeout <= 0 && ss->idle_wait)
                return sl_error_set(err, SL_ERRCODE_IDLE_SESSION_TIMEOUT,
                                    "terminating connection due to idle-session timeout");
            if (timeout <= 0)
                return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION,
                                    "timeout while reading from the client (authentication_timeout)");
        }
        /* Bytes TLS already decrypted are not in the socket: poll would not see them. */
        if (ss->tls == NULL || sl_tls_pending(ss->tls) == 0) {
            rc = poll(pfd, 2, timeout);
            if (rc < 0 && errno == EINTR)
                continue;
            if (rc < 0)
                return sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "poll failed: %s", strerror(errno));
            if (rc == 0)
                continue; /* the deadline check above says so */
            if (pfd[1].revents)
                return sl_error_set(err, SL_ERRCODE_ADMIN_SHUTDOWN,
                                    "terminating connection due to administrator command");
        }
        if (ss->tls != NULL) {
            got = sl_tls_read(ss->tls, p, n);
            if (got == SL_TLS_WANT_READ || got == SL_TLS_WANT_WRITE)
                continue;
            if (got < 0)
                got = 0; /* a broken TLS stream ends the connection like a close */
        } else
            got = recv(ss->s->fd, p, n, 0);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            return sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "connection closed by the client");
        p += got;
        n -= (size_t)got;
    }
    return SL_OK;
}

static void sess_fatal(sl_sess *ss, const char *sqlstate, const char *message)
{
    sl_error err;
    sl_error_set(&err, sqlstate, "%s", message);
    sl_sess_send_error(ss, "FATAL", &err);
}

/* ---- the result receiver ---- */

static sl_status dest_start(sl_dest *dest, int ncols, const sl_column_desc *cols, sl_error *err)
{
    sl_sess *ss = dest->state;

    ss->ncols = ncols;
    sl_pq_row_description(&ss->out, ncols, cols);
    if (sl_sess_flush(ss) != SL_OK)
        return sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "connection to client lost");
    return SL_OK;
}

static sl_status dest_row(sl_dest *dest, const char *const *values, sl_error *err)
{
    sl_sess *ss = dest->state;

    sl_pq_data_row(&ss->out, ss->ncols, values);
    /* Rows of a push query trickle in as windows close and the client must
     * see each at once; sl_dest has no end-of-batch call to wait for, so
     * every row is sent as it comes. */
    if (sl_sess_flush(ss) != SL_OK)
        return sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "connection to client lost");
    return SL_OK;
}

static void dest_notice(sl_dest *dest, const char *message)
{
    sl_sess *ss = dest->state;

    sl_pq_notice_response(&ss->out, SL_ERRCODE_SUCCESSFUL_COMPLETION, message);
    sl_sess_flush(ss);
}

/* ---- startup ---- */

/* Applies the startup packet's parameters.  A client may set only what SET
 * could (session_authorization and is_superuser come from authentication). */
static sl_status sess_apply_startup_params(sl_sess *ss, const sl_pq_startup *st, sl_mcxt *cx, sl_error *err,
                                           int *nunknown, const char ***unknown, const char **database)
{
    const char *user = NULL;

    *nunknown = 0;
    *unknown = sl_palloc(cx, (size_t)(st->nparams + 1) * sizeof(char *));
    for (int i = 0; i < st->nparams; i++) {
        const char *name = st->names[i], *value = st->values[i];

        if (strcmp(name, "user") == 0)
            user = value;
        else if (strcmp(name, "database") == 0)
            *database = value; /* sluice has one database; any name reaches it, hba rules may match it */
        else if (strcmp(name, "replication") == 0) {
            bool off = strcasecmp(value, "false") == 0 || strcasecmp(value, "off") == 0 ||
                       strcasecmp(value, "no") == 0 || strcmp(value, "0") == 0;
            if (!off)
                return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                                    "replication connections are not supported");
        } else if (strncmp(name, "_pq_.", 5) == 0)
            (*unknown)[(*nunknown)++] = name; /* protocol extensions we do not know: negotiated away */
        else if (strcmp(name, "options") == 0) {
            int n;
            const char **names, **values;
            if (sl_pq_split_options(value, cx, &n, &names, &values, err) != SL_OK)
                return SL_ERROR;
            for (int k = 0; k < n; k++)
                if (sl_settings_set(ss->settings, names[k], values[k], err) != SL_OK)
                    return SL_ERROR;
        } else if (sl_settings_set(ss->settings, name, value, err) != SL_OK)
            return SL_ERROR;
    }
    if (user == NULL || user[0] == '\0')
        return sl_error_set(err, SL_ERRCODE_INVALID_AUTHORIZATION,
                            "no user name specified in startup packet");
    if (strlen(user) >= sizeof(ss->user))
        return sl_error_set(err, SL_ERRCODE_INVALID_AUTHORIZATION, "user name is too long");
    snprintf(ss->user, sizeof(ss->user), "%s", user);
    if (*database == NULL || (*database)[0] == '\0')
        *database = user; /* as libpq: the database defaults to the user name */
    return SL_OK;
}

static sl_status sess_port_flush(void *arg)
{
    return sl_sess_flush(arg);
}

static sl_status sess_port_read(void *arg, sl_pq_msg *msg, sl_error *err)
{
    sl_sess *ss = arg;
    return sl_pq_read_message(sess_recv, ss, &ss->in, SL_SESSION_FLUSH_AT, msg, err);
}

/* Answers an SSLRequest: 'S' and the TLS handshake when TLS is on for this connection, else 'N'. */
static sl_status sess_start_tls(sl_sess *ss)
{
    sl_error err;
    char desc[128];
    int left;

    if (ss->tls != NULL) {
        sess_fatal(ss, SL_ERRCODE_PROTOCOL_VIOLATION, "SSLRequest on a connection already using TLS");
        return SL_ERROR;
    }
    if (ss->s->is_unix || !sl_tls_enabled()) {
        sl_buf_append(&ss->out, "N", 1);
        return sl_sess_flush(ss);
    }
    sl_buf_append(&ss->out, "S", 1);
    if (sl_sess_flush(ss) != SL_OK)
        return SL_ERROR;
    left = (int)((ss->deadline_us - sl_clock_mono_us()) / 1000);
    ss->tls = sl_tls_accept(ss->s->fd, left > 0 ? left : 1, ss->s->host->shutdown_fd(), &err);
    if (ss->tls == NULL) {
        sl_log(SL_LOG_LOG, "%s (from %s)", err.message, ss->s->peer);
        return SL_ERROR;
    }
    sl_tls_describe(ss->tls, desc, sizeof(desc));
    sl_log(SL_LOG_DEBUG, "TLS connection from %s: %s", ss->s->peer, desc);
    return SL_OK;
}

/* Authenticates the client, then sets session_authorization and is_superuser. */
static sl_status sess_authenticate(sl_sess *ss, const char *database, sl_error *err)
{
    sl_auth_port port = {
        .arg = ss,
        .out = &ss->out,
        .flush = sess_port_flush,
        .read = sess_port_read,
        .fd = ss->s->fd,
        .stop_fd = ss->s->host->shutdown_fd(),
        .addr = ss->s->is_unix ? NULL : (const struct sockaddr *)&ss->s->addr,
        .ssl = ss->tls != NULL,
        .peer = ss->s->peer,
    };

    if (ss->tls != NULL)
        port.cbind = sl_tls_end_point(ss->tls, &port.cbind_len);
    if (sl_auth_client(&port, ss->cx, ss->user, database, &ss->role, err) != SL_OK)
        return SL_ERROR;
    ss->s->superuser = ss->role->superuser;
    if (sl_settings_set_startup(ss->settings, "session_authorization", ss->role->name, err) != SL_OK ||
        sl_settings_set_startup(ss->settings, "is_superuser", ss->role->superuser ? "on" : "off", err) !=
            SL_OK)
        return SL_ERROR;
    sl_log(SL_LOG_DEBUG, "connection authorized: user=%s%s from %s", ss->role->name,
           ss->role->superuser ? " (superuser)" : "", ss->s->peer);
    return SL_OK;
}

/* Reads the startup packet(s) and greets the client.  SL_ERROR: the connection ends
 * (the client was told why when the protocol allows it). */
static sl_status sess_startup(sl_sess *ss)
{
    sl_pq_startup st;
    sl_pq_msg msg;
    sl_error err;
    const char **unknown, *database = NULL;
    int nunknown;

    ss->deadline_us = sl_clock_mono_us() + sl_config_int("authentication_timeout") * 1000;
    for (int round = 0;; round++) {
        if (sl_pq_read_startup(sess_recv, ss, &ss->in, &msg, &err) != SL_OK) {
            if (strcmp(err.sqlstate, SL_ERRCODE_PROTOCOL_VIOLATION) == 0)
                sl_log(SL_LOG_LOG, "%s (from %s)", err.message, ss->s->peer);
            return SL_ERROR; /* no reply: we do not know what the peer speaks */
        }
        if (sl_pq_parse_startup(&msg, ss->msg_cx, &st, &err) != SL_OK) {
            sl_log(SL_LOG_LOG, "%s (from %s)", err.message, ss->s->peer);
            sl_sess_send_error(ss, "FATAL", &err);
            return SL_ERROR;
        }
        if (st.kind == SL_PQ_STARTUP_CANCEL) {
            /* As PostgreSQL: no reply, whether or not a session matched. */
            ss->s->host->cancel(st.cancel_pid, st.cancel_key);
            return SL_ERROR;
        }
        if (st.kind == SL_PQ_STARTUP_NORMAL)
            break;
        /* SSLRequest: TLS when on; GSSENCRequest: 'N' (no GSSAPI), then the
         * real startup packet.  More than two such is a loop. */
        if (round >= 2) {
            sess_fatal(ss, SL_ERRCODE_PROTOCOL_VIOLATION, "too many encryption requests");
            return SL_ERROR;
        }
        if (st.kind == SL_PQ_STARTUP_SSL) {
            if (sess_start_tls(ss) != SL_OK)
                return SL_ERROR;
            continue;
        }
        sl_buf_append(&ss->out, "N", 1);
        if (sl_sess_flush(ss) != SL_OK)
            return SL_ERROR;
    }

    if (sess_apply_startup_params(ss, &st, ss->msg_cx, &err, &nunknown, &unknown, &database) != SL_OK) {
        sl_sess_send_error(ss, "FATAL", &err);
        return SL_ERROR;
    }
    sl_settings_connected(ss->settings); /* what RESET and DISCARD ALL return to */
    if (sess_authenticate(ss, database, &err) != SL_OK) {
        if (strcmp(err.sqlstate, SL_ERRCODE_CONNECTION_FAILURE) != 0)
            sl_sess_send_error(ss, "FATAL", &err);
        return SL_ERROR;
    }
    if (ss->s->host->session_begin(ss->s, &err) != SL_OK) {
        sl_log(SL_LOG_LOG, "%s (connection from %s refused)", err.message, ss->s->peer);
        sl_sess_send_error(ss, "FATAL", &err);
        return SL_ERROR;
    }
    if (SL_PQ_MINOR(st.version) > 0 || nunknown > 0)
        sl_pq_negotiate_version(&ss->out, 0, nunknown, unknown);
    sl_sess_report_changes(ss);
    sl_pq_backend_key_data(&ss->out, ss->s->pid, ss->s->key);
    ss->deadline_us = 0;
    return SL_OK;
}

/* ---- running statements ---- */

static char sess_tx_status(const sl_sess *ss)
{
    return ss->failed_transaction ? 'E' : ss->in_transaction ? 'T' : 'I';
}

/* ---- simple query ---- */

/* One statement of a Query string, routed and checked before any runs. */
typedef struct sess_piece {
    const sl_stmt_span *span;
    const char *text; /* the statement alone, NUL-terminated */
    int char_offset;  /* characters before it in the Query string */
    sl_raw_stmt *raw; /* sluice's grammar; NULL for the catalog engine or extended.c */
    bool catalog;     /* server/pgcat */
} sess_piece;

typedef struct sess_simple_run {
    sl_sess *ss;
    sess_piece *piece;
    sl_dest *dest;
} sess_simple_run;

static sl_status sess_run_piece(sl_exec_ctx *ctx, void *arg, char *tag, sl_error *err)
{
    sess_simple_run *r = arg;

    if (r->piece->catalog) {
        sl_pgcat_stmt *st;
        sl_status rc;
        if (sl_pgcat_prepare(ctx, ctx->stmt_cx, r->piece->text, r->piece->span->length, 0, NULL, &st, err) !=
            SL_OK)
            return SL_ERROR;
        rc = sl_pgcat_execute(ctx, st, NULL, r->dest, tag, err);
        sl_pgcat_close(st);
        return rc;
    }
    return sl_exec_statement(ctx, r->piece->raw, r->dest, tag, err);
}

/* Positions in an error of one statement are relative to it: make them the Query string's. */
static void sess_shift_position(sl_error *err, const sess_piece *p)
{
    if (err->position > 0)
        err->position += p->char_offset;
}

/* Runs one Query message.  SL_ERROR: the connection must end (shutdown, socket lost). */
static sl_status sess_simple_query(sl_sess *ss, sl_pq_msg *msg)
{
    const char *query = sl_pq_get_string(msg);
    sl_list *spans = NULL;
    sess_piece *pieces;
    int n;
    sl_error err;
    size_t bad_at;
    sl_dest dest = {.start = dest_start, .row = dest_row, .notice = dest_notice, .state = ss};

    sl_error_clear(&err);
    if (query == NULL || sl_pq_remaining(msg) != 0) {
        sl_error_set(&err, SL_ERRCODE_PROTOCOL_VIOLATION, "invalid string in message");
        sl_sess_statement_error(ss, &err);
        return SL_OK;
    }
    ss->s->cancel = 0; /* a cancel sent while idle is forgotten, as in PostgreSQL */
    if (!sl_pq_valid_utf8(query, strlen(query), &bad_at)) {
        sl_error_set(&err, SL_ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
                     "invalid byte sequence for encoding \"UTF8\": 0x%02x",
                     (unsigned)(unsigned char)query[bad_at]);
        sl_sess_statement_error(ss, &err);
        return SL_OK;
    }
    if (strlen(query) > SL_PARSE_MAX_LENGTH) {
        sl_error_set(&err, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED, "statement is too long");
        sl_sess_statement_error(ss, &err);
        return SL_OK;
    }
    if (sl_split_statements(query, (int)strlen(query), ss->msg_cx, &spans, &err) != SL_OK) {
        sl_sess_statement_error(ss, &err);
        return SL_OK;
    }
    n = sl_list_length(spans);
    if (n == 0) {
        sl_pq_empty_query_response(&ss->out);
        return SL_OK;
    }
    /* Every statement is parsed before the first runs, as PostgreSQL does:
     * a syntax error in the third runs none. */
    pieces = sl_palloc(ss->msg_cx, sizeof(sess_piece) * (size_t)n);
    for (int i = 0; i < n; i++) {
        sess_piece *p = &pieces[i];
        sl_list *stmts = NULL;

        memset(p, 0, sizeof(*p));
        p->span = sl_list_nth(spans, i);
        /* Through its ';', so that a syntax error there reads "at or near ";"" as PostgreSQL's does. */
        p->text = sl_pstrndup(
            ss->msg_cx, query + p->span->location,
            (size_t)(p->span->semicolon >= 0 ? p->span->semicolon + 1 - p->span->location : p->span->length));
        p->char_offset = sl_char_position(query, p->span->location) - 1;
        if (sl_ext_is_simple(p->text))
            continue;
        if (sl_pgcat_claims(p->text, p->span->length)) {
            p->catalog = true;
            continue;
        }
        if (sl_parse(p->text, ss->msg_cx, &stmts, &err) != SL_OK) {
            sess_shift_position(&err, p);
            sl_sess_statement_error(ss, &err); /* nothing ran */
            return SL_OK;
        }
        p->raw = sl_list_nth(stmts, 0);
    }
    for (int i = 0; i < n; i++) {
        sess_piece *p = &pieces[i];
        bool is_commit = false, ends = sl_sess_ends_block(p->raw, &is_commit);
        char tag[SL_TAG_MAX] = "";
        sl_sess_result r;

        if (p->raw == NULL && !p->catalog) {
            if (!sl_ext_simple(ss, query, p->span->location, p->span->length, &r, &err))
                r = SL_SESS_FAILED; /* cannot happen: sl_ext_is_simple said it was one */
            if (r == SL_SESS_DONE)
                continue;
        } else {
            sl_exec_ctx ctx;
            sess_simple_run run = {.ss = ss, .piece = p, .dest = &dest};
            sl_sess_exec_ctx(ss, &ctx, p->text);
            r = sl_sess_run(ss, &ctx, ends, is_commit, sess_run_piece, &run, tag, &err);
        }
        if (r == SL_SESS_END)
            return SL_ERROR;
        if (r == SL_SESS_FAILED) {
            sess_shift_position(&err, p);
            sl_sess_statement_error(ss, &err);
            return SL_OK;
        }
        if (strcmp(tag, "DISCARD ALL") == 0)
            sl_ext_discard(ss, true);
        sl_pq_command_complete(&ss->out, tag);
        sl_sess_report_changes(ss);
        if (ss->out.len >= SL_SESSION_FLUSH_AT && sl_sess_flush(ss) != SL_OK)
            return SL_ERROR;
    }
    return SL_OK;
}

/* ---- the message loop ---- */

static void sess_loop(sl_sess *ss)
{
    bool skip_to_sync = false; /* after an extended-protocol message, until Sync */
    bool ready = true;

    for (;;) {
        sl_pq_msg msg;
        sl_error err;
        size_t max_query = (size_t)sl_config_int("max_statement_size");

        if (ready) {
            sl_pq_ready_for_query(&ss->out, sess_tx_status(ss));
            ready = false;
        }
        if (sl_sess_flush(ss) != SL_OK)
            return;
        sl_mcxt_reset(ss->msg_cx);
        ss->stmt_cx = sl_mcxt_create(ss->msg_cx, "statement");
        sl_buf_reset(&ss->in, SL_SESSION_BUF_KEEP);

        int64_t idle_ms = ss->in_transaction ? 0 : sl_settings_int(ss->settings, "idle_session_timeout");
        ss->idle_wait = idle_ms > 0;
        ss->deadline_us = idle_ms > 0 ? sl_clock_mono_us() + idle_ms * 1000 : 0;
        sl_status got = sl_pq_read_message(sess_recv, ss, &ss->in, max_query, &msg, &err);
        ss->idle_wait = false;
        ss->deadline_us = 0;
        if (got != SL_OK) {
            if (strcmp(err.sqlstate, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED) == 0) {
                if (!skip_to_sync) {
                    sl_sess_statement_error(ss, &err);
                    ready = true;
                }
                continue;
            }
            if (strcmp(err.sqlstate, SL_ERRCODE_ADMIN_SHUTDOWN) == 0)
                sl_sess_send_error(ss, "FATAL", &err);
            else if (strcmp(err.sqlstate, SL_ERRCODE_IDLE_SESSION_TIMEOUT) == 0) {
                sl_log(SL_LOG_LOG, "closing the idle session of %s (idle_session_timeout)", ss->s->peer);
                sl_sess_send_error(ss, "FATAL", &err);
            } else if (strcmp(err.sqlstate, SL_ERRCODE_PROTOCOL_VIOLATION) == 0) {
                sl_log(SL_LOG_LOG, "%s (from %s)", err.message, ss->s->peer);
                sl_sess_send_error(ss, "FATAL", &err);
            }
            return; /* 08006: the client went away */
        }
        if (ss->s->host->shutting_down()) {
            sess_fatal(ss, SL_ERRCODE_ADMIN_SHUTDOWN, "terminating connection due to administrator command");
            return;
        }
        /* After an error in the extended protocol its messages are skipped up
         * to Sync; a simple Query still runs (pgjdbc sends one without a Sync
         * before it, after a Close). */
        if (skip_to_sync && strchr("PBDECH", msg.type) != NULL)
            continue;
        switch (msg.type) {
        case 'Q':
            if (sess_simple_query(ss, &msg) != SL_OK) {
                if (ss->s->host->shutting_down())
                    sess_fatal(ss, SL_ERRCODE_ADMIN_SHUTDOWN,
                               "terminating connection due to administrator command");
                return;
            }
            ready = true;
            break;
        case 'X':
            return;
        case 'S': /* Sync */
            skip_to_sync = false;
            sl_ext_sync(ss);
            ready = true;
            break;
        case 'H': /* Flush: the loop flushes anyway */
            break;
        case 'P': /* Parse */
        case 'B': /* Bind */
        case 'D': /* Describe */
        case 'E': /* Execute */
        case 'C': /* Close */
            switch (sl_ext_message(ss, &msg)) {
            case SL_SESS_DONE:
                break;
            case SL_SESS_FAILED:
                skip_to_sync = true;
                break;
            case SL_SESS_END:
                if (ss->s->host->shutting_down())
                    sess_fatal(ss, SL_ERRCODE_ADMIN_SHUTDOWN,
                               "terminating connection due to administrator command");
                return;
            }
            break;
        case 'F': /* FunctionCall: answered at once, there is no Sync after it */
            sl_error_set(&err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                         "the function call message is not supported");
            sl_sess_statement_error(ss, &err);
            ready = true;
            break;
        case 'd': /* CopyData, CopyDone, CopyFail outside COPY: ignored, as PostgreSQL does */
        case 'c':
        case 'f':
            break;
        default: {
            char text[64];
            snprintf(text, sizeof(text), "invalid frontend message type %d", (int)(unsigned char)msg.type);
            sl_log(SL_LOG_LOG, "%s (from %s)", text, ss->s->peer);
            sess_fatal(ss, SL_ERRCODE_PROTOCOL_VIOLATION, text);
            return;
        }
        }
    }
}

void *sl_session_main(void *arg)
{
    sl_session *s = arg;
    sl_sess ss;
    struct timeval tv = {.tv_sec = SL_SESSION_SEND_TIMEOUT_S};
    int one = 1;

    memset(&ss, 0, sizeof(ss));
    ss.s = s;
    ss.cx = sl_mcxt_create(NULL, "session");
    ss.msg_cx = sl_mcxt_create(ss.cx, "message");
    ss.stmt_cx = sl_mcxt_create(ss.msg_cx, "statement");
    ss.settings = sl_settings_new(ss.cx);
    sl_buf_init(&ss.in);
    sl_buf_init(&ss.out);

    setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (!s->is_unix) {
        setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        setsockopt(s->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    }
    sl_ext_init(&ss);
    if (sess_startup(&ss) == SL_OK)
        sess_loop(&ss);
    sl_sess_flush(&ss);
    sl_ext_free(&ss);

    sl_tls_close(ss.tls);
    sl_buf_free(&ss.in);
    sl_buf_free(&ss.out);
    sl_mcxt_delete(ss.cx);
    s->host->session_exit(s);
    return NULL;
}
