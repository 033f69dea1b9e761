/* JSON report: the machine-readable form of a scan (documented in README.md). */
#ifndef CONFINE_REPORT_JSON_H
#define CONFINE_REPORT_JSON_H

#include <stdbool.h>
#include "findings.h"

/* Renders {"tool", "version", "modules": [...], "errors": [...]}. errors holds one
 * "FILE: reason" line per unusable input. Returns a malloc'd string, NULL when out of memory. */
char *report_json_render(struct module_report *const *mods, size_t n, const struct strlist *errors,
			 bool show_ignored);

#endif
