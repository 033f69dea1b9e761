/* Guard: start-up (options, tables, real functions), fork and exit handling, joins, and the
 * public API: the top layer, which nothing else in the runtime calls. Interposition itself lives
 * in trampoline.S (libc) and signals.c. */
#include <cpuid.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "domains.h"
#include "modules.h"
#include "options.h"
#include "report.h"
#include "symbolize.h"
#include "threads.h"

static void die_on_options(const char *why)
{
	fprintf(stderr, "confine: CONFINE_OPTIONS: %s\n", why);
	_exit(2);
}

/* Removes this library from LD_PRELOAD so that programs run from here run unguarded. */
static void strip_preload(void)
{
	const char *own_path = shared_own_path();
	const char *pre = getenv("LD_PRELOAD"), *base = strrchr(own_path, '/');
	char out[4096] = "", item[1024];
	int (*real_setenv)(const char *, const char *, int) = dlsym(RTLD_NEXT, "setenv");
	int (*real_unsetenv)(const char *) = dlsym(RTLD_NEXT, "unsetenv");

	base = base ? base + 1 : own_path;
	for (const char *p = pre; p && *p;) {
		size_t len = strcspn(p, ": ");
		const char *slash;

		snprintf(item, sizeof(item), "%.*s", (int)len, p);
		slash = strrchr(item, '/');
		if (len && strcmp(slash ? slash + 1 : item, base) && strlen(out) + len + 2 < sizeof(out))
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? ":" : "", item);
		p += len + (p[len] != '\0');
	}
	if (out[0] && real_setenv)
		real_setenv("LD_PRELOAD", out, 1);
	else if (real_unsetenv)
		real_unsetenv("LD_PRELOAD");
}

static void after_fork_child(void)
{
	threads_after_fork();
	domains_after_fork(guard_serial & SERIAL_MASK);
	report_after_fork();
	symbolize_after_fork();
}

/* Exit status: a run that reported violations and would have exited 0 exits with exitcode.
 * on_exit handlers see the status and run after the program's own atexit handlers. */
static void on_exit_hook(int status, void *arg)
{
	char msg[96];
	unsigned n = report_count();

	(void)arg;
	if (guard_flags.verbosity >= 1) {
		unsigned hidden = report_dropped();

		snprintf(msg, sizeof(msg), "%u violation%s reported", n - hidden, n - hidden == 1 ? "" : "s");
		if (hidden)
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), ", %u more not shown (max_reports)",
				 hidden);
		report_message(msg);
	}
	if (status == 0 && n > 0) {
		fflush(NULL);
		_exit(guard_flags.exitcode);
	}
}

/* The slow path saves the vector state with xsave when the OS enabled it, sized for the
 * features it enabled (CPUID leaf 0xd), else with fxsave. */
static void detect_xsave(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_XSAVE) || !(c & bit_OSXSAVE))
		return;
	__cpuid_count(0xd, 0, a, b, c, d);
	guard_xsave_size = b;
}

static void resolve_all(void)
{
	for (int i = 0; i < guard_nfns; i++)
		check_resolve(i);
}

__attribute__((constructor(101))) static void guard_init(void)
{
	char err[256];

	guard_busy = 1;
	if (options_parse(secure_getenv("CONFINE_OPTIONS"), err, sizeof(err)))
		die_on_options(err);
	if (guard_flags.help) {
		options_help(STDERR_FILENO);
		_exit(0);
	}
	if (report_init())
		_exit(2);
	shared_find_self();
	detect_xsave();
	symbolize_init(shared_own_path());
	threads_init();
	domains_init();
	resolve_all();
	pthread_atfork(NULL, NULL, after_fork_child);
	modules_init();
	on_exit(on_exit_hook, NULL);
	if (guard_flags.strip_env)
		strip_preload();
	guard_busy = 0;
	guard_ready = true;
}

/* "T1 'main' (tid=5) VERB DOMAIN from T2 'w' (tid=6)TAIL" at verbosity=1. */
static void log_claim(int d, uint64_t me, uint64_t prev, const char *verb, const char *tail)
{
	struct thread_desc t, p;
	char msg[256];

	if (guard_flags.verbosity < 1 || me == prev)
		return;
	threads_describe(me, &t);
	threads_describe(prev, &p);
	if (prev)
		snprintf(msg, sizeof(msg), "T%llu '%s' (tid=%d) %s %s from T%llu '%s' (tid=%d)%s",
			 (unsigned long long)t.serial, t.name, t.tid, verb, domains_name(d),
			 (unsigned long long)p.serial, p.name, p.tid, tail);
	else
		snprintf(msg, sizeof(msg), "T%llu '%s' (tid=%d) %s %s", (unsigned long long)t.serial, t.name,
			 t.tid, verb, domains_name(d));
	report_message(msg);
}

