/* The macvtap backend: <interface type='direct'>, a macvtap on a lower device.
 *
 * Macvtaps are made over rtnetlink and outlive their fds, so everything here is undone
 * explicitly, and only on devices that carry vnic's mark. Their queues are opened through a
 * private node of the device's own character device (see devnode.h). */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include <vnic/backend.h>

#include "cleanup.h"
#include "fault.h"
#include "devnode.h"
#include "i18n.h"
#include "ifname.h"
#include "log.h"
#include "netlink.h"
#include "nl_batch.h"
#include "strutil.h"
#include "tun.h"

#define MACVTAP_KIND "macvtap"

/* How many device names a "does not exist" message suggests at most. */
#define SUGGEST_MAX 8
/* The kernel's MAX_TAP_QUEUES, which macvtap shares. */
#define MACVTAP_MAX_QUEUES 256

static const unsigned kernel_mode[VNIC_BACKEND_MODE_LAST] = {
    [VNIC_BACKEND_MODE_VEPA] = MACVLAN_MODE_VEPA,
    [VNIC_BACKEND_MODE_BRIDGE] = MACVLAN_MODE_BRIDGE,
    [VNIC_BACKEND_MODE_PRIVATE] = MACVLAN_MODE_PRIVATE,
    [VNIC_BACKEND_MODE_PASSTHROUGH] = MACVLAN_MODE_PASSTHRU,
};

static bool mac_eq(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, 6) == 0;
}

static void mac_format(const uint8_t mac[6], char buf[static 18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

static bool is_macvlan_kind(const char *kind)
{
    return vnic_streq(kind, "macvtap") || vnic_streq(kind, "macvlan");
}

/* Move a local error out to the caller's, unless the caller already has one. */
static void error_pass(vnic_error **err, vnic_error **local)
{
    if (err && !*err)
        *err = *local;
    else
        vnic_error_free(*local);
    *local = NULL;
}

/* vnic_nl_link_get, but a missing device is an answer rather than an error: -ENODEV with
 * *err untouched. */
static int link_get_opt(struct nl_sock *nl, int ifindex, const char *name, vnic_link_info *ret,
                        vnic_error **err)
{
    _cleanup_error_ vnic_error *e = NULL;
    int r = vnic_nl_link_get(nl, ifindex, name, ret, &e);
    if (r < 0 && r != -ENODEV)
        error_pass(err, &e);
    return r;
}

/* Does the process run in the network namespace of process 1 (the host's, or the
 * container's)? Unknown counts as yes: the hint it drives is then simply not given. */
static bool in_init_netns(void)
{
    struct stat self, init;
    if (stat("/proc/self/ns/net", &self) < 0 || stat("/proc/1/ns/net", &init) < 0)
        return true;
    return self.st_dev == init.st_dev && self.st_ino == init.st_ino;
}

/* Explain a lower device that netlink does not know, as helpfully as we can see. */
static int lower_missing(const vnic_backend_env *env, const char *name, vnic_error **err)
{
    /* /sys answering for a name netlink does not know means /sys was mounted in another
     * network namespace, which has the device. */
    if (!vnic_ifname_check(name)) {
        char path[64];
        snprintf(path, sizeof(path), "/sys/class/net/%s", name);
        if (access(path, F_OK) == 0) {
            vnic_error_set(err, VNIC_ERR_INVALID,
                           _("lower device '%s' does not exist in this network namespace (it "
                             "exists in the network namespace /sys was mounted in)"),
                           name);
            return -ENODEV;
        }
    }
    if (!in_init_netns()) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("lower device '%s' does not exist in this network namespace (which "
                         "is not the one of process 1)"),
                       name);
        return -ENODEV;
    }

    /* Probably a typo: name the devices that could be a lower device. */
    _cleanup_free_ vnic_link_info *links = NULL;
    size_t n = 0;
    _cleanup_error_ vnic_error *e = NULL;
    _cleanup_free_ char *list = NULL;
    unsigned shown = 0;
    if (vnic_nl_link_dump(env->nl, &links, &n, &e) == 0) {
        for (size_t i = 0; i < n; i++) {
            if ((links[i].flags & IFF_LOOPBACK) || is_macvlan_kind(links[i].kind) ||
                vnic_streq(links[i].kind, "tun"))
                continue;
            char *next;
            if (shown == SUGGEST_MAX)
                next = vnic_xasprintf("%s, ...", list);
            else
                next = list ? vnic_xasprintf("%s, %s", list, links[i].name)
                            : vnic_xstrdup(links[i].name);
            free(list);
            list = next;
            if (++shown > SUGGEST_MAX)
                break;
        }
    }
    if (list)
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("lower device '%s' does not exist (devices here: %s)"), name, list);
    else
        vnic_error_set(err, VNIC_ERR_INVALID, _("lower device '%s' does not exist"), name);
    return -ENODEV;
}

static int lower_get(const vnic_backend_env *env, const char *name, vnic_link_info *ret,
                     vnic_error **err)
{
    if (!name) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("a direct interface needs a lower device (<source dev='...'/>)"));
        return -EINVAL;
    }
    /* The operation's snapshot answers without another request to the kernel. */
    const vnic_link_info *snap = vnic_backend_env_find_link(env, name);
    if (snap) {
        *ret = *snap;
        return 0;
    }
    int r = link_get_opt(env->nl, 0, name, ret, err);
    if (r == -ENODEV)
        return lower_missing(env, name, err);
    if (r < 0)
        return vnic_error_prefix(err, _("cannot look up lower device '%s'"), name), r;
    return 0;
}

