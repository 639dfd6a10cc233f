/* The <domain> model: the parts of a libvirt domain vnic reads, and the document around
 * them so that formatting gives the user's document back. */
#pragma once

#include <libxml/tree.h>

#include "iface_conf.h"

struct vnic_domain_def {
    char *file;      /* for diagnostics */
    xmlDoc *doc;     /* the input, kept for formatting back */
    bool standalone; /* the root is an <interface> */
    char *name;      /* NULL for a standalone interface */
    char *uuid;      /* as written, or NULL */
    bool not_kvm;    /* <domain type> is written and is not 'kvm' (TCG's 'qemu', ...) */
    vnic_iface_def **ifaces;
    size_t niface;

    /* From <os> (domain_pci.c): the machine type and architecture as written (NULL when not),
     * and the position (1-based) of <boot dev='network'/> among the <boot dev> elements, 0
     * without one. device_boot: some device of the domain has a <boot order>. */
    char *machine;
    char *arch;
    unsigned boot_network;
    bool device_boot;

    /* The domain's <controller type='pci'> elements with an index (domain_controller.c), in
     * document order; the elements themselves stay in doc. */
    struct vnic_pci_controller_def *pci_controllers;
    size_t npci_controllers;
};

VNIC_DEFINE_CLEANUP(vnic_domain_def, vnic_domain_def_free)

/* The <interface> elements of a document in order: the root of a standalone interface
 * document, or every devices/interface of a domain. Returns a new array; caller frees it
 * (not the nodes). */
xmlNode **vnic_domain_interface_nodes(xmlDoc *doc, size_t *ret_n);

#define VNIC_DOMAIN_NAME_MAX 200

/* Is name a valid domain name (the parser's and the state store's one rule)? NULL when it is,
 * otherwise a translated reason (static storage). */
const char *vnic_domain_name_check(const char *name);

/* Is s a UUID (32 hex digits, optionally dashed 8-4-4-4-12)? */
bool vnic_uuid_valid(const char *s);

/* The parser's checks across a domain's interfaces (duplicates, PCI addresses and room) for
 * interface IFACE about to be added to DEF (an attach): a definition they would refuse could
 * not be read back from the state record. Diagnostics name FILE, IFACE's document; DEF's own
 * interfaces passed them already. */
void vnic_domain_check_added(const char *file, vnic_diag_list *diags, const vnic_domain_def *def,
                             const vnic_iface_def *iface);

/* Add an interface (taken over) at the end of a domain: a placeholder element goes into
 * devices (made if missing) so that formatting writes it there. Returns its index. */
size_t vnic_domain_def_add_interface(vnic_domain_def *def, vnic_iface_def *iface);

/* Remove interface INDEX and its element. */
void vnic_domain_def_remove_interface(vnic_domain_def *def, size_t index);

/* The alias interface INDEX has, or would get from vnic_domain_def_assign_aliases with
 * *next = 0. Caller frees. */
char *vnic_domain_def_iface_alias(const vnic_domain_def *def, size_t index);

/* Give every interface without an alias one: interface i gets "net<i>" unless an alias has
 * it, the rest the free "netN" from max(*next, interface count) on; *next is left past the
 * last N so given (hot-plug continues from it, so an alias is never given out twice). */
void vnic_domain_def_assign_aliases(vnic_domain_def *def, unsigned *next);
/* A generated MAC address (vnic_mac_generate) that no interface of def has: the parser refuses
 * a domain with one address twice, so two equal generated ones would make its stored
 * definition and its state record unreadable (24 random bits: 1024 interfaces share one about
 * once in 30 starts). */
void vnic_domain_def_new_mac(const vnic_domain_def *def, uint8_t ret[6]);

/* The alias for an interface about to be added (hot-plug): the first free "netN" from
 * max(*next, interface count) on; *next is left past it. Caller frees. */
char *vnic_domain_def_next_alias(const vnic_domain_def *def, unsigned *next);

/* Read the XML file PATH as vnic_domain_def_parse_file does (bounded in size, no NUL byte):
 * *ret is the text, NUL-terminated, for the caller to free. Its problems go to diags naming
 * PATH, with an error of code VNIC_ERR_IO (unreadable) or VNIC_ERR_XML. */
int vnic_domain_def_read_file(const char *path, char **ret, vnic_diag_list *diags,
                              vnic_error **err);

/* Take the single interface out of a standalone <interface> definition (which is then
 * empty). NULL if def is not a standalone interface. */
vnic_iface_def *vnic_domain_def_steal_interface(vnic_domain_def *def);

/* A definition from an element of a document vnic wrote (a state record's <definition>):
 * NODE is a <domain> or <interface> element, copied (NODE stays the caller's). Diagnostics
 * name FILE and NODE's lines. Flags as vnic_domain_def_parse_string; no flag check. */
int vnic_domain_def_parse_node(const xmlNode *node, const char *file, unsigned flags,
                               vnic_domain_def **ret, vnic_diag_list *diags, vnic_error **err);

/* The document vnic_domain_def_format writes, as a tree. Caller frees it. */
xmlDoc *vnic_domain_def_format_doc(const vnic_domain_def *def, vnic_error **err);

/* ---- the guest's PCI buses (domain_pci.c) ---------------------------------------------- */

/* Is N an element NAME in no namespace? */
bool vnic_domain_is_elem(const xmlNode *n, const char *name);
/* N's attribute NAME in no namespace, or NULL. Caller frees. */
char *vnic_domain_prop(xmlNode *n, const char *name);

typedef enum {
    VNIC_MACHINE_I440FX, /* pc, pc-i440fx-*, and QEMU's x86 default */
    VNIC_MACHINE_Q35,    /* q35, pc-q35-* */
    VNIC_MACHINE_OTHER,
} vnic_machine_kind;

