/* Unit tests of findings: fingerprints, clone suffixes, string lists, and whole-analysis results. */
#include "helpers.h"
#include "analysis.h"
#include "findings.h"

static int run(struct input_unit *u, struct module_report **out)
{
	struct analysis_options o = { test_rules, LIBC_ANY, 2, test_diag, DISASM_ZYDIS };

	test_last_error[0] = '\0';
	return analysis_run(&o, u, out);
}

/* Analyzes a fixture file (no archive member); fails the test on error. */
static struct module_report *analyze(const char *rel)
{
	char path[512];
	struct input_unit u = { .path = path, .display = path };
	struct module_report *r = NULL;

	test_fx_path(path, sizeof(path), rel);
	assert_int_equal(run(&u, &r), 0);
	assert_string_equal(test_last_error, "");
	return r;
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

static size_t join(char *out, size_t n, const struct strlist *l)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < l->n && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? "," : "", l->v[i]);
	return len;
}

/* One finding as a line: kind symbol name function section file:line R=readers W=writers, and
 * for calls the sites as function/how/line. */
static void finding_line(const struct finding *f, char *out, size_t n)
{
	char r[512], w[512], t[512];
	size_t len;

	join(r, sizeof(r), &f->readers);
	join(w, sizeof(w), &f->writers);
	join(t, sizeof(t), &f->takers);
	len = (size_t)snprintf(out, n, "%s %s %s %s %s %s:%d", kind_name(f->kind), f->symbol, f->name,
			       or_dash(f->function), or_dash(f->section), or_dash(f->file), f->line);
	if (f->kind != KIND_NON_REENTRANT_CALL)
		len += (size_t)snprintf(out + len, n - len, " R=%s W=%s%s%s%s%s%s", r, w, t[0] ? " A=" : "", t,
					f->guarded_init ? " guarded" : "", f->protection ? " P=" : "",
					f->protection ? protection_name(f->protection) : "");
	for (size_t i = 0; i < f->nsites && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, " %s/%s/%d", or_dash(f->sites[i].function),
					f->sites[i].how, f->sites[i].line);
}

static void expect_findings(const struct module_report *r, const char *const *want, size_t n)
{
	char line[2048];

	for (size_t i = 0; i < r->nfindings && i < n; i++) {
		finding_line(&r->findings[i], line, sizeof(line));
		assert_string_equal(line, want[i]);
	}
	assert_int_equal(r->nfindings, n);
}

#define N(a) (sizeof(a) / sizeof(*(a)))

static void test_fingerprint_stable(void **state)
{
	char fp[17];

	(void)state;
	findings_fingerprint(KIND_NON_REENTRANT_CALL, "legacy.o", "legacy_tokenize", "strtok", fp);
	assert_string_equal(fp, "76352d8298c5baa1");
	findings_fingerprint(KIND_MUTABLE_GLOBAL, "legacy.o", NULL, "g_counter", fp);
	assert_string_equal(fp, "7e11be4ac7e85535");
}

static void test_fingerprint_parts(void **state)
{
	char a[17], b[17];

	(void)state;
	findings_fingerprint(KIND_MUTABLE_GLOBAL, "m.o", NULL, "x", a);
	findings_fingerprint(KIND_MUTABLE_GLOBAL, "m.o", "", "x", b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 16);
	assert_int_equal(strspn(a, "0123456789abcdef"), 16);
	findings_fingerprint(KIND_MUTABLE_STATIC, "m.o", NULL, "x", b);
	assert_string_not_equal(a, b);
	findings_fingerprint(KIND_MUTABLE_GLOBAL, "n.o", NULL, "x", b);
	assert_string_not_equal(a, b);
	findings_fingerprint(KIND_MUTABLE_LOCAL_STATIC, "m.o", "ab", "c", a);
	findings_fingerprint(KIND_MUTABLE_LOCAL_STATIC, "m.o", "a", "bc", b);
	assert_string_not_equal(a, b);
}

