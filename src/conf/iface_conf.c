#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "iface_conf.h"
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
    "bandwidth", "vlan",    "virtualport",   "filterref",   "ip",         "route",
    "script",    "backend", "coalesce",      "tune",        "downscript", "port",
    "guest",     "teaming", "backenddomain", "portForward", "ipv4",       "ipv6",
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
    for (size_t i = 0; i < def->nkept; i++)
        xmlFreeNode(def->kept[i]);
    free(def->kept);
    free(def);
}

/* ---- value checks ---------------------------------------------------------------------- */

/* A C0 or C1 control character (DEL included) at p, as a byte or as UTF-8 (U+0080..U+009F):
 * it has no place in a name or a path handed to a launcher. */
static bool is_control(const unsigned char *p)
{
    return *p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
}

const char *vnic_ifname_check(const char *name)
{
    size_t len = strlen(name);

    if (len == 0)
        return _("the name is empty");
    if (len > VNIC_IFNAME_MAX)
        return _("the name is longer than 15 bytes");
    if (vnic_streq(name, ".") || vnic_streq(name, ".."))
        return _("'.' and '..' are not valid names");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p == '/')
            return _("the name contains '/'");
        if (*p == ':')
            return _("the name contains ':'");
        if (*p == '%')
            return _("the name contains '%'");
        if (isspace(*p))
            return _("the name contains white space");
        if (is_control(p))
            return _("the name contains a control character");
        /* The kernel takes these, but launchers get names in formats they separate:
         * VNIC_FDS (';' between entries, ' ' between fields, ',' between fds) and QEMU's
         * options (',' and '='). One rule for every name, so no format needs quoting. */
        if (*p == ';' || *p == ',' || *p == '=')
            return _("the name contains ';', ',' or '=', which launchers use as separators");
    }
    return NULL;
}

bool vnic_ifname_is_template(const char *name)
{
    return strchr(name, '%') != NULL;
}

const char *vnic_ifname_template_check(const char *name, bool *ret_is_template)
{
    bool tmpl = vnic_ifname_is_template(name);
    if (ret_is_template)
        *ret_is_template = tmpl;
    if (!tmpl)
        return vnic_ifname_check(name);

    if (vnic_str_count(name, "%d") != 1 || vnic_str_count(name, "%") != 1)
        return _("a name template must contain exactly one '%d' and no other '%'");

    /* The name made from the template must fit with at least two digits of the counter:
     * with room for one only, every start fails once the counter reaches 10 (the counter
     * wraps, at start time, to the lowest number that fits). */
    size_t len = strlen(name) - 2 + 2;
    if (len > VNIC_IFNAME_MAX)
        return _("the template leaves no room for 2 digits of the counter in a 15-byte name: "
                 "at most 13 bytes besides '%d'");

    char probe[VNIC_IFNAME_MAX + 2];
    const char *pct = strstr(name, "%d");
    snprintf(probe, sizeof(probe), "%.*s0%s", (int)(pct - name), name, pct + 2);
    return vnic_ifname_check(probe);
}

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

static void node_error(vnic_parse_ctx *ctx, const xmlNode *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void node_error(vnic_parse_ctx *ctx, const xmlNode *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vnic_xvasprintf(fmt, ap);
    va_end(ap);
    vnic_diag_add(ctx->diags, ctx->file, node_line(node), "%s", msg);
    free(msg);
}

/* A value as a message shows it: control characters escaped, so that one diagnostic stays one
 * line. Caller frees. */
static char *shown(const char *v)
{
    /* At most 6 bytes out ("\u0085") for each byte in. */
    char *out = vnic_xmalloc(6 * strlen(v) + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == 0xc2 && is_control(p))
            o += sprintf(o, "\\u%04x", *++p);
        else if (is_control(p))
            o += sprintf(o, "\\x%02x", *p);
        else
            *o++ = (char)*p;
    }
    *o = '\0';
    return out;
}

static bool is_vnic_ns(const xmlNode *node)
{
    return node->ns && node->ns->href && xmlStrEqual(node->ns->href, BAD_CAST VNIC_XMLNS);
}

