/* The embedded driver: vnic:///embed, the driver running inside the caller's process with
 * its state in a directory tree (by default /run/vnic and /var/lib/vnic).
 *
 * Crash safety of start: the intent (every device name, the link group) is written before
 * any device is made, so that whatever exists after a crash is either named in a record or
 * carries vnic's mark and can be removed; the result is written once all devices exist. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"
#include "fileutil.h"
#include "i18n.h"
#include "log.h"
#include "netlink.h"
#include "strutil.h"
#include "tun.h"

/* Link groups vnic gives its domains: one per active domain, so that destroy removes all of
 * a domain's devices with one request. Chosen far from the small numbers people use. */
#define GROUP_BASE 0x766e0000U
#define GROUP_COUNT 0x10000U

/* How many names a template may try before giving up. */
#define NAME_ATTEMPTS 64

typedef struct {
    char *run_dir;
    char *lib_dir;
    char *domains_dir;
    char *nodes_dir;
    char *lock_path;
    char *counter_path;
    vnic_registry *reg;
    struct nl_sock *nl;
} embed_priv;

static bool embed_probe(const char *uri)
{
    return vnic_streq(uri, "vnic:///embed") || vnic_str_has_prefix(uri, "vnic:///embed?");
}

static void embed_close(vnic_conn *conn)
{
    embed_priv *p = conn->priv;
    if (!p)
        return;
    vnic_registry_free(p->reg);
    vnic_nl_close(p->nl);
    free(p->run_dir);
    free(p->lib_dir);
    free(p->domains_dir);
    free(p->nodes_dir);
    free(p->lock_path);
    free(p->counter_path);
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
                              _("the root in connection URI '%s' must be an absolute path"),
                              uri),
               -EINVAL;
    *ret_root = vnic_xstrdup(root);
    return 0;
}

static int embed_open(vnic_conn *conn, const char *uri, vnic_error **err)
{
    _cleanup_free_ char *root = NULL;
    int r = parse_uri(uri, &root, err);
    if (r < 0)
        return r;

    embed_priv *p = vnic_xcalloc(1, sizeof(*p));
    conn->priv = p;
    if (root) {
        p->run_dir = vnic_xasprintf("%s/run", root);
        p->lib_dir = vnic_xasprintf("%s/lib", root);
    } else {
        p->run_dir = vnic_xstrdup(VNIC_RUNSTATEDIR);
        p->lib_dir = vnic_xstrdup(VNIC_LOCALSTATEDIR);
    }
    p->domains_dir = vnic_xasprintf("%s/domains", p->run_dir);
    p->nodes_dir = vnic_xasprintf("%s/nodes", p->run_dir);
    p->lock_path = vnic_xasprintf("%s/lock", p->run_dir);
    p->counter_path = vnic_xasprintf("%s/name-counter", p->run_dir);

    /* State is private to root: records name devices and hold definitions. */
    if ((r = vnic_mkdir_p(p->run_dir, 0700, err)) < 0 ||
        (r = vnic_mkdir_p(p->domains_dir, 0700, err)) < 0 ||
        (r = vnic_mkdir_p(p->nodes_dir, 0700, err)) < 0) {
        embed_close(conn);
        return r;
    }
    r = vnic_registry_load(NULL, &p->reg, err);
    if (r < 0) {
        embed_close(conn);
        return r;
    }
    return 0;
}

static int get_nl(embed_priv *p, vnic_error **err)
{
    if (p->nl)
        return 0;
    return vnic_nl_open(&p->nl, err);
}

static char *record_path(embed_priv *p, const char *name)
{
    return vnic_xasprintf("%s/%s.xml", p->domains_dir, name);
}

static int record_write(embed_priv *p, const vnic_record *rec, vnic_error **err)
{
    _cleanup_free_ char *path = record_path(p, rec->def->name);
    _cleanup_free_ char *xml = vnic_record_format(rec);
    return vnic_file_write_atomic(path, xml, strlen(xml), 0600, err);
}

