/* The remote driver: vnic:///system and vnic+unix:///system?socket=PATH, the driver table
 * spoken over varlink (src/daemon/io.vnic.Domain.varlink) to vnicd, which runs the embedded
 * driver for its clients. One connection carries the calls, one at a time, each waiting for
 * its reply; a second one, opened when events are first asked for, carries their stream.
 *
 * What the daemon's driver said comes back as it said it: a Failed reply is turned into the
 * same error (code, errno, message) and the same diagnostics (with the caller's document name
 * and lines), so a program gets the same results over both drivers. fds come with the reply
 * that lists them (SCM_RIGHTS) and are the caller's from then on; on any failure none stays
 * open. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "marshal.h"
#include "remote.h"
#include "strutil.h"
#include "tun.h"

#define DEFAULT_SOCKET VNIC_RUNSTATEDIR "/vnicd.sock"

/* vnic:///system[?...] and vnic+unix://...: a URI of the second scheme that is not right is
 * this driver's to refuse with a message naming it. */
static bool remote_probe(const char *uri)
{
    return vnic_streq(uri, "vnic:///system") || vnic_str_has_prefix(uri, "vnic:///system?") ||
           vnic_str_has_prefix(uri, "vnic+unix:");
}

/* "vnic:///system", "vnic[+unix]:///system?socket=PATH" (PATH absolute): *ret_socket. */
static int parse_uri(const char *uri, char **ret_socket, vnic_error **err)
{
    const char *rest =
        vnic_str_has_prefix(uri, "vnic+unix:") ? uri + strlen("vnic+unix:") : uri + strlen("vnic:");
    if (!vnic_str_has_prefix(rest, "///system") ||
        (rest[strlen("///system")] != '\0' && rest[strlen("///system")] != '?'))
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("unsupported connection URI '%s' (the daemon's is "
                                "vnic:///system or vnic+unix:///system?socket=PATH)"),
                              uri),
               -EINVAL;

    const char *q = strchr(uri, '?');
    _cleanup_free_ char *socket = NULL;
    if (q) {
        _cleanup_free_ char *query = vnic_xstrdup(q + 1);
        char *save = NULL;
        for (char *param = strtok_r(query, "&", &save); param; param = strtok_r(NULL, "&", &save)) {
            if (!vnic_str_has_prefix(param, "socket=") || socket)
                return vnic_error_set(err, VNIC_ERR_INVALID,
                                      _("unsupported parameters in connection URI '%s' (only "
                                        "socket=PATH is known)"),
                                      uri),
                       -EINVAL;
            socket = vnic_xstrdup(param + strlen("socket="));
        }
        if (!socket)
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("unsupported parameters in connection URI '%s' (only "
                                    "socket=PATH is known)"),
                                  uri),
                   -EINVAL;
        if (socket[0] != '/')
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("the socket in connection URI '%s' must be an absolute path"),
                                  uri),
                   -EINVAL;
    }
    *ret_socket = socket ? TAKE_PTR(socket) : vnic_xstrdup(DEFAULT_SOCKET);
    return 0;
}

int vnic_remote_connect(const remote_priv *p, vnic_varlink **ret, vnic_error **err)
{
    vnic_error *e = NULL;
    int r =
        vnic_varlink_connect(p->socket, VNIC_REMOTE_MAX_MESSAGE, VNIC_REMOTE_TIMEOUT_MS, ret, &e);
    if (r >= 0)
        return r;
    /* The two ways of a daemon that does not run: say so, and which socket was tried. */
    if (r == -ENOENT || r == -ECONNREFUSED) {
        vnic_error_free(e);
        vnic_error_set(err, VNIC_ERR_SYSTEM,
                       r == -ENOENT
                           ? _("the daemon's socket '%s' does not exist: is vnicd running?")
                           : _("nobody listens on the daemon's socket '%s': is vnicd running?"),
                       p->socket);
        if (*err)
            (*err)->sys_errno = -r;
        return r;
    }
    if (e && !*err)
        *err = e;
    else
        vnic_error_free(e);
    return r;
}

