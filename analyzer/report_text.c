/* Text report: per function, the state it touches and the listed functions it calls, each line
 * led by its source location; then what no function touches, and counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_summary.h"
#include "report_text.h"

enum role { ROLE_READ = 1, ROLE_WRITE = 2, ROLE_SITE = 4, ROLE_ADDR = 8 };

/* (function, finding) pairs sorted by function name, to list each function's findings. */
struct touch {
	const char *function;
	size_t finding;
	int role;
	const struct site *site;
};

struct out {
	FILE *f;
	const struct text_options *o;
};

static const char *color(const struct out *o, const char *code)
{
	return o->o->color ? code : "";
}

#define RESET "\033[0m"
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define MAGENTA "\033[35m"
#define CYAN "\033[36m"

static int cmp_touch(const void *a, const void *b)
{
	const struct touch *x = a, *y = b;
	int c = strcmp(x->function, y->function);

	if (c)
		return c;
	if (x->finding != y->finding)
		return x->finding < y->finding ? -1 : 1;
	return x->site && y->site ? (x->site->addr > y->site->addr) - (x->site->addr < y->site->addr) : 0;
}

static int push_touch(struct touch **v, size_t *n, size_t *cap, struct touch t)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct touch *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = t;
	return 0;
}

/* The access of function fn to the state finding f, or NULL. */
static const struct access *access_of(const struct finding *f, const char *fn)
{
	for (size_t i = 0; i < f->naccesses; i++)
		if (!strcmp(f->accesses[i].function, fn))
			return &f->accesses[i];
	return NULL;
}

/* One touch per function with all its uses (reads, writes, address taken) merged; by default
 * only the functions whose access is unprotected. */
static int add_state_touches(const struct finding *f, size_t i, bool all, struct touch **v,
			     size_t *n, size_t *cap)
{
	const struct strlist *lists[3] = { &f->readers, &f->writers, &f->takers };
	static const int roles[3] = { ROLE_READ, ROLE_WRITE, ROLE_ADDR };

	for (int l = 0; l < 3; l++)
		for (size_t k = 0; k < lists[l]->n; k++) {
			const char *fn = lists[l]->v[k];
			const struct access *a = all ? NULL : access_of(f, fn);
			int role = roles[l];
			bool earlier = false;

			if (a && a->protection != PROT_NONE)
				continue;
			for (int m = 0; m < 3; m++)
				for (size_t j = 0; j < lists[m]->n; j++)
					if (!strcmp(lists[m]->v[j], fn)) {
						role |= roles[m];
						earlier |= m < l;
					}
			if (!earlier && push_touch(v, n, cap, (struct touch){ fn, i, role, NULL }))
				return -1;
		}
	return 0;
}

static bool shown(const struct out *o, const struct finding *f)
{
	return o->o->show_protected || finding_unprotected(f);
}

/* The touches of r's findings, sorted, in *out (NULL when there are none); 0 or -1. */
static int index_touches(const struct out *o, const struct module_report *r, struct touch **out,
			 size_t *count)
{
	struct touch *v = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];

		if (!shown(o, f))
			continue;
		for (size_t s = 0; s < f->nsites; s++)
			if (f->sites[s].function &&
			    push_touch(&v, &n, &cap, (struct touch){ f->sites[s].function, i, ROLE_SITE, &f->sites[s] }))
				goto fail;
		if (add_state_touches(f, i, o->o->show_protected, &v, &n, &cap))
			goto fail;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_touch);
	*out = v;
	*count = n;
	return 0;
fail:
	free(v);
	return -1;
}

static void location(const struct out *o, const char *file, int line)
{
	char buf[512];

	if (file && !*file)   /* a heading with no place of its own (--group-by state) */
		buf[0] = '\0';
	else if (file)
		snprintf(buf, sizeof(buf), "%s:%d", file, line);
	else
		snprintf(buf, sizeof(buf), "-");
	fprintf(o->f, "    %s%-24s%s", color(o, DIM), buf, color(o, RESET));
}

