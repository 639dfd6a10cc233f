/* Starting, defining, destroying and undefining domains. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"

/* The parser's flags for a create's or a define's: spelled out, since each call has an enum
 * of its own with values of its own. */
static unsigned create_parse_flags(unsigned flags)
{
    return ((flags & VNIC_CREATE_SKIP_UNSUPPORTED) ? (unsigned)VNIC_PARSE_SKIP_UNSUPPORTED : 0) |
           ((flags & VNIC_CREATE_NO_SCHEMA) ? (unsigned)VNIC_PARSE_NO_SCHEMA : 0);
}

static unsigned define_parse_flags(unsigned flags)
{
    return ((flags & VNIC_DEFINE_SKIP_UNSUPPORTED) ? (unsigned)VNIC_PARSE_SKIP_UNSUPPORTED : 0) |
           ((flags & VNIC_DEFINE_NO_SCHEMA) ? (unsigned)VNIC_PARSE_NO_SCHEMA : 0);
}

/* Undo a start that failed: every device made so far, and the record. */
static void start_rollback(embed_priv *p, vnic_record *rec)
{
    vnic_embed_run_downscripts(p, rec);
    vnic_error *rerr = NULL;
    if (vnic_embed_finish_record(p, rec, false, NULL, NULL, &rerr) < 0) {
        VNIC_WARN("rollback: %s", rerr->message);
        vnic_error_free(rerr);
    }
}

/* Start a domain from def (taken over), with the domain lock held and the state checked. */
int vnic_embed_start_def(embed_priv *p, vnic_domain_def *def_in, bool persistent, bool supervised,
                         vnic_domain_info **ret, vnic_error **err)
{
    _cleanup_(vnic_record_freep) vnic_record *rec = vnic_xcalloc(1, sizeof(*rec));
    rec->def = def_in;
    vnic_domain_def *def = rec->def;
    int r;

    if ((r = vnic_embed_need_cap_net_admin(true, err)) < 0 || (r = vnic_embed_get_nl(p, err)) < 0)
        return r;

    /* Check everything before making anything, against one snapshot of the links. */
    _cleanup_free_ const vnic_backend_ops **ops =
        vnic_xcalloc(def->niface ? def->niface : 1, sizeof(*ops));
    rec->ifaces = vnic_xcalloc(def->niface ? def->niface : 1, sizeof(*rec->ifaces));
    _cleanup_free_ vnic_link_info *links = NULL;
    size_t nlinks = 0;
    bool need_links = false;
    for (size_t i = 0; i < def->niface; i++)
        need_links |= def->ifaces[i]->type == VNIC_IFACE_DIRECT;
    if (need_links && (r = vnic_nl_link_dump(p->nl, &links, &nlinks, err)) < 0)
        return r;
    vnic_backend_env env = vnic_embed_backend_env(p, rec);
    env.links = links;
    env.nlinks = nlinks;
    for (size_t i = 0; i < def->niface; i++) {
        vnic_iface_def *d = def->ifaces[i];
        vnic_embed_apply_client(p, d);
        ops[i] = vnic_registry_find(p->reg, d, err);
        if (!ops[i])
            return vnic_embed_prefix_iface(err, def, i), -ENOENT;
        vnic_strlcpy(rec->ifaces[i].backend, ops[i]->name, sizeof(rec->ifaces[i].backend));
        _cleanup_free_ char *mark = vnic_record_mark(p->mark_prefix, def->name, (unsigned)i);
        vnic_strlcpy(rec->ifaces[i].mark, mark, sizeof(rec->ifaces[i].mark));
        if ((r = ops[i]->verify(&env, vnic_backend_iface_of(d), err)) < 0 ||
            (r = vnic_embed_host_check(p, d, err)) < 0 ||
            (r = vnic_embed_check_host_iface(p, d, true, err)) < 0)
            return vnic_embed_prefix_iface(err, def, i), r;
        if (!d->has_mac) {
            vnic_domain_def_new_mac(def, d->mac);
            d->has_mac = true;
        }
    }

    /* Every interface gets its id now and keeps it while the domain runs: the alias, "netN"
     * where the XML has none, from the record's counter, which hot-plug continues, so no id
     * is ever handed out twice (QEMU's ids and the launchers' views stay unambiguous). */
    unsigned next_alias = 0;
    vnic_domain_def_assign_aliases(def, &next_alias);
    rec->next_alias = next_alias;

    /* A supervised domain: the supervisor's lock is taken before anything exists, so that
     * whenever the record says "supervised" a dead supervisor can be told from a live one. */
    _cleanup_close_ int run_lock = -1;
    if (supervised) {
        r = vnic_embed_run_lock(p, def->name, &run_lock, err);
        if (r == -EWOULDBLOCK)
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' is supervised by another process"), def->name),
                   r;
        if (r < 0)
            return r;
        rec->supervised = true;
    }

    /* Intent: the group and every name, on disk before the first device exists. The store
     * lock makes group and names unique among concurrent starts. */
    {
        _cleanup_close_ int lock = -1;
        if ((r = vnic_embed_store_lock(p, &lock, err)) < 0 ||
            (r = vnic_embed_allocate_group(p, &rec->group, err)) < 0)
            return r;
        unsigned long ntemplates = 0, next = 0;
        for (size_t i = 0; i < def->niface; i++)
            ntemplates += vnic_embed_is_template_iface(def->ifaces[i]);
        if (ntemplates && (r = vnic_embed_counter_reserve(p, ntemplates, &next, err)) < 0)
            return r;
        for (size_t i = 0; i < def->niface; i++) {
            if ((r = vnic_embed_choose_name(p, def->ifaces[i], ops[i], next, &rec->ifaces[i],
                                            err)) < 0)
                return vnic_embed_prefix_iface(err, def, i), r;
            next += vnic_embed_is_template_iface(def->ifaces[i]);
        }
        rec->status = VNIC_RECORD_STARTING;
        if ((r = vnic_embed_record_write(p, rec, err)) < 0)
            return r;
    }
    vnic_fault_step("start: intent written");

    size_t failed = 0;
    r = vnic_embed_create_devices(p, rec, ops, links, nlinks, &failed, err);
    if (r < 0) {
        vnic_embed_prefix_iface(err, def, failed);
        start_rollback(p, rec);
        return r;
    }

    rec->status = VNIC_RECORD_ACTIVE;
    if ((r = vnic_embed_record_write_status(p, rec, err)) < 0) {
        start_rollback(p, rec);
        return r;
    }
    vnic_fault_step("start: result written");
    if (run_lock >= 0) {
        p->supervised =
            vnic_xreallocarray(p->supervised, p->nsupervised + 1, sizeof(*p->supervised));
        p->supervised[p->nsupervised].name = vnic_xstrdup(def->name);
        p->supervised[p->nsupervised++].fd = TAKE_FD(run_lock);
    }
    if (ret)
        *ret = vnic_embed_make_info(rec, persistent);
    /* Opening its queues comes next, nearly always: it reads this record again. */
    vnic_embed_record_keep(p, TAKE_PTR(rec));
    return 0;
}

