/* A backend that lives outside vnic's tree, to prove that a module built elsewhere plugs in:
 * it serves <interface type='ethernet'> by making a Linux bridge device instead of a tap, and
 * hands out an AF_PACKET socket bound to it as the "queue". It is built by the test against
 * the installed SDK alone (pkg-config vnic-backend): <vnic/backend.h>, libnl and the system,
 * as a third-party module would be. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/route/link.h>

#include <vnic/backend.h>

#ifndef TEST_ABI_VERSION
#define TEST_ABI_VERSION VNIC_BACKEND_ABI_VERSION
#endif

/* libnl's error codes, as the errno an operation returns. */
static int nl_to_errno(int nlerr)
{
    switch (-nlerr) {
    case NLE_EXIST:
        return -EEXIST;
    case NLE_NODEV:
    case NLE_OBJ_NOTFOUND:
        return -ENODEV;
    case NLE_PERM:
        return -EPERM;
    case NLE_NOMEM:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

static int nl_fail(vnic_error **err, int nlerr, const char *what, const char *name)
{
    int r = nl_to_errno(nlerr);
    vnic_backend_error_set(err, VNIC_ERR_SYSTEM, -r, "bridgeport: %s '%s' (%s)", what, name,
                           nl_geterror(nlerr));
    return r;
}

/* Everything it reads of the definition goes through the SDK's accessors. */
static int bp_verify(const vnic_backend_env *env, const vnic_backend_iface *iface, vnic_error **err)
{
    if (vnic_backend_iface_type(iface) != VNIC_BACKEND_TYPE_ETHERNET)
        return vnic_backend_error_set(err, VNIC_ERR_INTERNAL, 0, "bridgeport: not ethernet");
    if (vnic_backend_iface_queues(iface) > 1)
        return vnic_backend_error_set(
            err, VNIC_ERR_UNSUPPORTED, 0,
            "bridgeport: interface %u (alias '%s') asks for %u queues; "
            "a bridge port has one",
            vnic_backend_iface_index(iface),
            vnic_backend_iface_alias(iface) ? vnic_backend_iface_alias(iface) : "",
            vnic_backend_iface_queues(iface));
    /* A fixed name that is taken is refused before anything is made: from the snapshot of
     * the links when the driver lends one, else from the kernel. */
    const char *target = vnic_backend_iface_target_dev(iface);
    if (!target || strchr(target, '%'))
        return 0;
    bool taken = vnic_backend_env_find_link(env, target) != NULL;
    if (!taken && !env->links) {
        struct rtnl_link *l = NULL;
        if (rtnl_link_get_kernel(env->nl, 0, target, &l) == 0) {
            taken = true;
            rtnl_link_put(l);
        }
    }
    if (taken)
        return vnic_backend_error_set(err, VNIC_ERR_INVALID, EEXIST, "bridgeport: '%s' is taken%s",
                                      target, env->links ? " (seen in the snapshot)" : "");
    return 0;
}

static int bp_create(const vnic_backend_env *env, const vnic_backend_iface *iface,
                     const vnic_backend_create_args *args, vnic_iface_runtime *rt, vnic_error **err)
{
    struct rtnl_link *l = rtnl_link_alloc();
    if (!l)
        return vnic_backend_error_set(err, VNIC_ERR_NOMEM, ENOMEM, "bridgeport");
    rtnl_link_set_name(l, args->name);
    rtnl_link_set_type(l, "bridge");
    rtnl_link_set_group(l, args->group);
    if (vnic_backend_iface_mtu(iface))
        rtnl_link_set_mtu(l, vnic_backend_iface_mtu(iface));
    int r = rtnl_link_add(env->nl, l, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(l);
    if (r < 0) {
        if (nl_to_errno(r) == -EEXIST && args->name_from_template)
            return -EEXIST;
        return nl_fail(err, r, "cannot create bridge", args->name);
    }

    struct rtnl_link *made = NULL;
    if ((r = rtnl_link_get_kernel(env->nl, 0, args->name, &made)) < 0)
        return nl_fail(err, r, "cannot find bridge", args->name);
    struct rtnl_link *chg = rtnl_link_alloc();
    if (!chg) {
        rtnl_link_delete(env->nl, made);
        rtnl_link_put(made);
        return vnic_backend_error_set(err, VNIC_ERR_NOMEM, ENOMEM, "bridgeport");
    }
    rtnl_link_set_ifalias(chg, args->mark);
    if (vnic_backend_iface_link_up(iface))
        rtnl_link_set_flags(chg, IFF_UP);
    r = rtnl_link_change(env->nl, made, chg, 0);
    rtnl_link_put(chg);
    if (r < 0) {
        rtnl_link_delete(env->nl, made);
        rtnl_link_put(made);
        return nl_fail(err, r, "cannot mark bridge", args->name);
    }

    memset(rt, 0, sizeof(*rt));
    snprintf(rt->name, sizeof(rt->name), "%s", args->name);
    rt->ifindex = rtnl_link_get_ifindex(made);
    rt->queues = 1;
    rt->created = true;
    struct nl_addr *a = rtnl_link_get_addr(made);
    if (a && nl_addr_get_len(a) == 6)
        memcpy(rt->mac, nl_addr_get_binary_addr(a), 6);
    rt->mtu = rtnl_link_get_mtu(made);
    rtnl_link_put(made);
    return 0;
}

static int bp_open_queues(const vnic_backend_env *env, const vnic_backend_iface *iface,
                          const vnic_iface_runtime *rt, int *fds, vnic_error **err)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0)
        return vnic_backend_error_set(err, VNIC_ERR_SYSTEM, errno, "bridgeport: socket");
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = rt->ifindex};
    if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        int e = errno;
        close(fd);
        return vnic_backend_error_set(err, VNIC_ERR_SYSTEM, e, "bridgeport: bind");
    }
    fds[0] = fd;
    return 0;
}

