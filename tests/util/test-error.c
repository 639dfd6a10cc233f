#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "log.h"
#include "testutil.h"

static void test_error_object(void)
{
    vnic_error *err = NULL;

    CHECK(vnic_error_set(&err, VNIC_ERR_INVALID, "bad %s", "thing") == -1);
    CHECK(err && err->code == VNIC_ERR_INVALID && err->sys_errno == 0);
    CHECK_STREQ(err->message, "bad thing");

    /* The first error wins: a later one does not overwrite what caused the failure. */
    vnic_error_set(&err, VNIC_ERR_IO, "second");
    CHECK_STREQ(err->message, "bad thing");

    CHECK(vnic_error_prefix(&err, "creating %s", "vnet0") == -1);
    CHECK_STREQ(err->message, "creating vnet0: bad thing");
    vnic_error_free(err);
    err = NULL;

    vnic_error_set_errno(&err, ENOENT, "cannot open %s", "/dev/net/tun");
    CHECK(err && err->code == VNIC_ERR_SYSTEM && err->sys_errno == ENOENT);
    _cleanup_free_ char *want = NULL;
    CHECK(asprintf(&want, "cannot open /dev/net/tun: %s", strerror(ENOENT)) > 0);
    CHECK_STREQ(err->message, want);
    vnic_error_free(err);

    /* A NULL error pointer is allowed: the caller does not want details. */
    CHECK(vnic_error_set(NULL, VNIC_ERR_IO, "ignored") == -1);
    CHECK(vnic_error_prefix(NULL, "x") == -1);
    vnic_error_free(NULL);
}

static void test_diags(void)
{
    vnic_diag_list list = {0};

    vnic_diag_add(&list, "a.xml", 9, "third %d", 3);
    vnic_diag_add(&list, "a.xml", 2, "first");
    vnic_diag_add(&list, "a.xml", 9, "fourth");
    vnic_diag_add(&list, "a.xml", 5, "second");
    vnic_diag_add(&list, "b.xml", 1, "other file");
    vnic_diag_add(&list, "c.xml", 0, "no line");
    CHECK(list.count == 6);

    vnic_diag_sort(&list);
    CHECK_STREQ(list.items[0]->message, "first");
    CHECK_STREQ(list.items[1]->message, "second");
    CHECK_STREQ(list.items[2]->message, "third 3");
    CHECK_STREQ(list.items[3]->message, "fourth");
    CHECK_STREQ(list.items[4]->message, "other file");

    _cleanup_free_ char *s1 = vnic_diag_to_string(list.items[1]);
    CHECK_STREQ(s1, "a.xml:5: error: second");
    _cleanup_free_ char *s5 = vnic_diag_to_string(list.items[5]);
    CHECK_STREQ(s5, "c.xml: error: no line");

    vnic_diag_list copy = {0};
    vnic_diag_append(&copy, &list);
    CHECK(copy.count == 6);
    CHECK(copy.items[0]->message != list.items[0]->message);
    CHECK_STREQ(copy.items[0]->message, "first");

    vnic_diag_clear(&list);
    CHECK(list.count == 0 && list.items == NULL);
    vnic_diag_clear(&copy);

    /* Files interleaved: grouped by first appearance, lines in order within each. */
    vnic_diag_add(&list, "a.xml", 5, "a5");
    vnic_diag_add(&list, "b.xml", 1, "b1");
    vnic_diag_add(&list, "a.xml", 2, "a2");
    vnic_diag_sort(&list);
    CHECK_STREQ(list.items[0]->message, "a2");
    CHECK_STREQ(list.items[1]->message, "a5");
    CHECK_STREQ(list.items[2]->message, "b1");
    vnic_diag_clear(&list);

    /* Many diagnostics in reverse order (one run per element, then one per duplicate) sort
     * in O(n log n): the insertion sort this replaced took minutes on such lists. */
    for (int i = 200000; i > 0; i--)
        vnic_diag_add(&list, "big.xml", i, "x");
    vnic_diag_sort(&list);
    bool sorted = true;
    for (size_t i = 0; i < list.count; i++)
        sorted &= list.items[i]->line == (int)i + 1;
    CHECK(sorted);
    vnic_diag_clear(&list);
}

static void test_log_levels(void)
{
    CHECK(vnic_log_level_from_string("debug") == VNIC_LOG_DEBUG);
    CHECK(vnic_log_level_from_string("0") == VNIC_LOG_ERROR);
    CHECK(vnic_log_level_from_string("3") == VNIC_LOG_DEBUG);
    CHECK(vnic_log_level_from_string("4") == -1);
    CHECK(vnic_log_level_from_string("loud") == -1);
    CHECK(vnic_log_level_from_string(NULL) == -1);

    setenv("VNIC_DEBUG", "info", 1);
    vnic_log_init();
    CHECK(vnic_log_get_level() == VNIC_LOG_INFO);
    setenv("VNIC_DEBUG", "bogus", 1);
    vnic_log_init();
    CHECK(vnic_log_get_level() == VNIC_LOG_INFO);
    vnic_log_set_level(VNIC_LOG_ERROR);
    CHECK(vnic_log_get_level() == VNIC_LOG_ERROR);
}

int main(void)
{
    test_error_object();
    test_diags();
    test_log_levels();
    return test_result("error");
}
