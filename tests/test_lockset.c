/* Unit tests of the lockset: the must-lockset solver on small control-flow graphs, the sync
 * rules, the protection of every object of the protection fixture (gcc and clang, -O0/-O2), and
 * the calls that only query a setting (setlocale(category, NULL)). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include "analysis.h"
#include "findings.h"
#include "lockset.h"
#include "sync.h"

#define N(a) (sizeof(a) / sizeof(*(a)))
#define A 1ULL     /* lock bit 0 */
#define B 2ULL     /* lock bit 1 */

static struct ls_insn plain(void)
{
	return (struct ls_insn){ .flow = LS_NEXT, .target = -1 };
}

static struct ls_insn acquire(uint64_t m)
{
	return (struct ls_insn){ .flow = LS_NEXT, .target = -1, .gen = m };
}

static struct ls_insn release(uint64_t m)
{
	return (struct ls_insn){ .flow = LS_NEXT, .target = -1, .kill = m };
}

static struct ls_insn jcc(int32_t to)
{
	return (struct ls_insn){ .flow = LS_JCC, .target = to };
}

static struct ls_insn jmp(int32_t to)
{
	return (struct ls_insn){ .flow = LS_JMP, .target = to };
}

static struct ls_insn ret(void)
{
	return (struct ls_insn){ .flow = LS_RET, .target = -1 };
}

/* lock A; access; unlock A; return: A is held at the access only. */
static void test_straight_line(void **state)
{
	struct ls_insn v[] = { acquire(A), plain(), release(A), ret() };
	uint64_t in[N(v)];
	bool returns;

	(void)state;
	assert_int_equal(lockset_solve(v, N(v), 0, in, &returns), 0);
	assert_true(returns);
	assert_int_equal(in[0], 0);
	assert_int_equal(in[1], A);
	assert_int_equal(in[2], A);
	assert_int_equal(in[3], 0);
}

/* if (c) lock A; access; ...: a lock taken on one branch only is not held at the join. */
static void test_one_branch(void **state)
{
	struct ls_insn v[] = { jcc(2), acquire(A), plain(), ret() };
	uint64_t in[N(v)];
	bool returns;

	(void)state;
	lockset_solve(v, N(v), 0, in, &returns);
	assert_int_equal(in[2], 0);
}

/* The lock held on both branches survives the join; a second one taken on one branch does not. */
static void test_join_keeps_common(void **state)
{
	struct ls_insn v[] = { acquire(A), jcc(3), acquire(B), plain(), release(A | B), ret() };
	uint64_t in[N(v)];
	bool returns;

	(void)state;
	lockset_solve(v, N(v), 0, in, &returns);
	assert_int_equal(in[2], A);
	assert_int_equal(in[3], A);
	assert_int_equal(in[5], 0);
}

/* trylock: its je holds the lock on the taken edge only. */
static void test_trylock_edge(void **state)
{
	struct ls_insn v[] = { plain(), jcc(4), plain(), ret(), plain(), release(A), ret() };
	uint64_t in[N(v)];
	bool returns;

	(void)state;
	v[1].cond_gen = A;
	v[1].cond_on_taken = true;
	lockset_solve(v, N(v), 0, in, &returns);
	assert_int_equal(in[2], 0);   /* failure: fall-through */
	assert_int_equal(in[4], A);   /* success: taken */
	assert_int_equal(in[6], 0);
}

/* A loop that takes and releases the lock in its body: the head holds nothing, the body A. */
static void test_loop(void **state)
{
	struct ls_insn v[] = { plain(), acquire(A), plain(), release(A), jcc(1), ret() };
	uint64_t in[N(v)];
	bool returns;

	(void)state;
	lockset_solve(v, N(v), 0, in, &returns);
	assert_int_equal(in[1], 0);
	assert_int_equal(in[2], A);
	assert_int_equal(in[5], 0);
}

/* Locks held at the entry (every caller holds them) stay held until released; the result is
 * what every return still holds. */
static void test_entry_and_summary(void **state)
{
	struct ls_insn v[] = { plain(), jcc(3), ret(), acquire(B), ret() };
	uint64_t in[N(v)];
	bool returns;

	(void)state;
	assert_int_equal(lockset_solve(v, N(v), A, in, &returns), A);
	assert_int_equal(in[0], A);
	assert_int_equal(in[4], A | B);
}

/* Code no path reaches claims nothing; a function that never returns has no summary. */
static void test_unreachable_and_noreturn(void **state)
{
	struct ls_insn v[] = { acquire(A), jmp(0), plain() };
	uint64_t in[N(v)];
	bool returns = true;

	(void)state;
	assert_int_equal(lockset_solve(v, N(v), 0, in, &returns), 0);
	assert_false(returns);
	assert_int_equal(in[2], 0);
	assert_int_equal(in[1], A);
}

/* An indirect jump reaches every block start nothing falls into (switch tables). */
static void test_indirect_jump(void **state)
{
	struct ls_insn v[] = { acquire(A), (struct ls_insn){ .flow = LS_JMP_IND, .target = -1 }, plain(),
			       ret(), plain(), ret() };
	uint64_t in[N(v)];
	bool returns;

	(void)state;
	lockset_solve(v, N(v), 0, in, &returns);
	assert_int_equal(in[2], A);
	assert_int_equal(in[4], A);
}

