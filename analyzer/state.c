/* State: decides for each data object whether it is thread-hostile state, and names it. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "owners.h"
#include "state.h"
#include "vec.h"

/* Writable sections that hold no program state of their own (besides the init arrays). */
static const char *const plumbing_sections[] = {
	".got", ".got.plt", ".dynamic", ".tm_clone_table", ".jcr",
};

/* Objects the compiler, linker and C runtime create in every module. */
static const char *const noise_names[] = {
	"__dso_handle", "__TMC_END__", "__TMC_LIST__", "_GLOBAL_OFFSET_TABLE_", "_DYNAMIC",
	"__frame_dummy_init_array_entry", "__do_global_dtors_aux_fini_array_entry",
	"__init_array_start", "__init_array_end", "__fini_array_start", "__fini_array_end",
	"__data_start", "data_start", "__bss_start", "_edata", "_end", "__abi_tag", "_IO_stdin_used",
};
static const char *const noise_prefixes[] = {
	"completed.", "DW.ref.", "__func__.", "__PRETTY_FUNCTION__.", "__FUNCTION__.", ".annobin",
	"__gcov",
};

static bool starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool is_noise(const char *name)
{
	for (size_t i = 0; i < sizeof(noise_names) / sizeof(*noise_names); i++)
		if (!strcmp(name, noise_names[i]))
			return true;
	for (size_t i = 0; i < sizeof(noise_prefixes) / sizeof(*noise_prefixes); i++)
		if (starts_with(name, noise_prefixes[i]))
			return true;
	return false;
}

static bool is_plumbing(const char *sec)
{
	if (elf_image_is_init_array(sec))
		return true;
	for (size_t i = 0; i < sizeof(plumbing_sections) / sizeof(*plumbing_sections); i++) {
		size_t len = strlen(plumbing_sections[i]);

		/* .init_array.00101 and friends carry priorities in their names. */
		if (!strncmp(sec, plumbing_sections[i], len) && (sec[len] == '\0' || sec[len] == '.'))
			return true;
	}
	return false;
}

/* Why a writable-looking section does not hold mutable state; NULL if it does. */
static const char *section_reason(const struct elf_image *img, const struct image_section *s,
				  uint64_t addr)
{
	if (s->flags & SHF_TLS)
		return "thread-local";
	if (!(s->flags & SHF_WRITE) || !(s->flags & SHF_ALLOC))
		return "read-only";
	if (starts_with(s->name, ".data.rel.ro") || (addr >= img->relro_lo && addr < img->relro_hi))
		return "relro";
	if (is_plumbing(s->name))
		return "not a data section";
	return NULL;
}

bool state_is_mutable_addr(const struct elf_image *img, const struct relocs *relocs, uint64_t addr)
{
	const struct image_section *s = elf_image_section_at(img, addr);

	return s && !(s->flags & SHF_EXECINSTR) && !section_reason(img, s, addr) &&
	       !relocs_is_copy(relocs, addr) && !relocs_is_self_pointer(relocs, addr);
}

static const char *ignore_reason(const struct elf_image *img, const struct relocs *relocs,
				 const struct debuginfo *dbg, const struct sym *y)
{
	const struct dbg_var *dv;
	const char *why;

	if (y->type == STT_TLS)
		return "thread-local";
	if (is_noise(y->name))
		return "compiler/CRT";
	if (starts_with(y->name, "_ZGV"))
		return "C++ guard variable";
	if (y->shndx != SHN_COMMON && (why = section_reason(img, &img->secs[y->shndx], y->addr)))
		return why;
	if (relocs_is_copy(relocs, y->addr))
		return "imported (copy relocation)";
	dv = debuginfo_var_at(dbg, y->addr);
	if (dv && dv->is_const)
		return "const";
	return NULL;
}

