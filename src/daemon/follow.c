/* vnicd follows libvirt domains (vnic_domain_follow_libvirt): a vnic domain that run --libvirt
 * started through vnicd lives as long as libvirt runs its libvirt domain, whether or not the
 * client stays. The libvirt URI and the domain's UUID are read from the <vnic:libvirt> mark in
 * the vnic domain's runtime state, never taken from the caller, and only a local libvirt
 * daemon (qemu:///system) is asked: vnicd is root, and must not be made to open libvirt's
 * in-process driver (which runs QEMU as vnicd) or a connection to another host.
 *
 * One libvirt connection for every followed domain, with one lifecycle callback for all of
 * them (keyed by UUID), run on libvirt's default event loop thread (libvirt_conn.c). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "cleanup.h"
#include "daemon.h"
#include "follow.h"
#include "i18n.h"
#include "libvirt_conn.h"
#include "libvirt_xml.h"
#include "strutil.h"

#define FOLLOW_URI "qemu:///system"
/* After the connection to libvirtd is lost: a new one is tried every RECOVER_PAUSE seconds,
 * RECOVER_TRIES times (libvirtd restarting takes seconds; a libvirtd that stays away longer is
 * noticed at the next follow, or vnicd's next start). */
#define RECOVER_PAUSE 2
#define RECOVER_TRIES 150

typedef struct {
    char *name; /* the vnic domain */
    char *uuid; /* the libvirt domain */
} followed;

/* F.lock guards the list and the connection's fields; no libvirt or vnic call is made with it
 * held, so that libvirt's event thread (which takes it in the callbacks) never waits on a
 * call that waits on that thread. */
static struct {
    pthread_mutex_t lock;
    pthread_mutex_t open_lock; /* one opener of the connection at a time */
    vnicd_server *srv;
    virConnectPtr lv;
    int cb_id;       /* the lifecycle callback's, on lv (only the opener touches it) */
    bool lost;       /* the connection closed: the next follow opens a new one */
    bool recovering; /* a thread is reconnecting */
    followed *doms;
    size_t n;
} F = {.lock = PTHREAD_MUTEX_INITIALIZER, .open_lock = PTHREAD_MUTEX_INITIALIZER};

/* Take the entry of UUID (or of NAME) off the list: its vnic domain name, or NULL. */
static char *take(const char *uuid, const char *name)
{
    char *found = NULL;
    pthread_mutex_lock(&F.lock);
    for (size_t i = 0; i < F.n; i++)
        if ((uuid && vnic_streq(F.doms[i].uuid, uuid)) ||
            (name && vnic_streq(F.doms[i].name, name))) {
            found = F.doms[i].name;
            free(F.doms[i].uuid);
            F.doms[i] = F.doms[--F.n];
            break;
        }
    pthread_mutex_unlock(&F.lock);
    return found;
}

/* Is NAME, running, still the vnic domain marked for libvirt's domain UUID? It may have been
 * destroyed (and another started under its name) since it was followed. */
static bool still_marked(vnic_conn *conn, const char *name, const char *uuid)
{
    _cleanup_free_ char *xml = vnic_domain_get_xml(conn, name, 0, NULL);
    _cleanup_free_ char *muri = NULL;
    _cleanup_free_ char *muuid = NULL;
    return xml && vnic_libvirt_mark_read(xml, &muri, &muuid) == 0 && vnic_streq(muuid, uuid);
}

/* libvirt no longer runs the domain UUID: its vnic domain NAME goes, on a connection of its
 * own (the embedded driver's locks order it with the clients' calls). */
static void destroy_vnic(const char *name, const char *uuid, const char *why)
{
    vnic_conn *conn = NULL;
    _cleanup_error_ vnic_error *err = NULL;
    vnic_domain_info *info = NULL;
    if (vnic_conn_open_flags(F.srv->uri, VNIC_CONN_NO_RECONCILE, &conn, &err) < 0) {
        vnicd_log(LOG_WARNING, "libvirt %s domain '%s', but it cannot be destroyed: %s", why, name,
                  err->message);
        return;
    }
    if (!still_marked(conn, name, uuid)) {
        vnic_conn_close(conn);
        return; /* destroyed meanwhile: nothing of it is left to follow */
    }
    bool transient = vnic_domain_lookup(conn, name, &info, NULL) == 0 && !info->persistent;
    vnic_domain_info_free(info);
    if (vnic_domain_destroy(conn, name, &err) < 0) {
        vnicd_log(LOG_WARNING, "libvirt %s domain '%s', but it cannot be destroyed: %s", why, name,
                  err->message);
    } else {
        if (transient)
            vnicd_access_forget(F.srv->access, name);
        vnicd_log(LOG_INFO, "libvirt %s domain '%s': destroyed", why, name);
    }
    vnic_conn_close(conn);
}

