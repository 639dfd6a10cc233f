/* vnic — host-side network devices for virtual machines.
 *
 * The public C API of libvnic. Nothing here prints.
 *
 * Return convention (true of every function below that takes a vnic_error **err):
 *   - success: 0 (or a non-NULL pointer);
 *   - failure: exactly -1 (or NULL), with *err set to a new error the caller frees with
 *     vnic_error_free. A failed system call is named by (*err)->sys_errno; no function returns
 *     a negative errno.
 *   - err may be NULL (the error is then dropped); when it is not, *err must be NULL on entry.
 *   - diags may be NULL (the diagnostics are then dropped, and the first one is added to the
 *     error's message in parentheses).
 *   - flags: each call takes only the flags its comment names; any other bit makes it fail
 *     first thing, with VNIC_ERR_INVALID and a message naming the unknown bits.
 * Ownership: the caller owns and frees what it receives unless a comment says otherwise.
 *
 * Threads: a connection is used by one thread at a time (the caller serialises calls on it);
 * different connections may be used in parallel from different threads, also on one state
 * store (processes and threads are kept apart by the same locks). A parsed definition is
 * immutable: several threads may read and format it at the same time; it is freed once, when
 * none uses it any more. Functions without a connection (parsing, formatting, validation)
 * may be called from any thread at any time. Event callbacks run in the thread that calls
 * vnic_event_dispatch or vnic_event_run, before it returns; vnic starts no thread of its own
 * (except libvirt's event loop, for the libvirt calls, as their section says).
 * vnic_run changes process-wide state (signal dispositions, RLIMIT_NOFILE) while it runs:
 * at most one at a time per process. The library never changes the program's libxml2
 * settings or error handlers.
 *
 * ABI: the result structs (vnic_error, vnic_diag, vnic_domain_info, vnic_interface_info,
 * vnic_reconcile_action, vnic_event) are allocated by libvnic only, never by the caller, and
 * each begins with `size_t size`, the sizeof of the struct as the library that filled it
 * knows it. New members are only ever appended, so a program built against a newer header
 * asks VNIC_HAS_MEMBER before reading a member an older library may not have. Arrays of them
 * are arrays of pointers: nothing indexes them by a sizeof that could change. The one struct a
 * caller allocates, vnic_diag_list, is frozen as it is. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Whether the struct *PTR of type TYPE, as the running library filled it, has MEMBER. */
#define VNIC_HAS_MEMBER(ptr, type, member)                                                         \
    ((ptr)->size >= offsetof(type, member) + sizeof(((type *)0)->member))

/* ---- errors ---------------------------------------------------------------------------- */

typedef enum {
    VNIC_ERR_NONE = 0,
    VNIC_ERR_INTERNAL, /* a bug or an impossible state */
    VNIC_ERR_NOMEM,
    VNIC_ERR_IO,      /* reading or writing a file */
    VNIC_ERR_XML,     /* malformed or invalid XML; details are in the diagnostics */
    VNIC_ERR_INVALID, /* a bad argument or value */
    VNIC_ERR_UNSUPPORTED,
    VNIC_ERR_SYSTEM, /* a failed system call; sys_errno says which */
    VNIC_ERR_LAST
} vnic_error_code;

typedef struct vnic_error {
    size_t size; /* see "ABI" above */
    vnic_error_code code;
    int sys_errno; /* 0 unless a system call failed */
    char *message; /* complete and translated, without a trailing newline */
} vnic_error;

/* Free an error; accepts NULL. */
void vnic_error_free(vnic_error *err);

/* One problem found in an XML file: where, and what (already translated). */
typedef struct vnic_diag {
    size_t size; /* see "ABI" above */
    char *file;
    int line; /* 0 when unknown */
    char *message;
} vnic_diag;

/* The caller allocates the list (usually `vnic_diag_list diags = {0};`) and the library fills
 * it: its layout is frozen for good, these three members and no others. */
typedef struct vnic_diag_list {
    vnic_diag **items;
    size_t count;
    size_t alloc;
} vnic_diag_list;

/* Free the items of a list (not the list itself) and reset it to empty. */
void vnic_diag_clear(vnic_diag_list *list);

/* "FILE:LINE: error: MESSAGE" (translated); the caller frees the result. */
char *vnic_diag_to_string(const vnic_diag *d);

/* ---- domain definitions ---------------------------------------------------------------- */

/* A parsed <domain> or standalone <interface> document. Opaque. */
typedef struct vnic_domain_def vnic_domain_def;

/* Flags: one enum per call, named after it. The calls that read XML share two meanings,
 * spelled per call:
 *   ..._SKIP_UNSUPPORTED  skip interfaces of types vnic does not handle (bridge, network, ...)
 *                         instead of reporting them; they stay in the document unchanged;
 *   ..._NO_SCHEMA         do not validate against the RelaxNG schema (semantic checks run).
 * The values of these enums (parse, create, define, start, attach, QMP attach, run) are
 * distinct on purpose: a flag of one call handed to another is refused, never taken for
 * something else. */

/* vnic_domain_def_parse_file, vnic_domain_def_parse_string. */
typedef enum vnic_domain_def_parse_flags {
    VNIC_PARSE_SKIP_UNSUPPORTED = 1 << 0,
    VNIC_PARSE_NO_SCHEMA = 1 << 1,
} vnic_domain_def_parse_flags;

