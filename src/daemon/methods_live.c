/* io.vnic.Domain's live interface methods: InterfaceStats and InterfaceGetLink (policy
 * operation read), InterfaceSetLink (operation attach: it changes a running domain's
 * interface as an attach does). */
#include "config.h"

#include <stdlib.h>
#include <syslog.h>

#include "dispatch.h"
#include "marshal.h"

const vnicd_param vnicd_iface_params[2] = {
    {"name", VNICD_P_STRING, false},
    {"interface", VNICD_P_STRING, false},
};

const vnicd_param vnicd_set_link_params[3] = {
    {"name", VNICD_P_STRING, false},
    {"interface", VNICD_P_STRING, false},
    {"up", VNICD_P_BOOL, false},
};

int vnicd_m_interface_stats(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name"), *iface = vnicd_pstr(params, "interface");
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_READ, name, NULL) < 0)
        return 0;
    vnic_interface_stats *s = NULL;
    if (vnic_domain_interface_stats(c->conn, name, iface, &s, &k.err) < 0)
        return vnicd_call_fail(&k);
    json_object *p = json_object_new_object();
    vnicd_add(p, "stats", vnic_marshal_interface_stats(s));
    vnic_interface_stats_free(s);
    vnicd_reply_ok(r, p);
    return 0;
}

int vnicd_m_interface_get_link(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name"), *iface = vnicd_pstr(params, "interface");
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_READ, name, NULL) < 0)
        return 0;
    bool up = false;
    char *device = NULL;
    if (vnic_domain_interface_get_link(c->conn, name, iface, &up, &device, &k.err) < 0)
        return vnicd_call_fail(&k);
    json_object *p = json_object_new_object();
    vnicd_add(p, "up", json_object_new_boolean(up));
    vnicd_add(p, "device", json_object_new_string(device ? device : ""));
    free(device);
    vnicd_reply_ok(r, p);
    return 0;
}

int vnicd_m_interface_set_link(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name"), *iface = vnicd_pstr(params, "interface");
    bool up = vnicd_pbool(params, "up");
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_ATTACH, name, NULL) < 0)
        return 0;
    if (vnic_domain_interface_set_link(c->conn, name, iface, up, &k.err) < 0)
        return vnicd_call_fail(&k);
    vnicd_log(LOG_INFO, "client %lu: set the link of interface '%s' of domain '%s' %s", c->id,
              iface, name, up ? "up" : "down");
    vnicd_reply_ok(r, NULL);
    return 0;
}
