/* Link events: a route netlink socket subscribed to RTNLGRP_LINK tells when one of vnic's
 * devices, or a macvtap's lower device, disappears or changes state. The domain becomes
 * degraded and every registered callback hears of it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>

#include "embed.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"

static void clear_watched(embed_priv *p)
{
    for (size_t i = 0; i < p->nwatched; i++)
        free(p->watched[i].domain);
    free(p->watched);
    p->watched = NULL;
    p->nwatched = 0;
}

void vnic_embed_events_close(embed_priv *p)
{
    clear_watched(p);
    free(p->subs);
    p->subs = NULL;
    p->nsubs = 0;
    vnic_nl_close(p->ev_sk);
    p->ev_sk = NULL;
}

/* The name comes from the record, not from the kernel: the device may already be gone. */
static void watch(embed_priv *p, int ifindex, const char *name, const char *domain, unsigned index,
                  bool lower, const vnic_link_info *links, size_t nlinks)
{
    if (ifindex <= 0 || !name)
        return;
    watched_dev w = {
        .ifindex = ifindex, .domain = vnic_xstrdup(domain), .index = index, .lower = lower};
    vnic_strlcpy(w.name, name, sizeof(w.name));
    for (size_t i = 0; i < nlinks; i++)
        if (links[i].ifindex == ifindex)
            w.flags = links[i].flags;
    p->watched = vnic_xreallocarray(p->watched, p->nwatched + 1, sizeof(*p->watched));
    p->watched[p->nwatched++] = w;
}

static const vnic_link_info *find_link(const vnic_link_info *links, size_t nlinks, int ifindex)
{
    for (size_t i = 0; i < nlinks; i++)
        if (links[i].ifindex == ifindex)
            return &links[i];
    return NULL;
}

static void deliver(embed_priv *p, const watched_dev *w, const char *type, bool degrade);

/* What the kernel's view says happened to W since its flags were last seen: after an overrun
 * the messages are lost, so the difference between the last known state and the dump is all
 * there is to report. */
static void report_difference(embed_priv *p, watched_dev *w, const vnic_link_info *l)
{
    if (!l) {
        deliver(p, w, w->lower ? "lower-removed" : "device-removed", true);
        w->ifindex = -1;
        return;
    }
    bool was_up = w->flags & IFF_UP, is_up = l->flags & IFF_UP;
    w->flags = l->flags;
    if (was_up && !is_up)
        deliver(p, w, w->lower ? "lower-down" : "device-down", true);
    else if (!was_up && is_up)
        deliver(p, w, w->lower ? "lower-up" : "device-up", false);
}

/* Rebuild what to watch from the records of running domains, with the links' current
 * flags as the starting point for state changes. Records come and go as other processes
 * start and destroy domains, so this runs again after each batch of messages. With RESYNC
 * (the kernel dropped messages) every difference between the last known state of a device
 * and the kernel's is reported as the event the lost messages would have given. Returns
 * false if the records or the links could not be read (the old list stays). */
static bool refresh_watched(embed_priv *p, bool resync)
{
    watched_dev *old = p->watched;
    size_t nold = p->nwatched;
    p->watched = NULL;
    p->nwatched = 0;

    char **names = NULL;
    size_t n = 0;
    vnic_link_info *links = NULL;
    size_t nlinks = 0;
    vnic_error *e = NULL;
    if (vnic_embed_list_names(p->domains_fd, p->domains_dir, &names, &n, &e) < 0 ||
        vnic_nl_link_dump(p->nl, &links, &nlinks, &e) < 0) {
        VNIC_WARN("events: %s", e->message);
        vnic_error_free(e);
        vnic_embed_free_names(names, n);
        p->watched = old;
        p->nwatched = nold;
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        vnic_record *rec = NULL;
        if (vnic_embed_record_read(p, names[i], &rec, &e) < 0) {
            vnic_error_free(e);
            e = NULL;
            continue;
        }
        if (rec->status == VNIC_RECORD_ACTIVE || rec->status == VNIC_RECORD_DEGRADED)
            for (size_t j = 0; j < rec->def->niface; j++) {
                const vnic_record_iface *ri = &rec->ifaces[j];
                if (!ri->done)
                    continue;
                watch(p, ri->rt.ifindex, ri->rt.name, rec->def->name, (unsigned)j, false, links,
                      nlinks);
                watch(p, ri->rt.lower_ifindex, rec->def->ifaces[j]->source_dev, rec->def->name,
                      (unsigned)j, true, links, nlinks);
            }
        vnic_record_free(rec);
    }
    /* Normally keep the flags seen last where a device was already watched, so that a change
     * whose message is still queued is not lost. After an overrun, report the difference. */
    for (size_t i = 0; i < p->nwatched; i++)
        for (size_t k = 0; k < nold; k++) {
            watched_dev *w = &p->watched[i];
            if (old[k].ifindex != w->ifindex)
                continue;
            w->flags = old[k].flags;
            if (resync)
                report_difference(p, w, find_link(links, nlinks, w->ifindex));
            break;
        }
    for (size_t k = 0; k < nold; k++)
        free(old[k].domain);
    free(old);
    free(links);
    vnic_embed_free_names(names, n);
    return true;
}