/* Everything the kernel would refuse about putting this macvtap on LOWER, said in words
 * (the kernel only says EINVAL or EADDRINUSE). MAC is the guest's, or NULL if unknown. */
static int lower_check(const vnic_backend_env *env, const vnic_backend_iface *iface,
                       const uint8_t *mac, const vnic_link_info *lower, vnic_error **err)
{
    bool passthrough = vnic_backend_iface_source_mode(iface) == VNIC_BACKEND_MODE_PASSTHROUGH;
    char buf[18];

    if (lower->flags & IFF_LOOPBACK) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("lower device '%s' is a loopback device; a macvtap needs an Ethernet "
                         "device"),
                       lower->name);
        return -EINVAL;
    }
    unsigned mtu = vnic_backend_iface_mtu(iface);
    if (mtu && mtu > lower->mtu) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("mtu %u is larger than the mtu %u of lower device '%s'"), mtu, lower->mtu,
                       lower->name);
        return -EINVAL;
    }
    /* Outside passthrough the macvtap's MAC must differ from the lower device's; the kernel
     * refuses to bring it up otherwise. */
    if (mac && !passthrough && mac_eq(mac, lower->mac)) {
        mac_format(mac, buf);
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("MAC %s is the address of lower device '%s' itself"), buf, lower->name);
        return -EADDRINUSE;
    }

    _cleanup_free_ vnic_link_info *own = NULL;
    const vnic_link_info *links = env->links;
    size_t n = env->nlinks;
    if (!links) {
        int r = vnic_nl_link_dump(env->nl, &own, &n, err);
        if (r < 0)
            return r;
        links = own;
    }
    for (size_t i = 0; i < n; i++) {
        const vnic_link_info *u = &links[i];
        if (!is_macvlan_kind(u->kind) || u->link != lower->ifindex)
            continue;
        /* Passthrough gives the whole lower device to one macvtap: none may share it. */
        if (passthrough) {
            vnic_error_set(err, VNIC_ERR_INVALID,
                           _("lower device '%s' already has the %s device '%s'; passthrough "
                             "mode needs the lower device to itself"),
                           lower->name, u->kind, u->name);
            return -EBUSY;
        }
        if (u->macvlan_mode == MACVLAN_MODE_PASSTHRU) {
            vnic_error_set(err, VNIC_ERR_INVALID,
                           _("lower device '%s' is taken by '%s' in passthrough mode"), lower->name,
                           u->name);
            return -EBUSY;
        }
        if (mac && mac_eq(mac, u->mac)) {
            mac_format(mac, buf);
            vnic_error_set(err, VNIC_ERR_INVALID,
                           _("MAC %s is already used by '%s' on lower device '%s'"), buf, u->name,
                           lower->name);
            return -EADDRINUSE;
        }
    }
    return 0;
}

/* After the kernel refused something, replace its terse error with lower_check's reason if
 * lower_check finds one. */
static void explain(const vnic_backend_env *env, const vnic_backend_iface *iface,
                    const uint8_t *mac, const vnic_link_info *lower, vnic_error **kernel_err,
                    vnic_error **err)
{
    /* The links as they are now, not the operation's snapshot: the devices this operation made
     * since (another interface on the same lower device) may be the reason. */
    vnic_backend_env now = *env;
    now.links = NULL;
    now.nlinks = 0;
    _cleanup_error_ vnic_error *why = NULL;
    int r = lower_check(&now, iface, mac, lower, &why);
    if (r == -EINVAL || r == -EBUSY || r == -EADDRINUSE)
        error_pass(err, &why);
    else
        error_pass(err, kernel_err);
}

/* The existing macvtap NAME, for managed='no'. */
static int unmanaged_get(const vnic_backend_env *env, const vnic_backend_iface *iface,
                         const char *name, vnic_link_info *ret, vnic_error **err)
{
    if (!name || vnic_ifname_is_template(name)) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("managed='no' needs <target dev='NAME'/> naming an existing macvtap"));
        return -EINVAL;
    }
    vnic_link_info info;
    int r = link_get_opt(env->nl, 0, name, &info, err);
    if (r == -ENODEV) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("device '%s' does not exist (with managed='no' the macvtap must exist "
                         "already)"),
                       name);
        return r;
    }
    if (r < 0)
        return vnic_error_prefix(err, _("cannot look up device '%s'"), name), r;
    if (!vnic_streq(info.kind, MACVTAP_KIND)) {
        vnic_error_set(err, VNIC_ERR_INVALID, _("device '%s' is not a macvtap (its kind is '%s')"),
                       name, info.kind[0] ? info.kind : "none");
        return -EINVAL;
    }
    if (vnic_backend_iface_source_dev(iface)) {
        vnic_link_info lower;
        r = lower_get(env, vnic_backend_iface_source_dev(iface), &lower, err);
        if (r < 0)
            return r;
        if (info.link != lower.ifindex) {
            vnic_error_set(err, VNIC_ERR_INVALID, _("macvtap '%s' is not on lower device '%s'"),
                           name, vnic_backend_iface_source_dev(iface));
            return -EINVAL;
        }
    }
    *ret = info;
    return 0;
}

