/*
 * test_schema_registry.c - unit tests of the schema registry client
 * (clients/schema_registry.c): URL parsing (userinfo, trailing slashes,
 * refused URLs), the subject URL, the registration body, the replies
 * (id, schema text with escapes and surrogate pairs, schemaType, malformed
 * JSON), the classification of statuses with the registry's messages, and
 * the process-wide cache (a hit needs no request; a miss on a registry
 * that does not listen is SL_RETRY with 08006).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "clients/schema_registry.h"
#include "sluice/errcodes.h"

static void test_parse_url(void **state)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    char *base, *userpwd;
    sl_error err;

    (void)state;
    assert_int_equal(sl_schema_registry_parse_url(cx, "http://127.0.0.1:8081", &base, &userpwd, &err), SL_OK);
    assert_string_equal(base, "http://127.0.0.1:8081");
    assert_null(userpwd);
    assert_int_equal(sl_schema_registry_parse_url(cx, "HTTPS://reg.example/sr//", &base, &userpwd, &err),
                     SL_OK);
    assert_string_equal(base, "HTTPS://reg.example/sr");
    assert_int_equal(sl_schema_registry_parse_url(cx, "http://h:1/", &base, &userpwd, &err), SL_OK);
    assert_string_equal(base, "http://h:1");
    /* userinfo: out of the base, percent-decoded; the last @ ends it */
    assert_int_equal(
        sl_schema_registry_parse_url(cx, "http://us%3Aer:p%40ss@w@h:1/x/", &base, &userpwd, &err), SL_OK);
    assert_string_equal(base, "http://h:1/x");
    assert_string_equal(userpwd, "us:er:p@ss@w");
    assert_int_equal(sl_schema_registry_parse_url(cx, "http://key@h", &base, &userpwd, &err), SL_OK);
    assert_string_equal(base, "http://h");
    assert_string_equal(userpwd, "key:");

    assert_int_equal(sl_schema_registry_parse_url(cx, "ftp://h", &base, &userpwd, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "schema registry URL must start with http:// or https://");
    assert_int_equal(sl_schema_registry_parse_url(cx, "h:8081", &base, &userpwd, &err), SL_ERROR);
    assert_int_equal(sl_schema_registry_parse_url(cx, "http://", &base, &userpwd, &err), SL_ERROR);
    assert_string_equal(err.message, "schema registry URL has no host");
    assert_int_equal(sl_schema_registry_parse_url(cx, "http://u:p@/x", &base, &userpwd, &err), SL_ERROR);
    assert_int_equal(sl_schema_registry_parse_url(cx, "http://:80", &base, &userpwd, &err), SL_ERROR);
    assert_int_equal(sl_schema_registry_parse_url(cx, "http://h/?a=1", &base, &userpwd, &err), SL_ERROR);
    assert_int_equal(sl_schema_registry_parse_url(cx, "http://h/a b", &base, &userpwd, &err), SL_ERROR);

    /* validate(): the option is named, and the password never shown */
    assert_int_equal(sl_schema_registry_check_url("schema_registry", "gopher://u:secret@h", &err), SL_ERROR);
    assert_string_equal(
        err.message, "option \"schema_registry\": schema registry URL must start with http:// or https://");
    assert_int_equal(sl_schema_registry_check_url("schema_registry", "http://u:secret@h:1", &err), SL_OK);
    sl_mcxt_delete(cx);
}

static void test_request_parts(void **state)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");

    (void)state;
    assert_string_equal(sl_schema_registry_subject_url(cx, "http://h:1", "water-value"),
                        "http://h:1/subjects/water-value/versions");
    assert_string_equal(sl_schema_registry_subject_url(cx, "http://h", "a b/ü"),
                        "http://h/subjects/a%20b%2F%C3%BC/versions");
    assert_string_equal(sl_schema_registry_request_body(cx, "{\"type\": \"record\", \"doc\": \"a\\\\b\"}"),
                        "{\"schema\": \"{\\\"type\\\": \\\"record\\\", \\\"doc\\\": \\\"a\\\\\\\\b\\\"}\"}");
    sl_mcxt_delete(cx);
}

