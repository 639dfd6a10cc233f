/* Traffic control through libnl-route-3 (see tc.h). The qdiscs and the class go through libnl's
 * qdisc, class and HTB objects; the policing filter is built with libnl's message API, because
 * libnl 3.7 has no police action of its own (and u32's legacy police attribute is what the
 * kernel and iproute2 have long used for a match-all policer). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <netlink/route/class.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/tc.h>
#include <netlink/utils.h>

#include "cleanup.h"
#include "i18n.h"
#include "netlink.h"
#include "tc.h"

VNIC_DEFINE_CLEANUP(struct rtnl_qdisc, rtnl_qdisc_put)
VNIC_DEFINE_CLEANUP(struct rtnl_class, rtnl_class_put)
VNIC_DEFINE_CLEANUP(struct nl_msg, nlmsg_free)

#define HTB_HANDLE TC_H_MAKE(1U << 16, 0)          /* 1: */
#define HTB_CLASS TC_H_MAKE(1U << 16, 1)           /* 1:1, the default class */
#define INGRESS_HANDLE TC_H_MAKE(0xffffU << 16, 0) /* ffff: */
#define POLICE_MTU 65535 /* larger packets (not GSO ones, checked per segment) exceed */
#define RTAB_CELLS 256

static int no_memory(vnic_error **err)
{
    vnic_error_set_errno(err, ENOMEM, _("cannot build a traffic control request"));
    return -ENOMEM;
}

/* What a libnl builder returned: its code as an errno, *err set. */
static int build_failed(int nlerr, vnic_error **err)
{
    int e = vnic_nl_errno(nlerr);
    vnic_error_set_errno(err, -e, _("cannot build a traffic control request"));
    return e;
}

int vnic_tc_shape(struct nl_sock *sk, int ifindex, const vnic_tc_rate *r, vnic_error **err)
{
    _cleanup_(rtnl_qdisc_putp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
    _cleanup_(rtnl_class_putp) struct rtnl_class *c = rtnl_class_alloc();
    if (!q || !c || r->rate == 0 || r->rate > UINT32_MAX || r->ceil > UINT32_MAX ||
        r->burst > UINT32_MAX)
        return !q || !c ? no_memory(err)
                        : (vnic_error_set(err, VNIC_ERR_INVALID, _("rate out of range")), -ERANGE);

    rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
    rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
    rtnl_tc_set_handle(TC_CAST(q), HTB_HANDLE);
    int nr = rtnl_tc_set_kind(TC_CAST(q), "htb");
    if (nr >= 0)
        nr = rtnl_htb_set_defcls(q, TC_H_MIN(HTB_CLASS));
    struct nl_msg *msg = NULL;
    if (nr >= 0)
        nr = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, &msg);
    if (nr < 0)
        return build_failed(nr, err);
    int rv = vnic_nl_request(sk, msg, _("cannot add the root HTB qdisc"), err);
    if (rv < 0)
        return rv;

    rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
    rtnl_tc_set_parent(TC_CAST(c), HTB_HANDLE);
    rtnl_tc_set_handle(TC_CAST(c), HTB_CLASS);
    nr = rtnl_tc_set_kind(TC_CAST(c), "htb");
    if (nr >= 0)
        nr = rtnl_htb_set_rate(c, (uint32_t)r->rate);
    if (nr >= 0)
        nr = rtnl_htb_set_ceil(c, (uint32_t)(r->ceil ? r->ceil : r->rate));
    if (nr >= 0 && r->burst) {
        nr = rtnl_htb_set_rbuffer(c, (uint32_t)r->burst);
        if (nr >= 0)
            nr = rtnl_htb_set_cbuffer(c, (uint32_t)r->burst);
    }
    msg = NULL;
    if (nr >= 0)
        nr = rtnl_class_build_add_request(c, NLM_F_CREATE | NLM_F_EXCL, &msg);
    if (nr < 0)
        return build_failed(nr, err);
    return vnic_nl_request(sk, msg, _("cannot add the HTB class"), err);
}

/* Ticks of the kernel's packet scheduler clock to send BYTES at RATE bytes per second. */
static uint32_t xmit_ticks(uint64_t bytes, uint64_t rate)
{
    uint64_t us = bytes * 1000000 / rate;
    return nl_us2ticks(us > UINT32_MAX ? UINT32_MAX : (uint32_t)us);
}

