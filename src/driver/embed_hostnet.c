/* What the embedded driver does to the host side of an ethernet interface after its backend
 * made the device: the addresses and routes of its <source>. Part of the start (and attach)
 * transaction: a failure here is the device's failure, and the caller deletes the device,
 * which takes every address and route added here with it. */
#include "config.h"

#include <errno.h>

#include "embed.h"
#include "i18n.h"

static void prefix_host_ip(vnic_error **err, const vnic_host_ip *ip)
{
    char buf[46];
    vnic_ip_addr_format(&ip->addr, buf);
    if (ip->has_peer) {
        char peer[46];
        vnic_ip_addr_format(&ip->peer, peer);
        vnic_error_prefix(err, _("address %s peer %s/%u (line %d)"), buf, peer, ip->prefix,
                          ip->line);
    } else {
        vnic_error_prefix(err, _("address %s/%u (line %d)"), buf, ip->prefix, ip->line);
    }
}

static void prefix_host_route(vnic_error **err, const vnic_host_route *rt)
{
    char dst[46], gw[46];
    vnic_ip_addr_format(&rt->addr, dst);
    vnic_ip_addr_format(&rt->gateway, gw);
    vnic_error_prefix(err, _("route to %s/%u via %s (line %d)"), dst, rt->prefix, gw, rt->line);
}

int vnic_embed_host_setup(embed_priv *p, const vnic_iface_def *d, const vnic_iface_runtime *rt,
                          vnic_error **err)
{
    int r;
    if (d->type != VNIC_IFACE_ETHERNET)
        return 0;
    /* Addresses first: a route's gateway is usually reachable through one of them. */
    for (size_t i = 0; i < d->nhost_ips; i++) {
        const vnic_host_ip *ip = &d->host_ips[i];
        vnic_nl_addr_args a = {
            .family = ip->addr.family,
            .local = ip->addr.bytes,
            .prefix = ip->prefix,
            .peer = ip->has_peer ? ip->peer.bytes : NULL,
        };
        if ((r = vnic_nl_addr_add(p->nl, rt->ifindex, &a, err)) < 0)
            return prefix_host_ip(err, ip), r;
    }
    for (size_t i = 0; i < d->nhost_routes; i++) {
        const vnic_host_route *hr = &d->host_routes[i];
        vnic_nl_route_args a = {
            .family = hr->addr.family,
            .dst = hr->addr.bytes,
            .prefix = hr->prefix,
            .gateway = hr->gateway.bytes,
            .has_metric = hr->has_metric,
            .metric = hr->metric,
        };
        if ((r = vnic_nl_route_add(p->nl, rt->ifindex, &a, err)) < 0)
            return prefix_host_route(err, hr), r;
    }
    return 0;
}