/* -ENOENT (with *err saying the domain is not active) when there is no record. */
static int record_read(embed_priv *p, const char *name, vnic_record **ret, vnic_error **err)
{
    if (!*name || strchr(name, '/') || vnic_streq(name, ".") || vnic_streq(name, ".."))
        return vnic_error_set(err, VNIC_ERR_INVALID, _("invalid domain name '%s'"), name),
               -EINVAL;
    _cleanup_free_ char *path = record_path(p, name);
    _cleanup_free_ char *xml = NULL;
    vnic_error *rerr = NULL;
    int r = vnic_file_read(path, &xml, NULL, &rerr);
    if (r == -ENOENT) {
        vnic_error_free(rerr);
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not active"), name),
               -ENOENT;
    }
    if (r < 0) {
        *err = rerr;
        return r;
    }
    return vnic_record_parse(xml, path, ret, err);
}

static int store_lock(embed_priv *p, int *ret_fd, vnic_error **err)
{
    return vnic_lock_file(p->lock_path, ret_fd, err);
}

/* Names of every record in the store, sorted. */
static int record_names(embed_priv *p, char ***ret, size_t *ret_n, vnic_error **err)
{
    struct dirent **ents = NULL;
    int n = scandir(p->domains_dir, &ents, NULL, alphasort);
    if (n < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot list '%s'"), p->domains_dir);
        return -e;
    }
    char **names = vnic_xcalloc((size_t)n + 1, sizeof(*names));
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        const char *d = ents[i]->d_name;
        size_t len = strlen(d);
        if (d[0] != '.' && len > 4 && vnic_streq(d + len - 4, ".xml"))
            names[k++] = vnic_xasprintf("%.*s", (int)(len - 4), d);
        free(ents[i]);
    }
    free(ents);
    *ret = names;
    *ret_n = k;
    return 0;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ---- info ------------------------------------------------------------------------------ */

static void fill_iface_info(const vnic_record *rec, size_t i, vnic_interface_info *info)
{
    const vnic_iface_def *d = rec->def->ifaces[i];
    const vnic_record_iface *ri = &rec->ifaces[i];

    info->index = (unsigned)i;
    info->alias = vnic_xstrdup_null(d->alias);
    info->type = vnic_xstrdup(d->type_tap ? "tap" : vnic_iface_type_to_string(d->type));
    info->backend = vnic_xstrdup(ri->backend);
    info->name = vnic_xstrdup(ri->done ? ri->rt.name : ri->intended);
    info->ifindex = ri->done ? ri->rt.ifindex : 0;
    if (d->type == VNIC_IFACE_DIRECT) {
        info->source = vnic_xstrdup_null(d->source_dev);
        info->mode = vnic_xstrdup(vnic_macvtap_mode_to_string(d->mode));
    }
    if (d->has_mac)
        vnic_mac_format(d->mac, info->mac);
    if (ri->done)
        vnic_mac_format(ri->rt.mac, info->host_mac);
    info->model = vnic_xstrdup_null(d->model);
    info->mtu = ri->done ? ri->rt.mtu : d->mtu;
    info->queues = ri->done ? ri->rt.queues : (d->queues ? d->queues : 1);
    info->vnet_hdr = ri->done ? ri->rt.vnet_hdr : vnic_model_uses_vnet_hdr(d->model);
    info->managed = ri->done ? ri->rt.created : d->managed != VNIC_TRISTATE_NO;
}

static vnic_domain_info *make_info(const vnic_record *rec)
{
    vnic_domain_info *info = vnic_xcalloc(1, sizeof(*info));
    info->name = vnic_xstrdup(rec->def->name);
    info->uuid = vnic_xstrdup_null(rec->def->uuid);
    info->state = vnic_xstrdup(rec->status == VNIC_RECORD_ACTIVE ? "active"
                                                                 : vnic_record_status_to_string(
                                                                       rec->status));
    info->ninterfaces = rec->def->niface;
    info->interfaces = vnic_xcalloc(rec->def->niface ? rec->def->niface : 1,
                                    sizeof(*info->interfaces));
    for (size_t i = 0; i < rec->def->niface; i++)
        fill_iface_info(rec, i, &info->interfaces[i]);
    return info;
}

