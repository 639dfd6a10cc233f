/* Addresses and routes of a device through libnl-route-3 (rtnl_addr, rtnl_route), and its
 * counters (rtnl_link). Addresses and routes go away with the device: nothing here removes
 * them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "i18n.h"
#include "netlink.h"

VNIC_DEFINE_CLEANUP(struct rtnl_addr, rtnl_addr_put)
VNIC_DEFINE_CLEANUP(struct rtnl_route, rtnl_route_put)
VNIC_DEFINE_CLEANUP(struct nl_addr, nl_addr_put)

static struct nl_addr *make_addr(int family, const uint8_t *bytes, unsigned prefix)
{
    struct nl_addr *a = nl_addr_build(family, bytes, family == AF_INET ? 4 : 16);
    if (a)
        nl_addr_set_prefixlen(a, (int)prefix);
    return a;
}

static int no_memory(vnic_error **err)
{
    vnic_error_set_errno(err, ENOMEM, _("cannot allocate a netlink object"));
    return -ENOMEM;
}

int vnic_nl_addr_add(struct nl_sock *sk, int ifindex, const vnic_nl_addr_args *args,
                     vnic_error **err)
{
    _cleanup_(rtnl_addr_putp) struct rtnl_addr *ra = rtnl_addr_alloc();
    _cleanup_(nl_addr_putp) struct nl_addr *local =
        make_addr(args->family, args->local, args->prefix);
    _cleanup_(nl_addr_putp) struct nl_addr *peer =
        args->peer ? make_addr(args->family, args->peer, args->prefix) : NULL;
    if (!ra || !local || (args->peer && !peer))
        return no_memory(err);
    rtnl_addr_set_ifindex(ra, ifindex);
    rtnl_addr_set_family(ra, args->family);
    int r = rtnl_addr_set_local(ra, local);
    /* With a peer libnl sends it as IFA_ADDRESS and the address as IFA_LOCAL: the kernel's
     * point-to-point form, whose prefix (and prefix route) is the peer's. */
    if (r >= 0 && peer)
        r = rtnl_addr_set_peer(ra, peer);
    if (r < 0)
        return no_memory(err);
    rtnl_addr_set_prefixlen(ra, (int)args->prefix);

    vnic_nl_ack_reset();
    r = rtnl_addr_add(sk, ra, NLM_F_EXCL);
    if (r < 0)
        return vnic_nl_kernel_fail(r, err, _("cannot add the address"));
    return 0;
}

int vnic_nl_route_add(struct nl_sock *sk, int ifindex, const vnic_nl_route_args *args,
                      vnic_error **err)
{
    _cleanup_(rtnl_route_putp) struct rtnl_route *rt = rtnl_route_alloc();
    _cleanup_(nl_addr_putp) struct nl_addr *dst = make_addr(args->family, args->dst, args->prefix);
    _cleanup_(nl_addr_putp) struct nl_addr *gw =
        make_addr(args->family, args->gateway, args->family == AF_INET ? 32 : 128);
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    if (!rt || !dst || !gw || !nh) {
        rtnl_route_nh_free(nh);
        return no_memory(err);
    }
    rtnl_route_nh_set_ifindex(nh, ifindex);
    rtnl_route_nh_set_gateway(nh, gw);
    rtnl_route_add_nexthop(rt, nh); /* the route owns it now */
    rtnl_route_set_family(rt, (uint8_t)args->family);
    rtnl_route_set_table(rt, RT_TABLE_MAIN);
    rtnl_route_set_protocol(rt, RTPROT_BOOT);
    rtnl_route_set_scope(rt, RT_SCOPE_UNIVERSE);
    rtnl_route_set_type(rt, RTN_UNICAST);
    if (args->has_metric)
        rtnl_route_set_priority(rt, args->metric);
    if (rtnl_route_set_dst(rt, dst) < 0)
        return no_memory(err);

    vnic_nl_ack_reset();
    int r = rtnl_route_add(sk, rt, NLM_F_EXCL);
    if (r < 0)
        return vnic_nl_kernel_fail(r, err, _("cannot add the route"));
    return 0;
}

VNIC_DEFINE_CLEANUP(struct rtnl_link, rtnl_link_put)

int vnic_nl_link_stats_get(struct nl_sock *sk, int ifindex, vnic_nl_link_stats *ret,
                           vnic_error **err)
{
    _cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL;
    vnic_nl_ack_reset();
    int r = rtnl_link_get_kernel(sk, ifindex, NULL, &l);
    if (r < 0)
        return vnic_nl_kernel_fail(r, err, _("cannot read the device's counters"));
    vnic_nl_link_stats s = {.flags = rtnl_link_get_flags(l)};
    const char *name = rtnl_link_get_name(l);
    snprintf(s.name, sizeof(s.name), "%s", name ? name : "");
    s.rx_bytes = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES);
    s.rx_packets = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS);
    s.rx_errors = rtnl_link_get_stat(l, RTNL_LINK_RX_ERRORS);
    s.rx_dropped = rtnl_link_get_stat(l, RTNL_LINK_RX_DROPPED);
    s.tx_bytes = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES);
    s.tx_packets = rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS);
    s.tx_errors = rtnl_link_get_stat(l, RTNL_LINK_TX_ERRORS);
    s.tx_dropped = rtnl_link_get_stat(l, RTNL_LINK_TX_DROPPED);
    *ret = s;
    return 0;
}
