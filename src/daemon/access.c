/* vnicd's access decisions: the policy's rules combined (deny beats allow, allow rules add
 * up), the devices a definition asks for, and who owns which domain. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "cleanup.h"
#include "fileutil.h"
#include "i18n.h"
#include "ifname.h"
#include "log.h"
#include "policy_conf.h"
#include "strutil.h"

_Static_assert((int)VNICD_OP_DEFINE == (int)VNIC_POLICY_OP_DEFINE, "op values");
_Static_assert((int)VNICD_OP_UNDEFINE == (int)VNIC_POLICY_OP_UNDEFINE, "op values");
_Static_assert((int)VNICD_OP_START == (int)VNIC_POLICY_OP_START, "op values");
_Static_assert((int)VNICD_OP_DESTROY == (int)VNIC_POLICY_OP_DESTROY, "op values");
_Static_assert((int)VNICD_OP_RUN == (int)VNIC_POLICY_OP_RUN, "op values");
_Static_assert((int)VNICD_OP_ATTACH == (int)VNIC_POLICY_OP_ATTACH, "op values");
_Static_assert((int)VNICD_OP_DETACH == (int)VNIC_POLICY_OP_DETACH, "op values");
_Static_assert((int)VNICD_OP_READ == (int)VNIC_POLICY_OP_READ, "op values");
_Static_assert((int)VNICD_OP_RECONCILE == (int)VNIC_POLICY_OP_LAST, "op values");

/* An owner record is one decimal uid and a newline. */
#define OWNER_FILE_MAX 32

struct vnicd_access {
    vnic_policy *policy; /* NULL: no policy, nobody but root may do anything */
    int owners_fd;       /* STATE_DIR/owners: one file per domain name, holding its uid */
    char *owners_path;
};

void vnicd_access_free(vnicd_access *a)
{
    if (!a)
        return;
    vnic_policy_free(a->policy);
    if (a->owners_fd >= 0)
        close(a->owners_fd);
    free(a->owners_path);
    free(a);
}

VNIC_DEFINE_CLEANUP(vnicd_access, vnicd_access_free)

/* Whoever may write the policy decides what everyone may do: it must be root's (or the
 * daemon's own user's) and writable by nobody else. A missing file is left to the parser,
 * which says so. */
static int check_policy_file(const char *path, vnic_error **err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return 0;
    if (!S_ISREG(st.st_mode))
        return vnic_error_set(err, VNIC_ERR_IO, _("the policy '%s' is not a regular file"), path),
               -EINVAL;
    if (st.st_uid != 0 && st.st_uid != geteuid())
        return vnic_error_set(err, VNIC_ERR_IO,
                              _("the policy '%s' belongs to user %u, not to root; refusing it"),
                              path, (unsigned)st.st_uid),
               -EPERM;
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return vnic_error_set(err, VNIC_ERR_IO,
                              _("the policy '%s' may be written by other users (mode %04o); "
                                "refusing it"),
                              path, (unsigned)(st.st_mode & 07777)),
               -EPERM;
    return 0;
}

int vnicd_access_open(const char *policy_path, const char *state_dir, vnicd_access **ret,
                      vnic_diag_list *diags, vnic_error **err)
{
    _cleanup_(vnicd_access_freep) vnicd_access *a = vnic_xcalloc(1, sizeof(*a));
    a->owners_fd = -1;
    int r;

    if (policy_path && (r = check_policy_file(policy_path, err)) < 0)
        return r;
    if (policy_path && vnic_policy_parse_file(policy_path, &a->policy, diags, err) < 0)
        return -EINVAL;
    if (!state_dir)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("no state directory for domain owners")),
               -EINVAL;
    if ((r = vnic_mkdir_parents(state_dir, err)) < 0)
        return r;
    _cleanup_close_ int dfd = -1;
    if ((r = vnic_dir_open_private(AT_FDCWD, state_dir, state_dir, 0700, &dfd, err)) < 0)
        return r;
    a->owners_path = vnic_xasprintf("%s/owners", state_dir);
    if ((r = vnic_dir_open_private(dfd, "owners", a->owners_path, 0700, &a->owners_fd, err)) < 0)
        return r;
    *ret = TAKE_PTR(a);
    return 0;
}

