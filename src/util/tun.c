#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <net/if.h>

#include "cleanup.h"
#include "i18n.h"
#include "netlink.h"
#include "strutil.h"
#include "tun.h"
#include "vhost.h"

static int open_tun(int *ret_fd, vnic_error **err)
{
    int fd = open(VNIC_TUN_PATH, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                           _("%s is missing: load the tun module or create the node with "
                             "'mknod %s c 10 200'"),
                           VNIC_TUN_PATH, VNIC_TUN_PATH);
        else if (e == EACCES || e == EPERM)
            vnic_error_set_errno(err, e, _("cannot open %s (vnic needs CAP_NET_ADMIN)"),
                                 VNIC_TUN_PATH);
        else
            vnic_error_set_errno(err, e, _("cannot open %s"), VNIC_TUN_PATH);
        return -e;
    }
    *ret_fd = fd;
    return 0;
}

int vnic_tun_features(unsigned *ret, vnic_error **err)
{
    /* The driver's features do not change while the kernel runs: ask once per process.
     * Threads that ask at the same time each ask the kernel and store the same answer. */
    static atomic_uint cached;
    static atomic_bool known;
    if (atomic_load(&known)) {
        *ret = atomic_load(&cached);
        return 0;
    }

    _cleanup_close_ int fd = -1;
    int r = open_tun(&fd, err);
    if (r < 0)
        return r;
    unsigned features = 0;
    if (ioctl(fd, TUNGETFEATURES, &features) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot ask the tun driver for its features"));
        return -e;
    }
    atomic_store(&cached, features);
    atomic_store(&known, true);
    *ret = features;
    return 0;
}

int vnic_tun_device_flags(const char *name, unsigned *ret, vnic_error **err)
{
    _cleanup_free_ char *path = vnic_xasprintf("/sys/class/net/%s/tun_flags", name);
    FILE *f = fopen(path, "re");
    if (!f) {
        vnic_error_set(err, VNIC_ERR_INVALID, _("device '%s' is not a tap device"), name);
        return -ENODEV;
    }
    unsigned flags;
    int n = fscanf(f, "%x", &flags);
    fclose(f);
    if (n != 1) {
        vnic_error_set(err, VNIC_ERR_SYSTEM, _("cannot read %s"), path);
        return -EIO;
    }
    *ret = flags;
    return 0;
}

