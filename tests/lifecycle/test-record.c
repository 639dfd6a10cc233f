/* State records in process: reading one leaves the caller's libxml2 error handler alone (the
 * record's parser reports to a context of its own), the definition is written as elements and
 * read back the same, the older text form still reads, and a record formats byte for byte as
 * the golden file record-golden.xml says (made with the formatter of main at c3a4c49). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/globals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>
#include <libxml/tree.h>
#include <stdio.h>

#include "driver.h"
#include "fileutil.h"
#include "testutil.h"

static int callers_errors;

static void callers_handler(void *data, xmlErrorPtr e)
{
    (void)e;
    (*(int *)data)++;
}

#define IFACE                                                                                      \
    "  <iface index=\"0\" mark=\"vnic@1:r/0\" backend=\"tap\" intended=\"vnet0\" done=\"yes\" "    \
    "name=\"vnet0\" ifindex=\"5\" queues=\"1\" vnet_hdr=\"yes\" multi_queue=\"no\" "               \
    "created=\"yes\" mac=\"fe:54:00:00:00:01\" mtu=\"1500\"/>\n"

static const char element_form[] =
    "<?xml version=\"1.0\"?>\n<vnicstate version=\"1\" status=\"active\" group=\"7\">\n" IFACE
    "  <definition>\n"
    "    <domain xmlns:vnic=\"http://vnic.dev/xmlns/1.0\"><name>r</name><devices>\n"
    "      <interface type=\"ethernet\"><mac address=\"52:54:00:00:00:01\"/>"
    "<vnic:owner user=\"0\" group=\"0\"/><!-- kept --><boot order=\"2\"/></interface>\n"
    "    </devices></domain>\n"
    "  </definition>\n</vnicstate>\n";

static const char text_form[] =
    "<?xml version=\"1.0\"?>\n<vnicstate version=\"1\" status=\"active\" group=\"7\">\n" IFACE
    "  <definition>&lt;domain "
    "xmlns:vnic=\"http://vnic.dev/xmlns/1.0\"&gt;&lt;name&gt;r&lt;/name&gt;"
    "&lt;devices&gt;&lt;interface type=\"ethernet\"&gt;&lt;mac address=\"52:54:00:00:00:01\"/&gt;"
    "&lt;vnic:owner user=\"0\" group=\"0\"/&gt;&lt;!-- kept --&gt;&lt;boot order=\"2\"/&gt;"
    "&lt;/interface&gt;&lt;/devices&gt;&lt;/domain&gt;</definition>\n</vnicstate>\n";

/* A record with every kind of field and a definition with what the formatter keeps as it is
 * (comments, elements and attributes of other namespaces, xml:lang, vnic's namespace under
 * another prefix than "vnic"): vnic_record_format must write exactly the golden file. */
static const char golden_input[] =
    "<?xml version=\"1.0\"?>\n"
    "<vnicstate version=\"1\" status=\"degraded\" group=\"1986922677\" supervised=\"yes\" "
    "next_alias=\"4\">\n"
    "  <iface index=\"0\" mark=\"vnic@5a500555:gold/0\" backend=\"macvtap\" intended=\"mv3\" "
    "done=\"yes\" name=\"mv3\" ifindex=\"4\" queues=\"2\" vnet_hdr=\"yes\" multi_queue=\"no\" "
    "created=\"yes\" mac=\"52:54:00:9a:9b:4d\" mtu=\"1500\" lower_ifindex=\"3\" "
    "lower_mac=\"aa:c7:81:71:03:13\"/>\n"
    "  <iface index=\"1\" mark=\"vnic@5a500555:gold/1\" backend=\"tap\" intended=\"vnet4\" "
    "done=\"yes\" detaching=\"yes\" name=\"vnet4\" ifindex=\"5\" queues=\"4\" vnet_hdr=\"yes\" "
    "multi_queue=\"yes\" created=\"no\" mac=\"fe:54:00:9f:64:9b\" mtu=\"9000\"/>\n"
    "  <iface index=\"2\" mark=\"vnic@5a500555:gold/2\" backend=\"tap\" intended=\"t&amp;2\" "
    "done=\"no\"/>\n"
    "  <definition>\n"
    "    <domain xmlns:v=\"http://vnic.dev/xmlns/1.0\" xmlns:x=\"urn:example:x\" x:top=\"1\">"
    "<!-- top comment --><name>gold</name>\n"
    "      <description xml:lang=\"de\">Gr\xc3\xbc\xc3\x9f"
    "e &amp; &lt;mehr&gt;</description>\n"
    "      <x:meta x:k=\"v\"><x:inner>text</x:inner></x:meta>\n"
    "      <devices>\n"
    "        <interface type=\"direct\"><mac address=\"52:54:00:9a:9b:4d\"/>"
    "<source dev=\"uplink0\" mode=\"passthrough\"/><driver queues=\"2\"/>"
    "<alias name=\"ua-a\"/><boot order=\"1\" x:order=\"1\"/><rom x:bar=\"on\"/><!-- in "
    "--></interface>\n"
    "        <interface type=\"ethernet\"><mac address=\"52:54:00:9f:64:9b\"/>"
    "<target dev=\"vnet4\" managed=\"no\"/><v:owner user=\"0\" group=\"0\"/>"
    "<mtu size=\"9000\"/><driver queues=\"4\"/><boot order=\"2\"/></interface>\n"
    "        <interface type=\"ethernet\"><mac address=\"52:54:00:00:00:03\"/>"
    "<target dev=\"t&amp;%d\"/><link state=\"down\"/></interface>\n"
    "      </devices>\n"
    "    </domain>\n"
    "  </definition>\n</vnicstate>\n";

