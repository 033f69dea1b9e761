/* Unwind: a DWARF call frame interpreter for x86-64. A frame's FDE comes from the binary search
 * table of its module's .eh_frame_hdr, found by _dl_find_object (lock-free, made for unwinders);
 * its rules give the caller's CFA, return address and saved registers. Stack memory is read only
 * inside a window above the stack pointer, so a corrupt frame ends the walk instead of faulting. */
#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "unwind.h"

#define NREGS 17              /* DWARF x86-64: 0-15 the general registers, 16 the return address */
#define REG_RBP 6
#define REG_RSP 7
#define REG_RA 16
#define STATE_DEPTH 4         /* DW_CFA_remember_state nesting */
#define EXPR_DEPTH 16
#define WINDOW (64ULL << 20)  /* how far above its lowest pointer a stack may be read */

enum how { SAME, UNDEF, OFFSET, VAL_OFFSET, REGISTER, EXPR, VAL_EXPR };

struct rule {
	uint8_t how;
	int64_t n;                /* OFFSET, VAL_OFFSET: offset from the CFA; REGISTER: register */
	const uint8_t *expr;      /* EXPR, VAL_EXPR: a block (ULEB128 length, then the operations) */
};

struct row {
	struct rule reg[NREGS];
	struct rule cfa;          /* REGISTER (n) plus cfa_off, or EXPR */
	int64_t cfa_off;
};

struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra;
	uint8_t fde_enc;
	bool z, signal;           /* augmentation data present; 'S': a signal handler's return */
	const uint8_t *insns, *end;
};

struct cfi {
	const struct cie *cie;
	struct row row, initial, saved[STATE_DEPTH];
	int nsaved;
	uintptr_t loc, target;
};

struct frame {
	uintptr_t r[NREGS];
	uint32_t known;           /* bit i: r[i] holds register i of this frame */
	uintptr_t lo, hi;         /* the stack memory the walk may read */
};

