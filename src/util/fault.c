/* The crash-test hook: kill the process at a chosen step of start or destroy, so that the
 * tests can prove every intermediate state on disk is recoverable; or pause there, so that
 * they can make another process act at that point. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "strutil.h"

#define FAULT_COUNT_ENV "VNIC_FAULT_STEPS_DONE"

void vnic_fault_step(const char *what)
{
#ifdef VNIC_FAULT_INJECTION
    const char *trace = secure_getenv("VNIC_FAULT_TRACE");
    const char *env = secure_getenv("VNIC_FAULT_KILL_AT");
    if (trace || env) {
        /* The steps are counted across the whole process, but libvnic and every backend
         * module carry their own copy of this file (a module links no private symbol of
         * libvnic): the count lives in the environment, as "PID:STEPS", the one place the
         * copies share. The pid makes a child (a launcher's command, another vnicsh) count
         * from 0 again. Only a process that asked for a trace or a kill pays for it, and
         * must then be single-threaded (setenv). */
        char own[64];
        unsigned long step = 0;
        int plen = snprintf(own, sizeof(own), "%ld:", (long)getpid());
        const char *count = getenv(FAULT_COUNT_ENV);
        if (count && strncmp(count, own, (size_t)plen) == 0 &&
            vnic_parse_uint(count + plen, 0, ~0UL - 1, &step) < 0)
            step = 0;
        step++;
        snprintf(own + plen, sizeof(own) - (size_t)plen, "%lu", step);
        setenv(FAULT_COUNT_ENV, own, 1);
        if (trace)
            fprintf(stderr, "vnic-fault-step %lu %s\n", step, what);
        unsigned long at;
        if (env && vnic_parse_uint(env, 1, ~0UL, &at) == 0 && at == step)
            kill(getpid(), SIGKILL);
    }
    vnic_fault_pause(what);
#else
    (void)what;
#endif
}

void vnic_fault_pause(const char *what)
{
#ifdef VNIC_FAULT_INJECTION
    /* A pause at the step called WHAT: another process can act at that exact point (a race
     * made deterministic). */
    const char *pause = secure_getenv("VNIC_FAULT_PAUSE_AT");
    if (pause && vnic_streq(pause, what)) {
        const char *ms_env = secure_getenv("VNIC_FAULT_PAUSE_MS");
        unsigned long ms = 3000;
        if (ms_env)
            (void)vnic_parse_uint(ms_env, 0, 600000, &ms);
        struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
                              .tv_nsec = (long)(ms % 1000) * 1000000};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
    }
#else
    (void)what;
#endif
}

int vnic_fault_fail(const char *what)
{
#ifdef VNIC_FAULT_INJECTION
    const char *env = secure_getenv("VNIC_FAULT_FAIL");
    return env && vnic_streq(env, what) ? EAGAIN : 0;
#else
    (void)what;
    return 0;
#endif
}

bool vnic_fault_random_mac(uint8_t ret[3])
{
#ifdef VNIC_FAULT_INJECTION
    static unsigned calls;
    const char *env = secure_getenv("VNIC_FAULT_RANDOM_MAC");
    if (!env || !*env)
        return false;
    unsigned k = __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
    for (; k > 0; k--) {
        const char *c = strchr(env, ',');
        if (!c)
            return false; /* the list is used up: random again */
        env = c + 1;
    }
    char hex[7];
    unsigned long v;
    size_t len = strcspn(env, ",");
    if (len != 6)
        return false;
    memcpy(hex, env, 6);
    hex[6] = '\0';
    char *end;
    v = strtoul(hex, &end, 16);
    if (*end)
        return false;
    ret[0] = (uint8_t)(v >> 16);
    ret[1] = (uint8_t)(v >> 8);
    ret[2] = (uint8_t)v;
    return true;
#else
    (void)ret;
    return false;
#endif
}
