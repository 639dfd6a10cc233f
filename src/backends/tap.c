/* The tap backend: <interface type='ethernet'> (or 'tap') as a tun/tap device.
 *
 * A tap is made with TUNSETIFF on /dev/net/tun, marked and configured over netlink while
 * vnic's fd still holds it, and only then made persistent: if vnic dies half way, the kernel
 * removes the unfinished tap with the fd. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <linux/if_tun.h>
#include <pwd.h>
#include <string.h>
#include <net/if.h>
#include <unistd.h>

#include <vnic/backend.h>

#include "cleanup.h"
#include "fault.h"
#include "i18n.h"
#include "netlink.h"
#include "nl_batch.h"
#include "strutil.h"
#include "tun.h"

/* The kernel's MAX_TAP_QUEUES. */
#define TAP_MAX_QUEUES 256
#define TAP_MAX_MTU (65535 - 14)
/* The MTU the tun driver gives a new tap (ETH_DATA_LEN). */
#define TAP_DEFAULT_MTU 1500

/* The host side's MAC of a tap: the guest MAC with its first byte 0xFE (0xFA if the guest's
 * already is 0xFE), so the host never claims the guest's own address. */
static void host_mac_of(const uint8_t guest[6], uint8_t ret[6])
{
    memcpy(ret, guest, 6);
    ret[0] = guest[0] == 0xfe ? 0xfa : 0xfe;
}

static int resolve_owner(const vnic_backend_iface *iface, uid_t *ret_uid, gid_t *ret_gid,
                         vnic_error **err)
{
    uid_t uid = (uid_t)-1;
    gid_t gid = (gid_t)-1;
    unsigned long v;

    /* Without vnic:owner the tap belongs to root: a tap without an owner can be attached to
     * by any user who can open /dev/net/tun, and so read or inject the guest's traffic. */
    const char *user = vnic_backend_iface_owner_user(iface);
    const char *group = vnic_backend_iface_owner_group(iface);
    if (!user && !group) {
        *ret_uid = 0;
        *ret_gid = (gid_t)-1;
        return 0;
    }

    if (user) {
        if (vnic_parse_uint(user, 0, 0xfffffffeUL, &v) == 0) {
            uid = (uid_t)v;
        } else {
            /* The _r forms: getpwnam's static buffer is shared by every thread (vnic.h's
             * thread contract lets connections start taps in parallel). */
            struct passwd pwbuf, *pw = NULL;
            char buf[16384];
            if (getpwnam_r(user, &pwbuf, buf, sizeof(buf), &pw) != 0 || !pw)
                return vnic_error_set(err, VNIC_ERR_INVALID, _("unknown user '%s'"), user), -ENOENT;
            uid = pw->pw_uid;
        }
    }
    if (group) {
        if (vnic_parse_uint(group, 0, 0xfffffffeUL, &v) == 0) {
            gid = (gid_t)v;
        } else {
            struct group grbuf, *gr = NULL;
            char buf[16384];
            if (getgrnam_r(group, &grbuf, buf, sizeof(buf), &gr) != 0 || !gr)
                return vnic_error_set(err, VNIC_ERR_INVALID, _("unknown group '%s'"), group),
                       -ENOENT;
            gid = gr->gr_gid;
        }
    }
    *ret_uid = uid;
    *ret_gid = gid;
    return 0;
}

