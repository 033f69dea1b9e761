/* Unit tests of the functions module: tables from symbols or discovery, loader roots, runtime. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include "functions.h"

struct module {
	char path[512];
	struct input_unit unit;
	struct elf_image *img;
	struct symbols *syms;
	struct relocs *relocs;
	struct xref_set *xrefs;
	struct function_table *funcs;
};

static void capture(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		fail_msg("unexpected error: %s", msg);
}

static const struct diag diag = { capture, NULL };

static struct module *load(const char *rel)
{
	struct module *m = calloc(1, sizeof(*m));
	const char *base = getenv("FX");

	assert_non_null(m);
	snprintf(m->path, sizeof(m->path), "%s/%s", base && *base ? base : "build/fixtures", rel);
	m->unit = (struct input_unit){ .path = m->path, .display = m->path };
	assert_int_equal(elf_image_open(&m->unit, &diag, &m->img), 0);
	assert_int_equal(symbols_load(m->img, &diag, &m->syms), 0);
	assert_int_equal(relocs_load(m->img, &diag, &m->relocs), 0);
	assert_int_equal(disasm_sweep(m->img, m->syms, m->relocs, 1, DISASM_ZYDIS, &diag, &m->xrefs), 0);
	assert_int_equal(functions_build(m->img, m->syms, m->relocs, m->xrefs, &m->funcs), 0);
	return m;
}

static void unload(struct module *m)
{
	functions_free(m->funcs);
	disasm_xrefs_free(m->xrefs);
	relocs_free(m->relocs);
	symbols_free(m->syms);
	elf_image_free(m->img);
	free(m);
}

static const struct function *func_named(const struct module *m, const char *name)
{
	for (size_t i = 0; i < m->funcs->v.n; i++)
		if (m->funcs->v.v[i].name && !strcmp(m->funcs->v.v[i].name, name))
			return &m->funcs->v.v[i];
	fail_msg("no function %s", name);
	return NULL;
}

/* The names of the functions with init_root set, joined by spaces in address order. */
static void init_roots(const struct module *m, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < m->funcs->v.n; i++)
		if (m->funcs->v.v[i].init_root)
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? " " : "",
						m->funcs->v.v[i].name ? m->funcs->v.v[i].name : "?");
}

static void test_from_symbols(void **state)
{
	struct module *m = load("O0/legacy.o");
	const struct function *f = func_named(m, "legacy_tokenize");

	(void)state;
	assert_int_equal(m->funcs->v.n, m->syms->nfuncs);
	assert_int_equal(f->addr, m->syms->funcs[1]->addr);
	assert_int_equal(f->end - f->addr, 66);
	assert_true(f->exported);
	assert_false(func_named(m, "bump")->exported);
	assert_false(f->init_root);
	assert_false(f->runtime);
	for (size_t i = 1; i < m->funcs->v.n; i++)
		assert_true(m->funcs->v.v[i - 1].end <= m->funcs->v.v[i].addr);
	unload(m);
}

/* A .o's constructor is found through the relocation of its .init_array slot. */
static void test_init_root_relocatable(void **state)
{
	struct module *m = load("O0/legacy.o");
	char roots[512];

	(void)state;
	init_roots(m, roots, sizeof(roots));
	assert_string_equal(roots, "legacy_init");
	unload(m);
}

static void test_init_root_cxx(void **state)
{
	struct module *m = load("O0/legacy_cxx.o");
	char roots[512];

	(void)state;
	init_roots(m, roots, sizeof(roots));
	assert_string_equal(roots, "_GLOBAL__sub_I_legacy.cpp");
	unload(m);
}

/* A linked library: _init/_fini sections and RELATIVE-relocated init/fini array slots. */
static void test_init_root_shared(void **state)
{
	struct module *m = load("O0/liblegacy.so");
	char roots[512];

	(void)state;
	init_roots(m, roots, sizeof(roots));
	assert_string_equal(roots, "_init __do_global_dtors_aux frame_dummy legacy_init _fini");
	unload(m);
}

static void test_runtime(void **state)
{
	struct module *m = load("O0/app");
	static const char *const rt[] = { "_init", "_start", "deregister_tm_clones", "register_tm_clones",
					  "__do_global_dtors_aux", "frame_dummy", "_fini" };
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(rt) / sizeof(*rt); i++)
		assert_true(func_named(m, rt[i])->runtime);
	for (size_t i = 0; i < m->funcs->v.n; i++)
		n += m->funcs->v.v[i].runtime;
	assert_int_equal(n, sizeof(rt) / sizeof(*rt));
	assert_false(func_named(m, "main")->runtime);
	assert_false(func_named(m, "legacy_init")->runtime);
	unload(m);
}

