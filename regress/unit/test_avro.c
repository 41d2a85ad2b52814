/*
 * test_avro.c - unit tests of the Avro message decoder and encoder
 * (formats/avro.c): rows encoded with the derived schema decode to
 * the same values (NULLs and timestamps included), the Confluent header,
 * logical timestamp units, type mismatches, and garbage: every prefix and
 * many corruptions of a valid message must give a row error or a row,
 * never a crash (run under ASan / valgrind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/avro.h"

static sl_mcxt *cx;

static int setup(void **state)
{
    (void)state;
    cx = sl_mcxt_create(NULL, "test");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sl_mcxt_delete(cx);
    return 0;
}

static const char *const names[] = {"station", "ph", "count", "ok", "ts", "gap"};
static const sl_type types[] = {SL_TYPE_TEXT, SL_TYPE_DOUBLE,    SL_TYPE_BIGINT,
                                SL_TYPE_BOOL, SL_TYPE_TIMESTAMP, SL_TYPE_INTERVAL};

/* Two rows: all values, then all NULL but station. */
static sl_batch *sample(const sl_schema *s)
{
    sl_batch *b = sl_batch_new(cx, s, 4);

    for (int c = 0; c < 6; c++)
        b->cols[c].nulls[0] = b->cols[c].nulls[1] = 1;
    b->cols[0].nulls[0] = 0;
    b->cols[0].v.text[0] = sl_batch_text(b, "st-\xc3\xa9", 5);
    b->cols[1].nulls[0] = 0;
    b->cols[1].v.f64[0] = 7.25;
    b->cols[2].nulls[0] = 0;
    b->cols[2].v.i64[0] = -123456789012LL;
    b->cols[3].nulls[0] = 0;
    b->cols[3].v.b[0] = true;
    b->cols[4].nulls[0] = 0;
    b->cols[4].v.i64[0] = 1767225660123456LL; /* 2026-01-01T00:01:00.123456Z */
    b->cols[5].nulls[0] = 0;
    b->cols[5].v.i64[0] = 60000000;
    b->cols[0].nulls[1] = 0;
    b->cols[0].v.text[1] = sl_batch_text(b, "", 0);
    b->nrows = 2;
    return b;
}

static void test_roundtrip(void **state)
{
    sl_error err;
    const sl_schema *s = sl_schema_new(cx, 6, names, types);
    sl_batch *in = sample(s), *out = sl_batch_new(cx, s, 4);
    sl_avro_encoder *enc = sl_avro_encoder_new(cx, s, &err);
    sl_avro_decoder *dec;
    const char *json;
    sl_buf buf;

    (void)state;
    assert_non_null(enc);
    json = sl_avro_encoder_schema_json(enc);
    assert_non_null(strstr(json, "\"timestamp-micros\""));
    dec = sl_avro_decoder_new(cx, s, json, strlen(json), false, NULL, &err);
    assert_non_null(dec);
    sl_buf_init(&buf);
    for (int r = 0; r < 2; r++) {
        sl_buf_reset(&buf, 4096);
        assert_int_equal(sl_avro_encode_row(enc, in, r, &buf, &err), SL_OK);
        assert_int_equal(sl_avro_decode(dec, buf.data, buf.len, out, &err), SL_OK);
    }
    assert_int_equal(out->nrows, 2);
    for (int c = 0; c < 6; c++)
        for (int r = 0; r < 2; r++)
            assert_int_equal(out->cols[c].nulls[r], in->cols[c].nulls[r]);
    assert_int_equal(out->cols[0].v.text[0].len, 5);
    assert_memory_equal(out->cols[0].v.text[0].ptr, "st-\xc3\xa9", 5);
    assert_int_equal(out->cols[0].v.text[1].len, 0);
    assert_true(out->cols[1].v.f64[0] == 7.25);
    assert_int_equal(out->cols[2].v.i64[0], -123456789012LL);
    assert_true(out->cols[3].v.b[0]);
    assert_int_equal(out->cols[4].v.i64[0], 1767225660123456LL);
    assert_int_equal(out->cols[5].v.i64[0], 60000000);

    /* Confluent framing: header written, checked and skipped. */
    sl_avro_encoder_set_schema_id(enc, 0x01020304);
    sl_buf_reset(&buf, 4096);
    assert_int_equal(sl_avro_encode_row(enc, in, 0, &buf, &err), SL_OK);
    assert_memory_equal(buf.data, "\0\1\2\3\4", 5);
    sl_avro_decoder *cdec = sl_avro_decoder_new(cx, s, json, strlen(json), true, NULL, &err);
    assert_int_equal(sl_avro_decode(cdec, buf.data, buf.len, out, &err), SL_OK);
    assert_int_equal(out->nrows, 3);
    assert_int_equal(out->cols[4].v.i64[2], 1767225660123456LL);
    /* Without the header the plain decoder sees garbage; a short message
     * is refused by the framed one. */
    assert_int_equal(sl_avro_decode(cdec, "\0\0\0", 3, out, &err), SL_ERROR);
    assert_int_equal(sl_avro_decode(cdec, "\1\0\0\0\0\0", 6, out, &err), SL_ERROR);
    assert_int_equal(out->nrows, 3);

    sl_buf_free(&buf);
    sl_avro_decoder_free(dec);
    sl_avro_decoder_free(cdec);
    sl_avro_encoder_free(enc);
}

