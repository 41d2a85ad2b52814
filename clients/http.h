/*
 * http.h - the one HTTP client: the sinks that speak HTTP (InfluxDB,
 * DynamoDB, webhooks) and the schema registry client use it.
 *
 * An sl_http wraps a libcurl easy handle, so the connection (and TLS
 * session) is reused from request to request.  sl_http_send() sends one
 * request and reports what came back; how a status is to be treated is the
 * caller's call (DynamoDB says "throttled" with a 400), helped by
 * sl_http_classify() for the sinks' usual rule:
 *
 *   2xx                      SL_OK
 *   408, 429, 5xx            SL_RETRY  (the framework backs off and retries)
 *   anything else            SL_ERROR  (schema, auth, bad request: shown at once)
 *
 * A transport failure (connection refused, timeout, DNS, a reply longer
 * than a caller allows) is SL_RETRY from sl_http_send() itself, with 08006
 * and curl's text in err (also sl_http_error_text()).
 *
 * With a stop callback (sl_http_set_stop) a request runs on a curl multi
 * handle polled every 100 ms and is abandoned once the callback says so
 * (SL_RETRY, "the query is stopping"), so a sink waiting on a server that
 * does not answer never holds up DROP QUERY or shutdown for its timeout.
 *
 * Not thread-safe: one sl_http is used by one thread at a time.
 *
 * Entry points: sl_http_new, sl_http_set_stop, sl_http_send,
 * sl_http_error_text, sl_http_classify, sl_http_free.
 */
#ifndef SLUICE_HTTP_H
#define SLUICE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "sluice/confine.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

typedef struct sl_http sl_http;

typedef struct sl_http_request {
    const char *url;
    const char *const *headers; /* "Name: value" lines, NULL-terminated; NULL: none */
    bool get;                   /* a GET; else a POST of body[0..len) ("" when body is NULL) */
    const char *body;
    size_t len;
    /* Optional: curl's built-in AWS Signature V4, "aws:amz:REGION:SERVICE"
     * (CURLOPT_AWS_SIGV4), with userpwd = "ACCESS_KEY:SECRET". */
    const char *aws_sigv4;
    const char *userpwd;     /* "user:password": basic auth, or the AWS key pair */
    long timeout_ms;         /* whole request; 0: 30 s */
    long connect_timeout_ms; /* 0: 10 s */
    size_t max_reply;        /* bytes of the reply kept; 0: 4 MB */
    bool long_reply_fails;   /* a longer reply fails the request (else it is cut) */
} sl_http_request;

typedef struct sl_http_response {
    long status;      /* HTTP status; 0 when no response arrived */
    const char *body; /* the response body, NUL-terminated; valid until the next request */
    size_t len;
} sl_http_response;

/* A client whose memory lives in cx; NULL with err set when libcurl cannot
 * start.  It speaks http and https only, follows no redirect, and with
 * confine's allowed_hosts set connects only to allowed addresses
 * (sluice/confine.h; confine NULL: any host). */
sl_http *sl_http_new(sl_mcxt *cx, const sl_confine *confine, sl_error *err);

/* Requests give up once should_stop(arg) is true (asked every 100 ms);
 * NULL: never. */
void sl_http_set_stop(sl_http *h, bool (*should_stop)(void *arg), void *arg);

/* Sends req.  SL_OK when a response arrived (any status: see resp->status),
 * SL_RETRY with err (08006 "could not reach URL: ...") on a transport
 * failure. */
sl_status sl_http_send(sl_http *h, const sl_http_request *req, sl_http_response *resp, sl_error *err);

/* curl's text for the last transport failure ("" after a success). */
const char *sl_http_error_text(const sl_http *h);

/* The sinks' rule (see above) for resp; on SL_RETRY/SL_ERROR err says
 * "<what>: HTTP <status> from <url>: <first 200 bytes of the body>". */
sl_status sl_http_classify(const sl_http_response *resp, const char *what, const char *url, sl_error *err);

/* Releases the curl handle; the memory goes with cx.  NULL is fine. */
void sl_http_free(sl_http *h);

#endif
