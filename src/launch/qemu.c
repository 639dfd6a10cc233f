#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "qemu.h"
#include "strutil.h"

static const struct {
    const char *model;
    const char *device;
} model_map[] = {
    {"virtio", "virtio-net-pci"},
    {"virtio-transitional", "virtio-net-pci-transitional"},
    {"virtio-non-transitional", "virtio-net-pci-non-transitional"},
};

/* libvirt reads model names without regard to case, but QEMU's device names are exact, and
 * all of them lower case: a model outside the map is QEMU's name in any case. */
char *vnic_qemu_device_model(const vnic_iface_def *def)
{
    if (!def->model)
        return vnic_xstrdup("rtl8139");
    for (size_t i = 0; i < ELEMENTSOF(model_map); i++)
        if (strcasecmp(model_map[i].model, def->model) == 0)
            return vnic_xstrdup(model_map[i].device);
    char *dev = vnic_xstrdup(def->model);
    for (char *p = dev; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return dev;
}

static bool is_virtio(const vnic_iface_def *def)
{
    return vnic_model_is_virtio(def->model);
}

char *vnic_qemu_iface_id(const vnic_iface_def *def, size_t index)
{
    if (def->alias)
        return vnic_xstrdup(def->alias);
    return vnic_xasprintf("net%zu", index);
}

/* The id of an interface: its alias, or the one it gets when the domain starts. */
char *vnic_qemu_domain_iface_id(const vnic_domain_def *dom, size_t index)
{
    return vnic_domain_def_iface_alias(dom, index);
}

typedef struct {
    char *s;
    size_t len, alloc;
} strbuf;

static void sb_add(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *piece = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    size_t n = strlen(piece);
    if (b->len + n + 1 > b->alloc) {
        b->alloc = (b->len + n + 1) * 2;
        b->s = vnic_xreallocarray(b->s, b->alloc, 1);
    }
    memcpy(b->s + b->len, piece, n + 1);
    b->len += n;
    free(piece);
}

/* QEMU option values double their commas (a,b -> a,,b), or a comma starts a new option. */
static char *qemu_escape(const char *v)
{
    size_t extra = vnic_str_count(v, ",");
    char *out = vnic_xmalloc(strlen(v) + extra + 1), *o = out;
    for (const char *p = v; *p; p++) {
        *o++ = *p;
        if (*p == ',')
            *o++ = ',';
    }
    *o = '\0';
    return out;
}

/* ---- one NIC's properties --------------------------------------------------------------- */

static vnic_qemu_prop *prop_new(vnic_qemu_props *p, const char *key, vnic_qemu_prop_kind kind)
{
    p->items = vnic_xreallocarray(p->items, p->n + 1, sizeof(*p->items));
    vnic_qemu_prop *it = &p->items[p->n++];
    *it = (vnic_qemu_prop){.key = key, .kind = kind};
    return it;
}

static void prop_str(vnic_qemu_props *p, const char *key, char *value /* taken */)
{
    prop_new(p, key, VNIC_QEMU_PROP_STRING)->str = value;
}

static void prop_int(vnic_qemu_props *p, const char *key, long long value)
{
    prop_new(p, key, VNIC_QEMU_PROP_INT)->num = value;
}

static void prop_bool(vnic_qemu_props *p, const char *key, bool value)
{
    prop_new(p, key, VNIC_QEMU_PROP_BOOL)->flag = value;
}

void vnic_qemu_props_clear(vnic_qemu_props *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->items[i].str);
    free(p->items);
    p->items = NULL;
    p->n = 0;
}

char *vnic_qemu_netdev_id(const char *id)
{
    return vnic_xasprintf("host%s", id);
}

/* What the guest-only elements say to QEMU: ROM, boot order, ACPI index. Only the values the
 * parser checked and stored are used, never the kept elements themselves: an attribute of
 * another namespace there (x:order) is kept for the XML's sake and is no option. The PCI
 * address depends on the domain's machine: vnic_qemu_place_props adds it. */
static void guest_props(const vnic_iface_def *def, vnic_qemu_props *p)
{
    if (def->rom_enabled == VNIC_TRISTATE_NO) {
        /* No ROM at all, as libvirt says it. */
        prop_str(p, "romfile", vnic_xstrdup(""));
    } else {
        if (def->rom_bar != VNIC_TRISTATE_ABSENT)
            prop_int(p, "rombar", def->rom_bar == VNIC_TRISTATE_YES ? 1 : 0);
        if (def->rom_file)
            prop_str(p, "romfile", vnic_xstrdup(def->rom_file));
    }
    if (def->boot_order)
        prop_int(p, "bootindex", def->boot_order);
    if (def->acpi_index)
        prop_int(p, "acpi-index", def->acpi_index);
}