/* A hand-written writer schema: millis, plain fields, extra and missing ones. */
static const char writer[] =
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"Station\",\"type\":\"string\"},"
    "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
    "{\"name\":\"ph\",\"type\":[\"null\",\"float\"]},"
    "{\"name\":\"n\",\"type\":\"int\"}]}";

static void test_writer_schema(void **state)
{
    static const char *const cn[] = {"ts", "station", "ph", "n", "missing"};
    static const sl_type ct[] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT, SL_TYPE_DOUBLE, SL_TYPE_BIGINT,
                                 SL_TYPE_TEXT};
    static const sl_type bad[] = {SL_TYPE_TIMESTAMP, SL_TYPE_BIGINT, SL_TYPE_DOUBLE, SL_TYPE_BIGINT,
                                  SL_TYPE_TEXT};
    sl_error err;
    const sl_schema *s = sl_schema_new(cx, 5, cn, ct);
    sl_batch *out = sl_batch_new(cx, s, 4);
    sl_avro_decoder *dec = sl_avro_decoder_new(cx, s, writer, strlen(writer), false, NULL, &err);
    /* ts=1000 ms (zigzag 2000 = d0 0f), "ab", tags ["x"], ph branch 1 1.5f, n=-1 */
    static const char msg[] = "\xd0\x0f"
                              "\x04"
                              "ab"
                              "\x02\x02x\x00"
                              "\x02\x00\x00\xc0\x3f"
                              "\x01";

    (void)state;
    assert_non_null(dec);
    assert_int_equal(sl_avro_decode(dec, msg, sizeof(msg) - 1, out, &err), SL_OK);
    assert_int_equal(out->cols[0].v.i64[0], 1000000);
    assert_memory_equal(out->cols[1].v.text[0].ptr, "ab", 2);
    assert_true(out->cols[2].v.f64[0] == 1.5);
    assert_int_equal(out->cols[3].v.i64[0], -1);
    assert_int_equal(out->cols[4].nulls[0], 1);
    /* trailing byte */
    assert_int_equal(sl_avro_decode(dec, msg, sizeof(msg), out, &err), SL_ERROR);
    assert_int_equal(out->nrows, 1);
    sl_avro_decoder_free(dec);

    /* a string field into a BIGINT column: row error naming the field */
    s = sl_schema_new(cx, 5, cn, bad);
    out = sl_batch_new(cx, s, 4);
    dec = sl_avro_decoder_new(cx, s, writer, strlen(writer), false, NULL, &err);
    assert_int_equal(sl_avro_decode(dec, msg, sizeof(msg) - 1, out, &err), SL_ERROR);
    assert_non_null(strstr(err.message, "station"));
    assert_int_equal(out->nrows, 0);
    sl_avro_decoder_free(dec);

    /* not a record, not JSON */
    assert_null(sl_avro_decoder_new(cx, s, "\"long\"", 6, false, NULL, &err));
    assert_string_equal(err.sqlstate, "22023");
    assert_null(sl_avro_decoder_new(cx, s, "{nope", 5, false, NULL, &err));
    assert_string_equal(err.sqlstate, "22023");
}

