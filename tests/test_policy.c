/* Unit tests of policies: confined functions of a report, JSON round trip and errors, domains, selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include "analysis.h"
#include "policy.h"

static char last_error[1024];
static struct rules *rules;

static void capture(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		snprintf(last_error, sizeof(last_error), "%s", msg);
}

static const struct diag diag = { capture, NULL };

static int setup(void **state)
{
	(void)state;
	rules = rules_new();
	return rules && rules_load_builtin(rules, &diag) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rules_free(rules);
	return 0;
}

static void fx_path(char *out, size_t n, const char *rel)
{
	const char *base = getenv("FX");

	snprintf(out, n, "%s/%s", base && *base ? base : "build/fixtures", rel);
}

/* Analyzes a fixture file; fails the test on error. */
static struct module_report *analyze(const char *rel)
{
	char path[512];
	struct input_unit u = { .path = path, .display = path };
	struct analysis_options o = { rules, LIBC_ANY, 2, { capture, NULL }, DISASM_ZYDIS };
	struct module_report *r = NULL;

	fx_path(path, sizeof(path), rel);
	last_error[0] = '\0';
	assert_int_equal(analysis_run(&o, &u, &r), 0);
	assert_string_equal(last_error, "");
	return r;
}

static void join(char *out, size_t n, const struct strlist *l)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < l->n && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? "," : "", l->v[i]);
}

static const struct policy_fn *find_fn(const struct policy_module *m, const char *name)
{
	for (size_t i = 0; i < m->nfns; i++)
		if (!strcmp(m->fns[i].name, name))
			return &m->fns[i];
	return NULL;
}

static const struct function_report *find_report_fn(const struct module_report *r, const char *name)
{
	for (size_t i = 0; i < r->nfunctions; i++)
		if (!strcmp(r->functions[i].name, name))
			return &r->functions[i];
	return NULL;
}

/* Appends the comma-separated names of csv to l. */
static void add_uses(struct strlist *l, const char *csv)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", csv);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		assert_int_equal(strlist_add(l, t, false), 0);
}

/* The policy of liblegacy.so at -O0: every function with state of its own, in address order. */
static const struct {
	const char *name, *uses;
} legacy_confined[] = {
	{ "note", "s_total" },
	{ "legacy_add", "s_calls,s_total" },
	{ "scale", "s_total" },
	{ "apply", "s_total" },
	{ "expensive", "s_total" },
	{ "legacy_bump", "legacy_count" },
	{ "legacy_target", "legacy_count" },
	{ "legacy_spin", "legacy_count" },
	{ "legacy_callfirst", "legacy_count" },
	{ "legacy_pushloop", "legacy_count" },
};

static void assert_same_as_report(const struct policy_fn *f, const struct module_report *r)
{
	const struct function_report *fr = find_report_fn(r, f->name);

	assert_non_null(fr);
	assert_true(fr->guard);
	assert_false(fr->init_only);
	assert_string_equal(f->demangled, fr->demangled);
	assert_int_equal(f->addr, fr->addr);
	assert_int_equal(f->size, fr->size);
	assert_int_equal(f->entry_branches, fr->entry_branches);
}

static void test_add_report(void **state)
{
	struct module_report *r = analyze("patch/O0-pie-nocet/liblegacy.so");
	struct policy p = { 0 };
	const struct policy_module *m;
	char uses[256];

	(void)state;
	assert_int_equal(policy_add_report(&p, r, NULL), 0);
	assert_int_equal(p.n, 1);
	m = &p.mods[0];
	assert_string_equal(m->path, r->path);
	assert_string_equal(m->build_id, r->build_id);
	assert_int_equal(strlen(m->build_id), 40);
	assert_int_equal(m->nfns, sizeof(legacy_confined) / sizeof(*legacy_confined));
	for (size_t i = 0; i < m->nfns; i++) {
		assert_string_equal(m->fns[i].name, legacy_confined[i].name);
		join(uses, sizeof(uses), &m->fns[i].uses);
		assert_string_equal(uses, legacy_confined[i].uses);
		assert_same_as_report(&m->fns[i], r);
	}
	assert_int_equal(find_fn(m, "legacy_spin")->entry_branches, 1u << 2); /* the loop lands after the 2-byte xor */
	for (size_t i = 0; i < r->nfunctions; i++)
		if (!r->functions[i].guard || r->functions[i].init_only)
			assert_null(find_fn(m, r->functions[i].name));
	assert_null(find_fn(m, "legacy_forward"));
	assert_null(find_fn(m, "legacy_tiny"));
	policy_clear(&p);
	module_report_free(r);
}

