/* Private to the <interface> parser's files (iface_conf.c, iface_guest.c, iface_xml.c): not
 * part of any API, and not for other layers. */
#pragma once

#include <stdbool.h>

#include <libxml/tree.h>

#include "iface_conf.h"

/* iface_xml.c */

/* Add a diagnostic at node's line. */
void vnic_iface_error(vnic_parse_ctx *ctx, const xmlNode *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Formatting: a new child element (in namespace NS, or none), an attribute; both abort when
 * libxml2 cannot allocate, as vnic's other allocations do. */
xmlNode *vnic_iface_add_child(xmlNode *parent, xmlNs *ns, const char *name);
void vnic_iface_set_prop(xmlNode *node, const char *name, const char *value);
/* The qualified name of an element for messages: "mac" or "vnic:owner". Caller frees. */
char *vnic_iface_elem_name(const xmlNode *node);
/* Fetch a required attribute in no namespace, reporting its absence. Caller frees. */
char *vnic_iface_req_attr(vnic_parse_ctx *ctx, xmlNode *node, const char *name);
/* An optional attribute in no namespace, or NULL. Caller frees. */
char *vnic_iface_opt_attr(xmlNode *node, const char *name);
/* A deep copy of node (aborts when out of memory, as vnic_xmalloc). */
xmlNode *vnic_iface_copy_node(xmlNode *node);
/* Keep a copy of node in def->kept, to be written back after the host-side elements. */
void vnic_iface_keep_node(vnic_iface_def *def, xmlNode *node);
/* The comments PENDING[0..*NPENDING) read since the last element go where the next element
 * goes: before host-side element BEFORE (a name in static storage), or among the kept nodes
 * (BEFORE is NULL: before a guest-only element, or after every element). Empties the list. */
void vnic_iface_place_comments(vnic_iface_def *def, xmlNode **pending, size_t *npending,
                               const char *before);
/* A leaf element: no child elements (with allow_foreign, except ones in another namespace)
 * and no text but white space; each offence is a diagnostic. */
bool vnic_iface_check_leaf(vnic_parse_ctx *ctx, xmlNode *node, bool allow_foreign);
/* Add to iface copies of the comments that were written before element NAME. */
void vnic_iface_add_comments(xmlNode *iface, const vnic_iface_def *def, const char *name);

/* iface_guest.c: the guest-only children of <interface>. Each checks the element's values in
 * no namespace into def and returns false after adding a diagnostic; the caller refuses
 * duplicates and keeps the element. */
bool vnic_iface_parse_address(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def);
bool vnic_iface_parse_rom(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def);
bool vnic_iface_parse_boot(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def);
bool vnic_iface_parse_acpi(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def);

/* iface_qos.c: <bandwidth> and <coalesce>, each checked into def; false after a diagnostic. */
bool vnic_iface_parse_bandwidth(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def);
bool vnic_iface_parse_coalesce(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def);
/* Checks across elements, once all are read (node: the <interface>). */
bool vnic_iface_check_qos(vnic_parse_ctx *ctx, xmlNode *node, const vnic_iface_def *def);
/* Append <bandwidth> and <coalesce> as def says, if it has them. */
void vnic_iface_format_qos(xmlNode *iface, const vnic_iface_def *def);
/* iface_host.c: the <source> of an ethernet interface (host addresses and routes). */
bool vnic_iface_parse_host_source(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def);
/* Checks that need the whole interface (after every child was read). */
bool vnic_iface_check_host_source(vnic_parse_ctx *ctx, xmlNode *iface, const vnic_iface_def *def);
/* Write <source> with its <ip> and <route> children, if def has one. */
void vnic_iface_format_host_source(xmlNode *iface, const vnic_iface_def *def);
/* <script> and <downscript>: their path, checked, into def (ethernet only). */
bool vnic_iface_parse_script(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def);
/* Write <script> and <downscript> (with the comments written before them). */
void vnic_iface_format_scripts(xmlNode *iface, const vnic_iface_def *def);
/* iface_tune.c: <backend> and <tune>, which choose device nodes and queue settings. Each
 * returns false after adding a diagnostic; FORMAT adds them to a formatted <interface>. */
bool vnic_iface_parse_backend(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def);
bool vnic_iface_parse_tune(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def);
void vnic_iface_format_backend_tune(xmlNode *iface, const vnic_iface_def *def);
/* iface_driver.c: <driver>'s virtio-net tuning (its attributes besides name and queues, and its
 * <host> and <guest> children). */
bool vnic_iface_parse_driver_tuning(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def);
/* Refuse tuning on a model that is not virtio (a diagnostic at <driver>'s line). */
bool vnic_iface_check_driver_model(vnic_parse_ctx *ctx, const vnic_iface_def *def);
/* Is anything of the tuning given? */
bool vnic_iface_driver_tuned(const vnic_iface_def *def);
/* Write the tuning into DRIVER in canonical order. */
void vnic_iface_format_driver_tuning(xmlNode *driver, const vnic_iface_def *def);
