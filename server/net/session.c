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
#include "server/pgcat/pgcat.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "parser/parse.h"
#include "server/net/protocol.h"
#include "sluice/mcxt.h"

/* A send that cannot make progress for this long ends the connection. */
#define SL_SESSION_SEND_TIMEOUT_S 60
/* Output is sent once this much is buffered, or when the client must see it. */
#define SL_SESSION_FLUSH_AT 8192
/* Buffers that grew beyond this for one big message are given back afterwards. */
#define SL_SESSION_BUF_KEEP (64 * 1024)

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

typedef struct sl_sess {
    sl_session *s;
    sl_mcxt *cx;      /* the connection */
    sl_mcxt *msg_cx;  /* one client message */
    sl_mcxt *stmt_cx; /* one statement */
    sl_buf in, out;
    bool broken; /* the socket failed: stop writing */
    int ncols;   /* of the statement's RowDescription */
    sl_settings *settings;
    char *reported[SESS_NREPORTED]; /* values last sent in ParameterStatus */
    sl_tls_conn *tls;               /* NULL: plain socket */
    int64_t deadline_us;            /* the startup, or an idle wait, must end by then (monotonic); 0: none */
    bool idle_wait;                 /* deadline_us is idle_session_timeout's */
    int pgcat_offset;               /* pgcat wiring: where the statement run starts in the query string */
    sl_cat_role *role;              /* the role logged in as, in cx */
    bool in_transaction;
    bool failed_transaction; /* an error inside BEGIN: only ROLLBACK/COMMIT until it ends */
    char user[64];
} sl_sess;

/* ---- socket I/O ---- */

static sl_status sess_flush(sl_sess *ss)
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

/* Sends an ErrorResponse and, for ERROR, keeps the connection. */
static void sess_send_error(sl_sess *ss, const char *severity, const sl_error *err)
{
    sl_pq_error_response(&ss->out, severity, err);
    sess_flush(ss);
}

static void sess_fatal(sl_sess *ss, const char *sqlstate, const char *message)
{
    sl_error err;
    sl_error_set(&err, sqlstate, "%s", message);
    sess_send_error(ss, "FATAL", &err);
}

/* ---- the result receiver ---- */

static sl_status dest_start(sl_dest *dest, int ncols, const sl_column_desc *cols, sl_error *err)
{
    sl_sess *ss = dest->state;

    ss->ncols = ncols;
    sl_pq_row_description(&ss->out, ncols, cols);
    if (sess_flush(ss) != SL_OK)
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
    if (sess_flush(ss) != SL_OK)
        return sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "connection to client lost");
    return SL_OK;
}

static void dest_notice(sl_dest *dest, const char *message)
{
    sl_sess *ss = dest->state;

    sl_pq_notice_response(&ss->out, SL_ERRCODE_SUCCESSFUL_COMPLETION, message);
    sess_flush(ss);
}

/* ---- ParameterStatus ---- */

/* Sends ParameterStatus for each reported setting whose value changed since last sent. */
static void sess_report_changes(sl_sess *ss)
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
    return sess_flush(arg);
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
        return sess_flush(ss);
    }
    sl_buf_append(&ss->out, "S", 1);
    if (sess_flush(ss) != SL_OK)
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
            sess_send_error(ss, "FATAL", &err);
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
        if (sess_flush(ss) != SL_OK)
            return SL_ERROR;
    }

    if (sess_apply_startup_params(ss, &st, ss->msg_cx, &err, &nunknown, &unknown, &database) != SL_OK) {
        sess_send_error(ss, "FATAL", &err);
        return SL_ERROR;
    }
    if (sess_authenticate(ss, database, &err) != SL_OK) {
        if (strcmp(err.sqlstate, SL_ERRCODE_CONNECTION_FAILURE) != 0)
            sess_send_error(ss, "FATAL", &err);
        return SL_ERROR;
    }
    if (ss->s->host->session_begin(ss->s, &err) != SL_OK) {
        sl_log(SL_LOG_LOG, "%s (connection from %s refused)", err.message, ss->s->peer);
        sess_send_error(ss, "FATAL", &err);
        return SL_ERROR;
    }
    if (SL_PQ_MINOR(st.version) > 0 || nunknown > 0)
        sl_pq_negotiate_version(&ss->out, 0, nunknown, unknown);
    sess_report_changes(ss);
    sl_pq_backend_key_data(&ss->out, ss->s->pid, ss->s->key);
    ss->deadline_us = 0;
    return SL_OK;
}

