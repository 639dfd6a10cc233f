/* The conf layer: parse -> format -> reparse -> format gives the same bytes, and the QEMU
 * command line built from any definition that parses says only what the builder means to.
 *
 * The input is a document as a user would write it (a <domain> or an <interface>). A hash of
 * its bytes picks the parse flags, so that the corpus stays plain XML:
 *   bit 0: VNIC_PARSE_SKIP_UNSUPPORTED
 *   bit 1: also validate against the schema, and then the formatted output must validate too. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "domain_conf.h"
#include "fuzz.h"
#include "qemu.h"
#include "schema.h"
#include "strutil.h"

static bool have_schema;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* The schema is read from the source tree (VNIC_SCHEMA_DIR in the tests' environment). */
    char path[4096];
    snprintf(path, sizeof(path), "%s/domain.rng", vnic_schema_dir());
    FILE *f = fopen(path, "re");
    if (f) {
        have_schema = true;
        fclose(f);
    }
    return 0;
}

static uint32_t hash(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    return h;
}

static void print_diags(const char *what, const vnic_diag_list *diags, const vnic_error *err)
{
    fprintf(stderr, "%s:\n", what);
    for (size_t i = 0; i < diags->count; i++)
        fprintf(stderr, "  %d: %s\n", diags->items[i]->line, diags->items[i]->message);
    if (err)
        fprintf(stderr, "  error: %s\n", err->message);
}

/* ---- the QEMU command line ------------------------------------------------------------- */

typedef enum {
    V_ID,
    V_UINT,
    V_UINT_LIST,
    V_ON_OFF,
    V_ON,
    V_BIT,
    V_MAC,
    V_ANY,
    V_DEVFN,
} value_kind;

typedef struct {
    const char *key;
    value_kind kind;
} option_rule;

/* Every key the builder emits, and what its value looks like. */
static const option_rule netdev_rules[] = {
    {"id", V_ID},       {"fd", V_UINT},      {"fds", V_UINT_LIST},      {"vhost", V_ON_OFF},
    {"sndbuf", V_UINT}, {"vhostfd", V_UINT}, {"vhostfds", V_UINT_LIST}, {NULL, 0},
};
static const option_rule device_rules[] = {
    {"netdev", V_ID},
    {"id", V_ID},
    {"mac", V_MAC},
    {"mq", V_ON},
    {"vectors", V_UINT},
    {"host_mtu", V_UINT},
    {"bootindex", V_UINT},
    {"acpi-index", V_UINT},
    {"rombar", V_BIT},
    {"romfile", V_ANY},
    /* <driver>'s virtio-net tuning */
    {"tx", V_ID},
    {"ioeventfd", V_ON_OFF},
    {"event_idx", V_ON_OFF},
    {"rx_queue_size", V_UINT},
    {"tx_queue_size", V_UINT},
    {"rss", V_ON_OFF},
    {"hash", V_ON_OFF},
    {"iommu_platform", V_ON_OFF},
    {"ats", V_ON_OFF},
    {"packed", V_ON_OFF},
    {"csum", V_ON_OFF},
    {"gso", V_ON_OFF},
    {"host_tso4", V_ON_OFF},
    {"host_tso6", V_ON_OFF},
    {"host_ecn", V_ON_OFF},
    {"host_ufo", V_ON_OFF},
    {"mrg_rxbuf", V_ON_OFF},
    {"guest_csum", V_ON_OFF},
    {"guest_tso4", V_ON_OFF},
    {"guest_tso6", V_ON_OFF},
    {"guest_ecn", V_ON_OFF},
    {"guest_ufo", V_ON_OFF},
    /* the PCI place */
    {"bus", V_ID},
    {"addr", V_DEVFN},
    {"multifunction", V_ON_OFF},
    {NULL, 0},
};

static bool all_of(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(set, s[i]))
            return false;
    return true;
}

#define DIGITS "0123456789"
#define LETTERS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

