/* Golden test of the libvirt rewrite (src/launch/libvirt_xml.c): the file IN is read as vnic
 * reads a domain (parsed, validated, formatted back, as the live XML vnic hands to the
 * rewrite is), then rewritten with the devices vnet0, vnet1, ... for the interfaces vnic
 * manages, and printed. IN ending in -skip.xml is read with VNIC_PARSE_SKIP_UNSUPPORTED. The
 * shell around it (libvirt-xml.sh) compares with the golden file and validates against
 * libvirt's schema. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvirt_xml.h"
#include "strutil.h"
#include <vnic/vnic.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s IN.xml\n", argv[0]);
        return 2;
    }
    const char *in = argv[1];
    size_t len = strlen(in);
    unsigned flags =
        len > 9 && strcmp(in + len - 9, "-skip.xml") == 0 ? VNIC_PARSE_SKIP_UNSUPPORTED : 0;
    vnic_diag_list diags = {0};
    vnic_error *err = NULL;
    vnic_domain_def *def = NULL;
    if (vnic_domain_def_parse_file(in, flags, &def, &diags, &err) < 0) {
        for (size_t i = 0; i < diags.count; i++) {
            char *s = vnic_diag_to_string(diags.items[i]);
            fprintf(stderr, "%s\n", s);
            free(s);
        }
        fprintf(stderr, "%s\n", err->message);
        return 1;
    }
    char *xml = vnic_domain_def_format(def, &err);
    size_t n = vnic_domain_def_interface_count(def);
    char **devices = vnic_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        devices[i] = vnic_xasprintf("vnet%zu", i);
    char *out = xml ? vnic_libvirt_rewrite_xml(xml, in, devices, n, &err) : NULL;
    if (!out) {
        fprintf(stderr, "%s\n", err->message);
        return 1;
    }
    fputs(out, stdout);
    free(out);
    free(xml);
    vnic_strv_free(devices);
    vnic_domain_def_free(def);
    return 0;
}
