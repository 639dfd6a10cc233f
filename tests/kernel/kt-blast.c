/* A bounded blast of frames through a tap, for the bandwidth test (bandwidth.sh):
 *
 *   kt-blast ROOT DOMAIN INDEX SECONDS
 *
 * Opens the queue of interface INDEX of DOMAIN (state under ROOT, the tap without a virtio-net
 * header) through the public API, as a guest's launcher would, and for SECONDS sends 1000-byte
 * test frames on the tap (an AF_PACKET socket: through the device's qdiscs, towards the guest)
 * as fast as the kernel takes them, while reading what reaches the queue. Prints one JSON object:
 * {"sent": BYTES, "received": BYTES, "seconds": S, "kib_per_s": RATE}, where RATE is what the
 * guest side received per second. A measurement for broad bounds, not a timing test. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ktest.h"
#include "strutil.h"

#define FRAME_LEN 1000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 5)
        kt_die("usage: kt-blast ROOT DOMAIN INDEX SECONDS");
    unsigned long index, seconds;
    if (vnic_parse_uint(argv[3], 0, 1000, &index) < 0 ||
        vnic_parse_uint(argv[4], 1, 60, &seconds) < 0)
        kt_die("bad INDEX or SECONDS");

    vnic_conn *conn = kt_connect(argv[1]);
    vnic_error *err = NULL;
    vnic_domain_info *info = NULL;
    if (vnic_domain_lookup(conn, argv[2], &info, &err) < 0)
        kt_die("lookup: %s", err->message);
    if (index >= info->ninterfaces)
        kt_die("no interface %lu", index);
    const vnic_interface_info *iface = info->interfaces[index];
    int *fds = NULL;
    size_t nfds = 0;
    if (vnic_domain_open_queues(conn, argv[2], (unsigned)index, &fds, &nfds, &err) < 0)
        kt_die("open_queues: %s", err->message);
    if (nfds != 1 || iface->vnet_hdr)
        kt_die("expected one queue without a virtio-net header");
    if (fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK) < 0)
        kt_die("O_NONBLOCK: %s", strerror(errno));

    /* Protocol 0: this socket only sends, and queues nothing of what passes the device. */
    int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0)
        kt_die("AF_PACKET socket: %s", strerror(errno));
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET, .sll_ifindex = iface->ifindex, .sll_halen = 6};
    uint8_t dst[6], src[6], frame[FRAME_LEN], buf[65536];
    kt_mac_parse(iface->mac, dst);
    kt_mac_parse(iface->host_mac, src);
    memcpy(sll.sll_addr, dst, 6);
    size_t len = kt_frame(frame, FRAME_LEN, dst, src, 1);

    unsigned long long sent = 0, received = 0;
    double start = now(), end = start + (double)seconds;
    while (now() < end) {
        /* Send until the kernel pushes back (a full queue: ENOBUFS or EAGAIN), then read. */
        for (int i = 0; i < 64; i++) {
            ssize_t n = sendto(s, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll));
            if (n < 0)
                break;
            sent += (unsigned long long)n;
        }
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        if (poll(&pfd, 1, 1) > 0) {
            ssize_t n;
            while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
                uint32_t token;
                if (kt_frame_token(buf, (size_t)n, &token))
                    received += (unsigned long long)n;
            }
        }
    }
    double secs = now() - start;
    printf("{\"sent\": %llu, \"received\": %llu, \"seconds\": %.3f, \"kib_per_s\": %.1f}\n", sent,
           received, secs, (double)received / 1024.0 / secs);
    close(s);
    close(fds[0]);
    free(fds);
    vnic_domain_info_free(info);
    vnic_conn_close(conn);
    return 0;
}
