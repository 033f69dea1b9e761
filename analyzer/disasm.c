/* Disassembly: a linear sweep of code sections, function by function (Zydis for every instruction,
 * capstone for the operands the analysis reads), split into chunks at function starts so that worker
 * threads can share it and the merged result stays in address order. */
#include <Zydis/Zydis.h>
#include <capstone/capstone.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "disasm.h"

/* An address just loaded into a register (lea, or a GOT load): how the next few instructions
 * use that register tells a read from a write, where the load alone would only say "address". */
struct addr_reg {
	int family;            /* register family (rax/eax/ax/al ...), -1 when idle */
	size_t xref;           /* the reference being refined */
	int left;              /* instructions still watched */
	bool used;             /* already dereferenced */
};

#define TRACKED 4          /* registers watched at once (compilers hoist several loads) */

struct chunk {
	size_t sec;
	uint64_t lo, hi;
	VEC(struct xref) out;
	struct addr_reg track[TRACKED];
	int err;
};

/* Allocated sections by address, for the per-reference "is this interesting" test. */
struct span {
	uint64_t lo, hi, flags;
	bool plt, got;
};

struct sweep {
	const struct elf_image *img;
	const struct symbols *syms;
	const struct relocs *relocs;
	struct span *spans;
	size_t nspans;
	bool absolute;          /* non-PIE executable: absolute addresses appear in code */
	bool all_jumps;         /* no symbol table: keep every jump for function discovery */
	enum disasm_decoder decoder;
	VEC(struct chunk) chunks;
	atomic_size_t next;
	const struct diag *d;
	uint64_t code_bytes;              /* what the chunks cover, for progress */
	atomic_uint_fast64_t decoded;     /* of it, in chunks done */
};

static bool is_plt_name(const char *name)
{
	return !strncmp(name, ".plt", 4);
}

