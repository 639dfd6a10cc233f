/* The snapshot of a domain (snapshot.h): its definition, state, interface ids and queue fds,
 * read in one operation with the domain's lock held, so that nothing (an attach, a detach, a
 * destroy) comes between what a launcher is told and the fds it gets; and, if asked, the
 * domain started first under the same lock, from its stored definition or from a document
 * parsed once. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"
#include "tun.h"

/* A snapshot of def (taken over) and info (taken over), with its ids: every interface of a
 * running domain has its alias (given at start); of a domain that is only defined, the alias
 * the start will give. counts are the caller's to fill. */
static vnic_domain_snapshot *snapshot_new(vnic_domain_def *def, vnic_domain_info *info)
{
    vnic_domain_snapshot *s = vnic_xcalloc(1, sizeof(*s));
    s->def = def;
    s->info = info;
    s->niface = def->niface;
    s->counts = vnic_xcalloc(def->niface ? def->niface : 1, sizeof(*s->counts));
    s->ids = vnic_xcalloc(def->niface + 1, sizeof(*s->ids));
    for (size_t i = 0; i < def->niface; i++)
        s->ids[i] = vnic_domain_def_iface_alias(def, i);
    return s;
}

/* A domain that is only defined, not started: what a start would give it, from the stored
 * definition (its MACs were made at define), one fd per queue; nothing is kept open (with
 * VNIC_SNAPSHOT_VHOST a vhost-net node is opened once to learn whether it opens). */
static int snapshot_defined(embed_priv *p, const char *name, unsigned flags,
                            vnic_domain_snapshot **ret, vnic_error **err)
{
    vnic_domain_def *def = NULL;
    int r = vnic_embed_def_read(p, name, &def, err);
    if (r < 0)
        return r;
    vnic_domain_snapshot *s = snapshot_new(def, vnic_embed_make_defined_info(p->reg, def));
    for (size_t i = 0; i < def->niface; i++)
        s->counts[i] = vnic_iface_def_queues(def->ifaces[i]);
    if ((flags & VNIC_SNAPSHOT_VHOST) &&
        (r = vnic_embed_snapshot_vhost(s, 0, s->niface, false, err)) < 0) {
        vnic_domain_snapshot_free(s);
        return r;
    }
    *ret = s;
    return 0;
}

/* A running domain, from its record (taken over; the domain lock is held). */
static int snapshot_running(embed_priv *p, vnic_record *rec_in, unsigned index, unsigned flags,
                            vnic_domain_snapshot **ret, vnic_error **err)
{
    _cleanup_(vnic_record_freep) vnic_record *rec = rec_in;
    vnic_domain_def *def = rec->def;
    int r;

    if ((flags & VNIC_SNAPSHOT_ONE) && index >= def->niface)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' has no interface %u"),
                              def->name, index),
               -EINVAL;
    if ((flags & VNIC_SNAPSHOT_FDS) && !(flags & VNIC_SNAPSHOT_ONE) &&
        (r = vnic_embed_check_queues_free(p, rec, err)) < 0)
        return r;

    /* The live definition names the devices actually made (a template's number, the name a
     * wrapped counter chose): what dumpxml shows and what the launcher is told. */
    for (size_t i = 0; i < def->niface; i++) {
        const vnic_record_iface *ri = &rec->ifaces[i];
        free(def->ifaces[i]->target_dev);
        def->ifaces[i]->target_dev = vnic_xstrdup(ri->done ? ri->rt.name : ri->intended);
    }
    _cleanup_(vnic_domain_snapshot_freep) vnic_domain_snapshot *s =
        snapshot_new(def, vnic_embed_make_info(rec, vnic_embed_def_exists(p, def->name)));
    rec->def = NULL; /* the snapshot's now; rec->ifaces still describes it */
    for (size_t i = 0; i < s->niface; i++)
        s->counts[i] = rec->ifaces[i].done ? rec->ifaces[i].rt.queues
                                           : vnic_iface_def_queues(s->def->ifaces[i]);
    vnic_fault_step("snapshot: state read");

    size_t first = flags & VNIC_SNAPSHOT_ONE ? index : 0;
    size_t last = flags & VNIC_SNAPSHOT_ONE ? index + 1 : s->niface;
    if ((flags & VNIC_SNAPSHOT_VHOST) &&
        (r = vnic_embed_snapshot_vhost(s, first, last, flags & VNIC_SNAPSHOT_FDS, err)) < 0)
        return r;
    if (flags & VNIC_SNAPSHOT_FDS) {
        size_t total = 0;
        for (size_t i = first; i < last; i++)
            total += s->counts[i];
        if ((r = vnic_embed_get_nl(p, err)) < 0)
            return r;
        s->fds = vnic_xcalloc(total ? total : 1, sizeof(int));
        /* open_range reads the record's interfaces and definition. */
        rec->def = s->def;
        r = vnic_embed_open_range(p, rec, first, last, s->fds, err);
        rec->def = NULL;
        if (r < 0) {
            free(TAKE_PTR(s->fds));
            return r;
        }
        s->nfds = total;
    }
    *ret = TAKE_PTR(s);
    return 0;
}

