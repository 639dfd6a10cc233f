/* The tun/tap character device: creating taps and attaching queues with TUNSETIFF.
 * Taps cannot be created over rtnetlink; this is the only way. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

#define VNIC_TUN_PATH "/dev/net/tun"

/* The size of the virtio-net header with mergeable receive buffers, which QEMU uses. */
#define VNIC_VNET_HDR_SIZE 12

/* What TUNGETFEATURES says the kernel can do (IFF_* bits). */
int vnic_tun_features(unsigned *ret, vnic_error **err);

typedef struct vnic_tun_open_args {
    const char *name; /* a concrete name */
    bool vnet_hdr;    /* IFF_VNET_HDR, and TUNSETVNETHDRSZ */
    bool multi_queue; /* IFF_MULTI_QUEUE */
    bool exclusive;   /* IFF_TUN_EXCL: fail with -EEXIST instead of attaching */
    const char *path; /* <backend tap>: another node than /dev/net/tun (a character device,
                       * reached through no symbolic link), or NULL */
} vnic_tun_open_args;

/* Open /dev/net/tun and attach a tap queue named args->name, creating the device if it does
 * not exist (and, with exclusive, only then). *ret_fd is O_CLOEXEC and owned by the caller.
 * -EEXIST: exclusive and the name is taken. -EINVAL from the kernel is explained (the
 * multi-queue flag does not match how the device was made, or it is not a tap). */
int vnic_tun_open(const vnic_tun_open_args *args, int *ret_fd, vnic_error **err);

/* Owner and group of a tap (-1: leave as is), and persistence, on an attached fd. */
int vnic_tun_set_owner(int fd, uid_t uid, gid_t gid, vnic_error **err);
int vnic_tun_set_persist(int fd, bool persist, vnic_error **err);

/* The IFF_* flags a tap was made with (sysfs tun_flags of the current namespace's view).
 * -ENODEV when the device does not exist or is not a tun/tap device. */
int vnic_tun_device_flags(const char *name, unsigned *ret, vnic_error **err);

/* The IFF_* flags of an attached queue fd (TUNGETIFF), IFF_PERSIST included. */
int vnic_tun_get_flags(int fd, unsigned *ret, vnic_error **err);

/* Open fds close-on-error helper: close the first n of fds and set them to -1. */
void vnic_close_fds(int *fds, size_t n);

/* The send buffer of a queue (tap or macvtap fd), in bytes: TUNSETSNDBUF, which takes an int
 * greater than 0. */
int vnic_tun_set_sndbuf(int fd, int sndbuf, vnic_error **err);
