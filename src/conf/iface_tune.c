/* <backend tap='PATH' vhost='PATH'/> and <tune><sndbuf>N</sndbuf></tune> of an <interface>:
 * which device nodes vnic opens for the queues, and the send buffer each queue gets. Only
 * the syntax is checked here; that a path is a character device is checked when it is
 * opened (src/util/vhost.c, src/util/tun.c), since the file may change in between. */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "iface_priv.h"
#include "xml_cleanup.h"

/* A device path: absolute, no "." or ".." component, no empty component, no control
 * characters, at most PATH_MAX bytes. Returns why not, or NULL. */
static const char *devpath_problem(const char *p)
{
    if (p[0] != '/')
        return _("it is not an absolute path");
    if (strlen(p) >= PATH_MAX)
        return _("it is too long");
    for (const char *c = p; *c; c++)
        if (iscntrl((unsigned char)*c))
            return _("it contains a control character");
    for (const char *c = p; *c;) {
        const char *next = strchr(c + 1, '/');
        size_t len = next ? (size_t)(next - c - 1) : strlen(c + 1);
        if (len == 0 || (len == 1 && c[1] == '.') || (len == 2 && c[1] == '.' && c[2] == '.'))
            return _("it has an empty, '.' or '..' component");
        if (!next)
            break;
        c = next;
    }
    return NULL;
}

static bool backend_path(vnic_parse_ctx *ctx, xmlNode *node, const char *attr, char **ret)
{
    _cleanup_free_ char *v = vnic_iface_opt_attr(node, attr);
    if (!v)
        return true;
    const char *why = devpath_problem(v);
    if (why) {
        _cleanup_free_ char *sv = vnic_iface_shown(v);
        vnic_iface_error(ctx, node, _("invalid path '%s' in attribute '%s' of <backend>: %s"), sv,
                         attr, why);
        return false;
    }
    *ret = TAKE_PTR(v);
    return true;
}

bool vnic_iface_parse_backend(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    bool ok = vnic_iface_check_leaf(ctx, node, false);
    for (xmlAttr *a = node->properties; a; a = a->next)
        if (a->ns ||
            (!xmlStrEqual(a->name, BAD_CAST "tap") && !xmlStrEqual(a->name, BAD_CAST "vhost"))) {
            vnic_iface_error(ctx, node, _("attribute '%s' of element <%s> is not supported"),
                             (const char *)a->name, "backend");
            ok = false;
        }
    ok &= backend_path(ctx, node, "tap", &def->backend_tap);
    ok &= backend_path(ctx, node, "vhost", &def->backend_vhost);
    if (def->backend_tap && def->type != VNIC_IFACE_ETHERNET) {
        /* A macvtap's queues are its own character device, found by its device number. */
        vnic_iface_error(ctx, node,
                         _("attribute 'tap' of <backend> applies to type 'ethernet' only (a "
                           "macvtap's queues are opened through its own device)"));
        ok = false;
    }
    return ok;
}

bool vnic_iface_parse_tune(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    bool ok = true;
    bool seen = false;
    if (node->properties) {
        vnic_iface_error(ctx, node, _("attribute '%s' of element <%s> is not supported"),
                         (const char *)node->properties->name, "tune");
        ok = false;
    }
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            _cleanup_xmlstr_ xmlChar *t = xmlNodeGetContent(c);
            for (const xmlChar *p = t; p && *p; p++)
                if (!isspace(*p)) {
                    vnic_iface_error(ctx, node, _("element <%s> must not contain text"), "tune");
                    return false;
                }
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;
        _cleanup_free_ char *cn = vnic_iface_elem_name(c);
        if (c->ns || !xmlStrEqual(c->name, BAD_CAST "sndbuf")) {
            vnic_iface_error(ctx, c, _("element <%s> is not supported inside <%s>"), cn, "tune");
            ok = false;
            continue;
        }
        if (seen) {
            vnic_iface_error(ctx, c, _("element <%s> appears more than once"), cn);
            ok = false;
            continue;
        }
        seen = true;
        if (c->properties) {
            vnic_iface_error(ctx, c, _("attribute '%s' of element <%s> is not supported"),
                             (const char *)c->properties->name, "sndbuf");
            ok = false;
        }
        bool text_only = true;
        for (xmlNode *g = c->children; g; g = g->next)
            if (g->type != XML_TEXT_NODE && g->type != XML_CDATA_SECTION_NODE &&
                g->type != XML_COMMENT_NODE)
                text_only = false;
        _cleanup_xmlstr_ xmlChar *content = xmlNodeGetContent(c);
        const char *v = (const char *)content;
        /* Leading and trailing white space, as an XML schema's unsignedLong allows. */
        while (v && isspace((unsigned char)*v))
            v++;
        _cleanup_free_ char *trimmed = vnic_xstrdup(v ? v : "");
        for (size_t len = strlen(trimmed); len && isspace((unsigned char)trimmed[len - 1]);)
            trimmed[--len] = '\0';
        unsigned long n;
        if (!text_only || vnic_parse_uint(trimmed, 0, ULONG_MAX, &n) < 0) {
            _cleanup_free_ char *sv = vnic_iface_shown(trimmed);
            vnic_iface_error(ctx, c,
                             _("invalid send buffer size '%s' in <sndbuf> (expected a number "
                               "of bytes)"),
                             sv);
            ok = false;
            continue;
        }
        def->has_sndbuf = true;
        def->sndbuf = n;
    }
    return ok;
}

void vnic_iface_format_backend_tune(xmlNode *iface, const vnic_iface_def *def)
{
    if (def->backend_tap || def->backend_vhost) {
        vnic_iface_add_comments(iface, def, "backend");
        xmlNode *n = xmlNewChild(iface, NULL, BAD_CAST "backend", NULL);
        if (!n || (def->backend_tap && !xmlSetProp(n, BAD_CAST "tap", BAD_CAST def->backend_tap)) ||
            (def->backend_vhost && !xmlSetProp(n, BAD_CAST "vhost", BAD_CAST def->backend_vhost)))
            abort();
    }
    if (def->has_sndbuf) {
        vnic_iface_add_comments(iface, def, "tune");
        char buf[32];
        snprintf(buf, sizeof(buf), "%llu", def->sndbuf);
        xmlNode *t = xmlNewChild(iface, NULL, BAD_CAST "tune", NULL);
        if (!t || !xmlNewChild(t, NULL, BAD_CAST "sndbuf", BAD_CAST buf))
            abort();
    }
}

const char *vnic_iface_def_vhost_path(const vnic_iface_def *def)
{
    if (def->backend_vhost)
        return def->backend_vhost;
    /* $VNIC_VHOST_NET: another default node (absolute), e.g. for a test suite that must
     * behave the same on hosts with and without vhost-net. */
    const char *env = secure_getenv("VNIC_VHOST_NET");
    return env && env[0] == '/' ? env : VNIC_VHOST_NET_PATH;
}

vnic_vhost_use vnic_iface_def_vhost_use(const vnic_iface_def *def)
{
    if (def->driver_name == VNIC_DRIVER_QEMU || !vnic_model_is_virtio(def->model) ||
        def->domain_not_kvm)
        return VNIC_VHOST_NEVER;
    return def->driver_name == VNIC_DRIVER_VHOST ? VNIC_VHOST_REQUIRED : VNIC_VHOST_TRY;
}

int vnic_iface_def_sndbuf_value(const vnic_iface_def *def)
{
    if (!def->has_sndbuf || def->sndbuf == 0 || def->sndbuf > INT_MAX)
        return INT_MAX;
    return (int)def->sndbuf;
}
