/* The <source> of an ethernet interface: addresses and routes of the host side of the tap, in
 * libvirt's vocabulary (<ip address= family= prefix= peer=/>, <route family= address= prefix=
 * gateway= metric=/>). The guest's own addresses (<ip> directly under <interface>) are not
 * read here: vnic does not configure the guest. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "i18n.h"
#include "iface_priv.h"
#include "strutil.h"
#include "xml_line.h"

void vnic_ip_addr_format(const vnic_ip_addr *a, char buf[static 46])
{
    if (!inet_ntop(a->family, a->bytes, buf, 46))
        snprintf(buf, 46, "?");
}

static const char *family_name(int family)
{
    return family == AF_INET ? "ipv4" : "ipv6";
}

static unsigned family_bits(int family)
{
    return family == AF_INET ? 32 : 128;
}

static bool is_unspecified(const vnic_ip_addr *a)
{
    static const uint8_t zero[16];
    return memcmp(a->bytes, zero, a->family == AF_INET ? 4 : 16) == 0;
}

static bool is_multicast(const vnic_ip_addr *a)
{
    return a->family == AF_INET ? (a->bytes[0] & 0xf0) == 0xe0 : a->bytes[0] == 0xff;
}

/* Attribute NAME of node as an address of the family FAMILY (0: either, then set). */
static bool read_addr(vnic_parse_ctx *ctx, xmlNode *node, const char *name, bool required,
                      int *family, vnic_ip_addr *ret, bool *ret_given)
{
    _cleanup_free_ char *v =
        required ? vnic_iface_req_attr(ctx, node, name) : vnic_iface_opt_attr(node, name);
    if (ret_given)
        *ret_given = v != NULL;
    if (!v)
        return !required;
    vnic_ip_addr a = {0};
    if (inet_pton(AF_INET, v, a.bytes) == 1)
        a.family = AF_INET;
    else if (inet_pton(AF_INET6, v, a.bytes) == 1)
        a.family = AF_INET6;
    else {
        _cleanup_free_ char *shown = vnic_iface_shown(v);
        _cleanup_free_ char *en = vnic_iface_elem_name(node);
        vnic_iface_error(ctx, node, _("invalid IP address '%s' in attribute '%s' of <%s>"), shown,
                         name, en);
        return false;
    }
    if (*family && a.family != *family) {
        _cleanup_free_ char *en = vnic_iface_elem_name(node);
        vnic_iface_error(ctx, node, _("attribute '%s' of <%s> is an %s address, not an %s one"),
                         name, en, family_name(a.family), family_name(*family));
        return false;
    }
    *family = a.family;
    *ret = a;
    return true;
}

/* family='ipv4|ipv6', if written: the addresses must then be of it. */
static bool read_family(vnic_parse_ctx *ctx, xmlNode *node, int *ret)
{
    _cleanup_free_ char *v = vnic_iface_opt_attr(node, "family");
    *ret = 0;
    if (!v)
        return true;
    if (vnic_streq(v, "ipv4"))
        *ret = AF_INET;
    else if (vnic_streq(v, "ipv6"))
        *ret = AF_INET6;
    else {
        _cleanup_free_ char *shown = vnic_iface_shown(v);
        _cleanup_free_ char *en = vnic_iface_elem_name(node);
        vnic_iface_error(ctx, node, _("invalid family '%s' of <%s> (expected ipv4 or ipv6)"), shown,
                         en);
        return false;
    }
    return true;
}

/* The prefix as written, or libvirt's default when absent: the unspecified address has
 * prefix 0, an IPv4 address its class's (A /8, B /16, C /24), an IPv6 one /64. */
static bool read_prefix(vnic_parse_ctx *ctx, xmlNode *node, const vnic_ip_addr *a, unsigned *ret)
{
    _cleanup_free_ char *v = vnic_iface_opt_attr(node, "prefix");
    _cleanup_free_ char *en = vnic_iface_elem_name(node);
    unsigned max = family_bits(a->family);
    if (v) {
        unsigned long p;
        if (vnic_parse_uint(v, 0, max, &p) < 0) {
            _cleanup_free_ char *shown = vnic_iface_shown(v);
            vnic_iface_error(ctx, node,
                             _("prefix of <%s> must be an integer from 0 to %u for an %s "
                               "address, not '%s'"),
                             en, max, family_name(a->family), shown);
            return false;
        }
        *ret = (unsigned)p;
        return true;
    }
    if (is_unspecified(a))
        *ret = 0;
    else if (a->family == AF_INET6)
        *ret = 64;
    else if (a->bytes[0] < 128)
        *ret = 8;
    else if (a->bytes[0] < 192)
        *ret = 16;
    else if (a->bytes[0] < 224)
        *ret = 24;
    else {
        vnic_iface_error(ctx, node, _("element <%s> needs attribute 'prefix' for this address"),
                         en);
        return false;
    }
    return true;
}

