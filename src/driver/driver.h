/* The driver layer: a connection dispatches every public call through a driver table, as
 * libvirt does, so a daemon later adds a transport (a remote driver), not a second API. */
#pragma once

#include <vnic/vnic.h>

#include "backend_iface.h"
#include "domain_conf.h"
#include "fault.h"
#include "netlink.h"
#include "snapshot.h"

typedef struct vnic_driver vnic_driver;

struct vnic_conn {
    const vnic_driver *driver;
    char *uri;
    void *priv; /* the driver's own state */
};

struct vnic_driver {
    const char *name;
    /* Does this driver serve the URI? */
    bool (*probe)(const char *uri);
    int (*open)(vnic_conn *conn, const char *uri, unsigned flags, vnic_error **err);
    void (*close)(vnic_conn *conn);

    /* XML crosses the driver boundary as text with its document name (never NULL here; the
     * API layer fills in the default) and is parsed by the driver, so that a remote driver
     * forwards it and returns the diagnostics the parser made. flags are the public call's
     * own (vnic_domain_create_flags, vnic_domain_define_flags, vnic_domain_attach_flags). */
    int (*domain_create)(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                         vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err);
    int (*domain_define)(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                         vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err);
    int (*domain_undefine)(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err);
    int (*domain_start)(vnic_conn *conn, const char *name, unsigned flags, vnic_domain_info **ret,
                        vnic_error **err);
    int (*domain_destroy)(vnic_conn *conn, const char *name, vnic_error **err);
    int (*domain_lookup)(vnic_conn *conn, const char *name, vnic_domain_info **ret,
                         vnic_error **err);
    int (*domain_list)(vnic_conn *conn, unsigned flags, vnic_domain_info ***ret, size_t *ret_n,
                       vnic_error **err);
    char *(*domain_get_xml)(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err);
    int (*domain_open_queues)(vnic_conn *conn, const char *name, unsigned index, int **ret_fds,
                              size_t *ret_n, vnic_error **err);
    int (*domain_open_all_queues)(vnic_conn *conn, const char *name, int **ret_fds,
                                  size_t **ret_counts, size_t *ret_n, vnic_error **err);
    /* One consistent snapshot of a domain (snapshot.h): definition, state, ids and fds, read
     * under the domain's lock in one operation. A remote driver forwards NAME or the XML text
     * with DOCNAME (so diagnostics keep the caller's document and lines) and gets back the
     * live definition as XML text, which it parses without the schema (the driver checked it;
     * a newer server's schema may allow more), the info, counts and ids as data, and the fds
     * over SCM_RIGHTS. */
    int (*domain_snapshot)(vnic_conn *conn, const char *name, const char *xml, const char *docname,
                           unsigned index, unsigned flags, vnic_domain_snapshot **ret,
                           vnic_diag_list *diags, vnic_error **err);
    /* *ret_alias (may be NULL) receives the new interface's alias (its stable id; the index
     * moves when another interface is detached). */
    int (*domain_attach_interface)(vnic_conn *conn, const char *name, const char *xml,
                                   const char *docname, unsigned flags, unsigned *ret_index,
                                   char **ret_alias, vnic_diag_list *diags, vnic_error **err);
    int (*domain_detach_interface)(vnic_conn *conn, const char *name, const char *alias,
                                   vnic_error **err);
    int (*reconcile)(vnic_conn *conn, unsigned flags, vnic_reconcile_action ***ret, size_t *ret_n,
                     vnic_error **err);
    int (*event_register)(vnic_conn *conn, vnic_event_cb cb, void *opaque, int *ret_id,
                          vnic_error **err);
    int (*event_deregister)(vnic_conn *conn, int id);
    int (*event_run)(vnic_conn *conn, int timeout_ms, vnic_error **err);
    /* The fd to poll for readability (the same one for the connection's life), and reading
     * what is pending without blocking. */
    int (*event_get_fd)(vnic_conn *conn, vnic_error **err);
    int (*event_dispatch)(vnic_conn *conn, vnic_error **err);

    /* domiftune: IFACE is an alias, a device name or a MAC; INBOUND and OUTBOUND NULL or
     * VNIC_BANDWIDTH_NPARAMS values (vnic.h). */
    int (*domain_get_interface_bandwidth)(vnic_conn *conn, const char *name, const char *iface,
                                          vnic_interface_bandwidth **ret, vnic_error **err);
    int (*domain_set_interface_bandwidth)(vnic_conn *conn, const char *name, const char *iface,
                                          const unsigned long long *inbound,
                                          const unsigned long long *outbound, vnic_error **err);
    /* Live interface state (conn_live.c): IFACE is an alias, a device name or a MAC. */
    int (*domain_interface_stats)(vnic_conn *conn, const char *name, const char *iface,
                                  vnic_interface_stats **ret, vnic_error **err);
    int (*domain_interface_get_link)(vnic_conn *conn, const char *name, const char *iface,
                                     bool *ret_up, char **ret_device, vnic_error **err);
    int (*domain_interface_set_link)(vnic_conn *conn, const char *name, const char *iface, bool up,
                                     vnic_error **err);
    /* vnic_domain_follow_libvirt; NULL where the driver cannot (the embedded one). */
    int (*domain_follow_libvirt)(vnic_conn *conn, const char *name, vnic_error **err);
};

extern const vnic_driver vnic_embed_driver;
extern const vnic_driver vnic_remote_driver; /* src/remote */

/* Make the taps of later starts and attaches on CONN whose interface has no vnic:owner belong
 * to UID and GID (as if the definition said <vnic:owner user=UID group=GID/>, which the live
 * XML then shows), so that the process vnicd serves can use them without privileges. UID
 * (uid_t)-1 goes back to root-owned taps. For the embedded driver only: any other refuses
 * with -EOPNOTSUPP (a remote peer cannot hand its taps to someone else). */
