/* Call graph: turns raw references into uses and edges, then propagates hazards backwards
 * (breadth-first, so each function learns its shortest path) and finds init-only code. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "callgraph.h"

/* Rule lookups memoised by name pointer: names are symbol-table strings, and a large module
 * calls the same few thousand functions hundreds of thousands of times. */
struct rule_cache {
	const char **keys;
	const struct rule **vals;
	const struct sync_func **syncs;
	size_t mask;
};

struct builder {
	const struct callgraph_input *in;
	struct callgraph *cg;
	struct rule_cache cache;
	const struct image_section *plt[4];
	int err;
};

static int cache_init(struct builder *b)
{
	const struct callgraph_input *in = b->in;
	size_t want = 2 * (in->funcs->v.n + in->syms->symtab.n + in->syms->dynsym.n + 16), cap = 64;

	while (cap < want)
		cap *= 2;
	b->cache.keys = calloc(cap, sizeof(*b->cache.keys));
	b->cache.vals = calloc(cap, sizeof(*b->cache.vals));
	b->cache.syncs = calloc(cap, sizeof(*b->cache.syncs));
	b->cache.mask = cap - 1;
	return b->cache.keys && b->cache.vals && b->cache.syncs ? 0 : -ENOMEM;
}

/* The rule and the synchronisation rule for a name; either may be NULL. */
static const struct rule *lookup_rule(struct builder *b, const char *name, const struct sync_func **sf)
{
	struct rule_cache *c = &b->cache;
	const struct sync_rules *sr = b->in->sync;
	size_t h = (size_t)(((uintptr_t)name * 0x9E3779B97F4A7C15ULL) >> 20) & c->mask;

	for (size_t probes = 0; probes <= c->mask; probes++, h = (h + 1) & c->mask) {
		if (c->keys[h] == name) {
			*sf = c->syncs[h];
			return c->vals[h];
		}
		if (!c->keys[h]) {
			c->keys[h] = name;
			c->vals[h] = rules_find(b->in->rules, name, b->in->libc);
			c->syncs[h] = sr ? sync_find_function(sr, name) : NULL;
			*sf = c->syncs[h];
			return c->vals[h];
		}
	}
	*sf = sr ? sync_find_function(sr, name) : NULL;
	return rules_find(b->in->rules, name, b->in->libc);
}

static bool in_plt(const struct builder *b, uint64_t addr)
{
	for (size_t i = 0; i < 4 && b->plt[i]; i++)
		if (addr - b->plt[i]->addr < b->plt[i]->size)
			return true;
	return false;
}

static void find_plts(struct builder *b)
{
	const struct elf_image *img = b->in->img;
	size_t n = 0;

	for (size_t i = 1; i < img->nsecs && n < 4; i++)
		if (!strncmp(img->secs[i].name, ".plt", 4) && (img->secs[i].flags & SHF_EXECINSTR))
			b->plt[n++] = &img->secs[i];
}

/* References in address order, each with the function it comes from: the functions are sorted
 * and disjoint too, so one merged walk finds them all. C runtime code counts as none. */
struct src_iter {
	struct xref_iter it;
	const struct function_table *ft;
	size_t k;
	uint32_t func;                 /* the function of the reference returned last */
};

static const struct xref *src_next(struct src_iter *s)
{
	const struct function_table *ft = s->ft;
	const struct xref *x = xref_next(&s->it);

	if (!x)
		return NULL;
	while (s->k < ft->v.n && ft->v.v[s->k].end <= x->from)
		s->k++;
	s->func = s->k < ft->v.n && ft->v.v[s->k].addr <= x->from && !ft->v.v[s->k].runtime ?
		  (uint32_t)s->k : NO_FUNCTION;
	return x;
}

static void add_edge(struct builder *b, uint32_t from, long to, int how)
{
	struct edge e = { from, (uint32_t)to, (uint8_t)how };

	if (to < 0 || from == NO_FUNCTION || (uint32_t)to == from)
		return;
	if (VEC_PUSH(&b->cg->edges, e))
		b->err = -ENOMEM;
}