/* ---- start ----------------------------------------------------------------------------- */

static bool have_cap_net_admin(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return true; /* cannot tell: let the kernel decide */
    char line[256];
    unsigned long long caps = ~0ULL;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "CapEff: %llx", &caps) == 1)
            break;
    fclose(f);
    return caps & (1ULL << 12); /* CAP_NET_ADMIN */
}

/* Reserve COUNT consecutive numbers of vnic's name counter; *ret is the first. */
static int counter_reserve(embed_priv *p, unsigned long count, unsigned long *ret,
                           vnic_error **err)
{
    unsigned long next = 0;
    _cleanup_free_ char *buf = NULL;
    vnic_error *rerr = NULL;
    if (vnic_file_read(p->counter_path, &buf, NULL, &rerr) == 0) {
        buf[strcspn(buf, "\n")] = '\0';
        if (vnic_parse_uint(buf, 0, 0x7fffffffUL, &next) < 0)
            next = 0;
    }
    vnic_error_free(rerr);
    if (next + count > 0x7fffffffUL)
        next = 0;
    *ret = next;
    _cleanup_free_ char *out = vnic_xasprintf("%lu\n", next + count);
    return vnic_file_write_atomic(p->counter_path, out, strlen(out), 0600, err);
}

static char *expand_template(const char *tmpl, unsigned long n)
{
    const char *pct = strstr(tmpl, "%d");
    return vnic_xasprintf("%.*s%lu%s", (int)(pct - tmpl), tmpl, n, pct + 2);
}

/* Choose the intended name of an interface: its fixed name, or its template filled with
 * number N from vnic's own counter, which never goes back, so a name freed a moment ago (that
 * a launcher may still refer to) is not handed out again. */
static int choose_name(const vnic_iface_def *d, const vnic_backend_ops *ops, unsigned long n,
                       vnic_record_iface *ri, vnic_error **err)
{
    const char *tmpl = d->target_dev ? d->target_dev : ops->default_template;
    if (!vnic_ifname_is_template(tmpl))
        return vnic_strlcpy(ri->intended, tmpl, sizeof(ri->intended)) ? 0 : -EINVAL;

    _cleanup_free_ char *name = expand_template(tmpl, n);
    if (!vnic_strlcpy(ri->intended, name, sizeof(ri->intended)) || vnic_ifname_check(name)) {
        vnic_error_set(err, VNIC_ERR_INVALID,
                       _("the name '%s' made from template '%s' is too long"), name, tmpl);
        return -ENAMETOOLONG;
    }
    return 0;
}

static bool is_template_iface(const vnic_iface_def *d)
{
    return !d->target_dev || vnic_ifname_is_template(d->target_dev);
}

static int allocate_group(embed_priv *p, unsigned *ret, vnic_error **err)
{
    char **names = NULL;
    size_t n = 0;
    int r = record_names(p, &names, &n, err);
    if (r < 0)
        return r;

    bool *used = vnic_xcalloc(GROUP_COUNT, sizeof(bool));
    for (size_t i = 0; i < n; i++) {
        vnic_record *rec = NULL;
        vnic_error *rerr = NULL;
        if (record_read(p, names[i], &rec, &rerr) == 0) {
            if (rec->group >= GROUP_BASE && rec->group - GROUP_BASE < GROUP_COUNT)
                used[rec->group - GROUP_BASE] = true;
            vnic_record_free(rec);
        } else {
            /* An unreadable record still owns whatever group it had; skip nothing more. */
            VNIC_WARN("%s", rerr->message);
        }
        vnic_error_free(rerr);
    }
    free_names(names, n);

    for (unsigned g = 1; g < GROUP_COUNT; g++)
        if (!used[g]) {
            free(used);
            *ret = GROUP_BASE + g;
            return 0;
        }
    free(used);
    return vnic_error_set(err, VNIC_ERR_INVALID, _("too many active domains")), -ENOSPC;
}

