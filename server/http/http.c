/*
 * http.c - the HTTP listener: sockets, libmicrohttpd daemons, routes
 * (see server/http/http.h).
 *
 * The sockets are made here (so that a port in use says so in our words,
 * and IPv6 ones are IPv6 only) and handed to one daemon each.  A request
 * is answered once its body is in (libmicrohttpd calls the handler first
 * with the headers, then with the body in pieces, then with none); the
 * answer is built in memory and copied into the response.
 */
#include "server/http/http.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/config.h"
#include "server/http/http_auth.h"
#include "server/http/http_metrics.h"
#include "server/net/security.h"
#include "sluice/buf.h"
#include "sluice/clock.h"
#include "sluice/log.h"

#define HTTP_MAX_LISTEN   8
#define HTTP_HEADERS_MAX  (32 * 1024) /* all of a request's headers: a bigger request gets 431 */
#define HTTP_BODY_MAX     4096        /* a login form needs a few hundred bytes */
#define HTTP_IDLE_TIMEOUT 10          /* seconds without a byte: the connection is closed */
#define HTTP_PEM_MAX      (1024 * 1024)

static struct MHD_Daemon *http_daemons[HTTP_MAX_LISTEN];
static char http_hosts[HTTP_MAX_LISTEN][INET6_ADDRSTRLEN + 1]; /* the address each daemon serves */
static int http_ndaemons;
static char *http_cert_pem, *http_key_pem; /* with ssl = on; kept while the daemons run */
static int64_t http_started_us;
static bool http_tls;

/* What one request gathers before it is answered. */
typedef struct http_req {
    sl_buf body;
    char peer[64];
} http_req;

/* ---- answers ---- */

static enum MHD_Result http_send(struct MHD_Connection *c, unsigned int status, const char *type,
                                 const char *body, size_t len, const char *const *headers)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                            "frame-ancestors 'none'");
    for (int i = 0; headers != NULL && headers[i] != NULL; i += 2)
        MHD_add_response_header(r, headers[i], headers[i + 1]);
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result http_text(struct MHD_Connection *c, unsigned int status, const char *text,
                                 const char *const *headers)
{
    return http_send(c, status, "text/plain; charset=utf-8", text, strlen(text), headers);
}

static const char *const http_challenge[] = {"WWW-Authenticate", "Basic realm=\"sluice\", charset=\"UTF-8\"",
                                             NULL};

static void html_escape(sl_buf *out, const char *s)
{
    for (; *s != '\0'; s++) {
        const char *e = *s == '<'    ? "&lt;"
                        : *s == '>'  ? "&gt;"
                        : *s == '&'  ? "&amp;"
                        : *s == '"'  ? "&quot;"
                        : *s == '\'' ? "&#39;"
                                     : NULL;
        if (e != NULL)
            sl_buf_puts(out, e);
        else
            sl_buf_append(out, s, 1);
    }
}

static void html_begin(sl_buf *out, const char *title)
{
    sl_buf_printf(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s - sluice</title>\n"
        "<style>body{font-family:sans-serif;max-width:32em;margin:3em auto}"
        "label,input,button{display:block;margin:.4em 0}.error{color:#b00}</style></head><body>\n"
        "<h1>sluice</h1>\n",
        title);
}

static enum MHD_Result html_send(struct MHD_Connection *c, unsigned int status, sl_buf *page,
                                 const char *const *headers)
{
    enum MHD_Result ret;

    sl_buf_puts(page, "</body></html>\n");
    ret = http_send(c, status, "text/html; charset=utf-8", page->data, page->len, headers);
    sl_buf_free(page);
    return ret;
}

/* The login form; message (may be NULL) is shown above it. */
static enum MHD_Result page_login(struct MHD_Connection *c, unsigned int status, const char *message)
{
    sl_buf page;

    sl_buf_init(&page);
    html_begin(&page, "Log in");
    if (message != NULL) {
        sl_buf_puts(&page, "<p class=\"error\">");
        html_escape(&page, message);
        sl_buf_puts(&page, "</p>\n");
    }
    sl_buf_puts(&page, "<form method=\"post\" action=\"/login\">\n"
                       "<label>Role <input name=\"user\" autocomplete=\"username\" required></label>\n"
                       "<label>Password <input name=\"password\" type=\"password\" "
                       "autocomplete=\"current-password\" required></label>\n"
                       "<button type=\"submit\">Log in</button>\n</form>\n");
    return html_send(c, status, &page, NULL);
}

static enum MHD_Result page_home(struct MHD_Connection *c, const char *role, bool cookie)
{
    sl_buf page;

