/* Bench workload: times calls to CALL, a function the guard confines, in batches, and prints the
 * median time per call in ns. Run it with and without the guard (and under Helgrind) to get the
 * guard's added cost per call. Built twice by the Makefile: guard_calls calls lrand48 (libc,
 * domain libc:drand48, interposed); patch_calls calls hot_touch (libhot.so, state of its own,
 * patched at its entry). With "other" as third argument, the main thread calls CALL once (it
 * becomes the owner) and the batches run on a second thread: every call there is a violation
 * from one (function, site), reported once, so the figure is the cost of a reported violation.
 * Usage: guard_calls|patch_calls BATCHES CALLS_PER_BATCH [other] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef CALL
#error "build with -DCALL=function"
#endif
#ifdef CALL_EXTERN
int CALL(void);
#endif

struct work {
	long batches, per;
	double *ns;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void *batches(void *arg)
{
	struct work *w = arg;
	volatile long sink = 0;

	for (long b = 0; b < w->batches; b++) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (long i = 0; i < w->per; i++)
			sink += CALL();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		w->ns[b] = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (double)w->per;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct work w = { argc > 1 ? atol(argv[1]) : 200, argc > 2 ? atol(argv[2]) : 100000, NULL };
	pthread_t t;

	if (w.batches < 1 || w.per < 1 || !(w.ns = calloc((size_t)w.batches, sizeof(*w.ns))))
		return 2;
	if (argc > 3 && !strcmp(argv[3], "other")) {
		volatile long bind = CALL();

		(void)bind;
		if (pthread_create(&t, NULL, batches, &w) || pthread_join(t, NULL))
			return 2;
	} else {
		batches(&w);
	}
	qsort(w.ns, (size_t)w.batches, sizeof(*w.ns), cmp_double);
	printf("%.3f\n", w.ns[w.batches / 2]);
	free(w.ns);
	return 0;
}
