/* The data path of macvtaps in one mode (argv[2]: vepa, bridge, private or passthrough), with
 * a single-queue interface without a virtio-net header (no model, fixed name) and a
 * four-queue virtio interface (default template).
 *
 * Proves against the kernel: the devices are macvtaps of the mode on the right lower device,
 * with the guest MAC, vnic's mark, the domain's link group and up (netlink and ip -d -j); every
 * queue fd is the device's own character device (st_rdev against this namespace's sysfs),
 * close-on-exec, with the header mode and size asked for; a frame written into each queue
 * comes out of the lower device's veth peer; frames sent from the peer to the guest MAC are
 * read from the fds; the mode shows in forwarding (bridge: between the two macvtaps without
 * the wire; vepa and private: through the wire; passthrough: the lower device takes the guest
 * MAC, every unicast frame reaches the macvtap, and the lower device gets its MAC back on
 * destroy); destroy removes both devices, also while queues are open.
 *
 * Usage (inside a namespace with veth pairs uplink0/peer0 and uplink1/peer1, see run-c.sh):
 *   test-macvtap-datapath DIR MODE */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktest.h"
#include "strutil.h"
#include "testutil.h"

#define NIFACE 2

static const char *mode;
static bool passthrough;
static char domain[64];

typedef struct {
    const char *lower;
    const char *peer;
    const char *mac_str;
    uint8_t mac[6];
    unsigned queues;
    bool vnet;
    const vnic_interface_info *info;
    int lower_ifindex;
    int peer_ifindex;
    uint8_t peer_mac[6];
    uint8_t lower_mac_before[6];
    int *fds;
    size_t nfds;
    int sniffer; /* AF_PACKET on the peer */
} iface;

static iface ifs[NIFACE];

static unsigned kernel_mode(const char *m)
{
    if (vnic_streq(m, "vepa"))
        return MACVLAN_MODE_VEPA;
    if (vnic_streq(m, "bridge"))
        return MACVLAN_MODE_BRIDGE;
    if (vnic_streq(m, "private"))
        return MACVLAN_MODE_PRIVATE;
    if (vnic_streq(m, "passthrough"))
        return MACVLAN_MODE_PASSTHRU;
    kt_die("unknown mode '%s'", m);
}

static void check_device(unsigned i, unsigned group0)
{
    iface *f = &ifs[i];
    const vnic_interface_info *info = f->info;
    char mark[128];
    snprintf(mark, sizeof(mark), "%s%s/%u", kt_mark_prefix, domain, i);

    CHECK_STREQ(info->type, "direct");
    CHECK_STREQ(info->backend, "macvtap");
    CHECK_STREQ(info->mode, mode);
    CHECK_STREQ(info->source, f->lower);
    CHECK_STREQ(info->mac, f->mac_str);
    CHECK(info->queues == f->queues);
    CHECK(info->vnet_hdr == f->vnet);
    CHECK(info->managed);
    if (i == 0)
        CHECK_STREQ(info->name, "mvsingle");
    else
        CHECK(vnic_str_has_prefix(info->name, "macvtap") &&
              strspn(info->name + 7, "0123456789") == strlen(info->name + 7) &&
              strlen(info->name) > 7);

    /* Netlink: the kernel's own answer for that ifindex. */
    vnic_link_info l;
    CHECK(kt_link(info->ifindex, NULL, &l) == 0);
    CHECK_STREQ(l.name, info->name);
    CHECK_STREQ(l.kind, "macvtap");
    CHECK(l.macvlan_mode == (int)kernel_mode(mode));
    CHECK(l.link == f->lower_ifindex);
    CHECK(memcmp(l.mac, f->mac, 6) == 0);
    CHECK_STREQ(l.alias, mark);
    CHECK(l.group != 0 && l.group == group0);
    CHECK(l.flags & IFF_UP);
    CHECK(l.mtu == 1500);

    /* ip -d -j, the outside witness. */
    char needle[160];
    CHECK(kt_ip_has(info->name, "\"info_kind\":\"macvtap\""));
    /* iproute2 calls passthrough "passthru". */
    snprintf(needle, sizeof(needle), "\"mode\":\"%s\"", passthrough ? "passthru" : mode);
    CHECK(kt_ip_has(info->name, needle));
    snprintf(needle, sizeof(needle), "\"link\":\"%s\"", f->lower);
    CHECK(kt_ip_has(info->name, needle));
    snprintf(needle, sizeof(needle), "\"address\":\"%s\"", f->mac_str);
    CHECK(kt_ip_has(info->name, needle));
    snprintf(needle, sizeof(needle), "\"ifalias\":\"%s\"", mark);
    CHECK(kt_ip_has(info->name, needle));
    snprintf(needle, sizeof(needle), "\"group\":\"%u\"", group0);
    CHECK(kt_ip_has(info->name, needle));
    CHECK(kt_ip_has(info->name, "\"UP\""));

    if (passthrough) {
        /* The lower device carries the guest's MAC now, and is promiscuous. */
        vnic_link_info lower;
        CHECK(kt_link(f->lower_ifindex, NULL, &lower) == 0);
        CHECK(memcmp(lower.mac, f->mac, 6) == 0);
        snprintf(needle, sizeof(needle), "\"address\":\"%s\"", f->mac_str);
        CHECK(kt_ip_has(f->lower, needle));
    }
}

