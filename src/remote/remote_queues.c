/* The remote driver's calls that bring fds: a domain's queues and its snapshot. The fds come
 * over SCM_RIGHTS with the reply whose "fds" member says which queue of which interface each
 * is; that list is checked against the counts before anything is handed on, and on any
 * failure every fd received is closed. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain_conf.h"
#include "i18n.h"
#include "marshal.h"
#include "remote.h"
#include "strutil.h"
#include "tun.h"

/* No interface has more queues than this (the kernel's own limit is far below). */
#define MAX_QUEUES 65536u

/* An array of fds that closes them unless taken. */
typedef struct fd_array {
    int *fds;
    size_t n;
} fd_array;

static void fd_array_clear(fd_array *a)
{
    if (a->fds)
        vnic_close_fds(a->fds, a->n);
    free(a->fds);
    a->fds = NULL;
    a->n = 0;
}

/* The reply's "fds" member lists, in order, queues 0..counts[i]-1 of each interface i from
 * FIRST to LAST - 1, then (VCOUNTS not NULL) the vhost fds of queues 0..vcounts[i]-1 of each,
 * marked "vhost": true, and nothing else. */
static int check_fd_list_vhost(json_object *reply, size_t first, size_t last, const size_t *counts,
                               const size_t *vcounts, size_t nfds, vnic_error **err);

static int check_fd_list(json_object *reply, size_t first, size_t last, const size_t *counts,
                         size_t nfds, vnic_error **err)
{
    return check_fd_list_vhost(reply, first, last, counts, NULL, nfds, err);
}

static int check_fd_list_vhost(json_object *reply, size_t first, size_t last, const size_t *counts,
                               const size_t *vcounts, size_t nfds, vnic_error **err)
{
    json_object *list = NULL;
    size_t n = 0;
    int r = vnic_remote_get_array(reply, "fds", &list, &n, err);
    if (r < 0)
        return r;
    size_t k = 0;
    for (size_t i = first; i < last; i++)
        for (size_t q = 0; q < counts[i]; q++, k++) {
            if (k >= n)
                return vnic_remote_bad_reply(err, _("fewer fds than queues"));
            json_object *fd = json_object_array_get_idx(list, k);
            unsigned iface = 0, queue = 0;
            if (!json_object_is_type(fd, json_type_object) ||
                vnic_remote_get_uint(fd, "interface", MAX_QUEUES, &iface, NULL) < 0 ||
                vnic_remote_get_uint(fd, "queue", MAX_QUEUES, &queue, NULL) < 0 || iface != i ||
                queue != q)
                return vnic_remote_bad_reply(err,
                                             _("reply member 'fds[%zu]' is not queue %zu of "
                                               "interface %zu"),
                                             k, q, i);
        }
    for (size_t i = first; vcounts && i < last; i++)
        for (size_t q = 0; q < vcounts[i]; q++, k++) {
            if (k >= n)
                return vnic_remote_bad_reply(err, _("fewer fds than queues"));
            json_object *fd = json_object_array_get_idx(list, k), *vh = NULL;
            unsigned iface = 0, queue = 0;
            if (!json_object_is_type(fd, json_type_object) ||
                vnic_remote_get_uint(fd, "interface", MAX_QUEUES, &iface, NULL) < 0 ||
                vnic_remote_get_uint(fd, "queue", MAX_QUEUES, &queue, NULL) < 0 || iface != i ||
                queue != q || !json_object_object_get_ex(fd, "vhost", &vh) ||
                !json_object_is_type(vh, json_type_boolean) || !json_object_get_boolean(vh))
                return vnic_remote_bad_reply(err,
                                             _("reply member 'fds[%zu]' is not the vhost fd of "
                                               "queue %zu of interface %zu"),
                                             k, q, i);
        }
    if (k != n || n != nfds)
        return vnic_remote_bad_reply(err, _("%zu fds for %zu queues"), nfds, k);
    return 0;
}

