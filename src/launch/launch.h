/* Handing queue fds to domain launchers. */
#pragma once

#include <vnic/vnic.h>

#include "domain_conf.h"

/* The VNIC_FDS value for a launcher: one entry per interface, separated by ';', each
 * "ID DEVICE MAC VNET_HDR FD[,FD...]" (ID: alias or netN; VNET_HDR: 1 or 0; '-' for an
 * unknown device or MAC). Caller frees. */
char *vnic_fds_env(const vnic_domain_def *def, const size_t *counts, int first_fd);

/* The running domain's definition, with its actual device names. Caller frees. */
vnic_domain_def *vnic_launch_running_def(vnic_conn *conn, const char *name, vnic_error **err);