static bool value_ok(value_kind kind, const char *v, size_t n)
{
    switch (kind) {
    case V_ID: /* QEMU ids: a letter, then letters, digits, '-', '.', '_' */
        return n > 0 && strchr(LETTERS, v[0]) && all_of(v, n, LETTERS DIGITS "-._");
    case V_UINT: /* leading zeros are kept as written */
        return n > 0 && all_of(v, n, DIGITS) && strspn(v + strspn(v, "0"), DIGITS) <= 10;
    case V_UINT_LIST:
        return n > 0 && all_of(v, n, DIGITS ":") && v[0] != ':' && v[n - 1] != ':' &&
               !memmem(v, n, "::", 2);
    case V_ON_OFF:
        return (n == 2 && !memcmp(v, "on", 2)) || (n == 3 && !memcmp(v, "off", 3));
    case V_ON:
        return n == 2 && !memcmp(v, "on", 2);
    case V_BIT:
        return n == 1 && (v[0] == '0' || v[0] == '1');
    case V_MAC:
        if (n != 17)
            return false;
        for (size_t i = 0; i < 17; i++)
            if (i % 3 == 2 ? v[i] != ':' : !strchr(DIGITS "abcdef", v[i]))
                return false;
        return true;
    case V_ANY: /* commas inside come doubled; the splitter kept them in the value */
        return true;
    case V_DEVFN: /* 0xS or 0xS.0xF */
        return n >= 3 && !memcmp(v, "0x", 2) && all_of(v, n, DIGITS "abcdefx.");
    }
    return false;
}

typedef struct {
    const char *key; /* static: from the rules */
    char *value;     /* as QEMU reads it: doubled commas made single */
} option_piece;

typedef struct {
    option_piece items[64];
    size_t n;
    char *type; /* the first piece: "tap" or the device driver */
} option_pieces;

static void pieces_free(option_pieces *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->items[i].value);
    free(p->type);
}

static const char *piece(const option_pieces *p, const char *key)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->items[i].key, key))
            return p->items[i].value;
    return NULL;
}

/* Check one -netdev or -device value, and split it as QEMU does: a comma ends an option unless
 * it is doubled. The first piece is the type, every other one a key of RULES with a value of
 * the right shape, each key at most once. */
static void check_option(const char *opt, const option_rule *rules, option_pieces *ret)
{
    for (const char *p = opt; *p; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f,
                   "control character 0x%02x in QEMU option '%s'", (unsigned char)*p, opt);

    bool seen[64] = {false};
    _Static_assert(ELEMENTSOF(device_rules) <= 64, "seen[] and items[] hold every key");
    const char *p = opt;
    for (unsigned k = 0;; k++) {
        const char *start = p;
        while (*p && !(*p == ',' && p[1] != ',')) {
            if (*p == ',')
                p++; /* a doubled comma is part of the value */
            p++;
        }
        size_t n = (size_t)(p - start);
        if (k == 0) {
            FUZZ_CHECK(n > 0 && all_of(start, n, LETTERS DIGITS "-_."),
                       "bad type or driver in QEMU option '%s'", opt);
            ret->type = strndup(start, n);
        } else {
            const char *eq = memchr(start, '=', n);
            FUZZ_CHECK(eq, "piece %u of QEMU option '%s' is not key=value", k, opt);
            size_t klen = (size_t)(eq - start);
            size_t r;
            for (r = 0; rules[r].key; r++)
                if (strlen(rules[r].key) == klen && !memcmp(rules[r].key, start, klen))
                    break;
            FUZZ_CHECK(rules[r].key, "unexpected key '%.*s' in QEMU option '%s'", (int)klen, start,
                       opt);
            FUZZ_CHECK(!seen[r], "key '%s' twice in QEMU option '%s'", rules[r].key, opt);
            seen[r] = true;
            const char *v = eq + 1;
            size_t vlen = n - klen - 1;
            FUZZ_CHECK(value_ok(rules[r].kind, v, vlen), "bad value for '%s' in QEMU option '%s'",
                       rules[r].key, opt);
            char *value = malloc(vlen + 1), *o = value;
            if (!value)
                abort();
            for (size_t i = 0; i < vlen; i++) {
                *o++ = v[i];
                if (v[i] == ',')
                    i++;
            }
            *o = '\0';
            ret->items[ret->n].key = rules[r].key;
            ret->items[ret->n++].value = value;
        }
        if (!*p)
            break;
        p++;
    }
}

/* The value of attribute ATTR in no namespace of the kept guest-only element ELEM, or NULL.
 * These are the only attributes the parser checks. Caller frees. */
