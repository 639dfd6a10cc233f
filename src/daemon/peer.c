/* Who is at the other end of a unix socket: uid, gid and groups as they were at connect time. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access.h"
#include "cleanup.h"
#include "i18n.h"
#include "peer.h"
#include "strutil.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

/* Linux's NGROUPS_MAX (65536) groups at most; /proc/PID/status is a few kB. */
#define PEER_GROUPS_MAX 65536
#define STATUS_MAX (1U << 20)

void vnicd_peer_clear(vnicd_peer *peer)
{
    if (!peer)
        return;
    free(peer->groups);
    *peer = (vnicd_peer){.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
}

/* The kernel's own copy of the groups the peer had when it connected (Linux 4.13 and later):
 * no race with the peer changing its groups or its pid being reused. -ENOPROTOOPT where the
 * kernel has no such option. */
static int groups_from_socket(int fd, gid_t **ret, size_t *ret_n)
{
    socklen_t len = 64 * sizeof(gid_t);
    for (int tries = 0; tries < 4; tries++) {
        _cleanup_free_ gid_t *g = vnic_xmalloc(len ? len : sizeof(gid_t));
        socklen_t got = len;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &got) == 0) {
            *ret_n = got / sizeof(gid_t);
            *ret = TAKE_PTR(g);
            return 0;
        }
        if (errno != ERANGE)
            return -errno;
        /* The kernel said how much it needs. */
        if (got <= len || got > PEER_GROUPS_MAX * sizeof(gid_t))
            return -E2BIG;
        len = got;
    }
    return -EAGAIN;
}

int vnicd_peer_parse_status(const char *text, uid_t euid, gid_t **ret, size_t *ret_n)
{
    /* "Uid:\treal effective saved fs": the process must still be the one that connected, at
     * least as far as its effective uid goes, or its groups say nothing about the peer. */
    const char *uid_line = strstr(text, "\nUid:");
    const char *groups_line = strstr(text, "\nGroups:");
    if (!uid_line || !groups_line)
        return -EINVAL;
    unsigned long real, eff;
    if (sscanf(uid_line + 5, "%lu %lu", &real, &eff) != 2 || eff != (unsigned long)euid)
        return -ESRCH;

    const char *p = groups_line + 8;
    const char *end = strchr(p, '\n');
    if (!end)
        end = p + strlen(p);
    gid_t *g = NULL;
    size_t n = 0;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p >= end)
            break;
        char *stop;
        errno = 0;
        unsigned long v = strtoul(p, &stop, 10);
        if (stop == p || errno || v > 0xfffffffeUL || n >= PEER_GROUPS_MAX ||
            (stop < end && *stop != ' ' && *stop != '\t')) {
            free(g);
            return -EINVAL;
        }
        g = vnic_xreallocarray(g, n + 1, sizeof(*g));
        g[n++] = (gid_t)v;
        p = stop;
    }
    *ret = g;
    *ret_n = n;
    return 0;
}

static int groups_from_proc(pid_t pid, uid_t uid, gid_t **ret, size_t *ret_n)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    size_t len = 0, alloc = 4096;
    _cleanup_free_ char *buf = vnic_xmalloc(alloc + 1);
    for (;;) {
        if (len == alloc) {
            if (alloc >= STATUS_MAX)
                return -EFBIG;
            alloc *= 2;
            buf = vnic_xreallocarray(buf, alloc + 1, 1);
        }
        ssize_t r = read(fd, buf + len, alloc - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    /* The parser looks for "\nUid:"; the file starts with "Name:", never with Uid. */
    return vnicd_peer_parse_status(buf, uid, ret, ret_n);
}

/* The groups the user database gives UID's name: what a fresh login of that user would have. */
static int groups_from_db(uid_t uid, gid_t gid, gid_t **ret, size_t *ret_n)
{
    char buf[16384];
    struct passwd pw, *p = NULL;
    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &p) != 0 || !p) {
        *ret = NULL;
        *ret_n = 0;
        return 0;
    }
    int n = 64;
    for (int tries = 0; tries < 8; tries++) {
        _cleanup_free_ gid_t *g = vnic_xcalloc((size_t)n, sizeof(gid_t));
        int got = n;
        if (getgrouplist(p->pw_name, gid, g, &got) >= 0) {
            *ret_n = (size_t)got;
            *ret = TAKE_PTR(g);
            return 0;
        }
        if (got <= n || got > PEER_GROUPS_MAX)
            return -E2BIG;
        n = got;
    }
    return -EAGAIN;
}

int vnicd_peer_read(int fd, vnicd_peer *ret, vnic_error **err)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return vnic_error_set_errno(err, errno, _("cannot read the peer's credentials")), -errno;
    if (len != sizeof(cred) || cred.uid == (uid_t)-1)
        return vnic_error_set(err, VNIC_ERR_SYSTEM, _("the peer has no credentials")), -EINVAL;

    vnicd_peer peer = {.pid = cred.pid, .uid = cred.uid, .gid = cred.gid};
    int r = groups_from_socket(fd, &peer.groups, &peer.ngroups);
    if (r == -ENOPROTOOPT && cred.pid > 0)
        r = groups_from_proc(cred.pid, cred.uid, &peer.groups, &peer.ngroups);
    if (r < 0)
        r = groups_from_db(cred.uid, cred.gid, &peer.groups, &peer.ngroups);
    if (r < 0)
        return vnic_error_set(err, VNIC_ERR_SYSTEM,
                              _("cannot read the groups of the peer (pid %ld)"), (long)cred.pid),
               r;
    *ret = peer;
    return 0;
}