static void open_and_check_queues(vnic_conn *conn, unsigned i)
{
    iface *f = &ifs[i];
    vnic_error *err = NULL;
    if (vnic_domain_open_queues(conn, domain, i, &f->fds, &f->nfds, &err) < 0)
        kt_die("cannot open the queues of interface %u: %s", i, err->message);
    CHECK(f->nfds == f->queues);

    dev_t dev = kt_macvtap_devnum(f->info->name, f->info->ifindex);
    CHECK(dev != 0);
    for (size_t q = 0; q < f->nfds; q++) {
        int fd = f->fds[q];
        struct stat st;
        CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == dev);
        CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        for (size_t k = 0; k < q; k++)
            CHECK(f->fds[k] != fd);

        struct ifreq ifr = {0};
        CHECK(ioctl(fd, TUNGETIFF, &ifr) == 0);
        CHECK_STREQ(ifr.ifr_name, f->info->name);
        CHECK(ifr.ifr_flags & IFF_TAP);
        CHECK(ifr.ifr_flags & IFF_NO_PI);
        CHECK(!!(ifr.ifr_flags & IFF_VNET_HDR) == f->vnet);
        if (f->vnet) {
            int sz = 0;
            CHECK(ioctl(fd, TUNGETVNETHDRSZ, &sz) == 0 && sz == KT_VNET_HDR_LEN);
        }
    }
}

/* Every queue's frames leave through the lower device and arrive on the peer. */
static void check_tx(unsigned i)
{
    iface *f = &ifs[i];
    for (size_t q = 0; q < f->nfds; q++) {
        uint8_t frame[128], got[2048];
        uint32_t token = 0x100000u * (i + 1) + (uint32_t)q;
        size_t len = kt_frame(frame, 100, f->peer_mac, f->mac, token), glen = 0;
        CHECK(kt_fd_write_frame(f->fds[q], f->vnet, frame, len) == 0);
        int r = kt_packet_wait(f->sniffer, token, got, &glen, NULL, NULL);
        if (r < 0)
            fprintf(stderr, "interface %u queue %zu: frame %#x never reached %s\n", i, q, token,
                    f->peer);
        CHECK(r == 0);
        CHECK(r < 0 || (glen == len && memcmp(got, frame, len) == 0));
    }
}

/* Frames from the peer to DST are read from one of the fds, exactly as sent. */
static void check_rx(unsigned i, const uint8_t dst[6], uint32_t base)
{
    iface *f = &ifs[i];
    for (uint32_t k = 0; k < 4; k++) {
        uint8_t frame[128], hdr[KT_VNET_HDR_LEN] = {0xff};
        uint32_t token = base + k;
        size_t len = kt_frame(frame, 100, dst, f->peer_mac, token);
        CHECK(kt_packet_send(f->sniffer, f->peer_ifindex, frame, len) == 0);
        int q = kt_fds_wait(f->fds, f->nfds, f->vnet, token, NULL, hdr);
        if (q < 0)
            fprintf(stderr, "interface %u: frame %#x to %s from %s never read from a queue\n", i,
                    token, kt_mac_str(dst), f->peer);
        CHECK(q >= 0);
        /* A plain frame comes with a header that says so: no GSO. */
        if (q >= 0 && f->vnet)
            CHECK(hdr[1] == 0 /* VIRTIO_NET_HDR_GSO_NONE */);
    }
}

/* Bridge mode: a frame from one macvtap to the other's MAC is delivered between them, and
 * does not go out to the wire. */
