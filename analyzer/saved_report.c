/* Saved reports: walks the JSON values of a saved scan with jansson and rebuilds module reports
 * field by field (the JSON format in README.md); a bad field names itself in the error. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "saved_report.h"
#include "text.h"
#include "vec.h"

/* What went wrong while reading one value: the first bad field, or memory. */
struct parse {
	const char *bad;
	bool nomem;
};

static void bad(struct parse *p, const char *key)
{
	if (!p->bad)
		p->bad = key;
}

/* A string field; null or absent is allowed only when null_ok. */
static const char *str_field(json_t *o, const char *key, bool null_ok, struct parse *p)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (!null_ok || (v && !json_is_null(v)))
		bad(p, key);
	return NULL;
}

static char *dup_field(json_t *o, const char *key, bool null_ok, struct parse *p)
{
	const char *s = str_field(o, key, null_ok, p);
	char *copy = s ? strdup(s) : NULL;

	if (s && !copy)
		p->nomem = true;
	return copy;
}

/* An address written as "0x..." hex. */
static uint64_t hex_field(json_t *o, const char *key, struct parse *p)
{
	const char *s = str_field(o, key, false, p);
	char *end;
	uint64_t v;

	if (!s)
		return 0;
	v = strtoull(s, &end, 16);
	if (strncmp(s, "0x", 2) || *end)
		bad(p, key);
	return v;
}

/* A non-negative integer; a null line number reads as 0 when null_ok. */
static uint64_t int_field(json_t *o, const char *key, bool null_ok, struct parse *p)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return (uint64_t)json_integer_value(v);
	if (!null_ok || (v && !json_is_null(v)))
		bad(p, key);
	return 0;
}

static bool bool_field(json_t *o, const char *key, struct parse *p)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		bad(p, key);
	return json_is_true(v);
}

static void strings_field(json_t *o, const char *key, struct strlist *l, struct parse *p)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (!json_is_array(a)) {
		bad(p, key);
		return;
	}
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			bad(p, key);
		else if (strlist_add(l, json_string_value(v), false))
			p->nomem = true;
	}
}

/* Calls a reader for each object of the array at key, into a calloc'd array of n elements. */
#define READ_ARRAY(o, key, out, count, reader, p)                                        \
	do {                                                                             \
		json_t *a_ = json_object_get((o), (key));                               \
		size_t n_ = json_array_size(a_);                                         \
		if (!json_is_array(a_)) {                                                \
			bad((p), (key));                                                 \
			break;                                                           \
		}                                                                        \
		if (!((out) = calloc(n_ + 1, sizeof(*(out))))) {                         \
			(p)->nomem = true;                                               \
			break;                                                           \
		}                                                                        \
		for ((count) = 0; (count) < n_ && !(p)->bad && !(p)->nomem; (count)++) \
			reader(json_array_get(a_, (count)), &(out)[(count)], (p));       \
	} while (0)

static void read_site(json_t *o, struct site *s, struct parse *p)
{
	static const char *const hows[] = { "call", "tail-call", "address-taken" };
	const char *how = str_field(o, "how", false, p);

	s->addr = hex_field(o, "address", p);
	s->function = dup_field(o, "function", true, p);
	s->file = dup_field(o, "file", true, p);
	s->line = (int)int_field(o, "line", true, p);
	s->column = (int)int_field(o, "column", true, p);   /* absent in older reports */
	for (size_t i = 0; how && i < sizeof(hows) / sizeof(hows[0]); i++)
		if (!strcmp(how, hows[i]))
			s->how = hows[i];
	if (!s->how)
		bad(p, "how");
}

static void read_call(json_t *o, struct finding *f, struct parse *p)
{
	const char *sev = str_field(o, "severity", false, p), *cat = str_field(o, "category", false, p);
	int c;

	f->group = dup_field(o, "group", true, p);
	f->alternative = dup_field(o, "alternative", true, p);
	if (sev && !strcmp(sev, rule_severity_name(SEVERITY_ERROR)))
		f->severity = SEVERITY_ERROR;
	else if (!sev || strcmp(sev, rule_severity_name(SEVERITY_WARNING)))
		bad(p, "severity");
	for (c = CATEGORY_POSIX; c >= 0 && cat && strcmp(cat, rule_category_name(c)); c--)
		;
	if (c < 0)
		bad(p, "category");
	f->category = c < 0 ? CATEGORY_STATE : (enum rule_category)c;
	READ_ARRAY(o, "sites", f->sites, f->nsites, read_site, p);
}

