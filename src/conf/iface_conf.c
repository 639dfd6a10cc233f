#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "i18n.h"
#include "iface_priv.h"
#include "xml_cleanup.h"
#include "xml_line.h"

VNIC_ENUM_IMPL(vnic_iface_type, vnic_iface_type, VNIC_IFACE_TYPE_LAST, "ethernet", "direct")
VNIC_ENUM_IMPL(vnic_macvtap_mode, vnic_macvtap_mode, VNIC_MACVTAP_MODE_LAST, "vepa", "bridge",
               "private", "passthrough")
VNIC_ENUM_IMPL(vnic_link_state, vnic_link_state, VNIC_LINK_STATE_LAST, NULL, "up", "down")
VNIC_ENUM_IMPL(vnic_driver_name, vnic_driver_name, VNIC_DRIVER_NAME_LAST, NULL, "qemu", "vhost")
VNIC_ENUM_IMPL(vnic_tristate, vnic_tristate, VNIC_TRISTATE_LAST, NULL, "yes", "no")

/* libvirt interface types vnic knows of but does not handle (yet). They are refused by name
 * or skipped on request; anything else is an unknown type. */
static const char *const foreign_types[] = {
    "bridge", "network", "user", "hostdev", "vhostuser", "server",   "client",
    "mcast",  "udp",     "vdpa", "null",    "vds",       "internal",
};

/* Host-side elements of libvirt's vocabulary that vnic does not implement yet. Refused by
 * name, never silently ignored: the device would not be what the XML says. */
static const char *const unimplemented_elements[] = {
    "vlan",  "virtualport", "filterref",     "ip",          "route", "port",
    "guest", "teaming",     "backenddomain", "portForward", "ipv4",  "ipv6",
};

static bool in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (vnic_streq(list[i], s))
            return true;
    return false;
}

void vnic_iface_def_free(vnic_iface_def *def)
{
    if (!def)
        return;
    free(def->source_dev);
    free(def->target_dev);
    free(def->model);
    free(def->alias);
    free(def->owner_user);
    free(def->owner_group);
    free(def->rom_file);
    free(def->host_ips);
    free(def->host_routes);
    free(def->script);
    free(def->downscript);
    free(def->backend_tap);
    free(def->backend_vhost);
    for (size_t i = 0; i < def->nkept; i++)
        xmlFreeNode(def->kept[i]);
    free(def->kept);
    for (size_t i = 0; i < def->ncomments; i++)
        xmlFreeNode(def->comments[i].node);
    free(def->comments);
    free(def);
}

/* ---- value checks ---------------------------------------------------------------------- */

int vnic_mac_parse(const char *s, uint8_t ret[6])
{
    uint8_t mac[6];

    for (int i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
            return -EINVAL;
        char hex[3] = {s[0], s[1], '\0'};
        mac[i] = (uint8_t)strtoul(hex, NULL, 16);
        s += 2;
        if (i < 5) {
            if (*s != ':')
                return -EINVAL;
            s++;
        }
    }
    if (*s != '\0')
        return -EINVAL;
    memcpy(ret, mac, 6);
    return 0;
}

