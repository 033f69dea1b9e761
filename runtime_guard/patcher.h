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
	uint8_t avail;            /* how many of them (plan.code), at most PATCH_WINDOW */
};

/* One entry patch, as written: n bytes at site (job: its index in the jobs); the plan was made
 * from the span bytes from site (the window less the bytes before the patch), n or more. */
struct patch_write {
	uintptr_t site;
	uint8_t bytes[5];
	uint8_t n, span;
	size_t job;
};

/* Another way to make the patches of a start with no other thread: map a patched copy of the
 * code (image.h). region_at: where to place the trampolines when that place is free and within
 * reach (that copy's jumps lead there), else 0. */
struct patch_commit {
	uintptr_t region_at;
	/* Called with the writes (in job order) and the trampolines' address; true when it made
	 * them itself, false to have them written (then it must have changed nothing). */
	bool (*commit)(void *ctx, const struct patch_write *w, size_t n, uintptr_t region);
	void *ctx;
};

/* Finds the thread pointer offset of the serial, opens /proc/self/mem and takes SIGTRAP.
 * Returns 0, or -1 when SIGTRAP cannot be taken (traps are then skipped). */
int patcher_init(void);

/* Builds the trampolines within 2 GiB of [lo, hi) and hooks every planned function (setting
 * guard_fns[fn].resume first). threaded: other threads may run this code right now, so jumps
 * go in through an int3 with cores synchronised between steps (membarrier), and pc is not
 * used; else pc (or NULL) may make the writes instead. */
void patcher_apply(struct patch_job *jobs, size_t n, uintptr_t lo, uintptr_t hi, bool threaded,
		   const struct patch_commit *pc);

#endif