bool disasm_is_plt(const struct elf_image *img, uint64_t addr)
{
	const struct image_section *s = elf_image_section_at(img, addr);

	return s && is_plt_name(s->name);
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int build_spans(struct sweep *sw)
{
	const struct elf_image *img = sw->img;

	sw->spans = calloc(img->nsecs ? img->nsecs : 1, sizeof(*sw->spans));
	if (!sw->spans)
		return -ENOMEM;
	for (size_t i = 1; i < img->nsecs; i++) {
		const struct image_section *s = &img->secs[i];

		if ((s->flags & SHF_ALLOC) && s->size)
			sw->spans[sw->nspans++] = (struct span){ s->addr, s->addr + s->size, s->flags,
								  is_plt_name(s->name),
								  !strncmp(s->name, ".got", 4) };
	}
	qsort(sw->spans, sw->nspans, sizeof(*sw->spans), cmp_span);
	return 0;
}

/* The section holding addr, or NULL. */
static const struct span *span_at(const struct sweep *sw, uint64_t addr)
{
	size_t lo = PARTITION_POINT(sw->spans, sw->nspans, sp, sp->lo <= addr);

	return lo && addr < sw->spans[lo - 1].hi ? &sw->spans[lo - 1] : NULL;
}

/* Writable data (state, GOT slots) and code (function addresses) are worth recording; the
 * many references to .rodata are not. */
static bool interesting(const struct sweep *sw, uint64_t addr)
{
	const struct span *sp = span_at(sw, addr);

	return sp && (sp->flags & (SHF_WRITE | SHF_EXECINSTR));
}

/* A read-modify-write that is atomic: lock-prefixed, or xchg with memory (implicitly locked). */
static bool is_locked_insn(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;

	return x->prefix[0] == X86_PREFIX_LOCK || in->id == X86_INS_XCHG;
}

static void push(struct chunk *c, uint64_t from, uint64_t to, uint32_t sym, int kind, int flags,
		 int access)
{
	struct xref x = { .from = from, .kind = (unsigned)kind, .flags = (unsigned)flags,
			  .access = (unsigned)access, .to = to };

	if (sym) {
		x.flags |= XREF_SYMBOL;
		x.to = sym;
	}
	if (VEC_PUSH(&c->out, x))
		c->err = -ENOMEM;
}

/* The access of the instruction in itself to its memory operand. */
static void push_access(struct chunk *c, const cs_insn *in, uint64_t to, int flags, int access)
{
	size_t n = c->out.n;

	push(c, in->address, to, 0, XREF_DATA, flags, access);
	if (c->out.n > n)
		c->out.v[n].locked = is_locked_insn(in);
}

static bool is_branch(const cs_insn *in)
{
	const cs_detail *dt = in->detail;

	/* capstone 4 files loop/loope/loopne under relative branches only. */
	for (int i = 0; i < dt->groups_count; i++)
		if (dt->groups[i] == CS_GRP_JUMP || dt->groups[i] == CS_GRP_CALL ||
		    dt->groups[i] == CS_GRP_BRANCH_RELATIVE)
			return true;
	return false;
}

static int op_access(const cs_insn *in, const cs_x86_op *op)
{
	int a = 0;

	if (in->id == X86_INS_LEA)
		return ACCESS_ADDR;
	if (op->access & CS_AC_READ)
		a |= ACCESS_READ;
	if (op->access & CS_AC_WRITE)
		a |= ACCESS_WRITE;
	/* capstone leaves some operands unannotated: assume the worst. */
	return a ? a : ACCESS_READ | ACCESS_WRITE;
}

/* General-purpose register family 0-15 (rax, eax, ax, al and ah are one), or -1. */
static int reg_family(unsigned r)
{
	static const unsigned char fam[X86_REG_ENDING] = {
	[X86_REG_RAX] = 1, [X86_REG_EAX] = 1, [X86_REG_AX] = 1, [X86_REG_AL] = 1, [X86_REG_AH] = 1,
	[X86_REG_RBX] = 2, [X86_REG_EBX] = 2, [X86_REG_BX] = 2, [X86_REG_BL] = 2, [X86_REG_BH] = 2,
	[X86_REG_RCX] = 3, [X86_REG_ECX] = 3, [X86_REG_CX] = 3, [X86_REG_CL] = 3, [X86_REG_CH] = 3,
	[X86_REG_RDX] = 4, [X86_REG_EDX] = 4, [X86_REG_DX] = 4, [X86_REG_DL] = 4, [X86_REG_DH] = 4,
	[X86_REG_RSI] = 5, [X86_REG_ESI] = 5, [X86_REG_SI] = 5, [X86_REG_SIL] = 5,
	[X86_REG_RDI] = 6, [X86_REG_EDI] = 6, [X86_REG_DI] = 6, [X86_REG_DIL] = 6,
	[X86_REG_RBP] = 7, [X86_REG_EBP] = 7, [X86_REG_BP] = 7, [X86_REG_BPL] = 7,
	[X86_REG_RSP] = 8, [X86_REG_ESP] = 8, [X86_REG_SP] = 8, [X86_REG_SPL] = 8,
	[X86_REG_R8] = 9, [X86_REG_R8D] = 9, [X86_REG_R8W] = 9, [X86_REG_R8B] = 9,
	[X86_REG_R9] = 10, [X86_REG_R9D] = 10, [X86_REG_R9W] = 10, [X86_REG_R9B] = 10,
	[X86_REG_R10] = 11, [X86_REG_R10D] = 11, [X86_REG_R10W] = 11, [X86_REG_R10B] = 11,
	[X86_REG_R11] = 12, [X86_REG_R11D] = 12, [X86_REG_R11W] = 12, [X86_REG_R11B] = 12,
	[X86_REG_R12] = 13, [X86_REG_R12D] = 13, [X86_REG_R12W] = 13, [X86_REG_R12B] = 13,
	[X86_REG_R13] = 14, [X86_REG_R13D] = 14, [X86_REG_R13W] = 14, [X86_REG_R13B] = 14,
	[X86_REG_R14] = 15, [X86_REG_R14D] = 15, [X86_REG_R14W] = 15, [X86_REG_R14B] = 15,
	[X86_REG_R15] = 16, [X86_REG_R15D] = 16, [X86_REG_R15W] = 16, [X86_REG_R15B] = 16,
	};

	return r < X86_REG_ENDING ? fam[r] - 1 : -1;
}

int disasm_reg_family(unsigned reg)
{
	return reg_family(reg);
}

/* After recording an address load into a register, start watching that register (in the
 * slot of the same register, else a free one, else the first). A watch that is replaced while
 * its register is live counts as the address escaping. */
static void track_start(struct chunk *c, const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;
	int fam, slot = 0;

	if (x->op_count < 1 || x->operands[0].type != X86_OP_REG || !c->out.n)
		return;
	fam = reg_family(x->operands[0].reg);
	for (int i = TRACKED - 1; i >= 0; i--)
		if (c->track[i].family == fam || c->track[i].family < 0)
			slot = i;
	for (int i = 0; i < TRACKED; i++)
		if (c->track[i].family == fam)
			slot = i;
	if (c->track[slot].family >= 0 && c->track[slot].family != fam)
		c->out.v[c->track[slot].xref].access |= ACCESS_ADDR;
	c->track[slot] = (struct addr_reg){ fam, c->out.n - 1, 8, false };
}

static void on_deref(struct chunk *c, struct addr_reg *t, int access, bool locked)
{
	struct xref *x = &c->out.v[t->xref];

	x->access = t->used ? (x->access | access) : access;
	x->locked = t->used ? (x->locked && locked) : locked;
	t->used = true;
}

static bool writes_family(const cs_insn *in, int fam)
{
	const cs_detail *dt = in->detail;
	const cs_x86 *x = &dt->x86;

	for (int i = 0; i < dt->regs_write_count; i++)
		if (reg_family(dt->regs_write[i]) == fam)
			return true;
	for (int i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_REG && (x->operands[i].access & CS_AC_WRITE) &&
		    reg_family(x->operands[i].reg) == fam)
			return true;
	return false;
}

/* Whether a register still holds the address where its watch ends (SysV ABI): a ret passes on
 * %rax (the rare %rdx half of a pair aside); a call passes argument registers and keeps callee-saved ones; after a jump or
 * when the watch runs out, anything may still use it. */
static bool still_live(const cs_insn *in, int fam)
{
	enum { RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8, R9, R10, R11, R12, R13, R14, R15 };
	static const unsigned call_live = 1u << RBX | 1u << RCX | 1u << RDX | 1u << RSI | 1u << RDI |
					  1u << RBP | 1u << R8 | 1u << R9 | 1u << R12 | 1u << R13 |
					  1u << R14 | 1u << R15;

	if (in->id == X86_INS_RET)
		return fam == RAX;
	if (in->id == X86_INS_CALL)
		return call_live >> fam & 1;
	return true;
}

/* A dereference through a watched register gives the access; any other read of it lets the
 * address escape (kept as a possible write); a branch or an overwrite ends the watch. */
static const cs_x86_op *mem_operand(const cs_insn *in);

static void track_one(struct chunk *c, struct addr_reg *t, const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;
	const cs_x86_op *op;
	int fam = t->family;

	/* call/jmp *off(%reg): the watched address is a function-pointer slot, read. */
	if (is_branch(in) && (op = mem_operand(in)) && reg_family(op->mem.base) == fam) {
		on_deref(c, t, ACCESS_READ, false);
		t->family = -1;
		return;
	}
	if (is_branch(in) || in->id == X86_INS_RET || --t->left < 0) {
		if (still_live(in, fam))
			c->out.v[t->xref].access |= ACCESS_ADDR;
		t->family = -1;
		return;
	}
	for (int i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];

		if (op->type == X86_OP_MEM && reg_family(op->mem.base) == fam &&
		    reg_family(op->mem.index) != fam && in->id != X86_INS_LEA)
			on_deref(c, t, op_access(in, op), is_locked_insn(in));
		else if ((op->type == X86_OP_REG && reg_family(op->reg) == fam && (op->access & CS_AC_READ)) ||
			 (op->type == X86_OP_MEM && (reg_family(op->mem.base) == fam || reg_family(op->mem.index) == fam)))
			c->out.v[t->xref].access |= ACCESS_ADDR;
	}
	if (writes_family(in, fam))
		t->family = -1;
}