void vnic_mac_format(const uint8_t mac[6], char buf[static 18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

static bool alias_valid(const char *s)
{
    if (!isalpha((unsigned char)*s))
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            return false;
    return strlen(s) <= 64;
}

static bool model_valid(const char *s)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            return false;
    return true;
}

/* A user or group: a number, or a name as useradd accepts it. */
static bool account_valid(const char *s)
{
    unsigned long v;
    if (vnic_parse_uint(s, 0, 0xfffffffeUL, &v) == 0)
        return true;
    if (!*s || strlen(s) > 32)
        return false;
    if (!isalpha((unsigned char)*s) && *s != '_')
        return false;
    for (const char *p = s + 1; *p; p++) {
        if (*p == '$' && p[1] == '\0')
            break;
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            return false;
    }
    return true;
}

/* ---- parsing --------------------------------------------------------------------------- */

static int node_line(const xmlNode *node)
{
    return vnic_xml_node_line(node);
}

static bool is_vnic_ns(const xmlNode *node)
{
    return node->ns && node->ns->href && xmlStrEqual(node->ns->href, BAD_CAST VNIC_XMLNS);
}

/* Report every attribute of node that is not in allowed (a NULL-terminated list). */
static bool check_attrs(vnic_parse_ctx *ctx, xmlNode *node, const char *const *allowed)
{
    bool ok = true;
    for (xmlAttr *a = node->properties; a; a = a->next) {
        bool found = false;
        if (!a->ns)
            for (const char *const *p = allowed; *p; p++)
                if (xmlStrEqual(a->name, BAD_CAST * p))
                    found = true;
        if (!found) {
            _cleanup_free_ char *en = vnic_iface_elem_name(node);
            _cleanup_free_ char *an =
                a->ns && a->ns->prefix
                    ? vnic_xasprintf("%s:%s", (const char *)a->ns->prefix, (const char *)a->name)
                    : vnic_xstrdup((const char *)a->name);
            vnic_iface_error(ctx, node, _("attribute '%s' of element <%s> is not supported"), an,
                             en);
            ok = false;
        }
    }
    return ok;
}

static bool parse_mac(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"address", NULL};
    bool ok = check_attrs(ctx, node, attrs) & vnic_iface_check_leaf(ctx, node, false);
    _cleanup_free_ char *addr = vnic_iface_req_attr(ctx, node, "address");
    if (!addr)
        return false;

    if (vnic_mac_parse(addr, def->mac) < 0) {
        vnic_iface_error(ctx, node, _("invalid MAC address '%s'"), addr);
        return false;
    }
    static const uint8_t zero[6];
    if (memcmp(def->mac, zero, 6) == 0) {
        vnic_iface_error(ctx, node, _("MAC address '%s' is all zeros"), addr);
        return false;
    }
    if (def->mac[0] & 1) {
        vnic_iface_error(ctx, node, _("MAC address '%s' is a multicast address, not a unicast one"),
                         addr);
        return false;
    }
    def->has_mac = true;
    return ok;
}

static bool parse_source(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"dev", "mode", NULL};
    bool ok = check_attrs(ctx, node, attrs) & vnic_iface_check_leaf(ctx, node, false);

    def->source_dev = vnic_iface_req_attr(ctx, node, "dev");
    if (!def->source_dev) {
        ok = false;
    } else {
        const char *why = vnic_ifname_check(def->source_dev);
        if (why) {
            _cleanup_free_ char *v = vnic_iface_shown(def->source_dev);
            vnic_iface_error(ctx, node, _("invalid source device name '%s': %s"), v, why);
            ok = false;
        }
    }

    _cleanup_free_ char *mode = vnic_iface_opt_attr(node, "mode");
    if (mode) {
        int m = vnic_macvtap_mode_from_string(mode);
        if (m < 0) {
            vnic_iface_error(ctx, node,
                             _("invalid source mode '%s' (expected vepa, bridge, private or "
                               "passthrough)"),
                             mode);
            ok = false;
        } else {
            def->mode = (vnic_macvtap_mode)m;
            def->mode_given = true;
        }
    }
    return ok;
}

static bool parse_target(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"dev", "managed", NULL};
    bool ok = check_attrs(ctx, node, attrs) & vnic_iface_check_leaf(ctx, node, false);

    def->target_dev = vnic_iface_req_attr(ctx, node, "dev");
    bool tmpl = false;
    if (!def->target_dev) {
        ok = false;
    } else {
        const char *why = vnic_ifname_template_check(def->target_dev, &tmpl);
        if (why) {
            _cleanup_free_ char *v = vnic_iface_shown(def->target_dev);
            vnic_iface_error(ctx, node, _("invalid target device name '%s': %s"), v, why);
            ok = false;
        }
    }

    _cleanup_free_ char *managed = vnic_iface_opt_attr(node, "managed");
    if (managed) {
        int m = vnic_tristate_from_string(managed);
        if (m <= 0) {
            vnic_iface_error(ctx, node,
                             _("invalid value '%s' for attribute 'managed' (expected yes "
                               "or no)"),
                             managed);
            ok = false;
        } else {
            def->managed = (vnic_tristate)m;
            if (def->managed == VNIC_TRISTATE_NO && tmpl) {
                vnic_iface_error(ctx, node,
                                 _("managed='no' needs the name of an existing device, not the "
                                   "template '%s'"),
                                 def->target_dev);
                ok = false;
            }
        }
    }
    return ok;
}

