/* The parts of peer.c that its unit test reaches. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* The groups of the "Groups:" line of a /proc/PID/status text, whose "Uid:" line must show
 * EUID as the effective uid (-ESRCH otherwise: the process is no longer the peer that
 * connected). *ret (may be NULL when there are none) is owned by the caller; -EINVAL for a
 * text that is not such a file. */
int vnicd_peer_parse_status(const char *text, uid_t euid, gid_t **ret, size_t *ret_n);