static void test_sync_rules(void **state)
{
	struct sync_rules *s = NULL;
	const struct sync_func *f;

	(void)state;
	assert_int_equal(sync_rules_load_builtin(&s, NULL), 0);
	f = sync_find_function(s, "pthread_mutex_lock@GLIBC_2.2.5");
	assert_non_null(f);
	assert_int_equal(f->role, SYNC_LOCK);
	assert_int_equal(f->arg, 1);
	f = sync_find_function(s, "pthread_mutex_trylock");
	assert_int_equal(f->role, SYNC_TRYLOCK);
	assert_false(f->success_nonzero);
	assert_true(sync_find_function(s, "g_mutex_trylock")->success_nonzero);
	assert_int_equal(sync_find_function(s, "_ZNSt10lock_guardISt5mutexEC2ERS0_")->arg, 2);
	assert_false(sync_role_is_evidence(sync_find_function(s, "__cxa_guard_acquire")->role));
	assert_null(sync_find_function(s, "pthread_mutex_lockx"));
	assert_null(sync_find_function(s, "pthread_mutex_loc"));
	assert_int_equal(sync_type_class(s, "pthread_mutex_t"), TYPE_SYNC_OBJECT);
	assert_int_equal(sync_type_class(s, "std::atomic<int>"), TYPE_ATOMIC);
	assert_int_equal(sync_type_class(s, "core::sync::atomic::AtomicUsize"), TYPE_ATOMIC);
	assert_int_equal(sync_type_class(s, "sig_atomic_t"), TYPE_SIGNAL_FLAG);
	assert_int_equal(sync_type_class(s, "atomic<int>"), TYPE_PLAIN);
	assert_true(sync_type_candidate(s, "atomic<int>"));
	assert_true(sync_type_candidate(s, "mutex"));
	assert_false(sync_type_candidate(s, "Registry"));
	sync_rules_free(s);
}

static void test_sync_rules_errors(void **state)
{
	struct sync_rules *s = NULL;

	(void)state;
	assert_int_equal(sync_rules_parse("function f lock 1 -\nfunction g hold 1 -\n", "t", NULL, &s), -EINVAL);
	assert_int_equal(sync_rules_parse("type t shiny\n", "t", NULL, &s), -EINVAL);
	assert_int_equal(sync_rules_parse("locks f\n", "t", NULL, &s), -EINVAL);
	assert_int_equal(sync_rules_parse("# only a comment\n\n", "t", NULL, &s), 0);
	sync_rules_free(s);
}

/* ---- the protection fixture ------------------------------------------------------------------ */

static struct rules *rules;

static int setup(void **state)
{
	(void)state;
	rules = rules_new();
	return rules && rules_load_builtin(rules, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rules_free(rules);
	return 0;
}

/* "name protection lock unprotected-in" for each state finding, in report order. */
static void protection_table(const char *rel, char *out, size_t n)
{
	char path[512];
	const char *base = getenv("FX");
	struct input_unit u = { .path = path, .display = path };
	struct analysis_options o = { .rules = rules, .libc = LIBC_ANY, .jobs = 1 };
	struct module_report *r = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/%s", base && *base ? base : "build/fixtures", rel);
	assert_int_equal(analysis_run(&o, &u, &r), 0);
	out[0] = '\0';
	for (size_t i = 0; i < r->nfindings && len < n; i++) {
		const struct finding *f = &r->findings[i];

		if (f->kind == KIND_NON_REENTRANT_CALL)
			continue;
		len += (size_t)snprintf(out + len, n - len, "%s %s %s", f->name, protection_name(f->protection),
					f->lock ? f->lock : "-");
		for (size_t k = 0; k < f->naccesses && len < n; k++)
			if (f->accesses[k].protection == PROT_NONE)
				len += (size_t)snprintf(out + len, n - len, " %s", f->accesses[k].function);
		len += (size_t)snprintf(out + len, n - len, "\n");
	}
	module_report_free(r);
}

static const char protect_c[] =
	"hits atomic -\n"
	"hook none - hook_call\n"
	"locked_counter lock mu\n"
	"plain_hits atomic -\n"
	"table lock table_rw\n"
	"branch_value none - branch_bump\n"
	"config_value once -\n"
	"got_signal signal-flag -\n"
	"list_len lock list_mu\n"
	"log_table none - log_dump\n"
	"spin_count lock spin\n"
	"split_value none - split_peek\n"
	"try_hits lock mu\n"
	"try_misses none - try_count\n";

static void test_protect_fixture(void **state)
{
	static const char *const builds[] = {
		"protect/gcc-O0/libprotect.so", "protect/gcc-O2/libprotect.so",
		"protect/clang-O0/libprotect.so", "protect/clang-O2/libprotect.so",
		"protect/gcc-O0/protect.o", "protect/clang-O2/protect.o",
	};
	char table[4096];

	(void)state;
	for (size_t i = 0; i < N(builds); i++) {
		protection_table(builds[i], table, sizeof(table));
		assert_string_equal(table, protect_c);
	}
}

static const char protect_cxx[] =
	"prot::counter atomic -\n"
	"prot::guarded lock prot::m\n"
	"prot::unlocked none - _ZN4prot12unlocked_addEl\n"
	"size once -\n";

static void test_protect_fixture_cxx(void **state)
{
	static const char *const builds[] = {
		"protect/gcc-O0/libprotect_cxx.so", "protect/gcc-O2/libprotect_cxx.so",
		"protect/clang-O0/libprotect_cxx.so", "protect/clang-O2/libprotect_cxx.so",
	};
	char table[4096];

	(void)state;
	for (size_t i = 0; i < N(builds); i++) {
		protection_table(builds[i], table, sizeof(table));
		assert_string_equal(table, protect_cxx);
	}
}

/* ---- setlocale queries ---------------------------------------------------------------------- */

/* "caller caller ..." (report order: by name) of the setlocale findings of fixture rel, with the built-in rules and
 * extra (a rule line, or NULL) on top. */
static void setlocale_callers(const char *rel, const char *extra, char *out, size_t n)
{
	char path[512];
	const char *base = getenv("FX");
	struct rules *rs = rules_new();
	struct input_unit u = { .path = path, .display = path };
	struct analysis_options o = { .rules = rs, .libc = LIBC_ANY, .jobs = 1 };
	struct module_report *r = NULL;
	size_t len = 0;

	assert_non_null(rs);
	assert_int_equal(rules_load_builtin(rs, NULL), 0);
	if (extra)
		assert_int_equal(rules_parse(rs, extra, "test", NULL), 0);
	snprintf(path, sizeof(path), "%s/%s", base && *base ? base : "build/fixtures", rel);
	assert_int_equal(analysis_run(&o, &u, &r), 0);
	out[0] = '\0';
	for (size_t i = 0; i < r->nfindings && len < n; i++)
		if (r->findings[i].kind == KIND_NON_REENTRANT_CALL && !strcmp(r->findings[i].name, "setlocale"))
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? " " : "",
						r->findings[i].function);
	module_report_free(r);
	rules_free(rs);
}