/* "none", "lock", ...; a saved report from before protections were known has none. */
static enum protection protection_field(json_t *o, struct parse *p)
{
	const char *s = str_field(o, "protection", true, p);
	int k;

	for (k = PROT__COUNT - 1; k > 0 && s && strcmp(s, protection_name(k)); k--)
		;
	if (s && strcmp(s, protection_name(k)))
		bad(p, "protection");
	return (enum protection)k;
}

static void read_access(json_t *o, struct access *a, struct parse *p)
{
	static const char *const uses[] = { "reads", "writes", "address-taken" };
	json_t *u = json_object_get(o, "use"), *v;
	size_t i;

	a->function = dup_field(o, "function", false, p);
	a->protection = protection_field(o, p);
	a->lock = dup_field(o, "lock", true, p);
	if (!json_is_array(u))
		bad(p, "use");
	json_array_foreach(u, i, v)
		for (size_t k = 0; k < 3; k++)
			if (json_is_string(v) && !strcmp(json_string_value(v), uses[k]))
				a->use |= (uint8_t)(1u << k);
}

static void read_state(json_t *o, struct finding *f, struct parse *p)
{
	f->section = dup_field(o, "section", false, p);
	f->size = int_field(o, "size", false, p);
	f->addr = hex_field(o, "address", p);
	strings_field(o, "readers", &f->readers, p);
	strings_field(o, "writers", &f->writers, p);
	f->guarded_init = bool_field(o, "guarded_init", p);
	if (json_object_get(o, "address_takers"))
		strings_field(o, "address_takers", &f->takers, p);
	f->protection = protection_field(o, p);
	f->lock = dup_field(o, "lock", true, p);
	if (json_object_get(o, "accesses"))
		READ_ARRAY(o, "accesses", f->accesses, f->naccesses, read_access, p);
}

static void read_finding(json_t *o, struct finding *f, struct parse *p)
{
	const char *kind = str_field(o, "kind", false, p), *fp;
	int k = kind ? kind_parse(kind) : -1;

	if (k < 0 || k >= KIND_FINDINGS_END) {
		bad(p, "kind");
		return;
	}
	f->kind = (enum kind)k;
	f->symbol = dup_field(o, "symbol", false, p);
	f->demangled = dup_field(o, "demangled", true, p);
	f->name = dup_field(o, "name", false, p);
	f->function = dup_field(o, "function", true, p);
	f->file = dup_field(o, "file", true, p);
	f->line = (int)int_field(o, "line", true, p);
	f->column = (int)int_field(o, "column", true, p);
	fp = str_field(o, "fingerprint", false, p);
	if (fp && strlen(fp) == sizeof(f->fingerprint) - 1)
		memcpy(f->fingerprint, fp, sizeof(f->fingerprint));
	else
		bad(p, "fingerprint");
	if (f->kind == KIND_NON_REENTRANT_CALL)
		read_call(o, f, p);
	else
		read_state(o, f, p);
}

/* Functions read back are not anchored: the guard patches only starts it has seen itself. */
static void read_function(json_t *o, struct function_report *fr, struct parse *p)
{
	fr->name = dup_field(o, "name", false, p);
	fr->demangled = dup_field(o, "demangled", false, p);
	fr->addr = hex_field(o, "address", p);
	fr->size = int_field(o, "size", false, p);
	fr->guard = bool_field(o, "guard", p);
	strings_field(o, "direct", &fr->uses, p);
	strings_field(o, "via", &fr->via, p);
	/* Direct functions list what they touch; the others are listed for their paths only (a
	 * direct function whose own uses are protected may have a path too). */
	fr->direct = fr->uses.n > 0 || fr->via.n == 0;
	fr->init_only = bool_field(o, "init_only", p);
	fr->exported = bool_field(o, "exported", p);
	fr->entry_branches = (uint32_t)int_field(o, "entry_branches", false, p);
	/* Reports saved before protections were known: a direct function is unprotected. */
	fr->unprotected = json_object_get(o, "unprotected") ? bool_field(o, "unprotected", p) : fr->direct;
	fr->unit = -1;
}

/* The unit a function names, by name among the module's units. */
static void link_units(json_t *fns, struct module_report *r)
{
	for (size_t i = 0; i < r->nfunctions; i++) {
		const char *u = json_string_value(json_object_get(json_array_get(fns, i), "unit"));

		for (size_t k = 0; u && k < r->nunits; k++)
			if (!strcmp(r->units[k].name, u))
				r->functions[i].unit = (long)k;
	}
}

