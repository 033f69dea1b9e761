/* JSON report: written while the scan goes on, module by module and, within a module, finding by
 * finding: jansson builds and dumps one element at a time into the layout of a whole-document
 * dump, so memory does not grow with the report. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "baseline.h"
#include "report_json.h"
#include "version.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	return json_string(buf);
}

static json_t *strings(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

/* A column is known only with its line, and only where the compiler recorded it. */
static json_t *column(const char *file, int col)
{
	return file && col > 0 ? json_integer(col) : json_null();
}

static json_t *sites(const struct finding *f)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < f->nsites; i++) {
		const struct site *s = &f->sites[i];

		json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o, s:o, s:s}", "address",
						   hex(s->addr), "function", str_or_null(s->function),
						   "file", str_or_null(s->file), "line",
						   s->file ? json_integer(s->line) : json_null(),
						   "column", column(s->file, s->column), "how", s->how));
	}
	return a;
}

static json_t *use_words(uint8_t use)
{
	json_t *a = json_array();

	if (a && (use & ACCESS_READ))
		json_array_append_new(a, json_string("reads"));
	if (a && (use & ACCESS_WRITE))
		json_array_append_new(a, json_string("writes"));
	if (a && (use & ACCESS_ADDR))
		json_array_append_new(a, json_string("address-taken"));
	return a;
}

static json_t *accesses(const struct finding *f)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < f->naccesses; i++) {
		const struct access *x = &f->accesses[i];

		json_array_append_new(a, json_pack("{s:s, s:o, s:s, s:o}", "function", x->function,
						   "use", use_words(x->use), "protection",
						   protection_name(x->protection), "lock",
						   str_or_null(x->lock)));
	}
	return a;
}

static json_t *awareness(const struct awareness *a)
{
	const char *why = a->aware ? aware_reason_name((enum aware_reason)a->reason) : NULL;

	return json_pack("{s:b, s:o, s:o}", "thread_aware", a->aware, "evidence",
			 str_or_null(a->evidence), "aware_reason", str_or_null(why));
}

static json_t *finding(const struct finding *f)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "kind", kind_name(f->kind), "symbol",
			      f->symbol, "demangled", f->demangled, "name", f->name, "function",
			      str_or_null(f->function));

	if (!o)
		return NULL;
	if (f->kind == KIND_NON_REENTRANT_CALL) {
		json_object_set_new(o, "file", str_or_null(f->file));
		json_object_set_new(o, "line", f->file ? json_integer(f->line) : json_null());
		json_object_set_new(o, "column", column(f->file, f->column));
		json_object_set_new(o, "group", str_or_null(f->group));
		json_object_set_new(o, "alternative", str_or_null(f->alternative));
		json_object_set_new(o, "severity", json_string(rule_severity_name(f->severity)));
		json_object_set_new(o, "category", json_string(rule_category_name(f->category)));
		json_object_set_new(o, "sites", sites(f));
	} else {
		json_object_set_new(o, "section", json_string(f->section));
		json_object_set_new(o, "size", json_integer((json_int_t)f->size));
		json_object_set_new(o, "address", hex(f->addr));
		json_object_set_new(o, "file", str_or_null(f->file));
		json_object_set_new(o, "line", f->file ? json_integer(f->line) : json_null());
		json_object_set_new(o, "column", column(f->file, f->column));
		json_object_set_new(o, "readers", strings(&f->readers));
		json_object_set_new(o, "writers", strings(&f->writers));
		json_object_set_new(o, "address_takers", strings(&f->takers));
		json_object_set_new(o, "guarded_init", json_boolean(f->guarded_init));
		json_object_set_new(o, "severity", json_string(rule_severity_name(baseline_severity(f))));
		json_object_set_new(o, "protection", json_string(protection_name(f->protection)));
		json_object_set_new(o, "lock", str_or_null(f->lock));
		json_object_set_new(o, "accesses", accesses(f));
	}
	json_object_set_new(o, "fingerprint", json_string(f->fingerprint));
	return o;
}

static json_t *function(const struct module_report *r, const struct function_report *fr)
{
	return json_pack("{s:s, s:s, s:o, s:I, s:b, s:b, s:o, s:o, s:b, s:b, s:I, s:o}", "name", fr->name,
			 "demangled", fr->demangled, "address", hex(fr->addr), "size",
			 (json_int_t)fr->size, "guard", fr->guard, "unprotected", fr->unprotected,
			 "direct", strings(&fr->uses), "via", strings(&fr->via), "init_only",
			 fr->init_only, "exported", fr->exported, "entry_branches",
			 (json_int_t)fr->entry_branches, "unit",
			 fr->unit >= 0 && (size_t)fr->unit < r->nunits ? json_string(r->units[fr->unit].name)
									 : json_null());
}

