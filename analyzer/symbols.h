/* Symbols: the module's symbol tables, its defined functions and data objects by address. */
#ifndef CONFINE_SYMBOLS_H
#define CONFINE_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "elf_image.h"

struct sym {
	const char *name;   /* borrowed from the image's string table */
	uint64_t addr;      /* in the image's address space (.o sections and COMMON laid out) */
	uint64_t size;
	uint32_t shndx;     /* section index, or SHN_UNDEF / SHN_COMMON / SHN_ABS */
	uint8_t bind, type, vis;
	bool exported;      /* visible to other modules: in .dynsym, or global in a .o */
};

struct sym_table {
	struct sym *v;      /* in table order: v[i] is ELF symbol i */
	size_t n;
	size_t shndx;       /* section index of the table */
};

struct symbols {
	struct sym_table symtab;   /* empty when stripped */
	struct sym_table dynsym;   /* empty for .o files and static executables */
	struct sym **funcs;        /* defined functions sorted by address, one per address */
	size_t nfuncs;
	struct sym **objects;      /* defined data objects (incl. TLS and COMMON) sorted by address */
	size_t nobjects;
};

/* Loads .symtab and .dynsym. Returns 0, -EIO for a corrupt table (logged), or -ENOMEM. */
int symbols_load(const struct elf_image *img, const struct diag *d, struct symbols **out);
void symbols_free(struct symbols *s);

/* The symbol with index idx of the table at section index table_shndx, or NULL. */
const struct sym *symbols_by_index(const struct symbols *s, size_t table_shndx, size_t idx);

/* The function whose range holds addr (a size-0 symbol holds only its own address), or NULL. */
const struct sym *symbols_func_at(const struct symbols *s, uint64_t addr);

/* The function starting exactly at addr, or NULL. */
const struct sym *symbols_func_start(const struct symbols *s, uint64_t addr);

/* The data object whose range holds addr, or NULL. */
const struct sym *symbols_object_at(const struct symbols *s, uint64_t addr);

/* Demangles a C++ name (ignoring a trailing @VERSION); returns a malloc'd copy of the name itself
 * when it is not mangled, NULL only when out of memory. */
char *symbols_demangle(const char *name);

#endif