/* ---- messages --------------------------------------------------------------------------- */

/* The peer as messages name it: "user 'nobody' (65534)", or "user 65534" for a uid without a
 * name. Looked up only for a refusal: a list checks every domain, and the user database may be
 * a network service. */
typedef struct {
    uid_t uid;
    char *text;
} who_t;

static const char *who_str(who_t *w)
{
    if (!w->text) {
        char buf[16384];
        struct passwd pw, *p = NULL;
        if (getpwuid_r(w->uid, &pw, buf, sizeof(buf), &p) == 0 && p)
            w->text = vnic_xasprintf(_("user '%s' (%u)"), p->pw_name, (unsigned)w->uid);
        else
            w->text = vnic_xasprintf(_("user %u"), (unsigned)w->uid);
    }
    return w->text;
}

static void who_clear(who_t *w)
{
    free(w->text);
}

/* Every refusal: VNIC_ERR_INVALID with sys_errno EACCES (what the remote driver makes of
 * PermissionDenied), "permission denied: ...". */
static int deny(vnic_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int deny(vnic_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    if (err && !*err) {
        vnic_error_set(err, VNIC_ERR_INVALID, _("permission denied: %s"), msg);
        (*err)->sys_errno = EACCES;
    }
    return -EACCES;
}

static const char *op_name(vnicd_op op)
{
    return op == VNICD_OP_RECONCILE ? "reconcile" : vnic_policy_op_to_string((vnic_policy_op)op);
}

/* "to start domain 'x'", or "to read" for a request about no particular domain. */
static char *describe_request(vnicd_op op, const char *name)
{
    if (name)
        return vnic_xasprintf(_("to %s domain '%s'"), op_name(op), name);
    return vnic_xasprintf(_("to %s"), op_name(op));
}

/* "interface 2 (direct, dev 'eth1', mode 'vepa')": numbered from 1, as people count. */
static char *describe_iface(const vnic_iface_def *d, size_t i)
{
    if (d->type == VNIC_IFACE_DIRECT)
        return vnic_xasprintf(_("interface %zu (direct, dev '%s', mode '%s')"), i + 1,
                              d->source_dev ? d->source_dev : "",
                              vnic_macvtap_mode_to_string(d->mode));
    if (d->target_dev)
        return vnic_xasprintf(_("interface %zu (ethernet, target dev '%s')"), i + 1, d->target_dev);
    return vnic_xasprintf(_("interface %zu (ethernet, no target dev: vnic names it '%s')"), i + 1,
                          VNIC_POLICY_TAP_DEFAULT);
}

/* ---- owners ----------------------------------------------------------------------------- */

/* The uid that owns NAME: 0 with *ret set, -ENOENT without a record, or another error. */
static int owner_read(vnicd_access *a, const char *name, uid_t *ret, vnic_error **err)
{
    _cleanup_free_ char *path = vnic_xasprintf("%s/%s", a->owners_path, name);
    _cleanup_free_ char *buf = NULL;
    size_t len;
    int r = vnic_file_read_at(a->owners_fd, name, path, OWNER_FILE_MAX, &buf, &len, err);
    if (r < 0)
        return r;
    if (len && buf[len - 1] == '\n')
        buf[len - 1] = '\0';
    unsigned long v;
    if (vnic_parse_uint(buf, 0, 0xfffffffeUL, &v) < 0)
        return vnic_error_set(err, VNIC_ERR_IO, _("'%s' does not hold a user id"), path), -EINVAL;
    *ret = (uid_t)v;
    return 0;
}

int vnicd_access_set_owner(vnicd_access *a, const vnicd_peer *peer, const char *name,
                           vnic_error **err)
{
    const char *why = vnic_domain_name_check(name);
    if (why)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("invalid domain name '%s': %s"), name, why),
               -EINVAL;
    _cleanup_free_ char *path = vnic_xasprintf("%s/%s", a->owners_path, name);
    _cleanup_free_ char *data = vnic_xasprintf("%u\n", (unsigned)peer->uid);
    return vnic_file_write_atomic_at(a->owners_fd, name, path, data, strlen(data), 0600, err);
}

