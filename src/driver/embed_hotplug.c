/* Attaching interfaces to and detaching them from running domains. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"

/* The next free number for a mark of the domain: marks stay fixed while interfaces come and
 * go, so a new one never takes an old one's. */
static unsigned next_mark_number(const vnic_record *rec, const char *prefix)
{
    unsigned next = (unsigned)rec->def->niface;
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < rec->def->niface; i++) {
        const char *m = rec->ifaces[i].mark;
        unsigned long v;
        if (vnic_str_has_prefix(m, prefix) && vnic_parse_uint(m + plen, 0, 1000000, &v) == 0 &&
            v + 1 > next)
            next = (unsigned)v + 1;
    }
    return next;
}

/* The parser's flags for an attach's: spelled out, since each call has an enum of its own
 * with values of its own. */
static unsigned attach_parse_flags(unsigned flags)
{
    return ((flags & VNIC_ATTACH_SKIP_UNSUPPORTED) ? (unsigned)VNIC_PARSE_SKIP_UNSUPPORTED : 0) |
           ((flags & VNIC_ATTACH_NO_SCHEMA) ? (unsigned)VNIC_PARSE_NO_SCHEMA : 0);
}

/* The single interface of a standalone <interface> document. */
static int parse_iface(const char *xml, const char *docname, unsigned flags, vnic_iface_def **ret,
                       vnic_diag_list *diags, vnic_error **err)
{
    _cleanup_(vnic_domain_def_freep) vnic_domain_def *def = NULL;
    int r;
    if ((r = vnic_domain_def_parse_string(xml, docname, attach_parse_flags(flags), &def, diags,
                                          err)) < 0)
        return r;
    vnic_iface_def *iface = vnic_domain_def_steal_interface(def);
    if (!iface)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("%s: attach-interface needs a document with one <interface> as "
                                "its root"),
                              docname),
               -EINVAL;
    *ret = iface;
    return 0;
}

/* Does IFACE (its alias and MAC given) fit domain NAME's definition DEF? What the parser
 * checks across a domain's interfaces, each clash named by the other interface's alias. */
static int check_fits(const char *name, const vnic_domain_def *def, const vnic_iface_def *iface,
                      const char *docname, vnic_diag_list *diags, vnic_error **err)
{
    for (size_t i = 0; i < def->niface; i++) {
        const vnic_iface_def *o = def->ifaces[i];
        if (o->alias && vnic_streq(o->alias, iface->alias))
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' already has an interface with alias '%s'"), name,
                                  iface->alias),
                   -EEXIST;
        if (o->has_mac && memcmp(o->mac, iface->mac, 6) == 0) {
            char mac[18];
            vnic_mac_format(iface->mac, mac);
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' already has an interface with MAC %s"), name, mac),
                   -EEXIST;
        }
        if (o->target_dev && iface->target_dev && !vnic_ifname_is_template(o->target_dev) &&
            vnic_streq(o->target_dev, iface->target_dev))
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' already has an interface with target device "
                                    "'%s' ('%s')"),
                                  name, iface->target_dev, o->alias ? o->alias : "?"),
                   -EEXIST;
        if (o->source_dev && iface->source_dev && vnic_streq(o->source_dev, iface->source_dev) &&
            (o->mode == VNIC_MACVTAP_PASSTHROUGH || iface->mode == VNIC_MACVTAP_PASSTHROUGH))
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' already has an interface on lower device '%s' "
                                    "('%s'); a device in passthrough mode cannot share it"),
                                  name, iface->source_dev, o->alias ? o->alias : "?"),
                   -EEXIST;
        if (o->has_pci_address && iface->has_pci_address && o->pci_bus == iface->pci_bus &&
            o->pci_slot == iface->pci_slot && o->pci_function == iface->pci_function)
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' already has an interface at PCI address bus "
                                    "0x%02x slot 0x%02x function 0x%x ('%s')"),
                                  name, iface->pci_bus, iface->pci_slot, iface->pci_function,
                                  o->alias ? o->alias : "?"),
                   -EEXIST;
    }
    /* The rest of what the parser checks across a domain's interfaces (the controllers' rules,
     * room for one more without an address): a record it would refuse could not be read back,
     * and the domain would be lost to vnic. */
    vnic_diag_list fit = {0};
    vnic_domain_check_added(docname, &fit, def, iface);
    if (fit.count) {
        if (diags)
            vnic_diag_append(diags, &fit);
        vnic_diag_clear(&fit);
        return vnic_error_set(err, VNIC_ERR_XML, _("%s: the interface does not fit domain '%s'"),
                              docname, name),
               -EINVAL;
    }
    return 0;
}