/* The reply's member NAME ([]int, queue counts) as a new array of *ret_n entries. */
static int take_counts_named(json_object *reply, const char *name, size_t **ret, size_t *ret_n,
                             vnic_error **err)
{
    json_object *list = NULL;
    size_t n = 0;
    int r = vnic_remote_get_array(reply, name, &list, &n, err);
    if (r < 0)
        return r;
    _cleanup_free_ size_t *counts = vnic_xcalloc(n ? n : 1, sizeof(*counts));
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(list, i);
        int64_t v = json_object_is_type(c, json_type_int) ? json_object_get_int64(c) : -1;
        if (v < 0 || v > (int64_t)MAX_QUEUES)
            return vnic_remote_bad_reply(err, _("reply member '%s[%zu]' is not a queue count"),
                                         name, i);
        counts[i] = (size_t)v;
    }
    *ret = TAKE_PTR(counts);
    *ret_n = n;
    return 0;
}

static int take_counts(json_object *reply, size_t **ret, size_t *ret_n, vnic_error **err)
{
    return take_counts_named(reply, "counts", ret, ret_n, err);
}

int vnic_remote_domain_open_queues(vnic_conn *conn, const char *name, unsigned index, int **ret_fds,
                                   size_t *ret_n, vnic_error **err)
{
    if (!name)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("invalid domain name '%s'"), "(null)"),
               -EINVAL;
    json_object *params = json_object_new_object();
    vnic_remote_add_string(params, "name", name);
    json_object_object_add(params, "index", json_object_new_int64(index));
    json_object *reply = NULL;
    fd_array got = {0};
    int r = vnic_remote_call(conn->priv, "OpenQueues", params, &reply, &got.fds, &got.n, NULL, err);
    if (r < 0)
        return r;
    /* One interface: queue k of interface INDEX for the k-th fd, as many as came. */
    json_object *list = NULL;
    size_t n = 0;
    if ((r = vnic_remote_get_array(reply, "fds", &list, &n, err)) == 0) {
        for (size_t k = 0; k < n && r == 0; k++) {
            json_object *fd = json_object_array_get_idx(list, k);
            unsigned iface = 0, queue = 0;
            if (!json_object_is_type(fd, json_type_object) ||
                vnic_remote_get_uint(fd, "interface", UINT32_MAX, &iface, NULL) < 0 ||
                vnic_remote_get_uint(fd, "queue", MAX_QUEUES, &queue, NULL) < 0 || iface != index ||
                queue != k)
                r = vnic_remote_bad_reply(err,
                                          _("reply member 'fds[%zu]' is not queue %zu of "
                                            "interface %u"),
                                          k, k, index);
        }
        if (r == 0 && n != got.n)
            r = vnic_remote_bad_reply(err, _("%zu fds for %zu queues"), got.n, n);
    }
    json_object_put(reply);
    if (r < 0) {
        fd_array_clear(&got);
        return r;
    }
    *ret_fds = got.fds ? TAKE_PTR(got.fds) : vnic_xcalloc(1, sizeof(int));
    *ret_n = got.n;
    return 0;
}

int vnic_remote_domain_open_all_queues(vnic_conn *conn, const char *name, int **ret_fds,
                                       size_t **ret_counts, size_t *ret_n, vnic_error **err)
{
    if (!name)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("invalid domain name '%s'"), "(null)"),
               -EINVAL;
    json_object *params = json_object_new_object();
    vnic_remote_add_string(params, "name", name);
    json_object *reply = NULL;
    fd_array got = {0};
    int r =
        vnic_remote_call(conn->priv, "OpenAllQueues", params, &reply, &got.fds, &got.n, NULL, err);
    if (r < 0)
        return r;
    _cleanup_free_ size_t *counts = NULL;
    size_t n = 0;
    if ((r = take_counts(reply, &counts, &n, err)) == 0)
        r = check_fd_list(reply, 0, n, counts, got.n, err);
    json_object_put(reply);
    if (r < 0) {
        fd_array_clear(&got);
        return r;
    }
    /* Even without a queue, the caller gets arrays it can free. */
    *ret_fds = got.fds ? TAKE_PTR(got.fds) : vnic_xcalloc(1, sizeof(int));
    *ret_counts = TAKE_PTR(counts);
    *ret_n = n;
    return 0;
}

