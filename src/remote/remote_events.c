/* The remote driver's events: a second connection to vnicd calls io.vnic.Events.Watch with
 * "more" and receives one reply per event for as long as it stays open. It is opened when a
 * callback is registered or the fd is first asked for, so that no event between the two is
 * lost, and its socket is the fd the caller polls: a reply that arrives makes it readable. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "i18n.h"
#include "marshal.h"
#include "remote.h"
#include "strutil.h"

void vnic_remote_events_close(remote_priv *p)
{
    vnic_varlink_free(p->ev);
    p->ev = NULL;
    if (p->ev_epoll >= 0)
        close(p->ev_epoll);
    if (p->ev_wake >= 0)
        close(p->ev_wake);
    p->ev_epoll = p->ev_wake = -1;
    free(p->subs);
    p->subs = NULL;
    p->nsubs = 0;
}

/* The Events interface has errors of the same shape as the Domain interface's (without
 * diagnostics): read them as those. */
static int take_failure(json_object *msg, vnic_error **err)
{
    json_object *name = NULL;
    if (json_object_object_get_ex(msg, "error", &name) &&
        json_object_is_type(name, json_type_string)) {
        const char *s = json_object_get_string(name);
        if (vnic_streq(s, VNIC_VARLINK_EVENTS ".Failed"))
            json_object_object_add(msg, "error", json_object_new_string(VNIC_VARLINK_ERROR_FAILED));
        else if (vnic_streq(s, VNIC_VARLINK_EVENTS ".PermissionDenied"))
            json_object_object_add(msg, "error", json_object_new_string(VNIC_VARLINK_ERROR_DENIED));
    }
    vnic_diag_list diags = {0};
    int r = vnic_unmarshal_failure(msg, err, &diags);
    vnic_diag_clear(&diags);
    return r < 0 ? r : -EIO;
}

/* The stream is over (an error, the daemon gone, a reply out of place): the fd stays what it
 * is for the caller's loop, every later dispatch says so. */
static int stream_failed(remote_priv *p, int r)
{
    p->ev_failed = true;
    return r;
}

/* One message of the stream. FIRST: the reply that says the watch is in place. */
static int handle_message(remote_priv *p, json_object *msg, bool first, vnic_error **err)
{
    if (json_object_object_get_ex(msg, "error", NULL))
        return stream_failed(p, take_failure(msg, err));
    if (vnic_varlink_queued_fds(p->ev) > 0)
        return stream_failed(p, vnic_remote_bad_reply(err, _("fds with an event")));
    json_object *o = NULL;
    if (!json_object_object_get_ex(msg, "continues", &o) || !json_object_get_boolean(o))
        return vnic_error_set(err, VNIC_ERR_SYSTEM, _("vnicd ended the stream of events")),
               stream_failed(p, -ECONNRESET);
    json_object *params = NULL, *event = NULL;
    if (!json_object_object_get_ex(msg, "parameters", &params) ||
        !json_object_object_get_ex(params, "event", &event) ||
        json_object_is_type(event, json_type_null))
        return 0;
    if (first)
        return stream_failed(p, vnic_remote_bad_reply(err, _("an event before the watch began")));

    vnic_event ev = {0};
    int r = vnic_unmarshal_event(event, "event", &ev, err);
    if (r < 0)
        return stream_failed(p, r);
    /* As the embedded driver delivers: to every callback, in the order registered. */
    for (size_t i = 0; i < p->nsubs; i++)
        p->subs[i].cb(&ev, p->subs[i].opaque);
    return 0;
}

/* Keep the caller's fd readable exactly while a message is pending: on the socket (epoll sees
 * that) or already in the wire's buffer (the wake-up eventfd says that). */
static void update_wake(remote_priv *p)
{
    uint64_t v = 1;
    if (vnic_varlink_has_buffered(p->ev)) {
        (void)!write(p->ev_wake, &v, sizeof(v));
    } else {
        (void)!read(p->ev_wake, &v, sizeof(v));
    }
}

/* The epoll set the caller polls, made once (it stays the same fd for the connection's life). */
static int make_poll_set(remote_priv *p, vnic_error **err)
{
    if (p->ev_epoll >= 0)
        return 0;
    _cleanup_close_ int ep = epoll_create1(EPOLL_CLOEXEC);
    _cleanup_close_ int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (ep < 0 || wake < 0) {
        int e = errno;
        return vnic_error_set_errno(err, e, _("cannot listen for events of vnicd")), -e;
    }
    struct epoll_event ev = {.events = EPOLLIN};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, wake, &ev) < 0) {
        int e = errno;
        return vnic_error_set_errno(err, e, _("cannot listen for events of vnicd")), -e;
    }
    p->ev_epoll = TAKE_FD(ep);
    p->ev_wake = TAKE_FD(wake);
    return 0;
}

