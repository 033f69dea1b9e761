/* Policies: JSON (jansson) for confined functions per module, module selection and domains. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"
#include "suppress.h"
#include "version.h"

static void fn_clear(struct policy_fn *f)
{
	free(f->name);
	free(f->demangled);
	strlist_free(&f->uses);
}

void policy_clear(struct policy *p)
{
	for (size_t i = 0; p && i < p->n; i++) {
		for (size_t k = 0; k < p->mods[i].nfns; k++)
			fn_clear(&p->mods[i].fns[k]);
		free(p->mods[i].fns);
		free(p->mods[i].path);
	}
	if (p) {
		free(p->mods);
		p->mods = NULL;
		p->n = 0;
	}
}

static struct policy_module *add_module(struct policy *p, const char *path, const char *build_id)
{
	struct policy_module *nm = realloc(p->mods, (p->n + 1) * sizeof(*nm));

	if (!nm)
		return NULL;
	p->mods = nm;
	memset(&nm[p->n], 0, sizeof(*nm));
	if (!(nm[p->n].path = strdup(path)))
		return NULL;
	snprintf(nm[p->n].build_id, sizeof(nm[p->n].build_id), "%s", build_id ? build_id : "");
	return &p->mods[p->n++];
}

static int copy_fn(struct policy_fn *f, const struct function_report *fr)
{
	f->name = strdup(fr->name);
	f->demangled = strdup(fr->demangled);
	f->addr = fr->addr;
	f->size = fr->size;
	f->entry_branch = fr->entry_branch;
	if (!f->name || !f->demangled)
		return -ENOMEM;
	for (size_t i = 0; i < fr->uses.n; i++)
		if (strlist_add(&f->uses, fr->uses.v[i], false))
			return -ENOMEM;
	return 0;
}

int policy_add_report(struct policy *p, const struct module_report *r)
{
	struct policy_module *m = add_module(p, r->path, r->build_id);

	if (!m)
		return -ENOMEM;
	m->fns = calloc(r->nfunctions + 1, sizeof(*m->fns));
	if (!m->fns)
		return -ENOMEM;
	for (size_t i = 0; i < r->nfunctions; i++) {
		if (!r->functions[i].guard)
			continue;
		if (copy_fn(&m->fns[m->nfns++], &r->functions[i]))
			return -ENOMEM;
	}
	return 0;
}

static json_t *hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	return json_string(buf);
}

static json_t *render_fn(const struct policy_fn *f)
{
	json_t *uses = json_array();

	for (size_t i = 0; uses && i < f->uses.n; i++)
		json_array_append_new(uses, json_string(f->uses.v[i]));
	return json_pack("{s:s, s:s, s:o, s:I, s:i, s:o}", "name", f->name, "demangled", f->demangled,
			 "address", hex(f->addr), "size", (json_int_t)f->size, "entry_branch",
			 (int)f->entry_branch, "uses", uses);
}

char *policy_render(const struct policy *p, const char *rules_digest)
{
	json_t *mods = json_array(), *doc;
	char *out;

	for (size_t i = 0; mods && i < p->n; i++) {
		json_t *fns = json_array();

		for (size_t k = 0; fns && k < p->mods[i].nfns; k++)
			json_array_append_new(fns, render_fn(&p->mods[i].fns[k]));
		json_array_append_new(mods, json_pack("{s:s, s:s, s:o}", "path", p->mods[i].path, "build_id",
						      p->mods[i].build_id, "functions", fns));
	}
	doc = json_pack("{s:s, s:s, s:i, s:s, s:o}", "tool", "confine", "version", CONFINE_VERSION,
			"policy", 1, "rules", rules_digest ? rules_digest : "", "modules", mods);
	if (!doc)
		return NULL;
	out = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return out;
}

static int parse_fn(json_t *jf, struct policy_fn *f)
{
	const char *name = NULL, *dm = NULL, *addr = NULL;
	json_int_t size = 0, eb = 0;
	json_t *uses = NULL, *u;
	size_t i;

	if (json_unpack(jf, "{s:s, s:s, s:s, s:I, s:I, s:o}", "name", &name, "demangled", &dm, "address",
			&addr, "size", &size, "entry_branch", &eb, "uses", &uses) || !json_is_array(uses))
		return -EINVAL;
	f->name = strdup(name);
	f->demangled = strdup(dm);
	f->addr = strtoull(addr, NULL, 16);
	f->size = (uint64_t)size;
	f->entry_branch = (unsigned)eb;
	if (!f->name || !f->demangled)
		return -ENOMEM;
	json_array_foreach(uses, i, u)
		if (!json_is_string(u) || strlist_add(&f->uses, json_string_value(u), false))
			return json_is_string(u) ? -ENOMEM : -EINVAL;
	return 0;
}

static int parse_module(json_t *jm, struct policy *p)
{
	const char *path = NULL, *bid = NULL;
	json_t *fns = NULL, *jf;
	struct policy_module *m;
	size_t i;
	int err;

	if (json_unpack(jm, "{s:s, s:s, s:o}", "path", &path, "build_id", &bid, "functions", &fns) ||
	    !json_is_array(fns))
		return -EINVAL;
	if (!(m = add_module(p, path, bid)) || !(m->fns = calloc(json_array_size(fns) + 1, sizeof(*m->fns))))
		return -ENOMEM;
	json_array_foreach(fns, i, jf) {
		if ((err = parse_fn(jf, &m->fns[m->nfns++])) != 0)
			return err;
	}
	return 0;
}

int policy_parse(const char *text, const char *origin, const struct diag *d, struct policy *p,
		 char **digest)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr), *mods = NULL, *jm;
	const char *tool = NULL, *rules = "";
	int version = 0, err = 0;
	size_t i;

	if (!doc) {
		diag_log(d, DIAG_ERROR, "%s:%d: not JSON: %s", origin, jerr.line, jerr.text);
		return -EINVAL;
	}
	if (json_unpack(doc, "{s:s, s:i, s?s, s:o}", "tool", &tool, "policy", &version, "rules", &rules,
			"modules", &mods) || strcmp(tool, "confine") || version != 1 || !json_is_array(mods))
		err = -EINVAL;
	json_array_foreach(mods, i, jm) {
		if (!err)
			err = parse_module(jm, p);
	}
	if (!err && digest && !(*digest = strdup(rules)))
		err = -ENOMEM;
	if (err == -EINVAL)
		diag_log(d, DIAG_ERROR, "%s: not a confine policy (write one with 'confine policy')", origin);
	json_decref(doc);
	return err;
}

const struct policy_module *policy_find(const struct policy *p, const char *build_id)
{
	for (size_t i = 0; build_id && *build_id && i < p->n; i++)
		if (!strcmp(p->mods[i].build_id, build_id))
			return &p->mods[i];
	return NULL;
}

struct use {
	const char *name;
	size_t fn;
};

static int cmp_use(const void *a, const void *b)
{
	int c = strcmp(((const struct use *)a)->name, ((const struct use *)b)->name);

	return c ? c : (((const struct use *)a)->fn > ((const struct use *)b)->fn) -
		       (((const struct use *)a)->fn < ((const struct use *)b)->fn);
}

static size_t find_root(size_t *parent, size_t x)
{
	while (parent[x] != x)
		x = parent[x] = parent[parent[x]];
	return x;
}

/* Union-find over functions: two functions touching one name share a domain. Each group is
 * named after its smallest name. */
