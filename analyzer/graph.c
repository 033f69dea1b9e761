/* Hazard graph: functions, state and libc groups from the module reports (the call graph's
 * hazardous part as findings_build kept it: call paths, uses, entry points), no new analysis. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "graph.h"
#include "vec.h"

/* A function or group name of one module, for lookup by name. */
struct name_ix {
	const char *name;
	size_t node;
};

struct builder {
	VEC(struct graph_node) nodes;
	VEC(struct graph_edge) edges;
	struct name_ix *funcs, *groups;   /* of the module being added, sorted by name */
	size_t nfuncs, ngroups;
	const struct module_report *m;
	int err;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct name_ix *)a)->name, ((const struct name_ix *)b)->name);
}

static long lookup(const struct name_ix *v, size_t n, const char *name)
{
	struct name_ix key = { name, 0 };
	const struct name_ix *hit = n ? bsearch(&key, v, n, sizeof(key), cmp_name) : NULL;

	return hit ? (long)hit->node : -1;
}

static long add_node(struct builder *b, struct graph_node nd)
{
	nd.module = b->m;
	if (!nd.label || VEC_PUSH(&b->nodes, nd)) {
		free(nd.label);
		free(nd.detail);
		b->err = -ENOMEM;
		return -1;
	}
	return (long)b->nodes.n - 1;
}

static void add_edge(struct builder *b, long from, long to, const char *what, const struct access *a)
{
	struct graph_edge e = { (size_t)from, (size_t)to, strdup(what), a ? a->protection : PROT_NONE,
				a && a->protection == PROT_LOCK ? a->lock : NULL };

	if (from < 0 || to < 0 || from == to)
		return;
	if (!e.what || VEC_PUSH(&b->edges, e)) {
		free(e.what);
		b->err = -ENOMEM;
	}
}

static void add_functions(struct builder *b)
{
	const struct module_report *m = b->m;

	b->funcs = calloc(m->nfunctions + 1, sizeof(*b->funcs));
	if (!b->funcs) {
		b->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < m->nfunctions && !b->err; i++) {
		const struct function_report *fr = &m->functions[i];
		struct graph_node nd = {
			.type = GRAPH_FUNCTION, .label = strdup(fr->demangled), .guard = fr->guard,
			.init_only = fr->init_only, .depth = fr->direct ? 0 : fr->via.n,
			.entry = (fr->exported ? ENTRY_EXPORTED : 0) | (fr->callback ? ENTRY_CALLBACK : 0) |
				 (fr->address_taken ? ENTRY_ADDRESS_TAKEN : 0),
		};
		long ix = add_node(b, nd);

		if (ix >= 0)
			b->funcs[b->nfuncs++] = (struct name_ix){ fr->name, (size_t)ix };
	}
	if (b->nfuncs > 1)
		qsort(b->funcs, b->nfuncs, sizeof(*b->funcs), cmp_name);
}

static char *state_detail(const struct finding *f)
{
	char *s = NULL;
	int r = f->file ? asprintf(&s, "%s, %llu bytes; %s:%d", f->section, (unsigned long long)f->size,
				   f->file, f->line)
			: asprintf(&s, "%s, %llu bytes", f->section, (unsigned long long)f->size);

	return r < 0 ? NULL : s;
}

/* The access of function fn to the state of f, or NULL (reports saved before accesses). */
static const struct access *access_of(const struct finding *f, const char *fn)
{
	for (size_t i = 0; i < f->naccesses; i++)
		if (!strcmp(f->accesses[i].function, fn))
			return &f->accesses[i];
	return NULL;
}

