/* Lockset: decodes only the functions that lock (and their callers when a call changes the
 * lockset), solves a must-lockset dataflow per function, summarises each function's net effect
 * for its callers, and carries caller-held locks into static callees. Query calls of env rules
 * are found with the same argument search. */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lockset.h"

#define ALL_LOCKS (~0ULL)
#define ARG_WINDOW 12        /* instructions searched backwards for a call's argument */
#define TRY_WINDOW 6         /* instructions searched forwards for a trylock's test */
#define ROUNDS 4             /* bound on summary and entry-set iterations */

/* ---- the solver -------------------------------------------------------------------------- */

static bool falls_through(const struct ls_insn *x)
{
	return x->flow == LS_NEXT || x->flow == LS_JCC;
}

/* Meets set into in[i] (AND; the first arrival sets it) and queues i when it changed. */
static void meet(uint64_t *in, bool *seen, size_t *queue, bool *queued, size_t *tail, size_t n,
		 size_t i, uint64_t set)
{
	uint64_t old = in[i];

	in[i] = seen[i] ? (in[i] & set) : set;
	if ((!seen[i] || in[i] != old) && !queued[i]) {
		queued[i] = true;
		queue[(*tail)++ % n] = i;
	}
	seen[i] = true;
}

uint64_t lockset_solve(const struct ls_insn *v, size_t n, uint64_t entry, uint64_t *in, bool *returns_out)
{
	size_t *queue = calloc(n + 1, sizeof(*queue)), head = 0, tail = 0;
	bool *seen = calloc(n + 1, sizeof(bool)), *queued = calloc(n + 1, sizeof(bool));
	uint64_t at_ret = ALL_LOCKS;
	bool returns = false;

	memset(in, 0, n * sizeof(*in));
	if (!queue || !seen || !queued || !n)
		goto out;
	meet(in, seen, queue, queued, &tail, n, 0, entry);
	while (head != tail) {
		size_t i = queue[head++ % n];
		const struct ls_insn *x = &v[i];
		uint64_t o = (in[i] & ~x->kill) | x->gen;

		queued[i] = false;
		if (x->flow == LS_RET) {
			at_ret &= o;
			returns = true;
		}
		if (falls_through(x) && i + 1 < n)
			meet(in, seen, queue, queued, &tail, n, i + 1,
			     x->flow == LS_JCC && !x->cond_on_taken ? o | x->cond_gen : o);
		if ((x->flow == LS_JCC || x->flow == LS_JMP) && x->target >= 0)
			meet(in, seen, queue, queued, &tail, n, (size_t)x->target,
			     x->flow == LS_JCC && x->cond_on_taken ? o | x->cond_gen : o);
		for (size_t k = 1; x->flow == LS_JMP_IND && k < n; k++)
			if (!falls_through(&v[k - 1]))
				meet(in, seen, queue, queued, &tail, n, k, o);
	}
	/* A returning path may have been met before all its predecessors settled: recompute. */
	at_ret = ALL_LOCKS;
	for (size_t i = 0; i < n; i++)
		if (seen[i] && v[i].flow == LS_RET)
			at_ret &= (in[i] & ~v[i].kill) | v[i].gen;
out:
	free(queue);
	free(seen);
	free(queued);
	*returns_out = returns;
	return returns ? at_ret : 0;
}

/* ---- decoding ------------------------------------------------------------------------------ */

/* What the backward search for a call's argument needs of each instruction. */
struct regs {
	int8_t written;      /* register family written (0-15), -1 none */
	int8_t copied;       /* mov reg, reg: the source family, else -1 */
	bool loads_addr;     /* lea, or a load from memory (a GOT slot) */
	bool zero;           /* sets the whole register to zero (xor r,r; sub r,r; mov $0,r) */
	uint16_t clobbers;   /* families written in other ways (implicitly, a second operand) */
	bool barrier;        /* call, return, unconditional jump */
	int8_t eq;           /* je: 1, jne: 0, else -1 */
};

struct fn {
	uint32_t idx;
	struct ls_insn *v;
	struct regs *r;
	uint64_t *addr;
	int32_t *callee;     /* local function called, -1 */
	uint64_t *in;
	bool *starts;        /* branch targets (basic block starts); only for the query search */
	size_t n;
	bool relevant, decoded;
	bool dirty;          /* a callee's summary changed since its own was computed */
	bool solved;         /* in[] holds the solution for entry solved_entry with final effects */
	uint64_t solved_entry;
	uint64_t gen, kill;  /* summary: locks held at every return / released on some path */
};

struct ctx {
	const struct lockset_input *in;
	struct lockset *ls;
	struct fn *fns;      /* one per function */
	uint32_t *use_start; /* state uses of function f: [use_start[f], use_start[f + 1]) */
	uint64_t *entry;
	csh cs;
	cs_insn *insn;
};

/* disasm_reg_family's numbering: rax, rbx, rcx, rdx, rsi, rdi, ... */
#define FAM_RSI 4
#define FAM_RDI 5

