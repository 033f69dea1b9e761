/* Unit tests of the debug-info module: variables, owners, const flags, source lines and inlining. */
#include "helpers.h"
#include "debuginfo.h"
#include "relocs.h"
#include "symbols.h"

static struct test_module *load(const char *rel)
{
	struct test_module_opts o = { TM_RELOCS | TM_DEBUGINFO, 1, 0, NULL, &test_diag_quiet, DISASM_ZYDIS };
	struct test_module *m = test_module_open(rel, &o);

	assert_non_null(m);
	return m;
}

static void unload(struct test_module *m)
{
	test_module_free(m);
}

static const struct sym *sym_named(const struct test_module *m, const char *name)
{
	for (size_t i = 1; i < m->syms->symtab.n; i++)
		if (!strcmp(m->syms->symtab.v[i].name, name))
			return &m->syms->symtab.v[i];
	fail_msg("no symbol %s", name);
	return NULL;
}

static const struct dbg_var *var_of(const struct test_module *m, const char *symbol)
{
	const struct dbg_var *v = debuginfo_var_at(m->dbg, sym_named(m, symbol)->addr);

	if (!v)
		fail_msg("no DWARF variable at %s", symbol);
	return v;
}

/* In a .o: the address of the call or jump in function fn whose relocation names callee. */
static uint64_t call_site(const struct test_module *m, const char *fn, const char *callee)
{
	const struct sym *f = sym_named(m, fn);
	size_t n;
	const struct reloc *r = relocs_code_in(m->relocs, f->addr, f->addr + f->size, &n);

	for (size_t i = 0; i < n; i++) {
		const struct sym *y = symbols_by_index(m->syms, r[i].symtab_shndx, r[i].sym);

		if (y && !strcmp(y->name, callee) && r[i].type == R_X86_64_PLT32)
			return r[i].offset - 1;   /* e8/e9 rel32: the field follows a one-byte opcode */
	}
	fail_msg("no call to %s in %s", callee, fn);
	return 0;
}

static void expect_var(const struct test_module *m, const char *symbol, const char *name, const char *owner,
		       int line, bool is_const)
{
	const struct dbg_var *v = var_of(m, symbol);

	assert_string_equal(v->name, name);
	if (owner)
		assert_string_equal(v->owner, owner);
	else
		assert_null(v->owner);
	assert_int_equal(v->line, line);
	assert_int_equal(v->is_const, is_const);
}

static void test_c_variables(void **state)
{
	struct test_module *m = load("O0/legacy.o");

	(void)state;
	expect_var(m, "g_counter", "g_counter", NULL, 8, false);
	expect_var(m, "g_limit", "g_limit", NULL, 9, false);
	expect_var(m, "s_buffer", "s_buffer", NULL, 12, false);
	expect_var(m, "tokens.0", "tokens", "legacy_tokenize", 25, false);
	expect_var(m, "k_sizes", "k_sizes", NULL, 14, true);
	expect_var(m, "k_names", "k_names", NULL, 15, true);
	assert_string_equal(var_of(m, "tokens.0")->file, "fixtures/c/legacy.c");
	unload(m);
}

/* Only variables with a static address: nine in legacy.c (t_depth is TLS, not DW_OP_addr). */
static void test_c_variable_set(void **state)
{
	struct test_module *m = load("O0/legacy.o");

	(void)state;
	assert_int_equal(m->dbg->n, 9);
	for (size_t i = 1; i < m->dbg->n; i++)
		assert_true(m->dbg->v[i - 1].addr <= m->dbg->v[i].addr);
	assert_null(debuginfo_var_at(m->dbg, sym_named(m, "t_depth")->addr));
	assert_null(debuginfo_var_at(m->dbg, sym_named(m, "s_buffer")->addr + 1));
	unload(m);
}

static void test_cxx_variables(void **state)
{
	struct test_module *m = load("O0/legacy_cxx.o");

	(void)state;
	expect_var(m, "_ZZN6legacy5labelB5cxx11EvE1k", "k", "_ZN6legacy5labelB5cxx11Ev", 31, true);
	expect_var(m, "_ZZN6legacy7scratchB5cxx11EvE3buf", "buf", "_ZN6legacy7scratchB5cxx11Ev", 37, false);
	expect_var(m, "_ZZN6legacy7next_idEvE2id", "id", "_ZN6legacy7next_idEv", 43, false);
	expect_var(m, "_ZZN6legacy14shared_counterEvE1n", "n", "_ZN6legacy14shared_counterEv", 49, false);
	expect_var(m, "_ZN6legacy8Registry5countE", "count", NULL, 14, false);
	assert_string_equal(var_of(m, "_ZN6legacy8Registry5countE")->file, "fixtures/cxx/legacy.cpp");
	unload(m);
}

static void test_no_debug_info(void **state)
{
	struct test_module *m = load("O0/legacy_cxx-nodebug.o");
	const char *file = "untouched";
	int line = -7;

	(void)state;
	assert_null(m->dbg->dw);
	assert_int_equal(m->dbg->n, 0);
	assert_null(debuginfo_var_at(m->dbg, sym_named(m, "_ZZN6legacy7next_idEvE2id")->addr));
	assert_int_equal(debuginfo_source(m->dbg, sym_named(m, "_ZN6legacy5splitEPc")->addr, &file, &line, NULL), -1);
	assert_string_equal(file, "untouched");
	assert_int_equal(line, -7);
	assert_null(debuginfo_function_at(m->dbg, sym_named(m, "_ZN6legacy5splitEPc")->addr));
	unload(m);
}

