/* vnic_conn_set_client (what vnicd calls for an unprivileged peer): the taps of a start and of
 * an attach whose interface has no vnic:owner belong to the client, owner and group, as the
 * kernel says (sysfs owner/group); a vnic:owner in the XML wins; the live XML shows the owner;
 * clearing the client gives root's taps again; a connection of another driver refuses it.
 *
 * Usage (inside a namespace, see run-c.sh): test-tap-client DIR */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "ktest.h"
#include "strutil.h"
#include "testutil.h"

/* A tun attribute from this namespace's sysfs ("-1" when unset), or -2 if unreadable. */
static long tun_attr(const char *dev, const char *attr)
{
    char path[128], buf[32];
    snprintf(path, sizeof(path), "/sys/class/net/%s/%s", dev, attr);
    FILE *f = fopen(path, "re");
    if (!f)
        return -2;
    long v = -2;
    if (fgets(buf, sizeof(buf), f))
        v = strtol(buf, NULL, 10);
    fclose(f);
    return v;
}

static void create(vnic_conn *conn, const char *dir, const char *name, const char *xml)
{
    char *path = kt_write_file(dir, name, xml);
    vnic_domain_info_free(kt_create(conn, path));
    free(path);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        kt_die("usage: test-tap-client DIR");
    const char *dir = argv[1];
    char *root = vnic_xasprintf("%s/state", dir);
    vnic_conn *conn = kt_connect(root);
    vnic_error *err = NULL;

    CHECK(vnic_conn_set_client(conn, 65534, 65534, &err) == 0);
    create(conn, dir, "c1.xml",
           "<domain xmlns:vnic='http://vnic.dev/xmlns/1.0'><name>c1</name><devices>"
           "<interface type='ethernet'><target dev='tc0'/></interface>"
           "<interface type='ethernet'><target dev='tc1'/><vnic:owner user='123'/></interface>"
           "<interface type='direct'><source dev='uplink0' mode='bridge'/>"
           "<target dev='tcm0'/></interface>"
           "</devices></domain>");
    CHECK(tun_attr("tc0", "owner") == 65534);
    CHECK(tun_attr("tc0", "group") == 65534);
    /* The XML's own owner stays as written. */
    CHECK(tun_attr("tc1", "owner") == 123);
    CHECK(tun_attr("tc1", "group") == -1);
    /* A macvtap has no owner: its queues are opened by the driver and handed over. */
    CHECK(tun_attr("tcm0", "owner") == -2);

    char *xml = vnic_domain_get_xml(conn, "c1", 0, &err);
    CHECK(xml && strstr(xml, "<vnic:owner user=\"65534\" group=\"65534\"/>"));
    free(xml);

    /* Hot-plug too. */
    vnic_diag_list diags = {0};
    CHECK(vnic_domain_attach_interface_xml(conn, "c1",
                                           "<interface type='ethernet'><target dev='tc2'/>"
                                           "</interface>",
                                           NULL, 0, NULL, &diags, &err) == 0);
    CHECK(tun_attr("tc2", "owner") == 65534);
    CHECK(tun_attr("tc2", "group") == 65534);

    /* Cleared: root's taps again. */
    CHECK(vnic_conn_set_client(conn, (uid_t)-1, (gid_t)-1, &err) == 0);
    create(conn, dir, "c2.xml",
           "<domain><name>c2</name><devices><interface type='ethernet'><target dev='tc3'/>"
           "</interface></devices></domain>");
    CHECK(tun_attr("tc3", "owner") == 0);
    CHECK(tun_attr("tc3", "group") == -1);

    CHECK(kt_destroy(conn, "c1") == 0);
    CHECK(kt_destroy(conn, "c2") == 0);
    CHECK(tun_attr("tc0", "owner") == -2);

    /* Another driver's connection refuses it. */
    vnic_driver other = {.name = "remote"};
    vnic_conn fake = {.driver = &other};
    CHECK(vnic_conn_set_client(&fake, 65534, 65534, &err) == -EOPNOTSUPP);
    CHECK(err && err->code == VNIC_ERR_UNSUPPORTED &&
          strstr(err->message, "the remote driver cannot make devices for another user"));
    vnic_error_free(err);

    vnic_diag_clear(&diags);
    vnic_conn_close(conn);
    free(root);
    return test_result("tap-client");
}