/* The families an instruction writes other than through a register first operand. */
static uint16_t clobbered(const cs_insn *in)
{
	const cs_detail *d = in->detail;
	uint16_t m = 0;
	int fam;

	for (int i = 0; i < d->regs_write_count; i++)
		if ((fam = disasm_reg_family(d->regs_write[i])) >= 0)
			m |= (uint16_t)(1u << fam);
	for (int i = 1; i < d->x86.op_count; i++)
		if (d->x86.operands[i].type == X86_OP_REG && (d->x86.operands[i].access & CS_AC_WRITE) &&
		    (fam = disasm_reg_family(d->x86.operands[i].reg)) >= 0)
			m |= (uint16_t)(1u << fam);
	return m;
}

/* Whether the instruction zeroes its destination register whole (a write of 32 or 64 bits). */
static bool zeroes(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;
	const cs_x86_op *a = &x->operands[0], *b = &x->operands[1];

	if (x->op_count != 2 || a->size < 4)
		return false;
	if (in->id == X86_INS_XOR || in->id == X86_INS_SUB)
		return b->type == X86_OP_REG && b->reg == a->reg;
	return in->id == X86_INS_MOV && b->type == X86_OP_IMM && b->imm == 0;
}

static void read_regs(const cs_insn *in, struct regs *r)
{
	const cs_x86 *x = &in->detail->x86;

	r->written = r->copied = -1;
	r->loads_addr = r->zero = false;
	r->clobbers = clobbered(in);
	r->barrier = in->id == X86_INS_CALL || in->id == X86_INS_RET || in->id == X86_INS_JMP;
	r->eq = in->id == X86_INS_JE ? 1 : in->id == X86_INS_JNE ? 0 : -1;
	if (x->op_count < 1 || x->operands[0].type != X86_OP_REG || !(x->operands[0].access & CS_AC_WRITE))
		return;
	r->written = (int8_t)disasm_reg_family(x->operands[0].reg);
	r->zero = zeroes(in);
	if (x->op_count == 2 && in->id == X86_INS_MOV && x->operands[1].type == X86_OP_REG)
		r->copied = (int8_t)disasm_reg_family(x->operands[1].reg);
	else if (x->op_count == 2 && (in->id == X86_INS_LEA || in->id == X86_INS_MOV || in->id == X86_INS_MOVABS) &&
		 (x->operands[1].type == X86_OP_MEM || x->operands[1].type == X86_OP_IMM))
		r->loads_addr = true;   /* lea, a GOT load, or an absolute address (non-PIC) */
}

static enum ls_flow flow_of(const cs_insn *in)
{
	const cs_detail *d = in->detail;

	if (in->id == X86_INS_RET)
		return LS_RET;
	if (in->id == X86_INS_JMP)
		return d->x86.operands[0].type == X86_OP_IMM ? LS_JMP : LS_JMP_IND;
	for (int i = 0; i < d->groups_count; i++)
		if (d->groups[i] == CS_GRP_JUMP || d->groups[i] == CS_GRP_BRANCH_RELATIVE)
			return in->id == X86_INS_CALL ? LS_NEXT : LS_JCC;
	return LS_NEXT;
}

/* Whether every reference up to segment i lies below addr (an empty segment answers as the
 * nearest non-empty one before it, so that the answer is monotonic). */
static bool seg_below(const struct xref_set *set, size_t i, uint64_t addr)
{
	while (i > 0 && !set->segs[i].n)
		i--;
	return !set->segs[i].n || set->segs[i].v[set->segs[i].n - 1].from < addr;
}

/* The reference the sweep recorded for the instruction at addr (a data reference, or a branch),
 * or NULL. */
static const struct xref *find_xref(const struct xref_set *set, uint64_t addr, bool data)
{
	size_t slo = 0, shi = set->nsegs;

	/* Segments are in address order: the first whose last reference is not below addr. */
	while (slo < shi) {
		size_t mid = slo + (shi - slo) / 2;

		if (seg_below(set, mid, addr))
			slo = mid + 1;
		else
			shi = mid;
	}
	for (size_t s = slo; s < set->nsegs; s++) {
		const struct xref_seg *g = &set->segs[s];
		size_t lo;

		if (!g->n || g->v[g->n - 1].from < addr)
			continue;
		lo = PARTITION_POINT(g->v, g->n, x, x->from < addr);
		for (; lo < g->n && g->v[lo].from == addr; lo++)
			if ((g->v[lo].kind == XREF_DATA) == data)
				return &g->v[lo];
		return NULL;
	}
	return NULL;
}

/* The module's own function a call reaches: directly, or through a PLT stub or GOT slot
 * (weak C++ inline functions of a shared object are called through the PLT). */
static int32_t local_callee(const struct ctx *c, uint64_t addr)
{
	const struct lockset_input *in = c->in;
	const struct xref *x = find_xref(in->xrefs, addr, false);
	const struct sym *y = NULL;
	uint64_t to, slot;
	long g;

	if (!x || (x->flags & XREF_SYMBOL))
		return -1;
	to = x->to;
	if (x->flags & XREF_INDIRECT)
		y = relocs_slot_symbol(in->relocs, in->syms, x->to);
	else if (disasm_is_plt(in->img, x->to) && (slot = disasm_plt_slot(in->plt, x->to)))
		y = relocs_slot_symbol(in->relocs, in->syms, slot);
	else
		y = NULL;
	if ((x->flags & XREF_INDIRECT) || disasm_is_plt(in->img, x->to)) {
		if (!y || y->shndx == SHN_UNDEF)
			return -1;
		to = y->addr;
	}
	g = functions_find(in->funcs, to);
	return g >= 0 && in->funcs->v.v[g].addr == to ? (int32_t)g : -1;
}

