/* The <interface> model: what vnic knows of one host-side network device. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "cleanup.h"
#include "error.h"
#include "ifname.h"
#include "strutil.h"

#define VNIC_XMLNS "http://vnic.dev/xmlns/1.0"
#define VNIC_XMLNS_PREFIX "vnic"

#define VNIC_QUEUES_MAX 256
#define VNIC_MTU_MIN 68
#define VNIC_MTU_MAX 65535
#define VNIC_BOOT_ORDER_MAX 2147483647 /* QEMU's bootindex is an int32 */
#define VNIC_ACPI_INDEX_MAX 16383      /* QEMU refuses larger acpi-index values */

typedef enum {
    VNIC_IFACE_ETHERNET, /* a tun/tap device */
    VNIC_IFACE_DIRECT,   /* a macvtap device on a lower interface */
    VNIC_IFACE_TYPE_LAST
} vnic_iface_type;
VNIC_ENUM_DECL(vnic_iface_type, vnic_iface_type);

typedef enum {
    VNIC_MACVTAP_VEPA,
    VNIC_MACVTAP_BRIDGE,
    VNIC_MACVTAP_PRIVATE,
    VNIC_MACVTAP_PASSTHROUGH,
    VNIC_MACVTAP_MODE_LAST
} vnic_macvtap_mode;
VNIC_ENUM_DECL(vnic_macvtap_mode, vnic_macvtap_mode);

typedef enum {
    VNIC_LINK_DEFAULT, /* not given: up */
    VNIC_LINK_UP,
    VNIC_LINK_DOWN,
    VNIC_LINK_STATE_LAST
} vnic_link_state;
VNIC_ENUM_DECL(vnic_link_state, vnic_link_state);

typedef enum {
    VNIC_DRIVER_DEFAULT, /* not given */
    VNIC_DRIVER_QEMU,
    VNIC_DRIVER_VHOST,
    VNIC_DRIVER_NAME_LAST
} vnic_driver_name;
VNIC_ENUM_DECL(vnic_driver_name, vnic_driver_name);

typedef enum {
    VNIC_TRISTATE_ABSENT,
    VNIC_TRISTATE_YES,
    VNIC_TRISTATE_NO,
    VNIC_TRISTATE_LAST
} vnic_tristate;
VNIC_ENUM_DECL(vnic_tristate, vnic_tristate);

/* One direction of <bandwidth>: average 0 when the direction is absent; peak and burst 0 when
 * not given. */
typedef struct vnic_bandwidth_rate {
    unsigned long long average; /* KiB/s */
    unsigned long long peak;    /* KiB/s */
    unsigned long long burst;   /* KiB */
} vnic_bandwidth_rate;

/* The largest rate vnic hands the kernel: its rate fields are 32-bit bytes per second. */
#define VNIC_BANDWIDTH_RATE_MAX (0xffffffffULL / 1024)
/* The largest burst: the kernel keeps a burst as the time to send it, and 250 s of the
 * average rate stays below what its 32-bit clock ticks hold. */
#define VNIC_BANDWIDTH_BURST_SECONDS_MAX 250
/* An IPv4 or IPv6 address (network byte order), as <source><ip> and <route> hold them. */
typedef struct vnic_ip_addr {
    int family; /* AF_INET or AF_INET6 */
    uint8_t bytes[16];
} vnic_ip_addr;

#define VNIC_HOST_IPS_MAX 64 /* <ip> or <route> elements in one <source> */

/* <source><ip address= prefix= peer=/> of an ethernet interface: an address of the host side. */
typedef struct vnic_host_ip {
    int line;
    vnic_ip_addr addr;
    unsigned prefix;
    bool has_peer; /* a point-to-point peer (IFA_ADDRESS) */
    vnic_ip_addr peer;
} vnic_host_ip;

