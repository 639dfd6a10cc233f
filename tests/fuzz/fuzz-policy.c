/* vnicd's policy parser: any input is either refused with at least one diagnostic and no
 * policy, or accepted without any; an accepted policy's rules are whole (a subject, operations
 * within the known ones, globs and prefixes that match without crashing), and the matching
 * functions hold their promises on it: an allow rule covers every name a template can give
 * only when it covers some. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "policy_conf.h"
#include "strutil.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

static const char *const names[] = {"vm-1", "db-1", "a", "vm-secret", ""};
static const char *const targets[] = {"vm0", "vm%d", "vnet%d", "tap0", "v%dx", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml = fuzz_cstring(data, size);
    if (!xml)
        return 0;
    vnic_policy *p = NULL;
    vnic_diag_list diags = {0};
    vnic_error *err = NULL;
    int r = vnic_policy_parse_string(xml, "fuzz.xml", &p, &diags, &err);
    FUZZ_CHECK((r == 0) == (diags.count == 0), "r=%d with %zu diagnostics", r, diags.count);
    FUZZ_CHECK((r == 0) == (p != NULL) && (r == 0) == (err == NULL), "r=%d", r);
    for (size_t i = 0; i < diags.count; i++)
        FUZZ_CHECK(diags.items[i]->message && *diags.items[i]->message, "empty diagnostic");

    for (size_t k = 0; p && k < p->nrules; k++) {
        const vnic_policy_rule *rule = &p->rules[k];
        FUZZ_CHECK(rule->who && *rule->who, "rule %zu has no subject", k);
        FUZZ_CHECK(rule->ops && !(rule->ops & ~VNIC_POLICY_OPS_ALL), "rule %zu ops %#x", k,
                   rule->ops);
        FUZZ_CHECK(rule->line > 0, "rule %zu has no line", k);
        FUZZ_CHECK(!rule->deny || !rule->has_limit, "a deny with a limit");
        (void)vnic_policy_rule_applies(rule, 0, 0, NULL, 0);
        for (size_t n = 0; n < sizeof(names) / sizeof(*names); n++)
            for (int op = 0; op < VNIC_POLICY_OP_LAST; op++)
                (void)vnic_policy_rule_names(rule, (vnic_policy_op)op, names[n]);
        for (int m = 0; m < VNIC_MACVTAP_MODE_LAST; m++)
            (void)vnic_policy_rule_names_direct(rule, "eth0", (vnic_macvtap_mode)m);
        for (size_t t = 0; t < sizeof(targets) / sizeof(*targets); t++) {
            bool all = vnic_policy_rule_names_tap(rule, targets[t], true);
            bool any = vnic_policy_rule_names_tap(rule, targets[t], false);
            FUZZ_CHECK(!all || any, "prefix covers all names of '%s' but not some",
                       targets[t] ? targets[t] : "(default)");
        }
    }
    vnic_policy_free(p);
    vnic_diag_clear(&diags);
    vnic_error_free(err);
    free(xml);
    return 0;
}