static long index_of(const struct fn *f, uint64_t addr)
{
	size_t lo = PARTITION_POINT(f->addr, f->n, a, *a < addr);

	return lo < f->n && f->addr[lo] == addr ? (long)lo : -1;
}

static int grow(struct fn *f, size_t cap)
{
	void *p;

	if (!(p = realloc(f->v, cap * sizeof(*f->v))))
		return -ENOMEM;
	f->v = p;
	if (!(p = realloc(f->r, cap * sizeof(*f->r))))
		return -ENOMEM;
	f->r = p;
	if (!(p = realloc(f->addr, cap * sizeof(*f->addr))))
		return -ENOMEM;
	f->addr = p;
	if (!(p = realloc(f->callee, cap * sizeof(*f->callee))))
		return -ENOMEM;
	f->callee = p;
	return 0;
}

/* Decodes the function into instructions with their flow; effects come later. */
static int decode(struct ctx *c, struct fn *f)
{
	const struct function *fn = &c->in->funcs->v.v[f->idx];
	const struct image_section *s = elf_image_section_at(c->in->img, fn->addr);
	size_t size, left, cap = 0;
	const uint8_t *base = s ? elf_image_section_bytes(c->in->img, (size_t)(s - c->in->img->secs), &size) : NULL;
	const uint8_t *p;
	uint64_t a = fn->addr;

	f->decoded = true;
	if (!base || fn->addr - s->addr >= size)
		return 0;
	p = base + (fn->addr - s->addr);
	left = fn->end - fn->addr;
	if (left > size - (fn->addr - s->addr))
		left = size - (fn->addr - s->addr);
	while (left && cs_disasm_iter(c->cs, &p, &left, &a, c->insn)) {
		const cs_insn *in = c->insn;

		if (f->n == cap && grow(f, cap = cap ? cap * 2 : 64))
			return -ENOMEM;
		f->addr[f->n] = in->address;
		f->v[f->n] = (struct ls_insn){ .flow = (uint8_t)flow_of(in), .target = -1 };
		read_regs(in, &f->r[f->n]);
		f->callee[f->n] = in->id == X86_INS_CALL ? local_callee(c, in->address) : -1;
		if (f->v[f->n].flow == LS_JCC || f->v[f->n].flow == LS_JMP)
			f->v[f->n].gen = (uint64_t)in->detail->x86.operands[0].imm;   /* target, for now */
		f->n++;
	}
	/* Read once, like the sweep's: a large module's pages need not stay. */
	elf_image_release(c->in->img, base + (fn->addr - s->addr), (size_t)(p - (base + (fn->addr - s->addr))));
	for (size_t i = 0; i < f->n; i++) {
		struct ls_insn *x = &f->v[i];

		if (x->flow == LS_JCC || x->flow == LS_JMP) {
			long k = index_of(f, x->gen);

			x->gen = 0;
			x->target = (int32_t)k;
			if (x->flow == LS_JMP && k < 0)
				x->flow = LS_RET;   /* a tail call */
		}
	}
	return (f->in = calloc(f->n + 1, sizeof(*f->in))) ? 0 : -ENOMEM;
}

/* ---- effects ------------------------------------------------------------------------------- */

static const struct sync_use *sync_at(const struct callgraph *cg, uint64_t site)
{
	size_t lo = PARTITION_POINT(cg->sync_uses.v, cg->sync_uses.n, u, u->site < site);

	return lo < cg->sync_uses.n && cg->sync_uses.v[lo].site == site ? &cg->sync_uses.v[lo] : NULL;
}

/* The state use (index into cg->state_uses) of function f at instruction addr, or -1. */
static long use_at(const struct ctx *c, const uint32_t *order, uint32_t f, uint64_t addr)
{
	const struct state_use *u = c->in->cg->state_uses.v;

	for (uint32_t k = c->use_start[f]; k < c->use_start[f + 1]; k++)
		if (u[order[k]].site == addr)
			return order[k];
	return -1;
}

/* The instruction that last wrote register family fam before instruction i (following register
 * copies) within ARG_WINDOW instructions, not before a call, return or jump; -1 when none. With
 * starts (f->starts), only within i's basic block (no branch, no branch target in between),
 * and -1 at an instruction writing fam other than as its destination. */
static long arg_writer(const struct fn *f, size_t i, int fam, const bool *starts)
{
	for (size_t j = i; j-- > 0 && i - j <= ARG_WINDOW;) {
		const struct regs *r = &f->r[j];

		if (r->barrier || (starts && (starts[j + 1] || f->v[j].flow != LS_NEXT)))
			return -1;
		if (r->written != fam) {
			if (starts && (r->clobbers >> fam & 1))
				return -1;
			continue;
		}
		if (r->copied < 0)
			return (long)j;
		fam = r->copied;
	}
	return -1;
}

