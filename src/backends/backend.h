/* The contract between the driver and a device backend.
 *
 * Each backend is a loadable module exporting one symbol, VNIC_BACKEND_SYMBOL, a const
 * struct vnic_backend_ops. No backend knows another exists; the driver picks one by the
 * interface type. Every operation either completes or leaves nothing behind. */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <netlink/netlink.h>

#include "error.h"
#include "iface_conf.h"
#include "netlink.h"

/* Bump when the ops table or the structures below change. */
#define VNIC_BACKEND_ABI_VERSION 1
#define VNIC_BACKEND_SYMBOL "vnic_backend"

/* What the driver lends a backend for one operation. */
typedef struct vnic_backend_env {
    struct nl_sock *nl; /* connected route netlink socket */
    const char *domain_name;
    const char *run_dir; /* private 0700 directory for device nodes and the like */
    /* A snapshot of the namespace's links taken once per operation, or NULL: backends use
     * it instead of dumping every link once per interface (O(interfaces x links)). */
    const vnic_link_info *links;
    size_t nlinks;
} vnic_backend_env;

/* The actual state of one device, filled by create (or adopt) and kept in the state
 * record. Plain data, so it can be written to disk and read back. */
typedef struct vnic_iface_runtime {
    char name[IF_NAMESIZE]; /* the device's name */
    int ifindex;
    unsigned queues;  /* queues the device was made for */
    bool vnet_hdr;    /* the queue fds carry a virtio-net header */
    bool multi_queue; /* made with IFF_MULTI_QUEUE (taps) */
    bool created;     /* vnic made it (false: managed='no', adopted as it is) */
    uint8_t mac[6];   /* the host side's MAC (taps) or the device's MAC (macvtaps) */
    unsigned mtu;
    int lower_ifindex;    /* macvtap: the lower device */
    bool saved_lower_mac; /* passthrough: lower_mac holds the lower device's own MAC */
    uint8_t lower_mac[6];
} vnic_iface_runtime;

/* Arguments of create beyond the definition. */
typedef struct vnic_backend_create_args {
    const char *name;         /* the concrete device name (the driver expands templates) */
    bool name_from_template;  /* on a name clash return -EEXIST quietly: the driver retries */
    const uint8_t *guest_mac; /* the guest MAC (the driver generates one if the XML has none) */
    const char *mark;         /* IFLA_IFALIAS proving the device is vnic's */
    unsigned group;           /* link group of the domain, for batch deletion */
} vnic_backend_create_args;

typedef struct vnic_backend_ops {
    unsigned abi_version;         /* VNIC_BACKEND_ABI_VERSION */
    const char *name;             /* "tap", "macvtap" */
    vnic_iface_type type;         /* the interface type it serves */
    const char *default_template; /* name template when the XML gives none */

    /* Check the definition against what this host can do, changing nothing. */
    int (*verify)(const vnic_backend_env *env, const vnic_iface_def *def, vnic_error **err);

    /* Make the device as the definition says and fill rt. On failure nothing is left. */
    int (*create)(const vnic_backend_env *env, const vnic_iface_def *def,
                  const vnic_backend_create_args *args, vnic_iface_runtime *rt, vnic_error **err);

    /* Open rt->queues queue fds (O_CLOEXEC) into fds. On failure none stays open. */
    int (*open_queues)(const vnic_backend_env *env, const vnic_iface_def *def,
                       const vnic_iface_runtime *rt, int *fds, vnic_error **err);

    /* Undo create: delete the device if it still exists and carries mark (a device that is
     * gone is success), restore what create changed elsewhere (a passthrough lower MAC).
     * A device vnic did not create (rt->created false) is left in place. */
    int (*destroy)(const vnic_backend_env *env, const vnic_iface_runtime *rt, const char *mark,
                   vnic_error **err);

    /* Find the device of a record again (reconcile): 0 and rt refreshed if it exists with
     * mark, -ENODEV if gone, another error if something else has its name. */
    int (*adopt)(const vnic_backend_env *env, const char *mark, vnic_iface_runtime *rt,
                 vnic_error **err);
} vnic_backend_ops;
