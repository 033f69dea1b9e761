/* Functions: builds the function table and marks the loader-run entry points. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "functions.h"

typedef VEC(uint64_t) addr_vec;

/* C runtime and compiler support code linked into every module. It compares addresses of
 * zero-size markers (__TMC_END__) that can coincide with the first real object of a section. */
static const char *const runtime_functions[] = {
	"deregister_tm_clones", "register_tm_clones", "__do_global_dtors_aux", "frame_dummy", "_start",
	"_init", "_fini", "__libc_csu_init", "__libc_csu_fini", "_dl_relocate_static_pie",
};

static bool is_runtime(const char *name)
{
	for (size_t i = 0; name && i < sizeof(runtime_functions) / sizeof(*runtime_functions); i++)
		if (!strcmp(name, runtime_functions[i]))
			return true;
	return false;
}

static bool is_code_addr(const struct elf_image *img, uint64_t addr)
{
	const struct image_section *s = elf_image_section_at(img, addr);

	return s && (s->flags & SHF_EXECINSTR) && strncmp(s->name, ".plt", 4);
}

/* The code address an init/fini array slot holds: from its relocation, else its contents. */
static uint64_t slot_target(const struct elf_image *img, const struct symbols *syms,
			    const struct relocs *relocs, size_t sec, uint64_t slot)
{
	const struct reloc *r = relocs_data_at(relocs, slot);
	const struct sym *y;
	size_t size;
	const uint8_t *bytes;
	uint64_t v;

	if (r && r->type == R_X86_64_RELATIVE)
		return (uint64_t)r->addend;
	if (r && r->type == R_X86_64_64 && (y = symbols_by_index(syms, r->symtab_shndx, r->sym)))
		return y->addr + (uint64_t)r->addend;
	bytes = elf_image_section_bytes(img, sec, &size);
	if (!bytes || slot - img->secs[sec].addr + 8 > size)
		return 0;
	memcpy(&v, bytes + (slot - img->secs[sec].addr), 8);
	return v;
}