static int tap_verify(const vnic_backend_env *env, const vnic_backend_iface *iface,
                      vnic_error **err)
{
    unsigned features;
    int r = vnic_tun_features(&features, err);
    if (r < 0)
        return r;

    if (vnic_backend_iface_vnet_hdr(iface) && !(features & IFF_VNET_HDR))
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                              _("the kernel's tun driver has no IFF_VNET_HDR, needed for "
                                "model '%s'"),
                              vnic_backend_iface_model(iface)),
               -EOPNOTSUPP;
    if (vnic_backend_iface_queues(iface) > 1 && !(features & IFF_MULTI_QUEUE))
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                              _("the kernel's tun driver has no IFF_MULTI_QUEUE, needed for "
                                "%u queues"),
                              vnic_backend_iface_queues(iface)),
               -EOPNOTSUPP;
    if (vnic_backend_iface_queues(iface) > TAP_MAX_QUEUES)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("%u queues asked for, but the kernel allows at most %d per "
                                "tap"),
                              vnic_backend_iface_queues(iface), TAP_MAX_QUEUES),
               -EINVAL;

    /* The tun driver's largest MTU: 65535 less the Ethernet header. */
    if (vnic_backend_iface_mtu(iface) > TAP_MAX_MTU)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("MTU %u is larger than a tap allows (%d)"),
                              vnic_backend_iface_mtu(iface), TAP_MAX_MTU),
               -EINVAL;

    uid_t uid;
    gid_t gid;
    return resolve_owner(iface, &uid, &gid, err);
}

/* managed='no': the tap exists and is used as it is. */
static int tap_adopt_unmanaged(const vnic_backend_env *env, const vnic_backend_iface *iface,
                               const vnic_backend_create_args *args, vnic_iface_runtime *rt,
                               vnic_error **err)
{
    vnic_link_info info;
    int r = vnic_nl_link_get(env->nl, 0, args->name, &info, err);
    if (r == -ENODEV) {
        vnic_error_free(*err);
        *err = NULL;
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("device '%s' does not exist (managed='no' uses an existing "
                                "tap)"),
                              args->name),
               -ENODEV;
    }
    if (r < 0)
        return r;

    unsigned flags;
    r = vnic_tun_device_flags(args->name, &flags, err);
    if (r < 0)
        return r;
    if (!(flags & IFF_TAP))
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("device '%s' is a tun device, not a tap device"), args->name),
               -EINVAL;

    bool mq = flags & IFF_MULTI_QUEUE;
    unsigned want = vnic_backend_iface_queues(iface);
    if (want > 1 && !mq)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("tap '%s' was made with a single queue, but the XML asks for %u "
                                "queues"),
                              args->name, want),
               -EINVAL;

    memset(rt, 0, sizeof(*rt));
    vnic_strlcpy(rt->name, args->name, sizeof(rt->name));
    rt->ifindex = info.ifindex;
    rt->queues = want;
    rt->multi_queue = mq;
    rt->vnet_hdr = vnic_backend_iface_vnet_hdr(iface);
    rt->created = false;
    memcpy(rt->mac, info.mac, 6);
    rt->mtu = info.mtu;
    return 0;
}

/* A tap between its TUNSETIFF and its TUNSETPERSIST: vnic's fd keeps it alive, and closing
 * the fd before TUNSETPERSIST removes it. */
typedef struct {
    int fd;
    unsigned ifindex;
    uint8_t host_mac[6];
    vnic_tun_open_args oa;
} tap_new;

/* Make the tap and give it its owner; the rest is netlink's (tap_change) and then
 * tap_complete's. On failure nothing is left (t->fd is -1). */
