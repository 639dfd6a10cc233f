#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/xmlsave.h>

#include "domain_conf.h"
#include "i18n.h"
#include "schema.h"
#include "xml_limits.h"
#include "xml_line.h"
#include "xml_read.h"
#include "xml_cleanup.h"

#define VNIC_XML_MAX_SIZE (16 * 1024 * 1024)

/* Diagnostics reported for one document; the rest are counted in one last line. */
#define VNIC_DIAG_MAX 100

void vnic_domain_def_free(vnic_domain_def *def)
{
    if (!def)
        return;
    for (size_t i = 0; i < def->niface; i++)
        vnic_iface_def_free(def->ifaces[i]);
    free(def->ifaces);
    free(def->name);
    free(def->uuid);
    free(def->machine);
    free(def->arch);
    vnic_domain_controllers_clear(def);
    free(def->file);
    xmlFreeDoc(def->doc);
    free(def);
}

const char *vnic_domain_def_name(const vnic_domain_def *def)
{
    return def->name;
}

size_t vnic_domain_def_interface_count(const vnic_domain_def *def)
{
    return def->niface;
}

bool vnic_uuid_valid(const char *s)
{
    static const int dashes[] = {8, 13, 18, 23};
    size_t len = strlen(s);

    if (len == 32) {
        for (size_t i = 0; i < len; i++)
            if (!isxdigit((unsigned char)s[i]))
                return false;
        return true;
    }
    if (len != 36)
        return false;
    for (size_t i = 0, d = 0; i < len; i++) {
        if (d < ELEMENTSOF(dashes) && (int)i == dashes[d]) {
            if (s[i] != '-')
                return false;
            d++;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

const char *vnic_domain_name_check(const char *name)
{
    /* The name becomes a file name in the state store (where names starting with '.' are
     * the store's own temporary files, invisible to list and reconcile) and part of the
     * device marks. */
    size_t len = strlen(name);
    if (len == 0)
        return _("the name is empty");
    if (len > VNIC_DOMAIN_NAME_MAX)
        return _("the name is longer than 200 bytes");
    if (name[0] == '.')
        return _("the name starts with '.'");
    for (const char *p = name; *p; p++) {
        if (*p == '/')
            return _("the name contains '/'");
        if (vnic_is_control_char((const unsigned char *)p))
            return _("the name contains a control character");
    }
    return NULL;
}

static int node_line(const xmlNode *node)
{
    return vnic_xml_node_line(node);
}

static bool is_plain(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !n->ns && xmlStrEqual(n->name, BAD_CAST name);
}

void vnic_domain_def_new_mac(const vnic_domain_def *def, uint8_t ret[6])
{
    for (;;) {
        vnic_mac_generate(ret);
        bool used = false;
        for (size_t i = 0; i < def->niface && !used; i++)
            used = def->ifaces[i]->has_mac && memcmp(def->ifaces[i]->mac, ret, 6) == 0;
        if (!used)
            return;
    }
}

xmlNode **vnic_domain_interface_nodes(xmlDoc *doc, size_t *ret_n)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode **nodes = NULL;
    size_t n = 0;

    if (root && is_plain(root, "interface")) {
        nodes = vnic_xcalloc(1, sizeof(*nodes));
        nodes[n++] = root;
    } else if (root && is_plain(root, "domain")) {
        for (xmlNode *d = root->children; d; d = d->next) {
            if (!is_plain(d, "devices"))
                continue;
            for (xmlNode *c = d->children; c; c = c->next) {
                if (!is_plain(c, "interface"))
                    continue;
                nodes = vnic_xreallocarray(nodes, n + 1, sizeof(*nodes));
                nodes[n++] = c;
            }
        }
    }
    *ret_n = n;
    return nodes;
}

/* ---- diagnostics ------------------------------------------------------------------------ */

/* Move src's diagnostics to dst: the first VNIC_DIAG_MAX, then one line for the rest. A
 * document with thousands of copies of one mistake gives a readable answer. */
static void append_capped(vnic_diag_list *dst, const vnic_diag_list *src, const char *file)
{
    if (src->count <= VNIC_DIAG_MAX) {
        vnic_diag_append(dst, src);
        return;
    }
    vnic_diag_list head = {.items = src->items, .count = VNIC_DIAG_MAX};
    vnic_diag_append(dst, &head);
    size_t more = src->count - VNIC_DIAG_MAX;
    vnic_diag_add(
        dst, file, 0,
        dngettext(GETTEXT_PACKAGE, "... and %zu more error", "... and %zu more errors", more),
        more);
}

/* ---- reading --------------------------------------------------------------------------- */

typedef struct {
    const char *file;
    vnic_diag_list *diags;
} xml_error_ctx;

static void xml_parse_error(void *data, const xmlError *e)
{
    xml_error_ctx *c = data;
    if (e->level < XML_ERR_ERROR)
        return;
    _cleanup_free_ char *msg = vnic_xml_error_text(e);
    vnic_diag_add(c->diags, c->file, e->line, _("malformed XML: %s"), msg);
}

static bool is_blank_text(const xmlNode *n)
{
    if (n->type != XML_TEXT_NODE)
        return false;
    for (const xmlChar *c = n->content; c && *c; c++)
        if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r')
            return false;
    return true;
}

/* XML_PARSE_NOBLANKS drops only white space written as such: white space written as character
 * references ("&#10;") stays as text between elements, and the formatter, seeing mixed content,
 * would stop indenting there and format the same document differently the second time. Blank
 * text beside elements carries no meaning in a domain: drop it all. Iterative, so that the
 * nesting depth costs no stack. */
static void drop_blank_text(xmlNode *root)
{
    xmlNode *n = root;
    while (n) {
        if (n->type == XML_ELEMENT_NODE && xmlFirstElementChild(n)) {
            xmlNode *c = n->children;
            while (c) {
                xmlNode *next = c->next;
                if (is_blank_text(c)) {
                    xmlUnlinkNode(c);
                    xmlFreeNode(c);
                }
                c = next;
            }
        }
        /* Next in document order. */
        if (n->children && n->type == XML_ELEMENT_NODE) {
            n = n->children;
            continue;
        }
        while (n && n != root && !n->next)
            n = n->parent;
        n = n && n != root ? n->next : NULL;
    }
}

/* Parse a buffer into a document; problems become diagnostics. */
static xmlDoc *read_xml(const char *buf, size_t len, const char *file, vnic_diag_list *diags)
{
    /* Namespace errors do not stop the parser: a document can give one per element. */
    vnic_diag_list errors = {0};
    xml_error_ctx ec = {.file = file, .diags = &errors};

    /* No network, no entity expansion, no DTD loading: input may be hostile. Blank text
     * nodes are dropped so that formatting can indent on its own. */
    xmlDoc *doc = vnic_xml_read_memory(buf, len, file,
                                       XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOCDATA |
                                           XML_PARSE_BIG_LINES,
                                       xml_parse_error, &ec);

    if (!doc && !errors.count)
        vnic_diag_add(&errors, file, 0, _("malformed XML"));
    if (errors.count) {
        append_capped(diags, &errors, file);
        vnic_diag_clear(&errors);
        xmlFreeDoc(doc);
        return NULL;
    }
    drop_blank_text(xmlDocGetRootElement(doc));
    return doc;
}

/* ---- semantic checks ------------------------------------------------------------------- */

static char *child_text(xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *s = vnic_xstrdup(t ? (const char *)t : "");
    xmlFree(t);
    return s;
}

static void parse_domain_header(vnic_parse_ctx *ctx, xmlNode *root, vnic_domain_def *def)
{
    xmlNode *name = NULL, *uuid = NULL;

    for (xmlNode *c = root->children; c; c = c->next) {
        if (is_plain(c, "name")) {
            if (name) {
                vnic_diag_add(ctx->diags, ctx->file, node_line(c),
                              _("element <%s> appears more than once"), "name");
                continue;
            }
            name = c;
        } else if (is_plain(c, "uuid")) {
            if (uuid) {
                vnic_diag_add(ctx->diags, ctx->file, node_line(c),
                              _("element <%s> appears more than once"), "uuid");
                continue;
            }
            uuid = c;
        }
    }

    xmlChar *type = xmlGetNoNsProp(root, BAD_CAST "type");
    def->not_kvm = type && !xmlStrEqual(type, BAD_CAST "kvm");
    xmlFree(type);

    if (!name) {
        vnic_diag_add(ctx->diags, ctx->file, node_line(root), _("the domain has no <name>"));
    } else {
        def->name = child_text(name);
        const char *why = vnic_domain_name_check(def->name);
        if (why)
            vnic_diag_add(ctx->diags, ctx->file, node_line(name), _("invalid domain name '%s': %s"),
                          def->name, why);
    }
    if (uuid) {
        def->uuid = child_text(uuid);
        if (!vnic_uuid_valid(def->uuid))
            vnic_diag_add(ctx->diags, ctx->file, node_line(uuid), _("invalid UUID '%s'"),
                          def->uuid);
    }
}

/* Within one domain, MACs, device names and aliases must be unique; a passthrough lower
 * device belongs to one interface alone. Each value goes into a hash table with the first
 * interface that uses it, so a document of N interfaces costs O(N) and every duplicate gives
 * one diagnostic naming the first use (pairwise comparison gave N^2 of both). */
static const vnic_iface_def *first_use(xmlHashTablePtr table, const char *key,
                                       const vnic_iface_def *iface)
{
    const vnic_iface_def *first = xmlHashLookup(table, BAD_CAST key);
    if (first)
        return first;
    if (xmlHashAddEntry(table, BAD_CAST key, (void *)iface) < 0)
        abort();
    return NULL;
}

static void check_duplicates(vnic_parse_ctx *ctx, const vnic_domain_def *def)
{
    xmlHashTablePtr macs = xmlHashCreate(0), targets = xmlHashCreate(0);
    xmlHashTablePtr aliases = xmlHashCreate(0), lowers = xmlHashCreate(0);
    xmlHashTablePtr passthrough = xmlHashCreate(0);
    if (!macs || !targets || !aliases || !lowers || !passthrough)
        abort();

    for (size_t i = 0; i < def->niface; i++) {
        const vnic_iface_def *a = def->ifaces[i], *b;
        if (a->has_mac) {
            char buf[18];
            vnic_mac_format(a->mac, buf);
            if ((b = first_use(macs, buf, a)))
                vnic_diag_add(ctx->diags, ctx->file, a->line,
                              _("duplicate MAC address '%s' (also used on line %d)"), buf, b->line);
        }
        if (a->target_dev && !vnic_ifname_is_template(a->target_dev) &&
            (b = first_use(targets, a->target_dev, a)))
            vnic_diag_add(ctx->diags, ctx->file, a->line,
                          _("duplicate target device '%s' (also used on line %d)"), a->target_dev,
                          b->line);
        if (a->alias && (b = first_use(aliases, a->alias, a)))
            vnic_diag_add(ctx->diags, ctx->file, a->line,
                          _("duplicate alias '%s' (also used on line %d)"), a->alias, b->line);
        if (a->source_dev) {
            /* A shared lower device is an error when this interface or an earlier one on it
             * is in passthrough mode; name the one it clashes with. */
            const vnic_iface_def *any = first_use(lowers, a->source_dev, a);
            const vnic_iface_def *pt = xmlHashLookup(passthrough, BAD_CAST a->source_dev);
            if (a->mode == VNIC_MACVTAP_PASSTHROUGH && !pt &&
                xmlHashAddEntry(passthrough, BAD_CAST a->source_dev, (void *)a) < 0)
                abort();
            b = a->mode == VNIC_MACVTAP_PASSTHROUGH ? any : pt;
            if (b)
                vnic_diag_add(ctx->diags, ctx->file, a->line,
                              _("lower device '%s' is also used on line %d; a device in "
                                "passthrough mode cannot share it"),
                              a->source_dev, b->line);
        }
    }
    xmlHashFree(macs, NULL);
    xmlHashFree(targets, NULL);
    xmlHashFree(aliases, NULL);
    xmlHashFree(lowers, NULL);
    xmlHashFree(passthrough, NULL);
}

void vnic_domain_check_added(const char *file, vnic_diag_list *diags, const vnic_domain_def *def,
                             const vnic_iface_def *iface)
{
    vnic_domain_def with = *def;
    with.ifaces = vnic_xcalloc(def->niface + 1, sizeof(*with.ifaces));
    memcpy(with.ifaces, def->ifaces, def->niface * sizeof(*with.ifaces));
    with.ifaces[with.niface++] = (vnic_iface_def *)iface;
    vnic_parse_ctx ctx = {.file = file, .diags = diags};
    check_duplicates(&ctx, &with);
    vnic_domain_check_pci(&ctx, &with);
    free(with.ifaces);
}

static void parse_interfaces(vnic_parse_ctx *ctx, xmlDoc *doc, vnic_domain_def *def)
{
    size_t nnodes;
    _cleanup_free_ xmlNode **nodes = vnic_domain_interface_nodes(doc, &nnodes);
    def->ifaces = vnic_xcalloc(nnodes, sizeof(*def->ifaces));
    /* A standalone interface of another type cannot be skipped: nothing would be left. */
    vnic_parse_ctx c = *ctx;
    if (def->standalone)
        c.flags &= ~(unsigned)VNIC_PARSE_SKIP_UNSUPPORTED;
    for (size_t i = 0; i < nnodes; i++) {
        bool skipped;
        vnic_iface_def *iface = vnic_iface_def_parse(&c, nodes[i], &skipped);
        if (!iface)
            continue;
        iface->node_index = (unsigned)i;
        iface->domain_not_kvm = def->not_kvm;
        def->ifaces[def->niface++] = iface;
    }
}

static int parse_doc(xmlDoc *doc, const char *file, unsigned flags, vnic_domain_def **ret,
                     vnic_diag_list *diags, vnic_error **err)
{
    _cleanup_(vnic_domain_def_freep) vnic_domain_def *def = vnic_xcalloc(1, sizeof(*def));
    vnic_diag_list semantic = {0}, schema = {0};
    vnic_parse_ctx ctx = {.file = file, .diags = &semantic, .flags = flags};
    int ret_val = -1;

    def->file = vnic_xstrdup(file);
    def->doc = doc;

    xmlNode *root = xmlDocGetRootElement(doc);
    const char *schema_file = NULL;
    if (root && !vnic_xml_check_limits(root, file, &semantic))
        goto report;
    if (root && is_plain(root, "interface")) {
        def->standalone = true;
        schema_file = "interface.rng";
    } else if (root && is_plain(root, "domain")) {
        schema_file = "domain.rng";
        parse_domain_header(&ctx, root, def);
        vnic_domain_parse_os(&ctx, root, def);
        vnic_domain_parse_controllers(&ctx, root, def);
    } else if (root && root->ns) {
        vnic_diag_add(&semantic, file, node_line(root),
                      _("the root element <%s> must not be in a namespace (it is in '%s')"),
                      (const char *)root->name, (const char *)root->ns->href);
        goto report;
    } else {
        vnic_diag_add(&semantic, file, root ? node_line(root) : 0,
                      _("the root element must be <domain> or <interface>, not <%s>"),
                      root ? (const char *)root->name : "");
        goto report;
    }

    parse_interfaces(&ctx, doc, def);
    check_duplicates(&ctx, def);
    vnic_domain_check_pci(&ctx, def);

    /* The schema only backs up the semantic checks (see below), and costs more than all of
     * them: it does not run on a document they already refused. */
    if (!(flags & VNIC_PARSE_NO_SCHEMA) && !semantic.count) {
        int r = vnic_schema_validate(doc, schema_file, file, &schema, err);
        if (r < 0) {
            def->doc = NULL; /* the caller still owns doc */
            goto out;
        }
    }

report:
    /* Semantic checks name the element and say what is wrong; the schema's messages are a
     * backstop for what they do not cover. Report the schema's only when the semantic
     * checks found nothing, so one mistake does not produce two differently worded lines. */
    if (semantic.count) {
        vnic_diag_sort(&semantic);
        append_capped(diags, &semantic, file);
    } else if (schema.count) {
        append_capped(diags, &schema, file);
    }
    if (semantic.count || schema.count) {
        def->doc = NULL;
        vnic_error_set(err, VNIC_ERR_XML, _("%s: the document is not valid"), file);
        goto out;
    }

    *ret = TAKE_PTR(def);
    ret_val = 0;
out:
    vnic_diag_clear(&semantic);
    vnic_diag_clear(&schema);
    return ret_val;
}

static int def_parse_string(const char *xml, const char *name, unsigned flags,
                            vnic_domain_def **ret, vnic_diag_list *diags, vnic_error **err)
{
    size_t len = strlen(xml);
    if (len > VNIC_XML_MAX_SIZE) {
        vnic_diag_add(diags, name, 0, _("file is larger than %d MiB"),
                      VNIC_XML_MAX_SIZE / (1024 * 1024));
        return vnic_error_set(err, VNIC_ERR_XML, _("%s: the document is not valid"), name);
    }
    /* libxml2's parser itself costs O(n^2) in the attributes of one element. */
    if (!vnic_xml_prescan(xml, len, name, diags))
        return vnic_error_set(err, VNIC_ERR_XML, _("%s: the document is not valid"), name);
    xmlDoc *doc = read_xml(xml, len, name, diags);
    if (!doc) {
        return vnic_error_set(err, VNIC_ERR_XML, _("%s: the document is not valid"), name);
    }
    int r = parse_doc(doc, name, flags, ret, diags, err);
    if (r < 0)
        xmlFreeDoc(doc);
    return r;
}

int vnic_domain_def_read_file(const char *path, char **ret, vnic_diag_list *diags, vnic_error **err)
{
    size_t len;
    _cleanup_free_ char *buf = vnic_xml_file_read(path, VNIC_XML_MAX_SIZE, &len, diags);
    if (!buf)
        return vnic_error_set(err, VNIC_ERR_IO, _("%s: the file cannot be read"), path);
    if (memchr(buf, '\0', len)) {
        vnic_diag_add(diags, path, 0, _("malformed XML: the file contains a NUL byte"));
        return vnic_error_set(err, VNIC_ERR_XML, _("%s: the document is not valid"), path);
    }
    *ret = TAKE_PTR(buf);
    return 0;
}

static int def_parse_file(const char *path, unsigned flags, vnic_domain_def **ret,
                          vnic_diag_list *diags, vnic_error **err)
{
    _cleanup_free_ char *buf = NULL;
    int r = vnic_domain_def_read_file(path, &buf, diags, err);
    if (r < 0)
        return r;
    return def_parse_string(buf, path, flags, ret, diags, err);
}

/* A definition vnic itself wrote into another document (a state record): the element is
 * copied into a document of its own, which the definition keeps for formatting. Lines stay
 * those of the outer document, so that diagnostics point into the file it came from. */
int vnic_domain_def_parse_node(const xmlNode *node, const char *file, unsigned flags,
                               vnic_domain_def **ret, vnic_diag_list *diags, vnic_error **err)
{
    xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNode *copy = doc ? xmlDocCopyNode((xmlNode *)node, doc, 1) : NULL;
    if (!copy)
        abort();
    xmlDocSetRootElement(doc, copy);
    drop_blank_text(copy);
    int r = parse_doc(doc, file, flags, ret, diags, err);
    if (r < 0)
        xmlFreeDoc(doc);
    return r;
}

/* The public entry points: the return convention and flag check of vnic.h (error.h). */
#define PARSE_FLAGS ((unsigned)(VNIC_PARSE_SKIP_UNSUPPORTED | VNIC_PARSE_NO_SCHEMA))

int vnic_domain_def_parse_string(const char *xml, const char *name, unsigned flags,
                                 vnic_domain_def **ret, vnic_diag_list *diags, vnic_error **err)
{
    vnic_api_call c;
    if (vnic_api_begin(&c, __func__, err, diags, flags, PARSE_FLAGS) < 0)
        return vnic_api_end(&c, -EINVAL);
    return vnic_api_end(&c, def_parse_string(xml, name, flags, ret, c.diags, c.err));
}

int vnic_domain_def_parse_file(const char *path, unsigned flags, vnic_domain_def **ret,
                               vnic_diag_list *diags, vnic_error **err)
{
    vnic_api_call c;
    if (vnic_api_begin(&c, __func__, err, diags, flags, PARSE_FLAGS) < 0)
        return vnic_api_end(&c, -EINVAL);
    return vnic_api_end(&c, def_parse_file(path, flags, ret, c.diags, c.err));
}

/* ---- formatting ------------------------------------------------------------------------ */

static xmlDoc *def_format_doc(const vnic_domain_def *def, vnic_error **err)
{
    _cleanup_xmldoc_ xmlDoc *doc = xmlCopyDoc(def->doc, 1);
    if (!doc) {
        vnic_error_set(err, VNIC_ERR_NOMEM, _("cannot copy the document"));
        return NULL;
    }

    size_t nnodes;
    _cleanup_free_ xmlNode **nodes = vnic_domain_interface_nodes(doc, &nnodes);
    xmlNode *root = xmlDocGetRootElement(doc);

    /* In a domain, vnic's namespace is declared once on the root element, as libvirt does
     * for its qemu: namespace; a standalone interface declares it on itself. */
    xmlNs *ns = NULL;
    if (!def->standalone) {
        for (size_t i = 0; i < def->niface && !ns; i++)
            if (vnic_iface_def_needs_ns(def->ifaces[i])) {
                ns = xmlSearchNsByHref(doc, root, BAD_CAST VNIC_XMLNS);
                /* The root may already use the prefix "vnic" for something else. */
                for (unsigned k = 0; !ns && k < 100; k++) {
                    char prefix[16];
                    if (k == 0)
                        snprintf(prefix, sizeof(prefix), "%s", VNIC_XMLNS_PREFIX);
                    else
                        snprintf(prefix, sizeof(prefix), "%s%u", VNIC_XMLNS_PREFIX, k);
                    if (!xmlSearchNs(doc, root, BAD_CAST prefix))
                        ns = xmlNewNs(root, BAD_CAST VNIC_XMLNS, BAD_CAST prefix);
                }
                if (!ns)
                    abort();
            }
    }

    for (size_t i = 0; i < def->niface; i++) {
        const vnic_iface_def *iface = def->ifaces[i];
        if (iface->node_index >= nnodes) {
            vnic_error_set(err, VNIC_ERR_INTERNAL, _("interface %u is missing in the document"),
                           iface->node_index);
            return NULL;
        }
        xmlNode *old = nodes[iface->node_index];
        xmlNode *fresh = vnic_iface_def_format(iface, ns);
        if (old == root) {
            xmlDocSetRootElement(doc, fresh);
            root = fresh;
        } else {
            xmlReplaceNode(old, fresh);
        }
        xmlFreeNode(old);
    }
    return TAKE_PTR(doc);
}

xmlDoc *vnic_domain_def_format_doc(const vnic_domain_def *def, vnic_error **err)
{
    return def_format_doc(def, err);
}

static char *def_format(const vnic_domain_def *def, vnic_error **err)
{
    _cleanup_xmldoc_ xmlDoc *doc = def_format_doc(def, err);
    if (!doc)
        return NULL;

    xmlBufferPtr buf = xmlBufferCreate();
    if (!buf)
        abort();
    xmlSaveCtxtPtr save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL);
    if (!save) {
        xmlBufferFree(buf);
        vnic_error_set(err, VNIC_ERR_NOMEM, _("cannot format the document"));
        return NULL;
    }
    xmlSaveDoc(save, doc);
    xmlSaveClose(save);

    char *out = vnic_xstrdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    return out;
}

char *vnic_domain_def_format(const vnic_domain_def *def, vnic_error **err)
{
    vnic_api_call c;
    vnic_api_begin(&c, __func__, err, NULL, 0, 0);
    return vnic_api_end_ptr(&c, def_format(def, c.err));
}

size_t vnic_domain_def_add_interface(vnic_domain_def *def, vnic_iface_def *iface)
{
    xmlNode *root = xmlDocGetRootElement(def->doc);
    xmlNode *devices = NULL;
    for (xmlNode *c = root->children; c && !devices; c = c->next)
        if (is_plain(c, "devices"))
            devices = c;
    if (!devices && !(devices = xmlNewChild(root, NULL, BAD_CAST "devices", NULL)))
        abort();
    xmlNode *placeholder = xmlNewChild(devices, NULL, BAD_CAST "interface", NULL);
    if (!placeholder)
        abort();

    /* Its position among the document's interface elements: it is the last one. */
    size_t nnodes;
    _cleanup_free_ xmlNode **nodes = vnic_domain_interface_nodes(def->doc, &nnodes);
    iface->node_index = (unsigned)(nnodes - 1);
    iface->domain_not_kvm = def->not_kvm;
    def->ifaces = vnic_xreallocarray(def->ifaces, def->niface + 1, sizeof(*def->ifaces));
    def->ifaces[def->niface] = iface;
    return def->niface++;
}

void vnic_domain_def_remove_interface(vnic_domain_def *def, size_t index)
{
    if (index >= def->niface)
        return;
    vnic_iface_def *iface = def->ifaces[index];
    size_t nnodes;
    _cleanup_free_ xmlNode **nodes = vnic_domain_interface_nodes(def->doc, &nnodes);
    if (iface->node_index < nnodes) {
        xmlUnlinkNode(nodes[iface->node_index]);
        xmlFreeNode(nodes[iface->node_index]);
        for (size_t i = 0; i < def->niface; i++)
            if (def->ifaces[i]->node_index > iface->node_index)
                def->ifaces[i]->node_index--;
    }
    vnic_iface_def_free(iface);
    memmove(&def->ifaces[index], &def->ifaces[index + 1],
            (def->niface - index - 1) * sizeof(*def->ifaces));
    def->niface--;
}

static bool alias_in_use(const vnic_domain_def *def, char *const *given, const char *alias)
{
    for (size_t i = 0; i < def->niface; i++)
        if ((def->ifaces[i]->alias && vnic_streq(def->ifaces[i]->alias, alias)) ||
            (given && given[i] && vnic_streq(given[i], alias)))
            return true;
    return false;
}

/* The first "netN" from *n on that no alias (nor given[], if not NULL) has; *n is left past
 * it. */
static char *next_free_alias(const vnic_domain_def *def, char *const *given, unsigned *n)
{
    for (;; (*n)++) {
        char *alias = vnic_xasprintf("net%u", *n);
        if (!alias_in_use(def, given, alias)) {
            (*n)++;
            return alias;
        }
        free(alias);
    }
}

/* The aliases the aliasless interfaces get, into given[] (NULL for the others): interface i
 * takes "net<i>", as QEMU users expect, unless an alias has it; those left take the free
 * numbers from max(*next, the interface count) on. */
static void make_aliases(const vnic_domain_def *def, unsigned *next, char **given)
{
    for (size_t i = 0; i < def->niface; i++) {
        if (def->ifaces[i]->alias)
            continue;
        char *alias = vnic_xasprintf("net%zu", i);
        if (alias_in_use(def, given, alias))
            free(alias);
        else
            given[i] = alias;
    }
    unsigned n = *next > def->niface ? *next : (unsigned)def->niface;
    for (size_t i = 0; i < def->niface; i++)
        if (!def->ifaces[i]->alias && !given[i])
            given[i] = next_free_alias(def, given, &n);
    *next = n;
}

char *vnic_domain_def_iface_alias(const vnic_domain_def *def, size_t index)
{
    if (def->ifaces[index]->alias)
        return vnic_xstrdup(def->ifaces[index]->alias);
    _cleanup_free_ char **given = vnic_xcalloc(def->niface, sizeof(*given));
    unsigned next = 0;
    make_aliases(def, &next, given);
    char *ret = TAKE_PTR(given[index]);
    for (size_t i = 0; i < def->niface; i++)
        free(given[i]);
    return ret;
}

char *vnic_domain_def_next_alias(const vnic_domain_def *def, unsigned *next)
{
    unsigned n = *next > def->niface ? *next : (unsigned)def->niface;
    char *alias = next_free_alias(def, NULL, &n);
    *next = n;
    return alias;
}

void vnic_domain_def_assign_aliases(vnic_domain_def *def, unsigned *next)
{
    if (!def->niface)
        return;
    _cleanup_free_ char **given = vnic_xcalloc(def->niface, sizeof(*given));
    make_aliases(def, next, given);
    for (size_t i = 0; i < def->niface; i++)
        if (given[i])
            def->ifaces[i]->alias = given[i];
}

vnic_iface_def *vnic_domain_def_steal_interface(vnic_domain_def *def)
{
    if (!def->standalone || def->niface != 1)
        return NULL;
    vnic_iface_def *iface = def->ifaces[0];
    def->niface = 0;
    iface->node_index = 0;
    return iface;
}
