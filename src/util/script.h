/* Running an administrator's script (libvirt's <script> and <downscript>): only a file that
 * root alone could have put in place (and that only root could replace between the check and
 * the exec), with the device's name as its one argument, a minimal environment, no shell, and
 * a time limit. */
#pragma once

#include "error.h"

/* How long a script may run unless $VNIC_SCRIPT_TIMEOUT (seconds, 1-3600) says otherwise. */
#define VNIC_SCRIPT_TIMEOUT_S 30

/* Open PATH (absolute) for execution as a script, as an O_PATH fd (O_CLOEXEC) in *ret_fd.
 * Refused, saying which component and why: a symbolic link anywhere on the way; a directory
 * or the file not owned by root; a directory writable by group or others without the sticky
 * bit (with it, nobody but root can replace the root-owned entry below); a file writable by
 * group or others, not a regular file, or not executable by its owner. */
int vnic_script_open(const char *path, int *ret_fd, vnic_error **err);

/* Run the script at PATH (checked with vnic_script_open) with ARG, in a process group of its
 * own, stdin /dev/null, its output captured (the end of it goes into the error message), the
 * environment PATH=... alone. It must exit 0 within the time limit; on expiry its process
 * group is killed. */
int vnic_script_run(const char *path, const char *arg, vnic_error **err);
