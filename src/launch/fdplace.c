#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "fdplace.h"

int vnic_place_fds(const int *fds, size_t n, int first, int *scratch, int *keep)
{
    int top = first + (int)n;
    int above = top + 1;

    /* First move every fd above the target range: a source may sit where another one has to
     * go (fd 5 must become 3 while fd 3 must become 4). */
    int kept = -1;
    if (keep && *keep >= 0 && (kept = fcntl(*keep, F_DUPFD_CLOEXEC, above)) < 0)
        return -errno;
    for (size_t i = 0; i < n; i++) {
        scratch[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, above);
        if (scratch[i] < 0)
            return -errno;
    }
    /* dup2 gives the new fd no O_CLOEXEC: these are the ones the program inherits. */
    for (size_t i = 0; i < n; i++)
        if (dup2(scratch[i], first + (int)i) < 0)
            return -errno;
    if (kept >= 0) {
        if (dup3(kept, top, O_CLOEXEC) < 0)
            return -errno;
        *keep = top;
    }
    /* Everything else goes, including the scratch copies and whatever the parent leaked. */
    unsigned from = (unsigned)(kept >= 0 ? top + 1 : top);
    if (close_range(from, UINT_MAX, 0) < 0)
        for (int fd = (int)from; fd < 65536; fd++)
            close(fd);
    return 0;
}
