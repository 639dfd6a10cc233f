#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "i18n.h"
#include "qmp.h"
#include "strutil.h"

/* A QMP peer is untrusted: what it can make vnic hold is bounded. vnic's own commands have
 * short replies and QEMU's events are small, so the limits are far above what a QEMU sends
 * and far below what would hurt. */
#define QMP_MAX_LINE (1024 * 1024)
#define QMP_MAX_EVENTS 256
#define QMP_MAX_EVENT_BYTES (1024 * 1024)

struct vnic_qmp {
    int fd;
    int timeout_ms; /* per command: sending it and waiting for its reply */
    bool broken;    /* the stream is out of step after a failure: no more commands */
    char *buf;      /* received, not yet split into lines */
    size_t len, alloc;
    json_object **events; /* events seen while waiting for replies */
    size_t nevents, event_bytes;
};

void vnic_qmp_close(vnic_qmp *q)
{
    if (!q)
        return;
    if (q->fd >= 0)
        close(q->fd);
    for (size_t i = 0; i < q->nevents; i++)
        json_object_put(q->events[i]);
    free(q->events);
    free(q->buf);
    free(q);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The next JSON message, or -ETIMEDOUT when none came before the deadline. A failure leaves
 * the stream out of step: the connection takes no more commands. */
static int read_message(vnic_qmp *q, long long deadline, size_t *ret_len, json_object **ret,
                        vnic_error **err)
{
    int r = -EIO;
    for (;;) {
        /* Checked before every message, not only when the buffer runs dry: a peer that
         * floods never lets it run dry. */
        long long left = deadline - now_ms();
        if (left <= 0) {
            vnic_error_set(err, VNIC_ERR_IO, _("QEMU did not answer in time"));
            r = -ETIMEDOUT;
            goto broken;
        }

        char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
        if (nl) {
            size_t linelen = (size_t)(nl - q->buf);
            *nl = '\0';
            json_object *o = NULL;
            bool blank = strspn(q->buf, " \r\t") == linelen;
            if (!blank && linelen == strlen(q->buf))
                o = json_tokener_parse(q->buf);
            if (!blank && (!o || !json_object_is_type(o, json_type_object))) {
                json_object_put(o);
                vnic_error_set(err, VNIC_ERR_IO, _("QEMU sent something that is not JSON: %.200s"),
                               q->buf);
                r = -EBADMSG;
                goto broken;
            }
            memmove(q->buf, nl + 1, q->len - linelen - 1);
            q->len -= linelen + 1;
            if (blank)
                continue;
            if (ret_len)
                *ret_len = linelen;
            *ret = o;
            return 0;
        }
        if (q->len > QMP_MAX_LINE) {
            vnic_error_set(err, VNIC_ERR_IO, _("QEMU sent a message longer than %d bytes"),
                           QMP_MAX_LINE);
            r = -EMSGSIZE;
            goto broken;
        }
        struct pollfd pfd = {.fd = q->fd, .events = POLLIN};
        int n = poll(&pfd, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = -errno;
            vnic_error_set_errno(err, -r, _("cannot wait for QEMU"));
            goto broken;
        }
        if (n == 0)
            continue;
        /* The buffer never grows past the longest line allowed (and its newline). */
        if (q->alloc - q->len < 4096 && q->alloc < QMP_MAX_LINE + 1) {
            q->alloc = q->alloc ? q->alloc * 2 : 8192;
            if (q->alloc > QMP_MAX_LINE + 1)
                q->alloc = QMP_MAX_LINE + 1;
            q->buf = vnic_xreallocarray(q->buf, q->alloc, 1);
        }
        ssize_t got = read(q->fd, q->buf + q->len, q->alloc - q->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            r = got < 0 ? -errno : -ECONNRESET;
            vnic_error_set_errno(err, -r, _("the QMP connection broke"));
            goto broken;
        }
        q->len += (size_t)got;
    }

broken:
    q->broken = true;
    return r;
}

/* Bound the next blocking send (or connect) on FD by the time left until DEADLINE. */
static int set_send_timeout(int fd, long long deadline)
{
    long long left = deadline - now_ms();
    if (left <= 0)
        return -ETIMEDOUT;
    struct timeval tv = {.tv_sec = left / 1000, .tv_usec = (left % 1000) * 1000};
    return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ? -errno : 0;
}

static int send_json(vnic_qmp *q, json_object *o, int fd, long long deadline, vnic_error **err)
{
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    _cleanup_free_ char *line = vnic_xasprintf("%s\n", text);
    size_t len = strlen(line), done = 0;

    while (done < len) {
        struct iovec iov = {.iov_base = line + done, .iov_len = len - done};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        union {
            struct cmsghdr h;
            char buf[CMSG_SPACE(sizeof(int))];
        } ctrl;
        if (fd >= 0 && done == 0) {
            /* The fd travels with the first byte of the command that names it. */
            memset(&ctrl, 0, sizeof(ctrl));
            msg.msg_control = ctrl.buf;
            msg.msg_controllen = sizeof(ctrl.buf);
            struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        /* A peer that never reads must not hold vnic forever. */
        int r = set_send_timeout(q->fd, deadline);
        ssize_t w = r < 0 ? r : sendmsg(q->fd, &msg, MSG_NOSIGNAL);
        if (w < 0 && r == 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int e = r < 0 ? -r : errno;
            q->broken = true;
            if (e == EAGAIN || e == ETIMEDOUT)
                vnic_error_set(err, VNIC_ERR_IO, _("QEMU did not read what was sent in time"));
            else
                vnic_error_set_errno(err, e, _("cannot send to QEMU"));
            return -e;
        }
        done += (size_t)w;
    }
    return 0;
}

int vnic_qmp_execute(vnic_qmp *q, const char *command, json_object *args, int fd, json_object **ret,
                     vnic_error **err)
{
    /* After a timeout or a garbled message, a late reply would be taken for the next
     * command's: such a connection is done with. */
    if (q->broken)
        return vnic_error_set(err, VNIC_ERR_IO,
                              _("QMP command '%s': the connection is out of step after an "
                                "earlier failure"),
                              command),
               -EPIPE;

    long long deadline = now_ms() + q->timeout_ms;
    json_object *cmd = json_object_new_object();
    json_object_object_add(cmd, "execute", json_object_new_string(command));
    if (args)
        json_object_object_add(cmd, "arguments", json_object_get(args));
    int r = send_json(q, cmd, fd, deadline, err);
    json_object_put(cmd);
    if (r < 0)
        return vnic_error_prefix(err, _("QMP command '%s'"), command), r;

    for (;;) {
        json_object *msg = NULL;
        size_t msglen = 0;
        if ((r = read_message(q, deadline, &msglen, &msg, err)) < 0)
            return vnic_error_prefix(err, _("QMP command '%s'"), command), r;
        json_object *v;
        if (json_object_object_get_ex(msg, "event", &v)) {
            /* Kept for vnic_qmp_wait_event, within bounds: a flood is an error, not an
             * out-of-memory abort with a half-done hot-plug. */
            if (q->nevents >= QMP_MAX_EVENTS || q->event_bytes + msglen > QMP_MAX_EVENT_BYTES) {
                json_object_put(msg);
                q->broken = true;
                vnic_error_set(err, VNIC_ERR_IO,
                               _("QMP command '%s': QEMU sent more than %d events (or %d bytes "
                                 "of them) before its reply"),
                               command, QMP_MAX_EVENTS, QMP_MAX_EVENT_BYTES);
                return -ENOBUFS;
            }
            q->events = vnic_xreallocarray(q->events, q->nevents + 1, sizeof(*q->events));
            q->events[q->nevents++] = msg;
            q->event_bytes += msglen;
            continue;
        }
        if (json_object_object_get_ex(msg, "return", &v)) {
            if (ret)
                *ret = json_object_get(v);
            json_object_put(msg);
            return 0;
        }
        if (json_object_object_get_ex(msg, "error", &v)) {
            json_object *desc = NULL;
            json_object_object_get_ex(v, "desc", &desc);
            vnic_error_set(err, VNIC_ERR_IO, _("QEMU refused '%s': %s"), command,
                           desc ? json_object_get_string(desc) : _("no reason given"));
            json_object_put(msg);
            return -EIO;
        }
        json_object_put(msg); /* the greeting or something unknown */
    }
}

static bool event_matches(json_object *ev, const char *event, const char *device)
{
    /* A peer's JSON: any member may be missing, null or of another type. */
    json_object *name, *data, *dev;
    if (!json_object_object_get_ex(ev, "event", &name) ||
        !json_object_is_type(name, json_type_string) ||
        !vnic_streq(json_object_get_string(name), event))
        return false;
    if (!device)
        return true;
    return json_object_object_get_ex(ev, "data", &data) &&
           json_object_is_type(data, json_type_object) &&
           json_object_object_get_ex(data, "device", &dev) &&
           json_object_is_type(dev, json_type_string) &&
           vnic_streq(json_object_get_string(dev), device);
}

int vnic_qmp_wait_event(vnic_qmp *q, const char *event, const char *device, int timeout_ms,
                        vnic_error **err)
{
    for (size_t i = 0; i < q->nevents; i++)
        if (event_matches(q->events[i], event, device)) {
            json_object_put(q->events[i]);
            q->events[i] = q->events[--q->nevents];
            return 0;
        }
    if (q->broken)
        return vnic_error_set(err, VNIC_ERR_IO,
                              _("the QMP connection is out of step after an earlier failure")),
               -EPIPE;
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        json_object *msg = NULL;
        int r = read_message(q, deadline, NULL, &msg, err);
        if (r == -ETIMEDOUT) {
            vnic_error_free(*err);
            *err = NULL;
            vnic_error_set(err, VNIC_ERR_IO, _("QEMU did not report %s for '%s' within %d s"),
                           event, device ? device : "-", timeout_ms / 1000);
            return r;
        }
        if (r < 0)
            return r;
        bool match = event_matches(msg, event, device);
        json_object_put(msg);
        if (match)
            return 0;
    }
}

bool vnic_qmp_broken(const vnic_qmp *q)
{
    return q->broken;
}

int vnic_qmp_open(const char *path, int timeout_ms, vnic_qmp **ret, vnic_error **err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (!vnic_strlcpy(sa.sun_path, path, sizeof(sa.sun_path)))
        return vnic_error_set(err, VNIC_ERR_INVALID, _("socket path '%s' is too long"), path),
               -ENAMETOOLONG;

    vnic_qmp *q = vnic_xcalloc(1, sizeof(*q));
    q->timeout_ms = timeout_ms;
    long long deadline = now_ms() + timeout_ms;
    /* A unix connect waits while the listener's backlog is full; SO_SNDTIMEO bounds it. */
    q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int r = q->fd < 0 ? -errno : set_send_timeout(q->fd, deadline);
    if (r == 0 && connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        r = -errno;
    if (r < 0) {
        vnic_qmp_close(q);
        if (r == -EAGAIN || r == -ETIMEDOUT)
            vnic_error_set(err, VNIC_ERR_IO,
                           _("cannot connect to QMP socket '%s': nobody accepted in time"), path);
        else
            vnic_error_set_errno(err, -r, _("cannot connect to QMP socket '%s'"), path);
        return r;
    }

    /* The greeting, then out of capabilities negotiation mode. */
    json_object *greeting = NULL;
    r = read_message(q, deadline, NULL, &greeting, err);
    if (r == 0 && !json_object_object_get_ex(greeting, "QMP", NULL)) {
        vnic_error_set(err, VNIC_ERR_IO, _("'%s' does not speak QMP"), path);
        r = -EPROTO;
    }
    json_object_put(greeting);
    if (r == 0)
        r = vnic_qmp_execute(q, "qmp_capabilities", NULL, -1, NULL, err);
    if (r < 0) {
        vnic_qmp_close(q);
        return r;
    }
    *ret = q;
    return 0;
}

int vnic_qmp_set_link(vnic_qmp *q, const char *id, bool up, vnic_error **err)
{
    json_object *a = json_object_new_object();
    json_object_object_add(a, "name", json_object_new_string(id));
    json_object_object_add(a, "up", json_object_new_boolean(up));
    int r = vnic_qmp_execute(q, "set_link", a, -1, NULL, err);
    json_object_put(a);
    return r;
}
