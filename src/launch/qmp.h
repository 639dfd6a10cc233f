/* A small QMP client (QEMU Machine Protocol, JSON over a unix socket), enough to pass fds and
 * hot-plug network devices. JSON is handled by json-c. */
#pragma once

#include <json-c/json.h>

#include "error.h"

typedef struct vnic_qmp vnic_qmp;

/* Connect to a QMP socket, read the greeting and leave negotiation mode. */
int vnic_qmp_open(const char *path, vnic_qmp **ret, vnic_error **err);
void vnic_qmp_close(vnic_qmp *q);

/* Execute a command with ARGS (may be NULL; not taken over), passing FD with SCM_RIGHTS if
 * FD >= 0. On success *ret (if not NULL) is the "return" value (caller puts it); a QMP error
 * becomes *err with QEMU's description. Events that arrive meanwhile are kept for
 * vnic_qmp_wait_event. */
int vnic_qmp_execute(vnic_qmp *q, const char *command, json_object *args, int fd, json_object **ret,
                     vnic_error **err);

/* Wait up to timeout_ms for EVENT whose data.device is DEVICE (NULL: any). */
int vnic_qmp_wait_event(vnic_qmp *q, const char *event, const char *device, int timeout_ms,
                        vnic_error **err);
