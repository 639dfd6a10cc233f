/* vnic backend SDK — the contract between vnic's driver and a device backend module.
 *
 * A backend is a loadable module (*.so) in a backend directory (pkg-config --variable=
 * backenddir vnic-backend) exporting one symbol, VNIC_BACKEND_SYMBOL: a const
 * vnic_backend_ops whose abi_version is VNIC_BACKEND_ABI_VERSION. vnic also loads modules of
 * ABI version 2 (VNIC_BACKEND_ABI_VERSION_MIN; their table ends before create_batch) and
 * refuses any other version by name. One module serves one interface type; the registry, not the
 * module, decides which module serves an interface.
 *
 * What a module may rely on:
 *   - this header and <vnic/vnic.h> (the vnic_error type, vnic_error_free), and the functions
 *     declared in them, which libvnic exports;
 *   - libnl-3 and libnl-route-3: env->nl is a connected NETLINK_ROUTE socket of libnl;
 *   - nothing else of vnic: no internal header, no internal symbol. Every structure below
 *     belongs to one ABI version; any change to one bumps VNIC_BACKEND_ABI_VERSION.
 *
 * Conventions: operations return 0 on success, a negative errno on failure with *err set
 * (err is never NULL when the driver calls an operation, and *err is NULL on entry). Every
 * operation either completes or leaves nothing behind. Every fd a module opens is O_CLOEXEC.
 * Calls come from one thread at a time per connection; a module keeps no global state that
 * two connections could share unsafely. */
#pragma once

#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vnic/vnic.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever anything below changes in a way a built module would notice. */
#define VNIC_BACKEND_ABI_VERSION 3
/* The oldest ABI version vnic still loads. Version 3 added create_batch at the end of the
 * ops table (a version 2 module's table ends before it, and vnic then never reads it) and
 * vnic_backend_env.mark at the end of the environment (which a version 2 module never reads). */
#define VNIC_BACKEND_ABI_VERSION_MIN 2
#define VNIC_BACKEND_SYMBOL "vnic_backend"

struct nl_sock; /* libnl-3 */

/* ---- the interface definition, as a backend sees it ------------------------------------ */

/* The interface types a backend can serve (the values are part of the ABI). */
typedef enum {
    VNIC_BACKEND_TYPE_ETHERNET = 0, /* <interface type='ethernet'> (or 'tap') */
    VNIC_BACKEND_TYPE_DIRECT = 1,   /* <interface type='direct'> */
    VNIC_BACKEND_TYPE_LAST
} vnic_backend_type;

/* <source mode> of a direct interface (the values are part of the ABI). */
typedef enum {
    VNIC_BACKEND_MODE_VEPA = 0,
    VNIC_BACKEND_MODE_BRIDGE = 1,
    VNIC_BACKEND_MODE_PRIVATE = 2,
    VNIC_BACKEND_MODE_PASSTHROUGH = 3,
    VNIC_BACKEND_MODE_LAST
} vnic_backend_mode;

/* One <interface> of the domain, read-only. Opaque: valid for the duration of the call it
 * is passed to; strings returned by the accessors belong to it. */
typedef struct vnic_backend_iface vnic_backend_iface;

vnic_backend_type vnic_backend_iface_type(const vnic_backend_iface *iface);
/* Position among the domain's interfaces, from 0. */
unsigned vnic_backend_iface_index(const vnic_backend_iface *iface);
/* <alias name>, or NULL. */
const char *vnic_backend_iface_alias(const vnic_backend_iface *iface);
/* <source dev> (the lower device of a direct interface), or NULL. */
const char *vnic_backend_iface_source_dev(const vnic_backend_iface *iface);
/* <source mode>; VNIC_BACKEND_MODE_VEPA when not given (libvirt's default). */
vnic_backend_mode vnic_backend_iface_source_mode(const vnic_backend_iface *iface);
/* <target dev> as written (a name, or a template with one %d), or NULL. The device name to
 * create is vnic_backend_create_args.name, which the driver derives from it. */
