#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <net/if.h>
#include <sys/ioctl.h>

#include <linux/if_link.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/macvtap.h>

#include "i18n.h"
#include "netlink.h"
#include "nl_batch.h"
#include "strutil.h"

VNIC_DEFINE_CLEANUP(struct rtnl_link, rtnl_link_put)
VNIC_DEFINE_CLEANUP(struct nl_cache, nl_cache_free)
VNIC_DEFINE_CLEANUP(struct nl_addr, nl_addr_put)
VNIC_DEFINE_CLEANUP(struct nl_msg, nlmsg_free)

int vnic_nl_errno(int nlerr)
{
    switch (nlerr < 0 ? -nlerr : nlerr) {
    case NLE_SUCCESS:
        return 0;
    case NLE_NOMEM:
        return -ENOMEM;
    case NLE_EXIST:
        return -EEXIST;
    case NLE_NODEV:
    case NLE_OBJ_NOTFOUND:
        return -ENODEV;
    case NLE_PERM:
        return -EPERM;
    case NLE_BUSY:
        return -EBUSY;
    case NLE_OPNOTSUPP:
        return -EOPNOTSUPP;
    case NLE_INVAL:
        return -EINVAL;
    case NLE_RANGE:
        return -ERANGE;
    case NLE_NOACCESS:
        return -EACCES;
    case NLE_AGAIN:
        return -EAGAIN;
    case NLE_MSGSIZE:
        return -EMSGSIZE;
    case NLE_AF_NOSUPPORT:
        return -EAFNOSUPPORT;
    default:
        return -EIO;
    }
}

/* Report a libnl failure with the errno it stands for. */
static int nl_fail(int nlerr, vnic_error **err, const char *what)
{
    int e = vnic_nl_errno(nlerr);
    vnic_error_set_errno(err, -e, "%s", what);
    return e;
}

/* The kernel's own answer to the last request this thread sent (its errno, which libnl folds
 * into coarser codes, and its extended ack message, which libnl drops), kept by on_error. */
static _Thread_local int ack_errno;
static _Thread_local char ack_msg[256];

static void ack_reset(void)
{
    ack_errno = 0;
    ack_msg[0] = '\0';
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
    (void)who;
    (void)arg;
    const struct nlmsghdr *hdr = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
    ack_errno = e->error < 0 ? -e->error : e->error;
    vnic_nl_ext_ack_msg(hdr, hdr->nlmsg_len, ack_msg, sizeof(ack_msg));
    return NL_STOP; /* libnl reports the error as it would without us */
}

/* Report a refused request: the kernel's errno and, where it gave one, its own message. */
static int kernel_fail(int nlerr, vnic_error **err, const char *what)
{
    int e = vnic_nl_errno(nlerr);
    /* Only when the code is the kernel's answer, not a failure of libnl's own. */
    if (ack_errno && nl_syserr2nlerr(ack_errno) == (nlerr < 0 ? -nlerr : nlerr))
        e = -ack_errno;
    if (ack_errno && ack_msg[0])
        vnic_error_set(err, VNIC_ERR_SYSTEM, "%s: %s (%s)", what, ack_msg, strerror(-e));
    else
        vnic_error_set_errno(err, -e, "%s", what);
    if (err && *err)
        (*err)->sys_errno = -e;
    ack_reset();
    return e;
}

