/* Text report: the human-readable form of a scan, grouped by module and function. */
#ifndef CONFINE_REPORT_TEXT_H
#define CONFINE_REPORT_TEXT_H

#include <stdbool.h>
#include <stdint.h>
#include "findings.h"

#define TEXT_ALL SIZE_MAX          /* no cap */
#define TEXT_DEFAULT_LIMIT 40      /* functions with findings (or states) listed per module */
#define TEXT_DEFAULT_VIA 10        /* functions reaching them through calls listed per module */

struct text_options {
	bool color;         /* ANSI colours (the CLI sets it for a terminal without NO_COLOR) */
	bool show_ignored;  /* list the data that is not a finding, with the reason */
	bool summary;       /* only the summary block of each module */
	bool group_by_state;  /* each state (and callee) with the functions using it */
	size_t limit;       /* functions with findings, unused findings, or states listed per
			     * module; TEXT_ALL for all. A module cut short opens with its summary */
	size_t via;         /* functions reaching them through calls listed per module (0 none) */
	bool show_protected; /* also list protected state (lock, atomic, once, signal flag) */
};

/* Renders every module, then a summary line. Returns a malloc'd string, NULL when out of memory. */
char *report_text_render(struct module_report *const *mods, size_t n, const struct text_options *o);

#endif
