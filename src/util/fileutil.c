#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "i18n.h"
#include "strutil.h"

/* ---- files of the state store, relative to directory fds ------------------------------- */

/* Create the directory PATH_LEN bytes of COPY name, and its missing parents. The common case
 * (it exists) costs one stat; parents are walked only while missing, so that opening a store
 * does not try to make every component of its path again. */
static int mkdir_prefix(char *copy, size_t len, vnic_error **err)
{
    if (len == 0)
        return 0;
    char saved = copy[len];
    copy[len] = '\0';
    struct stat st;
    int r = 0;
    if (stat(copy, &st) == 0 && S_ISDIR(st.st_mode))
        goto out;
    size_t parent = len;
    while (parent > 0 && copy[parent - 1] != '/')
        parent--;
    /* parent: the length up to and with the last '/', 0 without one; "/x" has none to make. */
    if (parent > 1 && (r = mkdir_prefix(copy, parent - 1, err)) < 0)
        goto out;
    if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
        r = -errno;
        vnic_error_set_errno(err, -r, _("cannot create directory '%s'"), copy);
    }
out:
    copy[len] = saved;
    return r;
}

int vnic_mkdir_parents(const char *path, vnic_error **err)
{
    _cleanup_free_ char *copy = vnic_xstrdup(path);
    char *slash = strrchr(copy, '/');
    if (!slash || slash == copy)
        return 0;
    return mkdir_prefix(copy, (size_t)(slash - copy), err);
}

/* Why NAME under dirfd could not be opened: a symbolic link gets a message of its own, since
 * the store refuses them on purpose. */
static int open_error(int dirfd, const char *name, const char *path, int e, vnic_error **err)
{
    struct stat st;
    if (e == ELOOP || (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)))
        return vnic_error_set(err, VNIC_ERR_IO,
                              _("'%s' is a symbolic link; the state store follows none"), path),
               -ELOOP;
    vnic_error_set_errno(err, e, _("cannot open '%s'"), path);
    return -e;
}

static int not_regular(const char *path, vnic_error **err)
{
    return vnic_error_set(err, VNIC_ERR_IO,
                          _("'%s' is not a regular file; the state store refuses it"), path),
           -EINVAL;
}

static int too_big(const char *path, size_t max, vnic_error **err)
{
    return vnic_error_set(err, VNIC_ERR_IO,
                          _("'%s' is larger than %zu bytes; the state store refuses it"), path,
                          max),
           -EFBIG;
}

/* fd (of path) is a regular file of at most max bytes; *st its attributes. */
static int check_small_regular(int fd, const char *path, size_t max, struct stat *st,
                               vnic_error **err)
{
    if (fstat(fd, st) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot read the attributes of '%s'"), path);
        return -e;
    }
    if (!S_ISREG(st->st_mode))
        return not_regular(path, err);
    if (st->st_size < 0 || (unsigned long long)st->st_size > max)
        return too_big(path, max, err);
    return 0;
}

int vnic_dir_open_private(int dirfd, const char *name, const char *path, mode_t mode, int *ret_fd,
                          vnic_error **err)
{
    /* Opened first: the directory nearly always exists, and a failed mkdirat on every open
     * of the store is a system call for nothing. */
    _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST) {
            int e = errno;
            vnic_error_set_errno(err, e, _("cannot create directory '%s'"), path);
            return -e;
        }
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
        int e = errno;
        if (e == ENOTDIR) {
            struct stat st;
            if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
                return vnic_error_set(err, VNIC_ERR_IO, _("'%s' is not a directory"), path),
                       -ENOTDIR;
        }
        return open_error(dirfd, name, path, e, err);
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot read the attributes of '%s'"), path);
        return -e;
    }
    /* Another user who can write here could plant records that name any device. */
    if (st.st_uid != geteuid())
        return vnic_error_set(err, VNIC_ERR_IO,
                              _("'%s' belongs to user %u, not to the user running vnic (%u); "
                                "refusing to use it"),
                              path, (unsigned)st.st_uid, (unsigned)geteuid()),
               -EPERM;
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return vnic_error_set(err, VNIC_ERR_IO,
                              _("'%s' may be written by other users (mode %04o); refusing to "
                                "use it"),
                              path, (unsigned)(st.st_mode & 07777)),
               -EPERM;
    if ((st.st_mode & 07777) != mode && fchmod(fd, mode) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot set the mode of '%s'"), path);
        return -e;
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}

/* Open regular file NAME under dirfd of at most max bytes for reading (*st: its attributes),
 * with vnic_file_read_at's refusals. */
static int open_small_regular(int dirfd, const char *name, const char *path, size_t max,
                              int *ret_fd, struct stat *st, vnic_error **err)
{
    /* O_NONBLOCK: a FIFO must not hang every command; it is refused below. */
    _cleanup_close_ int fd =
        openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return -ENOENT;
        return open_error(dirfd, name, path, errno, err);
    }
    int c = check_small_regular(fd, path, max, st, err);
    if (c < 0)
        return c;
    *ret_fd = TAKE_FD(fd);
    return 0;
}