/* Read, validate (schema and semantics) and parse PATH. flags: vnic_domain_def_parse_flags.
 *
 * On success *ret is a new definition owned by the caller (free with vnic_domain_def_free).
 * If the document has problems, every one is appended to diags, *ret is left untouched, and
 * -1 is returned with an error of code VNIC_ERR_XML. Other failures (an unusable schema
 * installation) set *err alone. */
int vnic_domain_def_parse_file(const char *path, unsigned flags, vnic_domain_def **ret,
                               vnic_diag_list *diags, vnic_error **err);

/* As vnic_domain_def_parse_file, on a string in memory; NAME is used in diagnostics.
 * flags: vnic_domain_def_parse_flags. */
int vnic_domain_def_parse_string(const char *xml, const char *name, unsigned flags,
                                 vnic_domain_def **ret, vnic_diag_list *diags, vnic_error **err);

/* The canonical XML of a definition (2-space indent, stable order, no XML declaration,
 * a trailing newline). Formatting that output again gives the same bytes. Caller frees. */
char *vnic_domain_def_format(const vnic_domain_def *def, vnic_error **err);

/* The domain's name, or NULL for a standalone interface document. Owned by def. */
const char *vnic_domain_def_name(const vnic_domain_def *def);

/* How many interfaces vnic manages in the definition (skipped ones not counted). */
size_t vnic_domain_def_interface_count(const vnic_domain_def *def);

void vnic_domain_def_free(vnic_domain_def *def);

/* ---- connections and domains ----------------------------------------------------------- */

/* A connection to a driver. Opaque. */
typedef struct vnic_conn vnic_conn;

/* Open a connection. "vnic:///embed" runs the driver in this process, with its state under
 * /run/vnic and /var/lib/vnic ("vnic:///embed?root=DIR": all state under DIR instead), and
 * needs root. "vnic:///system" reaches the daemon vnicd on its socket /run/vnic/vnicd.sock
 * ("vnic+unix:///system?socket=PATH", or "vnic:///system?socket=PATH": on PATH), which does the
 * work with its own privileges as its policy allows the caller; the same calls give the same
 * results over both. URI NULL means $VNIC_DEFAULT_URI, else "vnic:///embed" when the effective
 * user is root and "vnic:///system" otherwise. The caller closes the connection. */
int vnic_conn_open(const char *uri, vnic_conn **ret, vnic_error **err);

enum {
    /* Do not finish, on opening, what crashed processes left half done (reconcile's quick
     * pass): for callers that must not change anything, such as a dry run. */
    VNIC_CONN_NO_RECONCILE = 1 << 0,
};

/* As vnic_conn_open, with VNIC_CONN_* flags. */
int vnic_conn_open_flags(const char *uri, unsigned flags, vnic_conn **ret, vnic_error **err);
void vnic_conn_close(vnic_conn *conn);

/* What vnic knows of one interface of an active domain. */
typedef struct vnic_interface_info {
    size_t size;    /* see "ABI" above */
    unsigned index; /* position among the domain's interfaces, from 0 */
    char *alias;    /* NULL if the XML has none */
    char *type;     /* "ethernet", "tap" or "direct", as written */
    char *backend;  /* "tap", "macvtap", ... */
    char *name;     /* the host device's name */
    int ifindex;
    char *source;      /* direct: the lower device; else NULL */
    char *mode;        /* direct: vepa, bridge, private or passthrough; else NULL */
    char mac[18];      /* the guest's MAC */
    char host_mac[18]; /* the host side's MAC (a tap's differs from the guest's) */
    char *model;       /* NULL if the XML has none */
    unsigned mtu;
    unsigned queues;
    bool vnet_hdr;
    bool managed; /* false: an existing device used as it is (managed='no') */
} vnic_interface_info;

typedef struct vnic_domain_info {
    size_t size; /* see "ABI" above */
    char *name;
    char *uuid;      /* NULL if the XML has none */
    char *state;     /* "defined", "active", "degraded", "starting", "stopping" or "broken"
                      * (its state record cannot be read; listed with what its definition
                      * says, the record's problem reported as the call's error) */
    bool persistent; /* has a stored definition (define) */
    size_t ninterfaces;
    vnic_interface_info **interfaces; /* ninterfaces pointers */
} vnic_domain_info;

void vnic_domain_info_free(vnic_domain_info *info);
void vnic_domain_info_list_free(vnic_domain_info **list, size_t n);

/* vnic_domain_create_xml, vnic_domain_create_file. */
typedef enum vnic_domain_create_flags {
    VNIC_CREATE_SKIP_UNSUPPORTED = 1 << 2,
    VNIC_CREATE_NO_SCHEMA = 1 << 3,
    /* The caller supervises the domain for as long as its connection is open, as
     * `vnicsh run` does: if the caller dies, reconcile removes the domain. */
    VNIC_CREATE_SUPERVISED = 1 << 4,
} vnic_domain_create_flags;

/* The document name diagnostics use for XML text given without one (docname NULL). */
#define VNIC_XML_DOCNAME_DEFAULT "<string>"

