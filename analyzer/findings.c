/* Findings: assembles the module report from the analysis stages and fingerprints findings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "findings.h"

uint64_t findings_hash(const char *s, uint64_t h)
{
	for (const char *p = s; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return h;
}

void findings_fingerprint(enum kind k, const char *module, const char *function, const char *name,
			  char out[17])
{
	const char *parts[4] = { kind_name(k), module, function ? function : "", name ? name : "" };
	uint64_t h = FINDINGS_HASH_INIT;

	for (int i = 0; i < 4; i++) {
		h = findings_hash(parts[i], h);
		h = (h ^ 0x1f) * 0x100000001b3ULL;   /* separator: "ab"+"c" differs from "a"+"bc" */
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* Suffixes GCC and clang add to cloned or split copies of a function. */
static const char *const clone_suffixes[] = {
	".constprop.", ".isra.", ".part.", ".cold", ".lto_priv.", ".localalias", ".clone.",
	".specialized.", ".llvm.",
};

char *findings_base_name(const char *name)
{
	size_t len;

	if (!name)
		return NULL;
	len = strcspn(name, "@");
	for (size_t i = 0; i < sizeof(clone_suffixes) / sizeof(*clone_suffixes); i++) {
		const char *p = strstr(name, clone_suffixes[i]);

		if (p && (size_t)(p - name) < len)
			len = (size_t)(p - name);
	}
	return strndup(name, len);
}

static char *func_label(const struct function *fn)
{
	char *s;

	if (fn->name)
		return strdup(fn->name);
	return asprintf(&s, "0x%llx", (unsigned long long)fn->addr) < 0 ? NULL : s;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void site_free(struct site *s)
{
	free(s->function);
	free(s->file);
}

static void finding_free(struct finding *f)
{
	free(f->symbol);
	free(f->demangled);
	free(f->name);
	free(f->function);
	free(f->function_demangled);
	free(f->section);
	free(f->file);
	strlist_free(&f->readers);
	strlist_free(&f->writers);
	strlist_free(&f->takers);
	free(f->lock);
	for (size_t i = 0; i < f->naccesses; i++) {
		free(f->accesses[i].function);
		free(f->accesses[i].lock);
	}
	free(f->accesses);
	free(f->group);
	free(f->alternative);
	for (size_t i = 0; i < f->nsites; i++)
		site_free(&f->sites[i]);
	free(f->sites);
}

static void function_report_free(struct function_report *fr)
{
	free(fr->name);
	free(fr->demangled);
	strlist_free(&fr->uses);
	strlist_free(&fr->via);
}

void module_report_free(struct module_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nfindings; i++)
		finding_free(&r->findings[i]);
	for (size_t i = 0; i < r->nfunctions; i++)
		function_report_free(&r->functions[i]);
	for (size_t i = 0; i < r->nignored; i++)
		free(r->ignored[i].symbol);
	for (size_t i = 0; i < r->nunits; i++) {
		free(r->units[i].name);
		free(r->units[i].aware.evidence);
	}
	free(r->units);
	free(r->aware.evidence);
	free(r->findings);
	free(r->functions);
	free(r->ignored);
	strlist_free(&r->held);
	free(r->path);
	free(r->member);
	free(r->display);
	free(r->module);
	free(r);
}

struct build {
	const struct findings_input *in;
	struct module_report *r;
	VEC(struct finding) out;
	int err;
};

static char *label_of(const struct findings_input *in, uint32_t f)
{
	return func_label(&in->funcs->v.v[f]);
}

static void add_user(struct build *b, struct strlist *l, uint32_t f)
{
	char *label = label_of(b->in, f);

	if (!label || strlist_add(l, label, false))
		b->err = -ENOMEM;
	free(label);
}

/* GCC's "name.N" local statics carry no owner without DWARF: the one function using them is it. */
static char *infer_owner(const struct finding *f)
{
	char *owner = NULL;
	const struct strlist *lists[3] = { &f->readers, &f->writers, &f->takers };

	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < lists[k]->n; i++) {
			char *base = findings_base_name(lists[k]->v[i]);

			if (!base || (owner && strcmp(owner, base))) {
				free(base);
				free(owner);
				return NULL;
			}
			free(owner);
			owner = base;
		}
	return owner;
}