int vnic_embed_domain_attach_interface(vnic_conn *conn, const char *name, const char *xml,
                                       const char *docname, unsigned flags, unsigned *ret_index,
                                       char **ret_alias, vnic_diag_list *diags, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_iface_def_freep) vnic_iface_def *iface = NULL;
    int r;

    if ((r = parse_iface(xml, docname, flags, &iface, diags, err)) < 0)
        return r;

    _cleanup_close_ int lock = -1;
    dom_state st;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    if ((r = vnic_embed_lock_and_settle(p, name, &lock, &st, &rec, err)) < 0)
        return r;
    if (st != DOM_ACTIVE && st != DOM_DEGRADED)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not active"), name), -EINVAL;
    if ((r = vnic_embed_need_cap_net_admin(true, err)) < 0 || (r = vnic_embed_get_nl(p, err)) < 0)
        return r;

    vnic_domain_def *def = rec->def;
    if (!iface->alias) {
        /* Numbered from the record's counter, so that an alias once given (say net1, since
         * detached) is never given to another interface; a record of an older version has no
         * counter and starts from the interface count. */
        iface->alias = vnic_domain_def_next_alias(def, &rec->next_alias);
    }
    if (!iface->has_mac) {
        vnic_domain_def_new_mac(def, iface->mac);
        iface->has_mac = true;
    }
    if ((r = check_fits(name, def, iface, docname, diags, err)) < 0)
        return r;

    vnic_embed_apply_client(p, iface);
    iface->domain_not_kvm = def->not_kvm; /* its vhost-net, as the domain's other NICs' */
    const vnic_backend_ops *ops = vnic_registry_find(p->reg, iface, err);
    if (!ops)
        return -ENOENT;
    vnic_backend_env env = vnic_embed_backend_env(p, rec);
    if ((r = ops->verify(&env, vnic_backend_iface_of(iface), err)) < 0 ||
        (r = vnic_embed_host_check(p, iface, err)) < 0 ||
        (r = vnic_embed_check_host_iface(p, iface, true, err)) < 0)
        return r;

    /* Intent first, as for a start: the new interface in the record, not yet made. */
    size_t index;
    {
        _cleanup_close_ int slock = -1;
        if ((r = vnic_embed_store_lock(p, &slock, err)) < 0)
            return r;
        rec->ifaces = vnic_xreallocarray(rec->ifaces, def->niface + 1, sizeof(*rec->ifaces));
        vnic_record_iface *ri = &rec->ifaces[def->niface];
        memset(ri, 0, sizeof(*ri));
        _cleanup_free_ char *prefix = vnic_xasprintf("%s%s/", p->mark_prefix, name);
        _cleanup_free_ char *mark = vnic_xasprintf("%s%u", prefix, next_mark_number(rec, prefix));
        vnic_strlcpy(ri->mark, mark, sizeof(ri->mark));
        vnic_strlcpy(ri->backend, ops->name, sizeof(ri->backend));
        unsigned long n = 0;
        if (vnic_embed_is_template_iface(iface) &&
            (r = vnic_embed_counter_reserve(p, 1, &n, err)) < 0)
            return r;
        if ((r = vnic_embed_choose_name(p, iface, ops, n, ri, err)) < 0)
            return r;
        index = vnic_domain_def_add_interface(def, TAKE_PTR(iface));
        if ((r = vnic_embed_record_write(p, rec, err)) < 0)
            return r;
    }
    vnic_fault_step("attach: intent written");

    r = vnic_embed_create_one(p, rec, ops, index, NULL, 0, err);
    if (r == 0) {
        vnic_fault_step("attach: device made");
        int fail = vnic_fault_fail("attach-record-write");
        r = fail ? (vnic_error_set_errno(err, fail, _("cannot write the record of domain '%s'"),
                                         name),
                    -fail)
                 : vnic_embed_record_write(p, rec, err);
        if (r < 0) {
            /* The device was made and its <script> ran: it goes as at any other end, its
             * <downscript> first. */
            vnic_embed_run_downscript(p, rec, index);
            vnic_error *e = NULL;
            ops->destroy(&env, &rec->ifaces[index].rt, rec->ifaces[index].mark, &e);
            vnic_error_free(e);
        } else {
            vnic_fault_step("attach: result written");
        }
    }
    if (r < 0) {
        /* Nothing of it stays: not the device, not its place in the record. */
        vnic_embed_record_remove_iface(rec, index);
        vnic_error *e = NULL;
        if (vnic_embed_record_write(p, rec, &e) < 0) {
            VNIC_WARN("%s", e->message);
            vnic_error_free(e);
        }
        return r;
    }
    if (ret_index)
        *ret_index = (unsigned)index;
    if (ret_alias)
        *ret_alias = vnic_xstrdup(rec->def->ifaces[index]->alias);
    return 0;
}

