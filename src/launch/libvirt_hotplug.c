/* Hot-plug through libvirt: vnic makes the device, libvirt plugs it into the guest
 * (virDomainAttachDeviceFlags with the rewritten <interface>); unplugging asks libvirt to take
 * it out (virDomainDetachDeviceAlias), waits for libvirt to report it gone, then vnic removes
 * the device. Every failure puts things back as they were. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "i18n.h"
#include "libvirt_conn.h"
#include "libvirt_xml.h"
#include "strutil.h"
#include "xml_cleanup.h"

static virDomainPtr lookup(virConnectPtr lv, const char *name, vnic_error **err)
{
    virDomainPtr dom = vnic_virt()->virDomainLookupByName(lv, name);
    if (!dom)
        vnic_lv_error(err, _("libvirt has no domain '%s'"), name);
    return dom;
}

/* libvirt's alias of the interface on DEVICE, from its live XML. Caller frees; NULL if none. */
static char *alias_of_device(virDomainPtr dom, const char *device)
{
    char *xml = vnic_virt()->virDomainGetXMLDesc(dom, 0);
    if (!xml) {
        vnic_virt()->virResetLastError();
        return NULL;
    }
    char **aliases = NULL, **devices = NULL;
    size_t n1 = 0, n2 = 0;
    char *out = NULL;
    if (vnic_libvirt_iface_attrs(xml, "alias", "name", &aliases, &n1, NULL) == 0 &&
        vnic_libvirt_iface_attrs(xml, "target", "dev", &devices, &n2, NULL) == 0 && n1 == n2)
        for (size_t i = 0; i < n1 && !out; i++)
            if (vnic_streq(devices[i], device) && aliases[i][0])
                out = vnic_xstrdup(aliases[i]);
    vnic_strv_free(aliases);
    vnic_strv_free(devices);
    free(xml);
    return out;
}

/* Remove interface INDEX of NAME again (found afresh: the failure may have been in reading
 * it). */
static void undo_attach(vnic_conn *conn, const char *name, unsigned index)
{
    vnic_domain_info *info = NULL;
    vnic_error *e = NULL;
    if (vnic_domain_lookup(conn, name, &info, &e) == 0 && index < info->ninterfaces)
        (void)vnic_domain_detach_interface(conn, name, info->interfaces[index]->name, &e);
    vnic_error_free(e);
    vnic_domain_info_free(info);
}

static int attach(vnic_conn *conn, const char *uri, const char *name, const char *path,
                  unsigned flags, char **ret_alias, vnic_diag_list *diags, vnic_error **err)
{
    if (!uri || !name || !path)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("no libvirt URI, domain or file given")),
               -EINVAL;
    virConnectPtr lv = NULL;
    int r = vnic_lv_open(uri, &lv, err);
    if (r < 0)
        return r;
    virDomainPtr dom = lookup(lv, name, err);
    if (!dom) {
        vnic_virt()->virConnectClose(lv);
        return -ENOENT;
    }
    unsigned aflags = (flags & VNIC_LIBVIRT_ATTACH_NO_SCHEMA) ? VNIC_ATTACH_NO_SCHEMA : 0;
    unsigned index = 0;
    _cleanup_free_ char *device = NULL;
    _cleanup_free_ char *ifxml = NULL;
    _cleanup_xmldoc_ xmlDoc *doc = NULL;
    vnic_domain_info *info = NULL;
    vnic_lv_nodes *made = NULL;
    if (vnic_domain_attach_interface_file(conn, name, path, aflags, &index, diags, err) < 0) {
        r = -EINVAL;
        goto out;
    }
    /* From here on, every failure removes the device again. */
    if ((r = vnic_lv_domain_doc(conn, name, &doc, &info, err)) < 0)
        goto undo;
    if (index >= info->ninterfaces || !(ifxml = vnic_libvirt_doc_iface(doc, index))) {
        r = (vnic_error_set(err, VNIC_ERR_INTERNAL, _("the new interface is missing")), -EIO);
        goto undo;
    }
    device = vnic_xstrdup(info->interfaces[index]->name);
    if ((r = vnic_lv_tap_nodes(info, (int)index, &made, err)) < 0)
        goto undo;
    r = vnic_virt()->virDomainAttachDeviceFlags(dom, ifxml, VIR_DOMAIN_AFFECT_LIVE);
    vnic_lv_tap_nodes_drop(TAKE_PTR(made));
    if (r < 0) {
        r = vnic_lv_error(err, _("libvirt did not attach the interface of %s to domain '%s'"), path,
                          name);
        goto undo;
    }
    if (ret_alias)
        *ret_alias = alias_of_device(dom, device);
    r = 0;
    goto out;