/* Open the stream once: connect, call Watch, and wait for its first reply. */
static int open_stream(remote_priv *p, vnic_error **err)
{
    if (p->ev)
        return 0;
    int r = make_poll_set(p, err);
    if (r < 0)
        return r;
    vnic_varlink *v = NULL;
    if ((r = vnic_remote_connect(p, &v, err)) < 0)
        return r;
    struct epoll_event sev = {.events = EPOLLIN};
    if (epoll_ctl(p->ev_epoll, EPOLL_CTL_ADD, vnic_varlink_fd(v), &sev) < 0) {
        int e = errno;
        vnic_varlink_free(v);
        return vnic_error_set_errno(err, e, _("cannot listen for events of vnicd")), -e;
    }
    json_object *call =
        vnic_varlink_call_new(VNIC_VARLINK_EVENTS ".Watch", NULL, VNIC_VARLINK_MORE);
    r = vnic_varlink_send(v, call, NULL, 0, err);
    json_object_put(call);
    json_object *msg = NULL;
    if (r >= 0) {
        r = vnic_varlink_recv(v, -1, &msg, err);
        if (r == 0) {
            vnic_error_set(err, VNIC_ERR_SYSTEM,
                           _("vnicd closed the connection before the events began"));
            r = -ECONNRESET;
        }
    }
    if (r < 0) {
        epoll_ctl(p->ev_epoll, EPOLL_CTL_DEL, vnic_varlink_fd(v), NULL);
        vnic_varlink_free(v);
        return vnic_error_prefix(err, _("cannot listen for events of vnicd")), r;
    }
    p->ev = v;
    p->ev_failed = false;
    r = handle_message(p, msg, true, err);
    json_object_put(msg);
    if (r < 0) {
        /* Nothing was handed out yet: a later call may try again. */
        epoll_ctl(p->ev_epoll, EPOLL_CTL_DEL, vnic_varlink_fd(p->ev), NULL);
        vnic_varlink_free(p->ev);
        p->ev = NULL;
        p->ev_failed = false;
        return vnic_error_prefix(err, _("cannot listen for events of vnicd")), r;
    }
    /* Events that came right behind the first reply may be in the wire's buffer already. */
    update_wake(p);
    return 0;
}

int vnic_remote_event_register(vnic_conn *conn, vnic_event_cb cb, void *opaque, int *ret_id,
                               vnic_error **err)
{
    remote_priv *p = conn->priv;
    int r = open_stream(p, err);
    if (r < 0)
        return r;
    p->subs = vnic_xreallocarray(p->subs, p->nsubs + 1, sizeof(*p->subs));
    p->subs[p->nsubs++] = (remote_sub){.id = ++p->next_sub_id, .cb = cb, .opaque = opaque};
    if (ret_id)
        *ret_id = p->next_sub_id;
    return 0;
}

int vnic_remote_event_deregister(vnic_conn *conn, int id)
{
    remote_priv *p = conn->priv;
    for (size_t i = 0; i < p->nsubs; i++)
        if (p->subs[i].id == id) {
            memmove(&p->subs[i], &p->subs[i + 1], (p->nsubs - i - 1) * sizeof(*p->subs));
            p->nsubs--;
            return 0;
        }
    return -ENOENT;
}

int vnic_remote_event_get_fd(vnic_conn *conn, vnic_error **err)
{
    remote_priv *p = conn->priv;
    int r = open_stream(p, err);
    if (r < 0)
        return r;
    return p->ev_epoll;
}

/* Everything pending: what the socket has and what the wire buffered already (poll would not
 * say so), without waiting for more. */
int vnic_remote_event_dispatch(vnic_conn *conn, vnic_error **err)
{
    remote_priv *p = conn->priv;
    int r = open_stream(p, err);
    if (r < 0)
        return r;
    if (p->ev_failed)
        return vnic_error_set(err, VNIC_ERR_SYSTEM, _("the stream of events from vnicd broke")),
               -ECONNRESET;
    for (;;) {
        json_object *msg = NULL;
        r = vnic_varlink_recv(p->ev, 0, &msg, err);
        if (r == -EAGAIN) {
            update_wake(p);
            return 0;
        }
        if (r == 0)
            return vnic_error_set(err, VNIC_ERR_SYSTEM, _("vnicd closed the stream of events")),
                   stream_failed(p, -ECONNRESET);
        if (r < 0)
            return vnic_error_prefix(err, _("cannot read events from vnicd")), stream_failed(p, r);
        r = handle_message(p, msg, false, err);
        json_object_put(msg);
        if (r < 0) {
            update_wake(p);
            return r;
        }
    }
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The convenience loop, on get_fd and dispatch as any other event loop. */
int vnic_remote_event_run(vnic_conn *conn, int timeout_ms, vnic_error **err)
{
    int fd = vnic_remote_event_get_fd(conn, err);
    if (fd < 0)
        return fd;

    long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    for (;;) {
        int r;
        int wait = -1;
        if (deadline >= 0) {
            long long left = deadline - now_ms();
            if (left <= 0)
                return 0;
            wait = (int)left;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int n = poll(&pfd, 1, wait);
        if (n < 0) {
            if (errno == EINTR)
                return -EINTR;
            int e = errno;
            vnic_error_set_errno(err, e, _("cannot wait for events"));
            return -e;
        }
        if (n > 0 && (r = vnic_remote_event_dispatch(conn, err)) < 0)
            return r;
    }
}
