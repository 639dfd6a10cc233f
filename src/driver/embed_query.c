/* Queries: what a domain is (info, XML, the list of domains) and opening its queues. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "fileutil.h"
#include "i18n.h"
#include "strutil.h"
#include "tun.h"

/* A new result struct, its size set (vnic.h, "ABI"). */
static vnic_domain_info *new_domain_info(size_t ninterfaces)
{
    vnic_domain_info *info = vnic_xcalloc(1, sizeof(*info));
    info->size = sizeof(*info);
    info->ninterfaces = ninterfaces;
    info->interfaces = vnic_xcalloc(ninterfaces + 1, sizeof(*info->interfaces));
    for (size_t i = 0; i < ninterfaces; i++) {
        info->interfaces[i] = vnic_xcalloc(1, sizeof(**info->interfaces));
        info->interfaces[i]->size = sizeof(**info->interfaces);
    }
    return info;
}

static void fill_iface_info(const vnic_record *rec, size_t i, vnic_interface_info *info)
{
    const vnic_iface_def *d = rec->def->ifaces[i];
    const vnic_record_iface *ri = &rec->ifaces[i];

    info->index = (unsigned)i;
    info->alias = vnic_xstrdup_null(d->alias);
    info->type = vnic_xstrdup(d->type_tap ? "tap" : vnic_iface_type_to_string(d->type));
    info->backend = vnic_xstrdup(ri->backend);
    info->name = vnic_xstrdup(ri->done ? ri->rt.name : ri->intended);
    info->ifindex = ri->done ? ri->rt.ifindex : 0;
    if (d->type == VNIC_IFACE_DIRECT) {
        info->source = vnic_xstrdup_null(d->source_dev);
        info->mode = vnic_xstrdup(vnic_macvtap_mode_to_string(d->mode));
    }
    if (d->has_mac)
        vnic_mac_format(d->mac, info->mac);
    if (ri->done)
        vnic_mac_format(ri->rt.mac, info->host_mac);
    info->model = vnic_xstrdup_null(d->model);
    info->mtu = ri->done ? ri->rt.mtu : d->mtu;
    info->queues = ri->done ? ri->rt.queues : vnic_iface_def_queues(d);
    info->vnet_hdr = ri->done ? ri->rt.vnet_hdr : vnic_model_uses_vnet_hdr(d->model);
    info->managed = ri->done ? ri->rt.created : d->managed != VNIC_TRISTATE_NO;
}

vnic_domain_info *vnic_embed_make_info(const vnic_record *rec, bool persistent)
{
    vnic_domain_info *info = new_domain_info(rec->def->niface);
    info->name = vnic_xstrdup(rec->def->name);
    info->uuid = vnic_xstrdup_null(rec->def->uuid);
    info->persistent = persistent;
    info->state = vnic_xstrdup(vnic_record_status_to_string(rec->status));
    for (size_t i = 0; i < rec->def->niface; i++)
        fill_iface_info(rec, i, info->interfaces[i]);
    return info;
}

vnic_domain_info *vnic_embed_make_defined_info(const vnic_registry *reg, const vnic_domain_def *def)
{
    vnic_domain_info *info = new_domain_info(def->niface);
    info->name = vnic_xstrdup(def->name);
    info->uuid = vnic_xstrdup_null(def->uuid);
    info->state = vnic_xstrdup("defined");
    info->persistent = true;
    for (size_t i = 0; i < def->niface; i++) {
        const vnic_iface_def *d = def->ifaces[i];
        vnic_interface_info *f = info->interfaces[i];
        f->index = (unsigned)i;
        f->alias = vnic_xstrdup_null(d->alias);
        f->type = vnic_xstrdup(d->type_tap ? "tap" : vnic_iface_type_to_string(d->type));
        const vnic_backend_ops *ops = vnic_registry_find(reg, d, NULL);
        f->backend = vnic_xstrdup(ops ? ops->name : "-");
        f->name = vnic_xstrdup(d->target_dev ? d->target_dev : "-");
        if (d->type == VNIC_IFACE_DIRECT) {
            f->source = vnic_xstrdup_null(d->source_dev);
            f->mode = vnic_xstrdup(vnic_macvtap_mode_to_string(d->mode));
        }
        if (d->has_mac)
            vnic_mac_format(d->mac, f->mac);
        f->model = vnic_xstrdup_null(d->model);
        f->mtu = d->mtu;
        f->queues = vnic_iface_def_queues(d);
        f->vnet_hdr = vnic_model_uses_vnet_hdr(d->model);
        f->managed = d->managed != VNIC_TRISTATE_NO;
    }
    return info;
}

