/* Patch plans: decodes a function's first instructions with capstone and decides whether they
 * can move to a trampoline (whole instructions, RIP-relative displacements rewritten). */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "disasm.h"
#include "patch.h"

const char *patch_strategy_name(enum patch_strategy s)
{
	static const char *const names[] = { "jump", "trap", "skip" };

	return names[s];
}

/* Every reason a plan gives, so that a packed plan names it by index. */
enum { WHY_CALL, WHY_ENDS, WHY_LOOP, WHY_INDIRECT, WHY_NO_DISP,
       WHY_MANY, WHY_SHORT, WHY_UNDECODABLE, WHY_BRANCH_INSIDE };

static const char *const reasons[] = {
	"a call among the first instructions",
	"the function ends within the patched bytes",
	"a loop instruction among the first instructions",
	"an indirect jump among the first instructions",
	"a RIP-relative operand capstone gives no offset for",
	"too many short instructions at the entry",
	"shorter than the 5-byte jump",
	"undecodable entry",
	"a branch lands inside the patched bytes",
};

static bool is_group(const cs_insn *in, uint8_t group)
{
	for (int i = 0; i < in->detail->groups_count; i++)
		if (in->detail->groups[i] == group)
			return true;
	return false;
}

/* What the instruction is, for relocation; NULL if it can move, else why not. A direct call
 * is described (INSN_CALL) but cannot move. */
static const char *classify(const cs_insn *in, uint64_t entry, struct patch_insn *pi)
{
	const cs_x86 *x = &in->detail->x86;

	pi->off = (uint8_t)(in->address - entry);
	pi->len = (uint8_t)in->size;
	pi->kind = INSN_PLAIN;
	if (is_group(in, CS_GRP_CALL)) {
		if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM) {
			pi->kind = INSN_CALL;
			pi->target = (uint64_t)x->operands[0].imm;
		}
		return reasons[WHY_CALL];
	}
	if (in->id == X86_INS_RET || in->id == X86_INS_HLT || in->id == X86_INS_UD2 || in->id == X86_INS_INT3)
		return reasons[WHY_ENDS];
	/* capstone 4 puts loop/loope/loopne only in the relative-branch group. */
	if (in->id == X86_INS_LOOP || in->id == X86_INS_LOOPE || in->id == X86_INS_LOOPNE ||
	    in->id == X86_INS_JRCXZ || in->id == X86_INS_JECXZ || in->id == X86_INS_JCXZ)
		return reasons[WHY_LOOP];
	if (is_group(in, CS_GRP_JUMP) || is_group(in, CS_GRP_BRANCH_RELATIVE)) {
		if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
			return reasons[WHY_INDIRECT];
		pi->target = (uint64_t)x->operands[0].imm;
		pi->kind = in->id == X86_INS_JMP ? INSN_JMP : INSN_JCC;
		/* rel8 jcc is 7x, rel32 jcc is 0f 8x: the condition is the opcode's low nibble. The
		 * opcode bytes, not the raw first byte: prefixes (bnd, branch hints) come before. */
		pi->cc = x->opcode[x->opcode[0] == 0x0f ? 1 : 0] & 0x0f;
		return NULL;
	}
	for (int i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM && x->operands[i].mem.base == X86_REG_RIP) {
			if (!x->encoding.disp_offset)
				return reasons[WHY_NO_DISP];
			pi->kind = INSN_RIPREL;
			pi->disp_off = x->encoding.disp_offset;
			pi->target = in->address + in->size + (uint64_t)x->operands[i].mem.disp;
		}
	return NULL;
}

struct cursor {
	csh h;
	cs_insn *in;
	const uint8_t *p;
	size_t left;
	uint64_t a;
};

static bool next(struct cursor *c)
{
	return c->left && cs_disasm_iter(c->h, &c->p, &c->left, &c->a, c->in);
}

/* Collects whole instructions after the entry until they cover a jump; returns why they
 * cannot move (NULL if they can). A direct call first is kept for a trap to perform. */
