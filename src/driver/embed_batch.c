/* Making the devices of a start: a backend with create_batch makes its devices together (the
 * kernel's requests pipelined), and whatever the batch did not make is made one by one as
 * before, which gives the errors and the name retries of vnic_embed_create_one. The batch is
 * an optimisation: what a start leaves, reports and rolls back is the same either way. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "fault.h"
#include "log.h"
#include "strutil.h"

/* The interfaces of rec that OPS serves, into idx (their count returned). */
static size_t ifaces_of(const vnic_record *rec, const vnic_backend_ops **ops,
                        const vnic_backend_ops *which, size_t *idx)
{
    size_t k = 0;
    for (size_t i = 0; i < rec->def->niface; i++)
        if (ops[i] == which)
            idx[k++] = i;
    return k;
}

/* Let WHICH's create_batch make the devices of its interfaces (all K of them, idx): each one
 * it made is done in rec, as vnic_embed_create_one leaves it before the setup that follows. */
static void batch_one_backend(vnic_record *rec, const vnic_backend_ops *which, const size_t *idx,
                              size_t k, const vnic_backend_env *env)
{
    _cleanup_free_ const vnic_backend_iface **ifaces = vnic_xcalloc(k, sizeof(*ifaces));
    _cleanup_free_ vnic_backend_create_args *args = vnic_xcalloc(k, sizeof(*args));
    _cleanup_free_ vnic_iface_runtime *rts = vnic_xcalloc(k, sizeof(*rts));
    _cleanup_free_ int *results = vnic_xcalloc(k, sizeof(*results));
    _cleanup_free_ vnic_error **errs = vnic_xcalloc(k, sizeof(*errs));
    for (size_t j = 0; j < k; j++) {
        vnic_iface_def *d = rec->def->ifaces[idx[j]];
        vnic_record_iface *ri = &rec->ifaces[idx[j]];
        ifaces[j] = vnic_backend_iface_of(d);
        args[j] = (vnic_backend_create_args){
            .name = ri->intended,
            .name_from_template = vnic_embed_is_template_iface(d),
            .guest_mac = d->mac,
            .mark = ri->mark,
            .group = rec->group,
        };
        results[j] = -EINPROGRESS;
    }

    vnic_error *err = NULL;
    int r = which->create_batch(env, k, ifaces, args, rts, results, errs, &err);
    if (r < 0) {
        VNIC_DEBUG("backend %s: batch of %zu failed (%s); making them one by one", which->name, k,
                   err ? err->message : "no message");
        vnic_error_free(err);
    }
    size_t made = 0;
    for (size_t j = 0; j < k; j++) {
        if (r == 0 && results[j] == 0) {
            vnic_record_iface *ri = &rec->ifaces[idx[j]];
            ri->rt = rts[j];
            ri->done = true;
            made++;
        } else if (r == 0) {
            VNIC_DEBUG("backend %s: batch left %s (%s): made alone", which->name, args[j].name,
                       errs[j] ? errs[j]->message : strerror(-results[j]));
        }
        vnic_error_free(errs[j]);
    }
    VNIC_DEBUG("backend %s: batch made %zu of %zu devices", which->name, made, k);
}

int vnic_embed_create_devices(embed_priv *p, vnic_record *rec, const vnic_backend_ops **ops,
                              const vnic_link_info *links, size_t nlinks, size_t *ret_failed,
                              vnic_error **err)
{
    size_t n = rec->def->niface;
    vnic_backend_env env = vnic_embed_backend_env(p, rec);
    env.links = links;
    env.nlinks = nlinks;

    /* Each backend with create_batch and two or more interfaces: once, for all of them. A
     * device made here is done in the record at once, so that a failure of any interface
     * after it rolls it back too. */
    _cleanup_free_ bool *batched = vnic_xcalloc(n ? n : 1, sizeof(*batched));
    _cleanup_free_ size_t *idx = vnic_xcalloc(n ? n : 1, sizeof(*idx));
    for (size_t i = 0; i < n; i++) {
        if (!ops[i]->create_batch || batched[i])
            continue;
        size_t k = ifaces_of(rec, ops, ops[i], idx);
        for (size_t j = 0; j < k; j++)
            batched[idx[j]] = true;
        if (k >= 2)
            batch_one_backend(rec, ops[i], idx, k, &env);
    }

    /* In the order of the interfaces, as one by one: the setup of each device the batch made,
     * or the device made alone (with the errors and name retries of doing so). */
    for (size_t i = 0; i < n; i++) {
        int r;
        if (rec->ifaces[i].done) {
            r = vnic_embed_device_setup(p, rec, ops[i], i, &env, err);
            if (r < 0)
                rec->ifaces[i].done = false; /* removed again */
        } else {
            r = vnic_embed_create_one(p, rec, ops[i], i, links, nlinks, err);
        }
        if (r < 0) {
            *ret_failed = i;
            return r;
        }
        vnic_fault_step("start: device made");
    }
    return 0;
}