/* Mark the domain degraded, unless someone is working on it (then it is their state). */
static bool mark_degraded(embed_priv *p, const char *domain)
{
    _cleanup_close_ int lock = -1;
    vnic_error *e = NULL;
    if (vnic_embed_domain_lock(p, domain, false, &lock, &e) < 0) {
        vnic_error_free(e);
        return false;
    }
    vnic_record *rec = NULL;
    if (vnic_embed_record_read(p, domain, &rec, &e) < 0) {
        vnic_error_free(e);
        return false;
    }
    bool ok = false;
    if (rec->status == VNIC_RECORD_ACTIVE || rec->status == VNIC_RECORD_DEGRADED) {
        rec->status = VNIC_RECORD_DEGRADED;
        ok = vnic_embed_record_write(p, rec, &e) == 0;
        vnic_error_free(e);
    }
    vnic_record_free(rec);
    return ok;
}

static void deliver(embed_priv *p, const watched_dev *w, const char *type, bool degrade)
{
    bool degraded = degrade && mark_degraded(p, w->domain);
    vnic_event ev = {
        .size = sizeof(ev),
        .domain = w->domain,
        .index = w->index,
        .device = w->name,
        .type = type,
        .degraded = degraded,
    };
    for (size_t i = 0; i < p->nsubs; i++)
        p->subs[i].cb(&ev, p->subs[i].opaque);
}

static int on_message(struct nl_msg *msg, void *data)
{
    embed_priv *p = data;
    struct nlmsghdr *h = nlmsg_hdr(msg);
    if ((h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) ||
        h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
        return NL_OK;
    const struct ifinfomsg *ifi = nlmsg_data(h);

    for (size_t i = 0; i < p->nwatched; i++) {
        watched_dev *w = &p->watched[i];
        if (w->ifindex != ifi->ifi_index)
            continue;
        if (h->nlmsg_type == RTM_DELLINK) {
            deliver(p, w, w->lower ? "lower-removed" : "device-removed", true);
            w->ifindex = -1; /* gone: no further events for it */
            continue;
        }
        bool was_up = w->flags & IFF_UP, is_up = ifi->ifi_flags & IFF_UP;
        w->flags = ifi->ifi_flags;
        if (was_up && !is_up)
            deliver(p, w, w->lower ? "lower-down" : "device-down", true);
        else if (!was_up && is_up)
            deliver(p, w, w->lower ? "lower-up" : "device-up", false);
    }
    return NL_OK;
}

static int open_monitor(embed_priv *p, vnic_error **err)
{
    if (p->ev_sk)
        return 0;
    int r = vnic_embed_get_nl(p, err);
    if (r < 0)
        return r;

    struct nl_sock *sk = nl_socket_alloc();
    if (!sk)
        return vnic_error_set_errno(err, ENOMEM, _("cannot allocate a netlink socket")), -ENOMEM;
    nl_socket_disable_seq_check(sk);
    nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_message, p);
    if ((r = nl_connect(sk, NETLINK_ROUTE)) < 0 ||
        (r = nl_socket_add_membership(sk, RTNLGRP_LINK)) < 0 ||
        (r = nl_socket_set_nonblocking(sk)) < 0) {
        nl_socket_free(sk);
        int e = vnic_nl_errno(r);
        return vnic_error_set_errno(err, -e, _("cannot listen for link events")), e;
    }
    int fd = nl_socket_get_fd(sk);
    fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
    /* Bursts (a lower device taking many macvtaps with it) must not overflow the queue. */
    nl_socket_set_buffer_size(sk, 4 << 20, 0);
    p->ev_sk = sk;
    refresh_watched(p, false);
    return 0;
}

