/* The varlink wire: framing, fds and limits (varlink.h). One reader and one writer per
 * connection at a time; no state is shared between connections. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "i18n.h"
#include "strutil.h"
#include "varlink.h"

/* The kernel takes at most this many fds in one sendmsg (SCM_MAX_FD). A message carrying more
 * spreads them over its first bytes, one sendmsg each: the receiver queues them in order, all
 * before the message is complete, exactly as if they had come on the first byte. */
#define VARLINK_FDS_PER_SEND 253

/* Reads grow the buffer from this size, up to max_message + 1. */
#define VARLINK_BUF_MIN 4096

struct vnic_varlink {
    int fd;
    size_t max_message;
    int timeout_ms;
    bool broken; /* a failure left the stream out of step */

    /* Received bytes: buf[start, len) are not consumed yet; buf[start, scan) holds no NUL. */
    char *buf;
    size_t start, scan, len, alloc;
    long long begun;     /* when the first byte of the buffered partial message came */
    long long last_read; /* when the last bytes came */

    int *fds; /* received fds not yet taken, in arrival order */
    size_t nfds, fds_alloc;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The time left until DEADLINE for poll (at least 0), or -1 for no deadline (-1). */
static int time_left(long long deadline)
{
    if (deadline < 0)
        return -1;
    long long left = deadline - now_ms();
    if (left <= 0)
        return 0;
    return left > INT_MAX ? INT_MAX : (int)left;
}

vnic_varlink *vnic_varlink_new(int fd, size_t max_message, int timeout_ms)
{
    vnic_varlink *v = calloc(1, sizeof(*v));
    if (!v) {
        close(fd);
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK))
        (void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    v->fd = fd;
    /* max_message + 1 must not wrap: no peer gets anywhere near this anyway. */
    v->max_message = max_message > SIZE_MAX / 2 ? SIZE_MAX / 2 : max_message;
    v->timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
    return v;
}

int vnic_varlink_connect(const char *path, size_t max_message, int timeout_ms, vnic_varlink **ret,
                         vnic_error **err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("cannot connect to %s: the path is longer than %zu bytes"), path,
                       sizeof(sa.sun_path) - 1);
        return -ENAMETOOLONG;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);

    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot connect to %s"), path);
        return -e;
    }
    /* A listener whose backlog is full makes connect wait: bounded like a send. */
    if (timeout_ms >= 0) {
        struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
        if (timeout_ms == 0)
            tv.tv_usec = 1000;
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    }
    int r;
    do
        r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        int e = errno == EAGAIN ? ETIMEDOUT : errno;
        vnic_error_set_errno(err, e, _("cannot connect to %s"), path);
        return -e;
    }
    vnic_varlink *v = vnic_varlink_new(TAKE_FD(fd), max_message, timeout_ms);
    if (!v) {
        vnic_error_set_errno(err, ENOMEM, _("cannot connect to %s"), path);
        return -ENOMEM;
    }
    *ret = v;
    return 0;
}

static void close_fds(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
}

void vnic_varlink_free(vnic_varlink *v)
{
    if (!v)
        return;
    if (v->fd >= 0)
        close(v->fd);
    close_fds(v->fds, v->nfds);
    free(v->fds);
    free(v->buf);
    free(v);
}

int vnic_varlink_fd(const vnic_varlink *v)
{
    return v->fd;
}

static int broken_error(vnic_error **err)
{
    vnic_error_set(err, VNIC_ERR_IO,
                   _("the varlink connection is unusable after an earlier failure"));
    return -ENOTCONN;
}

/* ---- sending --------------------------------------------------------------------------- */

/* One sendmsg of LEN bytes at DATA, with N fds attached; waits for room until DEADLINE. The
 * number of bytes sent (> 0), or -errno. */
static ssize_t send_some(vnic_varlink *v, const char *data, size_t len, const int *fds, size_t n,
                         long long deadline)
{
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int) * VARLINK_FDS_PER_SEND)];
    } ctrl;
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (n > 0) {
        memset(&ctrl, 0, sizeof(ctrl));
        msg.msg_control = ctrl.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    }
    for (;;) {
        ssize_t w = sendmsg(v->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w >= 0)
            return w;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return -errno;
        struct pollfd pfd = {.fd = v->fd, .events = POLLOUT};
        int p = poll(&pfd, 1, time_left(deadline));
        if (p < 0 && errno != EINTR)
            return -errno;
        if (p == 0)
            return -ETIMEDOUT;
    }
}

