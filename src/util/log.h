/* Logging to stderr for debugging. The level comes from VNIC_DEBUG (0-3, or a name) or from
 * the tools' --debug switch. Log lines are for developers and are not translated; messages
 * for users go through vnic_error and the tools. */
#pragma once

typedef enum {
    VNIC_LOG_ERROR = 0,
    VNIC_LOG_WARNING,
    VNIC_LOG_INFO,
    VNIC_LOG_DEBUG,
    VNIC_LOG_LAST
} vnic_log_level;

/* Read VNIC_DEBUG again (the first use reads it anyway); harmless to call again. */
void vnic_log_init(void);
void vnic_log_set_level(vnic_log_level level);
vnic_log_level vnic_log_get_level(void);
/* Parse "0".."3" or "error", "warning", "info", "debug"; -1 if neither. */
int vnic_log_level_from_string(const char *s);

void vnic_log(vnic_log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define VNIC_DEBUG(...) vnic_log(VNIC_LOG_DEBUG, __func__, __VA_ARGS__)
#define VNIC_INFO(...) vnic_log(VNIC_LOG_INFO, __func__, __VA_ARGS__)
#define VNIC_WARN(...) vnic_log(VNIC_LOG_WARNING, __func__, __VA_ARGS__)
