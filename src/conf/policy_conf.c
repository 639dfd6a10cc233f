/* vnicd's access policy: reading and checking the file, and matching one rule. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <string.h>

#include <libxml/parser.h>

#include "i18n.h"
#include "policy_conf.h"
#include "schema.h"
#include "strutil.h"
#include "xml_cleanup.h"
#include "xml_limits.h"
#include "xml_line.h"
#include "xml_read.h"

/* A policy is a page of rules: a megabyte is far more than any needs, and every request walks
 * all of them. */
#define POLICY_MAX_SIZE (1024 * 1024)

/* Diagnostics reported for one file; the rest are counted in one last line. */
#define POLICY_DIAG_MAX 100

VNIC_ENUM_IMPL(vnic_policy_op, vnic_policy_op, VNIC_POLICY_OP_LAST, "define", "undefine", "start",
               "destroy", "run", "attach", "detach", "read")

static void rule_clear(vnic_policy_rule *r)
{
    free(r->who);
    for (size_t i = 0; i < r->ndomains; i++)
        free(r->domains[i]);
    free(r->domains);
    for (size_t i = 0; i < r->ndirects; i++)
        free(r->directs[i].dev);
    free(r->directs);
    for (size_t i = 0; i < r->nprefixes; i++)
        free(r->prefixes[i].prefix);
    free(r->prefixes);
}

void vnic_policy_free(vnic_policy *policy)
{
    if (!policy)
        return;
    for (size_t i = 0; i < policy->nrules; i++)
        rule_clear(&policy->rules[i]);
    free(policy->rules);
    free(policy->file);
    free(policy);
}

/* ---- reading ---------------------------------------------------------------------------- */

typedef struct {
    const char *file;
    vnic_diag_list *diags;
} parse_ctx;

static void xml_parse_error(void *data, const xmlError *e)
{
    parse_ctx *c = data;
    if (e->level < XML_ERR_ERROR)
        return;
    _cleanup_free_ char *msg = vnic_xml_error_text(e);
    vnic_diag_add(c->diags, c->file, e->line, _("malformed XML: %s"), msg);
}

static bool is_policy_el(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns &&
           xmlStrEqual(n->ns->href, BAD_CAST VNIC_POLICY_XMLNS) &&
           xmlStrEqual(n->name, BAD_CAST name);
}

static char *prop(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
    char *s = vnic_xstrdup_null((const char *)v);
    xmlFree(v);
    return s;
}

/* A user or group as written: a number is taken as it is (a uid need not have a name), a name
 * must be known now, so that a typo refuses the policy instead of silently matching nobody. */
static bool resolve_who(const char *who, bool group, unsigned *ret)
{
    unsigned long v;
    if (vnic_parse_uint(who, 0, 0xfffffffeUL, &v) == 0) {
        *ret = (unsigned)v;
        return true;
    }
    char buf[16384];
    if (group) {
        struct group gr, *g = NULL;
        if (getgrnam_r(who, &gr, buf, sizeof(buf), &g) != 0 || !g)
            return false;
        *ret = g->gr_gid;
    } else {
        struct passwd pw, *p = NULL;
        if (getpwnam_r(who, &pw, buf, sizeof(buf), &p) != 0 || !p)
            return false;
        *ret = p->pw_uid;
    }
    return true;
}

