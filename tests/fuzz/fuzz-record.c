/* The state-record reader: whatever a record file holds, reading it ends in a record or a
 * clear error; a record that reads formats back to a record that reads again, to the same
 * bytes. Records come from disk and are untrusted (a crash, a full disk or another user may
 * have written them). */
#include "config.h"

#include <string.h>

#include "driver.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

static void check_record(const vnic_record *rec)
{
    FUZZ_CHECK(rec->def, "a record without a definition");
    FUZZ_CHECK((unsigned)rec->status < VNIC_RECORD_STATUS_LAST, "status %d", (int)rec->status);
    size_t n = vnic_domain_def_interface_count(rec->def);
    for (size_t i = 0; i < n; i++) {
        const vnic_record_iface *ri = &rec->ifaces[i];
        FUZZ_CHECK(strnlen(ri->mark, sizeof(ri->mark)) < sizeof(ri->mark), "mark unterminated");
        FUZZ_CHECK(strnlen(ri->backend, sizeof(ri->backend)) < sizeof(ri->backend),
                   "backend unterminated");
        FUZZ_CHECK(strnlen(ri->intended, sizeof(ri->intended)) < sizeof(ri->intended),
                   "intended name unterminated");
        if (!ri->done)
            continue;
        FUZZ_CHECK(strnlen(ri->rt.name, sizeof(ri->rt.name)) < sizeof(ri->rt.name),
                   "name unterminated");
        FUZZ_CHECK(ri->rt.ifindex >= 0 && ri->rt.queues <= 256 && ri->rt.mtu <= 65535,
                   "numbers out of range: ifindex %d, queues %u, mtu %u", ri->rt.ifindex,
                   ri->rt.queues, ri->rt.mtu);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml = fuzz_cstring(data, size);
    if (!xml)
        return 0;

    vnic_record *rec = NULL;
    vnic_error *err = NULL;
    int r = vnic_record_parse(xml, "/run/vnic/domains/fuzz.xml", &rec, &err);
    if (r < 0) {
        FUZZ_CHECK(err && err->message && strstr(err->message, "/run/vnic/domains/fuzz.xml"),
                   "a refused record's error does not name the file: %s",
                   err && err->message ? err->message : "(none)");
        FUZZ_CHECK(!rec, "a refused record was returned");
        vnic_error_free(err);
        free(xml);
        return 0;
    }
    check_record(rec);

    char *out1 = vnic_record_format(rec);
    vnic_record *rec2 = NULL;
    r = vnic_record_parse(out1, "formatted.xml", &rec2, &err);
    FUZZ_CHECK(r == 0, "a formatted record does not read back: %s\n--- formatted:\n%s",
               err && err->message ? err->message : "?", out1);
    check_record(rec2);
    char *out2 = vnic_record_format(rec2);
    FUZZ_CHECK(!strcmp(out1, out2), "formatting twice differs:\n--- first:\n%s\n--- second:\n%s",
               out1, out2);
    /* A status-only write reuses the definition's text: the same bytes. */
    char *dt = vnic_record_def_text(out1);
    FUZZ_CHECK(dt != NULL, "no definition's text in a formatted record:\n%s", out1);
    char *out3 = vnic_record_format_with(rec, dt);
    FUZZ_CHECK(!strcmp(out1, out3),
               "the definition's text reused differs:\n--- formatted:\n%s\n--- reused:\n%s", out1,
               out3);
    free(dt);
    free(out3);

    free(out1);
    free(out2);
    vnic_record_free(rec);
    vnic_record_free(rec2);
    free(xml);
    return 0;
}
