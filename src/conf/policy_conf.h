/* vnicd's access policy (schemas/policy.rng): parsing, checking, and matching one rule against
 * a request. How rules combine (deny beats allow, allow rules add up) is the daemon's
 * (src/daemon/access.c); this layer knows rules, not peers or domains on disk. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "iface_conf.h"

#define VNIC_POLICY_XMLNS "http://vnic.dev/xmlns/policy/1.0"

/* The operations of <operations>, in the order of vnicd_op (src/daemon/access.h). */
typedef enum {
    VNIC_POLICY_OP_DEFINE,
    VNIC_POLICY_OP_UNDEFINE,
    VNIC_POLICY_OP_START,
    VNIC_POLICY_OP_DESTROY,
    VNIC_POLICY_OP_RUN,
    VNIC_POLICY_OP_ATTACH,
    VNIC_POLICY_OP_DETACH,
    VNIC_POLICY_OP_READ,
    VNIC_POLICY_OP_LAST
} vnic_policy_op;
VNIC_ENUM_DECL(vnic_policy_op, vnic_policy_op);

#define VNIC_POLICY_OPS_ALL ((1U << VNIC_POLICY_OP_LAST) - 1)

typedef struct vnic_policy_direct {
    char *dev;      /* a glob on the lower device's name */
    unsigned modes; /* bits 1 << vnic_macvtap_mode; every mode when the rule names none */
    bool modes_given;
    int line;
} vnic_policy_direct;

typedef struct vnic_policy_prefix {
    char *prefix;
    int line;
} vnic_policy_prefix;

typedef struct vnic_policy_rule {
    bool deny;
    int line;
    bool is_group;
    char *who;      /* the user or group as written */
    unsigned id;    /* its uid or gid */
    char **domains; /* globs; none: any name */
    size_t ndomains;
    vnic_policy_direct *directs;
    size_t ndirects;
    vnic_policy_prefix *prefixes;
    size_t nprefixes;
    bool has_limit;
    unsigned max_ifaces; /* UINT_MAX: not limited */
    unsigned max_queues;
    unsigned ops; /* bits 1 << vnic_policy_op; every one when <operations> is absent */
    bool ops_given;
} vnic_policy_rule;

typedef struct vnic_policy {
    char *file;
    vnic_policy_rule *rules;
    size_t nrules;
} vnic_policy;

void vnic_policy_free(vnic_policy *policy);
VNIC_DEFINE_CLEANUP(vnic_policy, vnic_policy_free)

/* Parse and check the policy file PATH (or the text XML named NAME): well-formed, within the
 * size and shape limits of every input document, valid against policy.rng, every user and
 * group name known to the system. Problems go to diags as FILE:LINE naming the element; then
 * -1 with *err "PATH: the policy is not valid". *ret is owned by the caller. */
int vnic_policy_parse_file(const char *path, vnic_policy **ret, vnic_diag_list *diags,
                           vnic_error **err);
int vnic_policy_parse_string(const char *xml, const char *name, vnic_policy **ret,
                             vnic_diag_list *diags, vnic_error **err);

/* ---- matching one rule ------------------------------------------------------------------ */

/* Is RULE about the user UID with primary group GID and supplementary GROUPS? */
bool vnic_policy_rule_applies(const vnic_policy_rule *rule, uid_t uid, gid_t gid,
                              const gid_t *groups, size_t ngroups);

/* Does RULE name domain NAME (NULL: no particular domain, named only by a rule without
 * <domain>) and operation OP? */
bool vnic_policy_rule_names(const vnic_policy_rule *rule, vnic_policy_op op, const char *name);

/* Does one of RULE's <direct> children name lower device DEV in MODE? */
bool vnic_policy_rule_names_direct(const vnic_policy_rule *rule, const char *dev,
                                   vnic_macvtap_mode mode);

/* The tap name TARGET (a name, or a template with one %d; NULL: vnic's default template)
 * against RULE's <ethernet> prefixes. With ALL, true when a prefix starts every name the target
 * can give (for allow rules); without, when some name it can give starts with a prefix (for
 * deny rules, which stay on the safe side). */
bool vnic_policy_rule_names_tap(const vnic_policy_rule *rule, const char *target, bool all);

/* The name of a tap without a target dev: the tap backend's default template. */
#define VNIC_POLICY_TAP_DEFAULT "vnet%d"
