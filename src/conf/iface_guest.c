/* The guest-only children of <interface> (<address>, <rom>, <boot>, <acpi>): vnic creates no
 * host-side device from them, but the launchers pass what they say to QEMU. Their values in no
 * namespace are checked here, once; anything in another namespace is kept and written back,
 * never read as a value. Each appears at most once, and is kept verbatim: both are the
 * caller's (vnic_iface_def_parse) doing, through its table of children. */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "i18n.h"
#include "iface_priv.h"
#include "xml_cleanup.h"
#include "xml_line.h"

/* A guest-only element may have the attributes in ALLOWED in no namespace, and anything in
 * another namespace: that is kept and written back (as libvirt keeps what it does not know),
 * and never read as a value. Child elements in no namespace and text have no meaning there. */
static bool check_guest_content(vnic_parse_ctx *ctx, xmlNode *node, const char *const *allowed)
{
    bool ok = true;
    _cleanup_free_ char *en = vnic_iface_elem_name(node);
    for (xmlAttr *a = node->properties; a; a = a->next) {
        if (a->ns)
            continue;
        bool found = false;
        for (const char *const *p = allowed; *p && !found; p++)
            found = xmlStrEqual(a->name, BAD_CAST * p);
        if (!found) {
            vnic_iface_error(ctx, node, _("attribute '%s' of element <%s> is not supported"),
                             (const char *)a->name, en);
            ok = false;
        }
    }
    return vnic_iface_check_leaf(ctx, node, true) && ok;
}

/* A required number from 1 to MAX, attribute ATTR (no namespace) of node. */
static bool guest_number(vnic_parse_ctx *ctx, xmlNode *node, const char *attr, unsigned long max,
                         unsigned *ret)
{
    _cleanup_free_ char *v = vnic_iface_req_attr(ctx, node, attr);
    if (!v)
        return false;
    unsigned long n;
    if (vnic_parse_uint(v, 1, max, &n) < 0) {
        _cleanup_free_ char *sv = vnic_iface_shown(v);
        vnic_iface_error(
            ctx, node,
            _("invalid value '%s' for attribute '%s' of <%s> (expected a number from 1 "
              "to %lu)"),
            sv, attr, (const char *)node->name, max);
        return false;
    }
    *ret = (unsigned)n;
    return true;
}

/* An optional word of two, attribute ATTR (no namespace): YES for the first, NO for the
 * second, ABSENT when not given. */
static bool guest_choice(vnic_parse_ctx *ctx, xmlNode *node, const char *attr, const char *yes,
                         const char *no, vnic_tristate *ret)
{
    _cleanup_free_ char *v = vnic_iface_opt_attr(node, attr);
    if (!v)
        return true;
    if (vnic_streq(v, yes)) {
        *ret = VNIC_TRISTATE_YES;
    } else if (vnic_streq(v, no)) {
        *ret = VNIC_TRISTATE_NO;
    } else {
        _cleanup_free_ char *sv = vnic_iface_shown(v);
        vnic_iface_error(ctx, node,
                         _("invalid value '%s' for attribute '%s' of <%s> "
                           "(expected %s or %s)"),
                         sv, attr, (const char *)node->name, yes, no);
        return false;
    }
    return true;
}

bool vnic_iface_parse_boot(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    /* loadparm is s390's; it has no meaning for the NIC models vnic's launchers build. */
    static const char *const attrs[] = {"order", "loadparm", NULL};
    bool ok = check_guest_content(ctx, node, attrs);
    return guest_number(ctx, node, "order", VNIC_BOOT_ORDER_MAX, &def->boot_order) && ok;
}

bool vnic_iface_parse_acpi(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"index", NULL};
    bool ok = check_guest_content(ctx, node, attrs);
    return guest_number(ctx, node, "index", VNIC_ACPI_INDEX_MAX, &def->acpi_index) && ok;
}

bool vnic_iface_parse_rom(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"bar", "file", "enabled", NULL};
    bool ok = check_guest_content(ctx, node, attrs);
    ok &= guest_choice(ctx, node, "bar", "on", "off", &def->rom_bar);
    ok &= guest_choice(ctx, node, "enabled", "yes", "no", &def->rom_enabled);

    /* A path: commas are QEMU's separator and get doubled by the builder, '=' is plain text
     * after the first one; control characters (a newline) are no part of a sane path. */
    _cleanup_free_ char *file = vnic_iface_opt_attr(node, "file");
    if (file) {
        for (const char *p = file; *p; p++)
            if (vnic_is_control_char((const unsigned char *)p)) {
                _cleanup_free_ char *sv = vnic_iface_shown(file);
                vnic_iface_error(ctx, node,
                                 _("invalid ROM file '%s' in <rom>: it contains a control "
                                   "character"),
                                 sv);
                return false;
            }
        def->rom_file = TAKE_PTR(file);
    }
    return ok;
}

