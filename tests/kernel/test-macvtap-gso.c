/* A 64 KiB TCP segment written with a virtio-net GSO header into a macvtap queue fd arrives
 * on the lower device's peer as ordinary frames of at most the MTU.
 *
 * vnic must have opened the queue with IFF_VNET_HDR and header size 12 for this to work:
 * without them the kernel would take the header for the frame. The lower device (a veth) is
 * set to do no TCP segmentation offload, so that no device on the way may pass the 64 KiB
 * packet on whole (the kernel segments it in software), and the peer has GRO off, so the
 * segments are not merged again before the socket sees them. Checked per segment: IPv4 header
 * (length, checksum, addresses), TCP ports, payload at most gso_size, sequence numbers
 * contiguous; and together: the payload is exactly what was written, and only the last
 * segment carries PSH.
 *
 * Usage (inside a namespace with uplink0/peer0, see run-c.sh): test-macvtap-gso DIR */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ktest.h"
#include "strutil.h"
#include "testutil.h"

#define DOMAIN "gso"
#define GSO_SIZE 1448
#define FRAME_LEN 65536 /* 64 KiB: Ethernet, IPv4 and TCP headers and the payload */
#define HDRS (14 + 20 + 20)
#define PAYLOAD (FRAME_LEN - HDRS)
#define SPORT 40000
#define DPORT 5001
#define SEQ0 1000000u

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

