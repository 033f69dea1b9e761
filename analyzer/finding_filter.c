/* Finding filter: matches findings against suppressions and removes them, with the functions
 * that touched nothing else, from a module report. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "finding_filter.h"
#include "symbols.h"

bool finding_filter_match(struct suppress_set *s, const struct module_report *r,
			  const struct finding *f)
{
	char *fn_dm = f->function && !f->function_demangled ? symbols_demangle(f->function) : NULL;
	const char *names[] = { f->name, f->symbol, f->demangled, f->function,
				f->function_demangled ? f->function_demangled : fn_dm, r->module };
	bool hit = suppress_match(s, (int)f->kind, names, sizeof(names) / sizeof(*names));

	free(fn_dm);
	return hit;
}

/* (function label, name) for each use of a kept finding, sorted for lookup. */
struct use {
	const char *function, *name;
};

static int cmp_use(const void *a, const void *b)
{
	const struct use *x = a, *y = b;
	int c = strcmp(x->function, y->function);

	return c ? c : strcmp(x->name, y->name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct filter {
	struct module_report *r;
	bool *drop_finding, *drop_function;
	struct use *uses;
	size_t nuses;
	const char **dropped;     /* names of dropped direct functions, sorted */
	size_t ndropped;
};

static size_t count_uses(const struct module_report *r, const bool *drop)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nfindings; i++)
		if (!drop[i])
			n += r->findings[i].readers.n + r->findings[i].writers.n + r->findings[i].takers.n +
			     r->findings[i].nsites;
	return n;
}

static int index_uses(struct filter *fl)
{
	const struct module_report *r = fl->r;
	size_t n = 0;

	fl->uses = calloc(count_uses(r, fl->drop_finding) + 1, sizeof(*fl->uses));
	if (!fl->uses)
		return -ENOMEM;
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];

		if (fl->drop_finding[i])
			continue;
		for (size_t k = 0; k < f->readers.n; k++)
			fl->uses[n++] = (struct use){ f->readers.v[k], f->name };
		for (size_t k = 0; k < f->writers.n; k++)
			fl->uses[n++] = (struct use){ f->writers.v[k], f->name };
		for (size_t k = 0; k < f->takers.n; k++)
			fl->uses[n++] = (struct use){ f->takers.v[k], f->name };
		for (size_t k = 0; k < f->nsites; k++)
			if (f->sites[k].function)
				fl->uses[n++] = (struct use){ f->sites[k].function, f->name };
	}
	if (n > 1)
		qsort(fl->uses, n, sizeof(*fl->uses), cmp_use);
	fl->nuses = n;
	return 0;
}

static bool used(const struct filter *fl, const char *function, const char *name)
{
	struct use key = { function, name };

	return fl->nuses && bsearch(&key, fl->uses, fl->nuses, sizeof(key), cmp_use);
}

/* Drops from a direct function's list what no kept finding accounts for; drops the function
 * when nothing is left. */
static void prune_direct(struct filter *fl, size_t i)
{
	struct function_report *fr = &fl->r->functions[i];
	size_t w = 0;

	for (size_t k = 0; k < fr->uses.n; k++) {
		if (used(fl, fr->name, fr->uses.v[k]))
			fr->uses.v[w++] = fr->uses.v[k];
		else
			free(fr->uses.v[k]);
	}
	fr->uses.n = w;
	if (!w) {
		fl->drop_function[i] = true;
		fl->dropped[fl->ndropped++] = fr->name;
	}
}

static void prune_functions(struct filter *fl)
{
	struct module_report *r = fl->r;

	for (size_t i = 0; i < r->nfunctions; i++)
		if (r->functions[i].direct)
			prune_direct(fl, i);
	if (fl->ndropped > 1)
		qsort(fl->dropped, fl->ndropped, sizeof(*fl->dropped), cmp_str);
	for (size_t i = 0; i < r->nfunctions; i++) {
		const struct strlist *via = &r->functions[i].via;

		if (!r->functions[i].direct && via->n && fl->ndropped &&
		    bsearch(&via->v[via->n - 1], fl->dropped, fl->ndropped, sizeof(char *), cmp_str))
			fl->drop_function[i] = true;
	}
}

