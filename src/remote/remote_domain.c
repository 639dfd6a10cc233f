/* The remote driver's domain calls: one io.vnic.Domain method each, the reply turned into the
 * structs the embedded driver would have returned. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "marshal.h"
#include "remote.h"
#include "strutil.h"

/* The embedded driver's word for a missing name, without sending what the wire cannot carry. */
static int check_name(const char *name, vnic_error **err)
{
    if (!name)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("invalid domain name '%s'"), "(null)"),
               -EINVAL;
    return 0;
}

static json_object *name_params(const char *name)
{
    json_object *o = json_object_new_object();
    vnic_remote_add_string(o, "name", name);
    return o;
}

/* The reply's member "info" as *ret (may be NULL: checked all the same). */
static int take_info(json_object *reply, vnic_domain_info **ret, vnic_error **err)
{
    json_object *o = NULL;
    if (!json_object_object_get_ex(reply, "info", &o))
        return vnic_remote_bad_reply(err, _("reply member '%s': missing"), "info");
    vnic_domain_info *info = NULL;
    int r = vnic_unmarshal_info(o, "info", &info, err);
    if (r < 0)
        return r;
    if (ret)
        *ret = info;
    else
        vnic_domain_info_free(info);
    return 0;
}

/* Create and Define: a document and its name, the parse flags, and an Info back. */
static int send_document(vnic_conn *conn, const char *method, const char *xml, const char *docname,
                         bool skip, bool no_schema, bool supervised, vnic_domain_info **ret,
                         vnic_diag_list *diags, vnic_error **err)
{
    json_object *params = json_object_new_object();
    vnic_remote_add_string(params, "xml", xml);
    vnic_remote_add_string(params, "docname", docname);
    vnic_remote_add_flag(params, "skip_unsupported", skip);
    vnic_remote_add_flag(params, "no_schema", no_schema);
    vnic_remote_add_flag(params, "supervised", supervised);
    json_object *reply = NULL;
    int r = vnic_remote_call(conn->priv, method, params, &reply, NULL, NULL, diags, err);
    if (r < 0)
        return r;
    r = take_info(reply, ret, err);
    json_object_put(reply);
    return r;
}

int vnic_remote_domain_create(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                              vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err)
{
    return send_document(conn, "Create", xml, docname, flags & VNIC_CREATE_SKIP_UNSUPPORTED,
                         flags & VNIC_CREATE_NO_SCHEMA, flags & VNIC_CREATE_SUPERVISED, ret, diags,
                         err);
}

int vnic_remote_domain_define(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                              vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err)
{
    return send_document(conn, "Define", xml, docname, flags & VNIC_DEFINE_SKIP_UNSUPPORTED,
                         flags & VNIC_DEFINE_NO_SCHEMA, false, ret, diags, err);
}

int vnic_remote_domain_undefine(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err)
{
    int r = check_name(name, err);
    if (r < 0)
        return r;
    json_object *params = name_params(name);
    vnic_remote_add_flag(params, "destroy", flags & VNIC_UNDEFINE_DESTROY);
    return vnic_remote_call(conn->priv, "Undefine", params, NULL, NULL, NULL, NULL, err);
}

int vnic_remote_domain_start(vnic_conn *conn, const char *name, unsigned flags,
                             vnic_domain_info **ret, vnic_error **err)
{
    int r = check_name(name, err);
    if (r < 0)
        return r;
    json_object *params = name_params(name);
    vnic_remote_add_flag(params, "supervised", flags & VNIC_START_SUPERVISED);
    json_object *reply = NULL;
    if ((r = vnic_remote_call(conn->priv, "Start", params, &reply, NULL, NULL, NULL, err)) < 0)
        return r;
    r = take_info(reply, ret, err);
    json_object_put(reply);
    return r;
}

int vnic_remote_domain_destroy(vnic_conn *conn, const char *name, vnic_error **err)
{
    int r = check_name(name, err);
    if (r < 0)
        return r;
    return vnic_remote_call(conn->priv, "Destroy", name_params(name), NULL, NULL, NULL, NULL, err);
}

int vnic_remote_domain_follow_libvirt(vnic_conn *conn, const char *name, vnic_error **err)
{
    int r = check_name(name, err);
    if (r < 0)
        return r;
    return vnic_remote_call(conn->priv, "FollowLibvirt", name_params(name), NULL, NULL, NULL, NULL,
                            err);
}

int vnic_remote_domain_lookup(vnic_conn *conn, const char *name, vnic_domain_info **ret,
                              vnic_error **err)
{
    int r = check_name(name, err);
    if (r < 0)
        return r;
    json_object *reply = NULL;
    if ((r = vnic_remote_call(conn->priv, "Lookup", name_params(name), &reply, NULL, NULL, NULL,
                              err)) < 0)
        return r;
    r = take_info(reply, ret, err);
    json_object_put(reply);
    return r;
}

/* The partial result's error of List and Reconcile: {code, errno, message}, as the daemon's
 * driver set it.
 * Returns 0 without one, 1 with one (set in *err), or a negative errno for a bad reply. */