/* The instruction that put an address into register family fam before instruction i (following
 * register copies), or -1. */
static long arg_source(const struct fn *f, size_t i, int fam)
{
	long j = arg_writer(f, i, fam, NULL);

	return j >= 0 && f->r[j].loads_addr ? j : -1;
}

static uint64_t lock_bit(struct lockset *ls, long state)
{
	if (state < 0)
		return LOCK_ANON;
	for (size_t i = 0; i < ls->nlocks; i++)
		if (ls->locks[i] == (uint32_t)state)
			return 1ULL << i;
	if (ls->nlocks == LOCK_BITS)
		return LOCK_ANON;
	ls->locks[ls->nlocks] = (uint32_t)state;
	return 1ULL << ls->nlocks++;
}

/* The lock object passed in fam to the call at i: its bit, LOCK_ANON when unknown. Marks the
 * use that loaded it as a synchronisation argument. */
static uint64_t arg_lock(struct ctx *c, const uint32_t *order, struct fn *f, size_t i, int fam)
{
	long j = arg_source(f, i, fam), u = j >= 0 ? use_at(c, order, f->idx, f->addr[j]) : -1;

	if (u < 0)
		return LOCK_ANON;
	c->in->cg->state_uses.v[u].lock_arg = 1;
	return lock_bit(c->ls, c->in->cg->state_uses.v[u].state);
}

/* A trylock holds its lock on one edge of the first je/jne after it. */
static void try_edge(struct fn *f, size_t i, uint64_t bit, bool success_nonzero)
{
	for (size_t j = i + 1; j < f->n && j <= i + TRY_WINDOW; j++) {
		struct ls_insn *x = &f->v[j];

		if (f->r[j].barrier)
			return;
		if (x->flow != LS_JCC)
			continue;
		/* je: taken when the result is zero, the success of pthread-style trylocks. */
		if (x->cond_gen == 0 && x->target >= 0 && f->r[j].eq >= 0) {
			x->cond_gen = bit;
			x->cond_on_taken = (f->r[j].eq == 1) != success_nonzero;
		}
		return;
	}
}

/* C++ guarded initialisation: __cxa_guard_acquire returns non-zero to the one thread that must
 * initialise, which then holds the guard until __cxa_guard_release (or _abort). */
static bool is_guard_acquire(const struct sync_func *sf)
{
	return sf->role == SYNC_COMPILER && strstr(sf->name, "guard_acquire");
}

static bool is_guard_end(const struct sync_func *sf)
{
	return sf->role == SYNC_COMPILER && (strstr(sf->name, "guard_release") || strstr(sf->name, "guard_abort"));
}

/* The lock object named by the rule's argument (1: %rdi, 2: %rsi), LOCK_ANON when unknown. */
static uint64_t rule_lock(struct ctx *c, const uint32_t *order, struct fn *f, size_t i,
			  const struct sync_func *sf)
{
	if (sf->arg == 1 || sf->arg == 2)
		return arg_lock(c, order, f, i, sf->arg == 1 ? FAM_RDI : FAM_RSI);
	return LOCK_ANON;
}

static void sync_effect(struct ctx *c, const uint32_t *order, struct fn *f, size_t i,
			const struct sync_func *sf)
{
	struct ls_insn *x = &f->v[i];
	uint64_t bit;

	switch (sf->role) {
	case SYNC_LOCK:
	case SYNC_RDLOCK:
	case SYNC_WRLOCK:
		x->gen = rule_lock(c, order, f, i, sf);
		break;
	case SYNC_TRYLOCK:
		try_edge(f, i, rule_lock(c, order, f, i, sf), sf->success_nonzero);
		break;
	case SYNC_UNLOCK:
		bit = rule_lock(c, order, f, i, sf);
		/* Releasing an unknown lock may release any lock held (but never ends a once region). */
		x->kill = bit == LOCK_ANON ? ~LOCK_ONCE : bit | LOCK_ANON;
		break;
	case SYNC_WAIT:
		arg_lock(c, order, f, i, FAM_RDI);
		arg_lock(c, order, f, i, FAM_RSI);
		break;
	case SYNC_INIT:
		rule_lock(c, order, f, i, sf);
		break;
	case SYNC_COMPILER:
		if (is_guard_acquire(sf))
			try_edge(f, i, LOCK_ONCE, true);
		else if (is_guard_end(sf))
			x->kill = LOCK_ONCE;
		break;
	default:
		break;
	}
}

/* The routine a pthread_once call at i runs: its entry holds LOCK_ONCE. */
static void once_routine(struct ctx *c, const struct fn *f, size_t i, uint64_t *seed)
{
	long j = arg_source(f, i, FAM_RSI), g;
	const struct xref *x = j >= 0 ? find_xref(c->in->xrefs, f->addr[j], true) : NULL;

	if (!x || (x->flags & XREF_SYMBOL))
		return;
	g = functions_find(c->in->funcs, x->to);
	if (g >= 0 && c->in->funcs->v.v[g].addr == x->to)
		seed[g] |= LOCK_ONCE;
}

