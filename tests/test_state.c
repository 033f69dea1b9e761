/* Unit tests of the state module: each variable of the fixtures, and why look-alikes are ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include "state.h"

struct module {
	char path[512];
	struct input_unit unit;
	struct elf_image *img;
	struct symbols *syms;
	struct debuginfo *dbg;
	struct relocs *relocs;
	struct state_set *set;
};

/* One expected variable: symbol, kind, name, owner (NULL at file scope), section, size, guarded. */
struct want_var {
	const char *symbol;
	enum kind kind;
	const char *name, *owner, *section;
	uint64_t size;
	bool guarded;
};

struct want_ignored {
	const char *symbol, *reason;
};

static void capture(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		fail_msg("unexpected error: %s", msg);
}

static const struct diag diag = { capture, NULL };

static void unload(struct module *m)
{
	if (!m)
		return;
	state_free(m->set);
	relocs_free(m->relocs);
	debuginfo_free(m->dbg);
	symbols_free(m->syms);
	elf_image_free(m->img);
	free(m);
}

static struct module *load(const char *rel)
{
	struct module *m = calloc(1, sizeof(*m));
	const char *base = getenv("FX");

	assert_non_null(m);
	snprintf(m->path, sizeof(m->path), "%s/%s", base && *base ? base : "build/fixtures", rel);
	m->unit = (struct input_unit){ .path = m->path, .display = m->path };
	assert_int_equal(elf_image_open(&m->unit, &diag, &m->img), 0);
	assert_int_equal(symbols_load(m->img, &diag, &m->syms), 0);
	assert_int_equal(debuginfo_load(m->img, &diag, &m->dbg), 0);
	assert_int_equal(relocs_load(m->img, &diag, &m->relocs), 0);
	assert_int_equal(state_classify(m->img, m->syms, m->dbg, m->relocs, &m->set), 0);
	return m;
}

static const struct state_var *var_named(const struct state_set *set, const char *symbol)
{
	for (size_t i = 0; i < set->vars.n; i++)
		if (!strcmp(set->vars.v[i].symbol, symbol))
			return &set->vars.v[i];
	fail_msg("no state variable %s", symbol);
	return NULL;
}

static const char *ignore_reason(const struct state_set *set, const char *symbol)
{
	for (size_t i = 0; i < set->ignored.n; i++)
		if (!strcmp(set->ignored.v[i].symbol, symbol))
			return set->ignored.v[i].reason;
	fail_msg("%s is not in the ignored list", symbol);
	return NULL;
}

static void expect_var(const struct state_set *set, const struct want_var *w)
{
	const struct state_var *v = var_named(set, w->symbol);

	assert_int_equal(v->kind, w->kind);
	assert_string_equal(v->name, w->name);
	if (w->owner)
		assert_string_equal(v->owner, w->owner);
	else
		assert_null(v->owner);
	assert_string_equal(v->section, w->section);
	assert_int_equal(v->size, w->size);
	assert_int_equal(v->guarded_init, w->guarded);
	assert_int_equal(v->addr, v->sym->addr);
	assert_string_equal(v->sym->name, w->symbol);
}

/* The set holds exactly the wanted variables and ignored symbols, nothing else. */
static void expect_exactly(const struct state_set *set, const struct want_var *vars, size_t nvars,
			   const struct want_ignored *ign, size_t nign)
{
	for (size_t i = 0; i < nvars; i++)
		expect_var(set, &vars[i]);
	for (size_t i = 0; i < nign; i++)
		assert_string_equal(ignore_reason(set, ign[i].symbol), ign[i].reason);
	assert_int_equal(set->vars.n, nvars);
	assert_int_equal(set->ignored.n, nign);
	for (size_t i = 1; i < set->vars.n; i++)
		assert_true(set->vars.v[i - 1].addr < set->vars.v[i].addr);
}

#define N(a) (sizeof(a) / sizeof(*(a)))