/* <source><route address= prefix= gateway= metric=/>: a route through the host side. */
typedef struct vnic_host_route {
    int line;
    vnic_ip_addr addr;
    unsigned prefix;
    vnic_ip_addr gateway;
    bool has_metric;
    unsigned metric;
} vnic_host_route;
/* The virtio-net switches of <driver> and its <host>/<guest> children, each on or off (libvirt's
 * words); which element and attribute each one is, iface_driver.c's table says, and which QEMU
 * property, the QEMU builder's. */
typedef enum {
    VNIC_DRV_IOEVENTFD,
    VNIC_DRV_EVENT_IDX,
    VNIC_DRV_RSS,
    VNIC_DRV_RSS_HASH_REPORT,
    VNIC_DRV_IOMMU,
    VNIC_DRV_ATS,
    VNIC_DRV_PACKED,
    VNIC_DRV_HOST_CSUM,
    VNIC_DRV_HOST_GSO,
    VNIC_DRV_HOST_TSO4,
    VNIC_DRV_HOST_TSO6,
    VNIC_DRV_HOST_ECN,
    VNIC_DRV_HOST_UFO,
    VNIC_DRV_HOST_MRG_RXBUF,
    VNIC_DRV_GUEST_CSUM,
    VNIC_DRV_GUEST_TSO4,
    VNIC_DRV_GUEST_TSO6,
    VNIC_DRV_GUEST_ECN,
    VNIC_DRV_GUEST_UFO,
    VNIC_DRV_SWITCH_LAST
} vnic_driver_switch;

typedef enum {
    VNIC_TXMODE_DEFAULT, /* not given */
    VNIC_TXMODE_IOTHREAD,
    VNIC_TXMODE_TIMER,
    VNIC_TXMODE_LAST
} vnic_txmode;
VNIC_ENUM_DECL(vnic_txmode, vnic_txmode);

#define VNIC_VIRTQUEUE_SIZE_MIN 256 /* QEMU's bounds for rx_queue_size and tx_queue_size */
#define VNIC_VIRTQUEUE_SIZE_MAX 1024

/* QEMU's PCI buses: slots 0..31, functions 0..7, bus numbers 0..255. */
#define VNIC_PCI_SLOT_MAX 31
#define VNIC_PCI_FUNCTION_MAX 7
#define VNIC_PCI_BUS_MAX 255

/* A value as a message shows it: control characters escaped, so that one diagnostic stays one
 * line. Caller frees. */
char *vnic_iface_shown(const char *v);

struct vnic_parse_ctx;
/* Attribute ATTR of an <address> element NODE as a PCI number (as libvirt reads them: 0x1f,
 * 010 octal, or decimal) up to MAX into *ret; absent: true, *ret untouched; otherwise a
 * diagnostic and false. */
bool vnic_pci_number(struct vnic_parse_ctx *ctx, xmlNode *node, const char *attr, unsigned long max,
                     unsigned *ret);

