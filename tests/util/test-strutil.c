#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "cleanup.h"
#include "strutil.h"
#include "testutil.h"

typedef enum { COLOUR_RED, COLOUR_GREEN, COLOUR_LAST } colour;
VNIC_ENUM_DECL(colour, colour);
VNIC_ENUM_IMPL(colour, colour, COLOUR_LAST, "red", "green")

static void test_parse_uint(void)
{
    unsigned long v = 42;

    CHECK(vnic_parse_uint("0", 0, 10, &v) == 0 && v == 0);
    CHECK(vnic_parse_uint("256", 1, 256, &v) == 0 && v == 256);
    v = 42;
    CHECK(vnic_parse_uint("257", 1, 256, &v) == -ERANGE && v == 42);
    CHECK(vnic_parse_uint("0", 1, 256, &v) == -ERANGE && v == 42);
    CHECK(vnic_parse_uint("", 0, 10, &v) == -EINVAL);
    CHECK(vnic_parse_uint(NULL, 0, 10, &v) == -EINVAL);
    CHECK(vnic_parse_uint("-1", 0, 10, &v) == -EINVAL);
    CHECK(vnic_parse_uint("+1", 0, 10, &v) == -EINVAL);
    CHECK(vnic_parse_uint(" 1", 0, 10, &v) == -EINVAL);
    CHECK(vnic_parse_uint("1 ", 0, 10, &v) == -EINVAL);
    CHECK(vnic_parse_uint("0x10", 0, 100, &v) == -EINVAL);
    CHECK(vnic_parse_uint("99999999999999999999999", 0, 10, &v) == -ERANGE);
    CHECK(v == 42);
}

static void test_strings(void)
{
    char buf[4];

    CHECK(vnic_strlcpy(buf, "abc", sizeof(buf)) && strcmp(buf, "abc") == 0);
    CHECK(!vnic_strlcpy(buf, "abcd", sizeof(buf)) && strcmp(buf, "abc") == 0);
    CHECK(!vnic_strlcpy(buf, "x", 0));

    CHECK(vnic_str_count("vnet%d%d", "%d") == 2);
    CHECK(vnic_str_count("vnet", "%d") == 0);
    CHECK(vnic_str_count("aaaa", "aa") == 2);
    CHECK(vnic_str_count("abc", "") == 0);

    CHECK(vnic_streq_null(NULL, NULL));
    CHECK(!vnic_streq_null("a", NULL));
    CHECK(vnic_streq_null("a", "a"));
    CHECK(vnic_str_has_prefix("macvtap0", "macvtap"));
    CHECK(!vnic_str_has_prefix("mac", "macvtap"));

    _cleanup_free_ char *s = vnic_xasprintf("%s-%d", "vnet", 7);
    CHECK_STREQ(s, "vnet-7");
    CHECK(vnic_xstrdup_null(NULL) == NULL);
}

static void test_enum(void)
{
    CHECK_STREQ(colour_to_string(COLOUR_GREEN), "green");
    CHECK(colour_to_string(COLOUR_LAST) == NULL);
    CHECK(colour_to_string((colour)-1) == NULL);
    CHECK(colour_from_string("red") == COLOUR_RED);
    CHECK(colour_from_string("blue") == -1);
    CHECK(colour_from_string(NULL) == -1);
}

static void test_cleanup(void)
{
    char *p = vnic_xstrdup("x");
    {
        _cleanup_free_ char *q = p;
        char *taken = TAKE_PTR(q);
        CHECK(taken == p && q == NULL);
    }
    free(p);

    int fd = 5;
    int taken = TAKE_FD(fd);
    CHECK(taken == 5 && fd == -1);
}

int main(void)
{
    test_parse_uint();
    test_strings();
    test_enum();
    test_cleanup();
    return test_result("strutil");
}
