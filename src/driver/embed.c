/* The embedded driver: vnic:///embed, the driver running inside the caller's process with
 * its state in a directory tree (by default /run/vnic and /var/lib/vnic).
 *
 * Crash safety: at every instant the state on disk is enough to finish or undo what was under
 * way. The intent (every device name, the link group) is written before any device is made;
 * the result once all exist; a destroy writes "stopping" before the first device goes, and
 * removes the record after the last. A process that dies leaves its domain lock free, so a
 * "starting" or "stopping" record whose lock nobody holds is a crash leftover, which the next
 * operation on that domain (or reconcile) finishes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "embed.h"
#include "fileutil.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"
#include "tun.h"

/* How many names a template may try before giving up. */
#define NAME_ATTEMPTS 64

static bool embed_probe(const char *uri)
{
    return vnic_streq(uri, "vnic:///embed") || vnic_str_has_prefix(uri, "vnic:///embed?");
}

static void embed_close(vnic_conn *conn)
{
    embed_priv *p = conn->priv;
    if (!p)
        return;
    vnic_embed_events_close(p);
    for (size_t i = 0; i < p->nsupervised; i++) {
        close(p->supervised[i].fd);
        free(p->supervised[i].name);
    }
    free(p->supervised);
    vnic_registry_free(p->reg);
    vnic_nl_close(p->nl);
    free(p->run_dir);
    free(p->lib_dir);
    free(p->domains_dir);
    free(p->defs_dir);
    free(p->locks_dir);
    free(p->nodes_dir);
    free(p->lock_path);
    free(p->counter_path);
    free(p->mark_prefix);
    int *fds[] = {&p->run_fd, &p->domains_fd, &p->locks_fd, &p->lib_fd, &p->defs_fd};
    for (size_t i = 0; i < sizeof(fds) / sizeof(*fds); i++)
        if (*fds[i] >= 0)
            close(*fds[i]);
    free(p);
    conn->priv = NULL;
}

/* "vnic:///embed" or "vnic:///embed?root=DIR" (DIR absolute). */
static int parse_uri(const char *uri, char **ret_root, vnic_error **err)
{
    const char *q = strchr(uri, '?');
    *ret_root = NULL;
    if (!q)
        return 0;
    if (!vnic_str_has_prefix(q + 1, "root=") || strchr(q + 1, '&'))
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("unsupported parameters in connection URI '%s' (only root=DIR "
                                "is known)"),
                              uri),
               -EINVAL;
    const char *root = q + 1 + strlen("root=");
    if (root[0] != '/')
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("the root in connection URI '%s' must be an absolute path"), uri),
               -EINVAL;
    *ret_root = vnic_xstrdup(root);
    return 0;
}

/* FNV-1a: a short, stable tag of a store's root for its devices' marks. */
static unsigned root_hash(const char *s)
{
    unsigned h = 2166136261U;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619U;
    return h;
}

static int embed_open(vnic_conn *conn, const char *uri, unsigned flags, vnic_error **err)
{
    _cleanup_free_ char *root = NULL;
    int r = parse_uri(uri, &root, err);
    if (r < 0)
        return r;

    embed_priv *p = vnic_xcalloc(1, sizeof(*p));
    conn->priv = p;
    p->run_fd = p->domains_fd = p->locks_fd = p->lib_fd = p->defs_fd = -1;
    if (root) {
        p->run_dir = vnic_xasprintf("%s/run", root);
        p->lib_dir = vnic_xasprintf("%s/lib", root);
        p->mark_prefix = vnic_xasprintf("vnic@%08x:", root_hash(root));
    } else {
        p->run_dir = vnic_xstrdup(VNIC_RUNSTATEDIR);
        p->lib_dir = vnic_xstrdup(VNIC_LOCALSTATEDIR);
        p->mark_prefix = vnic_xstrdup("vnic:");
    }
    p->domains_dir = vnic_xasprintf("%s/domains", p->run_dir);
    p->defs_dir = vnic_xasprintf("%s/defs", p->lib_dir);
    p->locks_dir = vnic_xasprintf("%s/locks", p->run_dir);
    p->nodes_dir = vnic_xasprintf("%s/nodes", p->run_dir);
    p->lock_path = vnic_xasprintf("%s/lock", p->run_dir);
    p->counter_path = vnic_xasprintf("%s/name-counter", p->run_dir);

    /* State is private to root: records name devices and hold definitions. Each directory is
     * opened without following links and checked once; files are opened relative to it. */
    _cleanup_close_ int nodes_fd = -1;
    if ((r = vnic_mkdir_parents(p->run_dir, err)) < 0 ||
        (r = vnic_mkdir_parents(p->lib_dir, err)) < 0 ||
        (r = vnic_dir_open_private(AT_FDCWD, p->run_dir, p->run_dir, 0700, &p->run_fd, err)) < 0 ||
        (r = vnic_dir_open_private(p->run_fd, "domains", p->domains_dir, 0700, &p->domains_fd,
                                   err)) < 0 ||
        (r = vnic_dir_open_private(p->run_fd, "locks", p->locks_dir, 0700, &p->locks_fd, err)) <
            0 ||
        (r = vnic_dir_open_private(p->run_fd, "nodes", p->nodes_dir, 0700, &nodes_fd, err)) < 0 ||
        (r = vnic_dir_open_private(AT_FDCWD, p->lib_dir, p->lib_dir, 0700, &p->lib_fd, err)) < 0 ||
        (r = vnic_dir_open_private(p->lib_fd, "defs", p->defs_dir, 0700, &p->defs_fd, err)) < 0) {
        embed_close(conn);
        return r;
    }
    r = vnic_registry_load(NULL, &p->reg, err);
    if (r < 0) {
        embed_close(conn);
        return r;
    }

    /* Cheaply finish what crashed processes left half done; a failure here must not keep
     * anyone from using the store, so it is only logged. */
    if (flags & VNIC_CONN_NO_RECONCILE)
        return 0;
    vnic_reconcile_action *acts = NULL;
    size_t nacts = 0;
    vnic_error *rerr = NULL;
    if (vnic_embed_reconcile(conn, VNIC_RECONCILE_QUICK, &acts, &nacts, &rerr) < 0) {
        VNIC_WARN("reconcile: %s", rerr->message);
        vnic_error_free(rerr);
    }
    for (size_t i = 0; i < nacts; i++)
        VNIC_INFO("reconcile: %s", acts[i].message);
    vnic_reconcile_actions_free(acts, nacts);
    return 0;
}

void vnic_embed_action_add(vnic_reconcile_action **acts, size_t *n, const char *domain,
                           const char *device, const char *action, const char *fmt, ...)
{
    if (!acts)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    *acts = vnic_xreallocarray(*acts, *n + 1, sizeof(**acts));
    (*acts)[(*n)++] = (vnic_reconcile_action){
        .domain = vnic_xstrdup_null(domain),
        .device = vnic_xstrdup_null(device),
        .action = vnic_xstrdup(action),
        .message = msg,
    };
}

/* ---- info ------------------------------------------------------------------------------ */

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

