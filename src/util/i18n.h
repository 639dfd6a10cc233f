/* Translation helpers: every user-facing string goes through _() or N_(). */
#pragma once

#include <libintl.h>

#define _(s) dgettext(GETTEXT_PACKAGE, s)
#define N_(s) s

/* Bind the text domain; honours VNIC_LOCALEDIR so tests can use the build tree. */
void vnic_i18n_init(void);
