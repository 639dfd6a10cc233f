/* Hot-plugging an interface into a running QEMU over QMP: the device is made, its queue fds
 * are passed with getfd (SCM_RIGHTS), then netdev_add and device_add; every step is undone
 * if a later one fails. Unplugging asks the guest with device_del, waits for DEVICE_DELETED,
 * then removes the netdev and the device. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "cleanup.h"
#include "fault.h"
#include "i18n.h"
#include "launch.h"
#include "log.h"
#include "qemu.h"
#include "qmp.h"
#include "strutil.h"
#include "tun.h"

VNIC_DEFINE_CLEANUP(json_object, json_object_put)

/* How long each step of a rollback over a fresh connection may take. */
#define ROLLBACK_TIMEOUT_MS 5000

/* Undo one step. A step that may or may not have happened (its reply was lost) is undone
 * too; QEMU's "not found" for it is expected and only logged. */
static void forget(vnic_qmp *q, const char *command, json_object *args, bool maybe)
{
    vnic_error *e = NULL;
    if (vnic_qmp_execute(q, command, args, -1, NULL, &e) < 0) {
        if (maybe)
            VNIC_DEBUG("rollback: %s", e->message);
        else
            VNIC_WARN("rollback: %s", e->message);
        vnic_error_free(e);
    }
}

static json_object *id_args(const char *key, const char *value)
{
    json_object *a = json_object_new_object();
    json_object_object_add(a, key, json_object_new_string(value));
    return a;
}

/* The steps of a hot-plug, in order: where it stopped says what to undo. */
typedef enum { PLUG_GETFD, PLUG_NETDEV, PLUG_DEVICE } plug_step;

/* Undo a hot-plug that stopped in STEP after SENT fds were confirmed. Over Q if it is still
 * in step; otherwise (a timeout, a broken or flooded connection) over a new connection to
 * SOCKET, and then the step in flight is undone too, since QEMU may have done it. */
static void unplug_partial(vnic_qmp *q, const char *socket, plug_step step, char **names,
                           size_t sent, size_t n, const char *netdev, const char *id)
{
    vnic_qmp *fresh = NULL;
    bool maybe = vnic_qmp_broken(q);
    if (maybe) {
        vnic_error *e = NULL;
        if (vnic_qmp_open(socket, ROLLBACK_TIMEOUT_MS, &fresh, &e) < 0) {
            VNIC_WARN("rollback in QEMU: %s", e->message);
            vnic_error_free(e);
            return;
        }
        q = fresh;
    }
    if (step == PLUG_DEVICE && maybe) {
        _cleanup_(json_object_putp) json_object *a = id_args("id", id);
        forget(q, "device_del", a, true);
    }
    if (step == PLUG_DEVICE || (step == PLUG_NETDEV && maybe)) {
        _cleanup_(json_object_putp) json_object *a = id_args("id", netdev);
        forget(q, "netdev_del", a, step == PLUG_NETDEV);
    }
    /* Named fds that no netdev took. */
    if (step != PLUG_DEVICE) {
        size_t upto = step == PLUG_GETFD && maybe && sent < n ? sent + 1 : sent;
        for (size_t i = 0; i < upto; i++) {
            _cleanup_(json_object_putp) json_object *a = id_args("fdname", names[i]);
            forget(q, "closefd", a, maybe);
        }
    }
    vnic_qmp_close(fresh);
}

/* Pass the fds, add the netdev and the device; undo what was done on failure. */
/* Is the bus the <address> of interface INDEX names in the running QEMU? Hot-plug adds no
 * controller: q35's pcie.0 takes no hot-plugged device at all (not a root port either, nor a
 * NIC: one without an address, which QEMU would put there, is refused too), and a pci-bridge
 * hot-plugged into pc's pci.0 has no bus number until the guest numbers it. So a missing bus
 * is an error that names it, before anything is passed to QEMU. */
