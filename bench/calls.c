/* Bench workload: times calls to CALL, a function the guard confines, on one thread, in batches,
 * and prints the median time per call in ns. Run it with and without the guard (and under
 * Helgrind) to get the guard's added cost per call. Built twice by the Makefile: guard_calls
 * calls lrand48 (libc, domain libc:drand48, interposed); patch_calls calls hot_touch (libhot.so,
 * state of its own, patched at its entry).
 * Usage: guard_calls|patch_calls BATCHES CALLS_PER_BATCH */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef CALL
#error "build with -DCALL=function"
#endif
#ifdef CALL_EXTERN
int CALL(void);
#endif

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long batches = argc > 1 ? atol(argv[1]) : 200, per = argc > 2 ? atol(argv[2]) : 100000;
	double *ns = calloc((size_t)batches, sizeof(*ns));
	volatile long sink = 0;

	if (!ns || batches < 1 || per < 1)
		return 2;
	for (long b = 0; b < batches; b++) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (long i = 0; i < per; i++)
			sink += CALL();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns[b] = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (double)per;
	}
	qsort(ns, (size_t)batches, sizeof(*ns), cmp_double);
	printf("%.3f\n", ns[batches / 2]);
	free(ns);
	return 0;
}