static int group_by_state(const struct policy_module *m, size_t *parent, const char **label)
{
	size_t n = 0;
	struct use *uses;

	for (size_t i = 0; i < m->nfns; i++)
		n += m->fns[i].uses.n;
	uses = calloc(n + 1, sizeof(*uses));
	if (!uses)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < m->nfns; i++) {
		parent[i] = i;
		for (size_t k = 0; k < m->fns[i].uses.n; k++)
			uses[n++] = (struct use){ m->fns[i].uses.v[k], i };
	}
	qsort(uses, n, sizeof(*uses), cmp_use);
	for (size_t k = 1; k < n; k++)
		if (!strcmp(uses[k].name, uses[k - 1].name))
			parent[find_root(parent, uses[k].fn)] = find_root(parent, uses[k - 1].fn);
	for (size_t k = 0; k < n; k++) {
		size_t r = find_root(parent, uses[k].fn);

		if (!label[r])
			label[r] = uses[k].name;   /* sorted: the first seen is the smallest */
	}
	free(uses);
	return 0;
}

int policy_domains(const struct policy_module *m, const char *file, bool by_state, struct strlist *names)
{
	size_t *parent = calloc(m->nfns + 1, sizeof(*parent));
	const char **label = calloc(m->nfns + 1, sizeof(*label));
	int err = parent && label ? 0 : -ENOMEM;

	if (!err && by_state)
		err = group_by_state(m, parent, label);
	for (size_t i = 0; !err && i < m->nfns; i++) {
		const char *l = by_state ? label[find_root(parent, i)] : NULL;
		char *name;

		if (asprintf(&name, "%s%s%s", file, l ? ":" : "", l ? l : "") < 0)
			err = -ENOMEM;
		else {
			err = strlist_add(names, name, false);
			free(name);
		}
	}
	free(parent);
	free(label);
	return err;
}

static bool in_system_dir(const char *path)
{
	static const char *const dirs[] = { "/lib/", "/lib64/", "/lib32/", "/usr/lib/", "/usr/lib64/",
					    "/usr/lib32/", "/usr/libexec/" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		if (!strncmp(path, dirs[i], strlen(dirs[i])))
			return true;
	return false;
}

bool policy_module_selected(const char *path, bool main_program, const char *globs)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char glob[256];

	if (!globs || !*globs)
		return main_program || !in_system_dir(path);
	for (const char *g = globs; *g;) {
		size_t len = strcspn(g, ",");

		snprintf(glob, sizeof(glob), "%.*s", (int)len, g);
		if (len && (suppress_glob(glob, path) || suppress_glob(glob, base)))
			return true;
		g += len + (g[len] == ',');
	}
	return false;
}

void policy_digest(const char *text, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)findings_hash(text, FINDINGS_HASH_INIT));
}
