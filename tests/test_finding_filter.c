/* Unit tests of the finding filter: which names a suppression matches, what leaves the report
 * (findings, functions touching only them, functions reaching those), baseline entries. */
#include "helpers.h"
#include "finding_filter.h"

static struct suppress_set sup;

static void suppress(const char *text)
{
	memset(&sup, 0, sizeof(sup));
	assert_int_equal(suppress_parse(&sup, text, "t", NULL), 0);
}

#define add test_finding_add

static void function(struct module_report *r, const char *name, const char *uses, const char *via)
{
	struct function_report *fr = &r->functions[r->nfunctions++];

	fr->name = strdup(name);
	fr->demangled = strdup(name);
	fr->direct = uses != NULL;
	fr->guard = uses != NULL;
	if (uses)
		strlist_add(&fr->uses, uses, false);
	if (via)
		strlist_add(&fr->via, via, false);
}

/* legacy_words uses g_requests; init writes s_cache; legacy_fields calls strtok, and caller
 * reaches it; _ZN6legacy7next_idEv owns the local static id. */
static struct module_report *sample(void)
{
	struct module_report *r = test_report_new("liblegacy.so", "liblegacy.so");
	struct finding *f;

	f = add(r, KIND_MUTABLE_GLOBAL, NULL, "g_requests", "g_requests");
	strlist_add(&f->readers, "legacy_words", false);
	strlist_add(&f->writers, "legacy_words", false);
	f = add(r, KIND_MUTABLE_STATIC, NULL, "s_cache.lto_priv.0", "s_cache");
	strlist_add(&f->writers, "init", false);
	f = add(r, KIND_NON_REENTRANT_CALL, "legacy_fields", "strtok", "strtok");
	f->function_demangled = strdup("legacy_fields");
	f->sites = calloc(1, sizeof(*f->sites));
	f->sites[0].function = strdup("legacy_fields");
	f->nsites = 1;
	f = add(r, KIND_MUTABLE_LOCAL_STATIC, "_ZN6legacy7next_idEv", "_ZZN6legacy7next_idEvE2id", "id");
	strlist_add(&f->writers, "_ZN6legacy7next_idEv", false);
	function(r, "legacy_words", "g_requests", NULL);
	function(r, "init", "s_cache", NULL);
	function(r, "legacy_fields", "strtok", NULL);
	function(r, "caller", NULL, "legacy_fields");
	function(r, "_ZN6legacy7next_idEv", "id", NULL);
	function(r, "other_caller", NULL, "legacy_words");
	return r;
}

static bool matches(const char *text, struct module_report *r, size_t i)
{
	suppress(text);
	return finding_filter_match(&sup, r, &r->findings[i]);
}

static void test_match_names(void **state)
{
	struct module_report *r = sample();

	(void)state;
	assert_true(matches("mutable-global:g_*\n", r, 0));
	assert_false(matches("mutable-static:g_*\n", r, 0));            /* kind must match */
	assert_true(matches("*:g_requests\n", r, 0));
	assert_true(matches("mutable-static:s_cache.lto_priv.*\n", r, 1)); /* symbol */
	assert_true(matches("mutable-static:s_cache\n", r, 1));            /* source name */
	assert_true(matches("non-reentrant-call:legacy_f*\n", r, 2));      /* function */
	assert_true(matches("mutable-local-static:legacy::next_id()\n", r, 3)); /* demangled function */
	assert_true(matches("mutable-local-static:_ZN6legacy7next_idEv\n", r, 3));
	assert_true(matches("mutable-global:liblegacy.so\n", r, 0));      /* module */
	assert_true(matches("*:lib*.so\n", r, 3));
	assert_false(matches("*:libother.so\n", r, 0));
	assert_false(matches("cross-thread-call:*\n", r, 0));              /* a guard kind */
	module_report_free(r);
}

static bool has_function(const struct module_report *r, const char *name)
{
	for (size_t i = 0; i < r->nfunctions; i++)
		if (!strcmp(r->functions[i].name, name))
			return true;
	return false;
}

static void test_apply(void **state)
{
	struct module_report *r = sample();
	size_t removed = 0;

	(void)state;
	suppress("# the tokenizer runs before threads start\nnon-reentrant-call:legacy_fields\n");
	assert_int_equal(finding_filter_apply(r, &sup, &removed), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(r->nfindings, 3);
	assert_string_equal(r->findings[0].name, "g_requests");
	assert_string_equal(r->findings[1].name, "s_cache");
	assert_string_equal(r->findings[2].name, "id");
	/* legacy_fields touched nothing else; caller reached only it. */
	assert_int_equal(r->nfunctions, 4);
	assert_false(has_function(r, "legacy_fields"));
	assert_false(has_function(r, "caller"));
	assert_true(has_function(r, "other_caller"));
	assert_true(has_function(r, "legacy_words"));
	/* Nothing matches: nothing changes, and the count adds up. */
	suppress("mutable-global:nothing\n");
	assert_int_equal(finding_filter_apply(r, &sup, &removed), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(r->nfindings, 3);
	module_report_free(r);
}

static void test_apply_keeps_shared_function(void **state)
{
	struct module_report *r = sample();
	struct module_report *all[2] = { r, NULL };
	size_t removed = 0;

	(void)state;
	/* legacy_words also touches s_cache: suppressing s_cache drops init but keeps legacy_words
	 * with g_requests alone on its list. */
	strlist_add(&r->findings[1].readers, "legacy_words", false);
	strlist_add(&r->functions[0].uses, "s_cache", false);
	suppress("mutable-static:s_cache\n");
	assert_int_equal(finding_filter_apply_all(all, 2, &sup, &removed), 0);
	assert_int_equal(removed, 1);
	assert_false(has_function(r, "init"));
	assert_true(has_function(r, "legacy_words"));
	assert_int_equal(r->functions[0].uses.n, 1);
	assert_string_equal(r->functions[0].uses.v[0], "g_requests");
	module_report_free(r);
}

static void test_mark_baseline(void **state)
{
	struct baseline b = { 0 };

	(void)state;
	assert_int_equal(baseline_parse(&b, "confine baseline 1\n[generated]\n"
					"0123456789abcdef\tnon-reentrant-call\tliblegacy.so\tlegacy_fields\tstrtok\texisting\n"
					"0123456789abcdee\tmutable-local-static\tliblegacy.so\t_ZN6legacy7next_idEv\tid\texisting\n"
					"0123456789abcded\tmutable-global\tliblegacy.so\t-\tg_requests\texisting\n",
					"t", NULL), 0);
	suppress("non-reentrant-call:legacy_fields\nmutable-local-static:legacy::next_id()\n");
	finding_filter_mark_baseline(&b, &sup);
	assert_true(b.v[0].suppressed);
	assert_true(b.v[1].suppressed);
	assert_false(b.v[2].suppressed);
	baseline_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_names),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_apply_keeps_shared_function),
		cmocka_unit_test(test_mark_baseline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