GUARD_EXPORT int confine_claim(const char *domain)
{
	uint64_t me;
	int d;

	if (!guard_ready) {
		errno = EAGAIN;
		return -1;
	}
	if (domain && (d = domains_find(domain)) < 0) {
		errno = ENOENT;
		return -1;
	}
	guard_busy++;
	me = threads_self();
	for (int i = domain ? d : 0; i < (domain ? d + 1 : domains_count()); i++)
		log_claim(i, me, domains_claim(i, me), "claimed", "");
	guard_busy--;
	return 0;
}

GUARD_EXPORT int confine_release(const char *domain)
{
	int d;

	if (!guard_ready) {
		errno = EAGAIN;
		return -1;
	}
	if (domain && (d = domains_find(domain)) < 0) {
		errno = ENOENT;
		return -1;
	}
	for (int i = domain ? d : 0; i < (domain ? d + 1 : domains_count()); i++)
		domains_release(i);
	return 0;
}

/* A join that returned 0 orders every access of the joined thread before the joiner's next one:
 * the joiner takes over the domains the joined thread owned (a thread that exits unjoined keeps
 * them, and calls from others stay violations). Only here are all domains walked. */
static void take_over(pthread_t t)
{
	uint64_t me, joined;

	/* The record goes in any case: t's handle may now be reused. */
	joined = threads_take_exit(t);
	if (!joined || !guard_ready || guard_busy || guard_async)
		return;
	guard_busy++;
	me = threads_self();
	for (int d = 0; d < domains_count(); d++)
		if (domains_hand_over(d, joined, me))
			log_claim(d, me, joined, "took over", ", which it joined");
	guard_busy--;
}

/* The joins' one template: the real function, then, when it returned ok, the handover (a join)
 * or the dropping of the exit record (a detach, which drops it before too: once the real detach
 * has freed an exited thread, its handle may be reused before the record goes). The handle
 * parameter is named t. C11's thrd_join and thrd_detach call glibc's own pthread functions
 * directly, not through the interposed names, so they are interposed too. */
#define JOIN_INTERCEPTOR(name, ok, fail, before, after, params, args)                   \
	GUARD_EXPORT int name params                                                    \
	{                                                                               \
		static int(*real) params;                                               \
		int r;                                                                  \
                                                                                        \
		if (!real)                                                              \
			real = (int(*) params)dlsym(RTLD_NEXT, #name);                 \
		before(t);                                                              \
		r = real ? real args : (fail);                                          \
		if (r == (ok))                                                          \
			after(t);                                                       \
		return r;                                                               \
	}

/* C11's thrd_t is glibc's pthread_t, and thrd_success and thrd_error are 0 and 2 (<threads.h>,
 * which this directory's threads.h hides). */
enum { C11_SUCCESS = 0, C11_ERROR = 2 };

/* A thread detached after it exited is gone at once, and its handle may be reused: its exit
 * record must not pass for the next thread's. */
static void drop_exit(pthread_t t)
{
	(void)threads_take_exit(t);
}

static void no_op(pthread_t t)
{
	(void)t;
}

JOIN_INTERCEPTOR(pthread_join, 0, ENOSYS, no_op, take_over, (pthread_t t, void **ret), (t, ret))
JOIN_INTERCEPTOR(pthread_tryjoin_np, 0, ENOSYS, no_op, take_over, (pthread_t t, void **ret), (t, ret))
JOIN_INTERCEPTOR(pthread_timedjoin_np, 0, ENOSYS, no_op, take_over,
		 (pthread_t t, void **ret, const struct timespec *abstime), (t, ret, abstime))
JOIN_INTERCEPTOR(pthread_clockjoin_np, 0, ENOSYS, no_op, take_over,
		 (pthread_t t, void **ret, clockid_t clock, const struct timespec *abstime),
		 (t, ret, clock, abstime))
JOIN_INTERCEPTOR(thrd_join, C11_SUCCESS, C11_ERROR, no_op, take_over, (pthread_t t, int *res), (t, res))
JOIN_INTERCEPTOR(pthread_detach, 0, ENOSYS, drop_exit, drop_exit, (pthread_t t), (t))
JOIN_INTERCEPTOR(thrd_detach, C11_SUCCESS, C11_ERROR, drop_exit, drop_exit, (pthread_t t), (t))
