/* Reading the elements of an <interface>: diagnostics at a node's line, names and attribute
 * values as messages show them, the nodes kept verbatim and where comments go. Shared by the parser
 * of the host-side elements (iface_conf.c) and that of the guest-only ones (iface_guest.c). */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "i18n.h"
#include "iface_priv.h"
#include "xml_cleanup.h"
#include "xml_line.h"

void vnic_iface_error(vnic_parse_ctx *ctx, const xmlNode *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    vnic_diag_add(ctx->diags, ctx->file, vnic_xml_node_line(node), "%s", msg);
    free(msg);
}

/* A value as a message shows it: control characters escaped, so that one diagnostic stays one
 * line. Caller frees. */
char *vnic_iface_shown(const char *v)
{
    /* At most 6 bytes out ("\u0085") for each byte in. */
    char *out = vnic_xmalloc(6 * strlen(v) + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == 0xc2 && vnic_is_control_char(p))
            o += sprintf(o, "\\u%04x", *++p);
        else if (vnic_is_control_char(p))
            o += sprintf(o, "\\x%02x", *p);
        else
            *o++ = (char)*p;
    }
    *o = '\0';
    return out;
}

/* The qualified name of an element for messages: "mac" or "vnic:owner". */
char *vnic_iface_elem_name(const xmlNode *node)
{
    if (node->ns && node->ns->prefix)
        return vnic_xasprintf("%s:%s", (const char *)node->ns->prefix, (const char *)node->name);
    return vnic_xstrdup((const char *)node->name);
}

/* Fetch a required attribute, reporting its absence. Caller frees. */
char *vnic_iface_req_attr(vnic_parse_ctx *ctx, xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(node, BAD_CAST name);
    if (!v) {
        _cleanup_free_ char *en = vnic_iface_elem_name(node);
        vnic_iface_error(ctx, node, _("element <%s> requires attribute '%s'"), en, name);
        return NULL;
    }
    char *s = vnic_xstrdup((const char *)v);
    xmlFree(v);
    return s;
}

char *vnic_iface_opt_attr(xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(node, BAD_CAST name);
    if (!v)
        return NULL;
    char *s = vnic_xstrdup((const char *)v);
    xmlFree(v);
    return s;
}

/* ---- kept nodes and comments ---------------------------------------------------------- */

xmlNode *vnic_iface_copy_node(xmlNode *node)
{
    xmlNode *copy = xmlCopyNode(node, 1);
    if (!copy)
        abort(); /* out of memory, as in vnic_xmalloc */
    return copy;
}

void vnic_iface_keep_node(vnic_iface_def *def, xmlNode *node)
{
    def->kept = vnic_xreallocarray(def->kept, def->nkept + 1, sizeof(*def->kept));
    def->kept[def->nkept++] = vnic_iface_copy_node(node);
}

/* The comments read since the last element go where the next element goes: before a
 * host-side element (BEFORE, its name in static storage), or among the kept nodes (BEFORE is
 * NULL: before a guest-only element, or after every element). */
void vnic_iface_place_comments(vnic_iface_def *def, xmlNode **pending, size_t *npending,
                               const char *before)
{
    for (size_t i = 0; i < *npending; i++) {
        if (!before) {
            vnic_iface_keep_node(def, pending[i]);
            continue;
        }
        def->comments =
            vnic_xreallocarray(def->comments, def->ncomments + 1, sizeof(*def->comments));
        def->comments[def->ncomments++] =
            (struct vnic_iface_comment){.before = before, .node = vnic_iface_copy_node(pending[i])};
    }
    *npending = 0;
}

/* The comments that were written before element NAME. */
void vnic_iface_add_comments(xmlNode *iface, const vnic_iface_def *def, const char *name)
{
    for (size_t i = 0; i < def->ncomments; i++)
        if (vnic_streq(def->comments[i].before, name) &&
            !xmlAddChild(iface, vnic_iface_copy_node(def->comments[i].node)))
            abort();
}

bool vnic_iface_check_leaf(vnic_parse_ctx *ctx, xmlNode *node, bool allow_foreign)
{
    bool ok = true;
    _cleanup_free_ char *en = vnic_iface_elem_name(node);
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !(allow_foreign && c->ns)) {
            _cleanup_free_ char *cn = vnic_iface_elem_name(c);
            vnic_iface_error(ctx, c, _("element <%s> is not supported inside <%s>"), cn, en);
            ok = false;
        } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            _cleanup_xmlstr_ xmlChar *t = xmlNodeGetContent(c);
            for (const xmlChar *p = t; p && *p; p++)
                if (!isspace(*p)) {
                    vnic_iface_error(ctx, node, _("element <%s> must not contain text"), en);
                    ok = false;
                    break;
                }
        }
    }
    return ok;
}