int vnic_nl_open(struct nl_sock **ret, vnic_error **err)
{
    struct nl_sock *sk = nl_socket_alloc();
    if (!sk)
        return vnic_error_set_errno(err, ENOMEM, _("cannot allocate a netlink socket")), -ENOMEM;

    int r = nl_connect(sk, NETLINK_ROUTE);
    if (r < 0) {
        nl_socket_free(sk);
        return nl_fail(r, err, _("cannot open a route netlink socket"));
    }
    /* libnl opens its socket without SOCK_CLOEXEC. */
    int fd = nl_socket_get_fd(sk);
    int fl = fcntl(fd, F_GETFD);
    if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0) {
        int e = errno;
        nl_socket_free(sk);
        return vnic_error_set_errno(err, e, _("cannot set close-on-exec on netlink socket")), -e;
    }
    /* The kernel's own words on a refusal (NETLINK_EXT_ACK; older kernels have none). */
    int one = 1;
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    struct nl_cb *cb = nl_socket_get_cb(sk);
    if (cb) {
        nl_cb_err(cb, NL_CB_CUSTOM, on_error, NULL);
        nl_cb_put(cb);
    }
    /* Dumps of many links do not fit the default buffer. */
    nl_socket_set_buffer_size(sk, 1 << 20, 1 << 20);
    nl_socket_set_msg_buf_size(sk, 64 * 1024);
    *ret = sk;
    return 0;
}

const char *vnic_ifname_kernel_refusal(const char *name)
{
    size_t len = strlen(name);
    if (len == 0)
        return _("it allows no empty name");
    if (len >= IF_NAMESIZE)
        return _("it allows at most 15 bytes");
    if (vnic_streq(name, ".") || vnic_streq(name, ".."))
        return _("it allows neither '.' nor '..'");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p == '/' || *p == ':')
            return _("it allows no '/' and no ':'");
        /* The kernel's isspace() is Latin-1's: 0xa0 is a space to it. In UTF-8 that byte
         * ends a non-breaking space (U+00A0) and letters such as 'à' (U+00E0). */
        if ((*p >= '\t' && *p <= '\r') || *p == ' ' || *p == 0xa0)
            return _("it allows no white space, and the byte 0xa0 (in a UTF-8 "
                     "non-breaking space, or in 'à') counts as white space");
    }
    return NULL;
}

void vnic_nl_close(struct nl_sock *sk)
{
    if (sk)
        nl_socket_free(sk);
}

static void fill_info(struct rtnl_link *l, vnic_link_info *info)
{
    memset(info, 0, sizeof(*info));
    info->ifindex = rtnl_link_get_ifindex(l);
    const char *name = rtnl_link_get_name(l);
    vnic_strlcpy(info->name, name ? name : "", sizeof(info->name));
    const char *kind = rtnl_link_get_type(l);
    vnic_strlcpy(info->kind, kind ? kind : "", sizeof(info->kind));
    const char *alias = rtnl_link_get_ifalias(l);
    vnic_strlcpy(info->alias, alias ? alias : "", sizeof(info->alias));
    struct nl_addr *a = rtnl_link_get_addr(l);
    if (a && nl_addr_get_len(a) == 6)
        memcpy(info->mac, nl_addr_get_binary_addr(a), 6);
    info->mtu = rtnl_link_get_mtu(l);
    info->flags = rtnl_link_get_flags(l);
    info->group = rtnl_link_get_group(l);
    info->link = rtnl_link_get_link(l);
    info->macvlan_mode = -1;
    if (kind && vnic_streq(kind, "macvtap"))
        info->macvlan_mode = (int)rtnl_link_macvtap_get_mode(l);
    else if (kind && vnic_streq(kind, "macvlan"))
        info->macvlan_mode = (int)rtnl_link_macvlan_get_mode(l);
    info->num_tx_queues = rtnl_link_get_num_tx_queues(l);
}

unsigned vnic_nl_ifindex(struct nl_sock *sk, const char *name)
{
    if (!sk)
        return if_nametoindex(name);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    if (!vnic_strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name))) {
        errno = ENODEV;
        return 0;
    }
    if (ioctl(nl_socket_get_fd(sk), SIOCGIFINDEX, &ifr) < 0)
        return 0;
    return (unsigned)ifr.ifr_ifindex;
}

