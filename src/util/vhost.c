#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "cleanup.h"
#include "fault.h"
#include "i18n.h"
#include "tun.h"
#include "vhost.h"

/* openat2 with RESOLVE_NO_SYMLINKS (Linux 5.6); O_NOFOLLOW, which checks only the last
 * component, where the kernel is older. */
static int open_no_symlinks(const char *path, int flags)
{
    struct open_how how = {.flags = (unsigned long long)flags, .resolve = RESOLVE_NO_SYMLINKS};
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
    if (fd < 0 && (errno == ENOSYS || errno == E2BIG))
        fd = open(path, flags | O_NOFOLLOW);
    return fd;
}

int vnic_chardev_open(const char *path, const char *what, int *ret_fd, vnic_error **err)
{
    /* O_NONBLOCK while opening: whatever the path turns out to be (a FIFO), opening does
     * not wait. */
    int fail = vnic_fault_fail("chardev-open");
    _cleanup_close_ int fd =
        fail ? (errno = fail, -1)
             : open_no_symlinks(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP)
            vnic_error_set(err, VNIC_ERR_INVALID,
                           _("cannot open %s for %s: the path goes through a symbolic link"), path,
                           what);
        else
            vnic_error_set_errno(err, e, _("cannot open %s for %s"), path, what);
        return -e;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        return vnic_error_set_errno(err, e, _("cannot open %s for %s"), path, what), -e;
    }
    if (!S_ISCHR(st.st_mode))
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("cannot open %s for %s: it is not a character device"), path, what),
               -ENOTTY;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        int e = errno;
        return vnic_error_set_errno(err, e, _("cannot open %s for %s"), path, what), -e;
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}

int vnic_vhost_open(const char *path, size_t n, int *fds, vnic_error **err)
{
    for (size_t i = 0; i < n; i++)
        fds[i] = -1;
    for (size_t i = 0; i < n; i++) {
        int r = vnic_chardev_open(path, "vhost-net", &fds[i], err);
        if (r < 0) {
            vnic_close_fds(fds, i);
            return r;
        }
    }
    return 0;
}
