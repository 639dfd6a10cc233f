/* Handing queue fds to domain launchers. */
#pragma once

#include <vnic/vnic.h>

#include "domain_conf.h"
#include "snapshot.h"

/* The VNIC_FDS value for a launcher whose fds are SNAP's, numbered from FIRST_FD: one entry
 * per interface, separated by ';', each "ID DEVICE MAC VNET_HDR FD[,FD...]" (ID: the
 * interface's stable id, its alias; VNET_HDR: 1 or 0; '-' for an unknown device or MAC),
 * and " VHOSTFD[,VHOSTFD...]" after it for an interface with vhost-net fds (one per queue,
 * numbered right after its queue fds). Caller frees. */
char *vnic_fds_env(const vnic_domain_snapshot *snap, int first_fd);