int vnicd_access_adopt(vnicd_access *a, const char *name, vnic_error **err)
{
    uid_t uid;
    int r = owner_read(a, name, &uid, err);
    if (r != -ENOENT)
        return r;
    vnicd_peer root = {.uid = 0, .gid = 0};
    return vnicd_access_set_owner(a, &root, name, err);
}

void vnicd_access_forget(vnicd_access *a, const char *name)
{
    if (vnic_domain_name_check(name))
        return;
    _cleanup_free_ char *path = vnic_xasprintf("%s/%s", a->owners_path, name);
    vnic_error *err = NULL;
    if (vnic_file_remove_at(a->owners_fd, name, path, &err) < 0) {
        VNIC_WARN("%s", err->message);
        vnic_error_free(err);
    }
}

/* ---- devices ---------------------------------------------------------------------------- */

static bool peer_in_group(const vnicd_peer *peer, gid_t gid)
{
    if (peer->gid == gid)
        return true;
    for (size_t i = 0; i < peer->ngroups; i++)
        if (peer->groups[i] == gid)
            return true;
    return false;
}

/* A uid or gid of a sysfs attribute of tap DEV ("-1": none). */
static int read_tun_id(const char *dev, const char *attr, long *ret)
{
    char path[128];
    snprintf(path, sizeof(path), "/sys/class/net/%s/%s", dev, attr);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    char buf[32];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return n < 0 ? -errno : -EINVAL;
    buf[n] = '\0';
    char *end;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (errno || end == buf || (*end && *end != '\n'))
        return -EINVAL;
    *ret = v;
    return 0;
}

/* managed='no' on a tap: the caller must be able to attach to it on its own, by the kernel's
 * rule for a tun device (its owner, or a member of its group): vnicd must not lend its
 * privilege to reach someone else's traffic. */
static int check_unmanaged_tap(const vnicd_peer *peer, const vnic_iface_def *d, size_t i,
                               who_t *who, vnic_error **err)
{
    _cleanup_free_ char *what = describe_iface(d, i);
    if (!d->target_dev || vnic_ifname_check(d->target_dev) ||
        vnic_ifname_is_template(d->target_dev))
        return deny(err, _("%s: managed='no' needs the name of an existing tap"), what);
    long owner = -1, group = -1;
    if (read_tun_id(d->target_dev, "owner", &owner) < 0 ||
        read_tun_id(d->target_dev, "group", &group) < 0)
        return deny(err, _("%s: managed='no', but there is no tap '%s'"), what, d->target_dev);
    if ((owner >= 0 && (uid_t)owner == peer->uid) ||
        (group >= 0 && peer_in_group(peer, (gid_t)group)))
        return 0;
    return deny(err, _("%s: managed='no' on tap '%s', which %s does not own"), what, d->target_dev,
                who_str(who));
}

static bool resolve_user(const char *s, uid_t *ret)
{
    unsigned long v;
    if (vnic_parse_uint(s, 0, 0xfffffffeUL, &v) == 0) {
        *ret = (uid_t)v;
        return true;
    }
    char buf[16384];
    struct passwd pw, *p = NULL;
    if (getpwnam_r(s, &pw, buf, sizeof(buf), &p) != 0 || !p)
        return false;
    *ret = p->pw_uid;
    return true;
}

static bool resolve_group(const char *s, gid_t *ret)
{
    unsigned long v;
    if (vnic_parse_uint(s, 0, 0xfffffffeUL, &v) == 0) {
        *ret = (gid_t)v;
        return true;
    }
    char buf[16384];
    struct group gr, *g = NULL;
    if (getgrnam_r(s, &gr, buf, sizeof(buf), &g) != 0 || !g)
        return false;
    *ret = g->gr_gid;
    return true;
}

