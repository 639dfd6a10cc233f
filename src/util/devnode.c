#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "devnode.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"

/* Linux's IFALIASZ: 255 characters and the NUL. */
#define ALIAS_SIZE 256

/* What one sysfs says about a device: the contents of four attribute files, newlines
 * stripped. Fixed-size and pointer-free so the child can send it through a pipe in one write
 * (well below PIPE_BUF, so the write is atomic). */
typedef struct sysfs_ident {
    int err;     /* errno of reading ifindex or ifalias (ENOENT: no device of that name) */
    int dev_err; /* errno of reading the macvtap's dev file */
    char ifindex[32];
    char ifalias[ALIAS_SIZE + 1]; /* one more than an alias can be, to see a longer one */
    char address[32];
    char dev[32];
} sysfs_ident;

/* The paths read for one device, made before any fork: the child may not allocate. */
typedef struct sysfs_paths {
    char netdir[64]; /* /sys/class/net/NAME */
    char dev[64];    /* macvtap/tapIFINDEX/dev, relative to netdir */
} sysfs_paths;

/* Read a small attribute file into buf, NUL-terminated, trailing newline dropped. Only system
 * calls, as it runs in the child after fork. Returns 0 or a positive errno. */
static int read_attr(int dirfd, const char *path, char *buf, size_t size)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return errno;

    size_t len = 0;
    int e = 0;
    for (;;) {
        if (len == size - 1) {
            e = EFBIG; /* sysfs attributes here are short; a long one is not what we want */
            break;
        }
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            e = errno;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (e)
        return e;
    while (len > 0 && buf[len - 1] == '\n')
        len--;
    buf[len] = '\0';
    return 0;
}

/* Fill id from the sysfs mounted on /sys. Async-signal-safe. */
static void sysfs_read_ident(const sysfs_paths *p, sysfs_ident *id)
{
    memset(id, 0, sizeof(*id));
    /* One directory fd for all reads, so they are of one device even if it is renamed. */
    int dfd = open(p->netdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        id->err = id->dev_err = errno;
        return;
    }
    id->err = read_attr(dfd, "ifindex", id->ifindex, sizeof(id->ifindex));
    if (!id->err)
        id->err = read_attr(dfd, "ifalias", id->ifalias, sizeof(id->ifalias));
    if (!id->err)
        id->err = read_attr(dfd, "address", id->address, sizeof(id->address));
    id->dev_err = read_attr(dfd, p->dev, id->dev, sizeof(id->dev));
    close(dfd);
}

/* Does this sysfs show the device the caller sees through netlink? */
static bool ident_matches(const sysfs_ident *id, int ifindex, const char *ifalias,
                          const uint8_t *mac)
{
    unsigned long idx;
    if (id->err || vnic_parse_uint(id->ifindex, 1, INT_MAX, &idx) < 0 || (int)idx != ifindex)
        return false;
    if (ifalias && !vnic_streq(id->ifalias, ifalias))
        return false;
    if (mac) {
        /* sysfs writes the address as lowercase xx:xx:...; so do we. */
        char want[18];
        snprintf(want, sizeof(want), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
                 mac[3], mac[4], mac[5]);
        if (!vnic_streq(id->address, want))
            return false;
    }
    return true;
}

typedef enum {
    PRIVATE_STEP_UNSHARE,
    PRIVATE_STEP_MAKE_PRIVATE,
    PRIVATE_STEP_MOUNT,
    PRIVATE_STEP_DONE,
} private_step;

typedef struct private_reply {
    private_step step; /* how far the child got */
    int err;           /* errno of that step */
    sysfs_ident id;
} private_reply;

/* Read the device's attributes from a sysfs of the caller's own network namespace.
 *
 * A sysfs shows the network namespace of the process that mounted it, not of the reader.
 * So a child enters a private mount namespace (the caller's mounts are untouched), mounts a
 * fresh sysfs over /sys there, reads, and reports through a pipe. Mounting over /sys rather
 * than a temporary directory leaves nothing behind to clean up if anything is killed. */
