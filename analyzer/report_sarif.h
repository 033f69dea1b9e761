/* SARIF report: findings as a SARIF 2.1.0 log that GitHub code scanning accepts (the mapping is
 * documented in docs/use-in-ci.md). */
#ifndef CONFINE_REPORT_SARIF_H
#define CONFINE_REPORT_SARIF_H

#include "baseline.h"
#include "findings.h"

struct sarif_options {
	const char *source_root;       /* absolute: files under it get URIs relative to it */
	const char *cwd;               /* absolute: what relative binary paths are relative to */
	const struct strlist *errors;  /* "FILE: reason" per unusable input, or NULL */
};

/* A log with one run holding every finding of the n reports. Returns a malloc'd string, NULL
 * when out of memory. */
char *report_sarif_render(struct module_report *const *mods, size_t n, const struct sarif_options *o);

/* A log with one run holding the new findings of a check, each with baselineState "new". */
char *report_sarif_render_new(const struct baseline_diff *d, const struct sarif_options *o);

/* The message of a finding as SARIF results carry it ("Mutable global 'g' (.bss, 4 bytes) in
 * m.so is shared by every thread; written by f."), for other one-line formats too. Malloc'd;
 * NULL when out of memory. */
char *report_sarif_message(const struct module_report *m, const struct finding *f);

/* The URI of a file for artifactLocation.uri: an absolute path under o->source_root becomes
 * relative to it, another absolute one a file:// URI; a relative path stays relative (from_cwd:
 * resolved against o->cwd first, as command-line paths are; otherwise taken as relative to the
 * source root, as DWARF paths inside the compilation directory are). Characters outside
 * RFC 3986's unreserved set and '/' are percent-encoded. Malloc'd; NULL when out of memory. */
char *report_sarif_uri(const char *path, bool from_cwd, const struct sarif_options *o);

/* The path that report_sarif_uri encodes: relative to the source root, or absolute (with
 * *outside set) when outside it; "." and ".." folded. Malloc'd; NULL when out of memory. */
char *report_sarif_path(const char *path, bool from_cwd, const struct sarif_options *o,
			bool *outside);

/* Resolves the source root (NULL: the repository root, the nearest directory holding .git
 * from the current one upwards, else the current directory) and the current directory to absolute
 * paths without symbolic links, for struct sarif_options. On success *root and *cwd are malloc'd;
 * returns -errno after logging "DIR: cannot use as source root: reason". */
int report_sarif_resolve(const char *source_root, char **root, char **cwd, const struct diag *d);

#endif