/* vnic:owner hands a tap to a user: only to the caller itself, and to one of its groups. */
static int check_owner(const vnicd_peer *peer, const vnic_iface_def *d, size_t i, who_t *who,
                       vnic_error **err)
{
    uid_t uid;
    gid_t gid;
    if (d->owner_user && (!resolve_user(d->owner_user, &uid) || uid != peer->uid)) {
        _cleanup_free_ char *what = describe_iface(d, i);
        return deny(err,
                    _("%s: vnic:owner user '%s' is not %s; only root may give a tap to "
                      "another user"),
                    what, d->owner_user, who_str(who));
    }
    if (d->owner_group && (!resolve_group(d->owner_group, &gid) || !peer_in_group(peer, gid))) {
        _cleanup_free_ char *what = describe_iface(d, i);
        return deny(err, _("%s: vnic:owner group '%s' is not a group of %s"), what, d->owner_group,
                    who_str(who));
    }
    return 0;
}

/* Does deny rule R name something DEF brings? */
static bool deny_names_def(const vnic_policy_rule *r, const vnic_domain_def *def)
{
    if (!r->ndirects && !r->nprefixes)
        return true;
    for (size_t i = 0; def && i < def->niface; i++) {
        const vnic_iface_def *d = def->ifaces[i];
        if (d->type == VNIC_IFACE_DIRECT ? vnic_policy_rule_names_direct(r, d->source_dev, d->mode)
                                         : vnic_policy_rule_names_tap(r, d->target_dev, false))
            return true;
    }
    return false;
}

/* Every interface of DEF allowed by one of the COVER rules, and the domain within the most
 * generous of their limits. */
static int check_def(const vnic_policy *pol, const bool *cover, const vnicd_peer *peer,
                     const char *name, const vnic_domain_def *def, who_t *who, vnic_error **err)
{
    if (!name)
        name = def->name ? def->name : "";
    int r;
    unsigned max_ifaces = 0, max_queues = 0;
    for (size_t k = 0; k < pol->nrules; k++) {
        if (!cover[k])
            continue;
        const vnic_policy_rule *rule = &pol->rules[k];
        max_ifaces = rule->max_ifaces > max_ifaces ? rule->max_ifaces : max_ifaces;
        max_queues = rule->max_queues > max_queues ? rule->max_queues : max_queues;
    }
    if (def->niface > max_ifaces)
        return deny(err,
                    _("domain '%s' has %zu interfaces; no <limit> rule allows %s more than %u"),
                    name, def->niface, who_str(who), max_ifaces);
    unsigned long queues = 0;
    for (size_t i = 0; i < def->niface; i++)
        queues += vnic_iface_def_queues(def->ifaces[i]);
    if (queues > max_queues)
        return deny(err,
                    _("domain '%s' has %lu queues in all; no <limit> rule allows %s more than %u"),
                    name, queues, who_str(who), max_queues);

    for (size_t i = 0; i < def->niface; i++) {
        const vnic_iface_def *d = def->ifaces[i];
        if ((r = check_owner(peer, d, i, who, err)) < 0)
            return r;
        bool ok = false;
        if (d->type == VNIC_IFACE_DIRECT) {
            if (d->managed == VNIC_TRISTATE_NO) {
                _cleanup_free_ char *what = describe_iface(d, i);
                return deny(err, _("%s: managed='no' on a macvtap is for root only"), what);
            }
            for (size_t k = 0; k < pol->nrules && !ok; k++)
                ok = cover[k] &&
                     vnic_policy_rule_names_direct(&pol->rules[k], d->source_dev, d->mode);
            if (!ok) {
                _cleanup_free_ char *what = describe_iface(d, i);
                return deny(err, _("%s: no <direct dev='%s' modes='%s'> rule allows it"), what,
                            d->source_dev ? d->source_dev : "",
                            vnic_macvtap_mode_to_string(d->mode));
            }
        } else {
            for (size_t k = 0; k < pol->nrules && !ok; k++)
                ok = cover[k] && vnic_policy_rule_names_tap(&pol->rules[k], d->target_dev, true);
            if (!ok) {
                _cleanup_free_ char *what = describe_iface(d, i);
                return deny(err, _("%s: no <ethernet prefix='...'> rule allows that name"), what);
            }
            if (d->managed == VNIC_TRISTATE_NO &&
                (r = check_unmanaged_tap(peer, d, i, who, err)) < 0)
                return r;
        }
    }
    return 0;
}

