/* What the embedded driver does to the host side of an ethernet interface after its backend
 * made the device: the addresses and routes of its <source>, then its <script>; and before
 * the device goes, its <downscript>. Part of the start (and attach) transaction: a failure
 * here is the device's failure, and the caller deletes the device, which takes every address
 * and route added here with it. */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "embed.h"
#include "i18n.h"
#include "log.h"
#include "script.h"

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
    /* Last, so that the script finds the device as the XML says it (addresses included). */
    if (d->script) {
        if ((r = vnic_embed_scripts_allowed(p, d, err)) < 0 ||
            (r = vnic_script_run(d->script, rt->name, err)) < 0)
            return r;
    }
    return 0;
}

int vnic_embed_scripts_allowed(embed_priv *p, const vnic_iface_def *d, vnic_error **err)
{
    /* A script runs as vnic runs: as root under vnicd. A client the daemon serves without
     * root's rights (vnic_conn_set_client) must not have root run a program for it, even
     * one root installed: its arguments and timing would be the client's to choose. */
    if (p->has_client && (d->script || d->downscript)) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("permission denied: <%s> runs a program as root, which only root may "
                         "ask for"),
                       d->script ? "script" : "downscript");
        if (err && *err)
            (*err)->sys_errno = EACCES;
        return -EACCES;
    }
    return 0;
}

int vnic_embed_host_check(embed_priv *p, const vnic_iface_def *d, vnic_error **err)
{
    int r = vnic_embed_scripts_allowed(p, d, err);
    /* The scripts' files now, before anything is made: a refused one fails the start with
     * nothing to undo. They are checked again (on the file itself) when they run. */
    const char *const paths[] = {d->script, d->downscript};
    for (size_t i = 0; r == 0 && i < ELEMENTSOF(paths); i++) {
        int fd = -1;
        if (paths[i] && (r = vnic_script_open(paths[i], &fd, err)) == 0)
            close(fd);
    }
    return r;
}

void vnic_embed_run_downscript(embed_priv *p, const vnic_record *rec, size_t i)
{
    const vnic_iface_def *d = rec->def->ifaces[i];
    const vnic_record_iface *ri = &rec->ifaces[i];
    /* Only after a script-and-setup that completed (done): a device whose setup failed had
     * its own script fail or never run. */
    if (d->type != VNIC_IFACE_ETHERNET || !d->downscript || !ri->done || ri->detaching)
        return;
    vnic_error *e = NULL;
    if (vnic_embed_scripts_allowed(p, d, &e) < 0 ||
        vnic_script_run(d->downscript, ri->rt.name, &e) < 0) {
        /* The device goes all the same: a downscript cannot keep it. */
        VNIC_WARN("%s", e->message);
        vnic_error_free(e);
    }
}

void vnic_embed_run_downscripts(embed_priv *p, const vnic_record *rec)
{
    for (size_t i = rec->def->niface; i-- > 0;)
        vnic_embed_run_downscript(p, rec, i);
}

int vnic_embed_domain_scripts_allowed(embed_priv *p, const vnic_record *rec, vnic_error **err)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < rec->def->niface; i++)
        r = vnic_embed_scripts_allowed(p, rec->def->ifaces[i], err);
    return r;
}
