/* Pool: analyzes many units in parallel, keeping results and messages in input order. */
#ifndef CONFINE_POOL_H
#define CONFINE_POOL_H

#include <stdbool.h>
#include "analysis.h"

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
/* Receives each unit as soon as it and every unit before it are finished, in input order, on
 * the thread that called pool_run_streaming; it may take res->reports[i] (leaving NULL) and
 * clear res->messages[i]. */
struct pool_sink {
	void (*done)(void *ctx, size_t i, struct pool_result *res);
	void *ctx;
};

/* pool_run, handing the units to sink (may be NULL) while the others are analyzed. */
int pool_run_streaming(const struct input_list *units, const struct analysis_options *o, int jobs,
		       bool progress, int verbosity, const struct pool_sink *sink,
		       struct pool_result *out);
void pool_result_free(struct pool_result *r);

/* Prints the messages of every unit to stderr in input order, prefixed "confine: ". */
void pool_print_messages(const struct pool_result *r);

#endif
