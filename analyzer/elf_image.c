/* ELF image: opening with libelf (libdwfl for .o files, whose DWARF needs relocating) and
 * validation of everything later passes rely on. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "elf_image.h"
#include "vec.h"

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

static int fail(const struct diag *d, const struct elf_image *img, int err, const char *why,
		const char *lib)
{
	if (lib)
		diag_log(d, DIAG_ERROR, "%s: %s (%s)", img->display, why, lib);
	else
		diag_log(d, DIAG_ERROR, "%s: %s", img->display, why);
	return err;
}

static const char *machine_name(int m)
{
	switch (m) {
	case EM_386: return "i386";
	case EM_ARM: return "ARM";
	case EM_AARCH64: return "AArch64";
	case EM_RISCV: return "RISC-V";
	case EM_PPC64: return "PowerPC64";
	case EM_S390: return "s390";
	default: return NULL;
	}
}

/* libelf reads a section or program header table cut off by the end of the file as empty, so
 * the tables' extents are checked here. */
static int check_extents(struct elf_image *img, const struct diag *d, size_t fsize)
{
	const GElf_Ehdr *e = &img->ehdr;
	uint64_t sh_end = e->e_shoff + (uint64_t)e->e_shnum * e->e_shentsize;
	uint64_t ph_end = e->e_phoff + (uint64_t)e->e_phnum * e->e_phentsize;

	if ((e->e_shoff && (sh_end > fsize || e->e_shoff > fsize)) ||
	    (e->e_phoff && (ph_end > fsize || e->e_phoff > fsize)))
		return fail(d, img, -EIO, "truncated or corrupt: its header tables extend beyond the end of the file", NULL);
	if (e->e_shoff && e->e_shentsize != sizeof(Elf64_Shdr))
		return fail(d, img, -EIO, "corrupt: bad section header size", NULL);
	return 0;
}

static int check_header(struct elf_image *img, const struct diag *d, size_t fsize)
{
	char why[96];
	const char *mname;

	if (elf_kind(img->elf) != ELF_K_ELF)
		return fail(d, img, -ENOEXEC, "not an ELF file", NULL);
	if (gelf_getclass(img->elf) != ELFCLASS64)
		return fail(d, img, -ENOEXEC, "unsupported: 32-bit ELF (only x86-64 ELF64 is supported)", NULL);
	if (fsize < sizeof(Elf64_Ehdr))
		return fail(d, img, -EIO, "truncated: shorter than an ELF header", NULL);
	if (elf_getident(img->elf, NULL)[EI_DATA] != ELFDATA2LSB)
		return fail(d, img, -ENOEXEC, "unsupported: big-endian ELF (only x86-64 is supported)", NULL);
	if (!gelf_getehdr(img->elf, &img->ehdr))
		return fail(d, img, -EIO, "corrupt ELF header", elf_errmsg(-1));
	if (img->ehdr.e_machine != EM_X86_64) {
		mname = machine_name(img->ehdr.e_machine);
		if (mname)
			snprintf(why, sizeof(why), "unsupported architecture %s (only x86-64 is supported)", mname);
		else
			snprintf(why, sizeof(why), "unsupported architecture (e_machine %u; only x86-64 is supported)",
				 img->ehdr.e_machine);
		return fail(d, img, -ENOEXEC, why, NULL);
	}
	if (img->ehdr.e_type != ET_REL && img->ehdr.e_type != ET_DYN && img->ehdr.e_type != ET_EXEC)
		return fail(d, img, -ENOEXEC, "unsupported ELF type (core file or unknown)", NULL);
	return check_extents(img, d, fsize);
}

/* Reads DT_FLAGS_1, whether DT_SONAME is present and whether code has text relocations
 * (DT_TEXTREL, or DF_TEXTREL in DT_FLAGS) from the dynamic section. */
static void dynamic_tags(const struct elf_image *img, uint64_t *flags_1, bool *soname, bool *textrel)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	*flags_1 = 0;
	*soname = *textrel = false;
	while ((scn = elf_nextscn(img->elf, scn)) != NULL) {
		Elf_Data *data;
		GElf_Dyn dyn;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !(data = elf_getdata(scn, NULL)))
			continue;
		for (int i = 0; gelf_getdyn(data, i, &dyn) && dyn.d_tag != DT_NULL; i++) {
			if (dyn.d_tag == DT_FLAGS_1)
				*flags_1 = dyn.d_un.d_val;
			else if (dyn.d_tag == DT_SONAME)
				*soname = true;
			else if (dyn.d_tag == DT_TEXTREL || (dyn.d_tag == DT_FLAGS && (dyn.d_un.d_val & DF_TEXTREL)))
				*textrel = true;
		}
	}
}

