/* Unit tests of packed reports: a report analysed from a fixture packs and unpacks to the same
 * JSON (with ignored entries, anchored starts and demangled functions kept), and every
 * truncated or damaged packing is refused without a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include "analysis.h"
#include "report_json.h"
#include "report_pack.h"

static struct module_report *analyze(const char *rel)
{
	const char *base = getenv("FX");
	char path[512];
	struct input_unit u = { .path = path, .display = path };
	struct analysis_options o = { 0 };
	struct module_report *r = NULL;
	struct rules *rules = rules_new();

	snprintf(path, sizeof(path), "%s/%s", base && *base ? base : "build/fixtures", rel);
	assert_non_null(rules);
	assert_int_equal(rules_load_builtin(rules, NULL), 0);
	o.rules = rules;
	o.libc = LIBC_ANY;
	o.jobs = 1;
	assert_int_equal(analysis_run(&o, &u, &r), 0);
	rules_free(rules);
	return r;
}

static void round_trip(const char *rel)
{
	struct module_report *r = analyze(rel), *back = NULL;
	char *bytes, *a, *b;
	size_t len;

	assert_int_equal(report_pack(r, &bytes, &len), 0);
	assert_int_equal(report_unpack(bytes, len, r->path, r->member, &back), 0);
	a = report_json_render(&r, 1, NULL, true);
	b = report_json_render(&back, 1, NULL, true);
	assert_string_equal(a, b);
	assert_string_equal(back->display, r->display);
	assert_string_equal(back->module, r->module);
	assert_int_equal(back->nfunctions, r->nfunctions);
	for (size_t i = 0; i < r->nfunctions; i++)
		assert_int_equal(back->functions[i].anchored, r->functions[i].anchored);
	for (size_t i = 0; i < r->nfindings; i++) {
		const char *x = r->findings[i].function_demangled, *y = back->findings[i].function_demangled;

		assert_true((!x && !y) || (x && y && !strcmp(x, y)));
	}
	free(a);
	free(b);
	free(bytes);
	module_report_free(back);
	module_report_free(r);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip("O0/legacy.o");
	round_trip("O2/liblegacy_cxx.so");
	round_trip("O0/app_cxx-stripped");
}

/* Every prefix, and every byte flipped, either unpacks or is refused: never a crash or leak. */
static void test_damage(void **state)
{
	struct module_report *r = analyze("O2/legacy.o"), *back;
	char *bytes;
	size_t len;

	(void)state;
	assert_int_equal(report_pack(r, &bytes, &len), 0);
	for (size_t n = 0; n < len; n++) {
		back = NULL;
		assert_int_equal(report_unpack(bytes, n, "p", NULL, &back), -EINVAL);
		assert_null(back);
	}
	for (size_t i = 0; i < len; i++) {
		back = NULL;
		bytes[i] ^= 0xff;
		if (report_unpack(bytes, len, "p", NULL, &back) == 0)
			module_report_free(back);
		bytes[i] ^= 0xff;
	}
	bytes[0] = 'X';
	assert_int_equal(report_unpack(bytes, len, "p", NULL, &back), -EINVAL);
	free(bytes);
	module_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
