/* JSON report: written while the scan goes on, module by module and, within a module, field by
 * field, straight into the layout of jansson's dump (two-space indents; JSON Lines: one line,
 * ", " and ": " separators), so memory does not grow with the report and no tree is built.
 * Strings of plain printable ASCII are written as they are; any other goes through jansson's
 * encoder. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "baseline.h"
#include "report_json.h"
#include "version.h"

#define MAX_DEPTH 16
#define OUT_SIZE 65536

struct json_stream {
	bool lines;                 /* JSON Lines: one module per line */
	bool show_ignored;
	report_write_fn write;
	void *ctx;
	int err;                    /* first error, kept */
	int depth;                  /* containers open */
	bool empty[MAX_DEPTH];      /* the container open at each depth has no element yet */
	size_t nmods;
	struct strlist errors;      /* JSON: unusable inputs, for the "errors" array */
	size_t n;                   /* bytes waiting in out */
	char out[OUT_SIZE];
};

static void flush(struct json_stream *s)
{
	if (!s->err && s->n)
		s->err = s->write(s->ctx, s->out, s->n);
	s->n = 0;
}

static void put(struct json_stream *s, const char *text, size_t len)
{
	if (s->n + len > OUT_SIZE)
		flush(s);
	if (len > OUT_SIZE) {
		if (!s->err)
			s->err = s->write(s->ctx, text, len);
		return;
	}
	memcpy(s->out + s->n, text, len);
	s->n += len;
}

static void put_str0(struct json_stream *s, const char *text)
{
	put(s, text, strlen(text));
}

/* A new line at the current depth (none in JSON Lines). */
static void newline(struct json_stream *s)
{
	static const char spaces[] = "                                ";

	if (s->lines)
		return;
	put(s, "\n", 1);
	for (size_t k = 2 * (size_t)s->depth; k > 0; k -= k < 32 ? k : 32)
		put(s, spaces, k < 32 ? k : 32);
}

/* Starts an element of the open container: the separator after the one before. */
static void item(struct json_stream *s)
{
	if (!s->empty[s->depth])
		put(s, s->lines ? ", " : ",", s->lines ? 2 : 1);
	s->empty[s->depth] = false;
	newline(s);
}

static void open_c(struct json_stream *s, char c)
{
	put(s, &c, 1);
	if (s->depth + 1 == MAX_DEPTH) {
		s->err = s->err ? s->err : -EOVERFLOW;
		return;
	}
	s->empty[++s->depth] = true;
}

static void close_c(struct json_stream *s, char c)
{
	bool empty = s->empty[s->depth];

	s->depth--;
	if (!empty)
		newline(s);
	put(s, &c, 1);
}

/* Starts the member named key (a plain ASCII constant) of the open object. */
static void key(struct json_stream *s, const char *k)
{
	item(s);
	put(s, "\"", 1);
	put_str0(s, k);
	put(s, "\": ", 3);
}

static bool plain(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e || *v == '"' || *v == '\\')
			return false;
	return true;
}

/* A string value (NULL: null). jansson encodes what is not plain, and refuses invalid UTF-8. */
static void str(struct json_stream *s, const char *v)
{
	json_t *j;
	char *text;

	if (!v) {
		put(s, "null", 4);
	} else if (plain(v)) {
		put(s, "\"", 1);
		put_str0(s, v);
		put(s, "\"", 1);
	} else {
		j = json_string(v);
		text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
		json_decref(j);
		if (!text) {
			s->err = s->err ? s->err : -ENOMEM;
			return;
		}
		put_str0(s, text);
		free(text);
	}
}

static void integer(struct json_stream *s, long long v)
{
	char buf[24];

	put(s, buf, (size_t)snprintf(buf, sizeof(buf), "%lld", v));
}

static void boolean(struct json_stream *s, bool v)
{
	put_str0(s, v ? "true" : "false");
}

static void hex(struct json_stream *s, uint64_t v)
{
	char buf[24];

	put(s, buf, (size_t)snprintf(buf, sizeof(buf), "\"0x%llx\"", (unsigned long long)v));
}

static void member_str(struct json_stream *s, const char *k, const char *v)
{
	key(s, k);
	str(s, v);
}

