/* Internals of the embedded driver, shared by its files. */
#pragma once

#include <sys/stat.h>

#include "driver.h"
#include "netlink.h"

typedef struct event_sub {
    int id;
    vnic_event_cb cb;
    void *opaque;
} event_sub;

/* A device the event monitor watches: one of a domain's devices, or a macvtap's lower. */
typedef struct watched_dev {
    int ifindex;
    char *domain;
    unsigned index;
    bool lower;
    char name[IF_NAMESIZE];
    unsigned flags; /* last known IFF_* */
} watched_dev;

/* A record's link group as a start saw it, with its file's attributes then. */
typedef struct embed_group_seen {
    char *name;
    struct stat st;
    unsigned group;
} embed_group_seen;

typedef struct embed_priv {
    char *run_dir;      /* runtime state: records of active domains */
    char *lib_dir;      /* persistent state: definitions */
    char *domains_dir;  /* run_dir/domains: NAME.xml records */
    char *defs_dir;     /* lib_dir/defs: NAME.xml definitions */
    char *locks_dir;    /* run_dir/locks: NAME.lock, one per domain */
    char *nodes_dir;    /* run_dir/nodes: private device nodes */
    char *lock_path;    /* the store lock: group, counter and intent records */
    char *counter_path; /* vnic's name counter */
    char *mark_prefix;  /* "vnic:" or "vnic@HASH:" */
    /* The directories above, opened once and checked (no symbolic link, ours, writable by
     * nobody else); every file of the store is opened relative to them. */
    int run_fd, domains_fd, locks_fd, lib_fd, defs_fd;
    /* vnic_conn_set_client: the owner of taps without vnic:owner, when has_client. */
    bool has_client;
    uid_t client_uid;
    gid_t client_gid;
    /* vnic_conn_set_client_pid: the pid noted in NAME.run for a supervised start; 0: ours. */
    pid_t client_pid;
    vnic_registry *reg;
    struct nl_sock *nl;

    /* events */
    struct nl_sock *ev_sk;
    event_sub *subs;
    size_t nsubs;
    int next_sub_id;
    watched_dev *watched;
    size_t nwatched;
    bool ev_resync; /* the kernel dropped messages: compare with its view once drained */

    /* NAME.run locks held for domains this connection supervises. */
    struct {
        char *name;
        int fd;
    } * supervised;
    size_t nsupervised;

    /* The record a start of this connection wrote last, and what its file looked like then:
     * the next read of that record (opening the queues right after the start) takes it
     * instead of parsing the file again, if the file is still that one (embed_store.c). */
    vnic_record *kept;
    struct stat kept_st;
    /* The token of the record the last read handed out, if it is known to be the file's
     * content as it was then (read_st): kept, or read while the file stayed the same; 0 when
     * none may be kept. An open that only looked at it gives it back to be kept
     * (vnic_embed_record_keep_read), so that the destroy that follows does not parse the
     * record again either. A token, not the record's address: a record freed without being
     * given back may have its memory reused by another one. */
    unsigned long read_token;
    unsigned long read_tokens; /* the last token handed out */
    struct stat read_st;

    /* The link group of each record as last seen by a start of this connection, with what
     * its file looked like then: a start lists the records and takes each group from here
     * while the file is the same (one fstatat), reading only the others (embed_store.c). */
    embed_group_seen *groups; /* sorted by name */
    size_t ngroups;
} embed_priv;

/* ---- the store (embed_store.c) ---------------------------------------------------------- */

int vnic_embed_get_nl(embed_priv *p, vnic_error **err);
bool vnic_embed_name_ok(const char *name);
/* Is mark this store's mark for an interface of domain ("PREFIX" "DOMAIN/N")? Records are
 * trusted to name only such devices. */
bool vnic_embed_mark_ok(embed_priv *p, const char *domain, const char *mark);
char *vnic_embed_record_path(embed_priv *p, const char *name);
char *vnic_embed_def_path(embed_priv *p, const char *name);
int vnic_embed_record_write(embed_priv *p, vnic_record *rec, vnic_error **err);
/* The same, after a change of only rec's status or its interfaces' entries since its last
 * write (or since it was kept): the definition's text of that write is used again instead of
 * formatting the definition (test builds check that it is the same). */
