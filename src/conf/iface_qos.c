/* <bandwidth> and <coalesce>: host-side tuning of an interface's device. The values are kept in
 * libvirt's units (KiB/s, KiB, frames); the driver turns them into traffic control and ethtool
 * settings when it makes the device (src/driver/embed_qos.c). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "iface_priv.h"

/* Attributes in no namespace that node may have (NULL-terminated); any other is reported. */
static bool only_attrs(vnic_parse_ctx *ctx, xmlNode *node, const char *const *allowed)
{
    bool ok = true;
    for (xmlAttr *a = node->properties; a; a = a->next) {
        bool found = false;
        for (const char *const *p = allowed; *p && !found && !a->ns; p++)
            found = xmlStrEqual(a->name, BAD_CAST * p);
        if (!found) {
            _cleanup_free_ char *en = vnic_iface_elem_name(node);
            vnic_iface_error(ctx, node, _("attribute '%s' of element <%s> is not supported"),
                             (const char *)a->name, en);
            ok = false;
        }
    }
    return ok;
}

/* Optional number ATTR of node from 1 to max into *ret (left 0 when absent). */
static bool qos_number(vnic_parse_ctx *ctx, xmlNode *node, const char *attr, unsigned long long max,
                       unsigned long long *ret)
{
    _cleanup_free_ char *v = vnic_iface_opt_attr(node, attr);
    if (!v)
        return true;
    unsigned long n;
    if (vnic_parse_uint(v, 1, (unsigned long)max, &n) < 0) {
        _cleanup_free_ char *sv = vnic_iface_shown(v);
        vnic_iface_error(ctx, node,
                         _("invalid value '%s' for attribute '%s' of <%s> (expected a number "
                           "from 1 to %llu)"),
                         sv, attr, (const char *)node->name, max);
        return false;
    }
    *ret = n;
    return true;
}

static bool parse_rate(vnic_parse_ctx *ctx, xmlNode *node, bool inbound, vnic_bandwidth_rate *r)
{
    static const char *const in_attrs[] = {"average", "peak", "burst", "floor", NULL};
    static const char *const out_attrs[] = {"average", "peak", "burst", NULL};
    const char *en = inbound ? "inbound" : "outbound";
    bool ok = only_attrs(ctx, node, inbound ? in_attrs : out_attrs) &
              vnic_iface_check_leaf(ctx, node, false);

    if (inbound && xmlHasNsProp(node, BAD_CAST "floor", NULL)) {
        /* A guaranteed minimum needs every guest's traffic to pass one point where it can be
         * shared out: libvirt's virtual network. A device of its own has no such point. */
        vnic_iface_error(ctx, node,
                         _("attribute 'floor' of <inbound> is only for interfaces of type "
                           "'network' (a guaranteed minimum needs all traffic to pass one "
                           "shared point); vnic's ethernet and direct interfaces have none"));
        ok = false;
    }
    ok &= qos_number(ctx, node, "average", VNIC_BANDWIDTH_RATE_MAX, &r->average);
    ok &= qos_number(ctx, node, "peak", VNIC_BANDWIDTH_RATE_MAX, &r->peak);
    ok &= qos_number(ctx, node, "burst", VNIC_BANDWIDTH_RATE_MAX * VNIC_BANDWIDTH_BURST_SECONDS_MAX,
                     &r->burst);
    if (!ok)
        return false;
    if (!r->average) {
        vnic_iface_error(ctx, node, _("element <%s> requires attribute '%s'"), en, "average");
        return false;
    }
    if (r->peak && r->peak < r->average) {
        vnic_iface_error(ctx, node,
                         _("peak %llu of <%s> is below its average %llu: the peak is the "
                           "highest rate"),
                         r->peak, en, r->average);
        return false;
    }
    if (r->burst > r->average * VNIC_BANDWIDTH_BURST_SECONDS_MAX) {
        vnic_iface_error(ctx, node,
                         _("burst %llu of <%s> is more than %d seconds of its average rate "
                           "(%llu), more than the kernel can hold"),
                         r->burst, en, VNIC_BANDWIDTH_BURST_SECONDS_MAX, r->average);
        return false;
    }
    return true;
}

bool vnic_iface_parse_bandwidth(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    static const char *const none[] = {NULL};
    bool ok = only_attrs(ctx, node, none);
    bool seen_in = false, seen_out = false;
    def->has_bandwidth = true;
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            for (const xmlChar *p = c->content; p && *p; p++)
                if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
                    vnic_iface_error(ctx, node, _("element <%s> must not contain text"),
                                     "bandwidth");
                    ok = false;
                    break;
                }
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;
        _cleanup_free_ char *cn = vnic_iface_elem_name(c);
        bool in = !c->ns && xmlStrEqual(c->name, BAD_CAST "inbound");
        bool out = !c->ns && xmlStrEqual(c->name, BAD_CAST "outbound");
        if (!in && !out) {
            vnic_iface_error(ctx, c, _("element <%s> is not supported inside <%s>"), cn,
                             "bandwidth");
            ok = false;
            continue;
        }
        if ((in && seen_in) || (out && seen_out)) {
            vnic_iface_error(ctx, c, _("element <%s> appears more than once"), cn);
            ok = false;
            continue;
        }
        seen_in |= in;
        seen_out |= out;
        ok &= parse_rate(ctx, c, in, in ? &def->bw_inbound : &def->bw_outbound);
    }
    return ok;
}

/* The one child element of node in no namespace called NAME, the only element it has; NULL after
 * a diagnostic otherwise. */