static int sysfs_read_private(const sysfs_paths *p, sysfs_ident *ret, vnic_error **err)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot create a pipe"));
        return -e;
    }
    _cleanup_close_ int rfd = pfd[0];
    _cleanup_close_ int wfd = pfd[1];

    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot fork to read a private sysfs"));
        return -e;
    }
    if (pid == 0) {
        /* The child of a possibly multi-threaded parent: system calls only, then _exit. */
        private_reply r = {.step = PRIVATE_STEP_UNSHARE};
        if (unshare(CLONE_NEWNS) < 0)
            goto out;
        r.step = PRIVATE_STEP_MAKE_PRIVATE;
        /* Without this, the mount below would propagate back into a shared parent mount. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
            goto out;
        r.step = PRIVATE_STEP_MOUNT;
        if (mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
            goto out;
        r.step = PRIVATE_STEP_DONE;
        sysfs_read_ident(p, &r.id);
    out:
        r.err = r.step == PRIVATE_STEP_DONE ? 0 : errno;
        ssize_t n = write(wfd, &r, sizeof(r));
        _exit(n == (ssize_t)sizeof(r) ? 0 : 1);
    }

    vnic_closep(&wfd);
    wfd = -1;
    private_reply r;
    size_t got = 0;
    int e = 0;
    while (got < sizeof(r)) {
        ssize_t n = read(rfd, (char *)&r + got, sizeof(r) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            e = n < 0 ? errno : EIO;
            break;
        }
        got += (size_t)n;
    }
    /* ECHILD: the caller ignores SIGCHLD and the kernel reaped the child already. */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;

    if (e) {
        vnic_error_set_errno(err, e, _("cannot read a private sysfs"));
        return -e;
    }
    if (r.step != PRIVATE_STEP_DONE) {
        static const char *const what[] = {
            [PRIVATE_STEP_UNSHARE] = N_("cannot enter a private mount namespace"),
            [PRIVATE_STEP_MAKE_PRIVATE] = N_("cannot make the mounts of a private mount "
                                             "namespace private"),
            [PRIVATE_STEP_MOUNT] = N_("cannot mount a private sysfs"),
        };
        if ((unsigned)r.step >= ELEMENTSOF(what) || r.err <= 0) {
            vnic_error_set(err, VNIC_ERR_INTERNAL, _("reading a private sysfs failed"));
            return -EIO;
        }
        vnic_error_set_errno(err, r.err, "%s", _(what[r.step]));
        return -r.err;
    }
    *ret = r.id;
    return 0;
}

/* "MAJOR:MINOR" as sysfs writes it. */
static int parse_devnum(const char *s, dev_t *ret)
{
    const char *colon = strchr(s, ':');
    char major[16];
    unsigned long ma, mi;
    if (!colon || (size_t)(colon - s) >= sizeof(major))
        return -EINVAL;
    memcpy(major, s, (size_t)(colon - s));
    major[colon - s] = '\0';
    if (vnic_parse_uint(major, 0, UINT_MAX, &ma) < 0 ||
        vnic_parse_uint(colon + 1, 0, UINT_MAX, &mi) < 0)
        return -EINVAL;
    *ret = makedev((unsigned)ma, (unsigned)mi);
    return 0;
}

static bool netdev_name_ok(const char *name)
{
    /* The name becomes a path component under /sys/class/net. */
    size_t len = name ? strlen(name) : 0;
    return len > 0 && len < IF_NAMESIZE && !strchr(name, '/') && !vnic_streq(name, ".") &&
           !vnic_streq(name, "..");
}

int vnic_devnode_macvtap_dev(const char *name, int ifindex, const char *ifalias, const uint8_t *mac,
                             dev_t *ret, vnic_error **err)
{
    if (!netdev_name_ok(name) || ifindex <= 0) {
        vnic_error_set(err, VNIC_ERR_INTERNAL, _("invalid device '%s' (ifindex %d)"),
                       name ? name : "", ifindex);
        return -EINVAL;
    }

    sysfs_paths p;
    snprintf(p.netdir, sizeof(p.netdir), "/sys/class/net/%s", name);
    snprintf(p.dev, sizeof(p.dev), "macvtap/tap%d/dev", ifindex);

    sysfs_ident id;
    sysfs_read_ident(&p, &id);
    if (!ident_matches(&id, ifindex, ifalias, mac)) {
        /* Typical after unshare(CLONE_NEWNET) or setns() without remounting /sys: /sys
         * still shows the namespace it was mounted in. */
        VNIC_DEBUG("/sys does not show device %s with ifindex %d of this network namespace; "
                   "reading a private sysfs",
                   name, ifindex);
        int r = sysfs_read_private(&p, &id, err);
        if (r < 0)
            return vnic_error_prefix(err, _("cannot find the character device of '%s'"), name), r;
        if (!ident_matches(&id, ifindex, ifalias, mac)) {
            /* A fresh sysfs of our own namespace disagrees with netlink: the device was
             * deleted, renamed or changed in between. */
            vnic_error_set(err, VNIC_ERR_SYSTEM,
                           _("device '%s' with ifindex %d is not in this network namespace "
                             "(any more)"),
                           name, ifindex);
            return -ENODEV;
        }
    }

    if (id.dev_err) {
        if (id.dev_err == ENOENT) {
            vnic_error_set(err, VNIC_ERR_SYSTEM,
                           _("device '%s' has no macvtap character device (is it a macvtap?)"),
                           name);
            return -ENODEV;
        }
        vnic_error_set_errno(err, id.dev_err, _("cannot read the character device number of '%s'"),
                             name);
        return -id.dev_err;
    }
    dev_t dev;
    if (parse_devnum(id.dev, &dev) < 0) {
        vnic_error_set(err, VNIC_ERR_SYSTEM,
                       _("unexpected character device number '%s' of device '%s' in sysfs"), id.dev,
                       name);
        return -EINVAL;
    }
    *ret = dev;
    return 0;
}

