/* Unit tests of the SARIF report: artifact URIs (relative, file://, percent-encoding), rules,
 * results (level, message, location, fingerprints, security severity), check's new findings,
 * notifications for unusable inputs, determinism. (tests/e2e/check_sarif.sh validates whole logs
 * against the SARIF 2.1.0 schema.) */
#include <jansson.h>
#include "helpers.h"
#include "report_sarif.h"

static const struct sarif_options repo = { "/repo", "/repo/build", NULL };

static struct finding *add(struct module_report *r, enum kind k, const char *function,
			   const char *name, const char *file, int line)
{
	struct finding *f = test_finding_add(r, k, function, name, name);

	f->file = file ? strdup(file) : NULL;
	f->line = line;
	f->severity = SEVERITY_ERROR;
	if (k == KIND_NON_REENTRANT_CALL) {
		f->group = strdup(name);
		f->category = CATEGORY_STATE;
	} else {
		f->section = strdup(".bss");
		f->size = 4;
	}
	return f;
}

static void uri_is(const char *path, bool from_cwd, const struct sarif_options *o, const char *want)
{
	char *uri = report_sarif_uri(path, from_cwd, o);

	assert_non_null(uri);
	assert_string_equal(uri, want);
	free(uri);
}

static void test_uri(void **state)
{
	static const struct sarif_options root = { "/", "/tmp", NULL };
	static const struct sarif_options dotted = { "/repo/./src/..", "/repo", NULL };

	(void)state;
	uri_is("fixtures/history/v1/legacy.c", false, &repo, "fixtures/history/v1/legacy.c");
	uri_is("./src/../lib//a.c", false, &repo, "lib/a.c");
	uri_is("../shared/a.c", false, &repo, "../shared/a.c");
	uri_is("/repo/src/a b.c", false, &repo, "src/a%20b.c");
	uri_is("/repo/src/x%y#z?.c", false, &repo, "src/x%25y%23z%3F.c");
	uri_is("/repo/src/\xc3\xa9t\xc3\xa9.c", false, &repo, "src/%C3%A9t%C3%A9.c");
	uri_is("/usr/include/stdio.h", false, &repo, "file:///usr/include/stdio.h");
	uri_is("/repository/a.c", false, &repo, "file:///repository/a.c");
	uri_is("/repo", false, &repo, "file:///repo");
	/* Command-line paths are relative to the current directory. */
	uri_is("lib/liblegacy.so", true, &repo, "build/lib/liblegacy.so");
	uri_is("../out/x.so", true, &repo, "out/x.so");
	uri_is("../../elsewhere/x.so", true, &repo, "file:///elsewhere/x.so");
	uri_is("/repo/build/x.so", true, &repo, "build/x.so");
	uri_is("/a/b", false, &root, "a/b");
	uri_is("x.so", true, &root, "tmp/x.so");
	uri_is("/repo/src/a.c", false, &dotted, "src/a.c");
}

/* The whole log of a report, parsed back. */
static json_t *sarif_of(struct module_report *r, const struct sarif_options *o)
{
	char *text = report_sarif_render(&r, 1, o);
	json_error_t e;
	json_t *doc;

	assert_non_null(text);
	doc = json_loads(text, 0, &e);
	assert_non_null(doc);
	free(text);
	return doc;
}

static const char *str_at(json_t *doc, const char *path)
{
	json_t *v = json_object_get(doc, "runs");

	v = json_array_get(v, 0);
	for (const char *p = path; v && *p;) {
		char key[64];
		size_t len = strcspn(p, ".");

		snprintf(key, sizeof(key), "%.*s", (int)len, p);
		v = key[0] >= '0' && key[0] <= '9' ? json_array_get(v, (size_t)atoi(key)) : json_object_get(v, key);
		p += len + (p[len] == '.');
	}
	assert_non_null(v);
	return json_is_string(v) ? json_string_value(v) : json_is_integer(v) ? "(int)" : "(other)";
}

