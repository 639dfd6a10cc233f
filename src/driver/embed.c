/* The embedded driver: vnic:///embed, the driver running inside the caller's process with
 * its state in a directory tree (by default /run/vnic and /var/lib/vnic).
 *
 * Crash safety: at every instant the state on disk is enough to finish or undo what was under
 * way. The intent (every device name, the link group) is written before any device is made;
 * the result once all exist; a destroy writes "stopping" before the first device goes, and
 * removes the record after the last. A process that dies leaves its domain lock free, so a
 * "starting" or "stopping" record whose lock nobody holds is a crash leftover, which the next
 * operation on that domain (or reconcile) finishes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "embed.h"
#include "fileutil.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"

static bool embed_probe(const char *uri)
{
    return vnic_streq(uri, "vnic:///embed") || vnic_str_has_prefix(uri, "vnic:///embed?");
}

static void embed_close(vnic_conn *conn)
{
    embed_priv *p = conn->priv;
    if (!p)
        return;
    vnic_embed_events_close(p);
    for (size_t i = 0; i < p->nsupervised; i++) {
        close(p->supervised[i].fd);
        free(p->supervised[i].name);
    }
    free(p->supervised);
    vnic_embed_record_forget(p);
    vnic_embed_groups_forget(p);
    vnic_registry_free(p->reg);
    vnic_nl_close(p->nl);
    free(p->run_dir);
    free(p->lib_dir);
    free(p->domains_dir);
    free(p->defs_dir);
    free(p->locks_dir);
    free(p->nodes_dir);
    free(p->lock_path);
    free(p->counter_path);
    free(p->mark_prefix);
    int *fds[] = {&p->run_fd, &p->domains_fd, &p->locks_fd, &p->lib_fd, &p->defs_fd};
    for (size_t i = 0; i < sizeof(fds) / sizeof(*fds); i++)
        if (*fds[i] >= 0)
            close(*fds[i]);
    free(p);
    conn->priv = NULL;
}

/* "vnic:///embed" or "vnic:///embed?root=DIR" (DIR absolute). */
static int parse_uri(const char *uri, char **ret_root, vnic_error **err)
{
    const char *q = strchr(uri, '?');
    *ret_root = NULL;
    if (!q)
        return 0;
    if (!vnic_str_has_prefix(q + 1, "root=") || strchr(q + 1, '&'))
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("unsupported parameters in connection URI '%s' (only root=DIR "
                                "is known)"),
                              uri),
               -EINVAL;
    const char *root = q + 1 + strlen("root=");
    if (root[0] != '/')
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("the root in connection URI '%s' must be an absolute path"), uri),
               -EINVAL;
    *ret_root = vnic_xstrdup(root);
    return 0;
}

/* FNV-1a: a short, stable tag of a store's root for its devices' marks. */
static unsigned root_hash(const char *s)
{
    unsigned h = 2166136261U;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619U;
    return h;
}

static int embed_open(vnic_conn *conn, const char *uri, unsigned flags, vnic_error **err)
{
    _cleanup_free_ char *root = NULL;
    int r = parse_uri(uri, &root, err);
    if (r < 0)
        return r;

    embed_priv *p = vnic_xcalloc(1, sizeof(*p));
    conn->priv = p;
    p->run_fd = p->domains_fd = p->locks_fd = p->lib_fd = p->defs_fd = -1;
    if (root) {
        p->run_dir = vnic_xasprintf("%s/run", root);
        p->lib_dir = vnic_xasprintf("%s/lib", root);
        p->mark_prefix = vnic_xasprintf("vnic@%08x:", root_hash(root));
    } else {
        p->run_dir = vnic_xstrdup(VNIC_RUNSTATEDIR);
        p->lib_dir = vnic_xstrdup(VNIC_LOCALSTATEDIR);
        p->mark_prefix = vnic_xstrdup("vnic:");
    }
    p->domains_dir = vnic_xasprintf("%s/domains", p->run_dir);
    p->defs_dir = vnic_xasprintf("%s/defs", p->lib_dir);
    p->locks_dir = vnic_xasprintf("%s/locks", p->run_dir);
    p->nodes_dir = vnic_xasprintf("%s/nodes", p->run_dir);
    p->lock_path = vnic_xasprintf("%s/lock", p->run_dir);
    p->counter_path = vnic_xasprintf("%s/name-counter", p->run_dir);

    /* State is private to root: records name devices and hold definitions. Each directory is
     * opened without following links and checked once; files are opened relative to it. */
    _cleanup_close_ int nodes_fd = -1;
    if ((r = vnic_mkdir_parents(p->run_dir, err)) < 0 ||
        (r = vnic_mkdir_parents(p->lib_dir, err)) < 0 ||
        (r = vnic_dir_open_private(AT_FDCWD, p->run_dir, p->run_dir, 0700, &p->run_fd, err)) < 0 ||
        (r = vnic_dir_open_private(p->run_fd, "domains", p->domains_dir, 0700, &p->domains_fd,
                                   err)) < 0 ||
        (r = vnic_dir_open_private(p->run_fd, "locks", p->locks_dir, 0700, &p->locks_fd, err)) <
            0 ||
        (r = vnic_dir_open_private(p->run_fd, "nodes", p->nodes_dir, 0700, &nodes_fd, err)) < 0 ||
        (r = vnic_dir_open_private(AT_FDCWD, p->lib_dir, p->lib_dir, 0700, &p->lib_fd, err)) < 0 ||
        (r = vnic_dir_open_private(p->lib_fd, "defs", p->defs_dir, 0700, &p->defs_fd, err)) < 0) {
        embed_close(conn);
        return r;
    }
    r = vnic_registry_load(NULL, &p->reg, err);
    if (r < 0) {
        embed_close(conn);
        return r;
    }

    /* Cheaply finish what crashed processes left half done; a failure here must not keep
     * anyone from using the store, so it is only logged. */
    if (flags & VNIC_CONN_NO_RECONCILE)
        return 0;
    vnic_reconcile_action **acts = NULL;
    size_t nacts = 0;
    vnic_error *rerr = NULL;
    if (vnic_embed_reconcile(conn, VNIC_RECONCILE_QUICK, &acts, &nacts, &rerr) < 0) {
        VNIC_WARN("reconcile: %s", rerr->message);
        vnic_error_free(rerr);
    }
    for (size_t i = 0; i < nacts; i++)
        VNIC_INFO("reconcile: %s", acts[i]->message);
    vnic_reconcile_actions_free(acts, nacts);
    return 0;
}