/* ' NAME="VALUE"' as libxml2's serialiser writes the attribute in a UTF-8 document. */
static char *xml_attr(const char *name, const char *value)
{
    xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNode *n = xmlNewNode(NULL, BAD_CAST "x");
    xmlDocSetRootElement(doc, n);
    xmlNewProp(n, BAD_CAST name, BAD_CAST value);
    xmlChar *out = NULL;
    int len = 0;
    xmlDocDumpFormatMemoryEnc(doc, &out, &len, "UTF-8", 1);
    xmlFreeDoc(doc);
    /* "<?xml ...?>\n<x NAME="VALUE"/>\n" */
    const char *a = out ? strstr((const char *)out, "<x ") : NULL;
    const char *b = a ? strstr(a, "/>\n") : NULL;
    char *s = NULL;
    if (a && b && asprintf(&s, "%.*s", (int)(b - a - 2), a + 2) < 0)
        s = NULL;
    xmlFree(out);
    return s ? s : strdup("(libxml2 wrote nothing)");
}

static char *read_and_format(const char *xml, const char *path)
{
    vnic_record *rec = NULL;
    vnic_error *err = NULL;
    int r = vnic_record_parse(xml, path, &rec, &err);
    CHECK(r == 0);
    if (r < 0) {
        fprintf(stderr, "%s\n", err ? err->message : "?");
        vnic_error_free(err);
        return NULL;
    }
    char *out = vnic_record_format(rec);
    vnic_record_free(rec);
    return out;
}