static int check_bus(vnic_qmp *q, const vnic_domain_def *dom, size_t index, const char *id,
                     vnic_error **err)
{
    unsigned nr = 0;
    _cleanup_free_ char *bus = vnic_qemu_hotplug_bus(dom, index, &nr);
    /* QEMU would refuse it only after the fds and the netdev went in: say why before. */
    if (nr == 0 && vnic_domain_def_machine(dom) == VNIC_MACHINE_Q35) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("interface '%s' would go on q35's root bus pcie.0, which takes no "
                         "hot-plugged device: give it an <address> on a free pcie-root-port "
                         "(bus N, slot 0) that QEMU has"),
                       id);
        return -EINVAL;
    }
    if (!bus || nr == 0)
        return 0;
    _cleanup_(json_object_putp) json_object *pci = NULL;
    int r = vnic_qmp_query_pci(q, &pci, err);
    if (r < 0)
        return r;
    if (vnic_qmp_pci_has_bus(pci, bus))
        return 0;
    vnic_error_set(err, VNIC_ERR_INVALID,
                   _("PCI bus '%s' (bus 0x%02x of the <address> of interface '%s') is not in the "
                     "running QEMU, and hot-plug adds no PCI controller: start QEMU with it"),
                   bus, nr, id);
    return -ENOENT;
}

/* Where QEMU put the device ID, as query-pci says; a failure leaves *where unfound (the NIC is
 * in, and works, wherever it is). */
static void locate(vnic_qmp *q, const vnic_domain_def *dom, const char *id,
                   vnic_pci_location *where)
{
    _cleanup_(json_object_putp) json_object *pci = NULL;
    vnic_error *e = NULL;
    if (vnic_qmp_query_pci(q, &pci, &e) < 0) {
        VNIC_DEBUG("where '%s' is: %s", id, e->message);
        vnic_error_free(e);
        return;
    }
    if (!vnic_qmp_pci_locate(pci, id, vnic_qemu_root_bus(dom), where))
        VNIC_DEBUG("query-pci does not show '%s'", id);
}

static int plug(vnic_qmp *q, const char *socket, const vnic_domain_def *dom, size_t index,
                const char *id, const int *fds, size_t nq, const int *vhostfds, size_t nv,
                vnic_pci_location *ret_where, vnic_error **err)
{
    const vnic_iface_def *d = dom->ifaces[index];
    _cleanup_free_ char *netdev = vnic_qemu_netdev_id(id);
    size_t n = nq + nv;
    char **names = vnic_xcalloc(n + 1, sizeof(char *));
    _cleanup_free_ int *all = vnic_xcalloc(n + 1, sizeof(int));
    size_t sent = 0;
    plug_step step = PLUG_GETFD;
    int r = 0;

    /* The queue fds, then the vhost-net fds, each passed with getfd under a name of its own. */
    for (size_t i = 0; i < nq; i++) {
        names[i] = vnic_xasprintf("vnic-%s-%zu", id, i);
        all[i] = fds[i];
    }
    for (size_t i = 0; i < nv; i++) {
        names[nq + i] = vnic_xasprintf("vnic-%s-vhost-%zu", id, i);
        all[nq + i] = vhostfds[i];
    }

    /* The same builder as the command line's: a hot-plugged NIC gets every property a NIC
     * of the command line gets, its fds named as getfd named them. */
    vnic_qemu_props nprops, dprops;
    vnic_qemu_nic_props(d, id, (const char *const *)names, nq, &nprops, &dprops);
    vnic_qemu_netdev_vhostfds(&nprops, (const char *const *)names + nq, nv);
    vnic_qemu_hotplug_props(dom, index, &dprops); /* its <address>, named for the machine */
    _cleanup_(json_object_putp) json_object *netdev_args = vnic_qemu_props_to_json(&nprops);
    _cleanup_(json_object_putp) json_object *device_args = vnic_qemu_props_to_json(&dprops);
    vnic_qemu_props_clear(&nprops);
    vnic_qemu_props_clear(&dprops);

    if ((r = check_bus(q, dom, index, id, err)) < 0)
        goto undo;

    for (; sent < n; sent++) {
        _cleanup_(json_object_putp) json_object *a = id_args("fdname", names[sent]);
        if ((r = vnic_qmp_execute(q, "getfd", a, all[sent], NULL, err)) < 0)
            goto undo;
    }

    step = PLUG_NETDEV;

    if ((r = vnic_qmp_execute(q, "netdev_add", netdev_args, -1, NULL, err)) < 0)
        goto undo;

    step = PLUG_DEVICE; /* QEMU took the named fds */

    if ((r = vnic_qmp_execute(q, "device_add", device_args, -1, NULL, err)) < 0)
        goto undo;

    /* <link state='down'/>: the guest's link goes down too, as libvirt does once the device is
     * there (QEMU has no device property for it). Named by the device's id, QEMU takes the
     * NIC and its netdev down together. */
    if (d->link == VNIC_LINK_DOWN) {
        if ((r = vnic_qmp_set_link(q, id, false, err)) < 0) {
            /* The device is in the guest with its link up, which the XML does not say: ask
             * the guest to let it go (asynchronous: its answer is not awaited here). */
            _cleanup_(json_object_putp) json_object *del = id_args("id", id);
            if (!vnic_qmp_broken(q))
                forget(q, "device_del", del, false);
            goto undo;
        }
    }
    if (ret_where)
        locate(q, dom, id, ret_where);
    vnic_strv_free(names);
    return 0;

undo:
    unplug_partial(q, socket, step, names, sent, n, netdev, id);
    vnic_strv_free(names);
    return r;
}

