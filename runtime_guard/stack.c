/* Stacks: glibc's backtrace(), primed at start-up (its first call mallocs and dlopens). */
#include <execinfo.h>
#include <stdint.h>
#include "guard.h"
#include "stack.h"

void stack_prime(void)
{
	void *frames[4];

	backtrace(frames, 4);
}

int stack_capture(void **out, int max)
{
	void *raw[64];
	int n = backtrace(raw, 64), k = 0;

	for (int i = 0; i < n && k < max; i++)
		if (!guard_own_code((uintptr_t)raw[i]))
			out[k++] = raw[i];
	return k;
}