static char *kept_attr(const vnic_iface_def *def, const char *elem, const char *attr)
{
    for (size_t i = 0; i < def->nkept; i++) {
        xmlNode *n = def->kept[i];
        if (n->type != XML_ELEMENT_NODE || n->ns || !xmlStrEqual(n->name, BAD_CAST elem))
            continue;
        xmlChar *v = xmlGetNoNsProp(n, BAD_CAST attr);
        if (!v)
            continue;
        char *s = strdup((const char *)v);
        xmlFree(v);
        return s;
    }
    return NULL;
}

static unsigned long number(const char *s)
{
    return strtoul(s, NULL, 10);
}

/* A guest-only value on the command line is the value the definition validated, and one the
 * definition gives is on the command line. */
static void check_guest_value(const vnic_iface_def *def, const option_pieces *dev, const char *key,
                              const char *elem, const char *attr, const char *opt)
{
    const char *v = piece(dev, key);
    char *want = kept_attr(def, elem, attr);
    if (!v) {
        FUZZ_CHECK(!want, "<%s %s='%s'> is not on the command line: '%s'", elem, attr, want, opt);
        return;
    }
    FUZZ_CHECK(want, "%s=%s on the command line but no <%s %s=...> in the definition: '%s'", key, v,
               elem, attr, opt);
    FUZZ_CHECK(want[0] >= '0' && want[0] <= '9' && number(want) == number(v),
               "%s=%s on the command line, but <%s %s='%s'>: '%s'", key, v, elem, attr, want, opt);
    free(want);
}

/* What the -device option says matches what the definition says. */
static void check_device(const vnic_iface_def *def, size_t nfds, unsigned boot_net,
                         const option_pieces *dev, const char *opt)
{
    const char *v;
    _cleanup_free_ char *model = vnic_qemu_device_model(def);
    FUZZ_CHECK(!strcmp(dev->type, model), "driver '%s' in '%s'", dev->type, opt);
    if ((v = piece(dev, "mac"))) {
        char mac[18];
        vnic_mac_format(def->mac, mac);
        FUZZ_CHECK(def->has_mac && !strcmp(v, mac), "mac=%s in '%s'", v, opt);
    }
    if ((v = piece(dev, "host_mtu")))
        FUZZ_CHECK(def->mtu && number(v) == def->mtu, "host_mtu=%s in '%s'", v, opt);
    if ((v = piece(dev, "vectors")))
        FUZZ_CHECK(nfds > 1 && number(v) == 2 * nfds + 2, "vectors=%s in '%s'", v, opt);
    FUZZ_CHECK(!piece(dev, "mq") == !piece(dev, "vectors"), "mq without vectors in '%s'", opt);

    if (boot_net)
        FUZZ_CHECK((v = piece(dev, "bootindex")) && number(v) == boot_net,
                   "<os><boot dev='network'/> gives bootindex %u, not '%s'", boot_net, opt);
    else
        check_guest_value(def, dev, "bootindex", "boot", "order", opt);
    check_guest_value(def, dev, "acpi-index", "acpi", "index", opt);

    char *enabled = kept_attr(def, "rom", "enabled");
    char *file = kept_attr(def, "rom", "file");
    char *bar = kept_attr(def, "rom", "bar");
    bool off = enabled && !strcmp(enabled, "no");
    if ((v = piece(dev, "romfile")))
        FUZZ_CHECK(off ? !*v : file && !strcmp(v, file),
                   "romfile=%s on the command line, but <rom enabled='%s' file='%s'>: '%s'", v,
                   enabled ? enabled : "", file ? file : "", opt);
    else
        FUZZ_CHECK(!off && !file, "<rom> is not on the command line: '%s'", opt);
    if ((v = piece(dev, "rombar")))
        FUZZ_CHECK(!off && bar && (!strcmp(bar, "off") ? !strcmp(v, "0") : !strcmp(v, "1")),
                   "rombar=%s on the command line, but <rom bar='%s'>: '%s'", v, bar ? bar : "",
                   opt);
    else
        FUZZ_CHECK(off || !bar, "<rom bar> is not on the command line: '%s'", opt);
    free(enabled);
    free(file);
    free(bar);
}

/* The QMP form of the same NIC (hot-plug's netdev_add and device_add) says what the command
 * line says: the same keys, the same values once typed JSON is written as QEMU's options
 * (booleans on/off, integers in decimal), with the fds named as the command line numbers
 * them. */
