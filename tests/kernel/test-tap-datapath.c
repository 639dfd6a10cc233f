/* The data path of taps: a single-queue tap without a virtio-net header (model e1000, fixed
 * name) and a four-queue virtio tap (default template, a guest MAC starting with 0xfe).
 *
 * Proves against the kernel: the devices are persistent taps with the host-side MAC (the
 * guest's with the first byte 0xfe, or 0xfa when the guest's is 0xfe), vnic's mark, the
 * domain's link group, up, with the vnet_hdr and multi_queue flags the XML implies (netlink,
 * ip -d -j); the queue fds are tun fds attached to the tap (TUNGETIFF), close-on-exec, with the
 * header size 12; the kernel counts the attached queues; a single-queue tap refuses a second
 * queue with a clear message; a frame written into each fd is received on the tap interface
 * (AF_PACKET bound to it) and one sent on the tap interface is read from an fd; the tap
 * outlives the fds (persistent) and destroy removes it, also while queues are open.
 *
 * Usage (inside a namespace, see run-c.sh): test-tap-datapath DIR */
#include <errno.h>
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

#include "ktest.h"
#include "strutil.h"
#include "testutil.h"

#define DOMAIN "dp-tap"
#define NIFACE 2

typedef struct {
    const char *mac_str;
    const char *host_mac_str;
    uint8_t mac[6];
    uint8_t host_mac[6];
    unsigned queues;
    bool vnet;
    const vnic_interface_info *info;
    int *fds;
    size_t nfds;
    int sock; /* AF_PACKET bound to the tap */
} iface;

static iface ifs[NIFACE];

static void check_ip(const char *dev, const char *key, const char *value)
{
    char needle[128];
    snprintf(needle, sizeof(needle), "\"%s\":%s", key, value);
    CHECK(kt_ip_has(dev, needle));
}

/* The kernel's count of attached queues: numqueues for a multi-queue tap; a single-queue tap
 * only shows whether its queue is attached, as its carrier. */
static void check_attached(const char *dev, unsigned queues, unsigned attached)
{
    char n[16];
    if (queues > 1) {
        snprintf(n, sizeof(n), "%u", attached);
        check_ip(dev, "numqueues", n);
    } else {
        CHECK(kt_ip_has(dev, attached ? "\"LOWER_UP\"" : "\"NO-CARRIER\""));
    }
}

static void check_device(unsigned i, unsigned group0)
{
    iface *f = &ifs[i];
    const vnic_interface_info *info = f->info;
    char mark[64];
    snprintf(mark, sizeof(mark), "%s%s/%u", kt_mark_prefix, DOMAIN, i);

    CHECK_STREQ(info->type, "ethernet");
    CHECK_STREQ(info->backend, "tap");
    CHECK_STREQ(info->mac, f->mac_str);
    CHECK_STREQ(info->host_mac, f->host_mac_str);
    CHECK(info->queues == f->queues);
    CHECK(info->vnet_hdr == f->vnet);
    CHECK(info->source == NULL && info->mode == NULL);
    if (i == 0)
        CHECK_STREQ(info->name, "tapsingle");
    else
        CHECK(vnic_str_has_prefix(info->name, "vnet") && strlen(info->name) > 4 &&
              strspn(info->name + 4, "0123456789") == strlen(info->name + 4));

    vnic_link_info l;
    CHECK(kt_link(info->ifindex, NULL, &l) == 0);
    CHECK_STREQ(l.name, info->name);
    CHECK_STREQ(l.kind, "tun");
    CHECK(memcmp(l.mac, f->host_mac, 6) == 0);
    CHECK_STREQ(l.alias, mark);
    CHECK(l.group != 0 && l.group == group0);
    CHECK(l.flags & IFF_UP);
    CHECK(l.mtu == 1500);

    char value[128];
    check_ip(info->name, "type", "\"tap\"");
    check_ip(info->name, "pi", "false");
    check_ip(info->name, "vnet_hdr", f->vnet ? "true" : "false");
    check_ip(info->name, "multi_queue", f->queues > 1 ? "true" : "false");
    check_ip(info->name, "persist", "true");
    check_attached(info->name, f->queues, 0);
    snprintf(value, sizeof(value), "\"%s\"", f->host_mac_str);
    check_ip(info->name, "address", value);
    snprintf(value, sizeof(value), "\"%s\"", mark);
    check_ip(info->name, "ifalias", value);
    snprintf(value, sizeof(value), "\"%u\"", group0);
    check_ip(info->name, "group", value);
}