int vnic_nl_link_get(struct nl_sock *sk, int ifindex, const char *name, vnic_link_info *ret,
                     vnic_error **err)
{
    _cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL;
    int r = rtnl_link_get_kernel(sk, ifindex > 0 ? ifindex : 0, ifindex > 0 ? NULL : name, &l);
    if (r < 0) {
        int e = vnic_nl_errno(r);
        if (ifindex > 0)
            vnic_error_set_errno(err, -e, _("cannot look up the device with ifindex %d"), ifindex);
        else
            vnic_error_set_errno(err, -e, _("cannot look up device '%s'"), name);
        return e;
    }
    fill_info(l, ret);
    return 0;
}

/* The dump reads every link of the namespace, so it asks for only what vnic_link_info holds:
 * no statistics (RTEXT_FILTER_SKIP_STATS: the kernel then leaves out IFLA_STATS, IFLA_STATS64
 * and the per-address-family ones, most of each message) and no VF information, and it parses
 * the attributes it needs straight from the messages instead of building libnl's link
 * objects and cache (several allocations per link; at 1000 links most of a destroy's time
 * over the floor's). Kernels before 4.x ignore the unknown bit and send the statistics. */
typedef struct {
    vnic_link_info *items;
    size_t n, alloc;
    bool bad;
} dump_acc;

static void nla_str(const struct nlattr *a, char *buf, size_t size)
{
    buf[0] = '\0';
    if (a)
        nla_strlcpy(buf, a, size);
}

static uint32_t nla_u32_or(const struct nlattr *a, uint32_t dflt)
{
    return a && nla_len(a) >= (int)sizeof(uint32_t) ? nla_get_u32(a) : dflt;
}

static int dump_one(struct nl_msg *msg, void *data)
{
    dump_acc *acc = data;
    struct nlmsghdr *hdr = nlmsg_hdr(msg);
    if (hdr->nlmsg_type != RTM_NEWLINK)
        return NL_SKIP;
    struct nlattr *tb[IFLA_MAX + 1];
    if (!nlmsg_valid_hdr(hdr, sizeof(struct ifinfomsg)) ||
        nlmsg_parse(hdr, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0) {
        acc->bad = true;
        return NL_SKIP;
    }
    const struct ifinfomsg *ifi = nlmsg_data(hdr);
    if (acc->n == acc->alloc) {
        acc->alloc = acc->alloc ? acc->alloc * 2 : 64;
        acc->items = vnic_xreallocarray(acc->items, acc->alloc, sizeof(*acc->items));
    }
    vnic_link_info *info = &acc->items[acc->n++];
    memset(info, 0, sizeof(*info));
    info->ifindex = ifi->ifi_index;
    info->flags = ifi->ifi_flags;
    nla_str(tb[IFLA_IFNAME], info->name, sizeof(info->name));
    nla_str(tb[IFLA_IFALIAS], info->alias, sizeof(info->alias));
    if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6)
        memcpy(info->mac, nla_data(tb[IFLA_ADDRESS]), 6);
    info->mtu = nla_u32_or(tb[IFLA_MTU], 0);
    info->group = nla_u32_or(tb[IFLA_GROUP], 0);
    info->link = (int)nla_u32_or(tb[IFLA_LINK], 0);
    info->num_tx_queues = nla_u32_or(tb[IFLA_NUM_TX_QUEUES], 0);
    info->macvlan_mode = -1;

    struct nlattr *li[IFLA_INFO_MAX + 1];
    if (!tb[IFLA_LINKINFO] || nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) < 0)
        return NL_OK;
    nla_str(li[IFLA_INFO_KIND], info->kind, sizeof(info->kind));
    if (!vnic_streq(info->kind, "macvtap") && !vnic_streq(info->kind, "macvlan"))
        return NL_OK;
    /* As libnl read it: 0 when the kernel gives no mode. */
    struct nlattr *md[IFLA_MACVLAN_MAX + 1];
    info->macvlan_mode = 0;
    if (li[IFLA_INFO_DATA] && nla_parse_nested(md, IFLA_MACVLAN_MAX, li[IFLA_INFO_DATA], NULL) == 0)
        info->macvlan_mode = (int)nla_u32_or(md[IFLA_MACVLAN_MODE], 0);
    return NL_OK;
}

