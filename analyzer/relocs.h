/* Relocations: .o relocations by patched address, and the dynamic relocations of linked files. */
#ifndef CONFINE_RELOCS_H
#define CONFINE_RELOCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "symbols.h"

struct reloc {
	uint64_t offset;       /* address patched, in the image's address space */
	int64_t addend;
	uint32_t type;         /* R_X86_64_* */
	uint32_t sym;          /* index into the table at symtab_shndx, 0 for none */
	uint32_t symtab_shndx;
};

struct relocs {
	struct reloc *code;    /* relocations of executable sections (.o files), or text relocations
				* (linked files with DT_TEXTREL; also in data), by offset */
	size_t ncode;
	struct reloc *data;    /* other allocated sections (.o) or dynamic relocations (linked), by offset */
	size_t ndata;
};

/* Loads every RELA section that applies to allocated sections. Returns 0, -EIO for a corrupt
 * relocation section (logged), or -ENOMEM. */
int relocs_load(const struct elf_image *img, const struct diag *d, struct relocs **out);
void relocs_free(struct relocs *r);

/* Index in r->code of the first code relocation at or after addr. */
size_t relocs_code_first(const struct relocs *r, uint64_t addr);

/* Code relocations with offset in [lo, hi); the count goes to *n. NULL when there are none. */
const struct reloc *relocs_code_in(const struct relocs *r, uint64_t lo, uint64_t hi, size_t *n);

/* The data relocation patching exactly addr, or NULL. */
const struct reloc *relocs_data_at(const struct relocs *r, uint64_t addr);

/* Whether addr holds a copy relocation: an object the executable copied from a library. */
bool relocs_is_copy(const struct relocs *r, uint64_t addr);

/* Whether the word at addr is relocated to hold its own address (crtbeginS.o's __dso_handle). */
bool relocs_is_self_pointer(const struct relocs *r, uint64_t addr);

/* The symbol whose address the slot at addr receives (GOT entries: GLOB_DAT, JUMP_SLOT, 64),
 * or NULL. */
const struct sym *relocs_slot_symbol(const struct relocs *r, const struct symbols *syms, uint64_t addr);

#endif