/* GCC names a function-local static "name.N". */
static bool is_gcc_local(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot || dot == name || !dot[1])
		return false;
	for (const char *p = dot + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

/* The entity after the last "::" of a demangled name, outside any parentheses. */
static char *last_component(const char *demangled)
{
	const char *start = demangled;
	int depth = 0;

	for (const char *p = demangled; *p; p++) {
		if (*p == '(' || *p == '<')
			depth++;
		else if ((*p == ')' || *p == '>') && depth > 0)
			depth--;
		else if (depth == 0 && p[0] == ':' && p[1] == ':')
			start = p + 2;
	}
	return strdup(start);
}

static int set_str(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -ENOMEM : 0;
}

/* Names a local static from its symbol alone, when DWARF cannot. */
static int name_by_pattern(struct state_var *v, struct owners *own)
{
	const char *raw = v->sym->name, *owner;
	int err = 0;
	char *dm;

	if (!strncmp(raw, "_ZZ", 3)) {
		v->kind = KIND_MUTABLE_LOCAL_STATIC;
		if (!(dm = symbols_demangle(raw)))
			return -ENOMEM;
		v->name = last_component(dm);
		free(dm);
		owner = v->name ? owners_cxx(own, raw, &err) : NULL;
		return v->name && !err ? set_str(&v->owner, owner) : -ENOMEM;
	}
	if (v->sym->bind == STB_LOCAL && (owner = owners_clang(own, raw, &err))) {
		v->kind = KIND_MUTABLE_LOCAL_STATIC;
		return set_str(&v->owner, owner) ? -ENOMEM : set_str(&v->name, strchr(raw, '.') + 1);
	}
	if (err)
		return err;
	if (v->sym->bind == STB_LOCAL && is_gcc_local(raw)) {
		v->kind = KIND_MUTABLE_LOCAL_STATIC;
		v->name = strndup(raw, strrchr(raw, '.') - raw);
		return v->name ? 0 : -ENOMEM;
	}
	v->name = symbols_demangle(raw);
	return v->name ? 0 : -ENOMEM;
}

static int name_object(struct state_var *v, struct owners *own, const struct debuginfo *dbg)
{
	const struct dbg_var *dv = v->sym->shndx == SHN_COMMON ? debuginfo_var_named(dbg, v->sym->name)
							       : debuginfo_var_at(dbg, v->addr);

	v->kind = v->sym->bind == STB_LOCAL ? KIND_MUTABLE_STATIC : KIND_MUTABLE_GLOBAL;
	if (set_str(&v->symbol, v->sym->name))
		return -ENOMEM;
	if (dv) {
		v->file = dv->file;
		v->line = dv->line;
		v->column = dv->column;
	}
	if (dv && dv->owner) {
		v->kind = KIND_MUTABLE_LOCAL_STATIC;
		return set_str(&v->name, dv->name) ? -ENOMEM : set_str(&v->owner, dv->owner);
	}
	/* DWARF knows C++ globals by their unqualified name; the demangled symbol is clearer. */
	if (dv && strncmp(v->sym->name, "_Z", 2))
		return set_str(&v->name, dv->name);
	return name_by_pattern(v, own);
}

static int push_ignored(struct state_set *set, const char *symbol, const char *reason)
{
	struct ignored_var iv = { strdup(symbol), reason };

	if (!iv.symbol || VEC_PUSH(&set->ignored, iv)) {
		free(iv.symbol);
		return -ENOMEM;
	}
	return 0;
}

static void var_clear(struct state_var *v)
{
	free(v->symbol);
	free(v->name);
	free(v->owner);
}

static int classify_one(struct state_set *set, const struct elf_image *img,
			struct owners *own, const struct debuginfo *dbg,
			const struct relocs *relocs, const struct sym *y)
{
	const char *why = ignore_reason(img, relocs, dbg, y);
	struct state_var v = { .sym = y, .addr = y->addr, .size = y->size };

	if (why)
		return push_ignored(set, y->name, why);
	v.section = y->shndx == SHN_COMMON ? "COMMON" : img->secs[y->shndx].name;
	if (name_object(&v, own, dbg) || VEC_PUSH(&set->vars, v)) {
		var_clear(&v);
		return -ENOMEM;
	}
	return 0;
}

static int cmp_symbol(const void *a, const void *b, void *ctx)
{
	const struct state_var *const *x = a, *const *y = b;

	++*(size_t *)ctx;
	return strcmp((*x)->symbol, (*y)->symbol);
}

/* The first of the C++ statics sorted by symbol whose symbol is "_Z" + rest, or n. */
static size_t find_cxx(struct state_var **v, size_t n, const char *rest, size_t *comparisons)
{
	return PARTITION_POINT(v, n, e, (++*comparisons, strcmp((*e)->symbol + 2, rest) < 0));
}

/* A guard variable "_ZGV<X>" guards "_Z<X>": that static is initialised thread-safely. */
static int fold_guards(struct state_set *set)
{
	struct state_var **cxx = malloc((set->vars.n + 1) * sizeof(*cxx));
	size_t n = 0;

	if (!cxx)
		return -ENOMEM;
	for (size_t k = 0; k < set->vars.n; k++)
		if (!strncmp(set->vars.v[k].symbol, "_Z", 2))
			cxx[n++] = &set->vars.v[k];
	qsort_r(cxx, n, sizeof(*cxx), cmp_symbol, &set->comparisons);
	for (size_t i = 0; i < set->ignored.n; i++) {
		const char *g = set->ignored.v[i].symbol;

		if (strncmp(g, "_ZGV", 4))
			continue;
		for (size_t k = find_cxx(cxx, n, g + 4, &set->comparisons);
		     k < n && !strcmp(cxx[k]->symbol + 2, g + 4); k++)
			cxx[k]->guarded_init = true;
	}
	free(cxx);
	return 0;
}

static int cmp_var(const void *a, const void *b)
{
	const struct state_var *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int state_classify(const struct elf_image *img, const struct symbols *syms,
		   const struct debuginfo *dbg, const struct relocs *relocs, struct state_set **out)
{
	struct state_set *set = calloc(1, sizeof(*set));
	struct owners *own = owners_new(syms);
	int err = set && own ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < syms->nobjects; i++)
		err = classify_one(set, img, own, dbg, relocs, syms->objects[i]);
	if (!err)
		err = fold_guards(set);
	if (set && own)
		set->comparisons += owners_comparisons(own);
	owners_free(own);
	if (err) {
		state_free(set);
		return err;
	}
	VEC_SORT(&set->vars, cmp_var);
	*out = set;
	return 0;
}

void state_free(struct state_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->vars.n; i++)
		var_clear(&set->vars.v[i]);
	for (size_t i = 0; i < set->ignored.n; i++)
		free(set->ignored.v[i].symbol);
	VEC_FREE(&set->vars);
	VEC_FREE(&set->ignored);
	free(set);
}