/* Read or set an ethtool feature (legacy get/set command pair) of IFNAME. */
static int ethtool_value(const char *ifname, uint32_t cmd, uint32_t *value, bool set)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ethtool_value ev = {.cmd = cmd, .data = set ? *value : 0};
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    ifr.ifr_data = (void *)&ev;
    int r = ioctl(s, SIOCETHTOOL, &ifr);
    int e = errno;
    close(s);
    if (r < 0)
        return -e;
    *value = ev.data;
    return 0;
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 131 + (i >> 8) * 7);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        kt_die("usage: %s DIR", argv[0]);
    const char *dir = argv[1];
    kt_pin_cpu();

    /* No TSO on the lower device, no GRO on the peer (see above). */
    uint32_t v = 0;
    if (ethtool_value("uplink0", ETHTOOL_STSO, &v, true) < 0 ||
        ethtool_value("uplink0", ETHTOOL_GTSO, &v, false) < 0 || v != 0)
        kt_die("cannot turn TSO off on uplink0");
    v = 0;
    if (ethtool_value("peer0", ETHTOOL_SGRO, &v, true) < 0 ||
        ethtool_value("peer0", ETHTOOL_GGRO, &v, false) < 0 || v != 0)
        kt_die("cannot turn GRO off on peer0");

    vnic_link_info peer, lower;
    if (kt_link(0, "peer0", &peer) < 0 || kt_link(0, "uplink0", &lower) < 0)
        kt_die("no uplink0/peer0");
    int sock = kt_packet_socket(peer.ifindex);

    char *path = kt_write_file(dir, "domain.xml",
                               "<domain>\n"
                               "  <name>" DOMAIN "</name>\n"
                               "  <devices>\n"
                               "    <interface type='direct'>\n"
                               "      <mac address='52:54:00:c0:00:01'/>\n"
                               "      <source dev='uplink0' mode='bridge'/>\n"
                               "      <model type='virtio'/>\n"
                               "    </interface>\n"
                               "  </devices>\n"
                               "</domain>\n");
    char *root = vnic_xasprintf("%s/state", dir);
    vnic_conn *conn = kt_connect(root);
    vnic_domain_info *info = kt_create(conn, path);
    CHECK(info->ninterfaces == 1 && info->interfaces[0]->vnet_hdr);
    int *fds = NULL;
    size_t nfds = 0;
    vnic_error *err = NULL;
    if (vnic_domain_open_queues(conn, DOMAIN, 0, &fds, &nfds, &err) < 0)
        kt_die("cannot open the queues: %s", err->message);
    CHECK(nfds == 1);

    /* virtio-net header, then Ethernet, IPv4 and TCP headers, then the payload. */
    size_t total = KT_VNET_HDR_LEN + FRAME_LEN;
    uint8_t *buf = vnic_xcalloc(1, total);
    struct virtio_net_hdr *vh = (struct virtio_net_hdr *)buf;
    vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
    vh->hdr_len = HDRS;
    vh->gso_size = GSO_SIZE;
    vh->csum_start = 14 + 20;
    vh->csum_offset = offsetof(struct tcphdr, check);

    uint8_t *eth = buf + KT_VNET_HDR_LEN;
    uint8_t guest_mac[6];
    kt_mac_parse("52:54:00:c0:00:01", guest_mac);
    memcpy(eth, peer.mac, 6);
    memcpy(eth + 6, guest_mac, 6);
    eth[12] = 0x08;
    eth[13] = 0x00;

    struct iphdr ip = {
        .ihl = 5,
        .version = 4,
        .tot_len = htons(FRAME_LEN - 14),
        .id = htons(4242),
        .frag_off = htons(IP_DF),
        .ttl = 64,
        .protocol = IPPROTO_TCP,
        .saddr = htonl(0x0a000001),
        .daddr = htonl(0x0a000002),
    };
    ip.check = htons((uint16_t)~csum_fold(csum_add(0, &ip, sizeof(ip))));
    memcpy(eth + 14, &ip, sizeof(ip));

    struct tcphdr tcp = {0};
    tcp.source = htons(SPORT);
    tcp.dest = htons(DPORT);
    tcp.seq = htonl(SEQ0);
    tcp.doff = 5;
    tcp.ack = 1;
    tcp.psh = 1;
    tcp.window = htons(65535);
    /* With NEEDS_CSUM the field holds the pseudo-header sum; the kernel adds the rest. */
    uint8_t pseudo[12];
    memcpy(pseudo, &ip.saddr, 4);
    memcpy(pseudo + 4, &ip.daddr, 4);
    pseudo[8] = 0;
    pseudo[9] = IPPROTO_TCP;
    pseudo[10] = (uint8_t)((20 + PAYLOAD) >> 8);
    pseudo[11] = (uint8_t)((20 + PAYLOAD) & 0xff);
    tcp.check = htons(csum_fold(csum_add(0, pseudo, sizeof(pseudo))));
    memcpy(eth + 34, &tcp, sizeof(tcp));
    for (size_t i = 0; i < PAYLOAD; i++)
        eth[HDRS + i] = pattern(i);

    ssize_t n = write(fds[0], buf, total);
    if (n != (ssize_t)total)
        fprintf(stderr, "write of %zu bytes: %s\n", total, n < 0 ? strerror(errno) : "short");
    CHECK(n == (ssize_t)total);

    /* Collect the segments until the whole payload is there (or the failure bound). */
    uint8_t *got = vnic_xcalloc(1, PAYLOAD);
    uint8_t *seen = vnic_xcalloc(1, PAYLOAD);
    size_t received = 0, frames = 0, max_frame = 0, psh_count = 0;
    bool psh_on_last = false;
    int bad = 0;
    while (n == (ssize_t)total && received < PAYLOAD) {
        struct pollfd p = {.fd = sock, .events = POLLIN};
        if (poll(&p, 1, KT_WAIT_MS) <= 0)
            break; /* nothing more within the failure bound */
        uint8_t f[70000];
        struct sockaddr_ll from;
        socklen_t fl = sizeof(from);
        ssize_t len = recvfrom(sock, f, sizeof(f), 0, (struct sockaddr *)&from, &fl);
        if (len < 0 || from.sll_pkttype == PACKET_OUTGOING)
            continue;
        if (len < HDRS || f[12] != 0x08 || f[13] != 0x00)
            continue;
        struct iphdr sip;
        struct tcphdr stcp;
        memcpy(&sip, f + 14, sizeof(sip));
        memcpy(&stcp, f + 34, sizeof(stcp));
        if (sip.protocol != IPPROTO_TCP || ntohs(stcp.source) != SPORT)
            continue;
        frames++;
        if ((size_t)len > max_frame)
            max_frame = (size_t)len;
        size_t plen = (size_t)len - HDRS;
        uint32_t off = ntohl(stcp.seq) - SEQ0;
        bool ok = memcmp(f, peer.mac, 6) == 0 && memcmp(f + 6, guest_mac, 6) == 0 && sip.ihl == 5 &&
                  ntohs(sip.tot_len) == (size_t)len - 14 &&
                  csum_fold(csum_add(0, &sip, sizeof(sip))) == 0xffff && sip.saddr == ip.saddr &&
                  sip.daddr == ip.daddr && ntohs(stcp.dest) == DPORT && stcp.doff == 5 &&
                  plen > 0 && plen <= GSO_SIZE && off + plen <= PAYLOAD;
        if (!ok) {
            fprintf(stderr, "bad segment: %zd bytes, seq offset %u\n", len, off);
            bad++;
            continue;
        }
        for (size_t i = 0; i < plen; i++) {
            if (seen[off + i]) {
                bad++;
                fprintf(stderr, "byte %zu received twice\n", off + i);
                break;
            }
            seen[off + i] = 1;
            got[off + i] = f[HDRS + i];
        }
        received += plen;
        if (stcp.psh) {
            psh_count++;
            psh_on_last = off + plen == PAYLOAD;
        }
    }
    fprintf(stderr, "%zu segments, %zu of %d payload bytes, largest frame %zu bytes\n", frames,
            received, PAYLOAD, max_frame);
    CHECK(bad == 0);
    CHECK(received == PAYLOAD);
    /* Segmented: exactly as many frames as gso_size makes, each within the MTU. */
    CHECK(frames == (PAYLOAD + GSO_SIZE - 1) / GSO_SIZE);
    CHECK(max_frame <= 14 + lower.mtu);
    CHECK(psh_count == 1 && psh_on_last);
    bool same = true;
    for (size_t i = 0; i < PAYLOAD && same; i++)
        same = seen[i] && got[i] == pattern(i);
    CHECK(same);

    close(fds[0]);
    free(fds);
    CHECK(kt_destroy(conn, DOMAIN) == 0);
    close(sock);
    free(got);
    free(seen);
    free(buf);
    vnic_domain_info_free(info);
    vnic_conn_close(conn);
    free(root);
    free(path);
    return test_result("macvtap-gso");
}