int vnic_conn_set_client(vnic_conn *conn, uid_t uid, gid_t gid, vnic_error **err)
{
    if (conn->driver != &vnic_embed_driver)
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                              _("the %s driver cannot make devices for another user"),
                              conn->driver->name),
               -EOPNOTSUPP;
    embed_priv *p = conn->priv;
    p->has_client = uid != (uid_t)-1;
    p->client_uid = uid;
    p->client_gid = gid;
    return 0;
}

int vnic_conn_set_client_pid(vnic_conn *conn, pid_t pid, vnic_error **err)
{
    if (conn->driver != &vnic_embed_driver)
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                              _("the %s driver cannot supervise for another process"),
                              conn->driver->name),
               -EOPNOTSUPP;
    embed_priv *p = conn->priv;
    p->client_pid = pid > 0 ? pid : 0;
    return 0;
}

void vnic_embed_apply_client(embed_priv *p, vnic_iface_def *d)
{
    if (!p->has_client || d->type != VNIC_IFACE_ETHERNET || d->owner_user || d->owner_group)
        return;
    d->owner_user = vnic_xasprintf("%u", (unsigned)p->client_uid);
    if (p->client_gid != (gid_t)-1)
        d->owner_group = vnic_xasprintf("%u", (unsigned)p->client_gid);
}

const vnic_driver vnic_embed_driver = {
    .name = "embed",
    .probe = embed_probe,
    .open = embed_open,
    .close = embed_close,
    .domain_create = vnic_embed_domain_create,
    .domain_define = vnic_embed_domain_define,
    .domain_undefine = vnic_embed_domain_undefine,
    .domain_start = vnic_embed_domain_start,
    .domain_destroy = vnic_embed_domain_destroy,
    .domain_lookup = vnic_embed_domain_lookup,
    .domain_list = vnic_embed_domain_list,
    .domain_get_xml = vnic_embed_domain_get_xml,
    .domain_open_queues = vnic_embed_domain_open_queues,
    .domain_open_all_queues = vnic_embed_domain_open_all_queues,
    .domain_snapshot = vnic_embed_domain_snapshot,
    .domain_attach_interface = vnic_embed_domain_attach_interface,
    .domain_detach_interface = vnic_embed_domain_detach_interface,
    .reconcile = vnic_embed_reconcile,
    .event_register = vnic_embed_event_register,
    .event_deregister = vnic_embed_event_deregister,
    .event_run = vnic_embed_event_run,
    .event_get_fd = vnic_embed_event_get_fd,
    .event_dispatch = vnic_embed_event_dispatch,
    .domain_get_interface_bandwidth = vnic_embed_domain_get_interface_bandwidth,
    .domain_set_interface_bandwidth = vnic_embed_domain_set_interface_bandwidth,
    .domain_interface_stats = vnic_embed_domain_interface_stats,
    .domain_interface_get_link = vnic_embed_domain_interface_get_link,
    .domain_interface_set_link = vnic_embed_domain_interface_set_link,
};