int vnic_embed_record_write_status(embed_priv *p, vnic_record *rec, vnic_error **err);
/* -ENOENT (err untouched) when there is no record. */
/* Keep rec (taken over) for the next vnic_embed_record_read of its domain. */
void vnic_embed_record_keep(embed_priv *p, vnic_record *rec);
/* Give back rec (taken over), as the last vnic_embed_record_read handed it out and unchanged,
 * to be kept for the next read under the same rule; anything else is freed. */
void vnic_embed_record_keep_read(embed_priv *p, vnic_record *rec);
void vnic_embed_record_forget(embed_priv *p);
int vnic_embed_record_read(embed_priv *p, const char *name, vnic_record **ret, vnic_error **err);
int vnic_embed_record_remove(embed_priv *p, const char *name, vnic_error **err);
/* -ENOENT (err untouched) when there is no definition. */
int vnic_embed_def_read(embed_priv *p, const char *name, vnic_domain_def **ret, vnic_error **err);
bool vnic_embed_def_exists(embed_priv *p, const char *name);
int vnic_embed_def_write(embed_priv *p, const char *name, const char *xml, vnic_error **err);
int vnic_embed_def_remove(embed_priv *p, const char *name, vnic_error **err);
/* Names (sorted) of the .xml files of directory dirfd (dir names it in messages). */
int vnic_embed_list_names(int dirfd, const char *dir, char ***ret, size_t *ret_n, vnic_error **err);
void vnic_embed_free_names(char **names, size_t n);
int vnic_embed_store_lock(embed_priv *p, int *ret_fd, vnic_error **err);
int vnic_embed_domain_lock(embed_priv *p, const char *name, bool wait, int *ret_fd,
                           vnic_error **err);
/* The supervisor lock NAME.run (never waits): -EWOULDBLOCK when a supervisor holds it. */
int vnic_embed_run_lock(embed_priv *p, const char *name, int *ret_fd, vnic_error **err);
/* The pid the holder of NAME.run noted in it (a hint for messages), or 0 if unknown. */
long vnic_embed_run_lock_pid(embed_priv *p, const char *name);
int vnic_embed_counter_reserve(embed_priv *p, unsigned long count, unsigned long *ret,
                               vnic_error **err);
int vnic_embed_allocate_group(embed_priv *p, unsigned *ret, vnic_error **err);
/* Forget the groups allocate_group remembered (at close). */
void vnic_embed_groups_forget(embed_priv *p);
bool vnic_embed_is_vnic_group(unsigned group);

/* A tap without vnic:owner gets the connection's client (vnic_conn_set_client), if any, as
 * owner and group. */
void vnic_embed_apply_client(embed_priv *p, vnic_iface_def *d);

/* ---- vhost-net and <backend> (embed_vhost.c) ------------------------------------------ */

/* What a define, start or attach checks of interface D beyond its backend's verify:
 * a client of the daemon that is not root may not choose device nodes (<backend>), and (with
 * START, for a start or an attach) an interface with <driver name='vhost'> needs its
 * vhost-net node to open. Nothing is kept open. */
int vnic_embed_check_host_iface(embed_priv *p, const vnic_iface_def *d, bool start,
                                vnic_error **err);
/* VNIC_SNAPSHOT_VHOST for interfaces FIRST..LAST-1 of s (s->counts filled): s->vhost_counts,
 * and with OPEN s->vhostfds. On failure nothing stays open. */
int vnic_embed_snapshot_vhost(vnic_domain_snapshot *s, size_t first, size_t last, bool open,
                              vnic_error **err);

/* ---- names from templates (embed_names.c) ----------------------------------------------- */

/* tmpl (one "%d") filled with n; owned by the caller. */
char *vnic_embed_expand_template(const char *tmpl, unsigned long n);
/* The next free name of tmpl from its own counter, for when vnic's counter makes names that
 * would not fit (see embed_names.c). Called with the store lock held; needs p->nl. */
int vnic_embed_wrapped_name(embed_priv *p, const char *tmpl, char *ret, size_t size,
                            vnic_error **err);