static void remote_close(vnic_conn *conn)
{
    remote_priv *p = conn->priv;
    if (!p)
        return;
    vnic_remote_events_close(p);
    vnic_varlink_free(p->v);
    free(p->socket);
    free(p);
    conn->priv = NULL;
}

static int remote_open(vnic_conn *conn, const char *uri, unsigned flags, vnic_error **err)
{
    /* flags: the daemon finishes crashed operations itself (VNIC_CONN_NO_RECONCILE is moot). */
    _cleanup_free_ char *socket = NULL;
    int r = parse_uri(uri, &socket, err);
    if (r < 0)
        return r;
    remote_priv *p = vnic_xcalloc(1, sizeof(*p));
    p->ev_epoll = p->ev_wake = -1;
    p->socket = TAKE_PTR(socket);
    conn->priv = p;
    if ((r = vnic_remote_connect(p, &p->v, err)) < 0) {
        remote_close(conn);
        return r;
    }
    return 0;
}

/* ---- calls ---------------------------------------------------------------------------- */

int vnic_remote_bad_reply(vnic_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *what = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    vnic_error_set(err, VNIC_ERR_INTERNAL, _("invalid reply from vnicd: %s"), what);
    return -EBADMSG;
}

static void conn_lost(remote_priv *p)
{
    vnic_varlink_free(p->v);
    p->v = NULL;
}

/* Close whatever fds the wire still holds: none may be left to be taken for a later reply's. */
static size_t drop_queued_fds(vnic_varlink *v)
{
    size_t n = vnic_varlink_queued_fds(v);
    if (n == 0)
        return 0;
    int *fds = vnic_xcalloc(n, sizeof(*fds));
    if (vnic_varlink_take_fds(v, n, fds, NULL) == 0)
        vnic_close_fds(fds, n);
    free(fds);
    return n;
}

/* The reply MSG of a call, checked: its parameters (*ret), the fds it lists, or the error it
 * carries. */
static int take_reply(remote_priv *p, json_object *msg, json_object **ret, int **ret_fds,
                      size_t *ret_nfds, vnic_diag_list *diags, vnic_error **err)
{
    json_object *o = NULL;
    if (json_object_object_get_ex(msg, "error", &o)) {
        /* A failure carries no fds; any that came are not the next reply's. */
        drop_queued_fds(p->v);
        int r = vnic_unmarshal_failure(msg, err, diags);
        return r < 0 ? r : -EIO;
    }
    if (json_object_object_get_ex(msg, "continues", &o) && json_object_get_boolean(o)) {
        conn_lost(p);
        return vnic_remote_bad_reply(err, _("a stream of replies to a single call"));
    }
    json_object *params = NULL;
    if (json_object_object_get_ex(msg, "parameters", &params) &&
        !json_object_is_type(params, json_type_object))
        return vnic_remote_bad_reply(err, _("its parameters are not an object"));

    json_object *fds = NULL;
    size_t nfds = 0;
    if (params && json_object_object_get_ex(params, "fds", &fds)) {
        if (!json_object_is_type(fds, json_type_array)) {
            conn_lost(p);
            return vnic_remote_bad_reply(err, _("reply member '%s': not an array"), "fds");
        }
        nfds = json_object_array_length(fds);
    }
    if (nfds > VNIC_VARLINK_MAX_FDS || (nfds && !ret_fds)) {
        conn_lost(p);
        return vnic_remote_bad_reply(err, _("%zu fds where none or fewer were asked for"), nfds);
    }
    _cleanup_free_ int *got = NULL;
    if (nfds) {
        got = vnic_xcalloc(nfds, sizeof(*got));
        int r = vnic_varlink_take_fds(p->v, nfds, got, err);
        if (r < 0) {
            conn_lost(p);
            return r;
        }
    }
    size_t extra = drop_queued_fds(p->v);
    if (extra) {
        vnic_close_fds(got, nfds);
        conn_lost(p);
        return vnic_remote_bad_reply(err, _("%zu fds more than its member 'fds' lists"), extra);
    }
    if (ret_fds) {
        *ret_fds = TAKE_PTR(got);
        *ret_nfds = nfds;
    }
    if (ret)
        *ret = params ? json_object_get(params) : json_object_new_object();
    return 0;
}