static void open_and_check_queues(vnic_conn *conn, unsigned i)
{
    iface *f = &ifs[i];
    vnic_error *err = NULL;
    if (vnic_domain_open_queues(conn, DOMAIN, i, &f->fds, &f->nfds, &err) < 0)
        kt_die("cannot open the queues of interface %u: %s", i, err->message);
    CHECK(f->nfds == f->queues);
    for (size_t q = 0; q < f->nfds; q++) {
        int fd = f->fds[q];
        struct stat st;
        CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
              st.st_rdev == makedev(10, 200) /* /dev/net/tun */);
        CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        struct ifreq ifr = {0};
        CHECK(ioctl(fd, TUNGETIFF, &ifr) == 0);
        CHECK_STREQ(ifr.ifr_name, f->info->name);
        CHECK(ifr.ifr_flags & IFF_TAP);
        CHECK(ifr.ifr_flags & IFF_NO_PI);
        CHECK(!!(ifr.ifr_flags & IFF_VNET_HDR) == f->vnet);
        CHECK(!!(ifr.ifr_flags & IFF_MULTI_QUEUE) == (f->queues > 1));
        if (f->vnet) {
            int sz = 0;
            CHECK(ioctl(fd, TUNGETVNETHDRSZ, &sz) == 0 && sz == KT_VNET_HDR_LEN);
        }
    }
    check_attached(f->info->name, f->queues, f->queues);
}

static void check_tx(unsigned i)
{
    iface *f = &ifs[i];
    for (size_t q = 0; q < f->nfds; q++) {
        uint8_t frame[128], got[2048];
        uint32_t token = 0x100000u * (i + 1) + (uint32_t)q;
        size_t len = kt_frame(frame, 100, f->host_mac, f->mac, token), glen = 0;
        CHECK(kt_fd_write_frame(f->fds[q], f->vnet, frame, len) == 0);
        int r = kt_packet_wait(f->sock, token, got, &glen, NULL, NULL);
        if (r < 0)
            fprintf(stderr, "interface %u queue %zu: frame %#x never received on %s\n", i, q, token,
                    f->info->name);
        CHECK(r == 0);
        CHECK(r < 0 || (glen == len && memcmp(got, frame, len) == 0));
    }
}

