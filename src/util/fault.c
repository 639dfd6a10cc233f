/* The crash-test hook: kill the process at a chosen step of start or destroy, so that the
 * tests can prove every intermediate state on disk is recoverable; or pause there, so that
 * they can make another process act at that point. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "strutil.h"

void vnic_fault_step(const char *what)
{
#ifdef VNIC_FAULT_INJECTION
    /* Steps are counted per process; atomic so that threads neither lose nor repeat one. */
    static atomic_ulong steps;
    unsigned long step = atomic_fetch_add(&steps, 1) + 1;
    if (secure_getenv("VNIC_FAULT_TRACE"))
        fprintf(stderr, "vnic-fault-step %lu %s\n", step, what);
    unsigned long at;
    const char *env = secure_getenv("VNIC_FAULT_KILL_AT");
    if (env && vnic_parse_uint(env, 1, ~0UL, &at) == 0 && at == step)
        kill(getpid(), SIGKILL);
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
