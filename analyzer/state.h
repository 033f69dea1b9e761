/* State: classification of the module's data into mutable state (findings) and the rest. */
#ifndef CONFINE_STATE_H
#define CONFINE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "debuginfo.h"
#include "kinds.h"
#include "relocs.h"
#include "symbols.h"
#include "sync.h"
#include "vec.h"

struct state_var {
	enum kind kind;            /* KIND_MUTABLE_GLOBAL, _STATIC or _LOCAL_STATIC */
	const struct sym *sym;     /* NULL for state found only through references (stripped) */
	char *symbol;              /* ELF name, or "section+0xOFFSET" */
	char *name;                /* source name: no GCC ".N" suffix, no owner prefix */
	char *owner;               /* owning function (linkage name) of a local static, if known */
	const char *section;       /* borrowed from the image */
	uint64_t addr, size;
	const char *file;          /* declaration, from DWARF; borrowed */
	int line, column;          /* column 0: not recorded */
	bool guarded_init;         /* C++ static with a _ZGV guard: initialised thread-safely */
	uint8_t type_class;        /* enum type_class from DWARF */
	bool sync_object;          /* of a synchronisation type, or only ever passed by address to
				    * synchronisation functions: not a finding */
	uint8_t protection;        /* enum protection of all its accesses; set by lockset_protect */
	int32_t lock;              /* with PROT_LOCK: the state index of the lock, else -1 */
};

struct ignored_var {
	char *symbol;
	const char *reason;        /* static string, e.g. "relro" */
};

struct state_set {
	VEC(struct state_var) vars;        /* sorted by address */
	VEC(struct ignored_var) ignored;
	size_t comparisons;                /* name comparisons made (tests check their growth) */
};

/* Classifies every defined data object. Returns 0 or -ENOMEM. */
int state_classify(const struct elf_image *img, const struct symbols *syms,
		   const struct debuginfo *dbg, const struct relocs *relocs, struct state_set **out);
void state_free(struct state_set *set);

/* Whether addr lies in a section whose objects count as mutable state (writable, not RELRO,
 * not TLS, not the GOT or init arrays, not a copy relocation, not __dso_handle). */
bool state_is_mutable_addr(const struct elf_image *img, const struct relocs *relocs, uint64_t addr);

/* Adds state known only from references (no symbol covers these addresses), named
 * section+0xOFFSET; addrs may hold duplicates. Keeps the set sorted. Returns 0 or -ENOMEM. */
int state_add_anonymous(struct state_set *set, const struct elf_image *img, const uint64_t *addrs,
			size_t n);

/* Applies DWARF types: sets each object's type_class, and sync_object for a synchronisation
 * type (such objects stay in the set, as lock identities, but are no findings). Returns 0. */
int state_apply_types(struct state_set *set, const struct debuginfo *dbg, const struct sync_rules *s);

/* Index of the state variable whose range holds addr, or -1. */
long state_find(const struct state_set *set, uint64_t addr);

#endif