static const char *gather(struct cursor *c, struct patch_plan *out)
{
	const char *why;

	for (;;) {
		struct patch_insn pi = { 0 };

		if ((why = classify(c->in, out->addr, &pi)) != NULL) {
			if (!out->ninsns && pi.kind == INSN_CALL)
				out->insns[out->ninsns++] = pi;
			return why;
		}
		if (out->ninsns == PATCH_MAX_INSNS)
			return reasons[WHY_MANY];
		out->insns[out->ninsns++] = pi;
		out->len = (uint8_t)(out->len + pi.len);
		if (out->len >= PATCH_JUMP_LEN)
			return NULL;
		if (!next(c))
			return reasons[WHY_SHORT];
	}
}

static void choose(struct patch_plan *out, const char *why, uint32_t entry_branches)
{
	/* Bits entry+1 .. entry+len-1: after the first patched byte, before the next instruction. */
	uint64_t inside = ((1ULL << (out->len ? out->len - 1 : 0)) - 1) << (out->entry + 1);

	if (!why && (entry_branches & inside))
		why = reasons[WHY_BRANCH_INSIDE];
	if (!why) {
		out->strategy = PATCH_JUMP;
		return;
	}
	out->reason = why;
	/* A trap displaces the first instruction only: no branch can land inside one byte. */
	out->strategy = out->ninsns ? PATCH_TRAP : PATCH_SKIP;
	if (out->ninsns) {
		out->ninsns = 1;
		out->len = out->insns[0].len;
	}
}

struct patch_planner {
	csh h;
	cs_insn *in;
};

struct patch_planner *patch_planner_new(void)
{
	struct patch_planner *pl = calloc(1, sizeof(*pl));

	if (!pl || disasm_capstone_open(&pl->h) != CS_ERR_OK) {
		free(pl);
		return NULL;
	}
	if (!(pl->in = cs_malloc(pl->h))) {
		patch_planner_free(pl);
		return NULL;
	}
	return pl;
}

void patch_planner_free(struct patch_planner *pl)
{
	if (!pl)
		return;
	if (pl->in)
		cs_free(pl->in, 1);
	cs_close(&pl->h);
	free(pl);
}

void patch_plan_with(struct patch_planner *pl, const uint8_t *code, size_t avail, uint64_t addr,
		     uint64_t size, uint32_t entry_branches, struct patch_plan *out)
{
	struct cursor c = { pl->h, pl->in, code, 0, addr };

	memset(out, 0, sizeof(*out));
	out->addr = addr;
	if (avail > PATCH_WINDOW)
		avail = PATCH_WINDOW;
	memcpy(out->code, code, avail);
	if (size && avail > size)
		avail = (size_t)size;
	c.left = avail;
	out->strategy = PATCH_SKIP;
	out->reason = reasons[WHY_UNDECODABLE];
	if (!next(&c))
		return;
	out->reason = NULL;
	if (c.in->id == X86_INS_ENDBR64) {
		out->entry = (uint8_t)c.in->size;
		if (!next(&c))
			out->reason = reasons[WHY_SHORT];
	}
	choose(out, out->reason ? out->reason : gather(&c, out), entry_branches);
}

int patch_plan(const uint8_t *code, size_t avail, uint64_t addr, uint64_t size, uint32_t entry_branches,
	       struct patch_plan *out)
{
	struct patch_planner *pl = patch_planner_new();

	if (!pl)
		return -EIO;
	patch_plan_with(pl, code, avail, addr, size, entry_branches, out);
	patch_planner_free(pl);
	return 0;
}

static int put_rel32(uint8_t *at, uint64_t target, uint64_t next_insn)
{
	int64_t rel = (int64_t)(target - next_insn);
	int32_t r32 = (int32_t)rel;

	if (rel != r32)
		return -ERANGE;
	memcpy(at, &r32, 4);
	return 0;
}

/* One instruction at out[o] (to run at dest + o); returns its new length or a negative error. */
static int emit_insn(const struct patch_plan *p, const struct patch_insn *pi, uint64_t dest,
		     uint8_t *out, size_t o, size_t cap)
{
	size_t n = pi->kind == INSN_JMP ? 5 : pi->kind == INSN_JCC ? 6 : pi->len;
	uint64_t end = dest + o + n;

	if (o + n > cap)
		return -ENOSPC;
	switch (pi->kind) {
	case INSN_JMP:
		out[o] = 0xe9;
		return put_rel32(out + o + 1, pi->target, end) ? -ERANGE : (int)n;
	case INSN_JCC:
		out[o] = 0x0f;
		out[o + 1] = (uint8_t)(0x80 | pi->cc);
		return put_rel32(out + o + 2, pi->target, end) ? -ERANGE : (int)n;
	case INSN_RIPREL:
		memcpy(out + o, p->code + pi->off, pi->len);
		return put_rel32(out + o + pi->disp_off, pi->target, end) ? -ERANGE : (int)n;
	default:
		memcpy(out + o, p->code + pi->off, pi->len);
		return (int)n;
	}
}

