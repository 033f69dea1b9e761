/* Line reports: one line per finding in the forms that editors, log parsers and CI read:
 * compiler diagnostics ("file:line:col: warning: text [confine-KIND]") and GitHub workflow
 * commands ("::error file=F,line=L,title=T::text"). */
#ifndef CONFINE_REPORT_LINES_H
#define CONFINE_REPORT_LINES_H

#include "baseline.h"
#include "findings.h"
#include "report_sarif.h"

enum lines_style {
	LINES_GCC,      /* file:line:col: error|warning: message [confine-KIND] */
	LINES_GITHUB,   /* ::error|warning file=F,line=L,title=confine KIND::message */
};

/* Parses "gcc" or "github"; -1 for anything else. */
int report_lines_style(const char *name);

/* A line per finding of the n reports, in report order. Paths: gcc prints the DWARF path as the
 * text report does (the binary's path without debug info, then without line and column); github
 * prints the path relative to o->source_root, as SARIF does (o is unused for gcc and may then be
 * NULL). Returns a malloc'd string ("" when there is no finding), NULL when out of memory. */
char *report_lines_render(struct module_report *const *mods, size_t n, enum lines_style s,
			  const struct sarif_options *o);

/* The same for the new findings of a check. */
char *report_lines_render_new(const struct baseline_diff *d, enum lines_style s,
			      const struct sarif_options *o);

#endif
