/*
 * http.c - the HTTP client over one reused libcurl easy handle.
 *
 * The response body is collected into a buffer the client owns and keeps
 * between requests, bounded by the request's max_reply (a sink never needs
 * more than an error message or a DynamoDB reply: by default bodies past
 * 4 MB are cut; the schema registry fails a longer reply instead).  See
 * http.h for how statuses are treated.
 *
 * Entry points: see http.h.
 */
#include "clients/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/url.h"
#include "sluice/clock.h"
#include "sluice/buf.h"
#include "sluice/confine.h"
#include "sluice/errcodes.h"

/* Replies beyond this are cut unless a request says otherwise: sinks read
 * error texts and small JSON. */
#define SL_HTTP_MAX_REPLY (4 * 1024 * 1024)
/* How often a request with a stop callback asks it. */
#define SL_HTTP_STOP_SLICE_MS 100
/* How long a request under way may still take once the query is stopping. */
#define SL_HTTP_STOP_GRACE_MS 1500

struct sl_http {
    CURL *curl;
    const sl_confine *confine;
    char host[256];                 /* the host of the request's URL, without brackets */
    char refused[INET6_ADDRSTRLEN]; /* an address allowed_hosts refused, "" if none */
    CURLM *multi;                   /* with a stop callback: requests run here (it keeps the connections) */
    bool (*should_stop)(void *arg);
    void *stop_arg;
    sl_buf reply; /* NUL-terminated (the NUL not counted) */
    size_t max_reply;
    bool long_reply_fails;
    bool too_long;
    char curl_err[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

/* curl_global_init is not thread-safe before 7.84; queries start on
 * several threads, so the first one initialises for all. */
static void curl_init_once(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

sl_http *sl_http_new(sl_mcxt *cx, const sl_confine *confine, sl_error *err)
{
    sl_http *h;

    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK) {
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not initialise libcurl: %s",
                     curl_easy_strerror(curl_init_rc));
        return NULL;
    }
    h = sl_pnew(cx, sl_http);
    h->confine = confine;
    sl_buf_init(&h->reply);
    h->curl = curl_easy_init();
    if (h->curl == NULL) {
        sl_error_set(err, SL_ERRCODE_OUT_OF_MEMORY, "could not create an HTTP client");
        return NULL;
    }
    return h;
}

/*
 * allowed_hosts at connect: curl asks for a socket for each address it
 * tries, so the address checked is the one connected to, whatever DNS said
 * at CREATE time or says now (DNS rebinding gains nothing).  A refused
 * address is remembered for the error text.
 */
static curl_socket_t on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    sl_http *h = arg;

