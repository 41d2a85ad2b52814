/*
 * protocol.h - the PostgreSQL v3 wire protocol: framing, decoding, encoding.
 *
 * Pure functions over byte buffers, no sockets: the session passes a recv
 * callback to the readers and writes the output buffer itself, so unit
 * tests drive everything here with bytes in memory.
 *
 * Reading: sl_pq_read_startup() and sl_pq_read_message() frame one message
 * with size limits; sl_pq_parse_startup() decodes a startup packet; the
 * sl_pq_get_*() decoders read fields and fail (return false/NULL) instead of
 * reading past the end, so a truncated message cannot crash anything.
 *
 * Writing: sl_pq_begin() / sl_pq_put_*() / sl_pq_end() build any message;
 * the sl_pq_<message>() builders write each backend message sluice sends.
 */
#ifndef SLUICE_PROTOCOL_H
#define SLUICE_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/net/dest.h"
#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/mcxt.h"

#define SL_PQ_PROTOCOL(major, minor) (((uint32_t)(major) << 16) | (uint32_t)(minor))
#define SL_PQ_MAJOR(v)               ((v) >> 16)
#define SL_PQ_MINOR(v)               ((v)&0xffff)
#define SL_PQ_CANCEL_REQUEST_CODE    SL_PQ_PROTOCOL(1234, 5678)
#define SL_PQ_SSL_REQUEST_CODE       SL_PQ_PROTOCOL(1234, 5679)
#define SL_PQ_GSSENC_REQUEST_CODE    SL_PQ_PROTOCOL(1234, 5680)

/* A startup packet (length word included) is at most this long, as in PostgreSQL. */
#define SL_PQ_STARTUP_MAX 10000
/* Beyond this a length word is garbage, not a long statement: close the connection. */
#define SL_PQ_MESSAGE_MAX (1024 * 1024 * 1024)
/* Non-query messages may exceed max_statement_size by this much. */
#define SL_PQ_MESSAGE_SLACK (64 * 1024)

/* ---- decoding ---- */

typedef struct sl_pq_msg {
    char type; /* 0 for a startup packet */
    const char *data;
    size_t len;
    size_t pos;
} sl_pq_msg;

void sl_pq_msg_init(sl_pq_msg *msg, char type, const char *data, size_t len);
bool sl_pq_get_byte(sl_pq_msg *msg, uint8_t *out);
bool sl_pq_get_int16(sl_pq_msg *msg, int16_t *out);
bool sl_pq_get_int32(sl_pq_msg *msg, int32_t *out);
bool sl_pq_get_bytes(sl_pq_msg *msg, size_t n, const char **out);
/* A NUL-terminated string inside the message, or NULL when the NUL is missing. */
const char *sl_pq_get_string(sl_pq_msg *msg);
static inline size_t sl_pq_remaining(const sl_pq_msg *msg)
{
    return msg->len - msg->pos;
}

/* True when s[0..len) is valid UTF-8 (no overlong forms or surrogates);
 * otherwise *bad_at is the offset of the first bad sequence. */
bool sl_pq_valid_utf8(const char *s, size_t len, size_t *bad_at);

/* ---- framing ---- */

/* Reads exactly n bytes into buf; on failure sets err (08006 when the peer went away). */
typedef sl_status (*sl_pq_recv_fn)(void *arg, void *buf, size_t n, sl_error *err);

/*
 * Reads a startup packet (length word, then body) into in; msg points at the
 * body.  A length below 8 or above SL_PQ_STARTUP_MAX fails with 08P01.
 */
sl_status sl_pq_read_startup(sl_pq_recv_fn recv, void *arg, sl_buf *in, sl_pq_msg *msg, sl_error *err);

/*
 * Reads one regular message (type byte, length word, body) into in.
 * Failures, told apart by err->sqlstate:
 *   08006  the connection failed (from recv): close quietly;
 *   08P01  length below 4 or above the limit: garbage, send FATAL and close;
 *   54000  a Query longer than max_query but otherwise sane: its body was read
 *          and dropped, msg->type is set, the connection can go on.
 * Non-query messages may be up to max_query + SL_PQ_MESSAGE_SLACK bytes.
 */
