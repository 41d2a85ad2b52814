/*
 * test_extension.c - unit tests of extensions' pure parts
 * (server/extensions/): control files parsed strictly (keys, quotes,
 * comments, errors naming the file and line), extension names checked
 * (no paths), the host table's version handshake and the registration
 * rules, through the built-in kinds' own path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "server/connectors/builtin.h"
#include "server/connectors/registry.h"
#include "server/extensions/control.h"
#include "server/extensions/loader.h"
#include "sluice/errcodes.h"
#include "sluice/extension.h"

/* Parses text as "x.control"; on error returns the message, else NULL. */
static const char *parse(sl_mcxt *cx, const char *text, sl_extension_control *c)
{
    static sl_error err;

    if (sl_extension_control_parse("x.control", text, cx, c, &err) == SL_OK)
        return NULL;
    assert_string_equal(err.sqlstate, SL_ERRCODE_CONFIG_FILE_ERROR);
    return err.message;
}

static void test_control(void **state)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    sl_extension_control c;
    static const struct {
        const char *text, *error;
    } bad[] = {
        {"version = 1\n", "x.control: missing key \"api_version\""},
        {"api_version = 1\n", "x.control: missing key \"version\""},
        {"version = 1\nverison = 2\napi_version = 1\n",
         "x.control, line 2: unknown key \"verison\" (known: version, description, api_version)"},
        {"version = 1\nversion = 2\n", "x.control, line 2: key \"version\" given twice (first on line 1)"},
        {"version 1\n", "x.control, line 1: expected \"=\" after \"version\""},
        {"= 1\n", "x.control, line 1: expected key = value"},
        {"version = '1\n", "x.control, line 1: unterminated quoted value"},
        {"version = '1' x\n", "x.control, line 1: unexpected text after the quoted value"},
        {"version =\n", "x.control, line 1: missing value"},
        {"version = it's\n", "x.control, line 1: a value with quotes or control characters must be quoted"},
        {"version = 1\napi_version = one\n",
         "x.control, line 2: api_version must be a positive whole number, not \"one\""},
        {"version = 1\napi_version = 0\n",
         "x.control, line 2: api_version must be a positive whole number, not \"0\""},
    };

    /* 1.1 the example's file: quotes, comments, blank lines, CRLF */
    assert_null(parse(
        cx, "# a comment\r\n\r\nversion = '1.0'\r\n  description = 'it''s a counter'  \r\napi_version=1",
        &c));
    assert_string_equal(c.version, "1.0");
    assert_string_equal(c.description, "it's a counter");
    assert_int_equal(c.api_version, 1);
    /* 1.2 description is optional, bare values are trimmed */
    assert_null(parse(cx, "version = 2.1 beta \napi_version = 7\n", &c));
    assert_string_equal(c.version, "2.1 beta");
    assert_string_equal(c.description, "");
    assert_int_equal(c.api_version, 7);
    /* 1.3 each error names the file and the line */
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_string_equal(parse(cx, bad[i].text, &c), bad[i].error);
    sl_mcxt_delete(cx);
}

static void test_names(void **state)
{
    static const char *const good[] = {"counter", "a", "mqtt_2",
                                       "x0123456789012345678901234567890123456789"
                                       "0123456789012345678901"};
    static const char *const bad[] = {
        "",    "Counter", "1x",  "_x", "../x",
        "a/b", "x.so",    "x-y", "é",  "x012345678901234567890123456789012345678901234567890123456789012"};
    sl_error err;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(sl_extension_check_name(good[i], &err), SL_OK);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(sl_extension_check_name(bad[i], &err), SL_ERROR);
        assert_string_equal(err.sqlstate, SL_ERRCODE_INVALID_NAME);
    }
}

static const sl_source_kind probe_kind = {
    .api_version = SL_SOURCE_API_VERSION,
    .name = "probe",
};

/* An init that claims another API version. */
static sl_status init_v2(const sl_host *host, sl_extension *ext, sl_error *err)
{
    return host->begin(ext, SL_EXTENSION_API_VERSION + 1, sizeof(sl_host), err);
}

/* An init that registers without begin. */
static sl_status init_no_begin(const sl_host *host, sl_extension *ext, sl_error *err)
{
    return host->source_kind_register(ext, &probe_kind, err);
}

/* An init that forgets begin but registers nothing. */
static sl_status init_silent(const sl_host *host, sl_extension *ext, sl_error *err)
{
    return SL_OK;
}

/* An init that registers, then fails: nothing may stay registered. */
static sl_status init_fails(const sl_host *host, sl_extension *ext, sl_error *err)
{
    if (sl_extension_begin(host, ext, err) != SL_OK ||
        host->source_kind_register(ext, &probe_kind, err) != SL_OK)
        return SL_ERROR;
    return host->error_set(err, SL_ERRCODE_INVALID_PARAMETER_VALUE, "init says no");
}

static void test_host(void **state)
{
    const sl_host *host = sl_extension_host();
    sl_error err;

    sl_connectors_register_builtin();
    sl_connectors_register_builtin(); /* again: harmless */
    assert_non_null(sl_source_kind_find("generator"));
    assert_non_null(sl_sink_kind_find("file"));
    assert_int_equal(host->size, sizeof(sl_host));
    assert_int_equal(host->api_version, SL_EXTENSION_API_VERSION);
    assert_true(SL_HOST_HAS(host, batch_text));

    /* 3.1 another API version: refused, naming both */
    assert_int_equal(sl_extension_run_builtin("v2", init_v2, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_FEATURE_NOT_SUPPORTED);
    assert_non_null(strstr(err.message, "was built for extension API version 2, this server has version 1"));
    /* 3.2 registration before begin, and an init without it */
    assert_int_equal(sl_extension_run_builtin("nobegin", init_no_begin, &err), SL_ERROR);
    assert_non_null(strstr(err.message, "before calling sl_extension_begin"));
    assert_int_equal(sl_extension_run_builtin("silent", init_silent, &err), SL_ERROR);
    assert_non_null(strstr(err.message, "did not call sl_extension_begin"));
    /* 3.3 an init that fails leaves nothing registered */
    assert_int_equal(sl_extension_run_builtin("fails", init_fails, &err), SL_ERROR);
    assert_string_equal(err.message, "init says no");
    assert_null(sl_source_kind_find("probe"));
    /* 3.4 registration outside init is refused */
    assert_int_equal(host->source_kind_register(NULL, &probe_kind, &err), SL_ERROR);
    assert_null(sl_source_kind_find("probe"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