static json_t *units(const struct module_report *r)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < r->nunits; i++) {
		json_t *u = awareness(&r->units[i].aware);

		json_object_set_new(u, "name", json_string(r->units[i].name));
		json_object_set_new(u, "language", json_integer(r->units[i].lang));
		json_array_append_new(a, u);
	}
	return a;
}

/* Holes stand for the arrays that are written element by element: a string "\u0001NAME" in the
 * dumped text, replaced by the array as it is streamed. */
#define HOLE(name) "\001" name

static json_t *hole(const char *name)
{
	return json_string(name);
}

/* A module without its findings, functions and ignored symbols, which are holes. */
static json_t *module_head(const struct module_report *r, bool show_ignored)
{
	json_t *m = json_pack("{s:s, s:s, s:o, s:o, s:b, s:b}", "path", r->path, "type",
			      elf_image_type_name(r->type), "member", str_or_null(r->member), "build_id",
			      r->build_id[0] ? json_string(r->build_id) : json_null(), "stripped",
			      r->stripped, "debug_info", r->debug_info);

	if (!m || json_object_update_new(m, awareness(&r->aware))) {
		json_decref(m);
		return NULL;
	}
	json_object_set_new(m, "units", units(r));
	json_object_set_new(m, "findings", hole(HOLE("findings")));
	json_object_set_new(m, "functions", hole(HOLE("functions")));
	if (show_ignored)
		json_object_set_new(m, "ignored", hole(HOLE("ignored")));
	return m;
}

struct json_stream {
	bool lines;                 /* JSON Lines: one module per line */
	bool show_ignored;
	report_write_fn write;
	void *ctx;
	int err;                    /* first write error, kept */
	char *doc;                  /* JSON: the document with holes for modules and errors */
	const char *rest;           /* what of doc is still to write, after the modules hole */
	size_t nmods;
	struct strlist errors;      /* JSON: unusable inputs, for the "errors" array */
};

static void put(struct json_stream *s, const char *text, size_t len)
{
	if (!s->err && len)
		s->err = s->write(s->ctx, text, len);
}

/* Writes text, each new line starting with pad spaces more (jansson indents from column 0). */
static void put_indented(struct json_stream *s, const char *text, size_t len, size_t pad)
{
	static const char spaces[] = "                                                                ";
	const char *nl;

	while (len && (nl = memchr(text, '\n', len)) != NULL) {
		put(s, text, (size_t)(nl - text) + 1);
		for (size_t k = pad; k > 0; k -= k < 64 ? k : 64)
			put(s, spaces, k < 64 ? k : 64);
		len -= (size_t)(nl - text) + 1;
		text = nl + 1;
	}
	put(s, text, len);
}

static size_t dump_flags(const struct json_stream *s)
{
	return (s->lines ? 0 : JSON_INDENT(2)) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY;
}

/* Writes one array element (consumed) at indentation pad: "[" or a separator first. */
static void put_element(struct json_stream *s, json_t *v, size_t k, size_t pad)
{
	char *text = v ? json_dumps(v, dump_flags(s)) : NULL;

	json_decref(v);
	if (!text) {
		s->err = s->err ? s->err : -ENOMEM;
		return;
	}
	if (s->lines) {
		put(s, k ? ", " : "[", k ? 2 : 1);
	} else {
		put(s, k ? "," : "[", 1);
		put_indented(s, "\n", 1, pad);
	}
	put_indented(s, text, strlen(text), pad);
	free(text);
}

/* Closes an array of n elements whose opening line is indented by pad - 2. */
static void put_array_end(struct json_stream *s, size_t n, size_t pad)
{
	if (!n)
		put(s, "[]", 2);
	else if (s->lines)
		put(s, "]", 1);
	else
		put_indented(s, "\n]", 2, pad - 2);
}

/* The spaces that open the line holding text[at]. */
static size_t line_indent(const char *start, const char *at)
{
	const char *p = at;

	while (p > start && p[-1] != '\n')
		p--;
	return (size_t)(strspn(p, " "));
}

static void put_hole(struct json_stream *s, const struct module_report *r, const char *name, size_t pad)
{
	size_t n = 0;

	if (!strcmp(name, "findings"))
		for (; n < r->nfindings; n++)
			put_element(s, finding(&r->findings[n]), n, pad);
	else if (!strcmp(name, "functions"))
		for (; n < r->nfunctions; n++)
			put_element(s, function(r, &r->functions[n]), n, pad);
	else
		for (; n < r->nignored; n++)
			put_element(s, json_pack("{s:s, s:s}", "symbol", r->ignored[n].symbol, "reason",
						 r->ignored[n].reason), n, pad);
	put_array_end(s, n, pad);
}

/* Writes text (a dump at indentation pad) up to its next hole; returns the hole's name (its
 * closing quote ends it) and sets *indent to its line's indentation, or NULL at the end. */
