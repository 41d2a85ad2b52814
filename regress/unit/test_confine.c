/*
 * test_confine.c - sluice/confine.h: paths inside file_roots
 * (common/file_roots.c), URLs and hosts (common/allowed_hosts.c), and the
 * HTTP client's check of each address it connects to.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "clients/http.h"
#include "sluice/confine.h"
#include "sluice/errcodes.h"

static char top[64];      /* the test's directory */
static char root[128];    /* top/root: the one file root */
static char outside[128]; /* top/out: a directory outside */
static sl_mcxt *cx;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    char p[256], q[256], r[256], target[256];

    (void)state;
    snprintf(top, sizeof(top), "/tmp/sl_test_confine_XXXXXX");
    if (mkdtemp(top) == NULL)
        return -1;
    snprintf(root, sizeof(root), "%s/root", top);
    snprintf(outside, sizeof(outside), "%s/out", top);
    if (mkdir(root, 0700) != 0 || mkdir(outside, 0700) != 0)
        return -1;
    snprintf(p, sizeof(p), "%s/in.txt", root);
    write_file(p, "inside\n");
    snprintf(p, sizeof(p), "%s/secret.txt", outside);
    write_file(p, "secret\n");
    snprintf(p, sizeof(p), "%s/catalog.db", root);
    write_file(p, "");
    /* links: good -> in.txt (inside), bad -> a file outside, baddir -> outside */
    snprintf(p, sizeof(p), "%s/good", root);
    snprintf(target, sizeof(target), "%s/secret.txt", outside);
    snprintf(q, sizeof(q), "%s/bad", root);
    snprintf(r, sizeof(r), "%s/baddir", root);
    if (symlink("in.txt", p) != 0 || symlink(target, q) != 0 || symlink(outside, r) != 0)
        return -1;
    cx = sl_mcxt_create(NULL, "test");
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    sl_mcxt_delete(cx);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
    return system(cmd) == 0 ? 0 : -1;
}

static const sl_confine *policy(const char *hosts)
{
    sl_error err;
    const sl_confine *c = sl_confine_new(cx, root, hosts, &err);
    assert_non_null(c);
    return c;
}