static void track_step(struct chunk *c, const cs_insn *in)
{
	for (int i = 0; i < TRACKED; i++)
		if (c->track[i].family >= 0)
			track_one(c, &c->track[i], in);
}

static bool is_call(const cs_insn *in)
{
	return in->id == X86_INS_CALL;
}

static const cs_x86_op *mem_operand(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;

	for (int i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM)
			return &x->operands[i];
	return NULL;
}

/* Jumps matter only when they leave the function (tail calls); without a symbol table the
 * function bounds are not known yet, so every jump is kept for discovery. */
/* A jump landing just past a function's entry matters to the runtime guard, which rewrites
 * the first bytes of confined functions. */
static bool near_entry(const struct sweep *sw, uint64_t to)
{
	const struct sym *f = symbols_func_at(sw->syms, to);

	return f && to > f->addr && to - f->addr < ENTRY_WINDOW;
}

static void on_branch(struct sweep *sw, struct chunk *c, uint64_t from, uint64_t to, bool call)
{
	const struct span *sp;

	if (!call && !sw->all_jumps && !symbols_func_start(sw->syms, to) &&
	    !((sp = span_at(sw, to)) && sp->plt) && !near_entry(sw, to))
		return;
	push(c, from, to, 0, call ? XREF_CALL : XREF_JUMP, 0, 0);
}

static bool is_got_reloc(uint32_t t)
{
	return t == R_X86_64_GOTPCREL || t == R_X86_64_GOTPCRELX || t == R_X86_64_REX_GOTPCRELX ||
	       t == R_X86_64_GOTPCREL64;
}

static bool is_pc_reloc(uint32_t t)
{
	return t == R_X86_64_PC32 || t == R_X86_64_PLT32 || t == R_X86_64_PC64;
}

static bool is_abs_reloc(uint32_t t)
{
	return t == R_X86_64_32 || t == R_X86_64_32S || t == R_X86_64_64;
}

/* Access through a relocated field: an immediate or a GOT load yields an address. */
static int reloc_access(const cs_insn *in, const struct reloc *r)
{
	const cs_x86 *x = &in->detail->x86;
	const cs_x86_op *op = mem_operand(in);

	if (is_got_reloc(r->type) || !op ||
	    (x->encoding.imm_size && r->offset == in->address + x->encoding.imm_offset))
		return ACCESS_ADDR;
	return op_access(in, op);
}

