/* A small QMP client (QEMU Machine Protocol, JSON over a unix socket), enough to pass fds and
 * hot-plug network devices. JSON is handled by json-c. */
#pragma once

#include <stdbool.h>

#include <json-c/json.h>

#include "error.h"

typedef struct vnic_qmp vnic_qmp;

/* How long QEMU may take to read a command and answer it. */
#define VNIC_QMP_TIMEOUT_MS 30000

/* Connect to a QMP socket, read the greeting and leave negotiation mode, all within
 * TIMEOUT_MS; every later command gets TIMEOUT_MS too. Memory held for the peer is bounded
 * (line length, queued events): going past a bound is an error. Caller closes. */
int vnic_qmp_open(const char *path, int timeout_ms, vnic_qmp **ret, vnic_error **err);
void vnic_qmp_close(vnic_qmp *q);

/* Execute a command with ARGS (may be NULL; not taken over), passing FD with SCM_RIGHTS if
 * FD >= 0. On success *ret (if not NULL) is the "return" value (caller puts it); a QMP error
 * becomes *err with QEMU's description. Events that arrive meanwhile are kept for
 * vnic_qmp_wait_event. */
int vnic_qmp_execute(vnic_qmp *q, const char *command, json_object *args, int fd, json_object **ret,
                     vnic_error **err);

/* set_link: the link of the NIC (or netdev) with id ID up or down, as the guest sees it. */
int vnic_qmp_set_link(vnic_qmp *q, const char *id, bool up, vnic_error **err);

/* After a timeout, a broken connection, a garbled or oversized message or too many events,
 * the stream is out of step and every later command fails at once: true from then on. */
bool vnic_qmp_broken(const vnic_qmp *q);

/* Wait up to timeout_ms for EVENT whose data.device is DEVICE (NULL: any). */
int vnic_qmp_wait_event(vnic_qmp *q, const char *event, const char *device, int timeout_ms,
                        vnic_error **err);

/* ---- the guest's PCI buses as QEMU shows them (qmp_pci.c) ------------------------------- */

/* query-pci: *ret is QEMU's list of root buses (caller puts it); anything else is an error. */
int vnic_qmp_query_pci(vnic_qmp *q, json_object **ret, vnic_error **err);

/* Does query-pci's answer PCI show a bridge or port with id BUS (whose secondary bus QEMU names
 * after it)? */
bool vnic_qmp_pci_has_bus(json_object *pci, const char *bus);

/* Where the device with id DEVICE is in PCI: into *ret (caller clears it), its bus named by the
 * bridge it sits behind, or ROOT (may be NULL) on a root bus. False when it is not shown. */
bool vnic_qmp_pci_locate(json_object *pci, const char *device, const char *root,
                         vnic_pci_location *ret);
