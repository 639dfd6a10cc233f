/* vnic_domain_open_queues_vhost and vnic_domain_open_all_queues_vhost, in-process against
 * libvnic through the public header only (run by in-netns.sh: embedded, or through vnicd in
 * remote mode). This machine has no /dev/vhost-net: <backend vhost='NODE'/> names a node made
 * here with /dev/null's number, a character device that opens, so each vhost fd handed out
 * can be told from a queue (its st_rdev is 1:3; a queue answers TUNGETIFF with its device's
 * name). The suite points VNIC_VHOST_NET nowhere: an interface on the default node falls back
 * to none. Every fd handed out is O_CLOEXEC, and a failure leaves no fd open. */
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <vnic/vnic.h>

#include "testutil.h"

static char node[256];

static size_t open_fds(void)
{
    size_t n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* FD is a queue of the tap DEV (O_CLOEXEC). */
static bool is_queue(int fd, const char *dev)
{
    struct ifreq ifr = {0};
    return fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) && ioctl(fd, TUNGETIFF, &ifr) == 0 &&
           strcmp(ifr.ifr_name, dev) == 0;
}

/* FD is an open of the vhost node (1:3, O_CLOEXEC). */
static bool is_vhost(int fd)
{
    struct stat st;
    return fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) && fstat(fd, &st) == 0 &&
           S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

static void drop(vnic_error **e)
{
    vnic_error_free(*e);
    *e = NULL;
}

