/* Pool: worker threads take units from a shared counter; the caller's thread draws progress from
 * what their analyses report (DIAG_PROGRESS). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "pool.h"

/* Where one worker thread is, for the progress line: its unit and the last DIAG_PROGRESS text. */
struct slot {
	struct pool *pool;
	pthread_mutex_t lock;
	size_t unit;              /* SIZE_MAX: idle */
	char stage[64];           /* "decoding 1234/5678" */
};

struct pool {
	const struct input_list *units;
	const struct analysis_options *base;
	int unit_jobs;
	struct pool_result *res;
	atomic_size_t next, done;
	atomic_int err;
	int verbosity;
	struct slot *slots;       /* one per thread */
	int nslots;
	const struct pool_sink *sink;
	pthread_mutex_t lock;     /* guards finished and res->failed */
	pthread_cond_t changed;   /* a unit finished */
	unsigned char *finished;  /* [n] */
	struct pool_cache *cache;
};

struct unit_log {
	struct strlist *lines;
	atomic_int *err;
	int verbosity;
	struct slot *slot;
};

static void slot_set(struct slot *sl, size_t unit, const char *stage)
{
	pthread_mutex_lock(&sl->lock);
	sl->unit = unit;
	snprintf(sl->stage, sizeof(sl->stage), "%s", stage);
	pthread_mutex_unlock(&sl->lock);
}