static int state_basics(const struct state_var *v, struct finding *f)
{
	f->kind = v->kind;
	f->symbol = strdup(v->symbol);
	f->demangled = symbols_demangle(v->symbol);
	f->name = strdup(v->name);
	f->function = findings_base_name(v->owner);
	f->section = strdup(v->section);
	f->file = dup_or_null(v->file);
	f->addr = v->addr;
	f->size = v->size;
	f->line = v->line;
	f->column = v->column;
	f->guarded_init = v->guarded_init;
	f->protection = (enum protection)v->protection;
	return f->symbol && f->demangled && f->name && f->section && (!v->owner || f->function) &&
	       (!v->file || f->file) ? 0 : -ENOMEM;
}

/* One function's uses of one object, gathered before they become a struct access. */
struct acc_key {
	uint32_t state, func;
	uint8_t use;
	unsigned seen;           /* protections of the uses */
	uint64_t held;           /* locks held at all of them */
};

static int cmp_acc(const void *a, const void *b)
{
	const struct acc_key *x = a, *y = b;

	if (x->state != y->state)
		return x->state < y->state ? -1 : 1;
	return x->func < y->func ? -1 : x->func > y->func;
}

static enum protection access_protection(unsigned seen)
{
	if (seen & 1u << PROT_NONE)
		return PROT_NONE;
	if (seen == 1u << PROT_LOCK)
		return PROT_LOCK;
	if (seen & 1u << PROT_ATOMIC)
		return PROT_ATOMIC;
	if (seen & 1u << PROT_SIGNAL_FLAG)
		return PROT_SIGNAL_FLAG;
	return seen & 1u << PROT_ONCE ? PROT_ONCE : PROT_LOCK;
}

static char *lock_name(const struct findings_input *in, uint64_t held)
{
	long k = in->locks ? lockset_lock_state(in->locks, held) : -1;

	return k >= 0 ? strdup(in->states->vars.v[k].name) : NULL;
}

static int add_access(struct build *b, struct finding *f, const struct acc_key *k)
{
	struct access a = { .use = k->use, .protection = access_protection(k->seen) };
	struct access *na = realloc(f->accesses, (f->naccesses + 1) * sizeof(*na));

	if (!na)
		return -ENOMEM;
	f->accesses = na;
	a.function = label_of(b->in, k->func);
	if (a.protection == PROT_LOCK)
		a.lock = lock_name(b->in, k->held);
	f->accesses[f->naccesses++] = a;
	return a.function ? 0 : -ENOMEM;
}

static int cmp_access(const void *a, const void *b)
{
	return strcmp(((const struct access *)a)->function, ((const struct access *)b)->function);
}

/* Per function and object: the union of its uses and the weakest of their protections. */
static int state_accesses(struct build *b, size_t base)
{
	const struct callgraph *cg = b->in->cg;
	struct acc_key *keys = malloc((cg->state_uses.n + 1) * sizeof(*keys));
	size_t n = 0;
	int err = keys ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < cg->state_uses.n; i++) {
		const struct state_use *u = &cg->state_uses.v[i];

		keys[n++] = (struct acc_key){ u->state, u->func, (uint8_t)u->access, 1u << u->prot, u->held };
	}
	if (!err)
		qsort(keys, n, sizeof(*keys), cmp_acc);
	for (size_t i = 0; !err && i < n;) {
		struct acc_key k = keys[i];
		struct finding *f = &b->out.v[base + k.state];

		for (i++; i < n && keys[i].state == k.state && keys[i].func == k.func; i++) {
			k.use |= keys[i].use;
			k.seen |= keys[i].seen;
			k.held &= keys[i].held;
		}
		err = add_access(b, f, &k);
	}
	for (size_t i = base; !err && i < b->out.n; i++) {
		struct finding *f = &b->out.v[i];

		if (f->naccesses)
			qsort(f->accesses, f->naccesses, sizeof(*f->accesses), cmp_access);
		if (f->protection == PROT_LOCK && b->in->states->vars.v[i - base].lock >= 0 &&
		    !(f->lock = strdup(b->in->states->vars.v[b->in->states->vars.v[i - base].lock].name)))
			err = -ENOMEM;
	}
	free(keys);
	return err;
}

/* Objects found to be synchronisation objects leave the findings for the ignored list. */
static void drop_sync_objects(struct build *b, size_t base)
{
	const struct state_set *st = b->in->states;
	size_t w = base;

	for (size_t i = base; i < b->out.n; i++) {
		struct finding *f = &b->out.v[i];
		struct ignored_report *ni;

		if (!st->vars.v[i - base].sync_object) {
			b->out.v[w++] = *f;
			continue;
		}
		ni = realloc(b->r->ignored, (b->r->nignored + 2) * sizeof(*ni));
		if (ni) {
			b->r->ignored = ni;
			ni[b->r->nignored++] = (struct ignored_report){ f->symbol, "synchronisation object" };
			f->symbol = NULL;
		} else {
			b->err = -ENOMEM;
		}
		finding_free(f);
	}
	b->out.n = w;
}