static int collect_init_entries(const struct elf_image *img, const struct symbols *syms,
				const struct relocs *relocs, addr_vec *out)
{
	for (size_t i = 1; i < img->nsecs; i++) {
		const struct image_section *s = &img->secs[i];

		if (!(s->flags & SHF_ALLOC))
			continue;
		if (!strcmp(s->name, ".init") || !strcmp(s->name, ".fini")) {
			if (VEC_PUSH(out, s->addr))
				return -ENOMEM;
			continue;
		}
		if (!elf_image_is_init_array(s->name))
			continue;
		for (uint64_t off = 0; off + 8 <= s->size; off += 8) {
			uint64_t t = slot_target(img, syms, relocs, i, s->addr + off);

			if (is_code_addr(img, t) && VEC_PUSH(out, t))
				return -ENOMEM;
		}
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void sort_unique(addr_vec *v)
{
	size_t w = 0;

	VEC_SORT(v, cmp_u64);
	for (size_t i = 0; i < v->n; i++)
		if (!w || v->v[w - 1] != v->v[i])
			v->v[w++] = v->v[i];
	v->n = w;
}

static bool contains(const addr_vec *v, uint64_t a)
{
	/* An empty vector may have no storage, which bsearch must not see. */
	return v->n && bsearch(&a, v->v, v->n, sizeof(*v->v), cmp_u64) != NULL;
}

struct range {
	uint64_t lo, hi;
};

typedef VEC(struct range) range_vec;

/* The unwind (CFI) range covering addr, from .eh_frame through libdw. */
static bool cfi_range(Dwarf_CFI *cfi, uint64_t addr, struct range *r)
{
	Dwarf_Frame *fr;
	Dwarf_Addr lo, hi;
	bool ok;

	if (dwarf_cfi_addrframe(cfi, addr, &fr) != 0)
		return false;
	ok = dwarf_frame_info(fr, &lo, &hi, NULL) >= 0 && hi > addr && lo <= addr;
	free(fr);
	r->lo = lo;
	r->hi = hi;
	return ok;
}

struct cfi_walk {
	Dwarf_CFI *cfi;
};

static bool probe(struct cfi_walk *w, uint64_t addr, struct range *r)
{
	return cfi_range(w->cfi, addr, r);
}

/* Follows unwind ranges end to end through a code section (functions are contiguous but for
 * alignment padding); where the chain breaks, resumes at the next known start. */
static int walk_section_cfi(struct cfi_walk *w, const struct image_section *s, const addr_vec *cands,
			    range_vec *out)
{
	uint64_t addr = s->addr, hi = s->addr + s->size;
	size_t ci = 0;
	struct range r;

	while (addr < hi) {
		uint64_t a16 = (addr + 15) & ~(uint64_t)15;

		if ((probe(w, addr, &r) && r.lo >= s->addr) ||
		    (a16 > addr && a16 < hi && probe(w, a16, &r) && r.lo == a16)) {
			if (VEC_PUSH(out, r))
				return -ENOMEM;
			addr = r.hi;
			continue;
		}
		while (ci < cands->n && cands->v[ci] <= addr)
			ci++;
		if (ci == cands->n)
			break;
		addr = cands->v[ci];
	}
	return 0;
}

/* A bitmap over the code range sorts and deduplicates the (many) call targets in linear time;
 * a range far wider than the targets (sections scattered over the address space, as in corrupt
 * files) would cost more to scan than sorting them. */
static int sort_unique_code(const struct elf_image *img, addr_vec *c)
{
	uint64_t lo = UINT64_MAX, hi = 0, *bits;
	size_t n = 0;

	for (size_t i = 1; i < img->nsecs; i++)
		if ((img->secs[i].flags & SHF_EXECINSTR) && img->secs[i].size) {
			lo = img->secs[i].addr < lo ? img->secs[i].addr : lo;
			hi = img->secs[i].addr + img->secs[i].size > hi ? img->secs[i].addr + img->secs[i].size : hi;
		}
	if (lo >= hi || (hi - lo) / 64 > 16 * (uint64_t)c->n + 65536 ||
	    !(bits = calloc((hi - lo) / 64 + 1, 8))) {
		sort_unique(c);
		return 0;
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i] >= lo && c->v[i] < hi)
			bits[(c->v[i] - lo) / 64] |= 1ULL << ((c->v[i] - lo) % 64);
	for (uint64_t w = 0; w <= (hi - lo) / 64; w++)
		for (uint64_t b = bits[w]; b; b &= b - 1)
			c->v[n++] = lo + w * 64 + (uint64_t)__builtin_ctzll(b);
	c->n = n;
	free(bits);
	return 0;
}

/* Starts known for certain: symbols, the loader's entry points (unwind table starts are added
 * by the caller). */
static int collect_anchors(const struct elf_image *img, const struct symbols *syms, const addr_vec *init,
			   addr_vec *c)
{
	for (size_t i = 0; i < syms->nfuncs; i++)
		if (VEC_PUSH(c, syms->funcs[i]->addr))
			return -ENOMEM;
	for (size_t i = 0; i < init->n; i++)
		if (VEC_PUSH(c, init->v[i]))
			return -ENOMEM;
	if (is_code_addr(img, img->ehdr.e_entry) && VEC_PUSH(c, img->ehdr.e_entry))
		return -ENOMEM;
	return 0;
}

static int collect_calls(const struct elf_image *img, const struct xref_set *xrefs, addr_vec *c)
{
	struct xref_iter it = { .set = xrefs };
	const struct xref *x;

	while ((x = xref_next(&it)) != NULL) {
		if ((x->flags & (XREF_SYMBOL | XREF_INDIRECT)) || x->kind == XREF_JUMP || !is_code_addr(img, x->to))
			continue;
		if (VEC_PUSH(c, x->to))
			return -ENOMEM;
	}
	return sort_unique_code(img, c);
}

/* The last of the ranges (sorted by start) starting at or before a, or NULL. */
static const struct range *range_before(const range_vec *ranges, uint64_t a)
{
	size_t lo = 0, hi = ranges->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ranges->v[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &ranges->v[lo - 1] : NULL;
}

static uint64_t fde_end(const struct elf_image *img, uint64_t fde, uint64_t start);

/* Whether a lies inside an unwind range, past its start: from the FDE the unwinders' table
 * (fdes: start, FDE address) names, read only for such a question (reading them all would bring
 * the whole .eh_frame into memory), else from libdw, opened on first need (*cfi). */
static bool inside_range(const struct elf_image *img, Dwarf_CFI **cfi, const range_vec *fdes, uint64_t a)
{
	const struct range *t = fdes->n ? range_before(fdes, a) : NULL;
	uint64_t end = t ? fde_end(img, t->hi, t->lo) : 0;
	struct range r;

	if (end)
		return t->lo < a && a < end;
	if (fdes->n && !t)
		return false;
	if (!*cfi)
		*cfi = dwarf_getcfi_elf(img->elf);
	return *cfi && cfi_range(*cfi, t ? t->lo : a, &r) && r.lo < a && a < r.hi;
}

/* A call target inside an unwind range, other than at its start, is no function start: bytes
 * the sweep decoded out of step, or a local label. Kept, it would cut the real function short,
 * and the runtime guard would patch the middle of an instruction. libdw's CFI is opened only
 * when a target needs the check, and closed after: its caches cost megabytes in big modules. */
static void drop_inner_calls(const struct elf_image *img, const addr_vec *anchors, const range_vec *fdes,
			     addr_vec *calls)
{
	Dwarf_CFI *cfi = NULL;
	size_t w = 0;

	for (size_t i = 0; i < calls->n; i++) {
		uint64_t a = calls->v[i];

		if (!contains(anchors, a) && inside_range(img, &cfi, fdes, a))
			continue;
		calls->v[w++] = a;
	}
	calls->n = w;
	if (cfi)
		dwarf_cfi_end(cfi);
}

/* anchors: sorted starts known for certain; calls: call targets; out: both, sorted. */
static int collect_candidates(const struct elf_image *img, const struct xref_set *xrefs,
			      const addr_vec *anchors, const range_vec *fdes, addr_vec *out)
{
	addr_vec calls = { 0 };
	int err = collect_calls(img, xrefs, &calls);

	if (!err)
		drop_inner_calls(img, anchors, fdes, &calls);
	for (size_t i = 0; !err && i < anchors->n; i++)
		err = VEC_PUSH(out, anchors->v[i]) ? -ENOMEM : 0;
	for (size_t i = 0; !err && i < calls.n; i++)
		err = VEC_PUSH(out, calls.v[i]) ? -ENOMEM : 0;
	VEC_FREE(&calls);
	return err ? err : sort_unique_code(img, out);
}

static int push_function(struct function_table *t, const struct symbols *syms, uint64_t lo, uint64_t hi,
			 bool anchored)
{
	const struct sym *y = symbols_func_start(syms, lo);
	struct function f = { y ? y->name : NULL, lo, hi, y && y->exported, false, false, anchored };

	return VEC_PUSH(&t->v, f) ? -ENOMEM : 0;
}

/* The unwinders' lookup table in .eh_frame_hdr lists the start of every function that has an
 * FDE, sorted. libdw has no call that lists FDE ranges (probing each function with
 * dwarf_cfi_addrframe costs microseconds and cache memory apiece), so the table is read directly
 * when it has the layout every x86-64 toolchain emits: version 1, a 4-byte count, and pairs of
 * 4-byte offsets from the header. Returns 1 when the starts were added, 0 to fall back to
 * probing, -ENOMEM. */
/* The end of the FDE at fde, read where its initial location reads back as start (the table's
 * entry) in the encoding every x86-64 toolchain uses: pc-relative 4 bytes, then a 4-byte length.
 * 0 otherwise, and libdw decides. (libdw answers too, but its first lookup in a big module costs
 * more memory than the whole table.) */
static uint64_t fde_end(const struct elf_image *img, uint64_t fde, uint64_t start)
{
	const struct image_section *s = elf_image_section_at(img, fde);
	size_t size = 0;
	const uint8_t *p = s ? elf_image_section_bytes(img, (size_t)(s - img->secs), &size) : NULL;
	uint32_t len, id, range;
	int32_t rel;

	if (!p || fde - s->addr + 16 > size)
		return 0;
	p += fde - s->addr;
	memcpy(&len, p, 4);
	memcpy(&id, p + 4, 4);
	memcpy(&rel, p + 8, 4);
	memcpy(&range, p + 12, 4);
	if (len < 12 || len == 0xffffffff || !id || fde + 8 + (uint64_t)(int64_t)rel != start)
		return 0;
	return start + range;
}

/* Adds the function starts the table lists to out, and (start, FDE address) pairs to fdes. */
static int unwind_table_starts(const struct elf_image *img, addr_vec *out, range_vec *fdes)
{
	enum { PE_UDATA4 = 0x03, PE_SDATA4 = 0x0b, PE_PCREL = 0x10, PE_DATAREL = 0x30 };
	const struct image_section *s = NULL;
	const uint8_t *p;
	size_t size = 0, idx = 0;
	uint32_t count;

	for (size_t i = 1; i < img->nsecs && !s; i++)
		if (!strcmp(img->secs[i].name, ".eh_frame_hdr"))
			s = &img->secs[idx = i];
	p = s ? elf_image_section_bytes(img, idx, &size) : NULL;
	if (!p || size < 12 || p[0] != 1 || p[1] != (PE_PCREL | PE_SDATA4) || p[2] != PE_UDATA4 ||
	    p[3] != (PE_DATAREL | PE_SDATA4))
		return 0;
	memcpy(&count, p + 8, 4);
	if (count > (size - 12) / 8)
		return 0;
	for (uint32_t i = 0; i < count; i++) {
		int32_t rel[2];
		struct range r;

		memcpy(rel, p + 12 + 8 * (size_t)i, 8);
		r.lo = s->addr + (uint64_t)(int64_t)rel[0];
		r.hi = s->addr + (uint64_t)(int64_t)rel[1];   /* here: the FDE's address */
		if (!is_code_addr(img, r.lo))
			continue;
		if (VEC_PUSH(out, r.lo) || VEC_PUSH(fdes, r))
			return -ENOMEM;
	}
	return 1;
}

/* Functions from the candidate starts and the unwind ranges, both sorted. */
static int push_all(struct function_table *t, const struct symbols *syms, const addr_vec *cands,
		    const addr_vec *anchors, const range_vec *ranges)
{
	int err = 0;

	for (size_t i = 0, k = 0; !err && (i < cands->n || k < ranges->n);) {
		if (k < ranges->n && (i == cands->n || ranges->v[k].lo <= cands->v[i])) {
			err = push_function(t, syms, ranges->v[k].lo, ranges->v[k].hi, true);
			while (i < cands->n && cands->v[i] == ranges->v[k].lo)
				i++;
			k++;
		} else {
			err = push_function(t, syms, cands->v[i], 0, contains(anchors, cands->v[i]));
			i++;
		}
	}
	return err;
}

/* Stripped modules: starts from every clue, extents from unwind info where it has them. */
static int discover(const struct elf_image *img, const struct symbols *syms,
		    const struct xref_set *xrefs, const addr_vec *init, struct function_table *t)
{
	addr_vec anchors = { 0 }, cands = { 0 };
	range_vec ranges = { 0 }, fdes = { 0 };
	struct cfi_walk w = { NULL };
	int err = collect_anchors(img, syms, init, &anchors);
	int table = err ? 0 : unwind_table_starts(img, &anchors, &fdes);

	if (table < 0)
		err = table;
	else if (table == 0)
		w.cfi = dwarf_getcfi_elf(img->elf);
	if (!err)
		err = sort_unique_code(img, &anchors);
	if (!err)
		err = collect_candidates(img, xrefs, &anchors, &fdes, &cands);
	for (size_t i = 1; !err && !table && w.cfi && i < img->nsecs; i++)
		if (is_code_addr(img, img->secs[i].addr) && img->secs[i].type == SHT_PROGBITS)
			err = walk_section_cfi(&w, &img->secs[i], &cands, &ranges);
	if (!err)
		err = push_all(t, syms, &cands, &anchors, &ranges);
	if (w.cfi)
		dwarf_cfi_end(w.cfi);
	VEC_FREE(&anchors);
	VEC_FREE(&fdes);
	VEC_FREE(&cands);
	VEC_FREE(&ranges);
	return err;
}

static int from_symbols(const struct symbols *syms, struct function_table *t)
{
	for (size_t i = 0; i < syms->nfuncs; i++) {
		const struct sym *y = syms->funcs[i];
		struct function f = { y->name, y->addr, y->size ? y->addr + y->size : 0, y->exported, false, false,
				      true };

		if (VEC_PUSH(&t->v, f))
			return -ENOMEM;
	}
	return 0;
}

static int cmp_func(const void *a, const void *b)
{
	const struct function *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Unknown or overlapping extents end where the next function (or the section) begins. */
static void fix_extents(const struct elf_image *img, struct function_table *t)
{
	VEC_SORT(&t->v, cmp_func);
	for (size_t i = 0; i < t->v.n; i++) {
		struct function *f = &t->v.v[i];
		const struct image_section *s = elf_image_section_at(img, f->addr);
		uint64_t limit = s ? s->addr + s->size : f->addr + 1;

		if (i + 1 < t->v.n && t->v.v[i + 1].addr < limit)
			limit = t->v.v[i + 1].addr;
		if (!f->end || f->end > limit || f->end <= f->addr)
			f->end = limit > f->addr ? limit : f->addr + 1;
	}
}

int functions_build(const struct elf_image *img, const struct symbols *syms,
		    const struct relocs *relocs, const struct xref_set *xrefs,
		    struct function_table **out)
{
	struct function_table *t = calloc(1, sizeof(*t));
	addr_vec init = { 0 };
	int err = t ? collect_init_entries(img, syms, relocs, &init) : -ENOMEM;

	if (!err) {
		sort_unique(&init);
		err = img->has_symtab ? from_symbols(syms, t) : discover(img, syms, xrefs, &init, t);
	}
	if (!err) {
		fix_extents(img, t);
		for (size_t i = 0; i < t->v.n; i++) {
			t->v.v[i].init_root = contains(&init, t->v.v[i].addr);
			t->v.v[i].runtime = is_runtime(t->v.v[i].name);
		}
	}
	VEC_FREE(&init);
	if (err) {
		functions_free(t);
		return err;
	}
	*out = t;
	return 0;
}

void functions_free(struct function_table *t)
{
	if (!t)
		return;
	VEC_FREE(&t->v);
	free(t);
}

long functions_find(const struct function_table *t, uint64_t addr)
{
	size_t lo = PARTITION_POINT(t->v.v, t->v.n, f, f->addr <= addr);

	return lo && addr < t->v.v[lo - 1].end ? (long)lo - 1 : -1;
}
