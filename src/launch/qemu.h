/* QEMU command lines for a domain's interfaces, in the shape libvirt generates:
 *   -netdev tap,id=hostALIAS,fd=N[,vhost=on|off]   (fds=A:B:... for several queues)
 *   -device MODEL,netdev=hostALIAS,id=ALIAS,mac=MAC[,mq=on,vectors=2Q+2][,host_mtu=M]... */
#pragma once

#include <stddef.h>

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

/* The arguments for interface INDEX whose queue fds have the numbers FDS[0..NFDS) in QEMU:
 * the -netdev and -device options with their values (4 strings). Caller frees with
 * vnic_strv_free. */
char **vnic_qemu_iface_args(const vnic_iface_def *def, size_t index, const int *fds, size_t nfds);

/* The arguments for every interface of def, whose fds are numbered consecutively from
 * FIRST_FD in interface order, COUNTS[i] queues for interface i. NULL-terminated; *ret_n
 * (if not NULL) is the number of strings. Caller frees with vnic_strv_free. */
char **vnic_qemu_domain_args(const vnic_domain_def *def, const size_t *counts, int first_fd,
                             size_t *ret_n);
