/* io.vnic.Domain: each method is the public call of the same name (vnic.h) on the client's
 * own embedded connection, after the access check. Failures go back as the embedded driver
 * made them (code, errno, message, diagnostics), so that a remote client prints the same. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cleanup.h"
#include "dispatch.h"
#include "driver.h"
#include "error.h"
#include "follow.h"
#include "i18n.h"
#include "marshal.h"
#include "snapshot.h"
#include "strutil.h"

void vnicd_call_clear(vnicd_call *k)
{
    vnic_error_free(k->err);
    vnic_diag_clear(&k->diags);
}

/* Reply with the call's failure; returns 0 (the connection stays). */
int vnicd_call_fail(vnicd_call *k)
{
    vnicd_reply_failure(k->r, k->err, &k->diags);
    return 0;
}

int vnicd_call_conn(vnicd_call *k)
{
    return vnicd_client_conn(k->c, &k->err) < 0 ? vnicd_call_fail(k), -1 : 0;
}

/* The access check; a refusal is the PermissionDenied error naming the missing rule. */
int vnicd_call_allowed(vnicd_call *k, vnicd_op op, const char *name, const vnic_domain_def *def)
{
    /* A domain made outside vnicd (through vnic:///embed on the same root) is root's, not a
     * free name: the policy must know it exists before it decides. */
    if (!vnicd_call_is_root(k) && name && k->c->conn) {
        vnic_domain_info *info = NULL;
        if (vnic_domain_lookup(k->c->conn, name, &info, NULL) == 0 &&
            vnicd_access_adopt(k->c->srv->access, name, &k->err) < 0) {
            vnic_domain_info_free(info);
            return vnicd_call_fail(k), -1;
        }
        vnic_domain_info_free(info);
    }
    int r = vnicd_access_check(k->c->srv->access, &k->c->peer, op, name, def, &k->err);
    /* Scripts run as root: never for a caller that is not root, whatever the policy grants
     * (the embedded driver refuses too, for what no definition here shows). */
    for (size_t i = 0; r == 0 && !vnicd_call_is_root(k) && def && i < def->niface; i++)
        if (def->ifaces[i]->script || def->ifaces[i]->downscript) {
            vnic_error_set(&k->err, VNIC_ERR_INVALID,
                           _("permission denied: <%s> runs a program as root, which only root "
                             "may ask for"),
                           def->ifaces[i]->script ? "script" : "downscript");
            r = -EACCES;
        }
    if (r == -EACCES) {
        vnicd_log(LOG_NOTICE, "client %lu (uid %ld): %s", k->c->id, (long)k->c->peer.uid,
                  k->err && k->err->message ? k->err->message : "permission denied");
        json_object *p = json_object_new_object();
        vnicd_add(p, "message",
                  json_object_new_string(k->err && k->err->message ? k->err->message
                                                                   : _("permission denied")));
        k->r->msg = vnic_varlink_error_new(VNIC_VARLINK_ERROR_DENIED, p);
        return -1;
    }
    if (r < 0)
        return vnicd_call_fail(k), -1;
    return 0;
}

bool vnicd_call_is_root(const vnicd_call *k)
{
    return k->c->peer.uid == 0;
}

/* The definition a non-root caller's request brings, parsed so that the policy can check it;
 * its problems go back with the caller's document name and lines. Root needs none (*ret
 * NULL). */
int vnicd_call_parse(vnicd_call *k, const char *xml, const char *docname, unsigned parse_flags,
                     vnic_domain_def **ret)
{
    *ret = NULL;
    if (vnicd_call_is_root(k))
        return 0;
    if (vnic_domain_def_parse_string(xml, docname, parse_flags, ret, &k->diags, &k->err) < 0)
        return vnicd_call_fail(k), -1;
    return 0;
}

/* The stored definition of NAME, for the policy's check of what a start makes run (NULL when
 * there is none: the start then fails on its own). */
vnic_domain_def *vnicd_call_stored_def(vnicd_call *k, const char *name)
{
    if (vnicd_call_is_root(k))
        return NULL;
    _cleanup_free_ char *xml = vnic_domain_get_xml(k->c->conn, name, VNIC_XML_INACTIVE, NULL);
    vnic_domain_def *def = NULL;
    if (xml)
        (void)vnic_domain_def_parse_string(
            xml, name, VNIC_PARSE_NO_SCHEMA | VNIC_PARSE_SKIP_UNSUPPORTED, &def, NULL, NULL);
    return def;
}

