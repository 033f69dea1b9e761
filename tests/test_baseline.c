/* Unit tests of the baseline module: the file format and its errors, regeneration that keeps
 * accepted entries, the comparison (counts per fingerprint, severities, unscanned modules), the
 * ratchet of --update-baseline, rendering and saving. */
#include "helpers.h"
#include "baseline.h"


/* --- synthetic reports ------------------------------------------------------------------------ */

static struct module_report *report(const char *module)
{
	return test_report_new(module, module);
}

static struct finding *add(struct module_report *r, enum kind k, const char *function,
			   const char *name, enum rule_severity sev)
{
	struct finding *f = test_finding_add(r, k, function, name, name);

	f->section = k == KIND_NON_REENTRANT_CALL ? NULL : strdup(".bss");
	f->severity = sev;
	return f;
}

static char fp_buf[8][17];

/* The fingerprint of (kind, module, function, name), in one of 8 rotating buffers. */
static const char *fp(enum kind k, const char *module, const char *function, const char *name)
{
	static int next;
	char *out = fp_buf[next++ % 8];

	findings_fingerprint(k, module, function, name, out);
	return out;
}

static char *line(const char *fingerprint, const char *rest)
{
	char *s = NULL;

	assert_true(asprintf(&s, "%s\t%s\n", fingerprint, rest) > 0);
	return s;
}

/* --- parsing ---------------------------------------------------------------------------------- */

static void test_parse_full(void **state)
{
	struct baseline b = { 0 };
	char *l1 = line(fp(KIND_MUTABLE_STATIC, "liblegacy.so", NULL, "s_cache"),
			"mutable-static\tliblegacy.so\t-\ts_cache\tinitialised once, read-only after");
	char *l2 = line(fp(KIND_NON_REENTRANT_CALL, "liblegacy.so", "legacy_year", "localtime"),
			"non-reentrant-call\tliblegacy.so\tlegacy_year\tlocaltime\texisting");
	char *text = NULL;

	(void)state;
	assert_true(asprintf(&text, "# leading comment\nconfine baseline 1\n# header\n\n[accepted]\n"
				    "# why: only main calls it\n%s\n\n[generated]\n# dropped\n%s",
			     l1, l2) > 0);
	assert_int_equal(baseline_parse(&b, text, "t", &test_diag), 0);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.v[0].section, BASELINE_ACCEPTED);
	assert_int_equal(b.v[0].kind, KIND_MUTABLE_STATIC);
	assert_null(b.v[0].function);
	assert_string_equal(b.v[0].name, "s_cache");
	assert_string_equal(b.v[0].reason, "initialised once, read-only after");
	assert_int_equal(b.v[0].line, 7);
	assert_int_equal(b.v[1].section, BASELINE_GENERATED);
	assert_string_equal(b.v[1].function, "legacy_year");
	assert_string_equal(b.v[1].module, "liblegacy.so");
	assert_int_equal(b.v[1].line, 12);
	/* The accepted section is kept verbatim, comments included, without trailing blank lines. */
	assert_non_null(b.accepted_text);
	assert_true(strncmp(b.accepted_text, "# why: only main calls it\n", 26) == 0);
	assert_string_equal(b.accepted_text + 26, l1);
	baseline_free(&b);
	free(text);
	free(l1);
	free(l2);
}

static void test_parse_crlf_and_spaces(void **state)
{
	struct baseline b = { 0 };
	char *text = NULL;

	(void)state;
	assert_true(asprintf(&text, "confine baseline 1\r\n[generated]\r\n%s\t mutable-global \tm.so\t-\tg \texisting \r\n",
			     fp(KIND_MUTABLE_GLOBAL, "m.so", NULL, "g")) > 0);
	assert_int_equal(baseline_parse(&b, text, "t", &test_diag), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.v[0].name, "g");
	assert_string_equal(b.v[0].reason, "existing");
	assert_null(b.accepted_text);
	baseline_free(&b);
	free(text);
}