/* A hand-made report: a guarded function, a caller reaching state only through it, an
 * init-only function (not guarded), and a guarded start known only as a call target. */
static void test_add_report_by_hand(void **state)
{
	struct function_report fns[4] = {
		{ .name = "direct", .demangled = "direct", .addr = 0x1000, .size = 20, .guard = true,
		  .direct = true, .anchored = true, .entry_branches = 9 },
		{ .name = "caller", .demangled = "caller", .addr = 0x1100, .size = 30, .anchored = true },
		{ .name = "init", .demangled = "init", .addr = 0x1200, .size = 40, .direct = true,
		  .init_only = true, .anchored = true },
		{ .name = "0x1300", .demangled = "0x1300", .addr = 0x1300, .size = 8, .guard = true,
		  .direct = true },
	};
	struct module_report r = { .path = "/opt/app/libx.so", .build_id = "abcd", .functions = fns,
				   .nfunctions = 4 };
	struct policy p = { 0 };

	(void)state;
	add_uses(&fns[0].uses, "g_a,tmbuf");
	add_uses(&fns[1].uses, "g_b");
	add_uses(&fns[2].uses, "g_c");
	add_uses(&fns[3].uses, "g_d");
	assert_int_equal(policy_add_report(&p, &r, NULL), 0);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.mods[0].path, "/opt/app/libx.so");
	assert_string_equal(p.mods[0].build_id, "abcd");
	assert_int_equal(p.mods[0].nfns, 1);
	assert_string_equal(p.mods[0].fns[0].name, "direct");
	assert_int_equal(p.mods[0].fns[0].entry_branches, 9);
	assert_int_equal(p.mods[0].fns[0].uses.n, 2);
	for (size_t i = 0; i < 4; i++)
		strlist_free(&fns[i].uses);
	policy_clear(&p);
}

static void assert_same_fn(const struct policy_fn *a, const struct policy_fn *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->demangled, b->demangled);
	assert_int_equal(a->addr, b->addr);
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->entry_branches, b->entry_branches);
	assert_int_equal(a->uses.n, b->uses.n);
	for (size_t i = 0; i < a->uses.n; i++)
		assert_string_equal(a->uses.v[i], b->uses.v[i]);
}

static void assert_same_policy(const struct policy *a, const struct policy *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(a->mods[i].path, b->mods[i].path);
		assert_string_equal(a->mods[i].build_id, b->mods[i].build_id);
		assert_int_equal(a->mods[i].nfns, b->mods[i].nfns);
		for (size_t k = 0; k < a->mods[i].nfns; k++)
			assert_same_fn(&a->mods[i].fns[k], &b->mods[i].fns[k]);
	}
}

/* Adds a C++ module with a high address, a branch into the entry and a function without uses. */
static void add_cxx_module(struct policy *p)
{
	struct function_report fns[2] = {
		{ .name = "_ZN3app4tickEv", .demangled = "app::tick()", .addr = 0xffffffff81000010ULL,
		  .size = 123456, .guard = true, .entry_branches = 31 },
		{ .name = "0x2040", .demangled = "0x2040", .addr = 0x2040, .size = 1, .guard = true },
	};
	struct module_report r = { .path = "/srv/app \"x\"/app", .build_id = "", .functions = fns,
				   .nfunctions = 2 };

	add_uses(&fns[0].uses, "app::counter,tmbuf,getenv");
	assert_int_equal(policy_add_report(p, &r, NULL), 0);
	strlist_free(&fns[0].uses);
}

static void test_round_trip(void **state)
{
	struct module_report *r = analyze("patch/O0-pie-nocet/liblegacy.so");
	struct policy p = { 0 }, q = { 0 };
	char *text, *digest = NULL;

	(void)state;
	assert_int_equal(policy_add_report(&p, r, NULL), 0);
	add_cxx_module(&p);
	text = policy_render(&p, "0123456789abcdef");
	assert_non_null(text);
	assert_int_equal(policy_parse(text, "p.policy", &diag, &q, &digest), 0);
	assert_string_equal(digest, "0123456789abcdef");
	assert_same_policy(&p, &q);
	assert_ptr_equal(policy_find(&q, r->build_id), &q.mods[0]);
	assert_null(policy_find(&q, "0000000000000000000000000000000000000000"));
	assert_null(policy_find(&q, ""));
	assert_null(policy_find(&q, NULL));
	free(text);
	free(digest);
	policy_clear(&p);
	policy_clear(&q);
	module_report_free(r);
}