static json_int_t int_at(json_t *doc, const char *result, const char *key)
{
	json_t *r = json_array_get(json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "results"),
				   (size_t)atoi(result));

	if (!strcmp(key, "startLine"))
		r = json_object_get(json_object_get(json_object_get(json_array_get(json_object_get(r, "locations"), 0),
								    "physicalLocation"), "region"), key);
	else
		r = json_object_get(r, key);
	assert_true(json_is_integer(r));
	return json_integer_value(r);
}

static void test_log_shape(void **state)
{
	struct module_report *r = test_report_new("/repo/build/liblegacy.so", "liblegacy.so");
	json_t *doc, *rules;

	(void)state;
	add(r, KIND_MUTABLE_GLOBAL, NULL, "g_requests", "src/legacy.c", 7);
	doc = sarif_of(r, &repo);
	assert_string_equal(json_string_value(json_object_get(doc, "version")), "2.1.0");
	assert_string_equal(json_string_value(json_object_get(doc, "$schema")),
			    "https://json.schemastore.org/sarif-2.1.0.json");
	assert_string_equal(str_at(doc, "tool.driver.name"), "confine");
	assert_string_equal(str_at(doc, "tool.driver.version"), "0.1.0");
	rules = json_object_get(json_object_get(json_object_get(json_array_get(json_object_get(doc, "runs"), 0),
								"tool"), "driver"), "rules");
	assert_int_equal(json_array_size(rules), 4);
	assert_string_equal(str_at(doc, "tool.driver.rules.0.id"), "mutable-global");
	assert_string_equal(str_at(doc, "tool.driver.rules.1.id"), "mutable-static");
	assert_string_equal(str_at(doc, "tool.driver.rules.2.id"), "mutable-local-static");
	assert_string_equal(str_at(doc, "tool.driver.rules.3.id"), "non-reentrant-call");
	static const char *const rule_severity[] = { "5.0", "5.0", "4.5", "6.0" };

	for (int i = 0; i < 4; i++) {
		char path[96];

		snprintf(path, sizeof(path), "tool.driver.rules.%d.shortDescription.text", i);
		assert_true(strlen(str_at(doc, path)) > 10);
		snprintf(path, sizeof(path), "tool.driver.rules.%d.fullDescription.text", i);
		assert_true(strlen(str_at(doc, path)) > 40);
		snprintf(path, sizeof(path), "tool.driver.rules.%d.help.text", i);
		assert_true(strlen(str_at(doc, path)) > 40);
		snprintf(path, sizeof(path), "tool.driver.rules.%d.help.markdown", i);
		assert_true(strlen(str_at(doc, path)) > 40);
		snprintf(path, sizeof(path), "tool.driver.rules.%d.properties.security-severity", i);
		assert_string_equal(str_at(doc, path), rule_severity[i]);
		snprintf(path, sizeof(path), "tool.driver.rules.%d.properties.precision", i);
		assert_string_equal(str_at(doc, path), i == 3 ? "high" : "medium");
		snprintf(path, sizeof(path), "tool.driver.rules.%d.defaultConfiguration.level", i);
		assert_string_equal(str_at(doc, path), "error");
	}
	assert_string_equal(str_at(doc, "tool.driver.rules.0.properties.tags.3"), "external/cwe/cwe-362");
	assert_string_equal(str_at(doc, "tool.driver.rules.3.properties.tags.3"), "external/cwe/cwe-663");
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(
		json_array_get(json_object_get(doc, "runs"), 0), "invocations"), 0), "executionSuccessful")));
	json_decref(doc);
	module_report_free(r);
}

static struct module_report *history_report(void)
{
	struct module_report *r = test_report_new("lib/liblegacy.so", "liblegacy.so");
	struct finding *f;

