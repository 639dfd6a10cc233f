/* vnicd's access layer in process: the policy file, one rule's matching, the decisions that
 * combine rules (deny beats allow, allow rules add up), owners, and peer credentials. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "peer.h"
#include "policy_conf.h"
#include "strutil.h"
#include "testutil.h"

#define NS "xmlns='http://vnic.dev/xmlns/policy/1.0'"

static char tmpdir[] = "/tmp/vnic-access-XXXXXX";

static char *write_file(const char *name, const char *text)
{
    char *path = vnic_xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0)
        abort();
    return path;
}

static vnic_policy *parse_ok(const char *xml)
{
    vnic_policy *p = NULL;
    vnic_diag_list diags = {0};
    vnic_error *err = NULL;
    int r = vnic_policy_parse_string(xml, "p.xml", &p, &diags, &err);
    CHECK(r == 0);
    for (size_t i = 0; i < diags.count; i++)
        fprintf(stderr, "unexpected: %s:%d: %s\n", diags.items[i]->file, diags.items[i]->line,
                diags.items[i]->message);
    vnic_diag_clear(&diags);
    vnic_error_free(err);
    return p;
}

/* The first diagnostic of a policy that must be refused, as "LINE: MESSAGE". */
static char *parse_bad(const char *xml)
{
    vnic_policy *p = NULL;
    vnic_diag_list diags = {0};
    vnic_error *err = NULL;
    int r = vnic_policy_parse_string(xml, "p.xml", &p, &diags, &err);
    CHECK(r < 0);
    CHECK(p == NULL);
    CHECK(err && err->code == VNIC_ERR_XML);
    char *first = diags.count
                      ? vnic_xasprintf("%d: %s", diags.items[0]->line, diags.items[0]->message)
                      : vnic_xstrdup("(none)");
    vnic_diag_clear(&diags);
    vnic_error_free(err);
    vnic_policy_free(p);
    return first;
}