static void test_render_header(void **state)
{
	struct policy p = { 0 }, q = { 0 };
	char *text = policy_render(&p, NULL), *digest = NULL;

	(void)state;
	assert_non_null(text);
	assert_string_equal(text,
			    "# The functions confine's runtime guard confines, per module (matched by build-id).\n"
			    "# Written by 'confine policy'; read with the guard option policy=FILE.\n"
			    "# threads<TAB>aware|naive<TAB>evidence (the module); unit<TAB>index<TAB>language<TAB>aware|naive<TAB>evidence<TAB>name\n"
			    "# address<TAB>size<TAB>entry_branches (bit i: a jump lands i bytes in)<TAB>uses<TAB>name<TAB>demangled<TAB>unit<TAB>state (touches state unprotected itself)\n"
			    "confine-policy 2 version=0.1.0 rules=-\n");
	assert_int_equal(policy_parse(text, "p.policy", &diag, &q, &digest), 0);
	assert_string_equal(digest, "-");
	assert_int_equal(q.n, 0);
	free(text);
	free(digest);
	policy_clear(&q);
}

static void test_parse_lines(void **state)
{
	static const char text[] = "confine-policy 1 version=9 rules=abc\n"
				   "module - /lib/a.so\n"
				   "0x10\t7\t0x14\tx,y\t_Z1fv\tf()\n"
				   "\n# a comment\n"
				   "module 00ff /b\n";
	struct policy p = { 0 };
	char *digest = NULL;

	(void)state;
	assert_int_equal(policy_parse(text, "p.policy", &diag, &p, &digest), 0);
	assert_string_equal(digest, "abc");
	assert_int_equal(p.n, 2);
	assert_string_equal(p.mods[0].path, "/lib/a.so");
	assert_string_equal(p.mods[0].build_id, "");
	assert_int_equal(p.mods[0].nfns, 1);
	assert_int_equal(p.mods[0].fns[0].addr, 0x10);
	assert_int_equal(p.mods[0].fns[0].size, 7);
	assert_int_equal(p.mods[0].fns[0].entry_branches, 0x14);
	assert_int_equal(p.mods[0].fns[0].uses.n, 2);
	assert_string_equal(p.mods[0].fns[0].name, "_Z1fv");
	assert_string_equal(p.mods[0].fns[0].demangled, "f()");
	/* Version 1: no unit, and the function counts as touching state itself. */
	assert_int_equal(p.mods[0].fns[0].unit, -1);
	assert_true(p.mods[0].fns[0].state);
	assert_false(p.mods[0].aware.aware);
	assert_string_equal(p.mods[1].build_id, "00ff");
	assert_int_equal(p.mods[1].nfns, 0);
	free(digest);
	policy_clear(&p);
}

/* Version 2: the module's and the units' thread-awareness, each function's unit and state. */
static void test_parse_v2(void **state)
{
	static const char text[] = "confine-policy 2 version=9 rules=abc\n"
				   "module - /lib/a.so\n"
				   "threads\taware\tuses pthread_mutex_lock\n"
				   "unit\t0\t0x1c\taware\twritten in Rust\tsrc/lib.rs\n"
				   "unit\t1\t0x21\tnaive\t-\tlegacy.cpp\n"
				   "0x10\t7\t0x0\tx\t_Z1fv\tf()\t1\tstate\n"
				   "0x20\t7\t0x0\t-\tg\tg\t-\t-\n";
	struct policy p = { 0 }, q = { 0 };
	char *again;

	(void)state;
	assert_int_equal(policy_parse(text, "p.policy", &diag, &p, NULL), 0);
	assert_true(p.mods[0].aware.aware);
	assert_string_equal(p.mods[0].aware.evidence, "uses pthread_mutex_lock");
	assert_int_equal(p.mods[0].nunits, 2);
	assert_int_equal(p.mods[0].units[0].lang, 0x1c);
	assert_string_equal(policy_language_name(p.mods[0].units[0].lang), "Rust");
	assert_string_equal(p.mods[0].units[0].aware.evidence, "written in Rust");
	assert_string_equal(p.mods[0].units[1].name, "legacy.cpp");
	assert_false(p.mods[0].units[1].aware.aware);
	assert_int_equal(p.mods[0].fns[0].unit, 1);
	assert_true(p.mods[0].fns[0].state);
	assert_false(policy_fn_aware(&p.mods[0], 0)->aware);
	assert_int_equal(p.mods[0].fns[1].unit, -1);
	assert_false(p.mods[0].fns[1].state);
	assert_true(policy_fn_aware(&p.mods[0], 1)->aware);
	/* It renders back to what it was read from. */
	again = policy_render(&p, "abc");
	assert_non_null(again);
	assert_int_equal(policy_parse(again, "again", &diag, &q, NULL), 0);
	assert_int_equal(q.mods[0].nunits, 2);
	assert_int_equal(q.mods[0].fns[0].unit, 1);
	assert_true(q.mods[0].fns[0].state);
	assert_false(q.mods[0].fns[1].state);
	assert_string_equal(q.mods[0].units[0].aware.evidence, "written in Rust");
	free(again);
	policy_clear(&p);
	policy_clear(&q);
}