static int macvtap_verify(const vnic_backend_env *env, const vnic_backend_iface *iface,
                          vnic_error **err)
{
    if (vnic_backend_iface_type(iface) != VNIC_BACKEND_TYPE_DIRECT) {
        vnic_error_set(err, VNIC_ERR_INTERNAL,
                       _("the macvtap backend got an interface of another type (%d)"),
                       (int)vnic_backend_iface_type(iface));
        return -EINVAL;
    }
    if (vnic_backend_iface_queues(iface) > MACVTAP_MAX_QUEUES) {
        vnic_error_set(err, VNIC_ERR_INVALID, _("a macvtap has at most %d queues, not %u"),
                       MACVTAP_MAX_QUEUES, vnic_backend_iface_queues(iface));
        return -ERANGE;
    }
    if ((unsigned)vnic_backend_iface_source_mode(iface) >= VNIC_BACKEND_MODE_LAST) {
        vnic_error_set(err, VNIC_ERR_INTERNAL, _("invalid macvtap mode %d"),
                       (int)vnic_backend_iface_source_mode(iface));
        return -EINVAL;
    }

    if (!vnic_backend_iface_managed(iface)) {
        vnic_link_info info;
        return unmanaged_get(env, iface, vnic_backend_iface_target_dev(iface), &info, err);
    }

    vnic_link_info lower;
    int r = lower_get(env, vnic_backend_iface_source_dev(iface), &lower, err);
    if (r < 0)
        return r;
    uint8_t mac[6];
    return lower_check(env, iface, vnic_backend_iface_mac(iface, mac) ? mac : NULL, &lower, err);
}

/* Put the lower device's MAC back after passthrough, if it still has the one vnic gave it.
 * The kernel restores it itself when the macvtap goes, so this is usually a no-op; any other
 * MAC was set by someone else after us and is left alone. A lower device that is gone is
 * fine. */
static int lower_mac_restore(const vnic_backend_env *env, const vnic_iface_runtime *rt,
                             vnic_error **err)
{
    if (!rt->saved_lower_mac || rt->lower_ifindex <= 0)
        return 0;
    vnic_link_info lower;
    int r = link_get_opt(env->nl, rt->lower_ifindex, NULL, &lower, err);
    if (r == -ENODEV)
        return 0;
    if (r < 0)
        return r;
    if (mac_eq(lower.mac, rt->lower_mac))
        return 0;
    if (!mac_eq(lower.mac, rt->mac)) {
        VNIC_DEBUG("lower device %s has a MAC vnic did not give it; leaving it", lower.name);
        return 0;
    }
    const vnic_nl_link_change chg = {.mac = rt->lower_mac, .up = -1};
    r = vnic_nl_link_change_apply(env->nl, lower.ifindex, &chg, err);
    if (r < 0) {
        char buf[18];
        mac_format(rt->lower_mac, buf);
        return vnic_error_prefix(err, _("cannot give lower device '%s' its MAC %s back"),
                                 lower.name, buf),
               r;
    }
    return 0;
}

/* Undo a create that failed half way: the device goes, and so does the lower MAC change. */
static void create_rollback(const vnic_backend_env *env, const vnic_iface_runtime *rt)
{
    _cleanup_error_ vnic_error *e = NULL;
    if (vnic_nl_link_delete(env->nl, rt->ifindex, &e) < 0 && e)
        VNIC_WARN("cannot delete %s after a failed create: %s", rt->name, e->message);
    vnic_error_free(e);
    e = NULL;
    if (lower_mac_restore(env, rt, &e) < 0 && e)
        VNIC_WARN("%s", e->message);
}

/* Explain why the kernel refused to create the device. */
static int create_refused(const vnic_backend_env *env, const vnic_backend_iface *iface,
                          const vnic_backend_create_args *args, const vnic_link_info *lower, int r,
                          vnic_error **nlerr, vnic_error **err)
{
    if (r == -EEXIST) {
        /* The driver tries the next name of a template on -EEXIST; our message is for a
         * name the user chose. */
        vnic_link_info other;
        if (link_get_opt(env->nl, 0, args->name, &other, NULL) == 0) {
            vnic_error_set(err, VNIC_ERR_INVALID, _("device '%s' already exists"), args->name);
            return -EEXIST;
        }
    }
    /* A name the kernel does not take for a new device: its refusal, said as such. */
    const char *why = NULL;
    if (r == -EINVAL && (why = vnic_ifname_kernel_refusal(args->name)) &&
        link_get_opt(env->nl, 0, args->name, &(vnic_link_info){0}, NULL) == -ENODEV) {
        vnic_error_set_errno(err, EINVAL, _("the kernel refused the name of macvtap '%s': %s"),
                             args->name, why);
        return -EINVAL;
    }
    /* The kernel says little more than EINVAL: look for the reason ourselves. */
    explain(env, iface, args->guest_mac, lower, nlerr, err);
    vnic_error_prefix(err, _("cannot create macvtap '%s' on '%s'"), args->name, lower->name);
    return r == -EEXIST ? -EIO : r;
}

