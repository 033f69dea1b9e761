/* Check: the slow path behind every trampoline. Binds unowned domains to their first caller and
 * reports calls from other threads, from signal handlers, and settings writes under threads. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "domains.h"
#include "options.h"
#include "policy.h"
#include "report.h"
#include "threads.h"

/* Continuation for a function whose real definition cannot be found. */
static long guard_enosys(void)
{
	errno = ENOSYS;
	return 0;
}

/* The modules resolved functions live in, with the span of their segments: one
 * dl_iterate_phdr per module met instead of a dladdr per function (dladdr searches the
 * module's whole symbol table: a quarter of a warm start). Slots are claimed atomically and
 * published once filled, since any thread may resolve. */
#define MAX_RANGES 16

static struct range {
	uintptr_t lo, hi;
	const char *name;
	const char *path;   /* the loader's ("" for the program), valid while the module is */
	int ready;
} ranges[MAX_RANGES];
static int nranges;

static int find_range(struct dl_phdr_info *info, size_t size, void *ctx)
{
	struct range *r = ctx;
	uintptr_t lo = UINTPTR_MAX, hi = 0, a = r->lo;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		lo = lo < info->dlpi_addr + ph->p_vaddr ? lo : info->dlpi_addr + ph->p_vaddr;
		hi = hi > info->dlpi_addr + ph->p_vaddr + ph->p_memsz ? hi : info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	if (a < lo || a >= hi)
		return 0;
	r->lo = lo;
	r->hi = hi;
	r->path = info->dlpi_name ? info->dlpi_name : "";
	r->name = strrchr(r->path, '/') ? strrchr(r->path, '/') + 1 : r->path;
	return 1;
}

static const char *range_name(uintptr_t a)
{
	int n = __atomic_load_n(&nranges, __ATOMIC_ACQUIRE), i;
	struct range r = { .lo = a };

	for (i = 0; i < n && i < MAX_RANGES; i++)
		if (__atomic_load_n(&ranges[i].ready, __ATOMIC_ACQUIRE) && a >= ranges[i].lo && a < ranges[i].hi)
			return ranges[i].name;
	/* The program's name is not the loader's to give (dladdr's fallback names it). */
	if (!dl_iterate_phdr(find_range, &r) || !r.path[0] || !(r.name = strdup(r.name)))
		return NULL;
	i = __atomic_fetch_add(&nranges, 1, __ATOMIC_ACQ_REL);
	if (i < MAX_RANGES) {
		ranges[i].lo = r.lo;
		ranges[i].hi = r.hi;
		ranges[i].name = r.name;
		__atomic_store_n(&ranges[i].ready, 1, __ATOMIC_RELEASE);
	}
	return r.name;
}

static void note_module(struct guard_fn *fn, void *real)
{
	Dl_info info;
	const char *slash;

	if (fn->module)
		return;
	if ((fn->module = range_name((uintptr_t)real)) != NULL || !dladdr(real, &info) || !info.dli_fname)
		return;
	slash = strrchr(info.dli_fname, '/');
	fn->module = strdup(slash ? slash + 1 : info.dli_fname);
}

/* dlsym may allocate (its error buffer) or fail: only the first call of each function, which
 * the constructor normally makes, pays for it. */
void *check_resolve(int index)
{
	void *real = __atomic_load_n(&guard_resolved[index], __ATOMIC_ACQUIRE);

	if (real || guard_async)
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

/* Checks one domain; returns whether a later call from the same site has nothing new to
 * check (a violation now reported, suppressed or past max_reports), so it can be quiet. */
static bool check_domain(int index, int d, uint64_t me, const struct unwind_start *at)
{
	struct violation v = { .kind = KIND_CROSS_THREAD_CALL, .fn = index, .domain = d, .caller = me,
			       .at = *at };
	bool fresh = false;   /* a binding now: the next call may find another owner */

	v.owner = __atomic_load_n(&guard_owner[d], __ATOMIC_ACQUIRE);
	if (v.owner == 0) {
		if (!name_allowed()) {
			v.owner_glob = true;
			report_violation(&v);
			return true;
		}
		domains_bind(d, me, at, guard_fns[index].entry);
		v.owner = __atomic_load_n(&guard_owner[d], __ATOMIC_ACQUIRE);
		fresh = true;
	}
	if (v.owner == me) {
		if (guard_in_signal > 0) {
			v.kind = KIND_SIGNAL_REENTRY;
			report_violation(&v);
		}
		return false;
	}
	report_violation(&v);
	return !fresh;
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

/* Whether the frame at pc runs the program's or a patched library's code (not the distribution's,
 * in a system directory unless modules= names it). Code of no module (a JIT's) counts for
 * neither. exe holds the program's path, read on first need ("" before). */
static bool legacy_frame(uintptr_t pc, char exe[PATH_MAX])
{
	struct range r = { .lo = pc };
	ssize_t n;

	if (!dl_iterate_phdr(find_range, &r))
		return false;
	if (r.path[0])
		return policy_module_selected(r.path, guard_flags.modules);
	if (!exe[0]) {
		n = readlink("/proc/self/exe", exe, PATH_MAX - 1);
		exe[n > 0 ? n : 0] = '\0';
	}
	return !exe[0] || policy_module_selected(exe, guard_flags.modules);
}

/* Whether a settings write comes from the distribution's code alone: no frame of the stack lies
 * in the program or a library the guard patches (the JVM's libjava sets its locale while its own
 * threads run). The whole stack counts, not the return address: a wrapper (std::locale::global,
 * pthread_once) or a tail call leaves the program's frame further up. In a signal handler, where
 * the loader's list cannot be walked, every write is the program's. */
static bool distribution_code(const struct unwind_start *at)
{
	uintptr_t pcs[32];
	char exe[PATH_MAX] = "";
	int n;

	if (guard_in_signal)
		return false;
	n = unwind_walk(at, pcs, 32);
	for (int i = 0; i < n; i++)
		if (legacy_frame(pcs[i], exe))
			return false;
	return n > 0;
}

static void check_env(int index, uint64_t me, const struct unwind_start *at, const uint64_t *regs)
{
	struct violation v = { .kind = KIND_ENV_WRITE, .fn = index, .domain = -1, .caller = me, .at = *at };

	if (env_query(index, regs))
		return;
	v.threads = threads_count();
	if (v.threads > 1 && !distribution_code(at))
		report_violation(&v);
}

void *check_slow(uint64_t index, uintptr_t pc, const uint64_t *regs, uintptr_t sp, uintptr_t bp)
{
	const struct unwind_start at = { pc, sp, bp };
	const struct guard_fn *fn = &guard_fns[index];
	void *real = (int)index < guard_nfns ? check_resolve((int)index) : fn->resume;
	int saved_errno = errno;

	if (guard_ready && !guard_busy) {
		uint64_t me;

		guard_busy = 1;
		me = threads_self();
		bool quiet = fn->kind == GUARD_STATE && !guard_in_signal;

		if (fn->kind == GUARD_ENV)
			check_env((int)index, me, &at, regs);
		for (int i = 0; fn->kind == GUARD_STATE && i < 3 && fn->domains[i] >= 0; i++)
			quiet &= check_domain((int)index, fn->domains[i], me, &at);
		if (quiet && real)
			domains_quiet((int)index, pc, real);
		guard_busy = 0;
	}
	errno = saved_errno;
	return real ? real : (void *)guard_enosys;
}
