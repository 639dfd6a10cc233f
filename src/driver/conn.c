/* The public API: every call goes through the connection's driver table. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "driver.h"
#include "i18n.h"
#include "strutil.h"
#include "tun.h"

/* Without a URI: root runs the driver in its own process; anyone else asks the daemon, which
 * holds the privileges (and the policy that says what they may do). */
#define VNIC_DEFAULT_URI_ROOT "vnic:///embed"
#define VNIC_DEFAULT_URI_USER "vnic:///system"

/* The flags each entry point knows (its own enum of vnic.h); any other bit is refused first
 * thing. */
#define CREATE_FLAGS                                                                               \
    ((unsigned)(VNIC_CREATE_SKIP_UNSUPPORTED | VNIC_CREATE_NO_SCHEMA | VNIC_CREATE_SUPERVISED))
#define DEFINE_FLAGS ((unsigned)(VNIC_DEFINE_SKIP_UNSUPPORTED | VNIC_DEFINE_NO_SCHEMA))
#define START_FLAGS ((unsigned)VNIC_START_SUPERVISED)
#define ATTACH_FLAGS ((unsigned)(VNIC_ATTACH_SKIP_UNSUPPORTED | VNIC_ATTACH_NO_SCHEMA))

/* Every entry point below runs inside a vnic_api_call (error.h): unknown flags are refused,
 * the driver always gets a non-NULL err (and diags), and whatever negative value comes back
 * leaves this file as -1 with an error set. */
#define API_BEGIN(flags, allowed, err, diags)                                                      \
    vnic_api_call c;                                                                               \
    if (vnic_api_begin(&c, __func__, err, diags, flags, allowed) < 0)                              \
        return vnic_api_end(&c, -EINVAL);

static const vnic_driver *const drivers[] = {
    &vnic_embed_driver,
    &vnic_remote_driver,
};

int vnic_conn_open(const char *uri, vnic_conn **ret, vnic_error **err)
{
    return vnic_conn_open_flags(uri, 0, ret, err);
}

static int conn_open(const char *uri, unsigned flags, vnic_conn **ret, vnic_error **err)
{
    if (!uri || !*uri)
        uri = secure_getenv("VNIC_DEFAULT_URI");
    if (!uri || !*uri)
        uri = geteuid() == 0 ? VNIC_DEFAULT_URI_ROOT : VNIC_DEFAULT_URI_USER;

    for (size_t i = 0; i < ELEMENTSOF(drivers); i++) {
        if (!drivers[i]->probe(uri))
            continue;
        vnic_conn *conn = vnic_xcalloc(1, sizeof(*conn));
        conn->driver = drivers[i];
        conn->uri = vnic_xstrdup(uri);
        int r = conn->driver->open(conn, uri, flags, err);
        if (r < 0) {
            vnic_error_prefix(err, _("cannot connect to '%s'"), uri);
            free(conn->uri);
            free(conn);
            return r;
        }
        *ret = conn;
        return 0;
    }
    return vnic_error_set(err, VNIC_ERR_INVALID, _("no driver serves connection URI '%s'"), uri),
           -EINVAL;
}

int vnic_conn_open_flags(const char *uri, unsigned flags, vnic_conn **ret, vnic_error **err)
{
    API_BEGIN(flags, VNIC_CONN_NO_RECONCILE, err, NULL);
    return vnic_api_end(&c, conn_open(uri, flags, ret, c.err));
}

void vnic_conn_close(vnic_conn *conn)
{
    if (!conn)
        return;
    conn->driver->close(conn);
    free(conn->uri);
    free(conn);
}

static void iface_info_free(vnic_interface_info *i)
{
    if (!i)
        return;
    free(i->alias);
    free(i->type);
    free(i->backend);
    free(i->name);
    free(i->source);
    free(i->mode);
    free(i->model);
    free(i);
}

void vnic_domain_info_free(vnic_domain_info *info)
{
    if (!info)
        return;
    for (size_t i = 0; i < info->ninterfaces; i++)
        iface_info_free(info->interfaces[i]);
    free(info->interfaces);
    free(info->name);
    free(info->uuid);
    free(info->state);
    free(info);
}

void vnic_domain_info_list_free(vnic_domain_info **list, size_t n)
{
    if (!list)
        return;
    for (size_t i = 0; i < n; i++)
        vnic_domain_info_free(list[i]);
    free(list);
}

