/* What a start pays for the domains already running: the start of a one-tap domain (its
 * vnic_domain_create_xml, then destroyed untimed) on one connection with no other domain, then
 * with K one-tap domains running. Run through run-bench.sh, in a namespace of its own:
 *
 *   tests/bench/run-bench.sh build/tests/bench/vnic-start-many build/src/backends \
 *       [--domains K] [--reps R]
 *
 * Prints the median of R starts for each, and their difference. Exit 1 if vnic failed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <vnic/vnic.h>

static vnic_conn *conn;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vnic-start-many: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void start(const char *name, const char *dev)
{
    char xml[512];
    snprintf(xml, sizeof(xml),
             "<domain><name>%s</name><devices><interface type='ethernet'><target dev='%s'/>"
             "<model type='virtio'/></interface></devices></domain>",
             name, dev);
    vnic_error *err = NULL;
    if (vnic_domain_create_xml(conn, xml, NULL, 0, NULL, NULL, &err) < 0)
        die("cannot start %s: %s", name, err && err->message ? err->message : "failed");
}

static void stop(const char *name)
{
    vnic_error *err = NULL;
    if (vnic_domain_destroy(conn, name, &err) < 0)
        die("cannot destroy %s: %s", name, err && err->message ? err->message : "failed");
}

/* The median of reps starts of the probe domain, in µs. */
static double probe(int reps)
{
    double *t = calloc((size_t)reps, sizeof(*t));
    if (!t)
        die("out of memory");
    for (int i = 0; i < reps; i++) {
        double t0 = now_us();
        start("probe", "sm-probe");
        t[i] = now_us() - t0;
        stop("probe");
    }
    qsort(t, (size_t)reps, sizeof(*t), cmp_double);
    double m = t[reps / 2];
    free(t);
    return m;
}

int main(int argc, char **argv)
{
    const char *root = NULL;
    int domains = 200, reps = 31;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--root") && i + 1 < argc)
            root = argv[++i];
        else if (!strcmp(argv[i], "--domains") && i + 1 < argc)
            domains = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--lower") && i + 1 < argc)
            i++; /* run-bench.sh's; no macvtaps here */
        else
            die("usage: vnic-start-many --root DIR [--domains K] [--reps R]");
    }
    if (!root || domains < 0 || domains > 10000 || reps < 1)
        die("usage: vnic-start-many --root DIR [--domains K] [--reps R]");
    /* Never on the host's own devices: the namespace must be another than process 1's. */
    struct stat self, init;
    if (stat("/proc/self/ns/net", &self) == 0 && stat("/proc/1/ns/net", &init) == 0 &&
        self.st_ino == init.st_ino && self.st_dev == init.st_dev)
        die("refusing to run in the network namespace of process 1; use run-bench.sh");

    char uri[4200];
    snprintf(uri, sizeof(uri), "vnic:///embed?root=%s/state", root);
    vnic_error *err = NULL;
    if (vnic_conn_open(uri, &conn, &err) < 0)
        die("cannot open %s: %s", uri, err && err->message ? err->message : "failed");

    double alone = probe(reps);
    char name[32], dev[32];
    for (int i = 0; i < domains; i++) {
        snprintf(name, sizeof(name), "sm%d", i);
        snprintf(dev, sizeof(dev), "sm-t%d", i);
        start(name, dev);
    }
    double many = probe(reps);
    for (int i = 0; i < domains; i++) {
        snprintf(name, sizeof(name), "sm%d", i);
        stop(name);
    }
    printf("start of one tap, median of %d: %.0f us with no other domain, %.0f us with %d "
           "(+%.0f us)\n",
           reps, alone, many, domains, many - alone);
    vnic_conn_close(conn);
    return 0;
}
