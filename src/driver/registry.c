#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "driver.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"

typedef struct {
    void *handle;
    /* The registry's own copy of the module's table, full size: a version 2 module's table
     * is shorter, and what it lacks (create_batch) stays NULL here. */
    vnic_backend_ops *ops;
    char *path;
    unsigned dir; /* which directory of the list it came from */
} loaded_backend;

struct vnic_registry {
    loaded_backend *items;
    size_t n;
    char *dirs; /* for messages */
};

void vnic_registry_free(vnic_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->n; i++) {
        dlclose(reg->items[i].handle);
        free(reg->items[i].ops);
        free(reg->items[i].path);
    }
    free(reg->items);
    free(reg->dirs);
    free(reg);
}

static const char *default_dirs(void)
{
    /* Not from the environment of a setuid or file-capability caller. */
    const char *env = secure_getenv("VNIC_BACKEND_DIR");
    if (env && *env)
        return env;
    /* Only the installed directory: a build tree's modules are found through the variable
     * (the tests and `meson devenv` set it), never through a path baked into the library. */
    return VNIC_BACKENDDIR;
}

static bool is_module_name(const char *name)
{
    size_t len = strlen(name);
    return name[0] != '.' && len > 3 && vnic_streq(name + len - 3, ".so");
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whose files vnic runs as code: root's, or the running user's own. */
static bool trusted_owner(const struct stat *st)
{
    return st->st_uid == 0 || st->st_uid == geteuid();
}

/* Open directory DIR for loading modules from it, or fail with a reason: every directory on
 * its (resolved) path must belong to root or the running user, none may be writable by
 * others except sticky ones like /tmp on the way, and DIR itself by nobody else at all.
 * Each step is opened with O_NOFOLLOW below the one checked before it, so what is checked is
 * what is used. -ENOENT (no error set) when DIR does not exist. */
static int open_trusted_dir(const char *dir, char **ret_real, vnic_error **err)
{
    _cleanup_free_ char *real = realpath(dir, NULL);
    if (!real) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR)
            return -ENOENT;
        return vnic_error_set_errno(err, e, _("cannot resolve backend directory '%s'"), dir), -e;
    }

    _cleanup_close_ int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char *rest = real + 1;
    int upto = 1; /* the length of the path of FD within REAL */
    for (;;) {
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
            int e = errno;
            return vnic_error_set_errno(err, e, _("cannot open backend directory '%s'"), real), -e;
        }
        bool last = *rest == '\0';
        if (!trusted_owner(&st))
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("backend directory '%s' is refused: '%.*s' belongs to uid %u, "
                                    "not to root or the running user"),
                                  real, upto, real, (unsigned)st.st_uid),
                   -EPERM;
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) && (last || !(st.st_mode & S_ISVTX)))
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("backend directory '%s' is refused: '%.*s' is writable by "
                                    "group or others"),
                                  real, upto, real),
                   -EPERM;
        if (last)
            break;
        char *slash = strchr(rest, '/');
        if (slash)
            *slash = '\0';
        int next = openat(fd, rest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (slash)
            *slash = '/';
        close(fd);
        fd = next;
        rest = slash ? slash + 1 : rest + strlen(rest);
        upto = slash ? (int)(slash - real) : (int)strlen(real);
    }
    *ret_real = TAKE_PTR(real);
    return TAKE_FD(fd);
}

/* The module file NAME in the checked directory DIRFD: a regular file of root or the running
 * user that nobody else can write. */
static int check_module(int dirfd, const char *path, const char *name, vnic_error **err)
{
    _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int e = errno;
        return vnic_error_set_errno(err, e, _("cannot open backend module '%s'"), path), -e;
    }
    if (!S_ISREG(st.st_mode))
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("backend module '%s' is refused: it is not a regular file"), path),
               -EPERM;
    if (!trusted_owner(&st))
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("backend module '%s' is refused: it belongs to uid %u, not to "
                                "root or the running user"),
                              path, (unsigned)st.st_uid),
               -EPERM;
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("backend module '%s' is refused: it is writable by group or "
                                "others"),
                              path),
               -EPERM;
    return 0;
}

