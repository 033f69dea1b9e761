/* String lists: growable arrays of owned, NUL-terminated strings (function names, uses, paths,
 * messages) shared by the findings, policies, reports and the CLI. */
#ifndef CONFINE_STRLIST_H
#define CONFINE_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

/* Laid out like VEC(char *), so the VEC macros apply. An all-zero list is empty. */
struct strlist {
	char **v;
	size_t n, cap;
};

/* Appends a copy of s (skipping it when unique is set and the list holds it already).
 * Returns 0 or -ENOMEM (the list is unchanged). */
int strlist_add(struct strlist *l, const char *s, bool unique);

/* Sorts in strcmp order and drops duplicates. */
void strlist_sort(struct strlist *l);

/* Frees the strings and the array; the list is empty afterwards. Accepts NULL. */
void strlist_free(struct strlist *l);

#endif