static int on_lifecycle(virConnectPtr c, virDomainPtr d, int event, int detail, void *opaque)
{
    (void)c;
    (void)detail;
    (void)opaque;
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (event != VIR_DOMAIN_EVENT_STOPPED || vnic_virt()->virDomainGetUUIDString(d, uuid) < 0)
        return 0;
    _cleanup_free_ char *name = take(uuid, NULL);
    if (name)
        destroy_vnic(name, uuid, "stopped");
    return 0;
}

static virConnectPtr connection(vnic_error **err);

/* With a new connection: what stopped while none was there is removed. */
static void recheck(virConnectPtr lv)
{
    pthread_mutex_lock(&F.lock);
    size_t n = F.n;
    char **uuids = vnic_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        uuids[i] = vnic_xstrdup(F.doms[i].uuid);
    pthread_mutex_unlock(&F.lock);
    for (size_t i = 0; i < n; i++) {
        _cleanup_error_ vnic_error *err = NULL;
        if (vnic_lv_runs(lv, uuids[i], &err) != 0)
            continue; /* runs, or libvirt cannot say: it stays followed */
        _cleanup_free_ char *name = take(uuids[i], NULL);
        if (name)
            destroy_vnic(name, uuids[i], "no longer runs");
    }
    vnic_strv_free(uuids);
}

static void *recover(void *arg)
{
    (void)arg;
    virConnectPtr lv = NULL;
    for (int i = 0; i < RECOVER_TRIES && !lv; i++) {
        sleep(RECOVER_PAUSE);
        _cleanup_error_ vnic_error *err = NULL;
        lv = connection(&err);
    }
    pthread_mutex_lock(&F.lock);
    F.recovering = false;
    pthread_mutex_unlock(&F.lock);
    if (!lv) {
        vnicd_log(LOG_WARNING,
                  "cannot connect to libvirt at %s again; its domains are followed "
                  "again at the next FollowLibvirt or start of vnicd",
                  FOLLOW_URI);
        return NULL;
    }
    vnicd_log(LOG_INFO, "connected to libvirt at %s again", FOLLOW_URI);
    recheck(lv);
    vnic_virt()->virConnectClose(lv);
    return NULL;
}

/* Runs on libvirt's event thread, which must not wait for libvirt: the new connection is made
 * by a thread of its own. */
static void on_close(virConnectPtr c, int reason, void *opaque)
{
    (void)c;
    (void)opaque;
    vnicd_log(LOG_WARNING, "the connection to libvirt at %s closed (reason %d)", FOLLOW_URI,
              reason);
    pthread_mutex_lock(&F.lock);
    F.lost = true;
    bool start = !F.recovering;
    F.recovering = true;
    pthread_mutex_unlock(&F.lock);
    pthread_t t;
    if (start && pthread_create(&t, NULL, recover, NULL) == 0) {
        pthread_detach(t);
    } else if (start) {
        pthread_mutex_lock(&F.lock);
        F.recovering = false;
        pthread_mutex_unlock(&F.lock);
    }
}

