/* Unit tests for text: whole-file reads (contents, length, NUL bytes, errors) and trimming. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "text.h"

static char dir[] = "/tmp/confine-test-text-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *bytes, size_t n)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void test_read(void **state)
{
	char *text = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(text_read_file(write_file("a", "one\ntwo\n", 8), &text, &len), 0);
	assert_string_equal(text, "one\ntwo\n");
	assert_int_equal(len, 8);
	free(text);
	assert_int_equal(text_read_file(write_file("empty", "", 0), &text, NULL), 0);
	assert_string_equal(text, "");
	free(text);
}

/* Bigger than one read: the buffer grows and every byte arrives. */
static void test_read_large(void **state)
{
	size_t n = 200000;
	char *big = malloc(n), *text = NULL;
	size_t len = 0;

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(text_read_file(write_file("big", big, n), &text, &len), 0);
	assert_int_equal(len, n);
	assert_memory_equal(text, big, n);
	assert_int_equal(text[n], '\0');
	free(text);
	free(big);
}

/* A NUL byte: the length tells, strlen stops there. */
static void test_read_nul(void **state)
{
	char *text = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(text_read_file(write_file("nul", "ab\0cd", 5), &text, &len), 0);
	assert_int_equal(len, 5);
	assert_int_equal(strlen(text), 2);
	free(text);
}

static void test_read_errors(void **state)
{
	char path[256], *text = (char *)"untouched";

	(void)state;
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(text_read_file(path, &text, NULL), -ENOENT);
	assert_int_equal(text_read_file(dir, &text, NULL), -EISDIR);
	assert_string_equal(text, "untouched");
}

/* text_write_file replaces the whole file and leaves no temporary file; on error the old
 * content stays. */
static void test_write(void **state)
{
	char path[256], bad[300], *text = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/out", dir);
	assert_int_equal(text_write_file(path, "first version\n"), 0);
	assert_int_equal(text_write_file(path, "two\n"), 0);
	assert_int_equal(text_read_file(path, &text, NULL), 0);
	assert_string_equal(text, "two\n");
	free(text);
	snprintf(bad, sizeof(bad), "%s/missing/out", dir);
	assert_int_equal(text_write_file(bad, "x"), -ENOENT);
	assert_int_equal(text_write_file(dir, "x"), -EISDIR);
	snprintf(bad, sizeof(bad), "%s/out.tmp.%ld", dir, (long)getpid());
	assert_int_equal(access(bad, F_OK), -1);
	assert_int_equal(text_read_file(path, &text, NULL), 0);
	assert_string_equal(text, "two\n");
	free(text);
}

static void test_trim(void **state)
{
	char a[] = " \t key = value \t\r", b[] = "", c[] = "   ", d[] = "x";

	(void)state;
	assert_string_equal(text_trim(a), "key = value");
	assert_string_equal(text_trim(b), "");
	assert_string_equal(text_trim(c), "");
	assert_string_equal(text_trim(d), "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_read_large),
		cmocka_unit_test(test_read_nul),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_trim),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