/* Recomputes every instruction's effect from the sync calls and the callees' summaries. */
static void effects(struct ctx *c, const uint32_t *order, struct fn *f, uint64_t *seed)
{
	for (size_t i = 0; i < f->n; i++) {
		struct ls_insn *x = &f->v[i];
		int32_t g = f->callee[i];

		x->gen = x->kill = x->cond_gen = 0;
		x->cond_on_taken = false;
		if (g >= 0 && c->fns[g].relevant) {
			x->gen = c->fns[g].gen;
			x->kill = c->fns[g].kill;
		}
	}
	for (size_t i = 0; i < f->n; i++) {
		const struct sync_use *su = f->r[i].barrier ? sync_at(c->in->cg, f->addr[i]) : NULL;

		if (!su)
			continue;
		sync_effect(c, order, f, i, su->sf);
		if (su->sf->role == SYNC_ONCE && seed)
			once_routine(c, f, i, seed);
	}
}

/* ---- the analysis -------------------------------------------------------------------------- */

static bool takes_part(const struct sync_func *sf)
{
	return sf->role != SYNC_CREATE && sf->role != SYNC_TLS && sf->role != SYNC_INTERPRETER;
}

/* Callers by call edges, as compressed adjacency; address-taken marks functions whose callers
 * are not all known. */
struct callers {
	uint32_t *off, *list;
	bool *address_taken;
};

static int callers_build(const struct callgraph *cg, struct callers *a)
{
	size_t n = cg->nfuncs;

	a->off = calloc(n + 2, sizeof(uint32_t));
	a->list = calloc(cg->edges.n + 1, sizeof(uint32_t));
	a->address_taken = calloc(n + 1, sizeof(bool));
	if (!a->off || !a->list || !a->address_taken)
		return -ENOMEM;
	for (size_t i = 0; i < cg->edges.n; i++)
		if (cg->edges.v[i].how == HOW_ADDRESS_TAKEN)
			a->address_taken[cg->edges.v[i].to] = true;
		else
			a->off[cg->edges.v[i].to + 2]++;
	for (size_t i = 2; i < n + 2; i++)
		a->off[i] += a->off[i - 1];
	for (size_t i = 0; i < cg->edges.n; i++)
		if (cg->edges.v[i].how != HOW_ADDRESS_TAKEN)
			a->list[a->off[cg->edges.v[i].to + 1]++] = cg->edges.v[i].from;
	return 0;
}

static void callers_free(struct callers *a)
{
	free(a->off);
	free(a->list);
	free(a->address_taken);
}

static void solve_fn(struct fn *f, uint64_t entry, uint64_t *at_ret, bool *returns)
{
	*at_ret = lockset_solve(f->v, f->n, entry, f->in, returns);
}

/* What the function may release of its caller's locks: the releases made while it holds none
 * of its own (f->in solved from an empty entry). A release while it holds a lock is taken to
 * be of its own lock, so that balanced lock/unlock pairs on a heap mutex leave callers alone. */
static uint64_t foreign_releases(const struct fn *f)
{
	uint64_t out = 0;

	for (size_t i = 0; i < f->n; i++) {
		uint64_t k = f->v[i].kill, own = f->in[i] & ~LOCK_ONCE;

		if (!k)
			continue;
		if (k == ~LOCK_ONCE)
			out |= own ? 0 : k;
		else if (k & ~LOCK_ANON & ~own)
			out |= k & ~own;
	}
	/* A once region ends where it began: a callee's guard release is its own. */
	return out & ~LOCK_ONCE;
}

/* Summaries: what calling each relevant function does to the caller's lockset. A function
 * whose summary is not empty makes its callers relevant in the next round. */
static int summarise(struct ctx *c, const uint32_t *order, const struct callers *cl, uint64_t *seed)
{
	int err = 0;

	for (int round = 0; round < ROUNDS && !err; round++) {
		bool changed = false;

		for (uint32_t i = 0; i < c->in->cg->nfuncs && !err; i++) {
			struct fn *f = &c->fns[i];
			uint64_t gen, held;
			bool returns;

			if (!f->relevant || (f->decoded && !f->dirty))
				continue;
			if (!f->decoded && (err = decode(c, f)) != 0)
				break;
			f->dirty = false;
			effects(c, order, f, seed);
			solve_fn(f, 0, &gen, &returns);
			gen &= ~LOCK_ONCE;
			held = returns ? foreign_releases(f) : 0;
			if (gen == f->gen && held == f->kill)
				continue;
			f->gen = gen;
			f->kill = held;
			changed = true;
			/* Callers of a function that takes a lock for them need their own dataflow; callers
			 * of one that only releases are handled conservatively (see entry_sets). */
			for (uint32_t k = cl->off[i]; k < cl->off[i + 1]; k++) {
				c->fns[cl->list[k]].relevant |= gen != 0;
				c->fns[cl->list[k]].dirty = true;
			}
		}
		if (!changed)
			break;
	}
	/* The summaries are final: so are the effects. */
	for (uint32_t i = 0; i < c->in->cg->nfuncs && !err; i++)
		if (c->fns[i].relevant && c->fns[i].decoded)
			effects(c, order, &c->fns[i], NULL);
	return err;
}

