/* Domains: groups of confined functions that share state and so must share an owner thread. */
#ifndef CONFINE_DOMAINS_H
#define CONFINE_DOMAINS_H

#include <stdbool.h>
#include <stdint.h>
#include "quiet.h"
#include "shared.h"
#include "unwind.h"

/* Owner serials, one word per domain (0: unbound), read on every guarded call. */
extern uint64_t guard_owner[MAX_DOMAINS] GUARD_HIDDEN;

/* Quiet sites: per thread, the (function, call site) pairs whose violation was already
 * reported (or suppressed, or past max_reports), with where the call continues. The slow path's
 * entry (trampoline.S) looks the pair up before saving any state and, on a hit, goes straight
 * on: a repeated violation costs a few loads, not the full slow path. A key mixes the function
 * index + 1 (high bits), the return address and guard_quiet_gen; any change of ownership bumps
 * the generation, which retires every thread's entries at once. */
struct quiet_slot {
	uint64_t key;      /* 0: empty */
	void *target;
};

extern __thread struct quiet_slot guard_quiet[QUIET_SLOTS] GUARD_TLS;
extern uint64_t guard_quiet_gen GUARD_HIDDEN;

/* Marks the call of function index from pc (a return address) quiet for this thread. */
void domains_quiet(int index, uintptr_t pc, void *target);

/* Registers the libc domains of the generated table (indices 0 .. guard_nlibc_domains-1). */
void domains_init(void);

/* Adds a domain and returns its index, or the index of an existing one of that name; -1 when
 * the table is full. */
int domains_add(const char *name);

/* Index of the named domain, or -1. */
int domains_find(const char *name);
int domains_count(void);
const char *domains_name(int d);

/* Binds an unbound domain to serial (first caller wins) and records where: the stack from at
 * (where the confined function was entered), after entry when not 0 (a patched function: the
 * stack then starts at that function and names its caller); false if another thread won. */
bool domains_bind(int d, uint64_t serial, const struct unwind_start *at, uintptr_t entry);

/* Binds d to serial whatever its owner; returns the previous owner (0: none). */
uint64_t domains_claim(int d, uint64_t serial);
void domains_release(int d);

/* Binds d to serial to if serial from still owns it (a claim that another thread's claim or
 * release does not undo); whether it did. */
bool domains_hand_over(int d, uint64_t from, uint64_t to);

/* Copies up to max frames of the stack recorded when d was last bound; returns the count (0 if
 * it was being rewritten all along). *entry_first tells that out[0] is a function's entry
 * rather than a return address. */
int domains_bound_at(int d, void **out, int max, bool *entry_first);

/* In a fork child: domains of threads that did not survive the fork become unbound. */
void domains_after_fork(uint64_t survivor);

#endif