    (void)purpose;
    if (!sl_confine_addr_allowed(h->confine, h->host, &a->addr)) {
        const void *ip = a->family == AF_INET6
                             ? (const void *)&((struct sockaddr_in6 *)(void *)&a->addr)->sin6_addr
                             : (const void *)&((struct sockaddr_in *)(void *)&a->addr)->sin_addr;
        if (inet_ntop(a->family, ip, h->refused, sizeof(h->refused)) == NULL)
            snprintf(h->refused, sizeof(h->refused), "?");
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* The host of url into h->host ("" when curl cannot parse it). */
static void url_host(sl_http *h, const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL;
    size_t n;

    h->host[0] = '\0';
    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        n = strlen(host);
        if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
            snprintf(h->host, sizeof(h->host), "%.*s", (int)(n - 2), host + 1);
        else
            snprintf(h->host, sizeof(h->host), "%s", host);
    }
    curl_free(host);
    curl_url_cleanup(u);
}

void sl_http_set_stop(sl_http *h, bool (*should_stop)(void *arg), void *arg)
{
    h->should_stop = should_stop;
    h->stop_arg = arg;
}

/* curl_easy_perform, on the multi handle so that the stop callback is
 * asked every SL_HTTP_STOP_SLICE_MS; CURLE_ABORTED_BY_CALLBACK when it
 * said stop. */
static CURLcode perform_stoppable(sl_http *h)
{
    CURLcode rc = CURLE_ABORTED_BY_CALLBACK;
    int running = 1, left;
    int64_t stop_at = 0;
    CURLMsg *msg;

    if (h->multi == NULL && (h->multi = curl_multi_init()) == NULL)
        return curl_easy_perform(h->curl);
    if (curl_multi_add_handle(h->multi, h->curl) != CURLM_OK)
        return curl_easy_perform(h->curl);
    for (;;) {
        if (curl_multi_perform(h->multi, &running) != CURLM_OK) {
            rc = CURLE_FAILED_INIT;
            break;
        }
        if (running == 0)
            break;
        /* A request already under way gets a short grace to finish: cut off
         * at once, one the server took would be sent again (a duplicate)
         * and the sink left retrying. */
        if (stop_at == 0 && h->should_stop(h->stop_arg))
            stop_at = sl_clock_mono_us();
        if (stop_at != 0 && sl_clock_mono_us() - stop_at >= SL_HTTP_STOP_GRACE_MS * 1000)
            break;
        curl_multi_poll(h->multi, NULL, 0, SL_HTTP_STOP_SLICE_MS, NULL);
    }
    while ((msg = curl_multi_info_read(h->multi, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->curl)
            rc = msg->data.result;
    curl_multi_remove_handle(h->multi, h->curl);
    if (rc == CURLE_ABORTED_BY_CALLBACK)
        snprintf(h->curl_err, sizeof(h->curl_err), "the query is stopping");
    return rc;
}

static size_t on_reply(char *p, size_t size, size_t n, void *arg)
{
    sl_http *h = arg;
    size_t len = size * n, room;

    room = h->reply.len < h->max_reply ? h->max_reply - h->reply.len : 0;
    if (len > room) {
        h->too_long = true;
        if (h->long_reply_fails)
            return 0; /* curl stops with a write error */
    }
    sl_buf_append(&h->reply, p, len < room ? len : room);
    return len;
}

sl_status sl_http_send(sl_http *h, const sl_http_request *req, sl_http_response *resp, sl_error *err)
{
    struct curl_slist *hdrs = NULL;
    CURLcode rc;

    resp->status = 0;
    resp->body = "";
    resp->len = 0;
    sl_buf_reset(&h->reply, 1 << 16);
    h->max_reply = req->max_reply > 0 ? req->max_reply : SL_HTTP_MAX_REPLY;
    h->long_reply_fails = req->long_reply_fails;
    h->too_long = false;
    h->curl_err[0] = '\0';

    curl_easy_reset(h->curl); /* keeps the connection cache */
    curl_easy_setopt(h->curl, CURLOPT_URL, req->url);
    if (!req->get) {
        curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->len);
    }
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_reply);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->curl_err);
    curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 30000L);
    curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS,
                     req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 10000L);
    curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "sluice");
    /* http and https only, redirects included (and none followed): never
     * file://, gopher://, dict:// and the like; no HTTP/0.9, so what a
     * non-HTTP service answers is not taken for a reply. */
    curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h->curl, CURLOPT_HTTP09_ALLOWED, 0L);
    h->refused[0] = '\0';
    if (sl_confine_hosts_limited(h->confine)) {
        url_host(h, req->url);
        curl_easy_setopt(h->curl, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
        curl_easy_setopt(h->curl, CURLOPT_OPENSOCKETDATA, h);
    }
    /* A POST of more than 1 kB would otherwise wait for "100 Continue". */
    hdrs = curl_slist_append(hdrs, "Expect:");
    for (const char *const *p = req->headers; p != NULL && *p != NULL; p++)
        hdrs = curl_slist_append(hdrs, *p);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
    if (req->userpwd != NULL)
        curl_easy_setopt(h->curl, CURLOPT_USERPWD, req->userpwd);
    if (req->aws_sigv4 != NULL)
        curl_easy_setopt(h->curl, CURLOPT_AWS_SIGV4, req->aws_sigv4);
    else if (req->userpwd != NULL)
        curl_easy_setopt(h->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);

    rc = h->should_stop != NULL ? perform_stoppable(h) : curl_easy_perform(h->curl);
    curl_slist_free_all(hdrs);
    sl_buf_append(&h->reply, "", 1); /* NUL-terminated, not counted */
    h->reply.len--;
    if (rc != CURLE_OK) {
        if (h->too_long)
            snprintf(h->curl_err, sizeof(h->curl_err), "the reply is longer than %zu bytes", h->max_reply);
        else if (h->refused[0] != '\0')
            snprintf(h->curl_err, sizeof(h->curl_err),
                     "address %s of host \"%.120s\" is not in allowed_hosts", h->refused, h->host);
        else if (h->curl_err[0] == '\0')
            snprintf(h->curl_err, sizeof(h->curl_err), "%s", curl_easy_strerror(rc));
        char shown[SL_ERROR_MSG_MAX];
        sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "could not reach %s: %s",
                     sl_url_redact(req->url, shown, sizeof(shown)), h->curl_err);
        return SL_RETRY;
    }
    h->curl_err[0] = '\0';
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
    resp->body = h->reply.data;
    resp->len = h->reply.len;
    return SL_OK;
}

const char *sl_http_error_text(const sl_http *h)
{
    return h->curl_err;
}

sl_status sl_http_classify(const sl_http_response *resp, const char *what, const char *url, sl_error *err)
{
    long s = resp->status;
    int shown = resp->len > 200 ? 200 : (int)resp->len;
    char url_shown[SL_ERROR_MSG_MAX]; /* the URL without its credentials */

    if (s >= 200 && s < 300)
        return SL_OK;
    url = sl_url_redact(url, url_shown, sizeof(url_shown));
    /* Trailing newlines of the reply would end up inside the message. */
    while (shown > 0 && (resp->body[shown - 1] == '\n' || resp->body[shown - 1] == '\r'))
        shown--;
    if (s == 408 || s == 429 || s >= 500) {
        sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "%s: HTTP %ld from %s: %.*s", what, s, url, shown,
                     resp->body);
        return SL_RETRY;
    }
    sl_error_set(err, s == 401 || s == 403 ? SL_ERRCODE_INVALID_AUTHORIZATION : SL_ERRCODE_DATA_EXCEPTION,
                 "%s: HTTP %ld from %s: %.*s", what, s, url, shown, resp->body);
    return SL_ERROR;
}

void sl_http_free(sl_http *h)
{
    if (h == NULL)
        return;
    if (h->curl != NULL)
        curl_easy_cleanup(h->curl);
    h->curl = NULL;
    if (h->multi != NULL)
        curl_multi_cleanup(h->multi);
    h->multi = NULL;
    sl_buf_free(&h->reply);
}
