/* io.vnic.Domain, the methods that hand over fds (OpenQueues, OpenAllQueues, Snapshot) or
 * change a running domain (AttachInterface, DetachInterface), and Reconcile. The fds go with
 * the reply that lists them (its "fds" member). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cleanup.h"
#include "dispatch.h"
#include "domain_conf.h"
#include "error.h"
#include "i18n.h"
#include "marshal.h"
#include "snapshot.h"
#include "strutil.h"

const vnicd_param vnicd_open_queues_params[2] = {
    {"name", VNICD_P_STRING, false},
    {"index", VNICD_P_INT, false},
};

int vnicd_m_open_queues(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name");
    unsigned index = vnicd_puint(params, "index");
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_READ, name, NULL) < 0)
        return 0;
    int *fds = NULL;
    size_t n = 0;
    if (vnic_domain_open_queues(c->conn, name, index, &fds, &n, &k.err) < 0)
        return vnicd_call_fail(&k);
    size_t iface = index;
    json_object *p = json_object_new_object();
    vnicd_add(p, "fds", vnic_marshal_fds(&iface, &n, 1));
    vnicd_reply_ok(r, p);
    r->fds = fds;
    r->nfds = n;
    return 0;
}

int vnicd_m_open_all_queues(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name");
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_READ, name, NULL) < 0)
        return 0;
    int *fds = NULL;
    _cleanup_free_ size_t *counts = NULL;
    size_t n = 0, nfds = 0;
    if (vnic_domain_open_all_queues(c->conn, name, &fds, &counts, &n, &k.err) < 0)
        return vnicd_call_fail(&k);
    _cleanup_free_ size_t *ifaces = vnic_xcalloc(n ? n : 1, sizeof(size_t));
    json_object *jcounts = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        ifaces[i] = i;
        nfds += counts[i];
        json_object_array_add(jcounts, json_object_new_int64((int64_t)counts[i]));
    }
    json_object *p = json_object_new_object();
    vnicd_add(p, "counts", jcounts);
    vnicd_add(p, "fds", vnic_marshal_fds(ifaces, counts, n));
    vnicd_reply_ok(r, p);
    r->fds = fds;
    r->nfds = nfds;
    return 0;
}

const vnicd_param vnicd_snapshot_params[9] = {
    {"name", VNICD_P_STRING, true},    {"xml", VNICD_P_STRING, true},
    {"docname", VNICD_P_STRING, true}, {"index", VNICD_P_INT, true},
    {"with_fds", VNICD_P_BOOL, true},  {"start", VNICD_P_BOOL, true},
    {"one", VNICD_P_BOOL, true},       {"skip_unsupported", VNICD_P_BOOL, true},
    {"vhost", VNICD_P_BOOL, true},
};

/* The vhost-net part of a Snapshot reply: vhost_counts, and (with fds) the entries that
 * describe the vhost fds, appended to the fds list after every queue fd. */
static void snapshot_reply_vhost(const vnic_domain_snapshot *s, bool with_fds, json_object *p)
{
    json_object *counts = json_object_new_array();
    for (size_t i = 0; i < s->niface; i++)
        json_object_array_add(counts, json_object_new_int64((int64_t)s->vhost_counts[i]));
    vnicd_add(p, "vhost_counts", counts);
    json_object *fds = NULL;
    if (!with_fds || !json_object_object_get_ex(p, "fds", &fds))
        return;
    for (size_t i = 0; i < s->niface; i++)
        for (size_t q = 0; q < s->vhost_counts[i]; q++) {
            json_object *o = json_object_new_object();
            vnicd_add(o, "interface", json_object_new_int64((int64_t)i));
            vnicd_add(o, "queue", json_object_new_int64((int64_t)q));
            vnicd_add(o, "vhost", json_object_new_boolean(true));
            json_object_array_add(fds, o);
        }
}

