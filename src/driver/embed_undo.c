/* Undoing and finishing: removing what a record names (a destroy, a rollback, a crash
 * leftover) and finishing hot-plugs that a dead process left half done. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"

/* Delete every device of the record's group at once, if the group holds nothing but this
 * domain's marked devices. gone[i] tells which of the record's devices went with it (a device
 * moved to another group by hand did not). */
static bool batch_delete(embed_priv *p, const vnic_record *rec, bool *gone)
{
    size_t created = 0;
    for (size_t i = 0; i < rec->def->niface; i++)
        if (rec->ifaces[i].done && rec->ifaces[i].rt.created)
            created++;
    if (created < 2 || rec->group == 0)
        return false;

    vnic_link_info *links = NULL;
    size_t n = 0;
    vnic_error *e = NULL;
    if (vnic_nl_link_dump(p->nl, &links, &n, &e) < 0) {
        VNIC_DEBUG("no batch deletion: %s", e->message);
        vnic_error_free(e);
        return false;
    }
    _cleanup_free_ char *prefix = vnic_xasprintf("%s%s/", p->mark_prefix, rec->def->name);
    size_t members = 0;
    bool safe = true;
    for (size_t i = 0; i < n; i++) {
        if (links[i].group != rec->group)
            continue;
        members++;
        for (size_t j = 0; j < rec->def->niface; j++)
            if (rec->ifaces[j].done && rec->ifaces[j].rt.ifindex == links[i].ifindex &&
                vnic_streq(rec->ifaces[j].rt.name, links[i].name))
                gone[j] = true;
        if (!vnic_str_has_prefix(links[i].alias, prefix)) {
            VNIC_WARN("device %s is in group %u without vnic's mark of domain %s; deleting "
                      "one by one",
                      links[i].name, rec->group, rec->def->name);
            safe = false;
        }
    }
    free(links);
    if (!safe || members == 0) {
        memset(gone, 0, rec->def->niface * sizeof(*gone));
        return false;
    }

    if (vnic_nl_group_delete(p->nl, rec->group, &e) < 0) {
        VNIC_DEBUG("batch deletion failed: %s", e->message);
        vnic_error_free(e);
        memset(gone, 0, rec->def->niface * sizeof(*gone));
        return false;
    }
    return true;
}

/* A device of a start that never finished may exist under its intended name and carry the
 * domain's link group but not yet its mark (the kernel sets the group with creation, the mark
 * after). Such a device is the record's: delete it. Returns true if it did. */
bool vnic_embed_delete_unmarked(embed_priv *p, const vnic_record *rec, const char *name)
{
    vnic_link_info info;
    vnic_error *e = NULL;
    if (vnic_nl_link_get(p->nl, 0, name, &info, &e) < 0) {
        vnic_error_free(e);
        return false;
    }
    if (info.alias[0] || info.group != rec->group || !vnic_embed_is_vnic_group(info.group))
        return false;
    if (vnic_nl_link_delete(p->nl, info.ifindex, &e) < 0) {
        vnic_error_free(e);
        return false;
    }
    return true;
}