/* <driver>'s virtio-net tuning, under the names of QEMU's virtio-net properties that libvirt
 * uses. The parser refused it on any other model. */
static const char *const switch_props[VNIC_DRV_SWITCH_LAST] = {
    [VNIC_DRV_IOEVENTFD] = "ioeventfd",
    [VNIC_DRV_EVENT_IDX] = "event_idx",
    [VNIC_DRV_RSS] = "rss",
    [VNIC_DRV_RSS_HASH_REPORT] = "hash",
    [VNIC_DRV_IOMMU] = "iommu_platform",
    [VNIC_DRV_ATS] = "ats",
    [VNIC_DRV_PACKED] = "packed",
    [VNIC_DRV_HOST_CSUM] = "csum",
    [VNIC_DRV_HOST_GSO] = "gso",
    [VNIC_DRV_HOST_TSO4] = "host_tso4",
    [VNIC_DRV_HOST_TSO6] = "host_tso6",
    [VNIC_DRV_HOST_ECN] = "host_ecn",
    [VNIC_DRV_HOST_UFO] = "host_ufo",
    [VNIC_DRV_HOST_MRG_RXBUF] = "mrg_rxbuf",
    [VNIC_DRV_GUEST_CSUM] = "guest_csum",
    [VNIC_DRV_GUEST_TSO4] = "guest_tso4",
    [VNIC_DRV_GUEST_TSO6] = "guest_tso6",
    [VNIC_DRV_GUEST_ECN] = "guest_ecn",
    [VNIC_DRV_GUEST_UFO] = "guest_ufo",
};

static void driver_props(const vnic_iface_def *def, vnic_qemu_props *p)
{
    if (!is_virtio(def))
        return;
    /* libvirt's "iothread" is QEMU's bottom half. */
    if (def->txmode != VNIC_TXMODE_DEFAULT)
        prop_str(p, "tx", vnic_xstrdup(def->txmode == VNIC_TXMODE_TIMER ? "timer" : "bh"));
    for (int s = VNIC_DRV_IOEVENTFD; s <= VNIC_DRV_EVENT_IDX; s++)
        if (def->drv[s] != VNIC_TRISTATE_ABSENT)
            prop_bool(p, switch_props[s], def->drv[s] == VNIC_TRISTATE_YES);
    if (def->rx_queue_size)
        prop_int(p, "rx_queue_size", def->rx_queue_size);
    if (def->tx_queue_size)
        prop_int(p, "tx_queue_size", def->tx_queue_size);
    for (int s = VNIC_DRV_RSS; s < VNIC_DRV_SWITCH_LAST; s++)
        if (def->drv[s] != VNIC_TRISTATE_ABSENT)
            prop_bool(p, switch_props[s], def->drv[s] == VNIC_TRISTATE_YES);
}

void vnic_qemu_nic_props(const vnic_iface_def *def, const char *id, const char *const *fdnames,
                         size_t nfds, vnic_qemu_props *ret_netdev, vnic_qemu_props *ret_device)
{
    vnic_qemu_props netdev = {0}, device = {0};

    prop_str(&netdev, "type", vnic_xstrdup("tap"));
    prop_str(&netdev, "id", vnic_qemu_netdev_id(id));
    if (nfds == 1) {
        prop_str(&netdev, "fd", vnic_xstrdup(fdnames[0]));
    } else {
        strbuf fds = {.s = vnic_xstrdup(""), .alloc = 1};
        for (size_t q = 0; q < nfds; q++)
            sb_add(&fds, "%s%s", q ? ":" : "", fdnames[q]);
        prop_str(&netdev, "fds", fds.s);
    }
    prop_bool(&netdev, "vhost", vnic_iface_def_vhost(def));
    if (def->has_sndbuf)
        prop_int(&netdev, "sndbuf", (long long)def->sndbuf);

    prop_str(&device, "driver", vnic_qemu_device_model(def));
    prop_str(&device, "netdev", vnic_qemu_netdev_id(id));
    prop_str(&device, "id", vnic_xstrdup(id));
    if (def->has_mac) {
        char mac[18];
        vnic_mac_format(def->mac, mac);
        prop_str(&device, "mac", vnic_xstrdup(mac));
    }
    if (nfds > 1 && is_virtio(def)) {
        prop_bool(&device, "mq", true);
        prop_int(&device, "vectors", (long long)(2 * nfds + 2));
    }
    if (def->mtu && is_virtio(def))
        prop_int(&device, "host_mtu", def->mtu);
    driver_props(def, &device);
    guest_props(def, &device);

    *ret_netdev = netdev;
    *ret_device = device;
}

