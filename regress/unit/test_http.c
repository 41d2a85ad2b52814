/*
 * test_http.c - unit tests of the HTTP listener's pure parts (server/http/):
 * form fields decoded (+, %XX, missing, too long, NUL and broken escapes
 * refused), label values escaped for Prometheus, and a password checked
 * against a SCRAM verifier (right, wrong, empty, no verifier, malformed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "server/http/http_auth.h"
#include "server/http/http_metrics.h"
#include "server/net/scram.h"
#include "sluice/buf.h"
#include "sluice/mcxt.h"

static void test_form_field(void **state)
{
    char out[16];

    assert_true(sl_http_form_field("user=mon&password=a+b%21%3d", "password", out, sizeof(out)));
    assert_string_equal(out, "a b!=");
    assert_true(sl_http_form_field("user=mon&password=x", "user", out, sizeof(out)));
    assert_string_equal(out, "mon");
    assert_true(sl_http_form_field("username=no&user=", "user", out, sizeof(out)));
    assert_string_equal(out, "");
    assert_false(sl_http_form_field("username=no", "user", out, sizeof(out)));
    assert_false(sl_http_form_field("", "user", out, sizeof(out)));
    assert_false(sl_http_form_field("user=%00x", "user", out, sizeof(out)));
    assert_false(sl_http_form_field("user=%4", "user", out, sizeof(out)));
    assert_false(sl_http_form_field("user=%zz", "user", out, sizeof(out)));
    assert_false(sl_http_form_field("user=0123456789abcdef", "user", out, sizeof(out)));
    assert_true(sl_http_form_field("user=0123456789abcde", "user", out, sizeof(out)));
}

static void test_escape(void **state)
{
    sl_buf b;

    sl_buf_init(&b);
    sl_http_metrics_escape(&b, "a\"b\\c\nd");
    sl_buf_append(&b, "", 1);
    assert_string_equal(b.data, "a\\\"b\\\\c\\nd");
    sl_buf_free(&b);
}

static void test_check_password(void **state)
{
    static const unsigned char secret[32] = {1, 2, 3};
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    sl_error err;
    char *v = sl_scram_make_verifier(cx, "s3cret pw", &err);

    assert_non_null(v);
    assert_true(sl_scram_check_password("mon", v, "s3cret pw", secret));
    assert_false(sl_scram_check_password("mon", v, "s3cret pw ", secret));
    assert_false(sl_scram_check_password("mon", v, "", secret));
    assert_false(sl_scram_check_password("mon", NULL, "s3cret pw", secret));
    assert_false(sl_scram_check_password("mon", "SCRAM-SHA-256$4096:junk", "s3cret pw", secret));
    sl_mcxt_delete(cx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_field),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_check_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
