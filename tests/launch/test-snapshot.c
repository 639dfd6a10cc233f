/* The driver's snapshot of a domain (src/driver/snapshot.h), in-process: of a domain that is
 * only defined (what a start would give, no fds), one started within the snapshot (its fds
 * are its devices' queues, O_CLOEXEC, counted as counts[] says, ids are the aliases), of one
 * interface, of a document given as text (parsed once: a bad one is named with its line), and
 * the refusals. Run by in-netns.sh: argv[1] is the URI. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "domain_conf.h"
#include "snapshot.h"
#include "tests/testutil.h"

static const char *const domain_xml =
    "<domain>\n"
    "  <name>snap</name>\n"
    "  <devices>\n"
    "    <interface type='ethernet'><target dev='snapa%d'/><model type='virtio'/>"
    "<driver queues='2'/><alias name='ua-a'/></interface>\n"
    "    <interface type='ethernet'><target dev='snapb%d'/><model type='e1000'/>"
    "<driver queues='4'/></interface>\n"
    "  </devices>\n"
    "</domain>\n";

/* The device name behind a queue fd. */
static void fd_device(int fd, char *name)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    name[0] = '\0';
    if (ioctl(fd, TUNGETIFF, &ifr) == 0)
        snprintf(name, IF_NAMESIZE, "%s", ifr.ifr_name);
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s URI\n", argv[0]);
        return 2;
    }
    vnic_conn *conn = NULL;
    vnic_error *err = NULL;
    vnic_diag_list diags = {0};
    vnic_domain_snapshot *s = NULL;
    if (vnic_conn_open(argv[1], &conn, &err) < 0) {
        fprintf(stderr, "cannot connect: %s\n", err->message);
        return 1;
    }

    /* Unknown: refused. */
    CHECK(vnic_conn_domain_snapshot(conn, "snap", NULL, NULL, 0, 0, &s, NULL, &err) < 0);
    CHECK(err && strstr(err->message, "not active (and not defined)"));
    vnic_error_free(TAKE_PTR(err));
    /* Unknown flag bits, and neither or both of name and text: refused. */
    CHECK(vnic_conn_domain_snapshot(conn, "snap", NULL, NULL, 0, 1u << 20, &s, NULL, &err) < 0);
    vnic_error_free(TAKE_PTR(err));
    CHECK(vnic_conn_domain_snapshot(conn, NULL, NULL, NULL, 0, 0, &s, NULL, &err) < 0);
    vnic_error_free(TAKE_PTR(err));

    /* Defined: what a start would give, nothing opened. */
    const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = NULL;
    CHECK(asprintf(&path, "%s/snap.xml", tmpdir) > 0);
    CHECK(write_file(path, domain_xml) == 0);
    CHECK(vnic_domain_define_file(conn, path, 0, NULL, NULL, &err) == 0);
    vnic_error_free(TAKE_PTR(err));
    CHECK(vnic_conn_domain_snapshot(conn, "snap", NULL, NULL, 0, 0, &s, NULL, &err) == 0);
    if (s) {
        CHECK_STREQ(s->info->state, "defined");
        CHECK(!s->started && s->niface == 2 && !s->fds && s->nfds == 0);
        CHECK(s->counts[0] == 2 && s->counts[1] == 1); /* e1000: one queue, as libvirt */
        CHECK_STREQ(s->ids[0], "ua-a");
        CHECK_STREQ(s->ids[1], "net1");
        CHECK(vnic_domain_def_interface_count(s->def) == 2);
    }
    vnic_domain_snapshot_free(TAKE_PTR(s));
    /* Fds of a domain that does not run: refused, and nothing started. */
    CHECK(vnic_conn_domain_snapshot(conn, "snap", NULL, NULL, 0, VNIC_SNAPSHOT_FDS, &s, NULL,
                                    &err) < 0);
    CHECK(err && strstr(err->message, "is not active"));
    vnic_error_free(TAKE_PTR(err));

    /* Started within the snapshot: fds are the devices' queues, in order. */
    CHECK(vnic_conn_domain_snapshot(conn, "snap", NULL, NULL, 0,
                                    VNIC_SNAPSHOT_FDS | VNIC_SNAPSHOT_START, &s, NULL, &err) == 0);
    if (err)
        fprintf(stderr, "snapshot: %s\n", err->message);
    vnic_error_free(TAKE_PTR(err));
    if (s) {
        CHECK(s->started);
        CHECK_STREQ(s->info->state, "active");
        CHECK(s->niface == 2 && s->counts[0] == 2 && s->counts[1] == 1 && s->nfds == 3);
        size_t k = 0;
        for (size_t i = 0; i < s->niface; i++) {
            const char *dev = s->def->ifaces[i]->target_dev;
            CHECK(dev && strchr(dev, '%') == NULL); /* the live name, not the template */
            CHECK_STREQ(s->info->interfaces[i]->name, dev);
            for (size_t q = 0; q < s->counts[i] && k < s->nfds; q++, k++) {
                char name[IF_NAMESIZE];
                fd_device(s->fds[k], name);
                CHECK_STREQ(name, dev);
                CHECK(fcntl(s->fds[k], F_GETFD) & FD_CLOEXEC);
            }
        }
        /* Every interface of a running domain has its alias: the id. */
        CHECK_STREQ(s->ids[0], "ua-a");
        CHECK_STREQ(s->def->ifaces[1]->alias, "net1");
        CHECK_STREQ(s->ids[1], "net1");
    }
    /* Freeing the snapshot closes its fds (a tap of one queue takes one reader at a time). */
    int first = s && s->nfds ? s->fds[0] : -1;
    char dev1[IF_NAMESIZE] = "";
    if (s && s->niface == 2)
        snprintf(dev1, sizeof(dev1), "%s", s->def->ifaces[1]->target_dev);
    vnic_domain_snapshot_free(TAKE_PTR(s));
    CHECK(first < 0 || (fcntl(first, F_GETFD) < 0 && errno == EBADF));

    /* One interface's queues (what hot-plug hands to a running launcher). */
    vnic_domain_snapshot *one = NULL;
    CHECK(vnic_conn_domain_snapshot(conn, "snap", NULL, NULL, 1,
                                    VNIC_SNAPSHOT_FDS | VNIC_SNAPSHOT_ONE, &one, NULL, &err) == 0);
    if (err)
        fprintf(stderr, "snapshot of one interface: %s\n", err->message);
    if (one) {
        CHECK(!one->started && one->nfds == 1);
        char name[IF_NAMESIZE];
        fd_device(one->fds[0], name);
        CHECK_STREQ(name, dev1);
    }
    vnic_error_free(TAKE_PTR(err));
    vnic_domain_snapshot_free(one);
    CHECK(vnic_conn_domain_snapshot(conn, "snap", NULL, NULL, 2,
                                    VNIC_SNAPSHOT_FDS | VNIC_SNAPSHOT_ONE, &one, NULL, &err) < 0);
    CHECK(err && strstr(err->message, "has no interface 2"));
    vnic_error_free(TAKE_PTR(err));

    /* The document as text, with the domain running already: used as it is, not started. */
    CHECK(vnic_conn_domain_snapshot(conn, NULL, domain_xml, "text.xml", 0, VNIC_SNAPSHOT_START, &s,
                                    &diags, &err) == 0);
    vnic_error_free(TAKE_PTR(err));
    CHECK(s && !s->started && s->niface == 2);
    vnic_domain_snapshot_free(TAKE_PTR(s));
    CHECK(vnic_domain_destroy(conn, "snap", &err) == 0);
    vnic_error_free(TAKE_PTR(err));
    CHECK(vnic_domain_undefine(conn, "snap", 0, &err) == 0);
    vnic_error_free(TAKE_PTR(err));

    /* A bad document: its name and line in the diagnostics, nothing started. */
    const char *bad = "<domain>\n  <name>bad</name>\n  <devices>\n"
                      "    <interface type='ethernet'><filterref filter='x'/></interface>\n"
                      "  </devices>\n</domain>\n";
    CHECK(vnic_conn_domain_snapshot(conn, NULL, bad, "bad.xml", 0,
                                    VNIC_SNAPSHOT_START | VNIC_SNAPSHOT_FDS, &s, &diags, &err) < 0);
    CHECK(diags.count >= 1 && diags.items[0]->line == 4 &&
          strcmp(diags.items[0]->file, "bad.xml") == 0);
    vnic_diag_clear(&diags);
    vnic_error_free(TAKE_PTR(err));
    vnic_domain_info **list = NULL;
    size_t n = 0;
    CHECK(vnic_domain_list(conn, VNIC_LIST_ALL, &list, &n, &err) == 0 && n == 0);
    vnic_domain_info_list_free(list, n);
    vnic_error_free(TAKE_PTR(err));

    /* A standalone interface cannot be run. */
    CHECK(vnic_conn_domain_snapshot(conn, NULL, "<interface type='ethernet'/>", "if.xml", 0,
                                    VNIC_SNAPSHOT_START, &s, &diags, &err) < 0);
    CHECK(err && strstr(err->message, "standalone <interface> cannot be run"));
    vnic_diag_clear(&diags);
    vnic_error_free(TAKE_PTR(err));

    unlink(path);
    free(path);
    vnic_conn_close(conn);
    return test_result("launch/snapshot");
}