static const struct want_var legacy_vars[] = {
	{ "g_counter", KIND_MUTABLE_GLOBAL, "g_counter", NULL, ".bss", 4, false },
	{ "g_limit", KIND_MUTABLE_GLOBAL, "g_limit", NULL, ".data", 4, false },
	{ "g_weak_flag", KIND_MUTABLE_GLOBAL, "g_weak_flag", NULL, ".data", 4, false },
	{ "s_calls", KIND_MUTABLE_STATIC, "s_calls", NULL, ".bss", 4, false },
	{ "s_buffer", KIND_MUTABLE_STATIC, "s_buffer", NULL, ".bss", 64, false },
	{ "s_ready", KIND_MUTABLE_STATIC, "s_ready", NULL, ".bss", 4, false },
	{ "tokens.0", KIND_MUTABLE_LOCAL_STATIC, "tokens", "legacy_tokenize", ".bss", 4, false },
};

/* Non-PIC code may keep k_names' pointers in .rodata: read-only, not RELRO. */
static const struct want_ignored legacy_ignored[] = {
	{ "k_sizes", "read-only" },
	{ "k_names", "read-only" },
	{ "t_depth", "thread-local" },
};

static void test_legacy_o0(void **state)
{
	struct module *m = load("O0/legacy.o");

	(void)state;
	expect_exactly(m->set, legacy_vars, N(legacy_vars), legacy_ignored, N(legacy_ignored));
	unload(m);
}

static void test_legacy_o2(void **state)
{
	struct module *m = load("O2/legacy.o");

	(void)state;
	expect_exactly(m->set, legacy_vars, N(legacy_vars), legacy_ignored, N(legacy_ignored));
	unload(m);
}

/* Declarations come from DWARF, relative to the compilation directory. */
static void test_declarations(void **state)
{
	struct module *m = load("O0/legacy.o");
	const struct state_var *tokens = var_named(m->set, "tokens.0");
	const struct state_var *limit = var_named(m->set, "g_limit");

	(void)state;
	assert_string_equal(tokens->file, "fixtures/c/legacy.c");
	assert_int_equal(tokens->line, 25);
	assert_string_equal(limit->file, "fixtures/c/legacy.c");
	assert_int_equal(limit->line, 9);
	unload(m);
}

/* The last entry holds only with debug info: DWARF marks label()'s static std::string const. */
static const struct want_ignored cxx_ignored[] = {
	{ "_ZGVZN6legacy5labelB5cxx11EvE1k", "C++ guard variable" },
	{ "_ZGVZN6legacy7scratchB5cxx11EvE3buf", "C++ guard variable" },
	{ "_ZSt19piecewise_construct", "read-only" },
	{ "_ZN6legacy8tl_depthE", "thread-local" },
	{ "_ZTVN6legacy6SquareE", "relro" },
	{ "_ZTVN6legacy5ShapeE", "relro" },
	{ "_ZTIN6legacy6SquareE", "relro" },
	{ "_ZTSN6legacy6SquareE", "read-only" },
	{ "_ZTIN6legacy5ShapeE", "relro" },
	{ "_ZTSN6legacy5ShapeE", "read-only" },
	{ "DW.ref.__gxx_personality_v0", "compiler/CRT" },
	{ "_ZZN6legacy5labelB5cxx11EvE1k", "const" },
};