/* The steps after the device exists: mark, MAC (passthrough), link state, read back. */
static int create_finish(const vnic_backend_env *env, const vnic_backend_iface *iface,
                         const vnic_backend_create_args *args, const vnic_link_info *lower,
                         vnic_iface_runtime *rt, vnic_error **err)
{
    char buf[18];

    bool passthrough = vnic_backend_iface_source_mode(iface) == VNIC_BACKEND_MODE_PASSTHROUGH;
    bool up = vnic_backend_iface_link_up(iface);

    /* The mark first: from here on reconcile can prove the device is vnic's even if we die
     * before the end. Outside passthrough it goes with bringing the device up, in one
     * request; the kernel sets the alias before it changes the flags. */
    const vnic_nl_link_change mark = {.alias = args->mark, .up = !passthrough && up ? 1 : -1};
    _cleanup_error_ vnic_error *merr = NULL;
    int r = vnic_nl_link_change_apply(env->nl, rt->ifindex, &mark, &merr);
    if (r < 0 && mark.up == 1) {
        /* Typically EADDRINUSE: the kernel checks the MAC against the lower device and its
         * other macvlans only when it goes up. Say so if that is it. */
        explain(env, iface, args->guest_mac, lower, &merr, err);
        return vnic_error_prefix(err, _("cannot bring '%s' up"), rt->name), r;
    }
    if (r < 0) {
        error_pass(err, &merr);
        return vnic_error_prefix(err, _("cannot mark '%s'"), rt->name), r;
    }

    /* Passthrough: the kernel ignores the MAC given at creation and makes the macvtap inherit
     * the lower device's. Setting the macvtap's MAC afterwards sets the lower device's too
     * (the kernel forwards it), which is what passthrough means: the guest's MAC on the
     * wire. Should a kernel not forward it, the lower device is set directly. */
    if (passthrough && args->guest_mac) {
        mac_format(args->guest_mac, buf);
        const vnic_nl_link_change chg = {.mac = args->guest_mac, .up = -1};
        r = vnic_nl_link_change_apply(env->nl, rt->ifindex, &chg, err);
        if (r < 0)
            return vnic_error_prefix(err, _("cannot give '%s' the guest's MAC %s"), rt->name, buf),
                   r;
        vnic_link_info cur;
        r = vnic_nl_link_get(env->nl, lower->ifindex, NULL, &cur, err);
        if (r < 0)
            return r;
        if (!mac_eq(cur.mac, args->guest_mac)) {
            VNIC_DEBUG("kernel left lower device %s's MAC alone; setting it", cur.name);
            r = vnic_nl_link_change_apply(env->nl, cur.ifindex, &chg, err);
            if (r < 0)
                return vnic_error_prefix(err,
                                         _("cannot give lower device '%s' the guest's MAC %s "
                                           "(passthrough mode)"),
                                         cur.name, buf),
                       r;
        }
    }

    /* Up unless <link state='down'/>: a macvtap that is down drops whatever the guest sends
     * and receives nothing, and the launcher (QEMU) only opens the fds, never brings the
     * device up. libvirt makes the same choice. With state down the device stays down; the
     * guest-side link state is the launcher's business. */
    if (passthrough && up) {
        const vnic_nl_link_change chg_up = {.up = 1};
        _cleanup_error_ vnic_error *e = NULL;
        r = vnic_nl_link_change_apply(env->nl, rt->ifindex, &chg_up, &e);
        if (r < 0) {
            /* Typically EADDRINUSE: the kernel checks the MAC against the lower device and
             * its other macvlans only now. Say so if that is it. */
            explain(env, iface, args->guest_mac, lower, &e, err);
            return vnic_error_prefix(err, _("cannot bring '%s' up"), rt->name), r;
        }
    }

    /* What the device is now, for the record, without asking the kernel again: the guest's
     * MAC (passthrough gave it to the device too), and its MTU or the lower device's. */
    if (args->guest_mac)
        memcpy(rt->mac, args->guest_mac, 6);
    unsigned mtu = vnic_backend_iface_mtu(iface);
    rt->mtu = mtu ? mtu : lower->mtu;
    return 0;
}

/* managed='no': use the existing device as it is, changing nothing. */
static int create_unmanaged(const vnic_backend_env *env, const vnic_backend_iface *iface,
                            const vnic_backend_create_args *args, vnic_iface_runtime *rt,
                            vnic_error **err)
{
    const char *name = args->name ? args->name : vnic_backend_iface_target_dev(iface);
    vnic_link_info info;
    int r = unmanaged_get(env, iface, name, &info, err);
    if (r < 0)
        return r;
    *rt = (vnic_iface_runtime){
        .ifindex = info.ifindex,
        .queues = vnic_backend_iface_queues(iface),
        .vnet_hdr = vnic_backend_iface_vnet_hdr(iface),
        .created = false,
        .mtu = info.mtu,
        .lower_ifindex = info.link,
    };
    vnic_strlcpy(rt->name, info.name, sizeof(rt->name));
    memcpy(rt->mac, info.mac, 6);
    return 0;
}