static vnic_domain_info *make_info(const vnic_record *rec, bool persistent)
{
    vnic_domain_info *info = vnic_xcalloc(1, sizeof(*info));
    info->name = vnic_xstrdup(rec->def->name);
    info->uuid = vnic_xstrdup_null(rec->def->uuid);
    info->persistent = persistent;
    info->state = vnic_xstrdup(vnic_record_status_to_string(rec->status));
    info->ninterfaces = rec->def->niface;
    info->interfaces =
        vnic_xcalloc(rec->def->niface ? rec->def->niface : 1, sizeof(*info->interfaces));
    for (size_t i = 0; i < rec->def->niface; i++)
        fill_iface_info(rec, i, &info->interfaces[i]);
    return info;
}

static vnic_domain_info *make_defined_info(const vnic_domain_def *def)
{
    vnic_domain_info *info = vnic_xcalloc(1, sizeof(*info));
    info->name = vnic_xstrdup(def->name);
    info->uuid = vnic_xstrdup_null(def->uuid);
    info->state = vnic_xstrdup("defined");
    info->persistent = true;
    info->ninterfaces = def->niface;
    info->interfaces = vnic_xcalloc(def->niface ? def->niface : 1, sizeof(*info->interfaces));
    for (size_t i = 0; i < def->niface; i++) {
        const vnic_iface_def *d = def->ifaces[i];
        vnic_interface_info *f = &info->interfaces[i];
        f->index = (unsigned)i;
        f->alias = vnic_xstrdup_null(d->alias);
        f->type = vnic_xstrdup(d->type_tap ? "tap" : vnic_iface_type_to_string(d->type));
        f->backend = vnic_xstrdup(d->type == VNIC_IFACE_DIRECT ? "macvtap" : "tap");
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

/* ---- states and transitions ------------------------------------------------------------ */

typedef enum {
    DOM_UNDEFINED, /* neither a definition nor a record */
    DOM_DEFINED,   /* a definition, not running */
    DOM_STARTING,
    DOM_ACTIVE,
    DOM_DEGRADED,
    DOM_STOPPING,
    DOM_STATE_LAST
} dom_state;

typedef enum { OP_DEFINE, OP_UNDEFINE, OP_START, OP_CREATE, OP_DESTROY, OP_LAST } dom_op;

/* The one table of what may happen in which state: NULL allows the operation, a message
 * refuses it and names the state. */
/* clang-format off */
static const char *const transitions[DOM_STATE_LAST][OP_LAST] = {
    [DOM_UNDEFINED] = {
        [OP_UNDEFINE] = N_("domain '%s' is not defined"),
        [OP_START] = N_("domain '%s' is not defined"),
        [OP_DESTROY] = N_("domain '%s' is not active"),
    },
    [DOM_DEFINED] = {
        [OP_DESTROY] = N_("domain '%s' is not active"),
    },
    [DOM_STARTING] = {
        [OP_UNDEFINE] = N_("domain '%s' is starting"),
        [OP_START] = N_("domain '%s' is starting"),
        [OP_CREATE] = N_("domain '%s' is starting"),
    },
    [DOM_ACTIVE] = {
        [OP_UNDEFINE] = N_("domain '%s' is active; destroy it first, or undefine it with "
                           "--destroy"),
        [OP_START] = N_("domain '%s' is already active"),
        [OP_CREATE] = N_("domain '%s' is already active"),
    },
    [DOM_DEGRADED] = {
        [OP_UNDEFINE] = N_("domain '%s' is active (degraded); destroy it first, or undefine it "
                           "with --destroy"),
        [OP_START] = N_("domain '%s' is already active (degraded)"),
        [OP_CREATE] = N_("domain '%s' is already active (degraded)"),
    },
    [DOM_STOPPING] = {
        [OP_UNDEFINE] = N_("domain '%s' is stopping"),
        [OP_START] = N_("domain '%s' is stopping"),
        [OP_CREATE] = N_("domain '%s' is stopping"),
    },
};
/* clang-format on */

static dom_state record_state(const vnic_record *rec)
{
    switch (rec->status) {
    case VNIC_RECORD_STARTING:
        return DOM_STARTING;
    case VNIC_RECORD_STOPPING:
        return DOM_STOPPING;
    case VNIC_RECORD_DEGRADED:
        return DOM_DEGRADED;
    default:
        return DOM_ACTIVE;
    }
}

/* The domain's state, with its lock held. A half-done start or stop found under the lock was
 * left by a process that died: it is finished first, so the caller sees a settled state.
 * *ret_rec receives the record of a running domain. */
static int settle(embed_priv *p, const char *name, dom_state *ret, vnic_record **ret_rec,
                  vnic_error **err)
{
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = vnic_embed_record_read(p, name, &rec, err);
    if (r < 0 && r != -ENOENT)
        return r;
    if (r == 0 && (rec->status == VNIC_RECORD_STARTING || rec->status == VNIC_RECORD_STOPPING)) {
        if ((r = vnic_embed_get_nl(p, err)) < 0 ||
            (r = vnic_embed_finish_record(p, rec, false, NULL, NULL, err)) < 0)
            return r;
        vnic_record_free(TAKE_PTR(rec));
    }
    if (rec && (r = vnic_embed_finish_hotplug(p, rec, err)) < 0)
        return r;
    if (rec)
        *ret = record_state(rec);
    else
        *ret = vnic_embed_def_exists(p, name) ? DOM_DEFINED : DOM_UNDEFINED;
    if (ret_rec)
        *ret_rec = TAKE_PTR(rec);
    return 0;
}

/* Take the domain's lock (held until *ret_lock is closed) and settle its state. */
static int lock_and_settle(embed_priv *p, const char *name, int *ret_lock, dom_state *ret_st,
                           vnic_record **ret_rec, vnic_error **err)
{
    int r = vnic_embed_domain_lock(p, name, true, ret_lock, err);
    if (r < 0)
        return r;
    return settle(p, name, ret_st, ret_rec, err);
}

static int check_transition(dom_state st, dom_op op, const char *name, vnic_error **err)
{
    const char *msg = transitions[st][op];
    if (!msg)
        return 0;
        /* Every message of the table has exactly one %s, the domain's name. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vnic_error_set(err, VNIC_ERR_INVALID, _(msg), name);
#pragma GCC diagnostic pop
    return -EBUSY;
}

/* ---- start ----------------------------------------------------------------------------- */

static bool have_cap_net_admin(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return true; /* cannot tell: let the kernel decide */
    char line[256];
    unsigned long long caps = ~0ULL;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "CapEff: %llx", &caps) == 1)
            break;
    fclose(f);
    return caps & (1ULL << 12); /* CAP_NET_ADMIN */
}

/* Reserve COUNT consecutive numbers of vnic's name counter; *ret is the first. */
static int need_cap_net_admin(bool create, vnic_error **err)
{
    if (have_cap_net_admin())
        return 0;
    vnic_error_set(err, VNIC_ERR_SYSTEM,
                   create ? _("vnic needs the CAP_NET_ADMIN capability to create network "
                              "devices (run it as root)")
                          : _("vnic needs the CAP_NET_ADMIN capability to remove network "
                              "devices (run it as root)"));
    return -EPERM;
}

/* Choose the intended name of an interface: its fixed name, or its template filled with
 * number N from vnic's own counter, which never goes back, so a name freed a moment ago (that
 * a launcher may still refer to) is not handed out again. A name that would not fit takes the
 * template's own counter instead (embed_names.c). Called with the store lock held. */
static int choose_name(embed_priv *p, const vnic_iface_def *d, const vnic_backend_ops *ops,
                       unsigned long n, vnic_record_iface *ri, vnic_error **err)
{
    const char *tmpl = d->target_dev ? d->target_dev : ops->default_template;
    if (!vnic_ifname_is_template(tmpl))
        return vnic_strlcpy(ri->intended, tmpl, sizeof(ri->intended)) ? 0 : -EINVAL;

    _cleanup_free_ char *name = vnic_embed_expand_template(tmpl, n);
    if (strlen(name) > VNIC_IFNAME_MAX)
        return vnic_embed_wrapped_name(p, tmpl, ri->intended, sizeof(ri->intended), err);
    if (!vnic_strlcpy(ri->intended, name, sizeof(ri->intended)) || vnic_ifname_check(name)) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("the name '%s' made from template '%s' is too long"), name, tmpl);
        return -ENAMETOOLONG;
    }
    return 0;
}

