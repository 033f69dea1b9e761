/* Patcher: hooks the entries of confined module functions, with a 5-byte jump to a trampoline
 * or, where that is unsafe, an int3 handled by the SIGTRAP handler. */
#ifndef CONFINE_PATCHER_H
#define CONFINE_PATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "patch.h"

struct patch_job {
	struct patch_plan plan;   /* in: from patch_plan(); out: PATCH_SKIP if it failed */
	int fn;                   /* guard_fns index */
	int domain;
	const char *why;          /* out: why it was not applied as planned */
	uint64_t hash;            /* of the bytes planned from (patch_code_hash), for the plan cache */
};

/* Finds the thread pointer offset of the serial, opens /proc/self/mem and takes SIGTRAP.
 * Returns 0, or -1 when SIGTRAP cannot be taken (traps are then skipped). */
int patcher_init(void);

/* Builds the trampolines within 2 GiB of [lo, hi) and hooks every planned function (setting
 * guard_fns[fn].resume first). threaded: other threads may run this code right now, so jumps
 * go in through an int3 with cores synchronised between steps (membarrier). */
void patcher_apply(struct patch_job *jobs, size_t n, uintptr_t lo, uintptr_t hi, bool threaded);

#endif
