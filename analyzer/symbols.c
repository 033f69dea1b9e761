/* Symbols: reads the ELF symbol tables with libelf and indexes functions and objects. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libiberty/demangle.h>
#include "symbols.h"
#include "vec.h"

/* The SHT_SYMTAB_SHNDX section of the symbol table at index table: the section indexes of
 * symbols whose st_shndx is SHN_XINDEX (objects with 0xff00 sections or more). NULL: none. */
static Elf_Data *xindex_data(const struct elf_image *img, size_t table)
{
	for (size_t i = 1; i < img->nsecs; i++) {
		GElf_Shdr sh;

		if (img->secs[i].type == SHT_SYMTAB_SHNDX && gelf_getshdr(img->secs[i].scn, &sh) &&
		    sh.sh_link == table)
			return elf_getdata(img->secs[i].scn, NULL);
	}
	return NULL;
}

/* The symbol's section index, read from the extended table when st_shndx says so; SHN_UNDEF
 * when that table lacks it. */
static uint32_t section_index(const GElf_Sym *es, Elf_Data *data, Elf_Data *xdata, size_t k)
{
	GElf_Sym unused;
	Elf32_Word x = 0;

	if (es->st_shndx != SHN_XINDEX)
		return es->st_shndx;
	if (!xdata || !gelf_getsymshndx(data, xdata, (int)k, &unused, &x))
		return SHN_UNDEF;
	return x;
}

static int load_table(const struct elf_image *img, uint32_t type, struct sym_table *t,
		      const struct diag *d)
{
	for (size_t i = 1; i < img->nsecs; i++) {
		const struct image_section *s = &img->secs[i];
		Elf_Data *data, *xdata;
		GElf_Shdr sh;

		if (s->type != type)
			continue;
		data = elf_getdata(s->scn, NULL);
		if (!data || !gelf_getshdr(s->scn, &sh) || sh.sh_entsize != sizeof(Elf64_Sym)) {
			diag_log(d, DIAG_ERROR, "%s: corrupt symbol table %s", img->display, s->name);
			return -EIO;
		}
		t->n = data->d_size / sizeof(Elf64_Sym);
		t->shndx = i;
		t->v = calloc(t->n ? t->n : 1, sizeof(*t->v));
		if (!t->v)
			return -ENOMEM;
		xdata = xindex_data(img, i);
		for (size_t k = 0; k < t->n; k++) {
			GElf_Sym es;
			struct sym *y = &t->v[k];
			const char *name;

			y->name = "";   /* an unreadable entry is a nameless undefined symbol */
			if (!gelf_getsym(data, (int)k, &es))
				continue;
			name = elf_strptr(img->elf, sh.sh_link, es.st_name);
			y->name = name ? name : "";
			y->size = es.st_size;
			y->shndx = section_index(&es, data, xdata, k);
			y->bind = GELF_ST_BIND(es.st_info);
			y->type = GELF_ST_TYPE(es.st_info);
			y->vis = GELF_ST_VISIBILITY(es.st_other);
			y->addr = es.st_value;
			/* .o symbols are section-relative; the image lays sections out at sh_addr. */
			if (img->type == IMAGE_RELOCATABLE && y->shndx != SHN_COMMON && y->shndx != SHN_ABS &&
			    y->shndx != SHN_UNDEF && y->shndx < img->nsecs)
				y->addr += img->secs[y->shndx].addr;
		}
		return 0;
	}
	return 0;
}

/* COMMON symbols have no address in a .o (st_value is their alignment). They are laid out after
 * the last section, as the linker would in .bss, so references resolve by address like others. */
static void layout_common(const struct elf_image *img, struct sym_table *t)
{
	uint64_t end = 0;

	for (size_t i = 1; i < img->nsecs; i++)
		if ((img->secs[i].flags & SHF_ALLOC) && img->secs[i].addr + img->secs[i].size > end)
			end = img->secs[i].addr + img->secs[i].size;
	end = (end + 63) & ~(uint64_t)63;
	for (size_t i = 1; i < t->n; i++) {
		struct sym *y = &t->v[i];
		uint64_t align = y->addr && y->addr <= 4096 ? y->addr : 1;

		if (y->shndx != SHN_COMMON)
			continue;
		end = (end + align - 1) & ~(align - 1);
		y->addr = end;
		end += y->size ? y->size : 1;
	}
}

static bool is_defined(const struct elf_image *img, const struct sym *y)
{
	return y->shndx != SHN_UNDEF && y->shndx != SHN_ABS &&
	       (y->shndx == SHN_COMMON || y->shndx < img->nsecs);
}

static bool is_code(const struct elf_image *img, const struct sym *y)
{
	return (y->type == STT_FUNC || y->type == STT_GNU_IFUNC) && is_defined(img, y) &&
	       y->shndx != SHN_COMMON && (img->secs[y->shndx].flags & SHF_EXECINSTR);
}

static bool is_data(const struct elf_image *img, const struct sym *y)
{
	return (y->type == STT_OBJECT || y->type == STT_TLS || y->type == STT_COMMON ||
		y->shndx == SHN_COMMON) && is_defined(img, y);
}

/* Among aliases at one address, the global name is the one users know. */
static int rank(const struct sym *y)
{
	int r = y->bind == STB_GLOBAL ? 0 : y->bind == STB_WEAK ? 1 : 2;

	return r * 2 + (y->name[0] == '_');
}

static int cmp_addr(const void *a, const void *b)
{
	const struct sym *x = *(const struct sym *const *)a, *y = *(const struct sym *const *)b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (rank(x) != rank(y))
		return rank(x) - rank(y);
	return strcmp(x->name, y->name);
}

