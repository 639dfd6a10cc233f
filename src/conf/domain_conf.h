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
    vnic_iface_def **ifaces;
    size_t niface;
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
