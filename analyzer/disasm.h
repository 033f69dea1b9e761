/* Disassembly: decodes the module's code with capstone and records its references. */
#ifndef CONFINE_DISASM_H
#define CONFINE_DISASM_H

#include <stddef.h>
#include <stdint.h>
#include "relocs.h"
#include "symbols.h"
#include "vec.h"

enum xref_kind { XREF_CALL, XREF_JUMP, XREF_DATA };

enum {
	ACCESS_READ = 1,
	ACCESS_WRITE = 2,
	ACCESS_ADDR = 4,       /* address taken (lea, immediate, GOT load): a possible write */
};

struct xref {
	uint64_t from;         /* instruction address */
	uint64_t to;           /* target address (for XREF_INDIRECT: the slot read) */
	uint32_t sym;          /* nonzero: the target is this undefined .symtab symbol of a .o */
	uint8_t kind;          /* enum xref_kind */
	uint8_t flags;         /* XREF_INDIRECT */
	uint8_t access;        /* ACCESS_* for XREF_DATA */
};

#define XREF_INDIRECT 1    /* call/jmp through a memory slot (GOT with -fno-plt) */

struct xref_set {
	VEC(struct xref) v;    /* sorted by instruction address */
};

struct plt_stub {
	uint64_t jmp_addr;     /* address of the stub's jmp *slot(%rip) */
	uint64_t slot;
};

struct plt_map {
	VEC(struct plt_stub) v;   /* sorted by jmp_addr */
};

/* Decodes every executable section except PLTs, splitting the work over jobs threads, and
 * records calls, jumps to other functions and references to writable data or code. Returns 0,
 * -ENOMEM, or -EIO when capstone cannot start (logged with cs_strerror). */
int disasm_sweep(const struct elf_image *img, const struct symbols *syms, const struct relocs *r,
		 int jobs, const struct diag *d, struct xref_set **out);
void disasm_xrefs_free(struct xref_set *x);

/* Decodes .plt, .plt.sec and .plt.got and records the GOT slot each stub jumps through. */
int disasm_plt_load(const struct elf_image *img, const struct diag *d, struct plt_map **out);
void disasm_plt_free(struct plt_map *m);

/* The GOT slot of the PLT stub at addr (a stub spans up to 16 bytes before its jmp), or 0. */
uint64_t disasm_plt_slot(const struct plt_map *m, uint64_t addr);

/* Whether addr lies in a PLT section. */
bool disasm_is_plt(const struct elf_image *img, uint64_t addr);

#endif