/* Start a transient domain from the <domain> document XML (a NUL-terminated string): every
 * interface is made on the kernel, all or nothing. *ret (may be NULL) receives the result.
 * The text is parsed by the driver; its problems go to diags, as with
 * vnic_domain_def_parse_string, each naming DOCNAME (NULL: VNIC_XML_DOCNAME_DEFAULT) and the
 * line of XML it is on (line 1 is the text's first line). flags: vnic_domain_create_flags. */
int vnic_domain_create_xml(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                           vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err);

/* vnic_domain_create_xml on the contents of the file PATH (read as
 * vnic_domain_def_parse_file reads it), with PATH as the document name. flags:
 * vnic_domain_create_flags. */
int vnic_domain_create_file(vnic_conn *conn, const char *path, unsigned flags,
                            vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err);

/* Remove every device of an active domain and forget it. Devices already gone are fine;
 * devices without vnic's mark are never deleted. */
int vnic_domain_destroy(vnic_conn *conn, const char *name, vnic_error **err);

int vnic_domain_lookup(vnic_conn *conn, const char *name, vnic_domain_info **ret, vnic_error **err);

enum {
    VNIC_LIST_ALL = 1 << 0, /* defined (inactive) domains too */
};

/* Every active domain (with VNIC_LIST_ALL also every defined one), sorted by name. A record
 * that cannot be read does not hide the others: they are returned, and *err (if not NULL)
 * names the unreadable file. */
int vnic_domain_list(vnic_conn *conn, unsigned flags, vnic_domain_info ***ret, size_t *ret_n,
                     vnic_error **err);

enum {
    VNIC_XML_INACTIVE = 1 << 0, /* the stored definition, not the running one */
};

/* The domain's XML: of a running domain with the actual device names (and generated MACs)
 * filled in; with VNIC_XML_INACTIVE (or of a domain that is only defined) the stored
 * definition. */
char *vnic_domain_get_xml(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err);

/* vnic_domain_define_xml, vnic_domain_define_file. */
typedef enum vnic_domain_define_flags {
    VNIC_DEFINE_SKIP_UNSUPPORTED = 1 << 5,
    VNIC_DEFINE_NO_SCHEMA = 1 << 6,
} vnic_domain_define_flags;

/* Store the definition of the <domain> document XML (validated; written atomically).
 * Redefining an inactive domain replaces its definition; an active domain keeps running on its
 * old one until destroyed. DOCNAME and diagnostics as for vnic_domain_create_xml. flags:
 * vnic_domain_define_flags. */
int vnic_domain_define_xml(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                           vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err);

/* vnic_domain_define_xml on the contents of the file PATH, with PATH as the document name.
 * flags: vnic_domain_define_flags. */
int vnic_domain_define_file(vnic_conn *conn, const char *path, unsigned flags,
                            vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err);

enum {
    VNIC_UNDEFINE_DESTROY = 1 << 0, /* destroy an active domain first */
};

/* Forget a stored definition; refused while the domain is active unless
 * VNIC_UNDEFINE_DESTROY. */
int vnic_domain_undefine(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err);

/* vnic_domain_start. */
typedef enum vnic_domain_start_flags {
    /* As VNIC_CREATE_SUPERVISED. */
    VNIC_START_SUPERVISED = 1 << 8,
} vnic_domain_start_flags;

/* Start a defined domain. flags: vnic_domain_start_flags. */
int vnic_domain_start(vnic_conn *conn, const char *name, unsigned flags, vnic_domain_info **ret,
                      vnic_error **err);

/* vnic_domain_attach_interface_xml, vnic_domain_attach_interface_file. */
typedef enum vnic_domain_attach_flags {
    /* Accepted, but a standalone <interface> of a type vnic does not handle is still an error:
     * skipping it would leave nothing to attach. */
    VNIC_ATTACH_SKIP_UNSUPPORTED = 1 << 9,
    VNIC_ATTACH_NO_SCHEMA = 1 << 10,
} vnic_domain_attach_flags;

/* Add the interface of the standalone <interface> document XML to a running domain: its device
 * is made and recorded (all or nothing). An interface without an alias gets "netN".
 * *ret_index (may be NULL) is its index in the domain. DOCNAME and diagnostics as for
 * vnic_domain_create_xml. flags: vnic_domain_attach_flags. */
int vnic_domain_attach_interface_xml(vnic_conn *conn, const char *name, const char *xml,
                                     const char *docname, unsigned flags, unsigned *ret_index,
                                     vnic_diag_list *diags, vnic_error **err);

/* vnic_domain_attach_interface_xml on the contents of the file PATH, with PATH as the document
 * name. flags: vnic_domain_attach_flags. */
int vnic_domain_attach_interface_file(vnic_conn *conn, const char *name, const char *path,
                                      unsigned flags, unsigned *ret_index, vnic_diag_list *diags,
                                      vnic_error **err);

/* Remove the interface with ALIAS (or device name) from a running domain, and its device. */
int vnic_domain_detach_interface(vnic_conn *conn, const char *name, const char *alias,
                                 vnic_error **err);

/* ---- reconcile ------------------------------------------------------------------------- */

/* One thing reconcile did (or, with VNIC_RECONCILE_DRY_RUN, would do). */
typedef struct vnic_reconcile_action {
    size_t size;   /* see "ABI" above */
    char *domain;  /* NULL for an orphan whose domain is unknown */
    char *device;  /* NULL when the action concerns the domain */
    char *action;  /* "removed-unfinished", "removed-orphan", "degraded", "adopted",
                      "removed-record", "removed-unsupervised", "corrupt-record", "error" */
    char *message; /* a translated sentence saying what happened */
} vnic_reconcile_action;