static int take_list_error(json_object *reply, int *list_status, vnic_error **err)
{
    json_object *o = NULL;
    if (!json_object_object_get_ex(reply, "error", &o) || json_object_is_type(o, json_type_null))
        return 0;
    if (!json_object_is_type(o, json_type_object))
        return vnic_remote_bad_reply(err, _("reply member '%s': not an object"), "error");
    const char *code = NULL, *message = NULL;
    unsigned errnum = 0;
    int r;
    if ((r = vnic_remote_get_string(o, "code", true, &code, err)) < 0 ||
        (r = vnic_remote_get_string(o, "message", true, &message, err)) < 0 ||
        (r = vnic_remote_get_uint(o, "errno", 4095, &errnum, err)) < 0)
        return r;
    vnic_error_set(err, vnic_unmarshal_error_code(code), "%s", message);
    if (err && *err)
        (*err)->sys_errno = (int)errnum;
    *list_status = errnum ? -(int)errnum : -EIO;
    return 1;
}

int vnic_remote_domain_list(vnic_conn *conn, unsigned flags, vnic_domain_info ***ret, size_t *ret_n,
                            vnic_error **err)
{
    json_object *params = json_object_new_object();
    vnic_remote_add_flag(params, "all", flags & VNIC_LIST_ALL);
    json_object *reply = NULL;
    int r = vnic_remote_call(conn->priv, "List", params, &reply, NULL, NULL, NULL, err);
    if (r < 0)
        return r;

    json_object *domains = NULL;
    size_t n = 0;
    vnic_domain_info **list = NULL;
    if ((r = vnic_remote_get_array(reply, "domains", &domains, &n, err)) < 0)
        goto out;
    list = vnic_xcalloc(n ? n : 1, sizeof(*list));
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *what = vnic_xasprintf("domains[%zu]", i);
        if ((r = vnic_unmarshal_info(json_object_array_get_idx(domains, i), what, &list[i], err)) <
            0)
            goto out;
    }
    /* Last: a record that could not be read: the list with *err naming it and a negative
     * return, as the embedded driver gives it (the documented partial result). */
    int status = 0;
    if ((r = take_list_error(reply, &status, err)) < 0)
        goto out;
    r = status;
    *ret = TAKE_PTR(list);
    *ret_n = n;
out:
    vnic_domain_info_list_free(list, n);
    json_object_put(reply);
    return r;
}

char *vnic_remote_domain_get_xml(vnic_conn *conn, const char *name, unsigned flags,
                                 vnic_error **err)
{
    if (check_name(name, err) < 0)
        return NULL;
    json_object *params = name_params(name);
    vnic_remote_add_flag(params, "inactive", flags & VNIC_XML_INACTIVE);
    json_object *reply = NULL;
    if (vnic_remote_call(conn->priv, "GetXML", params, &reply, NULL, NULL, NULL, err) < 0)
        return NULL;
    const char *xml = NULL;
    char *ret = NULL;
    if (vnic_remote_get_string(reply, "xml", true, &xml, err) == 0)
        ret = vnic_xstrdup(xml);
    json_object_put(reply);
    return ret;
}

int vnic_remote_domain_attach_interface(vnic_conn *conn, const char *name, const char *xml,
                                        const char *docname, unsigned flags, unsigned *ret_index,
                                        char **ret_alias, vnic_diag_list *diags, vnic_error **err)
{
    int r = check_name(name, err);
    if (r < 0)
        return r;
    json_object *params = name_params(name);
    vnic_remote_add_string(params, "xml", xml);
    vnic_remote_add_string(params, "docname", docname);
    vnic_remote_add_flag(params, "skip_unsupported", flags & VNIC_ATTACH_SKIP_UNSUPPORTED);
    vnic_remote_add_flag(params, "no_schema", flags & VNIC_ATTACH_NO_SCHEMA);
    json_object *reply = NULL;
    if ((r = vnic_remote_call(conn->priv, "AttachInterface", params, &reply, NULL, NULL, diags,
                              err)) < 0)
        return r;
    unsigned index = 0;
    const char *alias = NULL;
    if ((r = vnic_remote_get_uint(reply, "index", VNIC_MARSHAL_MAX_ITEMS, &index, err)) == 0 &&
        (r = vnic_remote_get_string(reply, "alias", true, &alias, err)) == 0) {
        if (ret_index)
            *ret_index = index;
        if (ret_alias)
            *ret_alias = vnic_xstrdup(alias);
    }
    json_object_put(reply);
    return r;
}

int vnic_remote_domain_detach_interface(vnic_conn *conn, const char *name, const char *alias,
                                        vnic_error **err)
{
    int r = check_name(name, err);
    if (r < 0)
        return r;
    if (!alias)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("no interface alias given")), -EINVAL;
    json_object *params = name_params(name);
    vnic_remote_add_string(params, "alias", alias);
    return vnic_remote_call(conn->priv, "DetachInterface", params, NULL, NULL, NULL, NULL, err);
}

