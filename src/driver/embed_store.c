/* The embedded driver's state store: records of running domains under the run directory,
 * definitions under the lib directory, locks, vnic's name counter and link groups. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "embed.h"
#include "fileutil.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"

/* Link groups vnic gives its domains: one per active domain, so that destroy removes all of
 * a domain's devices with one request. Chosen far from the small numbers people use. */
#define GROUP_BASE 0x766e0000U
#define GROUP_COUNT 0x10000U

int vnic_embed_get_nl(embed_priv *p, vnic_error **err)
{
    if (p->nl)
        return 0;
    return vnic_nl_open(&p->nl, err);
}

bool vnic_embed_name_ok(const char *name)
{
    /* The parser's rule: a name it refuses never reaches the store, nor goes through it. */
    return vnic_domain_name_check(name) == NULL;
}

char *vnic_embed_record_path(embed_priv *p, const char *name)
{
    return vnic_xasprintf("%s/%s.xml", p->domains_dir, name);
}

char *vnic_embed_def_path(embed_priv *p, const char *name)
{
    return vnic_xasprintf("%s/%s.xml", p->defs_dir, name);
}

int vnic_embed_record_write(embed_priv *p, const vnic_record *rec, vnic_error **err)
{
    _cleanup_free_ char *path = vnic_embed_record_path(p, rec->def->name);
    _cleanup_free_ char *xml = vnic_record_format(rec);
    return vnic_file_write_atomic(path, xml, strlen(xml), 0600, err);
}

int vnic_embed_record_read(embed_priv *p, const char *name, vnic_record **ret, vnic_error **err)
{
    if (!vnic_embed_name_ok(name))
        return vnic_error_set(err, VNIC_ERR_INVALID, _("invalid domain name '%s'"), name), -EINVAL;
    _cleanup_free_ char *path = vnic_embed_record_path(p, name);
    _cleanup_free_ char *xml = NULL;
    vnic_error *rerr = NULL;
    int r = vnic_file_read(path, &xml, NULL, &rerr);
    if (r == -ENOENT) {
        vnic_error_free(rerr);
        return -ENOENT;
    }
    if (r < 0) {
        *err = rerr;
        return r;
    }
    return vnic_record_parse(xml, path, ret, err);
}

int vnic_embed_record_remove(embed_priv *p, const char *name, vnic_error **err)
{
    _cleanup_free_ char *path = vnic_embed_record_path(p, name);
    return vnic_file_remove(path, err);
}

bool vnic_embed_def_exists(embed_priv *p, const char *name)
{
    _cleanup_free_ char *path = vnic_embed_def_path(p, name);
    return access(path, F_OK) == 0;
}

int vnic_embed_def_read(embed_priv *p, const char *name, vnic_domain_def **ret, vnic_error **err)
{
    if (!vnic_embed_name_ok(name))
        return vnic_error_set(err, VNIC_ERR_INVALID, _("invalid domain name '%s'"), name), -EINVAL;
    _cleanup_free_ char *path = vnic_embed_def_path(p, name);
    if (access(path, F_OK) < 0 && errno == ENOENT)
        return -ENOENT;

    vnic_diag_list diags = {0};
    int r = vnic_domain_def_parse_file(path, VNIC_PARSE_SKIP_UNSUPPORTED, ret, &diags, err);
    if (r < 0 && diags.count) {
        /* A stored definition that no longer validates: say where. */
        _cleanup_free_ char *first = vnic_diag_to_string(&diags.items[0]);
        vnic_error_free(*err);
        *err = NULL;
        vnic_error_set(err, VNIC_ERR_XML, _("the stored definition is not valid: %s"), first);
    }
    vnic_diag_clear(&diags);
    return r;
}

int vnic_embed_list_names(const char *dir, char ***ret, size_t *ret_n, vnic_error **err)
{
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot list '%s'"), dir);
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

void vnic_embed_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int vnic_embed_store_lock(embed_priv *p, int *ret_fd, vnic_error **err)
{
    return vnic_lock_file(p->lock_path, ret_fd, err);
}

int vnic_embed_domain_lock(embed_priv *p, const char *name, bool wait, int *ret_fd,
                           vnic_error **err)
{
    if (!vnic_embed_name_ok(name))
        return vnic_error_set(err, VNIC_ERR_INVALID, _("invalid domain name '%s'"), name), -EINVAL;
    _cleanup_free_ char *path = vnic_xasprintf("%s/%s.lock", p->locks_dir, name);
    return wait ? vnic_lock_file(path, ret_fd, err) : vnic_lock_file_try(path, ret_fd, err);
}

int vnic_embed_run_lock(embed_priv *p, const char *name, int *ret_fd, vnic_error **err)
{
    _cleanup_free_ char *path = vnic_xasprintf("%s/%s.run", p->locks_dir, name);
    return vnic_lock_file_try(path, ret_fd, err);
}

/* Reserve COUNT consecutive numbers of vnic's name counter; *ret is the first. Called with
 * the store lock held. */
int vnic_embed_counter_reserve(embed_priv *p, unsigned long count, unsigned long *ret,
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

bool vnic_embed_is_vnic_group(unsigned group)
{
    return group >= GROUP_BASE && group - GROUP_BASE < GROUP_COUNT;
}

/* A link group no record uses. Called with the store lock held, so that two starts never get
 * the same group. */
int vnic_embed_allocate_group(embed_priv *p, unsigned *ret, vnic_error **err)
{
    char **names = NULL;
    size_t n = 0;
    int r = vnic_embed_list_names(p->domains_dir, &names, &n, err);
    if (r < 0)
        return r;

    bool *used = vnic_xcalloc(GROUP_COUNT, sizeof(bool));
    for (size_t i = 0; i < n; i++) {
        vnic_record *rec = NULL;
        vnic_error *rerr = NULL;
        if (vnic_embed_record_read(p, names[i], &rec, &rerr) == 0) {
            if (vnic_embed_is_vnic_group(rec->group))
                used[rec->group - GROUP_BASE] = true;
            vnic_record_free(rec);
        } else if (rerr) {
            VNIC_WARN("%s", rerr->message);
        }
        vnic_error_free(rerr);
    }
    vnic_embed_free_names(names, n);

    /* Start after a hash of the run directory, so that stores sharing a namespace rarely
     * pick the same groups. */
    unsigned start = 1;
    for (const char *c = p->run_dir; *c; c++)
        start = start * 31 + (unsigned char)*c;
    start = 1 + start % (GROUP_COUNT - 1);
    for (unsigned k = 0; k < GROUP_COUNT - 1; k++) {
        unsigned g = 1 + (start - 1 + k) % (GROUP_COUNT - 1);
        if (!used[g]) {
            free(used);
            *ret = GROUP_BASE + g;
            return 0;
        }
    }
    free(used);
    return vnic_error_set(err, VNIC_ERR_INVALID, _("too many active domains")), -ENOSPC;
}