/* The address a relocated field yields: symbol + addend, and for PC-relative fields
 * + (instruction end - field offset), since the field need not end the instruction; a linked
 * file's RELATIVE text relocation (no symbol) gives its addend. False for TLS and other models:
 * not module state. */
static bool reloc_target(const struct reloc *r, const struct sym *y, uint64_t end, uint64_t *to)
{
	if (r->type == R_X86_64_RELATIVE)
		*to = (uint64_t)r->addend;
	else if (is_got_reloc(r->type))
		*to = y->addr;
	else if (is_pc_reloc(r->type))
		*to = y->addr + (uint64_t)r->addend + (end - r->offset);
	else if (is_abs_reloc(r->type))
		*to = y->addr + (uint64_t)r->addend;
	else
		return false;
	return true;
}

/* In a .o, or at a text relocation of a linked file, the target comes from the relocation.
 * An undefined symbol is recorded by its index in the relocation's table (.symtab in a .o,
 * .dynsym in a linked file). */
static void on_reloc(struct sweep *sw, struct chunk *c, const cs_insn *in, const struct reloc *r)
{
	bool relative = r->type == R_X86_64_RELATIVE;
	const struct sym *y = relative ? NULL : symbols_by_index(sw->syms, r->symtab_shndx, r->sym);
	uint64_t to;
	int kind = is_branch(in) ? (is_call(in) ? XREF_CALL : XREF_JUMP) : XREF_DATA;
	int access = kind == XREF_DATA ? reloc_access(in, r) : 0;

	if (!y && !relative)
		return;
	if (y && y->shndx == SHN_UNDEF) {
		if (y->name[0] && (is_got_reloc(r->type) || is_pc_reloc(r->type) || is_abs_reloc(r->type)))
			push(c, in->address, 0, r->sym, kind, 0, access);
		return;
	}
	if (is_got_reloc(r->type) && kind == XREF_DATA)
		access = ACCESS_ADDR;
	if (!reloc_target(r, y, in->address + in->size, &to))
		return;
	if (kind == XREF_DATA && !(y && y->shndx == SHN_COMMON) && !interesting(sw, to))
		return;
	/* A call or jump through a memory operand reads the slot (a function-pointer global). */
	if (kind == XREF_DATA && access != ACCESS_ADDR)
		push_access(c, in, to, 0, access);
	else
		push(c, in->address, to, 0, kind, kind != XREF_DATA && mem_operand(in) ? XREF_INDIRECT : 0,
		     access);
	/* movabs loads a linked file's text-relocated 64-bit address (in a .o it still counts as
	 * taking the address, as before). */
	if (kind == XREF_DATA && access == ACCESS_ADDR &&
	    (in->id == X86_INS_LEA || in->id == X86_INS_MOV ||
	     (in->id == X86_INS_MOVABS && sw->img->type != IMAGE_RELOCATABLE)))
		track_start(c, in);
}

/* Whether a text relocation patches the instruction's field at offset off (0: no such field). */
static bool field_relocated(const cs_insn *in, const struct reloc *r, size_t n, uint8_t off)
{
	for (size_t k = 0; off && k < n; k++)
		if (r[k].offset == in->address + off)
			return true;
	return false;
}

/* A linked file's references: its text relocations give their fields' values (the bytes hold
 * link-time values, or none for imports); other fields are read as the linker left them. */
static void on_insn_linked(struct sweep *sw, struct chunk *c, const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;
	uint64_t end = in->address + in->size;
	bool branch = is_branch(in);
	size_t n = 0;
	const struct reloc *r = sw->relocs->ncode ? relocs_code_in(sw->relocs, in->address, end, &n) : NULL;

	for (size_t k = 0; k < n; k++)
		on_reloc(sw, c, in, &r[k]);
	for (int i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];
		uint64_t to;

		if (n && field_relocated(in, r, n, op->type == X86_OP_IMM ? x->encoding.imm_offset :
					 op->type == X86_OP_MEM ? x->encoding.disp_offset : 0))
			continue;
		if (op->type == X86_OP_IMM) {
			if (branch)
				on_branch(sw, c, in->address, (uint64_t)op->imm, is_call(in));
			else if (sw->absolute && interesting(sw, (uint64_t)op->imm))
				push(c, in->address, (uint64_t)op->imm, 0, XREF_DATA, 0, ACCESS_ADDR);
			continue;
		}
		if (op->type != X86_OP_MEM)
			continue;
		if (op->mem.base == X86_REG_RIP)
			to = end + (uint64_t)op->mem.disp;
		else if (sw->absolute && op->mem.base == X86_REG_INVALID && op->mem.segment == X86_REG_INVALID)
			to = (uint64_t)op->mem.disp;
		else
			continue;
		if (!interesting(sw, to))
			continue;
		if (branch) {
			push(c, in->address, to, 0, is_call(in) ? XREF_CALL : XREF_JUMP, XREF_INDIRECT, 0);
		} else if (in->id == X86_INS_LEA || (span_at(sw, to)->got && in->id == X86_INS_MOV)) {
			/* The access of a GOT reference is that of the object the slot points to. */
			push(c, in->address, to, 0, XREF_DATA, 0, ACCESS_ADDR);
			track_start(c, in);
		} else {
			push_access(c, in, to, 0, op_access(in, op));
		}
	}
}

