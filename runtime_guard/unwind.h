/* Unwind: walks a thread's stack by the DWARF call frame information of each module (.eh_frame
 * through .eh_frame_hdr), with no malloc, no lock and no libgcc: safe in a signal handler. */
#ifndef CONFINE_UNWIND_H
#define CONFINE_UNWIND_H

#include <stdint.h>

/* A frame to start from: pc is a return address into it, sp its stack pointer (the callee's
 * CFA: the address just above the return address) and bp its frame pointer register. */
struct unwind_start {
	uintptr_t pc, sp, bp;
};

/* Stores pc and then the return address of each frame above it, up to max; returns the count.
 * Stops at the outermost frame (return address undefined), at code without unwind
 * information, or where the information would read outside the stack. */
int unwind_walk(const struct unwind_start *start, uintptr_t *out, int max);

#endif