/* Every prefix, every single-byte corruption and some huge lengths. */
static void test_garbage(void **state)
{
    static const char *const cn[] = {"ts", "station", "ph", "n"};
    static const sl_type ct[] = {SL_TYPE_TIMESTAMP, SL_TYPE_TEXT, SL_TYPE_DOUBLE, SL_TYPE_BIGINT};
    static const char msg[] = "\xd0\x0f\x04"
                              "ab\x02\x02x\x00\x02\x00\x00\xc0\x3f\x01";
    static const unsigned char evil[][12] = {
        {0x02, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},             /* string of 2^62 bytes */
        {0x02, 0x00, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, /* array of 2^62 items */
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, /* endless varint */
    };
    sl_error err;
    const sl_schema *s = sl_schema_new(cx, 4, cn, ct);
    sl_batch *out = sl_batch_new(cx, s, 1024);
    sl_avro_decoder *dec = sl_avro_decoder_new(cx, s, writer, strlen(writer), false, NULL, &err);
    size_t n = sizeof(msg) - 1;
    int ok = 0;

    (void)state;
    for (size_t len = 0; len < n; len++) {
        char *p = malloc(len + 1);
        memcpy(p, msg, len);
        assert_int_equal(sl_avro_decode(dec, p, len, out, &err), SL_ERROR);
        free(p);
    }
    for (size_t i = 0; i < n; i++)
        for (int v = 0; v < 256; v += 3) {
            char *p = malloc(n);
            memcpy(p, msg, n);
            p[i] = (char)v;
            if (sl_avro_decode(dec, p, n, out, &err) == SL_OK)
                ok++;
            if (out->nrows == out->capacity)
                sl_batch_reset(out);
            free(p);
        }
    assert_true(ok > 0);
    for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
        int before = out->nrows;
        assert_int_equal(sl_avro_decode(dec, (const char *)evil[i], sizeof(evil[i]), out, &err), SL_ERROR);
        assert_int_equal(out->nrows, before);
    }
    sl_avro_decoder_free(dec);
}

static void test_schema_load(void **state)
{
    sl_error err;
    const char *json;
    size_t len;
    char path[] = "/tmp/test_avro_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");

    (void)state;
    /* A schema file is read only inside the file roots. */
    const sl_confine *test_confine = sl_confine_new(cx, "/tmp", "", &err);
    assert_int_equal(sl_avro_schema_load(cx, test_confine, "/etc/passwd", &json, &len, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "42501");
    assert_int_equal(sl_avro_schema_load(cx, test_confine, " {\"type\":\"long\"}", &json, &len, &err), SL_OK);
    assert_int_equal(len, strlen(" {\"type\":\"long\"}"));
    fputs(writer, f);
    fclose(f);
    assert_int_equal(sl_avro_schema_load(cx, test_confine, path, &json, &len, &err), SL_OK);
    assert_int_equal(len, strlen(writer));
    assert_memory_equal(json, writer, len);
    unlink(path);
    assert_int_equal(sl_avro_schema_load(cx, test_confine, path, &json, &len, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, "58030");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_writer_schema),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_schema_load),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
