/* Reaching libvirt through its public API: connections, errors, the domain as libvirt gets it. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "i18n.h"
#include "libvirt_conn.h"
#include "libvirt_xml.h"
#include "strutil.h"

static pthread_once_t loop_once = PTHREAD_ONCE_INIT;
static int loop_error; /* 0, or the negative errno of the loop's setup */

static void *loop_thread(void *arg)
{
    (void)arg;
    for (;;)
        if (vnic_virt()->virEventRunDefaultImpl() < 0)
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
    vnic_virt()->virSetErrorFunc(NULL, quiet);
    if (vnic_virt()->virEventRegisterDefaultImpl() < 0) {
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
    const char *msg = vnic_virt()->virGetLastErrorMessage();
    vnic_error_set(err, VNIC_ERR_IO, "%s: %s", what, msg ? msg : _("unknown libvirt error"));
    vnic_virt()->virResetLastError();
    return -EIO;
}

int vnic_lv_open(const char *uri, virConnectPtr *ret, vnic_error **err)
{
    int r = vnic_virt_load(err);
    if (r < 0)
        return r;
    pthread_once(&loop_once, loop_start);
    if (loop_error == -EIO)
        return vnic_lv_error(err, _("cannot start libvirt's event loop"));
    if (loop_error < 0)
        return vnic_error_set_errno(err, -loop_error,
                                    _("cannot start a thread for libvirt's event loop")),
               loop_error;
    virConnectPtr c = vnic_virt()->virConnectOpen(uri);
    if (!c)
        return vnic_lv_error(err, _("cannot connect to libvirt at '%s'"), uri);
    *ret = c;
    return 0;
}

int vnic_lv_runs(virConnectPtr lv, const char *uuid, vnic_error **err)
{
    virDomainPtr d = vnic_virt()->virDomainLookupByUUIDString(lv, uuid);
    if (!d) {
        virErrorPtr e = vnic_virt()->virGetLastError();
        if (e && e->code == VIR_ERR_NO_DOMAIN) {
            vnic_virt()->virResetLastError();
            return 0;
        }
        return vnic_lv_error(err, _("cannot look up domain %s"), uuid);
    }
    int active = vnic_virt()->virDomainIsActive(d);
    vnic_virt()->virDomainFree(d);
    if (active < 0)
        return vnic_lv_error(err, _("cannot tell whether domain %s runs"), uuid);
    return active == 1;
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