sl_status sl_pq_read_message(sl_pq_recv_fn recv, void *arg, sl_buf *in, size_t max_query, sl_pq_msg *msg,
                             sl_error *err);

/* ---- the startup packet ---- */

typedef enum sl_pq_startup_kind {
    SL_PQ_STARTUP_NORMAL,
    SL_PQ_STARTUP_SSL,
    SL_PQ_STARTUP_GSSENC,
    SL_PQ_STARTUP_CANCEL,
} sl_pq_startup_kind;

typedef struct sl_pq_startup {
    sl_pq_startup_kind kind;
    uint32_t version; /* the protocol the client asked for */
    int32_t cancel_pid, cancel_key;
    int nparams; /* NORMAL: name/value pairs, pointing into the packet */
    const char **names;
    const char **values;
} sl_pq_startup;

/*
 * Decodes a startup packet body (after the length word).  Arrays are
 * allocated in cx.  Protocol 3.x only (the caller negotiates a minor > 0
 * down to 3.0); anything else fails with 08P01.
 */
sl_status sl_pq_parse_startup(const sl_pq_msg *msg, sl_mcxt *cx, sl_pq_startup *out, sl_error *err);

/*
 * Splits the startup packet's "options" value ("-c a=b --c=d -c e=with\ space")
 * into names and values (allocated in cx).  Fails with 08P01 on anything
 * but -c and --name=value switches.
 */
sl_status sl_pq_split_options(const char *options, sl_mcxt *cx, int *n, const char ***names,
                              const char ***values, sl_error *err);

/* ---- encoding ---- */

/* Starts a message of type (0: no type byte); returns its offset for sl_pq_end(). */
size_t sl_pq_begin(sl_buf *buf, char type);
void sl_pq_put_byte(sl_buf *buf, uint8_t v);
void sl_pq_put_int16(sl_buf *buf, int16_t v);
void sl_pq_put_int32(sl_buf *buf, int32_t v);
void sl_pq_put_bytes(sl_buf *buf, const void *data, size_t n);
void sl_pq_put_string(sl_buf *buf, const char *s); /* with its NUL */
/* Fills in the length word of the message started at start. */
void sl_pq_end(sl_buf *buf, size_t start);

void sl_pq_auth_ok(sl_buf *buf);
void sl_pq_parameter_status(sl_buf *buf, const char *name, const char *value);
void sl_pq_backend_key_data(sl_buf *buf, int32_t pid, int32_t key);
/* status: 'I' idle, 'T' in a transaction block, 'E' in a failed one. */
void sl_pq_ready_for_query(sl_buf *buf, char status);
void sl_pq_row_description(sl_buf *buf, int ncols, const sl_column_desc *cols);
/* The same with each column's format code (NULL: all text). */
void sl_pq_row_description_formats(sl_buf *buf, int ncols, const sl_column_desc *cols,
                                   const int16_t *formats);
/* A message of its type byte alone: ParseComplete '1', BindComplete '2',
 * CloseComplete '3', NoData 'n', PortalSuspended 's'. */
void sl_pq_simple_message(sl_buf *buf, char type);
/* values: ncols text values, NULL for SQL NULL. */
void sl_pq_data_row(sl_buf *buf, int ncols, const char *const *values);
void sl_pq_command_complete(sl_buf *buf, const char *tag);
void sl_pq_empty_query_response(sl_buf *buf);
/* ErrorResponse; severity "ERROR" or "FATAL". */
void sl_pq_error_response(sl_buf *buf, const char *severity, const sl_error *err);
void sl_pq_notice_response(sl_buf *buf, const char *sqlstate, const char *message);
/* NegotiateProtocolVersion: the newest minor version we speak and the options we ignored. */
void sl_pq_negotiate_version(sl_buf *buf, uint32_t minor, int noptions, const char *const *options);

#endif