static void test_replies(void **state)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    const char *json;
    size_t len;
    int32_t id = -1;
    sl_error err;
    const char *reply;

    (void)state;
    assert_true(sl_schema_registry_reply_id("{\"id\":7}", 8, &id));
    assert_int_equal(id, 7);
    reply =
        " { \"subject\" : \"s\", \"nested\": {\"id\": 5, \"a\": [1, {\"b\": null}]}, \"id\" : 2147483647 } ";
    assert_true(sl_schema_registry_reply_id(reply, strlen(reply), &id));
    assert_int_equal(id, 2147483647);
    assert_false(sl_schema_registry_reply_id("{\"id\": 2147483648}", 18, &id));
    assert_false(sl_schema_registry_reply_id("{\"id\": -1}", 10, &id));
    assert_false(sl_schema_registry_reply_id("{\"id\": \"7\"}", 11, &id));
    assert_false(sl_schema_registry_reply_id("{\"ids\": 7}", 10, &id));
    assert_false(sl_schema_registry_reply_id("[7]", 3, &id));
    assert_false(sl_schema_registry_reply_id("", 0, &id));
    /* a member before "id" that is not well-formed stops the scan */
    assert_false(sl_schema_registry_reply_id("{\"x\": \"a\\q\", \"id\": 1}", 22, &id));

    /* the schema text: escapes, \u with a surrogate pair, \/ */
    reply = "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"doc\\\":\\\"caf\\u00e9 \\ud83d\\ude00 "
            "a\\/b\\\\n\\\"}\"}";
    assert_int_equal(sl_schema_registry_reply_schema(cx, reply, strlen(reply), &json, &len, &err), SL_OK);
    assert_string_equal(json, "{\"type\":\"record\",\"doc\":\"caf\xc3\xa9 \xf0\x9f\x98\x80 a/b\\n\"}");
    assert_int_equal(len, strlen(json));
    reply = "{\"schemaType\": \"AVRO\", \"schema\": \"\\\"long\\\"\"}";
    assert_int_equal(sl_schema_registry_reply_schema(cx, reply, strlen(reply), &json, &len, &err), SL_OK);
    assert_string_equal(json, "\"long\"");
    reply = "{\"schemaType\": \"PROTOBUF\", \"schema\": \"syntax = \\\"proto3\\\";\"}";
    assert_int_equal(sl_schema_registry_reply_schema(cx, reply, strlen(reply), &json, &len, &err), SL_ERROR);
    assert_string_equal(err.message, "the schema is of type PROTOBUF, not AVRO");
    reply = "{\"schema\": 12}";
    assert_int_equal(sl_schema_registry_reply_schema(cx, reply, strlen(reply), &json, &len, &err), SL_ERROR);
    assert_string_equal(err.message, "the reply has no \"schema\" string");
    reply = "{\"schema\": \"\\ud83d\"}"; /* a lone surrogate */
    assert_int_equal(sl_schema_registry_reply_schema(cx, reply, strlen(reply), &json, &len, &err), SL_ERROR);
    reply = "{\"schema\": \"abc"; /* cut */
    assert_int_equal(sl_schema_registry_reply_schema(cx, reply, strlen(reply), &json, &len, &err), SL_ERROR);
    sl_mcxt_delete(cx);
}