/* Solves f for its current entry set unless that is already done. */
static void solve_for_entry(struct ctx *c, struct fn *f)
{
	uint64_t r;
	bool ret;

	if (f->solved && f->solved_entry == c->entry[f->idx])
		return;
	solve_fn(f, c->entry[f->idx], &r, &ret);
	f->solved = true;
	f->solved_entry = c->entry[f->idx];
}

/* A function all of whose callers call it with a lock held holds it too: only static
 * functions whose callers are all known (not exported, address not taken, not in data). */
static bool closed(const struct ctx *c, const struct callers *cl, uint32_t g)
{
	const struct function *fn = &c->in->funcs->v.v[g];

	return !fn->exported && !fn->init_root && !cl->address_taken[g] &&
	       !c->in->cg->nodes[g].data_ref && cl->off[g] < cl->off[g + 1];
}

static int entry_sets(struct ctx *c, const uint32_t *order, const struct callers *cl, const uint64_t *seed)
{
	size_t n = c->in->cg->nfuncs;
	uint64_t *contrib = malloc((n + 1) * sizeof(uint64_t));
	bool *releasing = calloc(n + 1, sizeof(bool));

	if (!contrib || !releasing) {
		free(contrib);
		free(releasing);
		return -ENOMEM;
	}
	/* A function not analysed that calls one which may release its caller's locks holds
	 * nothing it inherited after that call: it inherits nothing. */
	for (size_t i = 0; i < c->in->cg->edges.n; i++) {
		const struct edge *e = &c->in->cg->edges.v[i];

		if (e->how != HOW_ADDRESS_TAKEN && c->fns[e->to].kill && !c->fns[e->from].relevant)
			releasing[e->from] = true;
	}
	for (size_t g = 0; g < n; g++)
		c->entry[g] = seed[g];
	for (int round = 0; round < ROUNDS; round++) {
		bool changed = false;

		for (size_t g = 0; g < n; g++)
			contrib[g] = ALL_LOCKS;
		for (uint32_t g = 0; g < n; g++) {
			struct fn *f = &c->fns[g];

			if (!f->relevant || !f->decoded)
				continue;
			solve_for_entry(c, f);
			for (size_t i = 0; i < f->n; i++)
				if (f->callee[i] >= 0)
					contrib[f->callee[i]] &= f->in[i];
		}
		for (size_t i = 0; i < c->in->cg->edges.n; i++) {
			const struct edge *e = &c->in->cg->edges.v[i];

			if (e->how != HOW_ADDRESS_TAKEN && !c->fns[e->from].relevant)
				contrib[e->to] &= c->entry[e->from];
		}
		for (uint32_t g = 0; g < n; g++) {
			uint64_t e = (closed(c, cl, g) && !releasing[g] ? contrib[g] : 0) | seed[g];

			if (e != c->entry[g]) {
				c->entry[g] = e;
				changed = true;
			}
		}
		if (!changed)
			break;
	}
	free(contrib);
	free(releasing);
	(void)order;
	return 0;
}

static void assign_held(struct ctx *c, const uint32_t *order)
{
	struct callgraph *cg = c->in->cg;

	for (uint32_t g = 0; g < cg->nfuncs; g++) {
		struct fn *f = &c->fns[g];

		if (f->relevant && f->decoded)
			solve_for_entry(c, f);
		for (uint32_t k = c->use_start[g]; k < c->use_start[g + 1]; k++) {
			struct state_use *u = &cg->state_uses.v[order[k]];
			long i = f->relevant && f->decoded ? index_of(f, u->site) : -1;

			u->held = i >= 0 ? f->in[i] : c->entry[g];
		}
	}
}

/* State uses grouped by function (a counting sort: uses arrive from two passes). */
static uint32_t *group_uses(struct ctx *c)
{
	const struct callgraph *cg = c->in->cg;
	uint32_t *order = malloc((cg->state_uses.n + 1) * sizeof(uint32_t));

	c->use_start = calloc(cg->nfuncs + 2, sizeof(uint32_t));
	if (!order || !c->use_start) {
		free(order);
		return NULL;
	}
	for (size_t i = 0; i < cg->state_uses.n; i++)
		c->use_start[cg->state_uses.v[i].func + 2]++;
	for (size_t f = 2; f < cg->nfuncs + 2; f++)
		c->use_start[f] += c->use_start[f - 1];
	for (size_t i = 0; i < cg->state_uses.n; i++)
		order[c->use_start[cg->state_uses.v[i].func + 1]++] = (uint32_t)i;
	return order;
}

static void seed_relevant(struct ctx *c)
{
	const struct callgraph *cg = c->in->cg;

	for (size_t i = 0; i < cg->sync_uses.n; i++)
		if (takes_part(cg->sync_uses.v[i].sf))
			c->fns[cg->sync_uses.v[i].func].relevant = true;
}