static void check_qmp_agrees(const vnic_iface_def *def, const char *id, const char *fds,
                             const vnic_pci_layout *layout, size_t index, unsigned boot_net,
                             const option_pieces *line, const char *opt, bool device)
{
    size_t n = vnic_str_count(fds, ":") + 1;
    char **names = calloc(n + 1, sizeof(*names));
    char *copy = strdup(fds);
    if (!names || !copy)
        abort();
    char *save = NULL;
    size_t k = 0;
    for (char *t = strtok_r(copy, ":", &save); t && k < n; t = strtok_r(NULL, ":", &save))
        names[k++] = t;
    vnic_qemu_props nprops, dprops;
    vnic_qemu_nic_props(def, id, (const char *const *)names, k, &nprops, &dprops);
    /* What the domain adds on the command line: the PCI place, the boot index of <os>. */
    vnic_qemu_place_props(layout, index, &dprops);
    json_object *o = vnic_qemu_props_to_json(device ? &dprops : &nprops);
    if (device && boot_net &&
        json_object_object_add(o, "bootindex", json_object_new_int64(boot_net)) < 0)
        abort();
    const char *first = device ? "driver" : "type";

    FUZZ_CHECK((size_t)json_object_object_length(o) == line->n + 1,
               "QMP has %d properties, '%s' has %zu", json_object_object_length(o), opt,
               line->n + 1);
    json_object_object_foreach(o, key, val)
    {
        char num[32];
        const char *v = NULL;
        switch (json_object_get_type(val)) {
        case json_type_boolean:
            v = json_object_get_boolean(val) ? "on" : "off";
            break;
        case json_type_int:
            snprintf(num, sizeof(num), "%lld", (long long)json_object_get_int64(val));
            v = num;
            break;
        case json_type_string:
            v = json_object_get_string(val);
            break;
        default:
            FUZZ_CHECK(false, "QMP property '%s' of type %d", key, (int)json_object_get_type(val));
        }
        const char *want = !strcmp(key, first) ? line->type : piece(line, key);
        FUZZ_CHECK(want && !strcmp(v, want), "QMP %s=%s, but '%s' has %s", key, v, opt,
                   want ? want : "nothing");
    }
    json_object_put(o);
    vnic_qemu_props_clear(&nprops);
    vnic_qemu_props_clear(&dprops);
    free(copy);
    free(names);
}