/* PIE executables are ET_DYN too: DF_1_PIE marks them; without it (older linkers), an
 * interpreter and no soname do (libc.so.6 has an interpreter, being runnable, and a soname).
 * Linked files built from non-PIC code may have text relocations. */
static void detect_type(struct elf_image *img)
{
	size_t nph = 0;
	bool interp = false, soname;
	uint64_t flags_1;
	GElf_Phdr ph;

	img->type = img->ehdr.e_type == ET_REL ? IMAGE_RELOCATABLE :
		    img->ehdr.e_type == ET_EXEC ? IMAGE_EXECUTABLE : IMAGE_SHARED;
	for (size_t i = 0; elf_getphdrnum(img->elf, &nph) == 0 && i < nph; i++) {
		if (!gelf_getphdr(img->elf, (int)i, &ph))
			continue;
		if (ph.p_type == PT_GNU_RELRO) {
			img->relro_lo = ph.p_vaddr;
			img->relro_hi = ph.p_vaddr + ph.p_memsz;
		}
		interp |= ph.p_type == PT_INTERP;
	}
	if (img->type == IMAGE_RELOCATABLE)
		return;
	dynamic_tags(img, &flags_1, &soname, &img->textrel);
	if (img->type == IMAGE_SHARED && ((flags_1 & DF_1_PIE) || (interp && !soname))) {
		img->type = IMAGE_EXECUTABLE;
		img->pie = true;
	}
}

static int load_sections(struct elf_image *img, const struct diag *d, size_t fsize)
{
	size_t shnum, shstr;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (elf_getshdrnum(img->elf, &shnum) || elf_getshdrstrndx(img->elf, &shstr))
		return fail(d, img, -EIO, "corrupt section headers", elf_errmsg(-1));
	img->secs = calloc(shnum ? shnum : 1, sizeof(*img->secs));
	if (!img->secs)
		return -ENOMEM;
	img->nsecs = shnum;
	while ((scn = elf_nextscn(img->elf, scn)) != NULL) {
		size_t i = elf_ndxscn(scn);
		struct image_section *s;
		const char *name;

		if (i >= shnum || !gelf_getshdr(scn, &sh))
			return fail(d, img, -EIO, "corrupt section headers", elf_errmsg(-1));
		if (sh.sh_type != SHT_NOBITS && fsize &&
		    (sh.sh_offset > fsize || sh.sh_size > fsize - sh.sh_offset))
			return fail(d, img, -EIO, "truncated or corrupt: a section extends beyond the end of the file", NULL);
		if ((sh.sh_flags & SHF_ALLOC) && sh.sh_addr + sh.sh_size < sh.sh_addr)
			return fail(d, img, -EIO, "corrupt: a section's address range wraps around", NULL);
		name = elf_strptr(img->elf, shstr, sh.sh_name);
		s = &img->secs[i];
		*s = (struct image_section){ name ? name : "", sh.sh_addr, sh.sh_size, sh.sh_offset,
					     sh.sh_flags, sh.sh_type, scn };
		if (sh.sh_type == SHT_SYMTAB)
			img->has_symtab = true;
	}
	return 0;
}

/* A whole file (not an archive member) is also mapped read-only for section bytes: pages the
 * sweep has decoded can then be given back (elf_image_release), which libelf's own mapping
 * does not promise. Without the mapping, section bytes come from libelf. */
static void map_file(struct elf_image *img, size_t fsize)
{
	void *m;

	if (img->member_elf || !fsize)
		return;
	m = mmap(NULL, fsize, PROT_READ, MAP_PRIVATE, img->fd, 0);
	if (m != MAP_FAILED) {
		img->map = m;
		img->map_size = fsize;
	}
}

static int cmp_sec_addr(const void *a, const void *b, void *ctx)
{
	const struct elf_image *img = ctx;
	uint64_t x = img->secs[*(const size_t *)a].addr, y = img->secs[*(const size_t *)b].addr;

	return x < y ? -1 : x > y;
}

/* Allocated, non-empty sections by address: every reference lookup goes through this index. */
static int index_sections(struct elf_image *img)
{
	img->by_addr = calloc(img->nsecs + 1, sizeof(size_t));
	if (!img->by_addr)
		return -ENOMEM;
	for (size_t i = 1; i < img->nsecs; i++)
		if ((img->secs[i].flags & SHF_ALLOC) && img->secs[i].size)
			img->by_addr[img->nby_addr++] = i;
	qsort_r(img->by_addr, img->nby_addr, sizeof(size_t), cmp_sec_addr, img);
	return 0;
}