/* Stripped: no names; every user function of the unstripped twin is found with the same extent. */
static void test_stripped_discovery(void **state)
{
	struct module *s = load("O0/app-stripped");
	struct module *a = load("O0/app");
	size_t matched = 0;

	(void)state;
	assert_false(s->img->has_symtab);
	for (size_t i = 0; i < s->funcs->v.n; i++) {
		assert_null(s->funcs->v.v[i].name);
		assert_false(s->funcs->v.v[i].exported);
	}
	for (size_t i = 0; i < a->funcs->v.n; i++) {
		const struct function *f = &a->funcs->v.v[i];
		long k;

		if (f->runtime)
			continue;
		k = functions_find(s->funcs, f->addr);
		assert_true(k >= 0);
		assert_int_equal(s->funcs->v.v[k].addr, f->addr);
		assert_int_equal(s->funcs->v.v[k].end, f->end);
		matched++;
	}
	assert_int_equal(matched, 22);
	unload(a);
	unload(s);
}

/* Stripped: a "call" decoded from bytes after a return lands inside the next function; that is
 * no function start (the guard would patch the middle of an instruction there). */
static void test_stripped_misdecoded_call(void **state)
{
	struct module *s = load("asm/libmisdecode-stripped.so");
	struct module *a = load("asm/libmisdecode.so");
	const struct function *outer = func_named(a, "outer"), *inner = func_named(a, "inner");

	(void)state;
	assert_int_equal(s->funcs->v.n, 2);
	assert_int_equal(s->funcs->v.v[0].addr, outer->addr);
	assert_int_equal(s->funcs->v.v[1].addr, inner->addr);
	assert_int_equal(s->funcs->v.v[1].end, inner->end);
	assert_true(s->funcs->v.v[0].anchored);
	assert_true(s->funcs->v.v[1].anchored);
	unload(a);
	unload(s);
}

/* Stripped: the constructor, the CRT array entries and .init/.fini are the loader-run roots. */
static void test_stripped_init_roots(void **state)
{
	struct module *s = load("O0/app-stripped");
	struct module *a = load("O0/app");
	static const char *const roots[] = { "_init", "__do_global_dtors_aux", "frame_dummy", "legacy_init",
					     "_fini" };
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(roots) / sizeof(*roots); i++) {
		long k = functions_find(s->funcs, func_named(a, roots[i])->addr);

		assert_true(k >= 0);
		assert_int_equal(s->funcs->v.v[k].addr, func_named(a, roots[i])->addr);
		assert_true(s->funcs->v.v[k].init_root);
	}
	for (size_t i = 0; i < s->funcs->v.n; i++)
		n += s->funcs->v.v[i].init_root;
	assert_int_equal(n, sizeof(roots) / sizeof(*roots));
	assert_false(s->funcs->v.v[functions_find(s->funcs, func_named(a, "setup_helper")->addr)].init_root);
	unload(a);
	unload(s);
}

static void test_find(void **state)
{
	struct module *m = load("O0/legacy.o");
	const struct function *f = func_named(m, "legacy_next");
	long i = functions_find(m->funcs, f->addr);

	(void)state;
	assert_true(i >= 0);
	assert_ptr_equal(&m->funcs->v.v[i], f);
	assert_int_equal(functions_find(m->funcs, f->end - 1), i);
	assert_int_equal(functions_find(m->funcs, f->end), i + 1);
	assert_int_equal(functions_find(m->funcs, m->funcs->v.v[0].addr - 1), -1);
	assert_int_equal(functions_find(m->funcs, m->funcs->v.v[m->funcs->v.n - 1].end), -1);
	unload(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_symbols),
		cmocka_unit_test(test_init_root_relocatable),
		cmocka_unit_test(test_init_root_cxx),
		cmocka_unit_test(test_init_root_shared),
		cmocka_unit_test(test_runtime),
		cmocka_unit_test(test_stripped_discovery),
		cmocka_unit_test(test_stripped_init_roots),
		cmocka_unit_test(test_stripped_misdecoded_call),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests_name("functions", tests, NULL, NULL);
}