static bool is_template_iface(const vnic_iface_def *d)
{
    return !d->target_dev || vnic_ifname_is_template(d->target_dev);
}

/* Say which interface failed: "interface 5 of 8 (alias 'ua-net4', line 30)". */
static void prefix_iface(vnic_error **err, const vnic_domain_def *def, size_t i)
{
    const vnic_iface_def *d = def->ifaces[i];
    if (d->alias)
        vnic_error_prefix(err, _("interface %zu of %zu (alias '%s', line %d)"), i + 1, def->niface,
                          d->alias, d->line);
    else
        vnic_error_prefix(err, _("interface %zu of %zu (line %d)"), i + 1, def->niface, d->line);
}

static vnic_backend_env backend_env(embed_priv *p, const vnic_record *rec)
{
    return (vnic_backend_env){.nl = p->nl, .domain_name = rec->def->name, .run_dir = p->nodes_dir};
}

static int create_one(embed_priv *p, vnic_record *rec, const vnic_backend_ops *ops, size_t i,
                      vnic_error **err)
{
    vnic_iface_def *d = rec->def->ifaces[i];
    vnic_record_iface *ri = &rec->ifaces[i];
    vnic_backend_env env = backend_env(p, rec);
    const char *mark = ri->mark;
    bool tmpl = is_template_iface(d);

    for (int attempt = 0;; attempt++) {
        vnic_backend_create_args args = {
            .name = ri->intended,
            .name_from_template = tmpl && attempt < NAME_ATTEMPTS,
            .guest_mac = d->mac,
            .mark = mark,
            .group = rec->group,
        };
        int r = ops->create(&env, d, &args, &ri->rt, err);
        if (r == -EEXIST && args.name_from_template) {
            /* Someone else has that name: take the next number, and say so on disk first. */
            vnic_error_free(*err);
            *err = NULL;
            unsigned long n;
            _cleanup_close_ int lock = -1;
            if ((r = vnic_embed_store_lock(p, &lock, err)) < 0 ||
                (r = vnic_embed_counter_reserve(p, 1, &n, err)) < 0 ||
                (r = choose_name(p, d, ops, n, ri, err)) < 0 ||
                (r = vnic_embed_record_write(p, rec, err)) < 0)
                return r;
            continue;
        }
        if (r < 0)
            return r;
        ri->done = true;
        return 0;
    }
}

/* Start a domain from def (taken over), with the domain lock held and the state checked. */
/* Forget the supervisor lock of NAME this connection holds, if any. */
static void release_supervision(embed_priv *p, const char *name)
{
    for (size_t i = 0; i < p->nsupervised; i++)
        if (vnic_streq(p->supervised[i].name, name)) {
            close(p->supervised[i].fd);
            free(p->supervised[i].name);
            p->supervised[i] = p->supervised[--p->nsupervised];
            return;
        }
}

/* A domain that another process supervises (vnicsh run) is that process's to destroy: its
 * launcher still uses the devices. Destroying it here would pull them from under the guest. */
static bool supervised_elsewhere(embed_priv *p, const vnic_record *rec)
{
    if (!rec->supervised)
        return false;
    for (size_t i = 0; i < p->nsupervised; i++)
        if (vnic_streq(p->supervised[i].name, rec->def->name))
            return false; /* we are the supervisor */
    _cleanup_close_ int lock = -1;
    vnic_error *e = NULL;
    int r = vnic_embed_run_lock(p, rec->def->name, &lock, &e);
    vnic_error_free(e);
    return r == -EWOULDBLOCK;
}

static int check_not_supervised(embed_priv *p, const vnic_record *rec, vnic_error **err)
{
    if (supervised_elsewhere(p, rec))
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("domain '%s' is run by a supervisor (vnicsh run); stop its "
                                "launcher and the supervisor destroys it"),
                              rec->def->name),
               -EBUSY;
    return 0;
}