static int qmp_attach(vnic_conn *conn, const char *name, const char *path, const char *socket,
                      unsigned flags, char **ret_id, vnic_pci_location *ret_where,
                      vnic_diag_list *diags, vnic_error **err)
{
    vnic_qmp *q = NULL;
    int r;

    /* Connect first: if QEMU is not there, nothing is made. */
    if ((r = vnic_qmp_open(socket, VNIC_QMP_TIMEOUT_MS, &q, err)) < 0)
        return r;

    /* The QMP call's flags, spelled out as the attach's. */
    unsigned aflags =
        ((flags & VNIC_QMP_ATTACH_SKIP_UNSUPPORTED) ? (unsigned)VNIC_ATTACH_SKIP_UNSUPPORTED : 0) |
        ((flags & VNIC_QMP_ATTACH_NO_SCHEMA) ? (unsigned)VNIC_ATTACH_NO_SCHEMA : 0);
    unsigned index;
    char *alias = NULL;
    if ((r = vnic_conn_domain_attach_interface_file(conn, name, path, aflags, &index, &alias, diags,
                                                    err)) < 0) {
        vnic_qmp_close(q);
        return r;
    }
    vnic_fault_step("qmp attach: attached");

    /* The new interface as it is in the domain, with its fds, from one snapshot. Its index
     * is where the attach put it; if another process detached an interface meanwhile, the
     * index names another one (or none): the attach is then undone, by alias, rather than
     * QEMU given another interface's queues. */
    vnic_domain_snapshot *snap = NULL;
    char *id = NULL;
    if ((r = vnic_conn_domain_snapshot(conn, name, NULL, NULL, index,
                                       VNIC_SNAPSHOT_FDS | VNIC_SNAPSHOT_ONE | VNIC_SNAPSHOT_VHOST,
                                       &snap, NULL, err)) < 0)
        goto undo;
    if (index >= snap->niface || !vnic_streq(snap->ids[index], alias)) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("another process changed the interfaces of domain '%s' meanwhile"), name);
        r = -EAGAIN;
        goto undo;
    }
    id = vnic_xstrdup(snap->ids[index]);
    r = plug(q, socket, snap->def, index, id, snap->fds, snap->nfds, snap->vhostfds,
             snap->nvhostfds, ret_where, err);

undo:
    vnic_domain_snapshot_free(snap); /* QEMU has its own copies of the fds */
    if (r < 0) {
        vnic_error_prefix(err,
                          _("interface '%s' was not plugged into QEMU and its attach was "
                            "undone"),
                          alias);
        /* Back to where we started: the device and its place in the record go. */
        vnic_error *e = NULL;
        if (vnic_domain_detach_interface(conn, name, alias, &e) < 0)
            VNIC_WARN("rollback: %s", e->message);
        vnic_error_free(e);
        free(id);
        id = NULL;
    }
    free(alias);
    vnic_qmp_close(q);
    if (r == 0 && ret_id)
        *ret_id = id;
    else
        free(id);
    return r;
}