static void read_awareness(json_t *o, struct awareness *a, struct parse *p)
{
	if (!json_object_get(o, "thread_aware"))
		return;
	a->aware = bool_field(o, "thread_aware", p);
	a->evidence = dup_field(o, "evidence", !a->aware, p);
	a->reason = a->aware ? AWARE_SYNC : AWARE_NONE;
	/* Reports saved before "aware_reason" existed: the evidence counts as synchronisation. */
	if (a->aware && json_object_get(o, "aware_reason")) {
		int why = aware_reason_parse(str_field(o, "aware_reason", false, p));

		if (why < 0)
			bad(p, "aware_reason");
		a->reason = why < 0 ? AWARE_SYNC : (uint8_t)why;
	}
}

static void read_unit(json_t *o, struct unit_report *u, struct parse *p)
{
	u->name = dup_field(o, "name", false, p);
	u->lang = (int)int_field(o, "language", false, p);
	read_awareness(o, &u->aware, p);
}

/* Each reason string is kept once, in r->held. */
static void read_ignored(json_t *o, struct module_report *r, struct ignored_report *ig, struct parse *p)
{
	const char *reason = str_field(o, "reason", false, p);
	size_t i;

	ig->symbol = dup_field(o, "symbol", false, p);
	if (!reason)
		return;
	for (i = 0; i < r->held.n && strcmp(r->held.v[i], reason); i++)
		;
	if (i == r->held.n && strlist_add(&r->held, reason, false))
		p->nomem = true;
	else
		ig->reason = r->held.v[i];
}

static void read_ignored_list(json_t *o, struct module_report *r, struct parse *p)
{
	json_t *a = json_object_get(o, "ignored");
	size_t n = json_array_size(a);

	if (!a)
		return;
	if (!json_is_array(a)) {
		bad(p, "ignored");
		return;
	}
	if (!(r->ignored = calloc(n + 1, sizeof(*r->ignored)))) {
		p->nomem = true;
		return;
	}
	for (r->nignored = 0; r->nignored < n && !p->bad && !p->nomem; r->nignored++)
		read_ignored(json_array_get(a, r->nignored), r, &r->ignored[r->nignored], p);
}

int saved_report_set_origin(struct module_report *r, const char *path, const char *member)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char *p = strdup(path), *m = member ? strdup(member) : NULL, *display = NULL, *module = NULL;
	bool ok = p && (!member || m);

	if (ok && member)
		ok = asprintf(&display, "%s(%s)", path, member) >= 0 && asprintf(&module, "%s(%s)", base, member) >= 0;
	else if (ok)
		ok = (display = strdup(path)) != NULL && (module = strdup(base)) != NULL;
	if (!ok) {
		free(p);
		free(m);
		free(display);
		free(module);
		return -ENOMEM;
	}
	free(r->path);
	free(r->member);
	free(r->display);
	free(r->module);
	r->path = p;
	r->member = m;
	r->display = display;
	r->module = module;
	return 0;
}

static void read_header(json_t *o, struct module_report *r, struct parse *p)
{
	const char *type = str_field(o, "type", false, p), *bid = str_field(o, "build_id", true, p);
	int t;

	for (t = IMAGE_EXECUTABLE; t >= 0 && type && strcmp(type, elf_image_type_name(t)); t--)
		;
	if (t < 0)
		bad(p, "type");
	r->type = t < 0 ? IMAGE_RELOCATABLE : (enum image_type)t;
	if (bid && strlen(bid) < sizeof(r->build_id))
		strcpy(r->build_id, bid);
	else if (bid)
		bad(p, "build_id");
	r->stripped = bool_field(o, "stripped", p);
	r->debug_info = bool_field(o, "debug_info", p);
}

static struct module_report *read_module(json_t *o, struct parse *p)
{
	struct module_report *r = calloc(1, sizeof(*r));
	const char *path = str_field(o, "path", false, p), *member = str_field(o, "member", true, p);

	if (!r) {
		p->nomem = true;
		return NULL;
	}
	if (path && saved_report_set_origin(r, path, member))
		p->nomem = true;
	read_header(o, r, p);
	read_awareness(o, &r->aware, p);
	if (json_object_get(o, "units"))
		READ_ARRAY(o, "units", r->units, r->nunits, read_unit, p);
	if (!p->bad && !p->nomem)
		READ_ARRAY(o, "findings", r->findings, r->nfindings, read_finding, p);
	if (!p->bad && !p->nomem)
		READ_ARRAY(o, "functions", r->functions, r->nfunctions, read_function, p);
	if (!p->bad && !p->nomem)
		link_units(json_object_get(o, "functions"), r);
	if (!p->bad && !p->nomem)
		read_ignored_list(o, r, p);
	if (p->bad || p->nomem) {
		module_report_free(r);
		return NULL;
	}
	return r;
}