/* ---- the snapshot --------------------------------------------------------------------- */

static json_object *snapshot_params(const char *name, const char *xml, const char *docname,
                                    unsigned index, unsigned flags)
{
    json_object *o = json_object_new_object();
    if (name)
        vnic_remote_add_string(o, "name", name);
    if (xml) {
        vnic_remote_add_string(o, "xml", xml);
        vnic_remote_add_string(o, "docname", docname);
    }
    if (flags & VNIC_SNAPSHOT_ONE)
        json_object_object_add(o, "index", json_object_new_int64(index));
    vnic_remote_add_flag(o, "with_fds", flags & VNIC_SNAPSHOT_FDS);
    vnic_remote_add_flag(o, "start", flags & VNIC_SNAPSHOT_START);
    vnic_remote_add_flag(o, "one", flags & VNIC_SNAPSHOT_ONE);
    vnic_remote_add_flag(o, "skip_unsupported", flags & VNIC_SNAPSHOT_SKIP_UNSUPPORTED);
    vnic_remote_add_flag(o, "vhost", flags & VNIC_SNAPSHOT_VHOST);
    return o;
}

/* The live definition as the daemon formatted it: its driver checked it (against a schema
 * that may be newer than ours), so it is read as the embedded driver reads its own records,
 * without the schema; the semantic checks still run. */
static int parse_live_xml(const char *xml, const char *docname, vnic_domain_def **ret,
                          vnic_error **err)
{
    vnic_diag_list diags = {0};
    vnic_error *e = NULL;
    int r = vnic_domain_def_parse_string(
        xml, docname, VNIC_PARSE_SKIP_UNSUPPORTED | VNIC_PARSE_NO_SCHEMA, ret, &diags, &e);
    if (r < 0) {
        _cleanup_free_ char *first = diags.count ? vnic_diag_to_string(diags.items[0]) : NULL;
        vnic_remote_bad_reply(err, _("the domain's definition cannot be read: %s"),
                              first             ? first
                              : e && e->message ? e->message
                                                : "?");
    }
    vnic_error_free(e);
    vnic_diag_clear(&diags);
    return r < 0 ? -EBADMSG : 0;
}