static void test_parse(void)
{
    vnic_policy *p = parse_ok("<policy " NS ">\n"
                              "  <allow user='65534'>\n"
                              "    <domain name='vm-*'/>\n"
                              "    <direct dev='eth0' modes='bridge vepa'/>\n"
                              "    <ethernet prefix='vm'/>\n"
                              "    <limit interfaces='8' queues='16'/>\n"
                              "    <operations>define start\n run</operations>\n"
                              "  </allow>\n"
                              "  <deny group='root'/>\n"
                              "</policy>\n");
    if (!p)
        return;
    CHECK(p->nrules == 2);
    const vnic_policy_rule *a = &p->rules[0], *d = &p->rules[1];
    CHECK(!a->deny && a->line == 2 && !a->is_group && a->id == 65534);
    CHECK(a->ndomains == 1 && vnic_streq(a->domains[0], "vm-*"));
    CHECK(a->ndirects == 1 && vnic_streq(a->directs[0].dev, "eth0"));
    CHECK(a->directs[0].modes == ((1U << VNIC_MACVTAP_BRIDGE) | (1U << VNIC_MACVTAP_VEPA)));
    CHECK(a->nprefixes == 1 && vnic_streq(a->prefixes[0].prefix, "vm"));
    CHECK(a->has_limit && a->max_ifaces == 8 && a->max_queues == 16);
    CHECK(a->ops == ((1U << VNIC_POLICY_OP_DEFINE) | (1U << VNIC_POLICY_OP_START) |
                     (1U << VNIC_POLICY_OP_RUN)));
    CHECK(d->deny && d->line == 10 && d->is_group && d->id == 0 && d->ops == VNIC_POLICY_OPS_ALL);

    /* Matching one rule. */
    CHECK(vnic_policy_rule_applies(a, 65534, 100, NULL, 0));
    CHECK(!vnic_policy_rule_applies(a, 1000, 100, NULL, 0));
    gid_t groups[] = {5, 0};
    CHECK(vnic_policy_rule_applies(d, 1000, 100, groups, 2));
    CHECK(vnic_policy_rule_applies(d, 1000, 0, NULL, 0));
    CHECK(!vnic_policy_rule_applies(d, 1000, 100, groups, 1));
    CHECK(vnic_policy_rule_names(a, VNIC_POLICY_OP_START, "vm-1"));
    CHECK(!vnic_policy_rule_names(a, VNIC_POLICY_OP_START, "db-1"));
    CHECK(!vnic_policy_rule_names(a, VNIC_POLICY_OP_DESTROY, "vm-1"));
    CHECK(vnic_policy_rule_names(a, VNIC_POLICY_OP_START, NULL));
    CHECK(!vnic_policy_rule_names(a, VNIC_POLICY_OP_DESTROY, NULL));
    CHECK(vnic_policy_rule_names(d, VNIC_POLICY_OP_READ, NULL));
    CHECK(vnic_policy_rule_names_direct(a, "eth0", VNIC_MACVTAP_BRIDGE));
    CHECK(!vnic_policy_rule_names_direct(a, "eth0", VNIC_MACVTAP_PASSTHROUGH));
    CHECK(!vnic_policy_rule_names_direct(a, "eth1", VNIC_MACVTAP_VEPA));
    CHECK(vnic_policy_rule_names_tap(a, "vm0", true));
    CHECK(vnic_policy_rule_names_tap(a, "vm%d", true));
    CHECK(vnic_policy_rule_names_tap(a, "vmx%d", true));
    CHECK(!vnic_policy_rule_names_tap(a, "v%d", true));
    CHECK(!vnic_policy_rule_names_tap(a, "tap0", true));
    CHECK(!vnic_policy_rule_names_tap(a, NULL, true)); /* vnet%d */
    vnic_policy_free(p);

    p = parse_ok("<policy " NS "><allow group='0'><ethernet prefix='vnet'/>"
                 "<ethernet prefix='vm1'/><direct dev='eth*'/></allow></policy>");
    if (p) {
        const vnic_policy_rule *r = &p->rules[0];
        CHECK(r->ops == VNIC_POLICY_OPS_ALL && !r->has_limit && r->max_ifaces == UINT_MAX);
        CHECK(vnic_policy_rule_names_tap(r, NULL, true));
        CHECK(vnic_policy_rule_names_direct(r, "eth7", VNIC_MACVTAP_PASSTHROUGH));
        CHECK(!vnic_policy_rule_names_direct(r, "wlan0", VNIC_MACVTAP_VEPA));
        /* For a deny, any name the template can give counts: vm%d gives vm1, vm12... */
        CHECK(!vnic_policy_rule_names_tap(r, "vm%d", true));
        CHECK(vnic_policy_rule_names_tap(r, "vm%d", false));
        CHECK(!vnic_policy_rule_names_tap(r, "vmx%d", false));
        vnic_policy_free(p);
    }

    char *m = parse_bad("<policy " NS ">\n<allow user='no-such-user-vnic'/>\n</policy>");
    CHECK_STREQ(m, "2: <allow>: unknown user 'no-such-user-vnic'");
    free(m);
    m = parse_bad("<policy " NS ">\n\n<deny group='no-such-group-vnic'/>\n</policy>");
    CHECK_STREQ(m, "3: <deny>: unknown group 'no-such-group-vnic'");
    free(m);
    m = parse_bad("<policy>\n<allow user='0'/></policy>");
    CHECK_STREQ(m, "1: <policy> must be in the namespace 'http://vnic.dev/xmlns/policy/1.0'");
    free(m);
    m = parse_bad("<domain/>");
    CHECK_STREQ(m, "1: the root element must be <policy>, not <domain>");
    free(m);
    m = parse_bad("<policy " NS "><allow user='0'>\n<limit interfaces='x'/></allow></policy>");
    CHECK_STREQ(m, "2: <limit>: interfaces='x' is not a number from 0 to 4294967295");
    free(m);
    m = parse_bad("<policy " NS "><allow>\n</allow></policy>");
    CHECK_STREQ(m, "1: <allow> needs user= or group=");
    free(m);
    m = parse_bad("<policy " NS ">\n<allow user='0'><operations>fly</operations></allow></policy>");
    CHECK(vnic_str_has_prefix(m, "2: <operations>: unknown operation 'fly'"));
    free(m);
    m = parse_bad("<policy " NS ">\n<allow user='0'><operations> </operations></allow></policy>");
    CHECK_STREQ(m, "2: <operations>: no operation given");
    free(m);
    m = parse_bad("<policy " NS ">\n<allow user='0'><domain/></allow></policy>");
    CHECK(vnic_str_has_prefix(m, "2: schema: "));
    free(m);
    m = parse_bad("<policy " NS "><deny user='0'><limit interfaces='1'/></deny></policy>");
    CHECK(vnic_str_has_prefix(m, "1: schema: "));
    free(m);
    m = parse_bad("<policy " NS "><allow user='0'>");
    CHECK(vnic_str_has_prefix(m, "1: malformed XML: "));
    free(m);
}