static int add_module(json_t *o, struct saved_results *out, struct parse *p)
{
	struct module_report *r;

	if (!json_is_object(o)) {
		bad(p, "modules");
		return -EINVAL;
	}
	if (!(r = read_module(o, p)))
		return p->nomem ? -ENOMEM : -EINVAL;
	if ((out->n == out->cap && vec_grow((void **)&out->mods, &out->cap, sizeof(*out->mods)))) {
		module_report_free(r);
		return -ENOMEM;
	}
	out->mods[out->n++] = r;
	return 0;
}

static int add_errors(json_t *a, struct saved_results *out, struct parse *p)
{
	json_t *v;
	size_t i;

	if (!json_is_array(a)) {
		bad(p, "errors");
		return -EINVAL;
	}
	json_array_foreach(a, i, v) {
		if (!json_is_string(v)) {
			bad(p, "errors");
			return -EINVAL;
		}
		if (strlist_add(&out->errors, json_string_value(v), false))
			return -ENOMEM;
	}
	return 0;
}

/* One value: a whole document, one module (a JSONL line), or one unusable input. */
static int take_value(json_t *v, struct saved_results *out, struct parse *p)
{
	json_t *mods = json_object_get(v, "modules"), *tool = json_object_get(v, "tool"), *m;
	size_t i;
	int err = 0;

	if (!json_is_object(v) || (tool && (!json_is_string(tool) || strcmp(json_string_value(tool), "confine")))) {
		bad(p, "tool");
		return -EINVAL;
	}
	if (json_is_string(json_object_get(v, "error")))
		return strlist_add(&out->errors, json_string_value(json_object_get(v, "error")), false);
	if (!mods && json_object_get(v, "findings"))
		return add_module(v, out, p);
	if (!json_is_array(mods)) {
		bad(p, "modules");
		return -EINVAL;
	}
	json_array_foreach(mods, i, m) {
		if (!err)
			err = add_module(m, out, p);
	}
	return err ? err : add_errors(json_object_get(v, "errors"), out, p);
}

static size_t skip_space(const char *text, size_t len, size_t off)
{
	while (off < len && strchr(" \t\r\n", text[off]) && text[off])
		off++;
	return off;
}

static int line_at(const char *text, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off; i++)
		line += text[i] == '\n';
	return line;
}

int saved_report_parse(const char *text, size_t len, const char *origin, const struct diag *d,
		       struct saved_results *out)
{
	size_t off = skip_space(text, len, 0);
	int err = 0;

	if (off == len) {
		diag_log(d, DIAG_ERROR, "%s: empty: not a confine scan result", origin);
		return -EINVAL;
	}
	while (!err && off < len) {
		struct parse p = { 0 };
		json_error_t e;
		json_t *v = json_loadb(text + off, len - off, JSON_DISABLE_EOF_CHECK, &e);

		if (!v) {
			diag_log(d, DIAG_ERROR, "%s:%d: not JSON: %s", origin, line_at(text, off) + e.line - 1, e.text);
			return -EINVAL;
		}
		err = take_value(v, out, &p);
		json_decref(v);
		if (err == -EINVAL)
			diag_log(d, DIAG_ERROR, "%s:%d: not a confine scan result: bad or missing \"%s\"", origin,
				 line_at(text, off), p.bad ? p.bad : "?");
		off = skip_space(text, len, off + e.position);
	}
	return err;
}

int saved_report_load(const char *path, const struct diag *d, struct saved_results *out)
{
	char *text;
	size_t len;
	int err = text_read_file(path, &text, &len);

	if (err) {
		diag_log(d, DIAG_ERROR, "%s: cannot read: %s", path, strerror(-err));
		return err;
	}
	err = saved_report_parse(text, len, path, d, out);
	free(text);
	return err;
}

bool saved_report_sniff(const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
	size_t off;

	if (fd >= 0)
		close(fd);
	if (got <= 0)
		return false;
	off = skip_space(buf, (size_t)got, 0);
	return off < (size_t)got && buf[off] == '{';
}

void saved_results_clear(struct saved_results *s)
{
	for (size_t i = 0; i < s->n; i++)
		module_report_free(s->mods[i]);
	free(s->mods);
	strlist_free(&s->errors);
	memset(s, 0, sizeof(*s));
}
