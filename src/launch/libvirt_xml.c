/* The rewrite of a vnic domain into the domain libvirt runs (vnicsh dumpxml --libvirt, run
 * --libvirt, attach-interface --libvirt).
 *
 * vnic has made the devices; libvirt must only open them and run QEMU. libvirt takes a device
 * that someone else made as <interface type='ethernet'> with <target dev='NAME'
 * managed='no'/>: it opens the tap (TUNSETIFF on the existing name, one open per queue) or the
 * macvtap (through /dev/tap<ifindex>), and leaves the device alone when the domain stops.
 * So every interface vnic manages is rewritten into that, and each of its children is:
 *
 *   kept (the guest sees it, or libvirt needs it to open the device as vnic made it):
 *     mac, model, driver (queues: libvirt opens that many queues, and IFF_MULTI_QUEUE must
 *     match how vnic made the tap; name, txmode, host/guest offloads: QEMU device properties),
 *     mtu (QEMU's host_mtu; libvirt sets the same MTU vnic set), link (QEMU's guest link),
 *     alias, address, boot, rom, acpi, backend (the nodes libvirt opens the tap and vhost-net
 *     through), tune (sndbuf: QEMU sets it on the queue fds libvirt opens, which are not the
 *     ones vnic set it on);
 *   replaced: target (the actual device, managed='no');
 *   removed, because vnic did it on the host and libvirt must not do it again or cannot:
 *     source (direct: the lower device and mode are the macvtap vnic made, and libvirt would
 *     make a macvtap of its own; ethernet: the host-side addresses and routes vnic set),
 *     bandwidth (vnic's tc qdiscs are on the device already), coalesce (set with ethtool by
 *     vnic), script and downscript (vnic ran the script; libvirt would run it a second time and
 *     never the downscript of a managed='no' device);
 *   removed as vnic's own: every element and attribute of vnic's namespace (vnic:owner,
 *     ...), anywhere in the document, and its declaration; the type 'tap' (vnic's synonym).
 *
 * Everything else in the domain (interfaces of other types, disks, the rest) is left as it
 * is. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <libxml/xmlsave.h>

#include "cleanup.h"
#include "domain_conf.h"
#include "i18n.h"
#include "iface_conf.h"
#include "libvirt_xml.h"
#include "strutil.h"
#include "xml_cleanup.h"
#include "xml_read.h"

static bool is_plain(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !n->ns && xmlStrEqual(n->name, BAD_CAST name);
}

static bool in_vnic_ns(const xmlNs *ns)
{
    return ns && ns->href && xmlStrEqual(ns->href, BAD_CAST VNIC_XMLNS);
}

/* The host-side children of an interface that vnic has dealt with (see the top). */
static bool host_only(const xmlNode *n)
{
    static const char *const names[] = {"source", "bandwidth", "coalesce", "script", "downscript"};
    for (size_t i = 0; i < ELEMENTSOF(names); i++)
        if (is_plain(n, names[i]))
            return true;
    return false;
}

/* Remove every element and attribute of vnic's namespace under N (N itself included), then
 * the namespace's declarations, which nothing refers to any more. */
static void strip_vnic_ns(xmlNode *n)
{
    for (xmlNode *c = n->children, *next; c; c = next) {
        next = c->next;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (in_vnic_ns(c->ns)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
            continue;
        }
        strip_vnic_ns(c);
    }
    for (xmlAttr *a = n->properties, *next; a; a = next) {
        next = a->next;
        if (in_vnic_ns(a->ns))
            xmlRemoveProp(a);
    }
    for (xmlNs **p = &n->nsDef; *p;) {
        if (in_vnic_ns(*p)) {
            xmlNs *dead = *p;
            *p = dead->next;
            dead->next = NULL;
            xmlFreeNs(dead);
        } else {
            p = &(*p)->next;
        }
    }
}

static bool managed_type(const xmlNode *iface)
{
    _cleanup_xmlstr_ xmlChar *type = xmlGetNoNsProp(iface, BAD_CAST "type");
    return type && (xmlStrEqual(type, BAD_CAST "ethernet") || xmlStrEqual(type, BAD_CAST "tap") ||
                    xmlStrEqual(type, BAD_CAST "direct"));
}

