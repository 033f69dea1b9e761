/* Policies: the line-based file of confined functions per module, module selection, domains. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"
#include "suppress.h"
#include "vec.h"
#include "version.h"

static void fn_clear(struct policy_fn *f)
{
	free(f->name);
	free(f->demangled);
	strlist_free(&f->uses);
}

void policy_clear(struct policy *p)
{
	if (p && p->block) {
		free(p->block);
		*p = (struct policy){ 0 };
		return;
	}
	for (size_t i = 0; p && i < p->n; i++) {
		for (size_t k = 0; k < p->mods[i].nfns; k++)
			fn_clear(&p->mods[i].fns[k]);
		for (size_t k = 0; k < p->mods[i].nunits; k++) {
			free(p->mods[i].units[k].name);
			free(p->mods[i].units[k].aware.evidence);
		}
		free(p->mods[i].units);
		free(p->mods[i].aware.evidence);
		free(p->mods[i].fns);
		free(p->mods[i].path);
	}
	if (p) {
		free(p->mods);
		p->mods = NULL;
		p->n = p->cap = 0;
	}
}

static struct policy_module *add_module(struct policy *p, const char *path, const char *build_id)
{
	struct policy_module *nm;

	if (VEC_RESERVE_ARRAY(p->mods, p->n, p->cap))
		return NULL;
	nm = memset(&p->mods[p->n], 0, sizeof(*nm));
	if (!(nm->path = strdup(path)))
		return NULL;
	snprintf(nm->build_id, sizeof(nm->build_id), "%s", build_id ? build_id : "");
	p->n++;
	return nm;
}

/* The guard's view of an awareness verdict: creating threads alone is no evidence. */
static int copy_aware(struct policy_aware *to, const struct awareness *from)
{
	to->aware = from->aware && from->reason != AWARE_THREADS;
	if (to->aware && from->evidence && !(to->evidence = strdup(from->evidence)))
		return -ENOMEM;
	return 0;
}

/* A unit naive by itself counts as aware when another unit of the module in the same language
 * is: a program's locking lives in a few files, and guards the state of all the others. */
static int inherit_aware(struct policy_unit *u, const struct module_report *r)
{
	for (size_t k = 0; !u->aware.aware && k < r->nunits; k++) {
		struct policy_aware other = { 0 };

		if (r->units[k].lang != u->lang)
			continue;
		if (copy_aware(&other, &r->units[k].aware))
			return -ENOMEM;
		if (other.aware) {
			u->aware.aware = true;
			if (asprintf(&u->aware.evidence, "%s in %s", other.evidence ? other.evidence : "thread-aware",
				     r->units[k].name) < 0)
				u->aware.evidence = NULL;
		}
		free(other.evidence);
		if (u->aware.aware && !u->aware.evidence)
			return -ENOMEM;
	}
	return 0;
}

/* The units of the listed functions (renumbered in order of first use), and the module's
 * verdict. */