static void find_build_id(Elf *elf, char out[41])
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	out[0] = '\0';
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE || !(data = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(data, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 || nh.n_descsz > 20 ||
			    memcmp((char *)data->d_buf + noff, "GNU", 4))
				continue;
			for (size_t i = 0; i < nh.n_descsz; i++)
				snprintf(out + 2 * i, 3, "%02x", ((uint8_t *)data->d_buf)[doff + i]);
			return;
		}
	}
}

static void read_build_id(struct elf_image *img)
{
	find_build_id(img->elf, img->build_id);
}

/* Opens the file at path for one question: fn(elf, ctx) when it is ELF. Returns fn's result,
 * -EIO when it is not ELF, -errno when it cannot be opened. */
static int with_elf(const char *path, int (*fn)(Elf *, void *), void *ctx)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;
	Elf *elf;

	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	ret = elf && elf_kind(elf) == ELF_K_ELF ? fn(elf, ctx) : -EIO;
	elf_end(elf);
	close(fd);
	return ret;
}

static int build_id_of(Elf *elf, void *out)
{
	find_build_id(elf, out);
	return 0;
}

int elf_image_read_build_id(const char *path, char out[41])
{
	out[0] = '\0';
	return with_elf(path, build_id_of, out);
}

/* An executable has no PT_INTERP when the kernel starts it without the loader: ET_EXEC linked
 * -static, or ET_DYN marked DF_1_PIE (-static-pie); a shared library has none either. */
static int starts_without_loader(Elf *elf, void *ctx)
{
	struct elf_image img = { .elf = elf };
	size_t nph = 0;
	uint64_t flags_1;
	bool soname, textrel;
	GElf_Phdr ph;

	(void)ctx;
	if (!gelf_getehdr(elf, &img.ehdr) || (img.ehdr.e_type != ET_EXEC && img.ehdr.e_type != ET_DYN))
		return false;
	for (size_t i = 0; elf_getphdrnum(elf, &nph) == 0 && i < nph; i++)
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_INTERP)
			return false;
	if (img.ehdr.e_type == ET_EXEC)
		return true;
	dynamic_tags(&img, &flags_1, &soname, &textrel);
	return (flags_1 & DF_1_PIE) != 0;
}

int elf_image_is_static_program(const char *path)
{
	return with_elf(path, starts_without_loader, NULL);
}

/* What check_header refuses by class or machine, told apart from what it refuses as corrupt: a
 * header libelf cannot read is not foreign. */
bool elf_image_is_foreign(Elf *elf)
{
	GElf_Ehdr eh;
	int c = gelf_getclass(elf);

	return c == ELFCLASS32 || (c == ELFCLASS64 && gelf_getehdr(elf, &eh) && eh.e_machine != EM_X86_64);
}

static int foreign(Elf *elf, void *ctx)
{
	(void)ctx;
	return elf_image_is_foreign(elf);
}

bool elf_image_is_foreign_file(const char *path)
{
	return with_elf(path, foreign, NULL) == 1;
}

/* libelf calls a file cut inside its ELF header "not ELF" or invalid data; say what it is. */
static bool short_header(const unsigned char *id, ssize_t got, size_t fsize)
{
	if (got < SELFMAG || memcmp(id, ELFMAG, SELFMAG))
		return false;
	if (got < EI_NIDENT)
		return true;
	return id[EI_CLASS] == ELFCLASS64 ? fsize < sizeof(Elf64_Ehdr) : fsize < sizeof(Elf32_Ehdr);
}

static bool short_elf(int fd, size_t fsize)
{
	unsigned char id[EI_NIDENT];

	return short_header(id, pread(fd, id, sizeof(id), 0), fsize);
}

/* The unit's bytes in memory (libelf reads them in place; nothing is written). */
static int open_memory(struct elf_image *img, const struct input_unit *u, const struct diag *d,
		       size_t *fsize)
{
	*fsize = u->size;
	if (short_header(u->data, (ssize_t)(u->size < EI_NIDENT ? u->size : EI_NIDENT), u->size))
		return fail(d, img, -EIO, "truncated: shorter than an ELF header", NULL);
	img->file_elf = elf_memory((char *)u->data, u->size);
	if (!img->file_elf)
		return fail(d, img, -EIO, "cannot read", elf_errmsg(-1));
	img->elf = img->file_elf;
	return 0;
}

