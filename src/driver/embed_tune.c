/* domiftune: the bandwidth of one interface, read from the domain's definition (the live one
 * while it runs) and changed on a running domain's device and in its record, so that dumpxml
 * shows what the device does. The stored definition is left alone (virsh domiftune --live). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "embed.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"

static void to_params(const vnic_bandwidth_rate *r, unsigned long long v[VNIC_BANDWIDTH_NPARAMS])
{
    v[VNIC_BANDWIDTH_AVERAGE] = r->average;
    v[VNIC_BANDWIDTH_PEAK] = r->peak;
    v[VNIC_BANDWIDTH_BURST] = r->burst;
}

static vnic_bandwidth_rate from_params(const unsigned long long v[VNIC_BANDWIDTH_NPARAMS])
{
    return (vnic_bandwidth_rate){.average = v[VNIC_BANDWIDTH_AVERAGE],
                                 .peak = v[VNIC_BANDWIDTH_PEAK],
                                 .burst = v[VNIC_BANDWIDTH_BURST]};
}

int vnic_embed_domain_get_interface_bandwidth(vnic_conn *conn, const char *name, const char *iface,
                                              vnic_interface_bandwidth **ret, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_close_ int lock = -1;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    _cleanup_(vnic_domain_def_freep) vnic_domain_def *stored = NULL;
    dom_state st;
    int r = vnic_embed_lock_and_settle(p, name, &lock, &st, &rec, err);
    if (r < 0)
        return r;
    const vnic_domain_def *def = rec ? rec->def : NULL;
    if (!def) {
        r = vnic_embed_def_read(p, name, &stored, err);
        if (r == -ENOENT)
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("domain '%s' is not active (and not defined)"), name),
                   -ENOENT;
        if (r < 0)
            return r;
        def = stored;
    }
    size_t i;
    if ((r = vnic_embed_iface_index(def, rec, iface, &i, err)) < 0)
        return r;
    const vnic_iface_def *d = def->ifaces[i];
    vnic_interface_bandwidth *bw = vnic_xcalloc(1, sizeof(*bw));
    bw->size = sizeof(*bw);
    bw->alias = vnic_domain_def_iface_alias(def, i);
    if (rec && rec->ifaces[i].done)
        bw->device = vnic_xstrdup(rec->ifaces[i].rt.name);
    to_params(&d->bw_inbound, bw->inbound);
    to_params(&d->bw_outbound, bw->outbound);
    *ret = bw;
    return 0;
}

int vnic_embed_domain_set_interface_bandwidth(vnic_conn *conn, const char *name, const char *iface,
                                              const unsigned long long *inbound,
                                              const unsigned long long *outbound, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_close_ int lock = -1;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    dom_state st;
    int r = vnic_embed_lock_and_settle(p, name, &lock, &st, &rec, err);
    if (r < 0)
        return r;
    if (st != DOM_ACTIVE && st != DOM_DEGRADED)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("domain '%s' is not active: vnic changes the bandwidth of running "
                                "devices only"),
                              name),
               -EINVAL;
    size_t i;
    if ((r = vnic_embed_iface_index(rec->def, rec, iface, &i, err)) < 0)
        return r;
    vnic_iface_def *d = rec->def->ifaces[i];
    vnic_record_iface *ri = &rec->ifaces[i];
    vnic_bandwidth_rate in = inbound ? from_params(inbound) : d->bw_inbound;
    vnic_bandwidth_rate out = outbound ? from_params(outbound) : d->bw_outbound;
    if ((r = vnic_bandwidth_rate_check(&in, "inbound", err)) < 0 ||
        (r = vnic_bandwidth_rate_check(&out, "outbound", err)) < 0)
        return r;
    if (!ri->done || !ri->rt.created || d->managed == VNIC_TRISTATE_NO)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("interface '%s' of domain '%s' has no device vnic made (its "
                                "settings would outlive the domain)"),
                              iface, name),
               -EINVAL;
    if ((r = vnic_embed_need_cap_net_admin(true, err)) < 0 || (r = vnic_embed_get_nl(p, err)) < 0)
        return r;

    vnic_bandwidth_rate old_in = d->bw_inbound, old_out = d->bw_outbound;
    bool old_has = d->has_bandwidth;
    r = vnic_embed_bandwidth_set(p, d->type, &ri->rt, &in, &out, err);
    if (r == 0) {
        d->bw_inbound = in;
        d->bw_outbound = out;
        d->has_bandwidth = in.average || out.average || old_has;
        r = vnic_embed_record_write(p, rec, err);
        if (r < 0) {
            d->bw_inbound = old_in;
            d->bw_outbound = old_out;
            d->has_bandwidth = old_has;
        }
    }
    if (r < 0) {
        /* The device does what the record says, as it did before. */
        vnic_error *e = NULL;
        if (vnic_embed_bandwidth_set(p, d->type, &ri->rt, &old_in, &old_out, &e) < 0) {
            VNIC_WARN("cannot restore the bandwidth of device %s: %s", ri->rt.name, e->message);
            vnic_error_free(e);
        }
        return r;
    }
    return 0;
}