static void on_insn_rel(struct sweep *sw, struct chunk *c, const cs_insn *in)
{
	size_t n;
	const struct reloc *r = relocs_code_in(sw->relocs, in->address, in->address + in->size, &n);
	const cs_x86 *x = &in->detail->x86;

	for (size_t k = 0; k < n; k++)
		on_reloc(sw, c, in, &r[k]);
	/* The assembler resolves branches within a section itself, leaving no relocation. */
	if (n == 0 && is_branch(in) && x->op_count == 1 && x->operands[0].type == X86_OP_IMM)
		on_branch(sw, c, in->address, (uint64_t)x->operands[0].imm, is_call(in));
}

/* A worker's decoders: capstone, and Zydis in front of it unless --decoder capstone. */
struct decoders {
	csh h;
	cs_insn *in;
	bool zydis;
	ZydisDecoder zd;
};

static bool tracking(const struct chunk *c)
{
	for (int i = 0; i < TRACKED; i++)
		if (c->track[i].family >= 0)
			return true;
	return false;
}

/* Whether the ModRM form addresses memory without a base register: RIP-relative, or an
 * absolute disp32 (with or without an index), which REX.B does not change. */
static bool rip_relative(const ZydisDecodedInstruction *zi)
{
	return (zi->attributes & ZYDIS_ATTRIB_HAS_MODRM) && zi->raw.modrm.mod == 0 && zi->raw.modrm.rm == 5;
}

static bool no_base(const ZydisDecodedInstruction *zi)
{
	if (!(zi->attributes & ZYDIS_ATTRIB_HAS_MODRM))
		return zi->raw.disp.size != 0;   /* mov moffs */
	return zi->raw.modrm.mod == 0 && (zi->raw.modrm.rm == 5 || (zi->raw.modrm.rm == 4 && zi->raw.sib.base == 5));
}

/* Forms whose length or validity capstone 4 sees otherwise than Zydis (VEX, EVEX and XOP forms,
 * newer system instructions, reserved NOPs, ud0/ud1, mov with a bad segment register): capstone
 * decides these, so that the sweep stays on capstone's instruction boundaries. */
static bool capstone_decides(const ZydisDecodedInstruction *zi)
{
	if (zi->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return true;
	if (zi->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT)
		return zi->opcode == 0x8c || zi->opcode == 0x8e;
	if (zi->opcode_map != ZYDIS_OPCODE_MAP_0F)
		return true;
	switch (zi->opcode) {
	case 0x01: case 0x0d: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e:
	case 0xae: case 0xb9: case 0xc7: case 0xff:
		return true;
	default:
		return false;
	}
}

/* Whether capstone must see the instruction Zydis decoded at addr: anything the analysis can
 * record (a relative branch, a RIP-relative operand, a relocated field, absolute addresses in
 * a non-PIE executable), and the forms capstone decides. A superset is harmless (only slower);
 * a miss would lose a reference. */
static bool needs_detail(const struct sweep *sw, const ZydisDecodedInstruction *zi, uint64_t addr,
			 size_t *ri)
{
	const struct relocs *r = sw->relocs;

	if (zi->raw.imm[0].is_relative || zi->raw.imm[1].is_relative || rip_relative(zi) ||
	    capstone_decides(zi))
		return true;
	if (sw->absolute && (zi->raw.imm[0].size || no_base(zi)))
		return true;
	if (!r->ncode)
		return false;
	while (*ri < r->ncode && r->code[*ri].offset < addr)
		++*ri;
	return *ri < r->ncode && r->code[*ri].offset < addr + zi->length;
}

/* A plain direct call, jmp or jcc (no prefix) of a linked module: its target is all the
 * analysis reads of it, and Zydis gives it, so capstone need not decode it. */
static bool direct_branch(const struct sweep *sw, const ZydisDecodedInstruction *zi)
{
	if (sw->img->type == IMAGE_RELOCATABLE || zi->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY ||
	    zi->raw.prefix_count || (zi->attributes & ZYDIS_ATTRIB_HAS_REX))
		return false;
	if (zi->opcode_map == ZYDIS_OPCODE_MAP_0F)
		return zi->opcode >= 0x80 && zi->opcode <= 0x8f;
	return zi->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
	       (zi->opcode == 0xe8 || zi->opcode == 0xe9 || zi->opcode == 0xeb ||
		(zi->opcode >= 0x70 && zi->opcode <= 0x7f));
}

/* Decodes one function's bytes [addr, addr + left): a watch never crosses a function start and
 * decoding restarts at each, so the result does not depend on how the sweep is cut into chunks. */
static void sweep_span(struct sweep *sw, struct decoders *dc, struct chunk *c, const uint8_t *p,
		       uint64_t addr, size_t left)
{
	bool rel = sw->img->type == IMAGE_RELOCATABLE;
	size_t ri = relocs_code_first(sw->relocs, addr);
	ZydisDecodedInstruction zi;

	for (int i = 0; i < TRACKED; i++)
		c->track[i].family = -1;
	while (left && !c->err) {
		if (dc->zydis && !tracking(c) &&
		    ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dc->zd, NULL, p, left, &zi)) &&
		    (!needs_detail(sw, &zi, addr, &ri) || direct_branch(sw, &zi))) {
			if (zi.raw.imm[0].is_relative)   /* a direct branch */
				on_branch(sw, c, addr, addr + zi.length + (uint64_t)zi.raw.imm[0].value.s,
					  zi.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && zi.opcode == 0xe8);
			p += zi.length;
			left -= zi.length;
			addr += zi.length;
			continue;
		}
		if (!cs_disasm_iter(dc->h, &p, &left, &addr, dc->in)) {
			/* Undecodable byte (data or padding): resynchronise on the next one. */
			p++;
			left--;
			addr++;
			continue;
		}
		track_step(c, dc->in);
		if (rel)
			on_insn_rel(sw, c, dc->in);
		else
			on_insn_linked(sw, c, dc->in);
	}
}

