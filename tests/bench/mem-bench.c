/* vnic-mem-bench: what vnic costs in memory.
 *
 *  - the peak RSS of `vnicsh create` of a domain of N taps (default 1024), against that of
 *    `vnicsh list` (the program's own floor), in a state root of its own;
 *  - with --vnicd-pid and --remote: vnicd's RSS per active domain (K one-tap domains started
 *    through the daemon) and what is left after they are destroyed;
 *  - with --churn OPS (opt-in, not in the default run): OPS daemon operations (define,
 *    lookup, get_xml, list, undefine, and every 50th round a create, open and destroy of a
 *    one-tap domain), printing vnicd's RSS as it goes: nothing should grow per operation.
 *
 * Run as root in a namespace of its own (run-bench.sh runs it after vnic-bench). Printed as
 * text and as one JSON object (the line starting BENCH-MEM-JSON, and --json FILE). A figure is
 * printed, never judged: exit 0, 1 when an operation failed, 2 for a setup error. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vnic/vnic.h"

extern char **environ;

static struct {
    const char *root;
    const char *vnicsh;
    const char *remote;
    const char *json;
    long vnicd_pid;
    int ifaces;
    int domains;
    long churn;
} opt = {.ifaces = 1024, .domains = 32};

static char json[8192];
static size_t json_len;
static int failures;

static void jadd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void jadd(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(json + json_len, sizeof(json) - json_len, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof(json) - json_len)
        json_len += (size_t)n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmRSS of PID in KiB, -1 if unknown. */
