/* One consistent snapshot of a domain: what a launcher needs (the live definition, the
 * runtime state, each interface's stable id and, if asked for, its queue fds), read in one
 * operation under the domain's lock. Internal to libvnic (not in vnic.h): run, pass,
 * qemu-args and hot-plug are its users; each driver serves it (driver.h, domain_snapshot). */
#pragma once

#include <vnic/vnic.h>

#include "cleanup.h"

enum {
    /* Open the queues too. Of every interface, which a domain's supervisor (vnicsh run) has
     * for itself: refused when another process supervises the domain. */
    VNIC_SNAPSHOT_FDS = 1 << 0,
    /* Make sure the domain runs first, in the same locked operation: a domain that is only
     * defined is started, and a document given as XML text is started (transiently, unless
     * defined) unless its domain runs already; both supervised by the caller, as for
     * VNIC_START_SUPERVISED. */
    VNIC_SNAPSHOT_START = 1 << 1,
    /* With VNIC_SNAPSHOT_FDS: the fds of interface INDEX only. One interface's queues stay
     * open to others than the supervisor: hot-plug hands them to the running launcher. */
    VNIC_SNAPSHOT_ONE = 1 << 2,
    /* XML text: as VNIC_PARSE_SKIP_UNSUPPORTED. */
    VNIC_SNAPSHOT_SKIP_UNSUPPORTED = 1 << 3,
    /* vhost-net for the interfaces that use it (vnic_iface_def_vhost_use): with
     * VNIC_SNAPSHOT_FDS one vhost fd per queue in vhostfds; without, vhost_counts say what a
     * launcher would get (the node is opened once to find out, and closed). Where the node
     * does not open, an interface that may do without gets none, and one with
     * <driver name='vhost'> fails the snapshot. */
    VNIC_SNAPSHOT_VHOST = 1 << 4,
};

typedef struct vnic_domain_snapshot {
    /* The live definition: actual device names, generated MACs, aliases. Of a domain that is
     * only defined (without VNIC_SNAPSHOT_START), the stored definition. Owned. */
    vnic_domain_def *def;
    vnic_domain_info *info; /* owned; state "defined" for a domain that is only defined */
    bool started;           /* VNIC_SNAPSHOT_START started it: the caller destroys it after */
    size_t niface;          /* def's interfaces, in order */
    size_t *counts;         /* niface entries: each interface's queues (of the definition's
                             * queue count for a domain that is only defined) */
    char **ids;             /* niface entries: each interface's stable id (its alias) */
    int *fds;               /* with VNIC_SNAPSHOT_FDS: nfds fds (O_CLOEXEC, owned), interface after
                             * interface (only interface INDEX's with VNIC_SNAPSHOT_ONE); else NULL */
    size_t nfds;
    /* With VNIC_SNAPSHOT_VHOST: niface entries, each interface's vhost fds (0, or one per
     * queue); else NULL. vhostfds (with VNIC_SNAPSHOT_FDS) holds nvhostfds fds (O_CLOEXEC,
     * owned), interface after interface, as fds does. */
    size_t *vhost_counts;
    int *vhostfds;
    size_t nvhostfds;
} vnic_domain_snapshot;

/* Closes the fds still in s->fds (a caller that hands them on sets them to -1). NULL is
 * fine. */
void vnic_domain_snapshot_free(vnic_domain_snapshot *s);
VNIC_DEFINE_CLEANUP(vnic_domain_snapshot, vnic_domain_snapshot_free)

/* The snapshot of domain NAME, or (NAME NULL) of the domain of the document XML, whose
 * diagnostics name DOCNAME and go to diags. flags: VNIC_SNAPSHOT_*; INDEX only counts with
 * VNIC_SNAPSHOT_ONE. *ret is the caller's. The public return convention: 0, or -1 with *err
 * set. */
int vnic_conn_domain_snapshot(vnic_conn *conn, const char *name, const char *xml,
                              const char *docname, unsigned index, unsigned flags,
                              vnic_domain_snapshot **ret, vnic_diag_list *diags, vnic_error **err);

/* vnic_domain_attach_interface_file, also giving the new interface's alias (*ret_alias, the
 * caller's): the id that still names it when another interface's detach moved its index.
 * The public return convention (-1 on failure). */
int vnic_conn_domain_attach_interface_file(vnic_conn *conn, const char *name, const char *path,
                                           unsigned flags, unsigned *ret_index, char **ret_alias,
                                           vnic_diag_list *diags, vnic_error **err);

/* vnic_domain_attach_interface_xml, also giving the new interface's alias (as above): vnicd
 * serves AttachInterface with it. The public return convention (-1 on failure). */
int vnic_conn_domain_attach_interface_xml(vnic_conn *conn, const char *name, const char *xml,
                                          const char *docname, unsigned flags, unsigned *ret_index,
                                          char **ret_alias, vnic_diag_list *diags,
                                          vnic_error **err);
