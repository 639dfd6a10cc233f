/* Live state of a running domain's interfaces in the embedded driver: the counters of a host
 * device (from the guest's point of view) and its link. An interface is named as virsh names
 * it: by alias, host device name or MAC. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "embed.h"
#include "i18n.h"
#include "strutil.h"

int vnic_embed_iface_index(const vnic_domain_def *def, const vnic_record *rec, const char *iface,
                           size_t *ret, vnic_error **err)
{
    uint8_t mac[6];
    bool is_mac = vnic_mac_parse(iface, mac) == 0;
    size_t n = def->niface, found = n;
    /* An alias first, then a device name, then a MAC: the first kind that matches wins, so
     * that one IFACE names the same interface in every command. */
    for (size_t i = 0; i < n && found == n; i++)
        if (def->ifaces[i]->alias && vnic_streq(def->ifaces[i]->alias, iface))
            found = i;
    for (size_t i = 0; rec && i < n && found == n; i++)
        if (rec->ifaces[i].done && vnic_streq(rec->ifaces[i].rt.name, iface))
            found = i;
    for (size_t i = 0; is_mac && i < n && found == n; i++)
        if (def->ifaces[i]->has_mac && memcmp(def->ifaces[i]->mac, mac, 6) == 0)
            found = i;
    if (found == n)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("domain '%s' has no interface with alias, device name or MAC "
                                "'%s'"),
                              def->name, iface),
               -ENOENT;
    *ret = found;
    return 0;
}

/* One interface of a running domain, as every live command sees it: the domain locked, its
 * record, the interface's index in it, and the counters and flags of its device. */
typedef struct {
    int lock;
    vnic_record *rec;
    size_t index;
    vnic_nl_link_stats link;
} live_iface;

static void live_iface_release(live_iface *l)
{
    vnic_record_free(l->rec);
    vnic_closep(&l->lock);
}

/* Into *l (which the caller releases, also on failure): the running domain NAME locked, and
 * IFACE of it, whose device must exist and still be the one vnic made (the same ifindex and
 * name: a device renamed or replaced meanwhile is gone). */
static int live_iface_get(embed_priv *p, const char *name, const char *iface, live_iface *l,
                          vnic_error **err)
{
    dom_state st;
    int r = vnic_embed_lock_and_settle(p, name, &l->lock, &st, &l->rec, err);
    if (r < 0)
        return r;
    if (st != DOM_ACTIVE && st != DOM_DEGRADED)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not active"), name), -EINVAL;
    const vnic_record *rec = l->rec;
    size_t i;
    if ((r = vnic_embed_iface_index(rec->def, rec, iface, &i, err)) < 0)
        return r;
    if (!rec->ifaces[i].done || rec->ifaces[i].detaching)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("interface '%s' of domain '%s' has no device"), iface, name),
               -ENODEV;
    if ((r = vnic_embed_get_nl(p, err)) < 0)
        return r;
    l->index = i;
    const vnic_iface_runtime *rt = &rec->ifaces[i].rt;
    r = vnic_nl_link_stats_get(p->nl, rt->ifindex, &l->link, err);
    if (r == -ENODEV || (r == 0 && !vnic_streq(l->link.name, rt->name))) {
        vnic_error_free(err ? *err : NULL);
        if (err)
            *err = NULL;
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("the device '%s' of interface '%s' of domain '%s' is gone"),
                              rt->name, iface, name),
               -ENODEV;
    }
    return r;
}

int vnic_embed_domain_interface_stats(vnic_conn *conn, const char *name, const char *iface,
                                      vnic_interface_stats **ret, vnic_error **err)
{
    _cleanup_(live_iface_release) live_iface l = {.lock = -1};
    int r = live_iface_get(conn->priv, name, iface, &l, err);
    if (r < 0)
        return r;
    const vnic_domain_def *def = l.rec->def;
    const vnic_nl_link_stats *s = &l.link;
    size_t i = l.index;

    vnic_interface_stats *st = vnic_xcalloc(1, sizeof(*st));
    st->size = sizeof(*st);
    st->alias = vnic_xstrdup_null(def->ifaces[i]->alias);
    st->device = vnic_xstrdup(s->name);
    /* A tap's kernel counters are the host's view: what the guest sends arrives at the host
     * device (its rx), so they are swapped for the guest's. A macvtap counts what the guest's
     * queues send as the device's tx already: the same view, not swapped. */
    bool swap = def->ifaces[i]->type == VNIC_IFACE_ETHERNET;
    st->rx_bytes = swap ? s->tx_bytes : s->rx_bytes;
    st->rx_packets = swap ? s->tx_packets : s->rx_packets;
    st->rx_errors = swap ? s->tx_errors : s->rx_errors;
    st->rx_dropped = swap ? s->tx_dropped : s->rx_dropped;
    st->tx_bytes = swap ? s->rx_bytes : s->tx_bytes;
    st->tx_packets = swap ? s->rx_packets : s->tx_packets;
    st->tx_errors = swap ? s->rx_errors : s->tx_errors;
    st->tx_dropped = swap ? s->rx_dropped : s->tx_dropped;
    *ret = st;
    return 0;
}

int vnic_embed_domain_interface_get_link(vnic_conn *conn, const char *name, const char *iface,
                                         bool *ret_up, char **ret_device, vnic_error **err)
{
    _cleanup_(live_iface_release) live_iface l = {.lock = -1};
    int r = live_iface_get(conn->priv, name, iface, &l, err);
    if (r < 0)
        return r;
    *ret_up = l.link.flags & IFF_UP;
    if (ret_device)
        *ret_device = vnic_xstrdup(l.link.name);
    return 0;
}

int vnic_embed_domain_interface_set_link(vnic_conn *conn, const char *name, const char *iface,
                                         bool up, vnic_error **err)
{
    _cleanup_(live_iface_release) live_iface l = {.lock = -1};
    int r = live_iface_get(conn->priv, name, iface, &l, err);
    if (r < 0)
        return r;
    embed_priv *p = conn->priv;
    vnic_nl_link_change chg = {.up = up ? 1 : 0};
    if ((r = vnic_nl_link_change_apply(p->nl, l.rec->ifaces[l.index].rt.ifindex, &chg, err)) < 0)
        return vnic_error_prefix(err, up ? _("setting '%s' up") : _("setting '%s' down"),
                                 l.link.name),
               r;
    /* The live definition says what the device is now, as libvirt's does after
     * domif-setlink. */
    l.rec->def->ifaces[l.index]->link = up ? VNIC_LINK_UP : VNIC_LINK_DOWN;
    return vnic_embed_record_write(p, l.rec, err);
}
