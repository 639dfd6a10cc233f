/* libvirt, loaded on first use (libvirt_sym.c). libvnic, vnicsh and vnicd do not link
 * libvirt.so: most processes that use vnic never launch through libvirt, and linking it would
 * map libvirt and its dozens of libraries into every one of them. The first operation that needs
 * libvirt loads it (dlopen of its SONAME) and looks up the functions below, once per process;
 * callers then reach them through vnic_virt(). libvirt's own headers still declare them, so a
 * pointer of the wrong type fails the build. */
#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "error.h"

/* The library loaded: the SONAME of libvirt's public API (stable since libvirt 0.x). */
#define VNIC_LIBVIRT_SONAME "libvirt.so.0"

/* Every libvirt function vnic calls, and nothing else. */
#define VNIC_VIRT_FUNCTIONS(X)                                                                     \
    X(virConnectClose)                                                                             \
    X(virConnectDomainEventDeregisterAny)                                                          \
    X(virConnectDomainEventRegisterAny)                                                            \
    X(virConnectOpen)                                                                              \
    X(virConnectRef)                                                                               \
    X(virConnectRegisterCloseCallback)                                                             \
    X(virConnectUnregisterCloseCallback)                                                           \
    X(virDomainAttachDeviceFlags)                                                                  \
    X(virDomainCreateXML)                                                                          \
    X(virDomainDestroy)                                                                            \
    X(virDomainDetachDeviceAlias)                                                                  \
    X(virDomainFree)                                                                               \
    X(virDomainGetName)                                                                            \
    X(virDomainGetUUIDString)                                                                      \
    X(virDomainGetXMLDesc)                                                                         \
    X(virDomainIsActive)                                                                           \
    X(virDomainLookupByName)                                                                       \
    X(virDomainLookupByUUIDString)                                                                 \
    X(virEventRegisterDefaultImpl)                                                                 \
    X(virEventRunDefaultImpl)                                                                      \
    X(virGetLastError)                                                                             \
    X(virGetLastErrorMessage)                                                                      \
    X(virResetLastError)                                                                           \
    X(virSetErrorFunc)

/* One pointer per function, named and typed as libvirt's header declares the function. */
typedef struct vnic_virt_table {
#define VNIC_VIRT_POINTER(fn) __typeof__(fn) *fn;
    VNIC_VIRT_FUNCTIONS(VNIC_VIRT_POINTER)
#undef VNIC_VIRT_POINTER
} vnic_virt_table;

/* Load libvirt if this process has not yet: 0 when the table is ready; else -ELIBACC with *err
 * (VNIC_ERR_UNSUPPORTED) naming the library and what the dynamic loader said, and nothing
 * kept (a later call tries again). Thread-safe; an operation that needs libvirt calls it before
 * it changes anything, so that a missing libvirt leaves nothing half-done. */
int vnic_virt_load(vnic_error **err);

/* The table, for calls: vnic_virt()->virDomainFree(d). Only after vnic_virt_load succeeded
 * (anyone holding a libvirt connection or domain has); a call before is a bug, and aborts. */
const vnic_virt_table *vnic_virt(void);
