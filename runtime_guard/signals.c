/* Signals: wraps user signal handlers so the guard knows when a thread runs one. Inside a
 * handler the thread's serial carries SERIAL_SIGNAL: the trampolines' compare then fails and
 * the slow path can tell a signal-reentry from an ordinary call. */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include "faults.h"
#include "options.h"
#include "signals.h"
#include "threads.h"

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);

/* What the wrapper calls, in one word it reads at once: the handler's address, with
 * CALL_SIGINFO set for a three-argument one. A handler is never called with the signature of
 * another, whatever sigaction runs meanwhile on another thread. */
#define CALL_SIGINFO (1ULL << 63)

/* The test build calls a one-argument handler with a null siginfo and context, so that a
 * three-argument handler called with the wrong signature sees it (x86-64 would otherwise leave
 * the right ones in its argument registers). */
#ifdef GUARD_FAULTS
#define CALL_PLAIN(fn, sig) ((void (*)(int, siginfo_t *, void *))(fn))(sig, NULL, NULL)
#else
#define CALL_PLAIN(fn, sig) ((void (*)(int))(fn))(sig)
#endif

struct user_handler {
	void *fn;            /* the program's handler */
	int flags;           /* its sa_flags */
	uint64_t call;       /* fn | CALL_SIGINFO if SA_SIGINFO (the wrapper reads only this) */
};

static struct user_handler handlers[NSIG];
static bool trap_taken;   /* SIGTRAP belongs to the patcher; the program's handler is kept aside */

static sigaction_fn real_sigaction(void)
{
	static sigaction_fn real;

	if (!real)
		real = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
	return real;
}

static void wrapper(int sig, siginfo_t *info, void *uc)
{
	uint64_t call = __atomic_load_n(&handlers[sig].call, __ATOMIC_ACQUIRE), saved;
	void *fn = (void *)(uintptr_t)(call & ~CALL_SIGINFO);

	guard_async++;
	/* A serial assigned inside the handler must survive it. */
	if (guard_serial == SERIAL_UNASSIGNED && guard_ready)
		threads_self();
	saved = guard_serial;
	guard_serial = saved | SERIAL_SIGNAL;
	guard_in_signal++;
	if (call & CALL_SIGINFO)
		((void (*)(int, siginfo_t *, void *))fn)(sig, info, uc);
	else if (fn != (void *)SIG_DFL && fn != (void *)SIG_IGN)
		CALL_PLAIN(fn, sig);
	guard_in_signal--;
	guard_serial = saved;
	guard_async--;
}

static bool installs_handler(const struct sigaction *act)
{
	if (act->sa_flags & SA_SIGINFO)
		return act->sa_sigaction != NULL;
	return act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
}

/* The program must see its own handler, never the wrapper, as the previous action. */
static void unwrap(struct sigaction *old, const struct user_handler *prev)
{
	if (old->sa_sigaction != wrapper)
		return;
	old->sa_flags = prev->flags;
	if (prev->flags & SA_SIGINFO)
		old->sa_sigaction = (void (*)(int, siginfo_t *, void *))prev->fn;
	else
		old->sa_handler = (void (*)(int))prev->fn;
}

static void store_handler(int sig, const struct sigaction *act)
{
	bool siginfo = act->sa_flags & SA_SIGINFO;
	void *fn = siginfo ? (void *)act->sa_sigaction : (void *)act->sa_handler;

	__atomic_store_n(&handlers[sig].flags, act->sa_flags, __ATOMIC_RELEASE);
	fault_at(FAULT_HANDLER_STORE);
	__atomic_store_n(&handlers[sig].fn, fn, __ATOMIC_RELEASE);
	__atomic_store_n(&handlers[sig].call, (uint64_t)(uintptr_t)fn | (siginfo ? CALL_SIGINFO : 0), __ATOMIC_RELEASE);
}

static void report_as_old(struct sigaction *old, const struct user_handler *prev)
{
	memset(old, 0, sizeof(*old));
	old->sa_flags = prev->flags;
	if (prev->flags & SA_SIGINFO)
		old->sa_sigaction = (void (*)(int, siginfo_t *, void *))prev->fn;
	else
		old->sa_handler = prev->fn ? (void (*)(int))prev->fn : SIG_DFL;
}