static bool check_attrs(vnic_parse_ctx *ctx, xmlNode *node, const char *const *allowed)
{
    bool ok = true;
    for (xmlAttr *a = node->properties; a; a = a->next) {
        bool found = false;
        for (const char *const *p = allowed; !a->ns && *p; p++)
            found |= vnic_streq((const char *)a->name, *p);
        if (!found) {
            _cleanup_free_ char *en = vnic_iface_elem_name(node);
            vnic_iface_error(ctx, node, _("attribute '%s' of element <%s> is not supported"),
                             (const char *)a->name, en);
            ok = false;
        }
    }
    return ok;
}

static bool parse_ip(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"address", "family", "prefix", "peer", NULL};
    bool ok = check_attrs(ctx, node, attrs) & vnic_iface_check_leaf(ctx, node, false);
    vnic_host_ip ip = {.line = vnic_xml_node_line(node)};
    int family;
    if (!read_family(ctx, node, &family) ||
        !read_addr(ctx, node, "address", true, &family, &ip.addr, NULL))
        return false;
    if (is_unspecified(&ip.addr) || is_multicast(&ip.addr)) {
        char buf[46];
        vnic_ip_addr_format(&ip.addr, buf);
        vnic_iface_error(ctx, node, _("'%s' cannot be an address of the host side"), buf);
        return false;
    }
    if (!read_prefix(ctx, node, &ip.addr, &ip.prefix) ||
        !read_addr(ctx, node, "peer", false, &family, &ip.peer, &ip.has_peer))
        return false;
    if (ok) {
        def->host_ips = vnic_xreallocarray(def->host_ips, def->nhost_ips + 1, sizeof(ip));
        def->host_ips[def->nhost_ips++] = ip;
    }
    return ok;
}

/* Does a have bits set beyond its first prefix bits? The kernel refuses such a route. */
static bool host_bits_set(const vnic_ip_addr *a, unsigned prefix)
{
    unsigned n = family_bits(a->family) / 8;
    for (unsigned i = 0; i < n; i++) {
        unsigned keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
        uint8_t mask = keep ? (uint8_t)(0xff << (8 - keep)) : 0;
        if (a->bytes[i] & ~mask)
            return true;
    }
    return false;
}

static bool parse_route(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"address", "family", "prefix", "gateway", "metric", NULL};
    bool ok = check_attrs(ctx, node, attrs) & vnic_iface_check_leaf(ctx, node, false);
    vnic_host_route rt = {.line = vnic_xml_node_line(node)};
    int family;
    if (!read_family(ctx, node, &family) ||
        !read_addr(ctx, node, "address", true, &family, &rt.addr, NULL) ||
        !read_prefix(ctx, node, &rt.addr, &rt.prefix) ||
        !read_addr(ctx, node, "gateway", true, &family, &rt.gateway, NULL))
        return false;
    if (host_bits_set(&rt.addr, rt.prefix)) {
        char buf[46];
        vnic_ip_addr_format(&rt.addr, buf);
        vnic_iface_error(ctx, node, _("route address %s has bits set beyond its prefix length %u"),
                         buf, rt.prefix);
        return false;
    }
    if (is_unspecified(&rt.gateway) || is_multicast(&rt.gateway)) {
        char buf[46];
        vnic_ip_addr_format(&rt.gateway, buf);
        vnic_iface_error(ctx, node, _("'%s' cannot be a gateway"), buf);
        return false;
    }
    _cleanup_free_ char *metric = vnic_iface_opt_attr(node, "metric");
    if (metric) {
        unsigned long m;
        if (vnic_parse_uint(metric, 0, 0xffffffffUL, &m) < 0) {
            _cleanup_free_ char *shown = vnic_iface_shown(metric);
            vnic_iface_error(ctx, node,
                             _("metric of <route> must be an integer from 0 to 4294967295, "
                               "not '%s'"),
                             shown);
            return false;
        }
        rt.has_metric = true;
        rt.metric = (unsigned)m;
    }
    if (ok) {
        def->host_routes = vnic_xreallocarray(def->host_routes, def->nhost_routes + 1, sizeof(rt));
        def->host_routes[def->nhost_routes++] = rt;
    }
    return ok;
}

bool vnic_iface_parse_host_source(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    bool ok = true;
    def->host_source = true;
    for (xmlAttr *a = node->properties; a; a = a->next) {
        /* dev= and mode= name a macvtap's lower device: a frequent slip, said plainly. */
        vnic_iface_error(ctx, node,
                         _("attribute '%s' of <source> is only for interfaces of type "
                           "'direct'; the <source> of an interface of type '%s' holds <ip> and "
                           "<route> elements"),
                         (const char *)a->name, def->type_tap ? "tap" : "ethernet");
        ok = false;
    }
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            for (const xmlChar *p = c->content; p && *p; p++)
                if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
                    vnic_iface_error(ctx, c, _("element <%s> must not contain text"), "source");
                    ok = false;
                    break;
                }
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue; /* comments inside <source> are not kept */
        _cleanup_free_ char *cn = vnic_iface_elem_name(c);
        if (!c->ns && vnic_streq((const char *)c->name, "ip"))
            ok &= parse_ip(ctx, c, def);
        else if (!c->ns && vnic_streq((const char *)c->name, "route"))
            ok &= parse_route(ctx, c, def);
        else {
            vnic_iface_error(ctx, c, _("element <%s> is not supported inside <%s>"), cn, "source");
            ok = false;
        }
        if (def->nhost_ips > VNIC_HOST_IPS_MAX || def->nhost_routes > VNIC_HOST_IPS_MAX) {
            vnic_iface_error(ctx, c, _("more than %d <%s> elements in <source>"), VNIC_HOST_IPS_MAX,
                             cn);
            return false;
        }
    }
    return ok;
}