/* One dump: the request, then its answers through a copy of the socket's callbacks (the
 * error callback, and libnl's sequence checking against the request just sent). */
static int dump_links(struct nl_sock *sk, dump_acc *acc)
{
    _cleanup_(nlmsg_freep) struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_DUMP);
    if (!msg)
        return -NLE_NOMEM;
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
        nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0)
        return -NLE_NOMEM;
    int r = nl_send_auto(sk, msg);
    if (r < 0)
        return r;
    struct nl_cb *own = nl_socket_get_cb(sk); /* a reference, put back below */
    struct nl_cb *cb = own ? nl_cb_clone(own) : NULL;
    nl_cb_put(own);
    if (!cb)
        return -NLE_NOMEM;
    nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, dump_one, acc);
    r = nl_recvmsgs(sk, cb);
    nl_cb_put(cb);
    return r < 0 ? r : 0;
}

int vnic_nl_link_dump(struct nl_sock *sk, vnic_link_info **ret, size_t *ret_n, vnic_error **err)
{
    dump_acc acc = {0};
    int r;
    /* A dump that links changed under (NLM_F_DUMP_INTR) is asked again, as libnl's cache
     * refill does; the whole answer has been read by then. */
    for (int tries = 0;; tries++) {
        acc.n = 0;
        acc.bad = false;
        ack_reset();
        r = dump_links(sk, &acc);
        if (r != -NLE_DUMP_INTR || tries == 4)
            break;
    }
    if (r == 0 && acc.bad)
        r = -NLE_MSG_TRUNC;
    if (r < 0) {
        free(acc.items);
        return kernel_fail(r, err, _("cannot list network devices"));
    }
    *ret = acc.items;
    *ret_n = acc.n;
    return 0;
}

static int set_mac(struct rtnl_link *l, const uint8_t *mac)
{
    _cleanup_(nl_addr_putp) struct nl_addr *a = nl_addr_build(AF_LLC, mac, 6);
    if (!a)
        return -ENOMEM;
    rtnl_link_set_addr(l, a);
    return 0;
}

int vnic_nl_macvtap_msg(const vnic_nl_macvtap_args *args, struct nl_msg **ret, vnic_error **err)
{
    _cleanup_(rtnl_link_putp) struct rtnl_link *l = rtnl_link_macvtap_alloc();
    if (!l)
        return vnic_error_set_errno(err, ENOMEM, _("cannot allocate a link")), -ENOMEM;

    rtnl_link_set_name(l, args->name);
    rtnl_link_set_link(l, args->lower_ifindex);
    int r = rtnl_link_macvtap_set_mode(l, args->mode);
    if (r < 0)
        return nl_fail(r, err, _("cannot set the macvtap mode"));
    if (args->mac && set_mac(l, args->mac) < 0)
        return vnic_error_set_errno(err, ENOMEM, _("cannot allocate an address")), -ENOMEM;
    if (args->mtu)
        rtnl_link_set_mtu(l, args->mtu);
    if (args->group)
        rtnl_link_set_group(l, args->group);
    r = rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, ret);
    if (r < 0)
        return nl_fail(r, err, _("cannot build a link creation request"));
    return 0;
}

int vnic_nl_macvtap_create(struct nl_sock *sk, const vnic_nl_macvtap_args *args, vnic_error **err)
{
    struct nl_msg *msg = NULL;
    int r = vnic_nl_macvtap_msg(args, &msg, err);
    if (r < 0)
        return r;
    ack_reset();
    r = nl_send_sync(sk, msg);
    if (r < 0)
        return kernel_fail(r, err, _("cannot create the macvtap device"));
    return 0;
}