static vnic_domain_def *domain(const char *xml)
{
    vnic_domain_def *def = NULL;
    vnic_diag_list diags = {0};
    vnic_error *err = NULL;
    if (vnic_domain_def_parse_string(xml, "d.xml", 0, &def, &diags, &err) < 0) {
        fprintf(stderr, "domain: %s\n", err->message);
        for (size_t i = 0; i < diags.count; i++)
            fprintf(stderr, "  %d: %s\n", diags.items[i]->line, diags.items[i]->message);
        abort();
    }
    vnic_diag_clear(&diags);
    return def;
}

/* The decision for PEER, and its message ("" when allowed). */
static char *decide(vnicd_access *a, const vnicd_peer *peer, vnicd_op op, const char *name,
                    const char *xml)
{
    vnic_domain_def *def = xml ? domain(xml) : NULL;
    vnic_error *err = NULL;
    int r = vnicd_access_check(a, peer, op, name, def, &err);
    char *msg = vnic_xstrdup(r == 0 ? "" : err ? err->message : "(no message)");
    if (r < 0 && r != -EACCES && r != -EINVAL)
        fprintf(stderr, "unexpected return %d\n", r);
    if (r == -EACCES)
        CHECK(err && err->code == VNIC_ERR_INVALID && err->sys_errno == EACCES);
    CHECK((r == 0) == (err == NULL));
    vnic_error_free(err);
    vnic_domain_def_free(def);
    return msg;
}

#define EXPECT(a, peer, op, name, xml, want)                                                       \
    do {                                                                                           \
        char *_m = decide(a, peer, op, name, xml);                                                 \
        CHECK_STREQ(_m, want);                                                                     \
        free(_m);                                                                                  \
    } while (0)

#define DOM_TAP(name, dev)                                                                         \
    "<domain><name>" name "</name><devices><interface type='ethernet'>" dev                        \
    "</interface></devices></domain>"
#define DOM_DIRECT(name, dev, mode)                                                                \
    "<domain><name>" name "</name><devices><interface type='direct'><source dev='" dev             \
    "' mode='" mode "'/></interface></devices></domain>"