static json_object *snapshot_reply(const vnic_domain_snapshot *s, bool with_fds, bool one,
                                   unsigned index, vnic_error **err)
{
    _cleanup_free_ char *xml = vnic_domain_def_format(s->def, err);
    if (!xml)
        return NULL;
    json_object *p = json_object_new_object();
    vnicd_add(p, "xml", json_object_new_string(xml));
    vnicd_add(p, "info", vnic_marshal_info(s->info));
    vnicd_add(p, "started", json_object_new_boolean(s->started));
    json_object *counts = json_object_new_array(), *ids = json_object_new_array();
    for (size_t i = 0; i < s->niface; i++) {
        json_object_array_add(counts, json_object_new_int64((int64_t)s->counts[i]));
        json_object_array_add(ids, json_object_new_string(s->ids[i] ? s->ids[i] : ""));
    }
    vnicd_add(p, "counts", counts);
    vnicd_add(p, "ids", ids);
    if (!with_fds) {
        vnicd_add(p, "fds", json_object_new_array());
    } else if (one) {
        size_t iface = index, n = s->nfds;
        vnicd_add(p, "fds", vnic_marshal_fds(&iface, &n, 1));
    } else {
        _cleanup_free_ size_t *ifaces = vnic_xcalloc(s->niface ? s->niface : 1, sizeof(size_t));
        for (size_t i = 0; i < s->niface; i++)
            ifaces[i] = i;
        vnicd_add(p, "fds", vnic_marshal_fds(ifaces, s->counts, s->niface));
    }
    if (s->vhost_counts)
        snapshot_reply_vhost(s, with_fds, p);
    return p;
}

int vnicd_m_snapshot(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name"), *xml = vnicd_pstr(params, "xml");
    const char *docname = vnicd_docname(params);
    unsigned index = vnicd_puint(params, "index");
    bool with_fds = vnicd_pbool(params, "with_fds"), start = vnicd_pbool(params, "start");
    bool one = vnicd_pbool(params, "one"), skip = vnicd_pbool(params, "skip_unsupported");
    bool vhost = vnicd_pbool(params, "vhost");
    /* Of a domain by name, or of a document: one of the two. */
    if (!name == !xml) {
        vnicd_reply_invalid(r, name ? "xml" : "name");
        return 0;
    }
    if (vnicd_call_conn(&k) < 0)
        return 0;
    _cleanup_def_ vnic_domain_def *def = NULL;
    if (xml) {
        if (vnicd_call_parse(&k, xml, docname, skip ? VNIC_PARSE_SKIP_UNSUPPORTED : 0, &def) < 0)
            return 0;
    } else if (start) {
        def = vnicd_call_stored_def(&k, name);
    }
    const char *check_name = name ? name : def ? vnic_domain_def_name(def) : NULL;
    if (vnicd_call_allowed(&k, with_fds || start ? VNICD_OP_RUN : VNICD_OP_READ, check_name, def) <
        0)
        return 0;
    unsigned flags = (with_fds ? VNIC_SNAPSHOT_FDS : 0) | (start ? VNIC_SNAPSHOT_START : 0) |
                     (one ? VNIC_SNAPSHOT_ONE : 0) | (skip ? VNIC_SNAPSHOT_SKIP_UNSUPPORTED : 0) |
                     (vhost ? VNIC_SNAPSHOT_VHOST : 0);
    _cleanup_(vnic_domain_snapshot_freep) vnic_domain_snapshot *s = NULL;
    if (vnic_conn_domain_snapshot(c->conn, name, xml, docname, index, flags, &s, &k.diags, &k.err) <
        0)
        return vnicd_call_fail(&k);
    if (s->started) {
        /* Started by this call: supervised by this client, as a start by `vnicsh run`. */
        vnicd_client_supervise(c, s->info->name);
        if (!s->info->persistent && vnicd_note_owner(&k, s->info->name, false, false) < 0)
            return 0;
        vnicd_log(LOG_INFO, "client %lu: started domain '%s' (supervised)", c->id, s->info->name);
    }
    json_object *p = snapshot_reply(s, with_fds, one, index, &k.err);
    if (!p) {
        if (s->started) {
            (void)vnic_domain_destroy(c->conn, s->info->name, NULL);
            vnicd_client_unsupervise(c, s->info->name);
        }
        return vnicd_call_fail(&k);
    }
    vnicd_reply_ok(r, p);
    if (with_fds) {
        /* Every queue fd, then every vhost-net fd, as the reply's fds list says. */
        r->nfds = s->nfds + s->nvhostfds;
        r->fds = vnic_xcalloc(r->nfds + 1, sizeof(int));
        for (size_t i = 0; i < s->nfds; i++)
            r->fds[i] = TAKE_FD(s->fds[i]);
        for (size_t i = 0; i < s->nvhostfds; i++)
            r->fds[s->nfds + i] = TAKE_FD(s->vhostfds[i]);
    }
    return 0;
}

const vnicd_param vnicd_attach_params[5] = {
    {"name", VNICD_P_STRING, false},    {"xml", VNICD_P_STRING, false},
    {"docname", VNICD_P_STRING, false}, {"skip_unsupported", VNICD_P_BOOL, true},
    {"no_schema", VNICD_P_BOOL, true},
};

