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

/* What the guest-only elements say to QEMU: ROM, boot order, ACPI index. Only the values the
 * parser checked and stored are used, never the kept elements themselves: an attribute of
 * another namespace there (x:order) is kept for the XML's sake and is no option. PCI addresses
 * depend on the machine's buses, which vnic does not know: they are left to QEMU. */
static void guest_options(const vnic_iface_def *def, strbuf *b)
{
    if (def->rom_enabled == VNIC_TRISTATE_NO) {
        /* No ROM at all, as libvirt says it. */
        sb_add(b, ",romfile=");
    } else {
        if (def->rom_bar != VNIC_TRISTATE_ABSENT)
            sb_add(b, ",rombar=%d", def->rom_bar == VNIC_TRISTATE_YES ? 1 : 0);
        if (def->rom_file) {
            _cleanup_free_ char *esc = qemu_escape(def->rom_file);
            sb_add(b, ",romfile=%s", esc);
        }
    }
    if (def->boot_order)
        sb_add(b, ",bootindex=%u", def->boot_order);
    if (def->acpi_index)
        sb_add(b, ",acpi-index=%u", def->acpi_index);
}

static char **iface_args(const vnic_iface_def *def, const char *id, const int *fds, size_t nfds)
{
    strbuf netdev = {0}, device = {0};

    sb_add(&netdev, "tap,id=host%s", id);
    if (nfds == 1) {
        sb_add(&netdev, ",fd=%d", fds[0]);
    } else {
        sb_add(&netdev, ",fds=");
        for (size_t q = 0; q < nfds; q++)
            sb_add(&netdev, "%s%d", q ? ":" : "", fds[q]);
    }
    sb_add(&netdev, ",vhost=%s", vnic_iface_def_vhost(def) ? "on" : "off");

    _cleanup_free_ char *model = vnic_qemu_device_model(def);
    sb_add(&device, "%s,netdev=host%s,id=%s", model, id, id);
    if (def->has_mac) {
        char mac[18];
        vnic_mac_format(def->mac, mac);
        sb_add(&device, ",mac=%s", mac);
    }
    if (nfds > 1 && is_virtio(def))
        sb_add(&device, ",mq=on,vectors=%zu", 2 * nfds + 2);
    if (def->mtu && is_virtio(def))
        sb_add(&device, ",host_mtu=%u", def->mtu);
    guest_options(def, &device);

    char **v = vnic_xcalloc(5, sizeof(char *));
    v[0] = vnic_xstrdup("-netdev");
    v[1] = netdev.s;
    v[2] = vnic_xstrdup("-device");
    v[3] = device.s;
    return v;
}

char **vnic_qemu_iface_args(const vnic_iface_def *def, size_t index, const int *fds, size_t nfds)
{
    _cleanup_free_ char *id = vnic_qemu_iface_id(def, index);
    return iface_args(def, id, fds, nfds);
}

char **vnic_qemu_domain_args(const vnic_domain_def *def, const size_t *counts, int first_fd,
                             size_t *ret_n)
{
    char **all = vnic_xcalloc(4 * def->niface + 1, sizeof(char *));
    size_t n = 0;
    int fd = first_fd;
    for (size_t i = 0; i < def->niface; i++) {
        _cleanup_free_ int *fds = vnic_xcalloc(counts[i] ? counts[i] : 1, sizeof(int));
        for (size_t q = 0; q < counts[i]; q++)
            fds[q] = fd++;
        _cleanup_free_ char *id = vnic_qemu_domain_iface_id(def, i);
        char **one = iface_args(def->ifaces[i], id, fds, counts[i]);
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

size_t vnic_domain_def_interface_queues(const vnic_domain_def *def, size_t index)
{
    if (index >= def->niface)
        return 0;
    return vnic_iface_def_queues(def->ifaces[index]);
}
