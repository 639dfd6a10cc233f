/* The /dev/tap<ifindex> nodes vnic makes for libvirt, and the journal that lets a later call
 * remove the ones a killed vnic left behind.
 *
 * libvirt opens a managed='no' macvtap by the name /dev/tap<ifindex>. Where the node is
 * missing (no udev or devtmpfs node for a device of another network namespace), vnic makes it
 * and removes it once libvirt has its fds. Killed in between, vnic used to leave the node: a
 * root-only character device that later looked like "another device's node" and made the next
 * start with that ifindex fail. Now each node vnic makes has a journal entry first,
 * RUNSTATEDIR/libvirt-nodes/tapN holding the node's device number, locked (flock) for as long
 * as its maker lives. An entry that can be locked belongs to a dead maker: its node, if it is
 * still there with the recorded number, is removed, then the entry. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "devnode.h"
#include "fault.h"
#include "i18n.h"
#include "iface_conf.h"
#include "libvirt_conn.h"
#include "log.h"
#include "strutil.h"

#define JOURNAL_DIR VNIC_RUNSTATEDIR "/libvirt-nodes"
#define JOURNAL_MAX 64 /* bytes of an entry: "MAJOR:MINOR\n" */

struct vnic_lv_nodes {
    size_t n;
    struct {
        char *path;  /* /dev/tapN */
        int journal; /* the locked entry */
        char entry[32];
    } * items;
};

static const char *journal_dir(void)
{
    /* The tests' own directory, so that a run of the suite never meets a host's entries. */
    const char *env = secure_getenv("VNIC_LIBVIRT_NODES_DIR");
    return env && *env ? env : JOURNAL_DIR;
}

/* The journal's directory, made if missing: root's own, 0700, not a symbolic link. */
static int journal_open_dir(int *ret, vnic_error **err)
{
    const char *dir = journal_dir();
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        /* Its parent may be missing too (no /run/vnic yet). */
        _cleanup_free_ char *parent = vnic_xstrdup(dir);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) {
            *slash = '\0';
            (void)mkdir(parent, 0755);
        }
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
            return vnic_error_set_errno(err, errno, _("cannot make %s"), dir), -errno;
    }
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return vnic_error_set_errno(err, errno, _("cannot open %s"), dir), -errno;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return vnic_error_set_errno(err, errno, _("cannot examine %s"), dir), -errno;
    if (st.st_uid != geteuid() || (st.st_mode & 0022))
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("%s is not this user's own directory (owner %u, mode %04o)"), dir,
                              (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777)),
               -EPERM;
    *ret = TAKE_FD(fd);
    return 0;
}

/* Lock the entry NAME (made if missing): 1 and *ret with the lock, 0 when a live process holds
 * it, or a negative errno. The entry locked is the one at its name (an entry removed while this
 * waited for it is not taken). */
static int journal_lock(int dirfd, const char *name, int *ret)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        _cleanup_close_ int fd =
            openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
        if (fd < 0)
            return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
            return errno == EWOULDBLOCK ? 0 : -errno;
        struct stat a, b;
        if (fstat(fd, &a) < 0)
            return -errno;
        if (fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            if (!S_ISREG(a.st_mode))
                return -EINVAL;
            *ret = TAKE_FD(fd);
            return 1;
        }
    }
    return -EAGAIN;
}

/* The device number an entry records; false if it records none (or not one we wrote). */
static bool journal_read(int fd, dev_t *ret)
{
    char buf[JOURNAL_MAX + 1];
    ssize_t n = pread(fd, buf, JOURNAL_MAX, 0);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    unsigned maj, min;
    char nl;
    if (sscanf(buf, "%u:%u%c", &maj, &min, &nl) != 3 || nl != '\n')
        return false;
    *ret = makedev(maj, min);
    return true;
}

static int journal_write(int fd, dev_t dev)
{
    char buf[JOURNAL_MAX];
    int len = snprintf(buf, sizeof(buf), "%u:%u\n", major(dev), minor(dev));
    if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len || fsync(fd) < 0)
        return -errno ? -errno : -EIO;
    return 0;
}

/* Done with a locked entry: removed, then unlocked. */
static void journal_release(int dirfd, const char *name, int fd)
{
    (void)unlinkat(dirfd, name, 0);
    close(fd);
}

/* The node a dead maker left, if it is still the one it made. */
static void remove_left_node(const char *entry, int fd)
{
    dev_t made;
    if (!journal_read(fd, &made))
        return;
    _cleanup_free_ char *path = vnic_xasprintf("/dev/%s", entry);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == made) {
        VNIC_DEBUG("removing %s, left by a vnic that was killed while libvirt opened it", path);
        (void)unlink(path);
    }
}

static bool entry_name_ok(const char *name)
{
    unsigned long idx;
    return vnic_str_has_prefix(name, "tap") && vnic_parse_uint(name + 3, 1, 0x7fffffff, &idx) == 0;
}