static const struct want_var cxx_vars[] = {
	{ "_ZN6legacy8Registry5countE", KIND_MUTABLE_GLOBAL, "legacy::Registry::count", NULL, ".bss", 4, false },
	{ "_ZN6legacy8Registry5namesB5cxx11E", KIND_MUTABLE_GLOBAL, "legacy::Registry::names[abi:cxx11]", NULL,
	  ".bss", 48, false },
	{ "_ZZN6legacy7scratchB5cxx11EvE3buf", KIND_MUTABLE_LOCAL_STATIC, "buf", "_ZN6legacy7scratchB5cxx11Ev",
	  ".bss", 32, true },
	{ "_ZZN6legacy7next_idEvE2id", KIND_MUTABLE_LOCAL_STATIC, "id", "_ZN6legacy7next_idEv", ".bss", 4, false },
	{ "_ZZN6legacy14shared_counterEvE1n", KIND_MUTABLE_LOCAL_STATIC, "n", "_ZN6legacy14shared_counterEv",
	  ".bss._ZZN6legacy14shared_counterEvE1n", 4, false },
};

/* With DWARF, label()'s static const std::string is "const"; vtables and typeinfo are RELRO. */
static void test_cxx_debug(void **state)
{
	struct module *m = load("O0/legacy_cxx.o");

	(void)state;
	expect_exactly(m->set, cxx_vars, N(cxx_vars), cxx_ignored, N(cxx_ignored));
	unload(m);
}

/* Without DWARF the const is invisible: k is a guarded mutable local static named by pattern. */
static void test_cxx_nodebug(void **state)
{
	struct module *m = load("O0/legacy_cxx-nodebug.o");
	static const struct want_var k = { "_ZZN6legacy5labelB5cxx11EvE1k", KIND_MUTABLE_LOCAL_STATIC, "k",
					   "_ZN6legacy5labelB5cxx11Ev", ".bss", 32, true };

	(void)state;
	assert_null(m->img->dwarf);
	for (size_t i = 0; i < N(cxx_vars); i++)
		expect_var(m->set, &cxx_vars[i]);
	expect_var(m->set, &k);
	assert_int_equal(m->set->vars.n, N(cxx_vars) + 1);
	for (size_t i = 0; i < N(cxx_ignored) - 1; i++)
		assert_string_equal(ignore_reason(m->set, cxx_ignored[i].symbol), cxx_ignored[i].reason);
	assert_int_equal(m->set->ignored.n, N(cxx_ignored) - 1);
	assert_null(var_named(m->set, "_ZZN6legacy7next_idEvE2id")->file);
	unload(m);
}

/* A linked executable: CRT objects, copy-relocated imports, and the library's state linked in. */
static void test_app_nopie(void **state)
{
	struct module *m = load("O0/app-nopie");
	static const struct want_var vars[] = {
		{ "g_counter", KIND_MUTABLE_GLOBAL, "g_counter", NULL, ".bss", 4, false },
		{ "g_limit", KIND_MUTABLE_GLOBAL, "g_limit", NULL, ".data", 4, false },
		{ "g_weak_flag", KIND_MUTABLE_GLOBAL, "g_weak_flag", NULL, ".data", 4, false },
		{ "g_shared_counter", KIND_MUTABLE_GLOBAL, "g_shared_counter", NULL, ".bss", 4, false },
		{ "s_runs", KIND_MUTABLE_STATIC, "s_runs", NULL, ".bss", 4, false },
		{ "s_calls", KIND_MUTABLE_STATIC, "s_calls", NULL, ".bss", 4, false },
		{ "s_buffer", KIND_MUTABLE_STATIC, "s_buffer", NULL, ".bss", 64, false },
		{ "s_ready", KIND_MUTABLE_STATIC, "s_ready", NULL, ".bss", 4, false },
		{ "tokens.0", KIND_MUTABLE_LOCAL_STATIC, "tokens", "legacy_tokenize", ".bss", 4, false },
	};
	static const struct want_ignored ign[] = {
		{ "t_depth", "thread-local" },
		{ "__abi_tag", "compiler/CRT" },
		{ "_IO_stdin_used", "compiler/CRT" },
		{ "k_sizes", "read-only" },
		{ "k_names", "read-only" },
		{ "__FRAME_END__", "read-only" },
		{ "__frame_dummy_init_array_entry", "compiler/CRT" },
		{ "__do_global_dtors_aux_fini_array_entry", "compiler/CRT" },
		{ "_DYNAMIC", "compiler/CRT" },
		{ "_GLOBAL_OFFSET_TABLE_", "compiler/CRT" },
		{ "__dso_handle", "compiler/CRT" },
		{ "__TMC_END__", "compiler/CRT" },
		{ "__environ@GLIBC_2.2.5", "imported (copy relocation)" },
		{ "environ@GLIBC_2.2.5", "imported (copy relocation)" },
		{ "stderr@GLIBC_2.2.5", "imported (copy relocation)" },
		{ "completed.0", "compiler/CRT" },
	};

	(void)state;
	expect_exactly(m->set, vars, N(vars), ign, N(ign));
	unload(m);
}