static void assert_refused(const sl_confine *c, const char *path, sl_path_use use)
{
    sl_error err;
    char *out;

    assert_int_equal(sl_confine_path(c, "path", path, use, cx, &out, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_INSUFFICIENT_PRIVILEGE);
    assert_non_null(strstr(err.detail, root)); /* names the roots */
    assert_true(err.hint[0] != '\0');
}

static void test_paths(void **state)
{
    const sl_confine *c = policy("");
    sl_error err;
    char *out, want[256], p[256];

    (void)state;
    /* relative: in the first root; a file still to be made in a new directory */
    assert_int_equal(sl_confine_path(c, "path", "in.txt", SL_PATH_READ, cx, &out, &err), SL_OK);
    snprintf(want, sizeof(want), "%s/in.txt", root);
    assert_string_equal(out, want);
    assert_int_equal(sl_confine_path(c, "path", "a/b/new.txt", SL_PATH_CREATE, cx, &out, &err), SL_OK);
    snprintf(want, sizeof(want), "%s/a/b/new.txt", root);
    assert_string_equal(out, want);
    assert_int_equal(sl_confine_path(c, "path", want, SL_PATH_CREATE, cx, &out, &err), SL_OK);
    /* .. after a missing name: the kernel would not resolve it either */
    assert_refused(c, "x/../in.txt", SL_PATH_READ);
    snprintf(p, sizeof(p), "%s/x", root);
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(sl_confine_path(c, "path", "x/../in.txt", SL_PATH_READ, cx, &out, &err), SL_OK);
    /* globs: the part before the wildcard is checked */
    assert_int_equal(sl_confine_path(c, "path", "logs/*.jsonl", SL_PATH_GLOB, cx, &out, &err), SL_OK);
    assert_refused(c, "../out/*.txt", SL_PATH_GLOB);
    assert_refused(c, "*/../../out/secret.txt", SL_PATH_GLOB);
    /* outside: absolute, .., missing names followed by .. */
    assert_refused(c, "/etc/passwd", SL_PATH_READ);
    assert_refused(c, "../out/secret.txt", SL_PATH_READ);
    assert_refused(c, "nosuch/../../out/x", SL_PATH_CREATE);
    assert_refused(c, "/", SL_PATH_DIR);
    /* the server's own files, even inside a root */
    assert_refused(c, "catalog.db", SL_PATH_READ);
    assert_refused(c, "catalog.db-wal", SL_PATH_CREATE);
    assert_refused(c, "sluiced.conf", SL_PATH_CREATE);
    assert_refused(c, "sub/server.key", SL_PATH_CREATE);
    assert_refused(c, "sluiced.pid", SL_PATH_CREATE);
    /* links: one inside pointing inside is followed; one pointing out is not */
    assert_int_equal(sl_confine_path(c, "path", "good", SL_PATH_READ, cx, &out, &err), SL_OK);
    snprintf(want, sizeof(want), "%s/in.txt", root);
    assert_string_equal(out, want);
    assert_refused(c, "bad", SL_PATH_READ);
    assert_refused(c, "baddir/new.txt", SL_PATH_CREATE);
    assert_refused(c, "baddir/sub", SL_PATH_DIR);
    /* no roots: nothing */
    assert_int_equal(sl_confine_path(NULL, "path", "in.txt", SL_PATH_READ, cx, &out, &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_INSUFFICIENT_PRIVILEGE);
}

static void test_open_and_mkdir(void **state)
{
    const sl_confine *c = policy("");
    sl_error err;
    char *out, p[256];
    struct stat st;
    int fd;

    (void)state;
    fd = sl_confine_open(c, "path", "in.txt", O_RDONLY, 0, &err);
    assert_true(fd >= 0);
    close(fd);
    fd = sl_confine_open(c, "path", "made.txt", O_WRONLY | O_CREAT, 0644, &err);
    assert_true(fd >= 0);
    close(fd);
    snprintf(p, sizeof(p), "%s/made.txt", root);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(sl_confine_open(c, "path", "bad", O_RDONLY, 0, &err), -1);
    assert_string_equal(err.sqlstate, SL_ERRCODE_INSUFFICIENT_PRIVILEGE);
    assert_int_equal(sl_confine_open(c, "path", "baddir/new.txt", O_WRONLY | O_CREAT, 0644, &err), -1);
    snprintf(p, sizeof(p), "%s/new.txt", outside);
    assert_int_equal(stat(p, &st), -1); /* nothing created outside */
    assert_int_equal(sl_confine_open(c, "path", "missing.txt", O_RDONLY, 0, &err), -1);
    assert_string_equal(err.sqlstate, SL_ERRCODE_IO_ERROR);
    /* directories: created with their parents inside, never through a link */
    assert_int_equal(sl_confine_mkdir(c, "path", "arch/2024/01", cx, &out, &err), SL_OK);
    snprintf(p, sizeof(p), "%s/arch/2024/01", root);
    assert_string_equal(out, p);
    assert_int_equal(stat(p, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(sl_confine_mkdir(c, "path", "baddir/x/y", cx, &out, &err), SL_ERROR);
    snprintf(p, sizeof(p), "%s/x", outside);
    assert_int_equal(stat(p, &st), -1);
}

static void test_new(void **state)
{
    sl_error err;
    char two[300];

    (void)state;
    assert_null(sl_confine_new(cx, "relative/dir", "", &err));
    assert_string_equal(err.sqlstate, SL_ERRCODE_INVALID_PARAMETER_VALUE);
    assert_null(sl_confine_new(cx, "/no/such/dir/at/all", "", &err));
    assert_null(sl_confine_new(cx, root, "10.0.0.0/33", &err));
    assert_null(sl_confine_new(cx, root, "bad host!", &err));
    snprintf(two, sizeof(two), " %s , %s ", root, outside);
    const sl_confine *c = sl_confine_new(cx, two, "", &err);
    assert_non_null(c);
    snprintf(two, sizeof(two), "%s, %s", root, outside);
    assert_string_equal(sl_confine_roots_text(c), two);
}

static void test_urls_and_hosts(void **state)
{
    const sl_confine *any = policy("");
    const sl_confine *c = policy("127.0.0.1, ::1, Influx.Example.com, 10.0.0.0/8");
    sl_error err;

    (void)state;
    assert_int_equal(sl_confine_url(any, "url", "http://anything:8086/x", &err), SL_OK);
    assert_int_equal(sl_confine_url(any, "url", "HTTPS://anything", &err), SL_OK);
    static const char *const bad[] = {"file:///etc/passwd",      "gopher://127.0.0.1:70/_x",
                                      "dict://127.0.0.1:11211/", "ftp://h/",
                                      "127.0.0.1:8086",          "httpx://h"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(sl_confine_url(any, "url", bad[i], &err), SL_ERROR);
        assert_string_equal(err.sqlstate, SL_ERRCODE_INVALID_PARAMETER_VALUE);
        assert_string_equal(err.message, "option \"url\" must be an http or https URL");
    }
    assert_int_equal(sl_confine_url(c, "url", "http://127.0.0.1:8086/write", &err), SL_OK);
    assert_int_equal(sl_confine_url(c, "url", "http://[::1]:8086", &err), SL_OK);
    assert_int_equal(sl_confine_url(c, "url", "https://influx.example.COM/", &err), SL_OK);
    assert_int_equal(sl_confine_url(c, "url", "http://user:pw@10.200.3.4:1/", &err), SL_OK);
    assert_int_equal(sl_confine_url(c, "url", "http://127.0.0.2:8086/", &err), SL_ERROR);
    assert_string_equal(err.sqlstate, SL_ERRCODE_INSUFFICIENT_PRIVILEGE);
    assert_string_equal(err.message, "option \"url\": host \"127.0.0.2\" is not in allowed_hosts");
    /* the userinfo does not fool the check */
    assert_int_equal(sl_confine_url(c, "url", "http://127.0.0.1@evil.example/", &err), SL_ERROR);
    assert_int_equal(sl_confine_url(c, "url", "http://11.0.0.1/", &err), SL_ERROR);
    assert_int_equal(
        sl_confine_hostports(c, "brokers", "127.0.0.1:9092, [::1]:9093,influx.example.com:1", &err), SL_OK);
    assert_int_equal(sl_confine_hostports(c, "brokers", "127.0.0.1:9092,127.0.0.2:9092", &err), SL_ERROR);
    assert_string_equal(err.message, "option \"brokers\": host \"127.0.0.2\" is not in allowed_hosts");
    assert_int_equal(sl_confine_hostports(c, "brokers", "SSL://10.1.1.1:9093", &err), SL_OK);
}

/* The HTTP client checks the address it connects to, whatever the URL
 * said at CREATE time. */
static void test_http_connect(void **state)
{
    const sl_confine *c = policy("127.0.0.1");
    sl_http *h = sl_http_new(cx, c, &(sl_error){.sqlstate = ""});
    sl_http_request req = {.url = "http://127.0.0.2:9/", .get = true, .connect_timeout_ms = 2000};
    sl_http_response resp;
    sl_error err;

    (void)state;
    assert_non_null(h);
    assert_int_equal(sl_http_send(h, &req, &resp, &err), SL_RETRY);
    assert_non_null(strstr(err.message, "address 127.0.0.2 of host \"127.0.0.2\" is not in allowed_hosts"));
    /* An allowed address goes through to the connection (nobody listens on port 9). */
    req.url = "http://127.0.0.1:9/";
    assert_int_equal(sl_http_send(h, &req, &resp, &err), SL_RETRY);
    assert_null(strstr(err.message, "allowed_hosts"));
    /* Other schemes never reach a socket. */
    req.url = "file:///etc/passwd";
    assert_int_equal(sl_http_send(h, &req, &resp, &err), SL_RETRY);
    assert_int_equal(resp.len, 0);
    sl_http_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_and_mkdir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_urls_and_hosts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_connect, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