static void test_parse_empty_sections(void **state)
{
	struct baseline b = { 0 };

	(void)state;
	assert_int_equal(baseline_parse(&b, "confine baseline 1\n", "t", &test_diag), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(baseline_parse(&b, "confine baseline 1\n[accepted]\n\n[generated]\n", "t", &test_diag), 0);
	assert_int_equal(b.n, 0);
	assert_null(b.accepted_text);
	baseline_free(&b);
}

struct bad {
	const char *text, *error;
};

static void test_parse_errors(void **state)
{
	static const struct bad cases[] = {
		{ "", "t:1: not a confine baseline: the first line must be 'confine baseline 1'" },
		{ "# only a comment\n", "t:1: not a confine baseline: the first line must be 'confine baseline 1'" },
		{ "hello\n", "t:1: not a confine baseline: the first line must be 'confine baseline 1'" },
		{ "confine baseline one\n", "t:1: not a confine baseline: the first line must be 'confine baseline 1'" },
		{ "confine baseline 2\n", "t:1: baseline format 2 is not supported (this confine reads format 1)" },
		{ "confine baseline 1\n0123456789abcdef\tmutable-global\tm\t-\tg\tr\n",
		  "t:2: an entry before any section ([accepted] or [generated])" },
		{ "confine baseline 1\n[ignored]\n", "t:2: unknown section '[ignored]' (expected [accepted] or [generated])" },
		{ "confine baseline 1\n[generated]\n[accepted]\n[generated]\n", "t:4: section [generated] appears twice" },
		{ "confine baseline 1\n[generated]\n0123456789abcdef mutable-global m - g existing\n",
		  "t:3: expected 6 tab-separated fields (fingerprint, kind, module, function, name, reason), found 1" },
		{ "confine baseline 1\n[generated]\n0123456789abcdef\tmutable-global\tm\t-\tg\n",
		  "t:3: expected 6 tab-separated fields (fingerprint, kind, module, function, name, reason), found 5" },
		{ "confine baseline 1\n[generated]\n0123456789ABCDEF\tmutable-global\tm\t-\tg\tx\n",
		  "t:3: '0123456789ABCDEF' is not a fingerprint (16 lowercase hex digits)" },
		{ "confine baseline 1\n[generated]\n0123456789abcde\tmutable-global\tm\t-\tg\tx\n",
		  "t:3: '0123456789abcde' is not a fingerprint (16 lowercase hex digits)" },
		{ "confine baseline 1\n[generated]\n0123456789abcdef\tcross-thread-call\tm\t-\tg\tx\n",
		  "t:3: unknown kind 'cross-thread-call' (one of mutable-global, mutable-static, mutable-local-static, non-reentrant-call)" },
		{ "confine baseline 1\n[generated]\n0123456789abcdef\tmutable-global\t\t-\tg\tx\n",
		  "t:3: the module field is empty ('-' stands for no function)" },
		{ "confine baseline 1\n[generated]\n0123456789abcdef\tmutable-global\tm\t-\t\tx\n",
		  "t:3: the name field is empty ('-' stands for no function)" },
		{ "confine baseline 1\n[accepted]\n\n0123456789abcdef\tmutable-global\tm\t-\tg\t \n",
		  "t:4: an accepted entry needs a reason (the sixth field)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct baseline b = { 0 };

		test_last_error[0] = '\0';
		assert_int_equal(baseline_parse(&b, cases[i].text, "t", &test_diag), -EINVAL);
		assert_string_equal(test_last_error, cases[i].error);
		assert_int_equal(b.n, 0);
		assert_null(b.v);
		assert_null(b.accepted_text);
	}
}

static void test_parse_generated_reason_may_be_empty(void **state)
{
	struct baseline b = { 0 };

	(void)state;
	assert_int_equal(baseline_parse(&b, "confine baseline 1\n[generated]\n0123456789abcdef\tmutable-global\tm\t-\tg\t\n",
					"t", &test_diag), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.v[0].reason, "");
	baseline_free(&b);
}

/* --- regeneration ----------------------------------------------------------------------------- */

static size_t count_section(const struct baseline *b, enum baseline_section s, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < b->n; i++)
		n += b->v[i].section == s && (!name || !strcmp(b->v[i].name, name));
	return n;
}

static void test_regenerate_keeps_accepted(void **state)
{
	struct module_report *r = report("liblegacy.so");
	struct baseline b = { 0 };
	char *text = NULL;

	(void)state;
	add(r, KIND_MUTABLE_STATIC, NULL, "s_calls", SEVERITY_ERROR);
	add(r, KIND_MUTABLE_STATIC, NULL, "s_calls", SEVERITY_ERROR);
	add(r, KIND_MUTABLE_STATIC, NULL, "s_calls", SEVERITY_ERROR);
	add(r, KIND_NON_REENTRANT_CALL, "legacy_year", "localtime", SEVERITY_ERROR);
	/* One s_calls accepted by hand, a stale generated entry that regeneration drops. */
	assert_true(asprintf(&text, "confine baseline 1\n[accepted]\n%s\tmutable-static\tliblegacy.so\t-\ts_calls\tlocked by callers\n"
				    "[generated]\n%s\tmutable-global\tliblegacy.so\t-\tg_gone\texisting\n",
			     fp(KIND_MUTABLE_STATIC, "liblegacy.so", NULL, "s_calls"),
			     fp(KIND_MUTABLE_GLOBAL, "liblegacy.so", NULL, "g_gone")) > 0);
	assert_int_equal(baseline_parse(&b, text, "t", &test_diag), 0);
	assert_int_equal(baseline_regenerate(&b, &r, 1), 0);
	assert_int_equal(b.n, 4);
	assert_int_equal(count_section(&b, BASELINE_ACCEPTED, "s_calls"), 1);
	assert_int_equal(count_section(&b, BASELINE_GENERATED, "s_calls"), 2);
	assert_int_equal(count_section(&b, BASELINE_GENERATED, "localtime"), 1);
	assert_int_equal(count_section(&b, BASELINE_GENERATED, "g_gone"), 0);
	for (size_t i = 0; i < b.n; i++)
		if (b.v[i].section == BASELINE_GENERATED)
			assert_string_equal(b.v[i].reason, BASELINE_REASON);
	/* Regenerating again from the same scan changes nothing. */
	assert_int_equal(baseline_regenerate(&b, &r, 1), 0);
	assert_int_equal(b.n, 4);
	assert_string_equal(b.v[0].reason, "locked by callers");
	baseline_free(&b);
	module_report_free(r);
	free(text);
}

/* --- comparison ------------------------------------------------------------------------------- */

/* A baseline from the findings of r (all generated). */
static void baseline_of(struct module_report *r, struct baseline *b)
{
	memset(b, 0, sizeof(*b));
	assert_int_equal(baseline_regenerate(b, &r, 1), 0);
}

static void test_compare_unchanged(void **state)
{
	struct module_report *r = report("liblegacy.so");
	struct baseline b;
	struct baseline_diff d;

	(void)state;
	add(r, KIND_MUTABLE_GLOBAL, NULL, "g_requests", SEVERITY_ERROR);
	add(r, KIND_NON_REENTRANT_CALL, "legacy_roll", "rand", SEVERITY_WARNING);
	baseline_of(r, &b);
	assert_int_equal(baseline_compare(&b, &r, 1, SEVERITY_WARNING, &d), 0);
	assert_int_equal(d.nadded, 0);
	assert_int_equal(d.nfixed, 0);
	assert_int_equal(d.unchanged, 2);
	assert_int_equal(d.unscanned, 0);
	assert_false(d.failed);
	baseline_diff_free(&d);
	baseline_free(&b);
	module_report_free(r);
}

static void test_compare_new_and_fixed(void **state)
{
	struct module_report *old = report("liblegacy.so"), *now = report("liblegacy.so");
	struct baseline b;
	struct baseline_diff d;

	(void)state;
	add(old, KIND_MUTABLE_GLOBAL, NULL, "g_requests", SEVERITY_ERROR);
	add(old, KIND_NON_REENTRANT_CALL, "legacy_roll", "rand", SEVERITY_WARNING);
	baseline_of(old, &b);
	add(now, KIND_MUTABLE_GLOBAL, NULL, "g_requests", SEVERITY_ERROR);
	add(now, KIND_MUTABLE_STATIC, NULL, "s_fields", SEVERITY_ERROR);
	add(now, KIND_NON_REENTRANT_CALL, "legacy_fields", "strtok", SEVERITY_ERROR);
	assert_int_equal(baseline_compare(&b, &now, 1, SEVERITY_ERROR, &d), 0);
	assert_int_equal(d.nadded, 2);
	assert_ptr_equal(d.added[0].finding, &now->findings[1]);
	assert_ptr_equal(d.added[1].finding, &now->findings[2]);
	assert_ptr_equal(d.added[0].module, now);
	assert_int_equal(d.errors, 2);
	assert_int_equal(d.warnings, 0);
	assert_int_equal(d.nfixed, 1);
	assert_string_equal(d.fixed[0]->name, "rand");
	assert_int_equal(d.unchanged, 1);
	assert_true(d.failed);
	baseline_diff_free(&d);
	baseline_free(&b);
	module_report_free(old);
	module_report_free(now);
}

static void test_compare_severity(void **state)
{
	struct module_report *old = report("m.so"), *now = report("m.so");
	struct baseline b;
	struct baseline_diff d;

	(void)state;
	baseline_of(old, &b);
	add(now, KIND_NON_REENTRANT_CALL, "f", "rand", SEVERITY_WARNING);
	assert_int_equal(baseline_compare(&b, &now, 1, SEVERITY_ERROR, &d), 0);
	assert_int_equal(d.nadded, 1);
	assert_int_equal(d.warnings, 1);
	assert_false(d.failed);
	baseline_diff_free(&d);
	assert_int_equal(baseline_compare(&b, &now, 1, SEVERITY_WARNING, &d), 0);
	assert_true(d.failed);
	baseline_diff_free(&d);
	/* State is always an error, whatever its severity field holds. */
	add(now, KIND_MUTABLE_LOCAL_STATIC, "f", "id", SEVERITY_WARNING);
	assert_int_equal(baseline_severity(&now->findings[1]), SEVERITY_ERROR);
	assert_int_equal(baseline_severity(&now->findings[0]), SEVERITY_WARNING);
	assert_int_equal(baseline_compare(&b, &now, 1, SEVERITY_ERROR, &d), 0);
	assert_int_equal(d.errors, 1);
	assert_true(d.failed);
	baseline_diff_free(&d);
	baseline_free(&b);
	module_report_free(old);
	module_report_free(now);
}

/* Same-named statics of two files share a fingerprint: only a count above the baseline's is new,
 * only a count below it is fixed. */
static void test_compare_counts_duplicates(void **state)
{
	struct module_report *two = report("lib.so"), *three = report("lib.so"), *one = report("lib.so");
	struct baseline b;
	struct baseline_diff d;

	(void)state;
	for (int i = 0; i < 2; i++)
		add(two, KIND_MUTABLE_STATIC, NULL, "s_calls", SEVERITY_ERROR);
	for (int i = 0; i < 3; i++)
		add(three, KIND_MUTABLE_STATIC, NULL, "s_calls", SEVERITY_ERROR);
	add(one, KIND_MUTABLE_STATIC, NULL, "s_calls", SEVERITY_ERROR);
	baseline_of(two, &b);
	assert_int_equal(b.n, 2);
	assert_int_equal(baseline_compare(&b, &three, 1, SEVERITY_ERROR, &d), 0);
	assert_int_equal(d.nadded, 1);
	assert_ptr_equal(d.added[0].finding, &three->findings[2]);
	assert_int_equal(d.unchanged, 2);
	assert_int_equal(d.nfixed, 0);
	baseline_diff_free(&d);
	assert_int_equal(baseline_compare(&b, &one, 1, SEVERITY_ERROR, &d), 0);
	assert_int_equal(d.nadded, 0);
	assert_int_equal(d.unchanged, 1);
	assert_int_equal(d.nfixed, 1);
	assert_false(d.failed);
	baseline_diff_free(&d);
	baseline_free(&b);
	module_report_free(one);
	module_report_free(two);
	module_report_free(three);
}

/* Entries of a module that was not scanned are neither fixed nor dropped. */
static void test_compare_unscanned(void **state)
{
	struct module_report *a = report("liba.so"), *bmod = report("libb.so");
	struct module_report *both[2] = { a, bmod };
	struct baseline b = { 0 };
	struct baseline_diff d;

	(void)state;
	add(a, KIND_MUTABLE_GLOBAL, NULL, "ga", SEVERITY_ERROR);
	add(bmod, KIND_MUTABLE_GLOBAL, NULL, "gb", SEVERITY_ERROR);
	assert_int_equal(baseline_regenerate(&b, both, 2), 0);
	assert_int_equal(baseline_compare(&b, &a, 1, SEVERITY_ERROR, &d), 0);
	assert_int_equal(d.unchanged, 1);
	assert_int_equal(d.unscanned, 1);
	assert_int_equal(d.nfixed, 0);
	baseline_drop_fixed(&b, &d);
	assert_int_equal(b.n, 2);
	baseline_diff_free(&d);
	baseline_free(&b);
	module_report_free(a);
	module_report_free(bmod);
}

/* A fixed occurrence is a generated entry when there is one; accepted ones are never dropped. */
static void test_fixed_prefers_generated(void **state)
{
	struct module_report *r = report("lib.so"), *none = report("lib.so");
	struct baseline b = { 0 };
	struct baseline_diff d;
	char *text = NULL;
	const char *f = fp(KIND_MUTABLE_STATIC, "lib.so", NULL, "s_calls");

	(void)state;
	add(r, KIND_MUTABLE_STATIC, NULL, "s_calls", SEVERITY_ERROR);
	assert_true(asprintf(&text, "confine baseline 1\n[accepted]\n%s\tmutable-static\tlib.so\t-\ts_calls\tok\n"
				    "[generated]\n%s\tmutable-static\tlib.so\t-\ts_calls\texisting\n", f, f) > 0);
	assert_int_equal(baseline_parse(&b, text, "t", &test_diag), 0);
	assert_int_equal(baseline_compare(&b, &r, 1, SEVERITY_ERROR, &d), 0);
	assert_int_equal(d.nfixed, 1);
	assert_int_equal(d.fixed[0]->section, BASELINE_GENERATED);
	baseline_drop_fixed(&b, &d);
	baseline_diff_free(&d);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.v[0].section, BASELINE_ACCEPTED);
	/* With nothing left, the accepted entry is fixed too, but stays in the file. */
	assert_int_equal(baseline_compare(&b, &none, 1, SEVERITY_ERROR, &d), 0);
	assert_int_equal(d.nfixed, 1);
	assert_int_equal(d.fixed[0]->section, BASELINE_ACCEPTED);
	baseline_drop_fixed(&b, &d);
	baseline_diff_free(&d);
	assert_int_equal(b.n, 1);
	baseline_free(&b);
	module_report_free(r);
	module_report_free(none);
	free(text);
}

