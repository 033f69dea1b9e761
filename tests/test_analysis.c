/* Unit tests of the analysis pipeline's progress reports (DIAG_PROGRESS): every stage is named in
 * order before it runs, and decoding advances in bytes up to its total, from several threads;
 * and of synchronisation rules shared by many analyses. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "analysis.h"
#include "report_json.h"
#include "sync.h"

struct events {
	pthread_mutex_t lock;
	char stages[16][32];
	int nstages;
	unsigned long long done[4096], total;
	int ndone;
	int bad;
};

static void capture(void *ctx, enum diag_level level, const char *msg)
{
	struct events *e = ctx;
	unsigned long long d, t;
	char name[32];

	if (level == DIAG_ERROR)
		fail_msg("unexpected error: %s", msg);
	if (level != DIAG_PROGRESS)
		return;
	pthread_mutex_lock(&e->lock);
	if (sscanf(msg, "decoding %llu/%llu", &d, &t) == 2) {
		if ((e->total && e->total != t) || e->ndone == 4096)
			e->bad++;
		else
			e->done[e->ndone++] = d;
		e->total = t;
	} else if (strlen(msg) < sizeof(name) && e->nstages < 16) {
		snprintf(e->stages[e->nstages++], sizeof(name), "%s", msg);
	} else {
		e->bad++;
	}
	pthread_mutex_unlock(&e->lock);
}

static void analyze(const char *path, int jobs, struct events *e)
{
	struct rules *rules = rules_new();
	struct input_unit u = { .path = (char *)path, .display = (char *)path };
	struct analysis_options o = { .rules = rules, .libc = LIBC_ANY, .jobs = jobs };
	struct module_report *rep = NULL;

	assert_non_null(rules);
	assert_int_equal(rules_load_builtin(rules, NULL), 0);
	pthread_mutex_init(&e->lock, NULL);
	o.diag = (struct diag){ capture, e };
	assert_int_equal(analysis_run(&o, &u, &rep), 0);
	assert_non_null(rep);
	module_report_free(rep);
	rules_free(rules);
	pthread_mutex_destroy(&e->lock);
}

static void test_stages_in_order(void **state)
{
	static const char *const want[] = { "reading", "symbols", "debug info", "relocations", "state",
					    "types", "PLT", "decoding", "functions", "call graph",
					    "lockset", "queries", "protection", "findings" };
	char path[512];
	const char *fx = getenv("FX");
	struct events *e = calloc(1, sizeof(*e));

	(void)state;
	assert_non_null(e);
	snprintf(path, sizeof(path), "%s/O2/liblegacy.so", fx && *fx ? fx : "build/fixtures");
	analyze(path, 1, e);
	assert_int_equal(e->bad, 0);
	assert_int_equal(e->nstages, 14);
	for (int i = 0; i < 14; i++)
		assert_string_equal(e->stages[i], want[i]);
	/* One report per code section (.init, .text, .fini), the last one with all of it. */
	assert_int_equal(e->ndone, 3);
	assert_true(e->total > 0);
	assert_true(e->done[0] < e->done[1] && e->done[1] < e->done[2]);
	assert_true(e->done[2] == e->total);
	free(e);
}

/* libc's code is cut into many pieces, decoded by two threads: the amount done only grows, and
 * ends at the total. */
static void test_decoding_advances(void **state)
{
	const char *libc = "/lib/x86_64-linux-gnu/libc.so.6";
	struct events *e = calloc(1, sizeof(*e));

	(void)state;
	assert_non_null(e);
	if (access(libc, R_OK) != 0)
		fail_msg("%s is missing", libc);
	analyze(libc, 2, e);
	assert_int_equal(e->bad, 0);
	assert_true(e->ndone >= 8);
	for (int i = 1; i < e->ndone; i++)
		assert_true(e->done[i] > e->done[i - 1]);
	assert_true(e->done[e->ndone - 1] == e->total);
	assert_true(e->total > 1000000);
	free(e);
}

/* The JSON report of path, analyzed with the given shared synchronisation rules (NULL: its own). */
static char *report_with(const char *path, const struct sync_rules *sync)
{
	struct rules *rules = rules_new();
	struct input_unit u = { .path = (char *)path, .display = (char *)path };
	struct analysis_options o = { .rules = rules, .libc = LIBC_ANY, .jobs = 1 };
	struct module_report *rep = NULL;
	char *json;

	assert_non_null(rules);
	assert_int_equal(rules_load_builtin(rules, NULL), 0);
	assert_int_equal(analysis_run_shared(&o, sync, &u, &rep), 0);
	json = report_json_render(&rep, 1, NULL, true);
	assert_non_null(json);
	module_report_free(rep);
	rules_free(rules);
	return json;
}

/* Shared rules are the ones used: the built-in ones parsed once give the report of an analysis
 * that parses its own, and rules without the lock functions lose the protection found. */
static void test_shared_sync(void **state)
{
	const char *fx = getenv("FX");
	struct sync_rules *builtin = NULL, *none = NULL;
	char path[512], *own, *shared, *without;

	(void)state;
	snprintf(path, sizeof(path), "%s/protect/gcc-O2/libprotect.so", fx && *fx ? fx : "build/fixtures");
	assert_int_equal(sync_rules_load_builtin(&builtin, NULL), 0);
	assert_int_equal(sync_rules_parse("# no rules\n", "none", NULL, &none), 0);
	own = report_with(path, NULL);
	shared = report_with(path, builtin);
	without = report_with(path, none);
	assert_string_equal(shared, own);
	assert_non_null(strstr(own, "\"protection\": \"lock\""));
	assert_null(strstr(without, "\"protection\": \"lock\""));
	free(own);
	free(shared);
	free(without);
	sync_rules_free(builtin);
	sync_rules_free(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stages_in_order),
		cmocka_unit_test(test_decoding_advances),
		cmocka_unit_test(test_shared_sync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
