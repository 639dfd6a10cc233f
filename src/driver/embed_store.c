/* The embedded driver's state store: records of running domains under the run directory,
 * definitions under the lib directory, locks, vnic's name counter and link groups. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

bool vnic_embed_mark_ok(embed_priv *p, const char *domain, const char *mark)
{
    size_t plen = strlen(p->mark_prefix), dlen = strlen(domain);
    unsigned long v;
    if (strncmp(mark, p->mark_prefix, plen) != 0 || strncmp(mark + plen, domain, dlen) != 0 ||
        mark[plen + dlen] != '/' || vnic_parse_uint(mark + plen + dlen + 1, 0, 1000000, &v) < 0)
        return false;
    /* Exactly the form vnic writes, so that one device has one mark. */
    _cleanup_free_ char *canon = vnic_record_mark(p->mark_prefix, domain, (unsigned)v);
    return vnic_streq(canon, mark);
}

/* A record is trusted to name devices only for its own domain in this store: a record under
 * another name, or carrying another store's or another domain's mark (copied, crafted or
 * left over), would make reconcile or destroy delete devices that are not its own. */
static int check_record_owner(embed_priv *p, const char *name, const char *path,
                              const vnic_record *rec, vnic_error **err)
{
    if (!vnic_streq(rec->def->name, name))
        return vnic_error_set(err, VNIC_ERR_XML,
                              _("%s: error: corrupt state record: it describes domain '%s', not "
                                "'%s'"),
                              path, rec->def->name, name),
               -EBADMSG;
    for (size_t i = 0; i < rec->def->niface; i++) {
        const char *mark = rec->ifaces[i].mark;
        if (!vnic_embed_mark_ok(p, name, mark))
            return vnic_error_set(err, VNIC_ERR_XML,
                                  _("%s: error: corrupt state record: interface %zu carries the "
                                    "mark '%s', which is not this store's mark for domain '%s'"),
                                  path, i + 1, mark, name),
                   -EBADMSG;
        for (size_t j = 0; j < i; j++)
            if (vnic_streq(rec->ifaces[j].mark, mark))
                return vnic_error_set(err, VNIC_ERR_XML,
                                      _("%s: error: corrupt state record: interfaces %zu and %zu "
                                        "carry the same mark '%s'"),
                                      path, j + 1, i + 1, mark),
                       -EBADMSG;
    }
    return 0;
}

void vnic_embed_record_forget(embed_priv *p)
{
    vnic_record_free(TAKE_PTR(p->kept));
    p->read_token = 0;
}

void vnic_embed_record_keep(embed_priv *p, vnic_record *rec)
{
    vnic_embed_record_forget(p);
    _cleanup_free_ char *file = vnic_xasprintf("%s.xml", rec->def->name);
    if (fstatat(p->domains_fd, file, &p->kept_st, AT_SYMLINK_NOFOLLOW) < 0) {
        vnic_record_free(rec);
        return;
    }
    p->kept = rec;
}

void vnic_embed_record_keep_read(embed_priv *p, vnic_record *rec)
{
    if (!rec)
        return;
    if (!rec->read_token || rec->read_token != p->read_token) {
        vnic_record_free(rec);
        return;
    }
    struct stat st = p->read_st;
    vnic_embed_record_forget(p);
    p->kept = rec;
    p->kept_st = st;
}

/* Whether two stats are of the same file with the same content: every write of a record
 * makes a new file (a rename), so another process's write changes the inode, and the times
 * and size say the rest. */
static bool same_file(const struct stat *a, const struct stat *k)
{
    return S_ISREG(a->st_mode) && a->st_dev == k->st_dev && a->st_ino == k->st_ino &&
           a->st_size == k->st_size && a->st_mtim.tv_sec == k->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == k->st_mtim.tv_nsec && a->st_ctim.tv_sec == k->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == k->st_ctim.tv_nsec;
}

/* The kept record of NAME, if its file is still the one written. Handed over once (the
 * caller owns and may change it). */