const char *vnic_backend_iface_target_dev(const vnic_backend_iface *iface);
/* false for <target managed='no'>: the device exists already and is used as it is. */
bool vnic_backend_iface_managed(const vnic_backend_iface *iface);
/* The guest MAC of <mac address> into ret; false (ret untouched) when the XML has none. */
bool vnic_backend_iface_mac(const vnic_backend_iface *iface, uint8_t ret[6]);
/* <mtu size>, or 0 when not given. */
unsigned vnic_backend_iface_mtu(const vnic_backend_iface *iface);
/* The number of queues vnic opens: <driver queues> for a virtio model, else 1. */
unsigned vnic_backend_iface_queues(const vnic_backend_iface *iface);
/* <model type> as written, or NULL. */
const char *vnic_backend_iface_model(const vnic_backend_iface *iface);
/* Do the model's queues carry a virtio-net header? */
bool vnic_backend_iface_vnet_hdr(const vnic_backend_iface *iface);
/* false for <link state='down'/>: the device is to stay down. */
bool vnic_backend_iface_link_up(const vnic_backend_iface *iface);
/* vnic:owner user and group as written (a name or a number), or NULL. */
const char *vnic_backend_iface_owner_user(const vnic_backend_iface *iface);
const char *vnic_backend_iface_owner_group(const vnic_backend_iface *iface);
/* <backend tap='PATH'>: the node to open instead of /dev/net/tun (ethernet), or NULL. An
 * absolute path; open it as a character device and through no symbolic link. (SDK 1.1) */
const char *vnic_backend_iface_tap_path(const vnic_backend_iface *iface);
/* <tune><sndbuf>: true and *ret the send buffer for TUNSETSNDBUF on every queue fd (bytes, an
 * int > 0: 0 in the XML, no limit, is INT_MAX); false (ret untouched) when the XML has none.
 * (SDK 1.1) */
bool vnic_backend_iface_sndbuf(const vnic_backend_iface *iface, int *ret);

/* ---- what the driver lends a backend --------------------------------------------------- */

#define VNIC_BACKEND_ALIAS_MAX 255 /* Linux's IFALIASZ less the NUL */

/* A link of the network namespace, as the driver read it. Plain data. */
typedef struct vnic_backend_link {
    int ifindex;
    char name[IF_NAMESIZE];
    char kind[32]; /* "macvtap", "tun", "veth", ...; empty when the kernel gives none */
    char alias[VNIC_BACKEND_ALIAS_MAX + 1];
    uint8_t mac[6];
    unsigned mtu;
    unsigned flags; /* IFF_UP, ... */
    unsigned group;
    int link;         /* the lower device's ifindex, 0 if none */
    int macvlan_mode; /* MACVLAN_MODE_* for macvlan/macvtap, else -1 */
    unsigned num_tx_queues;
} vnic_backend_link;

/* What the driver lends a backend for one operation. */
typedef struct vnic_backend_env {
    struct nl_sock *nl; /* a connected route netlink socket (libnl-3) */
    const char *domain_name;
    const char *run_dir; /* private 0700 directory for device nodes and the like */
    /* A snapshot of the namespace's links taken once per operation, or NULL: backends use
     * it instead of dumping every link once per interface (O(interfaces x links)). */
    const vnic_backend_link *links;
    size_t nlinks;
    /* open_queues: the mark (IFLA_IFALIAS) of the interface whose queues are opened, or NULL.
     * With it a backend can recognise its device without asking the kernel. (SDK 3) */
    const char *mark;
} vnic_backend_env;

/* The link called NAME in env's snapshot, or NULL (no such link, or no snapshot: ask the
 * kernel then). Owned by the snapshot. */
const vnic_backend_link *vnic_backend_env_find_link(const vnic_backend_env *env, const char *name);

/* ---- results --------------------------------------------------------------------------- */

/* The actual state of one device, filled by create (or adopt) and kept in the state
 * record. Plain data, so it can be written to disk and read back. The driver zeroes it
 * before create; reserved stays zero (room for fields added without an ABI bump). */
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
    uint64_t reserved[8];
} vnic_iface_runtime;

