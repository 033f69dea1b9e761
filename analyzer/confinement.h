/* Confinement: which of a policy's functions the runtime guard confines, and why. Shared by the
 * guard and `confine run --explain`, so that both decide the same way. */
#ifndef CONFINE_CONFINEMENT_H
#define CONFINE_CONFINEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include "policy.h"

/* naive: functions touching state unprotected in thread-naive code (the default); unprotected:
 * such functions in any code; all: every function the scan marks [guard] (earlier releases);
 * selected: only what functions= and units= name. */
enum confine_mode { CONFINE_NAIVE, CONFINE_UNPROTECTED, CONFINE_ALL, CONFINE_SELECTED };

struct confinement {
	enum confine_mode mode;
	const char *functions;    /* comma-separated globs of function names (demangled or symbol) */
	const char *units;        /* comma-separated globs of compilation units (source paths) */
};

/* Maps "naive", "unprotected", "all" or "selected" to a mode; -1 for anything else. */
int confinement_mode_parse(const char *s);

/* Whether the guard confines function i of m. *why receives the reason ("thread-naive",
 * "selected by functions=", "thread-aware", "no unprotected state of its own", ...) and *detail
 * its evidence ("uses pthread_mutex_lock") or NULL; both point to static or m's strings. */
bool confinement_decide(const struct confinement *c, const struct policy_module *m, size_t i,
			const char **why, const char **detail);

/* Whether a comma-separated glob list matches name, or its last path component. */
bool confinement_glob_list(const char *globs, const char *name);

#endif
