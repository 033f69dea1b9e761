/* Suppressions: "kind:pattern" lines that silence findings (scan, check) and violations (guard). */
#ifndef CONFINE_SUPPRESS_H
#define CONFINE_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include "diag.h"
#include "kinds.h"

#define SUPPRESS_MAX 256
#define SUPPRESS_PATTERN 128

struct suppress_entry {
	int kind;                        /* enum kind, or -1 for "*" (every kind) */
	char pattern[SUPPRESS_PATTERN];  /* glob: * and ? */
	unsigned hits;
};

/* A fixed-size set: the guard fills it at start-up and matches in signal handlers, so matching
 * must never allocate. */
struct suppress_set {
	struct suppress_entry v[SUPPRESS_MAX];
	size_t n;
};

/* Parses text ("#" comments, blank lines, "kind:pattern" per line; kind is a name from kinds.h
 * or "*"). Returns 0, or -EINVAL after logging "ORIGIN:LINE: reason" (entries before the bad
 * line are kept), or -E2BIG past SUPPRESS_MAX entries. */
int suppress_parse(struct suppress_set *s, const char *text, const char *origin, const struct diag *d);

/* Reads and parses a file; -errno when unreadable (logged "PATH: cannot read suppressions: ..."). */
int suppress_load(struct suppress_set *s, const char *path, const struct diag *d);

/* Whether an entry for kind matches any of the names (NULL names are skipped); counts the hit.
 * Async-signal-safe: no allocation, no locks. */
bool suppress_match(struct suppress_set *s, int kind, const char *const *names, size_t n);

/* Glob match with * and ?; async-signal-safe. */
bool suppress_glob(const char *pattern, const char *s);

#endif