static long rss_kib(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    long kib = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* Run vnicsh with ARGS; its peak RSS in KiB (ru_maxrss), -1 if it failed. */
static long run_vnicsh(const char *uri, const char *cmd, const char *arg)
{
    char *argv[] = {(char *)opt.vnicsh, (char *)"-c", (char *)uri, (char *)cmd, (char *)arg, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int r = posix_spawn(&pid, opt.vnicsh, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (r != 0) {
        fprintf(stderr, "vnic-mem-bench: cannot run %s: %s\n", opt.vnicsh, strerror(r));
        return -1;
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "vnic-mem-bench: vnicsh %s %s failed\n", cmd, arg ? arg : "");
        return -1;
    }
    return ru.ru_maxrss;
}

static void vnicsh_peak(void)
{
    char uri[4200], path[4200];
    snprintf(uri, sizeof(uri), "vnic:///embed?root=%s/mem", opt.root);
    snprintf(path, sizeof(path), "%s/mem-bench.xml", opt.root);
    FILE *f = fopen(path, "we");
    if (!f) {
        fprintf(stderr, "vnic-mem-bench: cannot write %s\n", path);
        exit(2);
    }
    fprintf(f, "<domain>\n  <name>mem-bench</name>\n  <devices>\n");
    for (int i = 0; i < opt.ifaces; i++)
        fprintf(f, "    <interface type='ethernet'><target dev='bmt%%d'/>"
                   "<model type='virtio'/></interface>\n");
    fprintf(f, "  </devices>\n</domain>\n");
    fclose(f);

    long list = run_vnicsh(uri, "list", NULL);
    long create = run_vnicsh(uri, "create", path);
    long destroy = run_vnicsh(uri, "destroy", "mem-bench");
    unlink(path);
    if (list < 0 || create < 0 || destroy < 0) {
        failures++;
        jadd("\"vnicsh\":{\"error\":\"vnicsh failed\"}");
        return;
    }
    double per_if = (double)(create - list) * 1024.0 / opt.ifaces;
    printf("Peak RSS of vnicsh (ru_maxrss):\n"
           "  list (an empty store):          %6ld KiB\n"
           "  create of %4d taps:            %6ld KiB (%.0f bytes per interface over list)\n"
           "  destroy of them:                %6ld KiB\n",
           list, opt.ifaces, create, per_if, destroy);
    jadd("\"vnicsh\":{\"interfaces\":%d,\"list_peak_kib\":%ld,\"create_peak_kib\":%ld,"
         "\"destroy_peak_kib\":%ld,\"create_bytes_per_if\":%.0f}",
         opt.ifaces, list, create, destroy, per_if);
}

static const char one_tap[] = "<domain><name>%s</name><devices><interface type='ethernet'>"
                              "<target dev='%s%%d'/><model type='virtio'/></interface>"
                              "</devices></domain>";

static int create_one(vnic_conn *c, const char *name, const char *prefix)
{
    char xml[512];
    snprintf(xml, sizeof(xml), one_tap, name, prefix);
    vnic_error *err = NULL;
    if (vnic_domain_create_xml(c, xml, NULL, 0, NULL, NULL, &err) < 0) {
        fprintf(stderr, "vnic-mem-bench: create %s: %s\n", name, err->message);
        vnic_error_free(err);
        return -1;
    }
    return 0;
}

static int destroy_one(vnic_conn *c, const char *name)
{
    vnic_error *err = NULL;
    if (vnic_domain_destroy(c, name, &err) < 0) {
        fprintf(stderr, "vnic-mem-bench: destroy %s: %s\n", name, err->message);
        vnic_error_free(err);
        return -1;
    }
    return 0;
}

/* vnicd's RSS before, with K active one-tap domains, and after they are destroyed. */
static void daemon_per_domain(vnic_conn *c)
{
    long before = rss_kib(opt.vnicd_pid);
    int made = 0;
    char name[64];
    for (; made < opt.domains; made++) {
        snprintf(name, sizeof(name), "mem-%d", made);
        if (create_one(c, name, "bmd") < 0)
            break;
    }
    long active = rss_kib(opt.vnicd_pid);
    for (int i = 0; i < made; i++) {
        snprintf(name, sizeof(name), "mem-%d", i);
        if (destroy_one(c, name) < 0)
            failures++;
    }
    long after = rss_kib(opt.vnicd_pid);
    if (made < opt.domains || before < 0 || active < 0) {
        failures++;
        jadd(",\"vnicd\":{\"error\":\"create failed\"}");
        return;
    }
    double per = (double)(active - before) * 1024.0 / made;
    printf("vnicd RSS (VmRSS):\n"
           "  before:                         %6ld KiB\n"
           "  with %3d active domains:        %6ld KiB (%.0f bytes per active domain)\n"
           "  after destroying them:          %6ld KiB\n",
           before, made, active, per, after);
    jadd(",\"vnicd\":{\"domains\":%d,\"rss_before_kib\":%ld,\"rss_active_kib\":%ld,"
         "\"rss_after_kib\":%ld,\"bytes_per_domain\":%.0f}",
         made, before, active, after, per);
}

/* OPS operations through vnicd; RSS sampled at 10% (after the warm-up) and at the end. */
static void churn(vnic_conn *c)
{
    static const char def[] = "<domain><name>churn</name><devices><interface type='ethernet'>"
                              "<model type='virtio'/></interface></devices></domain>";
    long ops = 0, warm_at = opt.churn / 10, rss_start = rss_kib(opt.vnicd_pid), rss_warm = -1;
    double t0 = now_s();
    vnic_error *err = NULL;
    for (long round = 0; ops < opt.churn; round++) {
        if (rss_warm < 0 && ops >= warm_at)
            rss_warm = rss_kib(opt.vnicd_pid);
        vnic_domain_info *info = NULL, **list = NULL;
        size_t n = 0;
        char *xml = NULL;
        if (vnic_domain_define_xml(c, def, NULL, 0, &info, NULL, &err) < 0 ||
            (vnic_domain_info_free(info), info = NULL,
             vnic_domain_lookup(c, "churn", &info, &err) < 0) ||
            !(xml = vnic_domain_get_xml(c, "churn", VNIC_XML_INACTIVE, &err)) ||
            vnic_domain_list(c, 0, &list, &n, &err) < 0 ||
            vnic_domain_undefine(c, "churn", 0, &err) < 0) {
            fprintf(stderr, "vnic-mem-bench: churn: %s\n", err ? err->message : "?");
            vnic_error_free(err);
            vnic_domain_info_free(info);
            free(xml);
            failures++;
            return;
        }
        vnic_domain_info_free(info);
        vnic_domain_info_list_free(list, n);
        free(xml);
        ops += 5;
        if (round % 50 == 49) {
            if (create_one(c, "churn-run", "bmc") < 0) {
                failures++;
                return;
            }
            int *q = NULL;
            size_t *counts = NULL, nifaces = 0, nfds = 0;
            if (vnic_domain_open_all_queues(c, "churn-run", &q, &counts, &nifaces, &err) < 0) {
                fprintf(stderr, "vnic-mem-bench: open: %s\n", err->message);
                vnic_error_free(err);
                err = NULL;
                failures++;
            }
            for (size_t i = 0; i < nifaces; i++)
                nfds += counts[i];
            for (size_t i = 0; i < nfds; i++)
                close(q[i]);
            free(q);
            free(counts);
            if (destroy_one(c, "churn-run") < 0)
                failures++;
            ops += 3;
        }
    }
    double secs = now_s() - t0;
    long rss_end = rss_kib(opt.vnicd_pid);
    double growth = (double)(rss_end - rss_warm) * 1024.0 / (double)(ops - warm_at);
    printf("vnicd over %ld operations (%.1f s): RSS %ld KiB at the start, %ld KiB after %ld "
           "(warm-up), %ld KiB at the end: %.1f bytes per operation after the warm-up\n",
           ops, secs, rss_start, rss_warm, warm_at, rss_end, growth);
    jadd(",\"churn\":{\"operations\":%ld,\"seconds\":%.1f,\"rss_start_kib\":%ld,"
         "\"rss_warm_kib\":%ld,\"warm_ops\":%ld,\"rss_end_kib\":%ld,\"bytes_per_op\":%.1f}",
         ops, secs, rss_start, rss_warm, warm_at, rss_end, growth);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: vnic-mem-bench --root DIR --vnicsh PATH [options]\n"
               "  --interfaces N    taps in the domain vnicsh creates (default 1024)\n"
               "  --remote URI      vnicd's URI, with --vnicd-pid PID: vnicd's RSS\n"
               "  --domains K       active domains for vnicd's RSS per domain (default 32)\n"
               "  --churn OPS       OPS operations through vnicd, RSS growth (opt-in)\n"
               "  --json FILE       the JSON object, also written to FILE\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"root", required_argument, NULL, 'r'},
        {"vnicsh", required_argument, NULL, 's'},
        {"remote", required_argument, NULL, 'R'},
        {"vnicd-pid", required_argument, NULL, 'p'},
        {"interfaces", required_argument, NULL, 'n'},
        {"domains", required_argument, NULL, 'd'},
        {"churn", required_argument, NULL, 'c'},
        {"json", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            opt.root = optarg;
            break;
        case 's':
            opt.vnicsh = optarg;
            break;
        case 'R':
            opt.remote = optarg;
            break;
        case 'p':
            opt.vnicd_pid = strtol(optarg, NULL, 10);
            break;
        case 'n':
            opt.ifaces = atoi(optarg);
            break;
        case 'd':
            opt.domains = atoi(optarg);
            break;
        case 'c':
            opt.churn = strtol(optarg, NULL, 10);
            break;
        case 'j':
            opt.json = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!opt.root || !opt.vnicsh || opt.ifaces < 1 || opt.ifaces > 4096 || opt.domains < 1 ||
        opt.domains > 1024 || opt.churn < 0) {
        usage(stderr);
        return 2;
    }

    printf("\nMemory (peak and resident set sizes, KiB):\n");
    jadd("{\"benchmark\":\"vnic-mem\",");
    vnicsh_peak();
    if (opt.remote && opt.vnicd_pid > 0) {
        vnic_conn *rc = NULL;
        vnic_error *err = NULL;
        if (vnic_conn_open(opt.remote, &rc, &err) < 0) {
            fprintf(stderr, "vnic-mem-bench: %s: %s\n", opt.remote, err->message);
            vnic_error_free(err);
            return 2;
        }
        daemon_per_domain(rc);
        if (opt.churn > 0)
            churn(rc);
        vnic_conn_close(rc);
    }
    jadd("}");
    printf("BENCH-MEM-JSON %s\n", json);
    if (opt.json) {
        FILE *f = fopen(opt.json, "we");
        if (f) {
            fprintf(f, "%s\n", json);
            fclose(f);
        }
    }
    return failures ? 1 : 0;
}
