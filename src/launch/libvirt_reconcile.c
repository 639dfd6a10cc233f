/* reconcile, asking libvirt: a vnic domain started by run --libvirt from a file carries the
 * libvirt URI and domain UUID in its definition (the <vnic:libvirt> mark, libvirt_xml.c). If
 * run --libvirt was killed, nothing follows that libvirt domain any more: once libvirt no
 * longer runs it, its devices are removed here. A libvirt that cannot be asked leaves the
 * devices alone (they may still be in use). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "cleanup.h"
#include "embed.h"
#include "i18n.h"
#include "libvirt_conn.h"
#include "libvirt_xml.h"
#include "strutil.h"

/* One open connection per URI for the whole pass. */
typedef struct {
    char **uris;
    virConnectPtr *conns;
    size_t n;
} lv_cache;

static virConnectPtr cached_open(lv_cache *c, const char *uri, vnic_error **err)
{
    for (size_t i = 0; i < c->n; i++)
        if (vnic_streq(c->uris[i], uri))
            return c->conns[i];
    virConnectPtr lv = NULL;
    if (vnic_lv_open(uri, &lv, err) < 0)
        return NULL;
    c->uris = vnic_xreallocarray(c->uris, c->n + 1, sizeof(char *));
    c->conns = vnic_xreallocarray(c->conns, c->n + 1, sizeof(virConnectPtr));
    c->uris[c->n] = vnic_xstrdup(uri);
    c->conns[c->n++] = lv;
    return lv;
}

static void cache_clear(lv_cache *c)
{
    for (size_t i = 0; i < c->n; i++) {
        vnic_virt()->virConnectClose(c->conns[i]);
        free(c->uris[i]);
    }
    free(c->uris);
    free(c->conns);
}

static void check_domain(vnic_conn *conn, lv_cache *cache, const char *name, bool dry_run,
                         vnic_reconcile_action ***acts, size_t *n)
{
    vnic_error *e = NULL;
    _cleanup_free_ char *xml = vnic_domain_get_xml(conn, name, 0, &e);
    _cleanup_free_ char *uri = NULL;
    _cleanup_free_ char *uuid = NULL;
    if (!xml || vnic_libvirt_mark_read(xml, &uri, &uuid) < 0) {
        vnic_error_free(e);
        return; /* not run by libvirt (or gone meanwhile) */
    }
    virConnectPtr lv = cached_open(cache, uri, &e);
    int runs = lv ? vnic_lv_runs(lv, uuid, &e) : -EIO;
    if (runs < 0) {
        vnic_embed_action_add(acts, n, name, NULL, "error",
                              _("domain '%s': cannot ask libvirt at '%s' whether it still runs "
                                "it, its devices stay: %s"),
                              name, uri, e->message);
    } else if (runs == 0 && dry_run) {
        vnic_embed_action_add(acts, n, name, NULL, "removed-libvirt-gone",
                              _("domain '%s' would be removed: libvirt at '%s' no longer runs "
                                "it"),
                              name, uri);
    } else if (runs == 0 && vnic_domain_destroy(conn, name, &e) < 0) {
        vnic_embed_action_add(acts, n, name, NULL, "error",
                              _("domain '%s': libvirt at '%s' no longer runs it, but it cannot "
                                "be removed: %s"),
                              name, uri, e->message);
    } else if (runs == 0) {
        vnic_embed_action_add(acts, n, name, NULL, "removed-libvirt-gone",
                              _("domain '%s' removed: libvirt at '%s' no longer runs it"), name,
                              uri);
    }
    vnic_error_free(e);
}

static int reconcile(vnic_conn *conn, unsigned flags, vnic_reconcile_action ***ret, size_t *ret_n,
                     vnic_error **err)
{
    vnic_domain_info **list = NULL;
    size_t nlist = 0;
    if (vnic_domain_list(conn, 0, &list, &nlist, err) < 0) {
        vnic_domain_info_list_free(list, nlist);
        return -EIO;
    }
    vnic_reconcile_action **acts = NULL;
    size_t n = 0;
    lv_cache cache = {0};
    for (size_t i = 0; i < nlist; i++)
        if (vnic_streq(list[i]->state, "active") || vnic_streq(list[i]->state, "degraded"))
            check_domain(conn, &cache, list[i]->name, flags & VNIC_LIBVIRT_RECONCILE_DRY_RUN, &acts,
                         &n);
    cache_clear(&cache);
    vnic_domain_info_list_free(list, nlist);
    *ret = acts;
    *ret_n = n;
    return 0;
}

int vnic_libvirt_reconcile(vnic_conn *conn, unsigned flags, vnic_reconcile_action ***ret,
                           size_t *ret_n, vnic_error **err)
{
    vnic_api_call c;
    if (vnic_api_begin(&c, __func__, err, NULL, flags, VNIC_LIBVIRT_RECONCILE_DRY_RUN) < 0)
        return vnic_api_end(&c, -EINVAL);
    return vnic_api_end(&c, reconcile(conn, flags, ret, ret_n, c.err));
}
