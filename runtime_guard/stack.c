/* Stacks: glibc's backtrace(), primed at start-up (its first call mallocs and dlopens). */
#include <execinfo.h>
#include <stdint.h>
#include "stack.h"

void stack_prime(void)
{
	void *frames[4];

	backtrace(frames, 4);
}

__thread uintptr_t guard_trap_rip GUARD_TLS;

int stack_capture(void **out, int max)
{
	void *raw[64];
	int n = backtrace(raw, 64), k = 0, i = 0;

	/* Inside the SIGTRAP handler the stack runs through the signal frame into the hooked
	 * function's entry: start after that, at its caller, as the jump path does. */
	if (guard_trap_rip)
		for (int t = 0; t < n; t++)
			if ((uintptr_t)raw[t] == guard_trap_rip)
				i = t + 1;
	for (; i < n && k < max; i++)
		if (!shared_own_code((uintptr_t)raw[i]))
			out[k++] = raw[i];
	return k;
}

int stack_capture_from(uintptr_t pc, void **out, int max)
{
	void *frames[64];
	int n = stack_capture(frames, max - 1 < 64 ? max - 1 : 63), k = 0;

	if ((n == 0 || (uintptr_t)frames[0] != pc) && !shared_own_code(pc))
		out[k++] = (void *)pc;
	for (int i = 0; i < n && k < max; i++)
		out[k++] = frames[i];
	return k;
}