static bool parse_model(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"type", NULL};
    bool ok = check_attrs(ctx, node, attrs) & vnic_iface_check_leaf(ctx, node, false);
    def->model = vnic_iface_req_attr(ctx, node, "type");
    if (!def->model)
        return false;
    if (!model_valid(def->model)) {
        vnic_iface_error(ctx, node, _("invalid model type '%s'"), def->model);
        return false;
    }
    return ok;
}

static bool parse_driver(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {
        "name",          "queues",        "txmode", "ioeventfd",       "event_idx",
        "rx_queue_size", "tx_queue_size", "rss",    "rss_hash_report", "iommu",
        "ats",           "packed",        NULL};
    bool ok = check_attrs(ctx, node, attrs) & vnic_iface_parse_driver_tuning(ctx, node, def);

    _cleanup_free_ char *name = vnic_iface_opt_attr(node, "name");
    if (name) {
        int n = vnic_driver_name_from_string(name);
        if (n <= 0) {
            vnic_iface_error(ctx, node, _("invalid driver name '%s' (expected qemu or vhost)"),
                             name);
            ok = false;
        } else {
            def->driver_name = (vnic_driver_name)n;
        }
    }

    _cleanup_free_ char *queues = vnic_iface_opt_attr(node, "queues");
    if (queues) {
        unsigned long q;
        if (vnic_parse_uint(queues, 1, VNIC_QUEUES_MAX, &q) < 0) {
            vnic_iface_error(ctx, node, _("queues must be an integer from 1 to %d, not '%s'"),
                             VNIC_QUEUES_MAX, queues);
            ok = false;
        } else {
            def->queues = (unsigned)q;
        }
    }
    return ok;
}

static bool parse_mtu(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"size", NULL};
    bool ok = check_attrs(ctx, node, attrs) & vnic_iface_check_leaf(ctx, node, false);
    _cleanup_free_ char *size = vnic_iface_req_attr(ctx, node, "size");
    if (!size)
        return false;
    unsigned long v;
    if (vnic_parse_uint(size, VNIC_MTU_MIN, VNIC_MTU_MAX, &v) < 0) {
        vnic_iface_error(ctx, node, _("MTU must be an integer from %d to %d, not '%s'"),
                         VNIC_MTU_MIN, VNIC_MTU_MAX, size);
        return false;
    }
    def->mtu = (unsigned)v;
    return ok;
}

static bool parse_link(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"state", NULL};
    bool ok = check_attrs(ctx, node, attrs) & vnic_iface_check_leaf(ctx, node, false);
    _cleanup_free_ char *state = vnic_iface_req_attr(ctx, node, "state");
    if (!state)
        return false;
    int s = vnic_link_state_from_string(state);
    if (s <= 0) {
        vnic_iface_error(ctx, node, _("invalid link state '%s' (expected up or down)"), state);
        return false;
    }
    def->link = (vnic_link_state)s;
    return ok;
}

static bool parse_alias(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"name", NULL};
    bool ok = check_attrs(ctx, node, attrs) & vnic_iface_check_leaf(ctx, node, false);
    def->alias = vnic_iface_req_attr(ctx, node, "name");
    if (!def->alias)
        return false;
    if (!alias_valid(def->alias)) {
        vnic_iface_error(ctx, node,
                         _("invalid alias '%s': it must start with a letter, have at most 64 "
                           "characters, and use only letters, digits, '_', '.' and '-'"),
                         def->alias);
        return false;
    }
    return ok;
}

static bool parse_owner(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"user", "group", NULL};
    bool ok = check_attrs(ctx, node, attrs) & vnic_iface_check_leaf(ctx, node, false);
    def->owner_user = vnic_iface_opt_attr(node, "user");
    def->owner_group = vnic_iface_opt_attr(node, "group");

    if (!def->owner_user && !def->owner_group) {
        vnic_iface_error(ctx, node,
                         _("element <vnic:owner> needs attribute 'user', 'group' or both"));
        return false;
    }
    if (def->owner_user && !account_valid(def->owner_user)) {
        vnic_iface_error(ctx, node, _("invalid user '%s': expected a user name or number"),
                         def->owner_user);
        ok = false;
    }
    if (def->owner_group && !account_valid(def->owner_group)) {
        vnic_iface_error(ctx, node, _("invalid group '%s': expected a group name or number"),
                         def->owner_group);
        ok = false;
    }
    return ok;
}

