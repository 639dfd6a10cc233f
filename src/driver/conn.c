/* The public API: every call goes through the connection's driver table. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "driver.h"
#include "i18n.h"
#include "strutil.h"

#define VNIC_DEFAULT_URI "vnic:///embed"

static const vnic_driver *const drivers[] = {
    &vnic_embed_driver,
};

int vnic_conn_open(const char *uri, vnic_conn **ret, vnic_error **err)
{
    return vnic_conn_open_flags(uri, 0, ret, err);
}

int vnic_conn_open_flags(const char *uri, unsigned flags, vnic_conn **ret, vnic_error **err)
{
    if (!uri || !*uri)
        uri = secure_getenv("VNIC_DEFAULT_URI");
    if (!uri || !*uri)
        uri = VNIC_DEFAULT_URI;

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

void vnic_conn_close(vnic_conn *conn)
{
    if (!conn)
        return;
    conn->driver->close(conn);
    free(conn->uri);
    free(conn);
}

static void iface_info_clear(vnic_interface_info *i)
{
    free(i->alias);
    free(i->type);
    free(i->backend);
    free(i->name);
    free(i->source);
    free(i->mode);
    free(i->model);
}

void vnic_domain_info_free(vnic_domain_info *info)
{
    if (!info)
        return;
    for (size_t i = 0; i < info->ninterfaces; i++)
        iface_info_clear(&info->interfaces[i]);
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

int vnic_domain_create_file(vnic_conn *conn, const char *path, unsigned flags,
                            vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err)
{
    vnic_domain_def *def = NULL;
    int r = vnic_domain_def_parse_file(path, flags & ~(unsigned)VNIC_START_SUPERVISED, &def, diags,
                                       err);
    if (r < 0)
        return r;
    return conn->driver->domain_create(conn, def, flags, ret, err);
}

int vnic_domain_destroy(vnic_conn *conn, const char *name, vnic_error **err)
{
    return conn->driver->domain_destroy(conn, name, err);
}

int vnic_domain_lookup(vnic_conn *conn, const char *name, vnic_domain_info **ret, vnic_error **err)
{
    return conn->driver->domain_lookup(conn, name, ret, err);
}

int vnic_domain_list(vnic_conn *conn, unsigned flags, vnic_domain_info ***ret, size_t *ret_n,
                     vnic_error **err)
{
    return conn->driver->domain_list(conn, flags, ret, ret_n, err);
}

char *vnic_domain_get_xml(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err)
{
    return conn->driver->domain_get_xml(conn, name, flags, err);
}

int vnic_domain_define_file(vnic_conn *conn, const char *path, unsigned flags,
                            vnic_domain_info **ret, vnic_diag_list *diags, vnic_error **err)
{
    vnic_domain_def *def = NULL;
    int r = vnic_domain_def_parse_file(path, flags, &def, diags, err);
    if (r < 0)
        return r;
    return conn->driver->domain_define(conn, def, ret, err);
}

int vnic_domain_undefine(vnic_conn *conn, const char *name, unsigned flags, vnic_error **err)
{
    return conn->driver->domain_undefine(conn, name, flags, err);
}

int vnic_domain_start(vnic_conn *conn, const char *name, unsigned flags, vnic_domain_info **ret,
                      vnic_error **err)
{
    return conn->driver->domain_start(conn, name, flags, ret, err);
}

int vnic_reconcile(vnic_conn *conn, unsigned flags, vnic_reconcile_action **ret, size_t *ret_n,
                   vnic_error **err)
{
    *ret = NULL;
    *ret_n = 0;
    return conn->driver->reconcile(conn, flags, ret, ret_n, err);
}

int vnic_event_register(vnic_conn *conn, vnic_event_cb cb, void *opaque, int *ret_id,
                        vnic_error **err)
{
    return conn->driver->event_register(conn, cb, opaque, ret_id, err);
}

int vnic_event_deregister(vnic_conn *conn, int id)
{
    return conn->driver->event_deregister(conn, id);
}

int vnic_event_run(vnic_conn *conn, int timeout_ms, vnic_error **err)
{
    return conn->driver->event_run(conn, timeout_ms, err);
}

int vnic_event_get_fd(vnic_conn *conn, vnic_error **err)
{
    int fd = conn->driver->event_get_fd(conn, err);
    return fd < 0 ? -1 : fd;
}

int vnic_event_dispatch(vnic_conn *conn, vnic_error **err)
{
    return conn->driver->event_dispatch(conn, err) < 0 ? -1 : 0;
}

int vnic_domain_open_queues(vnic_conn *conn, const char *name, unsigned index, int **ret_fds,
                            size_t *ret_n, vnic_error **err)
{
    return conn->driver->domain_open_queues(conn, name, index, ret_fds, ret_n, err);
}

int vnic_domain_open_all_queues(vnic_conn *conn, const char *name, int **ret_fds,
                                size_t **ret_counts, size_t *ret_n, vnic_error **err)
{
    return conn->driver->domain_open_all_queues(conn, name, ret_fds, ret_counts, ret_n, err);
}

int vnic_domain_attach_interface_file(vnic_conn *conn, const char *name, const char *path,
                                      unsigned flags, unsigned *ret_index, vnic_diag_list *diags,
                                      vnic_error **err)
{
    vnic_domain_def *def = NULL;
    int r = vnic_domain_def_parse_file(path, flags, &def, diags, err);
    if (r < 0)
        return r;
    vnic_iface_def *iface = vnic_domain_def_steal_interface(def);
    vnic_domain_def_free(def);
    if (!iface)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("%s: attach-interface needs a document with one <interface> as "
                                "its root"),
                              path),
               -EINVAL;
    return conn->driver->domain_attach_interface(conn, name, iface, ret_index, err);
}

int vnic_domain_detach_interface(vnic_conn *conn, const char *name, const char *alias,
                                 vnic_error **err)
{
    return conn->driver->domain_detach_interface(conn, name, alias, err);
}
