/* Unit tests of the CLI's pool: messages of each unit in input order, an out-of-memory message
 * (asprintf failing, injected through -Wl,--wrap=asprintf) reported, not a crash, and a sink
 * whose prepare runs on the workers before done gets each unit in order. */
#include "helpers.h"
#include <pthread.h>
#include "pool.h"

static int asprintf_fails;   /* the next calls that fail */

int __wrap_asprintf(char **strp, const char *fmt, ...);

/* Fails as glibc may: -1, with *strp left indeterminate (poisoned here, so that freeing it
 * crashes). */
int __wrap_asprintf(char **strp, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (asprintf_fails > 0) {
		asprintf_fails--;
		*strp = (char *)(uintptr_t)0xdeadbeef;
		return -1;
	}
	va_start(ap, fmt);
	n = vasprintf(strp, fmt, ap);
	va_end(ap);
	return n;
}

static struct input_unit units[] = {
	{ .path = "a.txt", .display = "a.txt", .error = "not an ELF file or archive" },
	{ .path = "b.txt", .display = "b.txt", .error = "No such file or directory" },
};

static const struct input_list list = { .v = units, .n = 2, .cap = 2 };

static void test_messages_in_order(void **state)
{
	struct analysis_options o = { NULL, LIBC_ANY, 1, test_diag, DISASM_ZYDIS };
	struct pool_result res;

	(void)state;
	assert_int_equal(pool_run(&list, &o, 2, false, DIAG_WARN, &res), 0);
	assert_int_equal(res.n, 2);
	assert_int_equal(res.failed, 2);
	assert_int_equal(res.messages[0].n, 1);
	assert_string_equal(res.messages[0].v[0], "error: a.txt: not an ELF file or archive");
	assert_int_equal(res.messages[1].n, 1);
	assert_string_equal(res.messages[1].v[0], "error: b.txt: No such file or directory");
	pool_result_free(&res);
}

/* A message that cannot be formatted makes the run fail with -ENOMEM; the other unit's
 * message is kept. */
static void test_asprintf_failure(void **state)
{
	struct analysis_options o = { NULL, LIBC_ANY, 1, test_diag, DISASM_ZYDIS };
	struct pool_result res;

	(void)state;
	asprintf_fails = 1;
	assert_int_equal(pool_run(&list, &o, 1, false, DIAG_WARN, &res), -ENOMEM);
	assert_int_equal(asprintf_fails, 0);
	assert_int_equal(res.failed, 2);
	assert_int_equal(res.messages[0].n, 0);
	assert_int_equal(res.messages[1].n, 1);
	assert_string_equal(res.messages[1].v[0], "error: b.txt: No such file or directory");
	pool_result_free(&res);
}

/* What the sink saw: prepare once per unit, on a worker, before done; done in input order. */
struct seen {
	pthread_t caller;
	int prepared[3], on_caller, ndone, bad_done;
	size_t order[3];
};

static void prepare(void *ctx, size_t i, struct pool_result *res)
{
	struct seen *sn = ctx;

	__atomic_fetch_add(&sn->prepared[i], 1, __ATOMIC_SEQ_CST);
	if (pthread_equal(pthread_self(), sn->caller))
		__atomic_fetch_add(&sn->on_caller, 1, __ATOMIC_SEQ_CST);
	module_report_free(res->reports[i]);   /* taken: the unit does not count as failed */
	res->reports[i] = NULL;
}

static void done(void *ctx, size_t i, struct pool_result *res)
{
	struct seen *sn = ctx;

	if (sn->prepared[i] != 1 || res->reports[i])
		sn->bad_done++;
	sn->order[sn->ndone++] = i;
}

static void test_sink_prepare(void **state)
{
	const char *base = getenv("FX");
	char a[512], b[512];
	struct input_unit u[3] = {
		{ .path = a, .display = a },
		{ .path = "a.txt", .display = "a.txt", .error = "not an ELF file or archive" },
		{ .path = b, .display = b },
	};
	const struct input_list l = { .v = u, .n = 3, .cap = 3 };
	struct rules *rules = rules_new();
	struct analysis_options o = { rules, LIBC_ANY, 1, test_diag, DISASM_ZYDIS };
	struct seen sn = { .caller = pthread_self() };
	struct pool_sink sink = { done, &sn, prepare };
	struct pool_result res;

	(void)state;
	snprintf(a, sizeof(a), "%s/O2/legacy.o", base && *base ? base : "build/fixtures");
	snprintf(b, sizeof(b), "%s/O0/legacy.o", base && *base ? base : "build/fixtures");
	assert_int_equal(rules_load_builtin(rules, NULL), 0);
	assert_int_equal(pool_run_streaming(&l, &o, 2, false, DIAG_WARN, NULL, &sink, &res), 0);
	assert_int_equal(sn.prepared[0] + sn.prepared[1] + sn.prepared[2], 3);
	assert_int_equal(sn.on_caller, 0);
	assert_int_equal(sn.bad_done, 0);
	assert_int_equal(sn.ndone, 3);
	assert_int_equal(sn.order[0] * 100 + sn.order[1] * 10 + sn.order[2], 12);
	assert_int_equal(res.failed, 1);
	pool_result_free(&res);
	rules_free(rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages_in_order),
		cmocka_unit_test(test_asprintf_failure),
		cmocka_unit_test(test_sink_prepare),
	};

	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