    sl_buf_init(&page);
    html_begin(&page, "Home");
    sl_buf_puts(&page, "<p>Logged in as <b>");
    html_escape(&page, role);
    sl_buf_puts(&page, "</b>.</p>\n<ul><li><a href=\"/metrics\">/metrics</a>: the server's, queries' and "
                       "sinks' figures in Prometheus' text format</li></ul>\n"
                       "<p>The dashboard's pages are to come.</p>\n");
    if (cookie)
        sl_buf_puts(&page, "<form method=\"post\" action=\"/logout\"><button type=\"submit\">Log "
                           "out</button></form>\n");
    return html_send(c, MHD_HTTP_OK, &page, NULL);
}

static enum MHD_Result page_forbidden(struct MHD_Connection *c, const char *role)
{
    sl_buf text;
    enum MHD_Result ret;

    sl_buf_init(&text);
    sl_buf_printf(&text,
                  "permission denied: role \"%s\" may not look at this server\n"
                  "Only superusers and members of sluice_monitor may: GRANT sluice_monitor TO %s.\n",
                  role, role);
    ret = http_send(c, MHD_HTTP_FORBIDDEN, "text/plain; charset=utf-8", text.data, text.len, NULL);
    sl_buf_free(&text);
    return ret;
}

/* ---- who is asking ---- */

/* Basic credentials when the request has an Authorization header, else
 * the session cookie; role receives the name. */
static sl_http_auth http_who(struct MHD_Connection *c, const http_req *req, char *role, bool *by_cookie)
{
    const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const char *cookie;

    *by_cookie = false;
    if (authz != NULL)
        return sl_http_auth_basic(authz, req->peer, role);
    cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, SL_HTTP_COOKIE);
    if (cookie == NULL)
        return SL_HTTP_AUTH_NONE;
    *by_cookie = true;
    return sl_http_auth_cookie(cookie, role);
}

/* True when the request may look; else *answer is the refusal sent: 401
 * (or, for a browser's page, a redirect to the login form when it brought
 * no credentials at all) or 403. */
static bool http_gate(struct MHD_Connection *c, const http_req *req, bool page, char *role, bool *by_cookie,
                      enum MHD_Result *answer)
{
    const char *const to_login[] = {"Location", "/login", NULL};

    switch (http_who(c, req, role, by_cookie)) {
    case SL_HTTP_AUTH_OK:
        return true;
    case SL_HTTP_AUTH_FORBIDDEN:
        *answer = page_forbidden(c, role);
        return false;
    case SL_HTTP_AUTH_NONE:
        if (page) {
            *answer = http_text(c, MHD_HTTP_SEE_OTHER, "log in at /login\n", to_login);
            return false;
        }
        /* fallthrough */
    case SL_HTTP_AUTH_FAILED:
        break;
    }
    *answer = http_text(c, MHD_HTTP_UNAUTHORIZED, "authentication required\n", http_challenge);
    return false;
}

/* ---- routes ---- */

static enum MHD_Result route_metrics(struct MHD_Connection *c, http_req *req)
{
    char role[SL_HTTP_ROLE_MAX];
    bool by_cookie;
    sl_buf out;
    sl_error err;
    enum MHD_Result ret;

    if (!http_gate(c, req, false, role, &by_cookie, &ret))
        return ret;
    sl_buf_init(&out);
    if (sl_http_metrics_write(&out, http_started_us, &err) != SL_OK) {
        sl_buf_free(&out);
        sl_log_error(SL_LOG_WARNING, &err);
        return http_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "could not read the catalog\n", NULL);
    }
    ret = http_send(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", out.data, out.len, NULL);
    sl_buf_free(&out);
    return ret;
}

static enum MHD_Result route_login(struct MHD_Connection *c, http_req *req, bool post)
{
    char user[SL_HTTP_ROLE_MAX * 2], password[1024], token[SL_HTTP_TOKEN_MAX], cookie[256];
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    const char *body;

    if (!post)
        return page_login(c, MHD_HTTP_OK, NULL);
    if (type == NULL || strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0)
        return http_text(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                         "expected a form (application/x-www-form-urlencoded)\n", NULL);
    body = req->body.len > 0 ? req->body.data : "";
    if (!sl_http_form_field(body, "user", user, sizeof(user)) ||
        !sl_http_form_field(body, "password", password, sizeof(password)))
        return page_login(c, MHD_HTTP_BAD_REQUEST, "Enter a role and its password.");
    switch (sl_http_auth_login(user, password, req->peer, token)) {
    case SL_HTTP_AUTH_OK:
        break;
    case SL_HTTP_AUTH_FORBIDDEN:
        return page_forbidden(c, user);
    default:
        return page_login(c, MHD_HTTP_UNAUTHORIZED, "Login failed.");
    }
    snprintf(cookie, sizeof(cookie), SL_HTTP_COOKIE "=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
             token, (long long)(sl_config_int("http_session_lifetime") / 1000), http_tls ? "; Secure" : "");
    {
        const char *const headers[] = {"Set-Cookie", cookie, "Location", "/", NULL};
        return http_text(c, MHD_HTTP_SEE_OTHER, "logged in\n", headers);
    }
}

