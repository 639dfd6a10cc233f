/* Internals of the remote driver (vnic:///system, vnic+unix:///system?socket=PATH): the
 * driver table spoken over varlink to vnicd, shared by its files. */
#pragma once

#include <json-c/json.h>

#include "driver.h"
#include "varlink.h"

/* The largest reply accepted: a domain of thousands of interfaces with its XML fits well. */
#define VNIC_REMOTE_MAX_MESSAGE (64u << 20)
/* How long a reply, once its first byte is there, may take to arrive in full (and a call to be
 * sent). Waiting for the first byte has no limit while the connection stays up: the daemon may
 * work for long on a big domain. */
#define VNIC_REMOTE_TIMEOUT_MS 30000

typedef struct remote_sub {
    int id;
    vnic_event_cb cb;
    void *opaque;
} remote_sub;

typedef struct remote_priv {
    char *socket;    /* the daemon's socket */
    vnic_varlink *v; /* calls and their replies; NULL once the connection failed */
    /* events: a second connection streaming io.vnic.Events.Watch, opened on first need */
    vnic_varlink *ev;
    /* The fd the caller polls: an epoll set of the stream's socket and of ev_wake, which is
     * made readable while the wire holds a message already read off the socket (poll on the
     * socket alone would not say so). */
    int ev_epoll, ev_wake;
    bool ev_failed; /* the stream broke: the fd handed out stays, but says so */
    remote_sub *subs;
    size_t nsubs;
    int next_sub_id;
} remote_priv;

/* Connect to the daemon's socket (errors name it and say whether vnicd seems not to run). */
int vnic_remote_connect(const remote_priv *p, vnic_varlink **ret, vnic_error **err);

/* Call io.vnic.Domain.METHOD with PARAMS (taken; NULL: none) and wait for the reply. On
 * success *ret (if not NULL) is a new reference to the reply's parameters (never NULL), and
 * with ret_fds the fds its "fds" member lists are taken from the wire: *ret_fds, *ret_nfds the
 * caller's (O_CLOEXEC). Without ret_fds a reply carrying fds is a protocol error. A Failed or
 * PermissionDenied reply becomes *err (and diags) as the daemon's driver set it. Any failure of
 * the connection itself leaves it unusable for later calls. */
int vnic_remote_call(remote_priv *p, const char *method, json_object *params, json_object **ret,
                     int **ret_fds, size_t *ret_nfds, vnic_diag_list *diags, vnic_error **err);

/* A reply's member KEY, checked (the peer may be hostile): a string (absent or null leaves
 * *ret as it is unless required; *ret points into o), an integer from 0 to max, a boolean, an
 * array (of at most VNIC_MARSHAL_MAX_ITEMS). Errors name the member (-EBADMSG). */
int vnic_remote_get_string(json_object *o, const char *key, bool required, const char **ret,
                           vnic_error **err);
int vnic_remote_get_uint(json_object *o, const char *key, unsigned max, unsigned *ret,
                         vnic_error **err);
int vnic_remote_get_bool(json_object *o, const char *key, bool *ret, vnic_error **err);
int vnic_remote_get_array(json_object *o, const char *key, json_object **ret, size_t *ret_n,
                          vnic_error **err);
/* An error about a reply member ("invalid reply from vnicd: ..."): -EBADMSG. */
int vnic_remote_bad_reply(vnic_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* json helpers for building parameters */
void vnic_remote_add_string(json_object *o, const char *key, const char *value);
void vnic_remote_add_flag(json_object *o, const char *key, bool value);

/* ---- domains (remote_domain.c) -------------------------------------------------------- */

int vnic_remote_domain_create(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                              vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err);
int vnic_remote_domain_define(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                              vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err);
int vnic_remote_domain_undefine(vnic_conn *conn, const char *name, unsigned flags,
                                vnic_error **err);
int vnic_remote_domain_start(vnic_conn *conn, const char *name, unsigned flags,
                             vnic_domain_info **ret, vnic_error **err);
int vnic_remote_domain_destroy(vnic_conn *conn, const char *name, vnic_error **err);
int vnic_remote_domain_lookup(vnic_conn *conn, const char *name, vnic_domain_info **ret,
                              vnic_error **err);
int vnic_remote_domain_list(vnic_conn *conn, unsigned flags, vnic_domain_info ***ret, size_t *ret_n,
                            vnic_error **err);
char *vnic_remote_domain_get_xml(vnic_conn *conn, const char *name, unsigned flags,
                                 vnic_error **err);
int vnic_remote_domain_attach_interface(vnic_conn *conn, const char *name, const char *xml,
                                        const char *docname, unsigned flags, unsigned *ret_index,
                                        char **ret_alias, vnic_diag_list *diags, vnic_error **err);
int vnic_remote_domain_detach_interface(vnic_conn *conn, const char *name, const char *alias,
                                        vnic_error **err);
int vnic_remote_domain_follow_libvirt(vnic_conn *conn, const char *name, vnic_error **err);
int vnic_remote_reconcile(vnic_conn *conn, unsigned flags, vnic_reconcile_action ***ret,
                          size_t *ret_n, vnic_error **err);

/* ---- queues and snapshots (remote_queues.c) ------------------------------------------- */

int vnic_remote_domain_open_queues(vnic_conn *conn, const char *name, unsigned index, int **ret_fds,
                                   size_t *ret_n, vnic_error **err);
int vnic_remote_domain_open_all_queues(vnic_conn *conn, const char *name, int **ret_fds,
                                       size_t **ret_counts, size_t *ret_n, vnic_error **err);
int vnic_remote_domain_snapshot(vnic_conn *conn, const char *name, const char *xml,
                                const char *docname, unsigned index, unsigned flags,
                                vnic_domain_snapshot **ret, vnic_diag_list *diags,
                                vnic_error **err);

/* ---- events (remote_events.c) --------------------------------------------------------- */

int vnic_remote_event_register(vnic_conn *conn, vnic_event_cb cb, void *opaque, int *ret_id,
                               vnic_error **err);
int vnic_remote_event_deregister(vnic_conn *conn, int id);
int vnic_remote_event_run(vnic_conn *conn, int timeout_ms, vnic_error **err);
int vnic_remote_event_get_fd(vnic_conn *conn, vnic_error **err);
int vnic_remote_event_dispatch(vnic_conn *conn, vnic_error **err);
void vnic_remote_events_close(remote_priv *p);

/* domiftune (remote_domain.c). */
int vnic_remote_domain_get_interface_bandwidth(vnic_conn *conn, const char *name, const char *iface,
                                               vnic_interface_bandwidth **ret, vnic_error **err);
int vnic_remote_domain_set_interface_bandwidth(vnic_conn *conn, const char *name, const char *iface,
                                               const unsigned long long *inbound,
                                               const unsigned long long *outbound,
                                               vnic_error **err);
/* remote_live.c: live interface state. */
int vnic_remote_domain_interface_stats(vnic_conn *conn, const char *name, const char *iface,
                                       vnic_interface_stats **ret, vnic_error **err);
int vnic_remote_domain_interface_get_link(vnic_conn *conn, const char *name, const char *iface,
                                          bool *ret_up, char **ret_device, vnic_error **err);
int vnic_remote_domain_interface_set_link(vnic_conn *conn, const char *name, const char *iface,
                                          bool up, vnic_error **err);