/* A call whose second argument is zeroed in its block only reads the locale: no finding. */
static void test_drop_queries_fixture(void **state)
{
	static const char *const builds[] = {
		"locale/O0/locale.o", "locale/O2/locale.o", "locale/O0/liblocale.so", "locale/O2/liblocale.so",
	};
	char callers[1024];

	(void)state;
	for (size_t i = 0; i < N(builds); i++) {
		setlocale_callers(builds[i], NULL, callers, sizeof(callers));
		assert_string_equal(callers, "locale_reset");
	}
}

/* Zeroed by xor, mov $0 or a copy, before a call or a tail call: queries. Rewritten, only
 * partly cleared, in another block, across a branch target, a call, an implicit or second
 * operand write, or the wrong argument: not. */
static void test_drop_queries_sites(void **state)
{
	char callers[1024];

	(void)state;
	setlocale_callers("locale/queries.o", NULL, callers, sizeof(callers));
	assert_string_equal(callers, "w_block w_branch w_call w_implicit w_join w_other_arg w_partial "
				     "w_rewritten w_xchg");
}

/* The query comes from the rule's query field: always, another argument, none; and only env
 * rules have queries. */
static void test_drop_queries_rule_field(void **state)
{
	char callers[1024];

	(void)state;
	setlocale_callers("locale/O2/locale.o", "setlocale locale error env - - - always", callers, sizeof(callers));
	assert_string_equal(callers, "");
	setlocale_callers("locale/O2/locale.o", "setlocale locale error env - - - arg1=NULL", callers, sizeof(callers));
	assert_string_equal(callers, "locale_name locale_reset");
	setlocale_callers("locale/O0/locale.o", "setlocale locale error env", callers, sizeof(callers));
	assert_string_equal(callers, "locale_name locale_reset");
	setlocale_callers("locale/O0/locale.o", "setlocale locale error state - - - arg2=NULL", callers,
			  sizeof(callers));
	assert_string_equal(callers, "locale_name locale_reset");
	setlocale_callers("locale/queries.o", "setlocale locale error env - - - arg1=NULL", callers, sizeof(callers));
	assert_string_equal(callers, "q_copy q_mov q_tail q_xor w_block w_branch w_call w_implicit w_join "
				     "w_partial w_rewritten w_xchg");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_straight_line),
		cmocka_unit_test(test_one_branch),
		cmocka_unit_test(test_join_keeps_common),
		cmocka_unit_test(test_trylock_edge),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_entry_and_summary),
		cmocka_unit_test(test_unreachable_and_noreturn),
		cmocka_unit_test(test_indirect_jump),
		cmocka_unit_test(test_sync_rules),
		cmocka_unit_test(test_sync_rules_errors),
		cmocka_unit_test(test_protect_fixture),
		cmocka_unit_test(test_protect_fixture_cxx),
		cmocka_unit_test(test_drop_queries_fixture),
		cmocka_unit_test(test_drop_queries_sites),
		cmocka_unit_test(test_drop_queries_rule_field),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