const char *vnicd_docname(json_object *params)
{
    const char *d = vnicd_pstr(params, "docname");
    return d ? d : VNIC_XML_DOCNAME_DEFAULT;
}

void vnicd_reply_info(vnicd_call *k, const vnic_domain_info *info)
{
    json_object *p = json_object_new_object();
    vnicd_add(p, "info", vnic_marshal_info(info));
    vnicd_reply_ok(k->r, p);
}

/* A domain the caller made is the caller's (the policy's ownership). Root's is recorded only
 * when nobody owns the name yet: root redefining a user's domain leaves it the user's. A
 * non-root caller's domain must be recorded, or the caller could not even see it: what was
 * new is undone then (a domain that EXISTED stays as it is). */
int vnicd_note_owner(vnicd_call *k, const char *name, bool undo_define, bool existed)
{
    vnicd_access *a = k->c->srv->access;
    bool root = vnicd_call_is_root(k);
    int r = root ? vnicd_access_adopt(a, name, &k->err)
                 : vnicd_access_set_owner(a, &k->c->peer, name, &k->err);
    if (r == 0)
        return 0;
    vnicd_log(LOG_ERR, "client %lu: cannot note the owner of '%s': %s", k->c->id, name,
              k->err && k->err->message ? k->err->message : "?");
    if (root || existed) {
        vnic_error_free(k->err);
        k->err = NULL;
        return 0;
    }
    if (undo_define)
        (void)vnic_domain_undefine(k->c->conn, name, VNIC_UNDEFINE_DESTROY, NULL);
    else
        (void)vnic_domain_destroy(k->c->conn, name, NULL);
    vnicd_client_unsupervise(k->c, name);
    return vnicd_call_fail(k), -1;
}

/* Does the domain of DEF (a non-root caller's) exist already? */
bool vnicd_call_exists(vnicd_call *k, const vnic_domain_def *def)
{
    const char *name = def ? vnic_domain_def_name(def) : NULL;
    vnic_domain_info *info = NULL;
    bool found = name && vnic_domain_lookup(k->c->conn, name, &info, NULL) == 0;
    vnic_domain_info_free(info);
    return found;
}

/* ---- Create, Define, Undefine, Start, Destroy ------------------------------------------ */

static const vnicd_param create_params[] = {
    {"xml", VNICD_P_STRING, false},           {"docname", VNICD_P_STRING, false},
    {"skip_unsupported", VNICD_P_BOOL, true}, {"no_schema", VNICD_P_BOOL, true},
    {"supervised", VNICD_P_BOOL, true},
};

static unsigned parse_flags(json_object *params)
{
    return (vnicd_pbool(params, "skip_unsupported") ? VNIC_PARSE_SKIP_UNSUPPORTED : 0) |
           (vnicd_pbool(params, "no_schema") ? VNIC_PARSE_NO_SCHEMA : 0);
}

static int m_create(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *xml = vnicd_pstr(params, "xml"), *docname = vnicd_docname(params);
    bool supervised = vnicd_pbool(params, "supervised");
    _cleanup_def_ vnic_domain_def *def = NULL;
    if (vnicd_call_conn(&k) < 0 ||
        vnicd_call_parse(&k, xml, docname, parse_flags(params), &def) < 0 ||
        vnicd_call_allowed(&k, supervised ? VNICD_OP_RUN : VNICD_OP_START,
                           def ? vnic_domain_def_name(def) : NULL, def) < 0)
        return 0;
    bool existed = vnicd_call_exists(&k, def);
    unsigned flags = (vnicd_pbool(params, "skip_unsupported") ? VNIC_CREATE_SKIP_UNSUPPORTED : 0) |
                     (vnicd_pbool(params, "no_schema") ? VNIC_CREATE_NO_SCHEMA : 0) |
                     (supervised ? VNIC_CREATE_SUPERVISED : 0);
    _cleanup_info_ vnic_domain_info *info = NULL;
    /* The definition the policy checked is the one started: parsed once. */
    int cr = def ? vnic_conn_create_def(c->conn, TAKE_PTR(def),
                                        supervised ? VNIC_CREATE_SUPERVISED : 0, &info, &k.err)
                 : vnic_domain_create_xml(c->conn, xml, docname, flags, &info, &k.diags, &k.err);
    if (cr < 0)
        return vnicd_call_fail(&k);
    if (supervised)
        vnicd_client_supervise(c, info->name);
    if (vnicd_note_owner(&k, info->name, false, existed) < 0)
        return 0;
    vnicd_log(LOG_INFO, "client %lu: created domain '%s'%s", c->id, info->name,
              supervised ? " (supervised)" : "");
    vnicd_reply_info(&k, info);
    return 0;
}