/* ---- simple query ---- */

static char sess_tx_status(const sl_sess *ss)
{
    return ss->failed_transaction ? 'E' : ss->in_transaction ? 'T' : 'I';
}

static bool sess_ends_transaction(const sl_raw_stmt *raw, bool *is_commit)
{
    const sl_TransactionStmt *t;

    if (!SL_IS(raw->stmt, TransactionStmt))
        return false;
    t = (const sl_TransactionStmt *)raw->stmt;
    *is_commit = t->kind == SL_TXN_COMMIT;
    return t->kind == SL_TXN_COMMIT || t->kind == SL_TXN_ROLLBACK;
}

/* An error for the client; inside a transaction block it fails the block. */
static void sess_statement_error(sl_sess *ss, const sl_error *err)
{
    if (ss->in_transaction)
        ss->failed_transaction = true;
    /* The SQLSTATE only: a syntax error quotes the statement's text, which
     * may hold a password or a connector secret. */
    sl_log(SL_LOG_DEBUG, "statement of %s failed: %s", ss->s->peer, err->sqlstate);
    if (ss->pgcat_offset > 0 && err->position > 0) {
        /* a position in one statement of a string the pgcat wiring split */
        sl_error moved = *err;
        moved.position += ss->pgcat_offset;
        sess_send_error(ss, "ERROR", &moved);
        return;
    }
    sess_send_error(ss, "ERROR", err);
}

/* What a statement of this session runs with. */
static sl_exec_ctx sess_exec_ctx(sl_sess *ss, const char *query_text)
{
    return (sl_exec_ctx){
        .stmt_cx = ss->stmt_cx,
        .settings = ss->settings,
        .cancel = &ss->s->cancel,
        .query_text = query_text,
        .in_transaction = ss->in_transaction,
        .role = ss->role->name,
        .superuser = ss->role->superuser,
    };
}

/* ---- pgcat: catalog statements (issue 13, part 2) ----
 * Minimal wiring of server/pgcat into the simple query protocol, in this one
 * place: when a statement of the string is one the catalog engine claims, the
 * string is run statement by statement, the claimed ones by the catalog
 * engine, the others by sess_run_text.  The extended protocol's integration
 * replaces this. */
static sl_status sess_run_text(sl_sess *ss, const char *query, sl_dest *dest);

static sl_status sess_pgcat_run(sl_sess *ss, const char *text, int len, sl_dest *dest)
{
    sl_error err;
    sl_pgcat_stmt *st = NULL;
    char tag[SL_TAG_MAX] = "";
    sl_exec_ctx ctx = sess_exec_ctx(ss, text);
    int64_t timeout_ms = sl_settings_int(ss->settings, "statement_timeout");
    sl_status rc;

    sl_error_clear(&err);
    if (ss->failed_transaction) {
        sl_error_set(&err, SL_ERRCODE_IN_FAILED_SQL_TRANSACTION,
                     "current transaction is aborted, commands ignored until end of transaction block");
        sess_statement_error(ss, &err);
        return SL_ERROR;
    }
    atomic_store(&ss->s->statement_deadline_us, timeout_ms > 0 ? sl_clock_mono_us() + timeout_ms * 1000 : 0);
    atomic_store(&ss->s->busy, true);
    rc = sl_pgcat_prepare(&ctx, ss->stmt_cx, text, len, 0, NULL, &st, &err);
    if (rc == SL_OK)
        rc = sl_pgcat_execute(&ctx, st, NULL, dest, tag, &err);
    atomic_store(&ss->s->busy, false);
    atomic_store(&ss->s->statement_deadline_us, 0);
    if (st != NULL)
        sl_pgcat_close(st);
    sl_mcxt_reset(ss->stmt_cx);
    if (rc != SL_OK) {
        sess_statement_error(ss, &err);
        return SL_ERROR;
    }
    sl_pq_command_complete(&ss->out, tag);
    return SL_OK;
}

/* True when an ErrorResponse went into the output buffer after offset from. */
static bool sess_sent_error(const sl_sess *ss, size_t from)
{
    size_t off = from <= ss->out.len ? from : 0;
    while (off + 5 <= ss->out.len) {
        const unsigned char *m = (const unsigned char *)ss->out.data + off;
        uint32_t n = (uint32_t)m[1] << 24 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 8 | m[4];
        if (m[0] == 'E')
            return true;
        off += 1 + (size_t)n;
    }
    return false;
}

