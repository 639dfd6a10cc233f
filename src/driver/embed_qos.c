/* <bandwidth> and <coalesce> on the devices vnic makes: applied right after a device is made,
 * as part of its creation (a failure removes the device, so the start or attach fails with
 * nothing left), and changed at runtime by domiftune. Nothing removes them: the kernel deletes
 * a device's qdiscs, classes and filters with the device. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "ethtool.h"
#include "fault.h"
#include "i18n.h"
#include "tc.h"

/* The device's view is the guest's, reversed, for a tap: what the tap sends goes to the guest
 * (the guest's inbound traffic) and what it receives comes from the guest. A macvtap sits on the
 * guest's side of the wire: what it sends is the guest's outbound traffic. The rate limit goes on
 * what the device sends (a root HTB), the policer on what it receives. */
static bool egress_is_inbound(vnic_iface_type type)
{
    return type == VNIC_IFACE_ETHERNET;
}

static vnic_tc_rate tc_rate(const vnic_bandwidth_rate *r)
{
    return (vnic_tc_rate){
        .rate = r->average * 1024, .ceil = r->peak * 1024, .burst = r->burst * 1024};
}

static int shape(embed_priv *p, vnic_iface_type type, const vnic_iface_runtime *rt,
                 const vnic_bandwidth_rate *egress, vnic_error **err)
{
    const char *dir = egress_is_inbound(type) ? "inbound" : "outbound";
    vnic_tc_rate r = tc_rate(egress);
    int e = vnic_fault_fail("tc-shape");
    int rv = e ? (vnic_error_set_errno(err, e, "%s", _("cannot add the root HTB qdisc")), -e)
               : vnic_tc_shape(p->nl, rt->ifindex, &r, err);
    if (rv < 0)
        vnic_error_prefix(err,
                          _("cannot limit the guest's %s traffic (<bandwidth><%s>) on device "
                            "'%s'"),
                          dir, dir, rt->name);
    return rv;
}

static int police(embed_priv *p, vnic_iface_type type, const vnic_iface_runtime *rt,
                  const vnic_bandwidth_rate *ingress, vnic_error **err)
{
    const char *dir = egress_is_inbound(type) ? "outbound" : "inbound";
    vnic_tc_rate r = tc_rate(ingress);
    int e = vnic_fault_fail("tc-police");
    int rv = e ? (vnic_error_set_errno(err, e, "%s", _("cannot add the policing filter")), -e)
               : vnic_tc_police(p->nl, rt->ifindex, &r, err);
    if (rv < 0) {
        vnic_error_prefix(err,
                          _("cannot police the guest's %s traffic (<bandwidth><%s>) on "
                            "device '%s'"),
                          dir, dir, rt->name);
        /* The kernel answers so when it was built without the police action (act_police). */
        if ((rv == -ENOENT || rv == -EOPNOTSUPP) && err && *err) {
            char *m = vnic_xasprintf(_("%s; the kernel may lack the police action (act_police)"),
                                     (*err)->message);
            free((*err)->message);
            (*err)->message = m;
        }
    }
    return rv;
}

int vnic_embed_bandwidth_set(embed_priv *p, vnic_iface_type type, const vnic_iface_runtime *rt,
                             const vnic_bandwidth_rate *inbound,
                             const vnic_bandwidth_rate *outbound, vnic_error **err)
{
    bool in_egress = egress_is_inbound(type);
    const vnic_bandwidth_rate *egress = in_egress ? inbound : outbound;
    const vnic_bandwidth_rate *ingress = in_egress ? outbound : inbound;
    int r;
    if ((r = vnic_tc_clear(p->nl, rt->ifindex, true, true, err)) < 0) {
        vnic_error_prefix(err, _("cannot remove the traffic control of device '%s'"), rt->name);
        return r;
    }
    if (egress->average && (r = shape(p, type, rt, egress, err)) < 0)
        return r;
    if (ingress->average && (r = police(p, type, rt, ingress, err)) < 0)
        return r;
    return 0;
}

int vnic_embed_qos_apply(embed_priv *p, const vnic_iface_def *d, const vnic_iface_runtime *rt,
                         vnic_error **err)
{
    int r;
    bool in_egress = egress_is_inbound(d->type);
    const vnic_bandwidth_rate *egress = in_egress ? &d->bw_inbound : &d->bw_outbound;
    const vnic_bandwidth_rate *ingress = in_egress ? &d->bw_outbound : &d->bw_inbound;
    /* A new device has no qdisc of vnic's yet: nothing to clear. */
    if (egress->average && (r = shape(p, d->type, rt, egress, err)) < 0)
        return r;
    if (ingress->average && (r = police(p, d->type, rt, ingress, err)) < 0)
        return r;
    if (d->has_coalesce_rx_frames &&
        (r = vnic_ethtool_set_rx_frames(rt->name, d->coalesce_rx_frames, NULL, err)) < 0) {
        if (r == -EOPNOTSUPP)
            vnic_error_prefix(err,
                              _("<coalesce><rx><frames max='%u'/>: the driver of device "
                                "'%s' (%s) has no receive coalescing"),
                              d->coalesce_rx_frames, rt->name,
                              d->type == VNIC_IFACE_DIRECT ? "macvtap" : "tun");
        else
            vnic_error_prefix(err, _("<coalesce><rx><frames max='%u'/> on device '%s'"),
                              d->coalesce_rx_frames, rt->name);
        return r;
    }
    return 0;
}
