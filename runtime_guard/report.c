/* Reports: one lock serializes reporting; a report is formatted into a static buffer and
 * written with one write(2), to stderr or log_path.PID. */
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "domains.h"
#include "faults.h"
#include "options.h"
#include "outbuf.h"
#include "report.h"
#include "stack.h"
#include "symbolize.h"
#include "threads.h"

#define DEDUP_SLOTS 4096

struct site {
	uint64_t key;        /* fn index + 1 in the high bits, pc in the low ones; 0 = empty */
};

static struct site seen[DEDUP_SLOTS];
static struct suppress_set suppressions;
static uint64_t lock_owner;          /* serial of the reporting thread, 0 when free */
static unsigned reported;
static unsigned dropped;   /* violations past max_reports (under the report lock) */
static int log_fd = -1;
static char report_buf[1 << 16];
static char frame_lines[2 * STACK_MAX][SYMBOL_LINE];

static void init_diag(void *ctx, enum diag_level level, const char *msg)
{
	struct outbuf b = { report_buf, sizeof(report_buf), 0 };

	(void)ctx;
	(void)level;
	outbuf_str(&b, "confine: CONFINE_OPTIONS: ");
	outbuf_str(&b, msg);
	outbuf_str(&b, "\n");
	outbuf_write(&b, 2);
}

int report_init(void)
{
	struct diag d = { init_diag, NULL };

	if (!guard_flags.suppressions[0])
		return 0;
	return suppress_load(&suppressions, guard_flags.suppressions, &d) ? -1 : 0;
}

static uint64_t site_key(int fn, uintptr_t pc)
{
	return ((uint64_t)(fn + 1) << 48) ^ pc;
}

static size_t site_slot(uint64_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 52) % DEDUP_SLOTS;
}

/* Whether (function, pc) was reported: a lookup without the lock, so that a storm of one
 * violation costs a few loads. */
static bool seen_before(int fn, uintptr_t pc)
{
	uint64_t key = site_key(fn, pc);
	size_t h = site_slot(key);

	for (size_t i = 0; i < DEDUP_SLOTS; i++, h = (h + 1) % DEDUP_SLOTS) {
		uint64_t cur = __atomic_load_n(&seen[h].key, __ATOMIC_ACQUIRE);

		if (cur == key)
			return true;
		if (cur == 0)
			return false;
	}
	return false;
}