/* The column counts bytes from 1, a tab as one: "\treturn strtok(" calls at column 9. */
static void expect_source(struct test_module *m, uint64_t addr, const char *file, int line, int column)
{
	const char *f = NULL;
	int l = 0, c = -1;

	assert_int_equal(debuginfo_source(m->dbg, addr, &f, &l, &c), 0);
	assert_string_equal(f, file);
	assert_int_equal(l, line);
	assert_int_equal(c, column);
}

static void test_source_of_call(void **state)
{
	struct test_module *m = load("O0/legacy.o");

	(void)state;
	expect_source(m, call_site(m, "legacy_tokenize", "strtok"), "fixtures/c/legacy.c", 30, 9);
	expect_source(m, call_site(m, "legacy_next", "strtok"), "fixtures/c/legacy.c", 35, 9);
	expect_source(m, call_site(m, "legacy_year", "localtime"), "fixtures/c/legacy.c", 45, 9);
	/* Declarations: gcc records the column of the name. */
	assert_int_equal(var_of(m, "g_counter")->line, 8);
	assert_int_equal(var_of(m, "g_counter")->column, 5);
	assert_int_equal(var_of(m, "g_weak_flag")->column, 27);
	unload(m);
}

static void test_source_cxx(void **state)
{
	struct test_module *m = load("O0/legacy_cxx.o");

	(void)state;
	expect_source(m, call_site(m, "_ZN6legacy5splitEPc", "strtok"), "fixtures/cxx/legacy.cpp", 61, 20);
	unload(m);
}

/* Linked files read DWARF directly (no libdwfl): the entry of legacy_tokenize is its '{'. */
static void test_source_linked(void **state)
{
	struct test_module *m = load("O0/liblegacy.so");

	(void)state;
	expect_source(m, sym_named(m, "legacy_tokenize")->addr, "fixtures/c/legacy.c", 24, 1);
	assert_string_equal(debuginfo_function_at(m->dbg, sym_named(m, "legacy_tokenize")->addr + 4),
			    "legacy_tokenize");
	assert_string_equal(var_of(m, "tokens.0")->owner, "legacy_tokenize");
	unload(m);
}

static void test_source_unknown(void **state)
{
	struct test_module *m = load("O0/legacy.o");
	const char *f = NULL;
	int l = 0;

	(void)state;
	assert_int_equal(debuginfo_source(m->dbg, 0, &f, &l, NULL), -1);
	assert_null(debuginfo_function_at(m->dbg, 0));
	assert_null(debuginfo_function_at(m->dbg, sym_named(m, "g_counter")->addr));
	unload(m);
}

static void test_function_at_o0(void **state)
{
	struct test_module *m = load("O0/legacy.o");

	(void)state;
	assert_string_equal(debuginfo_function_at(m->dbg, call_site(m, "legacy_tokenize", "strtok")),
			    "legacy_tokenize");
	assert_string_equal(debuginfo_function_at(m->dbg, sym_named(m, "legacy_process")->addr), "legacy_process");
	unload(m);
}

/* At -O2 legacy_tokenize (with bump) is inlined into legacy_process: its strtok call is still
 * attributed to legacy_tokenize, at line 30. */
static void test_function_at_inlined(void **state)
{
	struct test_module *m = load("O2/legacy.o");
	uint64_t site = call_site(m, "legacy_process", "strtok");

	(void)state;
	assert_string_equal(debuginfo_function_at(m->dbg, site), "legacy_tokenize");
	expect_source(m, site, "fixtures/c/legacy.c", 30, 9);
	assert_string_equal(debuginfo_function_at(m->dbg, sym_named(m, "legacy_process")->addr), "legacy_process");
	assert_string_equal(debuginfo_function_at(m->dbg, call_site(m, "legacy_next", "strtok")), "legacy_next");
	unload(m);
}

/* Every instruction address of -O2 legacy_process belongs to one of three source functions. */
static void test_inline_scopes(void **state)
{
	struct test_module *m = load("O2/legacy.o");
	const struct sym *f = sym_named(m, "legacy_process");
	bool seen[3] = { false, false, false };
	static const char *const names[3] = { "legacy_process", "legacy_tokenize", "bump" };

	(void)state;
	for (uint64_t a = f->addr; a < f->addr + f->size; a++) {
		const char *name = debuginfo_function_at(m->dbg, a);
		int k = -1;

		assert_non_null(name);
		for (int i = 0; i < 3; i++)
			if (!strcmp(name, names[i]))
				k = i;
		if (k < 0)
			fail_msg("unexpected function %s at %#llx", name, (unsigned long long)a);
		seen[k] = true;
	}
	assert_true(seen[0]);
	assert_true(seen[1]);
	assert_true(seen[2]);
	unload(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c_variables),
		cmocka_unit_test(test_c_variable_set),
		cmocka_unit_test(test_cxx_variables),
		cmocka_unit_test(test_no_debug_info),
		cmocka_unit_test(test_source_of_call),
		cmocka_unit_test(test_source_cxx),
		cmocka_unit_test(test_source_linked),
		cmocka_unit_test(test_source_unknown),
		cmocka_unit_test(test_function_at_o0),
		cmocka_unit_test(test_function_at_inlined),
		cmocka_unit_test(test_inline_scopes),
	};

	return cmocka_run_group_tests_name("debuginfo", tests, NULL, NULL);
}