enum {
    VNIC_RECONCILE_DRY_RUN = 1 << 0, /* report, change nothing */
    VNIC_RECONCILE_QUICK = 1 << 1,   /* only finish what crashed processes left half done */
};

/* Bring the state store and the kernel into agreement: devices of starts that never
 * completed are removed, active domains whose devices all exist are re-adopted, marked
 * devices no record owns are removed, domains whose devices vanished become degraded. *ret is
 * a new array of *ret_n pointers to what was done, freed with vnic_reconcile_actions_free. */
int vnic_reconcile(vnic_conn *conn, unsigned flags, vnic_reconcile_action ***ret, size_t *ret_n,
                   vnic_error **err);
/* Free the N actions of vnic_reconcile and their array; accepts NULL. */
void vnic_reconcile_actions_free(vnic_reconcile_action **actions, size_t n);

/* ---- events ---------------------------------------------------------------------------- */

/* Owned by the library, valid during the callback only. */
typedef struct vnic_event {
    size_t size; /* see "ABI" above */
    const char *domain;
    unsigned index;     /* the interface's index in the domain */
    const char *device; /* the device the event is about (the lower device for lower-*) */
    const char *type;   /* "device-removed", "device-down", "device-up", "lower-removed",
                           "lower-down", "lower-up" */
    bool degraded;      /* the domain was marked degraded because of it */
} vnic_event;

typedef void (*vnic_event_cb)(const vnic_event *ev, void *opaque);

/* Call cb for every event of the connection's domains until deregistered. */
int vnic_event_register(vnic_conn *conn, vnic_event_cb cb, void *opaque, int *ret_id,
                        vnic_error **err);
/* Returns -1 (there is no err) when no callback has that id. */
int vnic_event_deregister(vnic_conn *conn, int id);

/* A convenience loop over vnic_event_get_fd and vnic_event_dispatch: wait for and dispatch
 * events for up to timeout_ms milliseconds (-1: until interrupted by a signal). Returns 0 on
 * timeout; -1 with (*err)->sys_errno == EINTR when a signal arrived (free that error before
 * calling again); -1 on any other failure. */
int vnic_event_run(vnic_conn *conn, int timeout_ms, vnic_error **err);

/* For an event loop of the caller's own (poll, epoll, GLib, libuv...): the fd to watch for
 * readability. It stays the same, and owned by the connection (do not close it or read from
 * it), until the connection is closed; the first call starts listening for link events.
 * Returns the fd, or -1 with *err set. */
int vnic_event_get_fd(vnic_conn *conn, vnic_error **err);

/* Read what is pending on the event fd without blocking and call the registered callbacks,
 * from this thread, before returning. Call it whenever the fd is readable (a spurious call is
 * harmless). If the kernel dropped messages because the caller was too slow, the state of
 * every watched device is compared with the kernel's and each change that was missed is
 * reported as the event it would have been. Returns 0, or -1 with *err set. */
int vnic_event_dispatch(vnic_conn *conn, vnic_error **err);

/* Open the queues of interface INDEX: *ret_fds is a new array of *ret_n fds (O_CLOEXEC), all
 * owned by the caller. */
int vnic_domain_open_queues(vnic_conn *conn, const char *name, unsigned index, int **ret_fds,
                            size_t *ret_n, vnic_error **err);

/* The queues of every interface at once (one read of the state, one pass over the devices):
 * *ret_fds holds all fds, interface after interface; (*ret_counts)[i] says how many belong to
 * interface i; *ret_n is the number of interfaces. On failure no fd stays open. The caller
 * owns both arrays and the fds. */
int vnic_domain_open_all_queues(vnic_conn *conn, const char *name, int **ret_fds,
                                size_t **ret_counts, size_t *ret_n, vnic_error **err);

/* As vnic_domain_open_queues, with the interface's vhost-net fds: *ret_vhostfds holds
 * *ret_nvhost fds, one per queue where the interface uses vhost-net (a virtio model whose node,
 * /dev/vhost-net or <backend vhost>, opens; <driver name='vhost'/> makes a node that does not
 * open an error), none otherwise. Queues and vhost fds are opened under one read of the state.
 * Through vnicd it needs the policy's "run" operation (the fds a launcher runs on). On failure
 * no fd stays open. The caller owns both arrays and the fds. (Added in 1.1.) */
int vnic_domain_open_queues_vhost(vnic_conn *conn, const char *name, unsigned index, int **ret_fds,
                                  size_t *ret_n, int **ret_vhostfds, size_t *ret_nvhost,
                                  vnic_error **err);

/* As vnic_domain_open_all_queues, with the vhost-net fds: *ret_vhostfds holds them interface
 * after interface, (*ret_vhost_counts)[i] of them for interface i (0, or its queue count), as
 * vnic_domain_open_queues_vhost says. The caller owns the four arrays and the fds. (1.1.) */
int vnic_domain_open_all_queues_vhost(vnic_conn *conn, const char *name, int **ret_fds,
                                      size_t **ret_counts, int **ret_vhostfds,
                                      size_t **ret_vhost_counts, size_t *ret_n, vnic_error **err);

/* ---- launchers ------------------------------------------------------------------------- */