static void print_roles(const struct out *o, int role)
{
	static const struct { int role; const char *word; } words[] = {
		{ ROLE_READ, "reads" }, { ROLE_WRITE, "writes" }, { ROLE_ADDR, "address-taken" },
	};
	const char *sep = "  ";

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (role & words[i].role) {
			fprintf(o->f, "%s%s", sep, words[i].word);
			sep = ", ";
		}
}

/* The protection of the function's access (of the whole object when fn is NULL). */
static void print_protection(const struct out *o, const struct finding *f, const char *fn)
{
	const struct access *a = fn ? access_of(f, fn) : NULL;
	enum protection p = a ? a->protection : f->protection;
	const char *lock = a ? a->lock : f->lock;

	if (p == PROT_NONE)
		return;
	fprintf(o->f, "  [%s%s%s]", protection_name(p), lock ? " " : "", lock ? lock : "");
}

static void state_line(const struct out *o, const struct finding *f, int role, const char *fn)
{
	location(o, f->file, f->line);
	fprintf(o->f, " %s%-20s%s %s%s%s", color(o, MAGENTA), kind_name(f->kind), color(o, RESET),
		color(o, BOLD), f->demangled && f->kind != KIND_MUTABLE_LOCAL_STATIC ? f->demangled : f->name,
		color(o, RESET));
	if (f->kind == KIND_MUTABLE_LOCAL_STATIC && f->function && !role) {
		char *dm = f->function_demangled ? NULL : symbols_demangle(f->function);

		fprintf(o->f, " in %s", f->function_demangled ? f->function_demangled : dm ? dm : f->function);
		free(dm);
	}
	print_roles(o, role);
	if (f->size || f->symbol[0] != '.')
		fprintf(o->f, "  (%s, %llu bytes%s)", f->section, (unsigned long long)f->size,
			f->guarded_init ? ", initialised thread-safely, later writes race" : "");
	else
		fprintf(o->f, "  (%s, size unknown)", f->section);
	if (o->o->show_protected)
		print_protection(o, f, fn);
	fprintf(o->f, "\n");
}

static void call_line(const struct out *o, const struct finding *f, const struct site *s, size_t sites)
{
	const char *sev = rule_severity_name(f->severity);

	location(o, s ? s->file : f->file, s ? s->line : f->line);
	fprintf(o->f, " %s%-20s%s %s%s%s  %s%s%s", color(o, f->severity == SEVERITY_ERROR ? RED : YELLOW),
		kind_name(f->kind), color(o, RESET), color(o, BOLD), f->symbol, color(o, RESET),
		color(o, f->severity == SEVERITY_ERROR ? RED : YELLOW), sev, color(o, RESET));
	/* A warning says why it is only a warning: its category. */
	if (f->category == CATEGORY_POSIX)
		fprintf(o->f, "; posix: not required to be thread-safe");
	else if (f->severity == SEVERITY_WARNING && f->category == CATEGORY_STATE)
		fprintf(o->f, "; state: keeps hidden state");
	if (f->alternative)
		fprintf(o->f, "; use %s", f->alternative);
	if (f->category == CATEGORY_ENV)
		fprintf(o->f, "; unsafe once threads run");
	else if (f->group && f->category == CATEGORY_STATE)
		fprintf(o->f, "; shares '%s'", f->group);
	if (s && strcmp(s->how, "call"))
		fprintf(o->f, "  [%s]", s->how);
	if (sites > 1)
		fprintf(o->f, "  (%zu call sites)", sites);
	fprintf(o->f, "\n");
}

static size_t first_touch(const struct touch *t, size_t n, const char *name)
{
	return PARTITION_POINT(t, n, e, strcmp(e->function, name) < 0);
}

static void function_header(const struct out *o, const struct function_report *fr)
{
	fprintf(o->f, "  function %s%s%s", color(o, BOLD), fr->demangled, color(o, RESET));
	if (fr->guard)
		fprintf(o->f, "  %s[guard]%s", color(o, CYAN), color(o, RESET));
	else if (fr->init_only)
		fprintf(o->f, "  [init-only: runs while the module loads or unloads]");
	if (!fr->direct) {
		fprintf(o->f, "  [via");
		for (size_t i = 0; i < fr->via.n; i++) {
			char *dm = symbols_demangle(fr->via.v[i]);

			fprintf(o->f, "%s%s", i ? " -> " : " ", dm ? dm : fr->via.v[i]);
			free(dm);
		}
		fprintf(o->f, "]");
	}
	fprintf(o->f, "\n");
}