/* True when the catalog engine took the string; *rc is then sess_simple_query's result. */
static bool sess_pgcat_query(sl_sess *ss, const char *query, sl_dest *dest, sl_status *rc)
{
    int len = (int)strlen(query), at = 0, next;
    bool any = false;

    for (int p = 0; p < len; p = next) {
        int n = sl_pgcat_split(query + p, len - p, &next);
        next += p;
        if (sl_pgcat_claims(query + p, n))
            any = true;
    }
    if (!any)
        return false;
    *rc = SL_OK;
    for (; at < len; at = next) {
        int n = sl_pgcat_split(query + at, len - at, &next);
        const char *piece = query + at;
        bool blank = true;
        next += at;
        for (int i = 0; i < n && blank; i++)
            blank = piece[i] == ' ' || piece[i] == '\t' || piece[i] == '\n' || piece[i] == '\r';
        if (blank)
            continue;
        ss->pgcat_offset = at;
        if (sl_pgcat_claims(piece, n)) {
            sl_status run = sess_pgcat_run(ss, piece, n, dest);
            ss->pgcat_offset = 0;
            if (run != SL_OK)
                return true; /* an error ends the string, as in PostgreSQL */
        } else {
            bool failed_before = ss->failed_transaction;
            size_t out_before = ss->out.len;
            *rc = sess_run_text(ss, sl_pstrndup(ss->msg_cx, piece, (size_t)n), dest);
            ss->pgcat_offset = 0;
            if (*rc != SL_OK || ss->failed_transaction != failed_before || sess_sent_error(ss, out_before))
                return true;
        }
        if (ss->s->cancel == SL_CANCEL_CLIENT_GONE || ss->broken) {
            *rc = SL_ERROR;
            return true;
        }
    }
    return true;
}

/* Runs one Query message.  SL_ERROR: the connection must end (shutdown, socket lost). */
static sl_status sess_simple_query(sl_sess *ss, sl_pq_msg *msg)
{
    const char *query = sl_pq_get_string(msg);
    sl_error err;
    size_t bad_at;
    sl_status pgcat_rc = SL_OK;
    sl_dest dest = {.start = dest_start, .row = dest_row, .notice = dest_notice, .state = ss};

    sl_error_clear(&err);
    if (query == NULL || sl_pq_remaining(msg) != 0) {
        sl_error_set(&err, SL_ERRCODE_PROTOCOL_VIOLATION, "invalid string in message");
        sess_statement_error(ss, &err);
        return SL_OK;
    }
    ss->s->cancel = 0; /* a cancel sent while idle is forgotten, as in PostgreSQL */
    if (!sl_pq_valid_utf8(query, strlen(query), &bad_at)) {
        sl_error_set(&err, SL_ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
                     "invalid byte sequence for encoding \"UTF8\": 0x%02x",
                     (unsigned)(unsigned char)query[bad_at]);
        sess_statement_error(ss, &err);
        return SL_OK;
    }
    if (sess_pgcat_query(ss, query, &dest, &pgcat_rc))
        return pgcat_rc;
    return sess_run_text(ss, query, &dest);
}