/* Say which interface failed: "interface 5 of 8 (alias 'ua-net4', line 30)". */
static void prefix_iface(vnic_error **err, const vnic_domain_def *def, size_t i)
{
    const vnic_iface_def *d = def->ifaces[i];
    if (d->alias)
        vnic_error_prefix(err, _("interface %zu of %zu (alias '%s', line %d)"), i + 1,
                          def->niface, d->alias, d->line);
    else
        vnic_error_prefix(err, _("interface %zu of %zu (line %d)"), i + 1, def->niface,
                          d->line);
}

typedef struct {
    embed_priv *p;
    vnic_record *rec;
    const vnic_backend_ops **ops;
} start_ctx;

static void rollback(start_ctx *s, size_t upto)
{
    vnic_backend_env env = {.nl = s->p->nl, .domain_name = s->rec->def->name,
                            .run_dir = s->p->nodes_dir};
    for (size_t j = upto; j-- > 0;) {
        vnic_record_iface *ri = &s->rec->ifaces[j];
        if (!ri->done)
            continue;
        _cleanup_free_ char *mark = vnic_record_mark(s->rec->def->name, (unsigned)j);
        vnic_error *e = NULL;
        if (s->ops[j]->destroy(&env, &ri->rt, mark, &e) < 0) {
            VNIC_WARN("rollback of %s failed: %s", ri->rt.name, e->message);
            vnic_error_free(e);
        }
        ri->done = false;
    }
}

static int create_one(start_ctx *s, size_t i, vnic_error **err)
{
    embed_priv *p = s->p;
    vnic_record *rec = s->rec;
    vnic_iface_def *d = rec->def->ifaces[i];
    vnic_record_iface *ri = &rec->ifaces[i];
    vnic_backend_env env = {.nl = p->nl, .domain_name = rec->def->name,
                            .run_dir = p->nodes_dir};
    _cleanup_free_ char *mark = vnic_record_mark(rec->def->name, (unsigned)i);
    bool tmpl = is_template_iface(d);

    for (int attempt = 0;; attempt++) {
        vnic_backend_create_args args = {
            .name = ri->intended,
            .name_from_template = tmpl && attempt < NAME_ATTEMPTS,
            .guest_mac = d->mac,
            .mark = mark,
            .group = rec->group,
        };
        int r = s->ops[i]->create(&env, d, &args, &ri->rt, err);
        if (r == -EEXIST && args.name_from_template) {
            /* Someone else has that name: take the next number, and say so on disk first. */
            vnic_error_free(*err);
            *err = NULL;
            unsigned long n;
            if ((r = counter_reserve(p, 1, &n, err)) < 0 ||
                (r = choose_name(d, s->ops[i], n, ri, err)) < 0 ||
                (r = record_write(p, rec, err)) < 0)
                return r;
            continue;
        }
        if (r < 0)
            return r;
        ri->done = true;
        return 0;
    }
}