/* Remove what dead makers left: every entry whose lock is free. */
static void sweep(int dirfd)
{
    int dfd = dup(dirfd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return;
    }
    rewinddir(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!entry_name_ok(e->d_name))
            continue;
        int fd;
        if (journal_lock(dirfd, e->d_name, &fd) != 1)
            continue;
        remove_left_node(e->d_name, fd);
        journal_release(dirfd, e->d_name, fd);
    }
    closedir(d);
}

static int tap_node(const vnic_interface_info *f, int dirfd, vnic_lv_nodes *made, vnic_error **err)
{
    uint8_t mac[6];
    bool have_mac = vnic_mac_parse(f->host_mac, mac) == 0;
    dev_t dev;
    int r = vnic_devnode_macvtap_dev(f->name, f->ifindex, NULL, have_mac ? mac : NULL, &dev, err);
    if (r < 0)
        return vnic_error_prefix(err, _("macvtap '%s'"), f->name), r;
    char entry[32];
    snprintf(entry, sizeof(entry), "tap%d", f->ifindex);
    _cleanup_free_ char *path = vnic_xasprintf("/dev/%s", entry);

    /* The entry first: with it held, no other vnic makes or removes this node meanwhile. */
    int jfd = -1;
    r = journal_lock(dirfd, entry, &jfd);
    if (r < 0)
        return vnic_error_set_errno(err, -r, _("cannot lock %s/%s"), journal_dir(), entry), r;
    if (r == 1)
        remove_left_node(entry, jfd);

    struct stat st;
    if (lstat(path, &st) == 0) {
        if (jfd >= 0)
            journal_release(dirfd, entry, jfd);
        if (S_ISCHR(st.st_mode) && st.st_rdev == dev)
            return 0;
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("%s is not the node of the macvtap '%s' (device %u:%u): it is "
                                "%s %u:%u (another network namespace's macvtap with the same "
                                "ifindex, or another device); libvirt opens the macvtap by that "
                                "name, so the domain cannot be given to libvirt while it is "
                                "there"),
                              path, f->name, major(dev), minor(dev),
                              S_ISCHR(st.st_mode) ? _("the device") : _("not a device,"),
                              major(st.st_rdev), minor(st.st_rdev)),
               -EEXIST;
    }
    if (errno != ENOENT) {
        int e = errno;
        if (jfd >= 0)
            journal_release(dirfd, entry, jfd);
        return vnic_error_set_errno(err, e, _("cannot examine %s"), path), -e;
    }
    if (jfd < 0)
        /* Missing, and another vnic is making it right now. */
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("%s is being made by another process for libvirt; try again"),
                              path),
               -EBUSY;
    if ((r = journal_write(jfd, dev)) < 0) {
        journal_release(dirfd, entry, jfd);
        return vnic_error_set_errno(err, -r, _("cannot write %s/%s"), journal_dir(), entry), r;
    }
    if (mknod(path, S_IFCHR | 0600, dev) < 0) {
        int e = errno;
        journal_release(dirfd, entry, jfd);
        return vnic_error_set_errno(err, e,
                                    _("cannot make %s for the macvtap '%s', which libvirt opens"),
                                    path, f->name),
               -e;
    }
    vnic_fault_step("libvirt: tap node made");
    made->items = vnic_xreallocarray(made->items, made->n + 1, sizeof(*made->items));
    made->items[made->n].path = TAKE_PTR(path);
    made->items[made->n].journal = jfd;
    vnic_strlcpy(made->items[made->n].entry, entry, sizeof(made->items[made->n].entry));
    made->n++;
    return 0;
}

int vnic_lv_tap_nodes(const vnic_domain_info *info, int which, vnic_lv_nodes **ret,
                      vnic_error **err)
{
    *ret = NULL;
    bool any = false;
    for (size_t i = 0; i < info->ninterfaces; i++)
        any |= (which < 0 || (size_t)which == i) &&
               vnic_streq_null(info->interfaces[i]->backend, "macvtap");
    if (!any)
        return 0;

    _cleanup_close_ int dirfd = -1;
    int r = journal_open_dir(&dirfd, err);
    if (r < 0)
        return r;
    sweep(dirfd);
    vnic_lv_nodes *made = vnic_xcalloc(1, sizeof(*made));
    for (size_t i = 0; i < info->ninterfaces; i++) {
        const vnic_interface_info *f = info->interfaces[i];
        if ((which >= 0 && (size_t)which != i) || !vnic_streq_null(f->backend, "macvtap"))
            continue;
        if ((r = tap_node(f, dirfd, made, err)) < 0) {
            vnic_lv_tap_nodes_drop(made);
            return r;
        }
    }
    *ret = made;
    return 0;
}

void vnic_lv_tap_nodes_drop(vnic_lv_nodes *made)
{
    if (!made)
        return;
    _cleanup_close_ int dirfd =
        open(journal_dir(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    for (size_t i = 0; i < made->n; i++) {
        /* The node first: killed in between, the entry still names it. */
        (void)unlink(made->items[i].path);
        if (dirfd >= 0)
            journal_release(dirfd, made->items[i].entry, made->items[i].journal);
        else
            close(made->items[i].journal);
        free(made->items[i].path);
    }
    free(made->items);
    free(made);
}