/* vnic_run. */
typedef enum vnic_run_flags {
    VNIC_RUN_QEMU = 1 << 13, /* append QEMU -netdev/-device options */
    VNIC_RUN_ENV = 1 << 14,  /* describe the fds in $VNIC_FDS only */
    /* A TARGET that is a file: skip interfaces of types vnic does not handle. */
    VNIC_RUN_SKIP_UNSUPPORTED = 1 << 15,
} vnic_run_flags;

/* Run ARGV as a child with every queue of the domain as inherited fds 3, 4, ...: TARGET is the
 * name of a domain (started if it is only defined) or a domain XML file (started transiently
 * unless its domain runs). With VNIC_RUN_QEMU (the default when ARGV[0] is qemu-system-*) the
 * QEMU options are appended; $VNIC_FDS describes the fds in any case. SIGINT, SIGTERM, SIGHUP
 * and SIGQUIT are forwarded to the child. When the child ends, what this call started is
 * destroyed, and *ret_status is the child's exit status (128 + signal if killed). If the
 * caller dies, the child is killed and reconcile removes the domain. flags: vnic_run_flags.
 *
 * What it does to the process, for the duration of the call only: handlers for SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT that forward the signal to the child (the caller's own
 * dispositions are saved and put back before it returns, on success and on every failure;
 * the signal mask is unchanged on return), and the soft RLIMIT_NOFILE raised to the hard
 * limit (the child keeps the raised limit; the caller's is put back). Another thread must not
 * change these dispositions or the limit meanwhile, and only one vnic_run may run at a time
 * in a process. */
int vnic_run(vnic_conn *conn, const char *target, unsigned flags, char *const argv[],
             int *ret_status, vnic_diag_list *diags, vnic_error **err);

/* vnic_qmp_attach_interface. */
typedef enum vnic_qmp_attach_flags {
    VNIC_QMP_ATTACH_SKIP_UNSUPPORTED = 1 << 11, /* as VNIC_ATTACH_SKIP_UNSUPPORTED */
    VNIC_QMP_ATTACH_NO_SCHEMA = 1 << 12,
} vnic_qmp_attach_flags;

/* Hot-plug the interface of a standalone <interface> FILE into domain NAME running in the QEMU
 * whose QMP socket is SOCKET: the device is made, its queue fds are passed with getfd, then
 * netdev_add and device_add; on any failure everything is undone. *ret_id (may be NULL)
 * receives the QEMU device id (the alias). flags: vnic_qmp_attach_flags. */
int vnic_qmp_attach_interface(vnic_conn *conn, const char *name, const char *path,
                              const char *socket, unsigned flags, char **ret_id,
                              vnic_diag_list *diags, vnic_error **err);

/* Where a hot-plugged NIC sits on the guest's PCI buses, as the running QEMU's query-pci shows
 * it (VNIC_1.2). found is false where QEMU does not show it there (behind a bridge the guest
 * has not numbered yet, or query-pci failed): the other fields are then unset. */
typedef struct vnic_pci_location {
    bool found;
    char *bus; /* QEMU's id of its bus: "pci.0" (pc), "pcie.0" (q35), or the id of the bridge or
                * port it sits behind ("pci.N", a controller's alias); NULL for the root bus of
                * another machine */
    unsigned bus_number; /* the bus number the guest sees (the firmware numbers bridges) */
    unsigned slot, function;
} vnic_pci_location;

/* Free what LOC holds (not LOC itself) and zero it; NULL is fine. */
void vnic_pci_location_clear(vnic_pci_location *loc);

/* vnic_qmp_attach_interface, and where the NIC landed in *ret_where (may be NULL; the caller
 * clears it with vnic_pci_location_clear). An interface with a PCI <address> goes there; one
 * on a bus N > 0 needs that bus (its bridge or port) in the running QEMU, which vnic checks
 * with query-pci before anything is passed to QEMU: hot-plug adds no controller. Without an
 * address QEMU chooses the place. (VNIC_1.2) */
int vnic_qmp_attach_interface_at(vnic_conn *conn, const char *name, const char *path,
                                 const char *socket, unsigned flags, char **ret_id,
                                 vnic_pci_location *ret_where, vnic_diag_list *diags,
                                 vnic_error **err);

/* Unplug interface ALIAS: device_del, wait (up to timeout_ms) for DEVICE_DELETED, netdev_del,
 * then the device is destroyed and the record follows. */
int vnic_qmp_detach_interface(vnic_conn *conn, const char *name, const char *alias,
                              const char *socket, int timeout_ms, vnic_error **err);

/* Send every queue fd of running domain NAME to the unix socket PATH (SCM_RIGHTS), one message
 * per interface: a JSON line describing it (index, id, type, device, mac, model, vnet_hdr,
 * queues) carrying its fds, then {"done": true, "interfaces": N}; the peer must answer with the
 * line {"ack": true} within 10 s (connecting and sending included), else this fails. */
int vnic_pass_fds(vnic_conn *conn, const char *name, const char *path, vnic_error **err);

/* The QEMU options for a definition whose interfaces get fds numbered from FIRST_FD on,
 * COUNTS[i] for interface i: "-netdev", "tap,...", "-device", "...", ... NULL-terminated;
 * free with vnic_strv_free. */
char **vnic_domain_def_qemu_args(const vnic_domain_def *def, const size_t *counts, int first_fd);

