/* Guard internals shared by the runtime's modules: thread identity, domains, the function table
 * and the options. */
#ifndef CONFINE_GUARD_H
#define CONFINE_GUARD_H

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
};

extern __thread uint64_t guard_serial GUARD_TLS;
extern __thread int guard_busy GUARD_TLS;            /* inside the guard: no checks */
extern uint64_t guard_owner[MAX_DOMAINS] GUARD_HIDDEN;
extern void *guard_real[] GUARD_HIDDEN;       /* what trampolines jump to (trampoline.S) */
extern void *guard_resolved[] GUARD_HIDDEN;   /* real functions, NULL until found */
extern struct guard_fn guard_fns[MAX_FNS] GUARD_HIDDEN;
extern const int guard_nfns GUARD_HIDDEN;            /* interposed libc functions */
extern int guard_nfns_total GUARD_HIDDEN;            /* with the patched ones */
extern uint64_t guard_xsave_size GUARD_HIDDEN;       /* bytes for xsave, 0: use fxsave */
extern const int guard_nlibc_domains GUARD_HIDDEN;

#define GF_TYPE_bool bool
#define GF_TYPE_int int
#define GF_TYPE_string const char *
struct guard_flags {
#define GUARD_FLAG(type, name, def, help) GF_TYPE_##type name;
#include "guard_flags.inc"
#undef GUARD_FLAG
};
extern struct guard_flags guard_flags GUARD_HIDDEN;

/* The slow path of every trampoline: checks the call, binds or reports, and returns where to
 * continue (the real function). index: the function; pc: its caller's return address; regs:
 * the call's argument registers as saved, %r9 first and %rdi last (NULL when unknown). */
void *guard_slow(uint64_t index, uintptr_t pc, const uint64_t *regs) GUARD_HIDDEN;

/* Whether addr lies in the guard's own code (its frames are dropped from reports). */
bool guard_own_code(uintptr_t addr) GUARD_HIDDEN;

/* Path of the guard library itself. */
const char *guard_own_path(void) GUARD_HIDDEN;

/* Set once the constructor has run; before that, calls pass straight through. */
extern bool guard_ready GUARD_HIDDEN;

/* The real function behind table entry index (resolved on first use), or NULL. */
void *guard_resolve(int index) GUARD_HIDDEN;

#endif
