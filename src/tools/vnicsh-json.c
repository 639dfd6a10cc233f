/* vnicsh's JSON objects for what several commands print: a domain (list, create, define,
 * start) and an interface with its host device (domiflist, create, define, start,
 * attach-interface). One builder each, so that the same thing has the same fields everywhere
 * (vnicsh(1), OUTPUT, documents them). */
#include "config.h"

#include "vnicsh.h"

json_object *json_interface_info(const vnic_interface_info *f)
{
    json_object *j = json_object_new_object();
    json_add_int(j, "index", f->index);
    json_add_string(j, "alias", f->alias);
    json_add_string(j, "type", f->type);
    json_add_string(j, "backend", f->backend);
    json_add_string(j, "device", f->name);
    json_add_int(j, "ifindex", f->ifindex);
    json_add_string(j, "source", f->source);
    json_add_string(j, "mode", f->mode);
    json_add_string(j, "mac", f->mac);
    json_add_string(j, "host_mac", f->host_mac);
    json_add_string(j, "model", f->model);
    json_add_int(j, "mtu", f->mtu);
    json_add_int(j, "queues", f->queues);
    json_add_bool(j, "vnet_hdr", f->vnet_hdr);
    json_add_bool(j, "managed", f->managed);
    return j;
}

json_object *json_domain_info(const vnic_domain_info *info, bool devices)
{
    json_object *j = json_object_new_object();
    json_add_string(j, "name", info->name);
    json_add_string(j, "uuid", info->uuid);
    json_add_string(j, "state", info->state);
    json_add_bool(j, "persistent", info->persistent);
    json_add_int(j, "interfaces", (long long)info->ninterfaces);
    if (devices) {
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < info->ninterfaces; i++)
            json_object_array_add(arr, json_interface_info(info->interfaces[i]));
        json_object_object_add(j, "devices", arr);
    }
    return j;
}

void print_domain_json(const vnic_domain_info *info)
{
    _cleanup_json_ json_object *j = json_domain_info(info, true);
    print_json(j, true);
}
