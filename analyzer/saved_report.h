/* Saved reports: scan results written as JSON (one document) or JSONL (one module per line)
 * read back into module reports, for the CI gate and the result cache. */
#ifndef CONFINE_SAVED_REPORT_H
#define CONFINE_SAVED_REPORT_H

#include <stdbool.h>
#include "diag.h"
#include "findings.h"

struct saved_results {
	struct module_report **mods;
	size_t n, cap;
	struct strlist errors;   /* "FILE: reason" per input the saved scan found unusable */
};

/* Appends the modules and errors of text (len bytes): JSON documents ({"tool": "confine",
 * "modules": [...], "errors": [...]}), module objects or {"error": "FILE: reason"} objects,
 * one after another (JSONL) or alone. origin names the text in messages. Returns 0, -EINVAL
 * (logged "ORIGIN:LINE: reason"; out keeps what came before) or -ENOMEM. */
int saved_report_parse(const char *text, size_t len, const char *origin, const struct diag *d,
		       struct saved_results *out);

/* Reads and parses the file at path; -errno when it cannot be read (logged). */
int saved_report_load(const char *path, const struct diag *d, struct saved_results *out);

/* Whether the file at path looks like saved results (its first non-blank byte is '{'), not an
 * ELF file or archive. */
bool saved_report_sniff(const char *path);

/* Replaces the report's path, member, display ("path(member)") and module name (the file name
 * fingerprints use); member may be NULL. Returns 0 or -ENOMEM (report unchanged). */
int saved_report_set_origin(struct module_report *r, const char *path, const char *member);

/* Frees the modules and errors; s itself is the caller's. */
void saved_results_clear(struct saved_results *s);

#endif
