/* The crash-test hook: kill the process at a chosen step of start or destroy, so that the
 * tests can prove every intermediate state on disk is recoverable. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
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