int vnicd_m_attach(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name"), *xml = vnicd_pstr(params, "xml");
    const char *docname = vnicd_docname(params);
    bool skip = vnicd_pbool(params, "skip_unsupported"),
         no_schema = vnicd_pbool(params, "no_schema");
    _cleanup_def_ vnic_domain_def *iface = NULL, *whole = NULL;
    if (vnicd_call_conn(&k) < 0 || vnicd_call_parse(&k, xml, docname,
                                                    (skip ? VNIC_PARSE_SKIP_UNSUPPORTED : 0) |
                                                        (no_schema ? VNIC_PARSE_NO_SCHEMA : 0),
                                                    &iface) < 0)
        return 0;
    /* The policy's limits count the whole domain: it checks the running definition with the
     * new interface in it. */
    if (iface) {
        _cleanup_free_ char *live = vnic_domain_get_xml(c->conn, name, 0, NULL);
        if (live && vnic_domain_def_parse_string(live, name,
                                                 VNIC_PARSE_NO_SCHEMA | VNIC_PARSE_SKIP_UNSUPPORTED,
                                                 &whole, NULL, NULL) == 0) {
            vnic_iface_def *one = vnic_domain_def_steal_interface(iface);
            if (one)
                vnic_domain_def_add_interface(whole, one);
        }
    }
    if (vnicd_call_allowed(&k, VNICD_OP_ATTACH, name, whole ? whole : iface) < 0)
        return 0;
    unsigned flags =
        (skip ? VNIC_ATTACH_SKIP_UNSUPPORTED : 0) | (no_schema ? VNIC_ATTACH_NO_SCHEMA : 0);
    unsigned index = 0;
    _cleanup_free_ char *alias = NULL;
    if (vnic_conn_domain_attach_interface_xml(c->conn, name, xml, docname, flags, &index, &alias,
                                              &k.diags, &k.err) < 0)
        return vnicd_call_fail(&k);
    vnicd_log(LOG_INFO, "client %lu: attached interface '%s' to domain '%s'", c->id,
              alias ? alias : "?", name);
    json_object *p = json_object_new_object();
    vnicd_add(p, "index", json_object_new_int64(index));
    vnicd_add(p, "alias", json_object_new_string(alias ? alias : ""));
    vnicd_reply_ok(r, p);
    return 0;
}

const vnicd_param vnicd_detach_params[2] = {
    {"name", VNICD_P_STRING, false},
    {"alias", VNICD_P_STRING, false},
};

int vnicd_m_detach(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    const char *name = vnicd_pstr(params, "name"), *alias = vnicd_pstr(params, "alias");
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_DETACH, name, NULL) < 0)
        return 0;
    if (vnic_domain_detach_interface(c->conn, name, alias, &k.err) < 0)
        return vnicd_call_fail(&k);
    vnicd_log(LOG_INFO, "client %lu: detached interface '%s' from domain '%s'", c->id, alias, name);
    vnicd_reply_ok(r, NULL);
    return 0;
}

const vnicd_param vnicd_reconcile_params[2] = {
    {"dry_run", VNICD_P_BOOL, true},
    {"quick", VNICD_P_BOOL, true},
};

int vnicd_m_reconcile(vnicd_client *c, json_object *params, vnicd_reply *r)
{
    VNICD_CALL(c, r);
    if (vnicd_call_conn(&k) < 0 || vnicd_call_allowed(&k, VNICD_OP_RECONCILE, NULL, NULL) < 0)
        return 0;
    unsigned flags = (vnicd_pbool(params, "dry_run") ? VNIC_RECONCILE_DRY_RUN : 0) |
                     (vnicd_pbool(params, "quick") ? VNIC_RECONCILE_QUICK : 0);
    vnic_reconcile_action **acts = NULL;
    size_t n = 0;
    /* A reconcile that could not settle everything still reports what it did (and found):
     * the actions, and its failure as a partial result's error, as List does. */
    if (vnic_reconcile(c->conn, flags, &acts, &n, &k.err) < 0 && !acts)
        return vnicd_call_fail(&k);
    json_object *p = json_object_new_object();
    vnicd_add(p, "actions", vnic_marshal_actions(acts, n));
    vnicd_add_partial_error(p, k.err);
    vnic_reconcile_actions_free(acts, n);
    vnicd_log(LOG_INFO, "client %lu: reconcile: %zu actions", c->id, n);
    vnicd_reply_ok(r, p);
    return 0;
}
