/* libvirt, loaded on first use: see libvirt_sym.h for why. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "cleanup.h"
#include "fault.h"
#include "i18n.h"
#include "libvirt_sym.h"
#include "strutil.h"

/* Written once, under load_lock, before loaded is set (release); read after loaded is seen
 * (acquire), or by threads started after the load (libvirt's event loop thread). */
static vnic_virt_table table;
static atomic_bool loaded;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
    void *handle;
    const char *missing; /* the first function not found */
    char *why;           /* what dlerror said of it */
} lookup;

static void *sym(lookup *l, const char *name)
{
    if (l->missing)
        return NULL;
    (void)dlerror();
    void *p = dlsym(l->handle, name);
    if (!p) {
        const char *e = dlerror();
        l->missing = name;
        l->why = vnic_xstrdup(e ? e : _("its address is null"));
    }
    return p;
}

static int load(vnic_error **err)
{
    /* The tests' fault step: the dynamic loader is asked for a file that does not exist, so the
     * error path is the real one, with the loader's own words. */
    const char *file =
        vnic_fault_fail("libvirt-load") ? "/nonexistent/" VNIC_LIBVIRT_SONAME : VNIC_LIBVIRT_SONAME;
    /* RTLD_LOCAL: libvirt's symbols stay out of the process's global scope (a backend module
     * or the program may bring their own); libvirt finds its own driver modules by itself. */
    void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                              _("cannot load libvirt (%s), which this operation needs: %s"),
                              VNIC_LIBVIRT_SONAME, e ? e : _("unknown error")),
               -ELIBACC;
    }
    lookup l = {.handle = h};
    vnic_virt_table t;
#define VNIC_VIRT_LOOKUP(fn) t.fn = (__typeof__(t.fn))sym(&l, #fn);
    VNIC_VIRT_FUNCTIONS(VNIC_VIRT_LOOKUP)
#undef VNIC_VIRT_LOOKUP
    if (l.missing) {
        _cleanup_free_ char *why = l.why;
        dlclose(h);
        return vnic_error_set(err, VNIC_ERR_UNSUPPORTED,
                              _("the libvirt loaded (%s) has no function %s: %s"),
                              VNIC_LIBVIRT_SONAME, l.missing, why),
               -ELIBACC;
    }
    /* Never closed: libvirt keeps threads and state (its event loop, its drivers) for the rest
     * of the process once used. */
    table = t;
    atomic_store_explicit(&loaded, true, memory_order_release);
    return 0;
}

int vnic_virt_load(vnic_error **err)
{
    if (atomic_load_explicit(&loaded, memory_order_acquire))
        return 0;
    pthread_mutex_lock(&load_lock);
    int r = atomic_load_explicit(&loaded, memory_order_relaxed) ? 0 : load(err);
    pthread_mutex_unlock(&load_lock);
    return r;
}

const vnic_virt_table *vnic_virt(void)
{
    if (!atomic_load_explicit(&loaded, memory_order_acquire))
        abort(); /* a libvirt call without a loaded libvirt: a bug of vnic's */
    return &table;
}