int vnic_varlink_send(vnic_varlink *v, struct json_object *msg, const int *fds, size_t nfds,
                      vnic_error **err)
{
    if (v->broken)
        return broken_error(err);
    size_t len;
    const char *text = json_object_to_json_string_length(msg, JSON_C_TO_STRING_PLAIN, &len);
    if (!text) {
        vnic_error_set_errno(err, ENOMEM, _("cannot serialise a varlink message"));
        return -ENOMEM;
    }
    if (len > v->max_message) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("a varlink message of %zu bytes is over the limit of %zu bytes"), len,
                       v->max_message);
        return -EMSGSIZE;
    }
    size_t chunks = (nfds + VARLINK_FDS_PER_SEND - 1) / VARLINK_FDS_PER_SEND;
    if (nfds > VNIC_VARLINK_MAX_FDS || chunks > len) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("a varlink message cannot carry %zu fds (at most %d)"), nfds,
                       VNIC_VARLINK_MAX_FDS);
        return -EINVAL;
    }

    /* The text and its NUL; json-c keeps the NUL right after the text. */
    size_t total = len + 1, done = 0, fds_done = 0;
    long long deadline = v->timeout_ms < 0 ? -1 : now_ms() + v->timeout_ms;
    while (done < total) {
        size_t n = nfds - fds_done < VARLINK_FDS_PER_SEND ? nfds - fds_done : VARLINK_FDS_PER_SEND;
        /* Every chunk of fds but the last rides on a byte of its own. */
        size_t want = fds_done + n < nfds ? 1 : total - done;
        ssize_t w = send_some(v, text + done, want, n ? fds + fds_done : NULL, n, deadline);
        if (w < 0) {
            /* Nothing sent yet leaves the stream in step; anything else does not. */
            v->broken = done > 0;
            if (w == -ETIMEDOUT)
                vnic_error_set(err, VNIC_ERR_IO,
                               _("the varlink peer did not take the message within %d ms"),
                               v->timeout_ms);
            else if (w == -EPIPE || w == -ECONNRESET)
                vnic_error_set_errno(err, EPIPE, _("the varlink peer has gone"));
            else
                vnic_error_set_errno(err, (int)-w, _("cannot send a varlink message"));
            return w == -ECONNRESET ? -EPIPE : (int)w;
        }
        done += (size_t)w;
        fds_done += n;
    }
    return 0;
}

/* ---- receiving ------------------------------------------------------------------------- */

static int queue_fds(vnic_varlink *v, const int *fds, size_t n, vnic_error **err)
{
    if (n > VNIC_VARLINK_MAX_FDS - v->nfds) {
        close_fds((int *)fds, n);
        vnic_error_set(err, VNIC_ERR_IO, _("the varlink peer sent more than %d fds not yet taken"),
                       VNIC_VARLINK_MAX_FDS);
        return -EBADMSG;
    }
    if (v->nfds + n > v->fds_alloc) {
        size_t a = v->fds_alloc ? v->fds_alloc : 16;
        while (a < v->nfds + n)
            a *= 2;
        v->fds = vnic_xreallocarray(v->fds, a, sizeof(int));
        v->fds_alloc = a;
    }
    memcpy(v->fds + v->nfds, fds, n * sizeof(int));
    v->nfds += n;
    return 0;
}

/* Queue every fd of the ancillary data of MSG; all of them are closed on failure. */
static int take_ancillary(vnic_varlink *v, struct msghdr *msg, vnic_error **err)
{
    int r = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int fds[VARLINK_FDS_PER_SEND + 8];
        if (n > ELEMENTSOF(fds))
            n = ELEMENTSOF(fds); /* cannot happen: the buffer holds no more */
        memcpy(fds, CMSG_DATA(c), n * sizeof(int));
        if (r < 0 || (msg->msg_flags & MSG_CTRUNC))
            close_fds(fds, n);
        else
            r = queue_fds(v, fds, n, err);
    }
    if (r == 0 && (msg->msg_flags & MSG_CTRUNC)) {
        vnic_error_set(err, VNIC_ERR_IO,
                       _("the varlink peer sent ancillary data that did not fit"));
        r = -EBADMSG;
    }
    return r;
}

/* One recvmsg into the buffer: the number of bytes (> 0), 0 at EOF, -EAGAIN, or -errno with
 * *err set. Only bytes of the current message can be in the buffer when this runs (no NUL
 * is buffered), so reading at most max_message + 1 - len bounds what one message holds. */