int vnic_remote_reconcile(vnic_conn *conn, unsigned flags, vnic_reconcile_action ***ret,
                          size_t *ret_n, vnic_error **err)
{
    json_object *params = json_object_new_object();
    vnic_remote_add_flag(params, "dry_run", flags & VNIC_RECONCILE_DRY_RUN);
    vnic_remote_add_flag(params, "quick", flags & VNIC_RECONCILE_QUICK);
    json_object *reply = NULL;
    int r = vnic_remote_call(conn->priv, "Reconcile", params, &reply, NULL, NULL, NULL, err);
    if (r < 0)
        return r;
    json_object *o = NULL;
    int status = 0;
    if (!json_object_object_get_ex(reply, "actions", &o))
        r = vnic_remote_bad_reply(err, _("reply member '%s': missing"), "actions");
    else if ((r = vnic_unmarshal_actions(o, "actions", ret, ret_n, err)) == 0 &&
             (r = take_list_error(reply, &status, err)) < 0) {
        vnic_reconcile_actions_free(*ret, *ret_n);
        *ret = NULL;
        *ret_n = 0;
    }
    json_object_put(reply);
    /* What could not be settled: the actions with *err and a negative return, as embedded. */
    return r < 0 ? r : status;
}

/* ---- domiftune ------------------------------------------------------------------------------ */

/* Reply member KEY, a Rate (average, peak, burst), into v. */
static int take_rate(json_object *reply, const char *key,
                     unsigned long long v[VNIC_BANDWIDTH_NPARAMS], vnic_error **err)
{
    static const char *const names[VNIC_BANDWIDTH_NPARAMS] = {"average", "peak", "burst"};
    json_object *o = NULL;
    if (!json_object_object_get_ex(reply, key, &o) || !json_object_is_type(o, json_type_object))
        return vnic_remote_bad_reply(err, _("reply member '%s': missing"), key);
    for (size_t i = 0; i < VNIC_BANDWIDTH_NPARAMS; i++) {
        unsigned x;
        int r = vnic_remote_get_uint(o, names[i], 0x7fffffff, &x, err);
        if (r < 0)
            return r;
        v[i] = x;
    }
    return 0;
}

int vnic_remote_domain_get_interface_bandwidth(vnic_conn *conn, const char *name, const char *iface,
                                               vnic_interface_bandwidth **ret, vnic_error **err)
{
    int r = check_name(name, err);
    if (r < 0)
        return r;
    json_object *params = name_params(name);
    vnic_remote_add_string(params, "interface", iface);
    json_object *reply = NULL;
    if ((r = vnic_remote_call(conn->priv, "GetInterfaceBandwidth", params, &reply, NULL, NULL, NULL,
                              err)) < 0)
        return r;
    vnic_interface_bandwidth *bw = vnic_xcalloc(1, sizeof(*bw));
    bw->size = sizeof(*bw);
    const char *alias = NULL, *device = NULL;
    if ((r = vnic_remote_get_string(reply, "alias", true, &alias, err)) == 0 &&
        (r = vnic_remote_get_string(reply, "device", false, &device, err)) == 0 &&
        (r = take_rate(reply, "inbound", bw->inbound, err)) == 0 &&
        (r = take_rate(reply, "outbound", bw->outbound, err)) == 0) {
        bw->alias = vnic_xstrdup(alias);
        bw->device = vnic_xstrdup_null(device);
    }
    json_object_put(reply);
    if (r < 0) {
        vnic_interface_bandwidth_free(bw);
        return r;
    }
    *ret = bw;
    return 0;
}

/* Direction DIR of a SetInterfaceBandwidth request: checked here as the server would (the wire
 * carries integers up to INT_MAX only), then as DIR_average, DIR_peak, DIR_burst. */
static int add_rate(json_object *params, const char *dir, const unsigned long long *v,
                    vnic_error **err)
{
    if (!v)
        return 0;
    vnic_bandwidth_rate r = {.average = v[VNIC_BANDWIDTH_AVERAGE],
                             .peak = v[VNIC_BANDWIDTH_PEAK],
                             .burst = v[VNIC_BANDWIDTH_BURST]};
    int rv = vnic_bandwidth_rate_check(&r, dir, err);
    if (rv < 0)
        return rv;
    static const char *const names[VNIC_BANDWIDTH_NPARAMS] = {"average", "peak", "burst"};
    for (size_t i = 0; i < VNIC_BANDWIDTH_NPARAMS; i++) {
        char key[32];
        snprintf(key, sizeof(key), "%s_%s", dir, names[i]);
        json_object_object_add(params, key, json_object_new_int64((int64_t)v[i]));
    }
    return 0;
}

int vnic_remote_domain_set_interface_bandwidth(vnic_conn *conn, const char *name, const char *iface,
                                               const unsigned long long *inbound,
                                               const unsigned long long *outbound, vnic_error **err)
{
    int r = check_name(name, err);
    if (r < 0)
        return r;
    json_object *params = name_params(name);
    vnic_remote_add_string(params, "interface", iface);
    if ((r = add_rate(params, "inbound", inbound, err)) < 0 ||
        (r = add_rate(params, "outbound", outbound, err)) < 0) {
        json_object_put(params);
        return r;
    }
    return vnic_remote_call(conn->priv, "SetInterfaceBandwidth", params, NULL, NULL, NULL, NULL,
                            err);
}