void vnic_reconcile_actions_free(vnic_reconcile_action **actions, size_t n)
{
    if (!actions)
        return;
    for (size_t i = 0; i < n; i++) {
        if (!actions[i])
            continue;
        free(actions[i]->domain);
        free(actions[i]->device);
        free(actions[i]->action);
        free(actions[i]->message);
        free(actions[i]);
    }
    free(actions);
}

const char *vnic_version(void)
{
    return VNIC_VERSION;
}

/* XML text for a driver: there, and with a name for its diagnostics. */
static int xml_check(const char *xml, const char **docname, vnic_error **err)
{
    if (!xml)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("no XML text given")), -EINVAL;
    if (!*docname)
        *docname = VNIC_XML_DOCNAME_DEFAULT;
    return 0;
}

/* The _file calls read the file here, on the caller's side of any transport, and hand its text
 * on with the path as the document name: the same diagnostics as for the text itself. */
static int read_xml_file(const char *path, char **ret, vnic_diag_list *diags, vnic_error **err)
{
    if (!path)
        return vnic_error_set(err, VNIC_ERR_INVALID, _("no file name given")), -EINVAL;
    return vnic_domain_def_read_file(path, ret, diags, err);
}

static int domain_create(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                         vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err)
{
    int r = xml_check(xml, &docname, err);
    if (r < 0)
        return r;
    return conn->driver->domain_create(conn, xml, docname, flags, ret, diags, err);
}

int vnic_domain_create_xml(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                           vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err)
{
    API_BEGIN(flags, CREATE_FLAGS, err, diags);
    return vnic_api_end(&c, domain_create(conn, xml, docname, flags, ret, c.diags, c.err));
}

int vnic_domain_create_file(vnic_conn *conn, const char *path, unsigned flags,
                            vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err)
{
    API_BEGIN(flags, CREATE_FLAGS, err, diags);
    _cleanup_free_ char *xml = NULL;
    int r = read_xml_file(path, &xml, c.diags, c.err);
    if (r >= 0)
        r = domain_create(conn, xml, path, flags, ret, c.diags, c.err);
    return vnic_api_end(&c, r);
}

int vnic_domain_destroy(vnic_conn *conn, const char *name, vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    return vnic_api_end(&c, conn->driver->domain_destroy(conn, name, c.err));
}

int vnic_domain_follow_libvirt(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err)
{
    API_BEGIN(flags, 0, err, NULL);
    if (!conn->driver->domain_follow_libvirt) {
        vnic_error_set(c.err, VNIC_ERR_UNSUPPORTED,
                       _("only vnicd follows libvirt domains (this is a connection to the %s "
                         "driver)"),
                       conn->driver->name);
        return vnic_api_end(&c, -EOPNOTSUPP);
    }
    return vnic_api_end(&c, conn->driver->domain_follow_libvirt(conn, name, c.err));
}

int vnic_domain_lookup(vnic_conn *conn, const char *name, vnic_domain_info **ret, vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    return vnic_api_end(&c, conn->driver->domain_lookup(conn, name, ret, c.err));
}

int vnic_domain_list(vnic_conn *conn, unsigned flags, vnic_domain_info ***ret, size_t *ret_n,
                     vnic_error **err)
{
    API_BEGIN(flags, VNIC_LIST_ALL, err, NULL);
    /* On success *err may still name an unreadable record (the documented partial result). */
    return vnic_api_end(&c, conn->driver->domain_list(conn, flags, ret, ret_n, c.err));
}

char *vnic_domain_get_xml(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err)
{
    vnic_api_call c;
    if (vnic_api_begin(&c, __func__, err, NULL, flags, VNIC_XML_INACTIVE) < 0)
        return vnic_api_end_ptr(&c, NULL);
    return vnic_api_end_ptr(&c, conn->driver->domain_get_xml(conn, name, flags, c.err));
}

static int domain_define(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                         vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err)
{
    int r = xml_check(xml, &docname, err);
    if (r < 0)
        return r;
    return conn->driver->domain_define(conn, xml, docname, flags, ret, diags, err);
}

int vnic_domain_define_xml(vnic_conn *conn, const char *xml, const char *docname, unsigned flags,
                           vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err)
{
    API_BEGIN(flags, DEFINE_FLAGS, err, diags);
    return vnic_api_end(&c, domain_define(conn, xml, docname, flags, ret, c.diags, c.err));
}