int vnic_embed_domain_detach_interface(vnic_conn *conn, const char *name, const char *alias,
                                       vnic_error **err)
{
    embed_priv *p = conn->priv;
    int r;

    _cleanup_close_ int lock = -1;
    dom_state st;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    if ((r = vnic_embed_lock_and_settle(p, name, &lock, &st, &rec, err)) < 0)
        return r;
    if (st != DOM_ACTIVE && st != DOM_DEGRADED)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not active"), name), -EINVAL;

    size_t index = rec->def->niface;
    for (size_t i = 0; i < rec->def->niface && index == rec->def->niface; i++) {
        const vnic_iface_def *d = rec->def->ifaces[i];
        if ((d->alias && vnic_streq(d->alias, alias)) ||
            (rec->ifaces[i].done && vnic_streq(rec->ifaces[i].rt.name, alias)))
            index = i;
    }
    if (index == rec->def->niface)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("domain '%s' has no interface with alias or device '%s'"), name,
                              alias),
               -ENOENT;
    if ((r = vnic_embed_need_cap_net_admin(false, err)) < 0 || (r = vnic_embed_get_nl(p, err)) < 0)
        return r;

    vnic_record_iface *ri = &rec->ifaces[index];
    const vnic_backend_ops *ops = vnic_registry_find_by_name(p->reg, ri->backend);
    if (!ops)
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED, _("no backend module '%s' is loaded"),
                              ri->backend),
               -ENOENT;
    vnic_backend_env env = vnic_embed_backend_env(p, rec);
    /* Intent first: once the record says "detaching", a detach that dies is finished by
     * whoever comes next (any command's quick pass, reconcile), instead of leaving a running
     * domain with a device that is gone for good. */
    if (ri->done) {
        if ((r = vnic_embed_scripts_allowed(p, rec->def->ifaces[index], err)) < 0)
            return r;
        vnic_embed_run_downscript(p, rec, index);
        ri->detaching = true;
        if ((r = vnic_embed_record_write(p, rec, err)) < 0)
            return r;
        vnic_fault_step("detach: intent written");
        if ((r = ops->destroy(&env, &ri->rt, ri->mark, err)) < 0) {
            /* Still there: the interface stays, as it was. */
            ri->detaching = false;
            vnic_error *e = NULL;
            if (vnic_embed_record_write(p, rec, &e) < 0) {
                VNIC_WARN("%s", e->message);
                vnic_error_free(e);
            }
            return r;
        }
        vnic_fault_step("detach: device removed");
    }
    vnic_embed_record_remove_iface(rec, index);
    if ((r = vnic_embed_record_write(p, rec, err)) < 0)
        return r;
    vnic_fault_step("detach: record written");
    return 0;
}
