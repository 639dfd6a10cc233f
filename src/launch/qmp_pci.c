/* The guest's PCI buses as a running QEMU shows them (QMP query-pci): whether a bus a NIC's
 * <address> names is there before the NIC is hot-plugged, and where a hot-plugged NIC landed.
 * QEMU is an untrusted peer: its answer is read defensively (types checked, depth bounded). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "cleanup.h"
#include "i18n.h"
#include "qmp.h"
#include "strutil.h"

/* Bridges behind bridges: far deeper than any machine QEMU builds. */
#define PCI_DEPTH_MAX 32

void vnic_pci_location_clear(vnic_pci_location *loc)
{
    if (!loc)
        return;
    free(loc->bus);
    *loc = (vnic_pci_location){0};
}

int vnic_qmp_query_pci(vnic_qmp *q, json_object **ret, vnic_error **err)
{
    json_object *pci = NULL;
    int r = vnic_qmp_execute(q, "query-pci", NULL, -1, &pci, err);
    if (r < 0)
        return r;
    if (!json_object_is_type(pci, json_type_array)) {
        json_object_put(pci);
        return vnic_error_set(err, VNIC_ERR_INVALID, _("QEMU's answer to query-pci is no list")),
               -EPROTO;
    }
    *ret = pci;
    return 0;
}

static const char *str_member(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

static bool uint_member(json_object *o, const char *key, unsigned *ret)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
        return false;
    int64_t n = json_object_get_int64(v);
    if (n < 0 || n > 0xffff)
        return false;
    *ret = (unsigned)n;
    return true;
}

static json_object *array_member(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_array) ? v
                                                                                            : NULL;
}

/* What a walk looks for: a bridge whose id is BUS (its secondary bus is named after it), or a
 * device whose id is DEVICE (then *where is filled). */
typedef struct {
    const char *bus, *device;
    bool found;
    vnic_pci_location *where;
} pci_search;

/* DEVICES: the devices of one bus, PARENT the id of that bus (NULL: the root bus). */
static void walk(json_object *devices, const char *parent, unsigned depth, pci_search *s)
{
    if (!devices || depth > PCI_DEPTH_MAX)
        return;
    size_t n = json_object_array_length(devices);
    for (size_t i = 0; i < n && !s->found; i++) {
        json_object *d = json_object_array_get_idx(devices, i);
        if (!json_object_is_type(d, json_type_object))
            continue;
        const char *id = str_member(d, "qdev_id");
        json_object *bridge;
        bool is_bridge = json_object_object_get_ex(d, "pci_bridge", &bridge) &&
                         json_object_is_type(bridge, json_type_object);
        if (s->bus && is_bridge && id && vnic_streq(id, s->bus)) {
            s->found = true;
            return;
        }
        if (s->device && id && vnic_streq(id, s->device)) {
            vnic_pci_location w = {.found = true};
            if (uint_member(d, "bus", &w.bus_number) && uint_member(d, "slot", &w.slot) &&
                uint_member(d, "function", &w.function)) {
                w.bus = parent ? vnic_xstrdup(parent) : NULL;
                *s->where = w;
                s->found = true;
                return;
            }
        }
        if (is_bridge)
            walk(array_member(bridge, "devices"), id ? id : "", depth + 1, s);
    }
}

static void search(json_object *pci, pci_search *s)
{
    size_t n = json_object_array_length(pci);
    for (size_t i = 0; i < n && !s->found; i++) {
        json_object *b = json_object_array_get_idx(pci, i);
        if (json_object_is_type(b, json_type_object))
            walk(array_member(b, "devices"), NULL, 0, s);
    }
}

bool vnic_qmp_pci_has_bus(json_object *pci, const char *bus)
{
    pci_search s = {.bus = bus};
    search(pci, &s);
    return s.found;
}

bool vnic_qmp_pci_locate(json_object *pci, const char *device, const char *root,
                         vnic_pci_location *ret)
{
    vnic_pci_location w = {0};
    pci_search s = {.device = device, .where = &w};
    search(pci, &s);
    if (!s.found)
        return false;
    if (!w.bus && root)
        w.bus = vnic_xstrdup(root);
    *ret = w;
    return true;
}