int vnic_domain_define_file(vnic_conn *conn, const char *path, unsigned flags,
                            vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err)
{
    API_BEGIN(flags, DEFINE_FLAGS, err, diags);
    _cleanup_free_ char *xml = NULL;
    int r = read_xml_file(path, &xml, c.diags, c.err);
    if (r >= 0)
        r = domain_define(conn, xml, path, flags, ret, c.diags, c.err);
    return vnic_api_end(&c, r);
}

int vnic_domain_undefine(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err)
{
    API_BEGIN(flags, VNIC_UNDEFINE_DESTROY, err, NULL);
    return vnic_api_end(&c, conn->driver->domain_undefine(conn, name, flags, c.err));
}

int vnic_domain_start(vnic_conn *conn, const char *name, unsigned flags, vnic_domain_info **ret,
                      vnic_error **err)
{
    API_BEGIN(flags, START_FLAGS, err, NULL);
    return vnic_api_end(&c, conn->driver->domain_start(conn, name, flags, ret, c.err));
}

int vnic_reconcile(vnic_conn *conn, unsigned flags, vnic_reconcile_action ***ret, size_t *ret_n,
                   vnic_error **err)
{
    API_BEGIN(flags, (unsigned)(VNIC_RECONCILE_DRY_RUN | VNIC_RECONCILE_QUICK), err, NULL);
    *ret = NULL;
    *ret_n = 0;
    return vnic_api_end(&c, conn->driver->reconcile(conn, flags, ret, ret_n, c.err));
}

int vnic_event_register(vnic_conn *conn, vnic_event_cb cb, void *opaque, int *ret_id,
                        vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    return vnic_api_end(&c, conn->driver->event_register(conn, cb, opaque, ret_id, c.err));
}

int vnic_event_deregister(vnic_conn *conn, int id)
{
    return conn->driver->event_deregister(conn, id) < 0 ? -1 : 0;
}

int vnic_event_run(vnic_conn *conn, int timeout_ms, vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    return vnic_api_end(&c, conn->driver->event_run(conn, timeout_ms, c.err));
}

int vnic_event_get_fd(vnic_conn *conn, vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    return vnic_api_end(&c, conn->driver->event_get_fd(conn, c.err));
}

int vnic_event_dispatch(vnic_conn *conn, vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    int r = conn->driver->event_dispatch(conn, c.err);
    return vnic_api_end(&c, r < 0 ? r : 0);
}

int vnic_domain_open_queues(vnic_conn *conn, const char *name, unsigned index, int **ret_fds,
                            size_t *ret_n, vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    return vnic_api_end(&c,
                        conn->driver->domain_open_queues(conn, name, index, ret_fds, ret_n, c.err));
}

int vnic_domain_open_all_queues(vnic_conn *conn, const char *name, int **ret_fds,
                                size_t **ret_counts, size_t *ret_n, vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    return vnic_api_end(
        &c, conn->driver->domain_open_all_queues(conn, name, ret_fds, ret_counts, ret_n, c.err));
}

/* ---- internal: one snapshot of a domain (snapshot.h) ------------------------------------ */

#define SNAPSHOT_FLAGS                                                                             \
    ((unsigned)(VNIC_SNAPSHOT_FDS | VNIC_SNAPSHOT_START | VNIC_SNAPSHOT_ONE |                      \
                VNIC_SNAPSHOT_SKIP_UNSUPPORTED | VNIC_SNAPSHOT_VHOST))

void vnic_domain_snapshot_free(vnic_domain_snapshot *s)
{
    if (!s)
        return;
    if (s->fds)
        vnic_close_fds(s->fds, s->nfds);
    free(s->fds);
    if (s->vhostfds)
        vnic_close_fds(s->vhostfds, s->nvhostfds);
    free(s->vhostfds);
    free(s->vhost_counts);
    vnic_strv_free(s->ids);
    free(s->counts);
    vnic_domain_info_free(s->info);
    vnic_domain_def_free(s->def);
    free(s);
}

int vnic_conn_domain_snapshot(vnic_conn *conn, const char *name, const char *xml,
                              const char *docname, unsigned index, unsigned flags,
                              vnic_domain_snapshot **ret, vnic_diag_list *diags, vnic_error **err)
{
    API_BEGIN(flags, SNAPSHOT_FLAGS, err, diags);
    /* Either a domain's name or a document (which needs a name for its diagnostics). */
    if (!name == !xml || (xml && !docname)) {
        vnic_error_set(c.err, VNIC_ERR_INTERNAL, _("%s: invalid arguments"), __func__);
        return vnic_api_end(&c, -EINVAL);
    }
    return vnic_api_end(&c, conn->driver->domain_snapshot(conn, name, xml, docname, index, flags,
                                                          ret, c.diags, c.err));
}

