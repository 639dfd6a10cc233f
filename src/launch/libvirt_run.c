/* vnicsh run --libvirt and dumpxml --libvirt: vnic makes the devices, libvirt runs the domain
 * on them (virDomainCreateXML), and vnic follows it with libvirt's events until it stops, then
 * removes the devices. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cleanup.h"
#include "domain_conf.h"
#include "i18n.h"
#include "launch.h"
#include "libvirt_conn.h"
#include "libvirt_xml.h"
#include "strutil.h"
#include "xml_cleanup.h"

/* What libvirt's event loop thread tells the waiting thread: set under lock, announced by a
 * byte on the pipe. */
typedef struct {
    pthread_mutex_t lock;
    int wake[2];
    const char *name; /* the libvirt domain followed */
    bool stopped;
    int detail; /* of the STOPPED event */
    bool crashed;
    bool lost;            /* the connection to libvirt closed */
    bool devices_changed; /* a device was added or removed */
    char **removed;       /* aliases libvirt reported removed, NULL-terminated */
    size_t nremoved;
} lv_watch;

static void wake(lv_watch *w)
{
    (void)!write(w->wake[1], "x", 1); /* non-blocking: a full pipe already wakes */
}

static bool ours(lv_watch *w, virDomainPtr d)
{
    const char *n = vnic_virt()->virDomainGetName(d);
    return n && vnic_streq(n, w->name);
}

static int on_lifecycle(virConnectPtr c, virDomainPtr d, int event, int detail, void *opaque)
{
    (void)c;
    lv_watch *w = opaque;
    if (!ours(w, d))
        return 0;
    pthread_mutex_lock(&w->lock);
    if (event == VIR_DOMAIN_EVENT_STOPPED) {
        w->stopped = true;
        w->detail = detail;
    } else if (event == VIR_DOMAIN_EVENT_CRASHED) {
        w->crashed = true;
    }
    pthread_mutex_unlock(&w->lock);
    wake(w);
    return 0;
}

static void on_removed(virConnectPtr c, virDomainPtr d, const char *alias, void *opaque)
{
    (void)c;
    lv_watch *w = opaque;
    if (!ours(w, d) || !alias)
        return;
    pthread_mutex_lock(&w->lock);
    w->removed = vnic_xreallocarray(w->removed, w->nremoved + 2, sizeof(char *));
    w->removed[w->nremoved++] = vnic_xstrdup(alias);
    w->removed[w->nremoved] = NULL;
    w->devices_changed = true;
    pthread_mutex_unlock(&w->lock);
    wake(w);
}

static void on_added(virConnectPtr c, virDomainPtr d, const char *alias, void *opaque)
{
    (void)c;
    (void)alias;
    lv_watch *w = opaque;
    if (!ours(w, d))
        return;
    pthread_mutex_lock(&w->lock);
    w->devices_changed = true;
    pthread_mutex_unlock(&w->lock);
    wake(w);
}

static void on_close(virConnectPtr c, int reason, void *opaque)
{
    (void)c;
    (void)reason;
    lv_watch *w = opaque;
    pthread_mutex_lock(&w->lock);
    w->lost = true;
    pthread_mutex_unlock(&w->lock);
    wake(w);
}

static int end_status(int detail, bool crashed)
{
    switch (detail) {
    case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:
        return VNIC_LIBVIRT_END_SHUTDOWN;
    case VIR_DOMAIN_EVENT_STOPPED_DESTROYED:
        return crashed ? VNIC_LIBVIRT_END_CRASHED : VNIC_LIBVIRT_END_DESTROYED;
    case VIR_DOMAIN_EVENT_STOPPED_CRASHED:
        return VNIC_LIBVIRT_END_CRASHED;
    case VIR_DOMAIN_EVENT_STOPPED_FAILED:
        return VNIC_LIBVIRT_END_FAILED;
    default:
        return VNIC_LIBVIRT_END_OTHER;
    }
}

/* libvirt's alias -> host device, from its live XML: which vnic device a removed alias was. */
typedef struct {
    char **aliases;
    char **devices;
    size_t n;
} alias_map;

static void alias_map_clear(alias_map *m)
{
    vnic_strv_free(m->aliases);
    vnic_strv_free(m->devices);
    *m = (alias_map){0};
}

