/* The method table and what every method shares: its parameters checked against a spec
 * (types, required, no unknown member), and the reply it builds. Internal to vnicd. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "daemon.h"

typedef enum { VNICD_P_STRING, VNICD_P_BOOL, VNICD_P_INT } vnicd_ptype;

typedef struct vnicd_param {
    const char *name;
    vnicd_ptype type;
    bool optional; /* "?type": may be absent or null */
} vnicd_param;

/* What a method answers: a whole message (reply or error) and the fds that go with it. */
typedef struct vnicd_reply {
    json_object *msg;
    int *fds; /* owned: closed once sent */
    size_t nfds;
} vnicd_reply;

typedef int (*vnicd_method_fn)(vnicd_client *c, json_object *params, vnicd_reply *r);

typedef struct vnicd_method {
    const char *name; /* "io.vnic.Domain.Create" */
    const vnicd_param *params;
    size_t nparams;
    vnicd_method_fn fn;
} vnicd_method;

/* io.vnic.Domain's methods (methods.c). */
extern const vnicd_method vnicd_domain_methods[];
extern const size_t vnicd_ndomain_methods;

/* Parameter values, once checked: absent or null read as NULL, false, 0. */
const char *vnicd_pstr(json_object *params, const char *name);
bool vnicd_pbool(json_object *params, const char *name);
bool vnicd_phas(json_object *params, const char *name);
unsigned vnicd_puint(json_object *params, const char *name);

/* Replies. Each sets r->msg. */
void vnicd_reply_ok(vnicd_reply *r, json_object *params);
void vnicd_reply_failure(vnicd_reply *r, const vnic_error *err, const vnic_diag_list *diags);
void vnicd_reply_invalid(vnicd_reply *r, const char *parameter);

/* json-c helpers: add member (taking VAL). */
void vnicd_add(json_object *o, const char *key, json_object *val);
/* The error of a partial result (List, Reconcile): member "error" {code, errno, message} of
 * the reply's parameters P, when E is set. */
void vnicd_add_partial_error(json_object *p, const vnic_error *e);

/* What every method of io.vnic.Domain does first and last (methods.c): the error and
 * diagnostics of its call, and the failure reply built from them. */
typedef struct vnicd_call {
    vnicd_client *c;
    vnicd_reply *r;
    vnic_error *err;
    vnic_diag_list diags;
} vnicd_call;

void vnicd_call_clear(vnicd_call *k);
#define VNICD_CALL(c, r)                                                                           \
    __attribute__((cleanup(vnicd_call_clear))) vnicd_call k = {.c = (c), .r = (r)}

/* Reply with the call's failure; returns 0 (the connection stays). */
int vnicd_call_fail(vnicd_call *k);
/* The client's connection; -1 after replying with the failure. */
int vnicd_call_conn(vnicd_call *k);
/* The access check; -1 after replying PermissionDenied (naming the missing rule) or Failed. */
int vnicd_call_allowed(vnicd_call *k, vnicd_op op, const char *name, const vnic_domain_def *def);
bool vnicd_call_is_root(const vnicd_call *k);
/* The definition a non-root caller's XML brings, parsed for the policy's check (*ret NULL
 * for root); -1 after replying with the parser's diagnostics. */
int vnicd_call_parse(vnicd_call *k, const char *xml, const char *docname, unsigned parse_flags,
                     vnic_domain_def **ret);
/* The stored definition of NAME for a non-root caller's check (NULL for root or none). */
vnic_domain_def *vnicd_call_stored_def(vnicd_call *k, const char *name);
const char *vnicd_docname(json_object *params);
void vnicd_reply_info(vnicd_call *k, const vnic_domain_info *info);
/* Note that the caller owns NAME (root: only if nobody does); on failure undo what made it,
 * unless it EXISTED before, and reply the failure. */
int vnicd_note_owner(vnicd_call *k, const char *name, bool undo_define, bool existed);
bool vnicd_call_exists(vnicd_call *k, const vnic_domain_def *def);

static inline void vnicd_free_defp(vnic_domain_def **d)
{
    vnic_domain_def_free(*d);
}
#define _cleanup_def_ __attribute__((cleanup(vnicd_free_defp)))

static inline void vnicd_free_infop(vnic_domain_info **i)
{
    vnic_domain_info_free(*i);
}
#define _cleanup_info_ __attribute__((cleanup(vnicd_free_infop)))

/* The methods of methods_fds.c, and their parameters. */
int vnicd_m_open_queues(vnicd_client *c, json_object *params, vnicd_reply *r);
int vnicd_m_open_all_queues(vnicd_client *c, json_object *params, vnicd_reply *r);
int vnicd_m_snapshot(vnicd_client *c, json_object *params, vnicd_reply *r);
int vnicd_m_attach(vnicd_client *c, json_object *params, vnicd_reply *r);
int vnicd_m_detach(vnicd_client *c, json_object *params, vnicd_reply *r);
int vnicd_m_reconcile(vnicd_client *c, json_object *params, vnicd_reply *r);
extern const vnicd_param vnicd_open_queues_params[2], vnicd_snapshot_params[9],
    vnicd_attach_params[5], vnicd_detach_params[2], vnicd_reconcile_params[2];
/* domiftune (methods_tune.c). */
int vnicd_m_get_bandwidth(vnicd_client *c, json_object *params, vnicd_reply *r);
int vnicd_m_set_bandwidth(vnicd_client *c, json_object *params, vnicd_reply *r);
extern const vnicd_param vnicd_get_bandwidth_params[2], vnicd_set_bandwidth_params[8];

/* The methods of methods_live.c (live interface state), and their parameters. */
int vnicd_m_interface_stats(vnicd_client *c, json_object *params, vnicd_reply *r);
int vnicd_m_interface_get_link(vnicd_client *c, json_object *params, vnicd_reply *r);
int vnicd_m_interface_set_link(vnicd_client *c, json_object *params, vnicd_reply *r);
extern const vnicd_param vnicd_iface_params[2], vnicd_set_link_params[3];