/* A tentative definition compiled with -fcommon: a mutable global in no real section. */
static void test_common(void **state)
{
	struct module *m = load("O0/common.o");
	static const struct want_var v = { "g_shared_counter", KIND_MUTABLE_GLOBAL, "g_shared_counter", NULL,
					   "COMMON", 4, false };

	(void)state;
	expect_exactly(m->set, &v, 1, NULL, 0);
	assert_int_equal(m->set->vars.v[0].sym->shndx, SHN_COMMON);
	unload(m);
}

/* A shared library: RELRO covers k_names (PIC pointer table), typeinfo-like data stays out. */
static void test_shared_relro(void **state)
{
	struct module *m = load("O0/liblegacy.so");

	(void)state;
	assert_string_equal(ignore_reason(m->set, "k_names"), "relro");
	assert_string_equal(ignore_reason(m->set, "k_sizes"), "read-only");
	assert_string_equal(ignore_reason(m->set, "t_depth"), "thread-local");
	assert_string_equal(ignore_reason(m->set, "__dso_handle"), "compiler/CRT");
	assert_int_equal(var_named(m->set, "g_shared_counter")->kind, KIND_MUTABLE_GLOBAL);
	assert_string_equal(var_named(m->set, "g_shared_counter")->section, ".bss");
	assert_int_equal(m->set->vars.n, 8);
	unload(m);
}

static uint64_t sym_addr(const struct module *m, const char *name)
{
	for (size_t i = 1; i < m->syms->symtab.n; i++)
		if (!strcmp(m->syms->symtab.v[i].name, name))
			return m->syms->symtab.v[i].addr;
	fail_msg("no symbol %s", name);
	return 0;
}

static void test_is_mutable_addr(void **state)
{
	struct module *m = load("O0/app-nopie");

	(void)state;
	assert_true(state_is_mutable_addr(m->img, m->relocs, sym_addr(m, "g_counter")));
	assert_true(state_is_mutable_addr(m->img, m->relocs, sym_addr(m, "g_limit")));
	assert_false(state_is_mutable_addr(m->img, m->relocs, sym_addr(m, "stderr@GLIBC_2.2.5")));
	assert_false(state_is_mutable_addr(m->img, m->relocs, sym_addr(m, "k_sizes")));
	assert_false(state_is_mutable_addr(m->img, m->relocs, sym_addr(m, "t_depth")));
	assert_false(state_is_mutable_addr(m->img, m->relocs, sym_addr(m, "_GLOBAL_OFFSET_TABLE_")));
	assert_false(state_is_mutable_addr(m->img, m->relocs, sym_addr(m, "__frame_dummy_init_array_entry")));
	assert_false(state_is_mutable_addr(m->img, m->relocs, sym_addr(m, "main")));
	unload(m);
}

static void test_find(void **state)
{
	struct module *m = load("O0/legacy.o");
	const struct state_var *buf = var_named(m->set, "s_buffer");
	long i = state_find(m->set, buf->addr);

	(void)state;
	assert_true(i >= 0);
	assert_ptr_equal(&m->set->vars.v[i], buf);
	assert_int_equal(state_find(m->set, buf->addr + 63), i);
	assert_int_not_equal(state_find(m->set, buf->addr + 64), i);
	assert_int_equal(state_find(m->set, sym_addr(m, "k_sizes")), -1);
	assert_int_equal(state_find(m->set, sym_addr(m, "legacy_tokenize")), -1);
	unload(m);
}

