/* Pool: analyzes many units in parallel, keeping results and messages in input order. */
#ifndef CONFINE_POOL_H
#define CONFINE_POOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include "analysis.h"
#include "cache.h"

/* The result cache of a run (cache.h): where, under which stamp, and what it did. */
struct pool_cache {
	const char *dir;
	char stamp[CACHE_STAMP_LEN];
	atomic_size_t hits, stored;
};

struct pool_result {
	size_t n;
	struct module_report **reports;   /* [n], NULL where the unit failed */
	struct strlist *messages;         /* [n], "error: ..." / "warning: ..." lines per unit */
	size_t failed;
};

/* Runs analysis_run over every unit with up to jobs threads (each module gets a share of the
 * threads for its own decoding). progress: show a progress line on stderr after a moment.
 * verbosity: the highest diag level kept (DIAG_WARN by default, DIAG_DEBUG with -vv).
 * Returns 0 or -ENOMEM. */
int pool_run(const struct input_list *units, const struct analysis_options *o, int jobs,
	     bool progress, int verbosity, struct pool_result *out);

/* pool_run, reading each unit's report from the cache when it holds one and storing the others
 * there (cache NULL: none). A cache that cannot be read or written only costs time. */
int pool_run_cached(const struct input_list *units, const struct analysis_options *o, int jobs,
		    bool progress, int verbosity, struct pool_cache *cache, struct pool_result *out);

/* done receives each unit as soon as it and every unit before it are finished, in input order,
 * on the thread that called pool_run_streaming; it may take res->reports[i] (leaving NULL) and
 * clear res->messages[i]. prepare (may be NULL) gets unit i first, on the worker thread that
 * finished it, in any order: it may take res->reports[i] and must touch no other unit. */
struct pool_sink {
	void (*done)(void *ctx, size_t i, struct pool_result *res);
	void *ctx;
	void (*prepare)(void *ctx, size_t i, struct pool_result *res);
};

/* pool_run_cached, handing the units to sink (may be NULL) while the others are analyzed. */
int pool_run_streaming(const struct input_list *units, const struct analysis_options *o, int jobs,
		       bool progress, int verbosity, struct pool_cache *cache,
		       const struct pool_sink *sink, struct pool_result *out);
void pool_result_free(struct pool_result *r);

/* Prints the messages of every unit to stderr in input order, prefixed "confine: ". */
void pool_print_messages(const struct pool_result *r);

#endif