/* ---- the decision ----------------------------------------------------------------------- */

int vnicd_access_check(vnicd_access *a, const vnicd_peer *peer, vnicd_op op, const char *name,
                       const vnic_domain_def *def, vnic_error **err)
{
    if (peer->uid == 0)
        return 0;
    _cleanup_(who_clear) who_t who = {.uid = peer->uid};
    if (op < 0 || op >= VNICD_OP_RECONCILE)
        return deny(err, _("only root may %s"), op_name(op));
    /* The rules are about the domain the definition makes, whatever else the request says. */
    if (def && def->name) {
        if (!name)
            name = def->name;
        else if (!vnic_streq(name, def->name))
            return deny(err, _("the definition is of domain '%s', not '%s'"), def->name, name);
    }
    if (name) {
        const char *why = vnic_domain_name_check(name);
        if (why)
            return vnic_error_set(err, VNIC_ERR_INVALID, _("invalid domain name '%s': %s"), name,
                                  why),
                   -EINVAL;
    }
    _cleanup_free_ char *req = describe_request(op, name);
    const vnic_policy *pol = a->policy;
    if (!pol)
        return deny(err, _("no policy allows %s %s"), who_str(&who), req);

    /* Deny beats allow. */
    vnic_policy_op pop = (vnic_policy_op)op;
    for (size_t k = 0; k < pol->nrules; k++) {
        const vnic_policy_rule *rule = &pol->rules[k];
        if (rule->deny &&
            vnic_policy_rule_applies(rule, peer->uid, peer->gid, peer->groups, peer->ngroups) &&
            vnic_policy_rule_names(rule, pop, name) && deny_names_def(rule, def))
            return deny(err, _("the <deny> rule at %s:%d refuses %s %s"), pol->file, rule->line,
                        who_str(&who), req);
    }

    _cleanup_free_ bool *cover = vnic_xcalloc(pol->nrules ? pol->nrules : 1, sizeof(*cover));
    bool any = false;
    for (size_t k = 0; k < pol->nrules; k++) {
        const vnic_policy_rule *rule = &pol->rules[k];
        cover[k] =
            !rule->deny &&
            vnic_policy_rule_applies(rule, peer->uid, peer->gid, peer->groups, peer->ngroups) &&
            vnic_policy_rule_names(rule, pop, name);
        any |= cover[k];
    }
    if (!any)
        return deny(err, _("no rule allows %s %s"), who_str(&who), req);

    /* Own domains only. A name without an owner record is free for a request that brings a
     * definition (the daemon records the owner when it succeeds, and first adopts for root any
     * domain that exists without a record); anything else about it is someone else's. */
    if (name) {
        uid_t owner;
        vnic_error *oerr = NULL;
        int r = owner_read(a, name, &owner, &oerr);
        if (r < 0 && r != -ENOENT) {
            VNIC_WARN("%s", oerr->message);
            vnic_error_free(oerr);
        }
        bool brings = def && (op == VNICD_OP_DEFINE || op == VNICD_OP_START || op == VNICD_OP_RUN);
        if ((r == 0 && owner != peer->uid) || (r < 0 && !(r == -ENOENT && brings)))
            return deny(err, _("%s owns no domain '%s'"), who_str(&who), name);
    }
    return def ? check_def(pol, cover, peer, name, def, &who, err) : 0;
}

bool vnicd_access_can_read(vnicd_access *a, const vnicd_peer *peer, const char *name)
{
    return vnicd_access_check(a, peer, VNICD_OP_READ, name, NULL, NULL) == 0;
}
