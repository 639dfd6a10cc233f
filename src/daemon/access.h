/* vnicd's access control: who the peer is (SO_PEERCRED, its groups read at connect time) and
 * what the policy (schemas/policy.rng, src/conf/policy_conf.h) lets it do. Root may do
 * everything; anyone else only what an allow rule gives and no deny rule takes (deny beats
 * allow). Domains belong to the uid that created or defined them; others see and touch them
 * only when a rule says so. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <vnic/vnic.h>

#include "domain_conf.h"

typedef struct vnic_policy vnic_policy;

typedef struct vnicd_peer {
    pid_t pid;
    uid_t uid;
    gid_t gid;
    gid_t *groups; /* supplementary groups, read at connect time */
    size_t ngroups;
} vnicd_peer;

/* Read the peer credentials of connected unix socket fd. */
int vnicd_peer_read(int fd, vnicd_peer *ret, vnic_error **err);
void vnicd_peer_clear(vnicd_peer *peer);

/* The operations of the policy's <operations> list. */
typedef enum {
    VNICD_OP_DEFINE,
    VNICD_OP_UNDEFINE,
    VNICD_OP_START, /* start and create */
    VNICD_OP_DESTROY,
    VNICD_OP_RUN, /* supervised start, snapshot with fds (vnicsh run, pass, qemu-args) */
    VNICD_OP_ATTACH,
    VNICD_OP_DETACH,
    VNICD_OP_READ,      /* lookup, list, XML, events, open queues */
    VNICD_OP_RECONCILE, /* root only */
    VNICD_OP_LAST
} vnicd_op;

typedef struct vnicd_access vnicd_access;

/* Load the policy file PATH (NULL: none, only root may do anything) and the ownership store
 * under STATE_DIR (vnicd's own directory of the state root). Problems of the policy go to diags
 * with file:line. */
int vnicd_access_open(const char *policy_path, const char *state_dir, vnicd_access **ret,
                      vnic_diag_list *diags, vnic_error **err);
void vnicd_access_free(vnicd_access *a);

/* May PEER do OP on domain NAME (NULL for no particular domain)? DEF (may be NULL) is the
 * definition the request brings or makes run (its interfaces are checked against the
 * direct/ethernet/limit rules, and vnic:owner against the caller). 0, or -EACCES with *err
 * "permission denied: ..." naming the missing rule (VNIC_ERR_INVALID, sys_errno EACCES).
 * For ATTACH, DEF is the domain's definition with the new interface in it (the limits count
 * the whole domain). A non-root peer touches only domains recorded as its own; a name
 * without a record is free for a DEFINE, START or RUN that brings DEF, so call
 * vnicd_access_adopt first for a domain that exists. */
int vnicd_access_check(vnicd_access *a, const vnicd_peer *peer, vnicd_op op, const char *name,
                       const vnic_domain_def *def, vnic_error **err);

/* Whether PEER may see domain NAME (list, events filter). */
bool vnicd_access_can_read(vnicd_access *a, const vnicd_peer *peer, const char *name);

/* Note that PEER created or defined NAME (it now owns it), or that NAME is gone. */
int vnicd_access_set_owner(vnicd_access *a, const vnicd_peer *peer, const char *name,
                           vnic_error **err);
void vnicd_access_forget(vnicd_access *a, const char *name);

/* NAME exists (the driver found it): if it has no owner record (made outside vnicd, e.g.
 * through vnic:///embed on the same root), record root as its owner. */
int vnicd_access_adopt(vnicd_access *a, const char *name, vnic_error **err);