	f = add(r, KIND_MUTABLE_GLOBAL, NULL, "g_requests", "src/legacy.c", 7);
	strlist_add(&f->writers, "legacy_words", false);
	strlist_add(&f->readers, "legacy_report", false);
	f = add(r, KIND_MUTABLE_STATIC, NULL, "s_calls", "src/legacy.c", 9);
	for (int i = 0; i < 5; i++) {
		char fn[16];

		snprintf(fn, sizeof(fn), "reader_%d", i);
		strlist_add(&f->readers, fn, false);
	}
	add(r, KIND_MUTABLE_STATIC, NULL, "s_calls", "src/util.c", 4);
	add(r, KIND_MUTABLE_LOCAL_STATIC, "_ZN6legacy7next_idEv", "id", NULL, 0);
	f = add(r, KIND_NON_REENTRANT_CALL, "legacy_fields", "strtok", "/repo/src/legacy.c", 40);
	f->alternative = strdup("strtok_r");
	f->function_demangled = strdup("legacy_fields");
	f = add(r, KIND_NON_REENTRANT_CALL, "legacy_roll", "rand", "src/legacy.c", 60);
	f->severity = SEVERITY_WARNING;
	f->category = CATEGORY_POSIX;
	f->alternative = strdup("rand_r");
	f = add(r, KIND_NON_REENTRANT_CALL, NULL, "setenv", NULL, 0);
	f->category = CATEGORY_ENV;
	return r;
}

struct want {
	const char *rule, *level, *uri;
	int line;
	const char *fingerprint_suffix, *severity, *text;
};

static void test_results(void **state)
{
	struct module_report *r = history_report();
	json_t *doc = sarif_of(r, &repo);
	static const struct want want[] = {
		{ "mutable-global", "error", "src/legacy.c", 7, "", "5.0",
		  "Mutable global 'g_requests' (.bss, 4 bytes) in liblegacy.so is shared by every thread; written by legacy_words." },
		{ "mutable-static", "error", "src/legacy.c", 9, "", "5.0",
		  "Mutable static 's_calls' (.bss, 4 bytes) in liblegacy.so is shared by every thread; read by reader_0, reader_1, reader_2 and 2 more." },
		{ "mutable-static", "error", "src/util.c", 4, ":2", "3.0",
		  "Mutable static 's_calls' (.bss, 4 bytes) in liblegacy.so is shared by every thread; used by no function of this module." },
		{ "mutable-local-static", "error", "build/lib/liblegacy.so", 1, "", "3.0",
		  "Function-local static 'id' of legacy::next_id() (.bss, 4 bytes) in liblegacy.so is shared by every thread; used by no function of this module." },
		{ "non-reentrant-call", "error", "src/legacy.c", 40, "", "6.0",
		  "legacy_fields calls strtok in liblegacy.so: it keeps hidden static state that every thread shares (group 'strtok'); use strtok_r instead." },
		{ "non-reentrant-call", "warning", "src/legacy.c", 60, "", "2.0",
		  "legacy_roll calls rand in liblegacy.so: POSIX allows it to be non-reentrant; use rand_r instead." },
		{ "non-reentrant-call", "error", "build/lib/liblegacy.so", 1, "", "5.5",
		  "The address of setenv is stored in data in liblegacy.so: it changes process-wide settings and is unsafe once threads run." },
	};

	(void)state;
	assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "results")), 7);
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		char path[128], fpw[40];

#define AT(fmt) (snprintf(path, sizeof(path), "results.%zu." fmt, i), str_at(doc, path))
		assert_string_equal(AT("ruleId"), want[i].rule);
		assert_string_equal(AT("level"), want[i].level);
		assert_string_equal(AT("message.text"), want[i].text);
		assert_string_equal(AT("locations.0.physicalLocation.artifactLocation.uri"), want[i].uri);
		snprintf(fpw, sizeof(fpw), "%s%s", r->findings[i].fingerprint, want[i].fingerprint_suffix);
		assert_string_equal(AT("partialFingerprints.confineFingerprint/v1"), fpw);
		assert_string_equal(AT("properties.security-severity"), want[i].severity);
		assert_string_equal(AT("properties.fingerprint"), r->findings[i].fingerprint);
		assert_string_equal(AT("properties.module"), "liblegacy.so");
