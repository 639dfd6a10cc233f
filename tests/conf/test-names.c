/* Unit tests of the value checks the parser and the backends share. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "domain_conf.h"
#include "iface_conf.h"
#include "testutil.h"

static void test_ifname(void)
{
    CHECK(vnic_ifname_check("vnet0") == NULL);
    CHECK(vnic_ifname_check("a") == NULL);
    CHECK(vnic_ifname_check("fifteen-chars-x") == NULL);  /* 15 bytes */
    CHECK(vnic_ifname_check("sixteen-chars-xx") != NULL); /* 16 bytes */
    CHECK(vnic_ifname_check("") != NULL);
    CHECK(vnic_ifname_check(".") != NULL);
    CHECK(vnic_ifname_check("..") != NULL);
    CHECK(vnic_ifname_check("...") == NULL);
    CHECK(vnic_ifname_check("a/b") != NULL);
    CHECK(vnic_ifname_check("a:b") != NULL);
    CHECK(vnic_ifname_check("a b") != NULL);
    CHECK(vnic_ifname_check("a\tb") != NULL);
    CHECK(vnic_ifname_check("a\nb") != NULL);
}

/* Names go to launchers in formats that separate with these (VNIC_FDS, QEMU's options): the
 * kernel takes them, vnic does not. */
static void test_ifname_separators(void)
{
    static const char *const bad[] = {
        "a;b",
        "a,b",
        "a=b",
        ";",
        "vnet0;",
        ",vnet0",
        "a\x01"
        "b",
        "a\x1f"
        "b",
        "a\x7f"
        "b",
        "a\r",
        "a\vb",
        "a\fb",
        "a\xc2\x85"
        "b", /* U+0085, a C1 control */
    };
    for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
        const char *why = vnic_ifname_check(bad[i]);
        if (!why)
            fprintf(stderr, "FAIL: name %zu accepted\n", i);
        CHECK(why != NULL);
        CHECK(vnic_ifname_template_check(bad[i], NULL) != NULL);
    }
    CHECK_STREQ(vnic_ifname_check("a;b"),
                "the name contains ';', ',' or '=', which launchers use as separators");
    CHECK_STREQ(vnic_ifname_check("a\x7f"), "the name contains a control character");
    /* Punctuation the formats do not use, and UTF-8 that is no control character, stay. */
    CHECK(vnic_ifname_check("a-b_c.d+e@f") == NULL);
    CHECK(vnic_ifname_check("br\xc3\xbc"
                            "cke") == NULL);
    CHECK(vnic_ifname_check("a\xc2\xa9") == NULL);

    bool tmpl = false;
    CHECK(vnic_ifname_template_check("v;%d", &tmpl) != NULL && tmpl);
    CHECK(vnic_ifname_template_check("v%d,", &tmpl) != NULL);
    CHECK(vnic_ifname_template_check("v=%d", &tmpl) != NULL);
    CHECK(vnic_ifname_template_check("v%d\x7f", &tmpl) != NULL);
}

static void test_template(void)
{
    bool tmpl = false;

    CHECK(vnic_ifname_template_check("vnet%d", &tmpl) == NULL && tmpl);
    CHECK(vnic_ifname_template_check("%dx", &tmpl) == NULL && tmpl);
    CHECK(vnic_ifname_template_check("vnet0", &tmpl) == NULL && !tmpl);
    CHECK(vnic_ifname_template_check("vnet%d%d", &tmpl) != NULL);
    CHECK(vnic_ifname_template_check("vnet%s", &tmpl) != NULL);
    CHECK(vnic_ifname_template_check("vnet%%d", &tmpl) != NULL);
    CHECK(vnic_ifname_template_check("v%d/x", &tmpl) != NULL);
    /* The expanded name needs room for 2 digits of the counter: 13 characters + %d is the
     * longest template (14 + %d fails for every counter value from 10 on). */
    CHECK(vnic_ifname_template_check("abcdefghijklm%d", NULL) == NULL);
    CHECK(vnic_ifname_template_check("%dabcdefghijklm", NULL) == NULL);
    CHECK(vnic_ifname_template_check("abcdefghijklmno%d", NULL) != NULL);
    CHECK(vnic_ifname_template_check("abcdefghijklmn%d", NULL) != NULL);
    CHECK(vnic_ifname_template_check("abcdefg%dhijklmn", NULL) != NULL);
    const char *why = vnic_ifname_template_check("abcdefghijklmn%d", NULL);
    CHECK(why && strstr(why, "2 digits"));
}

static void test_mac(void)
{
    uint8_t mac[6] = {0};
    static const uint8_t want[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
    char buf[18];

    CHECK(vnic_mac_parse("52:54:00:AB:cd:ef", mac) == 0 && memcmp(mac, want, 6) == 0);
    vnic_mac_format(mac, buf);
    CHECK_STREQ(buf, "52:54:00:ab:cd:ef");

    uint8_t keep[6] = {1, 2, 3, 4, 5, 6};
    CHECK(vnic_mac_parse("52:54:00:ab:cd", keep) < 0);
    CHECK(vnic_mac_parse("52:54:00:ab:cd:ef:00", keep) < 0);
    CHECK(vnic_mac_parse("52-54-00-ab-cd-ef", keep) < 0);
    CHECK(vnic_mac_parse("5:54:00:ab:cd:ef0", keep) < 0);
    CHECK(vnic_mac_parse("52:54:00:ab:cd:eg", keep) < 0);
    CHECK(vnic_mac_parse("", keep) < 0);
    CHECK(keep[0] == 1 && keep[5] == 6); /* untouched on failure */
}

static void test_uuid(void)
{
    CHECK(vnic_uuid_valid("c7a5fdbd-edaf-9455-926a-d65c16db1809"));
    CHECK(vnic_uuid_valid("c7a5fdbdedaf9455926ad65c16db1809"));
    CHECK(!vnic_uuid_valid("c7a5fdbd-edaf-9455-926a-d65c16db180"));
    CHECK(!vnic_uuid_valid("c7a5fdbd-edaf-9455-926ad-65c16db1809"));
    CHECK(!vnic_uuid_valid("g7a5fdbdedaf9455926ad65c16db1809"));
    CHECK(!vnic_uuid_valid(""));
}

static void test_enums(void)
{
    CHECK(vnic_macvtap_mode_from_string("passthrough") == VNIC_MACVTAP_PASSTHROUGH);
    CHECK(vnic_macvtap_mode_from_string("PASSTHROUGH") < 0);
    CHECK_STREQ(vnic_macvtap_mode_to_string(VNIC_MACVTAP_VEPA), "vepa");
    CHECK(vnic_link_state_from_string("down") == VNIC_LINK_DOWN);
    CHECK(vnic_link_state_to_string(VNIC_LINK_DEFAULT) == NULL);
    CHECK(vnic_iface_type_from_string("tap") < 0); /* the synonym is handled by the parser */
}

int main(void)
{
    test_ifname();
    test_ifname_separators();
    test_template();
    test_mac();
    test_uuid();
    test_enums();
    return test_result("names");
}
