/* Opening character devices through private nodes.
 *
 * /dev is shared by every network namespace while ifindexes are per namespace, so a node
 * found by name (/dev/tap<ifindex>) may belong to another namespace's device, be missing
 * (no udev) or appear late (udev). Instead, the device number is read from sysfs of the
 * caller's own network namespace, a node for exactly that number is made in a private
 * directory, and the opened fd is checked to be that device. Functions return 0 or a
 * negative errno with *err set; output parameters are untouched on failure. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* The device number (major:minor) of the character device of the macvtap NAME, whose
 * ifindex in the caller's network namespace is IFINDEX.
 *
 * Read from /sys when /sys shows the caller's network namespace, which is taken as proven
 * when /sys agrees with what the caller learnt from netlink: NAME has IFINDEX there and, when
 * not NULL, the alias IFALIAS (an empty string: no alias) and the address MAC (6 bytes). Name
 * and ifindex alone repeat across namespaces, so callers pass alias and MAC whenever they
 * have them. When /sys belongs to another namespace (a process that entered a namespace
 * without remounting /sys), a short-lived child mounts a fresh sysfs in a private mount
 * namespace and reads it there.
 *
 * -ENODEV: the device has no macvtap character device in this namespace. */
/* The same from /sys alone, for a device the caller knows (from its own record): 0 and *ret
 * only if /sys shows NAME with IFINDEX, IFALIAS and MAC and its character device; else a
 * negative errno, no message (the caller then asks the kernel: vnic_devnode_macvtap_dev). */
int vnic_devnode_macvtap_dev_known(const char *name, int ifindex, const char *ifalias,
                                   const uint8_t *mac, dev_t *ret);
int vnic_devnode_macvtap_dev(const char *name, int ifindex, const char *ifalias, const uint8_t *mac,
                             dev_t *ret, vnic_error **err);

/* Open the character device DEV through a private node: a node with a unique name is made in
 * PRIVATE_DIR, opened, and unlinked at once, so nothing is left in the directory whatever
 * happens to the open. PRIVATE_DIR should be a directory only the caller can write to; the
 * check of the opened fd keeps the result right even when it is not.
 *
 * FLAGS are added to O_RDWR|O_CLOEXEC|O_NOCTTY (O_NONBLOCK, for example). On success *ret_fd
 * is a new fd owned by the caller and refers to DEV (checked with fstat).
 *
 * -EPERM: the caller may not make device nodes (no CAP_MKNOD, or a user namespace);
 * -EACCES: PRIVATE_DIR is on a file system mounted nodev. In both cases a caller that knows
 * a public path of the device can use vnic_devnode_open_checked instead. */
int vnic_devnode_open_char(dev_t dev, const char *private_dir, int flags, int *ret_fd,
                           vnic_error **err);

/* Open the existing node PATH (O_RDWR|O_CLOEXEC|O_NOCTTY plus FLAGS) and accept it only if
 * it is the character device DEV. -ENXIO when PATH is another device. On success
 * *ret_fd is a new fd owned by the caller. */
int vnic_devnode_open_checked(const char *path, dev_t dev, int flags, int *ret_fd,
                              vnic_error **err);