/* Refuse a standalone <interface>, take the domain's lock (*ret_lock) and check that op may
 * happen in its settled state (*ret_st). */
static int lock_def(embed_priv *p, const vnic_domain_def *def, dom_op op, int *ret_lock,
                    dom_state *ret_st, vnic_error **err)
{
    int r;
    if (def->standalone)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              op == OP_CREATE
                                  ? _("%s: a standalone <interface> cannot be started; put it "
                                      "in a <domain> with a <name>")
                                  : _("%s: a standalone <interface> cannot be defined; put it "
                                      "in a <domain> with a <name>"),
                              def->file),
               -EINVAL;
    if ((r = vnic_embed_lock_and_settle(p, def->name, ret_lock, ret_st, NULL, err)) < 0)
        return r;
    return vnic_embed_check_transition(*ret_st, op, def->name, err);
}

/* Parse the document of a create or define (op), then lock_def. */
static int parse_and_lock(embed_priv *p, const char *xml, const char *docname, unsigned parse_flags,
                          dom_op op, vnic_domain_def **ret_def, int *ret_lock, dom_state *ret_st,
                          vnic_diag_list *diags, vnic_error **err)
{
    int r = vnic_domain_def_parse_string(xml, docname, parse_flags, ret_def, diags, err);
    if (r < 0)
        return r;
    return lock_def(p, *ret_def, op, ret_lock, ret_st, err);
}

int vnic_embed_domain_create(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                             vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_domain_def_freep) vnic_domain_def *def = NULL;
    _cleanup_close_ int lock = -1;
    dom_state st;
    int r = parse_and_lock(p, xml, docname, create_parse_flags(flags), OP_CREATE, &def, &lock, &st,
                           diags, err);
    if (r < 0)
        return r;
    return vnic_embed_start_def(p, TAKE_PTR(def), st == DOM_DEFINED, flags & VNIC_CREATE_SUPERVISED,
                                ret, err);
}

int vnic_conn_create_def(vnic_conn *conn, vnic_domain_def *def_in, unsigned flags,
                         vnic_domain_info **ret, vnic_error **err)
{
    _cleanup_(vnic_domain_def_freep) vnic_domain_def *def = def_in;
    if (conn->driver != &vnic_embed_driver)
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                              _("the %s driver cannot start a parsed definition"),
                              conn->driver->name),
               -EOPNOTSUPP;
    if (flags & ~(unsigned)VNIC_CREATE_SUPERVISED)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("%s: unsupported flags 0x%x"), __func__,
                              flags & ~(unsigned)VNIC_CREATE_SUPERVISED),
               -EINVAL;
    embed_priv *p = conn->priv;
    _cleanup_close_ int lock = -1;
    dom_state st;
    int r = lock_def(p, def, OP_CREATE, &lock, &st, err);
    if (r < 0)
        return r;
    return vnic_embed_start_def(p, TAKE_PTR(def), st == DOM_DEFINED, flags & VNIC_CREATE_SUPERVISED,
                                ret, err);
}