static xmlNode *only_child(vnic_parse_ctx *ctx, xmlNode *node, const char *name)
{
    static const char *const none[] = {NULL};
    xmlNode *found = NULL;
    bool ok = only_attrs(ctx, node, none);
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            for (const xmlChar *p = c->content; p && *p; p++)
                if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
                    vnic_iface_error(ctx, node, _("element <%s> must not contain text"),
                                     (const char *)node->name);
                    return NULL;
                }
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;
        _cleanup_free_ char *cn = vnic_iface_elem_name(c);
        if (c->ns || !xmlStrEqual(c->name, BAD_CAST name)) {
            vnic_iface_error(ctx, c, _("element <%s> is not supported inside <%s>"), cn,
                             (const char *)node->name);
            ok = false;
        } else if (found) {
            vnic_iface_error(ctx, c, _("element <%s> appears more than once"), cn);
            ok = false;
        } else {
            found = c;
        }
    }
    if (ok && !found)
        vnic_iface_error(ctx, node, _("element <%s> requires a <%s> element"),
                         (const char *)node->name, name);
    return ok ? found : NULL;
}

bool vnic_iface_parse_coalesce(vnic_parse_ctx *ctx, xmlNode *node, vnic_iface_def *def)
{
    xmlNode *rx = only_child(ctx, node, "rx");
    xmlNode *frames = rx ? only_child(ctx, rx, "frames") : NULL;
    if (!frames)
        return false;
    static const char *const attrs[] = {"max", NULL};
    if (!(only_attrs(ctx, frames, attrs) & vnic_iface_check_leaf(ctx, frames, false)))
        return false;
    _cleanup_free_ char *max = vnic_iface_req_attr(ctx, frames, "max");
    if (!max)
        return false;
    unsigned long v;
    /* The kernel takes a 32-bit count; 0 turns batching off. */
    if (vnic_parse_uint(max, 0, 0xffffffffUL, &v) < 0) {
        _cleanup_free_ char *sv = vnic_iface_shown(max);
        vnic_iface_error(ctx, frames,
                         _("invalid value '%s' for attribute 'max' of <frames> (expected a "
                           "number from 0 to 4294967295)"),
                         sv);
        return false;
    }
    def->has_coalesce_rx_frames = true;
    def->coalesce_rx_frames = (unsigned)v;
    return true;
}

bool vnic_iface_check_qos(vnic_parse_ctx *ctx, xmlNode *node, const vnic_iface_def *def)
{
    bool tuned = def->bw_inbound.average || def->bw_outbound.average;
    if (def->managed == VNIC_TRISTATE_NO && (tuned || def->has_coalesce_rx_frames)) {
        /* The settings go with the device: the kernel drops them when vnic deletes it. A
         * device vnic did not make is never deleted, so they would outlive the domain. */
        vnic_iface_error(ctx, node,
                         _("element <%s> needs a device vnic makes: with managed='no' the "
                           "device and its settings would outlive the domain"),
                         tuned ? "bandwidth" : "coalesce");
        return false;
    }
    return true;
}

static void set_ull(xmlNode *node, const char *name, unsigned long long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", v);
    vnic_iface_set_prop(node, name, buf);
}

static void format_rate(xmlNode *bw, const char *name, const vnic_bandwidth_rate *r)
{
    if (!r->average)
        return;
    xmlNode *n = vnic_iface_add_child(bw, NULL, name);
    set_ull(n, "average", r->average);
    if (r->peak)
        set_ull(n, "peak", r->peak);
    if (r->burst)
        set_ull(n, "burst", r->burst);
}

void vnic_iface_format_qos(xmlNode *iface, const vnic_iface_def *def)
{
    vnic_iface_add_comments(iface, def, "bandwidth");
    if (def->has_bandwidth || def->bw_inbound.average || def->bw_outbound.average) {
        xmlNode *bw = vnic_iface_add_child(iface, NULL, "bandwidth");
        format_rate(bw, "inbound", &def->bw_inbound);
        format_rate(bw, "outbound", &def->bw_outbound);
    }
    vnic_iface_add_comments(iface, def, "coalesce");
    if (def->has_coalesce_rx_frames)
        set_ull(vnic_iface_add_child(
                    vnic_iface_add_child(vnic_iface_add_child(iface, NULL, "coalesce"), NULL, "rx"),
                    NULL, "frames"),
                "max", def->coalesce_rx_frames);
}

int vnic_bandwidth_rate_check(const vnic_bandwidth_rate *r, const char *dir, vnic_error **err)
{
    if (!r->average) {
        if (r->peak || r->burst)
            return vnic_error_set(err, VNIC_ERR_INVALID,
                                  _("%s: a peak or burst needs an average (an average of 0 "
                                    "lifts the limit)"),
                                  dir),
                   -EINVAL;
        return 0;
    }
    if (r->average > VNIC_BANDWIDTH_RATE_MAX || r->peak > VNIC_BANDWIDTH_RATE_MAX)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("%s: the average and the peak must be at most %llu KiB/s"), dir,
                              VNIC_BANDWIDTH_RATE_MAX),
               -ERANGE;
    if (r->peak && r->peak < r->average)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("%s: peak %llu is below average %llu: the peak is the highest "
                                "rate"),
                              dir, r->peak, r->average),
               -EINVAL;
    if (r->burst > r->average * VNIC_BANDWIDTH_BURST_SECONDS_MAX)
        return vnic_error_set(err, VNIC_ERR_INVALID,
                              _("%s: burst %llu is more than %d seconds of the average rate "
                                "(%llu), more than the kernel can hold"),
                              dir, r->burst, VNIC_BANDWIDTH_BURST_SECONDS_MAX, r->average),
               -ERANGE;
    return 0;
}