/* The device called NAME if it carries MARK: 0, -ENODEV when gone, -EPERM when not ours. */
static int get_ours(const vnic_backend_env *env, const char *name, const char *mark,
                    struct rtnl_link **ret, vnic_error **err)
{
    int r = rtnl_link_get_kernel(env->nl, 0, name, ret);
    if (r < 0 && nl_to_errno(r) == -ENODEV)
        return -ENODEV;
    if (r < 0)
        return nl_fail(err, r, "cannot look up", name);
    const char *alias = rtnl_link_get_ifalias(*ret);
    if (!mark || !alias || strcmp(alias, mark) != 0) {
        rtnl_link_put(*ret);
        *ret = NULL;
        return vnic_backend_error_set(err, VNIC_ERR_INVALID, EPERM, "bridgeport: not ours: %s",
                                      name);
    }
    return 0;
}

static int bp_destroy(const vnic_backend_env *env, const vnic_iface_runtime *rt, const char *mark,
                      vnic_error **err)
{
    struct rtnl_link *l = NULL;
    int r = get_ours(env, rt->name, mark, &l, err);
    if (r == -ENODEV)
        return 0;
    if (r < 0)
        return r;
    r = rtnl_link_delete(env->nl, l);
    rtnl_link_put(l);
    if (r < 0 && nl_to_errno(r) != -ENODEV)
        return nl_fail(err, r, "cannot delete", rt->name);
    return 0;
}

static int bp_adopt(const vnic_backend_env *env, const char *mark, vnic_iface_runtime *rt,
                    vnic_error **err)
{
    struct rtnl_link *l = NULL;
    int r = get_ours(env, rt->name, mark, &l, err);
    if (r == -ENODEV)
        return vnic_backend_error_set(err, VNIC_ERR_SYSTEM, ENODEV, "bridgeport: '%s'", rt->name);
    if (r < 0)
        return r;
    rt->ifindex = rtnl_link_get_ifindex(l);
    rtnl_link_put(l);
    return 0;
}

#ifdef TEST_ABI2_TRAP
#include <stdio.h>
#include <stdlib.h>
/* Built as a version 2 module (TEST_ABI_VERSION=2), whose table really ends before
 * create_batch: what lies there must never be read. Here it is a function that fails the
 * test loudly if vnic calls it. */
static int bp_trap(const vnic_backend_env *env, size_t n, const vnic_backend_iface *const *ifaces,
                   const vnic_backend_create_args *args, vnic_iface_runtime *rts, int *results,
                   vnic_error **errs, vnic_error **err)
{
    fprintf(stderr, "bridgeport: vnic read create_batch from a version 2 table\n");
    abort();
}
#endif

__attribute__((visibility("default"))) const vnic_backend_ops vnic_backend = {
    .abi_version = TEST_ABI_VERSION,
    .name = "bridgeport",
    .type = VNIC_BACKEND_TYPE_ETHERNET,
    .default_template = "bport%d",
    .verify = bp_verify,
    .create = bp_create,
    .open_queues = bp_open_queues,
    .destroy = bp_destroy,
    .adopt = bp_adopt,
#ifdef TEST_ABI2_TRAP
    .create_batch = bp_trap,
#endif
};
