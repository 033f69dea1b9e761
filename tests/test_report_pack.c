/* Unit tests of packed reports: a report analysed from a fixture packs and unpacks to the same
 * JSON (with ignored entries, anchored starts and demangled functions kept), and every
 * truncated or damaged packing is refused without a crash. */
#include "helpers.h"
#include "report_json.h"
#include "report_pack.h"

static void round_trip(const char *rel)
{
	struct module_report *r = test_analyze(rel), *back = NULL;
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
	struct module_report *r = test_analyze("O2/legacy.o"), *back;
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