static void state_findings(struct build *b)
{
	const struct state_set *st = b->in->states;
	const struct callgraph *cg = b->in->cg;
	size_t base = b->out.n;

	for (size_t i = 0; i < st->vars.n && !b->err; i++) {
		struct finding f = { 0 };

		if (state_basics(&st->vars.v[i], &f) || VEC_PUSH(&b->out, f)) {
			finding_free(&f);
			b->err = -ENOMEM;
		}
	}
	for (size_t i = 0; i < cg->state_uses.n && !b->err; i++) {
		const struct state_use *u = &cg->state_uses.v[i];
		struct finding *f = &b->out.v[base + u->state];

		if (u->access & ACCESS_READ)
			add_user(b, &f->readers, u->func);
		if (u->access & ACCESS_WRITE)
			add_user(b, &f->writers, u->func);
		if (u->access & ACCESS_ADDR)
			add_user(b, &f->takers, u->func);
	}
	if (!b->err)
		b->err = state_accesses(b, base);
	for (size_t i = base; i < b->out.n && !b->err; i++) {
		struct finding *f = &b->out.v[i];

		strlist_sort(&f->readers);
		strlist_sort(&f->writers);
		strlist_sort(&f->takers);
		if (f->kind == KIND_MUTABLE_LOCAL_STATIC && !f->function)
			f->function = infer_owner(f);
	}
	if (!b->err)
		drop_sync_objects(b, base);
}

static const char *how_name(int how)
{
	static const char *const names[] = { "call", "tail-call", "address-taken" };

	return names[how];
}

