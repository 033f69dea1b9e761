/* Unit tests of saved reports: JSON documents and JSONL lines read back into module reports,
 * rendered again unchanged, and every malformed input named with its line and field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include "report_json.h"
#include "saved_report.h"

static char last_error[1024];

static void capture(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		snprintf(last_error, sizeof(last_error), "%s", msg);
}

static const struct diag d = { capture, NULL };

static const char module_json[] =
	"{\"path\": \"lib/a.a\", \"type\": \"relocatable\", \"member\": \"x.o\", \"build_id\": null,"
	" \"stripped\": false, \"debug_info\": true, \"findings\": ["
	"{\"kind\": \"mutable-local-static\", \"symbol\": \"count.0\", \"demangled\": \"count.0\","
	" \"name\": \"count\", \"function\": \"tick\", \"section\": \".bss\", \"size\": 4,"
	" \"address\": \"0x10\", \"file\": \"x.c\", \"line\": 3, \"column\": 7, \"readers\": [\"tick\"],"
	" \"writers\": [\"tick\"], \"guarded_init\": false, \"fingerprint\": \"0123456789abcdef\"},"
	"{\"kind\": \"non-reentrant-call\", \"symbol\": \"strtok\", \"demangled\": \"strtok\","
	" \"name\": \"strtok\", \"function\": \"split\", \"file\": null, \"line\": null,"
	" \"group\": \"strtok\", \"alternative\": \"strtok_r\", \"severity\": \"error\","
	" \"category\": \"state\", \"sites\": [{\"address\": \"0x2a\", \"function\": \"split\","
	" \"file\": null, \"line\": null, \"how\": \"tail-call\"}], \"fingerprint\": \"fedcba9876543210\"}],"
	" \"functions\": [{\"name\": \"split\", \"demangled\": \"split\", \"address\": \"0x20\","
	" \"size\": 16, \"guard\": true, \"direct\": [\"strtok\"], \"via\": [], \"init_only\": false,"
	" \"exported\": true, \"entry_branches\": 4}],"
	" \"ignored\": [{\"symbol\": \"tab\", \"reason\": \"read-only after relocation\"},"
	" {\"symbol\": \"tab2\", \"reason\": \"read-only after relocation\"}]}";

static void test_module_fields(void **state)
{
	struct saved_results s = { 0 };
	struct module_report *r;

	(void)state;
	assert_int_equal(saved_report_parse(module_json, strlen(module_json), "t", &d, &s), 0);
	assert_int_equal(s.n, 1);
	r = s.mods[0];
	assert_string_equal(r->display, "lib/a.a(x.o)");
	assert_string_equal(r->module, "a.a(x.o)");
	assert_int_equal(r->type, IMAGE_RELOCATABLE);
	assert_int_equal(r->nfindings, 2);
	assert_int_equal(r->findings[0].kind, KIND_MUTABLE_LOCAL_STATIC);
	assert_int_equal(r->findings[0].addr, 0x10);
	assert_int_equal(r->findings[0].line, 3);
	assert_int_equal(r->findings[0].column, 7);
	assert_int_equal(r->findings[1].column, 0);   /* no "column": a report saved before columns */
	assert_string_equal(r->findings[0].writers.v[0], "tick");
	assert_string_equal(r->findings[0].fingerprint, "0123456789abcdef");
	assert_int_equal(r->findings[1].severity, SEVERITY_ERROR);
	assert_null(r->findings[1].file);
	assert_int_equal(r->findings[1].nsites, 1);
	assert_string_equal(r->findings[1].sites[0].how, "tail-call");
	assert_int_equal(r->nfunctions, 1);
	assert_true(r->functions[0].direct && r->functions[0].guard && r->functions[0].exported);
	assert_false(r->functions[0].anchored);
	assert_int_equal(r->functions[0].entry_branches, 4);
	assert_int_equal(r->nignored, 2);
	assert_ptr_equal(r->ignored[0].reason, r->ignored[1].reason);
	assert_int_equal(r->held.n, 1);
	saved_results_clear(&s);
}

/* A document rendered from reports read back renders the same again. */
static void test_round_trip(void **state)
{
	struct saved_results s = { 0 }, again = { 0 };
	char *first, *second;

	(void)state;
	assert_int_equal(saved_report_parse(module_json, strlen(module_json), "t", &d, &s), 0);
	first = report_json_render(s.mods, s.n, &s.errors, true);
	assert_non_null(first);
	assert_int_equal(saved_report_parse(first, strlen(first), "t", &d, &again), 0);
	second = report_json_render(again.mods, again.n, &again.errors, true);
	assert_string_equal(first, second);
	assert_non_null(strstr(first, "\"how\": \"tail-call\""));
	assert_non_null(strstr(first, "\"line\": 3,\n          \"column\": 7,"));
	free(first);
	free(second);
	saved_results_clear(&s);
	saved_results_clear(&again);
}

/* Strings that need escaping (a quote, a backslash, a control character) are escaped as jansson
 * does, UTF-8 is kept as it is, and each reads back the same. */
