/* The states of a domain and the one table of which operation each allows; settling a
 * state that a dead process left half changed. */
#include "config.h"

#include <errno.h>

#include "embed.h"
#include "i18n.h"

/* The one table of what may happen in which state: NULL allows the operation, a message
 * refuses it and names the state. */
/* clang-format off */
static const char *const transitions[DOM_STATE_LAST][OP_LAST] = {
    [DOM_UNDEFINED] = {
        [OP_UNDEFINE] = N_("domain '%s' is not defined"),
        [OP_START] = N_("domain '%s' is not defined"),
        [OP_DESTROY] = N_("domain '%s' is not active"),
    },
    [DOM_DEFINED] = {
        [OP_DESTROY] = N_("domain '%s' is not active"),
    },
    [DOM_STARTING] = {
        [OP_UNDEFINE] = N_("domain '%s' is starting"),
        [OP_START] = N_("domain '%s' is starting"),
        [OP_CREATE] = N_("domain '%s' is starting"),
    },
    [DOM_ACTIVE] = {
        [OP_UNDEFINE] = N_("domain '%s' is active; destroy it first, or undefine it with "
                           "--destroy"),
        [OP_START] = N_("domain '%s' is already active"),
        [OP_CREATE] = N_("domain '%s' is already active"),
    },
    [DOM_DEGRADED] = {
        [OP_UNDEFINE] = N_("domain '%s' is active (degraded); destroy it first, or undefine it "
                           "with --destroy"),
        [OP_START] = N_("domain '%s' is already active (degraded)"),
        [OP_CREATE] = N_("domain '%s' is already active (degraded)"),
    },
    [DOM_STOPPING] = {
        [OP_UNDEFINE] = N_("domain '%s' is stopping"),
        [OP_START] = N_("domain '%s' is stopping"),
        [OP_CREATE] = N_("domain '%s' is stopping"),
    },
};
/* clang-format on */

static dom_state record_state(const vnic_record *rec)
{
    switch (rec->status) {
    case VNIC_RECORD_STARTING:
        return DOM_STARTING;
    case VNIC_RECORD_STOPPING:
        return DOM_STOPPING;
    case VNIC_RECORD_DEGRADED:
        return DOM_DEGRADED;
    default:
        return DOM_ACTIVE;
    }
}

/* The domain's state, with its lock held. A half-done start or stop found under the lock was
 * left by a process that died: it is finished first, so the caller sees a settled state.
 * *ret_rec receives the record of a running domain. */
static int settle(embed_priv *p, const char *name, dom_state *ret, vnic_record **ret_rec,
                  vnic_error **err)
{
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = vnic_embed_record_read(p, name, &rec, err);
    if (r < 0 && r != -ENOENT)
        return r;
    if (r == 0 && (rec->status == VNIC_RECORD_STARTING || rec->status == VNIC_RECORD_STOPPING)) {
        if ((r = vnic_embed_get_nl(p, err)) < 0 ||
            (r = vnic_embed_finish_record(p, rec, false, NULL, NULL, err)) < 0)
            return r;
        vnic_record_free(TAKE_PTR(rec));
    }
    if (rec && (r = vnic_embed_finish_hotplug(p, rec, err)) < 0)
        return r;
    if (rec)
        *ret = record_state(rec);
    else
        *ret = vnic_embed_def_exists(p, name) ? DOM_DEFINED : DOM_UNDEFINED;
    if (ret_rec)
        *ret_rec = TAKE_PTR(rec);
    return 0;
}

/* Take the domain's lock (held until *ret_lock is closed) and settle its state. */
int vnic_embed_lock_and_settle(embed_priv *p, const char *name, int *ret_lock, dom_state *ret_st,
                               vnic_record **ret_rec, vnic_error **err)
{
    int r = vnic_embed_domain_lock(p, name, true, ret_lock, err);
    if (r < 0)
        return r;
    return settle(p, name, ret_st, ret_rec, err);
}

int vnic_embed_check_transition(dom_state st, dom_op op, const char *name, vnic_error **err)
{
    const char *msg = transitions[st][op];
    if (!msg)
        return 0;
        /* Every message of the table has exactly one %s, the domain's name. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vnic_error_set(err, VNIC_ERR_INVALID, _(msg), name);
#pragma GCC diagnostic pop
    return -EBUSY;
}
