/* Disassembly: decodes the module's code (Zydis, and capstone for detail) and records its references. */
#ifndef CONFINE_DISASM_H
#define CONFINE_DISASM_H

#include <capstone/capstone.h>
#include <stddef.h>
#include <stdint.h>
#include "relocs.h"
#include "symbols.h"
#include "vec.h"

enum xref_kind { XREF_CALL, XREF_JUMP, XREF_DATA };

enum {
	ACCESS_READ = 1,
	ACCESS_WRITE = 2,
	ACCESS_ADDR = 4,       /* address taken (lea, immediate, GOT load) and not dereferenced nearby */
};

/* 16 bytes: a large library has millions of references. User-space addresses fit in 48 bits. */
struct xref {
	uint64_t from : 48;    /* instruction address */
	uint64_t kind : 2;     /* enum xref_kind */
	uint64_t flags : 3;    /* XREF_INDIRECT, XREF_SYMBOL */
	uint64_t access : 3;   /* ACCESS_* for XREF_DATA */
	uint64_t locked : 1;   /* its accesses are locked read-modify-writes (lock prefix, xchg) */
	uint64_t unused : 7;   /* zero */
	uint64_t to;           /* target address (INDIRECT: the slot read; SYMBOL: .symtab index) */
};

/* Bytes after a function's entry within which the targets of jumps are recorded (one bit each). */
#define ENTRY_WINDOW 32

#define XREF_INDIRECT 1    /* call/jmp through a memory slot (GOT with -fno-plt) */
#define XREF_SYMBOL 2      /* the target is the undefined .o symbol numbered by 'to' */

/* References in address order, kept in the per-chunk arrays the sweep filled (joining them
 * would briefly double the largest structure of a big module). */
struct xref_seg {
	struct xref *v;
	size_t n;
};

struct xref_set {
	struct xref_seg *segs;
	size_t nsegs;
	size_t n;              /* total */
};

struct xref_iter {
	const struct xref_set *set;
	size_t seg, k;
	size_t i;              /* index of the reference returned last, plus one */
};

/* Next reference in address order, or NULL; start with struct xref_iter it = { .set = set }. */
static inline const struct xref *xref_next(struct xref_iter *it)
{
	while (it->seg < it->set->nsegs && it->k == it->set->segs[it->seg].n) {
		it->seg++;
		it->k = 0;
	}
	if (it->seg == it->set->nsegs)
		return NULL;
	it->i++;
	return &it->set->segs[it->seg].v[it->k++];
}

struct plt_stub {
	uint64_t jmp_addr;     /* address of the stub's jmp *slot(%rip) */
	uint64_t slot;
};

struct plt_map {
	VEC(struct plt_stub) v;   /* sorted by jmp_addr */
};

enum disasm_decoder {
	DISASM_ZYDIS,          /* Zydis decodes every instruction; capstone details those that matter */
	DISASM_CAPSTONE,       /* capstone alone (the reference: same references, slower) */
};

/* Decodes every executable section except PLTs, splitting the work over jobs threads, and
 * records calls, jumps to other functions and references to writable data or code. The result
 * is the same for every jobs and decoder. Returns 0, -ENOMEM, or -EIO when a decoder cannot
 * start (logged, with cs_strerror for capstone). */
int disasm_sweep(const struct elf_image *img, const struct symbols *syms, const struct relocs *r,
		 int jobs, enum disasm_decoder decoder, const struct diag *d, struct xref_set **out);
void disasm_xrefs_free(struct xref_set *x);

/* Leaves out the jump references, once the call graph has read them (tail calls, branches near
 * entries; a module without a symbol table keeps every jump): the stages after it read only
 * calls and data references, and jumps are most of a large module's references. The arrays
 * shrink in place (a failed shrink keeps the larger array). */
void disasm_xrefs_drop_jumps(struct xref_set *x);

/* Opens a capstone x86-64 handle with detail on, for any thread: the first one opened in the
 * process first settles capstone's lazily sorted tables (see disasm.c). Returns CS_ERR_OK (close
 * *h with cs_close) or capstone's error, with *h closed. */
cs_err disasm_capstone_open(csh *h);

/* The general-purpose register family of a capstone x86 register, 0-15 in the order rax, rbx,
 * rcx, rdx, rsi, rdi, rbp, rsp, r8-r15 (rax, eax, ax, al and ah are one), or -1. */
int disasm_reg_family(unsigned reg);

/* Decodes .plt, .plt.sec and .plt.got and records the GOT slot each stub jumps through. */
int disasm_plt_load(const struct elf_image *img, const struct diag *d, struct plt_map **out);
void disasm_plt_free(struct plt_map *m);

/* The GOT slot of the PLT stub at addr (a stub spans up to 16 bytes before its jmp), or 0. */
uint64_t disasm_plt_slot(const struct plt_map *m, uint64_t addr);

/* Whether addr lies in a PLT section. */
bool disasm_is_plt(const struct elf_image *img, uint64_t addr);

#endif
