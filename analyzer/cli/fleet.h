/* Fleet: what lets many jobs share a scan: --shard K/N, the result cache (--cache[=DIR]) and
 * saved scan results (JSON, JSONL) accepted wherever a binary is. */
#ifndef CONFINE_FLEET_H
#define CONFINE_FLEET_H

#include <limits.h>
#include <stdbool.h>
#include "input.h"
#include "pool.h"
#include "saved_report.h"

/* getopt values of --shard and --cache (cli_main lists them for the commands that take them). */
enum { FLEET_OPT_SHARD = 0x100, FLEET_OPT_CACHE };

/* Their lines of --help. */
#define FLEET_USAGE                                                                              \
	"      --shard K/N    keep only shard K of N of the expanded inputs (N jobs given the\n"   \
	"                     same PATHs cover every input once)\n"                                \
	"      --cache[=DIR]  reuse and keep each module's result in DIR (default: the runtime\n"   \
	"                     guard's, $XDG_CACHE_HOME/confine or ~/.cache/confine)\n"

struct fleet_opts {
	unsigned shard_k, shard_n;     /* 0/0: no sharding */
	bool cache;
	const char *cache_dir;         /* NULL: the default directory */
	bool no_saved;                 /* saved results are not inputs (policy needs the binary) */
};

/* The run's cache, once fleet_cache_init has set it up. */
struct fleet_cache {
	struct pool_cache pool;
	char dir[PATH_MAX];
};

/* Handles --shard and --cache: 1 handled, 0 not one of them, -1 bad value (reported). */
int fleet_option(struct fleet_opts *f, int opt, const char *arg);

/* Reads the PATH operands that are saved results into saved (a file that cannot be read or
 * parsed is reported and becomes one of saved->errors), expands the others into units and
 * keeps the shard of them. Returns 0, or -1 when out of memory (reported). */
int fleet_inputs(const struct fleet_opts *f, char **paths, int npaths, struct input_list *units,
		 struct saved_results *saved);

/* Sets up the cache for rules from the built-in set plus rule_files, and libc. Returns 1 when
 * the run has no cache, 0 when it has one, -1 when none is possible (reported). */
int fleet_cache_init(const struct fleet_opts *f, const struct strlist *rule_files, unsigned libc,
		     struct fleet_cache *fc);

/* Appends the saved modules to ok (which has room; saved keeps owning them), in the order of a
 * directory walk over their paths (so that shards merge back into one scan's order), and their
 * errors to errors; returns the number of errors added, or -1 when out of memory (reported). */
int fleet_take_saved(struct saved_results *saved, struct module_report **ok, size_t *nok,
		     struct strlist *errors);

/* With -v: "cache DIR: H of N modules reused, S stored". */
void fleet_cache_report(const struct fleet_cache *fc, size_t units, int verbosity);

#endif
