/* SARIF report: one run with a rule per finding kind and a result per finding, built with
 * jansson; paths become repo-relative URIs under the source root. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report_sarif.h"
#include "symbols.h"
#include "version.h"

#define SCHEMA_URI "https://json.schemastore.org/sarif-2.1.0.json"
#define FINGERPRINT_KEY "confineFingerprint/v1"
#define MAX_USERS 3   /* functions named in a message before "and N more" */

struct rule_text {
	const char *name, *short_text, *full_text, *help, *cwe;
};

static const struct rule_text rule_texts[KIND_FINDINGS_END] = {
	[KIND_MUTABLE_GLOBAL] = {
		"MutableGlobal", "Mutable global variable shared by every thread",
		"A writable object with global or weak binding defined in this module (.data, .bss, "
		"COMMON, C++ class statics). Every thread that calls into the module shares its one "
		"copy, so reads and writes from several threads without a lock are data races.",
		"Keep the state per call (a parameter or a context object the caller owns), make it "
		"thread-local if each thread needs its own copy, or guard every access with a lock. "
		"Until then, keep every function that touches it on one thread; the runtime guard "
		"(confine run) checks that in staging.",
		"external/cwe/cwe-362" },
	[KIND_MUTABLE_STATIC] = {
		"MutableStatic", "Mutable file-scope static shared by every thread",
		"A writable object with local binding at file scope (a C static, a C++ object in an "
		"anonymous namespace). Every thread shares its one copy, so reads and writes from "
		"several threads without a lock are data races.",
		"Keep the state per call (a parameter or a context object the caller owns), make it "
		"thread-local if each thread needs its own copy, or guard every access with a lock. "
		"Until then, keep every function that touches it on one thread.",
		"external/cwe/cwe-362" },
	[KIND_MUTABLE_LOCAL_STATIC] = {
		"MutableLocalStatic", "Function-local static shared by every thread",
		"A static variable declared inside a function: it keeps its value between calls and "
		"every thread shares it. A C++ static with a thread-safe initialiser is still raced "
		"by later writes.",
		"Return the value to the caller or keep it in caller-owned state, make it "
		"thread-local, or guard every access with a lock; until then call the function from "
		"one thread only.",
		"external/cwe/cwe-362" },
	[KIND_NON_REENTRANT_CALL] = {
		"NonReentrantCall", "Call to a non-reentrant function",
		"A call to (or the address of) a function listed in confine's rules: it keeps hidden "
		"static state (strtok, localtime, getpwnam, ...), changes process-wide settings "
		"(setenv, setlocale, ...), or is one that POSIX allows to be non-reentrant (rand, "
		"strerror, ...). Calls from several threads race on that state.",
		"Use the reentrant alternative named in the result (strtok_r, localtime_r, "
		"getpwnam_r, ...), or keep every call to functions that share the state on one "
		"thread. Set the environment and the locale before any thread starts.",
		"external/cwe/cwe-663" },
};

static const char *level_name(enum rule_severity s)
{
	return s == SEVERITY_ERROR ? "error" : "warning";
}

/* Calibration, documented in README.md (SARIF for code scanning). GitHub ranks
 * security-severity 0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0+ critical. A race needs two
 * threads in the code at once, which the binary does not show, so nothing is high: hidden libc
 * state is certain once two threads call (6.0, precision high); a writable object may still be
 * guarded by something the scan cannot see (5.0, a function-local static 4.5: precision
 * medium); what only POSIX allows to be unsafe, or what no code of the module touches, is low. */
struct calibration {
	const char *severity, *precision;
};

static const struct calibration kind_calibration[KIND_FINDINGS_END] = {
	[KIND_MUTABLE_GLOBAL] = { "5.0", "medium" },
	[KIND_MUTABLE_STATIC] = { "5.0", "medium" },
	[KIND_MUTABLE_LOCAL_STATIC] = { "4.5", "medium" },
	[KIND_NON_REENTRANT_CALL] = { "6.0", "high" },
};