static int start_def(embed_priv *p, vnic_domain_def *def_in, bool persistent, unsigned flags,
                     vnic_domain_info **ret, vnic_error **err)
{
    _cleanup_(vnic_record_freep) vnic_record *rec = vnic_xcalloc(1, sizeof(*rec));
    rec->def = def_in;
    vnic_domain_def *def = rec->def;
    int r;

    if ((r = need_cap_net_admin(true, err)) < 0 || (r = vnic_embed_get_nl(p, err)) < 0)
        return r;

    /* Check everything before making anything, against one snapshot of the links. */
    _cleanup_free_ const vnic_backend_ops **ops =
        vnic_xcalloc(def->niface ? def->niface : 1, sizeof(*ops));
    rec->ifaces = vnic_xcalloc(def->niface ? def->niface : 1, sizeof(*rec->ifaces));
    _cleanup_free_ vnic_link_info *links = NULL;
    size_t nlinks = 0;
    bool need_links = false;
    for (size_t i = 0; i < def->niface; i++)
        need_links |= def->ifaces[i]->type == VNIC_IFACE_DIRECT;
    if (need_links && (r = vnic_nl_link_dump(p->nl, &links, &nlinks, err)) < 0)
        return r;
    vnic_backend_env env = backend_env(p, rec);
    env.links = links;
    env.nlinks = nlinks;
    for (size_t i = 0; i < def->niface; i++) {
        vnic_iface_def *d = def->ifaces[i];
        ops[i] = vnic_registry_find(p->reg, d->type, err);
        if (!ops[i])
            return prefix_iface(err, def, i), -ENOENT;
        vnic_strlcpy(rec->ifaces[i].backend, ops[i]->name, sizeof(rec->ifaces[i].backend));
        _cleanup_free_ char *mark = vnic_record_mark(p->mark_prefix, def->name, (unsigned)i);
        vnic_strlcpy(rec->ifaces[i].mark, mark, sizeof(rec->ifaces[i].mark));
        if ((r = ops[i]->verify(&env, d, err)) < 0)
            return prefix_iface(err, def, i), r;
        if (!d->has_mac) {
            vnic_mac_generate(d->mac);
            d->has_mac = true;
        }
    }

    /* A supervised domain: the supervisor's lock is taken before anything exists, so that
     * whenever the record says "supervised" a dead supervisor can be told from a live one. */
    _cleanup_close_ int run_lock = -1;
    if (flags & VNIC_START_SUPERVISED) {
        r = vnic_embed_run_lock(p, def->name, &run_lock, err);
        if (r == -EWOULDBLOCK)
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' is supervised by another process"), def->name),
                   r;
        if (r < 0)
            return r;
        rec->supervised = true;
    }

    /* Intent: the group and every name, on disk before the first device exists. The store
     * lock makes group and names unique among concurrent starts. */
    {
        _cleanup_close_ int lock = -1;
        if ((r = vnic_embed_store_lock(p, &lock, err)) < 0 ||
            (r = vnic_embed_allocate_group(p, &rec->group, err)) < 0)
            return r;
        unsigned long ntemplates = 0, next = 0;
        for (size_t i = 0; i < def->niface; i++)
            ntemplates += is_template_iface(def->ifaces[i]);
        if (ntemplates && (r = vnic_embed_counter_reserve(p, ntemplates, &next, err)) < 0)
            return r;
        for (size_t i = 0; i < def->niface; i++) {
            if ((r = choose_name(p, def->ifaces[i], ops[i], next, &rec->ifaces[i], err)) < 0)
                return prefix_iface(err, def, i), r;
            next += is_template_iface(def->ifaces[i]);
        }
        rec->status = VNIC_RECORD_STARTING;
        rec->next_alias = (unsigned)def->niface;
        if ((r = vnic_embed_record_write(p, rec, err)) < 0)
            return r;
    }
    vnic_fault_step("start: intent written");

    for (size_t i = 0; i < def->niface; i++) {
        r = create_one(p, rec, ops[i], i, err);
        if (r < 0) {
            prefix_iface(err, def, i);
            vnic_error *rerr = NULL;
            if (vnic_embed_finish_record(p, rec, false, NULL, NULL, &rerr) < 0) {
                VNIC_WARN("rollback: %s", rerr->message);
                vnic_error_free(rerr);
            }
            return r;
        }
        vnic_fault_step("start: device made");
    }

    rec->status = VNIC_RECORD_ACTIVE;
    if ((r = vnic_embed_record_write(p, rec, err)) < 0) {
        vnic_error *rerr = NULL;
        if (vnic_embed_finish_record(p, rec, false, NULL, NULL, &rerr) < 0) {
            VNIC_WARN("rollback: %s", rerr->message);
            vnic_error_free(rerr);
        }
        return r;
    }
    vnic_fault_step("start: result written");
    if (run_lock >= 0) {
        p->supervised =
            vnic_xreallocarray(p->supervised, p->nsupervised + 1, sizeof(*p->supervised));
        p->supervised[p->nsupervised].name = vnic_xstrdup(def->name);
        p->supervised[p->nsupervised++].fd = TAKE_FD(run_lock);
    }
    if (ret)
        *ret = make_info(rec, persistent);
    return 0;
}

static int embed_domain_create(vnic_conn *conn, vnic_domain_def *def_in, unsigned flags,
                               vnic_domain_info **ret, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_domain_def_freep) vnic_domain_def *def = def_in;
    int r;

    if (def->standalone)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("%s: a standalone <interface> cannot be started; put it in a "
                                "<domain> with a <name>"),
                              def->file),
               -EINVAL;

    _cleanup_close_ int lock = -1;
    dom_state st;
    if ((r = lock_and_settle(p, def->name, &lock, &st, NULL, err)) < 0 ||
        (r = check_transition(st, OP_CREATE, def->name, err)) < 0)
        return r;
    return start_def(p, TAKE_PTR(def), st == DOM_DEFINED, flags, ret, err);
}

static int embed_domain_start(vnic_conn *conn, const char *name, unsigned flags,
                              vnic_domain_info **ret, vnic_error **err)
{
    embed_priv *p = conn->priv;
    int r;

    _cleanup_close_ int lock = -1;
    dom_state st;
    if ((r = lock_and_settle(p, name, &lock, &st, NULL, err)) < 0 ||
        (r = check_transition(st, OP_START, name, err)) < 0)
        return r;
    vnic_domain_def *def = NULL;
    if ((r = vnic_embed_def_read(p, name, &def, err)) < 0)
        return r;
    return start_def(p, def, true, flags, ret, err);
}

/* ---- define ---------------------------------------------------------------------------- */

static int embed_domain_define(vnic_conn *conn, vnic_domain_def *def_in, vnic_domain_info **ret,
                               vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_domain_def_freep) vnic_domain_def *def = def_in;
    int r;

    if (def->standalone)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("%s: a standalone <interface> cannot be defined; put it in a "
                                "<domain> with a <name>"),
                              def->file),
               -EINVAL;

    _cleanup_close_ int lock = -1;
    dom_state st;
    if ((r = lock_and_settle(p, def->name, &lock, &st, NULL, err)) < 0 ||
        (r = check_transition(st, OP_DEFINE, def->name, err)) < 0)
        return r;

    /* A MAC the XML lacks is made once, here, and stored: qemu-args and every start of the
     * domain then give the guest the same one. */
    for (size_t i = 0; i < def->niface; i++)
        if (!def->ifaces[i]->has_mac) {
            vnic_mac_generate(def->ifaces[i]->mac);
            def->ifaces[i]->has_mac = true;
        }
    /* The stored form is the canonical one: what dumpxml --inactive shows. */
    _cleanup_free_ char *xml = vnic_domain_def_format(def, err);
    if (!xml)
        return -ENOMEM;
    if ((r = vnic_embed_def_write(p, def->name, xml, err)) < 0)
        return r;
    if (ret) {
        *ret = make_defined_info(def);
        if (st != DOM_UNDEFINED && st != DOM_DEFINED) {
            free((*ret)->state);
            (*ret)->state = vnic_xstrdup(st == DOM_DEGRADED ? "degraded" : "active");
        }
    }
    return 0;
}

/* ---- destroy --------------------------------------------------------------------------- */

/* Delete every device of the record's group at once, if the group holds nothing but this
 * domain's marked devices. gone[i] tells which of the record's devices went with it (a device
 * moved to another group by hand did not). */