int vnic_embed_event_register(vnic_conn *conn, vnic_event_cb cb, void *opaque, int *ret_id,
                              vnic_error **err)
{
    embed_priv *p = conn->priv;
    int r = open_monitor(p, err);
    if (r < 0)
        return r;
    p->subs = vnic_xreallocarray(p->subs, p->nsubs + 1, sizeof(*p->subs));
    p->subs[p->nsubs++] = (event_sub){.id = ++p->next_sub_id, .cb = cb, .opaque = opaque};
    if (ret_id)
        *ret_id = p->next_sub_id;
    return 0;
}

int vnic_embed_event_deregister(vnic_conn *conn, int id)
{
    embed_priv *p = conn->priv;
    for (size_t i = 0; i < p->nsubs; i++)
        if (p->subs[i].id == id) {
            memmove(&p->subs[i], &p->subs[i + 1], (p->nsubs - i - 1) * sizeof(*p->subs));
            p->nsubs--;
            return 0;
        }
    return -ENOENT;
}

int vnic_embed_event_get_fd(vnic_conn *conn, vnic_error **err)
{
    embed_priv *p = conn->priv;
    int r = open_monitor(p, err);
    if (r < 0)
        return r;
    return nl_socket_get_fd(p->ev_sk);
}

/* Read the messages queued on the monitor socket without blocking, deliver the events, and
 * bring the watch list up to date. An overrun (ENOBUFS: the kernel dropped messages for want
 * of room) is reported by the kernel before the messages still queued; those are read first,
 * in order, and then the kernel's current view is compared with the last known one, so that
 * what the dropped messages said is reported all the same. A flood is read in slices, so that
 * the caller's loop keeps running; the fd stays readable until it is drained. */
int vnic_embed_event_dispatch(vnic_conn *conn, vnic_error **err)
{
    embed_priv *p = conn->priv;
    int r = open_monitor(p, err);
    if (r < 0)
        return r;

    bool drained = false;
    for (unsigned reads = 0; reads < 1024 && !drained; reads++) {
        r = nl_recvmsgs_default(p->ev_sk);
        if (r >= 0)
            continue;
        if (r == -NLE_AGAIN) {
            drained = true;
        } else if (r == -NLE_NOMEM || r == -NLE_MSG_OVERFLOW) {
            if (!p->ev_resync)
                VNIC_WARN("events: netlink buffer overrun; resynchronising with the kernel");
            p->ev_resync = true;
        } else {
            int e = vnic_nl_errno(r);
            vnic_error_set_errno(err, -e, _("cannot read link events"));
            return e;
        }
    }
    /* Compare with the kernel only once what it queued before the overrun is read, or the
     * older messages would be taken for changes after it. */
    if (p->ev_resync && !drained)
        return 0;
    if (!refresh_watched(p, p->ev_resync)) {
        if (p->ev_resync)
            return vnic_error_set(err, VNIC_ERR_SYSTEM,
                                  _("link events were lost and the devices' state cannot be "
                                    "read")),
                   -EIO;
        return 0;
    }
    p->ev_resync = false;
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The convenience loop, built on get_fd and dispatch as any other event loop would be. */
int vnic_embed_event_run(vnic_conn *conn, int timeout_ms, vnic_error **err)
{
    int fd = vnic_embed_event_get_fd(conn, err);
    if (fd < 0)
        return fd;

    long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    for (;;) {
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
            vnic_error_set_errno(err, e, _("cannot wait for link events"));
            return -e;
        }
        int r;
        if (n > 0 && (r = vnic_embed_event_dispatch(conn, err)) < 0)
            return r;
    }
}