/* First report of this (function, pc)? Inserts it; a full table reports everything. */
static bool first_time(int fn, uintptr_t pc)
{
	uint64_t key = site_key(fn, pc);
	size_t h = site_slot(key);

	for (size_t i = 0; i < DEDUP_SLOTS; i++, h = (h + 1) % DEDUP_SLOTS) {
		uint64_t cur = __atomic_load_n(&seen[h].key, __ATOMIC_ACQUIRE), empty = 0;

		if (cur == key)
			return false;
		if (cur == 0 && __atomic_compare_exchange_n(&seen[h].key, &empty, key, false,
							    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return true;
		if (__atomic_load_n(&seen[h].key, __ATOMIC_ACQUIRE) == key)
			return false;
	}
	return true;
}

/* A thread already reporting (a signal arrived mid-report) must not wait for itself. */
static bool lock(uint64_t me)
{
	uint64_t free = 0;

	while (!__atomic_compare_exchange_n(&lock_owner, &free, me, false, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		if (free == me)
			return false;
		free = 0;
		sched_yield();
	}
	return true;
}

static void unlock(void)
{
	__atomic_store_n(&lock_owner, 0, __ATOMIC_RELEASE);
}

/* log_path.PID is opened by the first writer; a message and a report may race to it, so the
 * descriptor is published by compare-and-swap and the loser closes its own. */
static int output_fd(void)
{
	int fd = __atomic_load_n(&log_fd, __ATOMIC_ACQUIRE), none = -1;
	char path[600];
	struct outbuf b = { path, sizeof(path), 0 };

	if (fd >= 0)
		return fd;
	if (!strcmp(guard_flags.log_path, "stderr"))
		return 2;
	outbuf_str(&b, guard_flags.log_path);
	outbuf_str(&b, ".");
	outbuf_dec(&b, (uint64_t)getpid());
	fault_at(FAULT_LOG_OPEN);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return 2;
	if (!__atomic_compare_exchange_n(&log_fd, &none, fd, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		close(fd);
		return none;
	}
	return fd;
}

static void pid_prefix(struct outbuf *b)
{
	outbuf_str(b, "==");
	outbuf_dec(b, (uint64_t)getpid());
	outbuf_str(b, "== ");
}

static void thread_label(struct outbuf *b, const struct thread_desc *t)
{
	outbuf_str(b, "T");
	outbuf_dec(b, t->serial);
	outbuf_str(b, " '");
	outbuf_str(b, t->name);
	outbuf_str(b, "' (tid=");
	if (t->tid)
		outbuf_dec(b, (uint64_t)t->tid);
	else
		outbuf_str(b, "?");
	outbuf_str(b, ")");
}

static void frame_block(struct outbuf *b, const uintptr_t *pcs, size_t n, size_t first)
{
	for (size_t i = 0; i < n; i++) {
		outbuf_str(b, "    #");
		outbuf_dec(b, i);
		outbuf_str(b, " ");
		outbuf_hex(b, pcs[i]);
		outbuf_str(b, " ");
		outbuf_str(b, frame_lines[first + i]);
		outbuf_str(b, "\n");
	}
	if (!n)
		outbuf_str(b, "    (no stack)\n");
}

/* The violating stack starts at the caller of the confined function. */
static size_t violating_stack(const struct unwind_start *at, uintptr_t *pcs)
{
	void *frames[STACK_MAX];
	int n = stack_capture_at(at, frames, STACK_MAX);

	for (int i = 0; i < n; i++)
		pcs[i] = (uintptr_t)frames[i];
	return (size_t)n;
}

static void what_line(struct outbuf *b, const struct violation *v, const struct guard_fn *fn)
{
	outbuf_str(b, "  ");
	outbuf_str(b, kind_name(v->kind));
	outbuf_str(b, ": ");
	outbuf_str(b, fn->name);
	outbuf_str(b, " (");
	outbuf_str(b, fn->module ? fn->module : "?");
	if (v->domain >= 0) {
		outbuf_str(b, ") in domain ");
		outbuf_str(b, domains_name(v->domain));
		outbuf_str(b, "\n");
	} else {
		outbuf_str(b, ") while ");
		outbuf_dec(b, (uint64_t)v->threads);
		outbuf_str(b, " threads run\n");
	}
}

static void owner_block(struct outbuf *b, const struct violation *v, const struct thread_desc *owner,
			const uintptr_t *pcs, size_t n, size_t first)
{
	const char *dom = domains_name(v->domain);

	if (v->owner_glob) {
		outbuf_str(b, "  domain ");
		outbuf_str(b, dom);
		outbuf_str(b, " is not bound yet, and owner=");
		outbuf_str(b, guard_flags.owner);
		outbuf_str(b, " lets only threads with a matching name bind it\n");
		return;
	}
	outbuf_str(b, "  domain ");
	outbuf_str(b, dom);
	outbuf_str(b, " is owned by thread ");
	thread_label(b, owner);
	outbuf_str(b, owner->exited ? ", which has exited; it was bound at:\n" : ", bound at:\n");
	frame_block(b, pcs, n, first);
}

static void summary_line(struct outbuf *b, const struct violation *v, const struct guard_fn *fn,
			 const struct thread_desc *caller, const struct thread_desc *owner)
{
	outbuf_str(b, "SUMMARY: confine: ");
	outbuf_str(b, kind_name(v->kind));
	outbuf_str(b, " ");
	outbuf_str(b, fn->name);
	if (v->domain >= 0) {
		outbuf_str(b, " in ");
		outbuf_str(b, domains_name(v->domain));
	}
	outbuf_str(b, " (thread ");
	thread_label(b, caller);
	if (v->domain >= 0 && v->owner && !v->owner_glob && v->kind != KIND_SIGNAL_REENTRY) {
		outbuf_str(b, owner->exited ? ", exited owner " : ", owner ");
		thread_label(b, owner);
	}
	outbuf_str(b, ")\n");
}

static void compose(struct outbuf *b, const struct violation *v)
{
	const struct guard_fn *fn = &guard_fns[v->fn];
	uintptr_t pcs[2 * STACK_MAX], lookup[2 * STACK_MAX];
	void *bound[STACK_MAX];
	struct thread_desc caller, owner;
	size_t n = violating_stack(&v->at, pcs), nb = 0;
	bool entry_first = false;

	if (v->domain >= 0 && v->owner && !v->owner_glob)
		nb = (size_t)domains_bound_at(v->domain, bound, STACK_MAX, &entry_first);
	for (size_t i = 0; i < nb; i++)
		pcs[n + i] = (uintptr_t)bound[i];
	memcpy(lookup, pcs, (n + nb) * sizeof(*pcs));
	if (nb && entry_first)
		lookup[n] |= SYMBOLIZE_EXACT;
	symbolize_frames(lookup, n + nb, frame_lines, true);
	threads_describe(v->caller, &caller);
	threads_describe(v->owner, &owner);
	pid_prefix(b);
	outbuf_str(b, "confine: thread-confinement violation\n");
	what_line(b, v, fn);
	outbuf_str(b, v->kind == KIND_SIGNAL_REENTRY ? "  called from a signal handler on its owner thread "
						      : "  called on thread ");
	thread_label(b, &caller);
	outbuf_str(b, ":\n");
	frame_block(b, pcs, n, 0);
	if (v->domain >= 0 && v->kind != KIND_SIGNAL_REENTRY)
		owner_block(b, v, &owner, pcs + n, nb, n);
	summary_line(b, v, fn, &caller, &owner);
}

static void halt_if_asked(void)
{
	if (guard_flags.abort_on_error)
		abort();
	if (guard_flags.halt_on_error)
		_exit(guard_flags.exitcode);
}

static void limit_notice(struct outbuf *b)
{
	pid_prefix(b);
	outbuf_str(b, "confine: ");
	outbuf_dec(b, reported);
	outbuf_str(b, reported == 1 ? " violation reported" : " violations reported");
	outbuf_str(b, ": not reporting any more (max_reports=0 reports them all)\n");
	outbuf_write(b, output_fd());
}

void report_violation(const struct violation *v)
{
	const struct guard_fn *fn = &guard_fns[v->fn];
	const char *names[3] = { fn->name, fn->module, v->domain >= 0 ? domains_name(v->domain) : NULL };
	struct outbuf b = { report_buf, sizeof(report_buf), 0 };

	if (seen_before(v->fn, v->at.pc))
		return;
	if (suppress_match(&suppressions, v->kind, names, 3)) {
		first_time(v->fn, v->at.pc);
		return;
	}
	/* Marked as seen only once the lock is held: a refused lock loses nothing. */
	if (fault_at(FAULT_REPORT_LOCK) || !lock(v->caller))
		return;
	if (!first_time(v->fn, v->at.pc)) {
		unlock();
		return;
	}
	if (guard_flags.max_reports && reported >= (unsigned)guard_flags.max_reports) {
		/* Like Helgrind's limit: a storm (thread-safe code the analysis cannot tell from unsafe
		 * code) would flood the log and slow the program to a crawl. */
		if (dropped++ == 0)
			limit_notice(&b);
		unlock();
		return;
	}
	compose(&b, v);
	outbuf_write(&b, output_fd());
	__atomic_add_fetch(&reported, 1, __ATOMIC_RELAXED);
	unlock();
	halt_if_asked();
}

void report_message(const char *text)
{
	char buf[512];
	struct outbuf b = { buf, sizeof(buf), 0 };

	pid_prefix(&b);
	outbuf_str(&b, "confine: ");
	outbuf_str(&b, text);
	outbuf_str(&b, "\n");
	outbuf_write(&b, output_fd());
}

unsigned report_dropped(void)
{
	return __atomic_load_n(&dropped, __ATOMIC_RELAXED);
}

unsigned report_count(void)
{
	return __atomic_load_n(&reported, __ATOMIC_RELAXED) + __atomic_load_n(&dropped, __ATOMIC_RELAXED);
}

/* The child is a process of its own: its reports, its limit and its exit status count only
 * its own violations (a parent past max_reports must not silence it). */
void report_after_fork(void)
{
	lock_owner = 0;
	reported = 0;
	dropped = 0;
	memset(seen, 0, sizeof(seen));
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;   /* the child writes its own PATH.PID */
}
