/* Unit tests of the check report: the exact text lines (new, fixed, summary) and the JSON
 * document of a comparison. */
#include <jansson.h>
#include "helpers.h"
#include "report_check.h"

static struct module_report *r;
static struct baseline base;

static struct finding *add(enum kind k, const char *function, const char *name, const char *file,
			   int line)
{
	struct finding *f = test_finding_add(r, k, function, name, name);

	f->file = file ? strdup(file) : NULL;
	f->line = line;
	f->severity = SEVERITY_ERROR;
	return f;
}

static int setup(void **state)
{
	struct finding *f;

	(void)state;
	r = test_report_new("build/v2/liblegacy.so", "liblegacy.so");
	add(KIND_MUTABLE_STATIC, NULL, "s_fields", "src/legacy.c", 10);
	f = add(KIND_NON_REENTRANT_CALL, "legacy_fields", "strtok", "src/legacy.c", 40);
	f->alternative = strdup("strtok_r");
	f = add(KIND_NON_REENTRANT_CALL, "legacy_roll", "rand", NULL, 0);
	f->severity = SEVERITY_WARNING;
	f = add(KIND_NON_REENTRANT_CALL, "set_tz", "setenv", NULL, 0);
	f->category = CATEGORY_ENV;
	add(KIND_MUTABLE_LOCAL_STATIC, "_ZN6legacy7next_idEv", "id", "src/legacy.cpp", 3);
	return baseline_parse(&base, "confine baseline 1\n[accepted]\n"
			      "0123456789abcdef\tmutable-global\tliblegacy.so\t-\tg_old\tonly main writes it\n"
			      "[generated]\n"
			      "0123456789abcdee\tnon-reentrant-call\tliblegacy.so\t_ZN6legacy4yearEv\tlocaltime\texisting\n",
			      "t", NULL);
}

static int teardown(void **state)
{
	(void)state;
	module_report_free(r);
	baseline_free(&base);
	return 0;
}

/* A diff with findings [first, last) of r new and both baseline entries fixed. */
static void diff_of(struct baseline_diff *d, struct baseline_hit *hits, size_t first, size_t last)
{
	static const struct baseline_entry *fixed[2];

	memset(d, 0, sizeof(*d));
	for (size_t i = first; i < last; i++) {
		hits[d->nadded++] = (struct baseline_hit){ r, &r->findings[i] };
		if (baseline_severity(&r->findings[i]) == SEVERITY_ERROR)
			d->errors++;
		else
			d->warnings++;
	}
	d->added = hits;
	fixed[0] = &base.v[1];
	fixed[1] = &base.v[0];
	d->fixed = fixed;
	d->nfixed = 2;
	d->unchanged = 7;
	d->failed = d->errors > 0;
}

static void test_text(void **state)
{
	struct baseline_hit hits[8];
	struct baseline_diff d;
	struct check_summary s = { "b.txt", SEVERITY_ERROR, 0, 0 };
	char *text;

	(void)state;
	diff_of(&d, hits, 0, 5);
	text = report_check_render_text(&d, &s);
	assert_string_equal(text,
		"new error: src/legacy.c:10: mutable-static 's_fields' (file scope) [build/v2/liblegacy.so]\n"
		"new error: src/legacy.c:40: non-reentrant-call 'strtok' in legacy_fields; use strtok_r [build/v2/liblegacy.so]\n"
		"new warning: build/v2/liblegacy.so: non-reentrant-call 'rand' in legacy_roll\n"
		"new error: build/v2/liblegacy.so: non-reentrant-call 'setenv' in set_tz; unsafe once threads run\n"
		"new error: src/legacy.cpp:3: mutable-local-static 'id' in legacy::next_id() [build/v2/liblegacy.so]\n"
		"fixed: non-reentrant-call 'localtime' in legacy::year() [liblegacy.so]\n"
		"fixed: mutable-global 'g_old' (file scope) [liblegacy.so] (accepted)\n"
		"confine check: 5 new (4 errors, 1 warning), 2 fixed, 7 unchanged: failed\n");
	free(text);
}