static const struct image_section *section_named(const struct elf_image *img, const char *name)
{
	for (size_t i = 1; i < img->nsecs; i++)
		if (!strcmp(img->secs[i].name, name))
			return &img->secs[i];
	fail_msg("no section %s", name);
	return NULL;
}

/* Stripped: state known only by address is named section+0xOFFSET, once per address. */
static void test_anonymous(void **state)
{
	struct module *m = load("O0/app-stripped");
	const struct image_section *bss = section_named(m->img, ".bss"), *data = section_named(m->img, ".data");
	uint64_t addrs[5] = { bss->addr + 0x40, data->addr + 0x10, bss->addr + 0x2c, bss->addr + 0x40, 0 };

	(void)state;
	assert_int_equal(m->set->vars.n, 0);
	assert_int_equal(state_add_anonymous(m->set, m->img, addrs, 5), 0);
	assert_int_equal(m->set->vars.n, 3);
	assert_string_equal(m->set->vars.v[0].symbol, ".data+0x10");
	assert_string_equal(m->set->vars.v[1].symbol, ".bss+0x2c");
	assert_string_equal(m->set->vars.v[2].symbol, ".bss+0x40");
	assert_string_equal(m->set->vars.v[2].name, ".bss+0x40");
	assert_string_equal(m->set->vars.v[2].section, ".bss");
	assert_int_equal(m->set->vars.v[2].kind, KIND_MUTABLE_STATIC);
	assert_int_equal(m->set->vars.v[2].size, 0);
	assert_null(m->set->vars.v[2].sym);
	assert_int_equal(state_find(m->set, bss->addr + 0x2c), 1);
	assert_int_equal(state_add_anonymous(m->set, m->img, addrs, 2), 0);
	assert_int_equal(m->set->vars.n, 3);
	unload(m);
}

/* Copy-relocated imports of a stripped PIE are ignored through .dynsym. */
static void test_stripped_imports(void **state)
{
	struct module *m = load("O0/app-stripped");

	(void)state;
	assert_string_equal(ignore_reason(m->set, "stderr"), "imported (copy relocation)");
	assert_string_equal(ignore_reason(m->set, "environ"), "imported (copy relocation)");
	assert_string_equal(ignore_reason(m->set, "__environ"), "imported (copy relocation)");
	assert_int_equal(m->set->ignored.n, 3);
	unload(m);
}

/* A COMMON symbol's declaration comes from DWARF by name: the .o gives it no address. */
static void test_common_declaration(void **state)
{
	struct module *m = load("O0/common.o");

	(void)state;
	assert_int_equal(m->set->vars.n, 1);
	assert_string_equal(m->set->vars.v[0].section, "COMMON");
	assert_non_null(m->set->vars.v[0].file);
	assert_string_equal(m->set->vars.v[0].file, "fixtures/c/common.c");
	assert_int_equal(m->set->vars.v[0].line, 2);
	unload(m);
}

/* Writes an assembly file with n C++ functions, each owning a guarded local static, and n C
 * functions each owning a clang-style "function.name" static; assembles it into dir/big.o. */
