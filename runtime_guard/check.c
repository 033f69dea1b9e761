/* Check: the slow path behind every trampoline. Binds unowned domains to their first caller and
 * reports calls from other threads, from signal handlers, and settings writes under threads. */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include "check.h"
#include "domains.h"
#include "options.h"
#include "report.h"
#include "threads.h"

/* Continuation for a function whose real definition cannot be found. */
static long guard_enosys(void)
{
	errno = ENOSYS;
	return 0;
}

static void note_module(struct guard_fn *fn, void *real)
{
	Dl_info info;
	const char *slash;

	if (fn->module || !dladdr(real, &info) || !info.dli_fname)
		return;
	slash = strrchr(info.dli_fname, '/');
	fn->module = strdup(slash ? slash + 1 : info.dli_fname);
}

/* dlsym may allocate (its error buffer) or fail: only the first call of each function, which
 * the constructor normally makes, pays for it. */
void *check_resolve(int index)
{
	void *real = __atomic_load_n(&guard_resolved[index], __ATOMIC_ACQUIRE);

	if (real)
		return real;
	real = dlsym(RTLD_NEXT, guard_fns[index].name);
	if (real) {
		note_module(&guard_fns[index], real);
		__atomic_store_n(&guard_resolved[index], real, __ATOMIC_RELEASE);
		/* From now on the trampoline's fast path jumps straight to it. */
		if (guard_fns[index].kind == GUARD_STATE)
			__atomic_store_n(&guard_real[index], real, __ATOMIC_RELEASE);
	}
	return real;
}

static bool name_allowed(void)
{
	char name[16];

	if (!guard_flags.owner[0])
		return true;
	threads_own_name(name);
	return suppress_glob(guard_flags.owner, name);
}

static void check_domain(int index, int d, uint64_t me, uintptr_t pc)
{
	struct violation v = { .kind = KIND_CROSS_THREAD_CALL, .fn = index, .domain = d, .caller = me,
			       .pc = pc };

	v.owner = __atomic_load_n(&guard_owner[d], __ATOMIC_ACQUIRE);
	if (v.owner == 0) {
		if (!name_allowed()) {
			v.owner_glob = true;
			report_violation(&v);
			return;
		}
		domains_bind(d, me, pc, guard_fns[index].entry);
		v.owner = __atomic_load_n(&guard_owner[d], __ATOMIC_ACQUIRE);
	}
	if (v.owner == me) {
		if (guard_in_signal > 0) {
			v.kind = KIND_SIGNAL_REENTRY;
			report_violation(&v);
		}
		return;
	}
	report_violation(&v);
}

/* Env rules whose calls may only read (rules field query), as 1 + the argument that is NULL in
 * a query (1 to 6), or 1 when every call is one; 0 for writers. */
static const signed char query_arg[] = {
#define GUARD_FN(i, sym, rule, kind, d1, d2, d3)
#define GUARD_QUERY(i, arg) [i] = 1 + (arg),
#define GUARD_DOMAIN(i, name)
#define GUARD_COUNTS(nfn, ndom)
#include "guard_table.inc"
#undef GUARD_FN
#undef GUARD_QUERY
#undef GUARD_DOMAIN
#undef GUARD_COUNTS
	0
};

/* Whether this call only reads the setting: setlocale(LC_ALL, NULL) asks for the locale's name.
 * regs holds the saved argument registers, %r9 first and %rdi last (trampoline.S). */
static bool env_query(int index, const uint64_t *regs)
{
	int arg = index < (int)sizeof(query_arg) ? query_arg[index] - 1 : -1;

	return arg == 0 || (arg > 0 && regs && regs[6 - arg] == 0);
}

static void check_env(int index, uint64_t me, uintptr_t pc, const uint64_t *regs)
{
	struct violation v = { .kind = KIND_ENV_WRITE, .fn = index, .domain = -1, .caller = me, .pc = pc };

	if (env_query(index, regs))
		return;
	v.threads = threads_count();
	if (v.threads > 1)
		report_violation(&v);
}

void *check_slow(uint64_t index, uintptr_t pc, const uint64_t *regs)
{
	const struct guard_fn *fn = &guard_fns[index];
	void *real = (int)index < guard_nfns ? check_resolve((int)index) : fn->resume;
	int saved_errno = errno;

	if (guard_ready && !guard_busy) {
		uint64_t me;

		guard_busy = 1;
		me = threads_self();
		if (fn->kind == GUARD_ENV)
			check_env((int)index, me, pc, regs);
		for (int i = 0; fn->kind == GUARD_STATE && i < 3 && fn->domains[i] >= 0; i++)
			check_domain((int)index, fn->domains[i], me, pc);
		guard_busy = 0;
	}
	errno = saved_errno;
	return real ? real : (void *)guard_enosys;
}
