/* Unit tests of the JSON writer: its layout is jansson's own (parsed and dumped again, byte for
 * byte), a module rendered apart and put in later gives the same bytes as one written in the
 * stream, escapes, extreme numbers and strings longer than the stream's buffer, and the limit. */
#include <jansson.h>
#include "helpers.h"
#include "report_json.h"

struct buffer {
	char *v;
	size_t n;
};

static int collect(void *ctx, const char *text, size_t len)
{
	struct buffer *b = ctx;

	b->v = realloc(b->v, b->n + len + 1);
	assert_non_null(b->v);
	memcpy(b->v + b->n, text, len);
	b->n += len;
	b->v[b->n] = '\0';
	return 0;
}

/* The whole stream for mods, each module written (apart: rendered first, then put in). */
static char *stream(struct module_report **mods, size_t n, bool lines, bool show_ignored, bool apart)
{
	struct buffer b = { 0 };
	struct json_stream *s = report_json_open(lines, show_ignored, collect, &b);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		struct json_text t;

		if (!apart) {
			assert_int_equal(report_json_module(s, mods[i]), 0);
			continue;
		}
		assert_int_equal(report_json_module_text(mods[i], lines, show_ignored, SIZE_MAX, &t), 0);
		assert_int_equal(report_json_put_text(s, &t), 0);
		free(t.v);
	}
	assert_int_equal(report_json_error(s, "bad.o: not an ELF file or archive"), 0);
	assert_int_equal(report_json_close(s), 0);
	return b.v;
}

/* jansson parses the text and dumps it again in the same layout. */
static void assert_jansson_layout(const char *text, size_t flags)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	char *again;

	if (!j)
		fail_msg("not JSON: %s at line %d", e.text, e.line);
	again = json_dumps(j, flags | JSON_PRESERVE_ORDER);
	assert_string_equal(text, again);
	free(again);
	json_decref(j);
}

static void test_layout_is_janssons(void **state)
{
	struct module_report *mods[2] = { test_analyze("O2/app_cxx"), test_analyze("O0/legacy.o") };
	char *doc = stream(mods, 2, false, true, false), *lines = stream(mods, 2, true, true, false);
	char *line, *save = NULL;
	int n = 0;

	(void)state;
	assert_jansson_layout(doc, JSON_INDENT(2));
	for (line = strtok_r(lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++)
		assert_jansson_layout(line, 0);
	assert_int_equal(n, 3);   /* two modules, one error */
	free(doc);
	free(lines);
	for (int i = 0; i < 2; i++)
		module_report_free(mods[i]);
}

static void test_apart_is_the_same(void **state)
{
	struct module_report *mods[2] = { test_analyze("O2/app_cxx"), test_analyze("O2/legacy.o") };
	char *rendered = report_json_render(mods, 2, NULL, false);

	(void)state;
	for (int lines = 0; lines < 2; lines++)
		for (int ignored = 0; ignored < 2; ignored++) {
			char *a = stream(mods, 2, lines, ignored, false), *b = stream(mods, 2, lines, ignored, true);

			assert_string_equal(a, b);
			if (!lines && !ignored) {   /* render's document, with the error added at its end */
				assert_memory_equal(a, rendered, strlen(rendered) - 18);
				assert_non_null(strstr(a, "\"errors\": [\n    \"bad.o: not an ELF file or archive\"\n  ]\n}"));
			}
			free(a);
			free(b);
		}
	free(rendered);
	for (int i = 0; i < 2; i++)
		module_report_free(mods[i]);
}

static void test_escapes_and_numbers(void **state)
{
	struct module_report *r = test_analyze("O2/legacy.o");
	struct function_report *f = &r->functions[0];
	json_t *j, *fn;
	char *text;

	(void)state;
	free(f->name);
	f->name = strdup("a \"quoted\" \\ name\twith \xc3\xa9 and \x01");
	f->addr = UINT64_MAX;
	f->size = 1ull << 63;   /* written as a long long: its lowest value */
	r->functions[1].size = (uint64_t)-5;
	f->entry_branches = UINT32_MAX;
	text = report_json_render(&r, 1, NULL, false);
	assert_non_null(strstr(text, "\"name\": \"a \\\"quoted\\\" \\\\ name\\twith \xc3\xa9 and \\u0001\""));
	assert_non_null(strstr(text, "\"address\": \"0xffffffffffffffff\",\n          \"size\": -9223372036854775808,"));
	assert_non_null(strstr(text, "\"size\": -5,"));
	assert_non_null(strstr(text, "\"entry_branches\": 4294967295,"));
	j = json_loads(text, 0, NULL);
	fn = json_array_get(json_object_get(json_array_get(json_object_get(j, "modules"), 0), "functions"), 0);
	assert_string_equal(json_string_value(json_object_get(fn, "name")), f->name);
	json_decref(j);
	free(text);
	module_report_free(r);
}

/* A name longer than the stream's 64 KiB buffer goes out whole, between the right bytes. */
static void test_longer_than_buffer(void **state)
{
	struct module_report *r = test_analyze("O2/legacy.o");
	size_t len = 200000;
	char *name = malloc(len + 1), *text, *apart;
	json_t *j, *fn;

	(void)state;
	memset(name, 'x', len);
	name[len] = '\0';
	free(r->functions[0].name);
	r->functions[0].name = name;
	text = stream(&r, 1, true, false, false);
	apart = stream(&r, 1, true, false, true);
	assert_string_equal(text, apart);
	j = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
	fn = json_array_get(json_object_get(j, "functions"), 0);
	assert_string_equal(json_string_value(json_object_get(fn, "name")), name);
	json_decref(j);
	free(text);
	free(apart);
	module_report_free(r);
}

static void test_limit(void **state)
{
	struct module_report *r = test_analyze("O2/app_cxx");
	struct json_text t, kept = { (char *)"untouched", 9 };

	(void)state;
	assert_int_equal(report_json_module_text(r, false, false, SIZE_MAX, &t), 0);
	/* Under the floor (180 bytes a function): refused before rendering. */
	assert_int_equal(report_json_module_text(r, false, false, r->nfunctions * 180 - 1, &kept), -E2BIG);
	assert_string_equal(kept.v, "untouched");
	/* One byte short: refused when the text reaches it. */
	assert_int_equal(report_json_module_text(r, false, false, t.n - 1, &kept), -E2BIG);
	assert_int_equal(kept.n, 9);
	/* Exactly enough: the same text. */
	assert_int_equal(report_json_module_text(r, false, false, t.n, &kept), 0);
	assert_int_equal(kept.n, t.n);
	assert_memory_equal(kept.v, t.v, t.n);
	free(kept.v);
	free(t.v);
	module_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_is_janssons),
		cmocka_unit_test(test_apart_is_the_same),
		cmocka_unit_test(test_escapes_and_numbers),
		cmocka_unit_test(test_longer_than_buffer),
		cmocka_unit_test(test_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
