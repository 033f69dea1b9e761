/* Unit tests of the symbols module: demangling, lookups by address, COMMON layout, exported flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include "symbols.h"

struct loaded {
	char path[512];
	struct input_unit unit;
	struct elf_image *img;
	struct symbols *syms;
};

static char last_error[1024];

static void capture(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		snprintf(last_error, sizeof(last_error), "%s", msg);
}

static const struct diag diag = { capture, NULL };

static struct loaded *load(const char *rel)
{
	struct loaded *l = calloc(1, sizeof(*l));
	const char *base = getenv("FX");

	assert_non_null(l);
	snprintf(l->path, sizeof(l->path), "%s/%s", base && *base ? base : "build/fixtures", rel);
	l->unit = (struct input_unit){ .path = l->path, .display = l->path };
	last_error[0] = '\0';
	assert_int_equal(elf_image_open(&l->unit, &diag, &l->img), 0);
	assert_int_equal(symbols_load(l->img, &diag, &l->syms), 0);
	assert_string_equal(last_error, "");
	return l;
}

static void unload(struct loaded *l)
{
	symbols_free(l->syms);
	elf_image_free(l->img);
	free(l);
}

/* The symbol named name in a table, or NULL; its index goes to *idx. */
static const struct sym *by_name(const struct sym_table *t, const char *name, size_t *idx)
{
	for (size_t i = 1; i < t->n; i++)
		if (!strcmp(t->v[i].name, name)) {
			if (idx)
				*idx = i;
			return &t->v[i];
		}
	return NULL;
}

static const struct sym *sym_named(const struct loaded *l, const char *name)
{
	const struct sym *y = by_name(&l->syms->symtab, name, NULL);

	if (!y)
		fail_msg("no symbol %s in %s", name, l->path);
	return y;
}