static void check_rx(unsigned i)
{
    iface *f = &ifs[i];
    for (uint32_t k = 0; k < 4; k++) {
        uint8_t frame[128], hdr[KT_VNET_HDR_LEN] = {0xff};
        uint32_t token = 0x200000u * (i + 1) + k;
        size_t len = kt_frame(frame, 100, f->mac, f->host_mac, token);
        CHECK(kt_packet_send(f->sock, f->info->ifindex, frame, len) == 0);
        int q = kt_fds_wait(f->fds, f->nfds, f->vnet, token, NULL, hdr);
        if (q < 0)
            fprintf(stderr, "interface %u: frame %#x sent on %s never read from a queue\n", i,
                    token, f->info->name);
        CHECK(q >= 0);
        if (q >= 0 && f->vnet)
            CHECK(hdr[1] == 0 /* VIRTIO_NET_HDR_GSO_NONE */);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        kt_die("usage: %s DIR", argv[0]);
    const char *dir = argv[1];
    kt_pin_cpu();

    ifs[0] = (iface){.mac_str = "52:54:00:b0:00:01",
                     .host_mac_str = "fe:54:00:b0:00:01",
                     .queues = 1,
                     .vnet = false};
    ifs[1] = (iface){.mac_str = "fe:54:00:b0:00:02",
                     .host_mac_str = "fa:54:00:b0:00:02",
                     .queues = 4,
                     .vnet = true};
    for (unsigned i = 0; i < NIFACE; i++) {
        kt_mac_parse(ifs[i].mac_str, ifs[i].mac);
        kt_mac_parse(ifs[i].host_mac_str, ifs[i].host_mac);
    }

    char *path = kt_write_file(dir, "domain.xml",
                               "<domain>\n"
                               "  <name>" DOMAIN "</name>\n"
                               "  <devices>\n"
                               "    <interface type='ethernet'>\n"
                               "      <mac address='52:54:00:b0:00:01'/>\n"
                               "      <target dev='tapsingle'/>\n"
                               "      <model type='e1000'/>\n"
                               "    </interface>\n"
                               "    <interface type='ethernet'>\n"
                               "      <mac address='fe:54:00:b0:00:02'/>\n"
                               "      <model type='virtio'/>\n"
                               "      <driver queues='4'/>\n"
                               "    </interface>\n"
                               "  </devices>\n"
                               "</domain>\n");
    char *root = vnic_xasprintf("%s/state", dir);
    vnic_conn *conn = kt_connect(root);
    vnic_domain_info *info = kt_create(conn, path);
    if (info->ninterfaces != NIFACE)
        kt_die("the domain has %zu interfaces", info->ninterfaces);

    vnic_link_info first;
    unsigned group0 = kt_link(info->interfaces[0]->ifindex, NULL, &first) == 0 ? first.group : 0;
    for (unsigned i = 0; i < NIFACE; i++) {
        ifs[i].info = info->interfaces[i];
        check_device(i, group0);
    }

    for (unsigned i = 0; i < NIFACE; i++) {
        open_and_check_queues(conn, i);
        ifs[i].sock = kt_packet_socket(info->interfaces[i]->ifindex);
        check_tx(i);
        check_rx(i);
    }

    /* A single-queue tap has room for one queue only: a second open says so. */
    int *more = NULL;
    size_t nmore = 0;
    vnic_error *err = NULL;
    CHECK(vnic_domain_open_queues(conn, DOMAIN, 0, &more, &nmore, &err) < 0);
    if (err) {
        fprintf(stderr, "expected: %s\n", err->message);
        CHECK(strstr(err->message, "tapsingle") && strstr(err->message, "busy"));
    } else {
        for (size_t k = 0; k < nmore; k++)
            close(more[k]);
        free(more);
    }
    vnic_error_free(err);
    err = NULL;

    /* Persistent: the first tap stays when its queue closes, with no queue attached. */
    for (size_t q = 0; q < ifs[0].nfds; q++)
        close(ifs[0].fds[q]);
    vnic_link_info l0;
    CHECK(kt_link(info->interfaces[0]->ifindex, NULL, &l0) == 0);
    check_attached(info->interfaces[0]->name, ifs[0].queues, 0);

    /* The second tap's queues stay open over destroy (its VM still running): destroy removes
     * both taps all the same. */
    CHECK(kt_destroy(conn, DOMAIN) == 0);
    for (unsigned i = 0; i < NIFACE; i++)
        close(ifs[i].sock);
    for (size_t q = 0; q < ifs[1].nfds; q++)
        close(ifs[1].fds[q]);
    for (unsigned i = 0; i < NIFACE; i++)
        free(ifs[i].fds);
    for (unsigned i = 0; i < NIFACE; i++) {
        vnic_link_info l;
        CHECK(kt_link(info->interfaces[i]->ifindex, NULL, &l) == -ENODEV);
        CHECK(kt_link(0, info->interfaces[i]->name, &l) == -ENODEV);
    }

    vnic_domain_info_free(info);
    vnic_conn_close(conn);
    free(root);
    free(path);
    return test_result("tap-datapath");
}