static void collect(void *ctx, enum diag_level level, const char *msg)
{
	struct unit_log *log = ctx;
	const char *prefix = level == DIAG_ERROR ? "error: " : level == DIAG_WARN ? "warning: " : "";
	char *line;

	if (level == DIAG_PROGRESS) {
		slot_set(log->slot, log->slot->unit, msg);
		return;
	}
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

/* Analyzes unit i, or reads it from the cache (and stores what had to be analyzed). */
static void work_one(struct pool *p, struct slot *sl, size_t i)
{
	const struct input_unit *u = &p->units->v[i];
	struct unit_log log = { &p->res->messages[i], &p->err, p->verbosity, sl };
	struct analysis_options o = *p->base;
	struct pool_cache *c = p->cache;
	char key[CACHE_KEY_MAX];
	bool keyed = c && !u->error && cache_key(u->path, u->member ? u->member_off : 0, key) == 0;

	if (keyed && cache_load(c->dir, key, c->stamp, u, &p->res->reports[i]) == 0) {
		atomic_fetch_add(&c->hits, 1);
		return;
	}
	o.jobs = p->unit_jobs;
	o.diag = (struct diag){ collect, &log };
	if (analysis_run(&o, u, &p->res->reports[i]) < 0)
		p->res->reports[i] = NULL;
	else if (keyed && cache_save(c->dir, key, c->stamp, p->res->reports[i]) == 0)
		atomic_fetch_add(&c->stored, 1);
}

/* Marks unit i finished for the waiting thread, which hands finished units to the sink. The
 * sink's prepare, if any, has its turn first, on this thread. */
static void finish(struct pool *p, size_t i)
{
	bool failed = p->res->reports[i] == NULL;

	if (p->sink && p->sink->prepare)
		p->sink->prepare(p->sink->ctx, i, p->res);
	pthread_mutex_lock(&p->lock);
	p->finished[i] = 1;
	p->res->failed += failed;
	pthread_cond_signal(&p->changed);
	pthread_mutex_unlock(&p->lock);
}

static void *work(void *arg)
{
	struct slot *sl = arg;
	struct pool *p = sl->pool;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->units->n) {
		slot_set(sl, i, "starting");
		work_one(p, sl, i);
		slot_set(sl, SIZE_MAX, "");
		atomic_fetch_add(&p->done, 1);
		finish(p, i);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The busy worker on the earliest input (the one the user waits for): its unit (SIZE_MAX when
 * all are idle) and its stage, "STAGE NN%" when the stage is measured. */
static size_t oldest(struct pool *p, char *stage, size_t len)
{
	size_t best = SIZE_MAX;
	unsigned long long done, total;

	for (int k = 0; k < p->nslots; k++) {
		struct slot *sl = &p->slots[k];

		pthread_mutex_lock(&sl->lock);
		if (sl->unit < best) {
			best = sl->unit;
			snprintf(stage, len, "%s", sl->stage);
		}
		pthread_mutex_unlock(&sl->lock);
	}
	char *sp = strrchr(stage, ' ');
	if (sp && sscanf(sp + 1, "%llu/%llu", &done, &total) == 2 && total)
		snprintf(sp, len - (size_t)(sp - stage), " %llu%%", (done < total ? done : total) * 100 / total);
	return best;
}

/* "confine: 3/10 done; lib/libfoo.so: decoding 45% (12 s)", cut to the terminal's width. */
static void draw(struct pool *p, double elapsed)
{
	struct winsize ws;
	int width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 40 ? ws.ws_col : 80;
	char head[64], stage[64] = "", tail[96];
	size_t unit = oldest(p, stage, sizeof(stage));
	const char *name = unit < p->units->n ? p->units->v[unit].display : "";
	int room;

	snprintf(head, sizeof(head), "confine: %zu/%zu done%s", atomic_load(&p->done), p->units->n,
		 *name ? "; " : "");
	snprintf(tail, sizeof(tail), "%s%s (%.0f s)", *name ? ": " : "", stage, elapsed);
	room = width - 1 - (int)strlen(head) - (int)strlen(tail);
	/* A long path is cut at the left: its file name is at the end. */
	if (room < 8)
		room = 8;
	if ((int)strlen(name) > room)
		fprintf(stderr, "\r%s...%s%s\033[K", head, name + strlen(name) - (room - 3), tail);
	else
		fprintf(stderr, "\r%s%s%s\033[K", head, name, tail);
}

/* Waits (the lock held) until a unit finishes or a tenth of a second has passed. */
static void wait_a_moment(struct pool *p)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 100 * 1000 * 1000;
	if (ts.tv_nsec >= 1000 * 1000 * 1000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000 * 1000 * 1000;
	}
	pthread_cond_timedwait(&p->changed, &p->lock, &ts);
}

/* Waits for the workers, handing each finished unit to the sink in input order, and draws the
 * progress line once the scan has taken more than a moment. */
static void wait_with_progress(struct pool *p, bool progress)
{
	double start = now(), drawn_at = 0;
	size_t n = p->units->n, next = 0;

	pthread_mutex_lock(&p->lock);
	while (next < n) {
		if (p->finished[next]) {
			pthread_mutex_unlock(&p->lock);
			if (p->sink)
				p->sink->done(p->sink->ctx, next, p->res);
			next++;
			pthread_mutex_lock(&p->lock);
			continue;
		}
		wait_a_moment(p);
		if (progress && now() - start >= 0.5 && now() - drawn_at >= 0.1) {
			pthread_mutex_unlock(&p->lock);
			draw(p, now() - start);
			drawn_at = now();
			pthread_mutex_lock(&p->lock);
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (drawn_at > 0)
		fprintf(stderr, "\r\033[K");
}

int pool_run(const struct input_list *units, const struct analysis_options *o, int jobs,
	     bool progress, int verbosity, struct pool_result *out)
{
	return pool_run_streaming(units, o, jobs, progress, verbosity, NULL, NULL, out);
}

int pool_run_cached(const struct input_list *units, const struct analysis_options *o, int jobs,
		    bool progress, int verbosity, struct pool_cache *cache, struct pool_result *out)
{
	return pool_run_streaming(units, o, jobs, progress, verbosity, cache, NULL, out);
}

int pool_run_streaming(const struct input_list *units, const struct analysis_options *o, int jobs,
		       bool progress, int verbosity, struct pool_cache *cache,
		       const struct pool_sink *sink, struct pool_result *out)
{
	struct pool p = { .units = units, .base = o, .res = out, .verbosity = verbosity, .cache = cache,
			  .sink = sink };
	int nthreads = jobs < 1 ? 1 : jobs;
	pthread_t *tids;
	int started = 0;

	memset(out, 0, sizeof(*out));
	out->n = units->n;
	out->reports = calloc(units->n + 1, sizeof(*out->reports));
	out->messages = calloc(units->n + 1, sizeof(*out->messages));
	tids = calloc((size_t)nthreads, sizeof(*tids));
	p.slots = calloc((size_t)nthreads, sizeof(*p.slots));
	p.finished = calloc(units->n + 1, 1);
	if (!out->reports || !out->messages || !tids || !p.slots || !p.finished) {
		free(tids);
		free(p.slots);
		free(p.finished);
		return -ENOMEM;
	}
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.changed, NULL);
	if ((size_t)nthreads > units->n)
		nthreads = units->n ? (int)units->n : 1;
	p.nslots = nthreads;
	for (int i = 0; i < nthreads; i++) {
		p.slots[i].pool = &p;
		p.slots[i].unit = SIZE_MAX;
		pthread_mutex_init(&p.slots[i].lock, NULL);
	}
	p.unit_jobs = jobs / nthreads > 1 ? jobs / nthreads : 1;
	for (int i = 0; i < nthreads; i++, started++)
		if (pthread_create(&tids[i], NULL, work, &p.slots[i]) != 0)
			break;
	if (!started)
		work(&p.slots[0]);
	wait_with_progress(&p, progress && started);
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	for (int i = 0; i < nthreads; i++)
		pthread_mutex_destroy(&p.slots[i].lock);
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.changed);
	free(tids);
	free(p.slots);
	free(p.finished);
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
