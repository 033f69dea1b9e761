/* Report summary: counts of a module report and its most shared state and calls. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "baseline.h"
#include "report_summary.h"

/* Functions in the union of two sorted lists. */
static size_t union_size(const struct strlist *a, const struct strlist *b)
{
	size_t i = 0, k = 0, n = 0;

	while (i < a->n || k < b->n) {
		int c = i == a->n ? 1 : k == b->n ? -1 : strcmp(a->v[i], b->v[k]);

		i += c <= 0;
		k += c >= 0;
		n++;
	}
	return n;
}

static int cmp_top(const void *a, const void *b)
{
	const struct summary_top *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (x->functions != y->functions)
		return x->functions > y->functions ? -1 : 1;
	return c ? c : (int)x->kind - (int)y->kind;
}

static int cmp_name(const void *a, const void *b)
{
	const struct summary_top *x = a, *y = b;
	int c = (int)x->kind - (int)y->kind;

	return c ? c : strcmp(x->name, y->name);
}

/* One candidate per state finding, and one per callee (the functions calling it summed). */
static int rank(const struct module_report *r, struct report_summary *s)
{
	struct summary_top *c = calloc(r->nfindings + 1, sizeof(*c));
	size_t n = 0, w = 0;

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];
		bool call = f->kind == KIND_NON_REENTRANT_CALL;

		c[n++] = (struct summary_top){
			call ? f->symbol : f->kind == KIND_MUTABLE_LOCAL_STATIC ? f->name : f->demangled,
			f->kind, call ? f->function != NULL : union_size(&f->readers, &f->writers),
			call ? PROT_NONE : f->protection, call ? NULL : f->lock,
		};
	}
	if (n > 1)
		qsort(c, n, sizeof(*c), cmp_name);
	for (size_t i = 0; i < n; i++) {
		if (w && c[i].kind == KIND_NON_REENTRANT_CALL && c[w - 1].kind == c[i].kind &&
		    !strcmp(c[w - 1].name, c[i].name))
			c[w - 1].functions += c[i].functions;
		else
			c[w++] = c[i];
	}
	if (w > 1)
		qsort(c, w, sizeof(*c), cmp_top);
	for (size_t i = 0; i < w && s->ntop < SUMMARY_TOP && c[i].functions; i++)
		s->top[s->ntop++] = c[i];
	free(c);
	return 0;
}

int report_summary_compute(const struct module_report *r, struct report_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];

		s->findings++;
		s->kinds[f->kind]++;
		if (f->kind != KIND_NON_REENTRANT_CALL && f->protection < PROT__COUNT) {
			s->states++;
			s->protections[f->protection]++;
		}
		if (baseline_severity(f) == SEVERITY_ERROR)
			s->errors++;
		else
			s->warnings++;
	}
	for (size_t i = 0; i < r->nfunctions; i++) {
		const struct function_report *fr = &r->functions[i];

		s->guard += fr->guard;
		s->via += !fr->direct;
		s->init_only += fr->direct && fr->init_only;
	}
	return rank(r, s);
}

/* " N word" for each nonzero count, comma-separated; " none" when all are zero. */
static void counts_line(FILE *f, const size_t *counts, int n, const char *(*name)(int))
{
	bool first = true;

	for (int k = 0; k < n; k++) {
		if (!counts[k])
			continue;
		fprintf(f, "%s %zu %s", first ? "" : ",", counts[k], name(k));
		first = false;
	}
	fprintf(f, "%s\n", first ? " none" : "");
}

static const char *kind_word(int k)
{
	return kind_name((enum kind)k);
}

static const char *protection_word(int p)
{
	return protection_name((enum protection)p);
}

/* A protected state in the top list says how: "  [lock mu]", as the text report. */
static void top_line(FILE *f, const struct summary_top *t, const char *indent)
{
	fprintf(f, "%s    %6zu  %-20s %s", indent, t->functions, kind_name(t->kind), t->name);
	if (t->protection != PROT_NONE)
		fprintf(f, "  [%s%s%s]", protection_name(t->protection), t->lock ? " " : "",
			t->lock ? t->lock : "");
	fputc('\n', f);
}

void report_summary_print(FILE *f, const struct report_summary *s, const char *indent)
{

	fprintf(f, "%ssummary: %zu finding%s (%zu error%s, %zu warning%s)\n", indent, s->findings,
		s->findings == 1 ? "" : "s", s->errors, s->errors == 1 ? "" : "s", s->warnings,
		s->warnings == 1 ? "" : "s");
	fprintf(f, "%s  by kind:", indent);
	counts_line(f, s->kinds, KIND_FINDINGS_END, kind_word);
	if (s->states) {
		fprintf(f, "%s  state by protection:", indent);
		counts_line(f, s->protections, PROT__COUNT, protection_word);
	}
	fprintf(f, "%s  functions: %zu to guard, %zu reaching them through calls, %zu init-only\n",
		indent, s->guard, s->via, s->init_only);
	if (!s->ntop)
		return;
	fprintf(f, "%s  most shared (functions using each):\n", indent);
	for (size_t i = 0; i < s->ntop; i++)
		top_line(f, &s->top[i], indent);
}
