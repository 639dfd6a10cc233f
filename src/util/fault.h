/* The crash-test hook. vnic_fault_step marks a numbered step of a multi-step operation; with
 * VNIC_FAULT_KILL_AT=N in the environment (builds with -Dfault_injection=true only) the
 * process kills itself with SIGKILL at step N, and with VNIC_FAULT_TRACE set each step is
 * logged to stderr. Tests use it to prove every intermediate state on disk is recoverable.
 * With VNIC_FAULT_PAUSE_AT=WHAT the process sleeps VNIC_FAULT_PAUSE_MS (default 3000) ms at
 * the step called WHAT, so that a test can make another process act at that point. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

void vnic_fault_step(const char *what);

/* Only the pause of vnic_fault_step: no step is counted, so a thread of a multi-threaded
 * process may call it (VNIC_FAULT_PAUSE_AT=WHAT, VNIC_FAULT_PAUSE_MS). */
void vnic_fault_pause(const char *what);

/* The failure hook: with VNIC_FAULT_FAIL=WHAT in the environment (fault injection builds
 * only), the system call the caller names WHAT is to fail; returns the errno to fail it with
 * (EAGAIN), else 0. For failures the tests cannot cause otherwise, such as fork as root. */
int vnic_fault_fail(const char *what);

/* The random part of a generated MAC address: with VNIC_FAULT_RANDOM_MAC=HHHHHH[,HHHHHH...]
 * in the environment (fault injection builds only), the Nth call of the process takes the Nth
 * value of the list and returns true; false without it or after the list. For the
 * collisions of random addresses, which the tests cannot wait for. */
bool vnic_fault_random_mac(uint8_t ret[3]);
