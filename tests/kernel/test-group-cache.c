/* A start remembers the link group of every other domain's record, with what the record's
 * file looked like (embed_store.c), and reads a record again only when its file changed. A
 * record replaced by another connection (its domain destroyed and started again, under another
 * group) must be read again: else the group it had looks free, and the next start shares it
 * with a running domain. Groups are handed out in order from a point fixed by the store's
 * path, so the sequence below puts a stale view on exactly the group that is in use.
 *
 * Usage (inside a namespace, see run-c.sh): test-group-cache DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "ktest.h"
#include "strutil.h"
#include "testutil.h"

static void start(vnic_conn *conn, const char *dir, const char *name)
{
    char *xml = vnic_xasprintf("<domain><name>%s</name><devices><interface type='ethernet'>"
                               "<target dev='g-%s'/></interface></devices></domain>",
                               name, name);
    char *file = vnic_xasprintf("%s.xml", name);
    char *path = kt_write_file(dir, file, xml);
    vnic_domain_info_free(kt_create(conn, path));
    free(path);
    free(file);
    free(xml);
}

/* The link group of the device of domain NAME, 0 if there is none. */
static unsigned group_of(const char *name)
{
    char *dev = vnic_xasprintf("g-%s", name);
    vnic_link_info li;
    unsigned g = kt_link(0, dev, &li) == 0 ? li.group : 0;
    free(dev);
    return g;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        kt_die("usage: test-group-cache DIR");
    const char *dir = argv[1];
    char *root = vnic_xasprintf("%s/state", dir);
    vnic_conn *a = kt_connect(root), *b = kt_connect(root);

    start(a, dir, "x"); /* first group */
    start(a, dir, "y"); /* second; a has now seen x's record */
    start(a, dir, "v"); /* third; a has seen x's and y's */
    /* b: y's group goes to w, y gets the next one free. */
    CHECK(kt_destroy(b, "y") == 0);
    start(b, dir, "w");
    start(b, dir, "y");
    /* a's view of y's record is stale: y's group must not look free to it. */
    start(a, dir, "z");

    const char *names[] = {"x", "y", "v", "w", "z"};
    unsigned groups[5];
    for (size_t i = 0; i < 5; i++) {
        groups[i] = group_of(names[i]);
        CHECK(groups[i] != 0);
        for (size_t j = 0; j < i; j++)
            if (groups[i] == groups[j]) {
                fprintf(stderr, "domains %s and %s share link group %u\n", names[j], names[i],
                        groups[i]);
                CHECK(groups[i] != groups[j]);
            }
    }
    /* And as a's view of w, y and z is new now, a start of a sees them all. */
    start(a, dir, "u");
    unsigned gu = group_of("u");
    for (size_t i = 0; i < 5; i++)
        CHECK(gu != groups[i]);

    for (size_t i = 0; i < 5; i++)
        CHECK(kt_destroy(a, names[i]) == 0);
    CHECK(kt_destroy(b, "u") == 0);
    vnic_conn_close(a);
    vnic_conn_close(b);
    free(root);
    return test_result("group-cache");
}
