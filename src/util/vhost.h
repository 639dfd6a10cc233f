/* vhost-net and other device nodes chosen by <backend>: opened as character devices only,
 * never through a symbolic link, each fd O_CLOEXEC. */
#pragma once

#include <stddef.h>

#include "error.h"

/* Open the character device PATH (absolute) read-write, O_CLOEXEC|O_NOCTTY, resolving no
 * symbolic link on the way (a link in /dev could be planted to make a privileged vnic open
 * another device). WHAT names its use in messages ("vhost-net", "tun"). -ENOTTY when PATH is
 * not a character device. *ret_fd is the caller's. */
int vnic_chardev_open(const char *path, const char *what, int *ret_fd, vnic_error **err);

/* Open the vhost-net node PATH N times into FDS (one per queue; QEMU wants a vhost fd for
 * each). On failure none stays open and FDS[0..N) are -1. */
int vnic_vhost_open(const char *path, size_t n, int *fds, vnic_error **err);
