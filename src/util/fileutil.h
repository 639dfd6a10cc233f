/* Files of the state store: directories, atomic replacement, locks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* ---- files of the state store, relative to directory fds ------------------------------------
 *
 * Everything under a store's directories is untrusted: these never follow a symbolic link,
 * never block on a FIFO, accept regular files only and read at most a given size. NAME is one
 * path component under DIRFD; PATH is its full name, used only in messages. */

/* Largest record or definition the store reads: thousands of interfaces fit, /dev/zero or a
 * runaway file does not. */
#define VNIC_STORE_FILE_MAX (16U << 20)

/* Create every missing ancestor of path (mode 0755); existing ones are left as they are. */
int vnic_mkdir_parents(const char *path, vnic_error **err);

/* Open directory NAME under dirfd (AT_FDCWD: NAME is a path; only its last component is
 * checked), creating it with mode if missing. Refused unless it is a directory, not a
 * symbolic link, owned by the effective user and writable by nobody else; its mode is then
 * set to mode. *ret_fd is O_RDONLY|O_DIRECTORY|O_CLOEXEC, owned by the caller. */
int vnic_dir_open_private(int dirfd, const char *name, const char *path, mode_t mode, int *ret_fd,
                          vnic_error **err);

/* Read regular file NAME under dirfd, at most max bytes. *ret is NUL-terminated and owned by
 * the caller. -ENOENT (err untouched) if missing; -ELOOP for a symbolic link, -EINVAL for
 * anything but a regular file, -EFBIG above max, each with err naming path. */
int vnic_file_read_at(int dirfd, const char *name, const char *path, size_t max, char **ret,
                      size_t *ret_len, vnic_error **err);

/* The first head bytes (fewer if the file is shorter) of regular file NAME under dirfd, with
 * vnic_file_read_at's refusals (the whole file still at most max bytes). *ret is
 * NUL-terminated and owned by the caller; *ret_len its length. */
int vnic_file_read_head_at(int dirfd, const char *name, const char *path, size_t max, size_t head,
                           char **ret, size_t *ret_len, vnic_error **err);

/* Open regular file NAME under dirfd for reading and writing, creating it with mode if
 * missing (*ret_created then true), for a small file updated in place. The same refusals as
 * vnic_file_read_at: a symbolic link, anything but a regular file, more than max bytes.
 * *ret_fd is O_CLOEXEC, owned by the caller. */
int vnic_file_open_rw_at(int dirfd, const char *name, const char *path, mode_t mode, size_t max,
                         int *ret_fd, bool *ret_created, vnic_error **err);

/* 0 if NAME under dirfd is a regular file, -ENOENT (err untouched) if missing; anything else
 * (a link, a FIFO, a directory) is an error naming path. */
int vnic_file_check_at(int dirfd, const char *name, const char *path, vnic_error **err);

/* Replace NAME under dirfd with data atomically: write a temporary file in the same directory
 * (O_EXCL, O_NOFOLLOW), fsync it, rename it over NAME (never over what a link points to), fsync
 * the directory. The file gets mode. Readers see the old or the new content, never a mix, also
 * after a crash. */
int vnic_file_write_atomic_at(int dirfd, const char *name, const char *path, const char *data,
                              size_t len, mode_t mode, vnic_error **err);

/* Unlink NAME under dirfd and fsync the directory; a missing file is success. */
int vnic_file_remove_at(int dirfd, const char *name, const char *path, vnic_error **err);

/* Take an exclusive lock (flock) on NAME under dirfd, creating it; the lock file must be a
 * regular file. With wait, block until granted; without, -EWOULDBLOCK (err untouched) when
 * another process holds it (locks die with their process, so a lock nobody holds means nobody
 * is at work). *ret_fd holds the lock until closed. */
int vnic_lock_file_at(int dirfd, const char *name, const char *path, bool wait, int *ret_fd,
                      vnic_error **err);