static void add_state(struct builder *b, const struct finding *f)
{
	char *label = NULL;
	long ix;

	if (f->kind == KIND_MUTABLE_LOCAL_STATIC && f->function) {
		if (asprintf(&label, "%s in %s", f->name,
			     f->function_demangled ? f->function_demangled : f->function) < 0)
			label = NULL;
	} else {
		label = strdup(f->demangled ? f->demangled : f->name);
	}
	ix = add_node(b, (struct graph_node){ .type = GRAPH_STATE, .label = label,
					     .detail = state_detail(f), .kind = f->kind,
					     .severity = SEVERITY_ERROR, .protection = f->protection,
					     .lock = f->protection == PROT_LOCK ? f->lock : NULL });
	for (size_t k = 0; k < f->readers.n && ix >= 0; k++) {
		bool writes = false;

		for (size_t w = 0; w < f->writers.n; w++)
			writes |= !strcmp(f->writers.v[w], f->readers.v[k]);
		add_edge(b, lookup(b->funcs, b->nfuncs, f->readers.v[k]), ix, writes ? "reads, writes" : "reads",
			 access_of(f, f->readers.v[k]));
	}
	for (size_t w = 0; w < f->writers.n && ix >= 0; w++) {
		bool reads = false;

		for (size_t k = 0; k < f->readers.n; k++)
			reads |= !strcmp(f->writers.v[w], f->readers.v[k]);
		if (!reads)
			add_edge(b, lookup(b->funcs, b->nfuncs, f->writers.v[w]), ix, "writes",
				 access_of(f, f->writers.v[w]));
	}
}

/* The group of a call: its rule's first shared-state group, else the callee. */
static char *group_of(const struct finding *f)
{
	const char *g = f->group && *f->group ? f->group : f->name;

	return strndup(g, strcspn(g, ","));
}

/* Adds the callee to the group's detail ("strtok, strtok_r") unless it is there. */
static void note_member(struct builder *b, struct graph_node *g, const char *callee)
{
	char *d = NULL;

	if (g->detail) {
		for (const char *p = g->detail; (p = strstr(p, callee)); p++)
			if ((p == g->detail || p[-1] == ' ') && (p[strlen(callee)] == ',' || !p[strlen(callee)]))
				return;
		if (asprintf(&d, "%s, %s", g->detail, callee) < 0)
			d = NULL;
	} else {
		d = strdup(callee);
	}
	if (!d) {
		b->err = -ENOMEM;
		return;
	}
	free(g->detail);
	g->detail = d;
}

static long group_node(struct builder *b, const struct finding *f)
{
	char *name = group_of(f);
	long ix = name ? lookup(b->groups, b->ngroups, name) : -1;

	if (ix < 0 && name) {
		struct name_ix *v = realloc(b->groups, (b->ngroups + 1) * sizeof(*v));

		ix = v ? add_node(b, (struct graph_node){ .type = GRAPH_GROUP, .label = strdup(name),
							  .kind = f->kind, .severity = f->severity })
		       : -1;
		if (v)
			b->groups = v;
		if (ix >= 0) {
			b->groups[b->ngroups++] = (struct name_ix){ b->nodes.v[ix].label, (size_t)ix };
			qsort(b->groups, b->ngroups, sizeof(*b->groups), cmp_name);
		} else {
			b->err = -ENOMEM;
		}
	}
	free(name);
	return ix;
}

static void add_call(struct builder *b, const struct finding *f)
{
	long g = group_node(b, f);
	char *what = NULL;

	if (g < 0)
		return;
	if (f->severity == SEVERITY_ERROR)
		b->nodes.v[g].severity = SEVERITY_ERROR;
	note_member(b, &b->nodes.v[g], f->symbol);
	if (asprintf(&what, "calls %s", f->symbol) < 0) {
		b->err = -ENOMEM;
		return;
	}
	for (size_t s = 0; s < f->nsites; s++)
		if (f->sites[s].function)
			add_edge(b, lookup(b->funcs, b->nfuncs, f->sites[s].function), g, what, NULL);
	free(what);
}

/* Sets the why-path of each confined function on the call path of an entry point, entries in
 * report order: the path from the first entry whose path reaches it. */
