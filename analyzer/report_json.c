/* JSON report: written while the scan goes on, module by module and, within a module, field by
 * field, straight into the layout of jansson's dump (two-space indents; JSON Lines: one line,
 * ", " and ": " separators), so memory does not grow with the report and no tree is built.
 * Strings of plain printable ASCII are written as they are; any other goes through jansson's
 * encoder. A module can also be rendered apart (on a worker thread) and its text put in later. */
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
#define MODULE_DEPTH 2      /* {"modules": [ MODULE ... */
#define SLACK 256           /* more than any room asked for but not filled (start's) */

struct json_stream {
	bool lines;                 /* JSON Lines: one module per line */
	bool show_ignored;
	report_write_fn write;      /* NULL: the text stays in out, which grows up to limit */
	void *ctx;
	int err;                    /* first error, kept */
	int depth;                  /* containers open */
	bool empty[MAX_DEPTH];      /* the container open at each depth has no element yet */
	struct strlist errors;      /* JSON: unusable inputs, for the "errors" array */
	char *out;
	size_t n, cap, limit;       /* bytes in out, its size, the most it may grow to (room asked
	                             * for may pass what is then written by up to SLACK bytes) */
};

static void flush(struct json_stream *s)
{
	if (s->write && !s->err && s->n)
		s->err = s->write(s->ctx, s->out, s->n);
	if (s->write)
		s->n = 0;
}

static void fail(struct json_stream *s, int err)
{
	if (!s->err)
		s->err = err;
}

/* Makes room for len more bytes in out, growing it (to memory) or flushing it (to a file).
 * NULL after an error, or for a text longer than a file stream's buffer. */
static char *room_slow(struct json_stream *s, size_t len)
{
	size_t cap = s->cap;
	char *v;

	if (s->err)
		return NULL;
	if (s->write) {
		flush(s);
		return len <= s->cap ? s->out : NULL;
	}
	if (s->n + len > s->limit) {
		fail(s, -E2BIG);
		return NULL;
	}
	while (cap < s->n + len)
		cap = cap * 2 < s->limit ? cap * 2 : s->limit;
	if (!(v = realloc(s->out, cap))) {
		fail(s, -ENOMEM);
		return NULL;
	}
	s->out = v;
	s->cap = cap;
	return s->out + s->n;
}

static inline char *room(struct json_stream *s, size_t len)
{
	return s->n + len <= s->cap && !s->err ? s->out + s->n : room_slow(s, len);
}

static void put(struct json_stream *s, const char *text, size_t len)
{
	char *p = room(s, len);

	if (p) {
		memcpy(p, text, len);
		s->n += len;
	} else if (s->write && !s->err) {   /* longer than the buffer, which room flushed */
		s->err = s->write(s->ctx, text, len);
	}
}

/* Writes the separator before an element of the open container (none before the first) and,
 * in JSON, the new line and indent of depth; returns where the element goes, with extra bytes
 * of room after it (NULL after an error). */
static char *start(struct json_stream *s, bool sep, int depth, size_t extra)
{
	size_t indent = s->lines ? 0 : 2 * (size_t)depth;
	char *p = room(s, 3 + indent + extra), *q = p;

	if (!p)
		return NULL;
	if (sep) {
		*q++ = ',';
		if (s->lines)
			*q++ = ' ';
	}
	if (!s->lines) {
		*q++ = '\n';
		memset(q, ' ', indent);
		q += indent;
	}
	s->n += (size_t)(q - p);
	return q;
}

/* Starts an element of the open container: the separator after the one before. */
static void item(struct json_stream *s)
{
	bool sep = !s->empty[s->depth];

	s->empty[s->depth] = false;
	start(s, sep, s->depth, 0);
}

static void open_c(struct json_stream *s, char c)
{
	put(s, &c, 1);
	if (s->depth + 1 == MAX_DEPTH) {
		fail(s, -EOVERFLOW);
		return;
	}
	s->empty[++s->depth] = true;
}

static void close_c(struct json_stream *s, char c)
{
	bool empty = s->empty[s->depth];
	char *p;

	s->depth--;
	if (empty) {
		put(s, &c, 1);
	} else if ((p = start(s, false, s->depth, 1))) {
		*p = c;
		s->n++;
	}
}

/* Starts the member named key (a plain ASCII constant) of the open object. */
static void key(struct json_stream *s, const char *k)
{
	size_t len = strlen(k);
	bool sep = !s->empty[s->depth];
	char *p;

	s->empty[s->depth] = false;
	if (!(p = start(s, sep, s->depth, len + 4)))
		return;
	*p++ = '"';
	memcpy(p, k, len);
	memcpy(p + len, "\": ", 3);
	s->n += len + 4;
}

