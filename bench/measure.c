/* Bench helper: runs a command several times and prints its median wall time (s), median CPU
 * time (user + system, s) and largest peak resident set (KiB), with its output discarded.
 * Usage: measure RUNS COMMAND [ARGS...] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double run_once(char **argv, long *maxrss, double *cpu)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) > 2) {
		fprintf(stderr, "measure: %s failed\n", argv[0]);
		exit(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (ru.ru_maxrss > *maxrss)
		*maxrss = ru.ru_maxrss;
	return (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[1]) : 0;
	double t[64], c[64];
	long maxrss = 0;

	if (runs < 1 || runs > 64) {
		fprintf(stderr, "usage: measure RUNS COMMAND [ARGS...]\n");
		return 2;
	}
	for (int i = 0; i < runs; i++)
		t[i] = run_once(argv + 2, &maxrss, &c[i]);
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	qsort(c, (size_t)runs, sizeof(*c), cmp_double);
	printf("%.4f %.4f %ld\n", t[runs / 2], c[runs / 2], maxrss);
	return 0;
}
