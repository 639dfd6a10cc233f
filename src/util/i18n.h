/* Translation helpers: every user-facing string goes through _() or N_(). */
#pragma once

#include <libintl.h>

#define _(s) vnic_gettext(s)
#define N_(s) s

/* Bind the text domain; honours VNIC_LOCALEDIR so tests can use the build tree. */
void vnic_i18n_init(void);

/* MSGID's translation, or MSGID itself when the translation's printf directives would take
 * other arguments than MSGID's (or use %n): a catalogue cannot make a format string crash
 * vnic. The result is static (the catalogue's or MSGID). */
const char *vnic_gettext(const char *msgid) __attribute__((format_arg(1)));