static int run(struct ctx *c)
{
	const struct callgraph *cg = c->in->cg;
	struct callers cl = { 0 };
	uint64_t *seed = calloc(cg->nfuncs + 1, sizeof(uint64_t));
	uint32_t *order = group_uses(c);
	int err = seed && order ? callers_build(cg, &cl) : -ENOMEM;

	if (!err) {
		seed_relevant(c);
		err = summarise(c, order, &cl, seed);
	}
	if (!err)
		err = entry_sets(c, order, &cl, seed);
	if (!err)
		assign_held(c, order);
	for (size_t g = 0; g < cg->nfuncs; g++)
		c->ls->analysed += c->fns[g].decoded;
	callers_free(&cl);
	free(seed);
	free(order);
	return err;
}

static void fn_free(struct fn *f)
{
	free(f->v);
	free(f->r);
	free(f->addr);
	free(f->callee);
	free(f->in);
	free(f->starts);
}

int lockset_analyze(const struct lockset_input *in, struct lockset **out)
{
	struct ctx c = { .in = in };
	size_t n = in->cg->nfuncs;
	int err;

	c.ls = calloc(1, sizeof(*c.ls));
	c.fns = calloc(n + 1, sizeof(*c.fns));
	c.entry = calloc(n + 1, sizeof(uint64_t));
	err = c.ls && c.fns && c.entry ? 0 : -ENOMEM;
	for (size_t i = 0; !err && i < n; i++)
		c.fns[i].idx = (uint32_t)i;
	if (!err && in->cg->sync_uses.n) {
		if (disasm_capstone_open(&c.cs) != CS_ERR_OK || !(c.insn = cs_malloc(c.cs)))
			err = -EIO;
	}
	if (!err)
		err = run(&c);
	if (c.insn)
		cs_free(c.insn, 1);
	if (c.cs)
		cs_close(&c.cs);
	for (size_t i = 0; c.fns && i < n; i++)
		fn_free(&c.fns[i]);
	free(c.fns);
	free(c.entry);
	free(c.use_start);
	if (err) {
		lockset_free(c.ls);
		return err;
	}
	*out = c.ls;
	return 0;
}

void lockset_free(struct lockset *ls)
{
	free(ls);
}

long lockset_lock_state(const struct lockset *ls, uint64_t held)
{
	for (size_t i = 0; i < ls->nlocks; i++)
		if (held >> i & 1)
			return ls->locks[i];
	return -1;
}

/* ---- queries ------------------------------------------------------------------------------- */

/* disasm_reg_family of the argument registers rdi, rsi, rdx, rcx, r8, r9. */
static const int8_t arg_family[6] = { FAM_RDI, FAM_RSI, 3, 2, 8, 9 };

/* Decodes function g into f (freeing the one decoded before) with its block starts. */
static int query_decode(struct ctx *c, struct fn *f, uint32_t g)
{
	int err;

	if (f->decoded && f->idx == g)
		return 0;
	fn_free(f);
	*f = (struct fn){ .idx = g };
	if (!c->cs && (disasm_capstone_open(&c->cs) != CS_ERR_OK || !(c->insn = cs_malloc(c->cs))))
		return -EIO;
	if ((err = decode(c, f)) != 0 || !(f->starts = calloc(f->n + 1, sizeof(bool))))
		return err ? err : -ENOMEM;
	for (size_t i = 0; i < f->n; i++)
		if ((f->v[i].flow == LS_JCC || f->v[i].flow == LS_JMP) && f->v[i].target >= 0)
			f->starts[f->v[i].target] = true;
	return 0;
}

/* Whether the use only queries its rule's setting: an env rule whose every call is a query, or
 * a call whose query argument is zeroed in the call's basic block. */
static bool is_query(struct ctx *c, struct fn *f, const struct rule_use *u, int *err)
{
	const struct rule *ru = u->rule;
	long i, j;

	if (ru->category != CATEGORY_ENV || ru->query == QUERY_NEVER)
		return false;
	if (ru->query == QUERY_ALWAYS)
		return true;
	if (u->func == NO_FUNCTION || u->how == HOW_ADDRESS_TAKEN || ru->query_arg < 1 || ru->query_arg > 6 ||
	    (*err = query_decode(c, f, u->func)) != 0 || (i = index_of(f, u->site)) < 0)
		return false;
	j = arg_writer(f, (size_t)i, arg_family[ru->query_arg - 1], f->starts);
	return j >= 0 && f->r[j].zero;
}

int lockset_drop_queries(const struct lockset_input *in)
{
	struct callgraph *cg = in->cg;
	struct ctx c = { .in = in };
	struct fn f = { 0 };
	size_t kept = 0;
	int err = 0;

	/* The uses are sorted by function: each function is decoded once. */
	for (size_t i = 0; i < cg->rule_uses.n; i++)
		if (err || !is_query(&c, &f, &cg->rule_uses.v[i], &err))
			cg->rule_uses.v[kept++] = cg->rule_uses.v[i];
	cg->rule_uses.n = kept;
	fn_free(&f);
	if (c.insn)
		cs_free(c.insn, 1);
	if (c.cs)
		cs_close(&c.cs);
	return err;
}

/* ---- protection ----------------------------------------------------------------------------- */

struct var_facts {
	size_t uses, lock_args;
	bool unlocked_write;     /* a write or address use that is not a locked instruction */
	bool locked_write;
	bool write_outside_once; /* a write or address use outside init-only code and once regions */
	bool write_inside_once;  /* one inside them */
};

