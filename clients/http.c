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

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/buf.h"
#include "sluice/errcodes.h"

/* Replies beyond this are cut unless a request says otherwise: sinks read
 * error texts and small JSON. */
#define SL_HTTP_MAX_REPLY (4 * 1024 * 1024)
/* How often a request with a stop callback asks it. */
#define SL_HTTP_STOP_SLICE_MS 100

struct sl_http {
    CURL *curl;
    CURLM *multi; /* with a stop callback: requests run here (it keeps the connections) */
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

sl_http *sl_http_new(sl_mcxt *cx, sl_error *err)
{
    sl_http *h;

    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK) {
        sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, "could not initialise libcurl: %s",
                     curl_easy_strerror(curl_init_rc));
        return NULL;
    }
    h = sl_pnew(cx, sl_http);
    sl_buf_init(&h->reply);
    h->curl = curl_easy_init();
    if (h->curl == NULL) {
        sl_error_set(err, SL_ERRCODE_OUT_OF_MEMORY, "could not create an HTTP client");
        return NULL;
    }
    return h;
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
        if (running == 0 || h->should_stop(h->stop_arg))
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
    if (req->protocols != NULL)
        curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, req->protocols);
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
        else if (h->curl_err[0] == '\0')
            snprintf(h->curl_err, sizeof(h->curl_err), "%s", curl_easy_strerror(rc));
        sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "could not reach %s: %s", req->url, h->curl_err);
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

    if (s >= 200 && s < 300)
        return SL_OK;
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
