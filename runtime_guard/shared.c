/* Shared guard state: the function table generated from the rules, the flags every layer reads,
 * and the guard library's own code range. Depends on no other module of the guard. */
#include <link.h>
#include <stdio.h>
#include "shared.h"

struct guard_fn guard_fns[MAX_FNS] = {
#define GUARD_FN(i, sym, rule, kind, d1, d2, d3) [i] = { #sym, rule, GUARD_##kind, { d1, d2, d3 }, NULL, NULL },
#define GUARD_DOMAIN(i, name)
#define GUARD_COUNTS(nfn, ndom)
#include "guard_table.inc"
#undef GUARD_FN
#undef GUARD_DOMAIN
#undef GUARD_COUNTS
};

#define GUARD_FN(i, sym, rule, kind, d1, d2, d3)
#define GUARD_DOMAIN(i, name)
#define GUARD_COUNTS(nfn, ndom) \
	void *guard_resolved[nfn]; \
	const int guard_nfns = nfn; \
	int guard_nfns_total = nfn; \
	const int guard_nlibc_domains = ndom;
#include "guard_table.inc"
#undef GUARD_FN
#undef GUARD_DOMAIN
#undef GUARD_COUNTS

uint64_t guard_xsave_size;
__thread int guard_busy GUARD_TLS;
__thread int guard_in_signal GUARD_TLS;
__thread int guard_async GUARD_TLS;
bool guard_ready GUARD_HIDDEN;
static uintptr_t own_lo, own_hi;
static char own_path[512];

const char *shared_own_path(void)
{
	return own_path;
}

bool shared_own_code(uintptr_t addr)
{
	return addr >= own_lo && addr < own_hi;
}

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t probe = (uintptr_t)arg;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && probe >= lo && probe < lo + ph->p_memsz) {
			own_lo = lo;
			own_hi = lo + ph->p_memsz;
			snprintf(own_path, sizeof(own_path), "%s", info->dlpi_name);
			return 1;
		}
	}
	return 0;
}

void shared_find_self(void)
{
	dl_iterate_phdr(find_self, (void *)(uintptr_t)shared_find_self);
}