static const vnicd_param define_params[] = {
    {"xml", VNICD_P_STRING, false},
    {"docname", VNICD_P_STRING, false},
    {"skip_unsupported", VNICD_P_BOOL, true},
    {"no_schema", VNICD_P_BOOL, true},
};

static int m_define(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *xml = vnicd_pstr(params, "xml"), *docname = vnicd_docname(params);
    _cleanup_def_ vnic_domain_def *def = NULL;
    if (vnicd_call_conn(&k) < 0 ||
        vnicd_call_parse(&k, xml, docname, parse_flags(params), &def) < 0 ||
        vnicd_call_allowed(&k, VNICD_OP_DEFINE, def ? vnic_domain_def_name(def) : NULL, def) < 0)
        return 0;
    bool existed = vnicd_call_exists(&k, def);
    unsigned flags = (vnicd_pbool(params, "skip_unsupported") ? VNIC_DEFINE_SKIP_UNSUPPORTED : 0) |
                     (vnicd_pbool(params, "no_schema") ? VNIC_DEFINE_NO_SCHEMA : 0);
    _cleanup_info_ vnic_domain_info *info = NULL;
    if (vnic_domain_define_xml(c->conn, xml, docname, flags, &info, &k.diags, &k.err) < 0)
        return vnicd_call_fail(&k);
    if (vnicd_note_owner(&k, info->name, true, existed) < 0)
        return 0;
    vnicd_log(LOG_INFO, "client %lu: defined domain '%s'", c->id, info->name);
    vnicd_reply_info(&k, info);
    return 0;
}

static const vnicd_param undefine_params[] = {
    {"name", VNICD_P_STRING, false},
    {"destroy", VNICD_P_BOOL, true},
};

static int m_undefine(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name");
    bool destroy = vnicd_pbool(params, "destroy");
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_UNDEFINE, name, NULL) < 0 ||
        (destroy && vnicd_call_allowed(&k, VNICD_OP_DESTROY, name, NULL) < 0))
        return 0;
    if (vnic_domain_undefine(c->conn, name, destroy ? VNIC_UNDEFINE_DESTROY : 0, &k.err) < 0)
        return vnicd_call_fail(&k);
    vnicd_client_unsupervise(c, name);
    vnicd_access_forget(c->srv->access, name);
    vnicd_log(LOG_INFO, "client %lu: undefined domain '%s'", c->id, name);
    vnicd_reply_ok(r, NULL);
    return 0;
}

static const vnicd_param start_params[] = {
    {"name", VNICD_P_STRING, false},
    {"supervised", VNICD_P_BOOL, true},
};

static int m_start(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name");
    bool supervised = vnicd_pbool(params, "supervised");
    if (vnicd_call_conn(&k) < 0)
        return 0;
    _cleanup_def_ vnic_domain_def *def = vnicd_call_stored_def(&k, name);
    if (vnicd_call_allowed(&k, supervised ? VNICD_OP_RUN : VNICD_OP_START, name, def) < 0)
        return 0;
    _cleanup_info_ vnic_domain_info *info = NULL;
    if (vnic_domain_start(c->conn, name, supervised ? VNIC_START_SUPERVISED : 0, &info, &k.err) < 0)
        return vnicd_call_fail(&k);
    if (supervised)
        vnicd_client_supervise(c, name);
    vnicd_log(LOG_INFO, "client %lu: started domain '%s'%s", c->id, name,
              supervised ? " (supervised)" : "");
    vnicd_reply_info(&k, info);
    return 0;
}

static const vnicd_param name_params[] = {{"name", VNICD_P_STRING, false}};

static int m_destroy(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name");
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_DESTROY, name, NULL) < 0)
        return 0;
    _cleanup_info_ vnic_domain_info *info = NULL;
    bool transient = vnic_domain_lookup(c->conn, name, &info, NULL) == 0 && !info->persistent;
    if (vnic_domain_destroy(c->conn, name, &k.err) < 0)
        return vnicd_call_fail(&k);
    vnicd_client_unsupervise(c, name);
    if (transient)
        vnicd_access_forget(c->srv->access, name);
    vnicd_log(LOG_INFO, "client %lu: destroyed domain '%s'", c->id, name);
    vnicd_reply_ok(r, NULL);
    return 0;
}