/* The qualified name of an element for messages: "mac" or "vnic:owner". */
static char *elem_name(const xmlNode *node)
{
    if (node->ns && node->ns->prefix)
        return vnic_xasprintf("%s:%s", (const char *)node->ns->prefix, (const char *)node->name);
    return vnic_xstrdup((const char *)node->name);
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
            _cleanup_free_ char *en = elem_name(node);
            _cleanup_free_ char *an =
                a->ns && a->ns->prefix
                    ? vnic_xasprintf("%s:%s", (const char *)a->ns->prefix, (const char *)a->name)
                    : vnic_xstrdup((const char *)a->name);
            node_error(ctx, node, _("attribute '%s' of element <%s> is not supported"), an, en);
            ok = false;
        }
    }
    return ok;
}

/* A leaf element: no child elements and no text. */
static bool check_empty(vnic_parse_ctx *ctx, xmlNode *node)
{
    bool ok = true;
    for (xmlNode *c = node->children; c; c = c->next) {
        _cleanup_free_ char *en = elem_name(node);
        if (c->type == XML_ELEMENT_NODE) {
            _cleanup_free_ char *cn = elem_name(c);
            node_error(ctx, c, _("element <%s> is not supported inside <%s>"), cn, en);
            ok = false;
        } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            _cleanup_xmlstr_ xmlChar *t = xmlNodeGetContent(c);
            for (const xmlChar *p = t; p && *p; p++)
                if (!isspace(*p)) {
                    node_error(ctx, node, _("element <%s> must not contain text"), en);
                    ok = false;
                    break;
                }
        }
    }
    return ok;
}

/* Fetch a required attribute, reporting its absence. Caller frees. */
static char *req_attr(vnic_parse_ctx *ctx, xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(node, BAD_CAST name);
    if (!v) {
        _cleanup_free_ char *en = elem_name(node);
        node_error(ctx, node, _("element <%s> requires attribute '%s'"), en, name);
        return NULL;
    }
    char *s = vnic_xstrdup((const char *)v);
    xmlFree(v);
    return s;
}

static char *opt_attr(xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(node, BAD_CAST name);
    if (!v)
        return NULL;
    char *s = vnic_xstrdup((const char *)v);
    xmlFree(v);
    return s;
}

static bool parse_mac(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"address", NULL};
    bool ok = check_attrs(ctx, node, attrs) & check_empty(ctx, node);
    _cleanup_free_ char *addr = req_attr(ctx, node, "address");
    if (!addr)
        return false;

    if (vnic_mac_parse(addr, def->mac) < 0) {
        node_error(ctx, node, _("invalid MAC address '%s'"), addr);
        return false;
    }
    static const uint8_t zero[6];
    if (memcmp(def->mac, zero, 6) == 0) {
        node_error(ctx, node, _("MAC address '%s' is all zeros"), addr);
        return false;
    }
    if (def->mac[0] & 1) {
        node_error(ctx, node, _("MAC address '%s' is a multicast address, not a unicast one"),
                   addr);
        return false;
    }
    def->has_mac = true;
    return ok;
}

