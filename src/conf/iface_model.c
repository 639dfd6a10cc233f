/* What a NIC model means to the host side: virtio or not, the virtio-net header, how many
 * queues and whether vhost-net. Model names compare without regard to case, as libvirt compares
 * them; the name is kept as written for the XML. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "iface_conf.h"
#include "strutil.h"

bool vnic_model_is_virtio(const char *model)
{
    return model && strncasecmp(model, "virtio", strlen("virtio")) == 0;
}

bool vnic_model_uses_vnet_hdr(const char *model)
{
    static const char *const models[] = {"e1000e", "igb", "vmxnet3"};
    if (vnic_model_is_virtio(model))
        return true;
    for (size_t i = 0; model && i < ELEMENTSOF(models); i++)
        if (strcasecmp(models[i], model) == 0)
            return true;
    return false;
}

unsigned vnic_iface_def_queues(const vnic_iface_def *def)
{
    return def->queues && vnic_model_is_virtio(def->model) ? def->queues : 1;
}

bool vnic_iface_def_vhost(const vnic_iface_def *def)
{
    return def->driver_name == VNIC_DRIVER_VHOST && vnic_model_is_virtio(def->model) &&
           !def->domain_not_kvm;
}