static void test_escaped_strings(void **state)
{
	static const char *const paths[] = { "a\\\"b.o", "a\\\\b.o", "a\\tb.o", "\\u00e9.o" };   /* JSON */
	static const char *const written[] = { "a\\\"b.o", "a\\\\b.o", "a\\tb.o", "\xc3\xa9.o" };

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
		struct saved_results s = { 0 }, again = { 0 };
		char *text, *out, *want;

		assert_true(asprintf(&text, "{\"path\": \"%s\"%s", paths[i], strchr(module_json, ',')) > 0);
		assert_true(asprintf(&want, "\n      \"path\": \"%s\",\n", written[i]) > 0);
		assert_int_equal(saved_report_parse(text, strlen(text), "t", &d, &s), 0);
		out = report_json_render(s.mods, s.n, &s.errors, false);
		assert_non_null(out);
		assert_non_null(strstr(out, want));
		assert_int_equal(saved_report_parse(out, strlen(out), "t", &d, &again), 0);
		assert_string_equal(again.mods[0]->path, s.mods[0]->path);
		free(text);
		free(want);
		free(out);
		saved_results_clear(&s);
		saved_results_clear(&again);
	}
}

/* JSONL: one module per line, errors as their own lines, and whole documents mixed in. */
static void test_jsonl(void **state)
{
	struct saved_results s = { 0 };
	char *text;

	(void)state;
	assert_true(asprintf(&text, "%s\n{\"error\": \"b.so: not an ELF file\"}\n%s\n"
			     "{\"tool\": \"confine\", \"version\": \"0\", \"modules\": [%s], \"errors\": [\"c: gone\"]}\n",
			     module_json, module_json, module_json) > 0);
	assert_int_equal(saved_report_parse(text, strlen(text), "t", &d, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.errors.n, 2);
	assert_string_equal(s.errors.v[0], "b.so: not an ELF file");
	assert_string_equal(s.errors.v[1], "c: gone");
	free(text);
	saved_results_clear(&s);
}

static void expect_bad(const char *text, int err, const char *msg)
{
	struct saved_results s = { 0 };

	last_error[0] = '\0';
	assert_int_equal(saved_report_parse(text, strlen(text), "saved.json", &d, &s), err);
	assert_string_equal(last_error, msg);
	saved_results_clear(&s);
}

static void test_errors(void **state)
{
	(void)state;
	expect_bad(" \n", -EINVAL, "saved.json: empty: not a confine scan result");
	expect_bad("{\"error\": \"x\"}\n\n{\"path\": ", -EINVAL,
		   "saved.json:3: not JSON: unexpected token near end of file");
	expect_bad("{\"tool\": \"other\", \"modules\": []}", -EINVAL,
		   "saved.json:1: not a confine scan result: bad or missing \"tool\"");
	expect_bad("\n{\"modules\": [{\"path\": \"a\", \"findings\": [{\"kind\": \"cross-thread-call\"}]}]}",
		   -EINVAL, "saved.json:2: not a confine scan result: bad or missing \"type\"");
	expect_bad("{\"path\": \"a\", \"type\": \"shared\", \"member\": null, \"build_id\": null, "
		   "\"stripped\": true, \"debug_info\": false, \"findings\": [{\"kind\": \"cross-thread-call\"}]}",
		   -EINVAL, "saved.json:1: not a confine scan result: bad or missing \"kind\"");
	expect_bad("{\"modules\": [], \"errors\": [3]}", -EINVAL,
		   "saved.json:1: not a confine scan result: bad or missing \"errors\"");
	expect_bad("[1, 2]", -EINVAL, "saved.json:1: not a confine scan result: bad or missing \"tool\"");
}

/* A module's awareness: the reason is read back (policies tell creating threads from
 * synchronising); a report saved without it counts as synchronisation. */
static void test_aware_reason(void **state)
{
	static const char head[] = "{\"path\": \"a.so\", \"type\": \"shared\", \"member\": null,"
				   " \"build_id\": null, \"stripped\": true, \"debug_info\": false,"
				   " \"findings\": [], \"functions\": [], \"thread_aware\": true,"
				   " \"evidence\": \"uses pthread_create\"";
	struct saved_results s = { 0 }, old = { 0 };
	char *text, *out;

	(void)state;
	assert_true(asprintf(&text, "%s, \"aware_reason\": \"threads\"}", head) > 0);
	assert_int_equal(saved_report_parse(text, strlen(text), "t", &d, &s), 0);
	assert_true(s.mods[0]->aware.aware);
	assert_int_equal(s.mods[0]->aware.reason, AWARE_THREADS);
	out = report_json_render(s.mods, s.n, &s.errors, false);
	assert_non_null(strstr(out, "\"evidence\": \"uses pthread_create\",\n      \"aware_reason\": \"threads\""));
	free(out);
	free(text);
	assert_true(asprintf(&text, "%s}", head) > 0);
	assert_int_equal(saved_report_parse(text, strlen(text), "t", &d, &old), 0);
	assert_int_equal(old.mods[0]->aware.reason, AWARE_SYNC);
	free(text);
	assert_true(asprintf(&text, "%s, \"aware_reason\": \"magic\"}", head) > 0);
	expect_bad(text, -EINVAL, "saved.json:1: not a confine scan result: bad or missing \"aware_reason\"");
	free(text);
	saved_results_clear(&s);
	saved_results_clear(&old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_fields),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_escaped_strings),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_aware_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