static enum MHD_Result route_logout(struct MHD_Connection *c)
{
    const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, SL_HTTP_COOKIE);
    const char *const headers[] = {"Set-Cookie",
                                   SL_HTTP_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
                                   "Location", "/login", NULL};

    if (cookie != NULL)
        sl_http_auth_logout(cookie);
    return http_text(c, MHD_HTTP_SEE_OTHER, "logged out\n", headers);
}

static enum MHD_Result route_home(struct MHD_Connection *c, http_req *req)
{
    char role[SL_HTTP_ROLE_MAX];
    bool by_cookie;
    enum MHD_Result ret;

    if (!http_gate(c, req, true, role, &by_cookie, &ret))
        return ret;
    return page_home(c, role, by_cookie);
}

static enum MHD_Result http_route(struct MHD_Connection *c, http_req *req, const char *url,
                                  const char *method)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;
    const char *const allow_get[] = {"Allow", "GET, HEAD", NULL};
    const char *const allow_both[] = {"Allow", "GET, HEAD, POST", NULL};
    const char *const allow_post[] = {"Allow", "POST", NULL};

    if (strcmp(url, "/metrics") == 0)
        return get ? route_metrics(c, req)
                   : http_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", allow_get);
    if (strcmp(url, "/login") == 0)
        return get || post ? route_login(c, req, post)
                           : http_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", allow_both);
    if (strcmp(url, "/logout") == 0)
        return post ? route_logout(c)
                    : http_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", allow_post);
    if (strcmp(url, "/") == 0)
        return get ? route_home(c, req)
                   : http_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", allow_get);
    return http_text(c, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
}

/* libmicrohttpd's access handler: first call with the headers, then with
 * the body in pieces, then with none left (answer). */
static enum MHD_Result http_handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                   const char *version, const char *upload, size_t *upload_size,
                                   void **con_cls)
{
    http_req *req = *con_cls;

    if (req == NULL) {
        const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

        req = calloc(1, sizeof(*req));
        if (req == NULL)
            return MHD_NO;
        sl_buf_init(&req->body);
        snprintf(req->peer, sizeof(req->peer), "?");
        if (ci != NULL && ci->client_addr != NULL) {
            socklen_t slen = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                    : sizeof(struct sockaddr_in);
            char host[INET6_ADDRSTRLEN + 1];
            if (getnameinfo(ci->client_addr, slen, host, sizeof(host), NULL, 0, NI_NUMERICHOST) == 0)
                snprintf(req->peer, sizeof(req->peer), "%s", host);
        }
        *con_cls = req;
        /* A body announced too long is refused before a byte of it is read. */
        if (len != NULL && strtoull(len, NULL, 10) > HTTP_BODY_MAX)
            return http_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large\n", NULL);
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (req->body.len + *upload_size > HTTP_BODY_MAX) {
            sl_log(SL_LOG_DEBUG, "http: request body from %s over %d bytes: connection closed", req->peer,
                   HTTP_BODY_MAX);
            return MHD_NO; /* a chunked body that grows too long: hang up */
        }
        sl_buf_append(&req->body, upload, *upload_size);
        sl_buf_reserve(&req->body, 1)[0] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    return http_route(c, req, url, method);
}

static void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    http_req *req = *con_cls;

    if (req == NULL)
        return;
    sl_buf_free(&req->body);
    free(req);
    *con_cls = NULL;
}

/* libmicrohttpd's messages (TLS handshakes that fail, clients that hang
 * up) are a stranger's doing: debug level, never a flood in the log. */
static void http_logger(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    sl_log(SL_LOG_DEBUG, "http: %s", msg);
}

/* ---- start and stop ---- */

/* The whole of a PEM file, NUL-terminated, malloc'd; NULL with err. */
static char *read_pem(const char *path, sl_error *err)
{
    FILE *fp = fopen(path, "r");
    char *buf;
    size_t n;

    if (fp == NULL) {
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not open \"%s\" for the HTTP listener: %s", path,
                     strerror(errno));
        return NULL;
    }
    buf = malloc(HTTP_PEM_MAX + 1);
    if (buf == NULL)
        abort();
    n = fread(buf, 1, HTTP_PEM_MAX, fp);
    fclose(fp);
    if (n == 0 || n == HTTP_PEM_MAX) {
        free(buf);
        sl_error_set(err, SL_ERRCODE_IO_ERROR, "could not read \"%s\" for the HTTP listener", path);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* A listening socket for ai (host: its address), or -1 after a WARNING saying why. */
static int http_socket(const struct addrinfo *ai, const char *what, const char *host, int port)
{
    int fd, one = 1;

    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        sl_log(SL_LOG_WARNING, "could not create HTTP socket for \"%s\" (%s): %s", what, host,
               strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ai->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 64) != 0) {
        sl_log(SL_LOG_WARNING, "could not listen for HTTP on %s port %d: %s%s", host, port, strerror(errno),
               errno == EADDRINUSE ? " (set http_port to another port, or 0 for no HTTP listener)" : "");
        close(fd);
        return -1;
    }
    return fd;
}