static void expect_demangled(const char *in, const char *want)
{
	char *got = symbols_demangle(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_demangle(void **state)
{
	(void)state;
	expect_demangled("legacy_tokenize", "legacy_tokenize");
	expect_demangled("_ZN6legacy5splitEPc", "legacy::split(char*)");
	expect_demangled("strtok@GLIBC_2.2.5", "strtok");
	expect_demangled("gmtime@@GLIBC_2.2.5", "gmtime");
	expect_demangled("_ZN6legacy5splitEPc@@LEGACY_1", "legacy::split(char*)");
	expect_demangled("_ZN6legacy8Registry5countE", "legacy::Registry::count");
	expect_demangled("_ZZN6legacy7next_idEvE2id", "legacy::next_id()::id");
	/* Rust: legacy mangling (the hash dropped) and v0. */
	expect_demangled("_ZN4host11call_legacy17h07dcabb699a8fba1E", "host::call_legacy");
	expect_demangled("_RNvMNtNtNtCsjrHSEGnQ3l9_3std4sync4mpmc7contextNtB2_7Context3new",
			 "<std::sync::mpmc::context::Context>::new");
	expect_demangled("_Znot-a-mangled-name", "_Znot-a-mangled-name");
	expect_demangled("", "");
}

/* refs.o: the functions follow one another; store_imm is 11 bytes, then cmp_byte. */
static void test_func_at(void **state)
{
	struct loaded *l = load("asm/refs.o");
	const struct sym *store_imm = sym_named(l, "store_imm"), *cmp_byte = sym_named(l, "cmp_byte");

	(void)state;
	assert_int_equal(store_imm->size, 11);
	assert_int_equal(cmp_byte->addr, store_imm->addr + 11);
	assert_ptr_equal(symbols_func_at(l->syms, store_imm->addr), store_imm);
	assert_ptr_equal(symbols_func_at(l->syms, store_imm->addr + 10), store_imm);
	assert_ptr_equal(symbols_func_at(l->syms, store_imm->addr + 11), cmp_byte);
	assert_null(symbols_func_at(l->syms, store_imm->addr - 1));
	assert_null(symbols_func_at(l->syms, sym_named(l, "counter")->addr));
	unload(l);
}

static void test_func_start(void **state)
{
	struct loaded *l = load("asm/refs.o");
	const struct sym *helper = sym_named(l, "helper");

	(void)state;
	assert_ptr_equal(symbols_func_start(l->syms, helper->addr), helper);
	assert_null(symbols_func_start(l->syms, helper->addr + 1));
	assert_ptr_equal(symbols_func_start(l->syms, sym_named(l, "tail")->addr), sym_named(l, "tail"));
	unload(l);
}

/* .data holds counter (8 bytes) then table (16); .bss holds flag (1). */
static void test_object_at(void **state)
{
	struct loaded *l = load("asm/refs.o");
	const struct sym *counter = sym_named(l, "counter"), *table = sym_named(l, "table");
	const struct sym *flag = sym_named(l, "flag");

	(void)state;
	assert_int_equal(table->addr, counter->addr + 8);
	assert_ptr_equal(symbols_object_at(l->syms, counter->addr), counter);
	assert_ptr_equal(symbols_object_at(l->syms, counter->addr + 4), counter);
	assert_ptr_equal(symbols_object_at(l->syms, counter->addr + 8), table);
	assert_ptr_equal(symbols_object_at(l->syms, table->addr + 15), table);
	assert_ptr_not_equal(symbols_object_at(l->syms, table->addr + 16), table);
	assert_ptr_equal(symbols_object_at(l->syms, flag->addr), flag);
	assert_null(symbols_object_at(l->syms, sym_named(l, "load")->addr));
	unload(l);
}

/* Functions and objects indexed: 13 functions (one local), 4 objects (one TLS). */
static void test_index_counts(void **state)
{
	struct loaded *l = load("asm/refs.o");

	(void)state;
	assert_int_equal(l->syms->nfuncs, 13);
	assert_int_equal(l->syms->nobjects, 4);
	assert_int_equal(l->syms->dynsym.n, 0);
	for (size_t i = 1; i < l->syms->nfuncs; i++)
		assert_true(l->syms->funcs[i - 1]->addr < l->syms->funcs[i]->addr);
	assert_string_equal(l->syms->funcs[0]->name, "store_imm");
	assert_string_equal(l->syms->funcs[12]->name, "helper");
	assert_string_equal(l->syms->objects[0]->name, "counter");
	assert_string_equal(l->syms->objects[3]->name, "tls_var");
	assert_int_equal(l->syms->objects[3]->type, STT_TLS);
	unload(l);
}

static void test_by_index(void **state)
{
	struct loaded *l = load("asm/refs.o");
	size_t idx = 0;
	const struct sym *strtok_sym = by_name(&l->syms->symtab, "strtok", &idx);

	(void)state;
	assert_non_null(strtok_sym);
	assert_int_equal(strtok_sym->shndx, SHN_UNDEF);
	assert_ptr_equal(symbols_by_index(l->syms, l->syms->symtab.shndx, idx), strtok_sym);
	assert_null(symbols_by_index(l->syms, l->syms->symtab.shndx, l->syms->symtab.n));
	assert_null(symbols_by_index(l->syms, l->syms->symtab.shndx + 1, idx));
	unload(l);
}

/* Symbols of a .o take their section's laid-out address. */
static void test_relocatable_addresses(void **state)
{
	struct loaded *l = load("asm/refs.o");
	const struct sym *load_fn = sym_named(l, "load"), *table = sym_named(l, "table");

	(void)state;
	assert_int_equal(load_fn->addr, l->img->secs[load_fn->shndx].addr + 0x13);
	assert_int_equal(table->addr, l->img->secs[table->shndx].addr + 8);
	assert_string_equal(l->img->secs[table->shndx].name, ".data");
	unload(l);
}

/* A COMMON symbol is laid out after every section, 64-aligned, and indexed as an object. */
static void test_common_layout(void **state)
{
	struct loaded *l = load("O0/common.o");
	const struct sym *c = sym_named(l, "g_shared_counter");
	uint64_t end = 0;

	(void)state;
	for (size_t i = 1; i < l->img->nsecs; i++)
		if ((l->img->secs[i].flags & SHF_ALLOC) && l->img->secs[i].addr + l->img->secs[i].size > end)
			end = l->img->secs[i].addr + l->img->secs[i].size;
	assert_int_equal(c->shndx, SHN_COMMON);
	assert_int_equal(c->size, 4);
	assert_int_equal(c->addr, (end + 63) & ~(uint64_t)63);
	assert_int_equal(l->syms->nobjects, 1);
	assert_ptr_equal(symbols_object_at(l->syms, c->addr + 3), c);
	assert_true(c->exported);
	unload(l);
}

static void test_exported_shared(void **state)
{
	struct loaded *l = load("O0/liblegacy.so");

	(void)state;
	assert_true(sym_named(l, "legacy_tokenize")->exported);
	assert_true(sym_named(l, "common_bump")->exported);
	assert_false(sym_named(l, "bump")->exported);
	assert_false(sym_named(l, "setup_helper")->exported);
	assert_false(sym_named(l, "legacy_init")->exported);
	assert_true(by_name(&l->syms->dynsym, "legacy_tokenize", NULL)->exported);
	assert_null(by_name(&l->syms->dynsym, "bump", NULL));
	unload(l);
}

static void test_exported_relocatable(void **state)
{
	struct loaded *l = load("O0/legacy.o");

	(void)state;
	assert_true(sym_named(l, "legacy_tokenize")->exported);
	assert_true(sym_named(l, "g_counter")->exported);
	assert_true(sym_named(l, "g_weak_flag")->exported);
	assert_int_equal(sym_named(l, "g_weak_flag")->bind, STB_WEAK);
	assert_false(sym_named(l, "bump")->exported);
	assert_false(sym_named(l, "s_calls")->exported);
	unload(l);
}

/* An executable exports only what its .dynsym defines: main and its statics stay private. */
static void test_exported_executable(void **state)
{
	struct loaded *l = load("O0/app");

	(void)state;
	assert_false(sym_named(l, "main")->exported);
	assert_false(sym_named(l, "count_run")->exported);
	assert_false(sym_named(l, "legacy_tokenize")->exported);
	unload(l);
}

/* Stripped: no .symtab, so the objects come from .dynsym (copy-relocated imports). */
static void test_stripped(void **state)
{
	struct loaded *l = load("O0/app-stripped");

	(void)state;
	assert_int_equal(l->syms->symtab.n, 0);
	assert_true(l->syms->dynsym.n > 0);
	assert_int_equal(l->syms->nfuncs, 0);
	assert_int_equal(l->syms->nobjects, 3);
	assert_string_equal(l->syms->objects[0]->name, "__environ");
	assert_string_equal(l->syms->objects[1]->name, "environ");
	assert_string_equal(l->syms->objects[2]->name, "stderr");
	assert_int_equal(l->syms->objects[0]->addr, l->syms->objects[1]->addr);
	unload(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demangle),
		cmocka_unit_test(test_func_at),
		cmocka_unit_test(test_func_start),
		cmocka_unit_test(test_object_at),
		cmocka_unit_test(test_index_counts),
		cmocka_unit_test(test_by_index),
		cmocka_unit_test(test_relocatable_addresses),
		cmocka_unit_test(test_common_layout),
		cmocka_unit_test(test_exported_shared),
		cmocka_unit_test(test_exported_relocatable),
		cmocka_unit_test(test_exported_executable),
		cmocka_unit_test(test_stripped),
	};

	return cmocka_run_group_tests_name("symbols", tests, NULL, NULL);
}
