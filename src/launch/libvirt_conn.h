/* Reaching libvirt through its public API (libvirt_conn.c): connections on libvirt's default
 * event loop, libvirt's errors as vnic errors, and the macvtap nodes libvirt opens. */
#pragma once

#include <stdarg.h>

#include <libxml/tree.h>

#include <vnic/vnic.h>

#include "error.h"
#include "libvirt_sym.h"

/* Open a read-write connection to libvirt's URI. libvirt is loaded first if it is not yet
 * (vnic_virt_load: its failure is this call's). The first call in a process registers
 * libvirt's default event loop implementation (virEventRegisterDefaultImpl) and starts one
 * thread, with every signal blocked, that runs it for the rest of the process: events need a
 * running loop, and the embedded driver (qemu:///embed) refuses to open without one. Every
 * operation that needs libvirt opens its connection before it changes anything. */
int vnic_lv_open(const char *uri, virConnectPtr *ret, vnic_error **err);

/* Does libvirt at LV run the domain UUID? 1 yes, 0 no (it has no such domain, or it is not
 * active), a negative errno with *err set when libvirt cannot say. */
int vnic_lv_runs(virConnectPtr lv, const char *uuid, vnic_error **err);

/* Set *err (code VNIC_ERR_IO) to FMT's message followed by ": " and the message of libvirt's
 * last error in this thread (virGetLastError: what libvirt said), and reset that error.
 * Returns -EIO. */
int vnic_lv_error(vnic_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The nodes libvirt opens a managed='no' macvtap through: libvirt 9.0 opens /dev/tap<ifindex>
 * itself, by name. /dev is shared by every network namespace while ifindexes are not, so that
 * node may be missing (no udev in the namespace) or be another namespace's macvtap. For each
 * macvtap of INFO (its interface WHICH only, or all when WHICH is -1): the device number is read
 * from the right namespace's sysfs; a missing node is made, with a journal entry that lets a
 * later call remove it should this process be killed before vnic_lv_tap_nodes_drop (see
 * libvirt_nodes.c), and *ret lists what was made (NULL: nothing); a node of another device is
 * an error that says so, and nothing is changed. Nodes left by a killed vnic are removed first. */
typedef struct vnic_lv_nodes vnic_lv_nodes;
int vnic_lv_tap_nodes(const vnic_domain_info *info, int which, vnic_lv_nodes **ret,
                      vnic_error **err);

/* Unlink the nodes of MADE (libvirt has its fds by now, or failed) and their journal entries,
 * and free MADE; accepts NULL. */
void vnic_lv_tap_nodes_drop(vnic_lv_nodes *made);

/* The running vnic domain NAME as libvirt gets it: *ret_doc is vnic_domain_get_xml's XML
 * rewritten with the actual devices (libvirt_xml.c), *ret_info what vnic_domain_lookup says
 * (its interfaces in the order of the rewrite). Both the caller's. */
int vnic_lv_domain_doc(vnic_conn *conn, const char *name, xmlDoc **ret_doc,
                       vnic_domain_info **ret_info, vnic_error **err);