/* A PCI address number as libvirt reads it: hex with 0x (0x1f), octal with a leading 0, or
 * decimal. */
bool vnic_pci_number(vnic_parse_ctx *ctx, xmlNode *node, const char *attr, unsigned long max,
                     unsigned *ret)
{
    _cleanup_free_ char *v = vnic_iface_opt_attr(node, attr);
    if (!v)
        return true;
    unsigned long n = 0;
    bool ok = *v != '\0';
    if (ok && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        ok = v[2] != '\0' && strlen(v + 2) <= 8;
        for (const char *p = v + 2; ok && *p; p++) {
            ok = isxdigit((unsigned char)*p);
            n = n * 16 + (unsigned long)(isdigit((unsigned char)*p)
                                             ? *p - '0'
                                             : tolower((unsigned char)*p) - 'a' + 10);
        }
        ok = ok && n <= max;
    } else if (ok && v[0] == '0' && v[1]) {
        /* libvirt reads numbers as C does: a leading 0 is octal ("010" is 8). */
        ok = strlen(v) <= 12;
        for (const char *p = v + 1; ok && *p; p++) {
            ok = *p >= '0' && *p <= '7';
            n = n * 8 + (unsigned long)(*p - '0');
        }
        ok = ok && n <= max;
    } else if (ok) {
        ok = vnic_parse_uint(v, 0, max, &n) == 0;
    }
    if (!ok) {
        _cleanup_free_ char *sv = vnic_iface_shown(v);
        vnic_iface_error(ctx, node,
                         _("invalid value '%s' for attribute '%s' of <address> (expected a "
                           "number from 0 to %#lx)"),
                         sv, attr, max);
        return false;
    }
    *ret = (unsigned)n;
    return true;
}

/* The guest's address: on QEMU's PCI buses (slot and function on bus N), which the launchers
 * name as the machine does. Other address types (ccw, virtio-mmio, ...) belong to machines
 * whose NICs vnic's launchers do not place. */
bool vnic_iface_parse_address(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"type",     "domain",        "bus", "slot",
                                        "function", "multifunction", NULL};
    _cleanup_free_ char *type = vnic_iface_opt_attr(node, "type");
    if (!type) {
        /* Attributes of other namespaces alone say nothing to vnic; any of libvirt's needs
         * the type to mean something. */
        for (xmlAttr *a = node->properties; a; a = a->next)
            if (!a->ns) {
                vnic_iface_error(ctx, node, _("element <%s> requires attribute '%s'"), "address",
                                 "type");
                return false;
            }
        return vnic_iface_check_leaf(ctx, node, true);
    }
    if (!vnic_streq(type, "pci")) {
        _cleanup_free_ char *sv = vnic_iface_shown(type);
        vnic_iface_error(ctx, node,
                         _("address type '%s' is not supported by vnic (only type 'pci')"), sv);
        return false;
    }
    bool ok = check_guest_content(ctx, node, attrs);
    unsigned domain = 0;
    ok &= vnic_pci_number(ctx, node, "domain", 0xffff, &domain);
    ok &= vnic_pci_number(ctx, node, "bus", VNIC_PCI_BUS_MAX, &def->pci_bus);
    ok &= vnic_pci_number(ctx, node, "slot", VNIC_PCI_SLOT_MAX, &def->pci_slot);
    ok &= vnic_pci_number(ctx, node, "function", VNIC_PCI_FUNCTION_MAX, &def->pci_function);
    ok &= guest_choice(ctx, node, "multifunction", "on", "off", &def->pci_multifunction);
    if (!ok)
        return false;
    if (domain != 0) {
        vnic_iface_error(ctx, node,
                         _("PCI domain %#x in <address> is not supported (QEMU's PCI buses are "
                           "in domain 0)"),
                         domain);
        return false;
    }

    _cleanup_free_ char *slot = vnic_iface_opt_attr(node, "slot");
    if (!slot) {
        /* libvirt's "any slot": nothing asked but PCI, which the launchers use anyway. */
        _cleanup_free_ char *bus = vnic_iface_opt_attr(node, "bus");
        _cleanup_free_ char *fn = vnic_iface_opt_attr(node, "function");
        if (bus || fn) {
            vnic_iface_error(ctx, node, _("element <address> with '%s' needs attribute 'slot'"),
                             bus ? "bus" : "function");
            return false;
        }
        return true;
    }
    if (def->pci_bus == 0 && def->pci_slot == 0) {
        vnic_iface_error(ctx, node,
                         _("PCI slot 0 of bus 0 in <address> holds the machine's host bridge"));
        return false;
    }
    def->has_pci_address = true;
    def->address_line = vnic_xml_node_line(node);
    return true;
}