static int call_basics(struct finding *f, const char *logical, const struct rule_use *u)
{
	const struct rule *ru = u->rule;

	f->kind = KIND_NON_REENTRANT_CALL;
	f->symbol = strndup(u->callee, strcspn(u->callee, "@"));
	f->demangled = symbols_demangle(u->callee);
	f->name = strdup(ru->name);
	f->function = dup_or_null(logical);
	f->function_demangled = logical ? symbols_demangle(logical) : NULL;
	f->group = dup_or_null(ru->group);
	f->alternative = dup_or_null(ru->alternative);
	f->severity = ru->severity;
	f->category = ru->category;
	return f->symbol && f->demangled && f->name && (!logical || (f->function && f->function_demangled)) &&
	       (!ru->group || f->group) && (!ru->alternative || f->alternative) ? 0 : -ENOMEM;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Call sites group by source-level function and rule, so that inlining and cloning (which move
 * or copy a call between machine functions) leave the finding itself unchanged. */
static struct finding *call_finding(struct build *b, size_t first, const char *logical,
				    const struct rule_use *u)
{
	struct finding f = { 0 };

	for (size_t i = first; i < b->out.n; i++)
		if (same(b->out.v[i].function, logical) && !strcmp(b->out.v[i].name, u->rule->name))
			return &b->out.v[i];
	if (call_basics(&f, logical, u) || VEC_PUSH(&b->out, f)) {
		finding_free(&f);
		b->err = -ENOMEM;
		return NULL;
	}
	return &b->out.v[b->out.n - 1];
}

static int add_site(struct build *b, struct finding *f, const struct rule_use *u)
{
	struct site s = { .addr = u->site, .how = how_name(u->how) };
	struct site *ns;
	const char *file = NULL;

	if (u->func != NO_FUNCTION) {
		s.function = label_of(b->in, u->func);
		if (!s.function)
			return -ENOMEM;
		if (debuginfo_source(b->in->dbg, u->site, &file, &s.line, &s.column) == 0 && !(s.file = strdup(file))) {
			site_free(&s);
			return -ENOMEM;
		}
	}
	ns = realloc(f->sites, (f->nsites + 1) * sizeof(*ns));
	if (!ns) {
		site_free(&s);
		return -ENOMEM;
	}
	f->sites = ns;
	f->sites[f->nsites++] = s;
	if (f->nsites == 1 && s.file) {
		f->file = strdup(s.file);
		f->line = s.line;
		f->column = s.column;
	}
	return f->nsites == 1 && s.file && !f->file ? -ENOMEM : 0;
}

static void call_findings(struct build *b)
{
	const struct callgraph *cg = b->in->cg;
	size_t first = b->out.n;

	for (size_t i = 0; i < cg->rule_uses.n && !b->err; i++) {
		const struct rule_use *u = &cg->rule_uses.v[i];
		const struct function *fn = u->func == NO_FUNCTION ? NULL : &b->in->funcs->v.v[u->func];
		const char *inl = fn ? debuginfo_function_at(b->in->dbg, u->site) : NULL;
		char *label = fn ? func_label(fn) : NULL;
		char *logical = findings_base_name(inl ? inl : label);
		struct finding *f;

		if (fn && (!label || !logical))
			b->err = -ENOMEM;
		else if ((f = call_finding(b, first, logical, u)) != NULL && add_site(b, f, u))
			b->err = -ENOMEM;
		free(label);
		free(logical);
	}
}

static int function_basics(const struct findings_input *in, uint32_t f, struct function_report *fr)
{
	const struct function *fn = &in->funcs->v.v[f];
	const struct fnode *nd = &in->cg->nodes[f];

	fr->name = func_label(fn);
	fr->demangled = fr->name ? symbols_demangle(fr->name) : NULL;
	fr->addr = fn->addr;
	fr->size = fn->end - fn->addr;
	fr->direct = nd->direct;
	fr->init_only = nd->init_only;
	fr->exported = fn->exported;
	fr->callback = nd->data_ref;
	fr->anchored = fn->anchored;
	fr->guard = callgraph_guard(in->cg, f);
	fr->unprotected = nd->unprotected;
	fr->unit = in->dbg && in->dbg->nunits ? debuginfo_unit_at(in->dbg, fn->addr) : -1;
	fr->entry_branches = nd->entry_branches;
	return fr->name && fr->demangled ? 0 : -ENOMEM;
}

static int follow_via(const struct findings_input *in, uint32_t f, struct function_report *fr)
{
	const struct callgraph *cg = in->cg;

	/* Hops strictly approach a direct function, so nfuncs bounds the walk. */
	for (size_t k = 0; k < cg->nfuncs && cg->nodes[f].next_hop != NO_FUNCTION; k++) {
		char *label;

		f = cg->nodes[f].next_hop;
		label = label_of(in, f);
		if (!label || strlist_add(&fr->via, label, false)) {
			free(label);
			return -ENOMEM;
		}
		free(label);
	}
	return 0;
}

static int function_uses(const struct findings_input *in, const int32_t *map,
			 struct function_report *frs)
{
	const struct callgraph *cg = in->cg;
	int err = 0;

	for (size_t i = 0; i < cg->state_uses.n && !err; i++) {
		const struct state_use *u = &cg->state_uses.v[i];

		if (map[u->func] >= 0 && !in->states->vars.v[u->state].sync_object)
			err = strlist_add(&frs[map[u->func]].uses, in->states->vars.v[u->state].name, false);
	}
	for (size_t i = 0; i < cg->rule_uses.n && !err; i++) {
		const struct rule_use *u = &cg->rule_uses.v[i];

		if (u->func != NO_FUNCTION)
			err = strlist_add(&frs[map[u->func]].uses, u->rule->name, false);
	}
	return err;
}

static void function_reports(struct build *b)
{
	const struct callgraph *cg = b->in->cg;
	int32_t *map = malloc((cg->nfuncs + 1) * sizeof(int32_t));
	size_t n = 0;

	b->r->functions = calloc(cg->nfuncs + 1, sizeof(struct function_report));
	if (!map || !b->r->functions) {
		b->err = -ENOMEM;
		free(map);
		return;
	}
	for (uint32_t f = 0; f < cg->nfuncs; f++)
		map[f] = cg->nodes[f].direct || cg->nodes[f].next_hop != NO_FUNCTION ? (int32_t)n++ : -1;
	b->r->nfunctions = n;
	for (uint32_t f = 0; f < cg->nfuncs && !b->err; f++)
		if (map[f] >= 0 && (function_basics(b->in, f, &b->r->functions[map[f]]) ||
				    follow_via(b->in, f, &b->r->functions[map[f]])))
			b->err = -ENOMEM;
	for (size_t i = 0; i < cg->edges.n; i++)
		if (cg->edges.v[i].how == HOW_ADDRESS_TAKEN && map[cg->edges.v[i].to] >= 0)
			b->r->functions[map[cg->edges.v[i].to]].address_taken = true;
	if (!b->err)
		b->err = function_uses(b->in, map, b->r->functions);
	for (size_t i = 0; i < n; i++)
		strlist_sort(&b->r->functions[i].uses);
	free(map);
}

static int cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	c = strcmp(x->function ? x->function : "", y->function ? y->function : "");
	if (c)
		return c;
	c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->symbol, y->symbol);
}