static void add_rule_use(struct builder *b, uint32_t func, const char *name, uint64_t site, int how)
{
	const struct sync_func *sf = NULL;
	const struct rule *ru = name ? lookup_rule(b, name, &sf) : NULL;
	struct rule_use u = { func, ru, name, site, (uint8_t)how };

	if (ru && VEC_PUSH(&b->cg->rule_uses, u))
		b->err = -ENOMEM;
	if (sf && func != NO_FUNCTION && how != HOW_ADDRESS_TAKEN &&
	    VEC_PUSH(&b->cg->sync_uses, ((struct sync_use){ func, site, sf })))
		b->err = -ENOMEM;
}

static void add_state_use(struct builder *b, uint32_t func, long state, const struct xref *x,
			  int access)
{
	struct state_use u = { .func = func, .state = (uint32_t)state, .site = x->from,
			       .access = (unsigned)access, .locked = x->locked };

	if (state >= 0 && func != NO_FUNCTION && VEC_PUSH(&b->cg->state_uses, u))
		b->err = -ENOMEM;
}

static int branch_how(const struct xref *x)
{
	return x->kind == XREF_CALL ? HOW_CALL : HOW_TAIL_CALL;
}

/* A symbol reached through a GOT slot or PLT stub: imported, or one of this module's own. */
static void on_symbol(struct builder *b, uint32_t f, const struct xref *x, const struct sym *y, int how)
{
	const struct callgraph_input *in = b->in;

	add_rule_use(b, f, y->name, x->from, how);
	if (y->shndx == SHN_UNDEF)
		return;
	if (y->type == STT_FUNC || y->type == STT_GNU_IFUNC)
		add_edge(b, f, functions_find(in->funcs, y->addr), how);
	else if (how == HOW_ADDRESS_TAKEN)
		add_state_use(b, f, state_find(in->states, y->addr), x, x->access);
}

static void note_entry_branch(struct builder *b, uint32_t g, uint64_t off, int how)
{
	if (how != HOW_ADDRESS_TAKEN && off > 0 && off < ENTRY_WINDOW)
		b->cg->nodes[g].entry_branches |= 1u << off;
}

static void on_code_target(struct builder *b, uint32_t f, const struct xref *x, int how)
{
	const struct callgraph_input *in = b->in;
	long g = functions_find(in->funcs, x->to);

	if (g < 0)
		return;
	note_entry_branch(b, (uint32_t)g, x->to - in->funcs->v.v[g].addr, how);
	/* A jump within the function, or into the middle of another, is control flow, not a call. */
	if (how == HOW_TAIL_CALL && ((uint32_t)g == f || in->funcs->v.v[g].addr != x->to))
		return;
	add_edge(b, f, g, how);
	add_rule_use(b, f, in->funcs->v.v[g].name, x->from, how);
}

static void resolve_branch(struct builder *b, uint32_t f, const struct xref *x)
{
	const struct callgraph_input *in = b->in;
	const struct sym *y = NULL;
	uint64_t slot;

	if (x->flags & XREF_INDIRECT)
		y = relocs_slot_symbol(in->relocs, in->syms, x->to);
	else if (in_plt(b, x->to) && (slot = disasm_plt_slot(in->plt, x->to)))
		y = relocs_slot_symbol(in->relocs, in->syms, slot);
	else {
		on_code_target(b, f, x, branch_how(x));
		return;
	}
	if (y)
		on_symbol(b, f, x, y, branch_how(x));
}

/* Pass 1: calls, jumps, GOT and code references; everything but plain state. */
static void resolve(struct builder *b, const struct xref *x, uint32_t f)
{
	const struct callgraph_input *in = b->in;
	const struct sym *y;

	if (f == NO_FUNCTION)
		return;
	if (x->flags & XREF_SYMBOL) {
		/* An import of a .o, or at a text relocation of a linked file (then in .dynsym). */
		y = symbols_by_index(in->syms, in->img->type == IMAGE_RELOCATABLE ? in->syms->symtab.shndx :
					      in->syms->dynsym.shndx, x->to);
		if (y)
			add_rule_use(b, f, y->name, x->from, x->kind == XREF_DATA ? HOW_ADDRESS_TAKEN : branch_how(x));
	} else if (x->kind != XREF_DATA) {
		resolve_branch(b, f, x);
	} else if (elf_image_is_got(in->img, x->to)) {
		if ((y = relocs_slot_symbol(in->relocs, in->syms, x->to)))
			on_symbol(b, f, x, y, HOW_ADDRESS_TAKEN);
	} else if (in_plt(b, x->to)) {
		/* Non-PIE code takes an imported function's address as its PLT stub. */
		uint64_t slot = disasm_plt_slot(in->plt, x->to);

		if (slot && (y = relocs_slot_symbol(in->relocs, in->syms, slot)))
			on_symbol(b, f, x, y, HOW_ADDRESS_TAKEN);
	} else if (functions_find(in->funcs, x->to) >= 0) {
		on_code_target(b, f, x, HOW_ADDRESS_TAKEN);
	}
}