/* As vnic_domain_def_qemu_args, with VHOST_COUNTS[i] vhost-net fds for interface i (0, or
 * one per queue) numbered right after its queue fds (interface i's queues, its vhost fds,
 * then interface i+1's): vhost=on,vhostfd=N or vhostfds=A:B:... for those that have them.
 * VHOST_COUNTS NULL is vnic_domain_def_qemu_args. (VNIC_1.1) */
char **vnic_domain_def_qemu_args_vhost(const vnic_domain_def *def, const size_t *counts,
                                       const size_t *vhost_counts, int first_fd);

/* The same for a running domain, with its actual queue counts and MACs. */
char **vnic_domain_qemu_args(vnic_conn *conn, const char *name, int first_fd, vnic_error **err);

/* Queues of interface INDEX of a definition (1 when the XML gives none). */
size_t vnic_domain_def_interface_queues(const vnic_domain_def *def, size_t index);

/* Does interface INDEX of a definition get vhost-net fds where its node opens: a virtio model
 * without <driver name='qemu'>? (VNIC_1.1) */
bool vnic_domain_def_interface_vhost(const vnic_domain_def *def, size_t index);

/* Quote a word for a POSIX shell (only when needed). Caller frees. */
char *vnic_shell_quote(const char *s);

/* Free a NULL-terminated array of strings. */
void vnic_strv_free(char **v);

/* ---- misc ------------------------------------------------------------------------------ */

/* The library version, e.g. "0.1.0". Static storage. */
const char *vnic_version(void);

/* Directory of the installed RelaxNG schemas (or $VNIC_SCHEMA_DIR). Static storage. */
const char *vnic_schema_dir(void);

/* Check vnicd's access policy file PATH (a <policy> document, schemas/policy.rng): well-formed,
 * valid, every user and group name known to this system. 0 when it is good; otherwise -1,
 * with one diagnostic per problem in diags (FILE:LINE naming the element). */
int vnic_policy_validate_file(const char *path, vnic_diag_list *diags, vnic_error **err);

/* ---- interface bandwidth (vnicsh domiftune) ------------------------------------------------ */

/* One direction of an interface's <bandwidth>: three values in libvirt's units, indexed so. */
enum {
    VNIC_BANDWIDTH_AVERAGE, /* KiB/s; 0: the direction is not limited */
    VNIC_BANDWIDTH_PEAK,    /* KiB/s; 0: not given */
    VNIC_BANDWIDTH_BURST,   /* KiB; 0: not given */
    VNIC_BANDWIDTH_NPARAMS
};

/* The bandwidth of one interface: a result struct, as "ABI" above says of the others. */
typedef struct vnic_interface_bandwidth {
    size_t size;  /* see "ABI" above */
    char *alias;  /* the interface's alias */
    char *device; /* its device, NULL when the domain is not running */
    unsigned long long inbound[VNIC_BANDWIDTH_NPARAMS];  /* towards the guest */
    unsigned long long outbound[VNIC_BANDWIDTH_NPARAMS]; /* from the guest */
} vnic_interface_bandwidth;

void vnic_interface_bandwidth_free(vnic_interface_bandwidth *bw);

/* The bandwidth of interface IFACE (its alias, its device's name or its MAC, as virsh takes
 * them) of domain NAME: of the running domain as it runs, else of its stored definition. */
int vnic_domain_get_interface_bandwidth(vnic_conn *conn, const char *name, const char *iface,
                                        vnic_interface_bandwidth **ret, vnic_error **err);

/* Change the bandwidth of interface IFACE of running domain NAME, on its device and in its live
 * definition (what vnic_domain_get_xml shows; the stored definition is left alone, as virsh
 * domiftune --live does). INBOUND and OUTBOUND are NULL (that direction stays as it is) or
 * VNIC_BANDWIDTH_NPARAMS values; an average of 0 lifts the direction's limit. Checked as the
 * XML would be; when the device refuses, the previous settings are put back. */
int vnic_domain_set_interface_bandwidth(vnic_conn *conn, const char *name, const char *iface,
                                        const unsigned long long *inbound,
                                        const unsigned long long *outbound, vnic_error **err);
/* ---- live interface state: counters and link (virsh's domifstat, domif-getlink,
 * domif-setlink) ------------------------------------------------------------------------ */

/* In these calls IFACE names one interface of running domain NAME, as virsh takes it: its
 * alias, its host device's name or its (guest) MAC address. */

/* An interface's counters, 64-bit, from the guest's point of view: rx is what the guest
 * received. For a tap that is what the host device sent (the kernel's counters are swapped,
 * as libvirt does); a macvtap counts as the guest sees already. */
typedef struct vnic_interface_stats {
    size_t size;  /* see "ABI" above */
    char *alias;  /* the interface's id */
    char *device; /* its host device */
    uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
    uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
} vnic_interface_stats;

void vnic_interface_stats_free(vnic_interface_stats *stats);

/* The counters of IFACE, read from the kernel (IFLA_STATS64). *ret is new. */
int vnic_domain_interface_stats(vnic_conn *conn, const char *name, const char *iface,
                                vnic_interface_stats **ret, vnic_error **err);

/* Is IFACE's host device up (IFF_UP, as the kernel has it)? *ret_device (may be NULL)
 * receives the device's name (caller frees). */
