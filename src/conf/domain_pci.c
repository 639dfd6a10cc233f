/* The domain's guest side as far as its NICs need it: the machine type and boot devices of
 * <os>, and where each NIC sits on the guest's PCI buses. The layout is decided here, from the
 * definition alone, so that the parser can refuse a domain whose NICs cannot fit before
 * anything is made, and every launcher (command line, hot-plug) places a NIC the same way. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "domain_conf.h"
#include "i18n.h"
#include "xml_cleanup.h"
#include "xml_line.h"

bool vnic_domain_is_elem(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !n->ns && xmlStrEqual(n->name, BAD_CAST name);
}

char *vnic_domain_prop(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
    char *s = v ? vnic_xstrdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

void vnic_domain_parse_os(vnic_parse_ctx *ctx, xmlNode *root, vnic_domain_def *def)
{
    (void)ctx;
    bool seen_os = false;
    for (xmlNode *c = root->children; c; c = c->next) {
        if (vnic_domain_is_elem(c, "os") && !seen_os) {
            seen_os = true;
            unsigned nboot = 0;
            for (xmlNode *o = c->children; o; o = o->next) {
                if (vnic_domain_is_elem(o, "type") && !def->machine && !def->arch) {
                    def->machine = vnic_domain_prop(o, "machine");
                    def->arch = vnic_domain_prop(o, "arch");
                } else if (vnic_domain_is_elem(o, "boot")) {
                    _cleanup_free_ char *dev = vnic_domain_prop(o, "dev");
                    nboot++;
                    if (dev && vnic_streq(dev, "network") && !def->boot_network)
                        def->boot_network = nboot;
                }
            }
        } else if (vnic_domain_is_elem(c, "devices")) {
            /* libvirt gives <os><boot> no effect where any device has a boot order. */
            for (xmlNode *d = c->children; d; d = d->next)
                for (xmlNode *b = d->type == XML_ELEMENT_NODE ? d->children : NULL; b; b = b->next)
                    if (vnic_domain_is_elem(b, "boot") && xmlHasNsProp(b, BAD_CAST "order", NULL))
                        def->device_boot = true;
        }
    }
}

vnic_machine_kind vnic_domain_def_machine(const vnic_domain_def *def)
{
    const char *m = def->machine;
    if (!m) {
        const char *a = def->arch;
        return !a || vnic_streq(a, "x86_64") || vnic_streq(a, "i686") ? VNIC_MACHINE_I440FX
                                                                      : VNIC_MACHINE_OTHER;
    }
    if (vnic_streq(m, "q35") || vnic_str_has_prefix(m, "pc-q35-"))
        return VNIC_MACHINE_Q35;
    /* pc, pc-i440fx-X.Y, and the old pc-0.X/pc-1.X, which are i440fx too. */
    if (vnic_streq(m, "pc") || vnic_str_has_prefix(m, "pc-"))
        return VNIC_MACHINE_I440FX;
    return VNIC_MACHINE_OTHER;
}

unsigned vnic_domain_def_boot_index(const vnic_domain_def *def, size_t index)
{
    if (!def->boot_network || def->device_boot || index >= def->niface)
        return 0;
    return def->ifaces[index]->node_index == 0 ? def->boot_network : 0;
}

void vnic_pci_layout_clear(vnic_pci_layout *l)
{
    free(l->places);
    free(l->controllers);
    *l = (vnic_pci_layout){0};
}

static size_t add_controller(vnic_pci_layout *l, vnic_pci_controller c)
{
    l->controllers = vnic_xreallocarray(l->controllers, l->ncontrollers + 1, sizeof(c));
    l->controllers[l->ncontrollers] = c;
    return l->ncontrollers++;
}