static int macvtap_create(const vnic_backend_env *env, const vnic_backend_iface *iface,
                          const vnic_backend_create_args *args, vnic_iface_runtime *rt,
                          vnic_error **err)
{
    vnic_backend_mode mode = vnic_backend_iface_source_mode(iface);
    if ((unsigned)mode >= VNIC_BACKEND_MODE_LAST) {
        vnic_error_set(err, VNIC_ERR_INTERNAL, _("invalid macvtap mode %d"), (int)mode);
        return -EINVAL;
    }
    if (!vnic_backend_iface_managed(iface))
        return create_unmanaged(env, iface, args, rt, err);

    /* Without a mark the device could never be proven vnic's, so never deleted. */
    if (!args->mark || !*args->mark || strlen(args->mark) > VNIC_IFALIAS_MAX) {
        vnic_error_set(err, VNIC_ERR_INTERNAL, _("no valid device mark to create '%s' with"),
                       args->name ? args->name : "");
        return -EINVAL;
    }
    vnic_iface_runtime new = {
        .queues = vnic_backend_iface_queues(iface),
        .vnet_hdr = vnic_backend_iface_vnet_hdr(iface),
        .created = true,
    };
    if (!args->name || vnic_ifname_check(args->name) ||
        !vnic_strlcpy(new.name, args->name, sizeof(new.name))) {
        vnic_error_set(err, VNIC_ERR_INTERNAL, _("invalid device name '%s'"),
                       args->name ? args->name : "");
        return -EINVAL;
    }

    vnic_link_info lower;
    int r = lower_get(env, vnic_backend_iface_source_dev(iface), &lower, err);
    if (r < 0)
        return r;
    new.lower_ifindex = lower.ifindex;
    if (mode == VNIC_BACKEND_MODE_PASSTHROUGH) {
        /* Saved before anything changes it, for destroy to put back. */
        memcpy(new.lower_mac, lower.mac, 6);
        new.saved_lower_mac = true;
    }
    if (args->guest_mac)
        memcpy(new.mac, args->guest_mac, 6);

    const vnic_nl_macvtap_args ma = {
        .name = args->name,
        .lower_ifindex = lower.ifindex,
        .mode = kernel_mode[mode],
        .mac = args->guest_mac,
        .mtu = vnic_backend_iface_mtu(iface),
        .group = args->group,
    };
    _cleanup_error_ vnic_error *nlerr = NULL;
    r = vnic_nl_macvtap_create(env->nl, &ma, &nlerr);
    if (r < 0)
        return create_refused(env, iface, args, &lower, r, &nlerr, err);

    /* The crash window that reconcile must handle: the device exists with the domain's
     * link group but without its mark yet. */
    vnic_fault_step("macvtap: created, not yet marked");

    /* It exists now and is ours: from here every failure deletes it again. Its ifindex by
     * ioctl, not RTM_GETLINK: a netlink lookup makes the kernel settle the device's pending
     * link events first, which costs more than the creation itself. */
    unsigned ifindex = vnic_nl_ifindex(env->nl, args->name);
    if (!ifindex) {
        vnic_error_set_errno(err, errno, _("cannot find macvtap '%s' just created"), args->name);
        return -ENODEV;
    }
    new.ifindex = (int)ifindex;

    r = create_finish(env, iface, args, &lower, &new, err);
    if (r < 0) {
        create_rollback(env, &new);
        /* -EEXIST tells the driver the name is taken and to try the next one; nothing after
         * creation means that (libnl reports the kernel's EADDRINUSE as EEXIST). */
        return r == -EEXIST ? -EADDRINUSE : r;
    }
    *rt = new;
    return 0;
}

/* ---- create_batch: managed macvtaps outside passthrough, their requests pipelined ---- */

/* What one chunk of a batch keeps per device. */
typedef struct {
    vnic_link_info lower[VNIC_NL_BATCH_MAX];
    vnic_iface_runtime rt[VNIC_NL_BATCH_MAX];
    int req[VNIC_NL_BATCH_MAX]; /* the device's request in the current batch, or -1 */
    vnic_nl_batch b;
} macvtap_chunk;

/* Device i's RTM_NEWLINK, as macvtap_create sends it, into the chunk's batch; or its result
 * (-EOPNOTSUPP for what the batch leaves to create: managed='no', passthrough). */
static int batch_newlink(const vnic_backend_env *env, const vnic_backend_iface *iface,
                         const vnic_backend_create_args *args, macvtap_chunk *c, size_t i,
                         vnic_error **err)
{
    vnic_backend_mode mode = vnic_backend_iface_source_mode(iface);
    if (!vnic_backend_iface_managed(iface) || mode == VNIC_BACKEND_MODE_PASSTHROUGH ||
        (unsigned)mode >= VNIC_BACKEND_MODE_LAST || !args->mark || !*args->mark ||
        strlen(args->mark) > VNIC_IFALIAS_MAX || !args->name || vnic_ifname_check(args->name))
        return -EOPNOTSUPP; /* create says why, where it is something to say */
    int r = lower_get(env, vnic_backend_iface_source_dev(iface), &c->lower[i], err);
    if (r < 0)
        return r;
    c->rt[i] = (vnic_iface_runtime){
        .queues = vnic_backend_iface_queues(iface),
        .vnet_hdr = vnic_backend_iface_vnet_hdr(iface),
        .created = true,
        .lower_ifindex = c->lower[i].ifindex,
    };
    vnic_strlcpy(c->rt[i].name, args->name, sizeof(c->rt[i].name));
    if (args->guest_mac)
        memcpy(c->rt[i].mac, args->guest_mac, 6);
    const vnic_nl_macvtap_args ma = {
        .name = args->name,
        .lower_ifindex = c->lower[i].ifindex,
        .mode = kernel_mode[mode],
        .mac = args->guest_mac,
        .mtu = vnic_backend_iface_mtu(iface),
        .group = args->group,
    };
    struct nl_msg *msg = NULL;
    if ((r = vnic_nl_macvtap_msg(&ma, &msg, err)) < 0)
        return r;
    c->req[i] = vnic_nl_batch_add(&c->b, msg);
    return c->req[i] < 0 ? c->req[i] : 0;
}

