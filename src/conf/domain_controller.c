/* The domain's own PCI controllers (<controller type='pci'>): the buses a whole <domain>
 * declares, and with which model. The launcher that reads the rest of the domain (libvirt, or
 * whatever builds the machine from it) defines those, so vnic names their buses as libvirt does
 * (QEMU id "pci.N", or the controller's user alias), adds no controller of its own for them,
 * and refuses an interface <address> that such a bus cannot hold. The elements stay in the
 * document and are formatted back as written. */
#include "config.h"

#include <string.h>

#include "domain_conf.h"
#include "i18n.h"
#include "xml_line.h"

/* libvirt's names, and the slots of each model's bus an endpoint (a NIC) may take: -1 for a
 * bus that holds only other controllers. A pci-bridge's slot 0 (and a pcie-to-pci-bridge's)
 * is its hot-plug controller's; the roots' slot 0 is the host bridge; a port has one slot. */
static const struct {
    const char *name;
    int min_slot, max_slot;
} models[VNIC_PCI_MODEL_LAST] = {
    [VNIC_PCI_MODEL_NONE] = {NULL, 0, VNIC_PCI_SLOT_MAX},
    [VNIC_PCI_MODEL_PCI_ROOT] = {"pci-root", 1, VNIC_PCI_SLOT_MAX},
    [VNIC_PCI_MODEL_PCIE_ROOT] = {"pcie-root", 1, VNIC_PCI_SLOT_MAX},
    [VNIC_PCI_MODEL_PCI_BRIDGE] = {"pci-bridge", 1, VNIC_PCI_SLOT_MAX},
    [VNIC_PCI_MODEL_DMI_TO_PCI_BRIDGE] = {"dmi-to-pci-bridge", 0, VNIC_PCI_SLOT_MAX},
    [VNIC_PCI_MODEL_PCIE_ROOT_PORT] = {"pcie-root-port", 0, 0},
    [VNIC_PCI_MODEL_PCIE_SWITCH_UPSTREAM_PORT] = {"pcie-switch-upstream-port", -1, -1},
    [VNIC_PCI_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT] = {"pcie-switch-downstream-port", 0, 0},
    [VNIC_PCI_MODEL_PCI_EXPANDER_BUS] = {"pci-expander-bus", 0, VNIC_PCI_SLOT_MAX},
    [VNIC_PCI_MODEL_PCIE_EXPANDER_BUS] = {"pcie-expander-bus", -1, -1},
    [VNIC_PCI_MODEL_PCIE_TO_PCI_BRIDGE] = {"pcie-to-pci-bridge", 1, VNIC_PCI_SLOT_MAX},
};

const char *vnic_pci_model_name(vnic_pci_model model)
{
    return model > VNIC_PCI_MODEL_NONE && model < VNIC_PCI_MODEL_LAST ? models[model].name : "?";
}

bool vnic_pci_model_takes_slot(vnic_pci_model model, unsigned slot, int *ret_min, int *ret_max)
{
    *ret_min = models[model].min_slot;
    *ret_max = models[model].max_slot;
    return *ret_min >= 0 && (int)slot >= *ret_min && (int)slot <= *ret_max;
}

void vnic_domain_controllers_clear(vnic_domain_def *def)
{
    for (size_t i = 0; i < def->npci_controllers; i++)
        free(def->pci_controllers[i].alias);
    free(def->pci_controllers);
    def->pci_controllers = NULL;
    def->npci_controllers = 0;
}

const vnic_pci_controller_def *vnic_domain_pci_controller(const vnic_domain_def *def,
                                                          unsigned index)
{
    for (size_t i = 0; i < def->npci_controllers; i++)
        if (def->pci_controllers[i].index == index)
            return &def->pci_controllers[i];
    return NULL;
}

/* A user alias is QEMU's id of the controller, and so of its bus: libvirt takes "ua-" and
 * letters, digits, '_' and '-' after it. Others (libvirt's own "pci.N" in a live dump) name
 * the bus as libvirt does anyway. */
static char *user_alias(xmlNode *c)
{
    for (xmlNode *a = c->children; a; a = a->next) {
        if (!vnic_domain_is_elem(a, "alias"))
            continue;
        _cleanup_free_ char *name = vnic_domain_prop(a, "name");
        if (!name || !vnic_str_has_prefix(name, "ua-") || strlen(name) > 64)
            return NULL;
        for (const char *p = name + 3; *p; p++)
            if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
                !(*p >= '0' && *p <= '9') && *p != '_' && *p != '-')
                return NULL;
        return TAKE_PTR(name);
    }
    return NULL;
}

