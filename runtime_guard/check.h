/* Check: the guard's test of every confined call. The fast path is in trampoline.S (one per
 * interposed libc function) and in the patcher's trampolines; both fall back to check_slow. */
#ifndef CONFINE_CHECK_H
#define CONFINE_CHECK_H

#include <stdint.h>
#include "shared.h"

extern void *guard_real[] GUARD_HIDDEN;   /* what trampolines jump to (trampoline.S) */

/* Entered by jump with a function's index pushed above its caller's return address: saves
 * every register, calls check_slow and goes on where it says (trampoline.S). */
extern char check_slow_entry[] GUARD_HIDDEN;

/* The slow path of every trampoline: checks the call, binds or reports, and returns where to
 * continue (the real function). index: the function; pc: its caller's return address; regs:
 * the call's argument registers as saved, %r9 first and %rdi last (NULL when unknown); sp, bp:
 * the caller's stack pointer once returned and its frame pointer, where stacks start.
 * Async-signal-safe once the guard has started. */
void *check_slow(uint64_t index, uintptr_t pc, const uint64_t *regs, uintptr_t sp, uintptr_t bp) GUARD_HIDDEN;

/* The real function behind table entry index (resolved on first use), or NULL. */
void *check_resolve(int index) GUARD_HIDDEN;

#endif