static ssize_t read_some(vnic_varlink *v, vnic_error **err)
{
    if (v->start > 0) {
        memmove(v->buf, v->buf + v->start, v->len - v->start);
        v->len -= v->start;
        v->scan -= v->start;
        v->start = 0;
    }
    size_t cap = v->max_message + 1;
    if (v->alloc < cap && v->alloc - v->len < VARLINK_BUF_MIN) {
        size_t a = v->alloc < VARLINK_BUF_MIN ? VARLINK_BUF_MIN : v->alloc * 2;
        v->buf = vnic_xreallocarray(v->buf, a < cap ? a : cap, 1);
        v->alloc = a < cap ? a : cap;
    }
    /* Room for the most fds one sendmsg carries, and for credentials should the socket have
     * SO_PASSCRED: anything that does not fit is MSG_CTRUNC, a protocol error. */
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int) * VARLINK_FDS_PER_SEND) + CMSG_SPACE(sizeof(struct ucred))];
    } ctrl;
    struct iovec iov = {.iov_base = v->buf + v->len, .iov_len = v->alloc - v->len};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = ctrl.buf,
        .msg_controllen = sizeof(ctrl.buf),
    };
    ssize_t got;
    do
        got = recvmsg(v->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        int e = errno;
        if (e == EAGAIN)
            return -EAGAIN;
        vnic_error_set_errno(err, e, _("cannot receive a varlink message"));
        return -e;
    }
    int r = take_ancillary(v, &msg, err);
    if (r < 0)
        return r;
    if (got > 0) {
        if (v->len == v->start)
            v->begun = now_ms();
        v->last_read = now_ms();
        v->len += (size_t)got;
    }
    return got;
}

/* Parse the LEN bytes at TEXT (a NUL follows them) as one JSON object. */
static int parse_message(const char *text, size_t len, struct json_object **ret, vnic_error **err)
{
    struct json_tokener *tok = json_tokener_new_ex(VNIC_VARLINK_MAX_DEPTH);
    if (!tok) {
        vnic_error_set_errno(err, ENOMEM, _("cannot parse a varlink message"));
        return -ENOMEM;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    struct json_object *o = len > INT_MAX ? NULL : json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);

    if (!o) {
        if (je == json_tokener_error_depth) {
            vnic_error_set(err, VNIC_ERR_IO,
                           _("the varlink peer sent JSON nested deeper than %d levels"),
                           VNIC_VARLINK_MAX_DEPTH);
            return -EBADMSG;
        }
        vnic_error_set(err, VNIC_ERR_IO, _("the varlink peer sent a message that is not JSON: %s"),
                       je == json_tokener_success || je == json_tokener_continue
                           ? _("unexpected end of data")
                           : json_tokener_error_desc(je));
        return -EBADMSG;
    }
    if (strspn(text + end, " \t\r\n") != len - end || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        vnic_error_set(err, VNIC_ERR_IO,
                       _("the varlink peer sent a message that is not a JSON object"));
        return -EBADMSG;
    }
    *ret = o;
    return 0;
}

/* The buffered partial message at EOF: a peer that sent a whole object but no NUL is told
 * so; anything else is a message cut short. */
static int eof_mid_message(vnic_varlink *v, vnic_error **err)
{
    struct json_object *o = NULL;
    if (parse_message(v->buf + v->start, v->len - v->start, &o, NULL) == 0) {
        json_object_put(o);
        vnic_error_set(err, VNIC_ERR_IO,
                       _("the varlink peer closed the connection after a message without its "
                         "terminating NUL"));
        return -EBADMSG;
    }
    vnic_error_set(err, VNIC_ERR_IO,
                   _("the varlink peer closed the connection in the middle of a message"));
    return -ECONNRESET;
}

static int recv_timed_out(vnic_varlink *v, vnic_error **err)
{
    vnic_error_set(err, VNIC_ERR_IO, _("the varlink peer did not finish a message within %d ms"),
                   v->timeout_ms);
    return -ETIMEDOUT;
}

