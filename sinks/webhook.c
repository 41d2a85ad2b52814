/*
 * webhook.c - the WEBHOOK sink: rows POSTed as JSON, for alerts.
 *
 * Each request carries at most batch_rows rows as a JSON array of row
 * objects (formats/format.h's JSON encoder: keys are the column names,
 * TIMESTAMPs ISO-8601 UTC text), or, with batch_rows = 1, the one row's
 * object itself.  Content-Type is application/json unless the headers
 * option names another; headers ('Name: value' items separated by newlines,
 * or by ';' when the text has no newline) are checked at CREATE SINK by
 * the validate callback and sent with every request.
 *
 * write() splits whatever batch it gets into requests of batch_rows rows
 * and sends them in order over one reused connection (clients/http.h).  A
 * request is confirmed by a 2xx reply; 408, 429, 5xx and transport
 * failures (connection refused, timeout) are SL_RETRY, other statuses
 * SL_ERROR (the query fails showing the status and the start of the
 * reply).  After SL_RETRY the framework calls write() again with the same
 * batch: the requests already confirmed are skipped, so only the failed
 * one is sent again.  Delivery is at-least-once all the same: a request
 * that timed out may have been accepted, and the retry then sends its rows
 * twice.  flush is not needed: a write returns only once the receiver
 * answered.
 *
 * Entry point: sl_sink_webhook.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "formats/format.h"
#include "clients/http.h"
#include "sluice/connector.h"
#include "sluice/errcodes.h"

static const sl_option_decl webhook_options[] = {
    {.name = "url",
     .type = SL_OPT_STRING,
     .required = true,
     .reach = SL_REACH_URL,
     .destination = true,
     .help = "http or https URL the rows are POSTed to"},
    {.name = "headers",
     .type = SL_OPT_STRING,
     .secret = true,
     .help = "extra request headers, 'Name: value' separated by newlines or ';' (secret: often credentials)"},
    {.name = "timeout",
     .type = SL_OPT_INTERVAL,
     .default_value = "10 seconds",
     .help = "time allowed for one request before it counts as failed (and is retried)"},
    /* Alerts should not wait for a full batch of a thousand. */
    {.name = "batch_rows",
     .type = SL_OPT_INT,
     .default_value = "100",
     .min = 1,
     .max = 1000000,
     .help = "rows per request (1: one JSON object per request instead of an array)"},
    {0},
};

#define WEBHOOK_CONTENT_TYPE "Content-Type: application/json"

typedef struct webhook_sink {
    const char *url;
    const char *what;           /* 'webhook sink "name"', the prefix of errors */
    const char *const *headers; /* "Name: value" lines, NULL-terminated */
    long timeout_ms;
    int batch_rows;
    sl_json_encoder *enc;
    sl_http *http;
    sl_buf body; /* one request's body, reused */
    /* After SL_RETRY: the batch being retried and how many of its rows the
     * receiver already confirmed, so a resend skips them. */
    const sl_batch *retry_batch;
    int retry_nrows;
    int retry_done;
} webhook_sink;

/* ---- the headers option ---- */

/* One header item of the option's text: [start, start + len), trimmed. */
typedef struct header_item {
    const char *start;
    size_t len;
} header_item;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 9110 token characters, the only ones a header name may use. */
static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * Finds the next non-empty item at *p, separated by sep; false at the end.
 * Items are trimmed, so "A: 1; B: 2;" and "A: 1\r\nB: 2\n" both give two.
 */
static bool header_next(const char **p, char sep, header_item *item)
{
    while (**p != '\0') {
        const char *s = *p, *e = strchr(s, sep);

        if (e == NULL)
            e = s + strlen(s);
        *p = *e != '\0' ? e + 1 : e;
        while (s < e && is_space(*s))
            s++;
        while (e > s && is_space(e[-1]))
            e--;
        if (e > s) {
            item->start = s;
            item->len = (size_t)(e - s);
            return true;
        }
    }
    return false;
}

/* Newlines separate items when there are any, so a value may hold a ';'
 * (a Cookie header); otherwise ';' does, which fits on one SQL line. */
static char header_separator(const char *text)
{
    return strchr(text, '\n') != NULL ? '\n' : ';';
}

static sl_status header_bad(sl_error *err, int index, const char *what)
{
    /* The value is secret: the message names the item's position only. */
    sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "option \"headers\": header %d %s", index, what);
    sl_error_hint(err, "Write headers as 'Name: value', separated by ';' or newlines, "
                       "e.g. 'Authorization: Bearer TOKEN; X-Source: sluice'.");
    return SL_ERROR;
}

