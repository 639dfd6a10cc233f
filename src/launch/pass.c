/* vnicsh pass: queue fds over a unix socket with SCM_RIGHTS, for VMMs that take their fds
 * that way (Firecracker- and cloud-hypervisor-style launchers).
 *
 * Protocol (documented in the README): on a SOCK_STREAM connection, one message per
 * interface whose bytes are a JSON object and a newline, and whose SCM_RIGHTS carry that
 * interface's queue fds in order, then its vhost-net fds ("vhost_fds": N, one per queue, where
 * it has them); then a last line {"done": true, "interfaces": N}. The peer
 * answers with one line, {"ack": true} (or {"ack": false, "error": "WHY"}): only then has it
 * surely taken the fds, and a peer that closes or never reads is an error. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "i18n.h"
#include "launch.h"
#include "qemu.h"
#include "strutil.h"
#include "tun.h"

/* The kernel's limit of fds in one SCM_RIGHTS message (SCM_MAX_FD). */
#define PASS_MAX_FDS 253
/* How long the peer may take for the whole exchange: accepting, reading and acknowledging. */
#define PASS_TIMEOUT_MS 10000
/* The longest acknowledgement read. */
#define PASS_MAX_ACK 4096

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bound the next blocking send (or connect) on SOCK by the time left until DEADLINE. */
static int set_send_timeout(int sock, long long deadline)
{
    long long left = deadline - now_ms();
    if (left <= 0)
        return -EAGAIN;
    struct timeval tv = {.tv_sec = left / 1000, .tv_usec = (left % 1000) * 1000};
    return setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ? -errno : 0;
}

static int send_line(int sock, const char *line, const int *fds, size_t nfds, long long deadline,
                     vnic_error **err)
{
    size_t len = strlen(line), done = 0;
    size_t space = CMSG_SPACE(sizeof(int) * (nfds ? nfds : 1));
    _cleanup_free_ char *ctrl = vnic_xcalloc(1, space);

    while (done < len) {
        struct iovec iov = {.iov_base = (char *)line + done, .iov_len = len - done};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        if (nfds && done == 0) {
            msg.msg_control = ctrl;
            msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
            struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
            if (!c)
                return vnic_error_set(err, VNIC_ERR_INTERNAL, _("no room for the fds")), -EINVAL;
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
            memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
        }
        int r = set_send_timeout(sock, deadline);
        ssize_t w = r < 0 ? r : sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (w < 0 && r == 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int e = r < 0 ? -r : errno;
            if (e == EAGAIN)
                vnic_error_set(err, VNIC_ERR_IO, _("the peer did not read within %d s"),
                               PASS_TIMEOUT_MS / 1000);
            else if (e == EPIPE || e == ECONNRESET)
                vnic_error_set(err, VNIC_ERR_IO,
                               _("the peer closed the connection without acknowledging the "
                                 "fds"));
            else
                vnic_error_set_errno(err, e, _("cannot send to the socket"));
            return -e;
        }
        done += (size_t)w;
    }
    return 0;
}

/* Read the peer's one-line acknowledgement before DEADLINE. */
static int read_ack(int sock, long long deadline, vnic_error **err)
{
    char buf[PASS_MAX_ACK + 1];
    size_t len = 0;
    char *nl = NULL;

    while (!nl) {
        if (len == PASS_MAX_ACK)
            return vnic_error_set(err, VNIC_ERR_IO,
                                  _("the peer's acknowledgement is longer than %d bytes"),
                                  PASS_MAX_ACK),
                   -EMSGSIZE;
        long long left = deadline - now_ms();
        if (left <= 0)
            return vnic_error_set(err, VNIC_ERR_IO,
                                  _("the peer did not acknowledge the fds within %d s"),
                                  PASS_TIMEOUT_MS / 1000),
                   -ETIMEDOUT;
        struct pollfd pfd = {.fd = sock, .events = POLLIN};
        int n = poll(&pfd, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            return vnic_error_set_errno(err, e, _("cannot wait for the peer")), -e;
        }
        if (n == 0)
            continue;
        ssize_t got = recv(sock, buf + len, PASS_MAX_ACK - len, MSG_CMSG_CLOEXEC);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && errno != ECONNRESET) {
            int e = errno;
            return vnic_error_set_errno(err, e, _("cannot read the peer's acknowledgement")), -e;
        }
        /* A peer that closes with our messages unread resets the connection. */
        if (got <= 0)
            return vnic_error_set(err, VNIC_ERR_IO,
                                  _("the peer closed the connection without acknowledging the "
                                    "fds")),
                   -ECONNRESET;
        nl = memchr(buf + len, '\n', (size_t)got);
        len += (size_t)got;
    }
    *nl = '\0';

    json_object *o = strlen(buf) == (size_t)(nl - buf) ? json_tokener_parse(buf) : NULL;
    json_object *ack = NULL, *why = NULL;
    int r = 0;
    if (!o || !json_object_object_get_ex(o, "ack", &ack) ||
        !json_object_is_type(ack, json_type_boolean)) {
        vnic_error_set(err, VNIC_ERR_IO,
                       _("the peer sent something that is not an "
                         "acknowledgement: %.200s"),
                       buf);
        r = -EPROTO;
    } else if (!json_object_get_boolean(ack)) {
        json_object_object_get_ex(o, "error", &why);
        vnic_error_set(err, VNIC_ERR_IO, _("the peer refused the fds: %s"),
                       why ? json_object_get_string(why) : _("no reason given"));
        r = -EPROTO;
    }
    json_object_put(o);
    return r;
}

