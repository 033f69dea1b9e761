/* Unit tests of the relocation lookups: code relocations in a range, and an empty range or an
 * empty table answered without arithmetic on a NULL table (NULL and a count of 0); the text
 * relocations of a linked file as code relocations. */
#include "helpers.h"
#include "relocs.h"

static struct reloc code[] = {
	{ .offset = 0x10, .type = 2 }, { .offset = 0x20, .type = 4 }, { .offset = 0x30, .type = 2 },
};

static void test_code_in_range(void **state)
{
	struct relocs r = { .code = code, .ncode = 3 };
	size_t n = 99;

	(void)state;
	assert_ptr_equal(relocs_code_in(&r, 0x10, 0x21, &n), &code[0]);
	assert_int_equal(n, 2);
	assert_ptr_equal(relocs_code_in(&r, 0x2f, 0x40, &n), &code[2]);
	assert_int_equal(n, 1);
	assert_int_equal(relocs_code_first(&r, 0x11), 1);
	assert_int_equal(relocs_code_first(&r, 0x31), 3);
}

/* Nothing in the range: NULL, not a pointer into (or past) the table. */
static void test_code_in_empty_range(void **state)
{
	struct relocs r = { .code = code, .ncode = 3 };
	size_t n = 99;

	(void)state;
	assert_null(relocs_code_in(&r, 0x11, 0x20, &n));
	assert_int_equal(n, 0);
	assert_null(relocs_code_in(&r, 0x31, 0x40, &n));
	assert_int_equal(n, 0);
}

/* A module without code relocations has no table at all. */
static void test_code_in_no_table(void **state)
{
	struct relocs r = { 0 };
	size_t n = 99;

	(void)state;
	assert_null(relocs_code_in(&r, 0, UINT64_MAX, &n));
	assert_int_equal(n, 0);
	assert_int_equal(relocs_code_first(&r, 0x10), 0);
	assert_null(relocs_data_at(&r, 0x10));
}

static const struct sym *object_named(const struct symbols *s, const char *name)
{
	for (size_t i = 0; i < s->nobjects; i++)
		if (!strcmp(s->objects[i]->name, name))
			return s->objects[i];
	return NULL;
}

/* Non-PIC code linked with -z notext: the dynamic relocations patching .text are code
 * relocations (a static's address, RELATIVE; an import, R_X86_64_64), and stay data ones. */
static void test_text_relocations(void **state)
{
	struct test_module_opts o = { .stages = TM_RELOCS, .d = &test_diag_strict };
	struct test_module *m = test_module_open("textrel/O2/libtextrel.so", &o);
	const struct sym *count = object_named(m->syms, "s_count");
	bool relative = false, import = false;

	(void)state;
	assert_non_null(count);
	assert_true(m->img->textrel);
	assert_true(m->relocs->ncode > 0);
	for (size_t i = 0; i < m->relocs->ncode; i++) {
		const struct reloc *r = &m->relocs->code[i];
		const struct image_section *t = elf_image_section_at(m->img, r->offset);
		const struct sym *y = symbols_by_index(m->syms, r->symtab_shndx, r->sym);

		assert_non_null(t);
		assert_true(t->flags & SHF_EXECINSTR);
		assert_true(i == 0 || r[-1].offset <= r->offset);
		relative |= r->type == R_X86_64_RELATIVE && (uint64_t)r->addend == count->addr;
		if (r->type == R_X86_64_64 && y && !strcmp(y->name, "strtok")) {
			import = true;
			assert_ptr_equal(relocs_slot_symbol(m->relocs, m->syms, r->offset), y);
		}
	}
	assert_true(relative);
	assert_true(import);
	test_module_free(m);
}

/* The same source built -fPIC: no text relocations, no code relocations. */
static void test_no_text_relocations(void **state)
{
	struct test_module_opts o = { .stages = TM_RELOCS, .d = &test_diag_strict };
	struct test_module *m = test_module_open("textrel/O2/libtextrel-pic.so", &o);

	(void)state;
	assert_false(m->img->textrel);
	assert_int_equal(m->relocs->ncode, 0);
	assert_true(m->relocs->ndata > 0);
	test_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_in_range),
		cmocka_unit_test(test_code_in_empty_range),
		cmocka_unit_test(test_code_in_no_table),
		cmocka_unit_test(test_text_relocations),
		cmocka_unit_test(test_no_text_relocations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
