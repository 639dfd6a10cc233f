/* io.vnic.Events.Watch: the client's embedded connection listens for link events, and every
 * event of a domain the client may read goes out as one reply ("continues": true), until the
 * client goes. Nothing else may be sent on the connection meanwhile. */
#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <string.h>
#include <syslog.h>

#include "cleanup.h"
#include "dispatch.h"
#include "error.h"
#include "i18n.h"
#include "marshal.h"

#define EVENTS_FAILED VNIC_VARLINK_EVENTS ".Failed"

typedef struct watch {
    vnicd_client *c;
    json_object **pending; /* replies made by the callback, sent after dispatch */
    size_t npending;
} watch;

static void on_event(const vnic_event *ev, void *opaque)
{
    watch *w = opaque;
    if (!vnicd_access_can_read(w->c->srv->access, &w->c->peer, ev->domain))
        return;
    json_object *p = json_object_new_object();
    vnicd_add(p, "event", vnic_marshal_event(ev));
    w->pending = vnic_xreallocarray(w->pending, w->npending + 1, sizeof(*w->pending));
    w->pending[w->npending++] = vnic_varlink_reply_new(p, true);
}

static int send_failure(vnicd_client *c, const vnic_error *err)
{
    json_object *p = json_object_new_object();
    vnicd_add(p, "code",
              json_object_new_string(vnic_marshal_error_code(err ? err->code : VNIC_ERR_INTERNAL)));
    vnicd_add(p, "errno", json_object_new_int(err ? err->sys_errno : 0));
    vnicd_add(p, "message", json_object_new_string(err && err->message ? err->message : "?"));
    json_object *msg = vnic_varlink_error_new(EVENTS_FAILED, p);
    int r = vnicd_send(c, msg, NULL, 0);
    json_object_put(msg);
    return r;
}

static int flush(watch *w)
{
    int r = 0;
    for (size_t i = 0; i < w->npending; i++) {
        if (r == 0)
            r = vnicd_send(w->c, w->pending[i], NULL, 0);
        json_object_put(w->pending[i]);
    }
    w->npending = 0;
    return r;
}

int vnicd_watch(vnicd_client *c, json_object *params, bool more)
{
    (void)params;
    (void)more;
    _cleanup_error_ vnic_error *err = NULL;
    int id = -1, efd = -1;
    watch w = {.c = c};
    /* A caller no rule lets read anything is refused, as by io.vnic.Domain.List. */
    if (vnicd_access_check(c->srv->access, &c->peer, VNICD_OP_READ, NULL, NULL, &err) < 0) {
        json_object *p = json_object_new_object();
        vnicd_add(
            p, "message",
            json_object_new_string(err && err->message ? err->message : _("permission denied")));
        json_object *msg = vnic_varlink_error_new(VNIC_VARLINK_EVENTS ".PermissionDenied", p);
        int r = vnicd_send(c, msg, NULL, 0);
        json_object_put(msg);
        return r < 0 ? -1 : 0;
    }
    if (vnicd_client_conn(c, &err) < 0 ||
        vnic_event_register(c->conn, on_event, &w, &id, &err) < 0 ||
        (efd = vnic_event_get_fd(c->conn, &err)) < 0) {
        if (id >= 0)
            vnic_event_deregister(c->conn, id);
        return send_failure(c, err) < 0 ? -1 : 0;
    }

    /* The watch is in place: say so, then stream. */
    json_object *first = vnic_varlink_reply_new(NULL, true);
    int r = vnicd_send(c, first, NULL, 0);
    json_object_put(first);
    while (r == 0) {
        struct pollfd p[] = {
            {.fd = vnic_varlink_fd(c->link), .events = POLLIN},
            {.fd = efd, .events = POLLIN},
        };
        if (vnic_varlink_has_buffered(c->link))
            p[0].revents = POLLIN;
        else if (poll(p, ELEMENTSOF(p), -1) < 0) {
            if (errno == EINTR)
                continue;
            r = -1;
            break;
        }
        if (p[0].revents) {
            /* The client may only close the connection now: anything it sends is out of
             * order. */
            json_object *msg = NULL;
            _cleanup_error_ vnic_error *rerr = NULL;
            int rr = vnic_varlink_recv(c->link, 0, &msg, &rerr);
            if (rr == -EAGAIN)
                continue;
            if (rr > 0) {
                json_object_put(msg);
                vnicd_log(LOG_WARNING, "client %lu: a call during Watch, closing", c->id);
                json_object *p2 = json_object_new_object();
                vnicd_add(p2, "parameter", json_object_new_string("method"));
                json_object *e = vnic_varlink_error_new("org.varlink.service.InvalidParameter", p2);
                (void)vnicd_send(c, e, NULL, 0);
                json_object_put(e);
            }
            r = -1;
            break;
        }
        if (p[1].revents) {
            _cleanup_error_ vnic_error *derr = NULL;
            if (vnic_event_dispatch(c->conn, &derr) < 0) {
                (void)flush(&w);
                (void)send_failure(c, derr);
                r = -1;
                break;
            }
            r = flush(&w);
        }
    }
    for (size_t i = 0; i < w.npending; i++)
        json_object_put(w.pending[i]);
    free(w.pending);
    vnic_event_deregister(c->conn, id);
    return -1;
}
