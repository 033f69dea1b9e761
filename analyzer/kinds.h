/* Kinds: the one vocabulary of findings and violations, shared by analyzer, guard, docs, tests. */
#ifndef CONFINE_KINDS_H
#define CONFINE_KINDS_H

enum kind {
	KIND_MUTABLE_GLOBAL,        /* writable object with global/weak binding */
	KIND_MUTABLE_STATIC,        /* writable object with local binding at file scope */
	KIND_MUTABLE_LOCAL_STATIC,  /* function-local static */
	KIND_NON_REENTRANT_CALL,    /* call to (or address of) a function listed in the rules */
	KIND_CROSS_THREAD_CALL,     /* guard: a confined function ran on a thread that does not own it */
	KIND_SIGNAL_REENTRY,        /* guard: a domain was entered from a signal handler on its owner */
	KIND_ENV_WRITE,             /* guard: environment or locale written while other threads run */
	KIND__COUNT
};

#define KIND_FINDINGS_END KIND_CROSS_THREAD_CALL   /* kinds below this are static findings */

/* How a state access (or a state finding, combining its accesses) is protected from races. */
enum protection {
	PROT_NONE,          /* unprotected */
	PROT_LOCK,          /* a lock is held on every path to the access */
	PROT_ATOMIC,        /* an atomic type, or every write is a locked instruction */
	PROT_ONCE,          /* written only while initialising (init-only code, a once routine, a
			     * C++ guarded initialisation), read-only after */
	PROT_SIGNAL_FLAG,   /* volatile sig_atomic_t: the sanctioned signal-handler flag */
	PROT__COUNT
};

/* "none", "lock", "atomic", "once", "signal-flag". */
const char *protection_name(enum protection p);

/* The kind's name, e.g. "mutable-global". */
const char *kind_name(enum kind k);

/* The kind named s, or -1. */
int kind_parse(const char *s);

#endif