static bool batch_delete(embed_priv *p, const vnic_record *rec, bool *gone)
{
    size_t created = 0;
    for (size_t i = 0; i < rec->def->niface; i++)
        if (rec->ifaces[i].done && rec->ifaces[i].rt.created)
            created++;
    if (created < 2 || rec->group == 0)
        return false;

    vnic_link_info *links = NULL;
    size_t n = 0;
    vnic_error *e = NULL;
    if (vnic_nl_link_dump(p->nl, &links, &n, &e) < 0) {
        VNIC_DEBUG("no batch deletion: %s", e->message);
        vnic_error_free(e);
        return false;
    }
    _cleanup_free_ char *prefix = vnic_xasprintf("%s%s/", p->mark_prefix, rec->def->name);
    size_t members = 0;
    bool safe = true;
    for (size_t i = 0; i < n; i++) {
        if (links[i].group != rec->group)
            continue;
        members++;
        for (size_t j = 0; j < rec->def->niface; j++)
            if (rec->ifaces[j].done && rec->ifaces[j].rt.ifindex == links[i].ifindex &&
                vnic_streq(rec->ifaces[j].rt.name, links[i].name))
                gone[j] = true;
        if (!vnic_str_has_prefix(links[i].alias, prefix)) {
            VNIC_WARN("device %s is in group %u without vnic's mark of domain %s; deleting "
                      "one by one",
                      links[i].name, rec->group, rec->def->name);
            safe = false;
        }
    }
    free(links);
    if (!safe || members == 0) {
        memset(gone, 0, rec->def->niface * sizeof(*gone));
        return false;
    }

    if (vnic_nl_group_delete(p->nl, rec->group, &e) < 0) {
        VNIC_DEBUG("batch deletion failed: %s", e->message);
        vnic_error_free(e);
        memset(gone, 0, rec->def->niface * sizeof(*gone));
        return false;
    }
    return true;
}

/* A device of a start that never finished may exist under its intended name and carry the
 * domain's link group but not yet its mark (the kernel sets the group with creation, the mark
 * after). Such a device is the record's: delete it. Returns true if it did. */
static bool delete_unmarked(embed_priv *p, const vnic_record *rec, const char *name)
{
    vnic_link_info info;
    vnic_error *e = NULL;
    if (vnic_nl_link_get(p->nl, 0, name, &info, &e) < 0) {
        vnic_error_free(e);
        return false;
    }
    if (info.alias[0] || info.group != rec->group || !vnic_embed_is_vnic_group(info.group))
        return false;
    if (vnic_nl_link_delete(p->nl, info.ifindex, &e) < 0) {
        vnic_error_free(e);
        return false;
    }
    return true;
}

int vnic_embed_finish_record(embed_priv *p, vnic_record *rec, bool dry_run,
                             vnic_reconcile_action **acts, size_t *nacts, vnic_error **err)
{
    vnic_backend_env env = backend_env(p, rec);
    bool unfinished = rec->status == VNIC_RECORD_STARTING || rec->status == VNIC_RECORD_STOPPING;
    const char *action = unfinished ? "removed-unfinished" : "removed";
    int r = 0;
    _cleanup_free_ bool *gone = vnic_xcalloc(rec->def->niface + 1, sizeof(bool));
    vnic_record_status before = rec->status;
    size_t removed = 0;

    /* Only this store's marks of this domain are ever matched against devices (records are
     * checked when read; this guards the ones built in memory too). */
    for (size_t j = 0; j < rec->def->niface; j++)
        if (!vnic_embed_mark_ok(p, rec->def->name, rec->ifaces[j].mark))
            return vnic_error_set(err, VNIC_ERR_INTERNAL,
                                  _("refusing to remove devices of domain '%s': interface %zu "
                                    "carries the mark '%s', which is not this store's"),
                                  rec->def->name, j + 1, rec->ifaces[j].mark),
                   -EINVAL;

    if (!dry_run) {
        rec->status = VNIC_RECORD_STOPPING;
        vnic_error *we = NULL;
        r = vnic_embed_record_write(p, rec, &we);
        if (r == -ENOSPC || r == -EDQUOT) {
            /* A full disk must not keep the devices alive. Without the mark the record still
             * says "starting" or "active": if we die before removing it, reconcile and
             * destroy finish the job from that. */
            VNIC_WARN("%s; removing the devices of domain '%s' anyway", we->message,
                      rec->def->name);
            vnic_error_free(we);
            r = 0;
        } else if (r < 0) {
            *err = we;
            return r;
        }
        vnic_fault_step("destroy: stopping written");
        batch_delete(p, rec, gone);
        vnic_fault_step("destroy: batch deleted");
    }

    /* Each backend then finishes its part: devices gone in the batch are fine; a passthrough
     * lower device gets its MAC back; devices left over are deleted one by one. */
    for (size_t j = rec->def->niface; j-- > 0;) {
        vnic_record_iface *ri = &rec->ifaces[j];
        const vnic_backend_ops *ops = vnic_registry_find_by_name(p->reg, ri->backend);
        if (!ops) {
            vnic_error_set(err, VNIC_ERR_UNSUPPORTED, _("no backend module '%s' is loaded"),
                           ri->backend);
            r = -ENOENT;
            continue;
        }
        vnic_iface_runtime rt = ri->rt;
        if (!ri->done) {
            /* Start never finished this one: it may exist under its intended name. */
            memset(&rt, 0, sizeof(rt));
            vnic_strlcpy(rt.name, ri->intended, sizeof(rt.name));
            rt.created = rec->def->ifaces[j]->managed != VNIC_TRISTATE_NO;
        }
        if (!rt.created)
            continue;
        /* Gone with the batch: only a passthrough lower device still needs its MAC back. */
        if (gone[j] && !rt.saved_lower_mac) {
            vnic_embed_action_add(acts, nacts, rec->def->name, rt.name, action,
                                  _("removed device %s of domain '%s'"), rt.name, rec->def->name);
            removed++;
            vnic_fault_step("destroy: device removed");
            continue;
        }

        vnic_link_info info;
        vnic_error *ge = NULL;
        bool exists = vnic_nl_link_get(p->nl, 0, rt.name, &info, &ge) == 0;
        vnic_error_free(ge);
        const char *mark = ri->mark;

        if (dry_run) {
            if (exists &&
                (vnic_streq(info.alias, mark) || (!info.alias[0] && info.group == rec->group)))
                vnic_embed_action_add(acts, nacts, rec->def->name, rt.name, action,
                                      _("would remove device %s of domain '%s'"), rt.name,
                                      rec->def->name);
            continue;
        }
        if (!ri->done && delete_unmarked(p, rec, rt.name)) {
            vnic_embed_action_add(acts, nacts, rec->def->name, rt.name, action,
                                  _("removed unmarked device %s of domain '%s'"), rt.name,
                                  rec->def->name);
            continue;
        }
        /* A device never made: its intended name may belong to someone else's device (that
         * is why the start failed). Not ours, nothing to undo. */
        if (!ri->done && (!exists || !vnic_streq(info.alias, mark)))
            continue;
        vnic_error *e = NULL;
        if (ops->destroy(&env, &rt, mark, &e) < 0) {
            /* Keep going, and name every device that could not be removed. */
            if (!*err) {
                *err = e;
                prefix_iface(err, rec->def, j);
            } else {
                vnic_error *next = e;
                prefix_iface(&next, rec->def, j);
                char *joined = vnic_xasprintf("%s; %s", (*err)->message, next->message);
                free((*err)->message);
                (*err)->message = joined;
                vnic_error_free(next);
            }
            r = -EIO;
            continue;
        }
        removed++;
        if (exists)
            vnic_embed_action_add(acts, nacts, rec->def->name, rt.name, action,
                                  _("removed device %s of domain '%s'"), rt.name, rec->def->name);
        vnic_fault_step("destroy: device removed");
    }
    if (dry_run)
        return r;
    if (r < 0) {
        /* The record stays, so that the removal can be tried again. A running domain that
         * could not be destroyed is still running: with fewer devices (degraded) if some
         * went. A crash leftover stays "stopping" for reconcile. */
        if (before == VNIC_RECORD_ACTIVE || before == VNIC_RECORD_DEGRADED) {
            rec->status = removed ? VNIC_RECORD_DEGRADED : before;
            vnic_error *we = NULL;
            if (vnic_embed_record_write(p, rec, &we) < 0) {
                VNIC_WARN("%s", we->message);
                vnic_error_free(we);
            }
        }
        return r;
    }

    if ((r = vnic_embed_record_remove(p, rec->def->name, err)) < 0)
        return r;
    vnic_fault_step("destroy: record removed");
    return 0;
}