/* Index of the first function starting above addr. */
static size_t func_after(const struct symbols *syms, uint64_t addr)
{
	return PARTITION_POINT(syms->funcs, syms->nfuncs, f, (*f)->addr <= addr);
}

static void sweep_chunk(struct sweep *sw, struct decoders *dc, struct chunk *c)
{
	const struct image_section *s = &sw->img->secs[c->sec];
	size_t size, k = func_after(sw->syms, c->lo);
	const uint8_t *base = elf_image_section_bytes(sw->img, c->sec, &size);
	uint64_t lo = c->lo, end = s->addr + size < c->hi ? s->addr + size : c->hi;

	if (!base || c->lo - s->addr >= size)
		return;
	/* About one reference per 30 bytes of code: reserving that up front avoids regrowing (and
	 * leaving copies behind in the thread's malloc arena); the unused tail is never touched. */
	c->out.cap = (c->hi - c->lo) / 24 + 16;
	c->out.v = malloc(c->out.cap * sizeof(struct xref));
	if (!c->out.v) {
		c->err = -ENOMEM;
		return;
	}
	while (lo < end && !c->err) {
		uint64_t hi = k < sw->syms->nfuncs && sw->syms->funcs[k]->addr < end ? sw->syms->funcs[k++]->addr : end;

		sweep_span(sw, dc, c, base + (lo - s->addr), lo, hi - lo);
		lo = hi;
	}
	/* Code is read once: its pages need not stay for the later stages of a big module. */
	elf_image_release(sw->img, base + (c->lo - s->addr), end - c->lo);
}

struct worker {
	struct sweep *sw;
	pthread_t tid;
	int err;
};

/* capstone 4 sorts a static table of its x86 printer (the registers that instructions embed,
 * X86_insn_reg_intel) when any handle decodes its first instruction, without a lock: threads
 * decoding their first instructions at once can search it while another copies it unsorted, and
 * get an instruction's implicit register and its operands wrong. One decode before any handle
 * is handed out settles it for the process. */
static pthread_once_t capstone_once = PTHREAD_ONCE_INIT;

static void capstone_settle(void)
{
	static const uint8_t nop[] = { 0x90 };
	const uint8_t *code = nop;
	size_t size = sizeof(nop);
	uint64_t addr = 0;
	cs_insn *in;
	csh h;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return;
	if ((in = cs_malloc(h))) {
		cs_disasm_iter(h, &code, &size, &addr, in);
		cs_free(in, 1);
	}
	cs_close(&h);
}

cs_err disasm_capstone_open(csh *h)
{
	cs_err ce;

	pthread_once(&capstone_once, capstone_settle);
	ce = cs_open(CS_ARCH_X86, CS_MODE_64, h);
	if (ce == CS_ERR_OK && (ce = cs_option(*h, CS_OPT_DETAIL, CS_OPT_ON)) != CS_ERR_OK)
		cs_close(h);
	return ce;
}

