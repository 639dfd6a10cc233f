/* Reaching libvirt through its public API: connections, errors, macvtap nodes. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "cleanup.h"
#include "devnode.h"
#include "i18n.h"
#include "iface_conf.h"
#include "libvirt_conn.h"
#include "libvirt_xml.h"
#include "strutil.h"

static pthread_once_t loop_once = PTHREAD_ONCE_INIT;
static int loop_error; /* 0, or the negative errno of the loop's setup */

static void *loop_thread(void *arg)
{
    (void)arg;
    for (;;)
        if (virEventRunDefaultImpl() < 0)
            usleep(10000); /* a failed iteration is retried: the loop is the only one */
    return NULL;
}

/* libvirt's default error handler prints every error on stderr; vnic hands them to the caller
 * inside its own errors instead, and a library does not print. */
static void quiet(void *opaque, virErrorPtr e)
{
    (void)opaque;
    (void)e;
}

static void loop_start(void)
{
    virSetErrorFunc(NULL, quiet);
    if (virEventRegisterDefaultImpl() < 0) {
        loop_error = -EIO;
        return;
    }
    /* The loop thread must never take the program's signals: block them all while it is
     * created, so that it inherits a full mask. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_t t;
    int r = pthread_create(&t, NULL, loop_thread, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r != 0) {
        loop_error = -r;
        return;
    }
    pthread_detach(t);
}

int vnic_lv_error(vnic_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *what = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    const char *msg = virGetLastErrorMessage();
    vnic_error_set(err, VNIC_ERR_IO, "%s: %s", what, msg ? msg : _("unknown libvirt error"));
    virResetLastError();
    return -EIO;
}

int vnic_lv_open(const char *uri, virConnectPtr *ret, vnic_error **err)
{
    pthread_once(&loop_once, loop_start);
    if (loop_error == -EIO)
        return vnic_lv_error(err, _("cannot start libvirt's event loop"));
    if (loop_error < 0)
        return vnic_error_set_errno(err, -loop_error,
                                    _("cannot start a thread for libvirt's event loop")),
               loop_error;
    virConnectPtr c = virConnectOpen(uri);
    if (!c)
        return vnic_lv_error(err, _("cannot connect to libvirt at '%s'"), uri);
    *ret = c;
    return 0;
}

int vnic_lv_runs(virConnectPtr lv, const char *uuid, vnic_error **err)
{
    virDomainPtr d = virDomainLookupByUUIDString(lv, uuid);
    if (!d) {
        virErrorPtr e = virGetLastError();
        if (e && e->code == VIR_ERR_NO_DOMAIN) {
            virResetLastError();
            return 0;
        }
        return vnic_lv_error(err, _("cannot look up domain %s"), uuid);
    }
    int active = virDomainIsActive(d);
    virDomainFree(d);
    if (active < 0)
        return vnic_lv_error(err, _("cannot tell whether domain %s runs"), uuid);
    return active == 1;
}

static int tap_node(const vnic_interface_info *f, char ***made, size_t *nmade, vnic_error **err)
{
    uint8_t mac[6];
    bool have_mac = vnic_mac_parse(f->host_mac, mac) == 0;
    dev_t dev;
    int r = vnic_devnode_macvtap_dev(f->name, f->ifindex, NULL, have_mac ? mac : NULL, &dev, err);
    if (r < 0)
        return vnic_error_prefix(err, _("macvtap '%s'"), f->name), r;
    _cleanup_free_ char *path = vnic_xasprintf("/dev/tap%d", f->ifindex);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (S_ISCHR(st.st_mode) && st.st_rdev == dev)
            return 0;
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("%s is not the node of the macvtap '%s' (device %u:%u): it is "
                                "%s %u:%u (another network namespace's macvtap with the same "
                                "ifindex, or another device); libvirt opens the macvtap by that "
                                "name, so the domain cannot be given to libvirt while it is "
                                "there"),
                              path, f->name, major(dev), minor(dev),
                              S_ISCHR(st.st_mode) ? _("the device") : _("not a device,"),
                              major(st.st_rdev), minor(st.st_rdev)),
               -EEXIST;
    }
    if (errno != ENOENT)
        return vnic_error_set_errno(err, errno, _("cannot examine %s"), path), -errno;
    if (mknod(path, S_IFCHR | 0600, dev) < 0)
        return vnic_error_set_errno(err, errno,
                                    _("cannot make %s for the macvtap '%s', which libvirt opens"),
                                    path, f->name),
               -errno;
    *made = vnic_xreallocarray(*made, *nmade + 2, sizeof(char *));
    (*made)[(*nmade)++] = TAKE_PTR(path);
    (*made)[*nmade] = NULL;
    return 0;
}

int vnic_lv_tap_nodes(const vnic_domain_info *info, int which, char ***made, vnic_error **err)
{
    size_t nmade = 0;
    char **list = NULL;
    for (size_t i = 0; i < info->ninterfaces; i++) {
        const vnic_interface_info *f = info->interfaces[i];
        if ((which >= 0 && (size_t)which != i) || !vnic_streq_null(f->backend, "macvtap"))
            continue;
        int r = tap_node(f, &list, &nmade, err);
        if (r < 0) {
            vnic_lv_tap_nodes_drop(list);
            return r;
        }
    }
    *made = list;
    return 0;
}

void vnic_lv_tap_nodes_drop(char **made)
{
    for (size_t i = 0; made && made[i]; i++) {
        (void)unlink(made[i]);
        free(made[i]);
    }
    free(made);
}

int vnic_lv_domain_doc(vnic_conn *conn, const char *name, xmlDoc **ret_doc,
                       vnic_domain_info **ret_info, vnic_error **err)
{
    vnic_domain_info *info = NULL;
    if (vnic_domain_lookup(conn, name, &info, err) < 0)
        return -EINVAL;
    if (!vnic_streq(info->state, "active")) {
        vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is %s, not active"), name,
                       info->state);
        vnic_domain_info_free(info);
        return -EINVAL;
    }
    _cleanup_free_ char *xml = vnic_domain_get_xml(conn, name, 0, err);
    xmlDoc *doc = xml ? vnic_libvirt_doc_read(xml, name, err) : NULL;
    char **devices = vnic_xcalloc(info->ninterfaces + 1, sizeof(char *));
    for (size_t i = 0; i < info->ninterfaces; i++)
        devices[i] = info->interfaces[i]->name;
    int r = doc ? vnic_libvirt_rewrite_doc(doc, devices, info->ninterfaces, err) : -EINVAL;
    free(devices);
    if (r < 0) {
        xmlFreeDoc(doc);
        vnic_domain_info_free(info);
        return r;
    }
    *ret_doc = doc;
    *ret_info = info;
    return 0;
}