static int embed_domain_destroy(vnic_conn *conn, const char *name, vnic_error **err)
{
    embed_priv *p = conn->priv;
    int r;

    _cleanup_close_ int lock = -1;
    dom_state st;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    if ((r = lock_and_settle(p, name, &lock, &st, &rec, err)) < 0 ||
        (r = check_transition(st, OP_DESTROY, name, err)) < 0)
        return r;
    if ((r = check_not_supervised(p, rec, err)) < 0)
        return r;
    if ((r = need_cap_net_admin(false, err)) < 0 || (r = vnic_embed_get_nl(p, err)) < 0)
        return r;
    if ((r = vnic_embed_finish_record(p, rec, false, NULL, NULL, err)) < 0)
        return r;
    release_supervision(p, name);
    return 0;
}

static int embed_domain_undefine(vnic_conn *conn, const char *name, unsigned flags,
                                 vnic_error **err)
{
    embed_priv *p = conn->priv;
    int r;

    _cleanup_close_ int lock = -1;
    dom_state st;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    if ((r = lock_and_settle(p, name, &lock, &st, &rec, err)) < 0)
        return r;
    if (!vnic_embed_def_exists(p, name)) {
        if (rec)
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' is not defined (it runs transiently)"), name),
                   -ENOENT;
        return check_transition(DOM_UNDEFINED, OP_UNDEFINE, name, err);
    }
    if (rec && (flags & VNIC_UNDEFINE_DESTROY)) {
        if ((r = check_not_supervised(p, rec, err)) < 0 ||
            (r = need_cap_net_admin(false, err)) < 0 || (r = vnic_embed_get_nl(p, err)) < 0 ||
            (r = vnic_embed_finish_record(p, rec, false, NULL, NULL, err)) < 0)
            return r;
        st = DOM_DEFINED;
    }
    if ((r = check_transition(st, OP_UNDEFINE, name, err)) < 0)
        return r;
    return vnic_embed_def_remove(p, name, err);
}

/* ---- hotplug --------------------------------------------------------------------------- */

/* The next free number for a mark of the domain: marks stay fixed while interfaces come and
 * go, so a new one never takes an old one's. */
static unsigned next_mark_number(const vnic_record *rec, const char *prefix)
{
    unsigned next = (unsigned)rec->def->niface;
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < rec->def->niface; i++) {
        const char *m = rec->ifaces[i].mark;
        unsigned long v;
        if (vnic_str_has_prefix(m, prefix) && vnic_parse_uint(m + plen, 0, 1000000, &v) == 0 &&
            v + 1 > next)
            next = (unsigned)v + 1;
    }
    return next;
}

static bool alias_taken(const vnic_domain_def *def, unsigned n)
{
    char alias[32];
    snprintf(alias, sizeof(alias), "net%u", n);
    for (size_t i = 0; i < def->niface; i++)
        if (def->ifaces[i]->alias && vnic_streq(def->ifaces[i]->alias, alias))
            return true;
    return false;
}

static void record_remove_iface(vnic_record *rec, size_t index)
{
    memmove(&rec->ifaces[index], &rec->ifaces[index + 1],
            (rec->def->niface - index - 1) * sizeof(*rec->ifaces));
    vnic_domain_def_remove_interface(rec->def, index);
}

static int embed_domain_attach_interface(vnic_conn *conn, const char *name,
                                         vnic_iface_def *iface_in, unsigned *ret_index,
                                         vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_iface_def_freep) vnic_iface_def *iface = iface_in;
    int r;

    _cleanup_close_ int lock = -1;
    dom_state st;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    if ((r = lock_and_settle(p, name, &lock, &st, &rec, err)) < 0)
        return r;
    if (st != DOM_ACTIVE && st != DOM_DEGRADED)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not active"), name), -EINVAL;
    if ((r = need_cap_net_admin(true, err)) < 0 || (r = vnic_embed_get_nl(p, err)) < 0)
        return r;

    vnic_domain_def *def = rec->def;
    if (!iface->alias) {
        /* Numbered from the record's counter, so that an alias once given (say net1, since
         * detached) is never given to another interface; a record of an older version has no
         * counter and starts from the interface count. */
        unsigned n = rec->next_alias > def->niface ? rec->next_alias : (unsigned)def->niface;
        while (alias_taken(def, n))
            n++;
        iface->alias = vnic_xasprintf("net%u", n);
        rec->next_alias = n + 1;
    }
    if (!iface->has_mac) {
        vnic_mac_generate(iface->mac);
        iface->has_mac = true;
    }
    for (size_t i = 0; i < def->niface; i++) {
        const vnic_iface_def *o = def->ifaces[i];
        if (o->alias && vnic_streq(o->alias, iface->alias))
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' already has an interface with alias '%s'"), name,
                                  iface->alias),
                   -EEXIST;
        if (o->has_mac && memcmp(o->mac, iface->mac, 6) == 0) {
            char mac[18];
            vnic_mac_format(iface->mac, mac);
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' already has an interface with MAC %s"), name, mac),
                   -EEXIST;
        }
    }

    const vnic_backend_ops *ops = vnic_registry_find(p->reg, iface->type, err);
    if (!ops)
        return -ENOENT;
    vnic_backend_env env = backend_env(p, rec);
    if ((r = ops->verify(&env, iface, err)) < 0)
        return r;

    /* Intent first, as for a start: the new interface in the record, not yet made. */
    size_t index;
    {
        _cleanup_close_ int slock = -1;
        if ((r = vnic_embed_store_lock(p, &slock, err)) < 0)
            return r;
        rec->ifaces = vnic_xreallocarray(rec->ifaces, def->niface + 1, sizeof(*rec->ifaces));
        vnic_record_iface *ri = &rec->ifaces[def->niface];
        memset(ri, 0, sizeof(*ri));
        _cleanup_free_ char *prefix = vnic_xasprintf("%s%s/", p->mark_prefix, name);
        _cleanup_free_ char *mark = vnic_xasprintf("%s%u", prefix, next_mark_number(rec, prefix));
        vnic_strlcpy(ri->mark, mark, sizeof(ri->mark));
        vnic_strlcpy(ri->backend, ops->name, sizeof(ri->backend));
        unsigned long n = 0;
        if (is_template_iface(iface) && (r = vnic_embed_counter_reserve(p, 1, &n, err)) < 0)
            return r;
        if ((r = choose_name(p, iface, ops, n, ri, err)) < 0)
            return r;
        index = vnic_domain_def_add_interface(def, TAKE_PTR(iface));
        if ((r = vnic_embed_record_write(p, rec, err)) < 0)
            return r;
    }
    vnic_fault_step("attach: intent written");

    r = create_one(p, rec, ops, index, err);
    if (r == 0) {
        vnic_fault_step("attach: device made");
        r = vnic_embed_record_write(p, rec, err);
        if (r < 0) {
            vnic_error *e = NULL;
            ops->destroy(&env, &rec->ifaces[index].rt, rec->ifaces[index].mark, &e);
            vnic_error_free(e);
        } else {
            vnic_fault_step("attach: result written");
        }
    }
    if (r < 0) {
        /* Nothing of it stays: not the device, not its place in the record. */
        record_remove_iface(rec, index);
        vnic_error *e = NULL;
        if (vnic_embed_record_write(p, rec, &e) < 0) {
            VNIC_WARN("%s", e->message);
            vnic_error_free(e);
        }
        return r;
    }
    if (ret_index)
        *ret_index = (unsigned)index;
    return 0;
}

