/* Bench workload for entry patching: times calls to hot_touch (a function of libhot.so with
 * state, patched by the guard) in batches and prints the median ns per call.
 * Usage: patch_calls BATCHES CALLS_PER_BATCH */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int hot_touch(void);

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
			sink += hot_touch();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns[b] = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (double)per;
	}
	qsort(ns, (size_t)batches, sizeof(*ns), cmp_double);
	printf("%.3f\n", ns[batches / 2]);
	free(ns);
	return 0;
}
