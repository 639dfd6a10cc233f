/* Device settings through the SIOCETHTOOL ioctl, in the calling thread's network namespace. */
#pragma once

#include "error.h"

/* Set the receive coalescing of device IFNAME to FRAMES frames per batch (ETHTOOL_SCOALESCE,
 * rx_max_coalesced_frames), keeping its other coalescing values. *ret_old (may be NULL) gets
 * the value before. -EOPNOTSUPP when the device's driver has no coalescing settings. */
int vnic_ethtool_set_rx_frames(const char *ifname, unsigned frames, unsigned *ret_old,
                               vnic_error **err);