static int copy_units(struct policy_module *m, const struct module_report *r)
{
	long *map = calloc(r->nunits + 1, sizeof(*map));
	int err = map ? copy_aware(&m->aware, &r->aware) : -ENOMEM;

	if (!err && !(m->units = calloc(r->nunits + 1, sizeof(*m->units))))
		err = -ENOMEM;
	for (size_t i = 0; !err && i < m->nfns; i++) {
		long u = m->fns[i].unit;

		if (u < 0 || (size_t)u >= r->nunits) {
			m->fns[i].unit = -1;
			continue;
		}
		if (!map[u]) {
			struct policy_unit *pu = &m->units[m->nunits];

			map[u] = (long)++m->nunits;
			pu->lang = r->units[u].lang;
			if (!(pu->name = strdup(r->units[u].name)) || copy_aware(&pu->aware, &r->units[u].aware) ||
			    inherit_aware(pu, r))
				err = -ENOMEM;
		}
		m->fns[i].unit = map[u] - 1;
	}
	free(map);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int copy_fn(struct policy_fn *f, const struct function_report *fr, const struct strlist *touchers)
{
	f->unit = fr->unit;
	f->state = touchers->n && bsearch(&fr->name, touchers->v, touchers->n, sizeof(char *), cmp_str);
	f->name = strdup(fr->name);
	f->demangled = strdup(fr->demangled);
	f->addr = fr->addr;
	f->size = fr->size;
	f->entry_branches = fr->entry_branches;
	if (!f->name || !f->demangled)
		return -ENOMEM;
	for (size_t i = 0; i < fr->uses.n; i++)
		if (strlist_add(&f->uses, fr->uses.v[i], false))
			return -ENOMEM;
	return 0;
}

/* Callers of a user's thread-hostile API, which the guard cannot check by interposition. */
static int user_rule_callers(const struct finding *f, const struct rules *rules, struct strlist *out)
{
	const struct rule *ru = rules_find(rules, f->symbol, LIBC_ANY);

	if (!ru || !(ru->sources & SOURCE_USER) || ru->severity != SEVERITY_ERROR)
		return 0;
	for (size_t k = 0; k < f->nsites; k++)
		if (f->sites[k].function && strlist_add(out, f->sites[k].function, false))
			return -ENOMEM;
	return 0;
}

/* The functions that touch the module's state unprotected themselves (or call a user rule),
 * sorted. */
static int state_touchers(const struct module_report *r, const struct rules *rules, struct strlist *out)
{
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];

		if (f->kind == KIND_NON_REENTRANT_CALL) {
			if (user_rule_callers(f, rules, out))
				return -ENOMEM;
			continue;
		}
		/* Every use (read, write, address taken) whose protection is none. */
		for (size_t k = 0; k < f->naccesses; k++)
			if (f->accesses[k].protection == PROT_NONE &&
			    strlist_add(out, f->accesses[k].function, false))
				return -ENOMEM;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
	return 0;
}

int policy_add_report(struct policy *p, const struct module_report *r, const struct rules *rules)
{
	struct policy_module *m = add_module(p, r->path, r->build_id);
	struct strlist touchers = { 0 };
	int err = m ? state_touchers(r, rules, &touchers) : -ENOMEM;

	for (size_t i = 0; !err && i < r->nfunctions; i++) {
		/* A start known only as a call target may be a misdecoded one: never patched. */
		if (!r->functions[i].guard || !r->functions[i].anchored)
			continue;
		if (VEC_RESERVE_ARRAY(m->fns, m->nfns, m->fns_cap)) {
			err = -ENOMEM;
			break;
		}
		memset(&m->fns[m->nfns], 0, sizeof(*m->fns));
		err = copy_fn(&m->fns[m->nfns++], &r->functions[i], &touchers);
	}
	if (!err)
		err = copy_units(m, r);
	strlist_free(&touchers);
	return err;
}

const struct policy_aware *policy_fn_aware(const struct policy_module *m, size_t i)
{
	long u = m->fns[i].unit;

	return u >= 0 && (size_t)u < m->nunits ? &m->units[u].aware : &m->aware;
}

const char *policy_language_name(int lang)
{
	switch (lang) {
	case 0x01: case 0x02: case 0x0c: case 0x1d: case 0x2c:
		return "C";
	case 0x04: case 0x1a: case 0x21: case 0x2a: case 0x2b:
		return "C++";
	case 0x1c:
		return "Rust";
	case 0x8001:
		return "assembly";
	default:
		return "?";
	}
}

/* The format (documented in README.md): a header line, then per module a "module" line and
 * one tab-separated line per function. Line-based, so that it reviews in a diff and reads fast
 * at start-up (a large library has thousands of functions). */
#define MAGIC "confine-policy 2"
#define MAGIC_V1 "confine-policy 1"

static void render_fn(FILE *out, const struct policy_fn *f)
{
	fprintf(out, "0x%llx\t%llu\t0x%x\t", (unsigned long long)f->addr, (unsigned long long)f->size,
		f->entry_branches);
	for (size_t i = 0; i < f->uses.n; i++)
		fprintf(out, "%s%s", i ? "," : "", f->uses.v[i]);
	fprintf(out, "%s\t%s\t%s\t", f->uses.n ? "" : "-", f->name, f->demangled);
	if (f->unit >= 0)
		fprintf(out, "%ld", f->unit);
	fprintf(out, "%s\t%s\n", f->unit >= 0 ? "" : "-", f->state ? "state" : "-");
}

static void render_aware(FILE *out, const struct policy_aware *a)
{
	fprintf(out, "%s\t%s", a->aware ? "aware" : "naive", a->aware && a->evidence ? a->evidence : "-");
}