static const char *put_to_hole(struct json_stream *s, const char *text, size_t pad, size_t *indent)
{
	const char *h = strstr(text, "\"\\u0001");

	if (!h) {
		put_indented(s, text, strlen(text), pad);
		return NULL;
	}
	put_indented(s, text, (size_t)(h - text), pad);
	*indent = pad + line_indent(text, h);
	return h + 7;
}

static void put_module(struct json_stream *s, const struct module_report *r, size_t pad)
{
	json_t *head = module_head(r, s->show_ignored);
	char *text = head ? json_dumps(head, dump_flags(s)) : NULL;
	const char *p = text, *name;
	size_t indent = 0;

	json_decref(head);
	if (!text) {
		s->err = s->err ? s->err : -ENOMEM;
		return;
	}
	while ((name = put_to_hole(s, p, pad, &indent)) != NULL) {
		size_t len = strcspn(name, "\"");
		char key[16];

		snprintf(key, sizeof(key), "%.*s", (int)(len < 15 ? len : 15), name);
		put_hole(s, r, key, indent + 2);
		p = name + len + 1;
	}
	free(text);
}

struct json_stream *report_json_open(bool lines, bool show_ignored, report_write_fn write, void *ctx)
{
	struct json_stream *s = calloc(1, sizeof(*s));
	json_t *doc;
	size_t indent;

	if (!s)
		return NULL;
	*s = (struct json_stream){ .lines = lines, .show_ignored = show_ignored, .write = write, .ctx = ctx };
	if (lines)
		return s;
	doc = json_pack("{s:s, s:s, s:s, s:o, s:o}", "$schema", CONFINE_SCAN_SCHEMA, "tool", "confine",
			"version", CONFINE_VERSION,
			"modules", hole(HOLE("modules")), "errors", hole(HOLE("errors")));
	s->doc = doc ? json_dumps(doc, dump_flags(s)) : NULL;
	json_decref(doc);
	if (!s->doc) {
		free(s);
		return NULL;
	}
	s->rest = put_to_hole(s, s->doc, 0, &indent);
	s->rest += strcspn(s->rest, "\"") + 1;
	return s;
}

int report_json_module(struct json_stream *s, const struct module_report *r)
{
	if (s->lines) {
		put_module(s, r, 0);
		put(s, "\n", 1);
	} else {
		put(s, s->nmods ? "," : "[", 1);
		put_indented(s, "\n", 1, 4);
		put_module(s, r, 4);
	}
	s->nmods++;
	return s->err;
}

int report_json_error(struct json_stream *s, const char *error)
{
	json_t *line;
	char *text;

	if (!s->lines)
		return strlist_add(&s->errors, error, false) ? -ENOMEM : 0;
	line = json_pack("{s:s}", "error", error);
	text = line ? json_dumps(line, dump_flags(s)) : NULL;
	json_decref(line);
	if (!text)
		return s->err = s->err ? s->err : -ENOMEM;
	put(s, text, strlen(text));
	put(s, "\n", 1);
	free(text);
	return s->err;
}

int report_json_close(struct json_stream *s)
{
	const char *name;
	size_t indent = 0, n = 0;
	int err;

	if (!s)
		return -ENOMEM;
	if (!s->lines) {
		put_array_end(s, s->nmods, 4);
		while ((name = put_to_hole(s, s->rest, 0, &indent)) != NULL) {
			for (n = 0; n < s->errors.n; n++)
				put_element(s, json_string(s->errors.v[n]), n, indent + 2);
			put_array_end(s, n, indent + 2);
			s->rest = name + strcspn(name, "\"") + 1;
		}
	}
	err = s->err;
	strlist_free(&s->errors);
	free(s->doc);
	free(s);
	return err;
}

struct buffer {
	char *v;
	size_t n, cap;
};

static int to_buffer(void *ctx, const char *text, size_t len)
{
	struct buffer *b = ctx;

	if (b->n + len + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096) + len;
		char *v = realloc(b->v, cap);

		if (!v)
			return -ENOMEM;
		b->v = v;
		b->cap = cap;
	}
	memcpy(b->v + b->n, text, len);
	b->n += len;
	b->v[b->n] = '\0';
	return 0;
}
char *report_json_render(struct module_report *const *mods, size_t n, const struct strlist *errors,
			 bool show_ignored)
{
	struct buffer b = { 0 };
	struct json_stream *s = report_json_open(false, show_ignored, to_buffer, &b);
	int err = s ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < n; i++)
		err = report_json_module(s, mods[i]);
	for (size_t i = 0; !err && errors && i < errors->n; i++)
		err = report_json_error(s, errors->v[i]);
	if (report_json_close(s) || err || !b.v) {
		free(b.v);
		return NULL;
	}
	return b.v;
}