/* A creation the kernel did not answer may have happened: a macvtap of that name with the
 * domain's group and no alias yet is the one asked for, and goes again. */
static void forget_unanswered(const vnic_backend_env *env, const vnic_backend_create_args *args)
{
    vnic_link_info info;
    if (link_get_opt(env->nl, 0, args->name, &info, NULL) < 0 ||
        !vnic_streq(info.kind, MACVTAP_KIND) || info.group != args->group || info.alias[0])
        return;
    _cleanup_error_ vnic_error *e = NULL;
    if (vnic_nl_link_delete(env->nl, info.ifindex, &e) < 0 && e)
        VNIC_WARN("cannot delete %s after an unanswered creation: %s", info.name, e->message);
}

/* Take the answers of the chunk's batch: a device whose request was refused, or whose batch
 * could not be sent (R < 0), gets its error; with UNDO it was made and is deleted again. */
static void batch_answers(const vnic_backend_env *env, size_t n, macvtap_chunk *c, int r, bool undo,
                          const char *what, int *results, vnic_error **errs)
{
    for (size_t i = 0; i < n; i++) {
        if (c->req[i] < 0)
            continue;
        results[i] = r < 0 ? r : vnic_nl_batch_fail(&c->b, (size_t)c->req[i], what, &errs[i]);
        c->req[i] = -1;
        if (results[i] < 0 && undo) {
            create_rollback(env, &c->rt[i]);
            /* -EEXIST would send the driver to the template's next name: nothing after
             * creation means that. */
            if (results[i] == -EEXIST)
                results[i] = -EADDRINUSE;
        }
    }
}

/* One chunk: every RTM_NEWLINK in one send, then every RTM_SETLINK (mark, and up) in one
 * send; a device whose RTM_SETLINK was refused is deleted again. */
static void macvtap_batch_chunk(const vnic_backend_env *env, size_t n,
                                const vnic_backend_iface *const *ifaces,
                                const vnic_backend_create_args *args, vnic_iface_runtime *rts,
                                int *results, vnic_error **errs)
{
    _cleanup_free_ macvtap_chunk *c = vnic_xcalloc(1, sizeof(*c));
    for (size_t i = 0; i < n; i++) {
        c->req[i] = -1;
        results[i] = batch_newlink(env, ifaces[i], &args[i], c, i, &errs[i]);
    }
    _cleanup_error_ vnic_error *berr = NULL;
    int r = vnic_nl_batch_run(env->nl, &c->b, &berr);
    /* The results of the creations, in results until each device is marked too. */
    int made[VNIC_NL_BATCH_MAX];
    for (size_t i = 0; i < n; i++)
        made[i] = c->req[i];
    batch_answers(env, n, c, r, false, _("cannot create the macvtap device"), results, errs);
    for (size_t i = 0; i < n; i++)
        if (r == 0 && made[i] >= 0 && !c->b.req[made[i]].answered)
            forget_unanswered(env, &args[i]);

    /* The crash window that reconcile must handle: devices with the domain's link group but
     * without their mark yet. */
    vnic_fault_step("macvtap: created, not yet marked");

    vnic_nl_batch_reset(&c->b);
    for (size_t i = 0; i < n; i++) {
        if (made[i] < 0 || results[i] < 0)
            continue;
        unsigned ifindex = vnic_nl_ifindex(env->nl, args[i].name);
        if (!ifindex) {
            vnic_error_set_errno(&errs[i], errno, _("cannot find macvtap '%s' just created"),
                                 args[i].name);
            results[i] = -ENODEV;
            continue;
        }
        c->rt[i].ifindex = (int)ifindex;
        const vnic_nl_link_change mark = {.alias = args[i].mark,
                                          .up = vnic_backend_iface_link_up(ifaces[i]) ? 1 : -1};
        struct nl_msg *msg = NULL;
        if ((results[i] = vnic_nl_link_change_msg(c->rt[i].ifindex, &mark, &msg, &errs[i])) < 0) {
            create_rollback(env, &c->rt[i]);
            continue;
        }
        if ((c->req[i] = vnic_nl_batch_add(&c->b, msg)) < 0) {
            create_rollback(env, &c->rt[i]);
            results[i] = c->req[i];
        }
    }
    vnic_error_free(berr);
    berr = NULL;
    r = vnic_nl_batch_run(env->nl, &c->b, &berr);
    batch_answers(env, n, c, r, true, _("cannot change the device"), results, errs);

    for (size_t i = 0; i < n; i++) {
        if (made[i] < 0 || results[i] < 0)
            continue;
        unsigned mtu = vnic_backend_iface_mtu(ifaces[i]);
        c->rt[i].mtu = mtu ? mtu : c->lower[i].mtu;
        rts[i] = c->rt[i];
    }
}

static int macvtap_create_batch(const vnic_backend_env *env, size_t n,
                                const vnic_backend_iface *const *ifaces,
                                const vnic_backend_create_args *args, vnic_iface_runtime *rts,
                                int *results, vnic_error **errs, vnic_error **err)
{
    (void)err; /* every failure is one device's */
    vnic_nl_batch_chunks(env, n, ifaces, args, rts, results, errs, macvtap_batch_chunk);
    return 0;
}