static void expect_bad_line(const char *text, int line)
{
	struct policy p = { 0 };
	char want[128];

	snprintf(want, sizeof(want), "p.policy:%d: not a confine policy line (write policies with 'confine policy')", line);
	last_error[0] = '\0';
	assert_int_equal(policy_parse(text, "p.policy", &diag, &p, NULL), -EINVAL);
	assert_string_equal(last_error, want);
	policy_clear(&p);
}

static void test_not_policy(void **state)
{
	(void)state;
	expect_bad_line("", 1);
	expect_bad_line("{\"tool\": \"confine\"}\n", 1);
	expect_bad_line("# only a comment\n", 1);
	expect_bad_line("confine-policy 3 version=1\n", 1);
}

static void test_bad_lines(void **state)
{
	(void)state;
	expect_bad_line("confine-policy 1 rules=-\n0x10\t1\t0\t-\tf\tf\n", 2);            /* no module yet */
	expect_bad_line("confine-policy 1 rules=-\nmodule -\n", 2);                        /* no path */
	expect_bad_line("confine-policy 1 rules=-\nmodule - /a\n0x10\t1\t0\t-\tf\n", 3);  /* 5 fields */
	expect_bad_line("confine-policy 1 rules=-\nmodule - /a\n16\t1\t0\t-\tf\tf\n", 3);  /* not hex */
	expect_bad_line("confine-policy 1 rules=-\nmodule - /a\n0x10\tx\t0\t-\tf\tf\n", 3); /* size */
	expect_bad_line("confine-policy 1 rules=-\nmodule - /a\n0x10\t1\tzz\t-\tf\tf\n", 3);
	expect_bad_line("confine-policy 1 rules=-\nmodule 0123456789012345678901234567890123456789ab /a\n", 2);
	expect_bad_line("confine-policy 2 rules=-\nmodule - /a\n0x10\t1\t0\t-\tf\tf\n", 3);           /* 6 fields */
	expect_bad_line("confine-policy 2 rules=-\nmodule - /a\n0x10\t1\t0\t-\tf\tf\t0\t-\n", 3);   /* no unit 0 */
	expect_bad_line("confine-policy 2 rules=-\nmodule - /a\nthreads\tmaybe\t-\n", 3);
	expect_bad_line("confine-policy 2 rules=-\nmodule - /a\nunit\t1\t0x1\tnaive\t-\ta.c\n", 3); /* index */
}

/* A module of functions named A, B, ... with the given uses ("" for none). */
static void make_module(struct policy_module *m, const char *const *uses, size_t n)
{
	static char names[][2] = { "A", "B", "C", "D", "E", "F", "G", "H" };

	memset(m, 0, sizeof(*m));
	m->fns = calloc(n, sizeof(*m->fns));
	assert_non_null(m->fns);
	m->nfns = n;
	for (size_t i = 0; i < n; i++) {
		m->fns[i].name = names[i];
		m->fns[i].demangled = names[i];
		add_uses(&m->fns[i].uses, uses[i]);
	}
}

static void free_module(struct policy_module *m)
{
	for (size_t i = 0; i < m->nfns; i++)
		strlist_free(&m->fns[i].uses);
	free(m->fns);
}

static void assert_domains(const struct policy_module *m, bool by_state, const char *want)
{
	struct strlist names = { 0 };
	char got[512];

	assert_int_equal(policy_domains(m, "lib.so", by_state, &names), 0);
	assert_int_equal(names.n, m->nfns);
	join(got, sizeof(got), &names);
	assert_string_equal(got, want);
	strlist_free(&names);
}

