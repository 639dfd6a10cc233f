/* The driver's side of the backend SDK (<vnic/backend.h>): how an internal interface
 * definition becomes the opaque view a backend module reads through accessors. */
#pragma once

#include <vnic/backend.h>

#include "iface_conf.h"

/* The view is the definition itself, wrapped so that only backend_iface.c sees inside. */
struct vnic_backend_iface {
    vnic_iface_def def;
};

static inline const vnic_backend_iface *vnic_backend_iface_of(const vnic_iface_def *def)
{
    return (const vnic_backend_iface *)def;
}

/* The SDK's type for an internal one, and back (the values are the same). */
static inline vnic_backend_type vnic_backend_type_of(vnic_iface_type type)
{
    return (vnic_backend_type)type;
}