/* The words of a list attribute or element (the schema checked them). */
static unsigned parse_ops(const char *text)
{
    unsigned ops = 0;
    _cleanup_free_ char *copy = vnic_xstrdup(text);
    char *save = NULL;
    for (char *w = strtok_r(copy, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
        int op = vnic_policy_op_from_string(w);
        if (op >= 0)
            ops |= 1U << op;
    }
    return ops;
}

static unsigned parse_modes(const char *text)
{
    unsigned modes = 0;
    _cleanup_free_ char *copy = vnic_xstrdup(text);
    char *save = NULL;
    for (char *w = strtok_r(copy, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
        int m = vnic_macvtap_mode_from_string(w);
        if (m >= 0)
            modes |= 1U << m;
    }
    return modes;
}

static unsigned limit_attr(const xmlNode *n, const char *name)
{
    _cleanup_free_ char *v = prop(n, name);
    unsigned long x;
    if (!v || vnic_parse_uint(v, 0, UINT_MAX, &x) < 0)
        return UINT_MAX;
    return (unsigned)x;
}

/* One <allow> or <deny>, valid against the schema. */
static void parse_rule(parse_ctx *ctx, xmlNode *el, vnic_policy_rule *r)
{
    r->deny = is_policy_el(el, "deny");
    r->line = vnic_xml_node_line(el);
    r->ops = VNIC_POLICY_OPS_ALL;
    r->max_ifaces = r->max_queues = UINT_MAX;
    r->who = prop(el, "user");
    if (!r->who) {
        r->who = prop(el, "group");
        r->is_group = true;
    }
    if (!r->who)
        r->who = vnic_xstrdup(""); /* the schema refuses this; keep the rule inert */
    else if (!resolve_who(r->who, r->is_group, &r->id))
        vnic_diag_add(ctx->diags, ctx->file, r->line,
                      r->is_group ? _("<%s>: unknown group '%s'") : _("<%s>: unknown user '%s'"),
                      (const char *)el->name, r->who);

    for (xmlNode *c = el->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_policy_el(c, "domain")) {
            r->domains = vnic_xreallocarray(r->domains, r->ndomains + 1, sizeof(*r->domains));
            r->domains[r->ndomains++] = prop(c, "name");
        } else if (is_policy_el(c, "direct")) {
            r->directs = vnic_xreallocarray(r->directs, r->ndirects + 1, sizeof(*r->directs));
            vnic_policy_direct *d = &r->directs[r->ndirects++];
            _cleanup_free_ char *modes = prop(c, "modes");
            *d = (vnic_policy_direct){.dev = prop(c, "dev"), .line = vnic_xml_node_line(c)};
            d->modes_given = modes != NULL;
            d->modes = modes ? parse_modes(modes) : (1U << VNIC_MACVTAP_MODE_LAST) - 1;
        } else if (is_policy_el(c, "ethernet")) {
            r->prefixes = vnic_xreallocarray(r->prefixes, r->nprefixes + 1, sizeof(*r->prefixes));
            r->prefixes[r->nprefixes++] =
                (vnic_policy_prefix){.prefix = prop(c, "prefix"), .line = vnic_xml_node_line(c)};
        } else if (is_policy_el(c, "limit")) {
            r->has_limit = true;
            r->max_ifaces = limit_attr(c, "interfaces");
            r->max_queues = limit_attr(c, "queues");
        } else if (is_policy_el(c, "operations")) {
            xmlChar *t = xmlNodeGetContent(c);
            r->ops = parse_ops(t ? (const char *)t : "");
            r->ops_given = true;
            xmlFree(t);
        }
    }
}

static void add_capped(vnic_diag_list *dst, const vnic_diag_list *src, const char *file)
{
    if (src->count <= POLICY_DIAG_MAX) {
        vnic_diag_append(dst, src);
        return;
    }
    vnic_diag_list head = {.items = src->items, .count = POLICY_DIAG_MAX};
    vnic_diag_append(dst, &head);
    size_t more = src->count - POLICY_DIAG_MAX;
    vnic_diag_add(
        dst, file, 0,
        dngettext(GETTEXT_PACKAGE, "... and %zu more error", "... and %zu more errors", more),
        more);
}

static int parse_doc(xmlDoc *doc, const char *file, vnic_policy **ret, vnic_diag_list *diags,
                     vnic_error **err)
{
    vnic_diag_list found = {0};
    parse_ctx ctx = {.file = file, .diags = &found};
    _cleanup_(vnic_policy_freep) vnic_policy *policy = vnic_xcalloc(1, sizeof(*policy));
    policy->file = vnic_xstrdup(file);
    int r = -1;

    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !vnic_xml_check_limits(root, file, &found))
        goto report;
    if (!xmlStrEqual(root->name, BAD_CAST "policy")) {
        vnic_diag_add(&found, file, vnic_xml_node_line(root),
                      _("the root element must be <policy>, not <%s>"), (const char *)root->name);
        goto report;
    }
    if (!root->ns || !xmlStrEqual(root->ns->href, BAD_CAST VNIC_POLICY_XMLNS)) {
        vnic_diag_add(&found, file, vnic_xml_node_line(root),
                      _("<policy> must be in the namespace '%s'"), VNIC_POLICY_XMLNS);
        goto report;
    }

    /* The schema first: the rules are read only from a document of the right shape. Lines are
     * taken before validating (libxml2's validator reuses the field that keeps big ones). */
    size_t n = 0;
    for (xmlNode *c = root->children; c; c = c->next)
        n += c->type == XML_ELEMENT_NODE;
    policy->rules = vnic_xcalloc(n ? n : 1, sizeof(*policy->rules));
    for (xmlNode *c = root->children; c; c = c->next)
        if (is_policy_el(c, "allow") || is_policy_el(c, "deny"))
            policy->rules[policy->nrules++].line = vnic_xml_node_line(c);

    int v = vnic_schema_validate(doc, "policy.rng", file, &found, err);
    if (v < 0)
        goto out;
    if (v > 0)
        goto report;

    size_t i = 0;
    for (xmlNode *c = root->children; c; c = c->next)
        if (is_policy_el(c, "allow") || is_policy_el(c, "deny")) {
            int line = policy->rules[i].line;
            parse_rule(&ctx, c, &policy->rules[i]);
            policy->rules[i++].line = line;
        }

report:
    if (found.count) {
        vnic_diag_sort(&found);
        add_capped(diags, &found, file);
        vnic_error_set(err, VNIC_ERR_XML, _("%s: the policy is not valid"), file);
        goto out;
    }
    *ret = TAKE_PTR(policy);
    r = 0;
out:
    vnic_diag_clear(&found);
    return r;
}