static int add_one_anonymous(struct state_set *set, const struct elf_image *img, uint64_t addr)
{
	const struct image_section *s = elf_image_section_at(img, addr);
	struct state_var v = { .kind = KIND_MUTABLE_STATIC, .addr = addr, .size = 0 };

	if (!s)
		return 0;
	v.section = s->name;
	if (asprintf(&v.symbol, "%s+0x%llx", s->name, (unsigned long long)(addr - s->addr)) < 0)
		return -ENOMEM;
	v.name = strdup(v.symbol);
	if (!v.name || VEC_PUSH(&set->vars, v)) {
		var_clear(&v);
		return -ENOMEM;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static long find_in(const struct state_var *v, size_t n, uint64_t addr);

int state_add_anonymous(struct state_set *set, const struct elf_image *img, const uint64_t *addrs,
			size_t n)
{
	uint64_t *sorted = malloc((n + 1) * sizeof(*sorted));
	size_t before = set->vars.n;
	int err = sorted ? 0 : -ENOMEM;

	if (sorted && n)
		memcpy(sorted, addrs, n * sizeof(*sorted));
	if (sorted)
		qsort(sorted, n, sizeof(*sorted), cmp_u64);
	for (size_t i = 0; i < n && !err; i++)
		if ((!i || sorted[i] != sorted[i - 1]) && find_in(set->vars.v, before, sorted[i]) < 0)
			err = add_one_anonymous(set, img, sorted[i]);
	free(sorted);
	VEC_SORT(&set->vars, cmp_var);
	return err;
}

static long find_in(const struct state_var *vars, size_t n, uint64_t addr)
{
	size_t lo = PARTITION_POINT(vars, n, e, e->addr <= addr);

	/* Objects can nest (an alias inside a larger one); look back a little. */
	for (long i = (long)lo - 1, k = 0; i >= 0 && k < 4; i--, k++) {
		const struct state_var *v = &vars[i];

		if (addr == v->addr || addr - v->addr < v->size)
			return i;
	}
	return -1;
}

long state_find(const struct state_set *set, uint64_t addr)
{
	return find_in(set->vars.v, set->vars.n, addr);
}

static const struct dbg_var *var_debug(const struct state_var *v, const struct debuginfo *dbg)
{
	if (v->sym && v->sym->shndx == SHN_COMMON)
		return debuginfo_var_named(dbg, v->sym->name);
	return debuginfo_var_at(dbg, v->addr);
}

int state_apply_types(struct state_set *set, const struct debuginfo *dbg, const struct sync_rules *s)
{
	for (size_t i = 0; i < set->vars.n; i++) {
		struct state_var *v = &set->vars.v[i];
		const struct dbg_var *dv = dbg->dw ? var_debug(v, dbg) : NULL;

		v->type_class = (uint8_t)(dv ? debuginfo_var_class(dbg, dv, s) : TYPE_PLAIN);
		v->sync_object = v->type_class == TYPE_SYNC_OBJECT;
	}
	return 0;
}