static int tap_begin(const vnic_backend_env *env, const vnic_backend_iface *iface,
                     const vnic_backend_create_args *args, tap_new *t, vnic_error **err)
{
    t->fd = -1;
    uid_t uid;
    gid_t gid;
    int r = resolve_owner(iface, &uid, &gid, err);
    if (r < 0)
        return r;

    t->oa = (vnic_tun_open_args){
        .name = args->name,
        .vnet_hdr = vnic_backend_iface_vnet_hdr(iface),
        .multi_queue = vnic_backend_iface_queues(iface) > 1,
        .exclusive = true,
        .path = vnic_backend_iface_tap_path(iface),
    };
    _cleanup_close_ int fd = -1;
    r = vnic_tun_open(&t->oa, &fd, err);
    if (r == -EEXIST && !args->name_from_template) {
        vnic_error_free(*err);
        *err = NULL;
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("device '%s' already exists (use managed='no' to use an "
                                "existing tap as it is)"),
                              args->name),
               -EEXIST;
    }
    if (r < 0)
        return r;

    /* Killed here, the kernel removes the tap with vnic's fd: it is not persistent yet. */
    vnic_fault_step("tap: made, not yet persistent");

    r = vnic_tun_set_owner(fd, uid, gid, err);
    if (r < 0)
        return r;

    /* The ifindex by ioctl: an RTM_GETLINK would make the kernel settle the new device's
     * pending link events first, which costs more than making it. */
    t->ifindex = vnic_nl_ifindex(env->nl, args->name);
    if (!t->ifindex)
        return vnic_error_set_errno(err, errno, _("cannot find tap '%s' just made"), args->name),
               -ENODEV;
    host_mac_of(args->guest_mac, t->host_mac);
    t->fd = TAKE_FD(fd);
    return 0;
}

/* Mark, MAC, MTU, group and link state: one request. */
static vnic_nl_link_change tap_change(const vnic_backend_iface *iface,
                                      const vnic_backend_create_args *args, const tap_new *t)
{
    return (vnic_nl_link_change){
        .alias = args->mark,
        .mac = t->host_mac,
        .mtu = vnic_backend_iface_mtu(iface),
        .set_group = args->group != 0,
        .group = args->group,
        .up = vnic_backend_iface_link_up(iface) ? 1 : 0,
    };
}

/* Make the configured tap persistent and say what it is. The fd is closed in every case:
 * after a failure the tap goes with it. */
static int tap_complete(const vnic_backend_iface *iface, const vnic_backend_create_args *args,
                        tap_new *t, vnic_iface_runtime *rt, vnic_error **err)
{
    _cleanup_close_ int fd = TAKE_FD(t->fd);
    int r = vnic_tun_set_persist(fd, true, err);
    if (r < 0)
        return r;

    memset(rt, 0, sizeof(*rt));
    vnic_strlcpy(rt->name, args->name, sizeof(rt->name));
    rt->ifindex = (int)t->ifindex;
    rt->queues = vnic_backend_iface_queues(iface);
    rt->multi_queue = t->oa.multi_queue;
    rt->vnet_hdr = t->oa.vnet_hdr;
    rt->created = true;
    memcpy(rt->mac, t->host_mac, 6);
    rt->mtu = vnic_backend_iface_mtu(iface) ? vnic_backend_iface_mtu(iface) : TAP_DEFAULT_MTU;
    return 0;
}

static int tap_create(const vnic_backend_env *env, const vnic_backend_iface *iface,
                      const vnic_backend_create_args *args, vnic_iface_runtime *rt,
                      vnic_error **err)
{
    if (!vnic_backend_iface_managed(iface))
        return tap_adopt_unmanaged(env, iface, args, rt, err);

    tap_new t;
    int r = tap_begin(env, iface, args, &t, err);
    if (r < 0)
        return r;
    vnic_nl_link_change chg = tap_change(iface, args, &t);
    r = vnic_nl_link_change_apply(env->nl, (int)t.ifindex, &chg, err);
    if (r < 0) {
        close(t.fd);
        return vnic_error_prefix(err, _("configuring tap '%s'"), args->name), r;
    }
    return tap_complete(iface, args, &t, rt, err);
}

/* One chunk of create_batch: every tap made (TUNSETIFF, one by one: an ioctl each), their
 * netlink changes sent together, then each acknowledged one made persistent; one whose
 * change was refused is closed, which removes it (it is not persistent yet). */