int vnic_domain_interface_get_link(vnic_conn *conn, const char *name, const char *iface,
                                   bool *ret_up, char **ret_device, vnic_error **err);

/* Set IFACE's host device up or down, and its <link state> in the live definition to match
 * (dumpxml shows it; a later attach over QMP or a restart keeps nothing of it: the stored
 * definition is unchanged). */
int vnic_domain_interface_set_link(vnic_conn *conn, const char *name, const char *iface, bool up,
                                   vnic_error **err);

/* The same, and the guest's link too: QMP set_link on the interface's id over the QMP socket
 * SOCKET of the QEMU that runs the domain. The guest's link is set first; when QEMU refuses,
 * nothing has changed. */
int vnic_qmp_interface_set_link(vnic_conn *conn, const char *name, const char *iface, bool up,
                                const char *socket, vnic_error **err);

/* vnic_run, and once the launcher runs, the guest link of every interface with <link
 * state='down'/> set down over the launcher's QMP socket QMP_SOCKET (QMP set_link on the
 * interface's id): the socket may appear after the exec, and is waited for (at most 30 s,
 * while the launcher lives). Without such an interface the socket is not used. When the
 * socket cannot be reached or QEMU refuses, the launcher is stopped (SIGTERM, SIGKILL after
 * 5 s), what this call started is destroyed, and the call fails: no guest runs with a link up
 * that its XML says is down. The rest as vnic_run. */
int vnic_run_qmp(vnic_conn *conn, const char *target, unsigned flags, char *const argv[],
                 const char *qmp_socket, int *ret_status, vnic_diag_list *diags, vnic_error **err);

/* ---- libvirt as the launcher (VNIC_1.2) ---------------------------------------------------
 *
 * vnic makes the devices, libvirt runs the VM: every interface vnic manages is given to libvirt
 * as <interface type='ethernet'> with <target dev='DEVICE' managed='no'/>, through libvirt's
 * public API (libvirt.so). libvirt opens the devices itself and leaves them alone when the
 * domain stops; vnic removes them. LIBVIRT_URI is any URI libvirt takes ("qemu:///system",
 * "qemu:///embed?root=DIR", ...); libvirt's own messages reach the caller inside vnic errors.
 *
 * Threads and process state: the first of these calls in a process registers libvirt's default
 * event loop implementation (virEventRegisterDefaultImpl; a program that registered another
 * one must not use these calls) and starts one thread, with every signal blocked, that runs
 * that loop for the rest of the process. It is the one thread vnic ever starts. It also sets
 * libvirt's process-wide error handler (virSetErrorFunc) to one that prints nothing: libvirt's
 * messages reach the caller inside vnic's errors instead.
 *
 * A macvtap is opened by libvirt through /dev/tap<ifindex>, by name. /dev is shared by every
 * network namespace and ifindexes are not: a missing node is made (from the device's number in
 * its own namespace's sysfs) and removed once libvirt has opened it; a node there that is
 * another device (another namespace's macvtap with the same ifindex) makes the call fail
 * before libvirt is asked, saying so. */

/* vnic_domain_get_libvirt_xml: no flags yet. The domain libvirt would be given for the running
 * vnic domain NAME (the XML of vnic_domain_get_xml rewritten: vnic's interfaces as above with
 * their actual devices, their guest-side elements kept; what vnic did on the host itself, such
 * as the macvtap's <source>, <bandwidth>, <coalesce>, scripts, and vnic's own namespace,
 * removed; the rest of the domain unchanged). Caller frees. */
char *vnic_domain_get_libvirt_xml(vnic_conn *conn, const char *name, unsigned flags,
                                  vnic_error **err);

/* vnic_run_libvirt. */
typedef enum vnic_run_libvirt_flags {
    /* A TARGET that is a file: skip interfaces of types vnic does not handle (they go to
     * libvirt unchanged, for libvirt to make). */
    VNIC_RUN_LIBVIRT_SKIP_UNSUPPORTED = 1 << 16,
} vnic_run_libvirt_flags;

/* How a domain run by libvirt ended: *ret_status of vnic_run_libvirt (vnicsh run --libvirt's
 * exit status). 1 and 2 are left to a program's own failure and usage errors. */
enum {
    VNIC_LIBVIRT_END_SHUTDOWN = 0,  /* the guest shut down (or libvirt shut it down) */
    VNIC_LIBVIRT_END_DESTROYED = 3, /* destroyed (virsh destroy, virDomainDestroy) */
    VNIC_LIBVIRT_END_CRASHED = 4,   /* the guest crashed */
    VNIC_LIBVIRT_END_FAILED = 5,    /* QEMU ended unexpectedly (killed, failed) */
    VNIC_LIBVIRT_END_OTHER = 6,     /* saved, migrated away, or restored from a snapshot */
    /* 128 + N: the caller was sent signal N (SIGINT, SIGTERM or SIGHUP) and destroyed the
     * domain in libvirt. */
    VNIC_LIBVIRT_END_SIGNAL_BASE = 128,
};