static int add_police_filter(struct nl_sock *sk, int ifindex, const vnic_tc_rate *r,
                             vnic_error **err)
{
    uint64_t burst = r->burst ? r->burst : r->rate;
    /* The rate table the kernel insists on (its policer computes from the rate itself now):
     * the time to send each of 256 sizes, in cells of 2^cell_log bytes covering 2 KiB. */
    unsigned cell_log = 0;
    while ((2047U >> cell_log) > RTAB_CELLS - 1)
        cell_log++;
    uint32_t rtab[RTAB_CELLS];
    for (unsigned i = 0; i < RTAB_CELLS; i++)
        rtab[i] = xmit_ticks((uint64_t)(i + 1) << cell_log, r->rate);
    struct tc_police p = {
        .action = TC_POLICE_SHOT,
        .rate = {.cell_log = (unsigned char)cell_log,
                 .linklayer = TC_LINKLAYER_ETHERNET,
                 .cell_align = -1,
                 .rate = (uint32_t)r->rate},
        .burst = xmit_ticks(burst, r->rate),
        .mtu = POLICE_MTU,
    };
    /* A selector with one key that matches every packet (mask 0), ending the match. */
    struct {
        struct tc_u32_sel sel;
        struct tc_u32_key key;
    } sel = {.sel = {.flags = TC_U32_TERMINAL, .nkeys = 1}};
    struct tcmsg t = {
        .tcm_family = AF_UNSPEC,
        .tcm_ifindex = ifindex,
        .tcm_parent = INGRESS_HANDLE,
        .tcm_info = TC_H_MAKE(1U << 16, htons(ETH_P_ALL)), /* priority 1, every protocol */
    };

    _cleanup_(nlmsg_freep) struct nl_msg *msg =
        nlmsg_alloc_simple(RTM_NEWTFILTER, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
    if (!msg || nlmsg_append(msg, &t, sizeof(t), NLMSG_ALIGNTO) < 0 ||
        nla_put_string(msg, TCA_KIND, "u32") < 0)
        return no_memory(err);
    struct nlattr *opts = nla_nest_start(msg, TCA_OPTIONS);
    if (!opts || nla_put(msg, TCA_U32_SEL, sizeof(sel), &sel) < 0)
        return no_memory(err);
    struct nlattr *pol = nla_nest_start(msg, TCA_U32_POLICE);
    if (!pol || nla_put(msg, TCA_POLICE_TBF, sizeof(p), &p) < 0 ||
        nla_put(msg, TCA_POLICE_RATE, sizeof(rtab), rtab) < 0)
        return no_memory(err);
    nla_nest_end(msg, pol);
    nla_nest_end(msg, opts);
    return vnic_nl_request(sk, TAKE_PTR(msg), _("cannot add the policing filter"), err);
}

int vnic_tc_police(struct nl_sock *sk, int ifindex, const vnic_tc_rate *r, vnic_error **err)
{
    if (r->rate == 0 || r->rate > UINT32_MAX)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("rate out of range")), -ERANGE;
    _cleanup_(rtnl_qdisc_putp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
    if (!q)
        return no_memory(err);
    rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
    rtnl_tc_set_parent(TC_CAST(q), TC_H_INGRESS);
    rtnl_tc_set_handle(TC_CAST(q), INGRESS_HANDLE);
    int nr = rtnl_tc_set_kind(TC_CAST(q), "ingress");
    struct nl_msg *msg = NULL;
    if (nr >= 0)
        nr = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, &msg);
    if (nr < 0)
        return build_failed(nr, err);
    int rv = vnic_nl_request(sk, msg, _("cannot add the ingress qdisc"), err);
    if (rv < 0)
        return rv;
    return add_police_filter(sk, ifindex, r, err);
}

static int delete_qdisc(struct nl_sock *sk, int ifindex, uint32_t parent, vnic_error **err)
{
    _cleanup_(rtnl_qdisc_putp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
    if (!q)
        return no_memory(err);
    rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
    rtnl_tc_set_parent(TC_CAST(q), parent);
    struct nl_msg *msg = NULL;
    int nr = rtnl_qdisc_build_delete_request(q, &msg);
    if (nr < 0)
        return build_failed(nr, err);
    vnic_error *e = NULL;
    int r = vnic_nl_request(sk, msg, _("cannot remove a qdisc"), &e);
    /* Nothing there: the kernel's default root qdisc has no handle to delete (ENOENT), and a
     * missing ingress qdisc is EINVAL. */
    if (r == -ENOENT || r == -EINVAL) {
        vnic_error_free(e);
        return 0;
    }
    if (r < 0 && err && !*err)
        *err = e;
    else
        vnic_error_free(e);
    return r;
}

int vnic_tc_clear(struct nl_sock *sk, int ifindex, bool egress, bool ingress, vnic_error **err)
{
    int r = 0;
    if (egress)
        r = delete_qdisc(sk, ifindex, TC_H_ROOT, err);
    if (ingress && r == 0)
        r = delete_qdisc(sk, ifindex, TC_H_INGRESS, err);
    return r;
}