static void check_qemu_args(const vnic_domain_def *def)
{
    size_t niface = def->niface;
    size_t *counts = calloc(niface + 1, sizeof(*counts));
    if (!counts)
        abort();
    for (size_t i = 0; i < niface; i++) {
        counts[i] = vnic_domain_def_interface_queues(def, i);
        FUZZ_CHECK(counts[i] >= 1 && counts[i] <= 256, "interface %zu has %zu queues", i,
                   counts[i]);
    }
    size_t n;
    char **args = vnic_qemu_domain_args(def, counts, 3, &n);
    vnic_pci_layout layout;
    vnic_domain_pci_layout(def, &layout);
    /* The controllers pci.N for the buses N > 0 that addresses name (qemu_pci.c) and the
     * domain does not declare: one option each, two on q35 where an address on the bus names a
     * slot other than 0. */
    size_t nbus_opts = 0;
    for (size_t i = 0; i < niface && layout.machine != VNIC_MACHINE_OTHER; i++) {
        const vnic_pci_place *p = &layout.places[i];
        bool first = p->explicit_ && p->bus > 0 && !vnic_domain_pci_controller(def, p->bus),
             other_slot = false;
        for (size_t j = 0; j < niface; j++) {
            const vnic_pci_place *q = &layout.places[j];
            if (!q->explicit_ || q->bus != p->bus)
                continue;
            first &= j >= i;
            other_slot |= q->slot != 0;
        }
        if (first)
            nbus_opts += layout.machine == VNIC_MACHINE_Q35 && other_slot ? 2 : 1;
    }
    FUZZ_CHECK(n == 4 * niface + 2 * layout.ncontrollers + 2 * nbus_opts,
               "%zu QEMU arguments for %zu interfaces, %zu controllers and %zu bus options", n,
               niface, layout.ncontrollers, nbus_opts);

    char **ids = calloc(niface + 1, sizeof(*ids));
    if (!ids)
        abort();
    /* The controllers vnic adds come as "-device pci-bridge,..." or "pcie-root-port,..."
     * before their first NIC; the NICs come in pairs, those with an address first. */
    size_t a = 0, seen = 0, bus_seen = 0;
    bool auto_seen = false;
    for (size_t step = 0; step < niface; step++) {
        while (a + 1 < n && !strcmp(args[a], "-device") &&
               (!strncmp(args[a + 1], "pci-bridge,", 11) ||
                !strncmp(args[a + 1], "pcie-root-port,", 15) ||
                !strncmp(args[a + 1], "pcie-pci-bridge,", 16))) {
            /* vnic's own (vnic-bridgeK, vnic-portK) or a bus's (pci.N, vnic-pci.N-port) */
            bool own =
                strstr(args[a + 1], ",id=vnic-bridge") || strstr(args[a + 1], ",id=vnic-port");
            a += 2, seen += own, bus_seen += !own;
        }
        FUZZ_CHECK(a + 3 < n, "arguments end before interface %zu", step);
        const char *nopt = args[a + 1], *dopt = args[a + 3];
        FUZZ_CHECK(!strcmp(args[a], "-netdev") && !strcmp(args[a + 2], "-device"),
                   "interface %zu: arguments '%s' '%s'", step, args[a], args[a + 2]);
        a += 4;
        option_pieces net = {0}, dev = {0};
        check_option(nopt, netdev_rules, &net);
        check_option(dopt, device_rules, &dev);

        const char *nid = piece(&net, "id"), *did = piece(&dev, "id"), *v;
        /* Which interface this is: the one whose id it has. */
        size_t i = niface;
        for (size_t j = 0; did && j < niface && i == niface; j++) {
            char *jid = vnic_qemu_domain_iface_id(def, j);
            if (!strcmp(jid, did))
                i = j;
            free(jid);
        }
        FUZZ_CHECK(i < niface && !ids[i], "-device '%s' is no interface's, or twice", dopt);
        if (i == niface)
            break;
        FUZZ_CHECK(!(auto_seen && layout.places[i].explicit_),
                   "interface %zu with an <address> after one without: '%s'", i, dopt);
        auto_seen |= !layout.places[i].explicit_;
        FUZZ_CHECK(!strcmp(net.type, "tap"), "'%s' is not a tap", nopt);
        FUZZ_CHECK(nid && did && !strncmp(nid, "host", 4) && !strcmp(nid + 4, did),
                   "-netdev '%s' does not belong to -device '%s'", nopt, dopt);
        FUZZ_CHECK((v = piece(&dev, "netdev")) && !strcmp(v, nid), "netdev= of '%s'", dopt);
        FUZZ_CHECK(!def->ifaces[i]->alias || !strcmp(did, def->ifaces[i]->alias),
                   "id '%s' is not the alias '%s'", did, def->ifaces[i]->alias);
        /* One fd per queue: fd= for one, fds=A:B:... for several. */
        if (counts[i] == 1)
            FUZZ_CHECK(piece(&net, "fd") && !piece(&net, "fds"), "fds of '%s'", nopt);
        else
            FUZZ_CHECK(!piece(&net, "fd") && (v = piece(&net, "fds")) &&
                           vnic_str_count(v, ":") + 1 == counts[i],
                       "fds of '%s' for %zu queues", nopt, counts[i]);
        FUZZ_CHECK((v = piece(&net, "vhost")) &&
                       !strcmp(v, vnic_iface_def_vhost(def->ifaces[i]) ? "on" : "off"),
                   "vhost of '%s'", nopt);
        /* <tune><sndbuf> as written; no vhost fds without vhost counts. */
        v = piece(&net, "sndbuf");
        FUZZ_CHECK(!v == !def->ifaces[i]->has_sndbuf &&
                       (!v || strtoull(v, NULL, 10) == def->ifaces[i]->sndbuf),
                   "sndbuf of '%s'", nopt);
        FUZZ_CHECK(!piece(&net, "vhostfd") && !piece(&net, "vhostfds"), "vhost fds in '%s'", nopt);
        unsigned boot_net = vnic_domain_def_boot_index(def, i);
        check_device(def->ifaces[i], counts[i], boot_net, &dev, dopt);
        const char *fds = piece(&net, counts[i] == 1 ? "fd" : "fds");
        if (fds) {
            check_qmp_agrees(def->ifaces[i], did, fds, &layout, i, boot_net, &net, nopt, false);
            check_qmp_agrees(def->ifaces[i], did, fds, &layout, i, boot_net, &dev, dopt, true);
        }

        ids[i] = strdup(did);
        pieces_free(&net);
        pieces_free(&dev);
    }
    FUZZ_CHECK(seen == layout.ncontrollers && bus_seen == nbus_opts && a == n,
               "%zu of %zu controllers, %zu of %zu bus options, %zu of %zu arguments", seen,
               layout.ncontrollers, bus_seen, nbus_opts, a, n);
    vnic_pci_layout_clear(&layout);
    for (size_t i = 0; i < niface; i++)
        free(ids[i]);
    free(ids);
    vnic_strv_free(args);
    free(counts);
}