static int open_elf(struct elf_image *img, const struct input_unit *u, const struct diag *d,
		    size_t *fsize)
{
	struct stat st;
	Elf_Arhdr *h;

	if (u->data)
		return open_memory(img, u, d, fsize);
	img->fd = open(u->path, O_RDONLY | O_CLOEXEC);
	if (img->fd < 0 || fstat(img->fd, &st) < 0)
		return fail(d, img, -errno, strerror(errno), NULL);
	*fsize = (size_t)st.st_size;
	if (!u->member && short_elf(img->fd, *fsize))
		return fail(d, img, -EIO, "truncated: shorter than an ELF header", NULL);
	img->file_elf = elf_begin(img->fd, ELF_C_READ_MMAP, NULL);
	if (!img->file_elf)
		return fail(d, img, -EIO, "cannot read", elf_errmsg(-1));
	img->elf = img->file_elf;
	if (!u->member)
		return 0;
	if (elf_kind(img->file_elf) != ELF_K_AR || elf_rand(img->file_elf, u->member_off) != u->member_off)
		return fail(d, img, -EIO, "cannot find the archive member", elf_errmsg(-1));
	img->member_elf = elf_begin(img->fd, ELF_C_READ_MMAP, img->file_elf);
	h = img->member_elf ? elf_getarhdr(img->member_elf) : NULL;
	if (!h)
		return fail(d, img, -EIO, "corrupt archive member", elf_errmsg(-1));
	img->elf = img->member_elf;
	*fsize = h->ar_size;
	return 0;
}

/* The .o's bytes for dwfl, which writes its relocations into them: a private (copy-on-write)
 * mapping of the file, so only the pages dwfl changes take memory; a copy if mapping fails. */
static char *dwfl_bytes(struct elf_image *img, const char *raw, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	int64_t base = img->member_elf ? elf_getbase(img->member_elf) : 0;
	size_t delta = base > 0 ? (size_t)base % (size_t)page : 0;
	void *m = base >= 0 ? mmap(NULL, size + delta, PROT_READ | PROT_WRITE, MAP_PRIVATE, img->fd,
				   (off_t)((size_t)base - delta)) : MAP_FAILED;

	if (m != MAP_FAILED) {
		img->dwfl_map = m;
		img->dwfl_map_len = size + delta;
		return (char *)m + delta;
	}
	img->mem_copy = malloc(size);
	return img->mem_copy ? memcpy(img->mem_copy, raw, size) : NULL;
}

/* libdwfl lays out the sections of a .o (sh_addr) and applies relocations to its DWARF. */
static int relocate_with_dwfl(struct elf_image *img, const struct diag *d)
{
	size_t size;
	char *raw = elf_rawfile(img->elf, &size), *bytes;
	GElf_Addr bias;

	if (!raw)
		return fail(d, img, -EIO, "cannot read", elf_errmsg(-1));
	bytes = dwfl_bytes(img, raw, size);
	img->dwfl = dwfl_begin(&offline_callbacks);
	if (!bytes || !img->dwfl)
		return -ENOMEM;
	img->dwfl_mod = dwfl_report_offline_memory(img->dwfl, img->display, img->display, bytes, size);
	if (!img->dwfl_mod || dwfl_report_end(img->dwfl, NULL, NULL) != 0)
		return fail(d, img, -EIO, "corrupt relocatable object", dwfl_errmsg(-1));
	img->dwfl_elf = dwfl_module_getelf(img->dwfl_mod, &bias);
	if (!img->dwfl_elf)
		return fail(d, img, -EIO, "corrupt relocatable object", dwfl_errmsg(-1));
	return 0;
}

/* dwfl's copy of a .o has its sections laid out, but also its own relocations applied and
 * dropped; the analysis reads the original and borrows only the layout. */
static void borrow_layout(struct elf_image *img)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(img->dwfl_elf, scn)) != NULL) {
		size_t i = elf_ndxscn(scn);

		if (i < img->nsecs && gelf_getshdr(scn, &sh))
			img->secs[i].addr = sh.sh_addr;
	}
}

static bool has_section(const struct elf_image *img, const char *name)
{
	for (size_t i = 1; i < img->nsecs; i++)
		if (!strcmp(img->secs[i].name, name))
			return true;
	return false;
}