static void expect_base(const char *in, const char *want)
{
	char *got = findings_base_name(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_base_name(void **state)
{
	(void)state;
	expect_base("legacy_tokenize.constprop.0", "legacy_tokenize");
	expect_base("legacy_tokenize.isra.0", "legacy_tokenize");
	expect_base("legacy_tokenize.part.0", "legacy_tokenize");
	expect_base("legacy_tokenize.cold", "legacy_tokenize");
	expect_base("legacy_tokenize.constprop.0.isra.0", "legacy_tokenize");
	expect_base("_ZN6legacy5splitEPc.cold", "_ZN6legacy5splitEPc");
	expect_base("legacy_tokenize", "legacy_tokenize");
	assert_null(findings_base_name(NULL));
}

static void test_strlist(void **state)
{
	struct strlist l = { 0 };
	static const char *const in[] = { "b", "a", "b", "c", "a" };

	(void)state;
	for (size_t i = 0; i < N(in); i++)
		assert_int_equal(strlist_add(&l, in[i], false), 0);
	assert_int_equal(l.n, 5);
	strlist_sort(&l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "a");
	assert_string_equal(l.v[1], "b");
	assert_string_equal(l.v[2], "c");
	assert_int_equal(strlist_add(&l, "b", true), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(strlist_add(&l, "d", true), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[3], "d");
	strlist_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
}

static const char *const legacy_o0[] = {
	"mutable-global g_counter g_counter - .bss fixtures/c/legacy.c:8 R=legacy_report,legacy_tokenize "
		"W=legacy_tokenize",
	"mutable-global g_limit g_limit - .data fixtures/c/legacy.c:9 R=legacy_report W=",
	"mutable-global g_weak_flag g_weak_flag - .data fixtures/c/legacy.c:10 R=legacy_report W=",
	"mutable-static s_buffer s_buffer - .bss fixtures/c/legacy.c:12 R= W= A=legacy_copy",
	"mutable-static s_calls s_calls - .bss fixtures/c/legacy.c:11 R=bump W=bump",
	"mutable-static s_ready s_ready - .bss fixtures/c/legacy.c:13 R=legacy_is_ready W=setup_helper "
		"P=once",
	"mutable-local-static tokens.0 tokens legacy_tokenize .bss fixtures/c/legacy.c:25 "
		"R=legacy_tokenize W=legacy_tokenize",
	"non-reentrant-call strtok strtok legacy_next - fixtures/c/legacy.c:35 legacy_next/call/35",
	"non-reentrant-call rand rand legacy_roll - fixtures/c/legacy.c:63 legacy_roll/call/63",
	"non-reentrant-call setenv setenv legacy_set_tz - fixtures/c/legacy.c:68 legacy_set_tz/call/68",
	"non-reentrant-call strtok strtok legacy_tokenize - fixtures/c/legacy.c:30 legacy_tokenize/call/30",
	"non-reentrant-call strtok strtok legacy_tokenizer - fixtures/c/legacy.c:73 "
		"legacy_tokenizer/address-taken/73",
	"non-reentrant-call gmtime gmtime legacy_utc_hour - fixtures/c/legacy.c:50 legacy_utc_hour/call/50",
	"non-reentrant-call localtime localtime legacy_year - fixtures/c/legacy.c:45 legacy_year/call/45",
};

static void test_legacy_o0(void **state)
{
	struct module_report *r = analyze("O0/legacy.o");

	(void)state;
	expect_findings(r, legacy_o0, N(legacy_o0));
	module_report_free(r);
}

/* At -O2: tail calls, and legacy_tokenize (with bump) inlined into legacy_process, whose strtok
 * call still belongs to the legacy_tokenize finding. */
static void test_legacy_o2(void **state)
{
	struct module_report *r = analyze("O2/legacy.o");
	static const char *const want[] = {
		"mutable-global g_counter g_counter - .bss fixtures/c/legacy.c:8 "
			"R=legacy_process,legacy_report,legacy_tokenize W=legacy_process,legacy_tokenize",
		"mutable-global g_limit g_limit - .data fixtures/c/legacy.c:9 R=legacy_report W=",
		"mutable-global g_weak_flag g_weak_flag - .data fixtures/c/legacy.c:10 R=legacy_report W=",
		"mutable-static s_buffer s_buffer - .bss fixtures/c/legacy.c:12 R= W= A=legacy_copy",
		"mutable-static s_calls s_calls - .bss fixtures/c/legacy.c:11 "
			"R=legacy_process,legacy_tokenize W=legacy_process,legacy_tokenize",
		"mutable-static s_ready s_ready - .bss fixtures/c/legacy.c:13 R=legacy_is_ready "
			"W=setup_helper P=once",
		"mutable-local-static tokens.0 tokens legacy_tokenize .bss fixtures/c/legacy.c:25 "
			"R=legacy_process,legacy_tokenize W=legacy_process,legacy_tokenize",
		"non-reentrant-call strtok strtok legacy_next - fixtures/c/legacy.c:35 "
			"legacy_next/tail-call/35",
		"non-reentrant-call rand rand legacy_roll - fixtures/c/legacy.c:63 legacy_roll/call/63",
		"non-reentrant-call setenv setenv legacy_set_tz - fixtures/c/legacy.c:68 "
			"legacy_set_tz/tail-call/68",
		"non-reentrant-call strtok strtok legacy_tokenize - fixtures/c/legacy.c:30 "
			"legacy_tokenize/tail-call/30 legacy_process/call/30",
		"non-reentrant-call strtok strtok legacy_tokenizer - fixtures/c/legacy.c:74 "
			"legacy_tokenizer/address-taken/74",
		"non-reentrant-call gmtime gmtime legacy_utc_hour - fixtures/c/legacy.c:50 "
			"legacy_utc_hour/call/50",
		"non-reentrant-call localtime localtime legacy_year - fixtures/c/legacy.c:45 "
			"legacy_year/call/45",
	};

	(void)state;
	expect_findings(r, want, N(want));
	module_report_free(r);
}

/* The same findings at -O0 and -O2 carry the same fingerprints, although every address moved. */
static void test_fingerprint_across_builds(void **state)
{
	struct module_report *a = analyze("O0/legacy.o"), *b = analyze("O2/legacy.o");
	size_t moved = 0;

	(void)state;
	assert_int_equal(a->nfindings, b->nfindings);
	for (size_t i = 0; i < a->nfindings; i++) {
		const struct finding *x = &a->findings[i], *y = &b->findings[i];
		char fp[17];

		assert_int_equal(x->kind, y->kind);
		assert_string_equal(or_dash(x->function), or_dash(y->function));
		assert_string_equal(x->name, y->name);
		assert_string_equal(x->fingerprint, y->fingerprint);
		findings_fingerprint(x->kind, "legacy.o", x->function, x->name, fp);
		assert_string_equal(x->fingerprint, fp);
		moved += x->kind != KIND_NON_REENTRANT_CALL && x->addr != y->addr;
	}
	assert_int_equal(moved, 7);
	module_report_free(a);
	module_report_free(b);
}

static void test_call_details(void **state)
{
	struct module_report *r = analyze("O0/legacy.o");
	const struct finding *loc = &r->findings[13], *rnd = &r->findings[8];

	(void)state;
	assert_string_equal(loc->name, "localtime");
	assert_string_equal(loc->group, "tmbuf");
	assert_string_equal(loc->alternative, "localtime_r");
	assert_int_equal(loc->severity, SEVERITY_ERROR);
	assert_int_equal(loc->category, CATEGORY_STATE);
	assert_string_equal(loc->function_demangled, "legacy_year");
	assert_string_equal(rnd->name, "rand");
	assert_int_equal(rnd->severity, SEVERITY_WARNING);
	assert_int_equal(rnd->category, CATEGORY_POSIX);
	assert_string_equal(r->findings[9].name, "setenv");
	assert_int_equal(r->findings[9].category, CATEGORY_ENV);
	module_report_free(r);
}

/* Function reports: the hazardous functions in address order, with their paths and roles. */
static void test_function_reports(void **state)
{
	struct module_report *r = analyze("O0/legacy.o");
	static const char *const want[] = {
		"bump guard uses=s_calls",
		"legacy_tokenize guard exported uses=g_counter,strtok,tokens",
		"legacy_next guard exported uses=strtok",
		"legacy_year guard exported uses=localtime",
		"legacy_utc_hour guard exported uses=gmtime",
		"legacy_roll guard exported uses=rand",
		"legacy_set_tz guard exported uses=setenv",
		"legacy_tokenizer guard exported uses=strtok",
		"legacy_report guard exported uses=g_counter,g_limit,g_weak_flag",
		"legacy_copy guard exported uses=s_buffer",
		"legacy_process exported via=legacy_tokenize",
		"setup_helper init-only uses=s_ready",
		/* s_ready is written while the module loads and read after: protected (once), so
		 * legacy_is_ready is no guard and legacy_init reaches nothing unprotected. */
		"legacy_is_ready exported uses=s_ready",
	};
	char line[1024], list[512];

	(void)state;
	assert_int_equal(r->nfunctions, N(want));
	for (size_t i = 0; i < r->nfunctions; i++) {
		const struct function_report *f = &r->functions[i];
		size_t len = (size_t)snprintf(line, sizeof(line), "%s%s%s%s", f->name, f->guard ? " guard" : "",
					      f->init_only ? " init-only" : "", f->exported ? " exported" : "");

		assert_int_equal(f->direct, f->uses.n > 0);
		if (f->via.n) {
			join(list, sizeof(list), &f->via);
			len += (size_t)snprintf(line + len, sizeof(line) - len, " via=%s", list);
		}
		if (f->uses.n) {
			join(list, sizeof(list), &f->uses);
			snprintf(line + len, sizeof(line) - len, " uses=%s", list);
		}
		assert_string_equal(line, want[i]);
	}
	module_report_free(r);
}

static void test_module_fields(void **state)
{
	struct module_report *r = analyze("O0/legacy.o");

	(void)state;
	assert_string_equal(r->module, "legacy.o");
	assert_null(r->member);
	assert_int_equal(r->type, IMAGE_RELOCATABLE);
	assert_false(r->stripped);
	assert_true(r->debug_info);
	assert_string_equal(r->build_id, "");
	assert_int_equal(r->nignored, 3);
	assert_string_equal(r->ignored[0].symbol, "k_sizes");
	assert_string_equal(r->ignored[0].reason, "read-only");
	assert_string_equal(r->ignored[1].symbol, "k_names");
	assert_string_equal(r->ignored[1].reason, "read-only");
	assert_string_equal(r->ignored[2].symbol, "t_depth");
	assert_string_equal(r->ignored[2].reason, "thread-local");
	module_report_free(r);
}

/* A CPython extension module (its PyInit_ calls PyModuleDef_Init) runs under the interpreter's
 * lock: thread-aware, module and unit, with the reason "interpreter"; a plain plugin is not. */
static void test_interpreter_extension(void **state)
{
	struct module_report *r = analyze("hosts/O2/libpyext.so"), *p = analyze("hosts/O2/libplugin.so");
	const char *why = "runs under its interpreter's lock (calls PyModuleDef_Init)";

	(void)state;
	assert_true(r->aware.aware);
	assert_int_equal(r->aware.reason, AWARE_INTERPRETER);
	assert_string_equal(r->aware.evidence, why);
	assert_int_equal(r->nunits, 1);
	assert_true(r->units[0].aware.aware);
	assert_string_equal(r->units[0].aware.evidence, why);
	assert_string_equal(aware_reason_name(AWARE_INTERPRETER), "interpreter");
	assert_int_equal(aware_reason_parse("interpreter"), AWARE_INTERPRETER);
	assert_false(p->aware.aware);
	module_report_free(r);
	module_report_free(p);
}

/* Archive members: the module name used in fingerprints is basename(member). */
static void test_archive_member(void **state)
{
	char path[512];
	struct input_list list = { 0 };
	struct module_report *r = NULL;
	char fp[17];

	(void)state;
	test_fx_path(path, sizeof(path), "O0/liblegacy.a");
	assert_int_equal(input_expand(&list, path), 0);
	assert_int_equal(list.n, 2);
	assert_int_equal(run(&list.v[1], &r), 0);
	assert_string_equal(r->module, "liblegacy.a(common.o)");
	assert_string_equal(r->member, "common.o");
	assert_string_equal(r->display, list.v[1].display);
	assert_int_equal(r->nfindings, 1);
	assert_string_equal(r->findings[0].name, "g_shared_counter");
	assert_string_equal(r->findings[0].section, "COMMON");
	findings_fingerprint(KIND_MUTABLE_GLOBAL, "liblegacy.a(common.o)", NULL, "g_shared_counter", fp);
	assert_string_equal(r->findings[0].fingerprint, fp);
	module_report_free(r);
	input_list_free(&list);
}

static void test_cxx(void **state)
{
	struct module_report *r = analyze("O0/legacy_cxx.o");
	static const char *const want[] = {
		"mutable-global _ZN6legacy8Registry5countE legacy::Registry::count - .bss "
			"fixtures/cxx/legacy.cpp:14 R=_ZN6legacy5splitEPc W=_ZN6legacy5splitEPc",
		"mutable-global _ZN6legacy8Registry5namesB5cxx11E legacy::Registry::names[abi:cxx11] - "
			".bss fixtures/cxx/legacy.cpp:15 R= "
			"W= A=_Z41__static_initialization_and_destruction_0ii,_ZN6legacy8rememberEiPKc",
		"mutable-local-static _ZZN6legacy14shared_counterEvE1n n _ZN6legacy14shared_counterEv "
			".bss._ZZN6legacy14shared_counterEvE1n fixtures/cxx/legacy.cpp:49 "
			"R=_ZN6legacy14shared_counterEv W=_ZN6legacy14shared_counterEv",
		"mutable-local-static _ZZN6legacy7next_idEvE2id id _ZN6legacy7next_idEv .bss "
			"fixtures/cxx/legacy.cpp:43 R=_ZN6legacy7next_idEv W=_ZN6legacy7next_idEv",
		"mutable-local-static _ZZN6legacy7scratchB5cxx11EvE3buf buf _ZN6legacy7scratchB5cxx11Ev "
			".bss fixtures/cxx/legacy.cpp:37 R= W= A=_ZN6legacy7scratchB5cxx11Ev guarded",
		"non-reentrant-call strtok strtok _ZN6legacy5splitEPc - fixtures/cxx/legacy.cpp:61 "
			"_ZN6legacy5splitEPc/call/61",
	};

	(void)state;
	expect_findings(r, want, N(want));
	assert_string_equal(r->findings[0].demangled, "legacy::Registry::count");
	assert_string_equal(r->findings[5].function_demangled, "legacy::split(char*)");
	module_report_free(r);
}

/* Stripped: functions by address, state by section offset, calls resolved through the PLT. */
static void test_stripped(void **state)
{
	struct module_report *r = analyze("O0/app-stripped");
	size_t state_findings = 0, calls = 0;

	(void)state;
	assert_true(r->stripped);
	assert_false(r->debug_info);
	assert_int_equal(r->type, IMAGE_EXECUTABLE);
	for (size_t i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];

		if (f->kind == KIND_NON_REENTRANT_CALL) {
			calls++;
			assert_string_equal(f->function, f->sites[0].function);
			assert_memory_equal(f->function, "0x", 2);
		} else {
			state_findings++;
			assert_int_equal(f->kind, KIND_MUTABLE_STATIC);
			assert_string_equal(f->symbol, f->name);
			assert_null(f->file);
		}
	}
	assert_int_equal(state_findings, 9);
	assert_int_equal(calls, 7);
	module_report_free(r);
}

static void test_unit_error(void **state)
{
	struct input_unit u = { .path = "x.txt", .display = "x.txt", .error = "not an ELF file or archive" };
	struct module_report *r = NULL;

	(void)state;
	assert_int_equal(run(&u, &r), -ENOENT);
	assert_null(r);
	assert_string_equal(test_last_error, "x.txt: not an ELF file or archive");
}

static void test_open_error(void **state)
{
	char path[] = "/tmp/confine-test-findings-XXXXXX";
	struct input_unit u = { .path = path, .display = "notes.txt" };
	struct module_report *r = NULL;
	int fd = mkstemp(path);
	const char *text = "plain text, long enough to hold an ELF header, yet not an ELF file\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(run(&u, &r), -ENOEXEC);
	unlink(path);
	assert_null(r);
	assert_string_equal(test_last_error, "notes.txt: not an ELF file");
}

/* At -O2 remember() loads &names from the GOT and increments the node count through it, beyond
 * the few instructions a loaded address is followed: its use is the address taken, not a write
 * (which only the static initialiser is). */
static void test_o2_remember_writes_names(void **state)
{
	char path[512];
	struct input_unit u = { .path = path, .display = path };
	struct analysis_options o = { test_rules, LIBC_ANY, 1, test_diag, DISASM_ZYDIS };
	struct module_report *r = NULL;
	const struct finding *names = NULL;

	(void)state;
	test_fx_path(path, sizeof(path), "O2/legacy_cxx.o");
	assert_int_equal(analysis_run(&o, &u, &r), 0);
	for (size_t i = 0; i < r->nfindings; i++)
		if (!strcmp(r->findings[i].symbol, "_ZN6legacy8Registry5namesB5cxx11E"))
			names = &r->findings[i];
	assert_non_null(names);
	assert_int_equal(names->writers.n, 1);
	assert_string_equal(names->writers.v[0], "_GLOBAL__sub_I_legacy.cpp");
	assert_int_equal(names->takers.n, 2);
	assert_string_equal(names->takers.v[1], "_ZN6legacy8rememberEiPKc");
	assert_int_equal(names->protection, PROT_NONE);
	module_report_free(r);
}

/* Only clone suffixes are cut: other dots belong to the name. */
static void test_base_name_keeps_non_clone_dots(void **state)
{
	char *b = findings_base_name("_GLOBAL__sub_I_legacy.cpp");

	(void)state;
	assert_string_equal(b, "_GLOBAL__sub_I_legacy.cpp");
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint_stable),
		cmocka_unit_test(test_fingerprint_parts),
		cmocka_unit_test(test_base_name),
		cmocka_unit_test(test_strlist),
		cmocka_unit_test(test_legacy_o0),
		cmocka_unit_test(test_legacy_o2),
		cmocka_unit_test(test_fingerprint_across_builds),
		cmocka_unit_test(test_call_details),
		cmocka_unit_test(test_function_reports),
		cmocka_unit_test(test_module_fields),
		cmocka_unit_test(test_interpreter_extension),
		cmocka_unit_test(test_archive_member),
		cmocka_unit_test(test_cxx),
		cmocka_unit_test(test_stripped),
		cmocka_unit_test(test_unit_error),
		cmocka_unit_test(test_open_error),
		cmocka_unit_test(test_o2_remember_writes_names),
		cmocka_unit_test(test_base_name_keeps_non_clone_dots),
	};

	return cmocka_run_group_tests_name("findings", tests, test_rules_setup, test_rules_teardown);
}