static int embed_domain_create(vnic_conn *conn, vnic_domain_def *def_in, vnic_domain_info **ret,
                               vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_record_freep) vnic_record *rec = vnic_xcalloc(1, sizeof(*rec));
    rec->def = def_in;
    vnic_domain_def *def = rec->def;
    int r;

    if (def->standalone)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("%s: a standalone <interface> cannot be started; put it in a "
                                "<domain> with a <name>"),
                              def->file),
               -EINVAL;
    if (!have_cap_net_admin())
        return vnic_error_set(err, VNIC_ERR_SYSTEM,
                              _("vnic needs the CAP_NET_ADMIN capability to create network "
                                "devices (run it as root)")),
               -EPERM;
    if ((r = get_nl(p, err)) < 0)
        return r;

    _cleanup_close_ int lock = -1;
    if ((r = store_lock(p, &lock, err)) < 0)
        return r;

    _cleanup_free_ char *path = record_path(p, def->name);
    if (access(path, F_OK) == 0)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is already active"),
                              def->name),
               -EEXIST;

    /* Check everything before making anything. */
    _cleanup_free_ const vnic_backend_ops **ops =
        vnic_xcalloc(def->niface ? def->niface : 1, sizeof(*ops));
    rec->ifaces = vnic_xcalloc(def->niface ? def->niface : 1, sizeof(*rec->ifaces));
    vnic_backend_env env = {.nl = p->nl, .domain_name = def->name, .run_dir = p->nodes_dir};
    for (size_t i = 0; i < def->niface; i++) {
        vnic_iface_def *d = def->ifaces[i];
        ops[i] = vnic_registry_find(p->reg, d->type, err);
        if (!ops[i])
            return prefix_iface(err, def, i), -ENOENT;
        vnic_strlcpy(rec->ifaces[i].backend, ops[i]->name, sizeof(rec->ifaces[i].backend));
        if ((r = ops[i]->verify(&env, d, err)) < 0)
            return prefix_iface(err, def, i), r;
        if (!d->has_mac) {
            vnic_mac_generate(d->mac);
            d->has_mac = true;
        }
    }

    /* Intent: the group and every name, on disk before the first device exists. */
    if ((r = allocate_group(p, &rec->group, err)) < 0)
        return r;
    unsigned long ntemplates = 0, next = 0;
    for (size_t i = 0; i < def->niface; i++)
        ntemplates += is_template_iface(def->ifaces[i]);
    if (ntemplates && (r = counter_reserve(p, ntemplates, &next, err)) < 0)
        return r;
    for (size_t i = 0; i < def->niface; i++) {
        if ((r = choose_name(def->ifaces[i], ops[i], next, &rec->ifaces[i], err)) < 0)
            return prefix_iface(err, def, i), r;
        next += is_template_iface(def->ifaces[i]);
    }
    rec->status = VNIC_RECORD_STARTING;
    if ((r = record_write(p, rec, err)) < 0)
        return r;

    start_ctx s = {.p = p, .rec = rec, .ops = ops};
    for (size_t i = 0; i < def->niface; i++) {
        r = create_one(&s, i, err);
        if (r < 0) {
            prefix_iface(err, def, i);
            rollback(&s, i);
            vnic_error *rerr = NULL;
            if (vnic_file_remove(path, &rerr) < 0) {
                VNIC_WARN("%s", rerr->message);
                vnic_error_free(rerr);
            }
            return r;
        }
    }

    rec->status = VNIC_RECORD_ACTIVE;
    if ((r = record_write(p, rec, err)) < 0) {
        rollback(&s, def->niface);
        vnic_error *rerr = NULL;
        vnic_file_remove(path, &rerr);
        vnic_error_free(rerr);
        return r;
    }
    if (ret)
        *ret = make_info(rec);
    return 0;
}

/* ---- destroy --------------------------------------------------------------------------- */

/* Delete every device of the record's group at once, if the group holds nothing but this
 * domain's marked devices. Returns true when the batch request was sent and succeeded. */
static bool batch_delete(embed_priv *p, const vnic_record *rec)
{
    size_t created = 0;
    for (size_t i = 0; i < rec->def->niface; i++)
        if (rec->ifaces[i].done && rec->ifaces[i].rt.created)
            created++;
    if (created < 2 || rec->group == 0)
        return false;

    vnic_link_info *links = NULL;
    size_t n = 0;
    vnic_error *e = NULL;
    if (vnic_nl_link_dump(p->nl, &links, &n, &e) < 0) {
        VNIC_DEBUG("no batch deletion: %s", e->message);
        vnic_error_free(e);
        return false;
    }
    _cleanup_free_ char *prefix = vnic_xasprintf("vnic:%s/", rec->def->name);
    size_t members = 0;
    bool safe = true;
    for (size_t i = 0; i < n; i++) {
        if (links[i].group != rec->group)
            continue;
        members++;
        if (!vnic_str_has_prefix(links[i].alias, prefix)) {
            VNIC_WARN("device %s is in group %u without vnic's mark of domain %s; deleting "
                      "one by one",
                      links[i].name, rec->group, rec->def->name);
            safe = false;
        }
    }
    free(links);
    if (!safe || members == 0)
        return false;

    if (vnic_nl_group_delete(p->nl, rec->group, &e) < 0) {
        VNIC_DEBUG("batch deletion failed: %s", e->message);
        vnic_error_free(e);
        return false;
    }
    return true;
}