static void rewrite_iface(xmlNode *iface, const char *device)
{
    xmlSetProp(iface, BAD_CAST "type", BAD_CAST "ethernet");
    xmlNode *target = NULL;
    for (xmlNode *c = iface->children, *next; c; c = next) {
        next = c->next;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_plain(c, "target") && !target) {
            target = c;
        } else if (host_only(c) || is_plain(c, "target")) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
    xmlNode *fresh = xmlNewNode(NULL, BAD_CAST "target");
    if (!fresh)
        abort();
    xmlNewProp(fresh, BAD_CAST "dev", BAD_CAST device);
    xmlNewProp(fresh, BAD_CAST "managed", BAD_CAST "no");
    if (target) {
        xmlReplaceNode(target, fresh);
        xmlFreeNode(target);
        return;
    }
    /* Where libvirt writes it: after the mac (or first). */
    xmlNode *mac = NULL;
    for (xmlNode *c = iface->children; c && !mac; c = c->next)
        if (is_plain(c, "mac"))
            mac = c;
    if (mac)
        xmlAddNextSibling(mac, fresh);
    else if (iface->children)
        xmlAddPrevSibling(iface->children, fresh);
    else
        xmlAddChild(iface, fresh);
}

int vnic_libvirt_rewrite_doc(xmlDoc *doc, char *const *devices, size_t n, vnic_error **err)
{
    size_t nnodes = 0;
    _cleanup_free_ xmlNode **nodes = vnic_domain_interface_nodes(doc, &nnodes);
    size_t k = 0;
    for (size_t i = 0; i < nnodes; i++) {
        if (!managed_type(nodes[i]))
            continue;
        if (k >= n)
            break;
        rewrite_iface(nodes[i], devices[k++]);
    }
    size_t managed = 0;
    for (size_t i = 0; i < nnodes; i++)
        managed += managed_type(nodes[i]);
    if (managed != n)
        return vnic_error_set(err, VNIC_ERR_INTERNAL,
                              _("the domain has %zu interfaces vnic manages, but %zu devices"),
                              managed, n),
               -EINVAL;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (root)
        strip_vnic_ns(root);
    return 0;
}

static void drop_message(void *opaque, const xmlError *e)
{
    (void)e;
    (void)opaque;
}

void vnic_libvirt_doc_set_uuid(xmlDoc *doc, const char *uuid)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !is_plain(root, "domain"))
        return;
    xmlNode *name = NULL;
    for (xmlNode *c = root->children; c; c = c->next) {
        if (is_plain(c, "uuid"))
            return;
        if (is_plain(c, "name") && !name)
            name = c;
    }
    xmlNode *u = xmlNewNode(NULL, BAD_CAST "uuid");
    if (!u)
        abort();
    xmlNodeAddContent(u, BAD_CAST uuid);
    if (name)
        xmlAddNextSibling(name, u);
    else if (root->children)
        xmlAddPrevSibling(root->children, u);
    else
        xmlAddChild(root, u);
}

xmlDoc *vnic_libvirt_doc_read(const char *xml, const char *docname, vnic_error **err)
{
    xmlDoc *doc = vnic_xml_read_memory(xml, strlen(xml), docname,
                                       XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOCDATA,
                                       drop_message, NULL);
    if (!doc)
        vnic_error_set(err, VNIC_ERR_XML, _("%s: not well-formed XML"), docname);
    return doc;
}

static char *format_node(xmlDoc *doc, xmlNode *node)
{
    xmlBufferPtr buf = xmlBufferCreate();
    if (!buf)
        abort();
    xmlSaveCtxtPtr save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL);
    if (!save)
        abort();
    if (node) {
        xmlSaveTree(save, node);
        xmlSaveFlush(save);
    } else {
        xmlSaveDoc(save, doc);
    }
    xmlSaveClose(save);
    char *out = node ? vnic_xasprintf("%s\n", (const char *)xmlBufferContent(buf))
                     : vnic_xstrdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    return out;
}

char *vnic_libvirt_doc_format(xmlDoc *doc)
{
    return format_node(doc, NULL);
}

char *vnic_libvirt_doc_iface(xmlDoc *doc, size_t index)
{
    size_t nnodes = 0, k = 0;
    _cleanup_free_ xmlNode **nodes = vnic_domain_interface_nodes(doc, &nnodes);
    for (size_t i = 0; i < nnodes; i++) {
        /* After the rewrite every interface vnic manages is an ethernet one; an ethernet
         * interface it does not manage cannot be there (vnic manages every ethernet one). */
        if (!managed_type(nodes[i]))
            continue;
        if (k++ == index)
            return format_node(doc, nodes[i]);
    }
    return NULL;
}

