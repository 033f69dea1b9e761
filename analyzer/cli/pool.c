/* Pool: worker threads take units from a shared counter; the caller's thread draws progress. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "pool.h"

struct pool {
	const struct input_list *units;
	const struct analysis_options *base;
	int unit_jobs;
	struct pool_result *res;
	atomic_size_t next, done;
	atomic_int err;
	int verbosity;
};

struct unit_log {
	struct strlist *lines;
	atomic_int *err;
	int verbosity;
};

static void collect(void *ctx, enum diag_level level, const char *msg)
{
	struct unit_log *log = ctx;
	const char *prefix = level == DIAG_ERROR ? "error: " : level == DIAG_WARN ? "warning: " : "";
	char *line;

	if ((int)level > log->verbosity)
		return;
	/* After a failed asprintf, line is indeterminate: never free it. */
	if (asprintf(&line, "%s%s", prefix, msg) < 0) {
		atomic_store(log->err, -ENOMEM);
		return;
	}
	if (strlist_add(log->lines, line, false))
		atomic_store(log->err, -ENOMEM);
	free(line);
}

static void *work(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->units->n) {
		struct unit_log log = { &p->res->messages[i], &p->err, p->verbosity };
		struct analysis_options o = *p->base;

		o.jobs = p->unit_jobs;
		o.diag = (struct diag){ collect, &log };
		if (analysis_run(&o, &p->units->v[i], &p->res->reports[i]) < 0)
			p->res->reports[i] = NULL;
		atomic_fetch_add(&p->done, 1);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for the workers, drawing "scanning N/M" once the scan has taken more than a moment. */
static void wait_with_progress(struct pool *p, bool progress)
{
	double start = now();
	bool drawn = false;
	size_t n = p->units->n;

	while (progress && atomic_load(&p->done) < n) {
		usleep(100 * 1000);
		if (now() - start < 0.5)
			continue;
		fprintf(stderr, "\rconfine: scanning %zu/%zu ...", atomic_load(&p->done), n);
		drawn = true;
	}
	if (drawn)
		fprintf(stderr, "\r\033[K");
}

int pool_run(const struct input_list *units, const struct analysis_options *o, int jobs,
	     bool progress, int verbosity, struct pool_result *out)
{
	struct pool p = { .units = units, .base = o, .res = out, .verbosity = verbosity };
	int nthreads = jobs < 1 ? 1 : jobs;
	pthread_t *tids;
	int started = 0;

	memset(out, 0, sizeof(*out));
	out->n = units->n;
	out->reports = calloc(units->n + 1, sizeof(*out->reports));
	out->messages = calloc(units->n + 1, sizeof(*out->messages));
	tids = calloc((size_t)nthreads, sizeof(*tids));
	if (!out->reports || !out->messages || !tids) {
		free(tids);
		return -ENOMEM;
	}
	if ((size_t)nthreads > units->n)
		nthreads = units->n ? (int)units->n : 1;
	p.unit_jobs = jobs / nthreads > 1 ? jobs / nthreads : 1;
	for (int i = 0; i < nthreads; i++, started++)
		if (pthread_create(&tids[i], NULL, work, &p) != 0)
			break;
	if (!started)
		work(&p);
	wait_with_progress(&p, progress && started);
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	for (size_t i = 0; i < units->n; i++)
		out->failed += out->reports[i] == NULL;
	return atomic_load(&p.err);
}

void pool_result_free(struct pool_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		module_report_free(r->reports ? r->reports[i] : NULL);
		if (r->messages)
			strlist_free(&r->messages[i]);
	}
	free(r->reports);
	free(r->messages);
	memset(r, 0, sizeof(*r));
}

void pool_print_messages(const struct pool_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (size_t k = 0; k < r->messages[i].n; k++)
			fprintf(stderr, "confine: %s\n", r->messages[i].v[k]);
}
