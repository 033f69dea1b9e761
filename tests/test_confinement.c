/* Unit tests of confinement: which of a policy's functions the guard confines, and why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "confinement.h"

/* A module: unit 0 is legacy C++ (naive), unit 1 Rust (aware); functions:
 * 0 legacy::handle (unit 0, state), 1 legacy::wrap (unit 0, only calls), 2 std::rt::init (unit
 * 1, state), 3 anon (no unit, state). */
static struct policy_unit units[] = {
	{ "src/legacy.cpp", 0x21, { false, NULL } },
	{ "library/std/src/lib.rs", 0x1c, { true, "written in Rust" } },
};

static struct policy_fn fns[] = {
	{ .name = "_ZN6legacy6handleEPKc", .demangled = "legacy::handle(char const*)", .unit = 0, .state = true },
	{ .name = "_ZN6legacy4wrapEv", .demangled = "legacy::wrap()", .unit = 0, .state = false },
	{ .name = "_RNvCs1_3std4init", .demangled = "std::rt::init", .unit = 1, .state = true },
	{ .name = "anon", .demangled = "anon", .unit = -1, .state = true },
};

static const struct policy_module module = { "/srv/app", "", fns, 4, { true, "uses pthread_mutex_lock" },
					     units, 2 };

/* Decides each function; want holds one letter per function: c confined, - left alone. */
static void expect(const struct confinement *c, const char *want, const char *why0)
{
	const char *why, *detail;

	for (size_t i = 0; i < 4; i++) {
		bool got = confinement_decide(c, &module, i, &why, &detail);

		assert_int_equal(got, want[i] == 'c');
		if (i == 0)
			assert_string_equal(why, why0);
	}
}

static void test_naive(void **state)
{
	struct confinement c = { CONFINE_NAIVE, "", "" };
	const char *why, *detail;

	(void)state;
	expect(&c, "c---", "thread-naive");
	/* Left alone with the evidence: its unit's, or the module's without a unit. */
	assert_false(confinement_decide(&c, &module, 2, &why, &detail));
	assert_string_equal(why, "thread-aware");
	assert_string_equal(detail, "written in Rust");
	assert_false(confinement_decide(&c, &module, 3, &why, &detail));
	assert_string_equal(detail, "uses pthread_mutex_lock");
	/* A function that only calls listed functions is never confined for it. */
	assert_false(confinement_decide(&c, &module, 1, &why, &detail));
	assert_string_equal(why, "no unprotected state of its own");
}

static void test_selections(void **state)
{
	struct confinement by_fn = { CONFINE_NAIVE, "std::rt::*", "" };
	struct confinement by_symbol = { CONFINE_NAIVE, "anon", "" };
	struct confinement by_unit = { CONFINE_NAIVE, "", "lib.rs" };
	struct confinement only = { CONFINE_SELECTED, "legacy::wrap*,anon", "" };
	const char *why, *detail;

	(void)state;
	expect(&by_fn, "c-c-", "thread-naive");
	assert_true(confinement_decide(&by_fn, &module, 2, &why, &detail));
	assert_string_equal(why, "selected by functions=");
	expect(&by_symbol, "c--c", "thread-naive");
	expect(&by_unit, "c-c-", "thread-naive");
	assert_true(confinement_decide(&by_unit, &module, 2, &why, &detail));
	assert_string_equal(why, "selected by units=");
	/* selected: nothing else; a function without state of its own stays out even when named. */
	expect(&only, "---c", "not selected (confine=selected)");
}

static void test_modes(void **state)
{
	struct confinement unprotected = { CONFINE_UNPROTECTED, "", "" };
	struct confinement all = { CONFINE_ALL, "", "" };

	(void)state;
	expect(&unprotected, "c-cc", "confine=unprotected");
	expect(&all, "cccc", "confine=all");
	assert_int_equal(confinement_mode_parse("naive"), CONFINE_NAIVE);
	assert_int_equal(confinement_mode_parse("unprotected"), CONFINE_UNPROTECTED);
	assert_int_equal(confinement_mode_parse("all"), CONFINE_ALL);
	assert_int_equal(confinement_mode_parse("selected"), CONFINE_SELECTED);
	assert_int_equal(confinement_mode_parse("some"), -1);
	assert_int_equal(confinement_mode_parse(NULL), -1);
}

static void test_glob_list(void **state)
{
	(void)state;
	assert_true(confinement_glob_list("a*,legacy::*", "legacy::handle(char const*)"));
	assert_true(confinement_glob_list("legacy.cpp", "src/legacy.cpp"));
	assert_true(confinement_glob_list("*/src/*", "/home/u/src/legacy.cpp"));
	assert_false(confinement_glob_list("", "x"));
	assert_false(confinement_glob_list(NULL, "x"));
	assert_false(confinement_glob_list("b*,c", "a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_naive),
		cmocka_unit_test(test_selections),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_glob_list),
	};

	return cmocka_run_group_tests_name("confinement", tests, NULL, NULL);
}
