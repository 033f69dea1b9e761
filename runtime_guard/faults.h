/* Fault points for the guard's race tests: in the test build (GUARD_FAULTS, which makes
 * libconfine_guard-faults.so) each one asks the program's confine_fault(); elsewhere they are 0. */
#ifndef CONFINE_FAULTS_H
#define CONFINE_FAULTS_H

/* Where the guard asks. The program may pause there (to widen a race window to certain) or
 * answer nonzero where the point says what that means. */
enum fault_point {
	FAULT_REPORT_LOCK = 1,   /* before taking the report lock: nonzero refuses it */
	FAULT_LOG_OPEN,          /* log_path.PID about to be opened (no descriptor yet) */
	FAULT_BOUND_STORE,       /* a domain's bound-at frames written, not yet its frame count */
	FAULT_HANDLER_STORE,     /* sigaction: the new handler's flags stored, not yet its function */
};

#ifdef GUARD_FAULTS
/* Defined (and exported, -rdynamic) by the program under test; resolved at load time. */
int confine_fault(int point) __attribute__((weak, visibility("default")));

static inline int fault_at(enum fault_point p)
{
	return confine_fault ? confine_fault(p) : 0;
}
#else
static inline int fault_at(enum fault_point p)
{
	(void)p;
	return 0;
}
#endif

#endif
