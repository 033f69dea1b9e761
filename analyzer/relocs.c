/* Relocations: reads RELA sections with libelf and sorts them by the address they patch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "relocs.h"
#include "vec.h"

typedef VEC(struct reloc) reloc_vec;

static int cmp_reloc(const void *a, const void *b)
{
	const struct reloc *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Of the many RELATIVE relocations of a large library (vtables, string tables), only those
 * holding code addresses matter (they make functions callable from anywhere), and self-pointers,
 * which mark the C runtime's __dso_handle in stripped modules. */
static bool worth_keeping(const struct elf_image *img, const struct reloc *r)
{
	const struct image_section *t;

	if (img->type == IMAGE_RELOCATABLE || r->type != R_X86_64_RELATIVE || (uint64_t)r->addend == r->offset)
		return true;
	t = elf_image_section_at(img, (uint64_t)r->addend);
	return t && (t->flags & SHF_EXECINSTR);
}

/* A linked file built from non-PIC code has dynamic relocations patching instruction fields
 * (text relocations): the sweep takes those fields' values from them, as from a .o's. */
static bool patches_code(const struct elf_image *img, const struct reloc *r)
{
	const struct image_section *t;

	if (img->type == IMAGE_RELOCATABLE || !img->textrel)
		return false;
	t = elf_image_section_at(img, r->offset);
	return t && (t->flags & SHF_EXECINSTR);
}

/* The entries are read from the section's bytes (x86-64 ELF64 is little-endian, like the
 * machines confine runs on), whose pages are given back afterwards: a large library's dynamic
 * relocations are megabytes that no later stage reads. */
static int read_section(const struct elf_image *img, const struct image_section *s, uint64_t base,
			reloc_vec *out, reloc_vec *code, const struct diag *d)
{
	size_t size;
	const uint8_t *bytes = elf_image_section_bytes(img, (size_t)(s - img->secs), &size);
	GElf_Shdr sh;
	int err = 0;

	if (!bytes || !gelf_getshdr(s->scn, &sh) || sh.sh_entsize != sizeof(Elf64_Rela)) {
		diag_log(d, DIAG_ERROR, "%s: corrupt relocation section %s", img->display, s->name);
		return -EIO;
	}
	for (size_t k = 0; !err && k < size / sizeof(Elf64_Rela); k++) {
		Elf64_Rela ra;
		struct reloc r;

		memcpy(&ra, bytes + k * sizeof(ra), sizeof(ra));
		r.offset = base + ra.r_offset;
		r.addend = ra.r_addend;
		r.type = GELF_R_TYPE(ra.r_info);
		r.sym = GELF_R_SYM(ra.r_info);
		r.symtab_shndx = sh.sh_link;
		if ((worth_keeping(img, &r) && VEC_PUSH(out, r)) || (patches_code(img, &r) && VEC_PUSH(code, r)))
			err = -ENOMEM;
	}
	elf_image_release(img, bytes, size);
	return err;
}

/* In a .o, a RELA section patches the section named by sh_info; in linked files the dynamic
 * relocations (SHF_ALLOC) patch virtual addresses, and text relocations are both data (as they
 * always were: slots, function addresses) and code. Debug and unwind relocations are not needed. */
static int load_all(const struct elf_image *img, reloc_vec *code, reloc_vec *data,
		    const struct diag *d)
{
	for (size_t i = 1; i < img->nsecs; i++) {
		const struct image_section *s = &img->secs[i];
		GElf_Shdr sh;
		int err = 0;

		if (s->type != SHT_RELA || !gelf_getshdr(s->scn, &sh))
			continue;
		if (img->type != IMAGE_RELOCATABLE) {
			if (s->flags & SHF_ALLOC)
				err = read_section(img, s, 0, data, code, d);
		} else if (sh.sh_info > 0 && sh.sh_info < img->nsecs &&
			   (img->secs[sh.sh_info].flags & SHF_ALLOC)) {
			const struct image_section *t = &img->secs[sh.sh_info];

			err = read_section(img, s, t->addr, (t->flags & SHF_EXECINSTR) ? code : data, code, d);
		}
		if (err)
			return err;
	}
	return 0;
}

int relocs_load(const struct elf_image *img, const struct diag *d, struct relocs **out)
{
	struct relocs *r = calloc(1, sizeof(*r));
	reloc_vec code = { 0 }, data = { 0 };
	int err;

	if (!r)
		return -ENOMEM;
	err = load_all(img, &code, &data, d);
	if (err) {
		VEC_FREE(&code);
		VEC_FREE(&data);
		free(r);
		return err;
	}
	if (code.n > 1)
		qsort(code.v, code.n, sizeof(*code.v), cmp_reloc);
	if (data.n > 1)
		qsort(data.v, data.n, sizeof(*data.v), cmp_reloc);
	r->code = code.v;
	r->ncode = code.n;
	r->data = data.v;
	r->ndata = data.n;
	*out = r;
	return 0;
}

void relocs_free(struct relocs *r)
{
	if (!r)
		return;
	free(r->code);
	free(r->data);
	free(r);
}

static size_t lower_bound(const struct reloc *v, size_t n, uint64_t addr)
{
	return PARTITION_POINT(v, n, r, r->offset < addr);
}

size_t relocs_code_first(const struct relocs *r, uint64_t addr)
{
	return lower_bound(r->code, r->ncode, addr);
}

const struct reloc *relocs_code_in(const struct relocs *r, uint64_t lo, uint64_t hi, size_t *n)
{
	size_t i = lower_bound(r->code, r->ncode, lo), j = i;

	while (j < r->ncode && r->code[j].offset < hi)
		j++;
	*n = j - i;
	return *n ? r->code + i : NULL;   /* no arithmetic on a table that may be NULL */
}

const struct reloc *relocs_data_at(const struct relocs *r, uint64_t addr)
{
	size_t i = lower_bound(r->data, r->ndata, addr);

	return i < r->ndata && r->data[i].offset == addr ? &r->data[i] : NULL;
}

bool relocs_is_copy(const struct relocs *r, uint64_t addr)
{
	const struct reloc *x = relocs_data_at(r, addr);

	return x && x->type == R_X86_64_COPY;
}

const struct sym *relocs_slot_symbol(const struct relocs *r, const struct symbols *syms, uint64_t addr)
{
	const struct reloc *x = relocs_data_at(r, addr);

	if (!x || !x->sym ||
	    (x->type != R_X86_64_GLOB_DAT && x->type != R_X86_64_JUMP_SLOT && x->type != R_X86_64_64))
		return NULL;
	return symbols_by_index(syms, x->symtab_shndx, x->sym);
}

bool relocs_is_self_pointer(const struct relocs *r, uint64_t addr)
{
	const struct reloc *x = relocs_data_at(r, addr);

	return x && x->type == R_X86_64_RELATIVE && (uint64_t)x->addend == addr;
}
