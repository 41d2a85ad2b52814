/*
 * test_protocol.c - unit tests of server/net/protocol.c: message builders byte by
 * byte, decoders and framing on good, truncated, oversized and random input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/net/protocol.h"

/* ---- helpers ---- */

/* An sl_pq_recv_fn over bytes in memory: fails like a closed socket at the end. */
typedef struct mem_stream {
    const char *data;
    size_t len, pos;
} mem_stream;

static sl_status mem_recv(void *arg, void *buf, size_t n, sl_error *err)
{
    mem_stream *m = arg;

    if (m->len - m->pos < n) {
        m->pos = m->len;
        return sl_error_set(err, SL_ERRCODE_CONNECTION_FAILURE, "connection closed by the client");
    }
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return SL_OK;
}

static uint32_t be32(const char *p)
{
    const uint8_t *u = (const uint8_t *)p;
    return ((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3];
}

/* Checks that buf holds exactly one message of type whose length word is right; returns its body. */
static sl_pq_msg one_message(const sl_buf *buf, char type)
{
    sl_pq_msg msg;

    assert_true(buf->len >= 5);
    assert_int_equal(buf->data[0], type);
    assert_int_equal(be32(buf->data + 1), buf->len - 1);
    sl_pq_msg_init(&msg, type, buf->data + 5, buf->len - 5);
    return msg;
}

static void put_startup(sl_buf *b, uint32_t version, const char *const *kv, int n)
{
    size_t m = sl_pq_begin(b, 0);
    sl_pq_put_int32(b, (int32_t)version);
    for (int i = 0; i < n; i++)
        sl_pq_put_string(b, kv[i]);
    sl_pq_put_byte(b, 0);
    sl_pq_end(b, m);
}

/* ---- sl_buf and the primitive encoders ---- */

static void test_buf_grows_and_resets(void **state)
{
    sl_buf b;
    sl_buf_init(&b);
    for (int i = 0; i < 100000; i++)
        sl_pq_put_byte(&b, (uint8_t)i);
    assert_int_equal(b.len, 100000);
    assert_int_equal((uint8_t)b.data[99999], (uint8_t)99999);
    sl_buf_reset(&b, 1024);
    assert_int_equal(b.len, 0);
    assert_null(b.data); /* grown past keep: memory given back */
    sl_pq_put_int32(&b, 1);
    sl_buf_reset(&b, 1024);
    assert_non_null(b.data); /* small: kept for reuse */
    sl_buf_free(&b);
}

static void test_integers_big_endian(void **state)
{
    sl_buf b;
    sl_pq_msg m;
    int16_t i16;
    int32_t i32;

    sl_buf_init(&b);
    sl_pq_put_int16(&b, -2);
    sl_pq_put_int32(&b, 0x01020304);
    sl_pq_put_int32(&b, -1);
    assert_memory_equal(b.data, "\xff\xfe\x01\x02\x03\x04\xff\xff\xff\xff", 10);
    sl_pq_msg_init(&m, 'x', b.data, b.len);
    assert_true(sl_pq_get_int16(&m, &i16));
    assert_int_equal(i16, -2);
    assert_true(sl_pq_get_int32(&m, &i32));
    assert_int_equal(i32, 0x01020304);
    assert_true(sl_pq_get_int32(&m, &i32));
    assert_int_equal(i32, -1);
    assert_int_equal(sl_pq_remaining(&m), 0);
    sl_buf_free(&b);
}

/* ---- the backend messages, byte by byte ---- */

static void test_simple_messages(void **state)
{
    sl_buf b;

    sl_buf_init(&b);
    sl_pq_auth_ok(&b);
    assert_int_equal(b.len, 9);
    assert_memory_equal(b.data, "R\0\0\0\x08\0\0\0\0", 9);
    sl_buf_reset(&b, 0);

    sl_pq_ready_for_query(&b, 'T');
    assert_memory_equal(b.data, "Z\0\0\0\x05T", 6);
    sl_buf_reset(&b, 0);

    sl_pq_backend_key_data(&b, 0x7f000001, 42);
    assert_memory_equal(b.data, "K\0\0\0\x0c\x7f\0\0\x01\0\0\0\x2a", 13);
    sl_buf_reset(&b, 0);

    sl_pq_parameter_status(&b, "server_encoding", "UTF8");
    assert_int_equal(b.len, 1 + 4 + 16 + 5);
    assert_memory_equal(b.data, "S\0\0\0\x19server_encoding\0UTF8\0", b.len);
    sl_buf_reset(&b, 0);

    sl_pq_command_complete(&b, "SELECT 3");
    assert_memory_equal(b.data, "C\0\0\0\x0dSELECT 3\0", 14);
    sl_buf_reset(&b, 0);

    sl_pq_empty_query_response(&b);
    assert_memory_equal(b.data, "I\0\0\0\x04", 5);
    sl_buf_free(&b);
}

static void test_row_description(void **state)
{
    sl_buf b;
    sl_pq_msg m;
    int16_t n, i16;
    int32_t i32;
    sl_column_desc cols[] = {{"station", SL_OID_TEXT}, {"avg_ph", SL_OID_FLOAT8}, {NULL, SL_OID_INTERVAL}};
    const struct {
        const char *name;
        int32_t oid;
        int16_t len;
    } want[] = {{"station", 25, -1}, {"avg_ph", 701, 8}, {"?column?", 1186, 16}};

    sl_buf_init(&b);
    sl_pq_row_description(&b, 3, cols);
    m = one_message(&b, 'T');
    assert_true(sl_pq_get_int16(&m, &n));
    assert_int_equal(n, 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(sl_pq_get_string(&m), want[i].name);
        assert_true(sl_pq_get_int32(&m, &i32)); /* table */
        assert_int_equal(i32, 0);
        assert_true(sl_pq_get_int16(&m, &i16)); /* column */
        assert_true(sl_pq_get_int32(&m, &i32));
        assert_int_equal(i32, want[i].oid);
        assert_true(sl_pq_get_int16(&m, &i16));
        assert_int_equal(i16, want[i].len);
        assert_true(sl_pq_get_int32(&m, &i32)); /* typmod */
        assert_int_equal(i32, -1);
        assert_true(sl_pq_get_int16(&m, &i16)); /* format */
        assert_int_equal(i16, 0);
    }
    assert_int_equal(sl_pq_remaining(&m), 0);
    sl_buf_free(&b);
}

static void test_data_row_with_null(void **state)
{
    sl_buf b;
    const char *values[] = {"abc", NULL, ""};

    sl_buf_init(&b);
    sl_pq_data_row(&b, 3, values);
    assert_int_equal(b.len, 1 + 4 + 2 + (4 + 3) + 4 + 4);
    assert_memory_equal(b.data,
                        "D\0\0\0\x15\0\x03\0\0\0\x03"
                        "abc\xff\xff\xff\xff\0\0\0\0",
                        b.len);
    sl_buf_free(&b);
}

static void test_error_response_fields(void **state)
{
    sl_buf b;
    sl_pq_msg m;
    sl_error err;
    const char *want[] = {"SERROR",    "VERROR", "C42601", "Msyntax error at or near \"FROM\"",
                          "Hcheck it", "P12"};

    sl_buf_init(&b);
    sl_error_set(&err, SL_ERRCODE_SYNTAX_ERROR, "syntax error at or near \"%s\"", "FROM");
    sl_error_hint(&err, "check it");
    err.position = 12;
    sl_pq_error_response(&b, "ERROR", &err);
    m = one_message(&b, 'E');
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        assert_string_equal(sl_pq_get_string(&m), want[i]);
    assert_int_equal(sl_pq_remaining(&m), 1); /* the terminator */
    assert_int_equal(m.data[m.pos], 0);
    sl_buf_reset(&b, 0);

    /* No detail, hint or position: those fields are left out. */
    sl_error_set(&err, SL_ERRCODE_ADMIN_SHUTDOWN, "terminating connection due to administrator command");
    sl_pq_error_response(&b, "FATAL", &err);
    m = one_message(&b, 'E');
    assert_string_equal(sl_pq_get_string(&m), "SFATAL");
    assert_string_equal(sl_pq_get_string(&m), "VFATAL");
    assert_string_equal(sl_pq_get_string(&m), "C57P01");
    assert_string_equal(sl_pq_get_string(&m), "Mterminating connection due to administrator command");
    assert_int_equal(sl_pq_remaining(&m), 1);
    sl_buf_reset(&b, 0);

    sl_pq_notice_response(&b, NULL, "hello");
    m = one_message(&b, 'N');
    assert_string_equal(sl_pq_get_string(&m), "SNOTICE");
    assert_string_equal(sl_pq_get_string(&m), "VNOTICE");
    assert_string_equal(sl_pq_get_string(&m), "C00000");
    assert_string_equal(sl_pq_get_string(&m), "Mhello");
    sl_buf_free(&b);
}

static void test_negotiate_version(void **state)
{
    sl_buf b;
    sl_pq_msg m;
    int32_t v;
    const char *opts[] = {"_pq_.foo"};

    sl_buf_init(&b);
    sl_pq_negotiate_version(&b, 0, 1, opts);
    m = one_message(&b, 'v');
    assert_true(sl_pq_get_int32(&m, &v));
    assert_int_equal(v, 3 << 16);
    assert_true(sl_pq_get_int32(&m, &v));
    assert_int_equal(v, 1);
    assert_string_equal(sl_pq_get_string(&m), "_pq_.foo");
    sl_buf_free(&b);
}

/* ---- decoders on truncated input ---- */

static void test_decoders_truncated(void **state)
{
    sl_pq_msg m;
    int32_t i32 = 7;
    int16_t i16 = 7;
    uint8_t u8;
    const char *p;

    sl_pq_msg_init(&m, 'x', "\x01\x02\x03", 3);
    assert_false(sl_pq_get_int32(&m, &i32));
    assert_int_equal(i32, 7);
    assert_int_equal(m.pos, 0); /* a failed read consumes nothing */
    assert_true(sl_pq_get_int16(&m, &i16));
    assert_false(sl_pq_get_int16(&m, &i16));
    assert_true(sl_pq_get_byte(&m, &u8));
    assert_false(sl_pq_get_byte(&m, &u8));
    assert_false(sl_pq_get_bytes(&m, 1, &p));
    assert_true(sl_pq_get_bytes(&m, 0, &p));

    sl_pq_msg_init(&m, 'x', "abc", 3); /* no NUL inside the message */
    assert_null(sl_pq_get_string(&m));
    assert_int_equal(m.pos, 0);
    sl_pq_msg_init(&m, 'x', "ab\0cd", 5);
    assert_string_equal(sl_pq_get_string(&m), "ab");
    assert_null(sl_pq_get_string(&m));
    sl_pq_msg_init(&m, 'x', NULL, 0);
    assert_null(sl_pq_get_string(&m));
    assert_false(sl_pq_get_int16(&m, &i16));
}

/* ---- framing ---- */

static void test_read_startup_limits(void **state)
{
    sl_buf in, b;
    sl_pq_msg msg;
    sl_error err;
    const char *kv[] = {"user", "alice"};

    sl_buf_init(&in);
    sl_buf_init(&b);
    put_startup(&b, SL_PQ_PROTOCOL(3, 0), kv, 2);
    mem_stream ok = {b.data, b.len, 0};
    assert_int_equal(sl_pq_read_startup(mem_recv, &ok, &in, &msg, &err), SL_OK);
    assert_int_equal(msg.len, b.len - 4);

    /* Lengths below 8, above 10000, and absurd ones fail before reading the body. */
    const char *bad[] = {"\0\0\0\x07", "\0\0\x27\x11", "\x7f\xff\xff\xff", "\xff\xff\xff\xff", "\0\0\0\0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mem_stream s = {bad[i], 4, 0};
        assert_int_equal(sl_pq_read_startup(mem_recv, &s, &in, &msg, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, SL_ERRCODE_PROTOCOL_VIOLATION);
    }
    /* 10000 exactly is allowed; a stream cut short is a lost connection. */
    mem_stream cut = {"\0\0\x27\x10"
                      "abc",
                      7, 0};
    assert_int_equal(sl_pq_read_startup(mem_recv, &cut, &in, &msg, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_CONNECTION_FAILURE);
    mem_stream empty = {"", 0, 0};
    assert_int_equal(sl_pq_read_startup(mem_recv, &empty, &in, &msg, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_CONNECTION_FAILURE);
    sl_buf_free(&in);
    sl_buf_free(&b);
}

static void test_read_message_limits(void **state)
{
    sl_buf in, b;
    sl_pq_msg msg;
    sl_error err;
    size_t m;

    sl_buf_init(&in);
    sl_buf_init(&b);

    /* A normal query, then a query over the limit (dropped, 54000), then one more: the stream stays in step.
     */
    m = sl_pq_begin(&b, 'Q');
    sl_pq_put_string(&b, "SHOW port");
    sl_pq_end(&b, m);
    m = sl_pq_begin(&b, 'Q');
    for (int i = 0; i < 200; i++)
        sl_pq_put_byte(&b, 'x');
    sl_pq_put_byte(&b, 0);
    sl_pq_end(&b, m);
    m = sl_pq_begin(&b, 'X');
    sl_pq_end(&b, m);
    mem_stream s = {b.data, b.len, 0};
    assert_int_equal(sl_pq_read_message(mem_recv, &s, &in, 100, &msg, &err), SL_OK);
    assert_int_equal(msg.type, 'Q');
    assert_string_equal(sl_pq_get_string(&msg), "SHOW port");
    assert_int_equal(sl_pq_read_message(mem_recv, &s, &in, 100, &msg, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED);
    assert_int_equal(msg.type, 'Q');
    assert_int_equal(sl_pq_read_message(mem_recv, &s, &in, 100, &msg, &err), SL_OK);
    assert_int_equal(msg.type, 'X');
    assert_int_equal(msg.len, 0);
    assert_int_equal(sl_pq_read_message(mem_recv, &s, &in, 100, &msg, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_CONNECTION_FAILURE);

    /* Lengths below 4 or beyond any limit are garbage: 08P01. */
    const char *bad[] = {"Q\0\0\0\x03", "Q\0\0\0\0", "Q\xff\xff\xff\xff", "P\x7f\xff\xff\xf0",
                         "B\x40\0\0\x05"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mem_stream g = {bad[i], 5, 0};
        assert_int_equal(sl_pq_read_message(mem_recv, &g, &in, 100, &msg, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, SL_ERRCODE_PROTOCOL_VIOLATION);
    }
    /* A non-query message may use the slack; a query just at the limit is fine. */
    sl_buf_reset(&b, 0);
    m = sl_pq_begin(&b, 'P');
    for (int i = 0; i < 1000; i++)
        sl_pq_put_byte(&b, 'y');
    sl_pq_end(&b, m);
    mem_stream p = {b.data, b.len, 0};
    assert_int_equal(sl_pq_read_message(mem_recv, &p, &in, 100, &msg, &err), SL_OK);
    assert_int_equal(msg.len, 1000);
    /* Truncated header and truncated body: connection failure, nothing read past the end. */
    mem_stream h = {"Q\0\0", 3, 0};
    assert_int_equal(sl_pq_read_message(mem_recv, &h, &in, 100, &msg, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_CONNECTION_FAILURE);
    mem_stream t = {"Q\0\0\0\x20SEL", 8, 0};
    assert_int_equal(sl_pq_read_message(mem_recv, &t, &in, 100, &msg, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_CONNECTION_FAILURE);
    sl_buf_free(&in);
    sl_buf_free(&b);
}

/* ---- the startup packet ---- */

static void test_parse_startup(void **state)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    sl_buf b;
    sl_pq_msg msg;
    sl_pq_startup st;
    sl_error err;
    const char *kv[] = {"user", "alice", "database", "water", "application_name",
                        "psql", "a",     "",         "b",     "2",
                        "c",    "3",     "d",        "4",     "e",
                        "5",    "f",     "6"};

    sl_buf_init(&b);
    put_startup(&b, SL_PQ_PROTOCOL(3, 0), kv, 18);
    sl_pq_msg_init(&msg, 0, b.data + 4, b.len - 4);
    assert_int_equal(sl_pq_parse_startup(&msg, cx, &st, &err), SL_OK);
    assert_int_equal(st.kind, SL_PQ_STARTUP_NORMAL);
    assert_int_equal(st.nparams, 9); /* more than the first array holds */
    assert_string_equal(st.names[0], "user");
    assert_string_equal(st.values[0], "alice");
    assert_string_equal(st.names[3], "a");
    assert_string_equal(st.values[3], "");
    assert_string_equal(st.values[8], "6");

    /* 3.2 is accepted (the session negotiates it down); 2.0 and 4.0 are not. */
    sl_buf_reset(&b, 0);
    put_startup(&b, SL_PQ_PROTOCOL(3, 2), kv, 2);
    sl_pq_msg_init(&msg, 0, b.data + 4, b.len - 4);
    assert_int_equal(sl_pq_parse_startup(&msg, cx, &st, &err), SL_OK);
    assert_int_equal(SL_PQ_MINOR(st.version), 2);
    for (uint32_t v = 2; v <= 4; v += 2) {
        sl_buf_reset(&b, 0);
        put_startup(&b, SL_PQ_PROTOCOL(v, 0), kv, 2);
        sl_pq_msg_init(&msg, 0, b.data + 4, b.len - 4);
        assert_int_equal(sl_pq_parse_startup(&msg, cx, &st, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, SL_ERRCODE_PROTOCOL_VIOLATION);
        assert_non_null(strstr(err.message, "unsupported frontend protocol"));
    }

    /* Layout errors: no terminator, a name without value, bytes after the terminator. */
    const struct {
        const char *body;
        size_t len;
    } bad[] = {
        {"\0\3\0\0user\0alice\0", 15},    {"\0\3\0\0user\0", 9}, {"\0\3\0\0user", 8},
        {"\0\3\0\0user\0alice\0\0x", 17}, {"\0\3\0", 3},         {"", 0},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sl_pq_msg_init(&msg, 0, bad[i].body, bad[i].len);
        assert_int_equal(sl_pq_parse_startup(&msg, cx, &st, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, SL_ERRCODE_PROTOCOL_VIOLATION);
    }

    /* SSLRequest, GSSENCRequest, CancelRequest, and their wrong lengths. */
    sl_pq_msg_init(&msg, 0, "\x04\xd2\x16\x2f", 4);
    assert_int_equal(sl_pq_parse_startup(&msg, cx, &st, &err), SL_OK);
    assert_int_equal(st.kind, SL_PQ_STARTUP_SSL);
    sl_pq_msg_init(&msg, 0, "\x04\xd2\x16\x30", 4);
    assert_int_equal(sl_pq_parse_startup(&msg, cx, &st, &err), SL_OK);
    assert_int_equal(st.kind, SL_PQ_STARTUP_GSSENC);
    sl_pq_msg_init(&msg, 0, "\x04\xd2\x16\x2f\0", 5);
    assert_int_equal(sl_pq_parse_startup(&msg, cx, &st, &err), SL_ERROR);
    sl_pq_msg_init(&msg, 0, "\x04\xd2\x16\x2e\0\0\0\x07\x12\x34\x56\x78", 12);
    assert_int_equal(sl_pq_parse_startup(&msg, cx, &st, &err), SL_OK);
    assert_int_equal(st.kind, SL_PQ_STARTUP_CANCEL);
    assert_int_equal(st.cancel_pid, 7);
    assert_int_equal(st.cancel_key, 0x12345678);
    sl_pq_msg_init(&msg, 0, "\x04\xd2\x16\x2e\0\0\0\x07", 8);
    assert_int_equal(sl_pq_parse_startup(&msg, cx, &st, &err), SL_ERROR);

    sl_buf_free(&b);
    sl_mcxt_delete(cx);
}

static void test_split_options(void **state)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    int n;
    const char **names, **values;
    sl_error err;

    assert_int_equal(sl_pq_split_options("-c a=b  --search-path=x\\ y -cdatestyle=ISO -c e=", cx, &n, &names,
                                         &values, &err),
                     SL_OK);
    assert_int_equal(n, 4);
    assert_string_equal(names[0], "a");
    assert_string_equal(values[0], "b");
    assert_string_equal(names[1], "search_path");
    assert_string_equal(values[1], "x y");
    assert_string_equal(names[2], "datestyle");
    assert_string_equal(values[2], "ISO");
    assert_string_equal(names[3], "e");
    assert_string_equal(values[3], "");
    assert_int_equal(sl_pq_split_options("   ", cx, &n, &names, &values, &err), SL_OK);
    assert_int_equal(n, 0);

    const char *bad[] = {"-x", "-c", "-c novalue", "--=1", "plain"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(sl_pq_split_options(bad[i], cx, &n, &names, &values, &err), SL_ERROR);
        assert_string_equal(err.sqlstate, SL_ERRCODE_PROTOCOL_VIOLATION);
    }
    sl_mcxt_delete(cx);
}

static void test_utf8(void **state)
{
    size_t at = 99;

    assert_true(sl_pq_valid_utf8("plain ascii", 11, &at));
    assert_true(sl_pq_valid_utf8("pH \xc2\xb0 \xe2\x82\xac \xf0\x9f\x92\xa7", 14, &at));
    assert_false(sl_pq_valid_utf8("ab\xff", 3, &at));
    assert_int_equal(at, 2);
    assert_false(sl_pq_valid_utf8("\xc0\xaf", 2, &at));         /* overlong '/' */
    assert_false(sl_pq_valid_utf8("\xed\xa0\x80", 3, &at));     /* surrogate */
    assert_false(sl_pq_valid_utf8("\xf4\x90\x80\x80", 4, &at)); /* beyond U+10FFFF */
    assert_false(sl_pq_valid_utf8("x\xe2\x82", 3, &at));        /* truncated */
    assert_int_equal(at, 1);
    assert_false(sl_pq_valid_utf8("\x80", 1, &at));
}

/* ---- random input: nothing may crash or read out of bounds (run under ASan/valgrind) ---- */

static void test_random_input(void **state)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "fuzz");
    sl_buf in;
    char data[512];
    unsigned seed = 12345;

    sl_buf_init(&in);
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rand_r(&seed) % sizeof(data));
        sl_pq_msg msg;
        sl_pq_startup st;
        sl_error err;

        for (size_t i = 0; i < len; i++)
            data[i] = (char)rand_r(&seed);
        /* Often make it look like a startup packet so the parser gets past the version. */
        if (round % 2 == 0 && len >= 4)
            memcpy(data, "\0\3\0\0", 4);
        sl_pq_msg_init(&msg, 0, data, len);
        (void)sl_pq_parse_startup(&msg, cx, &st, &err);

        mem_stream s = {data, len, 0};
        while (s.pos < s.len && sl_pq_read_message(mem_recv, &s, &in, 64, &msg, &err) == SL_OK)
            (void)sl_pq_get_string(&msg);
        mem_stream t = {data, len, 0};
        (void)sl_pq_read_startup(mem_recv, &t, &in, &msg, &err);
        (void)sl_pq_valid_utf8(data, len, NULL);
        if (round % 1000 == 0)
            sl_mcxt_reset(cx);
    }
    sl_buf_free(&in);
    sl_mcxt_delete(cx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows_and_resets),
        cmocka_unit_test(test_integers_big_endian),
        cmocka_unit_test(test_simple_messages),
        cmocka_unit_test(test_row_description),
        cmocka_unit_test(test_data_row_with_null),
        cmocka_unit_test(test_error_response_fields),
        cmocka_unit_test(test_negotiate_version),
        cmocka_unit_test(test_decoders_truncated),
        cmocka_unit_test(test_read_startup_limits),
        cmocka_unit_test(test_read_message_limits),
        cmocka_unit_test(test_parse_startup),
        cmocka_unit_test(test_split_options),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_random_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
