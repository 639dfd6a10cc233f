/* Files of the state store: directories, atomic replacement, locks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Create dir and its parents with mode (existing directories are left as they are, except
 * the last one, whose mode is enforced). */
int vnic_mkdir_p(const char *dir, mode_t mode, vnic_error **err);

/* Replace path with data atomically: write a temporary file in the same directory, fsync it,
 * rename it over path, fsync the directory. The file gets mode. Readers see the old or the
 * new content, never a mix, also after a crash. */
int vnic_file_write_atomic(const char *path, const char *data, size_t len, mode_t mode,
                           vnic_error **err);

/* Read a whole file. *ret is NUL-terminated and owned by the caller. -ENOENT if missing. */
int vnic_file_read(const char *path, char **ret, size_t *ret_len, vnic_error **err);

/* Unlink path and fsync its directory; a missing file is success. */
int vnic_file_remove(const char *path, vnic_error **err);

/* Take an exclusive lock (flock) on path, creating it; blocks until granted. *ret_fd holds
 * the lock until closed. */
int vnic_lock_file(const char *path, int *ret_fd, vnic_error **err);

/* As vnic_lock_file, without waiting: -EWOULDBLOCK (err untouched) when another process holds
 * the lock. Locks die with their process, so a lock nobody holds means nobody is at work. */
int vnic_lock_file_try(const char *path, int *ret_fd, vnic_error **err);
