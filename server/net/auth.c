/*
 * auth.c - authenticating a client (see server/net/auth.h).
 */
#include "server/net/auth.h"

#include <errno.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/config.h"
#include "server/net/hba.h"
#include "server/net/scram.h"
#include "sluice/log.h"

#define SL_AUTH_SECRET_SETTING "auth_mock_secret"
/* AuthenticationSASL and friends (the int32 after 'R'). */
#define SL_AUTH_SASL          10
#define SL_AUTH_SASL_CONTINUE 11
#define SL_AUTH_SASL_FINAL    12
/* A SASL message is a few hundred bytes; more is not a client we know. */
#define SL_AUTH_SASL_MAX 4096

static unsigned char auth_mock_secret[32];

static int auth_hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

sl_status sl_auth_init(sl_error *err)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "auth");
    const char *hex = NULL;
    char text[2 * sizeof(auth_mock_secret) + 1];
    sl_status st = sl_catalog_get_setting(cx, SL_AUTH_SECRET_SETTING, &hex, err);

    if (st == SL_OK && hex != NULL && strlen(hex) == 2 * sizeof(auth_mock_secret)) {
        for (size_t i = 0; i < sizeof(auth_mock_secret); i++) {
            int hi = auth_hex(hex[2 * i]), lo = auth_hex(hex[2 * i + 1]);
            if (hi < 0 || lo < 0)
                break;
            auth_mock_secret[i] = (unsigned char)(hi << 4 | lo);
        }
    } else if (st == SL_OK) {
        if (RAND_bytes(auth_mock_secret, sizeof(auth_mock_secret)) != 1)
            st = sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not generate random bytes");
        for (size_t i = 0; st == SL_OK && i < sizeof(auth_mock_secret); i++)
            snprintf(text + 2 * i, 3, "%02x", auth_mock_secret[i]);
        if (st == SL_OK)
            st = sl_catalog_set_setting(SL_AUTH_SECRET_SETTING, text, err);
    }
    sl_mcxt_delete(cx);
    return st;
}

const unsigned char *sl_auth_mock_secret(void)
{
    return auth_mock_secret;
}

/* Waits authentication_failure_delay (or until shutdown), then returns err's status. */
static sl_status auth_refuse(sl_auth_port *port, sl_error *err)
{
    struct pollfd pfd = {.fd = port->stop_fd, .events = POLLIN};
    int ms = (int)sl_config_int("authentication_failure_delay");

    while (ms > 0 && poll(&pfd, 1, ms) < 0 && errno == EINTR)
        ;
    return SL_ERROR;
}

/* The log line of a refusal: the client's message, the peer, and the real reason. */
static void auth_log_refusal(const sl_auth_port *port, const sl_error *err, int line)
{
    sl_log(SL_LOG_LOG, "authentication refused from %s: %s%s%s (%s line %d)", port->peer, err->message,
           err->detail[0] ? ": " : "", err->detail, SL_HBA_FILE, line);
}

static void auth_sasl_message(sl_buf *out, int32_t code, const char *data, size_t len)
{
    size_t m = sl_pq_begin(out, 'R');
    sl_pq_put_int32(out, code);
    sl_pq_put_bytes(out, data, len);
    sl_pq_end(out, m);
}

/* Reads a SASLInitialResponse or SASLResponse ('p'); mechanism NULL for the latter. */
static sl_status auth_read_sasl(sl_auth_port *port, const char **mechanism, const char **data, size_t *len,
                                sl_error *err)
{
    sl_pq_msg msg;
    int32_t n;

    if (port->read(port->arg, &msg, err) != SL_OK)
        return SL_ERROR;
    if (msg.type != 'p')
        return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, "expected SASL response, got message type %d",
                            (int)(unsigned char)msg.type);
    if (mechanism != NULL) {
        *mechanism = sl_pq_get_string(&msg);
        if (*mechanism == NULL || !sl_pq_get_int32(&msg, &n))
            return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, "malformed SASLInitialResponse message");
        if (n < 0) { /* no initial response: SCRAM needs one */
            *data = "";
            *len = 0;
        } else if ((size_t)n != sl_pq_remaining(&msg) || !sl_pq_get_bytes(&msg, (size_t)n, data))
            return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, "malformed SASLInitialResponse message");
        *len = n < 0 ? 0 : (size_t)n;
        return SL_OK;
    }
    *len = sl_pq_remaining(&msg);
    if (!sl_pq_get_bytes(&msg, *len, data))
        return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, "malformed SASLResponse message");
    return SL_OK;
}