int vnic_remote_call(remote_priv *p, const char *method, json_object *params, json_object **ret,
                     int **ret_fds, size_t *ret_nfds, vnic_diag_list *diags, vnic_error **err)
{
    if (!p->v) {
        json_object_put(params);
        return vnic_error_set(err, VNIC_ERR_SYSTEM,
                              _("the connection to vnicd at '%s' was lost earlier"), p->socket),
               -ENOTCONN;
    }
    _cleanup_free_ char *full = vnic_xasprintf("%s.%s", VNIC_VARLINK_DOMAIN, method);
    json_object *call = vnic_varlink_call_new(full, params, 0);
    vnic_error *send_err = NULL;
    int r = vnic_varlink_send(p->v, call, NULL, 0, &send_err);
    json_object_put(call);
    if (r < 0) {
        /* A daemon that refused the connection (too many of them, ...) said why before it
         * closed: that is the error, not the broken pipe it left. */
        json_object *msg = NULL;
        if ((r == -EPIPE || r == -ECONNRESET) && vnic_varlink_recv(p->v, 0, &msg, NULL) == 1 &&
            json_object_object_get_ex(msg, "error", NULL)) {
            vnic_error_free(send_err);
            r = take_reply(p, msg, NULL, NULL, NULL, diags, err);
            json_object_put(msg);
            conn_lost(p);
            return r;
        }
        json_object_put(msg);
        if (send_err && !*err)
            *err = send_err;
        else
            vnic_error_free(send_err);
        conn_lost(p);
        return vnic_error_prefix(err, _("cannot send a call to vnicd")), r;
    }

    /* No time limit for the reply to begin (a big domain takes long); the wire bounds the
     * time the reply then takes to arrive. */
    json_object *msg = NULL;
    r = vnic_varlink_recv(p->v, -1, &msg, err);
    if (r == 0) {
        conn_lost(p);
        return vnic_error_set_errno(err, ECONNRESET,
                                    _("vnicd closed the connection before it answered")),
               -ECONNRESET;
    }
    if (r < 0) {
        conn_lost(p);
        return vnic_error_prefix(err, _("cannot read vnicd's reply")), r;
    }
    r = take_reply(p, msg, ret, ret_fds, ret_nfds, diags, err);
    json_object_put(msg);
    return r;
}

/* ---- reply members -------------------------------------------------------------------- */

int vnic_remote_get_string(json_object *o, const char *key, bool required, const char **ret,
                           vnic_error **err)
{
    json_object *m = NULL;
    if (!json_object_object_get_ex(o, key, &m) || json_object_is_type(m, json_type_null)) {
        if (required)
            return vnic_remote_bad_reply(err, _("reply member '%s': missing"), key);
        return 0;
    }
    if (!json_object_is_type(m, json_type_string))
        return vnic_remote_bad_reply(err, _("reply member '%s': not a string"), key);
    const char *s = json_object_get_string(m);
    size_t len = (size_t)json_object_get_string_len(m);
    if (len > VNIC_MARSHAL_MAX_STRING || strlen(s) != len)
        return vnic_remote_bad_reply(err, _("reply member '%s': too long or with a NUL byte"), key);
    *ret = s;
    return 0;
}

