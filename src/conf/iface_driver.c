/* <driver>'s tuning of the guest's virtio-net device (txmode, ioeventfd, queue sizes, RSS,
 * offloads in <host> and <guest>, ...): libvirt's attributes, which only QEMU's virtio-net
 * devices have. They change nothing on the host side; the launchers turn them into device
 * properties. Checked here once: values when parsed, the model once the whole interface is read
 * (<model> may come after <driver>). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "iface_priv.h"
#include "xml_cleanup.h"
#include "xml_line.h"

VNIC_ENUM_IMPL(vnic_txmode, vnic_txmode, VNIC_TXMODE_LAST, NULL, "iothread", "timer")

/* Where each switch is written: the element (driver, host or guest) and the attribute. */
static const struct {
    const char *element;
    const char *attr;
} switches[VNIC_DRV_SWITCH_LAST] = {
    [VNIC_DRV_IOEVENTFD] = {"driver", "ioeventfd"},
    [VNIC_DRV_EVENT_IDX] = {"driver", "event_idx"},
    [VNIC_DRV_RSS] = {"driver", "rss"},
    [VNIC_DRV_RSS_HASH_REPORT] = {"driver", "rss_hash_report"},
    [VNIC_DRV_IOMMU] = {"driver", "iommu"},
    [VNIC_DRV_ATS] = {"driver", "ats"},
    [VNIC_DRV_PACKED] = {"driver", "packed"},
    [VNIC_DRV_HOST_CSUM] = {"host", "csum"},
    [VNIC_DRV_HOST_GSO] = {"host", "gso"},
    [VNIC_DRV_HOST_TSO4] = {"host", "tso4"},
    [VNIC_DRV_HOST_TSO6] = {"host", "tso6"},
    [VNIC_DRV_HOST_ECN] = {"host", "ecn"},
    [VNIC_DRV_HOST_UFO] = {"host", "ufo"},
    [VNIC_DRV_HOST_MRG_RXBUF] = {"host", "mrg_rxbuf"},
    [VNIC_DRV_GUEST_CSUM] = {"guest", "csum"},
    [VNIC_DRV_GUEST_TSO4] = {"guest", "tso4"},
    [VNIC_DRV_GUEST_TSO6] = {"guest", "tso6"},
    [VNIC_DRV_GUEST_ECN] = {"guest", "ecn"},
    [VNIC_DRV_GUEST_UFO] = {"guest", "ufo"},
};

/* The switches of ELEMENT in node, each 'on' or 'off'. */
static bool parse_switches(vnic_parse_ctx *ctx, xmlNode *node, const char *element,
                           vnic_iface_def *def)
{
    bool ok = true;
    for (int s = 0; s < VNIC_DRV_SWITCH_LAST; s++) {
        if (!vnic_streq(switches[s].element, element))
            continue;
        _cleanup_free_ char *v = vnic_iface_opt_attr(node, switches[s].attr);
        if (!v)
            continue;
        if (vnic_streq(v, "on")) {
            def->drv[s] = VNIC_TRISTATE_YES;
        } else if (vnic_streq(v, "off")) {
            def->drv[s] = VNIC_TRISTATE_NO;
        } else {
            _cleanup_free_ char *sv = vnic_iface_shown(v);
            vnic_iface_error(ctx, node,
                             _("invalid value '%s' for attribute '%s' of <%s> (expected on "
                               "or off)"),
                             sv, switches[s].attr, element);
            ok = false;
        }
    }
    return ok;
}

/* Every attribute of an offload element (no namespace) must be one of its switches. */
static bool check_offload_attrs(vnic_parse_ctx *ctx, xmlNode *node, const char *element)
{
    bool ok = true;
    for (xmlAttr *a = node->properties; a; a = a->next) {
        bool found = false;
        for (int s = 0; s < VNIC_DRV_SWITCH_LAST && !a->ns && !found; s++)
            found = vnic_streq(switches[s].element, element) &&
                    xmlStrEqual(a->name, BAD_CAST switches[s].attr);
        if (!found) {
            vnic_iface_error(ctx, node, _("attribute '%s' of element <%s> is not supported"),
                             (const char *)a->name, element);
            ok = false;
        }
    }
    return ok;
}