static void alias_map_refresh(alias_map *m, virDomainPtr dom)
{
    char *xml = vnic_virt()->virDomainGetXMLDesc(dom, 0);
    if (!xml) {
        vnic_virt()->virResetLastError(); /* the domain is going: the map stays as it was */
        return;
    }
    alias_map fresh = {0};
    size_t n1 = 0, n2 = 0;
    if (vnic_libvirt_iface_attrs(xml, "alias", "name", &fresh.aliases, &n1, NULL) == 0 &&
        vnic_libvirt_iface_attrs(xml, "target", "dev", &fresh.devices, &n2, NULL) == 0 &&
        n1 == n2) {
        fresh.n = n1;
        alias_map_clear(m);
        *m = fresh;
    } else {
        alias_map_clear(&fresh);
    }
    free(xml);
}

/* Remove from vnic's domain NAME the devices libvirt reported removed from the guest. A
 * device vnic no longer has (a detach-interface --libvirt got there first) is fine. */
static void drop_removed(vnic_conn *conn, const char *name, const alias_map *m, char **removed)
{
    for (size_t i = 0; removed && removed[i]; i++)
        for (size_t k = 0; k < m->n; k++)
            if (vnic_streq(m->aliases[k], removed[i]) && m->devices[k][0]) {
                vnic_error *e = NULL;
                (void)vnic_domain_detach_interface(conn, name, m->devices[k], &e);
                vnic_error_free(e);
            }
}