/* ---- the round trip -------------------------------------------------------------------- */

static char *parse_and_format(const char *xml, const char *name, unsigned flags,
                              vnic_domain_def **ret_def, bool must_parse)
{
    vnic_diag_list diags = {0};
    vnic_error *err = NULL;
    vnic_domain_def *def = NULL;
    int r = vnic_domain_def_parse_string(xml, name, flags, &def, &diags, &err);
    if (r < 0) {
        /* A refusal always says why. */
        FUZZ_CHECK(diags.count > 0 || err, "a document was refused without a reason");
        if (must_parse) {
            print_diags("the formatted document does not parse", &diags, err);
            fprintf(stderr, "--- formatted:\n%s\n---\n", xml);
            abort();
        }
        vnic_diag_clear(&diags);
        vnic_error_free(err);
        return NULL;
    }
    FUZZ_CHECK(diags.count == 0, "a document that parsed has %zu diagnostics", diags.count);
    char *out = vnic_domain_def_format(def, &err);
    FUZZ_CHECK(out, "a document that parsed does not format: %s", err ? err->message : "?");
    *ret_def = def;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml = fuzz_cstring(data, size);
    if (!xml)
        return 0;
    uint32_t h = hash(data, size);
    unsigned flags = VNIC_PARSE_NO_SCHEMA | ((h & 1) ? VNIC_PARSE_SKIP_UNSUPPORTED : 0);

    vnic_domain_def *d1 = NULL, *d2 = NULL;
    char *out1 = parse_and_format(xml, "input.xml", flags, &d1, false);
    if (!out1) {
        free(xml);
        return 0;
    }
    char *out2 = parse_and_format(out1, "formatted.xml", flags, &d2, true);
    FUZZ_CHECK(!strcmp(out1, out2), "formatting twice differs:\n--- first:\n%s\n--- second:\n%s",
               out1, out2);
    FUZZ_CHECK(vnic_domain_def_interface_count(d1) == vnic_domain_def_interface_count(d2),
               "the formatted document has another number of interfaces");

    check_qemu_args(d1);
    /* The reparsed definition gives QEMU the same command line. */
    size_t niface = vnic_domain_def_interface_count(d1);
    size_t *counts = calloc(niface + 1, sizeof(*counts));
    if (!counts)
        abort();
    for (size_t i = 0; i < niface; i++)
        counts[i] = vnic_domain_def_interface_queues(d1, i);
    char **a1 = vnic_qemu_domain_args(d1, counts, 3, NULL);
    char **a2 = vnic_qemu_domain_args(d2, counts, 3, NULL);
    for (size_t i = 0; a1[i] || a2[i]; i++)
        FUZZ_CHECK(a1[i] && a2[i] && !strcmp(a1[i], a2[i]),
                   "QEMU argument %zu differs after the round trip: '%s' vs '%s'", i,
                   a1[i] ? a1[i] : "(none)", a2[i] ? a2[i] : "(none)");
    vnic_strv_free(a1);
    vnic_strv_free(a2);
    free(counts);

    /* A document the schema accepts is still accepted once formatted. */
    if ((h & 2) && have_schema) {
        unsigned sflags = flags & ~(unsigned)VNIC_PARSE_NO_SCHEMA;
        vnic_domain_def *s1 = NULL, *s2 = NULL;
        char *sout = parse_and_format(xml, "input.xml", sflags, &s1, false);
        if (sout) {
            char *sout2 = parse_and_format(sout, "formatted.xml", sflags, &s2, true);
            free(sout2);
            free(sout);
            vnic_domain_def_free(s1);
            vnic_domain_def_free(s2);
        }
    }

    free(out1);
    free(out2);
    vnic_domain_def_free(d1);
    vnic_domain_def_free(d2);
    free(xml);
    return 0;
}