static void test_suppressed_entries_skipped(void **state)
{
	struct module_report *none = report("lib.so");
	struct baseline b = { 0 };
	struct baseline_diff d;
	char *text = NULL;

	(void)state;
	assert_true(asprintf(&text, "confine baseline 1\n[generated]\n%s\tmutable-global\tlib.so\t-\tg\texisting\n",
			     fp(KIND_MUTABLE_GLOBAL, "lib.so", NULL, "g")) > 0);
	assert_int_equal(baseline_parse(&b, text, "t", &test_diag), 0);
	b.v[0].suppressed = true;
	assert_int_equal(baseline_compare(&b, &none, 1, SEVERITY_ERROR, &d), 0);
	assert_int_equal(d.nfixed, 0);
	assert_int_equal(d.unchanged, 0);
	baseline_diff_free(&d);
	baseline_free(&b);
	module_report_free(none);
	free(text);
}

/* --- rendering, saving, loading --------------------------------------------------------------- */

static void test_render_exact(void **state)
{
	struct module_report *r = report("liblegacy.so");
	struct baseline b = { 0 };
	char *out, *want = NULL, *text = NULL;
	const char *acc = "# kept as written\n0123456789abcdef\tmutable-global\tliblegacy.so\t-\tg_x\tset once at start-up\n";

	(void)state;
	add(r, KIND_NON_REENTRANT_CALL, "legacy_year", "localtime", SEVERITY_ERROR);
	add(r, KIND_MUTABLE_GLOBAL, NULL, "g_requests", SEVERITY_ERROR);
	add(r, KIND_MUTABLE_LOCAL_STATIC, "legacy_next_id", "id", SEVERITY_ERROR);
	assert_true(asprintf(&text, "confine baseline 1\n[accepted]\n%s\n\n\n[generated]\n", acc) > 0);
	assert_int_equal(baseline_parse(&b, text, "t", &test_diag), 0);
	assert_int_equal(baseline_regenerate(&b, &r, 1), 0);
	out = baseline_render(&b);
	assert_non_null(out);
	assert_true(asprintf(&want, "confine baseline 1\n"
		"# Findings that 'confine check' accepts: only findings beyond these fail the check.\n"
		"# One finding per line, fields separated by one tab:\n"
		"#   fingerprint  kind  module  function ('-' at file scope)  name  reason\n"
		"# The fingerprint identifies a finding across rebuilds; the other fields are for people.\n"
		"# A fingerprint may appear on several lines: each line accepts one occurrence.\n"
		"# [accepted]: findings accepted by hand, each with its reason: move a line here from\n"
		"#   [generated] and write why. 'confine baseline' and 'confine check --update-baseline'\n"
		"#   keep this section exactly as it is, comments included.\n"
		"# [generated]: the findings when the file was written, sorted by module, kind, function\n"
		"#   and name. 'confine baseline' rewrites it; 'confine check --update-baseline' drops\n"
		"#   the fixed ones.\n"
		"\n[accepted]\n%s\n[generated]\n"
		"%s\tmutable-global\tliblegacy.so\t-\tg_requests\texisting\n"
		"%s\tmutable-local-static\tliblegacy.so\tlegacy_next_id\tid\texisting\n"
		"%s\tnon-reentrant-call\tliblegacy.so\tlegacy_year\tlocaltime\texisting\n", acc,
		r->findings[1].fingerprint, r->findings[2].fingerprint, r->findings[0].fingerprint) > 0);
	assert_string_equal(out, want);
	/* Parsing what was rendered gives the same baseline, and renders the same text. */
	baseline_free(&b);
	assert_int_equal(baseline_parse(&b, out, "t", &test_diag), 0);
	assert_int_equal(b.n, 4);
	free(text);
	text = baseline_render(&b);
	assert_string_equal(text, out);
	baseline_free(&b);
	module_report_free(r);
	free(out);
	free(want);
	free(text);
}