int vnic_remote_get_uint(json_object *o, const char *key, unsigned max, unsigned *ret,
                         vnic_error **err)
{
    json_object *m = NULL;
    if (!json_object_object_get_ex(o, key, &m))
        return vnic_remote_bad_reply(err, _("reply member '%s': missing"), key);
    if (!json_object_is_type(m, json_type_int))
        return vnic_remote_bad_reply(err, _("reply member '%s': not an integer"), key);
    int64_t v = json_object_get_int64(m);
    if (v < 0 || (uint64_t)v > max)
        return vnic_remote_bad_reply(err, _("reply member '%s': %lld is out of range"), key,
                                     (long long)v);
    *ret = (unsigned)v;
    return 0;
}

int vnic_remote_get_bool(json_object *o, const char *key, bool *ret, vnic_error **err)
{
    json_object *m = NULL;
    if (!json_object_object_get_ex(o, key, &m))
        return vnic_remote_bad_reply(err, _("reply member '%s': missing"), key);
    if (!json_object_is_type(m, json_type_boolean))
        return vnic_remote_bad_reply(err, _("reply member '%s': not a boolean"), key);
    *ret = json_object_get_boolean(m);
    return 0;
}

int vnic_remote_get_array(json_object *o, const char *key, json_object **ret, size_t *ret_n,
                          vnic_error **err)
{
    json_object *m = NULL;
    if (!json_object_object_get_ex(o, key, &m))
        return vnic_remote_bad_reply(err, _("reply member '%s': missing"), key);
    if (!json_object_is_type(m, json_type_array))
        return vnic_remote_bad_reply(err, _("reply member '%s': not an array"), key);
    size_t n = json_object_array_length(m);
    if (n > VNIC_MARSHAL_MAX_ITEMS)
        return vnic_remote_bad_reply(err, _("reply member '%s': too many items"), key);
    *ret = m;
    *ret_n = n;
    return 0;
}

void vnic_remote_add_string(json_object *o, const char *key, const char *value)
{
    json_object_object_add(o, key, json_object_new_string(value));
}

void vnic_remote_add_flag(json_object *o, const char *key, bool value)
{
    /* Only a flag that is set goes over the wire: absent is false (the members are ?bool). */
    if (value)
        json_object_object_add(o, key, json_object_new_boolean(true));
}

const vnic_driver vnic_remote_driver = {
    .name = "remote",
    .probe = remote_probe,
    .open = remote_open,
    .close = remote_close,
    .domain_create = vnic_remote_domain_create,
    .domain_define = vnic_remote_domain_define,
    .domain_undefine = vnic_remote_domain_undefine,
    .domain_start = vnic_remote_domain_start,
    .domain_destroy = vnic_remote_domain_destroy,
    .domain_lookup = vnic_remote_domain_lookup,
    .domain_list = vnic_remote_domain_list,
    .domain_get_xml = vnic_remote_domain_get_xml,
    .domain_open_queues = vnic_remote_domain_open_queues,
    .domain_open_all_queues = vnic_remote_domain_open_all_queues,
    .domain_snapshot = vnic_remote_domain_snapshot,
    .domain_attach_interface = vnic_remote_domain_attach_interface,
    .domain_detach_interface = vnic_remote_domain_detach_interface,
    .reconcile = vnic_remote_reconcile,
    .event_register = vnic_remote_event_register,
    .event_deregister = vnic_remote_event_deregister,
    .event_run = vnic_remote_event_run,
    .event_get_fd = vnic_remote_event_get_fd,
    .event_dispatch = vnic_remote_event_dispatch,
    .domain_get_interface_bandwidth = vnic_remote_domain_get_interface_bandwidth,
    .domain_set_interface_bandwidth = vnic_remote_domain_set_interface_bandwidth,
    .domain_interface_stats = vnic_remote_domain_interface_stats,
    .domain_interface_get_link = vnic_remote_domain_interface_get_link,
    .domain_interface_set_link = vnic_remote_domain_interface_set_link,
    .domain_follow_libvirt = vnic_remote_domain_follow_libvirt,
};
