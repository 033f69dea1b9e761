/* Rules: the functions whose calls are findings (non-reentrant libc functions and user APIs). */
#ifndef CONFINE_RULES_H
#define CONFINE_RULES_H

#include <stddef.h>
#include "diag.h"

enum rule_severity { SEVERITY_WARNING, SEVERITY_ERROR };

enum rule_category {
	CATEGORY_STATE,  /* hidden static state shared by the functions of its groups */
	CATEGORY_ENV,    /* writes process-wide settings (environment, locale, ...): unsafe once threads exist */
	CATEGORY_POSIX,  /* POSIX lets it be unsafe; glibc documents it MT-Safe or does not annotate it */
};

/* When a call of a rule only reads (an env rule's setting queried, not written): never, always,
 * or when argument query_arg (1-based) is NULL, as in setlocale(category, NULL). */
enum rule_query { QUERY_NEVER, QUERY_ALWAYS, QUERY_NULL_ARG };

/* Rule sources, selected with --libc; user rules are always active. */
enum rule_source { SOURCE_GLIBC = 1, SOURCE_POSIX = 2, SOURCE_USER = 4 };
#define LIBC_ANY (SOURCE_GLIBC | SOURCE_POSIX)

struct rule {
	char *name;
	char *group;        /* comma-separated shared-state groups, e.g. "tmbuf,asctime" */
	char *alternative;  /* comma-separated reentrant replacements, or NULL */
	enum rule_severity severity;
	enum rule_category category;
	unsigned sources;   /* enum rule_source bits */
	char **aliases;
	size_t naliases;
	enum rule_query query;
	int query_arg;      /* QUERY_NULL_ARG: the argument (1 to 6) */
};

struct rules;

/* Returns an empty rule set, or NULL when out of memory. Free with rules_free(). */
struct rules *rules_new(void);
void rules_free(struct rules *r);

/* Parses rule lines from text (origin names it in messages). A rule for a name already present
 * replaces it. Returns 0, or -EINVAL after logging "ORIGIN:LINE: reason" (the set keeps the rules
 * parsed before the bad line), or -ENOMEM. */
int rules_parse(struct rules *r, const char *text, const char *origin, const struct diag *d);

/* Reads and parses the rule file at path; -errno when it cannot be read (logged). */
int rules_load_file(struct rules *r, const char *path, const struct diag *d);

/* The text of the rules built into the binary (rules/libc.rules). */
const char *rules_builtin(void);

/* Parses the rules built into the binary (rules/libc.rules). */
int rules_load_builtin(struct rules *r, const struct diag *d);

/* Looks up a symbol name (a trailing @VERSION or @@VERSION is ignored) among the rules and their
 * aliases active for the libc mask (LIBC_ANY, SOURCE_GLIBC or SOURCE_POSIX). NULL if none. */
const struct rule *rules_find(const struct rules *r, const char *sym, unsigned libc);

size_t rules_count(const struct rules *r);
/* The i-th rule in name order. */
const struct rule *rules_at(const struct rules *r, size_t i);

const char *rule_severity_name(enum rule_severity s);
const char *rule_category_name(enum rule_category c);
/* The query field as written in rule files ("arg2=NULL", "always"), or "-" for never; buf holds
 * at least 16 bytes. */
const char *rule_query_text(const struct rule *ru, char *buf);
/* Maps "glibc", "posix" or "any" to a libc mask; -1 for anything else. */
int rules_libc_parse(const char *s);

#endif