static int collect(const struct elf_image *img, const struct sym_table *t,
		   bool (*want)(const struct elf_image *, const struct sym *), struct sym ***out,
		   size_t *nout)
{
	size_t n = 0;

	*out = calloc(t->n ? t->n : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 1; i < t->n; i++)
		if (want(img, &t->v[i]) && t->v[i].name[0])
			(*out)[n++] = &t->v[i];
	qsort(*out, n, sizeof(**out), cmp_addr);
	*nout = n;
	return 0;
}

/* Keeps one function per address; an alias with a size lends it to a sizeless first choice. */
static void dedupe_funcs(struct symbols *s)
{
	size_t w = 0;

	for (size_t i = 0; i < s->nfuncs; i++) {
		if (w && s->funcs[w - 1]->addr == s->funcs[i]->addr) {
			if (!s->funcs[w - 1]->size)
				s->funcs[w - 1]->size = s->funcs[i]->size;
			s->funcs[w - 1]->exported |= s->funcs[i]->exported;
			continue;
		}
		s->funcs[w++] = s->funcs[i];
	}
	s->nfuncs = w;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A function is exported when other modules can call it: its address is in .dynsym (linked
 * files), or it is global (.o files, which the linker may join with others). */
static int mark_exported(const struct elf_image *img, struct symbols *s)
{
	uint64_t *addrs;
	size_t n = 0;

	for (size_t i = 1; i < s->symtab.n; i++)
		if (img->type == IMAGE_RELOCATABLE)
			s->symtab.v[i].exported = s->symtab.v[i].bind != STB_LOCAL;
	addrs = calloc(s->dynsym.n ? s->dynsym.n : 1, sizeof(*addrs));
	if (!addrs)
		return -ENOMEM;
	for (size_t i = 1; i < s->dynsym.n; i++) {
		struct sym *y = &s->dynsym.v[i];

		y->exported = is_defined(img, y);
		if (y->exported && is_code(img, y))
			addrs[n++] = y->addr;
	}
	qsort(addrs, n, sizeof(*addrs), cmp_u64);
	for (size_t i = 1; i < s->symtab.n && img->type != IMAGE_RELOCATABLE; i++) {
		struct sym *y = &s->symtab.v[i];

		if (is_code(img, y))
			y->exported = bsearch(&y->addr, addrs, n, sizeof(*addrs), cmp_u64) != NULL;
	}
	free(addrs);
	return 0;
}

int symbols_load(const struct elf_image *img, const struct diag *d, struct symbols **out)
{
	struct symbols *s = calloc(1, sizeof(*s));
	const struct sym_table *primary;
	int err;

	if (!s)
		return -ENOMEM;
	err = load_table(img, SHT_SYMTAB, &s->symtab, d);
	if (!err)
		err = load_table(img, SHT_DYNSYM, &s->dynsym, d);
	if (!err)
		err = mark_exported(img, s);
	if (!err && img->type == IMAGE_RELOCATABLE)
		layout_common(img, &s->symtab);
	primary = s->symtab.n ? &s->symtab : &s->dynsym;
	if (!err)
		err = collect(img, primary, is_code, &s->funcs, &s->nfuncs);
	if (!err)
		err = collect(img, primary, is_data, &s->objects, &s->nobjects);
	if (err) {
		symbols_free(s);
		return err;
	}
	dedupe_funcs(s);
	*out = s;
	return 0;
}

void symbols_free(struct symbols *s)
{
	if (!s)
		return;
	free(s->symtab.v);
	free(s->dynsym.v);
	free(s->funcs);
	free(s->objects);
	free(s);
}

const struct sym *symbols_by_index(const struct symbols *s, size_t table_shndx, size_t idx)
{
	const struct sym_table *t = table_shndx == s->symtab.shndx && s->symtab.n ? &s->symtab :
				    table_shndx == s->dynsym.shndx && s->dynsym.n ? &s->dynsym : NULL;

	return t && idx < t->n ? &t->v[idx] : NULL;
}

/* Index of the last entry whose address is <= addr, or -1. */
static long last_at_or_before(struct sym *const *v, size_t n, uint64_t addr)
{
	return (long)PARTITION_POINT(v, n, e, (*e)->addr <= addr) - 1;
}

static const struct sym *containing(struct sym *const *v, size_t n, uint64_t addr)
{
	/* Objects may nest (an alias inside a larger object), so look back a little. */
	for (long i = last_at_or_before(v, n, addr), k = 0; i >= 0 && k < 4; i--, k++) {
		const struct sym *y = v[i];

		if (addr == y->addr || addr - y->addr < y->size)
			return y;
	}
	return NULL;
}

const struct sym *symbols_func_at(const struct symbols *s, uint64_t addr)
{
	return containing(s->funcs, s->nfuncs, addr);
}

const struct sym *symbols_func_start(const struct symbols *s, uint64_t addr)
{
	long i = last_at_or_before(s->funcs, s->nfuncs, addr);

	return i >= 0 && s->funcs[i]->addr == addr ? s->funcs[i] : NULL;
}

const struct sym *symbols_object_at(const struct symbols *s, uint64_t addr)
{
	return containing(s->objects, s->nobjects, addr);
}

char *symbols_demangle(const char *name)
{
	size_t len = strcspn(name, "@");
	char *plain = strndup(name, len), *dm;

	/* C++ and legacy Rust (_ZN...17h<hash>E) start with _Z, Rust v0 with _R; libiberty's
	 * automatic style tells them apart (and drops the legacy hash). */
	if (!plain || (strncmp(plain, "_Z", 2) && strncmp(plain, "_R", 2)))
		return plain;
	dm = cplus_demangle(plain, DMGL_PARAMS | DMGL_ANSI);
	if (!dm)
		return plain;
	free(plain);
	return dm;
}
