/* What libvirt is given for a domain whose devices vnic made (libvirt_xml.c): pure text and
 * tree work, no call into libvirt and no system call. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "error.h"

/* Rewrite DOC, a <domain> or a standalone <interface> document as vnic formats it, in place
 * into what libvirt is given: the I-th interface vnic manages (type ethernet, tap or direct, in
 * document order) becomes <interface type='ethernet'> with <target dev='DEVICES[I]'
 * managed='no'/>, keeping its guest-side elements; what vnic did on the host itself and
 * vnic's own namespace are removed (the comments in libvirt_xml.c say which and why). N must
 * be the number of such interfaces, else -EINVAL with *err set and DOC half changed (the caller
 * drops it). */
int vnic_libvirt_rewrite_doc(xmlDoc *doc, char *const *devices, size_t n, vnic_error **err);

/* Give the <domain> of DOC the <uuid> UUID (after its <name>) unless it has one: the domain
 * libvirt has defined under that name is then the one started. */
void vnic_libvirt_doc_set_uuid(xmlDoc *doc, const char *uuid);

/* The rewritten document as text (2-space indent, no XML declaration, a trailing newline).
 * Caller frees. */
char *vnic_libvirt_doc_format(xmlDoc *doc);

/* Parse the text XML (named DOCNAME in messages) as the rewrite reads it. NULL with *err set
 * if it is not well-formed. Caller frees with xmlFreeDoc. */
xmlDoc *vnic_libvirt_doc_read(const char *xml, const char *docname, vnic_error **err);

/* Interface INDEX among those vnic manages in DOC (rewritten), as a standalone <interface>
 * document for a hot-plug. Caller frees; NULL if there is no such interface. */
char *vnic_libvirt_doc_iface(xmlDoc *doc, size_t index);

/* The same on text: XML (named DOCNAME in messages) in, the rewritten document out (2-space
 * indent, no XML declaration, a trailing newline). Caller frees. */
char *vnic_libvirt_rewrite_xml(const char *xml, const char *docname, char *const *devices, size_t n,
                               vnic_error **err);

/* The value of the attribute NAME of the first child element CHILD of every interface of the
 * text XML (a libvirt domain), in document order: e.g. ("target", "dev") and ("alias",
 * "name") side by side say which libvirt alias a device has. *ret is a NULL-terminated array
 * of *ret_n strings, NULL entries as "" (caller frees with vnic_strv_free). */
int vnic_libvirt_iface_attrs(const char *xml, const char *child, const char *name, char ***ret,
                             size_t *ret_n, vnic_error **err);

/* The element that says which libvirt runs a vnic domain, written into the vnic domain's own
 * definition by run --libvirt (so that it lives as long as the domain's runtime state, and
 * reconcile can ask that libvirt): <vnic:libvirt uri='URI' uuid='UUID'/> under <domain>. The
 * rewrite removes it with the rest of vnic's namespace. */
#define VNIC_LIBVIRT_MARK "libvirt"

/* The text XML with that element added as the root's last child, and a <uuid>UUID</uuid> when
 * it has none, both on the line of the root's end tag (the lines of the rest, which
 * diagnostics name, stay as they are). NULL when the root is not a <domain> with an end tag.
 * Caller frees. */
char *vnic_libvirt_mark_xml(const char *xml, const char *uri, const char *uuid, bool add_uuid);

/* The libvirt URI and UUID of a vnic domain's XML with that element: 0 with both set (caller
 * frees), -ENOENT without one, -EINVAL if XML is not well-formed. */
int vnic_libvirt_mark_read(const char *xml, char **ret_uri, char **ret_uuid);