static bool parse_source(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"dev", "mode", NULL};
    bool ok = check_attrs(ctx, node, attrs) & check_empty(ctx, node);

    def->source_dev = req_attr(ctx, node, "dev");
    if (!def->source_dev) {
        ok = false;
    } else {
        const char *why = vnic_ifname_check(def->source_dev);
        if (why) {
            _cleanup_free_ char *v = shown(def->source_dev);
            node_error(ctx, node, _("invalid source device name '%s': %s"), v, why);
            ok = false;
        }
    }

    _cleanup_free_ char *mode = opt_attr(node, "mode");
    if (mode) {
        int m = vnic_macvtap_mode_from_string(mode);
        if (m < 0) {
            node_error(ctx, node,
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
    bool ok = check_attrs(ctx, node, attrs) & check_empty(ctx, node);

    def->target_dev = req_attr(ctx, node, "dev");
    bool tmpl = false;
    if (!def->target_dev) {
        ok = false;
    } else {
        const char *why = vnic_ifname_template_check(def->target_dev, &tmpl);
        if (why) {
            _cleanup_free_ char *v = shown(def->target_dev);
            node_error(ctx, node, _("invalid target device name '%s': %s"), v, why);
            ok = false;
        }
    }

    _cleanup_free_ char *managed = opt_attr(node, "managed");
    if (managed) {
        int m = vnic_tristate_from_string(managed);
        if (m <= 0) {
            node_error(ctx, node,
                       _("invalid value '%s' for attribute 'managed' (expected yes "
                         "or no)"),
                       managed);
            ok = false;
        } else {
            def->managed = (vnic_tristate)m;
            if (def->managed == VNIC_TRISTATE_NO && tmpl) {
                node_error(ctx, node,
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
    bool ok = check_attrs(ctx, node, attrs) & check_empty(ctx, node);
    def->model = req_attr(ctx, node, "type");
    if (!def->model)
        return false;
    if (!model_valid(def->model)) {
        node_error(ctx, node, _("invalid model type '%s'"), def->model);
        return false;
    }
    return ok;
}

static bool parse_driver(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"name", "queues", NULL};
    bool ok = check_attrs(ctx, node, attrs) & check_empty(ctx, node);

    _cleanup_free_ char *name = opt_attr(node, "name");
    if (name) {
        int n = vnic_driver_name_from_string(name);
        if (n <= 0) {
            node_error(ctx, node, _("invalid driver name '%s' (expected qemu or vhost)"), name);
            ok = false;
        } else {
            def->driver_name = (vnic_driver_name)n;
        }
    }

    _cleanup_free_ char *queues = opt_attr(node, "queues");
    if (queues) {
        unsigned long q;
        if (vnic_parse_uint(queues, 1, VNIC_QUEUES_MAX, &q) < 0) {
            node_error(ctx, node, _("queues must be an integer from 1 to %d, not '%s'"),
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
    bool ok = check_attrs(ctx, node, attrs) & check_empty(ctx, node);
    _cleanup_free_ char *size = req_attr(ctx, node, "size");
    if (!size)
        return false;
    unsigned long v;
    if (vnic_parse_uint(size, VNIC_MTU_MIN, VNIC_MTU_MAX, &v) < 0) {
        node_error(ctx, node, _("MTU must be an integer from %d to %d, not '%s'"), VNIC_MTU_MIN,
                   VNIC_MTU_MAX, size);
        return false;
    }
    def->mtu = (unsigned)v;
    return ok;
}

static bool parse_link(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"state", NULL};
    bool ok = check_attrs(ctx, node, attrs) & check_empty(ctx, node);
    _cleanup_free_ char *state = req_attr(ctx, node, "state");
    if (!state)
        return false;
    int s = vnic_link_state_from_string(state);
    if (s <= 0) {
        node_error(ctx, node, _("invalid link state '%s' (expected up or down)"), state);
        return false;
    }
    def->link = (vnic_link_state)s;
    return ok;
}

static bool parse_alias(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"name", NULL};
    bool ok = check_attrs(ctx, node, attrs) & check_empty(ctx, node);
    def->alias = req_attr(ctx, node, "name");
    if (!def->alias)
        return false;
    if (!alias_valid(def->alias)) {
        node_error(ctx, node,
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
    bool ok = check_attrs(ctx, node, attrs) & check_empty(ctx, node);
    def->owner_user = opt_attr(node, "user");
    def->owner_group = opt_attr(node, "group");

    if (!def->owner_user && !def->owner_group) {
        node_error(ctx, node, _("element <vnic:owner> needs attribute 'user', 'group' or both"));
        return false;
    }
    if (def->owner_user && !account_valid(def->owner_user)) {
        node_error(ctx, node, _("invalid user '%s': expected a user name or number"),
                   def->owner_user);
        ok = false;
    }
    if (def->owner_group && !account_valid(def->owner_group)) {
        node_error(ctx, node, _("invalid group '%s': expected a group name or number"),
                   def->owner_group);
        ok = false;
    }
    return ok;
}

/* ---- guest-only elements -------------------------------------------------------------- */

/* A guest-only element may have the attributes in ALLOWED in no namespace, and anything in
 * another namespace: that is kept and written back (as libvirt keeps what it does not know),
 * and never read as a value. Child elements in no namespace and text have no meaning there. */
static bool check_guest_content(vnic_parse_ctx *ctx, xmlNode *node, const char *const *allowed)
{
    bool ok = true;
    _cleanup_free_ char *en = elem_name(node);
    for (xmlAttr *a = node->properties; a; a = a->next) {
        if (a->ns)
            continue;
        bool found = false;
        for (const char *const *p = allowed; *p && !found; p++)
            found = xmlStrEqual(a->name, BAD_CAST * p);
        if (!found) {
            node_error(ctx, node, _("attribute '%s' of element <%s> is not supported"),
                       (const char *)a->name, en);
            ok = false;
        }
    }
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !c->ns) {
            _cleanup_free_ char *cn = elem_name(c);
            node_error(ctx, c, _("element <%s> is not supported inside <%s>"), cn, en);
            ok = false;
        } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            _cleanup_xmlstr_ xmlChar *t = xmlNodeGetContent(c);
            for (const xmlChar *p = t; p && *p; p++)
                if (!isspace(*p)) {
                    node_error(ctx, node, _("element <%s> must not contain text"), en);
                    ok = false;
                    break;
                }
        }
    }
    return ok;
}

/* A required number from 1 to MAX, attribute ATTR (no namespace) of node. */
static bool guest_number(vnic_parse_ctx *ctx, xmlNode *node, const char *attr, unsigned long max,
                         unsigned *ret)
{
    _cleanup_free_ char *v = req_attr(ctx, node, attr);
    if (!v)
        return false;
    unsigned long n;
    if (vnic_parse_uint(v, 1, max, &n) < 0) {
        _cleanup_free_ char *sv = shown(v);
        node_error(ctx, node,
                   _("invalid value '%s' for attribute '%s' of <%s> (expected a number from 1 "
                     "to %lu)"),
                   sv, attr, (const char *)node->name, max);
        return false;
    }
    *ret = (unsigned)n;
    return true;
}

/* An optional word of two, attribute ATTR (no namespace): YES for the first, NO for the
 * second, ABSENT when not given. */
static bool guest_choice(vnic_parse_ctx *ctx, xmlNode *node, const char *attr, const char *yes,
                         const char *no, vnic_tristate *ret)
{
    _cleanup_free_ char *v = opt_attr(node, attr);
    if (!v)
        return true;
    if (vnic_streq(v, yes)) {
        *ret = VNIC_TRISTATE_YES;
    } else if (vnic_streq(v, no)) {
        *ret = VNIC_TRISTATE_NO;
    } else {
        _cleanup_free_ char *sv = shown(v);
        node_error(ctx, node,
                   _("invalid value '%s' for attribute '%s' of <%s> "
                     "(expected %s or %s)"),
                   sv, attr, (const char *)node->name, yes, no);
        return false;
    }
    return true;
}

static bool parse_boot(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    /* loadparm is s390's; it has no meaning for the NIC models vnic's launchers build. */
    static const char *const attrs[] = {"order", "loadparm", NULL};
    bool ok = check_guest_content(ctx, node, attrs);
    return guest_number(ctx, node, "order", VNIC_BOOT_ORDER_MAX, &def->boot_order) && ok;
}

static bool parse_acpi(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"index", NULL};
    bool ok = check_guest_content(ctx, node, attrs);
    return guest_number(ctx, node, "index", VNIC_ACPI_INDEX_MAX, &def->acpi_index) && ok;
}

static bool parse_rom(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const attrs[] = {"bar", "file", "enabled", NULL};
    bool ok = check_guest_content(ctx, node, attrs);
    ok &= guest_choice(ctx, node, "bar", "on", "off", &def->rom_bar);
    ok &= guest_choice(ctx, node, "enabled", "yes", "no", &def->rom_enabled);

    /* A path: commas are QEMU's separator and get doubled by the builder, '=' is plain text
     * after the first one; control characters (a newline) are no part of a sane path. */
    _cleanup_free_ char *file = opt_attr(node, "file");
    if (file) {
        for (const char *p = file; *p; p++)
            if (is_control((const unsigned char *)p)) {
                _cleanup_free_ char *sv = shown(file);
                node_error(ctx, node,
                           _("invalid ROM file '%s' in <rom>: it contains a control "
                             "character"),
                           sv);
                return false;
            }
        def->rom_file = TAKE_PTR(file);
    }
    return ok;
}

/* The guest's address on its bus: left to QEMU, which knows the machine's buses. */
static bool parse_address(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    return true;
}

typedef bool (*child_parser)(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def);

/* Children of <interface>, each allowed once (libvirt's schema says the same). Guest-only
 * ones are kept verbatim and written back after the rest. */
static const struct {
    const char *name;
    child_parser parse;
    bool keep;
} child_parsers[] = {
    {"mac", parse_mac},       {"source", parse_source},   {"target", parse_target},
    {"model", parse_model},   {"driver", parse_driver},   {"mtu", parse_mtu},
    {"link", parse_link},     {"alias", parse_alias},     {"address", parse_address, true},
    {"rom", parse_rom, true}, {"boot", parse_boot, true}, {"acpi", parse_acpi, true},
};

static void keep_node(vnic_iface_def *def, xmlNode *node)
{
    def->kept = vnic_xreallocarray(def->kept, def->nkept + 1, sizeof(*def->kept));
    xmlNode *copy = xmlCopyNode(node, 1);
    if (!copy)
        abort(); /* out of memory, as in vnic_xmalloc */
    def->kept[def->nkept++] = copy;
}

vnic_iface_def *vnic_iface_def_parse(vnic_parse_ctx *ctx, xmlNode *node, bool *ret_skipped)
{
    _cleanup_(vnic_iface_def_freep) vnic_iface_def *def = vnic_xcalloc(1, sizeof(*def));
    bool ok = true;

    *ret_skipped = false;
    def->line = node_line(node);

    _cleanup_free_ char *type = opt_attr(node, "type");
    if (!type) {
        node_error(ctx, node, _("element <interface> requires attribute 'type'"));
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
                node_error(ctx, node,
                           _("interface type '%s' is not supported by vnic (use "
                             "--skip-unsupported to leave such interfaces alone)"),
                           type);
            } else {
                node_error(ctx, node, _("unknown interface type '%s'"), type);
            }
            return NULL;
        }
        def->type = (vnic_iface_type)t;
    }

    static const char *const attrs[] = {"type", NULL};
    ok &= check_attrs(ctx, node, attrs);

    bool seen[ELEMENTSOF(child_parsers)] = {false};
    bool seen_owner = false;
    xmlNode *source = NULL;

    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_COMMENT_NODE) {
            keep_node(def, c);
            continue;
        }
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            _cleanup_xmlstr_ xmlChar *t = xmlNodeGetContent(c);
            for (const xmlChar *p = t; p && *p; p++)
                if (!isspace(*p)) {
                    node_error(ctx, c, _("element <%s> must not contain text"), "interface");
                    ok = false;
                    break;
                }
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;

        const char *name = (const char *)c->name;
        _cleanup_free_ char *qname = elem_name(c);

        if (is_vnic_ns(c)) {
            if (vnic_streq(name, "owner")) {
                if (seen_owner) {
                    node_error(ctx, c, _("element <%s> appears more than once"), qname);
                    ok = false;
                    continue;
                }
                seen_owner = true;
                ok &= parse_owner(ctx, c, def);
            } else {
                node_error(ctx, c, _("unknown element <%s>"), qname);
                ok = false;
            }
            continue;
        }
        if (c->ns) {
            node_error(ctx, c, _("element <%s> of namespace '%s' is not supported"), qname,
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
                node_error(ctx, c, _("element <%s> appears more than once"), qname);
                ok = false;
                continue;
            }
            seen[i] = true;
            if (vnic_streq(name, "source"))
                source = c;
            ok &= child_parsers[i].parse(ctx, c, def);
            if (child_parsers[i].keep)
                keep_node(def, c);
        } else if (in_list(unimplemented_elements, ELEMENTSOF(unimplemented_elements), name)) {
            node_error(ctx, c, _("element <%s> is not supported by vnic yet"), qname);
            ok = false;
        } else {
            node_error(ctx, c, _("unknown element <%s> in <interface>"), qname);
            ok = false;
        }
    }

    if (def->type == VNIC_IFACE_DIRECT && !source) {
        node_error(ctx, node, _("interface type 'direct' requires a <source> element"));
        ok = false;
    } else if (def->type != VNIC_IFACE_DIRECT && source) {
        node_error(ctx, source,
                   _("element <source> is only allowed in interfaces of type "
                     "'direct'"));
        ok = false;
    }

    if (!ok)
        return NULL;
    return TAKE_PTR(def);
}

