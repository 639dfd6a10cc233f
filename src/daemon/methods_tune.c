/* io.vnic.Domain's domiftune methods: GetInterfaceBandwidth (the policy's "read") and
 * SetInterfaceBandwidth (its "attach": it changes a running domain's device, as an attach
 * does). */
#include "config.h"

#include <stdio.h>
#include <syslog.h>

#include "dispatch.h"

static const char *const rate_names[VNIC_BANDWIDTH_NPARAMS] = {"average", "peak", "burst"};

static json_object *rate_object(const unsigned long long v[VNIC_BANDWIDTH_NPARAMS])
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < VNIC_BANDWIDTH_NPARAMS; i++)
        vnicd_add(o, rate_names[i], json_object_new_int64((int64_t)v[i]));
    return o;
}

const vnicd_param vnicd_get_bandwidth_params[2] = {
    {"name", VNICD_P_STRING, false},
    {"interface", VNICD_P_STRING, false},
};

int vnicd_m_get_bandwidth(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name"), *iface = vnicd_pstr(params, "interface");
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_READ, name, NULL) < 0)
        return 0;
    vnic_interface_bandwidth *bw = NULL;
    if (vnic_domain_get_interface_bandwidth(c->conn, name, iface, &bw, &k.err) < 0)
        return vnicd_call_fail(&k);
    json_object *p = json_object_new_object();
    vnicd_add(p, "alias", json_object_new_string(bw->alias ? bw->alias : ""));
    if (bw->device)
        vnicd_add(p, "device", json_object_new_string(bw->device));
    vnicd_add(p, "inbound", rate_object(bw->inbound));
    vnicd_add(p, "outbound", rate_object(bw->outbound));
    vnic_interface_bandwidth_free(bw);
    vnicd_reply_ok(r, p);
    return 0;
}

const vnicd_param vnicd_set_bandwidth_params[8] = {
    {"name", VNICD_P_STRING, false},        {"interface", VNICD_P_STRING, false},
    {"inbound_average", VNICD_P_INT, true}, {"inbound_peak", VNICD_P_INT, true},
    {"inbound_burst", VNICD_P_INT, true},   {"outbound_average", VNICD_P_INT, true},
    {"outbound_peak", VNICD_P_INT, true},   {"outbound_burst", VNICD_P_INT, true},
};

/* Direction DIR of the request into v: given when DIR_average is. */
static bool take_rate(json_object *params, const char *dir,
                      unsigned long long v[VNIC_BANDWIDTH_NPARAMS])
{
    char key[32];
    snprintf(key, sizeof(key), "%s_average", dir);
    if (!vnicd_phas(params, key))
        return false;
    for (size_t i = 0; i < VNIC_BANDWIDTH_NPARAMS; i++) {
        snprintf(key, sizeof(key), "%s_%s", dir, rate_names[i]);
        v[i] = vnicd_puint(params, key);
    }
    return true;
}

int vnicd_m_set_bandwidth(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name"), *iface = vnicd_pstr(params, "interface");
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_ATTACH, name, NULL) < 0)
        return 0;
    unsigned long long in[VNIC_BANDWIDTH_NPARAMS], out[VNIC_BANDWIDTH_NPARAMS];
    bool has_in = take_rate(params, "inbound", in), has_out = take_rate(params, "outbound", out);
    if (vnic_domain_set_interface_bandwidth(c->conn, name, iface, has_in ? in : NULL,
                                            has_out ? out : NULL, &k.err) < 0)
        return vnicd_call_fail(&k);
    vnicd_log(LOG_INFO, "client %lu: changed the bandwidth of interface '%s' of domain '%s'", c->id,
              iface, name);
    vnicd_reply_ok(r, NULL);
    return 0;
}