/*
 * Checks one item: a token name, ':', a non-empty value of visible
 * characters, spaces and tabs.  *name_len is the name's length.
 */
static sl_status header_check(const header_item *item, int index, size_t *name_len, sl_error *err)
{
    const char *colon = memchr(item->start, ':', item->len);
    size_t n, v;

    if (colon == NULL)
        return header_bad(err, index, "has no ':' between name and value");
    n = (size_t)(colon - item->start);
    if (n == 0)
        return header_bad(err, index, "has no name before ':'");
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((unsigned char)item->start[i]))
            return header_bad(err, index, "has a name with a character a header name cannot have");
    v = n + 1;
    while (v < item->len && (item->start[v] == ' ' || item->start[v] == '\t'))
        v++;
    /* curl would take "Name:" as "remove that header", not send it empty. */
    if (v == item->len)
        return header_bad(err, index, "has an empty value");
    for (size_t i = v; i < item->len; i++) {
        unsigned char c = (unsigned char)item->start[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return header_bad(err, index, "has a control character in its value");
    }
    /* The body's framing is the HTTP client's business. */
    if ((n == 14 && strncasecmp(item->start, "Content-Length", n) == 0) ||
        (n == 17 && strncasecmp(item->start, "Transfer-Encoding", n) == 0)) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                     "option \"headers\": header \"%.*s\" is set by the webhook sink itself", (int)n,
                     item->start);
        return SL_ERROR;
    }
    *name_len = n;
    return SL_OK;
}

/* ---- validate ---- */

static sl_status webhook_check_url(const char *url, sl_error *err)
{
    size_t scheme;

    if (strncasecmp(url, "http://", 7) == 0)
        scheme = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        scheme = 8;
    else
        scheme = 0;
    if (scheme == 0 || url[scheme] == '\0' || url[scheme] == '/') {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                     "option \"url\" must be an http:// or https:// URL with a host");
        sl_error_hint(err, "For example url = 'https://hooks.example.com/alerts'.");
        return SL_ERROR;
    }
    for (const char *p = url; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE,
                                "option \"url\" must not contain spaces or control characters");
    return SL_OK;
}

static sl_status webhook_validate(const sl_options *opts, sl_error *err)
{
    const char *url = sl_options_get(opts, "url");
    const char *headers = sl_options_get(opts, "headers");

    if (url != NULL && webhook_check_url(url, err) != SL_OK)
        return SL_ERROR;
    if (headers != NULL) {
        char sep = header_separator(headers);
        const char *p = headers;
        header_item item;
        size_t name_len;

        for (int i = 1; header_next(&p, sep, &item); i++)
            if (header_check(&item, i, &name_len, err) != SL_OK)
                return SL_ERROR;
    }
    return SL_OK;
}

/* ---- open, write, close ---- */

/* The request headers, in cx: the option's items as "Name: value", then
 * our Content-Type unless the option gave one. */
static sl_status webhook_build_headers(webhook_sink *ws, const char *text, sl_mcxt *cx, sl_error *err)
{
    char sep = text != NULL ? header_separator(text) : ';';
    const char *p = text != NULL ? text : "";
    header_item item;
    size_t name_len;
    const char **lines;
    int n = 0, max = 2; /* Content-Type, NULL */
    bool content_type = false;

    for (const char *q = p; header_next(&q, sep, &item);)
        max++;
    lines = sl_palloc(cx, sizeof(*lines) * (size_t)max);
    for (int i = 1; header_next(&p, sep, &item); i++) {
        if (header_check(&item, i, &name_len, err) != SL_OK)
            return SL_ERROR;
        content_type |= name_len == 12 && strncasecmp(item.start, "Content-Type", 12) == 0;
        lines[n++] = sl_pstrndup(cx, item.start, item.len);
    }
    if (!content_type)
        lines[n++] = WEBHOOK_CONTENT_TYPE;
    lines[n] = NULL;
    ws->headers = lines;
    return SL_OK;
}

