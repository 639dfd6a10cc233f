/* Helpers shared by the kernel tests written in C: frames on AF_PACKET sockets and on queue
 * fds, the kernel's view of links (over netlink) and of macvtap character devices (sysfs),
 * domains made through the public API.
 *
 * These programs run inside a network namespace the calling script made (tests/kernel/lib.sh)
 * and use only the devices there. Waiting is bounded by KT_WAIT_MS as a failure bound only:
 * no check depends on how long anything takes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <vnic/vnic.h>

#include "netlink.h"

/* How long to wait for a frame before calling it lost (a failure bound, not a measurement;
 * after the first loss the helpers wait 2 s at most). */
#define KT_WAIT_MS 20000

/* The EtherType of test frames: IEEE 802 local experimental. */
#define KT_ETHERTYPE 0x88b5

/* Size of the virtio-net header vnic sets on queue fds (struct virtio_net_hdr_mrg_rxbuf). */
#define KT_VNET_HDR_LEN 12

/* Print a message and exit 1: for set-up steps after which nothing can be checked. The
 * calling script removes the namespace, and with it every device. */
void kt_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Pin the process to one CPU, so that frames it sends are queued and processed in order
 * (one CPU's backlog is FIFO): the basis of the "did not arrive" checks with a marker. */
void kt_pin_cpu(void);

/* Write CONTENT to DIR/NAME; returns the path (caller frees). */
char *kt_write_file(const char *dir, const char *name, const char *content);

/* MAC helpers. */
void kt_mac_parse(const char *s, uint8_t mac[6]); /* dies on a bad string */
const char *kt_mac_str(const uint8_t mac[6]);     /* static buffer, rotating (4 slots) */

/* The kernel's view of a link, over netlink (a socket of its own). -ENODEV if absent. */
int kt_link(int ifindex, const char *name, vnic_link_info *ret);

/* A connection to the embedded driver with its state under ROOT; dies on failure. */
/* The prefix of the marks a store gives its devices, set by kt_connect: "vnic@HASH:". */
extern char kt_mark_prefix[32];

vnic_conn *kt_connect(const char *root);

/* Create a domain from a file; dies with the diagnostics on failure. */
vnic_domain_info *kt_create(vnic_conn *conn, const char *path);

/* Destroy; returns 0 or -1 after printing the error. */
int kt_destroy(vnic_conn *conn, const char *name);

/* The device number of a macvtap's character device, from this namespace's /sys
 * (/sys/class/net/NAME/macvtap/tapIFINDEX/dev). 0 if unreadable. */
dev_t kt_macvtap_devnum(const char *name, int ifindex);

/* An AF_PACKET socket bound to IFINDEX for every protocol, non-blocking, with nothing queued
 * from before the bind. */
int kt_packet_socket(int ifindex);

/* The same, made in the network namespace /run/netns/NS (the process returns to its own). */
int kt_packet_socket_in_netns(const char *ns, const char *ifname, int *ret_ifindex);

/* A test frame: DST, SRC, KT_ETHERTYPE, a magic, TOKEN and a pattern; LEN bytes (>= 60). */
size_t kt_frame(uint8_t *buf, size_t len, const uint8_t dst[6], const uint8_t src[6],
                uint32_t token);

/* The token of a test frame, or false if BUF is not one. */
bool kt_frame_token(const uint8_t *buf, size_t len, uint32_t *token);

/* Send a frame on an AF_PACKET socket bound to IFINDEX. */
int kt_packet_send(int sock, int ifindex, const uint8_t *frame, size_t len);

/* Read test frames from an AF_PACKET socket until one with TOKEN arrives (frames the socket's
 * device sends itself are skipped). Returns 0 and fills ret_frame (may be NULL, size 2048)
 * and *ret_len, or -ETIMEDOUT after KT_WAIT_MS. Every other test frame seen is counted in
 * *others (may be NULL) and its token stored in others_tokens (up to 16, may be NULL). */
int kt_packet_wait(int sock, uint32_t token, uint8_t *ret_frame, size_t *ret_len, unsigned *others,
                   uint32_t *others_tokens);

/* Write a test frame into a queue fd, preceded by a zero virtio-net header if VNET. */
int kt_fd_write_frame(int fd, bool vnet, const uint8_t *frame, size_t len);

/* Wait until a test frame with TOKEN can be read from one of FDS (each with a virtio-net
 * header if VNET): returns the index of that fd, or -1 after KT_WAIT_MS. Frames with other
 * tokens read meanwhile are counted in *others. hdr (may be NULL) receives the virtio-net
 * header of the matching frame. */
int kt_fds_wait(const int *fds, size_t n, bool vnet, uint32_t token, unsigned *others,
                uint8_t *hdr);

/* Read whatever test frames are ready on FDS now, without waiting; returns how many carry
 * TOKEN. */
unsigned kt_fds_drain_count(const int *fds, size_t n, bool vnet, uint32_t token);

/* Run a shell command and return its standard output (caller frees), or NULL. */
char *kt_run(const char *cmd);

/* Does `ip -d -j link show dev DEV` (the outside witness) contain NEEDLE (compact JSON, e.g.
 * "\"mode\":\"bridge\"")? Prints the output when not. */
bool kt_ip_has(const char *dev, const char *needle);