static void check_bridge_forwarding(void)
{
    uint8_t frame[128];
    uint32_t token = 0xb0000001;
    size_t len = kt_frame(frame, 100, ifs[1].mac, ifs[0].mac, token);
    kt_fds_drain_count(ifs[1].fds, ifs[1].nfds, true, 0);
    CHECK(kt_fd_write_frame(ifs[0].fds[0], false, frame, len) == 0);
    CHECK(kt_fds_wait(ifs[1].fds, ifs[1].nfds, ifs[1].vnet, token, NULL, NULL) >= 0);

    /* Not on the wire: a marker sent on the lower device after it reaches the peer, and the
     * frame is not ahead of it (same CPU, same queue: in order). */
    int up = kt_packet_socket(ifs[0].lower_ifindex);
    uint8_t marker[128];
    uint32_t mtoken = 0xb00000ff, others[16];
    unsigned nothers = 0;
    size_t mlen = kt_frame(marker, 60, ifs[0].peer_mac, ifs[0].mac, mtoken);
    CHECK(kt_packet_send(up, ifs[0].lower_ifindex, marker, mlen) == 0);
    CHECK(kt_packet_wait(ifs[0].sniffer, mtoken, NULL, NULL, &nothers, others) == 0);
    for (unsigned k = 0; k < nothers && k < 16; k++)
        CHECK(others[k] != token);
    close(up);
}

/* VEPA and private mode: a frame to the other macvtap's MAC goes out to the wire (the
 * adjacent switch decides), and is not delivered between them inside the host. */
static void check_wire_forwarding(void)
{
    uint8_t frame[128];
    uint32_t token = 0xe0000001;
    size_t len = kt_frame(frame, 100, ifs[1].mac, ifs[0].mac, token);
    kt_fds_drain_count(ifs[1].fds, ifs[1].nfds, true, 0);
    CHECK(kt_fd_write_frame(ifs[0].fds[0], false, frame, len) == 0);
    CHECK(kt_packet_wait(ifs[0].sniffer, token, NULL, NULL, NULL, NULL) == 0);

    /* A marker from the peer to the second macvtap arrives; the frame was not ahead of it. */
    uint8_t marker[128];
    uint32_t mtoken = 0xe00000ff;
    unsigned nothers = 0;
    size_t mlen = kt_frame(marker, 60, ifs[1].mac, ifs[1].peer_mac, mtoken);
    CHECK(kt_packet_send(ifs[1].sniffer, ifs[1].peer_ifindex, marker, mlen) == 0);
    CHECK(kt_fds_wait(ifs[1].fds, ifs[1].nfds, ifs[1].vnet, mtoken, &nothers, NULL) >= 0);
    CHECK(nothers == 0);
    CHECK(kt_fds_drain_count(ifs[1].fds, ifs[1].nfds, ifs[1].vnet, token) == 0);
}

