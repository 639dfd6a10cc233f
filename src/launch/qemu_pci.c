/* The PCI controllers vnic adds for the buses the interfaces' <address>es name. A domain that
 * virsh dumpxml writes puts NICs on bus N > 0, which is libvirt's PCI controller N, QEMU
 * device id "pci.N"; a launcher that does not define such a controller would have QEMU refuse
 * the NIC ("Bus 'pci.N' not found"). So vnic defines it, as libvirt's own controller would
 * be: on pc a pci-bridge (chassis N) on the root bus; on q35 a pcie-root-port (chassis N),
 * whose one slot is 0, or, when an address on the bus names another slot, a pcie-pci-bridge
 * "pci.N" behind a root port of its own. Where the launcher's command line defines pci.N
 * itself (`run` sees it), or the domain declares controller N (<controller type='pci'
 * index='N'>, which whoever builds the rest of the machine from the domain defines), vnic adds
 * nothing for that bus, so the two never clash. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "qemu.h"
#include "strutil.h"

/* Does ARGV define a device with id ID (an "id=ID" property of any option value)? */
static bool argv_defines(char *const *argv, const char *id)
{
    size_t len = strlen(id);
    for (size_t i = 0; argv && argv[i]; i++)
        for (const char *p = argv[i]; (p = strstr(p, "id=")); p += 3) {
            bool starts = p == argv[i] || p[-1] == ',';
            if (starts && strncmp(p + 3, id, len) == 0 && (p[3 + len] == ',' || !p[3 + len]))
                return true;
        }
    return false;
}

size_t vnic_qemu_bus_controller_args(const vnic_domain_def *def, const vnic_pci_layout *l,
                                     unsigned bus, char *const *launcher_argv, char **out)
{
    if (bus == 0 || l->machine == VNIC_MACHINE_OTHER)
        return 0;
    /* The domain declares the controller: whoever builds the machine from it defines it. */
    if (vnic_domain_pci_controller(def, bus))
        return 0;
    _cleanup_free_ char *id = vnic_xasprintf("pci.%u", bus);
    if (argv_defines(launcher_argv, id))
        return 0;
    size_t n = 0;
    if (l->machine == VNIC_MACHINE_I440FX) {
        out[n++] = vnic_xstrdup("-device");
        out[n++] = vnic_xasprintf("pci-bridge,id=%s,chassis_nr=%u,bus=pci.0", id, bus);
        return n;
    }
    /* q35: a root port has slot 0 only. (Its slot= stays 0: the chassis alone tells it from
     * vnic's own root ports, which use chassis 254 and slots from 1.) */
    bool other_slot = false;
    for (size_t i = 0; !other_slot && i < def->niface; i++)
        other_slot = l->places[i].explicit_ && l->places[i].bus == bus && l->places[i].slot != 0;
    if (!other_slot) {
        out[n++] = vnic_xstrdup("-device");
        out[n++] = vnic_xasprintf("pcie-root-port,id=%s,bus=pcie.0,chassis=%u", id, bus);
        return n;
    }
    out[n++] = vnic_xstrdup("-device");
    out[n++] = vnic_xasprintf("pcie-root-port,id=vnic-%s-port,bus=pcie.0,chassis=%u", id, bus);
    out[n++] = vnic_xstrdup("-device");
    out[n++] = vnic_xasprintf("pcie-pci-bridge,id=%s,bus=vnic-%s-port", id, id);
    return n;
}
