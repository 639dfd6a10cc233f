/* vnic's results as the JSON of the varlink interfaces io.vnic.Domain and io.vnic.Events
 * (the .varlink files in src/daemon), both ways: the daemon marshals what the embedded driver
 * returns, the remote driver unmarshals it into the same structs the embedded driver would have
 * given.
 *
 * Unmarshalling checks everything (the peer is hostile): types, required members, string
 * lengths (VNIC_MARSHAL_MAX_STRING), array lengths (VNIC_MARSHAL_MAX_ITEMS), integers in
 * range; a bad value is -EBADMSG with *err naming the member ("reply member
 * 'info.interfaces[2].ifindex': ..."). Unknown members are ignored (a newer peer may send
 * more). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <vnic/vnic.h>

#include "snapshot.h"

struct json_object;

#define VNIC_MARSHAL_MAX_STRING (16u << 20)
#define VNIC_MARSHAL_MAX_ITEMS 65536u

/* Error names of the interfaces. */
#define VNIC_VARLINK_DOMAIN "io.vnic.Domain"
#define VNIC_VARLINK_EVENTS "io.vnic.Events"
#define VNIC_VARLINK_ERROR_FAILED "io.vnic.Domain.Failed"
#define VNIC_VARLINK_ERROR_DENIED "io.vnic.Domain.PermissionDenied"

/* Info (vnic_domain_info with its interfaces). */
struct json_object *vnic_marshal_info(const vnic_domain_info *info);
int vnic_unmarshal_info(struct json_object *o, const char *what, vnic_domain_info **ret,
                        vnic_error **err);

/* []Diagnostic. unmarshal appends to *list. */
struct json_object *vnic_marshal_diags(const vnic_diag_list *list);
int vnic_unmarshal_diags(struct json_object *o, const char *what, vnic_diag_list *list,
                         vnic_error **err);

/* []ReconcileAction. */
struct json_object *vnic_marshal_actions(vnic_reconcile_action *const *acts, size_t n);
int vnic_unmarshal_actions(struct json_object *o, const char *what, vnic_reconcile_action ***ret,
                           size_t *ret_n, vnic_error **err);

/* Event: the strings of *ev point into o (valid while o lives). */
struct json_object *vnic_marshal_event(const vnic_event *ev);
int vnic_unmarshal_event(struct json_object *o, const char *what, vnic_event *ev,
                         vnic_error **err);

/* vnic_error_code <-> "internal", "nomem", "io", "xml", "invalid", "unsupported", "system".
 * An unknown name reads as VNIC_ERR_INTERNAL. */
const char *vnic_marshal_error_code(vnic_error_code code);
vnic_error_code vnic_unmarshal_error_code(const char *name);

/* The whole error message of a failed call: {"error": "io.vnic.Domain.Failed", "parameters":
 * {"code", "errno", "message", "diagnostics"}}. e NULL means an internal error without message. */
struct json_object *vnic_marshal_failure(const vnic_error *e, const vnic_diag_list *diags);

/* Turn an error reply MSG (one with an "error" member) into *err (same code, errno and
 * message as the daemon's) and append its diagnostics to diags. A PermissionDenied reply reads
 * as VNIC_ERR_INVALID with sys_errno EACCES and its message; an error name that is not vnic's
 * (org.varlink.service.MethodNotFound, ...) reads as VNIC_ERR_INTERNAL naming it and its
 * parameters. Returns the negative errno to pass up (-EACCES, the sys_errno, or -EIO). */
int vnic_unmarshal_failure(struct json_object *msg, vnic_error **err, vnic_diag_list *diags);

/* []Fd of a reply that carries fds: counts[i] fds of interface ifaces[i] ... as
 * {"interface": I, "queue": Q} in order. */
struct json_object *vnic_marshal_fds(const size_t *ifaces, const size_t *counts, size_t n);

/* InterfaceStats (vnic_interface_stats): counters as varlink ints (clamped to INT64_MAX). */
struct json_object *vnic_marshal_interface_stats(const vnic_interface_stats *s);
int vnic_unmarshal_interface_stats(struct json_object *o, const char *what,
                                   vnic_interface_stats **ret, vnic_error **err);
