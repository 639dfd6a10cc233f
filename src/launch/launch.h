/* Handing queue fds to domain launchers. */
#pragma once

#include <sys/types.h>

#include <vnic/vnic.h>

#include "domain_conf.h"
#include "snapshot.h"

/* The VNIC_FDS value for a launcher whose fds are SNAP's, numbered from FIRST_FD: one entry
 * per interface, separated by ';', each "ID DEVICE MAC VNET_HDR FD[,FD...]" (ID: the
 * interface's stable id, its alias; VNET_HDR: 1 or 0; '-' for an unknown device or MAC),
 * and " VHOSTFD[,VHOSTFD...]" after it for an interface with vhost-net fds (one per queue,
 * numbered right after its queue fds). Caller frees. */
char *vnic_fds_env(const vnic_domain_snapshot *snap, int first_fd);

/* vnic_run with a QMP socket (runlink.c). Does DEF have an interface whose guest link starts
 * down? */
bool vnic_run_needs_qmp(const vnic_domain_def *def);

/* Connect to the QMP socket SOCKET of the launcher CHILD (waiting, bounded, for it to appear
 * while CHILD lives) and set the guest link of every interface of DEF with <link
 * state='down'/> down. CHILD is never reaped here. */
int vnic_run_guest_links(const vnic_domain_def *def, const char *socket, pid_t child,
                         vnic_error **err);

/* Stop the launcher CHILD: SIGTERM, SIGKILL after 5 s. Not reaped. */
void vnic_run_stop_child(pid_t child);

/* Is a launcher's TARGET a domain XML file (a '/' in it, or ending in .xml) rather than a
 * domain's name? */
bool vnic_launch_target_is_file(const char *s);

/* At the end of a launch whose result so far is R: destroy the domain NAME it started. Returns
 * R, or, when R was a success and the destroy failed, -EIO with *err the destroy's error. */
int vnic_launch_destroy(vnic_conn *conn, const char *name, int r, vnic_error **err);