int vnic_file_read_head_at(int dirfd, const char *name, const char *path, size_t max, size_t head,
                           char **ret, size_t *ret_len, vnic_error **err)
{
    _cleanup_close_ int fd = -1;
    struct stat st;
    int c = open_small_regular(dirfd, name, path, max, &fd, &st, err);
    if (c < 0)
        return c;
    char *buf = vnic_xmalloc(head + 1);
    size_t len = 0;
    while (len < head) {
        ssize_t r = pread(fd, buf + len, head - len, (off_t)len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            vnic_error_set_errno(err, e, _("cannot read '%s'"), path);
            return -e;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    *ret = buf;
    *ret_len = len;
    return 0;
}

int vnic_file_read_at(int dirfd, const char *name, const char *path, size_t max, char **ret,
                      size_t *ret_len, vnic_error **err)
{
    _cleanup_close_ int fd = -1;
    struct stat st;
    int c = open_small_regular(dirfd, name, path, max, &fd, &st, err);
    if (c < 0)
        return c;

    size_t len = 0, alloc = (size_t)st.st_size + 2; /* one more byte: did it grow? */
    _cleanup_free_ char *buf = vnic_xmalloc(alloc);
    for (;;) {
        if (len + 1 == alloc) {
            if (len > max) /* it grew while we read */
                return too_big(path, max, err);
            alloc = alloc * 2 > max + 2 ? max + 2 : alloc * 2;
            buf = vnic_xreallocarray(buf, alloc, 1);
        }
        ssize_t r = read(fd, buf + len, alloc - len - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            vnic_error_set_errno(err, e, _("cannot read '%s'"), path);
            return -e;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (len > max)
        return too_big(path, max, err);
    buf[len] = '\0';
    *ret = TAKE_PTR(buf);
    if (ret_len)
        *ret_len = len;
    return 0;
}

int vnic_file_open_rw_at(int dirfd, const char *name, const char *path, mode_t mode, size_t max,
                         int *ret_fd, bool *ret_created, vnic_error **err)
{
    /* The file as it is, nearly always there; else made with O_EXCL, to know that it was made
     * here (its directory entry then wants an fsync), or opened after all if another process
     * made it in between. */
    bool created = false;
    int flags = O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    _cleanup_close_ int fd = openat(dirfd, name, flags);
    if (fd < 0 && errno == ENOENT) {
        created = true;
        fd = openat(dirfd, name, flags | O_CREAT | O_EXCL, mode);
        if (fd < 0 && errno == EEXIST) {
            created = false;
            fd = openat(dirfd, name, flags);
        }
    }
    if (fd < 0)
        return open_error(dirfd, name, path, errno, err);
    struct stat st;
    int c = check_small_regular(fd, path, max, &st, err);
    if (c < 0)
        return c;
    *ret_fd = TAKE_FD(fd);
    *ret_created = created;
    return 0;
}

int vnic_file_check_at(int dirfd, const char *name, const char *path, vnic_error **err)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        int e = errno;
        if (e == ENOENT)
            return -ENOENT;
        vnic_error_set_errno(err, e, _("cannot read the attributes of '%s'"), path);
        return -e;
    }
    if (S_ISLNK(st.st_mode))
        return open_error(dirfd, name, path, ELOOP, err);
    if (!S_ISREG(st.st_mode))
        return not_regular(path, err);
    return 0;
}

int vnic_file_write_atomic_at(int dirfd, const char *name, const char *path, const char *data,
                              size_t len, mode_t mode, vnic_error **err)
{
    _cleanup_free_ char *tmp = vnic_xasprintf("%s.tmp.%d", name, (int)getpid());
    int e;

    /* A leftover of a process that had our pid and died, or something planted: not ours to
     * write through. */
    _cleanup_close_ int fd = -1;
    for (int attempt = 0; fd < 0; attempt++) {
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0 && errno == EEXIST && attempt == 0 && unlinkat(dirfd, tmp, 0) == 0)
            continue;
        if (fd < 0) {
            e = errno;
            vnic_error_set_errno(err, e, _("cannot create a temporary file for '%s'"), path);
            return -e;
        }
    }
    if (fchmod(fd, mode) < 0)
        goto fail;
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        done += (size_t)w;
    }
    if (fsync(fd) < 0)
        goto fail;
    if (close(TAKE_FD(fd)) < 0)
        goto fail;
    if (renameat(dirfd, tmp, dirfd, name) < 0)
        goto fail;
    if (fsync(dirfd) < 0) {
        e = errno;
        vnic_error_set_errno(err, e, _("cannot sync the directory of '%s'"), path);
        return -e;
    }
    return 0;

fail:
    e = errno;
    unlinkat(dirfd, tmp, 0);
    vnic_error_set_errno(err, e, _("cannot write '%s'"), path);
    return -e;
}

int vnic_file_remove_at(int dirfd, const char *name, const char *path, vnic_error **err)
{
    if (unlinkat(dirfd, name, 0) < 0) {
        if (errno == ENOENT)
            return 0;
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot remove '%s'"), path);
        return -e;
    }
    if (fsync(dirfd) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot sync the directory of '%s'"), path);
        return -e;
    }
    return 0;
}

int vnic_lock_file_at(int dirfd, const char *name, const char *path, bool wait, int *ret_fd,
                      vnic_error **err)
{
    _cleanup_close_ int fd = openat(
        dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP)
            return open_error(dirfd, name, path, e, err);
        vnic_error_set_errno(err, e, _("cannot open lock file '%s'"), path);
        return -e;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return not_regular(path, err);
    while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK && !wait)
            return -EWOULDBLOCK;
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot lock '%s'"), path);
        return -e;
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}
