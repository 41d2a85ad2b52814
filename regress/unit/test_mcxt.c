/*
 * test_mcxt.c - memory contexts' accounting (common/mcxt.c): what a
 * context tree charges to an account and its parents, given back on reset
 * and delete, moved by sl_mcxt_set_account; the largest context's name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "sluice/mcxt.h"

static void test_account_follows_blocks(void **state)
{
    sl_mem_account server, query;
    sl_mcxt *root = sl_mcxt_create(NULL, "query"), *child, *grandchild;

    (void)state;
    sl_mem_account_init(&server, NULL);
    sl_mem_account_init(&query, &server);
    (void)sl_palloc(root, 100); /* before the account: moved to it */
    sl_mcxt_set_account(root, &query);
    assert_int_equal(sl_mem_account_bytes(&query), (int64_t)sl_mcxt_bytes(root));
    child = sl_mcxt_create(root, "group tables and windows");
    grandchild = sl_mcxt_create(child, "DISTINCT sets");
    (void)sl_palloc(grandchild, 3 * 1024 * 1024);
    (void)sl_palloc(child, 1000);
    assert_int_equal(sl_mem_account_bytes(&query),
                     (int64_t)(sl_mcxt_bytes(root) + sl_mcxt_bytes(child) + sl_mcxt_bytes(grandchild)));
    assert_true(sl_mem_account_bytes(&query) >= 3 * 1024 * 1024);
    assert_int_equal(sl_mem_account_bytes(&server), sl_mem_account_bytes(&query));
    {
        size_t n;
        assert_string_equal(sl_mcxt_largest(root, &n), "DISTINCT sets");
        assert_int_equal(n, sl_mcxt_bytes(grandchild));
    }
    sl_mcxt_delete(grandchild);
    assert_int_equal(sl_mem_account_bytes(&query), (int64_t)(sl_mcxt_bytes(root) + sl_mcxt_bytes(child)));
    sl_mcxt_reset(root); /* deletes child too */
    assert_int_equal(sl_mem_account_bytes(&query), 0);
    (void)sl_palloc(root, 10);
    assert_true(sl_mem_account_bytes(&server) > 0);
    sl_mcxt_set_account(root, NULL);
    assert_int_equal(sl_mem_account_bytes(&server), 0);
    sl_mcxt_delete(root);
    assert_int_equal(sl_mem_account_bytes(&query), 0);
}

static void test_charge_by_hand(void **state)
{
    sl_mem_account server, query;

    (void)state;
    sl_mem_account_init(&server, NULL);
    sl_mem_account_init(&query, &server);
    sl_mem_account_charge(&query, 4096);
    sl_mem_account_charge(&query, -1096);
    assert_int_equal(sl_mem_account_bytes(&query), 3000);
    assert_int_equal(sl_mem_account_bytes(&server), 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_account_follows_blocks),
        cmocka_unit_test(test_charge_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
