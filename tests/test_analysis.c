/* Unit tests of the analysis pipeline's progress reports (DIAG_PROGRESS): every stage is named in
 * order before it runs, and decoding advances in bytes up to its total, from several threads. */
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
					    "lockset", "protection", "findings" };
	char path[512];
	const char *fx = getenv("FX");
	struct events *e = calloc(1, sizeof(*e));

	(void)state;
	assert_non_null(e);
	snprintf(path, sizeof(path), "%s/O2/liblegacy.so", fx && *fx ? fx : "build/fixtures");
	analyze(path, 1, e);
	assert_int_equal(e->bad, 0);
	assert_int_equal(e->nstages, 13);
	for (int i = 0; i < 13; i++)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stages_in_order),
		cmocka_unit_test(test_decoding_advances),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