/* Plain references to module data, and calls or jumps through a module object (a function
 * pointer global), which read it. */
static bool is_state_ref(const struct callgraph_input *in, const struct xref *x)
{
	if (x->kind != XREF_DATA && !(x->flags & XREF_INDIRECT))
		return false;
	return !(x->flags & XREF_SYMBOL) && !elf_image_is_got(in->img, x->to) &&
	       functions_find(in->funcs, x->to) < 0;
}

/* Pass 2, once anonymous state exists: plain references to module data. */
static void resolve_state(struct builder *b, const struct xref *x, uint32_t f)
{
	if (f != NO_FUNCTION && is_state_ref(b->in, x))
		add_state_use(b, f, state_find(b->in->states, x->to), x,
			      x->kind == XREF_DATA ? x->access : ACCESS_READ);
}

/* State referenced where no symbol describes it (stripped modules) is named by address. Code
 * that runs only at load time (C runtime included) does not make anonymous state. */
static int add_anonymous_state(const struct builder *b)
{
	const struct callgraph_input *in = b->in;
	VEC(uint64_t) addrs = { 0 };
	int err = 0;

	struct src_iter it = { .it = { .set = in->xrefs }, .ft = in->funcs };
	const struct xref *x;

	while (!err && (x = src_next(&it)) != NULL) {
		uint32_t f = it.func;

		if (f == NO_FUNCTION || b->cg->nodes[f].init_only || !is_state_ref(in, x) ||
		    state_find(in->states, x->to) >= 0 ||
		    symbols_object_at(in->syms, x->to) || !state_is_mutable_addr(in->img, in->relocs, x->to))
			continue;
		err = VEC_PUSH(&addrs, x->to) ? -ENOMEM : 0;
	}
	if (!err)
		err = state_add_anonymous(in->states, in->img, addrs.v, addrs.n);
	VEC_FREE(&addrs);
	return err;
}

/* Function addresses stored in data: callbacks and vtables can be called from anywhere; a
 * listed function stored in a table counts as taking its address. Text relocations are the
 * sweep's: references of the function whose code they patch. */
static void scan_data_relocs(struct builder *b)
{
	const struct callgraph_input *in = b->in;

	for (size_t i = 0; i < in->relocs->ndata; i++) {
		const struct reloc *r = &in->relocs->data[i];
		const struct image_section *s = elf_image_section_at(in->img, r->offset);
		const struct sym *y = r->sym ? symbols_by_index(in->syms, r->symtab_shndx, r->sym) : NULL;
		uint64_t to;
		long g;

		if (!s || elf_image_is_init_array(s->name) || !strncmp(s->name, ".got", 4) ||
		    (in->img->textrel && (s->flags & SHF_EXECINSTR)))
			continue;
		if (r->type == R_X86_64_RELATIVE)
			to = (uint64_t)r->addend;
		else if (r->type == R_X86_64_64 && y && y->shndx == SHN_UNDEF) {
			add_rule_use(b, NO_FUNCTION, y->name, r->offset, HOW_ADDRESS_TAKEN);
			continue;
		} else if (r->type == R_X86_64_64 && y)
			to = y->addr + (uint64_t)r->addend;
		else
			continue;
		g = functions_find(in->funcs, to);
		if (g >= 0 && in->funcs->v.v[g].addr == to) {
			b->cg->nodes[g].data_ref = true;
			add_rule_use(b, NO_FUNCTION, in->funcs->v.v[g].name, r->offset, HOW_ADDRESS_TAKEN);
		}
	}
}

static int cmp_edge(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return x->how - y->how;
}

/* One edge per (from, to): a call outranks a tail call outranks taking the address. Edges
 * arrive grouped by caller (references are in address order), so sorting each group suffices. */
