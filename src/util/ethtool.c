/* SIOCETHTOOL requests (see ethtool.h). */
#include "config.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "ethtool.h"
#include "fault.h"
#include "i18n.h"
#include "strutil.h"

int vnic_ethtool_set_rx_frames(const char *ifname, unsigned frames, unsigned *ret_old,
                               vnic_error **err)
{
    struct ifreq ifr = {0};
    if (!vnic_strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name)))
        return vnic_error_set(err, VNIC_ERR_INVALID, _("device name '%s' is too long"), ifname),
               -ENAMETOOLONG;
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return vnic_error_set_errno(err, errno, _("cannot open a socket for ethtool requests")),
               -errno;

    struct ethtool_coalesce ec = {.cmd = ETHTOOL_GCOALESCE};
    ifr.ifr_data = (void *)&ec;
    if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) {
        int e = errno;
        vnic_error_set_errno(err, e, _("cannot read the coalescing settings of device '%s'"),
                             ifname);
        return -e;
    }
    unsigned old = ec.rx_max_coalesced_frames;
    ec.cmd = ETHTOOL_SCOALESCE;
    ec.rx_max_coalesced_frames = frames;
    int fe = vnic_fault_fail("ethtool-scoalesce");
    if (fe || ioctl(fd, SIOCETHTOOL, &ifr) < 0) {
        int e = fe ? fe : errno;
        vnic_error_set_errno(err, e, _("cannot set the coalescing settings of device '%s'"),
                             ifname);
        return -e;
    }
    if (ret_old)
        *ret_old = old;
    return 0;
}