/* Whether v is plain printable ASCII, with no quote or backslash; its length in *len. */
static bool plain(const char *v, size_t *len)
{
	const unsigned char *p = (const unsigned char *)v;

	for (; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
			return false;
	*len = (size_t)(p - (const unsigned char *)v);
	return true;
}

/* A string value (NULL: null). jansson encodes what is not plain, and refuses invalid UTF-8. */
static void str(struct json_stream *s, const char *v)
{
	size_t len;
	json_t *j;
	char *text, *p;

	if (!v) {
		put(s, "null", 4);
	} else if (plain(v, &len)) {
		if ((p = room(s, len + 2))) {
			*p = '"';
			memcpy(p + 1, v, len);
			p[len + 1] = '"';
			s->n += len + 2;
		} else {   /* longer than a file stream's buffer */
			put(s, "\"", 1);
			put(s, v, len);
			put(s, "\"", 1);
		}
	} else {
		j = json_string(v);
		text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
		json_decref(j);
		if (!text) {
			fail(s, -ENOMEM);
			return;
		}
		put(s, text, strlen(text));
		free(text);
	}
}

/* Digits of v, right-aligned in a buffer ending at end; returns the first. */
static char *digits(char *end, unsigned long long v, unsigned base)
{
	do {
		*--end = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	return end;
}

static void integer(struct json_stream *s, long long v)
{
	char buf[24], *end = buf + sizeof(buf), *p;

	p = digits(end, v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v, 10);
	if (v < 0)
		*--p = '-';
	put(s, p, (size_t)(end - p));
}

static void boolean(struct json_stream *s, bool v)
{
	put(s, v ? "true" : "false", v ? 4 : 5);
}

static void hex(struct json_stream *s, uint64_t v)
{
	char buf[24], *end = buf + sizeof(buf) - 1, *p;

	*end = '"';
	p = digits(end, v, 16);
	*--p = 'x';
	*--p = '0';
	*--p = '"';
	put(s, p, (size_t)(end + 1 - p));
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

/* A stream: to write(ctx, ...) through a buffer of OUT_SIZE, or (write NULL) into memory that
 * grows up to limit bytes. NULL when out of memory. */
static struct json_stream *stream_new(bool lines, bool show_ignored, report_write_fn write,
				      void *ctx, size_t limit)
{
	struct json_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->lines = lines;
	s->show_ignored = show_ignored;
	s->write = write;
	s->ctx = ctx;
	s->limit = limit < SIZE_MAX - SLACK ? limit + SLACK : SIZE_MAX;
	s->cap = write ? OUT_SIZE : 4096;
	if (!(s->out = malloc(s->cap ? s->cap : 1))) {
		free(s);
		return NULL;
	}
	return s;
}

static void stream_free(struct json_stream *s)
{
	if (!s)
		return;
	strlist_free(&s->errors);
	free(s->out);
	free(s);
}

/* The document's opening, up to the modules' array. */
static void head(struct json_stream *s)
{
	open_c(s, '{');
	member_str(s, "$schema", CONFINE_SCAN_SCHEMA);
	member_str(s, "tool", "confine");
	member_str(s, "version", CONFINE_VERSION);
	key(s, "modules");
	open_c(s, '[');
}

struct json_stream *report_json_open(bool lines, bool show_ignored, report_write_fn write, void *ctx)
{
	struct json_stream *s = stream_new(lines, show_ignored, write, ctx, OUT_SIZE);

	if (s && !lines)
		head(s);
	return s;
}

/* Ends a module started by report_json_module or report_json_put_text. */
static int module_done(struct json_stream *s)
{
	if (s->lines)
		put(s, "\n", 1);
	flush(s);
	return s->err;
}

int report_json_module(struct json_stream *s, const struct module_report *r)
{
	if (!s->lines)
		item(s);
	put_module(s, r);
	return module_done(s);
}

/* The fewest bytes r's text can take (each function writes 12 members, each finding 14 or
 * more: at least 198 and 246 bytes), so that a module far over a limit is not rendered only to
 * be thrown away. */
static size_t size_floor(const struct module_report *r)
{
	return r->nfunctions * 180 + r->nfindings * 240;
}

int report_json_module_text(const struct module_report *r, bool lines, bool show_ignored,
			    size_t limit, struct json_text *out)
{
	struct json_stream *s;
	int err;

	if (size_floor(r) > limit)
		return -E2BIG;
	if (!(s = stream_new(lines, show_ignored, NULL, NULL, limit)))
		return -ENOMEM;
	s->depth = lines ? 0 : MODULE_DEPTH;
	put_module(s, r);
	err = s->err ?: s->n > limit ? -E2BIG : 0;
	if (!err) {
		/* The text may wait for the modules before it: keep no doubling slack. */
		char *fit = realloc(s->out, s->n ? s->n : 1);

		out->v = fit ? fit : s->out;
		out->n = s->n;
		s->out = NULL;
	}
	stream_free(s);
	return err;
}

int report_json_put_text(struct json_stream *s, const struct json_text *t)
{
	if (!s->lines)
		item(s);
	put(s, t->v, t->n);
	return module_done(s);
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

/* Closes the document (JSON: the modules, then the errors) and flushes it. */
static int finish(struct json_stream *s)
{
	if (!s->lines) {
		close_c(s, ']');
		key(s, "errors");
		strings(s, &s->errors);
		close_c(s, '}');
	}
	flush(s);
	return s->err;
}

int report_json_close(struct json_stream *s)
{
	int err;

	if (!s)
		return -ENOMEM;
	err = finish(s);
	stream_free(s);
	return err;
}

char *report_json_render(struct module_report *const *mods, size_t n, const struct strlist *errors,
			 bool show_ignored)
{
	struct json_stream *s = stream_new(false, show_ignored, NULL, NULL, SIZE_MAX);
	char *text = NULL;

	if (!s)
		return NULL;
	head(s);
	for (size_t i = 0; i < n; i++)
		report_json_module(s, mods[i]);
	for (size_t i = 0; errors && i < errors->n; i++)
		report_json_error(s, errors->v[i]);
	finish(s);
	put(s, "", 1);
	if (!s->err) {
		text = s->out;
		s->out = NULL;
	}
	stream_free(s);
	return text;
}
