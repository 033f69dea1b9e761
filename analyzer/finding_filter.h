/* Finding filter: applies suppressions ("kind:pattern" lines, see suppress.h) to module reports,
 * for scan, baseline and check. */
#ifndef CONFINE_FINDING_FILTER_H
#define CONFINE_FINDING_FILTER_H

#include <stddef.h>
#include "baseline.h"
#include "findings.h"
#include "suppress.h"

/* Whether an entry of s for the finding's kind matches (glob) one of its names: the source name,
 * the symbol, the demangled symbol, the function (symbol and demangled) or r->module. */
bool finding_filter_match(struct suppress_set *s, const struct module_report *r,
			  const struct finding *f);

/* Removes the suppressed findings from r, then the functions that touched only them: a direct
 * function left touching nothing, and a function reaching one of those through calls. The names
 * of removed findings leave the functions' direct lists. Adds the number of removed findings to
 * *removed. Returns 0 or -ENOMEM (r is then unchanged). */
int finding_filter_apply(struct module_report *r, struct suppress_set *s, size_t *removed);

/* Marks the baseline entries that s suppresses (matching their name, function, demangled
 * function or module), so that a suppressed finding is neither new nor fixed. */
void finding_filter_mark_baseline(struct baseline *b, struct suppress_set *s);

/* finding_filter_apply on each of the n reports (NULL entries are skipped). */
int finding_filter_apply_all(struct module_report **mods, size_t n, struct suppress_set *s,
			     size_t *removed);

/* What --kind and --min-severity keep: kinds (bit 1 << kind; 0 for every kind), and findings at
 * or above min_severity (state findings are errors; calls have their rule's severity). */
struct finding_select {
	unsigned kinds;
	enum rule_severity min_severity;
};

/* Removes the findings sel does not keep from each of the n reports (NULL entries skipped),
 * then the functions that touched only them, as finding_filter_apply does. Adds the number of
 * removed findings to *removed. Returns 0 or -ENOMEM. */
int finding_filter_select_all(struct module_report **mods, size_t n, const struct finding_select *sel,
			      size_t *removed);

#endif