void vnic_qemu_netdev_vhostfds(vnic_qemu_props *netdev, const char *const *names, size_t n)
{
    if (n == 0)
        return;
    size_t at = 0;
    while (at < netdev->n && !vnic_streq(netdev->items[at].key, "vhost"))
        at++;
    if (at == netdev->n)
        prop_bool(netdev, "vhost", true);
    netdev->items[at].flag = true;
    /* The fds go right after vhost=on, where libvirt writes them. */
    if (n == 1) {
        prop_str(netdev, "vhostfd", vnic_xstrdup(names[0]));
    } else {
        strbuf b = {.s = vnic_xstrdup(""), .alloc = 1};
        for (size_t q = 0; q < n; q++)
            sb_add(&b, "%s%s", q ? ":" : "", names[q]);
        prop_str(netdev, "vhostfds", b.s);
    }
    vnic_qemu_prop added = netdev->items[netdev->n - 1];
    memmove(&netdev->items[at + 2], &netdev->items[at + 1],
            (netdev->n - 2 - at) * sizeof(*netdev->items));
    netdev->items[at + 1] = added;
}

/* The command-line form: the first property (type or driver) is QEMU's implied option and
 * goes without its key. Every string value is escaped, although names (ids, models, MACs)
 * cannot hold a comma by the parser's rules: only paths such as romfile can. */
char *vnic_qemu_props_format(const vnic_qemu_props *p)
{
    strbuf b = {.s = vnic_xstrdup(""), .alloc = 1};
    for (size_t i = 0; i < p->n; i++) {
        const vnic_qemu_prop *it = &p->items[i];
        if (i)
            sb_add(&b, ",%s=", it->key);
        switch (it->kind) {
        case VNIC_QEMU_PROP_STRING: {
            _cleanup_free_ char *esc = qemu_escape(it->str);
            sb_add(&b, "%s", esc);
            break;
        }
        case VNIC_QEMU_PROP_INT:
            sb_add(&b, "%lld", it->num);
            break;
        case VNIC_QEMU_PROP_BOOL:
            sb_add(&b, "%s", it->flag ? "on" : "off");
            break;
        }
    }
    return b.s;
}

/* The QMP form (netdev_add, device_add arguments): every property under its key, typed as
 * QEMU's property is. */
json_object *vnic_qemu_props_to_json(const vnic_qemu_props *p)
{
    json_object *o = json_object_new_object();
    if (!o)
        abort();
    for (size_t i = 0; i < p->n; i++) {
        const vnic_qemu_prop *it = &p->items[i];
        json_object *v = NULL;
        switch (it->kind) {
        case VNIC_QEMU_PROP_STRING:
            v = json_object_new_string(it->str);
            break;
        case VNIC_QEMU_PROP_INT:
            v = json_object_new_int64(it->num);
            break;
        case VNIC_QEMU_PROP_BOOL:
            v = json_object_new_boolean(it->flag);
            break;
        }
        if (!v || json_object_object_add(o, it->key, v) < 0)
            abort();
    }
    return o;
}

/* ---- the NIC's place on the guest's PCI buses -------------------------------------------- */

/* QEMU's name of bus number BUS: the root bus of the machine, or the id libvirt gives PCI
 * controller N ("pci.N"), which the launcher's own options define. */
static char *bus_name(vnic_machine_kind machine, unsigned bus)
{
    if (bus == 0)
        return vnic_xstrdup(machine == VNIC_MACHINE_Q35 ? "pcie.0" : "pci.0");
    return vnic_xasprintf("pci.%u", bus);
}

static char *devfn(unsigned slot, unsigned function)
{
    return function ? vnic_xasprintf("0x%x.0x%x", slot, function) : vnic_xasprintf("0x%x", slot);
}

static char *controller_id(const vnic_pci_layout *l, size_t c)
{
    return l->controllers[c].root_port ? vnic_xasprintf("vnic-port%zu", c)
                                       : vnic_xasprintf("vnic-bridge%zu", c);
}

/* The -device value of controller C that vnic adds. The chassis numbers are vnic's own, from
 * the top of their range, where libvirt's controller indexes (1, 2, ...) do not reach. */