/* A random (version 4) UUID for a libvirt domain whose XML has none. */
static int random_uuid(char ret[VIR_UUID_STRING_BUFLEN], vnic_error **err)
{
    unsigned char b[16];
    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
        return vnic_error_set_errno(err, errno, _("cannot make a UUID")), -EIO;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(ret, VIR_UUID_STRING_BUFLEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return 0;
}

/* The vnic domain document XML (named DOCNAME) as vnic starts it: with the <vnic:libvirt>
 * mark naming URI and the libvirt domain's UUID (the document's; else that of the inactive
 * domain libvirt has defined under its name; else a new one, given to libvirt too), so that the
 * domain's runtime state says which libvirt runs it, for reconcile. */
static char *marked_doc(virConnectPtr lv, const char *uri, char *xml, const char *docname,
                        unsigned pflags, vnic_diag_list *diags, vnic_error **err)
{
    _cleanup_free_ char *text = xml;
    _cleanup_(vnic_domain_def_freep) vnic_domain_def *def = NULL;
    if (vnic_domain_def_parse_string(text, docname, pflags, &def, diags, err) < 0)
        return NULL;
    if (!def->name) /* a standalone <interface>: create says why it is refused */
        return TAKE_PTR(text);
    char uuid[VIR_UUID_STRING_BUFLEN] = "";
    if (def->uuid) {
        vnic_strlcpy(uuid, def->uuid, sizeof(uuid));
    } else {
        virDomainPtr old = vnic_virt()->virDomainLookupByName(lv, def->name);
        if (!old || vnic_virt()->virDomainGetUUIDString(old, uuid) < 0)
            uuid[0] = '\0';
        vnic_virt()->virResetLastError();
        if (old)
            vnic_virt()->virDomainFree(old);
        if (!uuid[0] && random_uuid(uuid, err) < 0)
            return NULL;
    }
    char *marked = vnic_libvirt_mark_xml(text, uri, uuid, !def->uuid);
    return marked ? marked : TAKE_PTR(text);
}

/* Start the vnic domain NAME, defined and inactive, with the mark in the runtime state only:
 * the marked definition is stored for the start and the one read before is put back right
 * after, so that a later start that is not libvirt's (vnicsh start, run) carries no mark that
 * would have reconcile ask libvirt about it. */
static int start_marked(vnic_conn *conn, virConnectPtr lv, const char *uri, const char *name,
                        unsigned flags, vnic_domain_info **ret, vnic_diag_list *diags,
                        vnic_error **err)
{
    bool skip = flags & VNIC_RUN_LIBVIRT_SKIP_UNSUPPORTED;
    unsigned dflags = skip ? VNIC_DEFINE_SKIP_UNSUPPORTED : 0;
    _cleanup_free_ char *orig = vnic_domain_get_xml(conn, name, VNIC_XML_INACTIVE, err);
    if (!orig)
        return -EINVAL;
    _cleanup_free_ char *marked = marked_doc(lv, uri, vnic_xstrdup(orig), name,
                                             skip ? VNIC_PARSE_SKIP_UNSUPPORTED : 0, diags, err);
    if (!marked)
        return -EINVAL;
    /* A caller vnicd lets start but not define the domain starts it unmarked: run --libvirt
     * still follows it, only reconcile cannot tell once run --libvirt is gone. */
    vnic_domain_info *info = NULL;
    vnic_error *e = NULL;
    if (vnic_domain_define_xml(conn, marked, name, dflags, &info, NULL, &e) < 0) {
        vnic_error_free(e);
        return vnic_domain_start(conn, name, 0, ret, err);
    }
    vnic_domain_info_free(info);
    int r = vnic_domain_start(conn, name, 0, ret, err);
    /* Put back even when the start failed. A failure here does not fail the start: the
     * domain runs, with the mark where reconcile reads it. */
    e = NULL;
    info = NULL;
    if (vnic_domain_define_xml(conn, orig, name, dflags, &info, NULL, &e) == 0)
        vnic_domain_info_free(info);
    vnic_error_free(e);
    return r;
}

/* Start (or take) the vnic domain TARGET: *ret_name and whether this call started it. */
static int start_vnic(vnic_conn *conn, virConnectPtr lv, const char *uri, const char *target,
                      unsigned flags, char **ret_name, bool *ret_started, vnic_diag_list *diags,
                      vnic_error **err)
{
    vnic_domain_info *info = NULL;
    int r;
    if (vnic_launch_target_is_file(target)) {
        bool skip = flags & VNIC_RUN_LIBVIRT_SKIP_UNSUPPORTED;
        char *text = NULL;
        if (vnic_domain_def_read_file(target, &text, diags, err) < 0)
            return -EINVAL;
        _cleanup_free_ char *xml =
            marked_doc(lv, uri, text, target, skip ? VNIC_PARSE_SKIP_UNSUPPORTED : 0, diags, err);
        if (!xml)
            return -EINVAL;
        r = vnic_domain_create_xml(conn, xml, target, skip ? VNIC_CREATE_SKIP_UNSUPPORTED : 0,
                                   &info, diags, err);
        *ret_started = r == 0;
    } else {
        r = vnic_domain_lookup(conn, target, &info, err);
        *ret_started = false;
        if (r == 0 && vnic_streq(info->state, "defined")) {
            vnic_domain_info_free(info);
            info = NULL;
            r = start_marked(conn, lv, uri, target, flags, &info, diags, err);
            *ret_started = r == 0;
        }
    }
    if (r < 0)
        return -EINVAL;
    *ret_name = vnic_xstrdup(info->name);
    vnic_domain_info_free(info);
    return 0;
}

/* The rewritten domain, with the UUID of the inactive domain libvirt has defined under its name
 * (so that libvirt starts that one); a domain libvirt already runs is refused. */
static char *libvirt_xml_for(vnic_conn *conn, virConnectPtr lv, const char *name,
                             vnic_domain_info **ret_info, vnic_error **err)
{
    _cleanup_xmldoc_ xmlDoc *doc = NULL;
    if (vnic_lv_domain_doc(conn, name, &doc, ret_info, err) < 0)
        return NULL;
    virDomainPtr old = vnic_virt()->virDomainLookupByName(lv, name);
    if (!old) {
        vnic_virt()->virResetLastError();
        return vnic_libvirt_doc_format(doc);
    }
    char uuid[VIR_UUID_STRING_BUFLEN];
    int active = vnic_virt()->virDomainIsActive(old);
    int got = vnic_virt()->virDomainGetUUIDString(old, uuid);
    vnic_virt()->virDomainFree(old);
    if (active != 0 || got < 0) {
        vnic_domain_info_free(TAKE_PTR(*ret_info));
        if (active < 0 || got < 0)
            return vnic_lv_error(err, _("cannot examine libvirt's domain '%s'"), name), NULL;
        return vnic_error_set(err, VNIC_ERR_INVALID, _("libvirt already runs a domain '%s'"), name),
               NULL;
    }
    vnic_libvirt_doc_set_uuid(doc, uuid);
    return vnic_libvirt_doc_format(doc);
}

static int follow(vnic_conn *conn, virConnectPtr lv, virDomainPtr dom, const char *name,
                  lv_watch *w, int sfd, int *ret_status, vnic_error **err)
{
    alias_map map = {0};
    alias_map_refresh(&map, dom);
    int signo = 0;
    int r = 0;
    for (;;) {
        struct pollfd p[2] = {{.fd = w->wake[0], .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            vnic_error_set_errno(err, -r, _("cannot wait for libvirt's events"));
            break;
        }
        if (p[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si) && !signo) {
                signo = (int)si.ssi_signo;
                /* Told to stop: the domain goes (as QEMU goes on SIGTERM under vnicsh run),
                 * and its STOPPED event ends the wait as any other end does. */
                if (vnic_virt()->virDomainDestroy(dom) < 0)
                    vnic_virt()->virResetLastError(); /* already stopping: its event comes */
            }
        }
        char buf[64];
        while (read(w->wake[0], buf, sizeof(buf)) > 0)
            ;
        pthread_mutex_lock(&w->lock);
        char **removed = TAKE_PTR(w->removed);
        w->nremoved = 0;
        bool stopped = w->stopped, crashed = w->crashed, lost = w->lost;
        bool changed = w->devices_changed;
        w->devices_changed = false;
        int detail = w->detail;
        pthread_mutex_unlock(&w->lock);

        drop_removed(conn, name, &map, removed);
        vnic_strv_free(removed);
        if (changed && !stopped)
            alias_map_refresh(&map, dom);
        if (stopped) {
            *ret_status =
                signo ? VNIC_LIBVIRT_END_SIGNAL_BASE + signo : end_status(detail, crashed);
            break;
        }
        if (lost) {
            r = -ECONNRESET;
            vnic_error_set(err, VNIC_ERR_IO,
                           _("the connection to libvirt was lost while it ran domain '%s'; its "
                             "devices are left as they are"),
                           name);
            break;
        }
    }
    (void)lv;
    alias_map_clear(&map);
    return r;
}

/* vnic_launch_destroy for a domain vnicd follows too: vnicd may have destroyed it first, which
 * is no failure. */
static int destroy_followed(vnic_conn *conn, const char *name, int r, vnic_error **err)
{
    vnic_error *derr = NULL;
    if (vnic_domain_destroy(conn, name, &derr) == 0) {
        return r;
    }
    vnic_domain_info *info = NULL;
    bool gone = vnic_domain_lookup(conn, name, &info, NULL) < 0 ||
                !(vnic_streq(info->state, "active") || vnic_streq(info->state, "degraded"));
    vnic_domain_info_free(info);
    if (gone || r < 0) {
        vnic_error_free(derr);
        return r;
    }
    *err = derr;
    return -EIO;
}

static int run_libvirt(vnic_conn *conn, const char *uri, const char *target, unsigned flags,
                       int *ret_status, vnic_diag_list *diags, vnic_error **err)
{
    if (!uri || !target)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("no libvirt URI or domain given")), -EINVAL;

    /* Blocked before libvirt starts any thread from this one (its embedded driver does), so
     * that no thread takes them with the default action: they are read from a signalfd. */
    sigset_t sigs, old;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, &old);

    lv_watch w = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = {-1, -1}};
    _cleanup_free_ char *name = NULL;
    _cleanup_free_ char *xml = NULL;
    vnic_domain_info *info = NULL;
    vnic_lv_nodes *made = NULL;
    bool started = false;
    virConnectPtr lv = NULL;
    virDomainPtr dom = NULL;
    int ids[3] = {-1, -1, -1};
    bool close_cb = false;
    bool followed = false;
    int sfd = -1;
    int r;

    if ((r = vnic_lv_open(uri, &lv, err)) < 0)
        goto out;
    if ((r = start_vnic(conn, lv, uri, target, flags, &name, &started, diags, err)) < 0)
        goto out;
    w.name = name;
    if (!(xml = libvirt_xml_for(conn, lv, name, &info, err))) {
        r = -EINVAL;
        goto out;
    }
    sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0 || pipe2(w.wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        r = -errno;
        vnic_error_set_errno(err, -r, _("cannot set up the wait for libvirt's events"));
        goto out;
    }
    /* Registered before the domain exists, so that no end goes unseen. */
    ids[0] = vnic_virt()->virConnectDomainEventRegisterAny(
        lv, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), &w, NULL);
    ids[1] = vnic_virt()->virConnectDomainEventRegisterAny(
        lv, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, VIR_DOMAIN_EVENT_CALLBACK(on_removed), &w,
        NULL);
    ids[2] = vnic_virt()->virConnectDomainEventRegisterAny(
        lv, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, VIR_DOMAIN_EVENT_CALLBACK(on_added), &w, NULL);
    if (ids[0] < 0 || ids[1] < 0 || ids[2] < 0) {
        r = vnic_lv_error(err, _("cannot follow libvirt's events"));
        goto out;
    }
    close_cb = vnic_virt()->virConnectRegisterCloseCallback(lv, on_close, &w, NULL) == 0;
    if (!close_cb)
        vnic_virt()->virResetLastError(); /* the embedded driver has no connection to lose */

    if ((r = vnic_lv_tap_nodes(info, -1, &made, err)) < 0)
        goto out;
    dom = vnic_virt()->virDomainCreateXML(lv, xml, 0);
    vnic_lv_tap_nodes_drop(TAKE_PTR(made));
    if (!dom) {
        r = vnic_lv_error(err, _("libvirt did not start domain '%s'"), name);
        goto out;
    }
    /* Through vnicd, vnicd follows the domain too, so that its devices outlive this call only
     * as long as libvirt runs it (the embedded driver says it cannot: nothing to do). A refusal
     * (a libvirt vnicd does not follow) leaves the following to this call alone. */
    if (started) {
        vnic_error *e = NULL;
        followed = vnic_domain_follow_libvirt(conn, name, 0, &e) == 0;
        vnic_error_free(e);
    }
    r = follow(conn, lv, dom, name, &w, sfd, ret_status, err);
    if (r == -ECONNRESET)
        started = false; /* the domain may still run: its devices stay */

