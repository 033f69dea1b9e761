/* Stacks: the return addresses of a thread's frames, leaving out the guard's own frames. */
#ifndef CONFINE_STACK_H
#define CONFINE_STACK_H

#include <stdint.h>
#include "unwind.h"

/* Stores up to max return addresses (innermost first) of the calling thread, from the caller of
 * the guard function that calls this one, outside the guard's code; returns the count. */
int stack_capture(void **out, int max);

/* The same from where a confined function was entered: at->pc (the return address into its
 * caller) first, then the caller's callers. Async-signal-safe. */
int stack_capture_at(const struct unwind_start *at, void **out, int max);

#endif
