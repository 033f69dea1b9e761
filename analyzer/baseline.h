/* Baseline: the findings a CI gate accepts, as a reviewable text file (format in README.md and in
 * the file's own header), and the comparison of a scan with it: what is new, what is fixed. */
#ifndef CONFINE_BASELINE_H
#define CONFINE_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include "diag.h"
#include "findings.h"

#define BASELINE_FORMAT 1
#define BASELINE_REASON "existing"   /* reason of generated entries */

enum baseline_section { BASELINE_ACCEPTED, BASELINE_GENERATED };

struct baseline_entry {
	char fingerprint[17];
	enum kind kind;
	char *module;
	char *function;               /* NULL at file scope ('-' in the file) */
	char *name;
	char *reason;
	enum baseline_section section;
	int line;                     /* line in the file it was read from; 0 when generated */
	bool suppressed;              /* matched by a suppression: compared with nothing, kept */
};

struct baseline {
	struct baseline_entry *v;     /* in file order, then generated ones as added */
	size_t n, cap;
	char *accepted_text;          /* the [accepted] section verbatim (comments too), or NULL */
};

/* A current finding and the module it belongs to (both borrowed). */
struct baseline_hit {
	const struct module_report *module;
	const struct finding *finding;
};

/* The result of comparing a scan with a baseline. Hits and entries are borrowed from the reports
 * and the baseline compared. */
struct baseline_diff {
	struct baseline_hit *added;            /* new findings, in report order */
	size_t nadded;
	const struct baseline_entry **fixed;   /* entries no longer found, generated ones first */
	size_t nfixed;
	size_t unchanged;      /* current findings the baseline accounts for */
	size_t unscanned;      /* entries of modules that were not scanned: neither fixed nor kept */
	size_t errors, warnings;   /* severities of the new findings */
	bool failed;           /* a new finding at or above the failing severity */
};

/* Parses baseline text; origin names it in messages. Returns 0, or -EINVAL after logging
 * "ORIGIN:LINE: reason" (b is then empty), or -ENOMEM. b must be zeroed or freed before. */
int baseline_parse(struct baseline *b, const char *text, const char *origin, const struct diag *d);

/* Reads and parses the file at path; -errno when it cannot be read (logged as
 * "PATH: cannot read baseline: reason"), else as baseline_parse. */
int baseline_load(struct baseline *b, const char *path, const struct diag *d);

/* Replaces the generated entries with the findings of the n reports, less the occurrences that
 * accepted entries already cover (per fingerprint). Accepted entries stay as they are.
 * Returns 0 or -ENOMEM (b is then unchanged). */
int baseline_regenerate(struct baseline *b, struct module_report *const *mods, size_t n);

/* Compares the findings of the n reports with b. An entry whose module was not scanned is
 * counted in unscanned; suppressed entries are skipped. fail_at: the lowest severity of a new finding that fails the gate.
 * Returns 0 or -ENOMEM; free *out with baseline_diff_free. */
int baseline_compare(const struct baseline *b, struct module_report *const *mods, size_t n,
		     enum rule_severity fail_at, struct baseline_diff *out);
void baseline_diff_free(struct baseline_diff *d);

/* Removes the generated entries that d reports fixed (accepted ones are never removed). d must
 * come from comparing b and is invalid afterwards. */
void baseline_drop_fixed(struct baseline *b, const struct baseline_diff *d);

/* The file's text: format line, header comment, [accepted] verbatim, [generated] sorted by module,
 * kind, function, name and fingerprint. Returns a malloc'd string, NULL when out of memory. */
char *baseline_render(const struct baseline *b);

/* Writes baseline_render(b) to path through a temporary file renamed over it. Returns 0, or
 * -errno after logging "PATH: cannot write baseline: reason". */
int baseline_save(const struct baseline *b, const char *path, const struct diag *d);

/* Frees the entries and text; b can be parsed into again. */
void baseline_free(struct baseline *b);

/* Severity of a finding for the gate and SARIF: state is always an error; calls have their rule's. */
enum rule_severity baseline_severity(const struct finding *f);

#endif
