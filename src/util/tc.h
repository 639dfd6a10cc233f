/* Traffic control on one device through libnl-route-3: a rate limit on what the device sends
 * (a root HTB qdisc with one class that every packet goes to) and a policer on what it
 * receives (the ingress qdisc with a u32 filter that matches every packet and drops what
 * exceeds the rate). The kernel removes both with the device. Functions return 0 or a negative
 * errno with *err set to the kernel's reason; callers say which device and why. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <netlink/netlink.h>

#include "error.h"

typedef struct vnic_tc_rate {
    uint64_t rate;  /* bytes per second, 1..UINT32_MAX */
    uint64_t ceil;  /* bytes per second the class may borrow up to; 0: rate */
    uint64_t burst; /* bytes sent at full speed before the rate applies; 0: a default */
} vnic_tc_rate;

/* Limit what IFINDEX sends: root qdisc htb 1: (default class 1:1), class 1:1 with r. Fails
 * (EEXIST) if the device has a root qdisc other than the kernel's default. */
int vnic_tc_shape(struct nl_sock *sk, int ifindex, const vnic_tc_rate *r, vnic_error **err);

/* Police what IFINDEX receives: qdisc ingress ffff:, and a u32 filter matching every packet
 * with a police action at r->rate and r->burst (0: one second of the rate), dropping the
 * excess. r->ceil is not used: a policer has no class to borrow from. */
int vnic_tc_police(struct nl_sock *sk, int ifindex, const vnic_tc_rate *r, vnic_error **err);

/* Remove the root qdisc (egress) and the ingress qdisc (ingress) of IFINDEX, with their
 * classes and filters; one that is not there is no error. */
int vnic_tc_clear(struct nl_sock *sk, int ifindex, bool egress, bool ingress, vnic_error **err);