static void test_decisions(void)
{
    char *policy =
        write_file("policy.xml", "<policy " NS ">\n"
                                 "  <allow user='nobody'>\n"
                                 "    <domain name='vm-*'/>\n"
                                 "    <direct dev='eth0' modes='bridge'/>\n"
                                 "    <ethernet prefix='vm'/>\n"
                                 "    <limit interfaces='2' queues='4'/>\n"
                                 "    <operations>define start destroy read</operations>\n"
                                 "  </allow>\n"
                                 "  <allow group='4242'>\n"
                                 "    <domain name='grp-*'/>\n"
                                 "    <ethernet prefix='vnet'/>\n"
                                 "  </allow>\n"
                                 "  <deny user='nobody'>\n"
                                 "    <domain name='vm-secret*'/>\n"
                                 "  </deny>\n"
                                 "  <deny user='nobody'>\n"
                                 "    <ethernet prefix='vmbad'/>\n"
                                 "  </deny>\n"
                                 "  <allow user='4243'/>\n"
                                 "  <deny user='4243'/>\n"
                                 "</policy>\n");
    char *state = vnic_xasprintf("%s/state", tmpdir);
    vnicd_access *a = NULL;
    vnic_diag_list diags = {0};
    vnic_error *err = NULL;
    CHECK(vnicd_access_open(policy, state, &a, &diags, &err) == 0);
    CHECK(diags.count == 0);
    vnic_error_free(err);
    if (!a)
        return;

    vnicd_peer root = {.uid = 0, .gid = 0};
    vnicd_peer nobody = {.pid = 1, .uid = 65534, .gid = 65534};
    gid_t g4242[] = {4242};
    vnicd_peer member = {.uid = 4000, .gid = 4000, .groups = g4242, .ngroups = 1};
    vnicd_peer other = {.uid = 4001, .gid = 4001};
    vnicd_peer both = {.uid = 4243, .gid = 4243};

    /* Root may do everything, rules or not. */
    EXPECT(a, &root, VNICD_OP_RECONCILE, NULL, NULL, "");
    EXPECT(a, &root, VNICD_OP_START, "vm-secret", DOM_DIRECT("vm-secret", "eth9", "passthrough"),
           "");
    EXPECT(a, &nobody, VNICD_OP_RECONCILE, NULL, NULL,
           "permission denied: only root may reconcile");

    /* No rule. */
    EXPECT(a, &other, VNICD_OP_START, "vm-1", DOM_TAP("vm-1", "<target dev='vm0'/>"),
           "permission denied: no rule allows user 4001 to start domain 'vm-1'");
    /* A list: any allow rule with the operation lets it through (each entry is then checked
     * with its name); a deny rule with <domain> children does not stop it. */
    EXPECT(a, &nobody, VNICD_OP_READ, NULL, NULL, "");
    EXPECT(a, &other, VNICD_OP_READ, NULL, NULL,
           "permission denied: no rule allows user 4001 to read");
    EXPECT(a, &nobody, VNICD_OP_UNDEFINE, NULL, NULL,
           "permission denied: no rule allows user 'nobody' (65534) to undefine");
    /* The domain glob, both ways; the operation list, both ways. */
    EXPECT(a, &nobody, VNICD_OP_START, "db-1", DOM_TAP("db-1", "<target dev='vm0'/>"),
           "permission denied: no rule allows user 'nobody' (65534) to start domain 'db-1'");
    EXPECT(a, &nobody, VNICD_OP_START, "vm-1", DOM_TAP("vm-1", "<target dev='vm0'/>"), "");
    EXPECT(a, &nobody, VNICD_OP_ATTACH, "vm-1", NULL,
           "permission denied: no rule allows user 'nobody' (65534) to attach domain 'vm-1'");
    /* Deny beats allow: by domain, and by a device. */
    char *want = vnic_xasprintf("permission denied: the <deny> rule at %s:13 refuses user "
                                "'nobody' (65534) to start domain 'vm-secret1'",
                                policy);
    EXPECT(a, &nobody, VNICD_OP_START, "vm-secret1", DOM_TAP("vm-secret1", "<target dev='vm0'/>"),
           want);
    free(want);
    want = vnic_xasprintf("permission denied: the <deny> rule at %s:16 refuses user 'nobody' "
                          "(65534) to start domain 'vm-2'",
                          policy);
    EXPECT(a, &nobody, VNICD_OP_START, "vm-2", DOM_TAP("vm-2", "<target dev='vmbad0'/>"), want);
    free(want);
    /* A deny with a device child leaves requests without that device alone. */
    EXPECT(a, &nobody, VNICD_OP_START, "vm-2", DOM_TAP("vm-2", "<target dev='vmgood0'/>"), "");
    EXPECT(a, &nobody, VNICD_OP_READ, "vm-2", NULL,
           "permission denied: user 'nobody' (65534) owns no domain 'vm-2'");
    want = vnic_xasprintf("permission denied: the <deny> rule at %s:20 refuses user 4243 to read",
                          policy);
    EXPECT(a, &both, VNICD_OP_READ, NULL, NULL, want);
    free(want);
    /* Lower device and mode, both ways. */
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-3", DOM_DIRECT("vm-3", "eth0", "bridge"), "");
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-3", DOM_DIRECT("vm-3", "eth1", "bridge"),
           "permission denied: interface 1 (direct, dev 'eth1', mode 'bridge'): no <direct "
           "dev='eth1' modes='bridge'> rule allows it");
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-3", DOM_DIRECT("vm-3", "eth0", "vepa"),
           "permission denied: interface 1 (direct, dev 'eth0', mode 'vepa'): no <direct "
           "dev='eth0' modes='vepa'> rule allows it");
    /* Tap names: prefix, template, none. */
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-3", DOM_TAP("vm-3", "<target dev='vm%d'/>"), "");
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-3", DOM_TAP("vm-3", "<target dev='tap0'/>"),
           "permission denied: interface 1 (ethernet, target dev 'tap0'): no <ethernet "
           "prefix='...'> rule allows that name");
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-3", DOM_TAP("vm-3", ""),
           "permission denied: interface 1 (ethernet, no target dev: vnic names it 'vnet%d'): no "
           "<ethernet prefix='...'> rule allows that name");
    /* Quotas, both ways. */
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-4",
           "<domain><name>vm-4</name><devices>"
           "<interface type='ethernet'><target dev='vm1'/><model type='virtio'/>"
           "<driver queues='2'/></interface>"
           "<interface type='ethernet'><target dev='vm2'/><model type='virtio'/>"
           "<driver queues='2'/></interface></devices></domain>",
           "");
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-4",
           "<domain><name>vm-4</name><devices>"
           "<interface type='ethernet'><target dev='vm1'/><model type='virtio'/>"
           "<driver queues='3'/></interface>"
           "<interface type='ethernet'><target dev='vm2'/><model type='virtio'/>"
           "<driver queues='2'/></interface></devices></domain>",
           "permission denied: domain 'vm-4' has 5 queues in all; no <limit> rule allows user "
           "'nobody' (65534) more than 4");
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-4",
           "<domain><name>vm-4</name><devices>"
           "<interface type='ethernet'><target dev='vm1'/></interface>"
           "<interface type='ethernet'><target dev='vm2'/></interface>"
           "<interface type='ethernet'><target dev='vm3'/></interface></devices></domain>",
           "permission denied: domain 'vm-4' has 3 interfaces; no <limit> rule allows user "
           "'nobody' (65534) more than 2");
    /* vnic:owner: the caller itself, or nobody else. */
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-5",
           "<domain xmlns:vnic='http://vnic.dev/xmlns/1.0'><name>vm-5</name><devices>"
           "<interface type='ethernet'><target dev='vm5'/><vnic:owner user='65534'/>"
           "</interface></devices></domain>",
           "");
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-5",
           "<domain xmlns:vnic='http://vnic.dev/xmlns/1.0'><name>vm-5</name><devices>"
           "<interface type='ethernet'><target dev='vm5'/><vnic:owner user='root'/>"
           "</interface></devices></domain>",
           "permission denied: interface 1 (ethernet, target dev 'vm5'): vnic:owner user 'root' "
           "is not user 'nobody' (65534); only root may give a tap to another user");
    /* managed='no': never on a macvtap; on a tap only one the caller may attach to. */
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-6",
           "<domain><name>vm-6</name><devices><interface type='direct'><source dev='eth0' "
           "mode='bridge'/><target dev='vmx' managed='no'/></interface></devices></domain>",
           "permission denied: interface 1 (direct, dev 'eth0', mode 'bridge'): managed='no' on a "
           "macvtap is for root only");
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-6",
           DOM_TAP("vm-6", "<target dev='vmnotthere' managed='no'/>"),
           "permission denied: interface 1 (ethernet, target dev 'vmnotthere'): managed='no', but "
           "there is no tap 'vmnotthere'");

    /* A group rule matches a supplementary group. */
    EXPECT(a, &member, VNICD_OP_RUN, "grp-1", DOM_TAP("grp-1", ""), "");
    EXPECT(a, &member, VNICD_OP_RUN, "vm-1", DOM_TAP("vm-1", ""),
           "permission denied: no rule allows user 4000 to run domain 'vm-1'");

    /* Owners: a domain recorded as someone else's is out of reach, also for reading. */
    vnic_error *e = NULL;
    CHECK(vnicd_access_set_owner(a, &nobody, "vm-7", &e) == 0);
    vnic_error_free(e);
    e = NULL;
    CHECK(vnicd_access_set_owner(a, &member, "vm-8", &e) == 0);
    vnic_error_free(e);
    e = NULL;
    CHECK(vnicd_access_can_read(a, &nobody, "vm-7"));
    CHECK(!vnicd_access_can_read(a, &nobody, "vm-8"));
    CHECK(!vnicd_access_can_read(a, &nobody, "vm-9")); /* no record */
    CHECK(vnicd_access_can_read(a, &root, "vm-8"));
    EXPECT(a, &nobody, VNICD_OP_DESTROY, "vm-7", NULL, "");
    EXPECT(a, &nobody, VNICD_OP_DESTROY, "vm-8", NULL,
           "permission denied: user 'nobody' (65534) owns no domain 'vm-8'");
    EXPECT(a, &nobody, VNICD_OP_DESTROY, "vm-9", NULL,
           "permission denied: user 'nobody' (65534) owns no domain 'vm-9'");
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-8", DOM_TAP("vm-8", "<target dev='vm8'/>"),
           "permission denied: user 'nobody' (65534) owns no domain 'vm-8'");
    /* An existing domain without a record is adopted for root. */
    CHECK(vnicd_access_adopt(a, "vm-9", &e) == 0);
    CHECK(vnicd_access_adopt(a, "vm-7", &e) == 0); /* keeps its owner */
    vnic_error_free(e);
    e = NULL;
    CHECK(vnicd_access_can_read(a, &nobody, "vm-7"));
    EXPECT(a, &nobody, VNICD_OP_DEFINE, "vm-9", DOM_TAP("vm-9", "<target dev='vm9'/>"),
           "permission denied: user 'nobody' (65534) owns no domain 'vm-9'");
    vnicd_access_forget(a, "vm-7");
    CHECK(!vnicd_access_can_read(a, &nobody, "vm-7"));
    vnicd_access_forget(a, "vm-7"); /* twice is fine */

    vnicd_access_free(a);

    /* No policy: nobody but root. */
    a = NULL;
    CHECK(vnicd_access_open(NULL, state, &a, NULL, &e) == 0);
    if (a) {
        EXPECT(a, &nobody, VNICD_OP_READ, NULL, NULL,
               "permission denied: no policy allows user 'nobody' (65534) to read");
        EXPECT(a, &root, VNICD_OP_READ, NULL, NULL, "");
        vnicd_access_free(a);
    }
    vnic_error_free(e);
    e = NULL;

    /* A policy others may write is refused: its writer would decide for everyone. */
    char *loose = write_file("loose.xml", "<policy " NS "/>\n");
    CHECK(chmod(loose, 0664) == 0);
    a = NULL;
    CHECK(vnicd_access_open(loose, state, &a, &diags, &e) == -EPERM);
    CHECK(a == NULL && diags.count == 0);
    CHECK(e && strstr(e->message, "may be written by other users (mode 0664); refusing it"));
    vnic_error_free(e);
    e = NULL;
    CHECK(chmod(loose, 0644) == 0);
    CHECK(vnicd_access_open(loose, state, &a, &diags, &e) == 0);
    vnicd_access_free(a);
    if (geteuid() == 0) { /* only root can give the file away */
        CHECK(chown(loose, 65534, 65534) == 0);
        a = NULL;
        CHECK(vnicd_access_open(loose, state, &a, &diags, &e) == -EPERM);
        CHECK(e && strstr(e->message, "belongs to user 65534, not to root"));
        vnic_error_free(e);
        e = NULL;
    }
    free(loose);

    /* A bad policy: open fails with file:line. */
    char *bad = write_file("bad.xml", "<policy " NS ">\n  <allow user='no-such-user-vnic'/>\n"
                                      "</policy>\n");
    a = NULL;
    CHECK(vnicd_access_open(bad, state, &a, &diags, &e) < 0);
    CHECK(a == NULL);
    CHECK(diags.count == 1 && diags.items[0]->line == 2 && vnic_streq(diags.items[0]->file, bad));
    vnic_diag_clear(&diags);
    vnic_error_free(e);
    free(bad);
    free(policy);
    free(state);
}