/* The SCRAM exchange; role NULL (unknown) gets the mock. */
static sl_status auth_scram(sl_auth_port *port, sl_mcxt *cx, const char *user, const sl_cat_role *role,
                            sl_error *err)
{
    const char *verifier = role != NULL && role->login ? role->verifier : NULL;
    sl_scram *s = sl_scram_begin(cx, user, verifier, port->cbind, port->cbind_len, auth_mock_secret);
    const char *mech = NULL, *data = NULL;
    size_t len = 0, m;
    sl_buf reply;
    sl_status st;

    /* AuthenticationSASL: the mechanisms, each NUL-terminated, then an empty one. */
    m = sl_pq_begin(port->out, 'R');
    sl_pq_put_int32(port->out, SL_AUTH_SASL);
    if (port->cbind != NULL)
        sl_pq_put_string(port->out, SL_SCRAM_MECH_PLUS);
    sl_pq_put_string(port->out, SL_SCRAM_MECH);
    sl_pq_put_byte(port->out, 0);
    sl_pq_end(port->out, m);
    if (port->flush(port->arg) != SL_OK)
        return sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "connection lost during authentication");
    if (auth_read_sasl(port, &mech, &data, &len, err) != SL_OK)
        return SL_ERROR;
    sl_buf_init(&reply);
    st = sl_scram_first(s, mech, data, len, &reply, err);
    if (st == SL_OK) {
        auth_sasl_message(port->out, SL_AUTH_SASL_CONTINUE, reply.data, reply.len);
        sl_buf_reset(&reply, 0);
        if (port->flush(port->arg) != SL_OK)
            st = sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "connection lost during authentication");
    }
    if (st == SL_OK)
        st = auth_read_sasl(port, NULL, &data, &len, err);
    if (st == SL_OK)
        st = sl_scram_final(s, data, len, &reply, err);
    if (st == SL_OK)
        auth_sasl_message(port->out, SL_AUTH_SASL_FINAL, reply.data, reply.len);
    sl_buf_free(&reply);
    return st;
}

/* The OS user name at the other end of a Unix socket. */
static sl_status auth_peer_name(int fd, char *name, size_t size, sl_error *err)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    struct passwd pw, *res = NULL;
    char buf[4096];

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return sl_error_set(err, SL_ERRCODE_INVALID_AUTHORIZATION, "could not get peer credentials: %s",
                            strerror(errno));
    if (getpwuid_r(cred.uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
        return sl_error_set(err, SL_ERRCODE_INVALID_AUTHORIZATION, "could not look up local user ID %ld",
                            (long)cred.uid);
    snprintf(name, size, "%s", pw.pw_name);
    return SL_OK;
}

sl_status sl_auth_client(sl_auth_port *port, sl_mcxt *cx, const char *user, const char *database,
                         sl_cat_role **role, sl_error *err)
{
    sl_hba_method method;
    int line = 0;
    char os_user[256];

    *role = NULL;
    sl_error_clear(err);
    if (sl_hba_match(port->addr, port->ssl, database, user, &method, &line, err) != SL_OK) {
        auth_log_refusal(port, err, 0);
        return auth_refuse(port, err);
    }
    if (sl_catalog_get_role(cx, user, role, err) != SL_OK)
        return SL_ERROR;
    switch (method) {
    case SL_HBA_REJECT:
        sl_error_set(err, SL_ERRCODE_INVALID_AUTHORIZATION, SL_HBA_FILE " rejects connection for user \"%s\"",
                     user);
        auth_log_refusal(port, err, line);
        return auth_refuse(port, err);
    case SL_HBA_PEER:
        if (auth_peer_name(port->fd, os_user, sizeof(os_user), err) == SL_OK && strcmp(os_user, user) != 0) {
            sl_error_set(err, SL_ERRCODE_INVALID_AUTHORIZATION, "peer authentication failed for user \"%s\"",
                         user);
            sl_error_detail(err, "The OS user is \"%s\", not \"%s\".", os_user, user);
        }
        if (sl_error_is_set(err)) {
            auth_log_refusal(port, err, line);
            err->detail[0] = '\0';
            return auth_refuse(port, err);
        }
        break;
    case SL_HBA_SCRAM:
        if (auth_scram(port, cx, user, *role, err) != SL_OK) {
            if (strcmp(err->sqlstate, SL_ERRCODE_CONNECTION_FAILURE) == 0)
                return SL_ERROR; /* psql hangs up to ask for the password: nothing to log */
            auth_log_refusal(port, err, line);
            err->detail[0] = '\0';
            return auth_refuse(port, err);
        }
        break;
    case SL_HBA_TRUST:
        break;
    }
    if (*role == NULL || !(*role)->login) {
        if (*role == NULL)
            sl_error_set(err, SL_ERRCODE_INVALID_AUTHORIZATION, "role \"%s\" does not exist", user);
        else
            sl_error_set(err, SL_ERRCODE_INVALID_AUTHORIZATION, "role \"%s\" is not permitted to log in",
                         user);
        auth_log_refusal(port, err, line);
        return auth_refuse(port, err);
    }
    sl_pq_auth_ok(port->out);
    return SL_OK;
}
