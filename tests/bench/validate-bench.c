/* Validation benchmark: the time and peak memory of parsing and validating a domain of N
 * interfaces (vnic_domain_def_parse_string, schema included), for N = 10, 100, 1000, 10,000,
 * with unique interfaces and with every interface sharing one MAC, target and alias. Each
 * measurement runs in a child process of its own, so that its peak RSS is its own. Printed:
 * per-interface cost and its ratio to the 10-interface figure of the same run (linear growth
 * gives ratios near 1). A benchmark, not a test: nothing is enforced.
 *
 * Then the fixed cost of a small document: one interface parsed back to back (caches warm)
 * and after 20 ms of sleep each (as between two operations of a host: caches cold), with and
 * without the schema, medians of 101; ratios against the warm parse with the schema.
 *
 *   vnic-validate-bench [--sizes 10,100,1000,10000] [--json FILE] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vnic/vnic.h>

typedef struct {
    double seconds; /* per parse */
    long rss_kb;    /* peak RSS growth during the parses */
    long diags;     /* diagnostics of one parse */
} result;

static char *make_domain(size_t n, int dup)
{
    size_t cap = 256 + n * 200, len = 0;
    char *s = malloc(cap);
    if (!s)
        abort();
    len += (size_t)snprintf(s + len, cap - len,
                            "<domain type='kvm'>\n<name>bench</name>\n<devices>\n");
    for (size_t i = 0; i < n; i++) {
        if (dup)
            len += (size_t)snprintf(s + len, cap - len,
                                    "<interface type='ethernet'><mac address='52:54:00:00:00:01'/>"
                                    "<target dev='tap0'/><alias name='ua-x'/></interface>\n");
        else
            len += (size_t)snprintf(
                s + len, cap - len,
                "<interface type='ethernet'><mac address='52:54:00:%02zx:%02zx:%02zx'/>"
                "<target dev='t%zu'/><alias name='ua-%zu'/></interface>\n",
                (i >> 16) & 255, (i >> 8) & 255, i & 255, i, i);
    }
    snprintf(s + len, cap - len, "</devices>\n</domain>\n");
    return s;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static long parse_flags(const char *xml, unsigned flags)
{
    vnic_domain_def *def = NULL;
    vnic_diag_list diags = {0};
    vnic_error *err = NULL;
    vnic_domain_def_parse_string(xml, "bench.xml", flags, &def, &diags, &err);
    long n = (long)diags.count;
    vnic_domain_def_free(def);
    vnic_diag_clear(&diags);
    vnic_error_free(err);
    return n;
}

static long parse_once(const char *xml)
{
    return parse_flags(xml, 0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define SMALL_REPS 101

/* The median time of one parse of XML with FLAGS, each after IDLE_US of sleep (0: none). */
static double small_median(const char *xml, unsigned flags, unsigned idle_us)
{
    double t[SMALL_REPS];
    parse_flags(xml, flags);
    for (int i = 0; i < SMALL_REPS; i++) {
        if (idle_us)
            usleep(idle_us);
        double t0 = now();
        parse_flags(xml, flags);
        t[i] = now() - t0;
    }
    qsort(t, SMALL_REPS, sizeof(t[0]), cmp_double);
    return t[SMALL_REPS / 2];
}

/* In the child: warm up (the schema is compiled once per process), then parse enough times
 * to measure small documents. */
static void measure_child(size_t n, int dup, int fd)
{
    char *small = make_domain(1, 0);
    parse_once(small);
    free(small);
    char *xml = make_domain(n, dup);
    long before = maxrss_kb();
    int reps = n >= 10000 ? 3 : (int)(20000 / n);
    long diags = 0;
    double t0 = now();
    for (int r = 0; r < reps; r++)
        diags = parse_once(xml);
    result res = {.seconds = (now() - t0) / reps, .rss_kb = maxrss_kb() - before, .diags = diags};
    free(xml);
    if (write(fd, &res, sizeof(res)) != sizeof(res))
        _exit(1);
    _exit(0);
}

static int measure(size_t n, int dup, result *ret)
{
    int pfd[2];
    if (pipe(pfd) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(pfd[0]);
        measure_child(n, dup, pfd[1]);
    }
    close(pfd[1]);
    ssize_t r = read(pfd[0], ret, sizeof(*ret));
    close(pfd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return r == (ssize_t)sizeof(*ret) && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    size_t sizes[16] = {10, 100, 1000, 10000};
    size_t nsizes = 4;
    const char *json = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
            nsizes = 0;
            for (char *tok = strtok(argv[++i], ","); tok && nsizes < 16; tok = strtok(NULL, ","))
                sizes[nsizes++] = strtoul(tok, NULL, 10);
        } else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
            json = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--sizes N,N,...] [--json FILE]\n", argv[0]);
            return 2;
        }
    }
    if (nsizes == 0 || sizes[0] == 0)
        return 2;

    FILE *jf = json ? fopen(json, "we") : NULL;
    if (jf)
        fprintf(jf, "[");
    printf(
        "validation of a domain of N interfaces (parse + checks + schema), per interface;\n"
        "time ratio: against N=%zu in this run; memory ratio: against the first N whose peak RSS\n"
        "grew measurably (linear growth: ratios near 1)\n\n",
        sizes[0]);
    printf("%-7s %7s %12s %10s %7s %12s %12s %7s %7s\n", "kind", "N", "ms/parse", "us/iface",
           "ratio", "peak RSS KB", "bytes/iface", "ratio", "diags");
    int failed = 0;
    for (int dup = 0; dup <= 1; dup++) {
        double base_t = 0, base_m = 0;
        for (size_t k = 0; k < nsizes; k++) {
            result r;
            if (measure(sizes[k], dup, &r) < 0) {
                printf("%-7s %7zu failed\n", dup ? "dup" : "unique", sizes[k]);
                failed = 1;
                continue;
            }
            double per_t = r.seconds / (double)sizes[k];
            /* Peak RSS grows in pages and from the allocator's arenas: small N round to 0. */
            double per_m = (double)r.rss_kb * 1024.0 / (double)sizes[k];
            if (k == 0)
                base_t = per_t;
            /* Memory: against the first size whose growth shows at all. */
            if (base_m == 0)
                base_m = per_m;
            char mratio[16] = "-";
            if (base_m > 0)
                snprintf(mratio, sizeof(mratio), "%.2f", per_m / base_m);
            printf("%-7s %7zu %12.3f %10.2f %7.2f %12ld %12.0f %7s %7ld\n", dup ? "dup" : "unique",
                   sizes[k], r.seconds * 1e3, per_t * 1e6, per_t / base_t, r.rss_kb, per_m, mratio,
                   r.diags);
            if (jf)
                fprintf(jf,
                        "%s{\"kind\":\"%s\",\"n\":%zu,\"seconds\":%.6f,\"us_per_iface\":%.3f,"
                        "\"time_ratio\":%.3f,\"peak_rss_kb\":%ld,\"diags\":%ld}",
                        (dup || k) ? "," : "", dup ? "dup" : "unique", sizes[k], r.seconds,
                        per_t * 1e6, per_t / base_t, r.rss_kb, r.diags);
        }
    }

    /* The fixed cost of a one-interface document, warm and cold. */
    char *one = make_domain(1, 0);
    static const struct {
        const char *kind;
        unsigned flags, idle_us;
    } small[] = {
        {"one-warm", 0, 0},
        {"one-cold", 0, 20000},
        {"one-warm-noschema", VNIC_PARSE_NO_SCHEMA, 0},
        {"one-cold-noschema", VNIC_PARSE_NO_SCHEMA, 20000},
    };
    printf("\none interface, median of %d parses; cold: each after 20 ms of sleep\n\n", SMALL_REPS);
    printf("%-18s %10s %7s\n", "kind", "us/parse", "ratio");
    double warm = 0;
    for (size_t k = 0; k < sizeof(small) / sizeof(small[0]); k++) {
        double t = small_median(one, small[k].flags, small[k].idle_us);
        if (k == 0)
            warm = t;
        printf("%-18s %10.1f %7.2f\n", small[k].kind, t * 1e6, t / warm);
        if (jf)
            fprintf(jf,
                    ",{\"kind\":\"%s\",\"n\":1,\"seconds\":%.7f,\"us_per_iface\":%.3f,"
                    "\"time_ratio\":%.3f,\"peak_rss_kb\":0,\"diags\":0}",
                    small[k].kind, t, t * 1e6, t / warm);
    }
    free(one);

    if (jf) {
        fprintf(jf, "]\n");
        fclose(jf);
    }
    return failed;
}