int vnic_conn_set_client(vnic_conn *conn, uid_t uid, gid_t gid, vnic_error **err);

/* Start the domain of DEF (taken over, freed on every path) as vnic_domain_create_xml would
 * start the document DEF was parsed from: vnicd parses a non-root caller's document once, for
 * its policy, and starts what it checked, instead of parsing it again. FLAGS: only
 * VNIC_CREATE_SUPERVISED (the parse flags were the parse's). Embedded driver only
 * (-EOPNOTSUPP otherwise). Returns 0 or a negative errno with *err set. */
int vnic_conn_create_def(vnic_conn *conn, vnic_domain_def *def, unsigned flags,
                         vnic_domain_info **ret, vnic_error **err);

/* The process a supervised start on CONN is for: vnicd supervises on behalf of its client,
 * and those refused because a supervisor holds the domain are told the client's pid (the
 * `vnicsh run` they can see), not the daemon's. 0 goes back to the caller's own pid. Embedded
 * driver only (-EOPNOTSUPP otherwise). */
int vnic_conn_set_client_pid(vnic_conn *conn, pid_t pid, vnic_error **err);

/* ---- backend registry ------------------------------------------------------------------ */

typedef struct vnic_registry vnic_registry;

/* Load every backend module (*.so) of DIRS (colon-separated); NULL means $VNIC_BACKEND_DIR,
 * else the installed directory (or the build tree's when run uninstalled). A module with
 * the wrong ABI version, without the ops symbol, or that cannot be loaded is an error. One
 * module serves a type: the first directory with one wins; two for a type in one directory,
 * or two of one name, are an error naming both. */
int vnic_registry_load(const char *dirs, vnic_registry **ret, vnic_error **err);
void vnic_registry_free(vnic_registry *reg);

/* The backend that serves interface DEF (the one module loaded for its type), or NULL with
 * *err saying what is missing. Only the registry decides this. */
const vnic_backend_ops *vnic_registry_find(const vnic_registry *reg, const vnic_iface_def *def,
                                           vnic_error **err);

/* The backend called NAME ("tap", ...), or NULL. */
const vnic_backend_ops *vnic_registry_find_by_name(const vnic_registry *reg, const char *name);

/* ---- state records --------------------------------------------------------------------- */

typedef enum {
    VNIC_RECORD_STARTING, /* intent written; devices may be half made */
    VNIC_RECORD_ACTIVE,   /* every device made */
    VNIC_RECORD_STOPPING, /* removal under way */
    VNIC_RECORD_DEGRADED, /* running, but a device or its lower device vanished or went down */
    VNIC_RECORD_STATUS_LAST
} vnic_record_status;
VNIC_ENUM_DECL(vnic_record_status, vnic_record_status);

typedef struct vnic_record_iface {
    char mark[VNIC_IFALIAS_MAX + 1]; /* the device's IFLA_IFALIAS, fixed when it is planned */
    char backend[32];
    char intended[IF_NAMESIZE]; /* the name chosen before the device is made */
    bool done;                  /* rt is valid: the device exists (or was adopted) */
    bool detaching;             /* a detach is under way: the device may be gone already */
    vnic_iface_runtime rt;
} vnic_record_iface;

/* One active (or starting) domain: its definition and what was made for it. */
typedef struct vnic_record {
    vnic_record_status status;
    unsigned group;
    bool supervised;           /* started by a supervisor (vnicsh run) that holds NAME.run locked */
    unsigned next_alias;       /* the number of the next generated alias "netN": never reused */
    vnic_domain_def *def;      /* owned */
    vnic_record_iface *ifaces; /* def->niface entries */
    /* Set by the store when a read hands this record out as the file's content (see
     * embed_priv.read_token); 0 for a record made otherwise. */
    unsigned long read_token;
    /* The definition's part of the text last written for this record (vnic_record_def_format),
     * set by the store's writes: a write that changes only the status or the interfaces'
     * entries reuses it instead of formatting the definition again. NULL for a record read
     * from a file. Owned. */
    char *def_text;
} vnic_record;

void vnic_record_free(vnic_record *rec);
VNIC_DEFINE_CLEANUP(vnic_record, vnic_record_free)

/* Serialise / parse a record (XML). path is only used in messages. */
char *vnic_record_format(const vnic_record *rec);
/* The same text as vnic_record_format, with DEF_TEXT (vnic_record_def_format of rec's
 * definition) for the definition instead of formatting rec->def. */
char *vnic_record_format_with(const vnic_record *rec, const char *def_text);
/* The definition's part of a record's text: DEF as vnic_record_format writes it there. */
char *vnic_record_def_format(const vnic_domain_def *def);
/* The definition's part of a record's text written by vnic_record_format (allocated); NULL if
 * TEXT does not end as that writes it. */
char *vnic_record_def_text(const char *text);
int vnic_record_parse(const char *xml, const char *path, vnic_record **ret, vnic_error **err);
/* The link group of a record from the beginning of its text (head, len bytes; the rest of the
 * file is not needed): the root element's group attribute, read by a libxml2 SAX parser that
 * stops there. -EBADMSG when head does not start a record of this version with a group
 * (the caller then reads the whole record, which says what is wrong). */
int vnic_record_peek_group(const char *head, size_t len, unsigned *ret);

/* The mark every device of the domain carries: PREFIX NAME/INDEX, where PREFIX is "vnic:" for
 * the default state store and "vnic@HASH:" for another root, so that stores sharing a network
 * namespace never take each other's devices for their own. Caller frees. */
char *vnic_record_mark(const char *prefix, const char *domain, unsigned index);