/* Within a function: state first (report order), then call sites in line order. */
static int cmp_in_block(const void *a, const void *b)
{
	const struct touch *x = a, *y = b;
	int c;

	if ((x->role == ROLE_SITE) != (y->role == ROLE_SITE))
		return x->role == ROLE_SITE ? 1 : -1;
	if (x->role != ROLE_SITE)
		return (x->finding > y->finding) - (x->finding < y->finding);
	c = strcmp(x->site->file ? x->site->file : "", y->site->file ? y->site->file : "");
	if (c || (c = (x->site->line > y->site->line) - (x->site->line < y->site->line)))
		return c;
	if (x->finding != y->finding)
		return x->finding < y->finding ? -1 : 1;
	return (x->site->addr > y->site->addr) - (x->site->addr < y->site->addr);
}

/* Two sites print the same line: same call, same source line (or none), reached the same way. */
static bool same_line(const struct touch *a, const struct touch *b)
{
	return a->finding == b->finding && a->site->line == b->site->line &&
	       !strcmp(a->site->how, b->site->how) &&
	       !strcmp(a->site->file ? a->site->file : "", b->site->file ? b->site->file : "");
}

static void function_block(const struct out *o, const struct module_report *r,
			   const struct function_report *fr, struct touch *t, size_t nt)
{
	size_t lo = first_touch(t, nt, fr->name), hi = lo;

	while (hi < nt && !strcmp(t[hi].function, fr->name))
		hi++;
	qsort(t + lo, hi - lo, sizeof(*t), cmp_in_block);
	function_header(o, fr);
	for (size_t i = lo; i < hi; i++) {
		const struct finding *f = &r->findings[t[i].finding];
		size_t same = 1;

		if (t[i].role != ROLE_SITE) {
			state_line(o, f, t[i].role, fr->name);
			continue;
		}
		while (i + same < hi && same_line(&t[i], &t[i + same]))
			same++;
		call_line(o, f, t[i].site, same);
		i += same - 1;
	}
}

static bool untouched(const struct finding *f)
{
	if (f->kind == KIND_NON_REENTRANT_CALL)
		return f->nsites && !f->sites[0].function;
	return !f->readers.n && !f->writers.n && !f->takers.n;
}

struct counts {
	size_t kinds[KIND__COUNT];
	size_t findings, guard, via, init_only;
	size_t protected, by_protection[PROT__COUNT];
};

static void count_module(const struct out *o, const struct module_report *r, struct counts *c)
{
	for (size_t i = 0; i < r->nfindings; i++) {
		if (!shown(o, &r->findings[i])) {
			c->protected++;
			c->by_protection[r->findings[i].protection]++;
			continue;
		}
		c->kinds[r->findings[i].kind]++;
		c->findings++;
	}
	for (size_t i = 0; i < r->nfunctions; i++) {
		const struct function_report *fr = &r->functions[i];

		if (!o->o->show_protected && fr->direct && !fr->unprotected)
			continue;
		c->guard += fr->guard;
		c->via += !fr->direct;
		c->init_only += fr->direct && fr->init_only;
	}
}

static void print_counts(const struct out *o, const struct counts *c)
{
	bool first = true;

	fprintf(o->f, "%zu finding%s", c->findings, c->findings == 1 ? "" : "s");
	for (int k = 0; k < KIND_FINDINGS_END; k++) {
		if (!c->kinds[k])
			continue;
		fprintf(o->f, "%s%zu %s", first ? " (" : ", ", c->kinds[k], kind_name(k));
		first = false;
	}
	fprintf(o->f, "%s; %zu function%s to guard, %zu reaching them through calls, %zu init-only\n",
		first ? "" : ")", c->guard, c->guard == 1 ? "" : "s", c->via, c->init_only);
}

