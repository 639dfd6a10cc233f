/* vhost-net for virtio queues, and the device nodes <backend> chooses.
 *
 * As libvirt does: a virtio interface gets one vhost-net fd per queue whenever its node
 * (/dev/vhost-net, or <backend vhost>) opens, and none, silently, when it does not;
 * <driver name='vhost'> makes a node that does not open an error (at start and attach,
 * before anything is made, and in every snapshot that hands out fds); <driver name='qemu'>
 * and the other models never use it. The fds are opened by the driver (the daemon, for its
 * clients), next to the queues, so that a launcher needs no access to the node itself. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "embed.h"
#include "fault.h"
#include "i18n.h"
#include "strutil.h"
#include "tun.h"
#include "vhost.h"

/* The error of a node that does not open for an interface that needs it. */
static int vhost_required_error(const vnic_iface_def *d, vnic_error **err)
{
    return vnic_error_prefix(err,
                             _("<driver name='vhost'/> needs vhost-net, but %s cannot be "
                               "used"),
                             vnic_iface_def_vhost_path(d)),
           -ENODEV;
}

int vnic_embed_check_host_iface(embed_priv *p, const vnic_iface_def *d, bool start,
                                vnic_error **err)
{
    /* The daemon opens these nodes as root and hands the fds to the client: a client that is
     * not root could open any character device of the host that way. */
    if (p->has_client && (d->backend_tap || d->backend_vhost))
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("element <backend> (other device nodes) is reserved to root")),
               -EPERM;
    if (!start)
        return 0;
    /* vhost-net serves virtio queues only: libvirt refuses to start such an interface rather
     * than leave the demand unmet (in a 'kvm' domain: it gives a TCG one no vhost-net at all,
     * without a word). The parser takes it, as libvirt's does: a definition stored before
     * stays readable. */
    if (d->driver_name == VNIC_DRIVER_VHOST && !vnic_model_is_virtio(d->model) &&
        !d->domain_not_kvm)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("<driver name='vhost'/> asks for vhost-net, which only a virtio "
                                "model uses, not '%s'"),
                              d->model ? d->model : "rtl8139"),
               -EINVAL;
    if (vnic_iface_def_vhost_use(d) != VNIC_VHOST_REQUIRED)
        return 0;
    int fd = -1;
    int r = vnic_vhost_open(vnic_iface_def_vhost_path(d), 1, &fd, err);
    if (r < 0)
        return vhost_required_error(d, err), r;
    close(fd);
    return 0;
}

int vnic_embed_snapshot_vhost(vnic_domain_snapshot *s, size_t first, size_t last, bool open,
                              vnic_error **err)
{
    size_t *counts = vnic_xcalloc(s->niface ? s->niface : 1, sizeof(*counts));
    size_t total = 0;
    for (size_t i = first; i < last; i++)
        if (vnic_iface_def_vhost_use(s->def->ifaces[i]) != VNIC_VHOST_NEVER)
            total += s->counts[i];
    int *fds = vnic_xcalloc(total ? total : 1, sizeof(int));
    size_t off = 0;
    for (size_t i = first; i < last; i++) {
        const vnic_iface_def *d = s->def->ifaces[i];
        vnic_vhost_use use = vnic_iface_def_vhost_use(d);
        if (use == VNIC_VHOST_NEVER || s->counts[i] == 0)
            continue;
        /* Without fds to hand out, one open tells whether the launcher would get them. */
        size_t n = open ? s->counts[i] : 1;
        vnic_error *e = NULL;
        int fail = vnic_fault_fail("snapshot-vhost");
        int r = fail ? (vnic_error_set_errno(&e, fail, _("cannot open %s for %s"),
                                             vnic_iface_def_vhost_path(d), "vhost-net"),
                        -fail)
                     : vnic_vhost_open(vnic_iface_def_vhost_path(d), n, fds + off, &e);
        if (r < 0 && use == VNIC_VHOST_REQUIRED) {
            *err = e;
            vhost_required_error(d, err);
            vnic_embed_prefix_iface(err, s->def, i);
            vnic_close_fds(fds, off);
            free(fds);
            free(counts);
            return r;
        }
        vnic_error_free(e);
        if (r < 0)
            continue; /* libvirt's default: no vhost-net where it does not open */
        if (!open) {
            vnic_close_fds(fds + off, 1);
            counts[i] = s->counts[i];
            continue;
        }
        counts[i] = n;
        off += n;
    }
    s->vhost_counts = counts;
    if (open) {
        s->vhostfds = fds;
        s->nvhostfds = off;
    } else {
        free(fds);
    }
    return 0;
}
