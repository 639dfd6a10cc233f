/* vnicd follows libvirt domains (follow.c). */
#pragma once

#include <vnic/vnic.h>

#include "daemon.h"

/* Follow the running vnic domain NAME (read on CONN, an embedded connection) in the libvirt
 * its <vnic:libvirt> mark names, which must be qemu:///system: when libvirt stops the domain,
 * vnicd destroys NAME; when libvirt no longer runs it already, NAME is destroyed now (and the
 * call succeeds). Thread-safe, once vnicd_follow_rearm has run. */
int vnicd_follow(vnicd_server *srv, vnic_conn *conn, const char *name, vnic_error **err);

/* At start, before any client is served (it records SRV for the threads that destroy): follow
 * again every running domain marked for qemu:///system (a failure is logged). */
void vnicd_follow_rearm(vnicd_server *srv, vnic_conn *conn);