int vnic_embed_finish_record(embed_priv *p, vnic_record *rec, bool dry_run,
                             vnic_reconcile_action ***acts, size_t *nacts, vnic_error **err)
{
    vnic_backend_env env = vnic_embed_backend_env(p, rec);
    bool unfinished = rec->status == VNIC_RECORD_STARTING || rec->status == VNIC_RECORD_STOPPING;
    const char *action = unfinished ? "removed-unfinished" : "removed";
    int r = 0;
    _cleanup_free_ bool *gone = vnic_xcalloc(rec->def->niface + 1, sizeof(bool));
    vnic_record_status before = rec->status;
    size_t removed = 0;

    /* Only this store's marks of this domain are ever matched against devices (records are
     * checked when read; this guards the ones built in memory too). */
    for (size_t j = 0; j < rec->def->niface; j++)
        if (!vnic_embed_mark_ok(p, rec->def->name, rec->ifaces[j].mark))
            return vnic_error_set(err, VNIC_ERR_INTERNAL,
                                  _("refusing to remove devices of domain '%s': interface %zu "
                                    "carries the mark '%s', which is not this store's"),
                                  rec->def->name, j + 1, rec->ifaces[j].mark),
                   -EINVAL;

    if (!dry_run) {
        rec->status = VNIC_RECORD_STOPPING;
        vnic_error *we = NULL;
        r = vnic_embed_record_write_status(p, rec, &we);
        if (r == -ENOSPC || r == -EDQUOT) {
            /* A full disk must not keep the devices alive. Without the mark the record still
             * says "starting" or "active": if we die before removing it, reconcile and
             * destroy finish the job from that. */
            VNIC_WARN("%s; removing the devices of domain '%s' anyway", we->message,
                      rec->def->name);
            vnic_error_free(we);
            r = 0;
        } else if (r < 0) {
            *err = we;
            return r;
        }
        vnic_fault_step("destroy: stopping written");
        batch_delete(p, rec, gone);
        vnic_fault_step("destroy: batch deleted");
    }

    /* Each backend then finishes its part: devices gone in the batch are fine; a passthrough
     * lower device gets its MAC back; devices left over are deleted one by one. */
    for (size_t j = rec->def->niface; j-- > 0;) {
        vnic_record_iface *ri = &rec->ifaces[j];
        const vnic_backend_ops *ops = vnic_registry_find_by_name(p->reg, ri->backend);
        if (!ops) {
            vnic_error_set(err, VNIC_ERR_UNSUPPORTED, _("no backend module '%s' is loaded"),
                           ri->backend);
            r = -ENOENT;
            continue;
        }
        vnic_iface_runtime rt = ri->rt;
        if (!ri->done) {
            /* Start never finished this one: it may exist under its intended name. */
            memset(&rt, 0, sizeof(rt));
            vnic_strlcpy(rt.name, ri->intended, sizeof(rt.name));
            rt.created = rec->def->ifaces[j]->managed != VNIC_TRISTATE_NO;
        }
        if (!rt.created)
            continue;
        /* Gone with the batch: only a passthrough lower device still needs its MAC back. */
        if (gone[j] && !rt.saved_lower_mac) {
            vnic_embed_action_add(acts, nacts, rec->def->name, rt.name, action,
                                  _("removed device %s of domain '%s'"), rt.name, rec->def->name);
            removed++;
            vnic_fault_step("destroy: device removed");
            continue;
        }

        /* Whether the device is there is asked only where it decides something (a dry run,
         * a start that never finished) or is reported (reconcile's actions): a plain destroy
         * of a finished device leaves it to the backend, which looks it up anyway. */
        vnic_link_info info = {0};
        bool exists = true;
        if (dry_run || !ri->done || acts) {
            vnic_error *ge = NULL;
            exists = vnic_nl_link_get(p->nl, 0, rt.name, &info, &ge) == 0;
            vnic_error_free(ge);
        }
        const char *mark = ri->mark;

        if (dry_run) {
            if (exists &&
                (vnic_streq(info.alias, mark) || (!info.alias[0] && info.group == rec->group)))
                vnic_embed_action_add(acts, nacts, rec->def->name, rt.name, action,
                                      _("would remove device %s of domain '%s'"), rt.name,
                                      rec->def->name);
            continue;
        }
        if (!ri->done && vnic_embed_delete_unmarked(p, rec, rt.name)) {
            vnic_embed_action_add(acts, nacts, rec->def->name, rt.name, action,
                                  _("removed unmarked device %s of domain '%s'"), rt.name,
                                  rec->def->name);
            continue;
        }
        /* A device never made: its intended name may belong to someone else's device (that
         * is why the start failed). Not ours, nothing to undo. */
        if (!ri->done && (!exists || !vnic_streq(info.alias, mark)))
            continue;
        vnic_error *e = NULL;
        if (ops->destroy(&env, &rt, mark, &e) < 0) {
            /* Keep going, and name every device that could not be removed. */
            if (!*err) {
                *err = e;
                vnic_embed_prefix_iface(err, rec->def, j);
            } else {
                vnic_error *next = e;
                vnic_embed_prefix_iface(&next, rec->def, j);
                char *joined = vnic_xasprintf("%s; %s", (*err)->message, next->message);
                free((*err)->message);
                (*err)->message = joined;
                vnic_error_free(next);
            }
            r = -EIO;
            continue;
        }
        removed++;
        if (exists)
            vnic_embed_action_add(acts, nacts, rec->def->name, rt.name, action,
                                  _("removed device %s of domain '%s'"), rt.name, rec->def->name);
        vnic_fault_step("destroy: device removed");
    }
    if (dry_run)
        return r;
    if (r < 0) {
        /* The record stays, so that the removal can be tried again. A running domain that
         * could not be destroyed is still running: with fewer devices (degraded) if some
         * went. A crash leftover stays "stopping" for reconcile. */
        if (before == VNIC_RECORD_ACTIVE || before == VNIC_RECORD_DEGRADED) {
            rec->status = removed ? VNIC_RECORD_DEGRADED : before;
            vnic_error *we = NULL;
            if (vnic_embed_record_write_status(p, rec, &we) < 0) {
                VNIC_WARN("%s", we->message);
                vnic_error_free(we);
            }
        }
        return r;
    }

    if ((r = vnic_embed_record_remove(p, rec->def->name, err)) < 0)
        return r;
    vnic_fault_step("destroy: record removed");
    return 0;
}