static bool parse_one(vnic_parse_ctx *ctx, xmlNode *c, vnic_pci_controller_def *ret)
{
    int line = vnic_xml_node_line(c);
    _cleanup_free_ char *index = vnic_domain_prop(c, "index");
    _cleanup_free_ char *model = vnic_domain_prop(c, "model");
    unsigned long n;
    /* Without an index libvirt gives it the lowest free one: it names no bus vnic can know. */
    if (!index)
        return false;
    if (vnic_parse_uint(index, 0, VNIC_PCI_BUS_MAX, &n) < 0) {
        _cleanup_free_ char *sv = vnic_iface_shown(index);
        vnic_diag_add(ctx->diags, ctx->file, line,
                      _("invalid index '%s' of <controller type='pci'> (expected a number from 0 "
                        "to %d)"),
                      sv, VNIC_PCI_BUS_MAX);
        return false;
    }
    vnic_pci_controller_def d = {.index = (unsigned)n, .line = line};
    if (model) {
        for (int m = VNIC_PCI_MODEL_NONE + 1; m < VNIC_PCI_MODEL_LAST && !d.model; m++)
            if (vnic_streq(model, models[m].name))
                d.model = (vnic_pci_model)m;
        if (!d.model) {
            _cleanup_free_ char *sv = vnic_iface_shown(model);
            vnic_diag_add(ctx->diags, ctx->file, line,
                          _("unknown PCI controller model '%s' (libvirt's are pci-root, "
                            "pcie-root, pci-bridge, dmi-to-pci-bridge, pcie-root-port, "
                            "pcie-switch-upstream-port, pcie-switch-downstream-port, "
                            "pci-expander-bus, pcie-expander-bus, pcie-to-pci-bridge)"),
                          sv);
            return false;
        }
        /* As libvirt: controller 0 is the machine's root bus and nothing else is; a domain
         * that says otherwise names buses no launcher makes. */
        bool root = d.model == VNIC_PCI_MODEL_PCI_ROOT || d.model == VNIC_PCI_MODEL_PCIE_ROOT;
        if (root != (d.index == 0)) {
            if (root)
                vnic_diag_add(ctx->diags, ctx->file, line,
                              _("a %s is the root bus, PCI controller 0, not controller %u"),
                              models[d.model].name, d.index);
            else
                vnic_diag_add(ctx->diags, ctx->file, line,
                              _("PCI controller 0 is the root bus: its model is pci-root or "
                                "pcie-root, not %s"),
                              models[d.model].name);
            return false;
        }
    }
    for (xmlNode *a = c->children; a; a = a->next) {
        _cleanup_free_ char *type =
            vnic_domain_is_elem(a, "address") ? vnic_domain_prop(a, "type") : NULL;
        if (!type || !vnic_streq(type, "pci"))
            continue;
        _cleanup_free_ char *slot = vnic_domain_prop(a, "slot");
        bool ok = vnic_pci_number(ctx, a, "bus", VNIC_PCI_BUS_MAX, &d.bus);
        ok &= vnic_pci_number(ctx, a, "slot", VNIC_PCI_SLOT_MAX, &d.slot);
        ok &= vnic_pci_number(ctx, a, "function", VNIC_PCI_FUNCTION_MAX, &d.function);
        if (!ok)
            return false;
        d.has_address = slot != NULL;
        break;
    }
    d.alias = user_alias(c);
    *ret = d;
    return true;
}

void vnic_domain_parse_controllers(vnic_parse_ctx *ctx, xmlNode *root, vnic_domain_def *def)
{
    for (xmlNode *d = root->children; d; d = d->next) {
        if (!vnic_domain_is_elem(d, "devices"))
            continue;
        for (xmlNode *c = d->children; c; c = c->next) {
            _cleanup_free_ char *type =
                vnic_domain_is_elem(c, "controller") ? vnic_domain_prop(c, "type") : NULL;
            vnic_pci_controller_def one;
            if (!type || !vnic_streq(type, "pci") || !parse_one(ctx, c, &one))
                continue;
            const vnic_pci_controller_def *first = vnic_domain_pci_controller(def, one.index);
            if (first) {
                vnic_diag_add(ctx->diags, ctx->file, one.line,
                              _("PCI controller index %u is also declared on line %d"), one.index,
                              first->line);
                free(one.alias);
                continue;
            }
            def->pci_controllers =
                vnic_xreallocarray(def->pci_controllers, def->npci_controllers + 1, sizeof(one));
            def->pci_controllers[def->npci_controllers++] = one;
        }
    }
}
