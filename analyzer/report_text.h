/* Text report: the human-readable form of a scan, grouped by module and function. */
#ifndef CONFINE_REPORT_TEXT_H
#define CONFINE_REPORT_TEXT_H

#include <stdbool.h>
#include "findings.h"

struct text_options {
	bool color;         /* ANSI colours (the CLI sets it for a terminal without NO_COLOR) */
	bool show_ignored;  /* list the data that is not a finding, with the reason */
	bool show_protected; /* also list protected state (lock, atomic, once, signal flag) */
};

/* Renders every module, then a summary line. Returns a malloc'd string, NULL when out of memory. */
char *report_text_render(struct module_report *const *mods, size_t n, const struct text_options *o);

#endif