/* QEMU takes a virtqueue size that is a power of two from 256 to 1024. */
static bool queue_size(vnic_parse_ctx *ctx, xmlNode *node, const char *attr, unsigned *ret)
{
    _cleanup_free_ char *v = vnic_iface_opt_attr(node, attr);
    if (!v)
        return true;
    unsigned long n;
    if (vnic_parse_uint(v, VNIC_VIRTQUEUE_SIZE_MIN, VNIC_VIRTQUEUE_SIZE_MAX, &n) < 0 ||
        (n & (n - 1)) != 0) {
        _cleanup_free_ char *sv = vnic_iface_shown(v);
        vnic_iface_error(ctx, node,
                         _("invalid value '%s' for attribute '%s' of <driver> (expected 256, "
                           "512 or 1024: a power of two from %d to %d, as QEMU requires)"),
                         sv, attr, VNIC_VIRTQUEUE_SIZE_MIN, VNIC_VIRTQUEUE_SIZE_MAX);
        return false;
    }
    *ret = (unsigned)n;
    return true;
}

bool vnic_iface_parse_driver_tuning(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    bool ok = true;
    def->driver_line = vnic_xml_node_line(node);

    _cleanup_free_ char *tx = vnic_iface_opt_attr(node, "txmode");
    if (tx) {
        int m = vnic_txmode_from_string(tx);
        if (m <= 0) {
            _cleanup_free_ char *sv = vnic_iface_shown(tx);
            vnic_iface_error(ctx, node,
                             _("invalid value '%s' for attribute 'txmode' of <driver> "
                               "(expected iothread or timer)"),
                             sv);
            ok = false;
        } else {
            def->txmode = (vnic_txmode)m;
        }
    }
    ok &= queue_size(ctx, node, "rx_queue_size", &def->rx_queue_size);
    ok &= queue_size(ctx, node, "tx_queue_size", &def->tx_queue_size);
    ok &= parse_switches(ctx, node, "driver", def);

    /* Children: <host> and <guest>, each once; no text. */
    bool seen_host = false, seen_guest = false;
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            _cleanup_xmlstr_ xmlChar *t = xmlNodeGetContent(c);
            if (t && t[strspn((const char *)t, " \t\r\n")]) {
                vnic_iface_error(ctx, node, _("element <%s> must not contain text"), "driver");
                ok = false;
            }
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;
        _cleanup_free_ char *qname = vnic_iface_elem_name(c);
        bool *seen = NULL;
        if (!c->ns && vnic_streq((const char *)c->name, "host"))
            seen = &seen_host;
        else if (!c->ns && vnic_streq((const char *)c->name, "guest"))
            seen = &seen_guest;
        if (!seen) {
            vnic_iface_error(ctx, c, _("unknown element <%s> in <driver>"), qname);
            ok = false;
            continue;
        }
        if (*seen) {
            vnic_iface_error(ctx, c, _("element <%s> appears more than once"), qname);
            ok = false;
            continue;
        }
        *seen = true;
        ok &= check_offload_attrs(ctx, c, qname);
        ok &= vnic_iface_check_leaf(ctx, c, false);
        ok &= parse_switches(ctx, c, qname, def);
    }
    return ok;
}

bool vnic_iface_driver_tuned(const vnic_iface_def *def)
{
    if (def->txmode != VNIC_TXMODE_DEFAULT || def->rx_queue_size || def->tx_queue_size)
        return true;
    for (int s = 0; s < VNIC_DRV_SWITCH_LAST; s++)
        if (def->drv[s] != VNIC_TRISTATE_ABSENT)
            return true;
    return false;
}