undo:
    undo_attach(conn, name, index);
out:
    vnic_domain_info_free(info);
    vnic_virt()->virDomainFree(dom);
    vnic_virt()->virConnectClose(lv);
    return r;
}

/* The detach's wait: libvirt's device-removed event for ALIAS of domain NAME. */
typedef struct {
    pthread_mutex_t lock;
    int wake[2];
    const char *name;
    const char *alias;
    bool gone;
} removal;

static void on_removed(virConnectPtr c, virDomainPtr d, const char *alias, void *opaque)
{
    (void)c;
    removal *w = opaque;
    const char *n = vnic_virt()->virDomainGetName(d);
    if (!n || !alias || !vnic_streq(n, w->name) || !vnic_streq(alias, w->alias))
        return;
    pthread_mutex_lock(&w->lock);
    w->gone = true;
    pthread_mutex_unlock(&w->lock);
    (void)!write(w->wake[1], "x", 1);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* IFACE as vnic's device and libvirt's alias: IFACE may be either, or vnic's alias. */
static int resolve(vnic_conn *conn, virDomainPtr dom, const char *name, const char *iface,
                   char **ret_device, char **ret_alias, vnic_error **err)
{
    vnic_domain_info *info = NULL;
    if (vnic_domain_lookup(conn, name, &info, err) < 0)
        return -EINVAL;
    for (size_t i = 0; i < info->ninterfaces; i++) {
        const vnic_interface_info *f = info->interfaces[i];
        char *alias = alias_of_device(dom, f->name);
        if (vnic_streq(f->name, iface) || vnic_streq_null(f->alias, iface) ||
            vnic_streq_null(alias, iface)) {
            *ret_device = vnic_xstrdup(f->name);
            *ret_alias = alias;
            vnic_domain_info_free(info);
            if (!*ret_alias)
                return vnic_error_set(err, VNIC_ERR_INVALID,
                                      _("libvirt's domain '%s' has no interface on '%s'"), name,
                                      *ret_device),
                       -ENOENT;
            return 0;
        }
        free(alias);
    }
    vnic_domain_info_free(info);
    return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' has no interface '%s'"), name,
                          iface),
           -ENOENT;
}

