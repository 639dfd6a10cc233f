#include "config.h"

#include "json.h"

void vnic_json_init(vnic_json *j, FILE *out)
{
    *j = (vnic_json){.out = out};
}

void vnic_json_init_compact(vnic_json *j, FILE *out)
{
    *j = (vnic_json){.out = out, .compact = true};
}

static void write_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void item(vnic_json *j, const char *key)
{
    if (j->need_comma[j->depth])
        fputs(j->compact ? ", " : ",", j->out);
    j->need_comma[j->depth] = true;
    if (j->depth > 0 && !j->compact) {
        fputc('\n', j->out);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->out);
    }
    if (key) {
        write_string(j->out, key);
        fputs(": ", j->out);
    }
}

static void open_(vnic_json *j, const char *key, char c)
{
    item(j, key);
    fputc(c, j->out);
    if (j->depth < 31)
        j->depth++;
    j->need_comma[j->depth] = false;
}

static void close_(vnic_json *j, char c)
{
    bool had_items = j->need_comma[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (had_items && !j->compact) {
        fputc('\n', j->out);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->out);
    }
    fputc(c, j->out);
    if (j->depth == 0)
        fputc('\n', j->out);
}

void vnic_json_begin_object(vnic_json *j, const char *key)
{
    open_(j, key, '{');
}

void vnic_json_end_object(vnic_json *j)
{
    close_(j, '}');
}

void vnic_json_begin_array(vnic_json *j, const char *key)
{
    open_(j, key, '[');
}

void vnic_json_end_array(vnic_json *j)
{
    close_(j, ']');
}

void vnic_json_string(vnic_json *j, const char *key, const char *value)
{
    item(j, key);
    if (value)
        write_string(j->out, value);
    else
        fputs("null", j->out);
}

void vnic_json_int(vnic_json *j, const char *key, long long value)
{
    item(j, key);
    fprintf(j->out, "%lld", value);
}

void vnic_json_bool(vnic_json *j, const char *key, bool value)
{
    item(j, key);
    fputs(value ? "true" : "false", j->out);
}