static void close_all(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
    free(fds);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s URI\n", argv[0]);
        return 2;
    }
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(node, sizeof(node), "%s/vhost-null-%d", tmp, (int)getpid());
    unlink(node);
    if (mknod(node, S_IFCHR | 0600, makedev(1, 3)) < 0) {
        perror("mknod");
        return 1;
    }

    vnic_conn *conn = NULL;
    vnic_error *err = NULL;
    if (vnic_conn_open(argv[1], &conn, &err) < 0) {
        fprintf(stderr, "open %s: %s\n", argv[1], err->message);
        return 1;
    }

    /* 0: virtio, two queues, on the node: two vhost fds. 1: e1000: none. 2: virtio with
     * <driver name='qemu'>: none. 3: virtio on the default node, which does not exist: none,
     * silently. */
    char xml[4096];
    snprintf(xml, sizeof(xml),
             "<domain><name>vhapi</name><devices>\n"
             "<interface type='ethernet'><target dev='vhapi0'/><model type='virtio'/>"
             "<driver queues='2'/><backend vhost='%s'/></interface>\n"
             "<interface type='ethernet'><target dev='vhapi1'/><model type='e1000'/>"
             "</interface>\n"
             "<interface type='ethernet'><target dev='vhapi2'/><model type='virtio'/>"
             "<driver name='qemu'/><backend vhost='%s'/></interface>\n"
             "<interface type='ethernet'><target dev='vhapi3'/><model type='virtio'/>"
             "</interface>\n"
             "</devices></domain>\n",
             node, node);

    /* Not running: an error, no fd. */
    size_t before = open_fds();
    int *fds = NULL, *vfds = NULL;
    size_t *counts = NULL, *vcounts = NULL, n = 0, nv = 0;
    CHECK(vnic_domain_open_all_queues_vhost(conn, "vhapi", &fds, &counts, &vfds, &vcounts, &n,
                                            &err) == -1);
    CHECK(err && strstr(err->message, "vhapi"));
    drop(&err);
    CHECK(vnic_domain_open_queues_vhost(conn, "vhapi", 0, &fds, &n, &vfds, &nv, NULL) == -1);
    CHECK(open_fds() == before);

    vnic_domain_info *info = NULL;
    vnic_diag_list diags = {0};
    if (vnic_domain_create_xml(conn, xml, "vhapi.xml", 0, &info, &diags, &err) < 0) {
        fprintf(stderr, "create: %s\n", err ? err->message : "?");
        return 1;
    }
    vnic_domain_info_free(info);
    before = open_fds();

    /* Every interface at once. */
    CHECK(vnic_domain_open_all_queues_vhost(conn, "vhapi", &fds, &counts, &vfds, &vcounts, &n,
                                            &err) == 0);
    if (err)
        fprintf(stderr, "open_all_queues_vhost: %s\n", err->message);
    CHECK(n == 4);
    if (n == 4) {
        CHECK(counts[0] == 2 && counts[1] == 1 && counts[2] == 1 && counts[3] == 1);
        CHECK(vcounts[0] == 2 && vcounts[1] == 0 && vcounts[2] == 0 && vcounts[3] == 0);
        CHECK(is_queue(fds[0], "vhapi0") && is_queue(fds[1], "vhapi0"));
        CHECK(is_queue(fds[2], "vhapi1") && is_queue(fds[3], "vhapi2") &&
              is_queue(fds[4], "vhapi3"));
        CHECK(is_vhost(vfds[0]) && is_vhost(vfds[1]) && vfds[0] != vfds[1]);
        CHECK(open_fds() == before + 7);
        close_all(fds, 5);
        close_all(vfds, 2);
        free(counts);
        free(vcounts);
    }

    /* One interface. */
    CHECK(vnic_domain_open_queues_vhost(conn, "vhapi", 0, &fds, &n, &vfds, &nv, &err) == 0);
    CHECK(n == 2 && nv == 2);
    if (n == 2 && nv == 2) {
        CHECK(is_queue(fds[0], "vhapi0") && is_queue(fds[1], "vhapi0"));
        CHECK(is_vhost(vfds[0]) && is_vhost(vfds[1]));
        close_all(fds, n);
        close_all(vfds, nv);
    }
    CHECK(vnic_domain_open_queues_vhost(conn, "vhapi", 1, &fds, &n, &vfds, &nv, &err) == 0);
    CHECK(n == 1 && nv == 0 && is_queue(fds[0], "vhapi1"));
    close_all(fds, n);
    free(vfds);
    CHECK(vnic_domain_open_queues_vhost(conn, "vhapi", 9, &fds, &n, &vfds, &nv, &err) == -1);
    CHECK(err && strstr(err->message, "9"));
    drop(&err);
    CHECK(vnic_domain_open_queues_vhost(conn, "vhapi", 0, NULL, &n, &vfds, &nv, &err) == -1);
    CHECK(err && err->code == VNIC_ERR_INVALID);
    drop(&err);
    CHECK(open_fds() == before);
    CHECK(vnic_domain_destroy(conn, "vhapi", NULL) == 0);

    /* <driver name='vhost'/> and a node that is gone by the time the fds are asked for: the
     * call fails naming the node, and no queue fd stays open either. */
    snprintf(xml, sizeof(xml),
             "<domain><name>vhreq</name><devices>\n"
             "<interface type='ethernet'><target dev='vhreq0'/><model type='virtio'/>"
             "<driver name='vhost' queues='2'/><backend vhost='%s'/></interface>\n"
             "</devices></domain>\n",
             node);
    CHECK(vnic_domain_create_xml(conn, xml, "vhreq.xml", 0, NULL, &diags, &err) == 0);
    drop(&err);
    unlink(node);
    before = open_fds();
    CHECK(vnic_domain_open_all_queues_vhost(conn, "vhreq", &fds, &counts, &vfds, &vcounts, &n,
                                            &err) == -1);
    CHECK(err && strstr(err->message, node));
    if (err)
        printf("as expected: %s\n", err->message);
    drop(&err);
    CHECK(vnic_domain_open_queues_vhost(conn, "vhreq", 0, &fds, &n, &vfds, &nv, &err) == -1);
    CHECK(err && strstr(err->message, node));
    drop(&err);
    CHECK(open_fds() == before);
    CHECK(vnic_domain_destroy(conn, "vhreq", NULL) == 0);

    vnic_diag_clear(&diags);
    vnic_conn_close(conn);
    return test_result("test-api-vhost");
}
