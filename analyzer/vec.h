/* Growable arrays for the analyzer core: a pointer, a length and a capacity, grown by doubling. */
#ifndef CONFINE_VEC_H
#define CONFINE_VEC_H

#include <stddef.h>
#include <stdlib.h>

#define VEC(type) struct { type *v; size_t n, cap; }

/* Makes room for one more element; evaluates to 0, or -1 when out of memory (vector unchanged). */
#define VEC_RESERVE(vec) \
	((vec)->n < (vec)->cap ? 0 : vec_grow((void **)&(vec)->v, &(vec)->cap, sizeof(*(vec)->v)))

/* VEC_RESERVE for an array kept in fields with their own names (ptr, count, capacity), as in
 * structures that other code reads by those names. */
#define VEC_RESERVE_ARRAY(ptr, n, cap) \
	((n) < (cap) ? 0 : vec_grow((void **)&(ptr), &(cap), sizeof(*(ptr))))

/* Appends a copy of val; evaluates to 0, or -1 when out of memory. */
#define VEC_PUSH(vec, val) \
	(VEC_RESERVE(vec) ? -1 : ((vec)->v[(vec)->n++] = (val), 0))

/* Sorts the elements (an empty vector may have no storage, which qsort must not see). */
#define VEC_SORT(vec, cmp) \
	do { if ((vec)->n > 1) qsort((vec)->v, (vec)->n, sizeof(*(vec)->v), (cmp)); } while (0)

/* The number of leading elements of v[0..n) for which the predicate before holds, where before
 * is true for a prefix and false after it (a sorted array): with "it->key < k" the first element
 * not below k, with "it->key <= k" the first above it. it names a pointer to the element. */
#define PARTITION_POINT(v, n, it, before) ({ \
	size_t lo_ = 0, hi_ = (n); \
	while (lo_ < hi_) { \
		size_t mid_ = lo_ + (hi_ - lo_) / 2; \
		__typeof__(&(v)[0]) it = &(v)[mid_]; \
		if (before) \
			lo_ = mid_ + 1; \
		else \
			hi_ = mid_; \
	} \
	lo_; \
})

#define VEC_FREE(vec) do { free((vec)->v); (vec)->v = NULL; (vec)->n = (vec)->cap = 0; } while (0)

static inline int vec_grow(void **v, size_t *cap, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *nv = realloc(*v, ncap * elem);

	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

#endif