/* The connection, opened (again, after a loss) when needed; a reference the caller closes. */
static virConnectPtr connection(vnic_error **err)
{
    pthread_mutex_lock(&F.open_lock);
    pthread_mutex_lock(&F.lock);
    virConnectPtr lv = F.lost ? NULL : F.lv;
    virConnectPtr old = F.lost ? TAKE_PTR(F.lv) : NULL;
    F.lost = false;
    pthread_mutex_unlock(&F.lock);
    if (old) {
        /* Best effort on a connection that is gone: its errors say nothing new. */
        (void)vnic_virt()->virConnectDomainEventDeregisterAny(old, F.cb_id);
        (void)vnic_virt()->virConnectUnregisterCloseCallback(old, on_close);
        vnic_virt()->virResetLastError();
        vnic_virt()->virConnectClose(old);
    }
    if (!lv) {
        if (vnic_lv_open(FOLLOW_URI, &lv, err) < 0) {
            lv = NULL;
        } else if ((F.cb_id = vnic_virt()->virConnectDomainEventRegisterAny(
                        lv, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                        VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), NULL, NULL)) < 0) {
            vnic_lv_error(err, _("cannot follow libvirt's events"));
            vnic_virt()->virConnectClose(lv);
            lv = NULL;
        } else {
            if (vnic_virt()->virConnectRegisterCloseCallback(lv, on_close, NULL, NULL) < 0)
                vnic_virt()->virResetLastError();
            pthread_mutex_lock(&F.lock);
            F.lv = lv;
            pthread_mutex_unlock(&F.lock);
        }
    }
    if (lv)
        vnic_virt()->virConnectRef(lv);
    pthread_mutex_unlock(&F.open_lock);
    return lv;
}

int vnicd_follow(vnicd_server *srv, vnic_conn *conn, const char *name, vnic_error **err)
{
    (void)srv; /* vnicd_follow_rearm's, from before any client */
    vnic_domain_info *info = NULL;
    if (vnic_domain_lookup(conn, name, &info, err) < 0)
        return -ENOENT;
    bool active = vnic_streq(info->state, "active") || vnic_streq(info->state, "degraded");
    vnic_domain_info_free(info);
    if (!active)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("domain '%s' is not running"), name),
               -EINVAL;
    _cleanup_free_ char *xml = vnic_domain_get_xml(conn, name, 0, err);
    if (!xml)
        return -EIO;
    _cleanup_free_ char *uri = NULL;
    _cleanup_free_ char *uuid = NULL;
    if (vnic_libvirt_mark_read(xml, &uri, &uuid) < 0)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("domain '%s' was not started for libvirt (its runtime state has "
                                "no <vnic:libvirt> mark)"),
                              name),
               -EINVAL;
    if (!vnic_streq(uri, FOLLOW_URI))
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("domain '%s': vnicd follows only domains of the local libvirt "
                                "daemon (%s), not of '%s'"),
                              name, FOLLOW_URI, uri),
               -EPERM;
    virConnectPtr lv = connection(err);
    if (!lv)
        return -EIO;
    /* On the list before libvirt is asked, so that a stop in between is seen either way. */
    free(take(NULL, name));
    pthread_mutex_lock(&F.lock);
    F.doms = vnic_xreallocarray(F.doms, F.n + 1, sizeof(*F.doms));
    F.doms[F.n++] = (followed){vnic_xstrdup(name), vnic_xstrdup(uuid)};
    pthread_mutex_unlock(&F.lock);
    int r = vnic_lv_runs(lv, uuid, err);
    vnic_virt()->virConnectClose(lv);
    if (r < 0) {
        free(take(NULL, name));
        return r;
    }
    if (r == 0) {
        _cleanup_free_ char *gone = take(uuid, NULL);
        if (gone)
            destroy_vnic(gone, uuid, "no longer runs");
        return 0;
    }
    vnicd_log(LOG_INFO, "following libvirt's domain %s at %s for domain '%s'", uuid, uri, name);
    return 0;
}

void vnicd_follow_rearm(vnicd_server *srv, vnic_conn *conn)
{
    F.srv = srv;
    vnic_domain_info **list = NULL;
    size_t n = 0;
    _cleanup_error_ vnic_error *lerr = NULL;
    (void)vnic_domain_list(conn, 0, &list, &n, &lerr);
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *xml = vnic_domain_get_xml(conn, list[i]->name, 0, NULL);
        _cleanup_free_ char *uri = NULL;
        _cleanup_free_ char *uuid = NULL;
        if (!xml || vnic_libvirt_mark_read(xml, &uri, &uuid) < 0 || !vnic_streq(uri, FOLLOW_URI))
            continue; /* other libvirts are reconcile's (vnicsh reconcile --libvirt) */
        _cleanup_error_ vnic_error *err = NULL;
        if (vnicd_follow(srv, conn, list[i]->name, &err) < 0)
            vnicd_log(LOG_WARNING, "cannot follow domain '%s' in libvirt again: %s", list[i]->name,
                      err && err->message ? err->message : "?");
    }
    vnic_domain_info_list_free(list, n);
}