/* Debug info is optional: a module without it (or with broken DWARF) is still analyzed. */
static void open_dwarf(struct elf_image *img, const struct diag *d)
{
	Dwarf_Addr bias;

	if (!has_section(img, ".debug_info"))
		return;
	if (img->dwfl) {
		img->dwarf = dwfl_module_getdwarf(img->dwfl_mod, &bias);
	} else {
		img->dwarf = dwarf_begin_elf(img->elf, DWARF_C_READ, NULL);
		img->own_dwarf = img->dwarf != NULL;
	}
	if (!img->dwarf)
		diag_log(d, DIAG_WARN, "%s: ignoring unreadable debug info (%s)", img->display,
			 img->dwfl ? dwfl_errmsg(-1) : dwarf_errmsg(-1));
}

int elf_image_open(const struct input_unit *u, const struct diag *d, struct elf_image **out)
{
	struct elf_image *img = calloc(1, sizeof(*img));
	size_t fsize = 0;
	int err;

	if (!img)
		return -ENOMEM;
	img->display = u->display;
	img->fd = -1;
	elf_version(EV_CURRENT);
	err = open_elf(img, u, d, &fsize);
	if (!err)
		err = check_header(img, d, fsize);
	if (!err && img->ehdr.e_type == ET_REL)
		err = relocate_with_dwfl(img, d);
	if (!err)
		err = load_sections(img, d, fsize);
	if (!err)
		map_file(img, fsize);
	if (!err && img->dwfl_elf)
		borrow_layout(img);
	if (!err)
		err = index_sections(img);
	if (err) {
		elf_image_free(img);
		return err;
	}
	detect_type(img);
	read_build_id(img);
	open_dwarf(img, d);
	*out = img;
	return 0;
}

void elf_image_free(struct elf_image *img)
{
	if (!img)
		return;
	if (img->own_dwarf)
		dwarf_end(img->dwarf);
	if (img->dwfl)
		dwfl_end(img->dwfl);
	free(img->mem_copy);
	if (img->dwfl_map)
		munmap(img->dwfl_map, img->dwfl_map_len);
	if (img->map)
		munmap(img->map, img->map_size);
	elf_end(img->member_elf);
	elf_end(img->file_elf);
	if (img->fd >= 0)
		close(img->fd);
	free(img->secs);
	free(img->by_addr);
	free(img);
}

const struct image_section *elf_image_section_at(const struct elf_image *img, uint64_t addr)
{
	size_t lo = PARTITION_POINT(img->by_addr, img->nby_addr, i, img->secs[*i].addr <= addr);
	const struct image_section *s;

	if (!lo)
		return NULL;
	s = &img->secs[img->by_addr[lo - 1]];
	return addr - s->addr < s->size ? s : NULL;
}

const uint8_t *elf_image_section_bytes(const struct elf_image *img, size_t idx, size_t *size)
{
	Elf_Data *data;

	*size = 0;
	if (idx == 0 || idx >= img->nsecs || img->secs[idx].type == SHT_NOBITS)
		return NULL;
	if (img->map) {
		*size = img->secs[idx].size;
		return img->map + img->secs[idx].offset;
	}
	data = elf_rawdata(img->secs[idx].scn, NULL);
	if (!data || !data->d_buf)
		return NULL;
	*size = data->d_size;
	return data->d_buf;
}

/* The kernel maps file pages around a faulting one (fault-around, 64 KiB): they are given
 * back with the range, or the pages next to each decoded function would stay. */
#define RELEASE_WINDOW ((uintptr_t)65536)

void elf_image_release(const struct elf_image *img, const uint8_t *p, size_t n)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start = (uintptr_t)img->map, end, lo, hi;

	if (!img->map || p < img->map || n > img->map_size || p - img->map > (ptrdiff_t)(img->map_size - n))
		return;
	end = (start + img->map_size + page - 1) & ~(page - 1);
	lo = (uintptr_t)p & ~(RELEASE_WINDOW - 1);
	hi = ((uintptr_t)p + n + RELEASE_WINDOW - 1) & ~(RELEASE_WINDOW - 1);
	lo = lo < start ? start : lo;
	hi = hi > end ? end : hi;
	if (lo < hi)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

const char *elf_image_type_name(enum image_type t)
{
	static const char *const names[] = { "relocatable", "shared", "executable" };

	return names[t];
}

bool elf_image_is_init_array(const char *secname)
{
	static const char *const names[] = { ".init_array", ".fini_array", ".preinit_array", ".ctors", ".dtors" };

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		size_t len = strlen(names[i]);

		if (!strncmp(secname, names[i], len) && (secname[len] == '\0' || secname[len] == '.'))
			return true;
	}
	return false;
}

bool elf_image_is_got(const struct elf_image *img, uint64_t addr)
{
	const struct image_section *s = elf_image_section_at(img, addr);

	return s && !strncmp(s->name, ".got", 4);
}