static uint64_t load(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

static uint64_t uleb(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (*p < end) {
		uint8_t b = *(*p)++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	return v;
}

static int64_t sleb(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b = 0;

	while (*p < end) {
		b = *(*p)++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	if (shift < 64 && (b & 0x40))
		v |= ~0ULL << shift;
	return (int64_t)v;
}

/* A pointer in encoding enc (DW_EH_PE_*); datarel is the base of DW_EH_PE_datarel. The
 * indirection bit is ignored: only personality pointers use it, and they are skipped. */
static bool read_encoded(const uint8_t **p, const uint8_t *end, uint8_t enc, uintptr_t datarel,
			 uintptr_t *out)
{
	static const uint8_t size[16] = { 8, 0, 2, 4, 8, 0, 0, 0, 0, 0, 2, 4, 8 };
	const uint8_t *at = *p;
	uint64_t v;

	if (enc == 0xff)
		return false;
	if ((enc & 0x0f) == 0x01 || (enc & 0x0f) == 0x09) {
		v = (enc & 0x0f) == 0x01 ? uleb(p, end) : (uint64_t)sleb(p, end);
	} else {
		if (!size[enc & 0x0f] || end - at < size[enc & 0x0f])
			return false;
		v = load(at, size[enc & 0x0f]);
		if ((enc & 0x0f) == 0x0a)
			v = (uint64_t)(int64_t)(int16_t)v;
		else if ((enc & 0x0f) == 0x0b)
			v = (uint64_t)(int64_t)(int32_t)v;
		*p += size[enc & 0x0f];
	}
	if ((enc & 0x70) == 0x10)
		v += (uintptr_t)at;
	else if ((enc & 0x70) == 0x30)
		v += datarel;
	else if (enc & 0x70)
		return false;
	*out = v;
	return true;
}

/* The contents of the CIE or FDE at p; false at a terminator or a 64-bit length. */
static bool entry_bounds(const uint8_t *p, const uint8_t **body, const uint8_t **end)
{
	uint32_t len = (uint32_t)load(p, 4);

	if (len == 0 || len == 0xffffffff)
		return false;
	*body = p + 4;
	*end = p + 4 + len;
	return true;
}

static bool parse_augmentation(const char *aug, const uint8_t *data, const uint8_t *end, struct cie *c)
{
	uintptr_t skip;

	for (; *aug; aug++) {
		if (data >= end && (*aug == 'R' || *aug == 'L' || *aug == 'P'))
			return false;
		if (*aug == 'R')
			c->fde_enc = *data++;
		else if (*aug == 'L')
			data++;
		else if (*aug == 'P') {
			uint8_t enc = *data++;

			if (!read_encoded(&data, end, enc & 0x7f, 0, &skip))
				return false;
		} else if (*aug == 'S')
			c->signal = true;
		else if (*aug != 'B')
			return false;
	}
	return true;
}

static bool parse_cie(const uint8_t *p, struct cie *c)
{
	const uint8_t *body, *end;
	const char *aug;
	uint8_t version;

	if (!entry_bounds(p, &body, &end) || load(body, 4) != 0)
		return false;
	body += 4;
	version = *body++;
	aug = (const char *)body;
	body += strnlen(aug, (size_t)(end - body)) + 1;
	if (body >= end || (aug[0] && aug[0] != 'z'))
		return false;
	c->code_align = uleb(&body, end);
	c->data_align = sleb(&body, end);
	c->ra = version == 1 ? *body++ : uleb(&body, end);
	c->fde_enc = 0;
	c->z = aug[0] == 'z';
	c->signal = false;
	if (c->z) {
		uint64_t len = uleb(&body, end);

		if (len > (uint64_t)(end - body) || !parse_augmentation(aug + 1, body, body + len, c))
			return false;
		body += len;
	}
	c->insns = body;
	c->end = end;
	return true;
}

/* Index of the last entry of the .eh_frame_hdr table (initial location, FDE; both int32
 * relative to hdr) whose location is at or below pc; -1 if none. */
static long search_table(const uint8_t *hdr, const uint8_t *table, uintptr_t count, uintptr_t pc)
{
	long lo = 0, hi = (long)count - 1, found = -1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		uintptr_t loc = (uintptr_t)hdr + (uintptr_t)(int64_t)(int32_t)load(table + 8 * mid, 4);

		if (loc <= pc) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

/* The FDE covering pc in the module whose .eh_frame_hdr is hdr: its CIE, where its rows start
 * and its instructions. Only the sorted table GNU ld writes (datarel, sdata4) is searched. */
static bool find_fde(const uint8_t *hdr, uintptr_t pc, struct cie *c, uintptr_t *start,
		     const uint8_t **insns, const uint8_t **end)
{
	const uint8_t *p = hdr + 4, *fde, *body;
	uintptr_t eh_frame, count, range;
	long i;

	if (hdr[0] != 1 || hdr[3] != 0x3b || !read_encoded(&p, p + 16, hdr[1], (uintptr_t)hdr, &eh_frame) ||
	    !read_encoded(&p, p + 16, hdr[2], (uintptr_t)hdr, &count) || (i = search_table(hdr, p, count, pc)) < 0)
		return false;
	fde = hdr + (int32_t)load(p + 8 * i + 4, 4);
	if (!entry_bounds(fde, &body, end) || !load(body, 4) || !parse_cie(body - load(body, 4), c))
		return false;
	body += 4;
	if (!read_encoded(&body, *end, c->fde_enc, 0, start) ||
	    !read_encoded(&body, *end, c->fde_enc & 0x0f, 0, &range) || pc < *start || pc - *start >= range)
		return false;
	if (c->z)
		body += uleb(&body, *end);
	*insns = body;
	return body <= *end;
}

static void set_rule(struct row *row, uint64_t reg, uint8_t how, int64_t n, const uint8_t *expr)
{
	if (reg < NREGS)
		row->reg[reg] = (struct rule){ how, n, expr };
}

/* Skips an expression block, returning its start. */
static const uint8_t *block(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *at = *p;
	uint64_t len = uleb(p, end);

	*p += len < (uint64_t)(end - *p) ? len : (uint64_t)(end - *p);
	return at;
}

/* Advances the location; false once it passes the target (the row is complete). */
static bool advance(struct cfi *s, uint64_t delta)
{
	s->loc += delta * s->cie->code_align;
	return s->loc <= s->target;
}

/* The state operations: remember, restore, and the CFA definitions. */
static int state_op(struct cfi *s, uint8_t op, const uint8_t **p, const uint8_t *end)
{
	struct row *row = &s->row;

	switch (op) {
	case 0x0a:   /* DW_CFA_remember_state */
		if (s->nsaved == STATE_DEPTH)
			return -1;
		s->saved[s->nsaved++] = *row;
		return 1;
	case 0x0b:   /* DW_CFA_restore_state */
		if (!s->nsaved)
			return -1;
		*row = s->saved[--s->nsaved];
		return 1;
	case 0x0c:   /* DW_CFA_def_cfa */
		row->cfa = (struct rule){ REGISTER, (int64_t)uleb(p, end), NULL };
		row->cfa_off = (int64_t)uleb(p, end);
		return 1;
	case 0x12:   /* DW_CFA_def_cfa_sf */
		row->cfa = (struct rule){ REGISTER, (int64_t)uleb(p, end), NULL };
		row->cfa_off = sleb(p, end) * s->cie->data_align;
		return 1;
	case 0x0d:   /* DW_CFA_def_cfa_register */
		row->cfa = (struct rule){ REGISTER, (int64_t)uleb(p, end), NULL };
		return 1;
	case 0x0e:   /* DW_CFA_def_cfa_offset */
		row->cfa_off = (int64_t)uleb(p, end);
		return 1;
	case 0x13:   /* DW_CFA_def_cfa_offset_sf */
		row->cfa_off = sleb(p, end) * s->cie->data_align;
		return 1;
	case 0x0f:   /* DW_CFA_def_cfa_expression */
		row->cfa = (struct rule){ EXPR, 0, block(p, end) };
		return 1;
	}
	return -1;
}

/* The register rule operations. */
static int rule_op(struct cfi *s, uint8_t op, const uint8_t **p, const uint8_t *end)
{
	int64_t da = s->cie->data_align;
	uint64_t reg;

	if (op == 0x2e) {   /* DW_CFA_GNU_args_size */
		uleb(p, end);
		return 1;
	}
	reg = uleb(p, end);
	switch (op) {
	case 0x05: set_rule(&s->row, reg, OFFSET, (int64_t)uleb(p, end) * da, NULL); return 1;
	case 0x11: set_rule(&s->row, reg, OFFSET, sleb(p, end) * da, NULL); return 1;
	case 0x2f: set_rule(&s->row, reg, OFFSET, -(int64_t)uleb(p, end) * da, NULL); return 1;
	case 0x14: set_rule(&s->row, reg, VAL_OFFSET, (int64_t)uleb(p, end) * da, NULL); return 1;
	case 0x15: set_rule(&s->row, reg, VAL_OFFSET, sleb(p, end) * da, NULL); return 1;
	case 0x06:
		if (reg < NREGS)
			s->row.reg[reg] = s->initial.reg[reg];
		return 1;
	case 0x07: set_rule(&s->row, reg, UNDEF, 0, NULL); return 1;
	case 0x08: set_rule(&s->row, reg, SAME, 0, NULL); return 1;
	case 0x09: set_rule(&s->row, reg, REGISTER, (int64_t)uleb(p, end), NULL); return 1;
	case 0x10: set_rule(&s->row, reg, EXPR, 0, block(p, end)); return 1;
	case 0x16: set_rule(&s->row, reg, VAL_EXPR, 0, block(p, end)); return 1;
	}
	return -1;
}

/* One instruction: 1 to go on, 0 once the row for the target is complete, -1 if unsupported. */
static int cfi_op(struct cfi *s, const uint8_t **p, const uint8_t *end)
{
	uint8_t op = *(*p)++, low = op & 0x3f;
	uintptr_t loc;

	switch (op >> 6) {
	case 1: return advance(s, low);
	case 2: set_rule(&s->row, low, OFFSET, (int64_t)uleb(p, end) * s->cie->data_align, NULL); return 1;
	case 3:
		if (low < NREGS)
			s->row.reg[low] = s->initial.reg[low];
		return 1;
	}
	switch (op) {
	case 0x00: return 1;
	case 0x01:
		if (!read_encoded(p, end, s->cie->fde_enc, 0, &loc))
			return -1;
		s->loc = loc;
		return s->loc <= s->target;
	case 0x02: *p += 1; return end >= *p ? advance(s, load(*p - 1, 1)) : -1;
	case 0x03: *p += 2; return end >= *p ? advance(s, load(*p - 2, 2)) : -1;
	case 0x04: *p += 4; return end >= *p ? advance(s, load(*p - 4, 4)) : -1;
	}
	return op >= 0x0a && op <= 0x0f ? state_op(s, op, p, end) :
	       op == 0x12 || op == 0x13 ? state_op(s, op, p, end) : rule_op(s, op, p, end);
}

static bool run_cfi(struct cfi *s, const uint8_t *p, const uint8_t *end)
{
	int r = 1;

	while (p < end && (r = cfi_op(s, &p, end)) > 0)
		;
	return r >= 0;
}

static bool fetch(const struct frame *f, uintptr_t addr, uintptr_t *out)
{
	if (addr < f->lo || addr > f->hi - sizeof(uintptr_t) || (addr & (sizeof(uintptr_t) - 1)))
		return false;
	*out = *(const uintptr_t *)addr;
	return true;
}

static bool binary_op(uint8_t op, uintptr_t a, uintptr_t b, uintptr_t *r)
{
	switch (op) {
	case 0x1a: *r = a & b; return true;
	case 0x1c: *r = a - b; return true;
	case 0x1e: *r = a * b; return true;
	case 0x21: *r = a | b; return true;
	case 0x22: *r = a + b; return true;
	case 0x24: *r = b < 64 ? a << b : 0; return true;
	case 0x25: *r = b < 64 ? a >> b : 0; return true;
	case 0x27: *r = a ^ b; return true;
	case 0x29: *r = a == b; return true;
	case 0x2a: *r = (intptr_t)a >= (intptr_t)b; return true;
	case 0x2b: *r = (intptr_t)a > (intptr_t)b; return true;
	case 0x2c: *r = (intptr_t)a <= (intptr_t)b; return true;
	case 0x2d: *r = (intptr_t)a < (intptr_t)b; return true;
	case 0x2e: *r = a != b; return true;
	}
	return false;
}

/* The value one operation pushes (literals, registers, constants); false if op is not one. */
static bool push_op(uint8_t op, const uint8_t **p, const uint8_t *end, const struct frame *f, uintptr_t *v)
{
	if (op >= 0x30 && op <= 0x4f)
		*v = op - 0x30;
	else if (op >= 0x50 && op <= 0x6f && op - 0x50 < NREGS && (f->known >> (op - 0x50) & 1))
		*v = f->r[op - 0x50];
	else if (op >= 0x70 && op <= 0x8f && op - 0x70 < NREGS && (f->known >> (op - 0x70) & 1))
		*v = f->r[op - 0x70] + (uintptr_t)sleb(p, end);
	else if (op == 0x10)
		*v = uleb(p, end);
	else if (op == 0x11)
		*v = (uintptr_t)sleb(p, end);
	else if (op >= 0x08 && op <= 0x0f && end - *p >= 1 << ((op - 0x08) / 2)) {
		size_t n = (size_t)1 << ((op - 0x08) / 2);

		*v = load(*p, n);
		if (op & 1)   /* the signed forms */
			*v = n == 1 ? (uintptr_t)(int8_t)*v : n == 2 ? (uintptr_t)(int16_t)*v :
			     n == 4 ? (uintptr_t)(int32_t)*v : *v;
		*p += n;
	} else
		return false;
	return true;
}

/* Evaluates a DWARF expression block; init (when has_init) is pushed first, as for the
 * register rules, which start from the CFA. */
static bool eval(const uint8_t *blk, const struct frame *f, bool has_init, uintptr_t init, uintptr_t *out)
{
	const uint8_t *p = blk;
	uint64_t len = uleb(&p, blk + 16);
	const uint8_t *end = p + len;
	uintptr_t st[EXPR_DEPTH];
	int n = 0;

	if (has_init)
		st[n++] = init;
	while (p < end) {
		uint8_t op = *p++;
		uintptr_t v;

		if (push_op(op, &p, end, f, &v)) {
			if (n == EXPR_DEPTH)
				return false;
			st[n++] = v;
		} else if (op == 0x06 && n >= 1) {
			if (!fetch(f, st[n - 1], &st[n - 1]))
				return false;
		} else if (op == 0x23 && n >= 1) {
			st[n - 1] += uleb(&p, end);
		} else if (op == 0x12 && n >= 1 && n < EXPR_DEPTH) {
			st[n] = st[n - 1];
			n++;
		} else if (op == 0x13 && n >= 1) {
			n--;
		} else if (n >= 2 && binary_op(op, st[n - 2], st[n - 1], &st[n - 2])) {
			n--;
		} else if (op != 0x96) {
			return false;
		}
	}
	if (!n)
		return false;
	*out = st[n - 1];
	return true;
}

/* Register i of the caller, from its rule; false when unknown. */
static bool restore(const struct frame *f, const struct rule *r, int i, uintptr_t cfa, uintptr_t *v)
{
	uintptr_t at;

	switch (r->how) {
	case SAME: *v = f->r[i]; return f->known >> i & 1;
	case OFFSET: return fetch(f, cfa + (uintptr_t)r->n, v);
	case VAL_OFFSET: *v = cfa + (uintptr_t)r->n; return true;
	case REGISTER:
		if (r->n < 0 || r->n >= NREGS || !(f->known >> r->n & 1))
			return false;
		*v = f->r[r->n];
		return true;
	case EXPR: return eval(r->expr, f, true, cfa, &at) && fetch(f, at, v);
	case VAL_EXPR: return eval(r->expr, f, true, cfa, v);
	}
	return false;
}

/* The caller's frame from the row of f's pc. */
static bool apply(const struct cfi *s, const struct frame *f, struct frame *next)
{
	const struct row *row = &s->row;
	uintptr_t cfa;

	if (row->cfa.how == REGISTER && row->cfa.n >= 0 && row->cfa.n < NREGS && (f->known >> row->cfa.n & 1))
		cfa = f->r[row->cfa.n] + (uintptr_t)row->cfa_off;
	else if (row->cfa.how != EXPR || !eval(row->cfa.expr, f, false, 0, &cfa))
		return false;
	*next = *f;
	next->known = 0;
	for (int i = 0; i < NREGS; i++)
		if (restore(f, &row->reg[i], i, cfa, &next->r[i]))
			next->known |= 1u << i;
	/* The stack pointer is the CFA unless a rule restores it (a signal frame does). */
	if (row->reg[REG_RSP].how == SAME) {
		next->r[REG_RSP] = cfa;
		next->known |= 1u << REG_RSP;
	}
	return s->cie->ra == REG_RA && (next->known >> REG_RA & 1);
}

/* Moves f to its caller. *signal: f's pc is where it was interrupted, not a return address
 * (set for the caller from the 'S' of f's CIE). False at the end of the stack. */
static bool step(struct frame *f, bool *signal)
{
	uintptr_t pc = f->r[REG_RA], lookup = *signal ? pc : pc - 1, start;
	struct dl_find_object dlfo;
	const uint8_t *insns, *end;
	struct frame next;
	struct cie cie;
	struct cfi s;

	if (_dl_find_object((void *)lookup, &dlfo) != 0 || !dlfo.dlfo_eh_frame ||
	    !find_fde(dlfo.dlfo_eh_frame, lookup, &cie, &start, &insns, &end))
		return false;
	memset(&s, 0, sizeof(s));
	s.cie = &cie;
	s.target = UINTPTR_MAX;
	if (!run_cfi(&s, cie.insns, cie.end))
		return false;
	s.initial = s.row;
	s.loc = start;
	s.target = lookup;
	if (!run_cfi(&s, insns, end) || !apply(&s, f, &next) || !next.r[REG_RA])
		return false;
	/* A signal frame continues on the interrupted stack, maybe another one (sigaltstack). */
	if (cie.signal) {
		next.lo = next.r[REG_RSP];
		next.hi = next.lo + WINDOW > next.lo ? next.lo + WINDOW : UINTPTR_MAX;
	} else if (!(next.known >> REG_RSP & 1) || next.r[REG_RSP] <= f->r[REG_RSP]) {
		return false;
	}
	*signal = cie.signal;
	*f = next;
	return true;
}

int unwind_walk(const struct unwind_start *start, uintptr_t *out, int max)
{
	struct frame f = { .known = 1u << REG_RA | 1u << REG_RSP | 1u << REG_RBP };
	bool signal = false;
	int n = 0;

	f.r[REG_RA] = start->pc;
	f.r[REG_RSP] = start->sp;
	f.r[REG_RBP] = start->bp;
	f.lo = start->sp;
	f.hi = f.lo + WINDOW > f.lo ? f.lo + WINDOW : UINTPTR_MAX;
	while (n < max && f.r[REG_RA]) {
		out[n++] = f.r[REG_RA];
		if (!step(&f, &signal))
			break;
	}
	return n;
}
