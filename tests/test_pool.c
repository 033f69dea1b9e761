/* Unit tests of the CLI's pool: messages of each unit in input order, and an out-of-memory
 * message (asprintf failing, injected through -Wl,--wrap=asprintf) reported, not a crash. */
#include "helpers.h"
#include "pool.h"

static int asprintf_fails;   /* the next calls that fail */

int __wrap_asprintf(char **strp, const char *fmt, ...);

/* Fails as glibc may: -1, with *strp left indeterminate (poisoned here, so that freeing it
 * crashes). */
int __wrap_asprintf(char **strp, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (asprintf_fails > 0) {
		asprintf_fails--;
		*strp = (char *)(uintptr_t)0xdeadbeef;
		return -1;
	}
	va_start(ap, fmt);
	n = vasprintf(strp, fmt, ap);
	va_end(ap);
	return n;
}

static struct input_unit units[] = {
	{ .path = "a.txt", .display = "a.txt", .error = "not an ELF file or archive" },
	{ .path = "b.txt", .display = "b.txt", .error = "No such file or directory" },
};

static const struct input_list list = { units, 2, 2 };

static void test_messages_in_order(void **state)
{
	struct analysis_options o = { NULL, LIBC_ANY, 1, test_diag, DISASM_ZYDIS };
	struct pool_result res;

	(void)state;
	assert_int_equal(pool_run(&list, &o, 2, false, DIAG_WARN, &res), 0);
	assert_int_equal(res.n, 2);
	assert_int_equal(res.failed, 2);
	assert_int_equal(res.messages[0].n, 1);
	assert_string_equal(res.messages[0].v[0], "error: a.txt: not an ELF file or archive");
	assert_int_equal(res.messages[1].n, 1);
	assert_string_equal(res.messages[1].v[0], "error: b.txt: No such file or directory");
	pool_result_free(&res);
}

/* A message that cannot be formatted makes the run fail with -ENOMEM; the other unit's
 * message is kept. */
static void test_asprintf_failure(void **state)
{
	struct analysis_options o = { NULL, LIBC_ANY, 1, test_diag, DISASM_ZYDIS };
	struct pool_result res;

	(void)state;
	asprintf_fails = 1;
	assert_int_equal(pool_run(&list, &o, 1, false, DIAG_WARN, &res), -ENOMEM);
	assert_int_equal(asprintf_fails, 0);
	assert_int_equal(res.failed, 2);
	assert_int_equal(res.messages[0].n, 0);
	assert_int_equal(res.messages[1].n, 1);
	assert_string_equal(res.messages[1].v[0], "error: b.txt: No such file or directory");
	pool_result_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages_in_order),
		cmocka_unit_test(test_asprintf_failure),
	};

	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