/* The one line about what the default leaves out. */
static void print_protected(const struct out *o, const struct counts *c, const char *indent)
{
	bool first = true;

	if (!c->protected)
		return;
	fprintf(o->f, "%s%zu protected finding%s not shown (", indent, c->protected,
		c->protected == 1 ? "" : "s");
	for (int p = PROT_LOCK; p < PROT__COUNT; p++)
		if (c->by_protection[p]) {
			fprintf(o->f, "%s%zu %s", first ? "" : ", ", c->by_protection[p], protection_name(p));
			first = false;
		}
	fprintf(o->f, "); --show-protected lists them\n");
}

static void module_header(const struct out *o, const struct module_report *r)
{
	fprintf(o->f, "%s%s%s  (%s%s, %s", color(o, BOLD), r->display, color(o, RESET),
		elf_image_type_name(r->type), r->stripped ? ", stripped" : "",
		r->debug_info ? "debug info" : "no debug info");
	/* Creating threads alone is no evidence for the guard (legacy programs start threads too):
	 * the line does not call such code thread-aware. */
	if (r->aware.aware)
		fprintf(o->f, ", %s: %s", r->aware.reason == AWARE_THREADS ? "starts threads" : "thread-aware",
			r->aware.evidence);
	fprintf(o->f, ")\n");
}

/* --- grouped by state (--group-by state) ------------------------------------------------------ */

#define STATE_USERS 8   /* functions listed per state unless --limit 0 */