/* ---- formatting ------------------------------------------------------------------------ */

static xmlNode *add_child(xmlNode *parent, xmlNs *ns, const char *name)
{
    xmlNode *n = xmlNewChild(parent, ns, BAD_CAST name, NULL);
    if (!n)
        abort();
    return n;
}

static void set_prop(xmlNode *node, const char *name, const char *value)
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

    set_prop(iface, "type", def->type_tap ? "tap" : vnic_iface_type_to_string(def->type));

    if (vnic_iface_def_needs_ns(def) && !ns) {
        ns = xmlNewNs(iface, BAD_CAST VNIC_XMLNS, BAD_CAST VNIC_XMLNS_PREFIX);
        if (!ns)
            abort();
    }

    if (def->has_mac) {
        char buf[18];
        vnic_mac_format(def->mac, buf);
        set_prop(add_child(iface, NULL, "mac"), "address", buf);
    }
    if (def->source_dev) {
        xmlNode *n = add_child(iface, NULL, "source");
        set_prop(n, "dev", def->source_dev);
        /* The default mode is written out, so the output says what the device will be. */
        set_prop(n, "mode", vnic_macvtap_mode_to_string(def->mode));
    }
    if (def->target_dev) {
        xmlNode *n = add_child(iface, NULL, "target");
        set_prop(n, "dev", def->target_dev);
        if (def->managed != VNIC_TRISTATE_ABSENT)
            set_prop(n, "managed", vnic_tristate_to_string(def->managed));
    }
    if (def->model)
        set_prop(add_child(iface, NULL, "model"), "type", def->model);
    if (def->driver_name != VNIC_DRIVER_DEFAULT || def->queues) {
        xmlNode *n = add_child(iface, NULL, "driver");
        if (def->driver_name != VNIC_DRIVER_DEFAULT)
            set_prop(n, "name", vnic_driver_name_to_string(def->driver_name));
        if (def->queues) {
            char buf[16];
            snprintf(buf, sizeof(buf), "%u", def->queues);
            set_prop(n, "queues", buf);
        }
    }
    if (def->mtu) {
        char buf[16];
        snprintf(buf, sizeof(buf), "%u", def->mtu);
        set_prop(add_child(iface, NULL, "mtu"), "size", buf);
    }
    if (def->link != VNIC_LINK_DEFAULT)
        set_prop(add_child(iface, NULL, "link"), "state", vnic_link_state_to_string(def->link));
    if (def->alias)
        set_prop(add_child(iface, NULL, "alias"), "name", def->alias);
    if (vnic_iface_def_needs_ns(def)) {
        xmlNode *n = add_child(iface, ns, "owner");
        if (def->owner_user)
            set_prop(n, "user", def->owner_user);
        if (def->owner_group)
            set_prop(n, "group", def->owner_group);
    }
    for (size_t i = 0; i < def->nkept; i++) {
        xmlNode *copy = xmlCopyNode(def->kept[i], 1);
        if (!copy || !xmlAddChild(iface, copy))
            abort();
    }
    return iface;
}

bool vnic_model_uses_vnet_hdr(const char *model)
{
    static const char *const models[] = {
        "virtio",
        "virtio-transitional",
        "virtio-non-transitional",
        "virtio-net-pci",
        "e1000e",
        "igb",
        "vmxnet3",
    };
    return model && in_list(models, ELEMENTSOF(models), model);
}

void vnic_tap_host_mac(const uint8_t guest[6], uint8_t ret[6])
{
    memcpy(ret, guest, 6);
    ret[0] = guest[0] == 0xfe ? 0xfa : 0xfe;
}

void vnic_mac_generate(uint8_t ret[6])
{
    uint8_t r[3];
    if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
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