static const char *security_severity(const struct finding *f)
{
	if (f->kind == KIND_NON_REENTRANT_CALL) {
		if (f->severity == SEVERITY_WARNING)
			return "2.0";
		return f->category == CATEGORY_ENV ? "5.5" : "6.0";
	}
	if (!f->readers.n && !f->writers.n && !f->takers.n)
		return "3.0";
	return kind_calibration[f->kind].severity;
}

static json_t *rule(enum kind k)
{
	const struct rule_text *t = &rule_texts[k];
	char *markdown = NULL;
	json_t *r;

	if (asprintf(&markdown, "**%s**\n\n%s\n\n%s", t->short_text, t->full_text, t->help) < 0)
		return NULL;
	r = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s, s:s}, s:{s:s}, "
		      "s:{s:[s, s, s, s], s:s, s:s, s:s}}",
		      "id", kind_name(k), "name", t->name, "shortDescription", "text", t->short_text,
		      "fullDescription", "text", t->full_text, "help", "text", t->help, "markdown",
		      markdown, "defaultConfiguration", "level", "error", "properties", "tags",
		      "security", "concurrency", "thread-safety", t->cwe, "precision",
		      kind_calibration[k].precision, "problem.severity", "error", "security-severity",
		      kind_calibration[k].severity);
	free(markdown);
	return r;
}