/* Open one queue of the macvtap and set its virtio-net header mode. */
static int queue_open(const vnic_backend_env *env, const vnic_link_info *dev, dev_t devnum,
                      bool vnet_hdr, int *ret_fd, vnic_error **err)
{
    _cleanup_close_ int fd = -1;
    _cleanup_error_ vnic_error *priv_err = NULL;
    int r = -EPERM;

    if (env->run_dir)
        r = vnic_devnode_open_char(devnum, env->run_dir, 0, &fd, &priv_err);
    if (r == -EPERM || r == -EACCES) {
        /* No private node here (no CAP_MKNOD, or run_dir is nodev). The public node is just as
         * safe once the opened fd is checked to be this very device, only not always there. */
        char path[32];
        snprintf(path, sizeof(path), "/dev/tap%d", dev->ifindex);
        _cleanup_error_ vnic_error *pub_err = NULL;
        VNIC_DEBUG("no private node (%s); trying %s", priv_err ? priv_err->message : "no run_dir",
                   path);
        r = vnic_devnode_open_checked(path, devnum, 0, &fd, &pub_err);
        if (r < 0 && priv_err) {
            /* Both ways failed: the private node's reason is the one to fix. */
            vnic_error_set(err, priv_err->code, "%s; %s", priv_err->message,
                           pub_err ? pub_err->message : "");
            return r;
        }
        if (r < 0) {
            error_pass(err, &pub_err);
            return r;
        }
    }
    if (r < 0) {
        error_pass(err, &priv_err);
        return r;
    }

    /* A macvtap queue starts with IFF_VNET_HDR on (and a 10-byte header), unlike a tap: the
     * flag must be cleared explicitly for models that do not speak virtio. TUNSETIFF on a
     * macvtap fd takes exactly IFF_TAP|IFF_NO_PI plus IFF_VNET_HDR/IFF_MULTI_QUEUE and
     * ignores the name; multiple queues need no flag, each open is one. */
    struct ifreq ifr = {0};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot set the flags of a queue of '%s'"), dev->name);
        return -e;
    }
    if (vnet_hdr) {
        /* The header of virtio 1.0 and of mergeable receive buffers; launchers that want
         * another size set it themselves. */
        int sz = (int)sizeof(struct virtio_net_hdr_mrg_rxbuf);
        if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
            int e = errno;
            vnic_error_set_errno(err, e, _("cannot set the virtio-net header size of '%s'"),
                                 dev->name);
            return -e;
        }
    }

    /* Read back: the queue must be attached to our device, with the header mode asked for.
     * Name and MAC of the device behind the fd against what netlink says: a last guard
     * against a /sys of another namespace that happened to agree on name, ifindex and alias. */
    memset(&ifr, 0, sizeof(ifr));
    if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot read back a queue of '%s'"), dev->name);
        return -e;
    }
    unsigned short flags = (unsigned short)ifr.ifr_flags;
    memset(&ifr, 0, sizeof(ifr));
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot read back a queue of '%s'"), dev->name);
        return -e;
    }
    char got[IF_NAMESIZE];
    memcpy(got, ifr.ifr_name, sizeof(got));
    got[sizeof(got) - 1] = '\0';
    if (!vnic_streq(got, dev->name) || !mac_eq((const uint8_t *)ifr.ifr_hwaddr.sa_data, dev->mac)) {
        vnic_error_set(err, VNIC_ERR_SYSTEM,
                       _("a queue opened for '%s' belongs to another device (of another network "
                         "namespace?)"),
                       dev->name);
        return -ENXIO;
    }
    if (!!(flags & IFF_VNET_HDR) != vnet_hdr) {
        vnic_error_set(err, VNIC_ERR_SYSTEM,
                       _("the kernel did not set the virtio-net header mode of a queue of '%s'"),
                       dev->name);
        return -EIO;
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}