int main(int argc, char **argv)
{
    if (argc != 3)
        kt_die("usage: %s DIR MODE", argv[0]);
    const char *dir = argv[1];
    mode = argv[2];
    passthrough = vnic_streq(mode, "passthrough");
    kernel_mode(mode); /* dies on a bad one */
    snprintf(domain, sizeof(domain), "dp-%s", mode);
    kt_pin_cpu();

    ifs[0] = (iface){.lower = "uplink0",
                     .peer = "peer0",
                     .mac_str = "52:54:00:a0:00:01",
                     .queues = 1,
                     .vnet = false};
    ifs[1] = (iface){.lower = passthrough ? "uplink1" : "uplink0",
                     .peer = passthrough ? "peer1" : "peer0",
                     .mac_str = "52:54:00:a0:00:02",
                     .queues = 4,
                     .vnet = true};
    for (unsigned i = 0; i < NIFACE; i++) {
        iface *f = &ifs[i];
        kt_mac_parse(f->mac_str, f->mac);
        vnic_link_info l;
        if (kt_link(0, f->lower, &l) < 0)
            kt_die("no %s", f->lower);
        f->lower_ifindex = l.ifindex;
        memcpy(f->lower_mac_before, l.mac, 6);
        if (kt_link(0, f->peer, &l) < 0)
            kt_die("no %s", f->peer);
        f->peer_ifindex = l.ifindex;
        memcpy(f->peer_mac, l.mac, 6);
        f->sniffer = kt_packet_socket(f->peer_ifindex);
    }

    char *xml = vnic_xasprintf("<domain>\n"
                               "  <name>%s</name>\n"
                               "  <devices>\n"
                               "    <interface type='direct'>\n"
                               "      <mac address='%s'/>\n"
                               "      <source dev='%s' mode='%s'/>\n"
                               "      <target dev='mvsingle'/>\n"
                               "      <alias name='ua-single'/>\n"
                               "    </interface>\n"
                               "    <interface type='direct'>\n"
                               "      <mac address='%s'/>\n"
                               "      <source dev='%s' mode='%s'/>\n"
                               "      <model type='virtio'/>\n"
                               "      <driver queues='4'/>\n"
                               "      <alias name='ua-multi'/>\n"
                               "    </interface>\n"
                               "  </devices>\n"
                               "</domain>\n",
                               domain, ifs[0].mac_str, ifs[0].lower, mode, ifs[1].mac_str,
                               ifs[1].lower, mode);
    char *path = kt_write_file(dir, "domain.xml", xml);
    char *root = vnic_xasprintf("%s/state", dir);
    vnic_conn *conn = kt_connect(root);

    vnic_domain_info *info = kt_create(conn, path);
    CHECK_STREQ(info->name, domain);
    CHECK(info->ninterfaces == NIFACE);
    if (info->ninterfaces != NIFACE)
        kt_die("the domain has %zu interfaces", info->ninterfaces);
    for (unsigned i = 0; i < NIFACE; i++)
        ifs[i].info = info->interfaces[i];

    vnic_link_info first;
    unsigned group0 = kt_link(info->interfaces[0]->ifindex, NULL, &first) == 0 ? first.group : 0;
    for (unsigned i = 0; i < NIFACE; i++)
        check_device(i, group0);

    /* lookup answers what create did. */
    vnic_domain_info *again = NULL;
    vnic_error *err = NULL;
    CHECK(vnic_domain_lookup(conn, domain, &again, &err) == 0);
    for (unsigned i = 0; again && i < NIFACE; i++) {
        CHECK_STREQ(again->interfaces[i]->name, info->interfaces[i]->name);
        CHECK(again->interfaces[i]->ifindex == info->interfaces[i]->ifindex);
    }
    vnic_domain_info_free(again);

    for (unsigned i = 0; i < NIFACE; i++) {
        open_and_check_queues(conn, i);
        check_tx(i);
        check_rx(i, ifs[i].mac, 0x200000u * (i + 1));
    }

    if (vnic_streq(mode, "bridge"))
        check_bridge_forwarding();
    else if (passthrough) {
        /* The whole lower device belongs to the macvtap: any unicast address arrives. */
        uint8_t other[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
        for (unsigned i = 0; i < NIFACE; i++)
            check_rx(i, other, 0x300000u * (i + 1));
    } else
        check_wire_forwarding();

    /* The first interface's queues are closed, the second's stay open over destroy (its
     * VM still running): destroy removes both devices all the same. */
    for (size_t q = 0; q < ifs[0].nfds; q++)
        close(ifs[0].fds[q]);
    CHECK(kt_destroy(conn, domain) == 0);
    for (size_t q = 0; q < ifs[1].nfds; q++)
        close(ifs[1].fds[q]);
    for (unsigned i = 0; i < NIFACE; i++)
        free(ifs[i].fds);
    for (unsigned i = 0; i < NIFACE; i++) {
        vnic_link_info l;
        CHECK(kt_link(info->interfaces[i]->ifindex, NULL, &l) == -ENODEV);
        CHECK(kt_link(0, info->interfaces[i]->name, &l) == -ENODEV);
        /* The lower device stays, with the MAC it had before (passthrough gives it back). */
        CHECK(kt_link(ifs[i].lower_ifindex, NULL, &l) == 0);
        CHECK(memcmp(l.mac, ifs[i].lower_mac_before, 6) == 0);
        if (memcmp(l.mac, ifs[i].lower_mac_before, 6) != 0)
            fprintf(stderr, "%s has MAC %s, had %s\n", ifs[i].lower, kt_mac_str(l.mac),
                    kt_mac_str(ifs[i].lower_mac_before));
        close(ifs[i].sniffer);
    }
    CHECK(vnic_domain_lookup(conn, domain, &again, &err) < 0);
    CHECK(err && strstr(err->message, "is not active"));
    vnic_error_free(err);

    vnic_domain_info_free(info);
    vnic_conn_close(conn);
    free(root);
    free(path);
    free(xml);
    char name[80];
    snprintf(name, sizeof(name), "macvtap-datapath-%s", mode);
    return test_result(name);
}