static int qmp_detach(vnic_conn *conn, const char *name, const char *alias, const char *socket,
                      int timeout_ms, vnic_error **err)
{
    vnic_qmp *q = NULL;
    int r;

    /* Only an interface of this domain is unplugged: QEMU would remove any device by id. */
    vnic_domain_snapshot *snap = NULL;
    if ((r = vnic_conn_domain_snapshot(conn, name, NULL, NULL, 0, 0, &snap, NULL, err)) < 0)
        return r;
    bool found = false;
    bool active = !vnic_streq(snap->info->state, "defined");
    for (size_t i = 0; i < snap->niface && !found; i++)
        found = snap->def->ifaces[i]->alias && vnic_streq(snap->def->ifaces[i]->alias, alias);
    vnic_domain_snapshot_free(snap);
    if (!active)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not active"), name), -EINVAL;
    if (!found)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("domain '%s' has no interface with alias '%s'"), name, alias),
               -ENOENT;

    if ((r = vnic_qmp_open(socket, VNIC_QMP_TIMEOUT_MS, &q, err)) < 0)
        return r;

    _cleanup_free_ char *netdev = vnic_qemu_netdev_id(alias);
    json_object *a = id_args("id", alias);
    r = vnic_qmp_execute(q, "device_del", a, -1, NULL, err);
    json_object_put(a);
    /* The guest lets go of the device on its own time; the netdev must outlive it. */
    if (r == 0)
        r = vnic_qmp_wait_event(q, "DEVICE_DELETED", alias, timeout_ms, err);
    if (r == 0) {
        a = id_args("id", netdev);
        r = vnic_qmp_execute(q, "netdev_del", a, -1, NULL, err);
        json_object_put(a);
    }
    vnic_qmp_close(q);
    if (r < 0)
        return r;
    return vnic_domain_detach_interface(conn, name, alias, err);
}

/* The public entry points: the return convention and flag check of vnic.h (error.h). */

int vnic_qmp_attach_interface(vnic_conn *conn, const char *name, const char *path,
                              const char *socket, unsigned flags, char **ret_id,
                              vnic_diag_list *diags, vnic_error **err)
{
    const unsigned known = VNIC_QMP_ATTACH_SKIP_UNSUPPORTED | VNIC_QMP_ATTACH_NO_SCHEMA;
    vnic_api_call c;
    if (vnic_api_begin(&c, __func__, err, diags, flags, known) < 0)
        return vnic_api_end(&c, -EINVAL);
    return vnic_api_end(&c,
                        qmp_attach(conn, name, path, socket, flags, ret_id, NULL, c.diags, c.err));
}

int vnic_qmp_attach_interface_at(vnic_conn *conn, const char *name, const char *path,
                                 const char *socket, unsigned flags, char **ret_id,
                                 vnic_pci_location *ret_where, vnic_diag_list *diags,
                                 vnic_error **err)
{
    const unsigned known = VNIC_QMP_ATTACH_SKIP_UNSUPPORTED | VNIC_QMP_ATTACH_NO_SCHEMA;
    vnic_api_call c;
    if (vnic_api_begin(&c, __func__, err, diags, flags, known) < 0)
        return vnic_api_end(&c, -EINVAL);
    vnic_pci_location where = {0};
    int r = qmp_attach(conn, name, path, socket, flags, ret_id, &where, c.diags, c.err);
    if (r == 0 && ret_where)
        *ret_where = where;
    else
        vnic_pci_location_clear(&where);
    return vnic_api_end(&c, r);
}

int vnic_qmp_detach_interface(vnic_conn *conn, const char *name, const char *alias,
                              const char *socket, int timeout_ms, vnic_error **err)
{
    vnic_api_call c;
    vnic_api_begin(&c, __func__, err, NULL, 0, 0);
    return vnic_api_end(&c, qmp_detach(conn, name, alias, socket, timeout_ms, c.err));
}