static void test_domains(void **state)
{
	static const char *const uses[] = { "x", "x,y", "y", "", "z", "zz,q", "q" };
	struct policy_module m;

	(void)state;
	make_module(&m, uses, 7);
	assert_domains(&m, false, "lib.so,lib.so,lib.so,lib.so,lib.so,lib.so,lib.so");
	assert_domains(&m, true, "lib.so:x,lib.so:x,lib.so:x,lib.so,lib.so:z,lib.so:q,lib.so:q");
	free_module(&m);
}

static void test_domains_transitive(void **state)
{
	/* A-C are joined through D only; the group's smallest name is D's */
	static const char *const uses[] = { "m", "n", "o", "o,n,m,a", "b" };
	struct policy_module m;

	(void)state;
	make_module(&m, uses, 5);
	assert_domains(&m, true, "lib.so:a,lib.so:a,lib.so:a,lib.so:a,lib.so:b");
	free_module(&m);
}

static void test_domains_empty(void **state)
{
	struct policy_module m = { 0 };
	struct strlist names = { 0 };

	(void)state;
	assert_int_equal(policy_domains(&m, "lib.so", true, &names), 0);
	assert_int_equal(names.n, 0);
	strlist_free(&names);
}

static void test_selected_default(void **state)
{
	(void)state;
	assert_true(policy_module_selected("/opt/app/bin/app", NULL));
	/* The distribution's programs, say a shell a service starts, inherit the guard: not patched. */
	assert_false(policy_module_selected("/usr/bin/bash", NULL));
	assert_false(policy_module_selected("/bin/sh", ""));
	assert_false(policy_module_selected("/usr/sbin/sshd", NULL));
	assert_false(policy_module_selected("/usr/lib/postgresql/15/bin/postgres", NULL));
	assert_true(policy_module_selected("/usr/local/bin/app", NULL));
	assert_true(policy_module_selected("/srv/app/bin/app", NULL));
	assert_true(policy_module_selected("/usr/bin/app", "/usr/bin/app"));
	assert_false(policy_module_selected("/lib/x86_64-linux-gnu/libc.so.6", NULL));
	assert_false(policy_module_selected("/lib64/ld-linux-x86-64.so.2", NULL));
	assert_false(policy_module_selected("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", ""));
	assert_false(policy_module_selected("/usr/lib64/libm.so.6", NULL));
	assert_true(policy_module_selected("/opt/app/lib/liblegacy.so", NULL));
	assert_true(policy_module_selected("/usr/local/lib/liblegacy.so", NULL));
	assert_true(policy_module_selected("/library/liblegacy.so", NULL));
	assert_true(policy_module_selected("build/lib/liblegacy.so", NULL));
}

static void test_selected_globs(void **state)
{
	static const char globs[] = "liblegacy*,app";

	(void)state;
	assert_true(policy_module_selected("/usr/lib/liblegacy.so.1", globs));
	assert_true(policy_module_selected("/opt/x/liblegacy.so", globs));
	assert_true(policy_module_selected("/opt/x/app", globs));
	assert_true(policy_module_selected("app", globs));
	assert_false(policy_module_selected("/opt/x/other", globs));
	assert_false(policy_module_selected("/opt/x/libother.so", globs));
	assert_false(policy_module_selected("/opt/x/app2", globs));
	assert_true(policy_module_selected("/opt/x/libz.so", "/opt/*/libz.so"));
	assert_false(policy_module_selected("/usr/x/libz.so", "/opt/*/libz.so"));
	assert_true(policy_module_selected("/opt/x/libz.so", ",,libz.so,"));
	assert_false(policy_module_selected("/opt/x/libz.so", ","));
}

static void test_digest(void **state)
{
	char a[17], b[17], c[17];

	(void)state;
	policy_digest("", a);
	assert_string_equal(a, "cbf29ce484222325");
	policy_digest("a", a);
	assert_string_equal(a, "af63dc4c8601ec8c");
	policy_digest("strtok strtok error state\n", b);
	policy_digest("strtok strtok error state\n", c);
	assert_int_equal(strlen(b), 16);
	assert_int_equal(strspn(b, "0123456789abcdef"), 16);
	assert_string_equal(b, c);
	policy_digest("strtok strtok warning state\n", c);
	assert_string_not_equal(b, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_report),
		cmocka_unit_test(test_add_report_by_hand),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_render_header),
		cmocka_unit_test(test_parse_lines),
		cmocka_unit_test(test_parse_v2),
		cmocka_unit_test(test_not_policy),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_domains_transitive),
		cmocka_unit_test(test_domains_empty),
		cmocka_unit_test(test_selected_default),
		cmocka_unit_test(test_selected_globs),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests_name("policy", tests, setup, teardown);
}