void vnic_domain_pci_layout(const vnic_domain_def *def, vnic_pci_layout *ret)
{
    vnic_pci_layout l = {.machine = vnic_domain_def_machine(def)};
    l.places = vnic_xcalloc(def->niface ? def->niface : 1, sizeof(*l.places));

    bool root_used[VNIC_PCI_SLOT_MAX + 1] = {false};
    for (size_t i = 0; i < def->niface; i++) {
        const vnic_iface_def *d = def->ifaces[i];
        l.places[i].controller = -1;
        if (!d->has_pci_address)
            continue;
        const vnic_pci_controller_def *k =
            d->pci_bus ? vnic_domain_pci_controller(def, d->pci_bus) : NULL;
        l.places[i] = (vnic_pci_place){
            .placed = true,
            .explicit_ = true,
            .bus_id = k ? k->alias : NULL,
            .controller = -1,
            .bus = d->pci_bus,
            .slot = d->pci_slot,
            .function = d->pci_function,
            .multifunction = d->pci_multifunction == VNIC_TRISTATE_YES,
        };
        if (d->pci_bus == 0)
            root_used[d->pci_slot] = true;
    }
    /* The domain's own controllers on the root bus are where it says too. */
    for (size_t c = 0; c < def->npci_controllers; c++) {
        const vnic_pci_controller_def *k = &def->pci_controllers[c];
        if (k->has_address && k->bus == 0)
            root_used[k->slot] = true;
    }

    /* q35's slots for root ports: from the top down (QEMU fills from the bottom), below the
     * ICH9 functions in slot 0x1f, past slots the NICs' own addresses take. */
    unsigned port_slots[VNIC_PCI_MAX_PORT_SLOTS];
    size_t nport_slots = 0;
    for (unsigned s = 0x1e; s >= 0x10 && nport_slots < VNIC_PCI_MAX_PORT_SLOTS; s--)
        if (!root_used[s])
            port_slots[nport_slots++] = s;

    size_t k = 0; /* interfaces without an address so far */
    for (size_t i = 0; i < def->niface; i++) {
        if (def->ifaces[i]->has_pci_address || k++ < VNIC_PCI_ROOT_NICS)
            continue;
        size_t over = k - 1 - VNIC_PCI_ROOT_NICS; /* 0 for the first one behind a controller */
        vnic_pci_place *p = &l.places[i];
        if (l.machine == VNIC_MACHINE_I440FX) {
            size_t bridge = over / VNIC_PCI_BRIDGE_SLOTS;
            if (bridge >= VNIC_PCI_MAX_BRIDGES) {
                l.unplaced++;
                continue;
            }
            if (bridge == l.ncontrollers)
                add_controller(&l, (vnic_pci_controller){.root_port = false});
            *p = (vnic_pci_place){.placed = true,
                                  .controller = (int)bridge,
                                  .slot = 1 + (unsigned)(over % VNIC_PCI_BRIDGE_SLOTS)};
        } else if (l.machine == VNIC_MACHINE_Q35) {
            if (over / 8 >= nport_slots) {
                l.unplaced++;
                continue;
            }
            size_t c = add_controller(&l, (vnic_pci_controller){
                                              .root_port = true,
                                              .slot = port_slots[over / 8],
                                              .function = (unsigned)(over % 8),
                                              .multifunction = over % 8 == 0,
                                          });
            *p = (vnic_pci_place){.placed = true, .controller = (int)c};
        }
    }
    *ret = l;
}

static const char *machine_name(const vnic_domain_def *def)
{
    return def->machine ? def->machine : "pc";
}

/* An address against the domain's own controllers: not where one of them sits, and on a bus
 * whose controller takes a NIC at that slot (libvirt's rules for each model). */
static void check_controllers(vnic_parse_ctx *ctx, const vnic_domain_def *def,
                              const vnic_iface_def *d)
{
    for (size_t c = 0; c < def->npci_controllers; c++) {
        const vnic_pci_controller_def *k = &def->pci_controllers[c];
        if (k->has_address && k->bus == d->pci_bus && k->slot == d->pci_slot &&
            k->function == d->pci_function)
            vnic_diag_add(ctx->diags, ctx->file, d->address_line,
                          _("PCI address bus 0x%02x slot 0x%02x function 0x%x is also used by "
                            "the domain's PCI controller %u"),
                          d->pci_bus, d->pci_slot, d->pci_function, k->index);
    }
    const vnic_pci_controller_def *k =
        d->pci_bus ? vnic_domain_pci_controller(def, d->pci_bus) : NULL;
    int min, max;
    if (!k || vnic_pci_model_takes_slot(k->model, d->pci_slot, &min, &max))
        return;
    const char *model = vnic_pci_model_name(k->model);
    if (min < 0)
        vnic_diag_add(ctx->diags, ctx->file, d->address_line,
                      _("PCI address on bus 0x%02x: the domain's controller %u is a %s, which "
                        "holds no NIC, only other controllers"),
                      d->pci_bus, k->index, model);
    else if (min == max)
        vnic_diag_add(ctx->diags, ctx->file, d->address_line,
                      _("PCI address bus 0x%02x slot 0x%02x: the domain's controller %u is a %s, "
                        "whose only slot is 0x%02x"),
                      d->pci_bus, d->pci_slot, k->index, model, (unsigned)min);
    else
        vnic_diag_add(ctx->diags, ctx->file, d->address_line,
                      _("PCI address bus 0x%02x slot 0x%02x: the domain's controller %u is a %s, "
                        "whose slots for devices are 0x%02x to 0x%02x"),
                      d->pci_bus, d->pci_slot, k->index, model, (unsigned)min, (unsigned)max);
}

