/* A small streaming JSON writer for the tools' --json output. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

typedef struct vnic_json {
    FILE *out;
    int depth;
    bool need_comma[32];
    bool compact; /* everything on one line (JSON Lines) */
} vnic_json;

void vnic_json_init(vnic_json *j, FILE *out);
/* One value per line, without indentation: for streams such as events. */
void vnic_json_init_compact(vnic_json *j, FILE *out);
void vnic_json_begin_object(vnic_json *j, const char *key);
void vnic_json_end_object(vnic_json *j);
void vnic_json_begin_array(vnic_json *j, const char *key);
void vnic_json_end_array(vnic_json *j);
/* key is NULL inside arrays. A NULL string is written as null. */
void vnic_json_string(vnic_json *j, const char *key, const char *value);
void vnic_json_int(vnic_json *j, const char *key, long long value);
void vnic_json_bool(vnic_json *j, const char *key, bool value);