int vnic_embed_domain_start(vnic_conn *conn, const char *name, unsigned flags,
                            vnic_domain_info **ret, vnic_error **err)
{
    embed_priv *p = conn->priv;
    int r;

    _cleanup_close_ int lock = -1;
    dom_state st;
    if ((r = vnic_embed_lock_and_settle(p, name, &lock, &st, NULL, err)) < 0 ||
        (r = vnic_embed_check_transition(st, OP_START, name, err)) < 0)
        return r;
    vnic_domain_def *def = NULL;
    if ((r = vnic_embed_def_read(p, name, &def, err)) < 0)
        return r;
    return vnic_embed_start_def(p, def, true, flags & VNIC_START_SUPERVISED, ret, err);
}

int vnic_embed_domain_define(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                             vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_domain_def_freep) vnic_domain_def *def = NULL;
    _cleanup_close_ int lock = -1;
    dom_state st;
    int r = parse_and_lock(p, xml, docname, define_parse_flags(flags), OP_DEFINE, &def, &lock, &st,
                           diags, err);
    if (r < 0)
        return r;

    for (size_t i = 0; i < def->niface; i++)
        if ((r = vnic_embed_check_host_iface(p, def->ifaces[i], false, err)) < 0)
            return vnic_embed_prefix_iface(err, def, i), r;
    /* A MAC the XML lacks is made once, here, and stored: qemu-args and every start of the
     * domain then give the guest the same one. */
    for (size_t i = 0; i < def->niface; i++)
        if (!def->ifaces[i]->has_mac) {
            vnic_domain_def_new_mac(def, def->ifaces[i]->mac);
            def->ifaces[i]->has_mac = true;
        }
    /* The stored form is the canonical one: what dumpxml --inactive shows. */
    _cleanup_free_ char *stored = vnic_domain_def_format(def, err);
    if (!stored)
        return -ENOMEM;
    if ((r = vnic_embed_def_write(p, def->name, stored, err)) < 0)
        return r;
    if (ret) {
        *ret = vnic_embed_make_defined_info(p->reg, def);
        if (st != DOM_UNDEFINED && st != DOM_DEFINED) {
            free((*ret)->state);
            (*ret)->state = vnic_xstrdup(st == DOM_DEGRADED ? "degraded" : "active");
        }
    }
    return 0;
}

int vnic_embed_domain_destroy(vnic_conn *conn, const char *name, vnic_error **err)
{
    embed_priv *p = conn->priv;
    int r;

    _cleanup_close_ int lock = -1;
    dom_state st;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    if ((r = vnic_embed_lock_and_settle(p, name, &lock, &st, &rec, err)) < 0 ||
        (r = vnic_embed_check_transition(st, OP_DESTROY, name, err)) < 0)
        return r;
    if ((r = vnic_embed_check_not_supervised(p, rec, err)) < 0)
        return r;
    if ((r = vnic_embed_need_cap_net_admin(false, err)) < 0 || (r = vnic_embed_get_nl(p, err)) < 0)
        return r;
    if ((r = vnic_embed_domain_scripts_allowed(p, rec, err)) < 0)
        return r;
    vnic_embed_run_downscripts(p, rec);
    if ((r = vnic_embed_finish_record(p, rec, false, NULL, NULL, err)) < 0)
        return r;
    vnic_embed_release_supervision(p, name);
    return 0;
}

int vnic_embed_domain_undefine(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err)
{
    embed_priv *p = conn->priv;
    int r;

    _cleanup_close_ int lock = -1;
    dom_state st;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    if ((r = vnic_embed_lock_and_settle(p, name, &lock, &st, &rec, err)) < 0)
        return r;
    if (!vnic_embed_def_exists(p, name)) {
        if (rec)
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' is not defined (it runs transiently)"), name),
                   -ENOENT;
        return vnic_embed_check_transition(DOM_UNDEFINED, OP_UNDEFINE, name, err);
    }
    if (rec && (flags & VNIC_UNDEFINE_DESTROY)) {
        if ((r = vnic_embed_check_not_supervised(p, rec, err)) < 0 ||
            (r = vnic_embed_need_cap_net_admin(false, err)) < 0 ||
            (r = vnic_embed_get_nl(p, err)) < 0 ||
            (r = vnic_embed_domain_scripts_allowed(p, rec, err)) < 0)
            return r;
        vnic_embed_run_downscripts(p, rec);
        if ((r = vnic_embed_finish_record(p, rec, false, NULL, NULL, err)) < 0)
            return r;
        st = DOM_DEFINED;
    }
    if ((r = vnic_embed_check_transition(st, OP_UNDEFINE, name, err)) < 0)
        return r;
    return vnic_embed_def_remove(p, name, err);
}