typedef bool (*child_parser)(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def);

/* Children of <interface>, each allowed once (libvirt's schema says the same). Guest-only
 * ones are kept verbatim and written back after the rest. */
static const struct {
    const char *name;
    child_parser parse;
    bool keep;
} child_parsers[] = {
    {"mac", parse_mac},
    {"source", parse_source},
    {"target", parse_target},
    {"model", parse_model},
    {"driver", parse_driver},
    {"mtu", parse_mtu},
    {"link", parse_link},
    {"alias", parse_alias},
    {"script", vnic_iface_parse_script},
    {"downscript", vnic_iface_parse_script},
    {"address", vnic_iface_parse_address, true},
    {"rom", vnic_iface_parse_rom, true},
    {"boot", vnic_iface_parse_boot, true},
    {"acpi", vnic_iface_parse_acpi, true},
    {"bandwidth", vnic_iface_parse_bandwidth},
    {"coalesce", vnic_iface_parse_coalesce},
    {"backend", vnic_iface_parse_backend},
    {"tune", vnic_iface_parse_tune},
};

vnic_iface_def *vnic_iface_def_parse(vnic_parse_ctx *ctx, xmlNode *node, bool *ret_skipped)
{
    _cleanup_(vnic_iface_def_freep) vnic_iface_def *def = vnic_xcalloc(1, sizeof(*def));
    bool ok = true;

    *ret_skipped = false;
    def->line = node_line(node);

    _cleanup_free_ char *type = vnic_iface_opt_attr(node, "type");
    if (!type) {
        vnic_iface_error(ctx, node, _("element <interface> requires attribute 'type'"));
        return NULL;
    }
    if (vnic_streq(type, "tap")) {
        def->type = VNIC_IFACE_ETHERNET;
        def->type_tap = true;
    } else {
        int t = vnic_iface_type_from_string(type);
        if (t < 0) {
            if (in_list(foreign_types, ELEMENTSOF(foreign_types), type)) {
                if (ctx->flags & VNIC_PARSE_SKIP_UNSUPPORTED) {
                    *ret_skipped = true;
                    return NULL;
                }
                vnic_iface_error(ctx, node,
                                 _("interface type '%s' is not supported by vnic (use "
                                   "--skip-unsupported to leave such interfaces alone)"),
                                 type);
            } else {
                vnic_iface_error(ctx, node, _("unknown interface type '%s'"), type);
            }
            return NULL;
        }
        def->type = (vnic_iface_type)t;
    }

    static const char *const attrs[] = {"type", "trustGuestRxFilters", NULL};
    ok &= check_attrs(ctx, node, attrs);
    if (xmlHasNsProp(node, BAD_CAST "trustGuestRxFilters", NULL)) {
        /* libvirt's: the host follows the guest's receive filters (macvtap). Not done yet. */
        vnic_iface_error(ctx, node,
                         _("attribute 'trustGuestRxFilters' of element <interface> is not "
                           "supported by vnic yet"));
        ok = false;
    }

    bool seen[ELEMENTSOF(child_parsers)] = {false};
    bool seen_owner = false;
    xmlNode *source = NULL;
    _cleanup_free_ xmlNode **pending = NULL; /* comments since the last element */
    size_t npending = 0;

    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_COMMENT_NODE) {
            pending = vnic_xreallocarray(pending, npending + 1, sizeof(*pending));
            pending[npending++] = c;
            continue;
        }
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            _cleanup_xmlstr_ xmlChar *t = xmlNodeGetContent(c);
            for (const xmlChar *p = t; p && *p; p++)
                if (!isspace(*p)) {
                    vnic_iface_error(ctx, c, _("element <%s> must not contain text"), "interface");
                    ok = false;
                    break;
                }
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;

        const char *name = (const char *)c->name;
        _cleanup_free_ char *qname = vnic_iface_elem_name(c);

        if (is_vnic_ns(c)) {
            if (vnic_streq(name, "owner")) {
                if (seen_owner) {
                    vnic_iface_error(ctx, c, _("element <%s> appears more than once"), qname);
                    ok = false;
                    continue;
                }
                seen_owner = true;
                vnic_iface_place_comments(def, pending, &npending, "owner");
                ok &= parse_owner(ctx, c, def);
            } else {
                vnic_iface_error(ctx, c, _("unknown element <%s>"), qname);
                ok = false;
            }
            continue;
        }
        if (c->ns) {
            vnic_iface_error(ctx, c, _("element <%s> of namespace '%s' is not supported"), qname,
                             (const char *)c->ns->href);
            ok = false;
            continue;
        }

        size_t i;
        for (i = 0; i < ELEMENTSOF(child_parsers); i++)
            if (vnic_streq(child_parsers[i].name, name))
                break;
        if (i < ELEMENTSOF(child_parsers)) {
            if (seen[i]) {
                vnic_iface_error(ctx, c, _("element <%s> appears more than once"), qname);
                ok = false;
                continue;
            }
            seen[i] = true;
            if (vnic_streq(name, "source") && def->type != VNIC_IFACE_DIRECT) {
                /* libvirt's <source> of an ethernet interface: <ip> and <route> of the host
                 * side (iface_host.c). */
                vnic_iface_place_comments(def, pending, &npending, "source");
                ok &= vnic_iface_parse_host_source(ctx, c, def);
                continue;
            }
            if (vnic_streq(name, "source"))
                source = c;
            vnic_iface_place_comments(def, pending, &npending,
                                      child_parsers[i].keep ? NULL : child_parsers[i].name);
            ok &= child_parsers[i].parse(ctx, c, def);
            if (child_parsers[i].keep)
                vnic_iface_keep_node(def, c);
        } else if (vnic_streq(name, "ip") || vnic_streq(name, "route")) {
            /* Directly under <interface> these are the guest's side, which only the guest
             * configures; the host side's are read from <source> (iface_host.c). */
            vnic_iface_error(ctx, c,
                             _("element <%s> directly in <interface> configures the guest's "
                               "side, which vnic does not do (the host side's addresses and "
                               "routes go in <source>)"),
                             qname);
            ok = false;
        } else if (in_list(unimplemented_elements, ELEMENTSOF(unimplemented_elements), name)) {
            vnic_iface_error(ctx, c, _("element <%s> is not supported by vnic yet"), qname);
            ok = false;
        } else {
            vnic_iface_error(ctx, c, _("unknown element <%s> in <interface>"), qname);
            ok = false;
        }
    }

    vnic_iface_place_comments(def, pending, &npending, NULL);

    ok &= vnic_iface_check_host_source(ctx, node, def);
    if (def->driver_line && !vnic_iface_check_driver_model(ctx, def))
        ok = false;

    if (def->type == VNIC_IFACE_DIRECT && !source) {
        vnic_iface_error(ctx, node, _("interface type 'direct' requires a <source> element"));
        ok = false;
    }
    if (ok)
        ok = vnic_iface_check_qos(ctx, node, def);

    if (!ok)
        return NULL;
    return TAKE_PTR(def);
}