void vnic_domain_check_pci(vnic_parse_ctx *ctx, const vnic_domain_def *def)
{
    vnic_machine_kind kind = vnic_domain_def_machine(def);
    xmlHashTablePtr seen = xmlHashCreate(0);
    if (!seen)
        abort();
    for (size_t i = 0; i < def->niface; i++) {
        const vnic_iface_def *d = def->ifaces[i];
        if (!d->has_pci_address)
            continue;
        if (kind == VNIC_MACHINE_OTHER) {
            if (def->machine)
                vnic_diag_add(ctx->diags, ctx->file, d->address_line,
                              _("PCI <address> on machine '%s': vnic names the PCI buses of the "
                                "pc (i440fx) and q35 machines only"),
                              def->machine);
            else
                vnic_diag_add(ctx->diags, ctx->file, d->address_line,
                              _("PCI <address> on architecture '%s': vnic names the PCI buses of "
                                "the pc (i440fx) and q35 machines only"),
                              def->arch);
            continue;
        }
        check_controllers(ctx, def, d);
        char key[32];
        snprintf(key, sizeof(key), "%u:%u.%u", d->pci_bus, d->pci_slot, d->pci_function);
        const vnic_iface_def *first = xmlHashLookup(seen, BAD_CAST key);
        if (first)
            vnic_diag_add(ctx->diags, ctx->file, d->address_line,
                          _("PCI address bus 0x%02x slot 0x%02x function 0x%x is also used on "
                            "line %d"),
                          d->pci_bus, d->pci_slot, d->pci_function, first->address_line);
        else if (xmlHashAddEntry(seen, BAD_CAST key, (void *)d) < 0)
            abort();
    }
    xmlHashFree(seen, NULL);

    /* NICs past what the machine takes: refused when the domain names its machine (it is
     * then surely QEMU's); without one, QEMU places them as before, or says it cannot. */
    if (!def->machine || kind == VNIC_MACHINE_OTHER)
        return;
    vnic_pci_layout l;
    vnic_domain_pci_layout(def, &l);
    if (l.unplaced) {
        /* Every controller it may add is there once some NIC does not fit. */
        size_t most =
            VNIC_PCI_ROOT_NICS +
            (kind == VNIC_MACHINE_I440FX ? l.ncontrollers * VNIC_PCI_BRIDGE_SLOTS : l.ncontrollers);
        size_t nauto = 0;
        for (size_t i = 0; i < def->niface; i++)
            nauto += !def->ifaces[i]->has_pci_address;
        /* Name the first interface that does not fit. */
        size_t k = 0, first = 0;
        for (size_t i = 0; i < def->niface; i++)
            if (!def->ifaces[i]->has_pci_address && ++k == most + 1) {
                first = i;
                break;
            }
        vnic_diag_add(ctx->diags, ctx->file, def->ifaces[first]->line,
                      _("too many interfaces without a PCI <address> for machine '%s': %zu, of "
                        "which vnic places at most %zu (%d on the root bus, the rest behind the "
                        "%s it adds)"),
                      machine_name(def), nauto, most, VNIC_PCI_ROOT_NICS,
                      kind == VNIC_MACHINE_I440FX ? "pci-bridges" : "pcie-root-ports");
    }
    vnic_pci_layout_clear(&l);
}