static void dedupe_edges(struct callgraph *cg)
{
	struct edge *v = cg->edges.v;
	size_t w = 0, n = cg->edges.n;

	for (size_t start = 0, end; start < n; start = end) {
		for (end = start + 1; end < n && v[end].from == v[start].from; end++)
			;
		qsort(v + start, end - start, sizeof(struct edge), cmp_edge);
	}
	/* Pass 2 of the sorted groups is stable only if groups never interleave; sort if they do. */
	for (size_t i = 1; i < n; i++)
		if (v[i].from < v[i - 1].from) {
			qsort(v, n, sizeof(struct edge), cmp_edge);
			break;
		}
	for (size_t i = 0; i < n; i++) {
		if (w && v[w - 1].from == v[i].from && v[w - 1].to == v[i].to)
			continue;
		v[w++] = v[i];
	}
	cg->edges.n = w;
}

/* Compressed adjacency: for node i, list[off[i] .. off[i+1]) holds its neighbours. */
struct adjacency {
	uint32_t *off, *list;
};

static int adjacency_build(const struct callgraph *cg, bool reverse, bool calls_only,
			   struct adjacency *a)
{
	size_t n = cg->nfuncs;

	a->off = calloc(n + 2, sizeof(uint32_t));
	a->list = calloc(cg->edges.n + 1, sizeof(uint32_t));
	if (!a->off || !a->list)
		return -ENOMEM;
	for (size_t i = 0; i < cg->edges.n; i++) {
		const struct edge *e = &cg->edges.v[i];

		if (!calls_only || e->how != HOW_ADDRESS_TAKEN)
			a->off[(reverse ? e->to : e->from) + 2]++;
	}
	for (size_t i = 2; i < n + 2; i++)
		a->off[i] += a->off[i - 1];
	for (size_t i = 0; i < cg->edges.n; i++) {
		const struct edge *e = &cg->edges.v[i];

		if (!calls_only || e->how != HOW_ADDRESS_TAKEN)
			a->list[a->off[(reverse ? e->to : e->from) + 1]++] = reverse ? e->from : e->to;
	}
	return 0;
}

static void adjacency_free(struct adjacency *a)
{
	free(a->off);
	free(a->list);
}

static void mark_direct(struct callgraph *cg)
{
	for (size_t i = 0; i < cg->state_uses.n; i++)
		cg->nodes[cg->state_uses.v[i].func].direct = true;
	for (size_t i = 0; i < cg->rule_uses.n; i++)
		if (cg->rule_uses.v[i].func != NO_FUNCTION)
			cg->nodes[cg->rule_uses.v[i].func].direct = true;
	for (size_t i = 0; i < cg->nfuncs; i++)
		cg->nodes[i].unprotected = cg->nodes[i].direct;
}

/* Breadth-first from every unprotected function over callers: each caller's next hop lies on
 * a shortest call path to hazardous code. */
int callgraph_propagate(struct callgraph *cg)
{
	struct adjacency callers = { 0 };
	uint32_t *queue = calloc(cg->nfuncs + 1, sizeof(uint32_t));
	bool *seen = calloc(cg->nfuncs + 1, sizeof(bool));
	size_t head = 0, tail = 0;
	int err = queue && seen ? adjacency_build(cg, true, true, &callers) : -ENOMEM;

	for (size_t i = 0; !err && i < cg->nfuncs; i++)
		cg->nodes[i].next_hop = NO_FUNCTION;
	for (size_t i = 0; !err && i < cg->nfuncs; i++)
		if (cg->nodes[i].unprotected) {
			seen[i] = true;
			queue[tail++] = (uint32_t)i;
		}
	while (!err && head < tail) {
		uint32_t u = queue[head++];

		for (uint32_t k = callers.off[u]; k < callers.off[u + 1]; k++) {
			uint32_t c = callers.list[k];

			if (seen[c])
				continue;
			seen[c] = true;
			cg->nodes[c].next_hop = u;
			queue[tail++] = c;
		}
	}
	adjacency_free(&callers);
	free(queue);
	free(seen);
	return err;
}

static bool has_outside_caller(const struct adjacency *callers, const bool *inside, uint32_t f)
{
	for (uint32_t k = callers->off[f]; k < callers->off[f + 1]; k++)
		if (!inside[callers->list[k]])
			return true;
	return false;
}

