/* QEMU command lines for a domain's interfaces, in the shape libvirt generates:
 *   -netdev tap,id=hostALIAS,fd=N[,vhost=on|off]   (fds=A:B:... for several queues)
 *   -device MODEL,netdev=hostALIAS,id=ALIAS,mac=MAC[,mq=on,vectors=2Q+2][,host_mtu=M]... */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "domain_conf.h"

/* The QEMU device for a model, whatever the case it is written in: virtio -> virtio-net-pci,
 * no model -> rtl8139 (QEMU's and libvirt's default for x86), others in lower case as QEMU
 * names its devices (E1000 -> e1000). Caller frees. */
char *vnic_qemu_device_model(const vnic_iface_def *def);

/* The id of interface INDEX: its alias, or "netINDEX" without one. Caller frees. */
char *vnic_qemu_iface_id(const vnic_iface_def *def, size_t index);

/* The id of interface INDEX within its domain: its alias, or "netINDEX" unless an alias of the
 * domain already is that (then "netINDEX-K"). Caller frees. */
char *vnic_qemu_domain_iface_id(const vnic_domain_def *dom, size_t index);

/* A QEMU NIC as properties, in order, rendered both as a command-line option (-netdev,
 * -device) and as QMP arguments (netdev_add, device_add), so that a hot-plugged NIC is the
 * same NIC as one on the command line. */
typedef enum {
    VNIC_QEMU_PROP_STRING,
    VNIC_QEMU_PROP_INT,
    VNIC_QEMU_PROP_BOOL,
} vnic_qemu_prop_kind;

typedef struct {
    const char *key; /* static */
    vnic_qemu_prop_kind kind;
    char *str; /* STRING: owned */
    long long num;
    bool flag;
} vnic_qemu_prop;

typedef struct {
    vnic_qemu_prop *items;
    size_t n;
} vnic_qemu_props;

void vnic_qemu_props_clear(vnic_qemu_props *p);

/* The netdev id of the NIC whose device has id ID ("hostID"). Caller frees. */
char *vnic_qemu_netdev_id(const char *id);

/* The properties of interface DEF as the QEMU NIC with device id ID: *ret_netdev (type first)
 * and *ret_device (driver first). Its NFDS queue fds are named in QEMU by FDNAMES: numbers on
 * a command line, getfd names over QMP. Caller clears both. */
void vnic_qemu_nic_props(const vnic_iface_def *def, const char *id, const char *const *fdnames,
                         size_t nfds, vnic_qemu_props *ret_netdev, vnic_qemu_props *ret_device);

/* Give the netdev NETDEV (of vnic_qemu_nic_props) the N vhost-net fds named NAMES (numbers
 * or getfd names, one per queue): vhost=on and vhostfd= (one) or vhostfds=A:B:... right after
 * it. N 0 changes nothing: vhost= is then what the definition says (on only for
 * <driver name='vhost'>, which lets QEMU open /dev/vhost-net itself). */
void vnic_qemu_netdev_vhostfds(vnic_qemu_props *netdev, const char *const *names, size_t n);

/* The command-line value: the first property without its key, commas in values doubled.
 * Caller frees. */
char *vnic_qemu_props_format(const vnic_qemu_props *p);

/* The QMP arguments: an object with every property, strings, integers and booleans as such.
 * Caller puts it. */
json_object *vnic_qemu_props_to_json(const vnic_qemu_props *p);

/* The arguments for interface INDEX whose queue fds have the numbers FDS[0..NFDS) in QEMU:
 * the -netdev and -device options with their values (4 strings). Caller frees with
 * vnic_strv_free. */
char **vnic_qemu_iface_args(const vnic_iface_def *def, size_t index, const int *fds, size_t nfds);

/* The arguments for every interface of def, whose fds are numbered consecutively from
 * FIRST_FD in interface order, COUNTS[i] queues for interface i. NULL-terminated; *ret_n
 * (if not NULL) is the number of strings. Caller frees with vnic_strv_free. */
char **vnic_qemu_domain_args(const vnic_domain_def *def, const size_t *counts, int first_fd,
                             size_t *ret_n);

/* As vnic_qemu_domain_args, with VHOST_COUNTS[i] vhost-net fds (NULL: none) numbered right
 * after interface i's queue fds: A queues, then A vhost fds, then the next interface's. */
char **vnic_qemu_domain_args_vhost(const vnic_domain_def *def, const size_t *counts,
                                   const size_t *vhost_counts, int first_fd, size_t *ret_n);
/* As vnic_qemu_domain_args_vhost for a launcher whose own arguments are LAUNCHER_ARGV (may be
 * NULL): the PCI controller pci.N for a bus N > 0 that an <address> names is added unless
 * LAUNCHER_ARGV defines it (qemu_pci.c). */
char **vnic_qemu_domain_args_launcher(const vnic_domain_def *def, const size_t *counts,
                                      const size_t *vhost_counts, int first_fd,
                                      char *const *launcher_argv, size_t *ret_n);

/* The -device options (0, 2 or 4 strings, stored in OUT) of the controller "pci.N" for bus BUS
 * > 0 of DEF with layout L, or none where LAUNCHER_ARGV (may be NULL) defines pci.N. */
size_t vnic_qemu_bus_controller_args(const vnic_domain_def *def, const vnic_pci_layout *l,
                                     unsigned bus, char *const *launcher_argv, char **out);

/* Add to DEVICE where interface INDEX goes on the guest's PCI buses by layout L (bus, addr,
 * multifunction), if anywhere. */
void vnic_qemu_place_props(const vnic_pci_layout *l, size_t index, vnic_qemu_props *device);

/* The same for interface INDEX of DOM hot-plugged: only an address it has itself. */
void vnic_qemu_hotplug_props(const vnic_domain_def *dom, size_t index, vnic_qemu_props *device);

/* QEMU's id of the bus the <address> of interface INDEX of DOM names (the machine's root bus,
 * pci.N, or the alias of the domain's controller N), with its number in *ret_bus; NULL when
 * the interface has no address. Caller frees. */
char *vnic_qemu_hotplug_bus(const vnic_domain_def *dom, size_t index, unsigned *ret_bus);

/* QEMU's id of the root bus of DOM's machine: "pci.0" (pc), "pcie.0" (q35), or NULL. */
const char *vnic_qemu_root_bus(const vnic_domain_def *dom);