int vnic_nl_link_change_msg(int ifindex, const vnic_nl_link_change *chg, struct nl_msg **ret,
                            vnic_error **err)
{
    _cleanup_(rtnl_link_putp) struct rtnl_link *orig = rtnl_link_alloc();
    _cleanup_(rtnl_link_putp) struct rtnl_link *l = rtnl_link_alloc();
    if (!orig || !l)
        return vnic_error_set_errno(err, ENOMEM, _("cannot allocate a link")), -ENOMEM;

    rtnl_link_set_ifindex(orig, ifindex);
    if (chg->alias)
        rtnl_link_set_ifalias(l, chg->alias);
    if (chg->mac && set_mac(l, chg->mac) < 0)
        return vnic_error_set_errno(err, ENOMEM, _("cannot allocate an address")), -ENOMEM;
    if (chg->mtu)
        rtnl_link_set_mtu(l, chg->mtu);
    if (chg->set_group)
        rtnl_link_set_group(l, chg->group);
    if (chg->up == 1)
        rtnl_link_set_flags(l, IFF_UP);
    else if (chg->up == 0)
        rtnl_link_unset_flags(l, IFF_UP);

    int r = rtnl_link_build_change_request(orig, l, 0, ret);
    if (r < 0)
        return nl_fail(r, err, _("cannot build a link change request"));
    /* RTM_SETLINK changes an existing device and never creates one. */
    nlmsg_hdr(*ret)->nlmsg_type = RTM_SETLINK;
    return 0;
}

int vnic_nl_link_change_apply(struct nl_sock *sk, int ifindex, const vnic_nl_link_change *chg,
                              vnic_error **err)
{
    struct nl_msg *msg = NULL;
    int r = vnic_nl_link_change_msg(ifindex, chg, &msg, err);
    if (r < 0)
        return r;
    ack_reset();
    r = nl_send_sync(sk, msg);
    if (r < 0)
        return kernel_fail(r, err, _("cannot change the device"));
    return 0;
}

int vnic_nl_link_delete(struct nl_sock *sk, int ifindex, vnic_error **err)
{
    _cleanup_(rtnl_link_putp) struct rtnl_link *l = rtnl_link_alloc();
    if (!l)
        return vnic_error_set_errno(err, ENOMEM, _("cannot allocate a link")), -ENOMEM;
    rtnl_link_set_ifindex(l, ifindex);
    ack_reset();
    int r = rtnl_link_delete(sk, l);
    if (r < 0)
        return kernel_fail(r, err, _("cannot delete the device"));
    return 0;
}

int vnic_nl_group_delete(struct nl_sock *sk, unsigned group, vnic_error **err)
{
    /* The kernel's group deletion: ifindex 0, no name, IFLA_GROUP set. libnl has no builder
     * for it, so the message is made by hand. */
    _cleanup_(nlmsg_freep) struct nl_msg *msg = nlmsg_alloc_simple(RTM_DELLINK, NLM_F_REQUEST);
    if (!msg)
        return vnic_error_set_errno(err, ENOMEM, _("cannot allocate a netlink message")), -ENOMEM;
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
        nla_put_u32(msg, IFLA_GROUP, group) < 0)
        return vnic_error_set_errno(err, ENOMEM, _("cannot build a netlink message")), -ENOMEM;

    ack_reset();
    int r = nl_send_sync(sk, TAKE_PTR(msg));
    if (r < 0)
        return kernel_fail(r, err, _("cannot delete the devices of a group"));
    return 0;
}

int vnic_nl_request(struct nl_sock *sk, struct nl_msg *msg, const char *what, vnic_error **err)
{
    ack_reset();
    int r = nl_send_sync(sk, msg);
    if (r < 0)
        return kernel_fail(r, err, what);
    return 0;
}

/* ---- for the other netlink_*.c files: the kernel's own answer to a request ------------- */

void vnic_nl_ack_reset(void)
{
    ack_reset();
}

int vnic_nl_kernel_fail(int nlerr, vnic_error **err, const char *what)
{
    return kernel_fail(nlerr, err, what);
}