/* Init-only: reachable from loader-run entries, and referenced by nothing else. Shrinks the
 * reachable set until every member's callers are members too. */
static int find_init_only(struct callgraph *cg, const struct function_table *ft)
{
	struct adjacency callees = { 0 }, callers = { 0 };
	bool *inside = calloc(cg->nfuncs + 1, sizeof(bool)), changed = true;
	uint32_t *stack = calloc(cg->nfuncs + 1, sizeof(uint32_t)), top = 0;
	int err = inside && stack ? adjacency_build(cg, false, false, &callees) : -ENOMEM;

	if (!err)
		err = adjacency_build(cg, true, false, &callers);
	for (size_t i = 0; !err && i < cg->nfuncs; i++)
		if (ft->v.v[i].init_root && !inside[i]) {
			inside[i] = true;
			stack[top++] = (uint32_t)i;
		}
	while (!err && top) {
		uint32_t u = stack[--top];

		for (uint32_t k = callees.off[u]; k < callees.off[u + 1]; k++)
			if (!inside[callees.list[k]]) {
				inside[callees.list[k]] = true;
				stack[top++] = callees.list[k];
			}
	}
	while (!err && changed) {
		changed = false;
		for (uint32_t f = 0; f < cg->nfuncs; f++) {
			const struct function *fn = &ft->v.v[f];

			if (!inside[f] || fn->init_root)
				continue;
			if (fn->exported || cg->nodes[f].data_ref || has_outside_caller(&callers, inside, f)) {
				inside[f] = false;
				changed = true;
			}
		}
	}
	for (size_t i = 0; !err && i < cg->nfuncs; i++)
		cg->nodes[i].init_only = inside[i];
	adjacency_free(&callees);
	adjacency_free(&callers);
	free(inside);
	free(stack);
	return err;
}

static int cmp_rule_use(const void *a, const void *b)
{
	const struct rule_use *x = a, *y = b;

	if (x->func != y->func)
		return x->func < y->func ? -1 : 1;
	return x->site < y->site ? -1 : x->site > y->site;
}

int callgraph_build(const struct callgraph_input *in, struct callgraph **out)
{
	struct callgraph *cg = calloc(1, sizeof(*cg));
	struct builder b = { .in = in, .cg = cg };
	const struct xref *x;

	if (!cg)
		return -ENOMEM;
	cg->nfuncs = in->funcs->v.n;
	cg->nodes = calloc(cg->nfuncs + 1, sizeof(*cg->nodes));
	b.err = cg->nodes ? cache_init(&b) : -ENOMEM;
	find_plts(&b);
	for (size_t i = 0; !b.err && i < cg->nfuncs; i++)
		cg->nodes[i].next_hop = NO_FUNCTION;
	for (struct src_iter it = { .it = { .set = in->xrefs }, .ft = in->funcs }; !b.err && (x = src_next(&it)) != NULL;)
		resolve(&b, x, it.func);
	if (!b.err) {
		scan_data_relocs(&b);
		dedupe_edges(cg);
		b.err = find_init_only(cg, in->funcs);
	}
	if (!b.err)
		b.err = add_anonymous_state(&b);
	for (struct src_iter it = { .it = { .set = in->xrefs }, .ft = in->funcs }; !b.err && (x = src_next(&it)) != NULL;)
		resolve_state(&b, x, it.func);
	if (!b.err) {
		VEC_SORT(&cg->rule_uses, cmp_rule_use);
		mark_direct(cg);
		b.err = callgraph_propagate(cg);
	}
	free(b.cache.keys);
	free(b.cache.vals);
	free(b.cache.syncs);
	if (b.err) {
		callgraph_free(cg);
		return b.err;
	}
	*out = cg;
	return 0;
}

void callgraph_free(struct callgraph *cg)
{
	if (!cg)
		return;
	VEC_FREE(&cg->state_uses);
	VEC_FREE(&cg->rule_uses);
	VEC_FREE(&cg->sync_uses);
	VEC_FREE(&cg->edges);
	free(cg->nodes);
	free(cg);
}

bool callgraph_guard(const struct callgraph *cg, uint32_t f)
{
	return cg->nodes[f].unprotected && !cg->nodes[f].init_only;
}
