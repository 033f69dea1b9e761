/* Policies: the functions the runtime guard confines in each module, with what they touch.
 * Written by `confine policy`, by the guard's cache, and read back by the guard. */
#ifndef CONFINE_POLICY_H
#define CONFINE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "diag.h"
#include "findings.h"

struct policy_fn {
	char *name;               /* symbol, or "0xADDR" in stripped modules */
	char *demangled;
	uint64_t addr, size;      /* ELF virtual address (add the load bias at run time) */
	uint32_t entry_branches;  /* see struct function_report */
	struct strlist uses;      /* state and rule groups it touches itself */
	long unit;                /* index into the module's units, -1 when unknown */
	bool state;               /* touches the module's state unprotected itself (not only calls) */
};

/* Whether code was written for threads, as the runtime guard sees it: the scanner's verdict,
 * where creating threads alone does not count (legacy code starts threads too), and a unit
 * counts as aware when another unit of its module in the same language is (so that all of a
 * program with its own locking counts, e.g. an interpreter with a global lock). */
struct policy_aware {
	bool aware;
	char *evidence;           /* "uses pthread_mutex_lock", "written in Rust"; NULL when naive */
};

/* A compilation unit (DWARF) holding functions the policy lists. */
struct policy_unit {
	char *name;               /* DW_AT_name: its primary source file */
	int lang;                 /* DW_AT_language */
	struct policy_aware aware;
};

struct policy_module {
	char *path;
	char build_id[41];
	struct policy_fn *fns;       /* grown with VEC_RESERVE_ARRAY */
	size_t nfns, fns_cap;
	struct policy_aware aware;   /* the module as a whole: for functions without a unit */
	struct policy_unit *units;   /* grown with VEC_RESERVE_ARRAY */
	size_t nunits, units_cap;
};

struct policy {
	struct policy_module *mods;   /* grown with VEC_RESERVE_ARRAY */
	size_t n, cap;
	void *block;                  /* unpacked (policy_pack.h): the one allocation of it all */
};

/* Appends the module's confinable functions (guard: direct and not init-only), each with its
 * unit and whether it touches state unprotected itself, and the units' and the module's
 * thread-awareness; uses hold the names of the state it touches and the shared-state groups of
 * the rules it calls. A call of a user rule (--rules, source user) counts as touching state: the
 * guard does not interpose those functions, so it confines their callers; libc's are checked
 * where they are called. rules may be NULL (no user rules). Which of the functions the guard
 * confines is decided by confinement.h. Returns 0 or -ENOMEM. */
int policy_add_report(struct policy *p, const struct module_report *r, const struct rules *rules);

/* The policy as text (malloc'd; format in README.md), or NULL when out of memory. rules_digest
 * identifies the rule set the analysis used (stale caches are recognised by it). */
char *policy_render(const struct policy *p, const char *rules_digest);

/* Parses text; origin names it in messages. Returns 0, -EINVAL (logged "ORIGIN:LINE: reason"),
 * or -ENOMEM. *digest (may be NULL) receives the rules digest it was made with (malloc'd). */
int policy_parse(const char *text, const char *origin, const struct diag *d, struct policy *p,
		 char **digest);

/* The module with this build-id, or NULL. */
const struct policy_module *policy_find(const struct policy *p, const char *build_id);

/* Releases the modules; p itself is the caller's. Accepts NULL. */
void policy_clear(struct policy *p);

/* The awareness governing fns[i]: its unit's, else the module's. */
const struct policy_aware *policy_fn_aware(const struct policy_module *m, size_t i);

/* A readable name of a DWARF language code ("C", "C++", "Rust", ...); "?" when unknown. */
const char *policy_language_name(int lang);

/* Domain of each confined function: with by_state false, the module's file name; with it, the
 * module's functions are split into groups touching shared state (or rule groups), named
 * "FILE:NAME" after the group's first name. names[i] is for fns[i]; free with strlist_free.
 * Returns 0 or -ENOMEM. */
int policy_domains(const struct policy_module *m, const char *file, bool by_state, struct strlist *names);

/* Whether the runtime guard patches the module at path: by default, programs and libraries
 * outside the system directories (/bin, /usr/bin, /lib, /usr/lib, ...); globs (comma-separated,
 * matched against the path and the file name) replace the default when not empty. */
bool policy_module_selected(const char *path, const char *globs);

/* FNV-1a hash of text as 16 hex digits. */
void policy_digest(const char *text, char out[17]);

#endif
