/* Owners: the function that owns a function-local static, found from the static's symbol name
 * through name indexes built once per module (so a module with many statics costs n log n). */
#ifndef CONFINE_OWNERS_H
#define CONFINE_OWNERS_H

#include <stddef.h>
#include "symbols.h"

struct owners;

/* An empty index over syms' functions; the sorted tables are built on the first lookup.
 * syms must outlive it. Returns NULL when out of memory. */
struct owners *owners_new(const struct symbols *syms);
void owners_free(struct owners *o);

/* The owner of the C++ local static "_ZZ<encoding>E<entity>": the function "_Z<encoding>" with the
 * longest encoding (ignoring a ".clone" or "@version" suffix), the first by address among equals.
 * NULL when none, or when out of memory (*err = -ENOMEM). */
const char *owners_cxx(struct owners *o, const char *name, int *err);

/* The owner of clang's local static "function.name": the first function by address named exactly
 * "function". NULL when none, or when out of memory (*err = -ENOMEM). */
const char *owners_clang(struct owners *o, const char *name, int *err);

/* Name comparisons made so far (sorting and lookups), for tests that check the growth. */
size_t owners_comparisons(const struct owners *o);

#endif
