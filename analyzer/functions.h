/* Functions: the module's functions with their extents, from symbols or, when stripped, from
 * call targets, address-taken code and unwind (CFI) ranges. */
#ifndef CONFINE_FUNCTIONS_H
#define CONFINE_FUNCTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include "disasm.h"
#include "relocs.h"
#include "symbols.h"
#include "vec.h"

struct function {
	const char *name;     /* symbol name (borrowed), NULL when found only by address */
	uint64_t addr, end;
	bool exported;        /* callable from other modules */
	bool init_root;       /* run by the loader: .init_array/.fini_array/.ctors/.dtors, _init, _fini */
	bool runtime;         /* C runtime support (crtstuff, _start): its references are not state */
	bool anchored;        /* its start is certain (symbol, unwind info, loader), not only a call target */
};

struct function_table {
	VEC(struct function) v;   /* sorted by address, not overlapping */
};

/* Builds the table. Returns 0 or -ENOMEM. */
int functions_build(const struct elf_image *img, const struct symbols *syms,
		    const struct relocs *relocs, const struct xref_set *xrefs,
		    struct function_table **out);
void functions_free(struct function_table *t);

/* Index of the function whose extent holds addr, or -1. */
long functions_find(const struct function_table *t, uint64_t addr);

#endif