static void test_deny_message(void)
{
    /* The deny message names the rule's file and line. */
    char *policy = write_file("deny.xml", "<policy " NS ">\n<allow user='65534'/>\n"
                                          "<deny user='65534'><operations>undefine</operations>"
                                          "</deny>\n</policy>\n");
    char *state = vnic_xasprintf("%s/state2", tmpdir);
    vnicd_access *a = NULL;
    vnic_error *e = NULL;
    CHECK(vnicd_access_open(policy, state, &a, NULL, &e) == 0);
    if (a) {
        vnicd_peer nobody = {.uid = 65534, .gid = 65534};
        char *want = vnic_xasprintf("permission denied: the <deny> rule at %s:3 refuses user "
                                    "'nobody' (65534) to undefine domain 'x'",
                                    policy);
        CHECK(vnicd_access_set_owner(a, &nobody, "x", &e) == 0);
        EXPECT(a, &nobody, VNICD_OP_UNDEFINE, "x", NULL, want);
        EXPECT(a, &nobody, VNICD_OP_DESTROY, "x", NULL, "");
        /* A rule without device children allows no device. */
        EXPECT(a, &nobody, VNICD_OP_START, "x", DOM_TAP("x", "<target dev='vm0'/>"),
               "permission denied: interface 1 (ethernet, target dev 'vm0'): no <ethernet "
               "prefix='...'> rule allows that name");
        free(want);
        vnicd_access_free(a);
    }
    vnic_error_free(e);
    free(policy);
    free(state);
}