typedef struct vnic_iface_def {
    int line;            /* where the <interface> element starts */
    unsigned node_index; /* position among the document's interface elements */

    vnic_iface_type type;
    bool type_tap; /* written as the synonym type='tap'; kept on output */

    bool has_mac;
    uint8_t mac[6];

    char *source_dev; /* lower device of a macvtap */
    vnic_macvtap_mode mode;
    bool mode_given;

    char *target_dev; /* a name or a template with one %d; NULL: the backend's default */
    vnic_tristate managed;

    char *model;
    vnic_driver_name driver_name;
    /* The interface belongs to a <domain> whose type is not 'kvm' (QEMU's TCG): libvirt gives
     * its NICs no vhost-net, whatever <driver name> says (set by the domain parser). */
    bool domain_not_kvm;
    unsigned queues; /* 0: not given (one queue) */
    unsigned mtu;    /* 0: not given */
    vnic_link_state link;
    char *alias;

    char *owner_user; /* vnic:owner, a name or a number */
    char *owner_group;

    /* <backend tap='PATH' vhost='PATH'/>: other device nodes than /dev/net/tun and
     * /dev/vhost-net (absolute, checked when parsed; opened as character devices only). */
    char *backend_tap;
    char *backend_vhost;
    /* <tune><sndbuf>: the queues' send buffer in bytes (TUNSETSNDBUF, QEMU's sndbuf=). */
    bool has_sndbuf;
    unsigned long long sndbuf;

    /* What the guest-only elements say to QEMU, read from their attributes in no namespace
     * and checked when parsed. Builders of command lines and QMP objects use these fields,
     * never the kept nodes (whose other attributes are not options). */
    unsigned boot_order;       /* <boot order>: 1..INT32_MAX, 0 when absent */
    unsigned acpi_index;       /* <acpi index>: 1..VNIC_ACPI_INDEX_MAX, 0 when absent */
    vnic_tristate rom_bar;     /* <rom bar>: YES for on, NO for off */
    vnic_tristate rom_enabled; /* <rom enabled> */
    char *rom_file;            /* <rom file>: no control characters; may be empty */

    /* <address type='pci'>: where the NIC sits on the guest's PCI buses. Without a slot the
     * address asks for nothing (libvirt's "any PCI slot") and has_pci_address stays false. */
    bool has_pci_address;
    int address_line;
    unsigned pci_bus, pci_slot, pci_function;
    vnic_tristate pci_multifunction; /* YES for on, NO for off */

    /* <driver>'s virtio-net tuning (guest side): YES for on, NO for off; 0 when not given. */
    vnic_txmode txmode;
    unsigned rx_queue_size, tx_queue_size;
    vnic_tristate drv[VNIC_DRV_SWITCH_LAST];
    int driver_line; /* where <driver> is, for the model check after the whole interface */

    /* Guest-only elements and the comments written before them or after every element, copied
     * verbatim and written back after the rest, in the order read. */
    xmlNode **kept;
    size_t nkept;

    /* Comments written before a host-side element: written back before that element, which
     * the formatter may move into its canonical place, so a comment stays with what it says. */
    struct vnic_iface_comment {
        const char *before; /* the element's local name (static storage) */
        xmlNode *node;
    } * comments;
    size_t ncomments;

    /* <bandwidth> (iface_qos.c): libvirt's units, rates in KiB/s and bursts in KiB. */
    bool has_bandwidth;              /* given, perhaps empty: written back */
    vnic_bandwidth_rate bw_inbound;  /* towards the guest; average 0: not shaped */
    vnic_bandwidth_rate bw_outbound; /* from the guest; average 0: not policed */

    /* <coalesce><rx><frames max='N'/></rx></coalesce> (iface_qos.c). */
    bool has_coalesce_rx_frames;
    unsigned coalesce_rx_frames;
    /* The <source> of an ethernet interface (iface_host.c): the host side's addresses and
     * routes, set up after the device is made and gone with it. */
    bool host_source; /* the element was written, even empty */
    vnic_host_ip *host_ips;
    size_t nhost_ips;
    vnic_host_route *host_routes;
    size_t nhost_routes;

    /* <script path=/> and <downscript path=/> of an ethernet interface (iface_host.c): run
     * with the device's name after it is made and before it is removed (embed_script.c). */
    char *script;
    char *downscript;
} vnic_iface_def;

void vnic_iface_def_free(vnic_iface_def *def);
VNIC_DEFINE_CLEANUP(vnic_iface_def, vnic_iface_def_free)

/* Where diagnostics go while one document is parsed. */
typedef struct vnic_parse_ctx {
    const char *file;
    vnic_diag_list *diags;
    unsigned flags;
} vnic_parse_ctx;

/* Parse one <interface> element. Returns a new def, or NULL after adding at least one
 * diagnostic. *ret_skipped is set instead when the interface's type is one vnic does not
 * handle and the context asks to skip those. */
vnic_iface_def *vnic_iface_def_parse(vnic_parse_ctx *ctx, xmlNode *node, bool *ret_skipped);

/* Build the canonical <interface> element for def. NS is vnic's namespace to use for vnic:
 * elements, or NULL to declare it on the new element when needed. Caller owns the node. */