static void test_render_sanitizes_fields(void **state)
{
	struct module_report *r = report("lib.so");
	struct baseline b = { 0 };
	char *out;

	(void)state;
	add(r, KIND_MUTABLE_GLOBAL, NULL, "a\tb\nc", SEVERITY_ERROR);
	baseline_of(r, &b);
	out = baseline_render(&b);
	assert_non_null(strstr(out, "\tlib.so\t-\ta b c\texisting\n"));
	baseline_free(&b);
	assert_int_equal(baseline_parse(&b, out, "t", &test_diag), 0);
	assert_int_equal(b.n, 1);
	baseline_free(&b);
	module_report_free(r);
	free(out);
}

static void test_save_load(void **state)
{
	char dir[] = "/tmp/test_baseline.XXXXXX", path[256];
	struct module_report *r = report("lib.so");
	struct baseline b, back = { 0 };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/b.txt", dir);
	add(r, KIND_MUTABLE_GLOBAL, NULL, "g", SEVERITY_ERROR);
	baseline_of(r, &b);
	assert_int_equal(baseline_save(&b, path, &test_diag), 0);
	assert_int_equal(baseline_load(&back, path, &test_diag), 0);
	assert_int_equal(back.n, 1);
	assert_string_equal(back.v[0].fingerprint, r->findings[0].fingerprint);
	baseline_free(&back);
	/* No temporary file is left beside it. */
	snprintf(path, sizeof(path), "%s/b.txt.tmp.%ld", dir, (long)getpid());
	assert_int_not_equal(access(path, F_OK), 0);
	/* A missing file, and one with a NUL byte on line 2. */
	snprintf(path, sizeof(path), "%s/missing.txt", dir);
	assert_int_equal(baseline_load(&back, path, &test_diag), -ENOENT);
	assert_non_null(strstr(test_last_error, "missing.txt: cannot read baseline: No such file or directory"));
	snprintf(path, sizeof(path), "%s/nul.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite("confine baseline 1\nab\0cd\n", 1, 25, f);
	fclose(f);
	assert_int_equal(baseline_load(&back, path, &test_diag), -EINVAL);
	assert_non_null(strstr(test_last_error, "nul.txt:2: a NUL byte: not a text file"));
	/* A directory in the way of the file: the error names it. */
	assert_int_equal(baseline_save(&b, dir, &test_diag), -EISDIR);
	assert_non_null(strstr(test_last_error, ": cannot write baseline: Is a directory"));
	unlink(path);
	rmdir(dir);
	baseline_free(&b);
	module_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_crlf_and_spaces),
		cmocka_unit_test(test_parse_empty_sections),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_generated_reason_may_be_empty),
		cmocka_unit_test(test_regenerate_keeps_accepted),
		cmocka_unit_test(test_compare_unchanged),
		cmocka_unit_test(test_compare_new_and_fixed),
		cmocka_unit_test(test_compare_severity),
		cmocka_unit_test(test_compare_counts_duplicates),
		cmocka_unit_test(test_compare_unscanned),
		cmocka_unit_test(test_fixed_prefers_generated),
		cmocka_unit_test(test_suppressed_entries_skipped),
		cmocka_unit_test(test_render_exact),
		cmocka_unit_test(test_render_sanitizes_fields),
		cmocka_unit_test(test_save_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