static int decoders_open(const struct sweep *sw, struct decoders *dc)
{
	cs_err ce = disasm_capstone_open(&dc->h);

	if (ce != CS_ERR_OK) {
		diag_log(sw->d, DIAG_ERROR, "%s: cannot start the disassembler (%s)", sw->img->display,
			 cs_strerror(ce));
		return -EIO;
	}
	dc->zydis = sw->decoder == DISASM_ZYDIS;
	if (dc->zydis &&
	    (!ZYAN_SUCCESS(ZydisDecoderInit(&dc->zd, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
	     !ZYAN_SUCCESS(ZydisDecoderEnableMode(&dc->zd, ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE)))) {
		diag_log(sw->d, DIAG_ERROR, "%s: cannot start the Zydis decoder", sw->img->display);
		return -EIO;
	}
	dc->in = cs_malloc(dc->h);
	return dc->in ? 0 : -ENOMEM;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct sweep *sw = w->sw;
	struct decoders dc = { 0 };
	size_t i;

	w->err = decoders_open(sw, &dc);
	while (!w->err && (i = atomic_fetch_add(&sw->next, 1)) < sw->chunks.n) {
		struct chunk *c = &sw->chunks.v[i];

		sweep_chunk(sw, &dc, c);
		diag_progress(sw->d, "decoding", atomic_fetch_add(&sw->decoded, c->hi - c->lo) + (c->hi - c->lo),
			      sw->code_bytes);
	}
	if (dc.in)
		cs_free(dc.in, 1);
	if (dc.h)
		cs_close(&dc.h);
	return NULL;
}

static bool is_code_section(const struct image_section *s)
{
	return (s->flags & SHF_EXECINSTR) && (s->flags & SHF_ALLOC) && s->type == SHT_PROGBITS &&
	       s->size && !is_plt_name(s->name);
}

static int add_chunk(struct sweep *sw, size_t sec, uint64_t lo, uint64_t hi)
{
	struct chunk c = { .sec = sec, .lo = lo, .hi = hi };

	for (int i = 0; i < TRACKED; i++)
		c.track[i].family = -1;

	return lo < hi && VEC_PUSH(&sw->chunks, c) ? -ENOMEM : 0;
}

/* Cuts code sections at function starts into pieces of about target bytes. */
static int make_chunks(struct sweep *sw, int jobs)
{
	const struct elf_image *img = sw->img;
	uint64_t total = 0, target;

	for (size_t i = 1; i < img->nsecs; i++)
		if (is_code_section(&img->secs[i]))
			total += img->secs[i].size;
	target = total / ((uint64_t)jobs * 8);
	if (target < 65536)
		target = 65536;
	for (size_t i = 1; i < img->nsecs; i++) {
		const struct image_section *s = &img->secs[i];
		uint64_t lo = s->addr, hi = s->addr + s->size;

		if (!is_code_section(s))
			continue;
		for (size_t k = 0; k < sw->syms->nfuncs; k++) {
			uint64_t f = sw->syms->funcs[k]->addr;

			if (f > lo && f < hi && f - lo >= target) {
				if (add_chunk(sw, i, lo, f))
					return -ENOMEM;
				lo = f;
			}
		}
		if (add_chunk(sw, i, lo, hi))
			return -ENOMEM;
	}
	return 0;
}

/* The bytes the chunks cover: the measure of the decoding stage's progress. */
static uint64_t code_bytes(const struct sweep *sw)
{
	uint64_t n = 0;

	for (size_t i = 0; i < sw->chunks.n; i++)
		n += sw->chunks.v[i].hi - sw->chunks.v[i].lo;
	return n;
}

static int run_workers(struct sweep *sw, int jobs)
{
	struct worker *ws = calloc((size_t)jobs, sizeof(*ws));
	int err = 0, started = 0;

	if (!ws)
		return -ENOMEM;
	for (int i = 0; i < jobs; i++)
		ws[i].sw = sw;
	/* The calling thread is worker 0; extra threads only help when there is enough code. */
	for (int i = 1; i < jobs && (size_t)i < sw->chunks.n; i++, started++)
		if (pthread_create(&ws[i].tid, NULL, work, &ws[i]) != 0)
			break;
	work(&ws[0]);
	for (int i = 1; i <= started; i++)
		pthread_join(ws[i].tid, NULL);
	for (int i = 0; i <= started; i++)
		if (ws[i].err)
			err = ws[i].err;
	free(ws);
	return err;
}

/* Hands the chunks' arrays over as segments, trimmed to size. */
static int collect(struct sweep *sw, struct xref_set *x)
{
	x->segs = calloc(sw->chunks.n + 1, sizeof(*x->segs));
	if (!x->segs)
		return -ENOMEM;
	for (size_t i = 0; i < sw->chunks.n; i++) {
		struct chunk *c = &sw->chunks.v[i];
		struct xref *trimmed;

		if (c->err)
			return c->err;
		trimmed = c->out.n ? realloc(c->out.v, c->out.n * sizeof(struct xref)) : NULL;
		x->segs[x->nsegs++] = (struct xref_seg){ trimmed ? trimmed : c->out.v, c->out.n };
		x->n += c->out.n;
		c->out.v = NULL;
		c->out.n = c->out.cap = 0;
	}
	return 0;
}

int disasm_sweep(const struct elf_image *img, const struct symbols *syms, const struct relocs *r,
		 int jobs, enum disasm_decoder decoder, const struct diag *d, struct xref_set **out)
{
	struct sweep sw = { .img = img, .syms = syms, .relocs = r, .decoder = decoder, .d = d };
	struct xref_set *x = calloc(1, sizeof(*x));
	int err = x ? 0 : -ENOMEM;

	sw.absolute = img->type == IMAGE_EXECUTABLE && !img->pie;
	sw.all_jumps = !img->has_symtab;
	if (jobs < 1)
		jobs = 1;
	if (!err)
		err = build_spans(&sw);
	if (!err)
		err = make_chunks(&sw, jobs);
	if (!err)
		sw.code_bytes = code_bytes(&sw);
	if (!err)
		err = run_workers(&sw, jobs);
	if (!err)
		err = collect(&sw, x);
	for (size_t i = 0; i < sw.chunks.n; i++)
		VEC_FREE(&sw.chunks.v[i].out);
	VEC_FREE(&sw.chunks);
	free(sw.spans);
	if (err) {
		disasm_xrefs_free(x);
		return err;
	}
	*out = x;
	return 0;
}

void disasm_xrefs_free(struct xref_set *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->nsegs; i++)
		free(x->segs[i].v);
	free(x->segs);
	free(x);
}

void disasm_xrefs_drop_jumps(struct xref_set *x)
{
	x->n = 0;
	for (size_t i = 0; i < x->nsegs; i++) {
		struct xref_seg *g = &x->segs[i];
		struct xref *shrunk;
		size_t k = 0;

		for (size_t j = 0; j < g->n; j++)
			if (g->v[j].kind != XREF_JUMP)
				g->v[k++] = g->v[j];
		g->n = k;
		x->n += k;
		if (!k) {
			free(g->v);
			g->v = NULL;
		} else if ((shrunk = realloc(g->v, k * sizeof(*g->v))) != NULL) {
			g->v = shrunk;
		}
	}
}

static int cmp_stub(const void *a, const void *b)
{
	const struct plt_stub *x = a, *y = b;

	return x->jmp_addr < y->jmp_addr ? -1 : x->jmp_addr > y->jmp_addr;
}

static int decode_plt(const struct elf_image *img, size_t idx, csh h, cs_insn *in, struct plt_map *m)
{
	size_t left;
	const uint8_t *p = elf_image_section_bytes(img, idx, &left);
	uint64_t addr = img->secs[idx].addr;

	while (p && left) {
		const cs_x86_op *op;

		if (!cs_disasm_iter(h, &p, &left, &addr, in)) {
			p++;
			left--;
			addr++;
			continue;
		}
		op = mem_operand(in);
		if (in->id == X86_INS_JMP && op && op->mem.base == X86_REG_RIP) {
			struct plt_stub st = { in->address, in->address + in->size + (uint64_t)op->mem.disp };

			if (VEC_PUSH(&m->v, st))
				return -ENOMEM;
		}
	}
	return 0;
}

int disasm_plt_load(const struct elf_image *img, const struct diag *d, struct plt_map **out)
{
	struct plt_map *m = calloc(1, sizeof(*m));
	cs_insn *in = NULL;
	csh h = 0;
	cs_err ce;
	int err = m ? 0 : -ENOMEM;

	ce = disasm_capstone_open(&h);
	if (!err && ce != CS_ERR_OK) {
		diag_log(d, DIAG_ERROR, "%s: cannot start the disassembler (%s)", img->display, cs_strerror(ce));
		err = -EIO;
	}
	if (!err && !(in = cs_malloc(h)))
		err = -ENOMEM;
	for (size_t i = 1; !err && i < img->nsecs; i++)
		if (is_plt_name(img->secs[i].name) && (img->secs[i].flags & SHF_EXECINSTR))
			err = decode_plt(img, i, h, in, m);
	if (in)
		cs_free(in, 1);
	if (h)
		cs_close(&h);
	if (err) {
		disasm_plt_free(m);
		return err;
	}
	VEC_SORT(&m->v, cmp_stub);
	*out = m;
	return 0;
}

void disasm_plt_free(struct plt_map *m)
{
	if (!m)
		return;
	VEC_FREE(&m->v);
	free(m);
}

uint64_t disasm_plt_slot(const struct plt_map *m, uint64_t addr)
{
	size_t lo = PARTITION_POINT(m->v.v, m->v.n, e, e->jmp_addr < addr);

	return lo < m->v.n && m->v.v[lo].jmp_addr - addr < 16 ? m->v.v[lo].slot : 0;
}
