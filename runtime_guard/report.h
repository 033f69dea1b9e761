/* Reports: sanitizer-style violation reports, deduplicated by (function, calling pc). */
#ifndef CONFINE_REPORT_H
#define CONFINE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include "kinds.h"
#include "suppress.h"
#include "unwind.h"

struct violation {
	enum kind kind;      /* cross-thread-call, signal-reentry or env-write */
	int fn;              /* index into guard_fns */
	int domain;          /* -1 for env-write */
	uint64_t caller;     /* thread serials */
	uint64_t owner;      /* 0: unbound */
	struct unwind_start at;   /* where the function was entered: at.pc returns into the caller */
	int threads;         /* env-write: threads running */
	bool owner_glob;     /* unbound, and the caller's name does not match owner= */
};

/* Loads the suppressions; call once at start-up. Returns 0 or -1 (reported). */
int report_init(void);

/* Reports v unless suppressed or already reported for this (function, pc); then halts or
 * aborts if the options say so. Never allocates or uses stdio. */
void report_violation(const struct violation *v);

/* Writes "==PID== confine: TEXT" (verbosity messages). */
void report_message(const char *text);

/* Number of violations found so far: reported, or past max_reports. */
unsigned report_count(void);

/* Of those, the ones past max_reports, not shown. */
unsigned report_dropped(void);

/* In a fork child: the report lock may have been held by a thread that is gone, and the
 * parent's reports and counts are the parent's. */
void report_after_fork(void);

#endif
