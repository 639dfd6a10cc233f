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
 * another namespace there (x:order) is kept for the XML's sake and is no option. PCI addresses
 * depend on the machine's buses, which vnic does not know: they are left to QEMU. */
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

static char **iface_args(const vnic_iface_def *def, const char *id, const int *fds, size_t nfds,
                         const int *vhostfds, size_t nvhost)
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
    return iface_args(def, id, fds, nfds, NULL, 0);
}

char **vnic_qemu_domain_args(const vnic_domain_def *def, const size_t *counts, int first_fd,
                             size_t *ret_n)
{
    return vnic_qemu_domain_args_vhost(def, counts, NULL, first_fd, ret_n);
}

char **vnic_qemu_domain_args_vhost(const vnic_domain_def *def, const size_t *counts,
                                   const size_t *vhost_counts, int first_fd, size_t *ret_n)
{
    char **all = vnic_xcalloc(4 * def->niface + 1, sizeof(char *));
    size_t n = 0;
    int fd = first_fd;
    for (size_t i = 0; i < def->niface; i++) {
        size_t nv = vhost_counts ? vhost_counts[i] : 0;
        _cleanup_free_ int *fds = vnic_xcalloc(counts[i] + nv + 1, sizeof(int));
        /* An interface's queue fds, then its vhost fds, as run places them. */
        for (size_t q = 0; q < counts[i] + nv; q++)
            fds[q] = fd++;
        _cleanup_free_ char *id = vnic_qemu_domain_iface_id(def, i);
        char **one = iface_args(def->ifaces[i], id, fds, counts[i], fds + counts[i], nv);
        for (size_t k = 0; one[k]; k++)
            all[n++] = one[k];
        free(one);
    }
    all[n] = NULL;
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
