/* State records in process: reading one leaves the caller's libxml2 error handler alone (the
 * record's parser reports to a context of its own), the definition is written as elements and
 * read back the same, and the older text form still reads. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/globals.h>
#include <libxml/xmlerror.h>

#include "driver.h"
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

int main(void)
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

    free(a);
    free(b);
    free(c);
    return test_result("record");
}
