/* Helper of netns-pair.sh: in the current network namespace, open the queues of interface 0
 * of DOMAIN (a macvtap on uplink0) through the public API and prove they belong to this
 * namespace's macvtap and not to the macvtap with the same ifindex (and name, alias and MAC)
 * in OTHER_NS:
 *  - each fd is this namespace's character device (st_rdev against this namespace's sysfs);
 *  - a broadcast frame written into each fd arrives on this namespace's peer0, and not on
 *    OTHER_NS's peer0 (read up to a marker sent there afterwards: one CPU, in order);
 *  - a frame sent from this namespace's peer0 is read from the fds, while a frame sent from
 *    OTHER_NS's peer0 to the same MAC is not (again up to a marker).
 * Prints its checks; exits 1 if any failed.
 *
 * Usage: kt-netns-frame ROOT DOMAIN OTHER_NS */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ktest.h"
#include "strutil.h"
#include "testutil.h"

int main(int argc, char **argv)
{
    if (argc != 4)
        kt_die("usage: %s ROOT DOMAIN OTHER_NS", argv[0]);
    const char *root = argv[1], *domain = argv[2], *other_ns = argv[3];
    kt_pin_cpu();

    vnic_conn *conn = kt_connect(root);
    vnic_domain_info *info = NULL;
    vnic_error *err = NULL;
    if (vnic_domain_lookup(conn, domain, &info, &err) < 0)
        kt_die("%s", err->message);
    if (info->ninterfaces < 1)
        kt_die("no interface");
    const vnic_interface_info *f = info->interfaces[0];
    uint8_t mac[6];
    kt_mac_parse(f->mac, mac);

    int *fds = NULL;
    size_t n = 0;
    if (vnic_domain_open_queues(conn, domain, 0, &fds, &n, &err) < 0)
        kt_die("cannot open the queues: %s", err->message);
    CHECK(n == f->queues);

    /* Each fd is this namespace's device. */
    dev_t own = kt_macvtap_devnum(f->name, f->ifindex);
    CHECK(own != 0);
    for (size_t q = 0; q < n; q++) {
        struct stat st;
        CHECK(fstat(fds[q], &st) == 0 && st.st_rdev == own);
    }
    char public[64];
    snprintf(public, sizeof(public), "/dev/tap%d", f->ifindex);
    struct stat pst;
    if (stat(public, &pst) == 0)
        printf("%s (shared by every namespace) is %u:%u; this namespace's %s is %u:%u%s\n", public,
               major(pst.st_rdev), minor(pst.st_rdev), f->name, major(own), minor(own),
               pst.st_rdev == own ? "" : " (the public node is another namespace's device)");
    else
        printf("%s does not exist; this namespace's %s is %u:%u\n", public, f->name, major(own),
               minor(own));

    vnic_link_info peer;
    if (kt_link(0, "peer0", &peer) < 0)
        kt_die("no peer0");
    int own_sock = kt_packet_socket(peer.ifindex);
    int other_peer_ifindex, other_up_ifindex;
    int other_sock = kt_packet_socket_in_netns(other_ns, "peer0", &other_peer_ifindex);
    int other_up = kt_packet_socket_in_netns(other_ns, "uplink0", &other_up_ifindex);
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint32_t base = (uint32_t)getpid() << 8;

    /* Out: each queue's frame arrives here, not there. */
    for (size_t q = 0; q < n; q++) {
        uint8_t frame[128];
        uint32_t token = base + (uint32_t)q;
        size_t len = kt_frame(frame, 100, bcast, mac, token);
        CHECK(kt_fd_write_frame(fds[q], f->vnet_hdr, frame, len) == 0);
        int r = kt_packet_wait(own_sock, token, NULL, NULL, NULL, NULL);
        if (r < 0)
            fprintf(stderr, "queue %zu: the frame did not arrive on this namespace's peer0\n", q);
        CHECK(r == 0);
    }
    uint8_t marker[128];
    uint32_t mtoken = base + 0xff, others[16];
    unsigned nothers = 0;
    size_t mlen = kt_frame(marker, 60, bcast, mac, mtoken);
    CHECK(kt_packet_send(other_up, other_up_ifindex, marker, mlen) == 0);
    CHECK(kt_packet_wait(other_sock, mtoken, NULL, NULL, &nothers, others) == 0);
    for (unsigned k = 0; k < nothers && k < 16; k++) {
        bool ours = others[k] >= base && others[k] < base + n;
        if (ours)
            fprintf(stderr, "frame %#x of this namespace's queue reached %s's peer0\n", others[k],
                    other_ns);
        CHECK(!ours);
    }

    /* In: the other namespace's frame to the same MAC is not read here; ours is. */
    uint8_t frame[128];
    uint32_t other_token = base + 0x80, own_token = base + 0x81;
    size_t len = kt_frame(frame, 100, mac, bcast, other_token);
    CHECK(kt_packet_send(other_sock, other_peer_ifindex, frame, len) == 0);
    len = kt_frame(frame, 100, mac, peer.mac, own_token);
    CHECK(kt_packet_send(own_sock, peer.ifindex, frame, len) == 0);
    unsigned before = 0;
    int q = kt_fds_wait(fds, n, f->vnet_hdr, own_token, &before, NULL);
    CHECK(q >= 0);
    /* Everything sent before our frame is queued by now: nothing of the other's, neither
     * read while waiting nor left in another queue. */
    CHECK(before == 0);
    CHECK(kt_fds_drain_count(fds, n, f->vnet_hdr, other_token) == 0);

    for (size_t k = 0; k < n; k++)
        close(fds[k]);
    free(fds);
    close(own_sock);
    close(other_sock);
    close(other_up);
    vnic_domain_info_free(info);
    vnic_conn_close(conn);
    return test_result("netns-frame");
}
