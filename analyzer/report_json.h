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