char *vnic_libvirt_rewrite_xml(const char *xml, const char *docname, char *const *devices, size_t n,
                               vnic_error **err)
{
    _cleanup_xmldoc_ xmlDoc *doc = vnic_libvirt_doc_read(xml, docname, err);
    if (!doc || vnic_libvirt_rewrite_doc(doc, devices, n, err) < 0)
        return NULL;
    return vnic_libvirt_doc_format(doc);
}

int vnic_libvirt_iface_attrs(const char *xml, const char *child, const char *name, char ***ret,
                             size_t *ret_n, vnic_error **err)
{
    _cleanup_xmldoc_ xmlDoc *doc = vnic_xml_read_memory(
        xml, strlen(xml), "libvirt", XML_PARSE_NONET | XML_PARSE_NOBLANKS, drop_message, NULL);
    if (!doc)
        return vnic_error_set(err, VNIC_ERR_XML,
                              _("libvirt gave a document that is not "
                                "well-formed XML")),
               -EINVAL;
    size_t nnodes = 0;
    _cleanup_free_ xmlNode **nodes = vnic_domain_interface_nodes(doc, &nnodes);
    char **out = vnic_xcalloc(nnodes + 1, sizeof(char *));
    for (size_t i = 0; i < nnodes; i++) {
        xmlChar *v = NULL;
        for (xmlNode *c = nodes[i]->children; c && !v; c = c->next)
            if (is_plain(c, child))
                v = xmlGetNoNsProp(c, BAD_CAST name);
        out[i] = vnic_xstrdup(v ? (const char *)v : "");
        xmlFree(v);
    }
    *ret = out;
    *ret_n = nnodes;
    return 0;
}

/* XML attribute text for a value in single quotes. */
static char *attr_escape(const char *v)
{
    char *out = vnic_xcalloc(strlen(v) * 6 + 1, 1);
    char *o = out;
    for (const char *c = v; *c; c++) {
        const char *rep = *c == '&'    ? "&amp;"
                          : *c == '<'  ? "&lt;"
                          : *c == '\'' ? "&apos;"
                          : *c == '"'  ? "&quot;"
                                       : NULL;
        if (rep) {
            strcpy(o, rep);
            o += strlen(rep);
        } else {
            *o++ = *c;
        }
    }
    return out;
}

char *vnic_libvirt_mark_xml(const char *xml, const char *uri, const char *uuid, bool add_uuid)
{
    /* The root's end tag is the last "</domain" of the document: what may follow it
     * (comments, white space) holds no end tag of an element. */
    const char *end = NULL;
    for (const char *p = strstr(xml, "</domain"); p; p = strstr(p + 1, "</domain"))
        end = p;
    if (!end)
        return NULL;
    _cleanup_free_ char *u = attr_escape(uri);
    _cleanup_free_ char *id = attr_escape(uuid);
    _cleanup_free_ char *uuid_elem = add_uuid ? vnic_xasprintf("<uuid>%s</uuid>", id) : NULL;
    return vnic_xasprintf("%.*s%s<vnic:%s xmlns:vnic='%s' uri='%s' uuid='%s'/>%s", (int)(end - xml),
                          xml, uuid_elem ? uuid_elem : "", VNIC_LIBVIRT_MARK, VNIC_XMLNS, u, id,
                          end);
}

int vnic_libvirt_mark_read(const char *xml, char **ret_uri, char **ret_uuid)
{
    _cleanup_xmldoc_ xmlDoc *doc = vnic_libvirt_doc_read(xml, "domain", NULL);
    if (!doc)
        return -EINVAL;
    xmlNode *root = xmlDocGetRootElement(doc);
    for (xmlNode *c = root ? root->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !in_vnic_ns(c->ns) ||
            !xmlStrEqual(c->name, BAD_CAST VNIC_LIBVIRT_MARK))
            continue;
        _cleanup_xmlstr_ xmlChar *uri = xmlGetNoNsProp(c, BAD_CAST "uri");
        _cleanup_xmlstr_ xmlChar *uuid = xmlGetNoNsProp(c, BAD_CAST "uuid");
        if (!uri || !uuid)
            return -ENOENT;
        *ret_uri = vnic_xstrdup((const char *)uri);
        *ret_uuid = vnic_xstrdup((const char *)uuid);
        return 0;
    }
    return -ENOENT;
}
