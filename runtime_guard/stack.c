/* Stacks: the guard's own unwinder (unwind.c), so that a stack can be taken in a signal handler
 * (an int3 entry, a handler's call) with no malloc, lock or libgcc. */
#include "shared.h"
#include "stack.h"

#define WALK_MAX 64

int stack_capture_at(const struct unwind_start *at, void **out, int max)
{
	uintptr_t raw[WALK_MAX];
	int n = unwind_walk(at, raw, WALK_MAX), k = 0;

	for (int i = 0; i < n && k < max; i++)
		if (!shared_own_code(raw[i]))
			out[k++] = (void *)raw[i];
	return k;
}

/* With a frame pointer, this function's frame says where its caller's frame is. */
__attribute__((noinline, optimize("no-omit-frame-pointer"))) int stack_capture(void **out, int max)
{
	uintptr_t *fp = __builtin_frame_address(0);
	struct unwind_start at = { fp[1], (uintptr_t)(fp + 2), fp[0] };

	return stack_capture_at(&at, out, max);
}