int vnic_devnode_macvtap_dev_known(const char *name, int ifindex, const char *ifalias,
                                   const uint8_t *mac, dev_t *ret)
{
    if (!netdev_name_ok(name) || ifindex <= 0 || !ifalias || !*ifalias)
        return -EINVAL;
    sysfs_paths p;
    snprintf(p.netdir, sizeof(p.netdir), "/sys/class/net/%s", name);
    snprintf(p.dev, sizeof(p.dev), "macvtap/tap%d/dev", ifindex);
    sysfs_ident id;
    sysfs_read_ident(&p, &id);
    if (!ident_matches(&id, ifindex, ifalias, mac) || id.dev_err)
        return -ENODEV;
    return parse_devnum(id.dev, ret);
}

/* Accept fd only if it is the character device dev; takes fd in all cases. */
static int check_fd(int fd, dev_t dev, const char *what, int *ret_fd, vnic_error **err)
{
    _cleanup_close_ int owned = fd;
    struct stat st;
    if (fstat(owned, &st) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot check '%s'"), what);
        return -e;
    }
    if (!S_ISCHR(st.st_mode) || st.st_rdev != dev) {
        vnic_error_set(err, VNIC_ERR_SYSTEM, _("'%s' is not the character device %u:%u"), what,
                       major(dev), minor(dev));
        return -ENXIO;
    }
    *ret_fd = TAKE_FD(owned);
    return 0;
}

/* A name no one else picks: pid, a per-process counter and the clock. */
static void node_name(char *buf, size_t size)
{
    static atomic_uint counter;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(buf, size, ".vnic-chr-%ld-%u-%lx", (long)getpid(), atomic_fetch_add(&counter, 1),
             (unsigned long)ts.tv_nsec);
}

int vnic_devnode_open_char(dev_t dev, const char *private_dir, int flags, int *ret_fd,
                           vnic_error **err)
{
    _cleanup_close_ int dfd = open(private_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot open directory '%s'"), private_dir);
        return -e;
    }

    char node[96];
    for (unsigned tries = 0;; tries++) {
        node_name(node, sizeof(node));
        if (mknodat(dfd, node, S_IFCHR | 0600, dev) == 0)
            break;
        int e = errno;
        if (e == EEXIST && tries < 16)
            continue;
        if (e == EPERM)
            vnic_error_set_errno(err, e,
                                 _("cannot make a device node in '%s' (making device nodes "
                                   "needs CAP_MKNOD in the initial user namespace)"),
                                 private_dir);
        else
            vnic_error_set_errno(err, e, _("cannot make a device node in '%s'"), private_dir);
        return -e;
    }

    int fd = openat(dfd, node, O_RDWR | O_CLOEXEC | O_NOCTTY | flags);
    int open_errno = errno;
    /* The node has done its job the moment open returns, whatever it returned. */
    if (unlinkat(dfd, node, 0) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        vnic_error_set_errno(err, e, _("cannot remove device node '%s/%s'"), private_dir, node);
        return -e;
    }

    if (fd < 0) {
        struct statvfs sv;
        if (open_errno == EACCES && fstatvfs(dfd, &sv) == 0 && (sv.f_flag & ST_NODEV))
            vnic_error_set(err, VNIC_ERR_SYSTEM,
                           _("cannot open a device node in '%s': its file system is mounted "
                             "nodev"),
                           private_dir);
        else if (open_errno == ENODEV || open_errno == ENXIO)
            vnic_error_set_errno(err, open_errno,
                                 _("cannot open character device %u:%u (its device is gone?)"),
                                 major(dev), minor(dev));
        else
            vnic_error_set_errno(err, open_errno, _("cannot open character device %u:%u"),
                                 major(dev), minor(dev));
        return -open_errno;
    }

    char what[64];
    snprintf(what, sizeof(what), "%u:%u", major(dev), minor(dev));
    return check_fd(fd, dev, what, ret_fd, err);
}

int vnic_devnode_open_checked(const char *path, dev_t dev, int flags, int *ret_fd, vnic_error **err)
{
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | flags);
    if (fd < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot open '%s'"), path);
        return -e;
    }
    return check_fd(fd, dev, path, ret_fd, err);
}