/* vnic_varlink_recv without the bookkeeping of failures. */
static int recv_message(vnic_varlink *v, int wait_ms, struct json_object **ret, vnic_error **err)
{
    long long called = now_ms();
    long long wait_deadline = wait_ms < 0 ? -1 : called + wait_ms;
    for (;;) {
        /* (The buffer is NULL until the first read: memchr must not see it.) */
        char *nul = v->len > v->scan ? memchr(v->buf + v->scan, '\0', v->len - v->scan) : NULL;
        size_t have = (nul ? (size_t)(nul - v->buf) : v->len) - v->start;
        if (have > v->max_message) {
            vnic_error_set(err, VNIC_ERR_IO,
                           _("the varlink peer sent a message over the limit of %zu bytes"),
                           v->max_message);
            return -EMSGSIZE;
        }
        if (nul) {
            int r = parse_message(v->buf + v->start, have, ret, err);
            if (r < 0)
                return r;
            v->start += have + 1;
            v->scan = v->start;
            if (v->start == v->len)
                v->start = v->scan = v->len = 0;
            else
                v->begun = v->last_read; /* the next message began with the last read */
            return 1;
        }
        v->scan = v->len;

        /* The rest of a message begun is due within the timeout, counted from its first byte
         * or, if that came before this call, from the call: the peer is not to blame for the
         * time its message sat here unread. Checked before every read, not only when the
         * socket runs dry: a peer that trickles never lets it run dry. */
        bool partial = v->len > v->start;
        long long due = v->timeout_ms < 0   ? -1
                        : v->begun > called ? v->begun + v->timeout_ms
                                            : called + v->timeout_ms;
        if (partial && due >= 0 && now_ms() >= due)
            return recv_timed_out(v, err);

        ssize_t got = read_some(v, err);
        if (got > 0)
            continue;
        if (got == 0)
            return v->len == v->start ? 0 : eof_mid_message(v, err);
        if (got != -EAGAIN)
            return (int)got;

        /* Nothing pending: wait for the first byte up to wait_ms, for the rest of a message
         * begun until it is due. */
        partial = v->len > v->start;
        struct pollfd pfd = {.fd = v->fd, .events = POLLIN};
        int p = poll(&pfd, 1, time_left(partial ? due : wait_deadline));
        if (p < 0 && errno != EINTR) {
            int e = errno;
            vnic_error_set_errno(err, e, _("cannot wait for a varlink message"));
            return -e;
        }
        if (p == 0 && !partial)
            return -EAGAIN;
        if (p == 0)
            return recv_timed_out(v, err);
    }
}

int vnic_varlink_recv(vnic_varlink *v, int wait_ms, struct json_object **ret, vnic_error **err)
{
    if (v->broken)
        return broken_error(err);
    int r = recv_message(v, wait_ms, ret, err);
    /* The stream is out of step after any failure but an empty wait. */
    if (r < 0 && r != -EAGAIN)
        v->broken = true;
    return r;
}

bool vnic_varlink_has_buffered(const vnic_varlink *v)
{
    return v->len > v->start;
}

int vnic_varlink_take_fds(vnic_varlink *v, size_t n, int *ret, vnic_error **err)
{
    if (n > v->nfds) {
        vnic_error_set(err, VNIC_ERR_IO,
                       _("the varlink message carries %zu fds, but %zu came with it"), n, v->nfds);
        return -EBADMSG;
    }
    memcpy(ret, v->fds, n * sizeof(int));
    memmove(v->fds, v->fds + n, (v->nfds - n) * sizeof(int));
    v->nfds -= n;
    return 0;
}

size_t vnic_varlink_queued_fds(const vnic_varlink *v)
{
    return v->nfds;
}

/* ---- messages -------------------------------------------------------------------------- */

static struct json_object *params_or_empty(struct json_object *params)
{
    return params ? params : json_object_new_object();
}

struct json_object *vnic_varlink_call_new(const char *method, struct json_object *params,
                                          unsigned flags)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "method", json_object_new_string(method));
    json_object_object_add(o, "parameters", params_or_empty(params));
    if (flags & VNIC_VARLINK_MORE)
        json_object_object_add(o, "more", json_object_new_boolean(1));
    if (flags & VNIC_VARLINK_ONEWAY)
        json_object_object_add(o, "oneway", json_object_new_boolean(1));
    return o;
}

struct json_object *vnic_varlink_reply_new(struct json_object *params, bool continues)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "parameters", params_or_empty(params));
    if (continues)
        json_object_object_add(o, "continues", json_object_new_boolean(1));
    return o;
}

struct json_object *vnic_varlink_error_new(const char *name, struct json_object *params)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(name));
    json_object_object_add(o, "parameters", params_or_empty(params));
    return o;
}