int vnic_tun_open(const vnic_tun_open_args *args, int *ret_fd, vnic_error **err)
{
    _cleanup_close_ int fd = -1;
    int r = args->path ? vnic_chardev_open(args->path, "tun", &fd, err) : open_tun(&fd, err);
    if (r < 0)
        return r;

    struct ifreq ifr = {0};
    if (!vnic_strlcpy(ifr.ifr_name, args->name, sizeof(ifr.ifr_name))) {
        vnic_error_set(err, VNIC_ERR_INVALID, _("device name '%s' is too long"), args->name);
        return -EINVAL;
    }
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (args->vnet_hdr)
        ifr.ifr_flags |= IFF_VNET_HDR;
    if (args->multi_queue)
        ifr.ifr_flags |= IFF_MULTI_QUEUE;
    if (args->exclusive)
        ifr.ifr_flags |= IFF_TUN_EXCL;

    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        if (e == EBUSY && args->exclusive) {
            vnic_error_set(err, VNIC_ERR_INVALID, _("device '%s' already exists"), args->name);
            return -EEXIST;
        }
        if (e == EINVAL) {
            /* The kernel says EINVAL both when the device is not a tap and when
             * IFF_MULTI_QUEUE differs from how it was made; tell which. */
            unsigned have;
            vnic_error *ignored = NULL;
            const char *why = NULL;
            if (vnic_tun_device_flags(args->name, &have, &ignored) < 0) {
                vnic_error_free(ignored);
                /* No device of that name: the kernel refused to make one, most likely
                 * because of the name; say so rather than blame a device that is not there. */
                if (if_nametoindex(args->name) > 0)
                    vnic_error_set(err, VNIC_ERR_INVALID,
                                   _("device '%s' exists and is not a tap device"), args->name);
                else if ((why = vnic_ifname_kernel_refusal(args->name)))
                    vnic_error_set_errno(err, e, _("the kernel refused the name of tap '%s': %s"),
                                         args->name, why);
                else
                    vnic_error_set_errno(err, e, _("the kernel refused to create tap '%s'"),
                                         args->name);
            } else if (!!(have & IFF_MULTI_QUEUE) != args->multi_queue) {
                vnic_error_set(err, VNIC_ERR_INVALID,
                               (have & IFF_MULTI_QUEUE)
                                   ? _("tap '%s' was made with several queues, but one queue "
                                       "is asked for (the multi-queue flag must match how it "
                                       "was made)")
                                   : _("tap '%s' was made with a single queue, but several "
                                       "queues are asked for (the multi-queue flag must match "
                                       "how it was made)"),
                               args->name);
            } else if (!(have & IFF_TAP)) {
                vnic_error_set(err, VNIC_ERR_INVALID,
                               _("device '%s' is a tun device, not a tap device"), args->name);
            } else {
                vnic_error_set_errno(err, e, _("cannot attach to tap '%s'"), args->name);
            }
            return -EINVAL;
        }
        if (e == EBUSY)
            vnic_error_set(err, VNIC_ERR_INVALID,
                           _("tap '%s' is busy: another process holds its queue (a single-queue "
                             "tap has one queue only)"),
                           args->name);
        else if (e == EPERM)
            vnic_error_set_errno(err, e,
                                 _("cannot attach to tap '%s' (vnic needs CAP_NET_ADMIN, or "
                                   "the tap belongs to another user)"),
                                 args->name);
        else if (e == E2BIG)
            vnic_error_set(err, VNIC_ERR_INVALID,
                           _("tap '%s' has no room for another queue: the kernel's limit of "
                             "queues is reached"),
                           args->name);
        else
            vnic_error_set_errno(err, e, _("cannot create or attach to tap '%s'"), args->name);
        return -e;
    }

    if (args->vnet_hdr) {
        int size = VNIC_VNET_HDR_SIZE;
        if (ioctl(fd, TUNSETVNETHDRSZ, &size) < 0) {
            int e = errno;
            vnic_error_set_errno(err, e, _("cannot set the vnet header size of tap '%s'"),
                                 args->name);
            return -e;
        }
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}

int vnic_tun_set_owner(int fd, uid_t uid, gid_t gid, vnic_error **err)
{
    if (uid != (uid_t)-1 && ioctl(fd, TUNSETOWNER, (unsigned long)uid) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot set the owner of the tap to %u"), (unsigned)uid);
        return -e;
    }
    if (gid != (gid_t)-1 && ioctl(fd, TUNSETGROUP, (unsigned long)gid) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot set the group of the tap to %u"), (unsigned)gid);
        return -e;
    }
    return 0;
}

int vnic_tun_set_persist(int fd, bool persist, vnic_error **err)
{
    if (ioctl(fd, TUNSETPERSIST, persist ? 1UL : 0UL) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot make the tap persistent"));
        return -e;
    }
    return 0;
}

void vnic_close_fds(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
}

int vnic_tun_get_flags(int fd, unsigned *ret, vnic_error **err)
{
    struct ifreq ifr = {0};
    if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot read the flags of a tap queue"));
        return -e;
    }
    *ret = (unsigned short)ifr.ifr_flags;
    return 0;
}

int vnic_tun_set_sndbuf(int fd, int sndbuf, vnic_error **err)
{
    if (ioctl(fd, TUNSETSNDBUF, &sndbuf) < 0) {
        int e = errno;
        return vnic_error_set_errno(err, e, _("cannot set the send buffer to %d bytes"), sndbuf),
               -e;
    }
    return 0;
}
