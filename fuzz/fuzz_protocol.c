/*
 * fuzz_protocol.c - fuzz harness of the PostgreSQL wire protocol reader
 * (server/net/protocol.h).
 *
 * The input is what a client sends on a fresh connection, read the way
 * server/net/session.c reads it: startup packets through sl_pq_read_startup and
 * sl_pq_parse_startup (SSLRequest and GSSENCRequest are followed by another
 * packet, at most twice), the "options" parameter through
 * sl_pq_split_options, then regular messages through sl_pq_read_message
 * until the input runs out.  Every message body is walked with the
 * sl_pq_get_* decoders as its type's layout says (Query, Parse, Bind, ...),
 * which must never read past the body.  The recv callback serves the input
 * in the sizes asked for and fails with 08006 at its end, as a closed
 * socket does.  A small max_query makes the "statement too long" path
 * (body read and dropped, connection goes on) reachable.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "server/net/protocol.h"
#include "sluice/errcodes.h"

#define FUZZ_MAX_QUERY 4096

typedef struct fuzz_stream {
    const uint8_t *data;
    size_t size, pos;
} fuzz_stream;

static sl_status fuzz_recv(void *arg, void *buf, size_t n, sl_error *err)
{
    fuzz_stream *in = arg;

    if (n > in->size - in->pos)
        return sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "connection closed");
    memcpy(buf, in->data + in->pos, n);
    in->pos += n;
    return SL_OK;
}

/* Strings until the body ends or one is unterminated. */
static void walk_strings(sl_pq_msg *msg)
{
    const char *s;
    size_t bad_at;

    while (sl_pq_remaining(msg) > 0 && (s = sl_pq_get_string(msg)) != NULL)
        (void)sl_pq_valid_utf8(s, strlen(s), &bad_at);
}

/* Bind: portal, statement, format codes, parameter values, result formats. */
static void walk_bind(sl_pq_msg *msg)
{
    int16_t n, code;
    int32_t len;
    const char *bytes;

    if (!sl_pq_get_string(msg) || !sl_pq_get_string(msg) || !sl_pq_get_int16(msg, &n))
        return;
    for (int i = 0; i < n; i++)
        if (!sl_pq_get_int16(msg, &code))
            return;
    if (!sl_pq_get_int16(msg, &n))
        return;
    for (int i = 0; i < n; i++) {
        if (!sl_pq_get_int32(msg, &len))
            return;
        if (len >= 0 && !sl_pq_get_bytes(msg, (size_t)len, &bytes))
            return;
    }
    if (!sl_pq_get_int16(msg, &n))
        return;
    for (int i = 0; i < n; i++)
        if (!sl_pq_get_int16(msg, &code))
            return;
}

static void walk_message(sl_pq_msg *msg)
{
    const char *s;
    size_t bad_at;
    int16_t n;
    int32_t i32;
    uint8_t b;

    switch (msg->type) {
    case 'Q': /* as sess_simple_query: one string filling the body, valid UTF-8 */
        s = sl_pq_get_string(msg);
        if (s != NULL && sl_pq_remaining(msg) == 0)
            (void)sl_pq_valid_utf8(s, strlen(s), &bad_at);
        break;
    case 'P': /* Parse: name, query, parameter type oids */
        if (!sl_pq_get_string(msg) || !sl_pq_get_string(msg) || !sl_pq_get_int16(msg, &n))
            break;
        for (int i = 0; i < n; i++)
            if (!sl_pq_get_int32(msg, &i32))
                break;
        break;
    case 'B':
        walk_bind(msg);
        break;
    case 'D': /* Describe, Close: a kind byte and a name */
    case 'C':
        if (sl_pq_get_byte(msg, &b))
            (void)sl_pq_get_string(msg);
        break;
    case 'E': /* Execute: portal, row limit */
        if (sl_pq_get_string(msg))
            (void)sl_pq_get_int32(msg, &i32);
        break;
    case 'd': /* CopyData: raw bytes */
        (void)sl_pq_get_bytes(msg, sl_pq_remaining(msg), &s);
        break;
    default:
        walk_strings(msg);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_stream in = {.data = data, .size = size};
    sl_mcxt *cx = sl_mcxt_create(NULL, "fuzz protocol");
    sl_buf buf;
    sl_pq_msg msg;
    sl_pq_startup st;
    sl_error err;

    sl_buf_init(&buf);
    for (int round = 0;; round++) {
        if (sl_pq_read_startup(fuzz_recv, &in, &buf, &msg, &err) != SL_OK)
            goto done;
        if (sl_pq_parse_startup(&msg, cx, &st, &err) != SL_OK)
            goto done;
        if (st.kind == SL_PQ_STARTUP_CANCEL)
            goto done;
        if (st.kind == SL_PQ_STARTUP_NORMAL)
            break;
        if (round >= 2)
            goto done;
    }
    for (int i = 0; i < st.nparams; i++) {
        size_t bad_at;
        if (st.names[i] == NULL || st.values[i] == NULL)
            sl_fuzz_fail("startup parameter %d without a name or value", i);
        (void)sl_pq_valid_utf8(st.values[i], strlen(st.values[i]), &bad_at);
        if (strcmp(st.names[i], "options") == 0) {
            int n;
            const char **names, **values;
            if (sl_pq_split_options(st.values[i], cx, &n, &names, &values, &err) == SL_OK)
                for (int k = 0; k < n; k++)
                    if (names[k][0] == '\0' || strchr(names[k], '=') != NULL || values[k] == NULL)
                        sl_fuzz_fail("options split into a bad name \"%s\"", names[k]);
        }
    }
    for (;;) {
        sl_buf_reset(&buf, 8192);
        if (sl_pq_read_message(fuzz_recv, &in, &buf, FUZZ_MAX_QUERY, &msg, &err) != SL_OK) {
            if (strcmp(err.sqlstate, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED) == 0)
                continue; /* a long query was dropped: the session goes on */
            break;
        }
        if (msg.len > FUZZ_MAX_QUERY + SL_PQ_MESSAGE_SLACK)
            sl_fuzz_fail("a message of %zu bytes passed the limit", msg.len);
        walk_message(&msg);
        if (msg.pos > msg.len)
            sl_fuzz_fail("a decoder moved past the body (%zu > %zu)", msg.pos, msg.len);
        if (msg.type == 'X')
            break;
    }
done:
    sl_buf_free(&buf);
    sl_mcxt_delete(cx);
    return 0;
}
