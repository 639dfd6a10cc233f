#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "i18n.h"
#include "log.h"
#include "strutil.h"

typedef struct {
    void *handle;
    const vnic_backend_ops *ops;
    char *path;
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
        free(reg->items[i].path);
    }
    free(reg->items);
    free(reg->dirs);
    free(reg);
}

static const char *default_dirs(void)
{
    const char *env = getenv("VNIC_BACKEND_DIR");
    if (env && *env)
        return env;
    if (access(VNIC_BACKENDDIR, R_OK) == 0)
        return VNIC_BACKENDDIR;
    /* Run from the build tree. */
    if (access(VNIC_BUILD_BACKENDDIR, R_OK) == 0)
        return VNIC_BUILD_BACKENDDIR;
    return VNIC_BACKENDDIR;
}

static int filter_so(const struct dirent *d)
{
    size_t len = strlen(d->d_name);
    return d->d_name[0] != '.' && len > 3 && vnic_streq(d->d_name + len - 3, ".so");
}

static int load_one(vnic_registry *reg, const char *path, vnic_error **err)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED, _("cannot load backend module '%s': %s"),
                              path, dlerror()),
               -ENOENT;

    const vnic_backend_ops *ops = dlsym(h, VNIC_BACKEND_SYMBOL);
    if (!ops) {
        dlclose(h);
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                              _("backend module '%s' has no '%s' symbol"), path,
                              VNIC_BACKEND_SYMBOL),
               -EINVAL;
    }
    if (ops->abi_version != VNIC_BACKEND_ABI_VERSION) {
        unsigned v = ops->abi_version;
        dlclose(h);
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                              _("backend module '%s' was built for backend ABI version %u, but "
                                "this vnic needs version %d"),
                              path, v, VNIC_BACKEND_ABI_VERSION),
               -EINVAL;
    }
    if (!ops->name || (unsigned)ops->type >= VNIC_IFACE_TYPE_LAST || !ops->create ||
        !ops->open_queues || !ops->destroy || !ops->verify || !ops->adopt ||
        !ops->default_template) {
        dlclose(h);
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                              _("backend module '%s' has an incomplete operations table"), path),
               -EINVAL;
    }

    /* The first directory given wins for a type: a test or an administrator can put a
     * replacement backend in front of the installed ones. */
    for (size_t i = 0; i < reg->n; i++)
        if (reg->items[i].ops->type == ops->type) {
            VNIC_DEBUG("backend %s (%s) shadowed by %s", ops->name, path, reg->items[i].path);
            dlclose(h);
            return 0;
        }

    reg->items = vnic_xreallocarray(reg->items, reg->n + 1, sizeof(*reg->items));
    reg->items[reg->n++] = (loaded_backend){.handle = h, .ops = ops, .path = vnic_xstrdup(path)};
    VNIC_DEBUG("loaded backend %s for type %s from %s", ops->name,
               vnic_iface_type_to_string(ops->type), path);
    return 0;
}

int vnic_registry_load(const char *dirs, vnic_registry **ret, vnic_error **err)
{
    vnic_registry *reg = vnic_xcalloc(1, sizeof(*reg));
    reg->dirs = vnic_xstrdup(dirs ? dirs : default_dirs());

    _cleanup_free_ char *copy = vnic_xstrdup(reg->dirs);
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        struct dirent **names = NULL;
        int n = scandir(dir, &names, filter_so, alphasort);
        if (n < 0) {
            VNIC_DEBUG("backend directory %s: %s", dir, strerror(errno));
            continue;
        }
        int r = 0;
        for (int i = 0; i < n; i++) {
            if (r == 0) {
                _cleanup_free_ char *path = vnic_xasprintf("%s/%s", dir, names[i]->d_name);
                r = load_one(reg, path, err);
            }
            free(names[i]);
        }
        free(names);
        if (r < 0) {
            vnic_registry_free(reg);
            return r;
        }
    }
    *ret = reg;
    return 0;
}

const vnic_backend_ops *vnic_registry_find(const vnic_registry *reg, vnic_iface_type type,
                                           vnic_error **err)
{
    for (size_t i = 0; i < reg->n; i++)
        if (reg->items[i].ops->type == type)
            return reg->items[i].ops;
    vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                   _("no backend module for interface type '%s' was found in '%s'"),
                   vnic_iface_type_to_string(type), reg->dirs);
    return NULL;
}

const vnic_backend_ops *vnic_registry_find_by_name(const vnic_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->n; i++)
        if (vnic_streq(reg->items[i].ops->name, name))
            return reg->items[i].ops;
    return NULL;
}