out:
    vnic_lv_tap_nodes_drop(made);
    for (int i = 0; i < 3; i++)
        if (ids[i] >= 0)
            vnic_virt()->virConnectDomainEventDeregisterAny(lv, ids[i]);
    if (close_cb)
        vnic_virt()->virConnectUnregisterCloseCallback(lv, on_close);
    if (dom)
        vnic_virt()->virDomainFree(dom);
    if (lv)
        vnic_virt()->virConnectClose(lv);
    vnic_domain_info_free(info);
    if (started && followed)
        r = destroy_followed(conn, name, r, err);
    else if (started)
        r = vnic_launch_destroy(conn, name, r, err);
    if (sfd >= 0)
        close(sfd);
    for (int i = 0; i < 2; i++)
        if (w.wake[i] >= 0)
            close(w.wake[i]);
    vnic_strv_free(w.removed);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return r;
}

static char *libvirt_xml(vnic_conn *conn, const char *name, vnic_error **err)
{
    _cleanup_xmldoc_ xmlDoc *doc = NULL;
    vnic_domain_info *info = NULL;
    if (vnic_lv_domain_doc(conn, name, &doc, &info, err) < 0)
        return NULL;
    vnic_domain_info_free(info);
    return vnic_libvirt_doc_format(doc);
}

/* The public entry points. */

char *vnic_domain_get_libvirt_xml(vnic_conn *conn, const char *name, unsigned flags,
                                  vnic_error **err)
{
    vnic_api_call c;
    if (vnic_api_begin(&c, __func__, err, NULL, flags, 0) < 0)
        return vnic_api_end_ptr(&c, NULL);
    return vnic_api_end_ptr(&c, libvirt_xml(conn, name, c.err));
}

int vnic_run_libvirt(vnic_conn *conn, const char *libvirt_uri, const char *target, unsigned flags,
                     int *ret_status, vnic_diag_list *diags, vnic_error **err)
{
    vnic_api_call c;
    if (vnic_api_begin(&c, __func__, err, diags, flags, VNIC_RUN_LIBVIRT_SKIP_UNSUPPORTED) < 0)
        return vnic_api_end(&c, -EINVAL);
    return vnic_api_end(&c,
                        run_libvirt(conn, libvirt_uri, target, flags, ret_status, c.diags, c.err));
}