void vnic_embed_record_remove_iface(vnic_record *rec, size_t index)
{
    memmove(&rec->ifaces[index], &rec->ifaces[index + 1],
            (rec->def->niface - index - 1) * sizeof(*rec->ifaces));
    vnic_domain_def_remove_interface(rec->def, index);
}

/* A detach that died after its intent was written: the device may be there or not; remove
 * it if it is, and the interface from the record. Only a device that cannot be removed keeps
 * the interface (still marked detaching, so that the next pass tries again). */
static int finish_detach(embed_priv *p, vnic_record *rec, size_t i, bool dry_run,
                         vnic_reconcile_action ***acts, size_t *nacts)
{
    vnic_record_iface *ri = &rec->ifaces[i];
    const char *dev = ri->rt.name;
    if (dry_run) {
        vnic_embed_action_add(acts, nacts, rec->def->name, dev, "removed-unfinished",
                              _("would finish the detach of interface %s of domain '%s'"), dev,
                              rec->def->name);
        return 0;
    }
    const vnic_backend_ops *ops = vnic_registry_find_by_name(p->reg, ri->backend);
    vnic_backend_env env = vnic_embed_backend_env(p, rec);
    vnic_error *e = NULL;
    if (!ops)
        vnic_error_set(&e, VNIC_ERR_UNSUPPORTED, _("no backend module '%s' is loaded"),
                       ri->backend);
    if (!ops || ops->destroy(&env, &ri->rt, ri->mark, &e) < 0) {
        vnic_embed_action_add(acts, nacts, rec->def->name, dev, "error",
                              _("cannot finish the detach of interface %s of domain '%s': %s"), dev,
                              rec->def->name, e ? e->message : "?");
        vnic_error_free(e);
        return -EIO;
    }
    vnic_embed_action_add(acts, nacts, rec->def->name, dev, "removed-unfinished",
                          _("finished the detach of interface %s of domain '%s'"), dev,
                          rec->def->name);
    vnic_embed_record_remove_iface(rec, i);
    return 0;
}

int vnic_embed_finish_hotplug(embed_priv *p, vnic_record *rec, vnic_error **err)
{
    if (rec->status != VNIC_RECORD_ACTIVE && rec->status != VNIC_RECORD_DEGRADED)
        return 0;
    bool half = false;
    for (size_t i = 0; i < rec->def->niface; i++)
        half |= !rec->ifaces[i].done || rec->ifaces[i].detaching;
    if (!half)
        return 0;
    int r = vnic_embed_get_nl(p, err);
    if (r < 0)
        return r;
    bool changed;
    vnic_embed_drop_unfinished(p, rec, false, NULL, NULL, &changed);
    return changed ? vnic_embed_record_write(p, rec, err) : 0;
}

int vnic_embed_drop_unfinished(embed_priv *p, vnic_record *rec, bool dry_run,
                               vnic_reconcile_action ***acts, size_t *nacts, bool *ret_changed)
{
    vnic_backend_env env = vnic_embed_backend_env(p, rec);
    *ret_changed = false;
    for (size_t i = rec->def->niface; i-- > 0;) {
        vnic_record_iface *ri = &rec->ifaces[i];
        if (ri->done && ri->detaching) {
            if (finish_detach(p, rec, i, dry_run, acts, nacts) == 0)
                *ret_changed = !dry_run;
            continue;
        }
        if (ri->done)
            continue;
        if (dry_run) {
            vnic_embed_action_add(acts, nacts, rec->def->name, ri->intended, "removed-unfinished",
                                  _("would remove interface %s of domain '%s', whose attach "
                                    "never completed"),
                                  ri->intended, rec->def->name);
            continue;
        }
        /* Its device, if it got that far: marked, or unmarked with the domain's group. */
        if (!vnic_embed_delete_unmarked(p, rec, ri->intended)) {
            const vnic_backend_ops *ops = vnic_registry_find_by_name(p->reg, ri->backend);
            vnic_link_info info;
            vnic_error *e = NULL;
            if (ops && vnic_nl_link_get(p->nl, 0, ri->intended, &info, &e) == 0 &&
                vnic_streq(info.alias, ri->mark)) {
                vnic_iface_runtime rt = {.created = true, .ifindex = info.ifindex};
                vnic_strlcpy(rt.name, ri->intended, sizeof(rt.name));
                ops->destroy(&env, &rt, ri->mark, &e);
            }
            vnic_error_free(e);
        }
        vnic_embed_action_add(acts, nacts, rec->def->name, ri->intended, "removed-unfinished",
                              _("removed interface %s of domain '%s', whose attach never "
                                "completed"),
                              ri->intended, rec->def->name);
        vnic_embed_record_remove_iface(rec, i);
        *ret_changed = true;
    }
    return 0;
}