static int destroy_record(embed_priv *p, vnic_record *rec, vnic_error **err)
{
    vnic_backend_env env = {.nl = p->nl, .domain_name = rec->def->name,
                            .run_dir = p->nodes_dir};
    int r = 0;

    rec->status = VNIC_RECORD_STOPPING;
    int w = record_write(p, rec, err);
    if (w < 0)
        return w;

    batch_delete(p, rec);

    /* Each backend then finishes its part: devices gone in the batch are fine; a passthrough
     * lower device gets its MAC back; devices left over are deleted one by one. */
    for (size_t j = rec->def->niface; j-- > 0;) {
        vnic_record_iface *ri = &rec->ifaces[j];
        const vnic_backend_ops *ops = vnic_registry_find_by_name(p->reg, ri->backend);
        if (!ops) {
            vnic_error_set(err, VNIC_ERR_UNSUPPORTED, _("no backend module '%s' is loaded"),
                           ri->backend);
            r = -ENOENT;
            continue;
        }
        vnic_iface_runtime rt = ri->rt;
        if (!ri->done) {
            /* Start never finished this one: it may exist under its intended name. */
            memset(&rt, 0, sizeof(rt));
            vnic_strlcpy(rt.name, ri->intended, sizeof(rt.name));
            rt.created = rec->def->ifaces[j]->managed != VNIC_TRISTATE_NO;
        }
        _cleanup_free_ char *mark = vnic_record_mark(rec->def->name, (unsigned)j);
        vnic_error *e = NULL;
        if (ops->destroy(&env, &rt, mark, &e) < 0) {
            if (!*err) {
                *err = e;
                prefix_iface(err, rec->def, j);
            } else {
                vnic_error_free(e);
            }
            r = -EIO;
        }
    }
    return r;
}

static int embed_domain_destroy(vnic_conn *conn, const char *name, vnic_error **err)
{
    embed_priv *p = conn->priv;
    int r;

    if ((r = get_nl(p, err)) < 0)
        return r;
    _cleanup_close_ int lock = -1;
    if ((r = store_lock(p, &lock, err)) < 0)
        return r;

    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    if ((r = record_read(p, name, &rec, err)) < 0)
        return r;

    if ((r = destroy_record(p, rec, err)) < 0)
        return r; /* the record stays, so that destroy can be tried again */

    _cleanup_free_ char *path = record_path(p, name);
    return vnic_file_remove(path, err);
}

/* ---- queries --------------------------------------------------------------------------- */

static int embed_domain_lookup(vnic_conn *conn, const char *name, vnic_domain_info **ret,
                               vnic_error **err)
{
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = record_read(conn->priv, name, &rec, err);
    if (r < 0)
        return r;
    *ret = make_info(rec);
    return 0;
}

static int embed_domain_list(vnic_conn *conn, vnic_domain_info ***ret, size_t *ret_n,
                             vnic_error **err)
{
    embed_priv *p = conn->priv;
    char **names = NULL;
    size_t n = 0;
    int r = record_names(p, &names, &n, err);
    if (r < 0)
        return r;

    vnic_domain_info **list = vnic_xcalloc(n ? n : 1, sizeof(*list));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        vnic_record *rec = NULL;
        r = record_read(p, names[i], &rec, err);
        if (r == -ENOENT) { /* destroyed meanwhile */
            vnic_error_free(*err);
            *err = NULL;
            continue;
        }
        if (r < 0) {
            vnic_domain_info_list_free(list, k);
            free_names(names, n);
            return r;
        }
        list[k++] = make_info(rec);
        vnic_record_free(rec);
    }
    free_names(names, n);
    *ret = list;
    *ret_n = k;
    return 0;
}

