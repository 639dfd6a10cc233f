/* A backend that lives outside vnic's tree, to prove that a module built elsewhere plugs in:
 * it serves <interface type='ethernet'> by making a Linux bridge device instead of a tap, and
 * hands out an AF_PACKET socket bound to it as the "queue". Only the ops table and the
 * public util functions are used, as a third-party module would. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/route/link.h>

#include "backend.h"
#include "netlink.h"
#include "strutil.h"

#ifndef TEST_ABI_VERSION
#define TEST_ABI_VERSION VNIC_BACKEND_ABI_VERSION
#endif

static int bp_verify(const vnic_backend_env *env, const vnic_iface_def *def, vnic_error **err)
{
    return 0;
}

static int bp_create(const vnic_backend_env *env, const vnic_iface_def *def,
                     const vnic_backend_create_args *args, vnic_iface_runtime *rt, vnic_error **err)
{
    struct rtnl_link *l = rtnl_link_alloc();
    if (!l)
        return vnic_error_set(err, VNIC_ERR_NOMEM, "out of memory"), -ENOMEM;
    rtnl_link_set_name(l, args->name);
    rtnl_link_set_type(l, "bridge");
    rtnl_link_set_group(l, args->group);
    int r = rtnl_link_add(env->nl, l, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(l);
    if (r < 0) {
        r = vnic_nl_errno(r);
        if (r == -EEXIST && args->name_from_template)
            return vnic_error_set(err, VNIC_ERR_INVALID, "taken"), r;
        return vnic_error_set_errno(err, -r, "cannot create bridge '%s'", args->name), r;
    }

    vnic_link_info info;
    if ((r = vnic_nl_link_get(env->nl, 0, args->name, &info, err)) < 0)
        return r;
    vnic_nl_link_change chg = {.alias = args->mark, .up = 1};
    if ((r = vnic_nl_link_change_apply(env->nl, info.ifindex, &chg, err)) < 0) {
        vnic_nl_link_delete(env->nl, info.ifindex, NULL);
        return r;
    }
    memset(rt, 0, sizeof(*rt));
    vnic_strlcpy(rt->name, args->name, sizeof(rt->name));
    rt->ifindex = info.ifindex;
    rt->queues = 1;
    rt->created = true;
    memcpy(rt->mac, info.mac, 6);
    rt->mtu = info.mtu;
    return 0;
}

static int bp_open_queues(const vnic_backend_env *env, const vnic_iface_def *def,
                          const vnic_iface_runtime *rt, int *fds, vnic_error **err)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0)
        return vnic_error_set_errno(err, errno, "socket"), -errno;
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = rt->ifindex};
    if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        int e = errno;
        close(fd);
        return vnic_error_set_errno(err, e, "bind"), -e;
    }
    fds[0] = fd;
    return 0;
}

static int bp_destroy(const vnic_backend_env *env, const vnic_iface_runtime *rt, const char *mark,
                      vnic_error **err)
{
    vnic_link_info info;
    vnic_error *e = NULL;
    int r = vnic_nl_link_get(env->nl, 0, rt->name, &info, &e);
    vnic_error_free(e);
    if (r == -ENODEV)
        return 0;
    if (r < 0 || !vnic_streq(info.alias, mark))
        return vnic_error_set(err, VNIC_ERR_INVALID, "not ours: %s", rt->name), -EPERM;
    e = NULL;
    r = vnic_nl_link_delete(env->nl, info.ifindex, &e);
    vnic_error_free(e);
    return r == -ENODEV ? 0 : r;
}

static int bp_adopt(const vnic_backend_env *env, const char *mark, vnic_iface_runtime *rt,
                    vnic_error **err)
{
    vnic_link_info info;
    int r = vnic_nl_link_get(env->nl, 0, rt->name, &info, err);
    if (r < 0)
        return r;
    rt->ifindex = info.ifindex;
    return 0;
}

__attribute__((visibility("default"))) const vnic_backend_ops vnic_backend = {
    .abi_version = TEST_ABI_VERSION,
    .name = "bridgeport",
    .type = VNIC_IFACE_ETHERNET,
    .default_template = "bport%d",
    .verify = bp_verify,
    .create = bp_create,
    .open_queues = bp_open_queues,
    .destroy = bp_destroy,
    .adopt = bp_adopt,
};