static void write_many_statics(const char *dir, int n)
{
	char path[600], cmd[1400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/big.s", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("\t.text\n\t.type _ZN1aEv,@function\n_ZN1aEv:\n\tret\n\t.size _ZN1aEv,1\n"
	      "\t.type _ZN1a,@function\n_ZN1a:\n\tret\n\t.size _ZN1a,1\n", f);
	for (int i = 0; i < n; i++)
		fprintf(f, "\t.type _Z7f%06dv,@function\n_Z7f%06dv:\n\tret\n\t.size _Z7f%06dv,1\n"
			"\t.type g%06d,@function\ng%06d:\n\tret\n\t.size g%06d,1\n", i, i, i, i, i, i);
	fputs("\t.bss\n\t.type _ZZN1aEvE1x,@object\n\t.size _ZZN1aEvE1x,4\n_ZZN1aEvE1x:\n\t.zero 4\n", f);
	for (int i = 0; i < n; i++)
		fprintf(f, "\t.type _ZZ7f%06dvE5count,@object\n\t.size _ZZ7f%06dvE5count,4\n"
			"_ZZ7f%06dvE5count:\n\t.zero 4\n"
			"\t.type _ZGVZ7f%06dvE5count,@object\n\t.size _ZGVZ7f%06dvE5count,8\n"
			"_ZGVZ7f%06dvE5count:\n\t.zero 8\n"
			"\t.type g%06d.calls,@object\n\t.size g%06d.calls,4\ng%06d.calls:\n\t.zero 4\n",
			i, i, i, i, i, i, i, i, i);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "cc -c -o '%s/big.o' '%s'", dir, path);
	assert_int_equal(system(cmd), 0);
}

/* Classifies a synthetic object with n statics of each style; checks every owner and returns
 * the name comparisons the stage made. */
static size_t classify_many(int n)
{
	char dir[] = "/tmp/confine-state-XXXXXX", want[64];
	struct module *m;
	size_t comparisons;

	assert_non_null(mkdtemp(dir));
	write_many_statics(dir, n);
	setenv("FX", dir, 1);
	m = load("big.o");
	unsetenv("FX");
	assert_int_equal(m->set->vars.n, 2 * (size_t)n + 1);
	assert_int_equal(m->set->ignored.n, (size_t)n);
	assert_string_equal(var_named(m->set, "_ZZN1aEvE1x")->owner, "_ZN1aEv");
	for (int i = 0; i < n; i += 997) {
		const struct state_var *v;

		snprintf(want, sizeof(want), "_ZZ7f%06dvE5count", i);
		v = var_named(m->set, want);
		snprintf(want, sizeof(want), "_Z7f%06dv", i);
		assert_string_equal(v->owner, want);
		assert_string_equal(v->name, "count");
		assert_true(v->guarded_init);
		snprintf(want, sizeof(want), "g%06d.calls", i);
		v = var_named(m->set, want);
		snprintf(want, sizeof(want), "g%06d", i);
		assert_string_equal(v->owner, want);
		assert_int_equal(v->kind, KIND_MUTABLE_LOCAL_STATIC);
	}
	comparisons = m->set->comparisons;
	unload(m);
	snprintf(want, sizeof(want), "rm -rf '%s'", dir);
	assert_int_equal(system(want), 0);
	return comparisons;
}

/* Owners and guards of local statics are found in n log n: four times the statics cost at most
 * 5.5 times the comparisons (n log n gives about 4.6; one scan of the functions per static, 16). */
static void test_many_local_statics(void **state)
{
	size_t small = classify_many(10000), big = classify_many(40000);

	(void)state;
	print_message("comparisons: %zu for 10000, %zu for 40000\n", small, big);
	assert_true(small > 10000);
	assert_true(big * 2 < small * 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_o0),
		cmocka_unit_test(test_legacy_o2),
		cmocka_unit_test(test_declarations),
		cmocka_unit_test(test_cxx_debug),
		cmocka_unit_test(test_cxx_nodebug),
		cmocka_unit_test(test_app_nopie),
		cmocka_unit_test(test_common),
		cmocka_unit_test(test_shared_relro),
		cmocka_unit_test(test_is_mutable_addr),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_anonymous),
		cmocka_unit_test(test_stripped_imports),
		cmocka_unit_test(test_common_declaration),
		cmocka_unit_test(test_many_local_statics),
	};

	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
