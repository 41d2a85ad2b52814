/*
 * test_secret.c - unit tests of the sealing of secrets
 * (server/catalog/secret.c): the round trip (empty, long, non-ASCII
 * values), a fresh nonce per value, the text form, and that a value does
 * not open with a flipped byte anywhere, another owner (object, option or
 * kind: the associated data), another key, or a truncated text; key files:
 * written with mode 0600, read back with the same id, refused when
 * readable by others or of the wrong size; and credentials in URLs
 * (common/url.c), found and masked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/url.h"
#include "server/catalog/secret.h"
#include "sluice/errcodes.h"

static const sl_secret_owner owner = {"sink", "alerts", "headers"};

static void new_key(sl_secret_key *key)
{
    sl_error err;
    assert_int_equal(sl_secret_key_generate(key, &err), SL_OK);
}

static char *seal(sl_mcxt *cx, const sl_secret_key *key, const sl_secret_owner *o, const char *plain)
{
    sl_error err;
    char *out = NULL;

    assert_int_equal(sl_secret_seal(cx, key, o, plain, &out, &err), SL_OK);
    return out;
}

/* SL_OK and the plain text, or SL_ERROR with XX001 and a message that
 * names the option but not the value. */
static sl_status unseal(sl_mcxt *cx, const sl_secret_key *key, const sl_secret_owner *o, const char *sealed,
                        char **plain)
{
    sl_error err;
    sl_status st = sl_secret_unseal(cx, key, o, sealed, plain, &err);

    if (st != SL_OK) {
        assert_string_equal(err.sqlstate, SL_ERRCODE_DATA_CORRUPTED);
        assert_non_null(strstr(err.message, o->option));
    }
    return st;
}

static void test_round_trip(void **state)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    sl_secret_key key;
    char big[5000];
    const char *values[] = {"", "Authorization: Bearer s3cr3t", "p\xc3\xa4ssw\xc3\xb6rd; x=1", big};

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    new_key(&key);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char *sealed = seal(cx, &key, &owner, values[i]), *plain = NULL;
        char id[SL_SECRET_KEY_ID_LEN + 1];

        assert_true(sl_secret_is_sealed(sealed));
        assert_true(sl_secret_sealed_key_id(sealed, id));
        assert_string_equal(id, key.id);
        assert_int_equal(strncmp(sealed, "enc1:", 5), 0);
        if (values[i][0] != '\0')
            assert_null(strstr(sealed, values[i]));
        assert_int_equal(unseal(cx, &key, &owner, sealed, &plain), SL_OK);
        assert_string_equal(plain, values[i]);
    }
    sl_mcxt_delete(cx);
}

static void test_fresh_nonce(void **state)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    sl_secret_key key;
    char *a, *b;

    new_key(&key);
    a = seal(cx, &key, &owner, "same value");
    b = seal(cx, &key, &owner, "same value");
    assert_string_not_equal(a, b);
    sl_mcxt_delete(cx);
}

static void test_tamper(void **state)
{
    sl_mcxt *cx = sl_mcxt_create(NULL, "test");
    sl_secret_key key, other;
    const char *plain_text = "Bearer s3cr3t-token";
    char *sealed, *plain;
    size_t head = strlen("enc1:") + SL_SECRET_KEY_ID_LEN + 1, len;

    new_key(&key);
    new_key(&other);
    assert_string_not_equal(key.id, other.id);
    sealed = seal(cx, &key, &owner, plain_text);
    len = strlen(sealed);

    /* Every character of the base64 text changed to another base64 digit. */
    for (size_t i = head; i < len; i++) {
        char *copy = sl_pstrdup(cx, sealed);
        if (copy[i] == '=')
            continue;
        copy[i] = copy[i] == 'A' ? 'B' : 'A';
        assert_int_equal(unseal(cx, &key, &owner, copy, &plain), SL_ERROR);
    }
    /* Another owner: object, option, kind. */
    {
        sl_secret_owner o1 = {"sink", "other", "headers"}, o2 = {"sink", "alerts", "url"},
                        o3 = {"source", "alerts", "headers"}, o4 = {"sink", "alert", "sheaders"};
        assert_int_equal(unseal(cx, &key, &o1, sealed, &plain), SL_ERROR);
        assert_int_equal(unseal(cx, &key, &o2, sealed, &plain), SL_ERROR);
        assert_int_equal(unseal(cx, &key, &o3, sealed, &plain), SL_ERROR);
        assert_int_equal(unseal(cx, &key, &o4, sealed, &plain), SL_ERROR);
    }
    /* Another key, even when the value claims its id. */
    assert_int_equal(unseal(cx, &other, &owner, sealed, &plain), SL_ERROR);
    {
        char *claimed = sl_pstrdup(cx, sealed);
        memcpy(claimed + 5, other.id, SL_SECRET_KEY_ID_LEN);
        assert_int_equal(unseal(cx, &other, &owner, claimed, &plain), SL_ERROR);
    }
    /* Truncated, empty, not sealed at all. */
    assert_int_equal(unseal(cx, &key, &owner, sl_psprintf(cx, "%.*s", (int)len - 4, sealed), &plain),
                     SL_ERROR);
    assert_int_equal(unseal(cx, &key, &owner, sl_psprintf(cx, "%.*s", (int)head, sealed), &plain), SL_ERROR);
    assert_int_equal(unseal(cx, &key, &owner, plain_text, &plain), SL_ERROR);
    assert_false(sl_secret_is_sealed(plain_text));
    assert_false(sl_secret_is_sealed("enc1:XYZ:abcd"));
    /* And the original still opens. */
    assert_int_equal(unseal(cx, &key, &owner, sealed, &plain), SL_OK);
    assert_string_equal(plain, plain_text);
    sl_mcxt_delete(cx);
}

