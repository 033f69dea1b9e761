/* Unit tests of the rules module: the line format, defaults, errors, lookup and the built-in set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include "rules.h"

static char last_error[1024];

static void capture(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		snprintf(last_error, sizeof(last_error), "%s", msg);
}

static const struct diag diag = { capture, NULL };

static void test_full_line(void **state)
{
	struct rules *r = rules_new();
	const struct rule *ru;

	(void)state;
	assert_int_equal(rules_parse(r, "ctime tmbuf,asctime error state ctime_r,strftime glibc,posix __ctime64\n",
				     "t", &diag), 0);
	ru = rules_find(r, "ctime", LIBC_ANY);
	assert_non_null(ru);
	assert_string_equal(ru->group, "tmbuf,asctime");
	assert_string_equal(ru->alternative, "ctime_r,strftime");
	assert_int_equal(ru->severity, SEVERITY_ERROR);
	assert_int_equal(ru->category, CATEGORY_STATE);
	assert_int_equal(ru->sources, SOURCE_GLIBC | SOURCE_POSIX);
	assert_ptr_equal(rules_find(r, "__ctime64", LIBC_ANY), ru);
	assert_ptr_equal(rules_find(r, "ctime@GLIBC_2.2.5", LIBC_ANY), ru);
	assert_ptr_equal(rules_find(r, "ctime@@GLIBC_2.2.5", SOURCE_POSIX), ru);
	assert_null(rules_find(r, "ctime_r", LIBC_ANY));
	rules_free(r);
}

static void test_user_defaults(void **state)
{
	struct rules *r = rules_new();
	const struct rule *ru;

	(void)state;
	assert_int_equal(rules_parse(r, "# my API\n\nlegacy_parse   # trailing comment\n", "t", &diag), 0);
	ru = rules_find(r, "legacy_parse", SOURCE_GLIBC);
	assert_non_null(ru);
	assert_string_equal(ru->group, "legacy_parse");
	assert_null(ru->alternative);
	assert_int_equal(ru->severity, SEVERITY_ERROR);
	assert_int_equal(ru->category, CATEGORY_STATE);
	assert_int_equal(ru->sources, SOURCE_USER);
	rules_free(r);
}

static void test_libc_selection(void **state)
{
	struct rules *r = rules_new();

	(void)state;
	assert_int_equal(rules_parse(r, "rand rand warning posix rand_r posix\n"
					"getopt getopt error state - glibc\n", "t", &diag), 0);
	assert_non_null(rules_find(r, "rand", SOURCE_POSIX));
	assert_null(rules_find(r, "rand", SOURCE_GLIBC));
	assert_non_null(rules_find(r, "getopt", SOURCE_GLIBC));
	assert_null(rules_find(r, "getopt", SOURCE_POSIX));
	assert_non_null(rules_find(r, "getopt", LIBC_ANY));
	rules_free(r);
}

static void test_replace(void **state)
{
	struct rules *r = rules_new();

	(void)state;
	assert_int_equal(rules_parse(r, "strtok strtok error state strtok_r glibc\n", "a", &diag), 0);
	assert_int_equal(rules_parse(r, "strtok strtok warning state - user\n", "b", &diag), 0);
	assert_int_equal(rules_count(r), 1);
	assert_int_equal(rules_find(r, "strtok", LIBC_ANY)->severity, SEVERITY_WARNING);
	rules_free(r);
}

static void expect_error(const char *text, const char *message)
{
	struct rules *r = rules_new();

	last_error[0] = '\0';
	assert_int_equal(rules_parse(r, text, "user.rules", &diag), -EINVAL);
	assert_string_equal(last_error, message);
	rules_free(r);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("ok\nf g fatal\n", "user.rules:2: severity must be 'error' or 'warning'");
	expect_error("f g error racy\n", "user.rules:1: category must be 'state', 'env' or 'posix'");
	expect_error("\n\nf g error state - musl\n",
		     "user.rules:3: source must be a comma-separated list of 'glibc', 'posix' and 'user'");
	expect_error("a b error state - user - - extra\n",
		     "user.rules:1: too many fields (at most 8: function group severity category alternative source aliases query)");
	expect_error("a b error env - - - arg7=NULL\n",
		     "user.rules:1: query must be 'always' or 'argN=NULL' (N from 1 to 6)");
	expect_error("a b error env - - - arg2=NULLx\n",
		     "user.rules:1: query must be 'always' or 'argN=NULL' (N from 1 to 6)");
	expect_error("a b error env - - - sometimes\n",
		     "user.rules:1: query must be 'always' or 'argN=NULL' (N from 1 to 6)");
}

static void test_query(void **state)
{
	struct rules *r = rules_new();
	char buf[16];

	(void)state;
	assert_int_equal(rules_parse(r, "getcfg cfg error env - user - always\n"
				     "setcfg cfg error env - user - arg1=NULL\n", "q", &diag), 0);
	assert_int_equal(rules_find(r, "getcfg", LIBC_ANY)->query, QUERY_ALWAYS);
	assert_string_equal(rule_query_text(rules_find(r, "getcfg", LIBC_ANY), buf), "always");
	assert_int_equal(rules_find(r, "setcfg", LIBC_ANY)->query_arg, 1);
	assert_string_equal(rule_query_text(rules_find(r, "setcfg", LIBC_ANY), buf), "arg1=NULL");
	rules_free(r);
}

static void test_builtin(void **state)
{
	struct rules *r = rules_new();
	const struct rule *ru;

	(void)state;
	assert_int_equal(rules_load_builtin(r, &diag), 0);
	ru = rules_find(r, "localtime", LIBC_ANY);
	assert_non_null(ru);
	assert_string_equal(ru->group, "tmbuf");
	assert_string_equal(ru->alternative, "localtime_r");
	assert_int_equal(ru->severity, SEVERITY_ERROR);
	assert_string_equal(rules_find(r, "ctime", LIBC_ANY)->group, "tmbuf,asctime");
	assert_int_equal(rules_find(r, "rand", LIBC_ANY)->severity, SEVERITY_WARNING);
	assert_int_equal(rules_find(r, "rand", LIBC_ANY)->category, CATEGORY_POSIX);
	assert_int_equal(rules_find(r, "setenv", LIBC_ANY)->category, CATEGORY_ENV);
	assert_int_equal(rules_find(r, "setlocale", LIBC_ANY)->category, CATEGORY_ENV);
	/* setlocale(category, NULL) reads the locale's name: a query. */
	assert_int_equal(rules_find(r, "setlocale", LIBC_ANY)->query, QUERY_NULL_ARG);
	assert_int_equal(rules_find(r, "setlocale", LIBC_ANY)->query_arg, 2);
	assert_int_equal(rules_find(r, "setenv", LIBC_ANY)->query, QUERY_NEVER);
	assert_int_equal(rules_find(r, "exit", LIBC_ANY)->severity, SEVERITY_WARNING);
	assert_ptr_equal(rules_find(r, "__xpg_basename", LIBC_ANY), rules_find(r, "basename", LIBC_ANY));
	assert_null(rules_find(r, "strtok_r", LIBC_ANY));
	assert_null(rules_find(r, "localtime_r", LIBC_ANY));
	assert_null(rules_find(r, "sigprocmask", LIBC_ANY));   /* unsafe only on BSD */
	assert_null(rules_find(r, "sleep", LIBC_ANY));         /* signal behaviour, no hidden state */
	rules_free(r);
}

static void test_libc_parse(void **state)
{
	(void)state;
	assert_int_equal(rules_libc_parse("any"), LIBC_ANY);
	assert_int_equal(rules_libc_parse("glibc"), SOURCE_GLIBC);
	assert_int_equal(rules_libc_parse("posix"), SOURCE_POSIX);
	assert_int_equal(rules_libc_parse("musl"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_line),
		cmocka_unit_test(test_user_defaults),
		cmocka_unit_test(test_libc_selection),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_libc_parse),
	};

	return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
