/* The public calls that hand out a running domain's queues together with their vhost-net
 * fds. They are the driver's snapshot (snapshot.h) with fds and vhost-net, which both drivers
 * serve (the remote one through vnicd's Snapshot, fds over SCM_RIGHTS): one locked read of
 * the state opens the queues and the vhost-net nodes together, so the two always agree. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "cleanup.h"
#include "driver.h"
#include "i18n.h"
#include "strutil.h"
#include "tun.h"

#define API_BEGIN(flags, allowed, err, diags)                                                      \
    vnic_api_call c;                                                                               \
    if (vnic_api_begin(&c, __func__, err, diags, flags, allowed) < 0)                              \
        return vnic_api_end(&c, -EINVAL);

/* The snapshot's queue and vhost-net fds as new arrays (taken over from S). */
static void take_fds(vnic_domain_snapshot *s, int **ret_fds, int **ret_vhostfds)
{
    int *fds = vnic_xcalloc(s->nfds + 1, sizeof(int));
    int *vfds = vnic_xcalloc(s->nvhostfds + 1, sizeof(int));
    for (size_t k = 0; k < s->nfds; k++)
        fds[k] = TAKE_FD(s->fds[k]);
    for (size_t k = 0; k < s->nvhostfds; k++)
        vfds[k] = TAKE_FD(s->vhostfds[k]);
    *ret_fds = fds;
    *ret_vhostfds = vfds;
}

static int open_vhost(vnic_conn *conn, const char *name, bool one, unsigned index,
                      vnic_domain_snapshot **ret, vnic_error **err)
{
    if (!conn || !name)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("a connection and a domain name are "
                                "required")),
               -EINVAL;
    unsigned flags = VNIC_SNAPSHOT_FDS | VNIC_SNAPSHOT_VHOST | (one ? VNIC_SNAPSHOT_ONE : 0);
    vnic_domain_snapshot *s = NULL;
    int r = conn->driver->domain_snapshot(conn, name, NULL, NULL, index, flags, &s, NULL, err);
    if (r < 0)
        return r;
    if (!s->vhost_counts) {
        /* A driver always answers VNIC_SNAPSHOT_VHOST with counts (0 where none). */
        vnic_domain_snapshot_free(s);
        return vnic_error_set(err, VNIC_ERR_IO,
                              _("the driver did not say which vhost-net fds "
                                "it opened")),
               -EPROTO;
    }
    *ret = s;
    return 0;
}

int vnic_domain_open_queues_vhost(vnic_conn *conn, const char *name, unsigned index, int **ret_fds,
                                  size_t *ret_n, int **ret_vhostfds, size_t *ret_nvhost,
                                  vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    if (!ret_fds || !ret_n || !ret_vhostfds || !ret_nvhost)
        return vnic_api_end(
            &c,
            (vnic_error_set(c.err, VNIC_ERR_INVALID, _("an output argument is missing")), -EINVAL));
    _cleanup_(vnic_domain_snapshot_freep) vnic_domain_snapshot *s = NULL;
    int r = open_vhost(conn, name, true, index, &s, c.err);
    if (r < 0)
        return vnic_api_end(&c, r);
    *ret_n = s->nfds;
    *ret_nvhost = s->nvhostfds;
    take_fds(s, ret_fds, ret_vhostfds);
    return vnic_api_end(&c, 0);
}

int vnic_domain_open_all_queues_vhost(vnic_conn *conn, const char *name, int **ret_fds,
                                      size_t **ret_counts, int **ret_vhostfds,
                                      size_t **ret_vhost_counts, size_t *ret_n, vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    if (!ret_fds || !ret_counts || !ret_vhostfds || !ret_vhost_counts || !ret_n)
        return vnic_api_end(
            &c,
            (vnic_error_set(c.err, VNIC_ERR_INVALID, _("an output argument is missing")), -EINVAL));
    _cleanup_(vnic_domain_snapshot_freep) vnic_domain_snapshot *s = NULL;
    int r = open_vhost(conn, name, false, 0, &s, c.err);
    if (r < 0)
        return vnic_api_end(&c, r);
    size_t n = s->niface;
    size_t *counts = vnic_xcalloc(n + 1, sizeof(size_t));
    size_t *vcounts = vnic_xcalloc(n + 1, sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        counts[i] = s->counts[i];
        vcounts[i] = s->vhost_counts[i];
    }
    take_fds(s, ret_fds, ret_vhostfds);
    *ret_counts = counts;
    *ret_vhost_counts = vcounts;
    *ret_n = n;
    return vnic_api_end(&c, 0);
}