/* Arguments of create beyond the definition. */
typedef struct vnic_backend_create_args {
    const char *name;         /* the concrete device name (the driver expands templates) */
    bool name_from_template;  /* on a name clash return -EEXIST quietly: the driver retries */
    const uint8_t *guest_mac; /* the guest MAC (the driver generates one if the XML has none) */
    const char *mark;         /* IFLA_IFALIAS proving the device is vnic's */
    unsigned group;           /* link group of the domain, for batch deletion */
} vnic_backend_create_args;

/* ---- the operations table -------------------------------------------------------------- */

typedef struct vnic_backend_ops {
    unsigned abi_version;         /* VNIC_BACKEND_ABI_VERSION */
    const char *name;             /* "tap", "macvtap": unique, stored in state records */
    vnic_backend_type type;       /* the interface type it serves */
    const char *default_template; /* name template when the XML gives none */

    /* Check the definition against what this host can do, changing nothing. */
    int (*verify)(const vnic_backend_env *env, const vnic_backend_iface *iface, vnic_error **err);

    /* Make the device as the definition says and fill rt. On failure nothing is left. */
    int (*create)(const vnic_backend_env *env, const vnic_backend_iface *iface,
                  const vnic_backend_create_args *args, vnic_iface_runtime *rt, vnic_error **err);

    /* Open rt->queues queue fds (O_CLOEXEC) into fds. On failure none stays open. */
    int (*open_queues)(const vnic_backend_env *env, const vnic_backend_iface *iface,
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

    /* ---- ABI 3 (optional: NULL, and absent from a version 2 table) ---- */

    /* Make several devices of one domain at once, as n calls of create would (ifaces[i] with
     * args[i] into rts[i]), with the kernel's work pipelined: netlink requests sent many to
     * one send and their acknowledgements collected after. The driver calls it with the
     * domain's interfaces of this backend when there are two or more, all verified, each
     * args[i] as create would get it (names concrete, distinct), every rts[i] zeroed.
     *
     * Per device: results[i] = 0 and rts[i] filled with exactly what create leaves (the
     * device made, marked, configured, complete); or results[i] a negative errno and NOTHING
     * of device i left behind, errs[i] possibly set to the reason (the driver frees it). Never
     * a half-made device, whatever fails for the others. The driver makes every device the
     * batch did not make with create, one by one, and reports create's error: so a batch may
     * decline any device it does not handle (-EOPNOTSUPP, e.g. managed='no' or passthrough)
     * and need not explain a refusal in words. A name clash is -EEXIST (the driver tries the
     * template's next name, or reports the clash); errs[i] is NULL on entry.
     *
     * Returns 0 when every device has its result (some may have failed), or a negative errno
     * with *err set when the batch as a whole failed: then no device of it is left. (SDK 3) */
    int (*create_batch)(const vnic_backend_env *env, size_t n,
                        const vnic_backend_iface *const *ifaces,
                        const vnic_backend_create_args *args, vnic_iface_runtime *rts, int *results,
                        vnic_error **errs, vnic_error **err);
} vnic_backend_ops;

/* ---- errors ---------------------------------------------------------------------------- */

/* Set *err (when err is not NULL and *err is still NULL) to a new error with CODE and the
 * printf-style message; with SYS_ERRNO not 0 the message gets ": strerror(SYS_ERRNO)"
 * appended and the error records it. Returns -SYS_ERRNO, or -EINVAL when SYS_ERRNO is 0, so
 * that an operation can `return vnic_backend_error_set(...);`. */
int vnic_backend_error_set(vnic_error **err, vnic_error_code code, int sys_errno, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));
int vnic_backend_error_setv(vnic_error **err, vnic_error_code code, int sys_errno, const char *fmt,
                            va_list ap) __attribute__((format(printf, 4, 0)));

/* Put "CONTEXT: " before the message of *err (when there is one). Returns -1. */
int vnic_backend_error_prefix(vnic_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