static sl_status webhook_open(const sl_sink_open_args *args, void **state, sl_error *err)
{
    webhook_sink *ws = sl_pnew(args->cx, webhook_sink);
    const char *url = sl_options_get(args->options, "url");
    int64_t timeout_us = sl_options_get_interval_us(args->options, "timeout", 10 * INT64_C(1000000));

    /* Checked again: the catalog may hold options from an older release. */
    if (webhook_validate(args->options, err) != SL_OK)
        return SL_ERROR;
    if (url == NULL)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "option \"url\" is required");
    ws->url = sl_pstrdup(args->cx, url);
    ws->what = sl_psprintf(args->cx, "webhook sink \"%s\"", args->sink_name != NULL ? args->sink_name : "");
    ws->timeout_ms = timeout_us >= 1000 ? (long)(timeout_us / 1000) : 1;
    ws->batch_rows = (int)sl_options_get_int(args->options, "batch_rows", 100);
    if (ws->batch_rows < 1)
        ws->batch_rows = 1;
    if (webhook_build_headers(ws, sl_options_get(args->options, "headers"), args->cx, err) != SL_OK)
        return SL_ERROR;
    ws->enc = sl_json_encoder_new(args->cx, args->schema);
    sl_buf_init(&ws->body);
    ws->http = sl_http_new(args->cx, args->confine, err);
    if (ws->http == NULL)
        return SL_ERROR;
    sl_http_set_stop(ws->http, args->should_stop, args->stop_arg);
    *state = ws;
    return SL_OK;
}

/* Rows [first, first + n) of batch as the request body: an array, or the
 * object alone when the sink sends one row per request. */
static void webhook_encode(webhook_sink *ws, const sl_batch *batch, int first, int n)
{
    sl_buf_reset(&ws->body, 4 * 1024 * 1024); /* keeps the usual request's buffer */
    if (ws->batch_rows == 1) {
        sl_json_encode_row(ws->enc, batch, first, &ws->body);
        return;
    }
    sl_buf_append(&ws->body, "[", 1);
    for (int r = first; r < first + n; r++) {
        if (r > first)
            sl_buf_append(&ws->body, ",", 1);
        sl_json_encode_row(ws->enc, batch, r, &ws->body);
    }
    sl_buf_append(&ws->body, "]", 1);
}

/* Sends one body; SL_OK once the receiver confirmed it with a 2xx. */
static sl_status webhook_post(webhook_sink *ws, sl_error *err)
{
    sl_http_request req = {
        .url = ws->url,
        .headers = ws->headers,
        .body = ws->body.data,
        .len = ws->body.len,
        .timeout_ms = ws->timeout_ms,
    };
    sl_http_response resp;
    sl_status st = sl_http_send(ws->http, &req, &resp, err);

    if (st != SL_OK) {
        /* Name the sink in the transport error too, as classify does. */
        char msg[SL_ERROR_MSG_MAX], code[sizeof(err->sqlstate)];

        memcpy(msg, err->message, sizeof(msg));
        memcpy(code, err->sqlstate, sizeof(code));
        sl_error_set(err, code, "%s: %s", ws->what, msg);
        return st;
    }
    return sl_http_classify(&resp, ws->what, ws->url, err);
}

static sl_status webhook_write(void *state, const sl_batch *batch, sl_error *err)
{
    webhook_sink *ws = state;
    int first = 0;

    /* A resend of the batch that failed half way: skip what was confirmed. */
    if (ws->retry_batch == batch && ws->retry_nrows == batch->nrows)
        first = ws->retry_done;
    ws->retry_batch = NULL;
    for (; first < batch->nrows; first += ws->batch_rows) {
        int n = batch->nrows - first < ws->batch_rows ? batch->nrows - first : ws->batch_rows;
        sl_status st;

        webhook_encode(ws, batch, first, n);
        st = webhook_post(ws, err);
        if (st == SL_RETRY) {
            ws->retry_batch = batch;
            ws->retry_nrows = batch->nrows;
            ws->retry_done = first;
        }
        if (st != SL_OK)
            return st;
    }
    return SL_OK;
}

static void webhook_close(void *state)
{
    webhook_sink *ws = state;

    if (ws == NULL)
        return;
    sl_http_free(ws->http);
    ws->http = NULL;
    sl_buf_free(&ws->body);
}

const sl_sink_kind sl_sink_webhook = {
    .api_version = SL_SINK_API_VERSION,
    .name = "webhook",
    .description = "HTTP POST of rows as JSON, e.g. for alerts",
    .options = webhook_options,
    .validate = webhook_validate,
    .open = webhook_open,
    .write = webhook_write,
    .close = webhook_close,
};