#undef AT
		snprintf(path, sizeof(path), "%zu", i);
		assert_int_equal(int_at(doc, path, "startLine"), want[i].line);
		assert_int_equal(int_at(doc, path, "ruleIndex"), r->findings[i].kind);
		assert_null(json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(doc, "runs"), 0),
									  "results"), i), "baselineState"));
	}
	/* Functions are logical locations, demangled, with the symbol as decorated name. */
	assert_string_equal(str_at(doc, "results.3.locations.0.logicalLocations.0.name"), "legacy::next_id()");
	assert_string_equal(str_at(doc, "results.3.locations.0.logicalLocations.0.decoratedName"), "_ZN6legacy7next_idEv");
	assert_string_equal(str_at(doc, "results.3.locations.0.logicalLocations.0.kind"), "function");
	assert_null(json_object_get(json_object_get(json_array_get(json_object_get(json_array_get(
		json_object_get(doc, "runs"), 0), "results"), 0), "locations"), "logicalLocations"));
	json_decref(doc);
	module_report_free(r);
}

static void test_new_findings(void **state)
{
	struct module_report *r = history_report();
	struct baseline_hit hits[2] = { { r, &r->findings[4] }, { r, &r->findings[2] } };
	struct baseline_diff d = { .added = hits, .nadded = 2 };
	char *text = report_sarif_render_new(&d, &repo);
	json_t *doc = json_loads(text, 0, NULL), *results;

	(void)state;
	assert_non_null(doc);
	results = json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "results");
	assert_int_equal(json_array_size(results), 2);
	assert_string_equal(str_at(doc, "results.0.ruleId"), "non-reentrant-call");
	assert_string_equal(str_at(doc, "results.0.baselineState"), "new");
	assert_string_equal(str_at(doc, "results.1.baselineState"), "new");
	/* Numbered among the findings of the log: the only s_calls here keeps the bare fingerprint. */
	assert_string_equal(str_at(doc, "results.1.partialFingerprints.confineFingerprint/v1"), r->findings[2].fingerprint);
	assert_int_equal(json_array_size(json_object_get(json_object_get(json_object_get(
		json_array_get(json_object_get(doc, "runs"), 0), "tool"), "driver"), "rules")), 4);
	json_decref(doc);
	free(text);
	/* Nothing new: a valid log with no results. */
	d.nadded = 0;
	text = report_sarif_render_new(&d, &repo);
	doc = json_loads(text, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "results")), 0);
	json_decref(doc);
	free(text);
	module_report_free(r);
}

static void test_notifications(void **state)
{
	struct strlist errors = { 0 };
	struct sarif_options o = repo;
	char *text;
	json_t *doc, *inv;

	(void)state;
	strlist_add(&errors, "lib/bad.so: not an ELF file or archive", false);
	o.errors = &errors;
	text = report_sarif_render(NULL, 0, &o);
	doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	inv = json_array_get(json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "invocations"), 0);
	assert_true(json_is_false(json_object_get(inv, "executionSuccessful")));
	assert_string_equal(str_at(doc, "invocations.0.toolExecutionNotifications.0.level"), "error");
	assert_string_equal(str_at(doc, "invocations.0.toolExecutionNotifications.0.message.text"),
			    "lib/bad.so: not an ELF file or archive");
	json_decref(doc);
	free(text);
	strlist_free(&errors);
}

static void test_deterministic(void **state)
{
	struct module_report *r = history_report();
	char *a = report_sarif_render(&r, 1, &repo), *b = report_sarif_render(&r, 1, &repo);

	(void)state;
	assert_non_null(a);
	assert_string_equal(a, b);
	/* Two-space indentation, keys in a fixed order. */
	assert_true(strncmp(a, "{\n  \"$schema\": ", 15) == 0);
	free(a);
	free(b);
	module_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri),
		cmocka_unit_test(test_log_shape),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_new_findings),
		cmocka_unit_test(test_notifications),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