static int module_basics(const struct findings_input *in, struct module_report *r)
{
	const char *slash = strrchr(in->unit->path, '/');
	const char *base = slash ? slash + 1 : in->unit->path;

	r->path = strdup(in->unit->path);
	r->member = dup_or_null(in->unit->member);
	r->display = strdup(in->unit->display);
	if (in->unit->member) {
		if (asprintf(&r->module, "%s(%s)", base, in->unit->member) < 0)
			r->module = NULL;
	} else {
		r->module = strdup(base);
	}
	r->type = in->img->type;
	memcpy(r->build_id, in->img->build_id, sizeof(r->build_id));
	r->stripped = !in->img->has_symtab;
	r->debug_info = in->img->dwarf != NULL;
	return r->path && r->display && r->module && (!in->unit->member || r->member) ? 0 : -ENOMEM;
}

static int copy_ignored(const struct state_set *st, struct module_report *r)
{
	r->ignored = calloc(st->ignored.n + 1, sizeof(*r->ignored));
	if (!r->ignored)
		return -ENOMEM;
	for (size_t i = 0; i < st->ignored.n; i++) {
		r->ignored[i].reason = st->ignored.v[i].reason;
		if (!(r->ignored[i].symbol = strdup(st->ignored.v[i].symbol)))
			return -ENOMEM;
		r->nignored++;
	}
	return 0;
}

#define DW_LANG_RUST 0x1c

