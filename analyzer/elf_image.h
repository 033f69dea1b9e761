/* ELF image: one x86-64 ELF64 module (file or archive member) opened for analysis. */
#ifndef CONFINE_ELF_IMAGE_H
#define CONFINE_ELF_IMAGE_H

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>
#include "diag.h"
#include "input.h"

enum image_type { IMAGE_RELOCATABLE, IMAGE_SHARED, IMAGE_EXECUTABLE };

struct image_section {
	const char *name;
	uint64_t addr, size, offset, flags;   /* addr: for a .o, where libdwfl laid the section out */
	uint32_t type;
	Elf_Scn *scn;
};

struct elf_image {
	const char *display;         /* borrowed from the input unit */
	int fd;
	Elf *file_elf;               /* the file or archive, as opened */
	Elf *member_elf;             /* the member, for archives */
	Elf *elf;                    /* what to analyze: the file or the member */
	Dwfl *dwfl;                  /* only for .o files, which need relocated DWARF */
	Dwfl_Module *dwfl_mod;
	Elf *dwfl_elf;               /* dwfl's copy of a .o: the source of its section layout */
	char *mem_copy;              /* the .o bytes handed to dwfl, when they could not be mapped */
	void *dwfl_map;              /* else their private (copy-on-write) mapping */
	size_t dwfl_map_len;
	uint8_t *map;                /* the whole file read-only (not for archive members), or NULL */
	size_t map_size;
	Dwarf *dwarf;                /* NULL without debug info */
	bool own_dwarf;
	GElf_Ehdr ehdr;
	enum image_type type;
	bool pie;
	bool textrel;                /* DT_TEXTREL: dynamic relocations patch code (non-PIC code) */
	struct image_section *secs;  /* indexed by ELF section index */
	size_t nsecs;
	size_t *by_addr;             /* indices of allocated sections sorted by address */
	size_t nby_addr;
	uint64_t relro_lo, relro_hi; /* PT_GNU_RELRO range, empty when lo == hi */
	char build_id[41];           /* hex, "" when absent */
	bool has_symtab;
};

/* Opens the unit and validates it (x86-64 ELF64, relocatable/shared/executable, sections inside
 * the file). On error logs "DISPLAY: reason" once and returns -ENOEXEC (unsupported or not ELF),
 * -EIO (corrupt or truncated), -errno, or -ENOMEM. The unit must outlive the image. */
int elf_image_open(const struct input_unit *u, const struct diag *d, struct elf_image **out);

/* Reads only the build-id of the ELF file at path into out (hex, "" when it has none).
 * Returns 0, -errno when it cannot be opened, -EIO when it is not ELF. */
int elf_image_read_build_id(const char *path, char out[41]);

/* Whether the ELF file at path is a program the kernel starts without the dynamic loader (an
 * executable without PT_INTERP: linked -static or -static-pie), into which nothing can be
 * preloaded. Returns 1 or 0, -EIO when it is not ELF (a script), -errno when it cannot be opened. */
int elf_image_is_static_program(const char *path);

/* Whether an ELF file or archive member is for another class or machine than x86-64 ELF64 (the
 * inputs a scan refuses as unsupported rather than corrupt). */
bool elf_image_is_foreign(Elf *elf);

/* elf_image_is_foreign of the file at path; false when it cannot be read as ELF. */
bool elf_image_is_foreign_file(const char *path);

/* Releases everything the image holds; img may be NULL. */
void elf_image_free(struct elf_image *img);

/* The SHF_ALLOC section containing addr, or NULL. */
const struct image_section *elf_image_section_at(const struct elf_image *img, uint64_t addr);

/* Raw bytes of a section (NULL for SHT_NOBITS or on error); size in *size. */
const uint8_t *elf_image_section_bytes(const struct elf_image *img, size_t idx, size_t *size);

/* Gives back the memory of the pages of [p, p + n), bytes of this image's file mapping (section
 * bytes), and of the pages the kernel mapped around them (up to 64 KiB either side); they are
 * read again from the file if used later. Other memory is left alone. */
void elf_image_release(const struct elf_image *img, const uint8_t *p, size_t n);

/* Whether a section named so holds function pointers the loader calls (.init_array, .fini_array,
 * .preinit_array, .ctors, .dtors, with or without a priority suffix). */
bool elf_image_is_init_array(const char *secname);

/* Whether addr lies in the GOT (.got, .got.plt). */
bool elf_image_is_got(const struct elf_image *img, uint64_t addr);

/* "relocatable", "shared" or "executable". */
const char *elf_image_type_name(enum image_type t);

#endif
