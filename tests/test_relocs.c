/* Unit tests of the relocation lookups: code relocations in a range, and an empty range or an
 * empty table answered without arithmetic on a NULL table (NULL and a count of 0). */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_in_range),
		cmocka_unit_test(test_code_in_empty_range),
		cmocka_unit_test(test_code_in_no_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