/* Turn the reply into *s (fds and counts already there). */
static int fill_snapshot(json_object *reply, const char *docname, unsigned index, unsigned flags,
                         vnic_domain_snapshot *s, vnic_error **err)
{
    const char *xml = NULL;
    json_object *info = NULL, *ids = NULL;
    size_t nids = 0, ncounts = 0;
    int r;
    if ((r = vnic_remote_get_string(reply, "xml", true, &xml, err)) < 0 ||
        (r = vnic_remote_get_bool(reply, "started", &s->started, err)) < 0 ||
        (r = take_counts(reply, &s->counts, &ncounts, err)) < 0 ||
        (r = vnic_remote_get_array(reply, "ids", &ids, &nids, err)) < 0)
        return r;
    if (!json_object_object_get_ex(reply, "info", &info))
        return vnic_remote_bad_reply(err, _("reply member '%s': missing"), "info");
    if ((r = vnic_unmarshal_info(info, "info", &s->info, err)) < 0 ||
        (r = parse_live_xml(xml, docname, &s->def, err)) < 0)
        return r;

    s->niface = s->def->niface;
    if (ncounts != s->niface || nids != s->niface)
        return vnic_remote_bad_reply(err, _("%zu interfaces with %zu counts and %zu ids"),
                                     s->niface, ncounts, nids);
    s->ids = vnic_xcalloc(nids + 1, sizeof(*s->ids));
    for (size_t i = 0; i < nids; i++) {
        json_object *id = json_object_array_get_idx(ids, i);
        size_t len =
            json_object_is_type(id, json_type_string) ? (size_t)json_object_get_string_len(id) : 0;
        if (len == 0 || len > VNIC_MARSHAL_MAX_STRING || strlen(json_object_get_string(id)) != len)
            return vnic_remote_bad_reply(err, _("reply member 'ids[%zu]' is not an id"), i);
        s->ids[i] = vnic_xstrdup(json_object_get_string(id));
    }

    if ((flags & VNIC_SNAPSHOT_ONE) && index >= s->niface)
        return vnic_remote_bad_reply(err, _("no interface %u"), index);
    size_t first = flags & VNIC_SNAPSHOT_ONE ? index : 0;
    size_t last = flags & VNIC_SNAPSHOT_ONE ? index + 1 : s->niface;
    if (flags & VNIC_SNAPSHOT_VHOST) {
        size_t nv = 0;
        if ((r = take_counts_named(reply, "vhost_counts", &s->vhost_counts, &nv, err)) < 0)
            return r;
        if (nv != s->niface)
            return vnic_remote_bad_reply(err, _("%zu interfaces with %zu vhost counts"), s->niface,
                                         nv);
        for (size_t i = 0; i < s->niface; i++)
            if (s->vhost_counts[i] &&
                (s->vhost_counts[i] != s->counts[i] || i < first || i >= last))
                return vnic_remote_bad_reply(
                    err, _("reply member 'vhost_counts[%zu]' is not a vhost fd count"), i);
    }
    if (!(flags & VNIC_SNAPSHOT_FDS))
        return check_fd_list(reply, 0, 0, s->counts, s->nfds, err);
    return check_fd_list_vhost(reply, first, last, s->counts, s->vhost_counts, s->nfds, err);
}

/* Split the fds received (every queue fd, then every vhost-net fd) into s->fds and
 * s->vhostfds, once the reply's list is checked. */
static void split_vhost_fds(vnic_domain_snapshot *s)
{
    size_t nv = 0;
    for (size_t i = 0; s->vhost_counts && i < s->niface; i++)
        nv += s->vhost_counts[i];
    if (!nv || nv > s->nfds)
        return;
    s->vhostfds = vnic_xcalloc(nv, sizeof(int));
    memcpy(s->vhostfds, s->fds + (s->nfds - nv), nv * sizeof(int));
    s->nvhostfds = nv;
    s->nfds -= nv;
}

int vnic_remote_domain_snapshot(vnic_conn *conn, const char *name, const char *xml,
                                const char *docname, unsigned index, unsigned flags,
                                vnic_domain_snapshot **ret, vnic_diag_list *diags, vnic_error **err)
{
    remote_priv *p = conn->priv;
    json_object *reply = NULL;
    fd_array got = {0};
    int r = vnic_remote_call(p, "Snapshot", snapshot_params(name, xml, docname, index, flags),
                             &reply, &got.fds, &got.n, diags, err);
    if (r < 0)
        return r;

    _cleanup_(vnic_domain_snapshot_freep) vnic_domain_snapshot *s = vnic_xcalloc(1, sizeof(*s));
    s->fds = TAKE_PTR(got.fds);
    s->nfds = got.n;
    /* The daemon's own name of its domain for messages about the definition it sent. */
    r = fill_snapshot(reply, docname ? docname : name, index, flags, s, err);
    if (r < 0 && s->started) {
        /* The daemon started the domain for this snapshot: undo that, as the embedded
         * driver undoes a start whose snapshot then failed. */
        const char *dom = s->def ? s->def->name : name;
        if (dom) {
            json_object *params = json_object_new_object();
            vnic_remote_add_string(params, "name", dom);
            vnic_remote_call(p, "Destroy", params, NULL, NULL, NULL, NULL, NULL);
        }
    }
    json_object_put(reply);
    if (r < 0)
        return r;
    split_vhost_fds(s);
    if (!s->fds && (flags & VNIC_SNAPSHOT_FDS))
        s->fds = vnic_xcalloc(1, sizeof(int));
    *ret = TAKE_PTR(s);
    return 0;
}
