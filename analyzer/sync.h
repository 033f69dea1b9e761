/* Sync rules: the functions and types that synchronise (rules/sync.rules), as binaries and DWARF
 * show them; what the lockset, protection and thread-awareness analyses recognise. */
#ifndef CONFINE_SYNC_H
#define CONFINE_SYNC_H

#include <stdbool.h>
#include "diag.h"

enum sync_role {
	SYNC_LOCK, SYNC_TRYLOCK, SYNC_RDLOCK, SYNC_WRLOCK, SYNC_UNLOCK, SYNC_WAIT, SYNC_ONCE,
	SYNC_CREATE, SYNC_TLS, SYNC_INIT,
	SYNC_COMPILER,   /* compiler-inserted machinery (__cxa_guard_*): not thread-awareness */
	SYNC_INTERPRETER,   /* registers the module with an interpreter that runs it under its lock */
};

enum type_class { TYPE_PLAIN, TYPE_SYNC_OBJECT, TYPE_ATOMIC, TYPE_SIGNAL_FLAG };

struct sync_func {
	char *name;
	enum sync_role role;
	int arg;                 /* argument holding the object (1 = %rdi), 0 none */
	bool success_nonzero;    /* trylock: a non-zero result means the lock was taken */
};

struct sync_rules;

/* Parses the built-in rules/sync.rules into *out (free with sync_rules_free). Returns 0,
 * -EINVAL after logging "sync.rules:LINE: reason", or -ENOMEM. */
int sync_rules_load_builtin(struct sync_rules **out, const struct diag *d);

/* The built-in rules' text (rules/sync.rules), for stamps of what an analysis used. */
const char *sync_rules_builtin(void);

/* Parses text (origin names it in messages) into *out; same returns as above. */
int sync_rules_parse(const char *text, const char *origin, const struct diag *d,
		     struct sync_rules **out);
void sync_rules_free(struct sync_rules *s);

/* The rule for a called symbol (a trailing @VERSION is ignored), or NULL. */
const struct sync_func *sync_find_function(const struct sync_rules *s, const char *sym);

/* Class of a type by its qualified DWARF name ("pthread_mutex_t", "std::atomic<int>",
 * "core::sync::atomic::AtomicUsize"); TYPE_PLAIN when no rule names it. */
enum type_class sync_type_class(const struct sync_rules *s, const char *qualified);

/* Whether some rule's name ends with this unqualified name (or, for prefix rules, its last
 * component starts with the rule's), so that a caller qualifies only candidate types. */
bool sync_type_candidate(const struct sync_rules *s, const char *name);

/* "lock", "trylock", ... */
const char *sync_role_name(enum sync_role r);

/* Whether a call of this role shows that the code was written for threads. */
bool sync_role_is_evidence(enum sync_role r);

#endif
