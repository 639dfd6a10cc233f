/* Reconcile: make the state store and the kernel agree again after crashes and after
 * administrators changed devices behind vnic's back. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "embed.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"

/* An active (or degraded) domain: are all its devices there? */
static int check_running(embed_priv *p, vnic_record *rec, bool dry_run,
                         vnic_reconcile_action ***acts, size_t *nacts, vnic_error **err)
{
    vnic_backend_env env = {.nl = p->nl, .domain_name = rec->def->name, .run_dir = p->nodes_dir};
    size_t missing = 0;
    bool changed = false;

    vnic_embed_drop_unfinished(p, rec, dry_run, acts, nacts, &changed);

    for (size_t i = 0; i < rec->def->niface; i++) {
        vnic_record_iface *ri = &rec->ifaces[i];
        const vnic_backend_ops *ops = vnic_registry_find_by_name(p->reg, ri->backend);
        if (!ops || !ri->done)
            continue;
        const char *mark = ri->mark;
        vnic_error *e = NULL;
        int old_ifindex = ri->rt.ifindex;
        int r = ops->adopt(&env, mark, &ri->rt, &e);
        if (r < 0) {
            missing++;
            vnic_embed_action_add(acts, nacts, rec->def->name, ri->rt.name, "degraded",
                                  _("domain '%s' is degraded: device %s: %s"), rec->def->name,
                                  ri->rt.name, e ? e->message : _("missing"));
            vnic_error_free(e);
        } else if (ri->rt.ifindex != old_ifindex) {
            changed = true;
        }
    }

    vnic_record_status want = missing ? VNIC_RECORD_DEGRADED : VNIC_RECORD_ACTIVE;
    if (!missing)
        vnic_embed_action_add(acts, nacts, rec->def->name, NULL, "adopted",
                              _("domain '%s' re-adopted: all %zu devices exist"), rec->def->name,
                              rec->def->niface);
    if ((want != rec->status || changed) && !dry_run) {
        rec->status = want;
        return vnic_embed_record_write(p, rec, err);
    }
    return 0;
}

/* Is link L claimed by a record? records[i] may be NULL (unreadable). */
static bool claimed(embed_priv *p, vnic_record **records, size_t n, const vnic_link_info *l)
{
    if (!vnic_str_has_prefix(l->alias, p->mark_prefix))
        return true; /* not a mark of this store: not ours to judge */
    for (size_t i = 0; i < n; i++) {
        vnic_record *rec = records[i];
        if (!rec)
            continue;
        for (size_t j = 0; j < rec->def->niface; j++) {
            const vnic_record_iface *ri = &rec->ifaces[j];
            if (vnic_streq(ri->mark, l->alias) &&
                (vnic_streq(ri->done ? ri->rt.name : ri->intended, l->name) ||
                 vnic_streq(ri->intended, l->name)))
                return true;
        }
    }
    /* A record that cannot be read may own it: never delete on a guess. */
    for (size_t i = 0; i < n; i++)
        if (!records[i])
            return true;
    return false;
}