static int detach(vnic_conn *conn, const char *uri, const char *name, const char *iface,
                  int timeout_ms, vnic_error **err)
{
    if (!uri || !name || !iface)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("no libvirt URI, domain or interface given")),
               -EINVAL;
    virConnectPtr lv = NULL;
    int r = vnic_lv_open(uri, &lv, err);
    if (r < 0)
        return r;
    removal w = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = {-1, -1}, .name = name};
    int id = -1;
    _cleanup_free_ char *device = NULL;
    _cleanup_free_ char *alias = NULL;
    virDomainPtr dom = lookup(lv, name, err);
    if (!dom) {
        r = -ENOENT;
        goto out;
    }
    if ((r = resolve(conn, dom, name, iface, &device, &alias, err)) < 0)
        goto out;
    w.alias = alias;
    if (pipe2(w.wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        r = -errno;
        vnic_error_set_errno(err, -r, _("cannot create a pipe"));
        goto out;
    }
    id = vnic_virt()->virConnectDomainEventRegisterAny(lv, dom, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                                                       VIR_DOMAIN_EVENT_CALLBACK(on_removed), &w,
                                                       NULL);
    if (id < 0) {
        r = vnic_lv_error(err, _("cannot follow libvirt's events"));
        goto out;
    }
    if (vnic_virt()->virDomainDetachDeviceAlias(dom, alias, VIR_DOMAIN_AFFECT_LIVE) < 0) {
        r = vnic_lv_error(err, _("libvirt did not detach interface '%s' of domain '%s'"), alias,
                          name);
        goto out;
    }
    /* Bounded: a guest that never lets go leaves the device in place, and the call says so. */
    long long deadline = now_ms() + (timeout_ms < 0 ? 30000 : timeout_ms);
    for (;;) {
        pthread_mutex_lock(&w.lock);
        bool gone = w.gone;
        pthread_mutex_unlock(&w.lock);
        /* The event may have come and gone before the registration took: the live XML has
         * the last word. */
        if (!gone) {
            char *still = alias_of_device(dom, device);
            gone = !still;
            free(still);
        }
        if (gone)
            break;
        long long left = deadline - now_ms();
        if (left <= 0) {
            vnic_error_set(err, VNIC_ERR_IO,
                           _("the guest of domain '%s' did not release interface '%s' in time; "
                             "its device '%s' stays"),
                           name, alias, device);
            r = -ETIMEDOUT;
            goto out;
        }
        struct pollfd p = {.fd = w.wake[0], .events = POLLIN};
        (void)poll(&p, 1, left > 500 ? 500 : (int)left);
        char buf[16];
        while (read(w.wake[0], buf, sizeof(buf)) > 0)
            ;
    }
    if (vnic_domain_detach_interface(conn, name, device, err) < 0) {
        /* vnicsh run --libvirt saw the same event and got there first: fine. */
        vnic_domain_info *info = NULL;
        bool still = false;
        vnic_error *lerr = NULL;
        if (vnic_domain_lookup(conn, name, &info, &lerr) == 0)
            for (size_t i = 0; i < info->ninterfaces; i++)
                still |= vnic_streq(info->interfaces[i]->name, device);
        vnic_error_free(lerr);
        vnic_domain_info_free(info);
        if (still) {
            r = -EIO;
            goto out;
        }
        vnic_error_free(*err);
        *err = NULL;
    }
    r = 0;
out:
    if (id >= 0)
        vnic_virt()->virConnectDomainEventDeregisterAny(lv, id);
    if (dom)
        vnic_virt()->virDomainFree(dom);
    vnic_virt()->virConnectClose(lv);
    for (int i = 0; i < 2; i++)
        if (w.wake[i] >= 0)
            close(w.wake[i]);
    return r;
}

int vnic_libvirt_attach_interface(vnic_conn *conn, const char *libvirt_uri, const char *name,
                                  const char *path, unsigned flags, char **ret_alias,
                                  vnic_diag_list *diags, vnic_error **err)
{
    vnic_api_call c;
    if (vnic_api_begin(&c, __func__, err, diags, flags, VNIC_LIBVIRT_ATTACH_NO_SCHEMA) < 0)
        return vnic_api_end(&c, -EINVAL);
    return vnic_api_end(&c,
                        attach(conn, libvirt_uri, name, path, flags, ret_alias, c.diags, c.err));
}

int vnic_libvirt_detach_interface(vnic_conn *conn, const char *libvirt_uri, const char *name,
                                  const char *iface, int timeout_ms, vnic_error **err)
{
    vnic_api_call c;
    vnic_api_begin(&c, __func__, err, NULL, 0, 0);
    return vnic_api_end(&c, detach(conn, libvirt_uri, name, iface, timeout_ms, c.err));
}