static char *embed_domain_get_xml(vnic_conn *conn, const char *name, vnic_error **err)
{
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    if (record_read(conn->priv, name, &rec, err) < 0)
        return NULL;
    for (size_t i = 0; i < rec->def->niface; i++) {
        vnic_iface_def *d = rec->def->ifaces[i];
        const vnic_record_iface *ri = &rec->ifaces[i];
        free(d->target_dev);
        d->target_dev = vnic_xstrdup(ri->done ? ri->rt.name : ri->intended);
    }
    return vnic_domain_def_format(rec->def, err);
}

/* Open the queues of interfaces [first, last) of rec into fds (consecutively). */
static int open_range(embed_priv *p, const vnic_record *rec, size_t first, size_t last, int *fds,
                      vnic_error **err)
{
    vnic_backend_env env = {.nl = p->nl, .domain_name = rec->def->name,
                            .run_dir = p->nodes_dir};
    size_t off = 0;
    for (size_t i = first; i < last; i++) {
        const vnic_record_iface *ri = &rec->ifaces[i];
        const vnic_backend_ops *ops = vnic_registry_find_by_name(p->reg, ri->backend);
        int r;
        if (!ops) {
            vnic_error_set(err, VNIC_ERR_UNSUPPORTED, _("no backend module '%s' is loaded"),
                           ri->backend);
            r = -ENOENT;
        } else {
            r = ops->open_queues(&env, rec->def->ifaces[i], &ri->rt, fds + off, err);
        }
        if (r < 0) {
            prefix_iface(err, rec->def, i);
            vnic_close_fds(fds, off);
            return r;
        }
        off += ri->rt.queues;
    }
    return 0;
}

static int read_active(embed_priv *p, const char *name, vnic_record **ret, vnic_error **err)
{
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = record_read(p, name, &rec, err);
    if (r < 0)
        return r;
    if (rec->status != VNIC_RECORD_ACTIVE)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not fully started"),
                              name),
               -EINVAL;
    if ((r = get_nl(p, err)) < 0)
        return r;
    *ret = TAKE_PTR(rec);
    return 0;
}

static int embed_domain_open_queues(vnic_conn *conn, const char *name, unsigned index,
                                    int **ret_fds, size_t *ret_n, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = read_active(p, name, &rec, err);
    if (r < 0)
        return r;
    if (index >= rec->def->niface)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' has no interface %u"),
                              name, index),
               -EINVAL;

    size_t n = rec->ifaces[index].rt.queues;
    int *fds = vnic_xcalloc(n ? n : 1, sizeof(int));
    r = open_range(p, rec, index, index + 1, fds, err);
    if (r < 0) {
        free(fds);
        return r;
    }
    *ret_fds = fds;
    *ret_n = n;
    return 0;
}

static int embed_domain_open_all_queues(vnic_conn *conn, const char *name, int **ret_fds,
                                        size_t **ret_counts, size_t *ret_n, vnic_error **err)
{
    embed_priv *p = conn->priv;
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    int r = read_active(p, name, &rec, err);
    if (r < 0)
        return r;

    size_t total = 0;
    size_t *counts = vnic_xcalloc(rec->def->niface ? rec->def->niface : 1, sizeof(size_t));
    for (size_t i = 0; i < rec->def->niface; i++) {
        counts[i] = rec->ifaces[i].rt.queues;
        total += counts[i];
    }
    int *fds = vnic_xcalloc(total ? total : 1, sizeof(int));
    r = open_range(p, rec, 0, rec->def->niface, fds, err);
    if (r < 0) {
        free(fds);
        free(counts);
        return r;
    }
    *ret_fds = fds;
    *ret_counts = counts;
    *ret_n = rec->def->niface;
    return 0;
}

const vnic_driver vnic_embed_driver = {
    .name = "embed",
    .probe = embed_probe,
    .open = embed_open,
    .close = embed_close,
    .domain_create = embed_domain_create,
    .domain_destroy = embed_domain_destroy,
    .domain_lookup = embed_domain_lookup,
    .domain_list = embed_domain_list,
    .domain_get_xml = embed_domain_get_xml,
    .domain_open_queues = embed_domain_open_queues,
    .domain_open_all_queues = embed_domain_open_all_queues,
};