GUARD_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	sigaction_fn real = real_sigaction();
	struct user_handler prev;
	struct sigaction mine;
	int r;

	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	/* Once the patcher owns SIGTRAP, every disposition the program sets is kept aside, SIG_IGN
	 * and SIG_DFL too: the real one must stay ours while int3 patches exist. */
	if (sig == SIGTRAP && trap_taken) {
		prev = handlers[sig];
		if (act)
			store_handler(sig, act);
		if (old)
			report_as_old(old, &prev);
		return 0;
	}
	if (sig < 1 || sig >= NSIG || !act || !installs_handler(act)) {
		prev = sig >= 1 && sig < NSIG ? handlers[sig] : (struct user_handler){ 0 };
		r = real(sig, act, old);
		if (r == 0 && old)
			unwrap(old, &prev);
		return r;
	}
	prev = handlers[sig];
	mine = *act;
	mine.sa_flags |= SA_SIGINFO;
	mine.sa_sigaction = wrapper;
	/* An int3 entry reached with SIGTRAP blocked would kill the process. */
	sigdelset(&mine.sa_mask, SIGTRAP);
	store_handler(sig, act);
	r = real(sig, &mine, old);
	if (r == 0 && old)
		unwrap(old, &prev);
	return r;
}

/* glibc's signal() calls sigaction internally, past any interposer; this one keeps its BSD
 * semantics (SA_RESTART, handler stays installed). */
GUARD_EXPORT __sighandler_t signal(int sig, __sighandler_t handler)
{
	struct sigaction act, old;

	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	act.sa_flags = SA_RESTART;
	sigemptyset(&act.sa_mask);
	sigaddset(&act.sa_mask, sig);
	if (sigaction(sig, &act, &old) != 0)
		return SIG_ERR;
	return old.sa_handler;
}

typedef int (*sigmask_fn)(int, const sigset_t *, sigset_t *);

/* An int3 entry reached with SIGTRAP blocked kills the whole process (the kernel forces a
 * blocked synchronous SIGTRAP to its default action). While entries may be patched, a mask the
 * program sets never blocks SIGTRAP. */
static const sigset_t *without_trap(int how, const sigset_t *set, sigset_t *copy)
{
	if (!set || how == SIG_UNBLOCK || !guard_flags.patch || sigismember(set, SIGTRAP) != 1)
		return set;
	*copy = *set;
	sigdelset(copy, SIGTRAP);
	return copy;
}

GUARD_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	static sigmask_fn real;
	sigset_t copy;

	if (!real)
		real = (sigmask_fn)dlsym(RTLD_NEXT, "pthread_sigmask");
	return real ? real(how, without_trap(how, set, &copy), old) : ENOSYS;
}

GUARD_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	static sigmask_fn real;
	sigset_t copy;

	if (!real)
		real = (sigmask_fn)dlsym(RTLD_NEXT, "sigprocmask");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(how, without_trap(how, set, &copy), old);
}

int signals_take_trap(void (*handler)(int, siginfo_t *, void *))
{
	sigaction_fn real = real_sigaction();
	struct sigaction act, old;

	if (!real)
		return -1;
	memset(&act, 0, sizeof(act));
	act.sa_sigaction = handler;
	act.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
	sigemptyset(&act.sa_mask);
	if (real(SIGTRAP, &act, &old) != 0)
		return -1;
	/* The patching thread may have inherited a mask that blocks it. */
	sigemptyset(&act.sa_mask);
	sigaddset(&act.sa_mask, SIGTRAP);
	pthread_sigmask(SIG_UNBLOCK, &act.sa_mask, NULL);
	/* The disposition the program had (a handler installed before the guard started, or SIG_IGN)
	 * becomes its kept-aside one. */
	if (old.sa_sigaction != wrapper && !handlers[SIGTRAP].fn)
		store_handler(SIGTRAP, &old);
	trap_taken = true;
	return 0;
}

bool signals_forward(int sig, siginfo_t *info, void *uc)
{
	uint64_t call = __atomic_load_n(&handlers[sig].call, __ATOMIC_ACQUIRE);
	void *fn = (void *)(uintptr_t)(call & ~CALL_SIGINFO);

	if (!fn || fn == (void *)SIG_DFL || fn == (void *)SIG_IGN)
		return fn == (void *)SIG_IGN;
	wrapper(sig, info, uc);
	return true;
}

void signals_default(int sig)
{
	sigaction_fn real = real_sigaction();
	struct sigaction act;

	memset(&act, 0, sizeof(act));
	act.sa_handler = SIG_DFL;
	if (sig == SIGTRAP)
		trap_taken = false;
	if (real)
		real(sig, &act, NULL);
}