static void tap_batch_chunk(const vnic_backend_env *env, size_t n,
                            const vnic_backend_iface *const *ifaces,
                            const vnic_backend_create_args *args, vnic_iface_runtime *rts,
                            int *results, vnic_error **errs)
{
    _cleanup_free_ vnic_nl_batch *b = vnic_xcalloc(1, sizeof(*b));
    tap_new t[VNIC_NL_BATCH_MAX];
    int req[VNIC_NL_BATCH_MAX]; /* device i's request in b, or -1 */
    for (size_t i = 0; i < n; i++) {
        req[i] = -1;
        t[i].fd = -1;
        if (!vnic_backend_iface_managed(ifaces[i])) {
            results[i] = -EOPNOTSUPP;
            continue;
        }
        if ((results[i] = tap_begin(env, ifaces[i], &args[i], &t[i], &errs[i])) < 0)
            continue;
        vnic_nl_link_change chg = tap_change(ifaces[i], &args[i], &t[i]);
        struct nl_msg *msg = NULL;
        if ((results[i] = vnic_nl_link_change_msg((int)t[i].ifindex, &chg, &msg, &errs[i])) < 0) {
            close(TAKE_FD(t[i].fd));
            continue;
        }
        if ((req[i] = vnic_nl_batch_add(b, msg)) < 0) {
            close(TAKE_FD(t[i].fd));
            results[i] = req[i];
        }
    }

    _cleanup_error_ vnic_error *berr = NULL;
    int r = vnic_nl_batch_run(env->nl, b, &berr);
    for (size_t i = 0; i < n; i++) {
        if (req[i] < 0)
            continue;
        if (r < 0) {
            close(TAKE_FD(t[i].fd));
            results[i] = r;
            continue;
        }
        results[i] = vnic_nl_batch_fail(b, (size_t)req[i], _("cannot change the device"), &errs[i]);
        if (results[i] < 0) {
            close(TAKE_FD(t[i].fd));
            vnic_error_prefix(&errs[i], _("configuring tap '%s'"), args[i].name);
            continue;
        }
        results[i] = tap_complete(ifaces[i], &args[i], &t[i], &rts[i], &errs[i]);
    }
}

static int tap_create_batch(const vnic_backend_env *env, size_t n,
                            const vnic_backend_iface *const *ifaces,
                            const vnic_backend_create_args *args, vnic_iface_runtime *rts,
                            int *results, vnic_error **errs, vnic_error **err)
{
    (void)err; /* every failure is one device's */
    vnic_nl_batch_chunks(env, n, ifaces, args, rts, results, errs, tap_batch_chunk);
    return 0;
}

/* Attaching by name creates a fresh tap if ours vanished. Such a tap is not persistent (and
 * goes away when the fd is closed), and has another ifindex: refuse it. Checked with ioctls
 * rather than a netlink request, which would make the kernel settle the device's pending
 * link events first and cost more than the attach itself. */
static int check_attached(const vnic_backend_env *env, int fd, const vnic_iface_runtime *rt,
                          vnic_error **err)
{
    unsigned flags;
    if (vnic_tun_get_flags(fd, &flags, err) < 0)
        return -EIO;
    unsigned ifindex = vnic_nl_ifindex(env->nl, rt->name);
    if (!(flags & IFF_PERSIST) || ifindex != (unsigned)rt->ifindex) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("tap '%s' is gone (it is not the device vnic made)"), rt->name);
        return -ENODEV;
    }
    return 0;
}