/* The first tuning attribute written, for the message that refuses it on another model. */
static const char *first_tuning(const vnic_iface_def *def)
{
    if (def->txmode != VNIC_TXMODE_DEFAULT)
        return "txmode";
    if (def->rx_queue_size)
        return "rx_queue_size";
    if (def->tx_queue_size)
        return "tx_queue_size";
    for (int s = 0; s < VNIC_DRV_SWITCH_LAST; s++)
        if (def->drv[s] != VNIC_TRISTATE_ABSENT)
            return switches[s].attr;
    return NULL;
}

bool vnic_iface_check_driver_model(vnic_parse_ctx *ctx, const vnic_iface_def *def)
{
    /* VIRTIO_F_IOMMU_PLATFORM is a feature of virtio 1.0: QEMU refuses it on a device that also
     * speaks legacy virtio, which a transitional model always does. */
    if (def->drv[VNIC_DRV_IOMMU] == VNIC_TRISTATE_YES && def->model &&
        strcasecmp(def->model, "virtio-transitional") == 0) {
        vnic_diag_add(ctx->diags, ctx->file, def->driver_line,
                      _("attribute 'iommu' of <driver> is on, but model '%s' is a transitional "
                        "device, which QEMU gives no IOMMU support (use "
                        "virtio-non-transitional)"),
                      def->model);
        return false;
    }
    const char *attr = first_tuning(def);
    if (!attr || vnic_model_is_virtio(def->model))
        return true;
    /* Which element the attribute is on, for the message. */
    const char *element = "driver";
    for (int s = 0; s < VNIC_DRV_SWITCH_LAST; s++)
        if (def->drv[s] != VNIC_TRISTATE_ABSENT && vnic_streq(switches[s].attr, attr)) {
            element = switches[s].element;
            break;
        }
    vnic_diag_add(ctx->diags, ctx->file, def->driver_line,
                  _("attribute '%s' of <%s> is a virtio-net setting: model '%s' does not have it "
                    "(only a virtio model does)"),
                  attr, element, def->model ? def->model : "rtl8139");
    return false;
}

void vnic_iface_format_driver_tuning(xmlNode *driver, const vnic_iface_def *def)
{
    char buf[16];
    if (def->txmode != VNIC_TXMODE_DEFAULT)
        vnic_iface_set_prop(driver, "txmode", vnic_txmode_to_string(def->txmode));
    for (int s = VNIC_DRV_IOEVENTFD; s <= VNIC_DRV_EVENT_IDX; s++)
        if (def->drv[s] != VNIC_TRISTATE_ABSENT)
            vnic_iface_set_prop(driver, switches[s].attr,
                                def->drv[s] == VNIC_TRISTATE_YES ? "on" : "off");
    if (def->rx_queue_size) {
        snprintf(buf, sizeof(buf), "%u", def->rx_queue_size);
        vnic_iface_set_prop(driver, "rx_queue_size", buf);
    }
    if (def->tx_queue_size) {
        snprintf(buf, sizeof(buf), "%u", def->tx_queue_size);
        vnic_iface_set_prop(driver, "tx_queue_size", buf);
    }
    for (int s = VNIC_DRV_RSS; s <= VNIC_DRV_PACKED; s++)
        if (def->drv[s] != VNIC_TRISTATE_ABSENT)
            vnic_iface_set_prop(driver, switches[s].attr,
                                def->drv[s] == VNIC_TRISTATE_YES ? "on" : "off");

    static const char *const children[] = {"host", "guest"};
    for (size_t k = 0; k < ELEMENTSOF(children); k++) {
        xmlNode *child = NULL;
        for (int s = VNIC_DRV_HOST_CSUM; s < VNIC_DRV_SWITCH_LAST; s++) {
            if (def->drv[s] == VNIC_TRISTATE_ABSENT ||
                !vnic_streq(switches[s].element, children[k]))
                continue;
            if (!child && !(child = xmlNewChild(driver, NULL, BAD_CAST children[k], NULL)))
                abort();
            vnic_iface_set_prop(child, switches[s].attr,
                                def->drv[s] == VNIC_TRISTATE_YES ? "on" : "off");
        }
    }
}