static void render_module(FILE *out, const struct policy_module *m)
{
	fprintf(out, "module %s %s\n", m->build_id[0] ? m->build_id : "-", m->path);
	fprintf(out, "threads\t");
	render_aware(out, &m->aware);
	fprintf(out, "\n");
	for (size_t k = 0; k < m->nunits; k++) {
		fprintf(out, "unit\t%zu\t0x%x\t", k, (unsigned)m->units[k].lang);
		render_aware(out, &m->units[k].aware);
		fprintf(out, "\t%s\n", m->units[k].name);
	}
	for (size_t k = 0; k < m->nfns; k++)
		render_fn(out, &m->fns[k]);
}

char *policy_render(const struct policy *p, const char *rules_digest)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	fprintf(out, "# The functions confine's runtime guard confines, per module (matched by build-id).\n");
	fprintf(out, "# Written by 'confine policy'; read with the guard option policy=FILE.\n");
	fprintf(out, "# threads<TAB>aware|naive<TAB>evidence (the module); unit<TAB>index<TAB>language<TAB>aware|naive<TAB>evidence<TAB>name\n");
	fprintf(out, "# address<TAB>size<TAB>entry_branches (bit i: a jump lands i bytes in)<TAB>uses<TAB>name<TAB>demangled<TAB>unit<TAB>state (touches state unprotected itself)\n");
	fprintf(out, "%s version=%s rules=%s\n", MAGIC, CONFINE_VERSION, rules_digest && *rules_digest ? rules_digest : "-");
	for (size_t i = 0; i < p->n; i++)
		render_module(out, &p->mods[i]);
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}

/* Splits s at tabs into exactly n fields (the last takes the rest); false if there are fewer. */
static bool split_tabs(char *s, char **f, int n)
{
	for (int i = 0; i < n - 1; i++) {
		char *tab = strchr(s, '\t');

		if (!tab)
			return false;
		*tab = '\0';
		f[i] = s;
		s = tab + 1;
	}
	f[n - 1] = s;
	return true;
}

static int parse_uses(char *list, struct strlist *uses)
{
	char *save = NULL;

	if (!strcmp(list, "-"))
		return 0;
	for (char *u = strtok_r(list, ",", &save); u; u = strtok_r(NULL, ",", &save))
		if (strlist_add(uses, u, false))
			return -ENOMEM;
	return 0;
}

/* "aware<TAB>evidence" or "naive<TAB>-". */
static int parse_aware(char *aware, char *evidence, struct policy_aware *out)
{
	if (strcmp(aware, "aware") && strcmp(aware, "naive"))
		return -EINVAL;
	out->aware = !strcmp(aware, "aware");
	if (out->aware && strcmp(evidence, "-") && !(out->evidence = strdup(evidence)))
		return -ENOMEM;
	return 0;
}

static int parse_threads(char *line, struct policy_module *m)
{
	char *f[3];

	if (!split_tabs(line, f, 3))
		return -EINVAL;
	return parse_aware(f[1], f[2], &m->aware);
}

static int parse_unit(char *line, struct policy_module *m)
{
	char *f[6], *end;
	struct policy_unit *u;

	if (!split_tabs(line, f, 6) || strtoul(f[1], &end, 10) != m->nunits || *end)
		return -EINVAL;
	if (VEC_RESERVE_ARRAY(m->units, m->nunits, m->units_cap))
		return -ENOMEM;
	u = memset(&m->units[m->nunits++], 0, sizeof(*u));
	u->lang = (int)strtol(f[2], &end, 16);
	if (*end)
		return -EINVAL;
	if (!(u->name = strdup(f[5])))
		return -ENOMEM;
	return parse_aware(f[3], f[4], &u->aware);
}

/* Version 2's last two fields: the unit (index or -) and "state" or "-". Version 1 has neither:
 * no unit, and every function counts as touching state itself. */
static int parse_fn_unit(struct policy_fn *fn, const char *unit, const char *state, size_t nunits)
{
	char *end;

	fn->unit = -1;
	fn->state = !state || !strcmp(state, "state");
	if (!unit || !strcmp(unit, "-"))
		return 0;
	fn->unit = strtol(unit, &end, 10);
	return *end || fn->unit < 0 || (size_t)fn->unit >= nunits ? -EINVAL : 0;
}

