/* Reading the elements of an <interface>: diagnostics at a node's line, names and attribute
 * values as messages show them. Shared by the parser of the host-side elements (iface_conf.c)
 * and that of the guest-only ones (iface_guest.c). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "iface_priv.h"
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