/* ---- transaction primitives (embed_txn.c) ------------------------------------------------ */

void vnic_embed_action_add(vnic_reconcile_action ***acts, size_t *n, const char *domain,
                           const char *device, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Fail with a clear message unless the process may make (create) or remove devices. */
int vnic_embed_need_cap_net_admin(bool create, vnic_error **err);
/* Choose the intended name of interface d: its fixed name, or its template filled with n from
 * vnic's counter (or the template's own, embed_names.c). Called with the store lock held. */
int vnic_embed_choose_name(embed_priv *p, const vnic_iface_def *d, const vnic_backend_ops *ops,
                           unsigned long n, vnic_record_iface *ri, vnic_error **err);
bool vnic_embed_is_template_iface(const vnic_iface_def *d);
/* Say in *err which interface of def failed: "interface 5 of 8 (alias 'x', line 30)". */
void vnic_embed_prefix_iface(vnic_error **err, const vnic_domain_def *def, size_t i);
vnic_backend_env vnic_embed_backend_env(embed_priv *p, const vnic_record *rec);
/* Make the device of interface i of rec (its intended name chosen, the record's intent on
 * disk), retrying the next template number when a name is taken. LINKS (NLINKS of them, or
 * NULL): the operation's snapshot of the links, lent to the backend so that it does not ask
 * the kernel again for each interface what the snapshot says (the lower device). */
int vnic_embed_create_one(embed_priv *p, vnic_record *rec, const vnic_backend_ops *ops, size_t i,
                          const vnic_link_info *links, size_t nlinks, vnic_error **err);
/* What follows the device's creation (bandwidth, coalescing, the host side's addresses and
 * routes); on failure the device of interface i is removed again. */
int vnic_embed_device_setup(embed_priv *p, vnic_record *rec, const vnic_backend_ops *ops, size_t i,
                            const vnic_backend_env *env, vnic_error **err);
/* embed_batch.c: make the devices of every interface of rec at a start, in order, with the
 * backends' create_batch where one has two or more of them, else one by one: as many
 * vnic_embed_create_one would, with the same errors. On failure *ret_failed is the
 * interface that failed; the devices made stay done in rec, for the caller's rollback. */
int vnic_embed_create_devices(embed_priv *p, vnic_record *rec, const vnic_backend_ops **ops,
                              const vnic_link_info *links, size_t nlinks, size_t *ret_failed,
                              vnic_error **err);
/* Supervision (vnicsh run): the NAME.run locks this connection holds. */
void vnic_embed_release_supervision(embed_priv *p, const char *name);
bool vnic_embed_supervised_elsewhere(embed_priv *p, const vnic_record *rec);
int vnic_embed_check_not_supervised(embed_priv *p, const vnic_record *rec, vnic_error **err);

/* ---- bandwidth and coalescing (embed_qos.c) -------------------------------------------- */

/* Apply d's <bandwidth> and <coalesce> to its device rt, just made. On failure the caller
 * removes the device (which takes whatever was applied with it). */
int vnic_embed_qos_apply(embed_priv *p, const vnic_iface_def *d, const vnic_iface_runtime *rt,
                         vnic_error **err);
/* Replace the bandwidth of a running device of TYPE: its traffic control is cleared, then the
 * directions with an average set are applied. */
int vnic_embed_bandwidth_set(embed_priv *p, vnic_iface_type type, const vnic_iface_runtime *rt,
                             const vnic_bandwidth_rate *inbound,
                             const vnic_bandwidth_rate *outbound, vnic_error **err);

/* ---- undo and finish (embed_undo.c) ----------------------------------------------------- */

/* Remove what a record names (devices of a start or a destroy that never finished, or of an
 * active domain) and the record itself. Actions are appended if acts is not NULL; with
 * dry_run nothing changes. Called with the domain lock held. */
int vnic_embed_finish_record(embed_priv *p, vnic_record *rec, bool dry_run,
                             vnic_reconcile_action ***acts, size_t *nacts, vnic_error **err);

/* A device with the record's group and intended name but no mark yet (a creation that died
 * between the two): delete it. Returns true if it did. */
bool vnic_embed_delete_unmarked(embed_priv *p, const vnic_record *rec, const char *name);

/* Drop interface index from the record and its definition (not its device). */
void vnic_embed_record_remove_iface(vnic_record *rec, size_t index);

/* Drop the interfaces of an active record whose attach never completed (and their devices),
 * and finish the detaches that never completed.
 * Called with the domain lock held; *ret_changed says whether the record must be written. */
int vnic_embed_drop_unfinished(embed_priv *p, vnic_record *rec, bool dry_run,
                               vnic_reconcile_action ***acts, size_t *nacts, bool *ret_changed);

/* Finish the hot-plug a dead process left half done in an active record (an attach that
 * never completed is undone, a detach whose intent was written is completed) and write the
 * record if that changed it. Called with the domain lock held. */
int vnic_embed_finish_hotplug(embed_priv *p, vnic_record *rec, vnic_error **err);

/* ---- states (embed_state.c) --------------------------------------------------------------- */

typedef enum {
    DOM_UNDEFINED, /* neither a definition nor a record */
    DOM_DEFINED,   /* a definition, not running */
    DOM_STARTING,
    DOM_ACTIVE,
    DOM_DEGRADED,
    DOM_STOPPING,
    DOM_STATE_LAST
} dom_state;

typedef enum { OP_DEFINE, OP_UNDEFINE, OP_START, OP_CREATE, OP_DESTROY, OP_LAST } dom_op;

/* Take the domain's lock (held until *ret_lock is closed) and settle its state: a half-done
 * start or stop left by a dead process is finished first. *ret_rec (may be NULL) receives the
 * record of a running domain. */
int vnic_embed_lock_and_settle(embed_priv *p, const char *name, int *ret_lock, dom_state *ret_st,
                               vnic_record **ret_rec, vnic_error **err);
/* 0 if op is allowed in state st, else an error naming the state. */
int vnic_embed_check_transition(dom_state st, dom_op op, const char *name, vnic_error **err);

/* ---- the driver's entry points (embed_lifecycle.c, embed_hotplug.c, embed_query.c) ------ */

int vnic_embed_domain_create(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                             vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err);
int vnic_embed_domain_start(vnic_conn *conn, const char *name, unsigned flags,
                            vnic_domain_info **ret, vnic_error **err);
int vnic_embed_domain_define(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                             vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err);
int vnic_embed_domain_destroy(vnic_conn *conn, const char *name, vnic_error **err);
int vnic_embed_domain_undefine(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err);
int vnic_embed_domain_attach_interface(vnic_conn *conn, const char *name, const char *xml,
                                       const char *docname, unsigned flags, unsigned *ret_index,
                                       char **ret_alias, vnic_diag_list *diags, vnic_error **err);
int vnic_embed_domain_detach_interface(vnic_conn *conn, const char *name, const char *alias,
                                       vnic_error **err);
int vnic_embed_domain_lookup(vnic_conn *conn, const char *name, vnic_domain_info **ret,
                             vnic_error **err);
int vnic_embed_domain_list(vnic_conn *conn, unsigned flags, vnic_domain_info ***ret, size_t *ret_n,
                           vnic_error **err);
char *vnic_embed_domain_get_xml(vnic_conn *conn, const char *name, unsigned flags,
                                vnic_error **err);
int vnic_embed_domain_open_queues(vnic_conn *conn, const char *name, unsigned index, int **ret_fds,
                                  size_t *ret_n, vnic_error **err);
int vnic_embed_domain_open_all_queues(vnic_conn *conn, const char *name, int **ret_fds,
                                      size_t **ret_counts, size_t *ret_n, vnic_error **err);
/* Refuse (-EBUSY, err naming the supervisor) to open every queue of a domain that another
 * process supervises: its launcher has them. */
int vnic_embed_check_queues_free(embed_priv *p, const vnic_record *rec, vnic_error **err);
/* Open the queues of interfaces [first, last) of rec into fds, one after the other; on failure
 * none stays open. */
int vnic_embed_open_range(embed_priv *p, const vnic_record *rec, size_t first, size_t last,
                          int *fds, vnic_error **err);
/* One snapshot of a domain (snapshot.h), in embed_snapshot.c. */
int vnic_embed_domain_snapshot(vnic_conn *conn, const char *name, const char *xml,
                               const char *docname, unsigned index, unsigned flags,
                               vnic_domain_snapshot **ret, vnic_diag_list *diags, vnic_error **err);
/* Start a domain from def (taken over), with the domain lock held and the state checked
 * (embed_lifecycle.c). */
int vnic_embed_start_def(embed_priv *p, vnic_domain_def *def_in, bool persistent, bool supervised,
                         vnic_domain_info **ret, vnic_error **err);
/* The info of a running (or starting) domain, and of a domain that is only defined (REG
 * names the backend that would serve each interface). */
vnic_domain_info *vnic_embed_make_info(const vnic_record *rec, bool persistent);
vnic_domain_info *vnic_embed_make_defined_info(const vnic_registry *reg,
                                               const vnic_domain_def *def);

/* ---- reconcile and events -------------------------------------------------------------- */

int vnic_embed_reconcile(vnic_conn *conn, unsigned flags, vnic_reconcile_action ***ret,
                         size_t *ret_n, vnic_error **err);
int vnic_embed_event_register(vnic_conn *conn, vnic_event_cb cb, void *opaque, int *ret_id,
                              vnic_error **err);
int vnic_embed_event_deregister(vnic_conn *conn, int id);
int vnic_embed_event_run(vnic_conn *conn, int timeout_ms, vnic_error **err);
int vnic_embed_event_get_fd(vnic_conn *conn, vnic_error **err);
int vnic_embed_event_dispatch(vnic_conn *conn, vnic_error **err);
void vnic_embed_events_close(embed_priv *p);

/* ---- domiftune (embed_tune.c) -------------------------------------------------------------- */

int vnic_embed_domain_get_interface_bandwidth(vnic_conn *conn, const char *name, const char *iface,
                                              vnic_interface_bandwidth **ret, vnic_error **err);
int vnic_embed_domain_set_interface_bandwidth(vnic_conn *conn, const char *name, const char *iface,
                                              const unsigned long long *inbound,
                                              const unsigned long long *outbound, vnic_error **err);
/* ---- the host side of an ethernet interface (embed_hostnet.c) --------------------------- */

/* Add the addresses and routes of d's <source> to the device rt names (nothing for other
 * types). On failure some may be in place: the caller deletes the device, and them with it. */
int vnic_embed_host_setup(embed_priv *p, const vnic_iface_def *d, const vnic_iface_runtime *rt,
                          vnic_error **err);
/* Before anything is made: may this connection run d's scripts (not for a client vnicd
 * serves without root's rights: "permission denied"), and are their files safe to run? */
int vnic_embed_host_check(embed_priv *p, const vnic_iface_def *d, vnic_error **err);
int vnic_embed_scripts_allowed(embed_priv *p, const vnic_iface_def *d, vnic_error **err);
/* The same for every interface of a running domain (its downscripts run at destroy). */
int vnic_embed_domain_scripts_allowed(embed_priv *p, const vnic_record *rec, vnic_error **err);
/* Run the <downscript> of interface I (of every interface, last first) whose device was set
 * up completely; a failure is logged, never fatal: the device goes all the same. */
void vnic_embed_run_downscript(embed_priv *p, const vnic_record *rec, size_t i);
void vnic_embed_run_downscripts(embed_priv *p, const vnic_record *rec);

/* ---- live interface state (embed_live.c) ------------------------------------------------ */

/* The index of interface IFACE of def, as virsh takes it: an alias, else the name of a device
 * of rec (when running, may be NULL), else a MAC (any case). -ENOENT naming the domain. */
int vnic_embed_iface_index(const vnic_domain_def *def, const vnic_record *rec, const char *iface,
                           size_t *ret, vnic_error **err);

int vnic_embed_domain_interface_stats(vnic_conn *conn, const char *name, const char *iface,
                                      vnic_interface_stats **ret, vnic_error **err);
int vnic_embed_domain_interface_get_link(vnic_conn *conn, const char *name, const char *iface,
                                         bool *ret_up, char **ret_device, vnic_error **err);
int vnic_embed_domain_interface_set_link(vnic_conn *conn, const char *name, const char *iface,
                                         bool up, vnic_error **err);
