/* Check report: the outcome of 'confine check' as text or JSON (documented in docs/use-in-ci.md):
 * the new findings, the fixed baseline entries, the counts and the verdict. */
#ifndef CONFINE_REPORT_CHECK_H
#define CONFINE_REPORT_CHECK_H

#include "baseline.h"

struct check_summary {
	const char *baseline;          /* the baseline file's path */
	enum rule_severity fail_at;    /* --severity */
	size_t suppressed;             /* findings removed by suppressions */
	size_t unusable;               /* inputs that could not be scanned (the check errs) */
};

/* One line per new finding ("new error: FILE:LINE: ..."), one per fixed entry ("fixed: ..."),
 * then the summary line, ending with the verdict: "passed", "failed", or "error" when an input
 * was unusable. Returns a malloc'd string, NULL when out of memory. */
char *report_check_render_text(const struct baseline_diff *d, const struct check_summary *s);

/* {"tool", "version", "baseline", "severity", "result" (the verdict), "counts", "new", "fixed",
 * "errors"};
 * errors holds one "FILE: reason" line per unusable input. NULL when out of memory. */
char *report_check_render_json(const struct baseline_diff *d, const struct check_summary *s,
			       const struct strlist *errors);

#endif
