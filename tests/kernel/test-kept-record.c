/* The record a start keeps for its connection's next read (embed_store.c) is taken only while
 * the file on disk is still the one it wrote: after another connection changed the domain
 * (an attach), the first connection's open of the queues sees the new interface; without a
 * change, it opens what the start made. Either way the fds are the devices' queues.
 *
 * Usage (inside a namespace, see run-c.sh): test-kept-record DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "ktest.h"
#include "strutil.h"
#include "testutil.h"

/* Open every queue of NAME on CONN; the number of interfaces, or -1. The fds are closed. */
static long open_all(vnic_conn *conn, const char *name)
{
    int *fds = NULL;
    size_t *counts = NULL, n = 0;
    vnic_error *err = NULL;
    if (vnic_domain_open_all_queues(conn, name, &fds, &counts, &n, &err) < 0) {
        fprintf(stderr, "open %s: %s\n", name, err ? err->message : "?");
        vnic_error_free(err);
        return -1;
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += counts[i];
    for (size_t i = 0; i < total; i++)
        close(fds[i]);
    free(fds);
    free(counts);
    return (long)n;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        kt_die("usage: test-kept-record DIR");
    const char *dir = argv[1];
    char *root = vnic_xasprintf("%s/state", dir);
    vnic_conn *a = kt_connect(root), *b = kt_connect(root);
    vnic_error *err = NULL;
    vnic_diag_list diags = {0};

    /* Nothing changed since the start: its own view. */
    char *path = kt_write_file(dir, "k1.xml",
                               "<domain><name>k1</name><devices><interface type='ethernet'>"
                               "<target dev='kr0'/></interface></devices></domain>");
    vnic_domain_info_free(kt_create(a, path));
    free(path);
    CHECK(open_all(a, "k1") == 1);

    /* Another connection attaches an interface between the start and the open. */
    path = kt_write_file(dir, "k2.xml",
                         "<domain><name>k2</name><devices><interface type='ethernet'>"
                         "<target dev='kr1'/></interface></devices></domain>");
    vnic_domain_info_free(kt_create(a, path));
    free(path);
    CHECK(vnic_domain_attach_interface_xml(b, "k2",
                                           "<interface type='ethernet'><target dev='kr2'/>"
                                           "</interface>",
                                           NULL, 0, NULL, &diags, &err) == 0);
    CHECK(open_all(a, "k2") == 2);
    /* And it is still right on a second read. */
    CHECK(open_all(a, "k2") == 2);

    /* Destroyed and started again by the other connection: the first one's destroy removes
     * the new devices, not what its kept record named. */
    path = kt_write_file(dir, "k3.xml",
                         "<domain><name>k3</name><devices><interface type='ethernet'>"
                         "<target dev='kr3'/></interface></devices></domain>");
    vnic_domain_info_free(kt_create(a, path));
    CHECK(kt_destroy(b, "k3") == 0);
    char *path4 = kt_write_file(dir, "k3b.xml",
                                "<domain><name>k3</name><devices><interface type='ethernet'>"
                                "<target dev='kr4'/></interface><interface type='ethernet'>"
                                "<target dev='kr5'/></interface></devices></domain>");
    vnic_domain_info_free(kt_create(b, path4));
    free(path);
    free(path4);
    CHECK(open_all(a, "k3") == 2);
    CHECK(kt_destroy(a, "k3") == 0);
    vnic_link_info li;
    CHECK(kt_link(0, "kr4", &li) < 0);
    CHECK(kt_link(0, "kr5", &li) < 0);

    CHECK(kt_destroy(a, "k1") == 0);
    CHECK(kt_destroy(a, "k2") == 0);
    CHECK(kt_link(0, "kr0", &li) < 0);
    CHECK(kt_link(0, "kr2", &li) < 0);

    vnic_diag_clear(&diags);
    vnic_conn_close(a);
    vnic_conn_close(b);
    free(root);
    return test_result("kept-record");
}