int vnic_embed_domain_lookup(vnic_conn *conn, const char *name, vnic_domain_info **ret,
                             vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = vnic_embed_record_read(p, name, &rec, err);
    if (r == 0) {
        *ret = vnic_embed_make_info(rec, vnic_embed_def_exists(p, name));
        return 0;
    }
    if (r != -ENOENT)
        return r;
    vnic_domain_def *def = NULL;
    r = vnic_embed_def_read(p, name, &def, err);
    if (r == -ENOENT)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("domain '%s' is not active (and not defined)"), name),
               -ENOENT;
    if (r < 0)
        return r;
    *ret = vnic_embed_make_defined_info(p->reg, def);
    vnic_domain_def_free(def);
    return 0;
}

/* A domain whose record cannot be read: its definition if it has a readable one. */
static vnic_domain_info *make_broken_info(embed_priv *p, const char *name)
{
    vnic_domain_def *def = NULL;
    vnic_error *e = NULL;
    vnic_domain_info *info;
    if (vnic_embed_def_read(p, name, &def, &e) == 0) {
        info = vnic_embed_make_defined_info(p->reg, def);
        vnic_domain_def_free(def);
        free(info->state);
    } else {
        info = new_domain_info(0);
        info->name = vnic_xstrdup(name);
        info->persistent = vnic_embed_def_exists(p, name);
    }
    vnic_error_free(e);
    info->state = vnic_xstrdup("broken");
    return info;
}

static int cmp_info(const void *a, const void *b)
{
    return strcmp((*(vnic_domain_info *const *)a)->name, (*(vnic_domain_info *const *)b)->name);
}

int vnic_embed_domain_list(vnic_conn *conn, unsigned flags, vnic_domain_info ***ret, size_t *ret_n,
                           vnic_error **err)
{
    embed_priv *p = conn->priv;
    char **names = NULL, **defs = NULL;
    size_t n = 0, ndefs = 0;
    int r = vnic_embed_list_names(p->domains_fd, p->domains_dir, &names, &n, err);
    if (r < 0)
        return r;
    if ((flags & VNIC_LIST_ALL) &&
        (r = vnic_embed_list_names(p->defs_fd, p->defs_dir, &defs, &ndefs, err)) < 0) {
        vnic_embed_free_names(names, n);
        return r;
    }

    vnic_domain_info **list = vnic_xcalloc(n + ndefs + 1, sizeof(*list));
    size_t k = 0;
    int status = 0;
    for (size_t i = 0; i < n; i++) {
        vnic_record *rec = NULL;
        vnic_error *rerr = NULL;
        r = vnic_embed_record_read(p, names[i], &rec, &rerr);
        if (r == -ENOENT) /* destroyed meanwhile */
            continue;
        if (r < 0) {
            /* One unreadable record does not hide the rest of the store, nor its own
             * domain: listed as "broken" (from its definition, if that is intact), the
             * record's problem reported apart. */
            if (err && !*err)
                *err = rerr;
            else
                vnic_error_free(rerr);
            status = r;
            list[k++] = make_broken_info(p, names[i]);
            continue;
        }
        list[k++] = vnic_embed_make_info(rec, vnic_embed_def_exists(p, names[i]));
        vnic_record_free(rec);
    }
    for (size_t i = 0; i < ndefs; i++) {
        bool running = false;
        for (size_t j = 0; j < n && !running; j++)
            running = vnic_streq(names[j], defs[i]);
        if (running)
            continue;
        vnic_domain_def *def = NULL;
        vnic_error *rerr = NULL;
        r = vnic_embed_def_read(p, defs[i], &def, &rerr);
        if (r == -ENOENT)
            continue;
        if (r < 0) {
            if (err && !*err)
                *err = rerr;
            else
                vnic_error_free(rerr);
            status = r;
            continue;
        }
        list[k++] = vnic_embed_make_defined_info(p->reg, def);
        vnic_domain_def_free(def);
    }
    vnic_embed_free_names(names, n);
    vnic_embed_free_names(defs, ndefs);
    qsort(list, k, sizeof(*list), cmp_info);
    *ret = list;
    *ret_n = k;
    return status;
}

char *vnic_embed_domain_get_xml(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = (flags & VNIC_XML_INACTIVE) ? -ENOENT : vnic_embed_record_read(p, name, &rec, err);
    if (r == -ENOENT) {
        vnic_domain_def *def = NULL;
        r = vnic_embed_def_read(p, name, &def, err);
        if (r == -ENOENT) {
            vnic_error_set(err, VNIC_ERR_INVALID,
                           (flags & VNIC_XML_INACTIVE)
                               ? _("domain '%s' has no stored definition")
                               : _("domain '%s' is not active (and not defined)"),
                           name);
            return NULL;
        }
        if (r < 0)
            return NULL;
        char *xml = vnic_domain_def_format(def, err);
        vnic_domain_def_free(def);
        return xml;
    }
    if (r < 0)
        return NULL;
    for (size_t i = 0; i < rec->def->niface; i++) {
        vnic_iface_def *d = rec->def->ifaces[i];
        const vnic_record_iface *ri = &rec->ifaces[i];
        free(d->target_dev);
        d->target_dev = vnic_xstrdup(ri->done ? ri->rt.name : ri->intended);
    }
    return vnic_domain_def_format(rec->def, err);
}