/* Start the vnic domain TARGET (the name of a defined domain, or a domain XML file started
 * transiently; a NAME already running in vnic is used as it is, and not destroyed), rewrite it as
 * vnic_domain_get_libvirt_xml says and start it in libvirt at LIBVIRT_URI with
 * virDomainCreateXML: a transient domain, or, when libvirt has an inactive domain of that
 * name defined, that domain (its UUID is taken when the XML has none) running on the
 * rewritten definition. Then follow it (libvirt's lifecycle and device-removed events) until
 * it stops: a device libvirt reports removed from the guest is removed by vnic too, and when
 * the domain stops, crashes or is destroyed, what this call started in vnic is destroyed and
 * *ret_status says how it ended (VNIC_LIBVIRT_END_*). A libvirt refusal to start the domain
 * fails the call with libvirt's message, and what this call started is destroyed first.
 *
 * SIGINT, SIGTERM and SIGHUP are blocked in the calling thread (and so in the threads libvirt
 * starts from it) for the duration of the call and taken through a signalfd: the first one
 * destroys the domain in libvirt, which ends the call as above with 128 + the signal. The
 * signal mask is put back before the call returns. When the connection to libvirt is lost
 * (libvirtd stopped), the call fails and the devices stay: the domain may still run. If the
 * caller dies, the domain keeps
 * running in libvirt (a daemon URI) and its devices stay: vnic_libvirt_reconcile removes them
 * once libvirt no longer runs the domain (for a TARGET that is a file). On a connection to vnicd,
 * once libvirt started the domain the call also asks vnicd to follow it
 * (vnic_domain_follow_libvirt; a refusal is not a failure of this call): then vnicd destroys
 * what this call started when libvirt stops the domain, whether or not the caller is still
 * there, and that vnicd got there first is no failure of this call's own destroy. flags:
 * vnic_run_libvirt_flags. */
int vnic_run_libvirt(vnic_conn *conn, const char *libvirt_uri, const char *target, unsigned flags,
                     int *ret_status, vnic_diag_list *diags, vnic_error **err);

/* Ask vnicd to follow the running domain NAME in libvirt, so that its devices live as long as
 * libvirt runs it, whether or not the caller stays: vnicd reads the libvirt URI and domain UUID
 * from the <vnic:libvirt> mark in NAME's runtime state (what vnic_run_libvirt put there; never
 * from the caller), connects to that libvirt and destroys NAME when libvirt reports the domain
 * stopped, or when it no longer runs it (checked right away, and again when vnicd restarts).
 * Only a local libvirt daemon is followed: the URI must be qemu:///system (vnicd runs as root;
 * an embedded driver or a remote transport is refused). A caller who is not root needs the
 * policy's "run" operation on NAME. On a connection to the embedded driver the call fails with
 * VNIC_ERR_UNSUPPORTED: nothing outlives the caller there. flags: none yet (0). */
int vnic_domain_follow_libvirt(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err);

/* vnic_libvirt_attach_interface. */
typedef enum vnic_libvirt_attach_flags {
    VNIC_LIBVIRT_ATTACH_NO_SCHEMA = 1 << 17,
} vnic_libvirt_attach_flags;

/* Hot-plug the interface of the standalone <interface> file PATH into the running domain NAME,
 * run by libvirt at LIBVIRT_URI: vnic makes its device (as vnic_domain_attach_interface_file),
 * then virDomainAttachDeviceFlags (live) gets the rewritten <interface>. On any failure the
 * device is removed again. *ret_alias (may be NULL) receives libvirt's alias of the new
 * interface (what vnic_libvirt_detach_interface and virsh take). flags:
 * vnic_libvirt_attach_flags. */
int vnic_libvirt_attach_interface(vnic_conn *conn, const char *libvirt_uri, const char *name,
                                  const char *path, unsigned flags, char **ret_alias,
                                  vnic_diag_list *diags, vnic_error **err);

/* Unplug interface IFACE (libvirt's alias, vnic's alias, or the host device's name) of domain
 * NAME run by libvirt at LIBVIRT_URI: virDomainDetachDeviceAlias, then wait (at most
 * timeout_ms) for libvirt to report the device removed from the guest, then remove the device
 * from vnic's domain. When the guest does not let go in time, the device stays and the call
 * fails. */
int vnic_libvirt_detach_interface(vnic_conn *conn, const char *libvirt_uri, const char *name,
                                  const char *iface, int timeout_ms, vnic_error **err);

/* vnic_libvirt_reconcile. */
typedef enum vnic_libvirt_reconcile_flags {
    VNIC_LIBVIRT_RECONCILE_DRY_RUN = 1 << 18, /* report, change nothing */
} vnic_libvirt_reconcile_flags;

/* reconcile, asking libvirt: every active vnic domain that vnic_run_libvirt started from a
 * file carries the libvirt URI and the libvirt domain's UUID in its definition (an element
 * <vnic:libvirt uri='...' uuid='...'/>, which the rewrite never hands to libvirt). Each such
 * domain that libvirt no longer runs (its vnic_run_libvirt was killed before the domain
 * stopped) is destroyed, with an action "removed-libvirt-gone"; a libvirt that cannot be asked
 * leaves the domain alone, with an action "error". Domains started by name (from a stored
 * definition) carry no such element and are not looked at. *ret as vnic_reconcile's. flags:
 * vnic_libvirt_reconcile_flags. */
int vnic_libvirt_reconcile(vnic_conn *conn, unsigned flags, vnic_reconcile_action ***ret,
                           size_t *ret_n, vnic_error **err);

#ifdef __cplusplus
}
#endif
