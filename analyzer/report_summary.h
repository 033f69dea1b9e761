/* Report summary: what a module report holds, counted (by kind, protection, severity,
 * functions) with the
 * state that most functions share, so that a big report can open with it. */
#ifndef CONFINE_REPORT_SUMMARY_H
#define CONFINE_REPORT_SUMMARY_H

#include <stdio.h>
#include "findings.h"

#define SUMMARY_TOP 10   /* most shared findings listed */

struct summary_top {
	const char *name;    /* demangled state name, or the callee (borrowed from the report) */
	enum kind kind;
	size_t functions;    /* distinct functions touching it (calling it) */
	enum protection protection;   /* state: its protection; calls: PROT_NONE */
	const char *lock;    /* the lock's name with PROT_LOCK, when known (borrowed) */
};

struct report_summary {
	size_t findings, kinds[KIND__COUNT], errors, warnings;
	size_t states, protections[PROT__COUNT];   /* state findings, by protection */
	size_t guard, via, init_only;
	struct summary_top top[SUMMARY_TOP];
	size_t ntop;
};

/* Counts r into s (zeroed first). Returns 0 or -ENOMEM. */
int report_summary_compute(const struct module_report *r, struct report_summary *s);

/* Prints the summary block, each line led by indent. */
void report_summary_print(FILE *f, const struct report_summary *s, const char *indent);

#endif
