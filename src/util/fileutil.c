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

int vnic_mkdir_p(const char *dir, mode_t mode, vnic_error **err)
{
    _cleanup_free_ char *copy = vnic_xstrdup(dir);

    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
            int e = errno;
            vnic_error_set_errno(err, e, _("cannot create directory '%s'"), copy);
            return -e;
        }
        *p = '/';
    }
    if (mkdir(copy, mode) < 0 && errno != EEXIST) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot create directory '%s'"), copy);
        return -e;
    }
    struct stat st;
    if (stat(copy, &st) < 0 || !S_ISDIR(st.st_mode)) {
        vnic_error_set(err, VNIC_ERR_IO, _("'%s' is not a directory"), copy);
        return -ENOTDIR;
    }
    if ((st.st_mode & 07777) != mode && chmod(copy, mode) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot set the mode of '%s'"), copy);
        return -e;
    }
    return 0;
}

static int fsync_dir_of(const char *path)
{
    _cleanup_free_ char *copy = vnic_xstrdup(path);
    _cleanup_close_ int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) < 0)
        return -errno;
    return 0;
}

int vnic_file_write_atomic(const char *path, const char *data, size_t len, mode_t mode,
                           vnic_error **err)
{
    _cleanup_free_ char *tmp = vnic_xasprintf("%s.tmp.%d", path, (int)getpid());
    int e;

    _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        e = errno;
        vnic_error_set_errno(err, e, _("cannot create '%s'"), tmp);
        return -e;
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
    if (rename(tmp, path) < 0)
        goto fail;
    e = fsync_dir_of(path);
    if (e < 0) {
        vnic_error_set_errno(err, -e, _("cannot sync the directory of '%s'"), path);
        return e;
    }
    return 0;

fail:
    e = errno;
    unlink(tmp);
    vnic_error_set_errno(err, e, _("cannot write '%s'"), path);
    return -e;
}

int vnic_file_read(const char *path, char **ret, size_t *ret_len, vnic_error **err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot open '%s'"), path);
        return -e;
    }
    size_t len = 0, alloc = 4096;
    _cleanup_free_ char *buf = vnic_xmalloc(alloc);
    for (;;) {
        if (alloc - len < 1024) {
            alloc *= 2;
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
    buf[len] = '\0';
    *ret = TAKE_PTR(buf);
    if (ret_len)
        *ret_len = len;
    return 0;
}

int vnic_file_remove(const char *path, vnic_error **err)
{
    if (unlink(path) < 0) {
        if (errno == ENOENT)
            return 0;
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot remove '%s'"), path);
        return -e;
    }
    int e = fsync_dir_of(path);
    if (e < 0) {
        vnic_error_set_errno(err, -e, _("cannot sync the directory of '%s'"), path);
        return e;
    }
    return 0;
}

static int lock_file(const char *path, bool wait, int *ret_fd, vnic_error **err)
{
    _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot open lock file '%s'"), path);
        return -e;
    }
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

int vnic_lock_file(const char *path, int *ret_fd, vnic_error **err)
{
    return lock_file(path, true, ret_fd, err);
}

int vnic_lock_file_try(const char *path, int *ret_fd, vnic_error **err)
{
    return lock_file(path, false, ret_fd, err);
}