static int cmp_group(const void *a, const void *b, void *arg)
{
	const struct finding *x = &((const struct finding *)arg)[*(const size_t *)a];
	const struct finding *y = &((const struct finding *)arg)[*(const size_t *)b];
	int c = (int)x->kind - (int)y->kind;

	if (c)
		return c;
	c = strcmp(x->kind == KIND_NON_REENTRANT_CALL ? x->symbol : x->name,
		   y->kind == KIND_NON_REENTRANT_CALL ? y->symbol : y->name);
	return c ? c : (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

/* A function using state f: "   FUNCTION  reads, writes", under the state's kind, with the
 * protection of its access as the default view tags it. */
static void user_line(const struct out *o, const struct finding *f, const char *fn, int role)
{
	char *dm = symbols_demangle(fn);

	fprintf(o->f, "    %-24s   %s", "", dm ? dm : fn);
	print_roles(o, role);
	if (o->o->show_protected)
		print_protection(o, f, fn);
	fprintf(o->f, "\n");
	free(dm);
}

/* A call site: "LOCATION   FUNCTION  [tail-call]". */
static void site_line(const struct out *o, const struct site *s)
{
	char *dm = symbols_demangle(s->function);

	location(o, s->file, s->line);
	fprintf(o->f, "   %s", dm ? dm : s->function);
	if (strcmp(s->how, "call"))
		fprintf(o->f, "  [%s]", s->how);
	fprintf(o->f, "\n");
	free(dm);
}

static int cmp_site_ptr(const void *a, const void *b)
{
	const struct site *x = *(const struct site *const *)a, *y = *(const struct site *const *)b;
	int c = strcmp(x->file ? x->file : "", y->file ? y->file : "");

	if (c || (c = (x->line > y->line) - (x->line < y->line)))
		return c;
	return strcmp(x->function, y->function);
}

/* The call sites of findings idx[0..n) (one callee) in line order, one line per place. */
static int call_users(const struct out *o, const struct module_report *r, const size_t *idx,
		      size_t n, size_t cap)
{
	const struct site **v;
	size_t k = 0, shown = 0, total = 0;

	for (size_t i = 0; i < n; i++)
		total += r->findings[idx[i]].nsites;
	if (!(v = calloc(total + 1, sizeof(*v))))
		return -1;
	for (size_t i = 0; i < n; i++)
		for (size_t s = 0; s < r->findings[idx[i]].nsites; s++)
			if (r->findings[idx[i]].sites[s].function)
				v[k++] = &r->findings[idx[i]].sites[s];
	if (k > 1)
		qsort(v, k, sizeof(*v), cmp_site_ptr);
	for (size_t i = 0; i < k; i++) {
		if (i && !cmp_site_ptr(&v[i - 1], &v[i]) && !strcmp(v[i - 1]->how, v[i]->how))
			continue;
		if (shown++ < cap)
			site_line(o, v[i]);
	}
	if (shown > cap)
		fprintf(o->f, "    %-24s   ... and %zu more\n", "", shown - cap);
	free(v);
	return 0;
}

/* The functions listed under state finding i, by name: the ones the default view lists it under
 * (add_state_touches), with the same uses. */
static int state_users(const struct out *o, const struct module_report *r, size_t i, size_t cap)
{
	const struct finding *f = &r->findings[i];
	struct touch *v = NULL;
	size_t n = 0, vcap = 0;

	if (add_state_touches(f, i, o->o->show_protected, &v, &n, &vcap)) {
		free(v);
		return -1;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_touch);
	for (size_t k = 0; k < n && k < cap; k++)
		user_line(o, f, v[k].function, v[k].role);
	if (n > cap)
		fprintf(o->f, "    %-24s   ... and %zu more\n", "", n - cap);
	free(v);
	return 0;
}

/* The findings the report shows (see shown), in group order, in *out; returns how many, or -1. */
static long group_order(const struct out *o, const struct module_report *r, size_t **out)
{
	size_t *idx = calloc(r->nfindings + 1, sizeof(*idx)), n = 0;

	if (!idx)
		return -1;
	for (size_t i = 0; i < r->nfindings; i++)
		if (shown(o, &r->findings[i]))
			idx[n++] = i;
	if (n > 1)
		qsort_r(idx, n, sizeof(*idx), cmp_group, r->findings);
	*out = idx;
	return (long)n;
}

/* Each shown state, and each listed callee, with the functions using it; counts the groups. */
static int by_state(const struct out *o, const struct module_report *r, size_t *groups)
{
	size_t *idx = NULL, cap = o->o->limit == TEXT_ALL ? TEXT_ALL : STATE_USERS;
	long nl = group_order(o, r, &idx);
	size_t n = nl < 0 ? 0 : (size_t)nl;
	int err = nl < 0 ? -1 : 0;

	for (size_t i = 0, end; i < n && !err; i = end) {
		const struct finding *f = &r->findings[idx[i]];
		struct site none = { .file = "", .how = "call" };

		for (end = i + 1; f->kind == KIND_NON_REENTRANT_CALL && end < n &&
				  !strcmp(r->findings[idx[end]].symbol, f->symbol); end++)
			;
		if ((*groups)++ >= o->o->limit)
			continue;
		if (f->kind != KIND_NON_REENTRANT_CALL) {
			state_line(o, f, 0, NULL);
			err = state_users(o, r, idx[i], cap);
		} else {
			call_line(o, f, &none, 0);
			err = call_users(o, r, idx + i, end - i, cap);
		}
	}
	free(idx);
	return err;
}

/* --- per module ------------------------------------------------------------------------------ */

struct listed {
	size_t direct, via, unused;        /* how many there are */
};

static void count_listed(const struct module_report *r, struct listed *l)
{
	for (size_t i = 0; i < r->nfunctions; i++) {
		l->direct += r->functions[i].direct;
		l->via += !r->functions[i].direct;
	}
	for (size_t i = 0; i < r->nfindings; i++)
		l->unused += untouched(&r->findings[i]);
}

static void by_function(const struct out *o, const struct module_report *r, struct touch *t, size_t nt)
{
	size_t nd = 0, nv = 0, nu = 0;

	for (size_t i = 0; i < r->nfunctions; i++) {
		const struct function_report *fr = &r->functions[i];

		if (!o->o->show_protected && !fr->unprotected && fr->direct)
			continue;
		if (fr->direct ? nd++ < o->o->limit : nv++ < o->o->via)
			function_block(o, r, fr, t, nt);
	}
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];

		if (!untouched(f) || !shown(o, f) || nu++ >= o->o->limit)
			continue;
		if (nu == 1)
			fprintf(o->f, "  not used by any function in this module:\n");
		if (f->kind == KIND_NON_REENTRANT_CALL)
			call_line(o, f, NULL, 0);
		else
			state_line(o, f, 0, NULL);
	}
}