static bool is_init(const struct lockset_input *in, const struct state_use *u)
{
	return in->cg->nodes[u->func].init_only;
}

static void gather(const struct lockset_input *in, struct var_facts *vf)
{
	for (size_t i = 0; i < in->cg->state_uses.n; i++) {
		const struct state_use *u = &in->cg->state_uses.v[i];
		struct var_facts *f = &vf[u->state];
		bool writes = u->access & (ACCESS_WRITE | ACCESS_ADDR);

		f->uses++;
		f->lock_args += u->lock_arg;
		if (writes && u->locked)
			f->locked_write = true;
		if (writes && !u->locked)
			f->unlocked_write = true;
		if (writes && !is_init(in, u) && !(u->held & LOCK_ONCE))
			f->write_outside_once = true;
		else if (writes)
			f->write_inside_once = true;
	}
}

static enum protection use_protection(const struct lockset_input *in, const struct state_use *u,
				      const struct state_var *v, const struct var_facts *f)
{
	if (v->type_class == TYPE_SIGNAL_FLAG)
		return PROT_SIGNAL_FLAG;
	if (v->type_class == TYPE_ATOMIC || (f->locked_write && !f->unlocked_write))
		return PROT_ATOMIC;
	if (is_init(in, u) || (u->held & LOCK_ONCE))
		return PROT_ONCE;
	if (u->held & ~LOCK_ONCE)
		return PROT_LOCK;
	/* Read after its initialisation: the only writes seen run while initialising. */
	if (f->write_inside_once && !f->write_outside_once && !(u->access & (ACCESS_WRITE | ACCESS_ADDR)))
		return PROT_ONCE;
	return PROT_NONE;
}

/* An object is as protected as its weakest access outside init-only code: none if any is
 * unprotected; lock (naming the lock all of them hold) when all hold locks; else atomic, signal
 * flag or once. Accessed only while initialising: once. */
static void settle(const struct lockset *ls, struct state_var *v, unsigned seen, uint64_t common,
		   bool init_uses)
{
	v->lock = -1;
	if (!seen)
		v->protection = init_uses ? PROT_ONCE : PROT_NONE;
	else if (seen & 1u << PROT_NONE)
		v->protection = PROT_NONE;
	else if (seen == 1u << PROT_LOCK)
		v->protection = PROT_LOCK;
	else if (seen & 1u << PROT_ATOMIC)
		v->protection = PROT_ATOMIC;
	else if (seen & 1u << PROT_SIGNAL_FLAG)
		v->protection = PROT_SIGNAL_FLAG;
	else
		v->protection = PROT_ONCE;
	if (v->protection == PROT_LOCK)
		v->lock = (int32_t)lockset_lock_state(ls, common);
}

struct var_acc {
	unsigned seen;           /* protections of accesses outside init-only code */
	uint64_t common;         /* locks held at all of them */
	bool init_uses;
};

int lockset_protect(const struct lockset *ls, const struct lockset_input *in)
{
	struct callgraph *cg = in->cg;
	struct state_set *st = in->states;
	struct var_facts *vf = calloc(st->vars.n + 1, sizeof(*vf));
	struct var_acc *acc = calloc(st->vars.n + 1, sizeof(*acc));

	if (!vf || !acc) {
		free(vf);
		free(acc);
		return -ENOMEM;
	}
	gather(in, vf);
	for (size_t i = 0; i < st->vars.n; i++) {
		st->vars.v[i].sync_object = st->vars.v[i].type_class == TYPE_SYNC_OBJECT ||
					    (vf[i].uses && vf[i].lock_args == vf[i].uses);
		acc[i].common = ~0ULL;
	}
	/* Touching only synchronisation objects is neither direct nor unprotected. */
	for (size_t i = 0; i < cg->nfuncs; i++)
		cg->nodes[i].unprotected = cg->nodes[i].direct = false;
	for (size_t i = 0; i < cg->state_uses.n; i++) {
		struct state_use *u = &cg->state_uses.v[i];
		struct state_var *v = &st->vars.v[u->state];
		struct var_acc *a = &acc[u->state];

		u->prot = use_protection(in, u, v, &vf[u->state]);
		if (v->sync_object)
			continue;
		cg->nodes[u->func].direct = true;
		if (u->prot == PROT_NONE)
			cg->nodes[u->func].unprotected = true;
		if (is_init(in, u)) {
			a->init_uses = true;
			continue;
		}
		a->seen |= 1u << u->prot;
		a->common &= u->held;
	}
	for (size_t i = 0; i < st->vars.n; i++)
		settle(ls, &st->vars.v[i], acc[i].seen, acc[i].common, acc[i].init_uses);
	for (size_t i = 0; i < cg->rule_uses.n; i++)
		if (cg->rule_uses.v[i].func != NO_FUNCTION)
			cg->nodes[cg->rule_uses.v[i].func].unprotected = cg->nodes[cg->rule_uses.v[i].func].direct = true;
	free(vf);
	free(acc);
	return callgraph_propagate(cg);
}