static int macvtap_open_queues(const vnic_backend_env *env, const vnic_backend_iface *iface,
                               const vnic_iface_runtime *rt, int *fds, vnic_error **err)
{
    unsigned n = rt->queues ? rt->queues : 1;
    if (n > MACVTAP_MAX_QUEUES) {
        vnic_error_set(err, VNIC_ERR_INVALID, _("a macvtap has at most %d queues, not %u"),
                       MACVTAP_MAX_QUEUES, n);
        return -ERANGE;
    }

    vnic_link_info dev = {0};
    dev_t devnum;
    int r = -ENODEV;
    /* The device as the record knows it: /sys showing a macvtap of that name with the
     * interface's mark as alias, its ifindex and MAC is this namespace's device (the mark is
     * unique to the store, the domain and the interface). That spares the netlink request,
     * which makes the kernel settle the device's pending link events first (a third of an
     * open right after creation). Anything else (a changed MAC, a /sys of another namespace)
     * goes the long way below. */
    if (env->mark && rt->ifindex > 0 &&
        vnic_devnode_macvtap_dev_known(rt->name, rt->ifindex, env->mark, rt->mac, &devnum) == 0) {
        vnic_strlcpy(dev.name, rt->name, sizeof(dev.name));
        dev.ifindex = rt->ifindex;
        memcpy(dev.mac, rt->mac, sizeof(dev.mac));
        r = 0;
    }
    if (r < 0) {
        r = vnic_nl_link_get(env->nl, rt->ifindex, rt->ifindex > 0 ? NULL : rt->name, &dev, err);
        if (r < 0)
            return vnic_error_prefix(err, _("cannot open the queues of '%s'"), rt->name), r;
        if (!vnic_streq(dev.name, rt->name) || !vnic_streq(dev.kind, MACVTAP_KIND)) {
            vnic_error_set(err, VNIC_ERR_SYSTEM,
                           _("the device with ifindex %d is '%s', not the macvtap '%s'"),
                           dev.ifindex, dev.name, rt->name);
            return -ENODEV;
        }
        /* Alias and MAC go along as proof that sysfs shows this namespace's device. */
        r = vnic_devnode_macvtap_dev(dev.name, dev.ifindex, dev.alias, dev.mac, &devnum, err);
        if (r < 0)
            return r;
    }

    int sndbuf = 0;
    bool have_sndbuf = vnic_backend_iface_sndbuf(iface, &sndbuf);
    for (unsigned i = 0; i < n; i++)
        fds[i] = -1;
    for (unsigned i = 0; i < n; i++) {
        r = queue_open(env, &dev, devnum, rt->vnet_hdr, &fds[i], err);
        /* <tune><sndbuf>: per queue, since the send buffer belongs to the fd's socket. */
        if (r == 0 && have_sndbuf && (r = vnic_tun_set_sndbuf(fds[i], sndbuf, err)) < 0) {
            close(fds[i]);
            fds[i] = -1;
        }
        if (r < 0) {
            for (unsigned j = 0; j < i; j++) {
                close(fds[j]);
                fds[j] = -1;
            }
            return vnic_error_prefix(err, _("cannot open queue %u of '%s'"), i, dev.name), r;
        }
    }
    return 0;
}

static int macvtap_destroy(const vnic_backend_env *env, const vnic_iface_runtime *rt,
                           const char *mark, vnic_error **err)
{
    if (!rt->created)
        return 0;
    /* An empty mark would match every device without an alias. */
    if (!mark || !*mark) {
        vnic_error_set(err, VNIC_ERR_INTERNAL, _("no device mark to destroy '%s' with"), rt->name);
        return -EINVAL;
    }

    /* By ifindex first (the name may have changed), then by name (the ifindex may be reused
     * by another device); only a device with our mark is ever deleted. */
    vnic_link_info info;
    bool found = false;
    int r;
    if (rt->ifindex > 0) {
        r = link_get_opt(env->nl, rt->ifindex, NULL, &info, err);
        if (r < 0 && r != -ENODEV)
            return r;
        found = r == 0 && vnic_streq(info.alias, mark);
    }
    if (!found) {
        r = link_get_opt(env->nl, 0, rt->name, &info, err);
        if (r < 0 && r != -ENODEV)
            return r;
        if (r == 0 && !vnic_streq(info.alias, mark)) {
            vnic_error_set(err, VNIC_ERR_INVALID,
                           _("device '%s' is not vnic's (its alias is '%s', not '%s'); not "
                             "deleting it"),
                           rt->name, info.alias, mark);
            return -EPERM;
        }
        found = r == 0;
    }

    if (found) {
        _cleanup_error_ vnic_error *e = NULL;
        r = vnic_nl_link_delete(env->nl, info.ifindex, &e);
        if (r < 0 && r != -ENODEV) {
            error_pass(err, &e);
            return vnic_error_prefix(err, _("cannot delete '%s'"), info.name), r;
        }
    }
    return lower_mac_restore(env, rt, err);
}

static int macvtap_adopt(const vnic_backend_env *env, const char *mark, vnic_iface_runtime *rt,
                         vnic_error **err)
{
    vnic_link_info info;
    int r = link_get_opt(env->nl, 0, rt->name, &info, err);
    if (r == -ENODEV) {
        vnic_error_set(err, VNIC_ERR_SYSTEM, _("device '%s' does not exist"), rt->name);
        return r;
    }
    if (r < 0)
        return r;
    if (!vnic_streq(info.kind, MACVTAP_KIND)) {
        vnic_error_set(err, VNIC_ERR_INVALID, _("device '%s' is not a macvtap (its kind is '%s')"),
                       rt->name, info.kind[0] ? info.kind : "none");
        return -EEXIST;
    }
    /* A device vnic did not create (managed='no') never got the mark. */
    if (rt->created && (!mark || !*mark || !vnic_streq(info.alias, mark))) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("device '%s' is not vnic's (its alias is '%s', not '%s')"), rt->name,
                       info.alias, mark ? mark : "");
        return -EEXIST;
    }
    rt->ifindex = info.ifindex;
    rt->mtu = info.mtu;
    memcpy(rt->mac, info.mac, 6);
    rt->lower_ifindex = info.link;
    return 0;
}

__attribute__((visibility("default"))) const vnic_backend_ops vnic_backend = {
    .abi_version = VNIC_BACKEND_ABI_VERSION,
    .name = "macvtap",
    .type = VNIC_BACKEND_TYPE_DIRECT,
    .default_template = "macvtap%d",
    .verify = macvtap_verify,
    .create = macvtap_create,
    .open_queues = macvtap_open_queues,
    .destroy = macvtap_destroy,
    .adopt = macvtap_adopt,
    .create_batch = macvtap_create_batch,
};
