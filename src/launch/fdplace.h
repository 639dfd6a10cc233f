/* Placing inherited fds in a child between fork and exec. */
#pragma once

#include <stddef.h>

/* In the child: put FDS[i] at FIRST + i (without O_CLOEXEC, so exec keeps them) and close
 * every other fd from FIRST on, except *KEEP (if KEEP is not NULL and *KEEP >= 0), which is
 * moved to FIRST + N with O_CLOEXEC and *KEEP updated: a pipe to report a failed exec.
 * SCRATCH has room for N ints, allocated before fork, because only async-signal-safe calls
 * may be made here. Returns 0 or -errno. */
int vnic_place_fds(const int *fds, size_t n, int first, int *scratch, int *keep);