/* Read <os> (type machine and arch, boot dev) and the devices' <boot order>s into def; problems
 * are diagnostics. */
void vnic_domain_parse_os(vnic_parse_ctx *ctx, xmlNode *root, vnic_domain_def *def);

/* The machine's kind: a domain (or a standalone interface) that names no machine and no other
 * architecture than x86 is QEMU's default, pc. */
vnic_machine_kind vnic_domain_def_machine(const vnic_domain_def *def);

/* The bootindex <os><boot dev='network'/> gives interface INDEX (the document's first interface,
 * as libvirt does), or 0. */
unsigned vnic_domain_def_boot_index(const vnic_domain_def *def, size_t index);

/* Where each interface goes on the guest's PCI buses. Interfaces with a PCI <address> go there;
 * of the others, the first VNIC_PCI_ROOT_NICS are left to QEMU (on the root bus, in its first
 * free slots) and the rest go behind controllers vnic adds: pci-bridges (31 NICs each) on pc,
 * pcie-root-ports (one NIC each, 8 to a slot of pcie.0) on q35. */
#define VNIC_PCI_ROOT_NICS 16
#define VNIC_PCI_MAX_BRIDGES 8    /* pc: pci-bridges vnic adds, each in a slot of pci.0 */
#define VNIC_PCI_BRIDGE_SLOTS 31  /* a pci-bridge's slots 1..31 (0 is its SHPC's) */
#define VNIC_PCI_MAX_PORT_SLOTS 8 /* q35: slots of pcie.0 for root ports, from 0x1e down */

typedef struct {
    bool placed;        /* false: QEMU chooses (no bus, no addr) */
    const char *bus_id; /* the id of bus BUS when the domain's controller has an alias of its
                         * own (the def's string); NULL: pci.0, pcie.0 or pci.N */
    bool explicit_;     /* from the interface's <address> */
    int controller;     /* -1: bus number BUS (pci.0/pcie.0 for 0, pci.N); else one vnic adds */
    unsigned bus, slot, function;
    bool multifunction;
} vnic_pci_place;

typedef struct {
    bool root_port; /* a pcie-root-port at SLOT.FUNCTION of pcie.0; else a pci-bridge */
    unsigned slot, function;
    bool multifunction;
} vnic_pci_controller;

typedef struct {
    vnic_machine_kind machine;
    vnic_pci_place *places; /* one per interface */
    vnic_pci_controller *controllers;
    size_t ncontrollers;
    size_t unplaced; /* interfaces that did not fit behind the controllers */
} vnic_pci_layout;

void vnic_domain_pci_layout(const vnic_domain_def *def, vnic_pci_layout *ret);
void vnic_pci_layout_clear(vnic_pci_layout *l);

/* ---- the domain's own PCI controllers (domain_controller.c) ----------------------------- */

/* libvirt's PCI controller models (<controller type='pci' model=>). */
typedef enum {
    VNIC_PCI_MODEL_NONE, /* no model written: the launcher (libvirt) chooses it */
    VNIC_PCI_MODEL_PCI_ROOT,
    VNIC_PCI_MODEL_PCIE_ROOT,
    VNIC_PCI_MODEL_PCI_BRIDGE,
    VNIC_PCI_MODEL_DMI_TO_PCI_BRIDGE,
    VNIC_PCI_MODEL_PCIE_ROOT_PORT,
    VNIC_PCI_MODEL_PCIE_SWITCH_UPSTREAM_PORT,
    VNIC_PCI_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT,
    VNIC_PCI_MODEL_PCI_EXPANDER_BUS,
    VNIC_PCI_MODEL_PCIE_EXPANDER_BUS,
    VNIC_PCI_MODEL_PCIE_TO_PCI_BRIDGE,
    VNIC_PCI_MODEL_LAST
} vnic_pci_model;

typedef struct vnic_pci_controller_def {
    unsigned index; /* the bus it provides: libvirt's and QEMU's "pci.INDEX" */
    vnic_pci_model model;
    char *alias;      /* a user alias (<alias name='ua-...'/>), QEMU's id for it; or NULL */
    bool has_address; /* its own place: bus, slot, function */
    unsigned bus, slot, function;
    int line;
} vnic_pci_controller_def;

/* Read the <controller type='pci'> elements of <devices> into def; problems (an index or
 * model that is no number or name libvirt takes, an index declared twice) are diagnostics. */
void vnic_domain_parse_controllers(vnic_parse_ctx *ctx, xmlNode *root, vnic_domain_def *def);
void vnic_domain_controllers_clear(vnic_domain_def *def);

/* The controller of bus INDEX that the domain declares, or NULL. */
const vnic_pci_controller_def *vnic_domain_pci_controller(const vnic_domain_def *def,
                                                          unsigned index);

/* The model's name as libvirt writes it. */
const char *vnic_pci_model_name(vnic_pci_model model);

/* Can a NIC sit at SLOT of a bus of MODEL? False for a model that holds only other
 * controllers (a switch's upstream port, a pcie-expander-bus) or a slot out of its range
 * (*ret_min..*ret_max, both -1 for the former). VNIC_PCI_MODEL_NONE takes any slot. */
bool vnic_pci_model_takes_slot(vnic_pci_model model, unsigned slot, int *ret_min, int *ret_max);

/* The checks of the interfaces' addresses against the domain: two NICs at one address; an
 * address on a machine whose buses vnic does not name; more NICs than the machine takes. */
void vnic_domain_check_pci(vnic_parse_ctx *ctx, const vnic_domain_def *def);