/* Make sure the domain runs (VNIC_SNAPSHOT_START), with its lock held in state st: a domain
 * that is only defined is started from its definition, or from DEF (taken over) if given.
 * *ret_rec is the running domain's record; *ret_started says whether this call started it. */
static int ensure_started(embed_priv *p, const char *name, dom_state st, vnic_domain_def *def_in,
                          vnic_record **ret_rec, bool *ret_started, vnic_error **err)
{
    _cleanup_(vnic_domain_def_freep) vnic_domain_def *def = def_in;
    int r;

    *ret_started = false;
    if (st == DOM_ACTIVE || st == DOM_DEGRADED)
        return 0;
    if (!def) {
        if (st == DOM_UNDEFINED)
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' is not active (and not defined)"), name),
                   -ENOENT;
        if ((r = vnic_embed_def_read(p, name, &def, err)) < 0)
            return r;
    } else if ((r = vnic_embed_check_transition(st, OP_CREATE, name, err)) < 0) {
        return r;
    }
    if ((r = vnic_embed_start_def(p, TAKE_PTR(def), st == DOM_DEFINED, true, NULL, err)) < 0)
        return r;
    *ret_started = true;
    /* (A failure from here on is undone by the caller, as the snapshot's own failures are.) */
    int fail = vnic_fault_fail("snapshot-after-start");
    if (fail)
        return vnic_error_set_errno(err, fail, _("cannot read the state of domain '%s'"), name),
               -fail;
    if ((r = vnic_embed_record_read(p, name, ret_rec, err)) < 0) {
        if (r == -ENOENT)
            vnic_error_set(err, VNIC_ERR_INTERNAL, _("the state of domain '%s' is inconsistent"),
                           name);
        return r;
    }
    return 0;
}

/* Undo what ensure_started did, the lock still held, when the snapshot then failed. */
static void undo_start(embed_priv *p, const char *name)
{
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    vnic_error *e = NULL;
    if (vnic_embed_record_read(p, name, &rec, &e) == 0 &&
        vnic_embed_finish_record(p, rec, false, NULL, NULL, &e) == 0)
        vnic_embed_release_supervision(p, name);
    if (e)
        VNIC_WARN("rollback: %s", e->message);
    vnic_error_free(e);
}

int vnic_embed_domain_snapshot(vnic_conn *conn, const char *name_in, const char *xml,
                               const char *docname, unsigned index, unsigned flags,
                               vnic_domain_snapshot **ret, vnic_diag_list *diags, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_domain_def_freep) vnic_domain_def *parsed = NULL;
    const char *name = name_in;
    _cleanup_free_ char *parsed_name = NULL;
    int r;

    if (xml) {
        /* The document is parsed here, once: its name says which domain, and the same
         * definition starts it if it does not run. */
        unsigned parse = flags & VNIC_SNAPSHOT_SKIP_UNSUPPORTED ? VNIC_PARSE_SKIP_UNSUPPORTED : 0;
        if ((r = vnic_domain_def_parse_string(xml, docname, parse, &parsed, diags, err)) < 0)
            return r;
        if (parsed->standalone)
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("%s: a standalone <interface> cannot be run; put it in a "
                                    "<domain> with a <name>"),
                                  docname),
                   -EINVAL;
        /* The parser refuses a <domain> without a name. A copy: starting the domain takes the
         * definition over. */
        name = parsed_name = vnic_xstrdup(parsed->name);
    }

    _cleanup_close_ int lock = -1;
    dom_state st;
    vnic_record *rec = NULL;
    if ((r = vnic_embed_lock_and_settle(p, name, &lock, &st, &rec, err)) < 0)
        return r;

    bool started = false;
    if (flags & VNIC_SNAPSHOT_START) {
        if ((r = ensure_started(p, name, st, TAKE_PTR(parsed), &rec, &started, err)) < 0) {
            if (started)
                undo_start(p, name);
            return r;
        }
    } else if (!rec) {
        if (st == DOM_UNDEFINED)
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' is not active (and not defined)"), name),
                   -ENOENT;
        if (flags & VNIC_SNAPSHOT_FDS)
            return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not active"), name),
                   -ENOENT;
        return snapshot_defined(p, name, flags, ret, err);
    }

    vnic_domain_snapshot *s = NULL;
    r = snapshot_running(p, rec, index, flags, &s, err);
    if (r < 0) {
        if (started)
            undo_start(p, name);
        return r;
    }
    s->started = started;
    *ret = s;
    return 0;
}