static int pass_fds(vnic_conn *conn, const char *name, const char *path, vnic_error **err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (!vnic_strlcpy(sa.sun_path, path, sizeof(sa.sun_path)))
        return vnic_error_set(err, VNIC_ERR_INVALID, _("socket path '%s' is too long"), path),
               -ENAMETOOLONG;

    /* One snapshot: the interfaces described and the fds sent agree, whatever happens to the
     * domain meanwhile. */
    _cleanup_(vnic_domain_snapshot_freep) vnic_domain_snapshot *snap = NULL;
    int r = vnic_conn_domain_snapshot(conn, name, NULL, NULL, 0,
                                      VNIC_SNAPSHOT_FDS | VNIC_SNAPSHOT_VHOST, &snap, NULL, err);
    if (r < 0)
        return r;
    const vnic_domain_def *def = snap->def;
    const size_t *counts = snap->counts;
    const int *fds = snap->fds;
    size_t n = snap->niface;

    /* One deadline for everything the peer has to do; a unix connect waits while the
     * listener's backlog is full, and SO_SNDTIMEO bounds that too. */
    long long deadline = now_ms() + PASS_TIMEOUT_MS;
    _cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    r = sock < 0 ? -errno : set_send_timeout(sock, deadline);
    if (r == 0 && connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        r = -errno;
    if (r < 0) {
        if (r == -EAGAIN)
            vnic_error_set(err, VNIC_ERR_IO,
                           _("cannot connect to '%s': nobody accepted within %d s"), path,
                           PASS_TIMEOUT_MS / 1000);
        else
            vnic_error_set_errno(err, -r, _("cannot connect to '%s'"), path);
        goto out;
    }

    size_t off = 0, voff = 0;
    for (size_t i = 0; i < n; i++) {
        const vnic_iface_def *d = def->ifaces[i];
        size_t nv = snap->vhost_counts ? snap->vhost_counts[i] : 0;
        if (counts[i] + nv > PASS_MAX_FDS) {
            vnic_error_set(err, VNIC_ERR_INVALID,
                           _("interface %zu has %zu queues; one message carries at most %d "
                             "fds"),
                           i, counts[i] + nv, PASS_MAX_FDS);
            r = -E2BIG;
            goto out;
        }
        const char *id = snap->ids[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "index", json_object_new_int((int)i));
        json_object_object_add(o, "id", json_object_new_string(id));
        json_object_object_add(
            o, "type",
            json_object_new_string(d->type_tap ? "tap" : vnic_iface_type_to_string(d->type)));
        if (d->target_dev)
            json_object_object_add(o, "device", json_object_new_string(d->target_dev));
        if (d->has_mac) {
            char mac[18];
            vnic_mac_format(d->mac, mac);
            json_object_object_add(o, "mac", json_object_new_string(mac));
        }
        if (d->model)
            json_object_object_add(o, "model", json_object_new_string(d->model));
        json_object_object_add(o, "vnet_hdr",
                               json_object_new_boolean(vnic_model_uses_vnet_hdr(d->model)));
        json_object_object_add(o, "queues", json_object_new_int((int)counts[i]));
        /* The vhost-net fds (one per queue) follow the queue fds in the same message. */
        if (nv)
            json_object_object_add(o, "vhost_fds", json_object_new_int((int)nv));
        _cleanup_free_ char *line =
            vnic_xasprintf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        _cleanup_free_ int *all = vnic_xcalloc(counts[i] + nv + 1, sizeof(int));
        memcpy(all, fds + off, counts[i] * sizeof(int));
        if (nv)
            memcpy(all + counts[i], snap->vhostfds + voff, nv * sizeof(int));
        if ((r = send_line(sock, line, all, counts[i] + nv, deadline, err)) < 0)
            goto out;
        off += counts[i];
        voff += nv;
    }
    {
        /* Written by json-c as every other line, in the same compact form. */
        json_object *o = json_object_new_object();
        json_object_object_add(o, "done", json_object_new_boolean(true));
        json_object_object_add(o, "interfaces", json_object_new_int64((int64_t)n));
        _cleanup_free_ char *last =
            vnic_xasprintf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        r = send_line(sock, last, NULL, 0, deadline, err);
    }
    if (r == 0)
        r = read_ack(sock, deadline, err);

out:
    /* The receiver has its own copies now; ours go (with the snapshot). */
    return r;
}

/* The public entry points: the return convention and flag check of vnic.h (error.h). */

int vnic_pass_fds(vnic_conn *conn, const char *name, const char *path, vnic_error **err)
{
    vnic_api_call c;
    vnic_api_begin(&c, __func__, err, NULL, 0, 0);
    return vnic_api_end(&c, pass_fds(conn, name, path, c.err));
}