static int load_one(vnic_registry *reg, unsigned dir, const char *path, vnic_error **err)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED, _("cannot load backend module '%s': %s"),
                              path, dlerror()),
               -ENOENT;

    const vnic_backend_ops *mod = dlsym(h, VNIC_BACKEND_SYMBOL);
    if (!mod) {
        dlclose(h);
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                              _("backend module '%s' has no '%s' symbol"), path,
                              VNIC_BACKEND_SYMBOL),
               -EINVAL;
    }
    /* abi_version is the first member in every version: safe to read before the size is
     * known. */
    unsigned v = mod->abi_version;
    if (v < VNIC_BACKEND_ABI_VERSION_MIN || v > VNIC_BACKEND_ABI_VERSION) {
        dlclose(h);
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                              _("backend module '%s' was built for backend ABI version %u, but "
                                "this vnic needs version %d or %d"),
                              path, v, VNIC_BACKEND_ABI_VERSION_MIN, VNIC_BACKEND_ABI_VERSION),
               -EINVAL;
    }
    /* Only as much of the table as its version has: a version 2 table ends where
     * create_batch begins, and reading further would read past the module's symbol. */
    _cleanup_free_ vnic_backend_ops *ops = vnic_xcalloc(1, sizeof(*ops));
    memcpy(ops, mod, v == 2 ? offsetof(vnic_backend_ops, create_batch) : sizeof(*ops));
    if (!ops->name || (unsigned)ops->type >= VNIC_BACKEND_TYPE_LAST || !ops->create ||
        !ops->open_queues || !ops->destroy || !ops->verify || !ops->adopt ||
        !ops->default_template) {
        dlclose(h);
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                              _("backend module '%s' has an incomplete operations table"), path),
               -EINVAL;
    }

    /* One module serves a type. The first directory given wins: a test or an administrator
     * can put a replacement backend in front of the installed ones. Two modules for one type
     * in the same directory are a conflict nobody chose, and so is a name two modules give
     * themselves (records name their backend). */
    for (size_t i = 0; i < reg->n; i++) {
        const loaded_backend *o = &reg->items[i];
        if ((unsigned)o->ops->type == (unsigned)ops->type && o->dir == dir) {
            vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                           _("backend modules '%s' and '%s' both serve interface type '%s'; "
                             "remove one of them"),
                           o->path, path, vnic_iface_type_to_string((vnic_iface_type)ops->type));
            dlclose(h);
            return -EEXIST;
        }
        if ((unsigned)o->ops->type == (unsigned)ops->type) {
            VNIC_DEBUG("backend %s (%s) shadowed by %s", ops->name, path, o->path);
            dlclose(h);
            return 0;
        }
        if (vnic_streq(o->ops->name, ops->name)) {
            vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                           _("backend modules '%s' and '%s' both call themselves '%s'"), o->path,
                           path, ops->name);
            dlclose(h);
            return -EEXIST;
        }
    }

    reg->items = vnic_xreallocarray(reg->items, reg->n + 1, sizeof(*reg->items));
    VNIC_DEBUG("loaded backend %s (ABI %u%s) for type %s from %s", ops->name, v,
               ops->create_batch ? ", batch creation" : "",
               vnic_iface_type_to_string((vnic_iface_type)ops->type), path);
    reg->items[reg->n++] =
        (loaded_backend){.handle = h, .ops = TAKE_PTR(ops), .path = vnic_xstrdup(path), .dir = dir};
    return 0;
}

int vnic_registry_load(const char *dirs, vnic_registry **ret, vnic_error **err)
{
    vnic_registry *reg = vnic_xcalloc(1, sizeof(*reg));
    reg->dirs = vnic_xstrdup(dirs ? dirs : default_dirs());

    _cleanup_free_ char *copy = vnic_xstrdup(reg->dirs);
    char *save = NULL;
    unsigned dirno = 0;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save), dirno++) {
        _cleanup_free_ char *real = NULL;
        int dfd = open_trusted_dir(dir, &real, err);
        if (dfd == -ENOENT) {
            VNIC_DEBUG("backend directory %s does not exist", dir);
            continue;
        }
        if (dfd < 0) {
            vnic_registry_free(reg);
            return dfd;
        }
        /* The names from the checked directory itself, in a fixed order. */
        DIR *d = fdopendir(dfd);
        if (!d) {
            int e = errno;
            close(dfd);
            vnic_registry_free(reg);
            return vnic_error_set_errno(err, e, _("cannot read backend directory '%s'"), real), -e;
        }
        char **names = NULL;
        size_t n = 0;
        for (struct dirent *de; (de = readdir(d));)
            if (is_module_name(de->d_name)) {
                names = vnic_xreallocarray(names, n + 1, sizeof(*names));
                names[n++] = vnic_xstrdup(de->d_name);
            }
        if (n > 1)
            qsort(names, n, sizeof(*names), cmp_names);
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
            _cleanup_free_ char *path = vnic_xasprintf("%s/%s", real, names[i]);
            /* Nobody but root or this user can change the path after the checks, so loading
             * it by name (which keeps $ORIGIN working for the module) loads what was checked. */
            r = check_module(dirfd(d), path, names[i], err);
            if (r == 0)
                r = load_one(reg, dirno, path, err);
        }
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        closedir(d);
        if (r < 0) {
            vnic_registry_free(reg);
            return r;
        }
    }
    *ret = reg;
    return 0;
}

const vnic_backend_ops *vnic_registry_find(const vnic_registry *reg, const vnic_iface_def *def,
                                           vnic_error **err)
{
    /* Loading left at most one module per type, so the type decides. */
    for (size_t i = 0; i < reg->n; i++)
        if (reg->items[i].ops->type == vnic_backend_type_of(def->type))
            return reg->items[i].ops;
    vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                   _("no backend module for interface type '%s' was found in '%s'"),
                   vnic_iface_type_to_string(def->type), reg->dirs);
    return NULL;
}

const vnic_backend_ops *vnic_registry_find_by_name(const vnic_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->n; i++)
        if (vnic_streq(reg->items[i].ops->name, name))
            return reg->items[i].ops;
    return NULL;
}