static void member_int(struct json_stream *s, const char *k, long long v)
{
	key(s, k);
	integer(s, v);
}

static void member_bool(struct json_stream *s, const char *k, bool v)
{
	key(s, k);
	boolean(s, v);
}

static void member_hex(struct json_stream *s, const char *k, uint64_t v)
{
	key(s, k);
	hex(s, v);
}

/* The line and column of a source position: null without its file; a column only where the
 * compiler recorded it. */
static void position(struct json_stream *s, const char *file, int line, int column)
{
	key(s, "line");
	if (file)
		integer(s, line);
	else
		str(s, NULL);
	key(s, "column");
	if (file && column > 0)
		integer(s, column);
	else
		str(s, NULL);
}

typedef void element_fn(struct json_stream *s, const void *v, size_t i);

/* An array of n elements: element(s, v, i) writes the i-th. */
static void array(struct json_stream *s, size_t n, element_fn *element, const void *v)
{
	open_c(s, '[');
	for (size_t i = 0; i < n; i++) {
		item(s);
		element(s, v, i);
	}
	close_c(s, ']');
}

static void string_at(struct json_stream *s, const void *v, size_t i)
{
	str(s, ((const struct strlist *)v)->v[i]);
}

static void strings(struct json_stream *s, const struct strlist *l)
{
	array(s, l->n, string_at, l);
}

static void site(struct json_stream *s, const void *v, size_t i)
{
	const struct site *x = &((const struct finding *)v)->sites[i];

	open_c(s, '{');
	member_hex(s, "address", x->addr);
	member_str(s, "function", x->function);
	member_str(s, "file", x->file);
	position(s, x->file, x->line, x->column);
	member_str(s, "how", x->how);
	close_c(s, '}');
}

static void use_words(struct json_stream *s, uint8_t use)
{
	static const struct { uint8_t bit; const char *word; } words[] = {
		{ ACCESS_READ, "reads" }, { ACCESS_WRITE, "writes" }, { ACCESS_ADDR, "address-taken" },
	};

	open_c(s, '[');
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (use & words[i].bit) {
			item(s);
			str(s, words[i].word);
		}
	close_c(s, ']');
}

static void access_entry(struct json_stream *s, const void *v, size_t i)
{
	const struct access *x = &((const struct finding *)v)->accesses[i];

	open_c(s, '{');
	member_str(s, "function", x->function);
	key(s, "use");
	use_words(s, x->use);
	member_str(s, "protection", protection_name(x->protection));
	member_str(s, "lock", x->lock);
	close_c(s, '}');
}

/* The members of an awareness, in an object already open. */
static void awareness(struct json_stream *s, const struct awareness *a)
{
	member_bool(s, "thread_aware", a->aware);
	member_str(s, "evidence", a->evidence);
	member_str(s, "aware_reason", a->aware ? aware_reason_name((enum aware_reason)a->reason) : NULL);
}

static void call_fields(struct json_stream *s, const struct finding *f)
{
	member_str(s, "file", f->file);
	position(s, f->file, f->line, f->column);
	member_str(s, "group", f->group);
	member_str(s, "alternative", f->alternative);
	member_str(s, "severity", rule_severity_name(f->severity));
	member_str(s, "category", rule_category_name(f->category));
	key(s, "sites");
	array(s, f->nsites, site, f);
}

static void state_fields(struct json_stream *s, const struct finding *f)
{
	member_str(s, "section", f->section);
	member_int(s, "size", (long long)f->size);
	member_hex(s, "address", f->addr);
	member_str(s, "file", f->file);
	position(s, f->file, f->line, f->column);
	key(s, "readers");
	strings(s, &f->readers);
	key(s, "writers");
	strings(s, &f->writers);
	key(s, "address_takers");
	strings(s, &f->takers);
	member_bool(s, "guarded_init", f->guarded_init);
	member_str(s, "severity", rule_severity_name(baseline_severity(f)));
	member_str(s, "protection", protection_name(f->protection));
	member_str(s, "lock", f->lock);
	key(s, "accesses");
	array(s, f->naccesses, access_entry, f);
}

