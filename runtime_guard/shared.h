/* Shared guard state: the bottom layer of the runtime. The function table, the per-thread and
 * process-wide flags every layer reads, and where the guard's own code lies. */
#ifndef CONFINE_SHARED_H
#define CONFINE_SHARED_H

#include <stdbool.h>
#include <stdint.h>

#define GUARD_HIDDEN __attribute__((visibility("hidden")))
#define GUARD_EXPORT __attribute__((visibility("default")))
#define GUARD_TLS __attribute__((tls_model("initial-exec"), visibility("hidden")))

/* Thread serials: never reused. A thread that has not called a guarded function yet holds
 * SERIAL_UNASSIGNED, which equals no owner; inside a signal handler the serial carries
 * SERIAL_SIGNAL, so the trampolines' single compare fails and the slow path sees the handler. */
#define SERIAL_UNASSIGNED UINT64_MAX
#define SERIAL_SIGNAL (1ULL << 62)
#define SERIAL_MASK (SERIAL_SIGNAL - 1)

/* Domains: the libc ones (generated, see gen_table.c) and the ones added at run time. */
#define MAX_DOMAINS 4096
#define STACK_MAX 24

enum guard_fn_kind { GUARD_STATE, GUARD_ENV };

#define MAX_FNS 65536

/* A confined function: an interposed libc function (the first guard_nfns entries), or a
 * function of the program's own modules patched at its entry. */
struct guard_fn {
	const char *name;
	const char *rule;            /* the rule it comes from (for aliases) */
	enum guard_fn_kind kind;
	int domains[3];              /* -1 terminated */
	const char *module;          /* file name of the module holding it; NULL until known */
	void *resume;                /* patched functions: where the check continues */
	uintptr_t entry;             /* patched functions: their address (0 for libc's) */
};

extern struct guard_fn guard_fns[MAX_FNS] GUARD_HIDDEN;
extern void *guard_resolved[] GUARD_HIDDEN;   /* real functions, NULL until found */
extern const int guard_nfns GUARD_HIDDEN;            /* interposed libc functions */
extern int guard_nfns_total GUARD_HIDDEN;            /* with the patched ones */
extern const int guard_nlibc_domains GUARD_HIDDEN;
extern uint64_t guard_xsave_size GUARD_HIDDEN;       /* bytes for xsave, 0: use fxsave */

extern __thread int guard_busy GUARD_TLS;            /* inside the guard: no checks */
/* Nesting depth of signal handlers on this thread (set by the signal wrappers). */
extern __thread int guard_in_signal GUARD_TLS;
/* Inside a signal handler, the program's or the guard's own (SIGTRAP): async-signal-safe calls
 * only (no malloc, no lock, no pthread_setspecific, no dlsym). */
extern __thread int guard_async GUARD_TLS;

/* Set once the constructor has run; before that, calls pass straight through. */
extern bool guard_ready GUARD_HIDDEN;

/* Finds the guard library's own code and path. Call once, from the constructor. */
void shared_find_self(void) GUARD_HIDDEN;

/* Whether addr lies in the guard's own code (its frames are dropped from reports). */
bool shared_own_code(uintptr_t addr) GUARD_HIDDEN;

/* Path of the guard library itself ("" until shared_find_self ran). */
const char *shared_own_path(void) GUARD_HIDDEN;

#endif
