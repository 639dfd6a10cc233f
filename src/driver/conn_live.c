/* The public calls of live interface state (counters, link): checked and dispatched through
 * the connection's driver table, as every call of conn.c. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "driver.h"
#include "i18n.h"

#define API_BEGIN(flags, allowed, err, diags)                                                      \
    vnic_api_call c;                                                                               \
    if (vnic_api_begin(&c, __func__, err, diags, flags, allowed) < 0)                              \
        return vnic_api_end(&c, -EINVAL);

/* Arguments every call needs: a connection, a domain and an interface. */
static int check_args(vnic_conn *conn, const char *name, const char *iface, vnic_error **err)
{
    if (!conn || !name || !iface)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("a connection, a domain name and an interface are required")),
               -EINVAL;
    return 0;
}

void vnic_interface_stats_free(vnic_interface_stats *stats)
{
    if (!stats)
        return;
    free(stats->alias);
    free(stats->device);
    free(stats);
}

int vnic_domain_interface_stats(vnic_conn *conn, const char *name, const char *iface,
                                vnic_interface_stats **ret, vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    int r = check_args(conn, name, iface, c.err);
    if (r == 0 && !ret)
        r = (vnic_error_set(c.err, VNIC_ERR_INVALID, _("no place for the result given")), -EINVAL);
    if (r == 0)
        r = conn->driver->domain_interface_stats(conn, name, iface, ret, c.err);
    return vnic_api_end(&c, r);
}

int vnic_domain_interface_get_link(vnic_conn *conn, const char *name, const char *iface,
                                   bool *ret_up, char **ret_device, vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    int r = check_args(conn, name, iface, c.err);
    if (r == 0 && !ret_up)
        r = (vnic_error_set(c.err, VNIC_ERR_INVALID, _("no place for the result given")), -EINVAL);
    if (r == 0)
        r = conn->driver->domain_interface_get_link(conn, name, iface, ret_up, ret_device, c.err);
    return vnic_api_end(&c, r);
}

int vnic_domain_interface_set_link(vnic_conn *conn, const char *name, const char *iface, bool up,
                                   vnic_error **err)
{
    API_BEGIN(0, 0, err, NULL);
    int r = check_args(conn, name, iface, c.err);
    if (r == 0)
        r = conn->driver->domain_interface_set_link(conn, name, iface, up, c.err);
    return vnic_api_end(&c, r);
}