static void test_peer(void)
{
    gid_t *g = NULL;
    size_t n = 0;
    CHECK(vnicd_peer_parse_status("Name:\tx\nUid:\t1000\t1000\t1000\t1000\nGid:\t5\t5\t5\t5\n"
                                  "Groups:\t4 24 27 \nNgid:\t0\n",
                                  1000, &g, &n) == 0);
    CHECK(n == 3 && g && g[0] == 4 && g[1] == 24 && g[2] == 27);
    free(g);
    g = NULL;
    CHECK(vnicd_peer_parse_status("Name:\tx\nUid:\t0\t0\t0\t0\nGroups:\t\n", 0, &g, &n) == 0);
    CHECK(n == 0);
    free(g);
    CHECK(vnicd_peer_parse_status("Name:\tx\nUid:\t0\t1000\t0\t0\nGroups:\t1\n", 0, &g, &n) ==
          -ESRCH);
    CHECK(vnicd_peer_parse_status("Name:\tx\nUid:\t0\t0\t0\t0\nGroups:\t1x\n", 0, &g, &n) ==
          -EINVAL);
    CHECK(vnicd_peer_parse_status("Name:\tx\n", 0, &g, &n) == -EINVAL);

    /* This process, through a socket pair. */
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    vnicd_peer peer;
    vnic_error *e = NULL;
    CHECK(vnicd_peer_read(sv[0], &peer, &e) == 0);
    if (!e) {
        CHECK(peer.pid == getpid() && peer.uid == geteuid() && peer.gid == getegid());
        gid_t mine[256];
        int nmine = getgroups(256, mine);
        CHECK(nmine >= 0 && (size_t)nmine == peer.ngroups);
        for (int i = 0; i < nmine && (size_t)i < peer.ngroups; i++)
            CHECK(mine[i] == peer.groups[i]);
        vnicd_peer_clear(&peer);
    }
    vnic_error_free(e);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    if (!mkdtemp(tmpdir))
        return 2;
    test_parse();
    test_decisions();
    test_deny_message();
    test_peer();
    char *cmd = vnic_xasprintf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
    free(cmd);
    return test_result("access");
}
