/* vnicsh pass: queue fds over a unix socket with SCM_RIGHTS, for VMMs that take their fds
 * that way (Firecracker- and cloud-hypervisor-style launchers).
 *
 * Protocol (documented in the README): on a SOCK_STREAM connection, one message per
 * interface whose bytes are a JSON object and a newline, and whose SCM_RIGHTS carry that
 * interface's queue fds in order; then a last line {"done": true, "interfaces": N}. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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

static int send_line(int sock, const char *line, const int *fds, size_t nfds, vnic_error **err)
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
        ssize_t w = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int e = errno;
            vnic_error_set_errno(err, e, _("cannot send to the socket"));
            return -e;
        }
        done += (size_t)w;
    }
    return 0;
}

int vnic_pass_fds(vnic_conn *conn, const char *name, const char *path, vnic_error **err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (!vnic_strlcpy(sa.sun_path, path, sizeof(sa.sun_path)))
        return vnic_error_set(err, VNIC_ERR_INVALID, _("socket path '%s' is too long"), path),
               -ENAMETOOLONG;

    vnic_domain_def *def = vnic_launch_running_def(conn, name, err);
    if (!def)
        return -ENOENT;
    int *fds = NULL;
    size_t *counts = NULL, n = 0, total = 0;
    int r = vnic_domain_open_all_queues(conn, name, &fds, &counts, &n, err);
    if (r < 0) {
        vnic_domain_def_free(def);
        return r;
    }
    for (size_t i = 0; i < n; i++)
        total += counts[i];

    _cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        r = -errno;
        vnic_error_set_errno(err, -r, _("cannot connect to '%s'"), path);
        goto out;
    }

    size_t off = 0;
    for (size_t i = 0; i < n && i < def->niface; i++) {
        const vnic_iface_def *d = def->ifaces[i];
        if (counts[i] > PASS_MAX_FDS) {
            vnic_error_set(err, VNIC_ERR_INVALID,
                           _("interface %zu has %zu queues; one message carries at most %d "
                             "fds"),
                           i, counts[i], PASS_MAX_FDS);
            r = -E2BIG;
            goto out;
        }
        _cleanup_free_ char *id = vnic_qemu_domain_iface_id(def, i);
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
        _cleanup_free_ char *line =
            vnic_xasprintf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        if ((r = send_line(sock, line, fds + off, counts[i], err)) < 0)
            goto out;
        off += counts[i];
    }
    {
        _cleanup_free_ char *last = vnic_xasprintf("{\"done\": true, \"interfaces\": %zu}\n", n);
        r = send_line(sock, last, NULL, 0, err);
    }

out:
    /* The receiver has its own copies now; ours go. */
    vnic_close_fds(fds, total);
    free(fds);
    free(counts);
    vnic_domain_def_free(def);
    return r;
}
