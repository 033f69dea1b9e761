/* String lists: owned copies, appended, sorted with duplicates dropped, and freed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "strlist.h"
#include "vec.h"

int strlist_add(struct strlist *l, const char *s, bool unique)
{
	char *copy;

	if (unique)
		for (size_t i = 0; i < l->n; i++)
			if (!strcmp(l->v[i], s))
				return 0;
	copy = strdup(s);
	if (!copy || VEC_PUSH(l, copy)) {
		free(copy);
		return -ENOMEM;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strlist_sort(struct strlist *l)
{
	size_t w = 0;

	VEC_SORT(l, cmp_str);
	for (size_t i = 0; i < l->n; i++) {
		if (w && !strcmp(l->v[w - 1], l->v[i]))
			free(l->v[i]);
		else
			l->v[w++] = l->v[i];
	}
	l->n = w;
}

void strlist_free(struct strlist *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	VEC_FREE(l);
}
