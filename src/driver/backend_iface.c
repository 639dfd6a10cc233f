/* The functions libvnic exports to backend modules (<vnic/backend.h>): the accessors of the
 * interface view, the link snapshot lookup, and error helpers. They read the internal
 * definition so that modules never depend on its layout. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend_iface.h"
#include "error.h"
#include "netlink.h"
#include "strutil.h"

/* The SDK's values are the internal ones: a view hands them out without a table. */
_Static_assert((int)VNIC_BACKEND_TYPE_ETHERNET == (int)VNIC_IFACE_ETHERNET, "type values");
_Static_assert((int)VNIC_BACKEND_TYPE_DIRECT == (int)VNIC_IFACE_DIRECT, "type values");
_Static_assert((int)VNIC_BACKEND_TYPE_LAST == (int)VNIC_IFACE_TYPE_LAST, "type values");
_Static_assert((int)VNIC_BACKEND_MODE_VEPA == (int)VNIC_MACVTAP_VEPA, "mode values");
_Static_assert((int)VNIC_BACKEND_MODE_BRIDGE == (int)VNIC_MACVTAP_BRIDGE, "mode values");
_Static_assert((int)VNIC_BACKEND_MODE_PRIVATE == (int)VNIC_MACVTAP_PRIVATE, "mode values");
_Static_assert((int)VNIC_BACKEND_MODE_PASSTHROUGH == (int)VNIC_MACVTAP_PASSTHROUGH, "mode values");
_Static_assert((int)VNIC_BACKEND_MODE_LAST == (int)VNIC_MACVTAP_MODE_LAST, "mode values");

vnic_backend_type vnic_backend_iface_type(const vnic_backend_iface *iface)
{
    return vnic_backend_type_of(iface->def.type);
}

unsigned vnic_backend_iface_index(const vnic_backend_iface *iface)
{
    return iface->def.node_index;
}

const char *vnic_backend_iface_alias(const vnic_backend_iface *iface)
{
    return iface->def.alias;
}

const char *vnic_backend_iface_source_dev(const vnic_backend_iface *iface)
{
    return iface->def.source_dev;
}

vnic_backend_mode vnic_backend_iface_source_mode(const vnic_backend_iface *iface)
{
    return (vnic_backend_mode)iface->def.mode;
}

const char *vnic_backend_iface_target_dev(const vnic_backend_iface *iface)
{
    return iface->def.target_dev;
}

bool vnic_backend_iface_managed(const vnic_backend_iface *iface)
{
    return iface->def.managed != VNIC_TRISTATE_NO;
}

bool vnic_backend_iface_mac(const vnic_backend_iface *iface, uint8_t ret[6])
{
    if (!iface->def.has_mac)
        return false;
    memcpy(ret, iface->def.mac, 6);
    return true;
}

unsigned vnic_backend_iface_mtu(const vnic_backend_iface *iface)
{
    return iface->def.mtu;
}

unsigned vnic_backend_iface_queues(const vnic_backend_iface *iface)
{
    return vnic_iface_def_queues(&iface->def);
}

const char *vnic_backend_iface_model(const vnic_backend_iface *iface)
{
    return iface->def.model;
}

bool vnic_backend_iface_vnet_hdr(const vnic_backend_iface *iface)
{
    return vnic_model_uses_vnet_hdr(iface->def.model);
}

bool vnic_backend_iface_link_up(const vnic_backend_iface *iface)
{
    return iface->def.link != VNIC_LINK_DOWN;
}

const char *vnic_backend_iface_owner_user(const vnic_backend_iface *iface)
{
    return iface->def.owner_user;
}

const char *vnic_backend_iface_owner_group(const vnic_backend_iface *iface)
{
    return iface->def.owner_group;
}

const char *vnic_backend_iface_tap_path(const vnic_backend_iface *iface)
{
    return iface->def.backend_tap;
}

bool vnic_backend_iface_sndbuf(const vnic_backend_iface *iface, int *ret)
{
    if (!iface->def.has_sndbuf)
        return false;
    *ret = vnic_iface_def_sndbuf_value(&iface->def);
    return true;
}

const vnic_backend_link *vnic_backend_env_find_link(const vnic_backend_env *env, const char *name)
{
    for (size_t i = 0; name && env->links && i < env->nlinks; i++)
        if (vnic_streq(env->links[i].name, name))
            return &env->links[i];
    return NULL;
}

int vnic_backend_error_setv(vnic_error **err, vnic_error_code code, int sys_errno, const char *fmt,
                            va_list ap)
{
    int r = sys_errno > 0 ? -sys_errno : -EINVAL;
    if (!err || *err)
        return r;
    if ((unsigned)code >= VNIC_ERR_LAST || code == VNIC_ERR_NONE)
        code = VNIC_ERR_INTERNAL;
    vnic_error *e = vnic_xcalloc(1, sizeof(*e));
    char *msg = vnic_xvasprintf(fmt, ap);
    if (sys_errno > 0) {
        e->message = vnic_xasprintf("%s: %s", msg, strerror(sys_errno));
        free(msg);
    } else {
        e->message = msg;
    }
    e->code = code;
    e->sys_errno = sys_errno > 0 ? sys_errno : 0;
    *err = e;
    return r;
}

int vnic_backend_error_set(vnic_error **err, vnic_error_code code, int sys_errno, const char *fmt,
                           ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vnic_backend_error_setv(err, code, sys_errno, fmt, ap);
    va_end(ap);
    return r;
}

int vnic_backend_error_prefix(vnic_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vnic_error_prefixv(err, fmt, ap);
    va_end(ap);
    return r;
}