static void add_why(struct builder *b, size_t first)
{
	const struct module_report *m = b->m;

	for (size_t i = 0; i < m->nfunctions && !b->err; i++) {
		const struct function_report *fr = &m->functions[i];
		size_t chain[64], n = 0;

		if (!b->nodes.v[first + i].entry)
			continue;
		chain[n++] = first + i;
		for (size_t k = 0; k < fr->via.n && n < 64; k++) {
			long ix = lookup(b->funcs, b->nfuncs, fr->via.v[k]);

			if (ix < 0)
				break;
			chain[n++] = (size_t)ix;
		}
		for (size_t k = 0; k < n; k++) {
			struct graph_node *nd = &b->nodes.v[chain[k]];

			if (!nd->guard || nd->why)
				continue;
			nd->why = malloc((k + 1) * sizeof(size_t));
			if (!nd->why) {
				b->err = -ENOMEM;
				return;
			}
			memcpy(nd->why, chain, (k + 1) * sizeof(size_t));
			nd->nwhy = k + 1;
		}
	}
}

static void add_module(struct builder *b, const struct module_report *m)
{
	size_t first = b->nodes.n;

	b->m = m;
	add_functions(b);
	for (size_t i = 0; i < m->nfunctions && !b->err; i++) {
		const struct function_report *fr = &m->functions[i];

		if (!fr->direct && fr->via.n)
			add_edge(b, (long)(first + i), lookup(b->funcs, b->nfuncs, fr->via.v[0]), "call", NULL);
	}
	for (size_t i = 0; i < m->nfindings && !b->err; i++) {
		if (m->findings[i].kind == KIND_NON_REENTRANT_CALL)
			add_call(b, &m->findings[i]);
		else
			add_state(b, &m->findings[i]);
	}
	if (!b->err)
		add_why(b, first);
	free(b->funcs);
	free(b->groups);
	b->funcs = b->groups = NULL;
	b->nfuncs = b->ngroups = 0;
}

static int cmp_edge(const void *a, const void *b)
{
	const struct graph_edge *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return strcmp(x->what, y->what);
}

/* One edge per pair: the words of duplicates are joined ("calls strtok, calls strtok_r"). */
static int merge_edges(struct graph *g)
{
	size_t w = 0, i;
	int err = 0;

	if (g->nedges > 1)
		qsort(g->edges, g->nedges, sizeof(*g->edges), cmp_edge);
	for (i = 0; i < g->nedges && !err; i++) {
		struct graph_edge *last = w ? &g->edges[w - 1] : NULL;
		char *j = NULL;

		if (!last || last->from != g->edges[i].from || last->to != g->edges[i].to) {
			g->edges[w++] = g->edges[i];
			continue;
		}
		if (strcmp(last->what, g->edges[i].what) && asprintf(&j, "%s, %s", last->what, g->edges[i].what) < 0) {
			err = -ENOMEM;
			break;
		}
		if (j) {
			free(last->what);
			last->what = j;
		}
		free(g->edges[i].what);
	}
	for (; i < g->nedges; i++)   /* after an error: what was not kept */
		free(g->edges[i].what);
	g->nedges = w;
	return err;
}

int graph_build(struct module_report *const *mods, size_t n, struct graph **out)
{
	struct builder b = { 0 };
	struct graph *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (!g)
		return -ENOMEM;
	for (size_t i = 0; i < n && !b.err; i++)
		add_module(&b, mods[i]);
	g->nodes = b.nodes.v;
	g->nnodes = b.nodes.n;
	g->edges = b.edges.v;
	g->nedges = b.edges.n;
	if (b.err || merge_edges(g)) {
		graph_free(g);
		return -ENOMEM;
	}
	*out = g;
	return 0;
}

void graph_free(struct graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nnodes; i++) {
		free(g->nodes[i].label);
		free(g->nodes[i].detail);
		free(g->nodes[i].why);
	}
	for (size_t i = 0; i < g->nedges; i++)
		free(g->edges[i].what);
	free(g->nodes);
	free(g->edges);
	free(g);
}

const char *graph_entry_words(unsigned entry)
{
	static const char *const words[8] = {
		"", "exported", "callback", "exported, callback", "address taken",
		"exported, address taken", "callback, address taken",
		"exported, callback, address taken",
	};

	return words[entry & 7];
}