static void finding(struct json_stream *s, const void *v, size_t i)
{
	const struct finding *f = &((const struct module_report *)v)->findings[i];

	open_c(s, '{');
	member_str(s, "kind", kind_name(f->kind));
	member_str(s, "symbol", f->symbol);
	member_str(s, "demangled", f->demangled);
	member_str(s, "name", f->name);
	member_str(s, "function", f->function);
	if (f->kind == KIND_NON_REENTRANT_CALL)
		call_fields(s, f);
	else
		state_fields(s, f);
	member_str(s, "fingerprint", f->fingerprint);
	close_c(s, '}');
}

static void function(struct json_stream *s, const void *v, size_t i)
{
	const struct module_report *r = v;
	const struct function_report *fr = &r->functions[i];

	open_c(s, '{');
	member_str(s, "name", fr->name);
	member_str(s, "demangled", fr->demangled);
	member_hex(s, "address", fr->addr);
	member_int(s, "size", (long long)fr->size);
	member_bool(s, "guard", fr->guard);
	member_bool(s, "unprotected", fr->unprotected);
	key(s, "direct");
	strings(s, &fr->uses);
	key(s, "via");
	strings(s, &fr->via);
	member_bool(s, "init_only", fr->init_only);
	member_bool(s, "exported", fr->exported);
	member_int(s, "entry_branches", (long long)fr->entry_branches);
	member_str(s, "unit", fr->unit >= 0 && (size_t)fr->unit < r->nunits ? r->units[fr->unit].name : NULL);
	close_c(s, '}');
}

static void unit(struct json_stream *s, const void *v, size_t i)
{
	const struct unit_report *u = &((const struct module_report *)v)->units[i];

	open_c(s, '{');
	awareness(s, &u->aware);
	member_str(s, "name", u->name);
	member_int(s, "language", u->lang);
	close_c(s, '}');
}

static void ignored(struct json_stream *s, const void *v, size_t i)
{
	const struct ignored_report *x = &((const struct module_report *)v)->ignored[i];

	open_c(s, '{');
	member_str(s, "symbol", x->symbol);
	member_str(s, "reason", x->reason);
	close_c(s, '}');
}

static void put_module(struct json_stream *s, const struct module_report *r)
{
	open_c(s, '{');
	member_str(s, "path", r->path);
	member_str(s, "type", elf_image_type_name(r->type));
	member_str(s, "member", r->member);
	member_str(s, "build_id", r->build_id[0] ? r->build_id : NULL);
	member_bool(s, "stripped", r->stripped);
	member_bool(s, "debug_info", r->debug_info);
	awareness(s, &r->aware);
	key(s, "units");
	array(s, r->nunits, unit, r);
	key(s, "findings");
	array(s, r->nfindings, finding, r);
	key(s, "functions");
	array(s, r->nfunctions, function, r);
	if (s->show_ignored) {
		key(s, "ignored");
		array(s, r->nignored, ignored, r);
	}
	close_c(s, '}');
}

struct json_stream *report_json_open(bool lines, bool show_ignored, report_write_fn write, void *ctx)
{
	struct json_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->lines = lines;
	s->show_ignored = show_ignored;
	s->write = write;
	s->ctx = ctx;
	if (lines)
		return s;
	open_c(s, '{');
	member_str(s, "$schema", CONFINE_SCAN_SCHEMA);
	member_str(s, "tool", "confine");
	member_str(s, "version", CONFINE_VERSION);
	key(s, "modules");
	open_c(s, '[');
	return s;
}

int report_json_module(struct json_stream *s, const struct module_report *r)
{
	if (!s->lines)
		item(s);
	put_module(s, r);
	if (s->lines)
		put(s, "\n", 1);
	s->nmods++;
	flush(s);
	return s->err;
}

int report_json_error(struct json_stream *s, const char *error)
{
	if (!s->lines)
		return strlist_add(&s->errors, error, false) ? -ENOMEM : 0;
	open_c(s, '{');
	member_str(s, "error", error);
	close_c(s, '}');
	put(s, "\n", 1);
	flush(s);
	return s->err;
}

int report_json_close(struct json_stream *s)
{
	int err;

	if (!s)
		return -ENOMEM;
	if (!s->lines) {
		close_c(s, ']');
		key(s, "errors");
		strings(s, &s->errors);
		close_c(s, '}');
	}
	flush(s);
	err = s->err;
	strlist_free(&s->errors);
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