xmlNode *vnic_iface_def_format(const vnic_iface_def *def, xmlNs *ns);

/* Does the interface need vnic's namespace when formatted? */
bool vnic_iface_def_needs_ns(const vnic_iface_def *def);

/* Parse "xx:xx:xx:xx:xx:xx" (either case). Returns 0 or -EINVAL. */
int vnic_mac_parse(const char *s, uint8_t ret[6]);
/* Format as lowercase "xx:xx:xx:xx:xx:xx" into buf of at least 18 bytes. */
void vnic_mac_format(const uint8_t mac[6], char buf[static 18]);

/* Model names compare without regard to case, as in libvirt ('ViRtIo' is virtio). */

/* A virtio-net model: virtio, virtio-transitional, virtio-non-transitional, or a QEMU virtio-net
 * device name written as the model (virtio-net-pci, ...). */
bool vnic_model_is_virtio(const char *model);

/* Models whose queues carry a virtio-net header (virtio and the models QEMU gives the
 * header to as well). */
bool vnic_model_uses_vnet_hdr(const char *model);

/* The number of queues vnic opens for def: <driver queues> for a virtio model, else one (as
 * libvirt: other NIC models have one queue, and more fds would only be refused or ignored). */
unsigned vnic_iface_def_queues(const vnic_iface_def *def);

/* Does the launcher ask for vhost-net? Only <driver name='vhost'> on a virtio model: vhost-net
 * serves virtio queues only, so libvirt leaves it off for other models, and so does vnic; and
 * not in a domain whose type is not 'kvm' (libvirt gives TCG none). */
bool vnic_iface_def_vhost(const vnic_iface_def *def);

/* The vhost-net node of def: <backend vhost>, or $VNIC_VHOST_NET (an absolute path, read with
 * secure_getenv), or /dev/vhost-net. Static, the environment's or def's. */
#define VNIC_VHOST_NET_PATH "/dev/vhost-net"
const char *vnic_iface_def_vhost_path(const vnic_iface_def *def);

/* Whether vnic opens vhost-net for def's queues: never for <driver name='qemu'>, a model
 * that is not virtio, or an interface of a domain whose type is not 'kvm'; VNIC_VHOST_REQUIRED for
 * <driver name='vhost'> (a node that does not open is an error), VNIC_VHOST_TRY by default (one
 * that does not open means no vhost-net, as in libvirt). */
typedef enum { VNIC_VHOST_NEVER, VNIC_VHOST_TRY, VNIC_VHOST_REQUIRED } vnic_vhost_use;
vnic_vhost_use vnic_iface_def_vhost_use(const vnic_iface_def *def);

/* The send buffer a queue gets with TUNSETSNDBUF for <tune><sndbuf>N>: N, capped at INT_MAX,
 * and 0 meaning no limit (INT_MAX), as QEMU reads its sndbuf= (the kernel takes an int > 0). */
int vnic_iface_def_sndbuf_value(const vnic_iface_def *def);

/* The host side's MAC of a tap: the guest MAC with its first byte 0xFE (0xFA if the guest's
 * already is 0xFE), so the host never claims the guest's own address. */
void vnic_tap_host_mac(const uint8_t guest[6], uint8_t ret[6]);

/* A random locally administered unicast MAC in QEMU's 52:54:00 range, as libvirt makes. */
void vnic_mac_generate(uint8_t ret[6]);

/* Check one direction of <bandwidth> as the parser does (iface_qos.c): the ranges, peak not
 * below average, burst within what the kernel holds, nothing but an average of 0 (no limit)
 * when the average is 0. DIR ("inbound" or "outbound") names it in the message. */
int vnic_bandwidth_rate_check(const vnic_bandwidth_rate *r, const char *dir, vnic_error **err);
/* Format an address as inet_ntop does into buf of at least 46 bytes. */
void vnic_ip_addr_format(const vnic_ip_addr *a, char buf[static 46]);
