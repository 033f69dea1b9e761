/* Stacks: captures the calling thread's return addresses, leaving out the guard's own frames. */
#ifndef CONFINE_STACK_H
#define CONFINE_STACK_H

#include <stdint.h>
#include "shared.h"

/* Set by the SIGTRAP handler while it checks a hooked call: the address the trap stopped at. */
extern __thread uintptr_t guard_trap_rip GUARD_TLS;

/* Runs the unwinder once, so that later captures neither allocate nor load libgcc_s. */
void stack_prime(void);

/* Stores up to max return addresses (innermost first) of code outside the guard; returns the
 * count. */
int stack_capture(void **out, int max);

/* The same, starting at pc (the return address into the caller of a confined function) even
 * where unwinding cannot reach it (code without unwind info, a handler that tail-called). */
int stack_capture_from(uintptr_t pc, void **out, int max);

#endif