int main(int argc, char **argv)
{
    xmlSetStructuredErrorFunc(&callers_errors, callers_handler);

    /* A truncated record: refused with its file and the line libxml2 stopped at, and the
     * caller's handler neither called nor replaced. */
    vnic_record *rec = NULL;
    vnic_error *err = NULL;
    char truncated[160];
    memcpy(truncated, element_form, sizeof(truncated) - 1);
    truncated[sizeof(truncated) - 1] = '\0';
    CHECK(vnic_record_parse(truncated, "/run/x/r.xml", &rec, &err) < 0);
    CHECK(!rec);
    CHECK(err &&
          strstr(err->message, "/run/x/r.xml:3: error: corrupt state record: not well-formed"));
    vnic_error_free(err);
    CHECK(xmlStructuredError == callers_handler);
    CHECK(xmlStructuredErrorContext == &callers_errors);
    CHECK(callers_errors == 0);

    /* The element form reads, formats as elements (the comment and the namespace kept), and
     * formats the same after another round. */
    char *a = read_and_format(element_form, "a.xml");
    char *b = a ? read_and_format(a, "b.xml") : NULL;
    CHECK(a && strstr(a, "<definition>\n    <domain xmlns:vnic=\"http://vnic.dev/xmlns/1.0\">"));
    CHECK(a && strstr(a, "<vnic:owner user=\"0\" group=\"0\"/>") && strstr(a, "<!-- kept -->"));
    CHECK(a && !strstr(a, "&lt;"));
    CHECK(a && b && strcmp(a, b) == 0);
    CHECK(xmlStructuredError == callers_handler && callers_errors == 0);

    /* The text form of earlier versions reads to the same record. */
    char *c = read_and_format(text_form, "c.xml");
    CHECK(a && c && strcmp(a, c) == 0);
    if (a && c && strcmp(a, c) != 0)
        fprintf(stderr, "--- element form:\n%s--- text form:\n%s", a, c);

    /* Byte for byte what vnic writes (argv[1]: the golden file). */
    char *g = read_and_format(golden_input, "g.xml");
    char *want = NULL;
    size_t want_len = 0;
    vnic_error *rerr = NULL;
    CHECK(argc > 1 &&
          vnic_file_read_at(AT_FDCWD, argv[1], argv[1], 1 << 20, &want, &want_len, &rerr) == 0);
    vnic_error_free(rerr);
    CHECK(g && want && strcmp(g, want) == 0);
    if (g && (!want || strcmp(g, want) != 0))
        fprintf(stderr, "--- formatted:\n%s--- golden:\n%s", g, want ? want : "(none)");

    /* A write that changes only the status reuses the definition's text of the last one
     * (vnic_embed_record_write_status): byte for byte the golden file again, for every status;
     * a text that does not end as a record does gives no definition's text. */
    vnic_record *grec = NULL;
    CHECK(vnic_record_parse(golden_input, "g.xml", &grec, &rerr) == 0 && grec);
    char *dt = g ? vnic_record_def_text(g) : NULL;
    CHECK(dt && strncmp(dt, "    <domain ", 12) == 0 && dt[strlen(dt) - 1] == '\n' &&
          !strstr(dt, "definition>"));
    for (int st = 0; grec && dt && st < VNIC_RECORD_STATUS_LAST; st++) {
        grec->status = (vnic_record_status)st;
        char *full = vnic_record_format(grec), *with = vnic_record_format_with(grec, dt);
        CHECK(strcmp(full, with) == 0);
        if (st == VNIC_RECORD_DEGRADED)
            CHECK(want && strcmp(with, want) == 0);
        free(full);
        free(with);
    }
    /* Attribute values with every character an attribute escapes, UTF-8, and control
     * characters: written as libxml2's serialiser writes them (xml_attr), and the same with the
     * definition's text reused. */
    static const char *const values[] = {"a\tb\nc\rd\"e<f>g&h'i", "t\xc3\xa4st", "x\x01y", "\x7f"};
    for (size_t i = 0; grec && dt && i < sizeof(values) / sizeof(*values); i++) {
        snprintf(grec->ifaces[2].intended, sizeof(grec->ifaces[2].intended), "%s", values[i]);
        snprintf(grec->ifaces[0].mark, sizeof(grec->ifaces[0].mark), "vnic@5a500555:%s/0",
                 values[i]);
        char *full = vnic_record_format(grec), *with = vnic_record_format_with(grec, dt);
        char *want_intended = xml_attr("intended", grec->ifaces[2].intended);
        char *want_mark = xml_attr("mark", grec->ifaces[0].mark);
        CHECK(strstr(full, want_intended) && strstr(full, want_mark));
        CHECK(strcmp(full, with) == 0);
        if (!strstr(full, want_intended) || !strstr(full, want_mark) || strcmp(full, with) != 0)
            fprintf(stderr, "--- formatted:\n%s--- reused:\n%s--- libxml2: %s %s\n", full, with,
                    want_intended, want_mark);
        free(want_intended);
        free(want_mark);
        free(full);
        free(with);
    }

    /* What the test builds' check in the store compares: another definition, another text. */
    if (grec && dt) {
        free(grec->def->ifaces[0]->alias);
        grec->def->ifaces[0]->alias = strdup("ua-b");
        char *full = vnic_record_format(grec), *with = vnic_record_format_with(grec, dt);
        CHECK(strcmp(full, with) != 0 && strstr(full, "ua-b") && !strstr(with, "ua-b"));
        free(full);
        free(with);
    }
    CHECK(!vnic_record_def_text("<vnicstate/>\n"));
    CHECK(!vnic_record_def_text("x\n  <definition>\n  </vnicstate>\n"));
    {
        char *empty = vnic_record_def_text("x\n  <definition>\n  </definition>\n</vnicstate>\n");
        CHECK(empty && !*empty);
        free(empty);
    }
    CHECK(!vnic_record_def_text(text_form));
    free(dt);
    vnic_record_free(grec);

    /* The group from the beginning of a record: the whole text, a head that ends right
     * after the root's start tag; nothing usable when the head ends inside that tag, or the
     * root is not a record of this version with a number for a group. */
    unsigned group = 0;
    CHECK(vnic_record_peek_group(golden_input, strlen(golden_input), &group) == 0 &&
          group == 1986922677U);
    const char *gt = strchr(strstr(golden_input, "<vnicstate"), '>');
    group = 0;
    CHECK(vnic_record_peek_group(golden_input, (size_t)(gt - golden_input) + 1, &group) == 0 &&
          group == 1986922677U);
    CHECK(vnic_record_peek_group(golden_input, (size_t)(gt - golden_input), &group) == -EBADMSG);
    CHECK(vnic_record_peek_group(element_form, 100, &group) == 0 && group == 7);
    static const char *const refused[] = {
        "<vnicstat version=\"1\" group=\"7\">",
        "<vnicstate version=\"2\" group=\"7\">",
        "<vnicstate group=\"7\">",
        "<vnicstate version=\"1\">",
        "<vnicstate version=\"1\" group=\"x7\">",
        "<vnicstate version=\"1\" group=\"4294967296\">",
        "<v:vnicstate xmlns:v=\"urn:x\" version=\"1\" group=\"7\">",
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"/etc/passwd\">]><x>&e;</x>",
        "",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
        CHECK(vnic_record_peek_group(refused[i], strlen(refused[i]), &group) == -EBADMSG);
    CHECK(xmlStructuredError == callers_handler && callers_errors == 0);

    free(a);
    free(b);
    free(c);
    free(g);
    free(want);
    return test_result("record");
}