/* The caller who may run the domain (a supervised start) may have vnicd follow it in libvirt:
 * the same lifetime, bound to libvirt's domain instead of the caller. */
static int m_follow_libvirt(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name");
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_RUN, name, NULL) < 0)
        return 0;
    if (vnicd_follow(c->srv, c->conn, name, &k.err) < 0)
        return vnicd_call_fail(&k);
    vnicd_log(LOG_INFO, "client %lu: domain '%s' follows libvirt", c->id, name);
    vnicd_reply_ok(r, NULL);
    return 0;
}

/* ---- Lookup, List, GetXML -------------------------------------------------------------- */

static int m_lookup(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name");
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_READ, name, NULL) < 0)
        return 0;
    _cleanup_info_ vnic_domain_info *info = NULL;
    if (vnic_domain_lookup(c->conn, name, &info, &k.err) < 0)
        return vnicd_call_fail(&k);
    vnicd_reply_info(&k, info);
    return 0;
}

static const vnicd_param list_params[] = {{"all", VNICD_P_BOOL, true}};

static int m_list(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    /* A caller no rule lets read anything is refused, as for every other call. */
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_READ, NULL, NULL) < 0)
        return 0;
    vnic_domain_info **list = NULL;
    size_t n = 0;
    int rc = vnic_domain_list(c->conn, vnicd_pbool(params, "all") ? VNIC_LIST_ALL : 0, &list, &n,
                              &k.err);
    if (rc < 0 && !list)
        return vnicd_call_fail(&k);
    /* Only what the caller may see. */
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        if (vnicd_access_can_read(c->srv->access, &c->peer, list[i]->name))
            json_object_array_add(arr, vnic_marshal_info(list[i]));
    vnic_domain_info_list_free(list, n);
    json_object *p = json_object_new_object();
    vnicd_add(p, "domains", arr);
    vnicd_add_partial_error(p, k.err);
    vnicd_reply_ok(r, p);
    return 0;
}

static const vnicd_param getxml_params[] = {
    {"name", VNICD_P_STRING, false},
    {"inactive", VNICD_P_BOOL, true},
};

static int m_get_xml(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name");
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_READ, name, NULL) < 0)
        return 0;
    _cleanup_free_ char *xml = vnic_domain_get_xml(
        c->conn, name, vnicd_pbool(params, "inactive") ? VNIC_XML_INACTIVE : 0, &k.err);
    if (!xml)
        return vnicd_call_fail(&k);
    json_object *p = json_object_new_object();
    vnicd_add(p, "xml", json_object_new_string(xml));
    vnicd_reply_ok(r, p);
    return 0;
}

#define M(name, spec, fn)                                                                          \
    {                                                                                              \
        VNIC_VARLINK_DOMAIN "." name, spec, ELEMENTSOF(spec), fn                                   \
    }

const vnicd_method vnicd_domain_methods[] = {
    M("Create", create_params, m_create),
    M("Define", define_params, m_define),
    M("Undefine", undefine_params, m_undefine),
    M("Start", start_params, m_start),
    M("Destroy", name_params, m_destroy),
    M("FollowLibvirt", name_params, m_follow_libvirt),
    M("Lookup", name_params, m_lookup),
    M("List", list_params, m_list),
    M("GetXML", getxml_params, m_get_xml),
    M("OpenQueues", vnicd_open_queues_params, vnicd_m_open_queues),
    M("OpenAllQueues", name_params, vnicd_m_open_all_queues),
    M("Snapshot", vnicd_snapshot_params, vnicd_m_snapshot),
    M("AttachInterface", vnicd_attach_params, vnicd_m_attach),
    M("DetachInterface", vnicd_detach_params, vnicd_m_detach),
    M("Reconcile", vnicd_reconcile_params, vnicd_m_reconcile),
    M("GetInterfaceBandwidth", vnicd_get_bandwidth_params, vnicd_m_get_bandwidth),
    M("SetInterfaceBandwidth", vnicd_set_bandwidth_params, vnicd_m_set_bandwidth),
    M("InterfaceStats", vnicd_iface_params, vnicd_m_interface_stats),
    M("InterfaceGetLink", vnicd_iface_params, vnicd_m_interface_get_link),
    M("InterfaceSetLink", vnicd_set_link_params, vnicd_m_interface_set_link),
};
const size_t vnicd_ndomain_methods = ELEMENTSOF(vnicd_domain_methods);
