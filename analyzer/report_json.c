/* JSON report: builds the document with jansson, keeping keys in insertion order. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
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

static json_t *sites(const struct finding *f)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < f->nsites; i++) {
		const struct site *s = &f->sites[i];

		json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o, s:s}", "address", hex(s->addr),
						   "function", str_or_null(s->function), "file",
						   str_or_null(s->file), "line",
						   s->file ? json_integer(s->line) : json_null(), "how", s->how));
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
	return json_pack("{s:b, s:o}", "thread_aware", a->aware, "evidence", str_or_null(a->evidence));
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
		json_object_set_new(o, "readers", strings(&f->readers));
		json_object_set_new(o, "writers", strings(&f->writers));
		json_object_set_new(o, "address_takers", strings(&f->takers));
		json_object_set_new(o, "guarded_init", json_boolean(f->guarded_init));
		json_object_set_new(o, "protection", json_string(protection_name(f->protection)));
		json_object_set_new(o, "lock", str_or_null(f->lock));
		json_object_set_new(o, "accesses", accesses(f));
		json_object_set_new(o, "severity", json_string(rule_severity_name(baseline_severity(f))));
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

static json_t *module(const struct module_report *r, bool show_ignored)
{
	json_t *fs = json_array(), *fns = json_array(), *m;

	for (size_t i = 0; fs && i < r->nfindings; i++)
		json_array_append_new(fs, finding(&r->findings[i]));
	for (size_t i = 0; fns && i < r->nfunctions; i++)
		json_array_append_new(fns, function(r, &r->functions[i]));
	m = json_pack("{s:s, s:s, s:o, s:o, s:b, s:b, s:b, s:o, s:o, s:o, s:o}", "path", r->path, "type",
		      elf_image_type_name(r->type), "member", str_or_null(r->member), "build_id",
		      r->build_id[0] ? json_string(r->build_id) : json_null(), "stripped", r->stripped,
		      "debug_info", r->debug_info, "thread_aware", r->aware.aware, "evidence",
		      str_or_null(r->aware.evidence), "units", units(r), "findings", fs, "functions", fns);
	if (m && show_ignored) {
		json_t *ign = json_array();

		for (size_t i = 0; ign && i < r->nignored; i++)
			json_array_append_new(ign, json_pack("{s:s, s:s}", "symbol", r->ignored[i].symbol,
							     "reason", r->ignored[i].reason));
		json_object_set_new(m, "ignored", ign);
	}
	return m;
}

char *report_json_render(struct module_report *const *mods, size_t n, const struct strlist *errors,
			 bool show_ignored)
{
	json_t *ms = json_array(), *doc;
	char *out;

	for (size_t i = 0; ms && i < n; i++)
		json_array_append_new(ms, module(mods[i], show_ignored));
	doc = json_pack("{s:s, s:s, s:s, s:o, s:o}", "$schema", CONFINE_SCAN_SCHEMA, "tool", "confine",
			"version", CONFINE_VERSION,
			"modules", ms, "errors", errors ? strings(errors) : json_array());
	if (!doc)
		return NULL;
	out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return out;
}