static int tap_open_queues(const vnic_backend_env *env, const vnic_backend_iface *iface,
                           const vnic_iface_runtime *rt, int *fds, vnic_error **err)
{
    vnic_tun_open_args oa = {
        .name = rt->name,
        .vnet_hdr = rt->vnet_hdr,
        .multi_queue = rt->multi_queue,
        .path = vnic_backend_iface_tap_path(iface),
    };
    int sndbuf = 0;
    bool have_sndbuf = vnic_backend_iface_sndbuf(iface, &sndbuf);
    for (unsigned i = 0; i < rt->queues; i++)
        fds[i] = -1;

    int r;
    for (unsigned i = 0; i < rt->queues; i++) {
        r = vnic_tun_open(&oa, &fds[i], err);
        /* <tune><sndbuf>: per queue, since the send buffer belongs to the fd's socket. */
        if (r == 0 && have_sndbuf && (r = vnic_tun_set_sndbuf(fds[i], sndbuf, err)) < 0) {
            close(fds[i]);
            fds[i] = -1;
        }
        if (r < 0) {
            vnic_error_prefix(err, _("opening queue %u of %u"), i + 1, rt->queues);
            vnic_close_fds(fds, i);
            return r;
        }
        if (i == 0 && (r = check_attached(env, fds[0], rt, err)) < 0) {
            vnic_close_fds(fds, 1);
            return r;
        }
    }
    return 0;
}

/* Is the device vnic made still there, and still vnic's? Looked up by ifindex first (a tap
 * renamed by hand keeps its ifindex), then by name. -ENODEV when gone. */
static int check_ours(const vnic_backend_env *env, const vnic_iface_runtime *rt, const char *mark,
                      vnic_link_info *info, vnic_error **err)
{
    int r = -ENODEV;
    if (rt->ifindex > 0) {
        vnic_error *e = NULL;
        r = vnic_nl_link_get(env->nl, rt->ifindex, NULL, info, &e);
        if (r == 0 && !vnic_streq(info->alias, mark) && !vnic_streq(info->name, rt->name))
            r = -ENODEV; /* the ifindex was reused by an unrelated device */
        if (r < 0 && r != -ENODEV) {
            *err = e;
            return r;
        }
        vnic_error_free(e);
    }
    if (r == -ENODEV)
        r = vnic_nl_link_get(env->nl, 0, rt->name, info, err);
    if (r < 0)
        return r;
    if (!vnic_streq(info->alias, mark)) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("device '%s' does not carry vnic's mark '%s' (its alias is '%s'); "
                         "it is left alone"),
                       info->name, mark, info->alias);
        return -EPERM;
    }
    return 0;
}

static int tap_destroy(const vnic_backend_env *env, const vnic_iface_runtime *rt, const char *mark,
                       vnic_error **err)
{
    if (!rt->created)
        return 0;

    vnic_link_info info;
    int r = check_ours(env, rt, mark, &info, err);
    if (r == -ENODEV) {
        vnic_error_free(*err);
        *err = NULL;
        return 0;
    }
    if (r < 0)
        return r;

    r = vnic_nl_link_delete(env->nl, info.ifindex, err);
    if (r == -ENODEV) {
        vnic_error_free(*err);
        *err = NULL;
        return 0;
    }
    if (r < 0)
        return vnic_error_prefix(err, _("deleting tap '%s'"), rt->name), r;
    return 0;
}

static int tap_adopt(const vnic_backend_env *env, const char *mark, vnic_iface_runtime *rt,
                     vnic_error **err)
{
    vnic_link_info info;
    int r = rt->created ? check_ours(env, rt, mark, &info, err)
                        : vnic_nl_link_get(env->nl, 0, rt->name, &info, err);
    if (r < 0)
        return r;
    if (!vnic_streq(info.kind, "tun"))
        return vnic_error_set(err, VNIC_ERR_INVALID, _("device '%s' is not a tap device"),
                              rt->name),
               -EINVAL;
    rt->ifindex = info.ifindex;
    return 0;
}

__attribute__((visibility("default"))) const vnic_backend_ops vnic_backend = {
    .abi_version = VNIC_BACKEND_ABI_VERSION,
    .name = "tap",
    .type = VNIC_BACKEND_TYPE_ETHERNET,
    .default_template = "vnet%d",
    .verify = tap_verify,
    .create = tap_create,
    .open_queues = tap_open_queues,
    .destroy = tap_destroy,
    .adopt = tap_adopt,
    .create_batch = tap_create_batch,
};