int vnic_policy_parse_string(const char *xml, const char *name, vnic_policy **ret,
                             vnic_diag_list *diags, vnic_error **err)
{
    size_t len = strlen(xml);
    if (len > POLICY_MAX_SIZE) {
        vnic_diag_add(diags, name, 0, _("file is larger than %d MiB"),
                      POLICY_MAX_SIZE / (1024 * 1024));
        return vnic_error_set(err, VNIC_ERR_XML, _("%s: the policy is not valid"), name);
    }
    if (!vnic_xml_prescan(xml, len, name, diags))
        return vnic_error_set(err, VNIC_ERR_XML, _("%s: the policy is not valid"), name);

    vnic_diag_list errors = {0};
    parse_ctx ec = {.file = name, .diags = &errors};
    /* No network, no entity expansion, no DTD loading: the file is input like any other. */
    _cleanup_xmldoc_ xmlDoc *doc = vnic_xml_read_memory(xml, len, name,
                                                        XML_PARSE_NONET | XML_PARSE_NOBLANKS |
                                                            XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES,
                                                        xml_parse_error, &ec);
    if (!doc && !errors.count)
        vnic_diag_add(&errors, name, 0, _("malformed XML"));
    if (errors.count) {
        add_capped(diags, &errors, name);
        vnic_diag_clear(&errors);
        return vnic_error_set(err, VNIC_ERR_XML, _("%s: the policy is not valid"), name);
    }
    return parse_doc(doc, name, ret, diags, err);
}

int vnic_policy_parse_file(const char *path, vnic_policy **ret, vnic_diag_list *diags,
                           vnic_error **err)
{
    size_t len;
    _cleanup_free_ char *buf = vnic_xml_file_read(path, POLICY_MAX_SIZE, &len, diags);
    if (!buf)
        return vnic_error_set(err, VNIC_ERR_IO, _("%s: the file cannot be read"), path);
    if (memchr(buf, '\0', len)) {
        vnic_diag_add(diags, path, 0, _("malformed XML: the file contains a NUL byte"));
        return vnic_error_set(err, VNIC_ERR_XML, _("%s: the policy is not valid"), path);
    }
    return vnic_policy_parse_string(buf, path, ret, diags, err);
}

int vnic_policy_validate_file(const char *path, vnic_diag_list *diags, vnic_error **err)
{
    vnic_api_call c;
    vnic_policy *policy = NULL;
    if (vnic_api_begin(&c, __func__, err, diags, 0, 0) < 0)
        return vnic_api_end(&c, -EINVAL);
    int r = vnic_policy_parse_file(path, &policy, c.diags, c.err);
    vnic_policy_free(policy);
    return vnic_api_end(&c, r);
}

/* ---- matching --------------------------------------------------------------------------- */

bool vnic_policy_rule_applies(const vnic_policy_rule *rule, uid_t uid, gid_t gid,
                              const gid_t *groups, size_t ngroups)
{
    if (!*rule->who)
        return false;
    if (!rule->is_group)
        return uid == (uid_t)rule->id;
    if (gid == (gid_t)rule->id)
        return true;
    for (size_t i = 0; i < ngroups; i++)
        if (groups[i] == (gid_t)rule->id)
            return true;
    return false;
}

bool vnic_policy_rule_names(const vnic_policy_rule *rule, vnic_policy_op op, const char *name)
{
    if (!(rule->ops & (1U << op)))
        return false;
    if (!rule->ndomains)
        return true;
    if (!name)
        return false;
    for (size_t i = 0; i < rule->ndomains; i++)
        if (fnmatch(rule->domains[i], name, 0) == 0)
            return true;
    return false;
}

bool vnic_policy_rule_names_direct(const vnic_policy_rule *rule, const char *dev,
                                   vnic_macvtap_mode mode)
{
    for (size_t i = 0; i < rule->ndirects; i++)
        if ((rule->directs[i].modes & (1U << mode)) && dev &&
            fnmatch(rule->directs[i].dev, dev, 0) == 0)
            return true;
    return false;
}

bool vnic_policy_rule_names_tap(const vnic_policy_rule *rule, const char *target, bool all)
{
    if (!target)
        target = VNIC_POLICY_TAP_DEFAULT;
    /* A template's names all start with what comes before its %d, and nothing longer is
     * certain; a plain name is itself. */
    const char *pct = strstr(target, "%d");
    size_t fixed = pct ? (size_t)(pct - target) : strlen(target);
    for (size_t i = 0; i < rule->nprefixes; i++) {
        const char *p = rule->prefixes[i].prefix;
        size_t plen = strlen(p);
        if (plen <= fixed && strncmp(target, p, plen) == 0)
            return true;
        /* Some name of "vm%d" (vm1, vm10...) starts with "vm1". */
        if (!all && pct && plen > fixed && strncmp(target, p, fixed) == 0 && p[fixed] >= '0' &&
            p[fixed] <= '9')
            return true;
    }
    return false;
}