/* ---- formatting ------------------------------------------------------------------------ */

xmlNode *vnic_iface_add_child(xmlNode *parent, xmlNs *ns, const char *name)
{
    xmlNode *n = xmlNewChild(parent, ns, BAD_CAST name, NULL);
    if (!n)
        abort();
    return n;
}

void vnic_iface_set_prop(xmlNode *node, const char *name, const char *value)
{
    if (!xmlSetProp(node, BAD_CAST name, BAD_CAST value))
        abort();
}

bool vnic_iface_def_needs_ns(const vnic_iface_def *def)
{
    return def->owner_user || def->owner_group;
}

xmlNode *vnic_iface_def_format(const vnic_iface_def *def, xmlNs *ns)
{
    xmlNode *iface = xmlNewNode(NULL, BAD_CAST "interface");
    if (!iface)
        abort();

    vnic_iface_set_prop(iface, "type",
                        def->type_tap ? "tap" : vnic_iface_type_to_string(def->type));

    if (vnic_iface_def_needs_ns(def) && !ns) {
        ns = xmlNewNs(iface, BAD_CAST VNIC_XMLNS, BAD_CAST VNIC_XMLNS_PREFIX);
        if (!ns)
            abort();
    }

    vnic_iface_add_comments(iface, def, "mac");
    if (def->has_mac) {
        char buf[18];
        vnic_mac_format(def->mac, buf);
        vnic_iface_set_prop(vnic_iface_add_child(iface, NULL, "mac"), "address", buf);
    }
    vnic_iface_add_comments(iface, def, "source");
    vnic_iface_format_host_source(iface, def);
    if (def->source_dev) {
        xmlNode *n = vnic_iface_add_child(iface, NULL, "source");
        vnic_iface_set_prop(n, "dev", def->source_dev);
        /* The default mode is written out, so the output says what the device will be. */
        vnic_iface_set_prop(n, "mode", vnic_macvtap_mode_to_string(def->mode));
    }
    vnic_iface_format_scripts(iface, def);
    vnic_iface_add_comments(iface, def, "target");
    if (def->target_dev) {
        xmlNode *n = vnic_iface_add_child(iface, NULL, "target");
        vnic_iface_set_prop(n, "dev", def->target_dev);
        if (def->managed != VNIC_TRISTATE_ABSENT)
            vnic_iface_set_prop(n, "managed", vnic_tristate_to_string(def->managed));
    }
    vnic_iface_add_comments(iface, def, "model");
    if (def->model)
        vnic_iface_set_prop(vnic_iface_add_child(iface, NULL, "model"), "type", def->model);
    vnic_iface_add_comments(iface, def, "driver");
    if (def->driver_name != VNIC_DRIVER_DEFAULT || def->queues || vnic_iface_driver_tuned(def)) {
        xmlNode *n = vnic_iface_add_child(iface, NULL, "driver");
        if (def->driver_name != VNIC_DRIVER_DEFAULT)
            vnic_iface_set_prop(n, "name", vnic_driver_name_to_string(def->driver_name));
        if (def->queues) {
            char buf[16];
            snprintf(buf, sizeof(buf), "%u", def->queues);
            vnic_iface_set_prop(n, "queues", buf);
        }
        vnic_iface_format_driver_tuning(n, def);
    }
    vnic_iface_add_comments(iface, def, "mtu");
    if (def->mtu) {
        char buf[16];
        snprintf(buf, sizeof(buf), "%u", def->mtu);
        vnic_iface_set_prop(vnic_iface_add_child(iface, NULL, "mtu"), "size", buf);
    }
    vnic_iface_add_comments(iface, def, "link");
    if (def->link != VNIC_LINK_DEFAULT)
        vnic_iface_set_prop(vnic_iface_add_child(iface, NULL, "link"), "state",
                            vnic_link_state_to_string(def->link));
    vnic_iface_add_comments(iface, def, "alias");
    if (def->alias)
        vnic_iface_set_prop(vnic_iface_add_child(iface, NULL, "alias"), "name", def->alias);
    vnic_iface_format_backend_tune(iface, def);
    vnic_iface_add_comments(iface, def, "owner");
    if (vnic_iface_def_needs_ns(def)) {
        xmlNode *n = vnic_iface_add_child(iface, ns, "owner");
        if (def->owner_user)
            vnic_iface_set_prop(n, "user", def->owner_user);
        if (def->owner_group)
            vnic_iface_set_prop(n, "group", def->owner_group);
    }
    vnic_iface_format_qos(iface, def);
    for (size_t i = 0; i < def->nkept; i++)
        if (!xmlAddChild(iface, vnic_iface_copy_node(def->kept[i])))
            abort();
    return iface;
}

void vnic_tap_host_mac(const uint8_t guest[6], uint8_t ret[6])
{
    memcpy(ret, guest, 6);
    ret[0] = guest[0] == 0xfe ? 0xfa : 0xfe;
}

void vnic_mac_generate(uint8_t ret[6])
{
    uint8_t r[3];
    if (vnic_fault_random_mac(r))
        ;
    else if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
        /* getrandom cannot fail for 3 bytes once the pool is initialised; be safe anyway. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r[0] = (uint8_t)ts.tv_nsec;
        r[1] = (uint8_t)(ts.tv_nsec >> 8);
        r[2] = (uint8_t)getpid();
    }
    ret[0] = 0x52;
    ret[1] = 0x54;
    ret[2] = 0x00;
    memcpy(ret + 3, r, 3);
}
