/* Route netlink through libnl-route-3: links are created, changed, listed and deleted here
 * and nowhere else. Functions return 0 or a negative errno with *err set. */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <netlink/netlink.h>
#include <vnic/backend.h>

#include "cleanup.h"
#include "error.h"

/* Linux's IFALIASZ is 256 including the NUL. */
#define VNIC_IFALIAS_MAX VNIC_BACKEND_ALIAS_MAX

/* A link as read from the kernel: the backend SDK's plain struct, so that the driver's
 * snapshot of the links goes to backends as it is. */
typedef vnic_backend_link vnic_link_info;

/* Open and connect a NETLINK_ROUTE socket (close-on-exec). */
int vnic_nl_open(struct nl_sock **ret, vnic_error **err);
void vnic_nl_close(struct nl_sock *sk);
VNIC_DEFINE_CLEANUP(struct nl_sock, vnic_nl_close)
#define _cleanup_nl_sock_ _cleanup_(vnic_nl_closep)

/* Why the kernel refuses NAME for a new device (what its dev_valid_name checks), translated;
 * NULL if it accepts it. For saying why a creation failed with EINVAL. */
const char *vnic_ifname_kernel_refusal(const char *name);

/* The ifindex of the link NAME by the SIOCGIFINDEX ioctl on SK's own socket (the kernel
 * answers it on any socket of the namespace): no socket made for it, as if_nametoindex does,
 * and no netlink request, which would make the kernel settle the device's pending link events
 * first. 0 with errno set when there is none. */
unsigned vnic_nl_ifindex(struct nl_sock *sk, const char *name);

/* Look a link up by ifindex (if > 0) or by name. -ENODEV when there is none. */
int vnic_nl_link_get(struct nl_sock *sk, int ifindex, const char *name, vnic_link_info *ret,
                     vnic_error **err);

/* All links of the current network namespace. *ret is a new array; caller frees it. */
int vnic_nl_link_dump(struct nl_sock *sk, vnic_link_info **ret, size_t *ret_n, vnic_error **err);

typedef struct vnic_nl_macvtap_args {
    const char *name; /* required: a concrete name, no template */
    int lower_ifindex;
    unsigned mode;      /* MACVLAN_MODE_* */
    const uint8_t *mac; /* NULL: kernel's random address */
    unsigned mtu;       /* 0: inherit from the lower device */
    unsigned group;     /* set atomically with creation; 0: default group */
} vnic_nl_macvtap_args;

/* Create a macvtap with NLM_F_CREATE|NLM_F_EXCL. -EEXIST when the name is taken. */
int vnic_nl_macvtap_create(struct nl_sock *sk, const vnic_nl_macvtap_args *args, vnic_error **err);
/* Its request, built and not sent (for nl_batch.h): *ret is the caller's. */
int vnic_nl_macvtap_msg(const vnic_nl_macvtap_args *args, struct nl_msg **ret, vnic_error **err);

/* Changes to an existing link; only the fields marked set are sent, in one request. */
typedef struct vnic_nl_link_change {
    const char *alias;  /* NULL: unchanged */
    const uint8_t *mac; /* NULL: unchanged */
    unsigned mtu;       /* 0: unchanged */
    bool set_group;
    unsigned group;
    int up; /* 1 up, 0 down, -1 unchanged */
} vnic_nl_link_change;

int vnic_nl_link_change_apply(struct nl_sock *sk, int ifindex, const vnic_nl_link_change *chg,
                              vnic_error **err);
/* Its request, built and not sent (for nl_batch.h): *ret is the caller's. */
int vnic_nl_link_change_msg(int ifindex, const vnic_nl_link_change *chg, struct nl_msg **ret,
                            vnic_error **err);

/* Delete one link. -ENODEV when it is already gone. */
int vnic_nl_link_delete(struct nl_sock *sk, int ifindex, vnic_error **err);

/* Delete every link of GROUP in one request: the kernel unregisters them as a batch, with
 * one network synchronisation for all instead of one per device. */
int vnic_nl_group_delete(struct nl_sock *sk, unsigned group, vnic_error **err);

/* Map a libnl error code to the nearest errno. */
int vnic_nl_errno(int nlerr);

/* Send MSG (taken, freed in every case) and wait for the kernel's answer. A refusal sets *err
 * to WHAT with the kernel's errno and, where it gave one, its own message. */
int vnic_nl_request(struct nl_sock *sk, struct nl_msg *msg, const char *what, vnic_error **err);
/* For requests sent from the other netlink_*.c files: forget the last refusal before sending,
 * and report a refusal with the kernel's errno and extended ack message. */
void vnic_nl_ack_reset(void);
int vnic_nl_kernel_fail(int nlerr, vnic_error **err, const char *what);

/* netlink_addr.c: addresses and routes of a device (the host side of an ethernet interface). */
typedef struct vnic_nl_addr_args {
    int family;           /* AF_INET or AF_INET6 */
    const uint8_t *local; /* 4 or 16 bytes */
    unsigned prefix;
    const uint8_t *peer; /* NULL: none; else the point-to-point peer (IFA_ADDRESS) */
} vnic_nl_addr_args;

/* Add an address to the device IFINDEX. -EEXIST when it has it already. */
int vnic_nl_addr_add(struct nl_sock *sk, int ifindex, const vnic_nl_addr_args *args,
                     vnic_error **err);

typedef struct vnic_nl_route_args {
    int family;
    const uint8_t *dst; /* with prefix: the destination */
    unsigned prefix;
    const uint8_t *gateway;
    bool has_metric;
    unsigned metric;
} vnic_nl_route_args;

/* Add a route of the main table through the device IFINDEX (NLM_F_EXCL: -EEXIST when the
 * table has one for that destination and metric already). */
int vnic_nl_route_add(struct nl_sock *sk, int ifindex, const vnic_nl_route_args *args,
                      vnic_error **err);

/* netlink_addr.c: a device's counters, 64-bit (IFLA_STATS64 as libnl reads it), as the kernel
 * counts them (from the host's point of view), with its name and flags. */
typedef struct vnic_nl_link_stats {
    char name[IF_NAMESIZE];
    unsigned flags; /* IFF_* */
    uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
    uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
} vnic_nl_link_stats;

int vnic_nl_link_stats_get(struct nl_sock *sk, int ifindex, vnic_nl_link_stats *ret,
                           vnic_error **err);