/* Moves what is dropped into trash (freed with module_report_free) and closes the gaps. */
static void move_dropped(struct filter *fl, struct module_report *trash)
{
	struct module_report *r = fl->r;
	size_t wf = 0, wn = 0;

	for (size_t i = 0; i < r->nfindings; i++) {
		if (fl->drop_finding[i])
			trash->findings[trash->nfindings++] = r->findings[i];
		else
			r->findings[wf++] = r->findings[i];
	}
	r->nfindings = wf;
	for (size_t i = 0; i < r->nfunctions; i++) {
		if (fl->drop_function[i])
			trash->functions[trash->nfunctions++] = r->functions[i];
		else
			r->functions[wn++] = r->functions[i];
	}
	r->nfunctions = wn;
}

typedef bool (*drop_fn)(void *ctx, const struct module_report *r, const struct finding *f);

static int mark(struct filter *fl, drop_fn drop, void *ctx, size_t *count)
{
	struct module_report *r = fl->r;

	fl->drop_finding = calloc(r->nfindings + 1, sizeof(bool));
	fl->drop_function = calloc(r->nfunctions + 1, sizeof(bool));
	fl->dropped = calloc(r->nfunctions + 1, sizeof(char *));
	if (!fl->drop_finding || !fl->drop_function || !fl->dropped)
		return -ENOMEM;
	*count = 0;
	for (size_t i = 0; i < r->nfindings; i++) {
		fl->drop_finding[i] = drop(ctx, r, &r->findings[i]);
		*count += fl->drop_finding[i];
	}
	return 0;
}

/* Removes the findings that drop() selects, then the functions that touched only them. */
static int apply(struct module_report *r, drop_fn drop, void *ctx, size_t *removed)
{
	struct filter fl = { .r = r };
	struct module_report *trash = NULL;
	size_t count = 0;
	int err = mark(&fl, drop, ctx, &count);

	if (!err && count) {
		trash = calloc(1, sizeof(*trash));
		err = trash ? index_uses(&fl) : -ENOMEM;
	}
	if (!err && count) {
		trash->findings = calloc(count, sizeof(*trash->findings));
		trash->functions = calloc(r->nfunctions + 1, sizeof(*trash->functions));
		err = trash->findings && trash->functions ? 0 : -ENOMEM;
	}
	if (!err && count) {
		prune_functions(&fl);
		move_dropped(&fl, trash);
		*removed += count;
	}
	module_report_free(trash);
	free(fl.drop_finding);
	free(fl.drop_function);
	free(fl.dropped);
	free(fl.uses);
	return err;
}

static bool suppressed(void *ctx, const struct module_report *r, const struct finding *f)
{
	return finding_filter_match(ctx, r, f);
}

int finding_filter_apply(struct module_report *r, struct suppress_set *s, size_t *removed)
{
	return apply(r, suppressed, s, removed);
}

int finding_filter_apply_all(struct module_report **mods, size_t n, struct suppress_set *s,
			     size_t *removed)
{
	for (size_t i = 0; i < n; i++)
		if (mods[i] && finding_filter_apply(mods[i], s, removed))
			return -ENOMEM;
	return 0;
}

static bool unselected(void *ctx, const struct module_report *r, const struct finding *f)
{
	const struct finding_select *sel = ctx;

	(void)r;
	return (sel->kinds && !(sel->kinds & (1u << f->kind))) ||
	       (sel->min_severity == SEVERITY_ERROR && baseline_severity(f) != SEVERITY_ERROR);
}

int finding_filter_select_all(struct module_report **mods, size_t n, const struct finding_select *sel,
			      size_t *removed)
{
	for (size_t i = 0; i < n; i++)
		if (mods[i] && apply(mods[i], unselected, (void *)sel, removed))
			return -ENOMEM;
	return 0;
}

void finding_filter_mark_baseline(struct baseline *b, struct suppress_set *s)
{
	for (size_t i = 0; i < b->n; i++) {
		struct baseline_entry *e = &b->v[i];
		char *fn_dm = e->function ? symbols_demangle(e->function) : NULL;
		const char *names[] = { e->name, e->function, fn_dm, e->module };

		e->suppressed = suppress_match(s, (int)e->kind, names, sizeof(names) / sizeof(*names));
		free(fn_dm);
	}
}
