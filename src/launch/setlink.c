/* domif-setlink with --qmp: the guest's link (QMP set_link on the interface's id) and the
 * host device's, through the public API. The guest's goes first: when QEMU refuses, nothing
 * has changed; when the host side then fails, the guest's is put back. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "cleanup.h"
#include "i18n.h"
#include "launch.h"
#include "log.h"
#include "qmp.h"
#include "strutil.h"

static int qmp_set_link(vnic_conn *conn, const char *name, const char *iface, bool up,
                        const char *socket, vnic_error **err)
{
    if (!socket)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("no QMP socket given")), -EINVAL;
    /* The interface's id (its alias, which QEMU knows it by) and the host link as it is. */
    vnic_interface_stats *st = NULL;
    bool was_up = false;
    if (vnic_domain_interface_stats(conn, name, iface, &st, err) < 0 ||
        vnic_domain_interface_get_link(conn, name, iface, &was_up, NULL, err) < 0) {
        vnic_interface_stats_free(st);
        return -EINVAL;
    }
    _cleanup_free_ char *id = vnic_xstrdup_null(st->alias);
    vnic_interface_stats_free(st);
    if (!id)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("interface '%s' of domain '%s' has no id QEMU knows it by"), iface,
                              name),
               -EINVAL;

    vnic_qmp *q = NULL;
    int r = vnic_qmp_open(socket, VNIC_QMP_TIMEOUT_MS, &q, err);
    if (r < 0)
        return r;
    if ((r = vnic_qmp_set_link(q, id, up, err)) < 0) {
        vnic_error_prefix(err, _("setting the guest's link of '%s'"), id);
        vnic_qmp_close(q);
        return r;
    }
    r = vnic_domain_interface_set_link(conn, name, iface, up, err);
    if (r < 0 && !vnic_qmp_broken(q)) {
        vnic_error *e = NULL;
        if (vnic_qmp_set_link(q, id, was_up, &e) < 0) {
            VNIC_WARN("rollback: %s", e->message);
            vnic_error_free(e);
        }
    }
    vnic_qmp_close(q);
    return r;
}

int vnic_qmp_interface_set_link(vnic_conn *conn, const char *name, const char *iface, bool up,
                                const char *socket, vnic_error **err)
{
    vnic_api_call c;
    vnic_api_begin(&c, __func__, err, NULL, 0, 0);
    return vnic_api_end(&c, qmp_set_link(conn, name, iface, up, socket, c.err));
}