static vnic_record *take_kept(embed_priv *p, const char *name, const char *file)
{
    if (!p->kept || !vnic_streq(p->kept->def->name, name))
        return NULL;
    vnic_record *rec = TAKE_PTR(p->kept);
    struct stat st;
    if (fstatat(p->domains_fd, file, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
        !same_file(&st, &p->kept_st)) {
        vnic_record_free(rec);
        return NULL;
    }
    rec->read_token = p->read_token = ++p->read_tokens;
    p->read_st = st;
    return rec;
}

static int record_write(embed_priv *p, vnic_record *rec, bool same_def, vnic_error **err)
{
    if (p->kept && p->kept != rec && vnic_streq(p->kept->def->name, rec->def->name))
        vnic_embed_record_forget(p);
    p->read_token = 0;
    _cleanup_free_ char *path = vnic_embed_record_path(p, rec->def->name);
    _cleanup_free_ char *file = vnic_xasprintf("%s.xml", rec->def->name);
    if (same_def && rec->def_text) {
#ifdef VNIC_FAULT_INJECTION
        /* Test builds prove the caller's word: the definition did not change. */
        _cleanup_free_ char *now = vnic_record_def_format(rec->def);
        if (!vnic_streq(now, rec->def_text)) {
            VNIC_WARN("record of domain '%s': the definition changed since its last write",
                      rec->def->name);
            abort();
        }
#endif
    } else {
        free(rec->def_text);
        rec->def_text = vnic_record_def_format(rec->def);
    }
    _cleanup_free_ char *xml = vnic_record_format_with(rec, rec->def_text);
    return vnic_file_write_atomic_at(p->domains_fd, file, path, xml, strlen(xml), 0600, err);
}

int vnic_embed_record_write(embed_priv *p, vnic_record *rec, vnic_error **err)
{
    return record_write(p, rec, false, err);
}

int vnic_embed_record_write_status(embed_priv *p, vnic_record *rec, vnic_error **err)
{
    return record_write(p, rec, true, err);
}

int vnic_embed_record_read(embed_priv *p, const char *name, vnic_record **ret, vnic_error **err)
{
    if (!vnic_embed_name_ok(name))
        return vnic_error_set(err, VNIC_ERR_INVALID, _("invalid domain name '%s'"), name), -EINVAL;
    _cleanup_free_ char *path = vnic_embed_record_path(p, name);
    _cleanup_free_ char *file = vnic_xasprintf("%s.xml", name);
    _cleanup_free_ char *xml = NULL;
    p->read_token = 0;
    vnic_record *kept = take_kept(p, name, file);
    if (kept) {
        *ret = kept;
        return 0;
    }
    /* The file as it was before and after the read: the same, and what was read is its
     * content then, which may be kept (vnic_embed_record_keep_read). */
    struct stat before, after;
    bool stat_ok = fstatat(p->domains_fd, file, &before, AT_SYMLINK_NOFOLLOW) == 0;
    /* No record (nearly every create): as the read would say, without opening it. */
    if (!stat_ok && errno == ENOENT)
        return -ENOENT;
    int r = vnic_file_read_at(p->domains_fd, file, path, VNIC_STORE_FILE_MAX, &xml, NULL, err);
    if (r < 0)
        return r;
    stat_ok = stat_ok && fstatat(p->domains_fd, file, &after, AT_SYMLINK_NOFOLLOW) == 0 &&
              same_file(&after, &before);
    _cleanup_(vnic_record_freep) vnic_record *rec = NULL;
    if ((r = vnic_record_parse(xml, path, &rec, err)) < 0 ||
        (r = check_record_owner(p, name, path, rec, err)) < 0)
        return r;
    if (stat_ok) {
        rec->read_token = p->read_token = ++p->read_tokens;
        p->read_st = after;
    }
    *ret = TAKE_PTR(rec);
    return 0;
}

int vnic_embed_record_remove(embed_priv *p, const char *name, vnic_error **err)
{
    if (p->kept && vnic_streq(p->kept->def->name, name))
        vnic_embed_record_forget(p);
    p->read_token = 0;
    _cleanup_free_ char *path = vnic_embed_record_path(p, name);
    _cleanup_free_ char *file = vnic_xasprintf("%s.xml", name);
    return vnic_file_remove_at(p->domains_fd, file, path, err);
}

bool vnic_embed_def_exists(embed_priv *p, const char *name)
{
    /* Anything under that name counts (reading it then says what is wrong with it). */
    _cleanup_free_ char *file = vnic_xasprintf("%s.xml", name);
    struct stat st;
    return fstatat(p->defs_fd, file, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int vnic_embed_def_read(embed_priv *p, const char *name, vnic_domain_def **ret, vnic_error **err)
{
    if (!vnic_embed_name_ok(name))
        return vnic_error_set(err, VNIC_ERR_INVALID, _("invalid domain name '%s'"), name), -EINVAL;
    _cleanup_free_ char *path = vnic_embed_def_path(p, name);
    _cleanup_free_ char *file = vnic_xasprintf("%s.xml", name);
    _cleanup_free_ char *xml = NULL;
    int r = vnic_file_read_at(p->defs_fd, file, path, VNIC_STORE_FILE_MAX, &xml, NULL, err);
    if (r < 0)
        return r;

    /* vnic validated it against the schema of its day when it was defined; a later schema
     * must not make it unreadable. The semantic checks still run: the file may be damaged. */
    vnic_diag_list diags = {0};
    r = vnic_domain_def_parse_string(xml, path, VNIC_PARSE_SKIP_UNSUPPORTED | VNIC_PARSE_NO_SCHEMA,
                                     ret, &diags, err);
    if (r < 0 && diags.count) {
        /* A damaged stored definition: say where. */
        _cleanup_free_ char *first = vnic_diag_to_string(diags.items[0]);
        vnic_error_free(*err);
        *err = NULL;
        vnic_error_set(err, VNIC_ERR_XML, _("the stored definition is not valid: %s"), first);
    }
    vnic_diag_clear(&diags);
    return r;
}

int vnic_embed_def_write(embed_priv *p, const char *name, const char *xml, vnic_error **err)
{
    _cleanup_free_ char *path = vnic_embed_def_path(p, name);
    _cleanup_free_ char *file = vnic_xasprintf("%s.xml", name);
    return vnic_file_write_atomic_at(p->defs_fd, file, path, xml, strlen(xml), 0600, err);
}

int vnic_embed_def_remove(embed_priv *p, const char *name, vnic_error **err)
{
    _cleanup_free_ char *path = vnic_embed_def_path(p, name);
    _cleanup_free_ char *file = vnic_xasprintf("%s.xml", name);
    return vnic_file_remove_at(p->defs_fd, file, path, err);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int vnic_embed_list_names(int dirfd, const char *dir, char ***ret, size_t *ret_n, vnic_error **err)
{
    /* A directory stream of its own: readdir moves the offset, which a dup would share. */
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        vnic_error_set_errno(err, e, _("cannot list '%s'"), dir);
        return -e;
    }
    char **names = NULL;
    size_t k = 0, alloc = 0;
    for (struct dirent *ent; (ent = readdir(d));) {
        const char *n = ent->d_name;
        size_t len = strlen(n);
        if (n[0] == '.' || len <= 4 || !vnic_streq(n + len - 4, ".xml"))
            continue;
        if (k + 1 >= alloc) {
            alloc = alloc ? alloc * 2 : 16;
            names = vnic_xreallocarray(names, alloc, sizeof(*names));
        }
        names[k++] = vnic_xasprintf("%.*s", (int)(len - 4), n);
    }
    closedir(d);
    if (!names)
        names = vnic_xcalloc(1, sizeof(*names));
    qsort(names, k, sizeof(*names), cmp_names);
    names[k] = NULL;
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
    return vnic_lock_file_at(p->run_fd, "lock", p->lock_path, true, ret_fd, err);
}

int vnic_embed_domain_lock(embed_priv *p, const char *name, bool wait, int *ret_fd,
                           vnic_error **err)
{
    if (!vnic_embed_name_ok(name))
        return vnic_error_set(err, VNIC_ERR_INVALID, _("invalid domain name '%s'"), name), -EINVAL;
    _cleanup_free_ char *path = vnic_xasprintf("%s/%s.lock", p->locks_dir, name);
    return vnic_lock_file_at(p->locks_fd, strrchr(path, '/') + 1, path, wait, ret_fd, err);
}

int vnic_embed_run_lock(embed_priv *p, const char *name, int *ret_fd, vnic_error **err)
{
    _cleanup_free_ char *path = vnic_xasprintf("%s/%s.run", p->locks_dir, name);
    _cleanup_close_ int fd = -1;
    int r = vnic_lock_file_at(p->locks_fd, strrchr(path, '/') + 1, path, false, &fd, err);
    if (r < 0)
        return r;
    /* Who holds it, for the messages of those refused: flock has no owner to ask. Only a
     * hint, so a failure to write it is no failure of the lock. */
    char pid[24];
    int len = snprintf(pid, sizeof(pid), "%ld\n", (long)(p->client_pid ? p->client_pid : getpid()));
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len)
        VNIC_DEBUG("cannot note the supervisor's pid in '%s'", path);
    *ret_fd = TAKE_FD(fd);
    return 0;
}

long vnic_embed_run_lock_pid(embed_priv *p, const char *name)
{
    _cleanup_free_ char *path = vnic_xasprintf("%s/%s.run", p->locks_dir, name);
    _cleanup_free_ char *buf = NULL;
    vnic_error *e = NULL;
    unsigned long pid = 0;
    if (vnic_file_read_at(p->locks_fd, strrchr(path, '/') + 1, path, 32, &buf, NULL, &e) < 0) {
        vnic_error_free(e);
        return 0;
    }
    buf[strcspn(buf, "\n")] = '\0';
    if (vnic_parse_uint(buf, 1, 0x7fffffffUL, &pid) < 0)
        return 0;
    return (long)pid;
}

/* Reserve COUNT consecutive numbers of vnic's name counter; *ret is the first. Called with
 * the store lock held.
 *
 * The file is updated in place (one read, one pwrite, an fsync), not through a temporary
 * file and a rename: that cost a file creation, a rename and a directory fsync on every start
 * (about a tenth of a one-interface start over the floor). It stays crash-safe because the
 * number only grows: its new text is never shorter than the old one, so the one pwrite at
 * offset 0 replaces it whole, and a process killed at any point leaves the old number or the
 * new one. Only the wrap to 0 shortens it (truncated after the write; killed before that, the
 * first line still reads 0). A torn write on
 * power loss cannot hand out a name still in use: the devices are gone with the kernel. */
int vnic_embed_counter_reserve(embed_priv *p, unsigned long count, unsigned long *ret,
                               vnic_error **err)
{
    enum { MAX = 64 };
    _cleanup_close_ int fd = -1;
    bool created;
    int r = vnic_file_open_rw_at(p->run_fd, "name-counter", p->counter_path, 0600, MAX, &fd,
                                 &created, err);
    if (r < 0)
        return r;
    char buf[MAX + 1];
    ssize_t len;
    do
        len = pread(fd, buf, MAX, 0);
    while (len < 0 && errno == EINTR);
    if (len < 0) {
        int e = errno;
        return vnic_error_set_errno(err, e, _("cannot read '%s'"), p->counter_path), -e;
    }
    buf[len] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    /* Anything unreadable (empty: a new store) is taken for 0. */
    unsigned long next = 0;
    if (vnic_parse_uint(buf, 0, 0x7fffffffUL, &next) < 0)
        next = 0;
    if (next + count > 0x7fffffffUL)
        next = 0;
    *ret = next;

    char out[32];
    int olen = snprintf(out, sizeof(out), "%lu\n", next + count);
    ssize_t w;
    do
        w = pwrite(fd, out, (size_t)olen, 0);
    while (w < 0 && errno == EINTR);
    if (w != olen || (olen < len && ftruncate(fd, olen) < 0) || fsync(fd) < 0 ||
        (created && fsync(p->run_fd) < 0)) {
        int e = w >= 0 && w != olen ? ENOSPC : errno;
        return vnic_error_set_errno(err, e, _("cannot write '%s'"), p->counter_path), -e;
    }
    return 0;
}

bool vnic_embed_is_vnic_group(unsigned group)
{
    return group >= GROUP_BASE && group - GROUP_BASE < GROUP_COUNT;
}

void vnic_embed_groups_forget(embed_priv *p)
{
    for (size_t i = 0; i < p->ngroups; i++)
        free(p->groups[i].name);
    free(p->groups);
    p->groups = NULL;
    p->ngroups = 0;
}

/* The link group of the record of NAME. Only the root element's start tag is read (it comes
 * first, in the first 200 bytes or so of what vnic writes), so that a start does not parse
 * every running domain's record: with 200 domains running that was most of a start's time
 * over the floor. A record whose beginning says nothing usable is read whole, as before: its
 * group counts if it parses, and what is wrong with it is logged. *ret_st: the file's
 * attributes before the read, if unchanged by the time it was read (else st_ino is 0). */
static int record_group(embed_priv *p, const char *name, const char *file, unsigned *ret,
                        struct stat *ret_st)
{
    enum { HEAD = 1024 };
    _cleanup_free_ char *path = vnic_embed_record_path(p, name);
    _cleanup_free_ char *head = NULL;
    size_t len = 0;
    vnic_error *rerr = NULL;
    struct stat after;
    int r = vnic_file_read_head_at(p->domains_fd, file, path, VNIC_STORE_FILE_MAX, HEAD, &head,
                                   &len, &rerr);
    if (r == 0 && vnic_record_peek_group(head, len, ret) == 0) {
        if (fstatat(p->domains_fd, file, &after, AT_SYMLINK_NOFOLLOW) < 0 ||
            !same_file(&after, ret_st))
            ret_st->st_ino = 0;
        return 0;
    }
    ret_st->st_ino = 0;
    vnic_error_free(TAKE_PTR(rerr));
    vnic_record *rec = NULL;
    if ((r = vnic_embed_record_read(p, name, &rec, &rerr)) == 0) {
        *ret = rec->group;
        vnic_record_free(rec);
    } else if (rerr) {
        VNIC_WARN("%s", rerr->message);
    }
    vnic_error_free(rerr);
    return r;
}

/* The group of the record NAME, from what this connection saw of it last while its file is
 * the same (see same_file), else read; remembered in seen. Names come in sorted order, as
 * p->groups is: *pos walks it once. */
static int cached_group(embed_priv *p, const char *name, size_t *pos, unsigned *ret,
                        embed_group_seen *seen, size_t *nseen)
{
    _cleanup_free_ char *file = vnic_xasprintf("%s.xml", name);
    struct stat st;
    if (fstatat(p->domains_fd, file, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) /* gone since the listing */
            return -ENOENT;
        memset(&st, 0, sizeof(st)); /* matches nothing: read it, which says what is wrong */
    }
    while (*pos < p->ngroups && strcmp(p->groups[*pos].name, name) < 0)
        ++*pos;
    if (*pos < p->ngroups && vnic_streq(p->groups[*pos].name, name) &&
        same_file(&st, &p->groups[*pos].st)) {
        *ret = p->groups[*pos].group;
        seen[(*nseen)++] = p->groups[*pos];
        p->groups[(*pos)++].name = NULL; /* moved; behind *pos, never compared again */
        return 0;
    }
    int r = record_group(p, name, file, ret, &st);
    if (r == 0 && st.st_ino)
        seen[(*nseen)++] = (embed_group_seen){.name = vnic_xstrdup(name), .st = st, .group = *ret};
    return r;
}

/* A link group no record uses. Called with the store lock held, so that two starts never get
 * the same group. */
int vnic_embed_allocate_group(embed_priv *p, unsigned *ret, vnic_error **err)
{
    char **names = NULL;
    size_t n = 0;
    int r = vnic_embed_list_names(p->domains_fd, p->domains_dir, &names, &n, err);
    if (r < 0)
        return r;

    bool *used = vnic_xcalloc(GROUP_COUNT, sizeof(bool));
    embed_group_seen *seen = vnic_xcalloc(n ? n : 1, sizeof(*seen));
    size_t nseen = 0, pos = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned group;
        if (cached_group(p, names[i], &pos, &group, seen, &nseen) == 0 &&
            vnic_embed_is_vnic_group(group))
            used[group - GROUP_BASE] = true;
    }
    vnic_embed_free_names(names, n);
    /* What this pass saw replaces what the last one did: records gone are forgotten. */
    vnic_embed_groups_forget(p);
    p->groups = seen;
    p->ngroups = nseen;

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