int vnic_embed_reconcile(vnic_conn *conn, unsigned flags, vnic_reconcile_action ***ret,
                         size_t *ret_n, vnic_error **err)
{
    embed_priv *p = conn->priv;
    bool quick = flags & VNIC_RECONCILE_QUICK;
    bool dry_run = flags & VNIC_RECONCILE_DRY_RUN;
    vnic_reconcile_action **acts = NULL;
    size_t nacts = 0;
    char **names = NULL;
    size_t n = 0;
    int status = 0;

    int r = vnic_embed_list_names(p->domains_fd, p->domains_dir, &names, &n, err);
    if (r < 0)
        return r;

    /* 1. Each record, under its domain's lock. */
    for (size_t i = 0; i < n; i++) {
        _cleanup_close_ int lock = -1;
        vnic_error *e = NULL;
        /* The quick pass only takes free locks: a held lock means someone is at work. */
        r = vnic_embed_domain_lock(p, names[i], !quick, &lock, &e);
        if (r == -EWOULDBLOCK)
            continue;
        if (r < 0) {
            vnic_embed_action_add(&acts, &nacts, names[i], NULL, "error", "%s", e->message);
            vnic_error_free(e);
            status = -EIO;
            continue;
        }
        _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
        r = vnic_embed_record_read(p, names[i], &rec, &e);
        if (r == -ENOENT)
            continue;
        if (r < 0) {
            vnic_embed_action_add(&acts, &nacts, names[i], NULL, "corrupt-record", "%s",
                                  e->message);
            vnic_error_free(e);
            status = -EBADMSG;
            continue;
        }
        bool unfinished =
            rec->status == VNIC_RECORD_STARTING || rec->status == VNIC_RECORD_STOPPING;

        /* A supervised domain whose supervisor died (its lock is free): nobody will destroy
         * it any more, so reconcile does (the explicit one, which reports it). */
        if (!quick && !unfinished && rec->supervised) {
            _cleanup_close_ int run_lock = -1;
            vnic_error *le = NULL;
            int lr = vnic_embed_run_lock(p, names[i], &run_lock, &le);
            vnic_error_free(le);
            if (lr == 0) {
                if ((r = vnic_embed_get_nl(p, err)) < 0)
                    goto out;
                r = vnic_embed_finish_record(p, rec, dry_run, &acts, &nacts, &e);
                if (r < 0) {
                    vnic_embed_action_add(&acts, &nacts, names[i], NULL, "error", "%s", e->message);
                    vnic_error_free(e);
                    status = r;
                } else {
                    vnic_embed_action_add(&acts, &nacts, names[i], NULL, "removed-unsupervised",
                                          dry_run ? _("would remove domain '%s': the process "
                                                      "that ran it is gone")
                                                  : _("removed domain '%s': the process that "
                                                      "ran it is gone"),
                                          names[i]);
                }
                continue;
            }
        }
        if (quick && !unfinished) {
            /* A running domain may still hold an attach or a detach that a dead process left
             * half done: finish it now, before anyone counts its interfaces or fds. */
            if (!dry_run && (r = vnic_embed_finish_hotplug(p, rec, &e)) < 0) {
                vnic_embed_action_add(&acts, &nacts, names[i], NULL, "error", "%s", e->message);
                vnic_error_free(e);
                status = r;
            }
            continue;
        }
        if ((r = vnic_embed_get_nl(p, err)) < 0)
            goto out;

        if (unfinished) {
            bool starting = rec->status == VNIC_RECORD_STARTING;
            r = vnic_embed_finish_record(p, rec, dry_run, &acts, &nacts, &e);
            if (r < 0) {
                vnic_embed_action_add(&acts, &nacts, names[i], NULL, "error", "%s", e->message);
                vnic_error_free(e);
                status = r;
            } else {
                /* Whole sentences, so that translators never assemble one from pieces. */
                vnic_embed_action_add(
                    &acts, &nacts, names[i], NULL, "removed-record",
                    starting ? (dry_run ? _("would undo the start of domain '%s' that never "
                                            "completed")
                                        : _("undid the start of domain '%s' that never completed"))
                             : (dry_run ? _("would finish the destroy of domain '%s' that never "
                                            "completed")
                                        : _("finished the destroy of domain '%s' that never "
                                            "completed")),
                    names[i]);
            }
            continue;
        }
        if ((r = check_running(p, rec, dry_run, &acts, &nacts, &e)) < 0) {
            vnic_embed_action_add(&acts, &nacts, names[i], NULL, "error", "%s", e->message);
            vnic_error_free(e);
            status = r;
        }
    }

    /* 2. Orphans: devices with this store's mark that no record owns. The store lock keeps
     * starts from writing new intents between reading the records and listing the links. */
    if (!quick) {
        if ((r = vnic_embed_get_nl(p, err)) < 0)
            goto out;
        vnic_link_info *links = NULL;
        size_t nlinks = 0;
        vnic_record **records = vnic_xcalloc(n + 1, sizeof(*records));
        {
            _cleanup_close_ int lock = -1;
            if ((r = vnic_embed_store_lock(p, &lock, err)) < 0) {
                free(records);
                goto out;
            }
            vnic_embed_free_names(names, n);
            names = NULL;
            if ((r = vnic_embed_list_names(p->domains_fd, p->domains_dir, &names, &n, err)) < 0) {
                free(records);
                goto out;
            }
            records = vnic_xreallocarray(records, n + 1, sizeof(*records));
            for (size_t i = 0; i < n; i++) {
                vnic_error *e = NULL;
                records[i] = NULL;
                if (vnic_embed_record_read(p, names[i], &records[i], &e) < 0)
                    vnic_error_free(e);
            }
            r = vnic_nl_link_dump(p->nl, &links, &nlinks, err);
        }
        if (r == 0) {
            for (size_t i = 0; i < nlinks; i++) {
                const vnic_link_info *l = &links[i];
                if (claimed(p, records, n, l))
                    continue;
                if (dry_run) {
                    vnic_embed_action_add(&acts, &nacts, NULL, l->name, "removed-orphan",
                                          _("would remove orphan device %s (mark '%s')"), l->name,
                                          l->alias);
                    continue;
                }
                vnic_error *e = NULL;
                int d = vnic_nl_link_delete(p->nl, l->ifindex, &e);
                if (d < 0 && d != -ENODEV) {
                    vnic_embed_action_add(&acts, &nacts, NULL, l->name, "error",
                                          _("cannot remove orphan device %s: %s"), l->name,
                                          e->message);
                    status = d;
                } else {
                    vnic_embed_action_add(&acts, &nacts, NULL, l->name, "removed-orphan",
                                          _("removed orphan device %s (mark '%s')"), l->name,
                                          l->alias);
                }
                vnic_error_free(e);
            }
        }
        free(links);
        for (size_t i = 0; i < n; i++)
            vnic_record_free(records[i]);
        free(records);
        if (r < 0)
            goto out;
    }
    r = 0;

out:
    vnic_embed_free_names(names, n);
    if (r < 0) {
        vnic_reconcile_actions_free(acts, nacts);
        return r;
    }
    *ret = acts;
    *ret_n = nacts;
    if (status < 0 && err && !*err)
        vnic_error_set(err, VNIC_ERR_IO, _("reconcile could not settle everything"));
    return status;
}