int patch_emit(const struct patch_plan *p, uint64_t dest, uint8_t *out, size_t cap)
{
	size_t o = 0;

	if (p->ninsns && p->insns[0].kind == INSN_CALL)
		return -EINVAL;

	for (int i = 0; i < p->ninsns; i++) {
		int n = emit_insn(p, &p->insns[i], dest, out, o, cap);

		if (n < 0)
			return n;
		o += (size_t)n;
	}
	if (o + 5 > cap)
		return -ENOSPC;
	out[o] = 0xe9;
	if (put_rel32(out + o + 1, p->addr + p->entry + p->len, dest + o + 5))
		return -ERANGE;
	return (int)(o + 5);
}

size_t patch_plan_pack(const struct patch_plan *p, uint64_t hash, uint8_t *out)
{
	size_t o = 0, r;

	for (r = 0; r < sizeof(reasons) / sizeof(*reasons) && p->reason != reasons[r]; r++)
		;
	memcpy(out, &hash, 8);
	out[8] = (uint8_t)p->strategy;
	out[9] = (uint8_t)r;   /* past the table: no reason */
	out[10] = p->entry;
	out[11] = p->len;
	out[12] = p->ninsns;
	o = 13;
	for (int i = 0; i < p->ninsns; i++) {
		const struct patch_insn *pi = &p->insns[i];
		int64_t rel = (int64_t)(pi->target - p->addr);

		out[o] = pi->off;
		out[o + 1] = pi->len;
		out[o + 2] = pi->kind;
		out[o + 3] = pi->disp_off;
		out[o + 4] = pi->cc;
		memcpy(out + o + 5, &rel, 7);   /* targets lie within 2^55 bytes of the entry */
		o += 12;
	}
	return o;
}

int patch_plan_unpack(const uint8_t *in, size_t n, const uint8_t *code, size_t avail, uint64_t addr,
		      uint64_t *hash, struct patch_plan *out)
{
	size_t o = 13;

	if (n < 13 || in[8] > PATCH_SKIP || in[12] > PATCH_MAX_INSNS || n < 13 + 12 * (size_t)in[12])
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memcpy(hash, in, 8);
	out->strategy = (enum patch_strategy)in[8];
	out->reason = in[9] < sizeof(reasons) / sizeof(*reasons) ? reasons[in[9]] : NULL;
	out->entry = in[10];
	out->len = in[11];
	out->ninsns = in[12];
	out->addr = addr;
	memcpy(out->code, code, avail < PATCH_WINDOW ? avail : PATCH_WINDOW);
	for (int i = 0; i < out->ninsns; i++, o += 12) {
		struct patch_insn *pi = &out->insns[i];
		int64_t rel = 0;

		pi->off = in[o];
		pi->len = in[o + 1];
		pi->kind = in[o + 2];
		pi->disp_off = in[o + 3];
		pi->cc = in[o + 4];
		memcpy(&rel, in + o + 5, 7);
		rel = (int64_t)((uint64_t)rel << 8) >> 8;   /* sign-extend the 56 bits */
		pi->target = addr + (uint64_t)rel;
		if (pi->off + pi->len > PATCH_WINDOW || pi->kind > INSN_CALL)
			return -EINVAL;
	}
	return (int)o;
}

uint64_t patch_code_hash(const uint8_t *code, size_t avail, uint64_t size, uint32_t entry_branches)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ size ^ ((uint64_t)entry_branches << 32);

	if (avail > PATCH_WINDOW)
		avail = PATCH_WINDOW;
	for (size_t i = 0; i < avail; i++)
		h = (h ^ code[i]) * 0x100000001b3ULL;
	return h ^ avail;
}