static int domain_attach(vnic_conn *conn, const char *name, const char *xml, const char *docname,
                         unsigned flags, unsigned *ret_index, char **ret_alias,
                         vnic_diag_list *diags, vnic_error **err)
{
    int r = xml_check(xml, &docname, err);
    if (r < 0)
        return r;
    return conn->driver->domain_attach_interface(conn, name, xml, docname, flags, ret_index,
                                                 ret_alias, diags, err);
}

int vnic_domain_attach_interface_xml(vnic_conn *conn, const char *name, const char *xml,
                                     const char *docname, unsigned flags, unsigned *ret_index,
                                     vnic_diag_list *diags, vnic_error **err)
{
    API_BEGIN(flags, ATTACH_FLAGS, err, diags);
    return vnic_api_end(
        &c, domain_attach(conn, name, xml, docname, flags, ret_index, NULL, c.diags, c.err));
}

static int attach_file(vnic_conn *conn, const char *name, const char *path, unsigned flags,
                       unsigned *ret_index, char **ret_alias, vnic_diag_list *diags,
                       vnic_error **err)
{
    _cleanup_free_ char *xml = NULL;
    int r = read_xml_file(path, &xml, diags, err);
    if (r >= 0)
        r = domain_attach(conn, name, xml, path, flags, ret_index, ret_alias, diags, err);
    return r;
}

int vnic_domain_attach_interface_file(vnic_conn *conn, const char *name, const char *path,
                                      unsigned flags, unsigned *ret_index, vnic_diag_list *diags,
                                      vnic_error **err)
{
    API_BEGIN(flags, ATTACH_FLAGS, err, diags);
    return vnic_api_end(&c, attach_file(conn, name, path, flags, ret_index, NULL, c.diags, c.err));
}

int vnic_conn_domain_attach_interface_file(vnic_conn *conn, const char *name, const char *path,
                                           unsigned flags, unsigned *ret_index, char **ret_alias,
                                           vnic_diag_list *diags, vnic_error **err)
{
    API_BEGIN(flags, ATTACH_FLAGS, err, diags);
    return vnic_api_end(&c,
                        attach_file(conn, name, path, flags, ret_index, ret_alias, c.diags, c.err));
}

int vnic_conn_domain_attach_interface_xml(vnic_conn *conn, const char *name, const char *xml,
                                          const char *docname, unsigned flags, unsigned *ret_index,
                                          char **ret_alias, vnic_diag_list *diags, vnic_error **err)
{
    API_BEGIN(flags, ATTACH_FLAGS, err, diags);
    return vnic_api_end(
        &c, domain_attach(conn, name, xml, docname, flags, ret_index, ret_alias, c.diags, c.err));
}

int vnic_domain_detach_interface(vnic_conn *conn, const char *name, const char *alias,
                                 vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    return vnic_api_end(&c, conn->driver->domain_detach_interface(conn, name, alias, c.err));
}

/* ---- domiftune ------------------------------------------------------------------------------ */

void vnic_interface_bandwidth_free(vnic_interface_bandwidth *bw)
{
    if (!bw)
        return;
    free(bw->alias);
    free(bw->device);
    free(bw);
}

int vnic_domain_get_interface_bandwidth(vnic_conn *conn, const char *name, const char *iface,
                                        vnic_interface_bandwidth **ret, vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    if (!iface)
        return vnic_api_end(&c, (vnic_error_set(c.err, VNIC_ERR_INVALID,
                                                _("no interface given (an alias, a device name "
                                                  "or a MAC)")),
                                 -EINVAL));
    if (!ret)
        return vnic_api_end(
            &c,
            (vnic_error_set(c.err, VNIC_ERR_INVALID, _("no place for the result given")), -EINVAL));
    return vnic_api_end(
        &c, conn->driver->domain_get_interface_bandwidth(conn, name, iface, ret, c.err));
}

int vnic_domain_set_interface_bandwidth(vnic_conn *conn, const char *name, const char *iface,
                                        const unsigned long long *inbound,
                                        const unsigned long long *outbound, vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    if (!iface)
        return vnic_api_end(&c, (vnic_error_set(c.err, VNIC_ERR_INVALID,
                                                _("no interface given (an alias, a device name "
                                                  "or a MAC)")),
                                 -EINVAL));
    return vnic_api_end(&c, conn->driver->domain_set_interface_bandwidth(conn, name, iface, inbound,
                                                                         outbound, c.err));
}