static int parse_fn(char *line, struct policy_module *m, bool v1)
{
	char *f[8], *end;
	struct policy_fn *fn;

	if (!split_tabs(line, f, v1 ? 6 : 8) || strncmp(f[0], "0x", 2))
		return -EINVAL;
	if (VEC_RESERVE_ARRAY(m->fns, m->nfns, m->fns_cap))
		return -ENOMEM;
	fn = memset(&m->fns[m->nfns++], 0, sizeof(*fn));
	fn->addr = strtoull(f[0], &end, 16);
	if (*end)
		return -EINVAL;
	fn->size = strtoull(f[1], &end, 10);
	if (*end)
		return -EINVAL;
	fn->entry_branches = (uint32_t)strtoul(f[2], &end, 16);
	if (*end)
		return -EINVAL;
	fn->name = strdup(f[4]);
	fn->demangled = strdup(f[5]);
	if (!fn->name || !fn->demangled)
		return -ENOMEM;
	if (parse_fn_unit(fn, v1 ? NULL : f[6], v1 ? NULL : f[7], m->nunits))
		return -EINVAL;
	return parse_uses(f[3], &fn->uses);
}

static int parse_module(char *line, struct policy *p)
{
	char *bid = line + strlen("module "), *path = strchr(bid, ' ');

	if (!path || !path[1])
		return -EINVAL;
	*path++ = '\0';
	if (strlen(bid) > 40)
		return -EINVAL;
	return add_module(p, path, strcmp(bid, "-") ? bid : "") ? 0 : -ENOMEM;
}

static int parse_header(const char *line, char **digest, bool *v1)
{
	const char *rules = strstr(line, " rules=");

	*v1 = !strncmp(line, MAGIC_V1 " ", strlen(MAGIC_V1) + 1);
	if (!*v1 && strncmp(line, MAGIC " ", strlen(MAGIC) + 1))
		return -EINVAL;
	if (digest && !(*digest = rules ? strndup(rules + 7, strcspn(rules + 7, " ")) : strdup("")))
		return -ENOMEM;
	return 0;
}

static int parse_line(char *line, struct policy *p, bool *seen_header, char **digest, bool *v1)
{
	struct policy_module *m = p->n ? &p->mods[p->n - 1] : NULL;

	if (!*line || *line == '#')
		return 0;
	if (!*seen_header) {
		*seen_header = true;
		return parse_header(line, digest, v1);
	}
	if (!strncmp(line, "module ", 7))
		return parse_module(line, p);
	if (!m)
		return -EINVAL;
	if (!*v1 && !strncmp(line, "threads\t", 8))
		return parse_threads(line, m);
	if (!*v1 && !strncmp(line, "unit\t", 5))
		return m->nfns ? -EINVAL : parse_unit(line, m);
	return parse_fn(line, m, *v1);
}

int policy_parse(const char *text, const char *origin, const struct diag *d, struct policy *p,
		 char **digest)
{
	char *copy = strdup(text), *line, *next;
	bool seen_header = false, v1 = false;
	int lineno = 0, err = copy ? 0 : -ENOMEM;

	for (line = copy; !err && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		err = parse_line(line, p, &seen_header, digest, &v1);
	}
	if (!err && !seen_header)
		err = -EINVAL;
	if (err == -EINVAL)
		diag_log(d, DIAG_ERROR, "%s:%d: not a confine policy line (write policies with 'confine policy')",
			 origin, lineno ? lineno : 1);
	free(copy);
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

		if (!l)
			err = strlist_add(names, file, false);   /* most starts: no formatting */
		else if (asprintf(&name, "%s:%s", file, l) < 0)
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
	/* Programs too: a service's children (sh, sed, python) inherit LD_PRELOAD, and the
	 * distribution's programs are not the legacy code being confined. */
	static const char *const dirs[] = { "/lib/", "/lib64/", "/lib32/", "/usr/lib/", "/usr/lib64/",
					    "/usr/lib32/", "/usr/libexec/", "/bin/", "/sbin/", "/usr/bin/",
					    "/usr/sbin/", "/usr/games/" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		if (!strncmp(path, dirs[i], strlen(dirs[i])))
			return true;
	return false;
}

bool policy_module_selected(const char *path, const char *globs)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char glob[256];

	if (!globs || !*globs)
		return !in_system_dir(path);
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