static char *controller_option(const vnic_pci_layout *l, size_t c)
{
    const vnic_pci_controller *k = &l->controllers[c];
    _cleanup_free_ char *id = controller_id(l, c);
    if (!k->root_port)
        return vnic_xasprintf("pci-bridge,id=%s,chassis_nr=%zu", id, 0xf0 + c);
    _cleanup_free_ char *addr = devfn(k->slot, k->function);
    return vnic_xasprintf("pcie-root-port,id=%s,bus=pcie.0,addr=%s%s,chassis=254,slot=%zu", id,
                          addr, k->multifunction ? ",multifunction=on" : "", c + 1);
}

void vnic_qemu_place_props(const vnic_pci_layout *l, size_t index, vnic_qemu_props *device)
{
    const vnic_pci_place *p = &l->places[index];
    if (!p->placed)
        return;
    if (p->controller >= 0)
        prop_str(device, "bus", controller_id(l, (size_t)p->controller));
    else if (p->bus_id)
        prop_str(device, "bus", vnic_xstrdup(p->bus_id));
    else
        prop_str(device, "bus", bus_name(l->machine, p->bus));
    prop_str(device, "addr", devfn(p->slot, p->function));
    if (p->multifunction)
        prop_bool(device, "multifunction", true);
}

void vnic_qemu_hotplug_props(const vnic_domain_def *dom, size_t index, vnic_qemu_props *device)
{
    /* Only the NIC's own address: a hot-plugged NIC without one goes where QEMU finds room. */
    vnic_pci_layout l;
    vnic_domain_pci_layout(dom, &l);
    if (l.places[index].explicit_)
        vnic_qemu_place_props(&l, index, device);
    vnic_pci_layout_clear(&l);
}

char *vnic_qemu_hotplug_bus(const vnic_domain_def *dom, size_t index, unsigned *ret_bus)
{
    vnic_pci_layout l;
    vnic_domain_pci_layout(dom, &l);
    const vnic_pci_place *p = &l.places[index];
    char *id = NULL;
    if (p->explicit_) {
        id = p->bus_id ? vnic_xstrdup(p->bus_id) : bus_name(l.machine, p->bus);
        *ret_bus = p->bus;
    }
    vnic_pci_layout_clear(&l);
    return id;
}

const char *vnic_qemu_root_bus(const vnic_domain_def *dom)
{
    switch (vnic_domain_def_machine(dom)) {
    case VNIC_MACHINE_I440FX:
        return "pci.0";
    case VNIC_MACHINE_Q35:
        return "pcie.0";
    default:
        return NULL;
    }
}

static char **iface_args(const vnic_iface_def *def, const char *id, const int *fds, size_t nfds,
                         const int *vhostfds, size_t nvhost, const vnic_pci_layout *layout,
                         size_t index, unsigned bootindex)
{
    char **names = vnic_xcalloc(nfds + 1, sizeof(char *));
    for (size_t q = 0; q < nfds; q++)
        names[q] = vnic_xasprintf("%d", fds[q]);
    vnic_qemu_props netdev, device;
    vnic_qemu_nic_props(def, id, (const char *const *)names, nfds, &netdev, &device);
    vnic_strv_free(names);
    char **vnames = vnic_xcalloc(nvhost + 1, sizeof(char *));
    for (size_t q = 0; q < nvhost; q++)
        vnames[q] = vnic_xasprintf("%d", vhostfds[q]);
    vnic_qemu_netdev_vhostfds(&netdev, (const char *const *)vnames, nvhost);
    vnic_strv_free(vnames);
    if (bootindex)
        prop_int(&device, "bootindex", bootindex);
    if (layout)
        vnic_qemu_place_props(layout, index, &device);

    char **v = vnic_xcalloc(5, sizeof(char *));
    v[0] = vnic_xstrdup("-netdev");
    v[1] = vnic_qemu_props_format(&netdev);
    v[2] = vnic_xstrdup("-device");
    v[3] = vnic_qemu_props_format(&device);
    vnic_qemu_props_clear(&netdev);
    vnic_qemu_props_clear(&device);
    return v;
}

char **vnic_qemu_iface_args(const vnic_iface_def *def, size_t index, const int *fds, size_t nfds)
{
    _cleanup_free_ char *id = vnic_qemu_iface_id(def, index);
    return iface_args(def, id, fds, nfds, NULL, 0, NULL, index, 0);
}

/* Interfaces with an <address> go first, so that QEMU's own placement of the others (in the
 * first free slot) cannot take their slots; a controller vnic adds goes right before its first
 * NIC. The fds keep their numbers in interface order. */
char **vnic_qemu_domain_args(const vnic_domain_def *def, const size_t *counts, int first_fd,
                             size_t *ret_n)
{
    return vnic_qemu_domain_args_vhost(def, counts, NULL, first_fd, ret_n);
}