/* Rust symbols: v0 mangling (_R...) or legacy mangling ending in a 17h<16 hex>E hash. */
static bool rust_symbol(const char *name)
{
	size_t len = strlen(name);

	if (!strncmp(name, "_R", 2) && len > 3 && name[2] >= 'A' && name[2] <= 'Z')
		return true;
	if (strncmp(name, "_ZN", 3) || len < 24 || name[len - 1] != 'E' || strncmp(name + len - 21, "17h", 3))
		return false;
	for (size_t i = len - 18; i < len - 1; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return true;
}

static int set_evidence(struct awareness *a, enum aware_reason why, const char *fmt, const char *what)
{
	char *dm;
	int n;

	/* The first evidence is kept, except that creating threads gives way to any other: the
	 * runtime guard does not count it (legacy programs create threads too). */
	if (a->aware && (a->reason != AWARE_THREADS || why == AWARE_THREADS))
		return 0;
	if (!(dm = symbols_demangle(what)))
		return -ENOMEM;
	free(a->evidence);
	a->aware = true;
	a->reason = (uint8_t)why;
	n = asprintf(&a->evidence, fmt, dm);
	free(dm);
	return n < 0 ? (a->evidence = NULL, -ENOMEM) : 0;
}

static enum aware_reason sync_reason(const struct sync_func *sf)
{
	switch (sf->role) {
	case SYNC_CREATE:
		return AWARE_THREADS;
	case SYNC_TLS:
		return AWARE_TLS;
	case SYNC_INTERPRETER:
		return AWARE_INTERPRETER;
	default:
		return AWARE_SYNC;
	}
}

/* The evidence's words for a call of sf (a format taking its name). */
static const char *sync_evidence(const struct sync_func *sf)
{
	return sf->role == SYNC_INTERPRETER ? "runs under its interpreter's lock (calls %s)" : "uses %s";
}

static int unit_awareness(const struct findings_input *in, struct module_report *r)
{
	const struct callgraph *cg = in->cg;
	int err = 0;

	r->units = calloc(in->dbg->nunits + 1, sizeof(*r->units));
	if (!r->units)
		return -ENOMEM;
	r->nunits = in->dbg->nunits;
	for (size_t i = 0; i < r->nunits && !err; i++) {
		r->units[i].lang = in->dbg->units[i].lang;
		if (!(r->units[i].name = strdup(in->dbg->units[i].name)))
			err = -ENOMEM;
		else if (r->units[i].lang == DW_LANG_RUST)
			err = set_evidence(&r->units[i].aware, AWARE_RUST, "written in %s", "Rust");
	}
	for (size_t i = 0; i < cg->sync_uses.n && !err; i++) {
		const struct sync_use *su = &cg->sync_uses.v[i];
		long k = sync_role_is_evidence(su->sf->role) ? debuginfo_unit_at(in->dbg, su->site) : -1;

		if (k >= 0)
			err = set_evidence(&r->units[k].aware, sync_reason(su->sf), sync_evidence(su->sf),
					   su->sf->name);
	}
	for (size_t i = 0; i < r->nunits && !err; i++)
		if (in->dbg->units[i].tls)
			err = set_evidence(&r->units[i].aware, AWARE_TLS, "defines thread-local %s",
					   in->dbg->units[i].tls);
	return err;
}

/* Written for threads: it calls synchronisation or thread functions, defines thread-local
 * storage, or is Rust. Compiler machinery (__cxa_guard_*) is no evidence. */
static int module_awareness(const struct findings_input *in, struct module_report *r)
{
	const struct callgraph *cg = in->cg;
	int err = in->dbg && in->dbg->nunits ? unit_awareness(in, r) : 0;

	for (size_t i = 0; i < r->nunits && !err && !r->aware.aware; i++)
		if (r->units[i].lang == DW_LANG_RUST)
			err = set_evidence(&r->aware, AWARE_RUST, "written in %s", "Rust");
	for (size_t i = 0; i < cg->sync_uses.n && !err && (!r->aware.aware || r->aware.reason == AWARE_THREADS); i++)
		if (sync_role_is_evidence(cg->sync_uses.v[i].sf->role))
			err = set_evidence(&r->aware, sync_reason(cg->sync_uses.v[i].sf),
					   sync_evidence(cg->sync_uses.v[i].sf), cg->sync_uses.v[i].sf->name);
	for (size_t i = 0; i < in->states->ignored.n && !err && !r->aware.aware; i++)
		if (!strcmp(in->states->ignored.v[i].reason, "thread-local"))
			err = set_evidence(&r->aware, AWARE_TLS, "defines thread-local %s",
					   in->states->ignored.v[i].symbol);
	for (size_t i = 0; in->syms && i < in->syms->nfuncs && !err && !r->aware.aware; i++)
		if (rust_symbol(in->syms->funcs[i]->name))
			err = set_evidence(&r->aware, AWARE_RUST, "written in %s", "Rust");
	return err;
}

static const char *const aware_reasons[] = {
	[AWARE_SYNC] = "sync", [AWARE_THREADS] = "threads", [AWARE_TLS] = "tls", [AWARE_RUST] = "rust",
	[AWARE_INTERPRETER] = "interpreter",
};

const char *aware_reason_name(enum aware_reason r)
{
	return (size_t)r < sizeof(aware_reasons) / sizeof(*aware_reasons) ? aware_reasons[r] : NULL;
}

int aware_reason_parse(const char *s)
{
	for (size_t i = AWARE_NONE + 1; s && i < sizeof(aware_reasons) / sizeof(*aware_reasons); i++)
		if (!strcmp(aware_reasons[i], s))
			return (int)i;
	return -1;
}

bool finding_unprotected(const struct finding *f)
{
	return f->kind == KIND_NON_REENTRANT_CALL || f->protection == PROT_NONE;
}

const struct awareness *module_report_awareness(const struct module_report *r, size_t fi)
{
	long u = fi < r->nfunctions ? r->functions[fi].unit : -1;

	return u >= 0 && (size_t)u < r->nunits ? &r->units[u].aware : &r->aware;
}

int findings_build(const struct findings_input *in, struct module_report **out)
{
	struct build b = { .in = in, .r = calloc(1, sizeof(struct module_report)) };

	if (!b.r)
		return -ENOMEM;
	b.err = module_basics(in, b.r);
	if (!b.err)
		b.err = copy_ignored(in->states, b.r);
	if (!b.err)
		state_findings(&b);
	if (!b.err)
		call_findings(&b);
	if (!b.err)
		function_reports(&b);
	if (!b.err)
		b.err = module_awareness(in, b.r);
	for (size_t i = 0; i < b.out.n; i++) {
		struct finding *f = &b.out.v[i];

		findings_fingerprint(f->kind, b.r->module, f->function, f->name, f->fingerprint);
	}
	VEC_SORT(&b.out, cmp_finding);
	b.r->findings = b.out.v;
	b.r->nfindings = b.out.n;
	if (b.err) {
		module_report_free(b.r);
		return b.err;
	}
	*out = b.r;
	return 0;
}