static json_t *rules(void)
{
	json_t *a = json_array();

	for (int k = 0; a && k < KIND_FINDINGS_END; k++) {
		json_t *r = rule((enum kind)k);

		if (!r || json_array_append_new(a, r)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* --- paths and URIs -------------------------------------------------------------------------- */

/* Lexically normalized path: no "." or empty segments; ".." folds the segment before it, stays
 * at the start of a relative path and vanishes at the root. Malloc'd; NULL when out of memory. */
static char *normalize(const char *path)
{
	bool abs = path[0] == '/';
	char *copy = strdup(path), *out = malloc(strlen(path) + 3), *save = NULL, *p;
	const char **seg = calloc(strlen(path) / 2 + 2, sizeof(*seg));
	size_t n = 0;

	if (!copy || !out || !seg)
		goto fail;
	for (char *s = strtok_r(copy, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		bool up = !strcmp(s, "..");

		if (!strcmp(s, ".") || (up && abs && !n))
			continue;
		if (up && n && strcmp(seg[n - 1], ".."))
			n--;
		else
			seg[n++] = s;
	}
	p = out;
	if (abs)
		*p++ = '/';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "/" : "", seg[i]);
	if (p == out)
		*p++ = '.';
	*p = '\0';
	free(copy);
	free(seg);
	return out;
fail:
	free(copy);
	free(out);
	free(seg);
	return NULL;
}

/* prefix + path with every byte outside [A-Za-z0-9-._~/] percent-encoded. */
static char *encode(const char *prefix, const char *path)
{
	char *out = malloc(strlen(prefix) + 3 * strlen(path) + 1), *p;

	if (!out)
		return NULL;
	p = out + sprintf(out, "%s", prefix);
	for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr("-._~/", *s))
			*p++ = (char)*s;
		else
			p += sprintf(p, "%%%02X", *s);
	}
	*p = '\0';
	return out;
}

/* The part of an absolute normalized path under root, or NULL. */
static const char *under(const char *root, const char *abs)
{
	size_t len = strlen(root);

	if (len == 1 && root[0] == '/')
		return abs[1] ? abs + 1 : NULL;
	if (!strncmp(abs, root, len) && abs[len] == '/' && abs[len + 1])
		return abs + len + 1;
	return NULL;
}

char *report_sarif_path(const char *path, bool from_cwd, const struct sarif_options *o,
			bool *outside)
{
	char *joined = NULL, *abs, *root, *out = NULL;
	const char *rel;

	*outside = false;
	if (path[0] != '/' && !from_cwd)
		return normalize(path);
	if (path[0] != '/' && asprintf(&joined, "%s/%s", o->cwd, path) < 0)
		return NULL;
	abs = normalize(joined ? joined : path);
	root = normalize(o->source_root);
	if (abs && root) {
		rel = under(root, abs);
		*outside = !rel;
		out = strdup(rel ? rel : abs);
	}
	free(joined);
	free(abs);
	free(root);
	return out;
}

char *report_sarif_uri(const char *path, bool from_cwd, const struct sarif_options *o)
{
	bool outside;
	char *p = report_sarif_path(path, from_cwd, o, &outside), *uri;

	if (!p)
		return NULL;
	uri = encode(outside ? "file://" : "", p);
	free(p);
	return uri;
}

/* --- results --------------------------------------------------------------------------------- */

struct item {
	const struct module_report *module;
	const struct finding *finding;
	unsigned occurrence;   /* 1 for the first finding with its fingerprint in the run, then 2, ... */
};

/* "written by a, b, c and 2 more", "read by a", "its address taken (not a write) by a", or
 * "used by no function of this module". */
static void users(FILE *out, const struct finding *f)
{
	const struct strlist *l = f->writers.n ? &f->writers : f->readers.n ? &f->readers : &f->takers;

	if (!l->n) {
		fputs("used by no function of this module", out);
		return;
	}
	fputs(f->writers.n ? "written by " : f->readers.n ? "read by " : "its address taken (not a write) by ", out);
	for (size_t i = 0; i < l->n && i < MAX_USERS; i++) {
		char *dm = symbols_demangle(l->v[i]);

		fprintf(out, "%s%s", i ? ", " : "", dm ? dm : l->v[i]);
		free(dm);
	}
	if (l->n > MAX_USERS)
		fprintf(out, " and %zu more", l->n - MAX_USERS);
}

static void state_message(FILE *out, const struct item *it, const char *function)
{
	const struct finding *f = it->finding;
	static const char *const what[] = { "Mutable global", "Mutable static", "Function-local static" };

	fprintf(out, "%s '%s'", what[f->kind],
		f->kind == KIND_MUTABLE_LOCAL_STATIC || !f->demangled ? f->name : f->demangled);
	if (function)
		fprintf(out, " of %s", function);
	if (f->size || f->symbol[0] != '.')
		fprintf(out, " (%s, %llu bytes)", f->section, (unsigned long long)f->size);
	else
		fprintf(out, " (%s, size unknown)", f->section);
	fprintf(out, " in %s is shared by every thread; ", it->module->module);
	users(out, f);
	fputc('.', out);
}

static void call_message(FILE *out, const struct item *it, const char *function)
{
	const struct finding *f = it->finding;

	if (function)
		fprintf(out, "%s calls %s in %s: ", function, f->symbol, it->module->module);
	else
		fprintf(out, "The address of %s is stored in data in %s: ", f->symbol, it->module->module);
	if (f->category == CATEGORY_ENV)
		fputs("it changes process-wide settings and is unsafe once threads run", out);
	else if (f->category == CATEGORY_POSIX)
		fputs("POSIX allows it to be non-reentrant", out);
	else
		fprintf(out, "it keeps hidden static state that every thread shares (group '%s')",
			f->group ? f->group : f->name);
	if (f->alternative)
		fprintf(out, "; use %s instead", f->alternative);
	fputc('.', out);
}

/* The function a finding belongs to, demangled; malloc'd, NULL at file scope. */
static char *function_of(const struct finding *f)
{
	if (!f->function)
		return NULL;
	return f->function_demangled ? strdup(f->function_demangled) : symbols_demangle(f->function);
}

static char *message(const struct item *it, const char *function)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return NULL;
	if (it->finding->kind == KIND_NON_REENTRANT_CALL)
		call_message(out, it, function);
	else
		state_message(out, it, function);
	if (fclose(out)) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *report_sarif_message(const struct module_report *m, const struct finding *f)
{
	struct item it = { m, f, 1 };
	char *function = function_of(f), *text = NULL;

	if (!f->function || function)
		text = message(&it, function);
	free(function);
	return text;
}

/* The source line from DWARF, or the binary itself at line 1 without debug info. A relative
 * URI is relative to the source root, %SRCROOT% (GitHub: the repository's root). */
static json_t *location(const struct item *it, const char *function, const struct sarif_options *o)
{
	const struct finding *f = it->finding;
	char *uri = f->file ? report_sarif_uri(f->file, false, o) : report_sarif_uri(it->module->path, true, o);
	json_t *loc, *art;

	if (!uri)
		return NULL;
	art = strncmp(uri, "file://", 7) ? json_pack("{s:s, s:s}", "uri", uri, "uriBaseId", "%SRCROOT%")
					 : json_pack("{s:s}", "uri", uri);
	loc = json_pack("{s:{s:o, s:{s:i}}}", "physicalLocation", "artifactLocation", art,
			"region", "startLine", f->file && f->line > 0 ? f->line : 1);
	if (loc && f->file && f->line > 0 && f->column > 0)   /* where DWARF recorded it */
		json_object_set_new(json_object_get(json_object_get(loc, "physicalLocation"), "region"),
				    "startColumn", json_integer(f->column));
	if (loc && function)
		json_object_set_new(loc, "logicalLocations",
				    json_pack("[{s:s, s:s, s:s}]", "name", function, "decoratedName",
					      f->function, "kind", "function"));
	free(uri);
	return loc;
}

/* The fingerprint, with ":N" for the N-th finding of a fingerprint in the run (N > 1), so that
 * same-named findings (statics of two files) stay distinct alerts. */
static void occurrence_key(const struct item *it, char *buf, size_t size)
{
	if (it->occurrence > 1)
		snprintf(buf, size, "%s:%u", it->finding->fingerprint, it->occurrence);
	else
		snprintf(buf, size, "%s", it->finding->fingerprint);
}

static json_t *result(const struct item *it, bool is_new, const struct sarif_options *o)
{
	const struct finding *f = it->finding;
	enum rule_severity sev = baseline_severity(f);
	char *function = function_of(f), *text = message(it, function), fp[32];
	json_t *r = NULL;

	occurrence_key(it, fp, sizeof(fp));
	if (text && (!f->function || function))
		r = json_pack("{s:s, s:i, s:s, s:{s:s}, s:[o], s:{s:s}, s:{s:s, s:s, s:s}}", "ruleId",
			      kind_name(f->kind), "ruleIndex", (int)f->kind, "level", level_name(sev),
			      "message", "text", text, "locations", location(it, function, o),
			      "partialFingerprints", FINGERPRINT_KEY, fp, "properties",
			      "security-severity", security_severity(f), "module", it->module->module,
			      "fingerprint", f->fingerprint);
	if (r && is_new)
		json_object_set_new(r, "baselineState", json_string("new"));
	free(function);
	free(text);
	return r;
}

/* --- the log ------------------------------------------------------------------------------- */

static int cmp_item_ptr(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a, *y = *(const struct item *const *)b;
	int c = strcmp(x->finding->fingerprint, y->finding->fingerprint);

	return c ? c : (x > y) - (x < y);
}

/* Numbers the findings of each fingerprint in run order. Returns 0 or -1 (out of memory). */
static int number_occurrences(struct item *items, size_t n)
{
	struct item **by = calloc(n + 1, sizeof(*by));

	if (!by)
		return -1;
	for (size_t i = 0; i < n; i++)
		by[i] = &items[i];
	if (n > 1)
		qsort(by, n, sizeof(*by), cmp_item_ptr);
	for (size_t i = 0; i < n; i++)
		by[i]->occurrence = i && !strcmp(by[i - 1]->finding->fingerprint,
						 by[i]->finding->fingerprint) ? by[i - 1]->occurrence + 1 : 1;
	free(by);
	return 0;
}

static json_t *invocation(const struct sarif_options *o)
{
	json_t *inv = json_pack("{s:b}", "executionSuccessful", !o->errors || !o->errors->n);
	json_t *notes;

	if (!inv || !o->errors || !o->errors->n)
		return inv;
	notes = json_array();
	for (size_t i = 0; notes && i < o->errors->n; i++)
		json_array_append_new(notes, json_pack("{s:s, s:{s:s}}", "level", "error", "message",
							"text", o->errors->v[i]));
	json_object_set_new(inv, "toolExecutionNotifications", notes);
	return inv;
}

static json_t *results(struct item *items, size_t n, bool is_new, const struct sarif_options *o)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		json_t *r = result(&items[i], is_new, o);

		if (!r || json_array_append_new(a, r)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static char *render(struct item *items, size_t n, bool is_new, const struct sarif_options *o)
{
	json_t *run, *doc;
	char *out;

	if (number_occurrences(items, n))
		return NULL;
	run = json_pack("{s:{s:{s:s, s:s, s:s, s:o}}, s:[o], s:o}", "tool", "driver", "name",
			"confine", "version", CONFINE_VERSION, "semanticVersion", CONFINE_VERSION,
			"rules", rules(), "invocations", invocation(o), "results",
			results(items, n, is_new, o));
	doc = json_pack("{s:s, s:s, s:[o]}", "$schema", SCHEMA_URI, "version", "2.1.0", "runs", run);
	if (!doc)
		return NULL;
	out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return out;
}

char *report_sarif_render(struct module_report *const *mods, size_t n, const struct sarif_options *o)
{
	size_t total = 0, k = 0;
	struct item *items;
	char *out;

	for (size_t m = 0; m < n; m++)
		total += mods[m]->nfindings;
	items = calloc(total + 1, sizeof(*items));
	if (!items)
		return NULL;
	/* Protected state (locked, atomic, once) is no alert. */
	for (size_t m = 0; m < n; m++)
		for (size_t i = 0; i < mods[m]->nfindings; i++)
			if (finding_unprotected(&mods[m]->findings[i]))
				items[k++] = (struct item){ mods[m], &mods[m]->findings[i], 0 };
	out = render(items, k, false, o);
	free(items);
	return out;
}

char *report_sarif_render_new(const struct baseline_diff *d, const struct sarif_options *o)
{
	struct item *items = calloc(d->nadded + 1, sizeof(*items));
	char *out;

	if (!items)
		return NULL;
	for (size_t i = 0; i < d->nadded; i++)
		items[i] = (struct item){ d->added[i].module, d->added[i].finding, 0 };
	out = render(items, d->nadded, true, o);
	free(items);
	return out;
}

/* The nearest directory from dir upwards holding .git (a directory, or the file of a worktree
 * or submodule); NULL when there is none or out of memory. */
static char *repository_root(const char *dir)
{
	char *d = strdup(dir), *git = NULL, *slash;

	while (d && d[0] == '/') {
		if (asprintf(&git, "%s/.git", d[1] ? d : "") < 0)
			break;
		if (access(git, F_OK) == 0) {
			free(git);
			return d;
		}
		free(git);
		if (!d[1])
			break;
		slash = strrchr(d, '/');
		slash[slash == d] = '\0';
	}
	free(d);
	return NULL;
}

int report_sarif_resolve(const char *source_root, char **root, char **cwd, const struct diag *d)
{
	int err;

	*cwd = realpath(".", NULL);
	*root = source_root ? realpath(source_root, NULL) : *cwd ? repository_root(*cwd) : NULL;
	if (!source_root && !*root && *cwd)
		*root = strdup(*cwd);
	if (*root && *cwd)
		return 0;
	err = errno;
	diag_log(d, DIAG_ERROR, "%s: cannot use as source root: %s", source_root ? source_root : ".",
		 strerror(err));
	free(*root);
	free(*cwd);
	*root = *cwd = NULL;
	return -err;
}