int vnic_embed_check_queues_free(embed_priv *p, const vnic_record *rec, vnic_error **err)
{
    /* A supervisor's launcher has every queue: a second consumer of the same macvtap or tap
     * (another run, a pass) would steal its packets. One interface's queues stay open to
     * others (domain_open_queues): hot-plug hands a new interface to the running launcher. */
    if (!vnic_embed_supervised_elsewhere(p, rec))
        return 0;
    const char *name = rec->def->name;
    long pid = vnic_embed_run_lock_pid(p, name);
    if (pid > 0)
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("domain '%s' is run by a supervisor (vnicsh run, pid %ld) whose "
                         "launcher has its queues"),
                       name, pid);
    else
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("domain '%s' is run by a supervisor (vnicsh run) whose launcher "
                         "has its queues"),
                       name);
    return -EBUSY;
}

int vnic_embed_open_range(embed_priv *p, const vnic_record *rec, size_t first, size_t last,
                          int *fds, vnic_error **err)
{
    vnic_backend_env env = {.nl = p->nl, .domain_name = rec->def->name, .run_dir = p->nodes_dir};
    size_t off = 0;
    for (size_t i = first; i < last; i++) {
        const vnic_record_iface *ri = &rec->ifaces[i];
        const vnic_backend_ops *ops = vnic_registry_find_by_name(p->reg, ri->backend);
        int r;
        if (!ops) {
            vnic_error_set(err, VNIC_ERR_UNSUPPORTED, _("no backend module '%s' is loaded"),
                           ri->backend);
            r = -ENOENT;
        } else {
            env.mark = ri->mark;
            r = ops->open_queues(&env, vnic_backend_iface_of(rec->def->ifaces[i]), &ri->rt,
                                 fds + off, err);
        }
        if (r < 0) {
            vnic_embed_prefix_iface(err, rec->def, i);
            vnic_close_fds(fds, off);
            return r;
        }
        off += ri->rt.queues;
    }
    return 0;
}

/* The record of a running domain, read with the domain's lock held (*ret_lock, until closed):
 * an attach or a detach cannot come between reading it and opening what it names. */
static int read_active(embed_priv *p, const char *name, int *ret_lock, vnic_record **ret,
                       vnic_error **err)
{
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    dom_state st;
    int r = vnic_embed_lock_and_settle(p, name, ret_lock, &st, &rec, err);
    if (r < 0)
        return r;
    if (!rec)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not active"), name), -ENOENT;
    if (rec->status != VNIC_RECORD_ACTIVE && rec->status != VNIC_RECORD_DEGRADED)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not fully started"), name),
               -EINVAL;
    if ((r = vnic_embed_get_nl(p, err)) < 0)
        return r;
    *ret = TAKE_PTR(rec);
    return 0;
}

int vnic_embed_domain_open_queues(vnic_conn *conn, const char *name, unsigned index, int **ret_fds,
                                  size_t *ret_n, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_close_ int lock = -1;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = read_active(p, name, &lock, &rec, err);
    if (r < 0)
        return r;
    if (index >= rec->def->niface)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' has no interface %u"), name,
                              index),
               -EINVAL;

    size_t n = rec->ifaces[index].rt.queues;
    int *fds = vnic_xcalloc(n ? n : 1, sizeof(int));
    r = vnic_embed_open_range(p, rec, index, index + 1, fds, err);
    if (r < 0) {
        free(fds);
        return r;
    }
    *ret_fds = fds;
    *ret_n = n;
    /* Unchanged: the next read of this connection (a destroy, mostly) may take it. */
    vnic_embed_record_keep_read(p, TAKE_PTR(rec));
    return 0;
}

int vnic_embed_domain_open_all_queues(vnic_conn *conn, const char *name, int **ret_fds,
                                      size_t **ret_counts, size_t *ret_n, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_close_ int lock = -1;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = read_active(p, name, &lock, &rec, err);
    if (r < 0)
        return r;
    if ((r = vnic_embed_check_queues_free(p, rec, err)) < 0)
        return r;

    size_t total = 0;
    size_t *counts = vnic_xcalloc(rec->def->niface ? rec->def->niface : 1, sizeof(size_t));
    for (size_t i = 0; i < rec->def->niface; i++) {
        counts[i] = rec->ifaces[i].rt.queues;
        total += counts[i];
    }
    int *fds = vnic_xcalloc(total ? total : 1, sizeof(int));
    r = vnic_embed_open_range(p, rec, 0, rec->def->niface, fds, err);
    if (r < 0) {
        free(fds);
        free(counts);
        return r;
    }
    *ret_fds = fds;
    *ret_counts = counts;
    *ret_n = rec->def->niface;
    /* Unchanged: the next read of this connection (a destroy, mostly) may take it. */
    vnic_embed_record_keep_read(p, TAKE_PTR(rec));
    return 0;
}
