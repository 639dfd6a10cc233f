/* The embedded driver's transaction primitives: what every operation that makes devices
 * shares (capability check, names, the backend's environment, making one device, who
 * supervises a domain, reconcile's report). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "embed.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"

/* How many names a template may try before giving up. */
#define NAME_ATTEMPTS 64

void vnic_embed_action_add(vnic_reconcile_action ***acts, size_t *n, const char *domain,
                           const char *device, const char *action, const char *fmt, ...)
{
    if (!acts)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    vnic_reconcile_action *a = vnic_xcalloc(1, sizeof(*a));
    *a = (vnic_reconcile_action){
        .size = sizeof(*a),
        .domain = vnic_xstrdup_null(domain),
        .device = vnic_xstrdup_null(device),
        .action = vnic_xstrdup(action),
        .message = msg,
    };
    *acts = vnic_xreallocarray(*acts, *n + 1, sizeof(**acts));
    (*acts)[(*n)++] = a;
}

/* One capget(2): reading and scanning /proc/self/status for CapEff cost a file open and a
 * formatted read on every start and destroy. */
static bool have_cap_net_admin(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {0};
    if (syscall(SYS_capget, &hdr, data) < 0)
        return true; /* cannot tell: let the kernel decide */
    return data[CAP_NET_ADMIN / 32].effective & (1U << (CAP_NET_ADMIN % 32));
}

int vnic_embed_need_cap_net_admin(bool create, vnic_error **err)
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
int vnic_embed_choose_name(embed_priv *p, const vnic_iface_def *d, const vnic_backend_ops *ops,
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

bool vnic_embed_is_template_iface(const vnic_iface_def *d)
{
    return !d->target_dev || vnic_ifname_is_template(d->target_dev);
}

/* Say which interface failed: "interface 5 of 8 (alias 'ua-net4', line 30)". */
void vnic_embed_prefix_iface(vnic_error **err, const vnic_domain_def *def, size_t i)
{
    const vnic_iface_def *d = def->ifaces[i];
    if (d->alias)
        vnic_error_prefix(err, _("interface %zu of %zu (alias '%s', line %d)"), i + 1, def->niface,
                          d->alias, d->line);
    else
        vnic_error_prefix(err, _("interface %zu of %zu (line %d)"), i + 1, def->niface, d->line);
}

vnic_backend_env vnic_embed_backend_env(embed_priv *p, const vnic_record *rec)
{
    return (vnic_backend_env){.nl = p->nl, .domain_name = rec->def->name, .run_dir = p->nodes_dir};
}

int vnic_embed_create_one(embed_priv *p, vnic_record *rec, const vnic_backend_ops *ops, size_t i,
                          const vnic_link_info *links, size_t nlinks, vnic_error **err)
{
    vnic_iface_def *d = rec->def->ifaces[i];
    vnic_record_iface *ri = &rec->ifaces[i];
    vnic_backend_env env = vnic_embed_backend_env(p, rec);
    env.links = links;
    env.nlinks = nlinks;
    const char *mark = ri->mark;
    bool tmpl = vnic_embed_is_template_iface(d);

    for (int attempt = 0;; attempt++) {
        vnic_backend_create_args args = {
            .name = ri->intended,
            .name_from_template = tmpl && attempt < NAME_ATTEMPTS,
            .guest_mac = d->mac,
            .mark = mark,
            .group = rec->group,
        };
        int r = ops->create(&env, vnic_backend_iface_of(d), &args, &ri->rt, err);
        if (r == -EEXIST && args.name_from_template) {
            /* Someone else has that name: take the next number, and say so on disk first. */
            vnic_error_free(*err);
            *err = NULL;
            unsigned long n;
            _cleanup_close_ int lock = -1;
            if ((r = vnic_embed_store_lock(p, &lock, err)) < 0 ||
                (r = vnic_embed_counter_reserve(p, 1, &n, err)) < 0 ||
                (r = vnic_embed_choose_name(p, d, ops, n, ri, err)) < 0 ||
                (r = vnic_embed_record_write(p, rec, err)) < 0)
                return r;
            continue;
        }
        if (r < 0)
            return r;
        if ((r = vnic_embed_device_setup(p, rec, ops, i, &env, err)) < 0)
            return r;
        ri->done = true;
        return 0;
    }
}

int vnic_embed_device_setup(embed_priv *p, vnic_record *rec, const vnic_backend_ops *ops, size_t i,
                            const vnic_backend_env *env, vnic_error **err)
{
    vnic_iface_def *d = rec->def->ifaces[i];
    vnic_record_iface *ri = &rec->ifaces[i];
    /* Bandwidth, coalescing and the host side's addresses and routes belong to the device's
     * creation: if any of them cannot be had, the device goes again (and they with it) and
     * nothing of this interface is left. */
    int r;
    if ((r = vnic_embed_qos_apply(p, d, &ri->rt, err)) < 0 ||
        (r = vnic_embed_host_setup(p, d, &ri->rt, err)) < 0) {
        vnic_error *de = NULL;
        if (ops->destroy(env, &ri->rt, ri->mark, &de) < 0) {
            vnic_error_prefix(&de, _("cannot remove device '%s' again"), ri->rt.name);
            vnic_error_prefix(err, "%s", de->message);
            vnic_error_free(de);
        }
        return r;
    }
    return 0;
}

/* Forget the supervisor lock of NAME this connection holds, if any. */
void vnic_embed_release_supervision(embed_priv *p, const char *name)
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
bool vnic_embed_supervised_elsewhere(embed_priv *p, const vnic_record *rec)
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

int vnic_embed_check_not_supervised(embed_priv *p, const vnic_record *rec, vnic_error **err)
{
    if (vnic_embed_supervised_elsewhere(p, rec))
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("domain '%s' is run by a supervisor (vnicsh run); stop its "
                                "launcher and the supervisor destroys it"),
                              rec->def->name),
               -EBUSY;
    return 0;
}