static void test_classify(void **state)
{
    sl_error err;
    const char *body;

    (void)state;
    assert_int_equal(sl_schema_registry_classify(200, "{}", 2, "sink \"k\"", "x", "http://h", &err), SL_OK);
    body = "{\"error_code\":40401,\"message\":\"Subject 'w-value' not found.\"}";
    assert_int_equal(sl_schema_registry_classify(404, body, strlen(body), "source \"s\"",
                                                 "could not fetch schema 3", "http://h:1", &err),
                     SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_UNDEFINED_OBJECT);
    assert_string_equal(err.message, "source \"s\": could not fetch schema 3 at schema registry http://h:1: "
                                     "Subject 'w-value' not found. (error 40401)");
    body = "{\"error_code\": 42201, \"message\": \"Invalid schema\"}";
    assert_int_equal(sl_schema_registry_classify(422, body, strlen(body), "sink \"k\"", "could not register",
                                                 "http://h", &err),
                     SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_INVALID_PARAMETER_VALUE);
    assert_string_equal(
        err.message,
        "sink \"k\": could not register at schema registry http://h: Invalid schema (error 42201)");
    body = "{\"error_code\": 40101, \"message\": \"Unauthorized\"}";
    assert_int_equal(sl_schema_registry_classify(401, body, strlen(body), "w", "a", "u", &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_INVALID_AUTHORIZATION);
    /* 5xx, 429, 408: transient */
    body = "{\"error_code\": 50002, \"message\": \"Error while forwarding the request to the leader\"}";
    assert_int_equal(sl_schema_registry_classify(500, body, strlen(body), "w", "a", "u", &err), SL_RETRY);
    assert_string_equal(err.sqlstate, SL_ERRCODE_CONNECTION_FAILURE);
    assert_int_equal(sl_schema_registry_classify(429, "", 0, "w", "a", "u", &err), SL_RETRY);
    assert_string_equal(err.message, "w: a at schema registry u: HTTP 429");
    assert_int_equal(sl_schema_registry_classify(408, "", 0, "w", "a", "u", &err), SL_RETRY);
    /* not the registry's JSON: the status and the start of the body */
    body = "<html>bad gateway</html>\r\n";
    assert_int_equal(sl_schema_registry_classify(502, body, strlen(body), "w", "a", "u", &err), SL_RETRY);
    assert_string_equal(err.message, "w: a at schema registry u: HTTP 502: <html>bad gateway</html>");
}

static void test_cache(void **state)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    sl_schema_registry *reg;
    const char *json;
    size_t len;
    sl_error err;

    (void)state;
    /* Port 1 of the loopback: nothing listens there, so only the cache can answer. */
    reg = sl_schema_registry_new(cx, NULL, "source \"s\"", "http://127.0.0.1:1/", NULL, NULL, &err);
    assert_non_null(reg);
    assert_string_equal(sl_schema_registry_url(reg), "http://127.0.0.1:1");
    assert_false(sl_schema_registry_cache_get("http://127.0.0.1:1", 41, cx, &json, &len));
    assert_int_equal(sl_schema_registry_get(reg, 41, cx, &json, &len, &err), SL_RETRY);
    assert_string_equal(err.sqlstate, SL_ERRCODE_CONNECTION_FAILURE);
    assert_non_null(strstr(err.message, "source \"s\": could not fetch schema 41 at schema registry "
                                        "http://127.0.0.1:1: "));

    sl_schema_registry_cache_put("http://127.0.0.1:1", 41, "\"string\"xx", 8);
    sl_schema_registry_cache_put("http://127.0.0.1:1", 41, "\"long\"", 6); /* first one stays */
    sl_schema_registry_cache_put("http://127.0.0.2:1", 42, "\"int\"", 5);
    assert_int_equal(sl_schema_registry_get(reg, 41, cx, &json, &len, &err), SL_OK);
    assert_string_equal(json, "\"string\"");
    assert_int_equal(len, 8);
    /* keyed by URL and id */
    assert_false(sl_schema_registry_cache_get("http://127.0.0.1:1", 42, cx, &json, &len));
    assert_true(sl_schema_registry_cache_get("http://127.0.0.2:1", 42, cx, &json, &len));
    assert_string_equal(json, "\"int\"");
    sl_schema_registry_free(reg);

    /* user and password options win over userinfo; the URL shown has none */
    reg = sl_schema_registry_new(cx, NULL, "sink \"k\"", "http://u:secret@127.0.0.1:1", "me", "pw", &err);
    assert_non_null(reg);
    assert_string_equal(sl_schema_registry_url(reg), "http://127.0.0.1:1");
    assert_int_equal(sl_schema_registry_register(reg, "t-value", "\"long\"", &(int32_t){0}, &err), SL_RETRY);
    assert_null(strstr(err.message, "secret"));
    assert_non_null(strstr(err.message, "could not register the schema under subject \"t-value\""));
    sl_schema_registry_free(reg);
    assert_null(sl_schema_registry_new(cx, NULL, "sink \"k\"", "ftp://h", NULL, NULL, &err));
    assert_string_equal(err.message, "sink \"k\": schema registry URL must start with http:// or https://");
    sl_mcxt_delete(cx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_url), cmocka_unit_test(test_request_parts),
        cmocka_unit_test(test_replies),   cmocka_unit_test(test_classify),
        cmocka_unit_test(test_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
