/* The remote driver's live interface calls: io.vnic.Domain.InterfaceStats, InterfaceGetLink
 * and InterfaceSetLink. */
#include "config.h"

#include <errno.h>

#include "i18n.h"
#include "marshal.h"
#include "remote.h"
#include "strutil.h"

static json_object *iface_params(const char *name, const char *iface)
{
    json_object *o = json_object_new_object();
    vnic_remote_add_string(o, "name", name);
    vnic_remote_add_string(o, "interface", iface);
    return o;
}

int vnic_remote_domain_interface_stats(vnic_conn *conn, const char *name, const char *iface,
                                       vnic_interface_stats **ret, vnic_error **err)
{
    json_object *reply = NULL;
    int r = vnic_remote_call(conn->priv, "InterfaceStats", iface_params(name, iface), &reply, NULL,
                             NULL, NULL, err);
    if (r < 0)
        return r;
    json_object *o = NULL;
    if (!json_object_object_get_ex(reply, "stats", &o))
        r = vnic_remote_bad_reply(err, _("reply member '%s': missing"), "stats");
    else
        r = vnic_unmarshal_interface_stats(o, "stats", ret, err);
    json_object_put(reply);
    return r;
}

int vnic_remote_domain_interface_get_link(vnic_conn *conn, const char *name, const char *iface,
                                          bool *ret_up, char **ret_device, vnic_error **err)
{
    json_object *reply = NULL;
    int r = vnic_remote_call(conn->priv, "InterfaceGetLink", iface_params(name, iface), &reply,
                             NULL, NULL, NULL, err);
    if (r < 0)
        return r;
    bool up = false;
    const char *device = NULL;
    if ((r = vnic_remote_get_bool(reply, "up", &up, err)) == 0 &&
        (r = vnic_remote_get_string(reply, "device", true, &device, err)) == 0) {
        *ret_up = up;
        if (ret_device)
            *ret_device = vnic_xstrdup(device);
    }
    json_object_put(reply);
    return r;
}

int vnic_remote_domain_interface_set_link(vnic_conn *conn, const char *name, const char *iface,
                                          bool up, vnic_error **err)
{
    json_object *params = iface_params(name, iface);
    json_object_object_add(params, "up", json_object_new_boolean(up));
    return vnic_remote_call(conn->priv, "InterfaceSetLink", params, NULL, NULL, NULL, NULL, err);
}
