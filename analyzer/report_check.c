/* Check report: renders a baseline comparison as compiler-style text lines or a JSON document. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_check.h"
#include "symbols.h"
#include "version.h"

static const char *severity_word(enum rule_severity s)
{
	return rule_severity_name(s);
}

/* The name shown for a finding, as in the scan report: the demangled symbol of state (the source
 * name of a local static), the callee as referenced for calls. */
static const char *shown_name(const struct finding *f)
{
	if (f->kind == KIND_NON_REENTRANT_CALL)
		return f->symbol;
	return f->kind == KIND_MUTABLE_LOCAL_STATIC || !f->demangled ? f->name : f->demangled;
}

/* The function a finding belongs to, demangled; malloc'd, NULL at file scope. */
static char *shown_function(const struct finding *f)
{
	if (!f->function)
		return NULL;
	return f->function_demangled ? strdup(f->function_demangled) : symbols_demangle(f->function);
}

static void new_line(FILE *out, const struct baseline_hit *h)
{
	const struct finding *f = h->finding;
	char *fn = shown_function(f);

	fprintf(out, "new %s: ", severity_word(baseline_severity(f)));
	if (f->file)
		fprintf(out, "%s:%d: ", f->file, f->line);
	else
		fprintf(out, "%s: ", h->module->display);
	fprintf(out, "%s '%s' ", kind_name(f->kind), shown_name(f));
	if (fn)
		fprintf(out, "in %s", fn);
	else
		fprintf(out, "(file scope)");
	if (f->kind == KIND_NON_REENTRANT_CALL && f->alternative)
		fprintf(out, "; use %s", f->alternative);
	else if (f->kind == KIND_NON_REENTRANT_CALL && f->category == CATEGORY_ENV)
		fprintf(out, "; unsafe once threads run");
	if (f->file)
		fprintf(out, " [%s]", h->module->display);
	fputc('\n', out);
	free(fn);
}

static void fixed_line(FILE *out, const struct baseline_entry *e)
{
	char *fn = e->function ? symbols_demangle(e->function) : NULL;

	fprintf(out, "fixed: %s '%s' ", kind_name(e->kind), e->name);
	if (fn)
		fprintf(out, "in %s", fn);
	else
		fprintf(out, "(file scope)");
	fprintf(out, " [%s]%s\n", e->module, e->section == BASELINE_ACCEPTED ? " (accepted)" : "");
	free(fn);
}

static void summary_line(FILE *out, const struct baseline_diff *d, const struct check_summary *s)
{
	fprintf(out, "confine check: %zu new (%zu error%s, %zu warning%s), %zu fixed, %zu unchanged",
		d->nadded, d->errors, d->errors == 1 ? "" : "s", d->warnings,
		d->warnings == 1 ? "" : "s", d->nfixed, d->unchanged);
	if (d->unscanned)
		fprintf(out, ", %zu not scanned", d->unscanned);
	if (s->suppressed)
		fprintf(out, ", %zu suppressed", s->suppressed);
	if (s->unusable)
		fprintf(out, ": error (%zu unusable input%s)\n", s->unusable, s->unusable == 1 ? "" : "s");
	else
		fprintf(out, ": %s\n", d->failed ? "failed" : "passed");
}

char *report_check_render_text(const struct baseline_diff *d, const struct check_summary *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return NULL;
	for (size_t i = 0; i < d->nadded; i++)
		new_line(out, &d->added[i]);
	for (size_t i = 0; i < d->nfixed; i++)
		fixed_line(out, d->fixed[i]);
	summary_line(out, d, s);
	if (fclose(out)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* --- JSON ------------------------------------------------------------------------------------ */

static const char *verdict(const struct baseline_diff *d, const struct check_summary *s)
{
	return s->unusable ? "error" : d->failed ? "failed" : "passed";
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *new_object(const struct baseline_hit *h)
{
	const struct finding *f = h->finding;
	bool call = f->kind == KIND_NON_REENTRANT_CALL;

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s}", "module",
			 h->module->module, "path", h->module->display, "kind", kind_name(f->kind),
			 "severity", severity_word(baseline_severity(f)), "name", f->name, "symbol",
			 f->symbol, "function", str_or_null(f->function), "file", str_or_null(f->file),
			 "line", f->file ? json_integer(f->line) : json_null(), "column",
			 f->file && f->column > 0 ? json_integer(f->column) : json_null(), "alternative",
			 str_or_null(call ? f->alternative : NULL), "fingerprint", f->fingerprint);
}

static json_t *fixed_object(const struct baseline_entry *e)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:b}", "module", e->module, "kind",
			 kind_name(e->kind), "function", str_or_null(e->function), "name", e->name,
			 "fingerprint", e->fingerprint, "reason", e->reason, "accepted",
			 e->section == BASELINE_ACCEPTED);
}

static json_t *counts(const struct baseline_diff *d, const struct check_summary *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "new", (json_int_t)d->nadded,
			 "errors", (json_int_t)d->errors, "warnings", (json_int_t)d->warnings, "fixed",
			 (json_int_t)d->nfixed, "unchanged", (json_int_t)d->unchanged, "not_scanned",
			 (json_int_t)d->unscanned, "suppressed", (json_int_t)s->suppressed);
}

static json_t *string_array(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a && l && i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

char *report_check_render_json(const struct baseline_diff *d, const struct check_summary *s,
			       const struct strlist *errors)
{
	json_t *added = json_array(), *fixed = json_array(), *doc;
	char *out;

	for (size_t i = 0; added && i < d->nadded; i++)
		json_array_append_new(added, new_object(&d->added[i]));
	for (size_t i = 0; fixed && i < d->nfixed; i++)
		json_array_append_new(fixed, fixed_object(d->fixed[i]));
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "$schema",
			CONFINE_CHECK_SCHEMA, "tool", "confine", "version",
			CONFINE_VERSION, "baseline", s->baseline, "severity",
			severity_word(s->fail_at), "result", verdict(d, s), "counts",
			counts(d, s), "new", added, "fixed", fixed, "errors", string_array(errors));
	if (!doc)
		return NULL;
	out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return out;
}