static void test_key_files(void **state)
{
    char dir[] = "/tmp/test_secret.XXXXXX", path[256];
    sl_secret_key key, back;
    struct stat st;
    bool found;
    sl_error err;
    FILE *fp;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/secret.key", dir);
    assert_int_equal(sl_secret_key_read(path, &back, &found, &err), SL_OK);
    assert_false(found);

    new_key(&key);
    assert_int_equal(sl_secret_key_write(path, &key, &err), SL_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, SL_SECRET_KEY_LEN);
    assert_int_equal(sl_secret_key_read(path, &back, &found, &err), SL_OK);
    assert_true(found);
    assert_string_equal(back.id, key.id);
    assert_memory_equal(back.bytes, key.bytes, SL_SECRET_KEY_LEN);

    /* Readable by others: refused, naming the file. */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(sl_secret_key_read(path, &back, &found, &err), SL_ERROR);
    assert_non_null(strstr(err.message, path));
    assert_int_equal(chmod(path, 0600), 0);

    /* Of the wrong size: refused, naming the file. */
    fp = fopen(path, "ab");
    assert_non_null(fp);
    fputc('x', fp);
    fclose(fp);
    assert_int_equal(sl_secret_key_read(path, &back, &found, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_DATA_CORRUPTED);
    assert_non_null(strstr(err.message, path));

    unlink(path);
    rmdir(dir);
}

static void test_ring(void **state)
{
    sl_secret_key a, b;

    new_key(&a);
    new_key(&b);
    sl_secret_ring_set(&a, &b);
    assert_string_equal(sl_secret_ring_get(NULL)->id, a.id);
    assert_string_equal(sl_secret_ring_get(b.id)->id, b.id);
    assert_null(sl_secret_ring_get("0000000000000000"));
    sl_secret_ring_clear();
    assert_null(sl_secret_ring_get(NULL));
    assert_null(sl_secret_ring_get(a.id));
}

static void test_url_userinfo(void **state)
{
    static const struct {
        const char *url, *shown;
    } cases[] = {
        {"http://user:pw@host:1/x?a=b@c", "http://********@host:1/x?a=b@c"},
        {"https://key@h", "https://********@h"},
        {"http://u:p@w@h/", "http://********@h/"},  /* the last '@' ends the userinfo */
        {"http://h:1/path@x", "http://h:1/path@x"}, /* '@' after the authority */
        {"http://h/?q=a@b", "http://h/?q=a@b"},
        {"127.0.0.1:9092", "127.0.0.1:9092"},
        {"user:pw@h:1", "user:pw@h:1"}, /* no scheme: not a URL */
        {"a b://u:p@h", "a b://u:p@h"},
        {"", ""},
    };
    char buf[64];
    size_t start, len;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *shown = sl_url_redact(cases[i].url, buf, sizeof(buf));
        assert_string_equal(shown, cases[i].shown);
        assert_int_equal(sl_url_userinfo(cases[i].url, &start, &len),
                         strcmp(cases[i].url, cases[i].shown) != 0);
    }
    assert_true(sl_url_userinfo("http://user:pw@host", &start, &len));
    assert_int_equal(start, 7);
    assert_int_equal(len, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip), cmocka_unit_test(test_fresh_nonce),
        cmocka_unit_test(test_tamper),     cmocka_unit_test(test_key_files),
        cmocka_unit_test(test_ring),       cmocka_unit_test(test_url_userinfo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