bool vnic_iface_check_host_source(vnic_parse_ctx *ctx, xmlNode *iface, const vnic_iface_def *def)
{
    /* Addresses and routes go away with a device vnic deletes; on a device it does not own
     * they would outlive the domain, or vnic would have to guess which ones it added. */
    if ((def->nhost_ips || def->nhost_routes) && def->managed == VNIC_TRISTATE_NO) {
        vnic_iface_error(ctx, iface,
                         _("<ip> and <route> in <source> need a device vnic makes, not "
                           "managed='no'"));
        return false;
    }
    return true;
}

void vnic_iface_format_host_source(xmlNode *iface, const vnic_iface_def *def)
{
    if (!def->host_source)
        return;
    xmlNode *src = vnic_iface_add_child(iface, NULL, "source");
    char buf[46], num[16];
    for (size_t i = 0; i < def->nhost_ips; i++) {
        const vnic_host_ip *ip = &def->host_ips[i];
        xmlNode *n = vnic_iface_add_child(src, NULL, "ip");
        vnic_ip_addr_format(&ip->addr, buf);
        vnic_iface_set_prop(n, "address", buf);
        vnic_iface_set_prop(n, "family", family_name(ip->addr.family));
        snprintf(num, sizeof(num), "%u", ip->prefix);
        vnic_iface_set_prop(n, "prefix", num);
        if (ip->has_peer) {
            vnic_ip_addr_format(&ip->peer, buf);
            vnic_iface_set_prop(n, "peer", buf);
        }
    }
    for (size_t i = 0; i < def->nhost_routes; i++) {
        const vnic_host_route *rt = &def->host_routes[i];
        xmlNode *n = vnic_iface_add_child(src, NULL, "route");
        vnic_iface_set_prop(n, "family", family_name(rt->addr.family));
        vnic_ip_addr_format(&rt->addr, buf);
        vnic_iface_set_prop(n, "address", buf);
        snprintf(num, sizeof(num), "%u", rt->prefix);
        vnic_iface_set_prop(n, "prefix", num);
        vnic_ip_addr_format(&rt->gateway, buf);
        vnic_iface_set_prop(n, "gateway", buf);
        if (rt->has_metric) {
            snprintf(num, sizeof(num), "%u", rt->metric);
            vnic_iface_set_prop(n, "metric", num);
        }
    }
}

/* ---- <script>, <downscript> -------------------------------------------------------------- */

bool vnic_iface_parse_script(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"path", NULL};
    const char *name = (const char *)node->name;
    bool ok = check_attrs(ctx, node, attrs) & vnic_iface_check_leaf(ctx, node, false);
    if (def->type != VNIC_IFACE_ETHERNET) {
        vnic_iface_error(ctx, node, _("element <%s> is only for interfaces of type 'ethernet'"),
                         name);
        return false;
    }
    _cleanup_free_ char *path = vnic_iface_req_attr(ctx, node, "path");
    if (!path)
        return false;
    const char *why = NULL;
    if (path[0] != '/')
        why = _("it must be an absolute path");
    else if (strlen(path) >= 4096)
        why = _("it is longer than 4095 bytes");
    for (const unsigned char *p = (const unsigned char *)path; !why && *p; p++)
        if (vnic_is_control_char(p))
            why = _("it contains a control character");
    if (why) {
        _cleanup_free_ char *shown = vnic_iface_shown(path);
        vnic_iface_error(ctx, node, _("invalid path '%s' of <%s>: %s"), shown, name, why);
        return false;
    }
    if (vnic_streq(name, "script"))
        def->script = TAKE_PTR(path);
    else
        def->downscript = TAKE_PTR(path);
    return ok;
}

void vnic_iface_format_scripts(xmlNode *iface, const vnic_iface_def *def)
{
    vnic_iface_add_comments(iface, def, "script");
    if (def->script)
        vnic_iface_set_prop(vnic_iface_add_child(iface, NULL, "script"), "path", def->script);
    vnic_iface_add_comments(iface, def, "downscript");
    if (def->downscript)
        vnic_iface_set_prop(vnic_iface_add_child(iface, NULL, "downscript"), "path",
                            def->downscript);
}