/* What the caps left out, and how to see it. */
static void cut_line(const struct out *o, const struct listed *l, size_t groups)
{
	const struct text_options *t = o->o;
	bool by_state = t->group_by_state;
	size_t shown_d = l->direct < t->limit ? l->direct : t->limit;
	size_t shown_u = l->unused < t->limit ? l->unused : t->limit;
	size_t shown_v = l->via < t->via ? l->via : t->via;
	size_t shown_g = groups < t->limit ? groups : t->limit;

	if (by_state && shown_g < groups)
		fprintf(o->f, "  listed: %zu of %zu states and calls (--limit 0 lists all)\n", shown_g, groups);
	if (by_state || (shown_d == l->direct && shown_u == l->unused && shown_v == l->via))
		return;
	fprintf(o->f, "  listed:");
	if (shown_d < l->direct)
		fprintf(o->f, " %zu of %zu functions with findings%s", shown_d, l->direct,
			shown_u < l->unused ? " and" : "");
	if (shown_u < l->unused)
		fprintf(o->f, " %zu of %zu unused findings", shown_u, l->unused);
	if (shown_d < l->direct || shown_u < l->unused)
		fprintf(o->f, " (--limit 0 lists all)%s", shown_v < l->via ? ";" : "");
	if (shown_v < l->via)
		fprintf(o->f, " %zu of %zu functions reaching them through calls (--via all lists all)", shown_v, l->via);
	fprintf(o->f, "\n");
}

static bool is_cut(const struct text_options *t, const struct listed *l, size_t groups)
{
	if (t->group_by_state)
		return groups > t->limit;
	return l->direct > t->limit || l->unused > t->limit || l->via > t->via;
}

/* The groups by_state lists: each shown state, and each callee of shown calls. */
static size_t count_groups(const struct out *o, const struct module_report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];
		bool seen = false;

		for (size_t k = 0; k < i && !seen && f->kind == KIND_NON_REENTRANT_CALL; k++)
			seen = r->findings[k].kind == KIND_NON_REENTRANT_CALL && shown(o, &r->findings[k]) &&
			       !strcmp(r->findings[k].symbol, f->symbol);
		n += shown(o, f) && !seen;
	}
	return n;
}

static int render_module(const struct out *o, const struct module_report *r)
{
	size_t nt = 0, groups = 0;
	struct touch *t = NULL;
	struct listed l = { 0 };
	struct counts c = { 0 };
	struct report_summary s;
	int err = 0;

	if (index_touches(o, r, &t, &nt))
		return -1;
	module_header(o, r);
	count_listed(r, &l);
	if (o->o->group_by_state)
		groups = count_groups(o, r);
	if (o->o->summary || is_cut(o->o, &l, groups)) {
		if (report_summary_compute(r, &s)) {
			free(t);
			return -1;
		}
		report_summary_print(o->f, &s, "  ");
	}
	if (!o->o->summary) {
		size_t shown = 0;

		if (o->o->group_by_state)
			err = by_state(o, r, &shown);
		else
			by_function(o, r, t, nt);
		cut_line(o, &l, groups);
	}
	if (o->o->show_ignored && r->nignored) {
		fprintf(o->f, "  ignored (not thread-hostile):\n");
		for (size_t i = 0; i < r->nignored; i++) {
			char *dm = symbols_demangle(r->ignored[i].symbol);

			fprintf(o->f, "    %-40s %s\n", dm ? dm : r->ignored[i].symbol, r->ignored[i].reason);
			free(dm);
		}
	}
	count_module(o, r, &c);
	fprintf(o->f, "  ");
	print_counts(o, &c);
	print_protected(o, &c, "  ");
	fprintf(o->f, "\n");
	free(t);
	return err;
}

char *report_text_render(struct module_report *const *mods, size_t n, const struct text_options *opts)
{
	char *buf = NULL;
	size_t len = 0;
	struct out o = { open_memstream(&buf, &len), opts };
	struct counts total = { 0 };
	int err = o.f ? 0 : -1;

	for (size_t i = 0; i < n && !err; i++) {
		err = render_module(&o, mods[i]);
		count_module(&o, mods[i], &total);
	}
	if (!err && n > 1) {
		fprintf(o.f, "summary: %zu module%s; ", n, n == 1 ? "" : "s");
		print_counts(&o, &total);
		print_protected(&o, &total, "summary: ");
	}
	if (o.f)
		fclose(o.f);
	if (err) {
		free(buf);
		return NULL;
	}
	return buf;
}