/* A detach that died after its intent was written: the device may be there or not; remove
 * it if it is, and the interface from the record. Only a device that cannot be removed keeps
 * the interface (still marked detaching, so that the next pass tries again). */
static int finish_detach(embed_priv *p, vnic_record *rec, size_t i, bool dry_run,
                         vnic_reconcile_action **acts, size_t *nacts)
{
    vnic_record_iface *ri = &rec->ifaces[i];
    const char *dev = ri->rt.name;
    if (dry_run) {
        vnic_embed_action_add(acts, nacts, rec->def->name, dev, "removed-unfinished",
                              _("would finish the detach of interface %s of domain '%s'"), dev,
                              rec->def->name);
        return 0;
    }
    const vnic_backend_ops *ops = vnic_registry_find_by_name(p->reg, ri->backend);
    vnic_backend_env env = backend_env(p, rec);
    vnic_error *e = NULL;
    if (!ops)
        vnic_error_set(&e, VNIC_ERR_UNSUPPORTED, _("no backend module '%s' is loaded"),
                       ri->backend);
    if (!ops || ops->destroy(&env, &ri->rt, ri->mark, &e) < 0) {
        vnic_embed_action_add(acts, nacts, rec->def->name, dev, "error",
                              _("cannot finish the detach of interface %s of domain '%s': %s"), dev,
                              rec->def->name, e ? e->message : "?");
        vnic_error_free(e);
        return -EIO;
    }
    vnic_embed_action_add(acts, nacts, rec->def->name, dev, "removed-unfinished",
                          _("finished the detach of interface %s of domain '%s'"), dev,
                          rec->def->name);
    record_remove_iface(rec, i);
    return 0;
}

int vnic_embed_finish_hotplug(embed_priv *p, vnic_record *rec, vnic_error **err)
{
    if (rec->status != VNIC_RECORD_ACTIVE && rec->status != VNIC_RECORD_DEGRADED)
        return 0;
    bool half = false;
    for (size_t i = 0; i < rec->def->niface; i++)
        half |= !rec->ifaces[i].done || rec->ifaces[i].detaching;
    if (!half)
        return 0;
    int r = vnic_embed_get_nl(p, err);
    if (r < 0)
        return r;
    bool changed;
    vnic_embed_drop_unfinished(p, rec, false, NULL, NULL, &changed);
    return changed ? vnic_embed_record_write(p, rec, err) : 0;
}

int vnic_embed_drop_unfinished(embed_priv *p, vnic_record *rec, bool dry_run,
                               vnic_reconcile_action **acts, size_t *nacts, bool *ret_changed)
{
    vnic_backend_env env = backend_env(p, rec);
    *ret_changed = false;
    for (size_t i = rec->def->niface; i-- > 0;) {
        vnic_record_iface *ri = &rec->ifaces[i];
        if (ri->done && ri->detaching) {
            if (finish_detach(p, rec, i, dry_run, acts, nacts) == 0)
                *ret_changed = !dry_run;
            continue;
        }
        if (ri->done)
            continue;
        if (dry_run) {
            vnic_embed_action_add(acts, nacts, rec->def->name, ri->intended, "removed-unfinished",
                                  _("would remove interface %s of domain '%s', whose attach "
                                    "never completed"),
                                  ri->intended, rec->def->name);
            continue;
        }
        /* Its device, if it got that far: marked, or unmarked with the domain's group. */
        if (!delete_unmarked(p, rec, ri->intended)) {
            const vnic_backend_ops *ops = vnic_registry_find_by_name(p->reg, ri->backend);
            vnic_link_info info;
            vnic_error *e = NULL;
            if (ops && vnic_nl_link_get(p->nl, 0, ri->intended, &info, &e) == 0 &&
                vnic_streq(info.alias, ri->mark)) {
                vnic_iface_runtime rt = {.created = true, .ifindex = info.ifindex};
                vnic_strlcpy(rt.name, ri->intended, sizeof(rt.name));
                ops->destroy(&env, &rt, ri->mark, &e);
            }
            vnic_error_free(e);
        }
        vnic_embed_action_add(acts, nacts, rec->def->name, ri->intended, "removed-unfinished",
                              _("removed interface %s of domain '%s', whose attach never "
                                "completed"),
                              ri->intended, rec->def->name);
        record_remove_iface(rec, i);
        *ret_changed = true;
    }
    return 0;
}