char **vnic_qemu_domain_args_vhost(const vnic_domain_def *def, const size_t *counts,
                                   const size_t *vhost_counts, int first_fd, size_t *ret_n)
{
    return vnic_qemu_domain_args_launcher(def, counts, vhost_counts, first_fd, NULL, ret_n);
}

char **vnic_qemu_domain_args_launcher(const vnic_domain_def *def, const size_t *counts,
                                      const size_t *vhost_counts, int first_fd,
                                      char *const *launcher_argv, size_t *ret_n)
{
    vnic_pci_layout layout;
    vnic_domain_pci_layout(def, &layout);
    /* Up to 4 strings per interface, 2 per controller vnic adds, and up to 4 per bus an
     * <address> names (at most one bus per interface). */
    char **all = vnic_xcalloc(8 * def->niface + 2 * layout.ncontrollers + 1, sizeof(char *));
    _cleanup_free_ int *base = vnic_xcalloc(def->niface + 1, sizeof(int));
    _cleanup_free_ bool *added = vnic_xcalloc(layout.ncontrollers + 1, sizeof(bool));
    bool bus_added[VNIC_PCI_BUS_MAX + 1] = {false};
    size_t n = 0;
    int fd = first_fd;
    /* An interface's queue fds, then its vhost fds, then the next interface's, as run places
     * them. */
    for (size_t i = 0; i < def->niface; i++) {
        base[i] = fd;
        fd += (int)(counts[i] + (vhost_counts ? vhost_counts[i] : 0));
    }
    /* Addresses on the root bus first, then those on bus N > 0 (each bus's controller before
     * its first NIC: QEMU gives the controller the first free slot of the root bus, which the
     * root bus's addresses have taken by then), then the interfaces without. */
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < def->niface; i++) {
            const vnic_pci_place *p = &layout.places[i];
            int want = !p->explicit_ ? 2 : p->bus == 0 ? 0 : 1;
            if (want != pass)
                continue;
            if (pass == 1 && p->bus <= VNIC_PCI_BUS_MAX && !bus_added[p->bus]) {
                bus_added[p->bus] = true;
                n += vnic_qemu_bus_controller_args(def, &layout, p->bus, launcher_argv, all + n);
            }
            if (p->controller >= 0 && !added[p->controller]) {
                added[p->controller] = true;
                all[n++] = vnic_xstrdup("-device");
                all[n++] = controller_option(&layout, (size_t)p->controller);
            }
            size_t nv = vhost_counts ? vhost_counts[i] : 0;
            _cleanup_free_ int *fds = vnic_xcalloc(counts[i] + nv + 1, sizeof(int));
            for (size_t q = 0; q < counts[i] + nv; q++)
                fds[q] = base[i] + (int)q;
            _cleanup_free_ char *id = vnic_qemu_domain_iface_id(def, i);
            char **one = iface_args(def->ifaces[i], id, fds, counts[i], fds + counts[i], nv,
                                    &layout, i, vnic_domain_def_boot_index(def, i));
            for (size_t k = 0; one[k]; k++)
                all[n++] = one[k];
            free(one);
        }
    all[n] = NULL;
    vnic_pci_layout_clear(&layout);
    if (ret_n)
        *ret_n = n;
    return all;
}

char *vnic_shell_quote(const char *s)
{
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                    "-_./=:,+@%",
                    *p))
            plain = false;
    if (plain)
        return vnic_xstrdup(s);

    strbuf b = {0};
    sb_add(&b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            sb_add(&b, "'\\''");
        else
            sb_add(&b, "%c", *p);
    }
    sb_add(&b, "'");
    return b.s;
}

void vnic_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

char **vnic_domain_def_qemu_args(const vnic_domain_def *def, const size_t *counts, int first_fd)
{
    return vnic_qemu_domain_args(def, counts, first_fd, NULL);
}

char **vnic_domain_def_qemu_args_vhost(const vnic_domain_def *def, const size_t *counts,
                                       const size_t *vhost_counts, int first_fd)
{
    return vnic_qemu_domain_args_vhost(def, counts, vhost_counts, first_fd, NULL);
}

size_t vnic_domain_def_interface_queues(const vnic_domain_def *def, size_t index)
{
    if (index >= def->niface)
        return 0;
    return vnic_iface_def_queues(def->ifaces[index]);
}

bool vnic_domain_def_interface_vhost(const vnic_domain_def *def, size_t index)
{
    return index < def->niface && vnic_iface_def_vhost_use(def->ifaces[index]) != VNIC_VHOST_NEVER;
}