/* Parses and runs the statements of query. */
static sl_status sess_run_text(sl_sess *ss, const char *query, sl_dest *dest_in)
{
    sl_list *stmts = NULL;
    sl_error err;
    sl_dest dest = *dest_in;

    sl_error_clear(&err);
    if (sl_parse(query, ss->msg_cx, &stmts, &err) != SL_OK) {
        sess_statement_error(ss, &err); /* nothing ran: the position is in err */
        return SL_OK;
    }
    if (sl_list_length(stmts) == 0) {
        sl_pq_empty_query_response(&ss->out);
        return SL_OK;
    }
    for (int i = 0; i < sl_list_length(stmts); i++) {
        const sl_raw_stmt *raw = sl_list_nth(stmts, i);
        bool is_commit = false, ends = sess_ends_transaction(raw, &is_commit);
        bool was_failed = ss->failed_transaction;
        char tag[SL_TAG_MAX] = "";
        sl_exec_ctx ctx = sess_exec_ctx(ss, query);

        if (was_failed && !ends) {
            sl_error_set(&err, SL_ERRCODE_IN_FAILED_SQL_TRANSACTION,
                         "current transaction is aborted, commands ignored until end of transaction block");
            sess_statement_error(ss, &err);
            return SL_OK;
        }
        int64_t timeout_ms = sl_settings_int(ss->settings, "statement_timeout");

        sl_error_clear(&err);
        atomic_store(&ss->s->statement_deadline_us,
                     timeout_ms > 0 ? sl_clock_mono_us() + timeout_ms * 1000 : 0);
        atomic_store(&ss->s->busy, true);
        sl_status rc = sl_exec_statement(&ctx, raw, &dest, tag, &err);
        atomic_store(&ss->s->busy, false);
        atomic_store(&ss->s->statement_deadline_us, 0);
        sl_mcxt_reset(ss->stmt_cx);
        if (ss->s->cancel == SL_CANCEL_CLIENT_GONE || ss->broken) {
            /* Found by the hang-up check, or by a row that could not be sent. */
            sl_log(SL_LOG_LOG, "statement of %s stopped: the client closed the connection", ss->s->peer);
            return SL_ERROR;
        }
        ss->in_transaction = ctx.in_transaction;
        if (ss->s->host->shutting_down())
            return SL_ERROR; /* the caller says why */
        if (rc != SL_OK) {
            if (!sl_error_is_set(&err))
                sl_error_set(&err, SL_ERRCODE_INTERNAL_ERROR, "statement failed without an error message");
            sess_statement_error(ss, &err);
            return SL_OK;
        }
        if (was_failed) {
            /* COMMIT of a failed block rolls back, and says so, as PostgreSQL does. */
            ss->failed_transaction = false;
            ss->in_transaction = false;
            if (is_commit)
                snprintf(tag, sizeof(tag), "ROLLBACK");
        }
        sl_pq_command_complete(&ss->out, tag);
        sess_report_changes(ss);
        if (ss->out.len >= SL_SESSION_FLUSH_AT && sess_flush(ss) != SL_OK)
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
        if (sess_flush(ss) != SL_OK)
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
                    sess_statement_error(ss, &err);
                    ready = true;
                }
                continue;
            }
            if (strcmp(err.sqlstate, SL_ERRCODE_ADMIN_SHUTDOWN) == 0)
                sess_send_error(ss, "FATAL", &err);
            else if (strcmp(err.sqlstate, SL_ERRCODE_IDLE_SESSION_TIMEOUT) == 0) {
                sl_log(SL_LOG_LOG, "closing the idle session of %s (idle_session_timeout)", ss->s->peer);
                sess_send_error(ss, "FATAL", &err);
            } else if (strcmp(err.sqlstate, SL_ERRCODE_PROTOCOL_VIOLATION) == 0) {
                sl_log(SL_LOG_LOG, "%s (from %s)", err.message, ss->s->peer);
                sess_send_error(ss, "FATAL", &err);
            }
            return; /* 08006: the client went away */
        }
        if (ss->s->host->shutting_down()) {
            sess_fatal(ss, SL_ERRCODE_ADMIN_SHUTDOWN, "terminating connection due to administrator command");
            return;
        }
        if (skip_to_sync && msg.type != 'S' && msg.type != 'X')
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
            ready = true;
            break;
        case 'H': /* Flush: the loop flushes anyway */
            break;
        case 'P': /* Parse */
        case 'B': /* Bind */
        case 'D': /* Describe */
        case 'E': /* Execute */
        case 'C': /* Close */
        case 'F': /* FunctionCall */
            sl_error_set(&err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                         "extended query protocol is not supported yet");
            sl_error_hint(
                &err, "Use the simple query protocol (for example psql, or prepareThreshold=0 with JDBC).");
            sess_statement_error(ss, &err);
            /* As after any error in the extended protocol, skip to Sync;
             * FunctionCall has no Sync and is answered at once. */
            if (msg.type == 'F')
                ready = true;
            else
                skip_to_sync = true;
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
    if (sess_startup(&ss) == SL_OK)
        sess_loop(&ss);
    sess_flush(&ss);

    sl_tls_close(ss.tls);
    sl_buf_free(&ss.in);
    sl_buf_free(&ss.out);
    sl_mcxt_delete(ss.cx);
    s->host->session_exit(s);
    return NULL;
}
