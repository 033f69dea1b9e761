/* JSON report: the machine-readable form of a scan (documented in README.md). */
#ifndef CONFINE_REPORT_JSON_H
#define CONFINE_REPORT_JSON_H

#include <stdbool.h>
#include "findings.h"

/* Where a stream writes: returns 0 or a negative errno-style code (kept, and returned by every
 * later call of the stream). */
typedef int (*report_write_fn)(void *ctx, const char *text, size_t len);

struct json_stream;

/* Starts a report written piece by piece through write(ctx, ...). lines: JSON Lines, one
 * module per line and one {"error": "FILE: reason"} line per unusable input, each written at
 * once; else one JSON document, laid out as report_json_render's (the errors at its end).
 * Returns NULL when out of memory. */
struct json_stream *report_json_open(bool lines, bool show_ignored, report_write_fn write, void *ctx);

/* Writes one module (JSON Lines: one line). Returns 0 or the first error. */
int report_json_module(struct json_stream *s, const struct module_report *r);

/* One module's text, rendered apart by report_json_module_text (malloc'd, not NUL-terminated). */
struct json_text {
	char *v;
	size_t n;
};

/* Renders r as report_json_module would write it into a stream opened with the same lines and
 * show_ignored, so that it can be done on another thread and put in later. Returns 0 (*out
 * then owns the text), -E2BIG when the text would pass limit bytes, or -ENOMEM; on error *out
 * is untouched and nothing is kept. */
int report_json_module_text(const struct module_report *r, bool lines, bool show_ignored,
			    size_t limit, struct json_text *out);

/* Writes a module rendered by report_json_module_text (the caller still owns t->v): the same
 * bytes as report_json_module(s, r). Returns 0 or the first error. */
int report_json_put_text(struct json_stream *s, const struct json_text *t);

/* Records an unusable input, "FILE: reason" (JSON Lines: writes its line). Returns 0 or the
 * first error. */
int report_json_error(struct json_stream *s, const char *error);

/* Finishes the document and frees s (s may be NULL: -ENOMEM). Returns 0 or the first error. */
int report_json_close(struct json_stream *s);

/* Renders {"tool", "version", "modules": [...], "errors": [...]}. errors holds one
 * "FILE: reason" line per unusable input. Returns a malloc'd string, NULL when out of memory. */
char *report_json_render(struct module_report *const *mods, size_t n, const struct strlist *errors,
			 bool show_ignored);

#endif