static int embed_domain_detach_interface(vnic_conn *conn, const char *name, const char *alias,
                                         vnic_error **err)
{
    embed_priv *p = conn->priv;
    int r;

    _cleanup_close_ int lock = -1;
    dom_state st;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    if ((r = lock_and_settle(p, name, &lock, &st, &rec, err)) < 0)
        return r;
    if (st != DOM_ACTIVE && st != DOM_DEGRADED)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not active"), name), -EINVAL;

    size_t index = rec->def->niface;
    for (size_t i = 0; i < rec->def->niface && index == rec->def->niface; i++) {
        const vnic_iface_def *d = rec->def->ifaces[i];
        if ((d->alias && vnic_streq(d->alias, alias)) ||
            (rec->ifaces[i].done && vnic_streq(rec->ifaces[i].rt.name, alias)))
            index = i;
    }
    if (index == rec->def->niface)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("domain '%s' has no interface with alias or device '%s'"), name,
                              alias),
               -ENOENT;
    if ((r = need_cap_net_admin(false, err)) < 0 || (r = vnic_embed_get_nl(p, err)) < 0)
        return r;

    vnic_record_iface *ri = &rec->ifaces[index];
    const vnic_backend_ops *ops = vnic_registry_find_by_name(p->reg, ri->backend);
    if (!ops)
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED, _("no backend module '%s' is loaded"),
                              ri->backend),
               -ENOENT;
    vnic_backend_env env = backend_env(p, rec);
    /* Intent first: once the record says "detaching", a detach that dies is finished by
     * whoever comes next (any command's quick pass, reconcile), instead of leaving a running
     * domain with a device that is gone for good. */
    if (ri->done) {
        ri->detaching = true;
        if ((r = vnic_embed_record_write(p, rec, err)) < 0)
            return r;
        vnic_fault_step("detach: intent written");
        if ((r = ops->destroy(&env, &ri->rt, ri->mark, err)) < 0) {
            /* Still there: the interface stays, as it was. */
            ri->detaching = false;
            vnic_error *e = NULL;
            if (vnic_embed_record_write(p, rec, &e) < 0) {
                VNIC_WARN("%s", e->message);
                vnic_error_free(e);
            }
            return r;
        }
        vnic_fault_step("detach: device removed");
    }
    record_remove_iface(rec, index);
    if ((r = vnic_embed_record_write(p, rec, err)) < 0)
        return r;
    vnic_fault_step("detach: record written");
    return 0;
}

/* ---- queries --------------------------------------------------------------------------- */

static int embed_domain_lookup(vnic_conn *conn, const char *name, vnic_domain_info **ret,
                               vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = vnic_embed_record_read(p, name, &rec, err);
    if (r == 0) {
        *ret = make_info(rec, vnic_embed_def_exists(p, name));
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
    *ret = make_defined_info(def);
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
        info = make_defined_info(def);
        vnic_domain_def_free(def);
        free(info->state);
    } else {
        info = vnic_xcalloc(1, sizeof(*info));
        info->name = vnic_xstrdup(name);
        info->persistent = vnic_embed_def_exists(p, name);
        info->interfaces = vnic_xcalloc(1, sizeof(*info->interfaces));
    }
    vnic_error_free(e);
    info->state = vnic_xstrdup("broken");
    return info;
}

static int cmp_info(const void *a, const void *b)
{
    return strcmp((*(vnic_domain_info *const *)a)->name, (*(vnic_domain_info *const *)b)->name);
}

static int embed_domain_list(vnic_conn *conn, unsigned flags, vnic_domain_info ***ret,
                             size_t *ret_n, vnic_error **err)
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
        list[k++] = make_info(rec, vnic_embed_def_exists(p, names[i]));
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
        list[k++] = make_defined_info(def);
        vnic_domain_def_free(def);
    }
    vnic_embed_free_names(names, n);
    vnic_embed_free_names(defs, ndefs);
    qsort(list, k, sizeof(*list), cmp_info);
    *ret = list;
    *ret_n = k;
    return status;
}

static char *embed_domain_get_xml(vnic_conn *conn, const char *name, unsigned flags,
                                  vnic_error **err)
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

/* Open the queues of interfaces [first, last) of rec into fds (consecutively). */
static int open_range(embed_priv *p, const vnic_record *rec, size_t first, size_t last, int *fds,
                      vnic_error **err)
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
            r = ops->open_queues(&env, rec->def->ifaces[i], &ri->rt, fds + off, err);
        }
        if (r < 0) {
            prefix_iface(err, rec->def, i);
            vnic_close_fds(fds, off);
            return r;
        }
        off += ri->rt.queues;
    }
    return 0;
}

static int read_active(embed_priv *p, const char *name, vnic_record **ret, vnic_error **err)
{
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = vnic_embed_record_read(p, name, &rec, err);
    if (r == -ENOENT)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not active"), name), r;
    if (r < 0)
        return r;
    if (rec->status != VNIC_RECORD_ACTIVE && rec->status != VNIC_RECORD_DEGRADED)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not fully started"), name),
               -EINVAL;
    if ((r = vnic_embed_get_nl(p, err)) < 0)
        return r;
    *ret = TAKE_PTR(rec);
    return 0;
}

static int embed_domain_open_queues(vnic_conn *conn, const char *name, unsigned index,
                                    int **ret_fds, size_t *ret_n, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = read_active(p, name, &rec, err);
    if (r < 0)
        return r;
    if (index >= rec->def->niface)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' has no interface %u"), name,
                              index),
               -EINVAL;

    size_t n = rec->ifaces[index].rt.queues;
    int *fds = vnic_xcalloc(n ? n : 1, sizeof(int));
    r = open_range(p, rec, index, index + 1, fds, err);
    if (r < 0) {
        free(fds);
        return r;
    }
    *ret_fds = fds;
    *ret_n = n;
    return 0;
}

static int embed_domain_open_all_queues(vnic_conn *conn, const char *name, int **ret_fds,
                                        size_t **ret_counts, size_t *ret_n, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = read_active(p, name, &rec, err);
    if (r < 0)
        return r;
    /* A supervisor's launcher has every queue: a second consumer of the same macvtap or tap
     * (another run, a pass) would steal its packets. One interface's queues stay open to
     * others (domain_open_queues): hot-plug hands a new interface to the running launcher. */
    if (supervised_elsewhere(p, rec)) {
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

    size_t total = 0;
    size_t *counts = vnic_xcalloc(rec->def->niface ? rec->def->niface : 1, sizeof(size_t));
    for (size_t i = 0; i < rec->def->niface; i++) {
        counts[i] = rec->ifaces[i].rt.queues;
        total += counts[i];
    }
    int *fds = vnic_xcalloc(total ? total : 1, sizeof(int));
    r = open_range(p, rec, 0, rec->def->niface, fds, err);
    if (r < 0) {
        free(fds);
        free(counts);
        return r;
    }
    *ret_fds = fds;
    *ret_counts = counts;
    *ret_n = rec->def->niface;
    return 0;
}

const vnic_driver vnic_embed_driver = {
    .name = "embed",
    .probe = embed_probe,
    .open = embed_open,
    .close = embed_close,
    .domain_create = embed_domain_create,
    .domain_define = embed_domain_define,
    .domain_undefine = embed_domain_undefine,
    .domain_start = embed_domain_start,
    .domain_destroy = embed_domain_destroy,
    .domain_lookup = embed_domain_lookup,
    .domain_list = embed_domain_list,
    .domain_get_xml = embed_domain_get_xml,
    .domain_open_queues = embed_domain_open_queues,
    .domain_open_all_queues = embed_domain_open_all_queues,
    .domain_attach_interface = embed_domain_attach_interface,
    .domain_detach_interface = embed_domain_detach_interface,
    .reconcile = vnic_embed_reconcile,
    .event_register = vnic_embed_event_register,
    .event_deregister = vnic_embed_event_deregister,
    .event_run = vnic_embed_event_run,
    .event_get_fd = vnic_embed_event_get_fd,
    .event_dispatch = vnic_embed_event_dispatch,
};