static void http_serve(int fd, const char *host, int port)
{
    unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                         MHD_USE_ITC | MHD_USE_ERROR_LOG | (http_tls ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls[] = {
        {http_tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, http_key_pem},
        {http_tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, http_cert_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d;

    d = MHD_start_daemon(flags, 0, NULL, NULL, http_handle, NULL, MHD_OPTION_EXTERNAL_LOGGER, http_logger,
                         NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
                         (unsigned int)sl_config_int("http_max_connections"), MHD_OPTION_CONNECTION_TIMEOUT,
                         (unsigned int)HTTP_IDLE_TIMEOUT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                         (size_t)HTTP_HEADERS_MAX, MHD_OPTION_STRICT_FOR_CLIENT, 1,
                         MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL, MHD_OPTION_ARRAY, tls,
                         MHD_OPTION_END);
    if (d == NULL) {
        sl_log(SL_LOG_WARNING, "could not start the HTTP listener on %s port %d", host, port);
        close(fd);
        return;
    }
    snprintf(http_hosts[http_ndaemons], sizeof(http_hosts[0]), "%s", host);
    http_daemons[http_ndaemons++] = d;
    sl_log(SL_LOG_LOG, "HTTP listener (/metrics, /login) on %s://%s%s%s:%d/", http_tls ? "https" : "http",
           strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port);
}

sl_status sl_http_start(sl_error *err)
{
    int port = (int)sl_config_int("http_port");
    char addrs[SL_CONFIG_VALUE_MAX], portstr[16], cert[4096], key[4096];
    char *save = NULL;

    http_started_us = sl_clock_wall_us();
    if (port == 0) {
        sl_log(SL_LOG_LOG, "HTTP listener off (http_port = 0)");
        return SL_OK;
    }
    http_tls = sl_security_tls_files(cert, sizeof(cert), key, sizeof(key));
    if (http_tls) {
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
            return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                                "this libmicrohttpd cannot serve HTTPS, and ssl is on");
        if ((http_cert_pem = read_pem(cert, err)) == NULL || (http_key_pem = read_pem(key, err)) == NULL) {
            sl_http_stop();
            return SL_ERROR;
        }
    }
    snprintf(portstr, sizeof(portstr), "%d", port);
    sl_config_string("http_listen_addresses", addrs, sizeof(addrs));
    for (char *tok = strtok_r(addrs, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
        struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
        struct addrinfo *res = NULL;
        int rc = getaddrinfo(strcmp(tok, "*") == 0 ? NULL : tok, portstr, &hints, &res);

        if (rc != 0) {
            sl_log(SL_LOG_WARNING, "could not resolve HTTP listen address \"%s\": %s", tok, gai_strerror(rc));
            continue;
        }
        for (struct addrinfo *ai = res; ai != NULL && http_ndaemons < HTTP_MAX_LISTEN; ai = ai->ai_next) {
            char host[INET6_ADDRSTRLEN + 1] = "?";
            bool bound = false;
            int fd;

            /* "localhost, 127.0.0.1" names one address twice: bind it once. */
            getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), NULL, 0, NI_NUMERICHOST);
            for (int i = 0; i < http_ndaemons; i++)
                bound = bound || strcmp(http_hosts[i], host) == 0;
            if (bound || (fd = http_socket(ai, tok, host, port)) < 0)
                continue;
            http_serve(fd, host, port);
        }
        freeaddrinfo(res);
    }
    if (http_ndaemons == 0)
        sl_log(SL_LOG_WARNING, "no HTTP listener is running (http_listen_addresses = '%s')", addrs);
    return SL_OK;
}

void sl_http_stop(void)
{
    for (int i = 0; i < http_ndaemons; i++) {
        /* The listening socket first, so no connection starts meanwhile;
         * quiesced, the daemon hands it back and it is ours to close. */
        MHD_socket fd = MHD_quiesce_daemon(http_daemons[i]);

        MHD_stop_daemon(http_daemons[i]);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
    }
    http_ndaemons = 0;
    sl_http_auth_shutdown();
    if (http_key_pem != NULL)
        explicit_bzero(http_key_pem, strlen(http_key_pem));
    free(http_key_pem);
    free(http_cert_pem);
    http_key_pem = http_cert_pem = NULL;
}
