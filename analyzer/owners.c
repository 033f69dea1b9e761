/* Owners: sorted tables of function names and of C++ encodings ("_Z" stems), searched by binary
 * search, where a scan of every function per static made large C++ programs quadratic. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "owners.h"
#include "vec.h"

/* A byte string that is not NUL-terminated where it ends, and the function it belongs to. */
struct key {
	const char *s;
	size_t len;
	size_t order;          /* index in syms->funcs: address order breaks ties */
};

struct owners {
	const struct symbols *syms;
	struct key *stems;     /* "_Z<encoding>[.suffix]" -> encoding */
	struct key *names;     /* whole names */
	size_t nstems, nnames;
	bool built;
	size_t comparisons;
};

struct owners *owners_new(const struct symbols *syms)
{
	struct owners *o = calloc(1, sizeof(*o));

	if (o)
		o->syms = syms;
	return o;
}

void owners_free(struct owners *o)
{
	if (!o)
		return;
	free(o->stems);
	free(o->names);
	free(o);
}

size_t owners_comparisons(const struct owners *o)
{
	return o->comparisons;
}

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

static int cmp_key(const void *a, const void *b, void *ctx)
{
	const struct key *x = a, *y = b;
	int c = cmp_bytes(x->s, x->len, y->s, y->len);

	++*(size_t *)ctx;
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int build(struct owners *o)
{
	size_t n = o->syms->nfuncs;

	o->stems = malloc((n + 1) * sizeof(*o->stems));
	o->names = malloc((n + 1) * sizeof(*o->names));
	if (!o->stems || !o->names)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *f = o->syms->funcs[i]->name;
		size_t len = strcspn(f, ".@");

		if (len > 2 && !strncmp(f, "_Z", 2))
			o->stems[o->nstems++] = (struct key){ f + 2, len - 2, i };
		o->names[o->nnames++] = (struct key){ f, strlen(f), i };
	}
	qsort_r(o->stems, o->nstems, sizeof(*o->stems), cmp_key, &o->comparisons);
	qsort_r(o->names, o->nnames, sizeof(*o->names), cmp_key, &o->comparisons);
	o->built = true;
	return 0;
}

/* The function of the first key equal to s[0..len) (the lowest address among equals), or NULL. */
static const char *lookup(struct owners *o, const struct key *v, size_t n, const char *s, size_t len)
{
	size_t lo = PARTITION_POINT(v, n, k, (o->comparisons++, cmp_bytes(k->s, k->len, s, len) < 0));

	if (lo == n || cmp_bytes(v[lo].s, v[lo].len, s, len))
		return NULL;
	return o->syms->funcs[v[lo].order]->name;
}

static bool ready(struct owners *o, int *err)
{
	if (!o->built && build(o)) {
		*err = -ENOMEM;
		return false;
	}
	return true;
}

const char *owners_cxx(struct owners *o, const char *name, int *err)
{
	size_t n = strlen(name);
	const char *f;

	if (n < 4 || strncmp(name, "_ZZ", 3) || !ready(o, err))
		return NULL;
	/* Each 'E' may end the encoding; the longest encoding that names a function wins. */
	for (size_t p = n; p-- > 4;)
		if (name[p] == 'E' && (f = lookup(o, o->stems, o->nstems, name + 3, p - 3)))
			return f;
	return NULL;
}

const char *owners_clang(struct owners *o, const char *name, int *err)
{
	const char *dot = strchr(name, '.');

	if (!dot || dot == name || !dot[1] || !ready(o, err))
		return NULL;
	return lookup(o, o->names, o->nnames, name, (size_t)(dot - name));
}