static void test_text_passed(void **state)
{
	struct baseline_hit hits[8];
	struct baseline_diff d;
	struct check_summary s = { "b.txt", SEVERITY_ERROR, 3, 0 };
	char *text;

	(void)state;
	diff_of(&d, hits, 2, 3);
	d.nfixed = 0;
	d.unscanned = 2;
	text = report_check_render_text(&d, &s);
	assert_string_equal(text,
		"new warning: build/v2/liblegacy.so: non-reentrant-call 'rand' in legacy_roll\n"
		"confine check: 1 new (0 errors, 1 warning), 0 fixed, 7 unchanged, 2 not scanned, 3 suppressed: passed\n");
	free(text);
	diff_of(&d, hits, 0, 0);
	d.nfixed = 0;
	text = report_check_render_text(&d, &s);
	assert_string_equal(text, "confine check: 0 new (0 errors, 0 warnings), 0 fixed, 7 unchanged, 3 suppressed: passed\n");
	free(text);
	s.unusable = 2;
	text = report_check_render_text(&d, &s);
	assert_string_equal(text, "confine check: 0 new (0 errors, 0 warnings), 0 fixed, 7 unchanged, 3 suppressed: error (2 unusable inputs)\n");
	free(text);
}

static void test_json(void **state)
{
	struct baseline_hit hits[8];
	struct baseline_diff d;
	struct check_summary s = { "b.txt", SEVERITY_WARNING, 1, 0 };
	struct strlist errors = { 0 };
	char *text, *keys = NULL;
	json_t *doc, *n0, *f1;
	const char *key;
	json_t *v;
	size_t len = 0;
	FILE *kf = open_memstream(&keys, &len);

	(void)state;
	diff_of(&d, hits, 0, 2);
	strlist_add(&errors, "x.so: truncated", false);
	text = report_check_render_json(&d, &s, &errors);
	doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	json_object_foreach(doc, key, v)
		fprintf(kf, "%s ", key);
	fclose(kf);
	assert_string_equal(keys, "$schema tool version baseline severity result counts new fixed errors ");
	assert_string_equal(json_string_value(json_object_get(doc, "baseline")), "b.txt");
	assert_string_equal(json_string_value(json_object_get(doc, "severity")), "warning");
	assert_string_equal(json_string_value(json_object_get(doc, "result")), "failed");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "counts"), "new")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "counts"), "unchanged")), 7);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "counts"), "suppressed")), 1);
	n0 = json_array_get(json_object_get(doc, "new"), 1);
	assert_string_equal(json_string_value(json_object_get(n0, "kind")), "non-reentrant-call");
	assert_string_equal(json_string_value(json_object_get(n0, "function")), "legacy_fields");
	assert_string_equal(json_string_value(json_object_get(n0, "alternative")), "strtok_r");
	assert_string_equal(json_string_value(json_object_get(n0, "file")), "src/legacy.c");
	assert_int_equal(json_integer_value(json_object_get(n0, "line")), 40);
	assert_string_equal(json_string_value(json_object_get(n0, "path")), "build/v2/liblegacy.so");
	assert_string_equal(json_string_value(json_object_get(n0, "fingerprint")), r->findings[1].fingerprint);
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(doc, "new"), 0), "function")));
	f1 = json_array_get(json_object_get(doc, "fixed"), 1);
	assert_string_equal(json_string_value(json_object_get(f1, "reason")), "only main writes it");
	assert_true(json_is_true(json_object_get(f1, "accepted")));
	assert_true(json_is_null(json_object_get(f1, "function")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "errors"), 0)), "x.so: truncated");
	json_decref(doc);
	free(text);
	s.unusable = 1;
	text = report_check_render_json(&d, &s, &errors);
	doc = json_loads(text, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(doc, "result")), "error");
	json_decref(doc);
	free(text);
	free(keys);
	strlist_free(&errors);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_passed),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
