/* Limits on the shape of an input document, checked before the parts whose cost grows
 * faster than the input: libxml2's parser and RelaxNG validator cost O(n^2) time (and the
 * validator O(n^2) memory) in the attributes of one element and in the children of one
 * element under open content; 40,000 attributes took 73 s and 12 GB. The limits are far
 * above what any libvirt document uses. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "error.h"

#define VNIC_XML_MAX_NODES 250000 /* elements, text and comments in one document */
#define VNIC_XML_MAX_DEPTH 64
#define VNIC_XML_MAX_ATTRS 64      /* attributes (and namespace declarations) of one element */
#define VNIC_XML_MAX_CHILDREN 4096 /* child nodes of one element, except <domain><devices> */

/* Scan the text of a document before libxml2 parses it: false (with one diagnostic naming
 * the element and its line) if a start tag has more than VNIC_XML_MAX_ATTRS attributes. */
bool vnic_xml_prescan(const char *buf, size_t len, const char *file, vnic_diag_list *diags);

/* Walk a parsed tree once: false (with one diagnostic naming the element) at the first
 * limit it exceeds. The children of a <domain>'s <devices> are not limited: the schema
 * step validates them in slices. */
bool vnic_xml_check_limits(xmlNode *root, const char *file, vnic_diag_list *diags);
