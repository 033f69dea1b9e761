/* confine baseline: writes the current findings as the baseline that 'confine check' accepts. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "baseline.h"
#include "cli.h"
#include "finding_filter.h"
#include "pool.h"

static const char usage[] =
	"usage: confine baseline [options] PATH... -o FILE\n"
	"Write the findings of PATH... as a baseline for 'confine check': a text file with one\n"
	"finding per line (fingerprint, kind, module, function, name, reason), sorted. When FILE\n"
	"exists, its [accepted] section (findings accepted by hand, with a reason) is kept exactly\n"
	"as it is and only the [generated] section is rewritten.\n"
	"\n"
	"  -o, --output FILE    the baseline file (default: standard output)\n"
	"      --suppressions FILE\n"
	"                       leave out the findings that a kind:pattern line of FILE matches\n"
	"      --rules FILE     add rules from FILE (format: confine-rules(5)); repeatable\n"
	"      --libc SET       rule set: glibc, posix or any (default any)\n"
	"  -j, --jobs N         parallel jobs (default: number of cores)\n"
	FLEET_USAGE
	"  -v, --verbose        more messages on stderr\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0 the baseline was written, 2 an input was unusable (then nothing is written),\n"
	"FILE or the suppressions file is malformed, or the command line is wrong.\n";

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "suppressions", required_argument, NULL, 'S' },
	{ "rules", required_argument, NULL, 'R' },
	{ "libc", required_argument, NULL, 'L' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	FLEET_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

struct baseline_opts {
	struct common_opts c;
	const char *suppressions;
	int verbosity;
};

static void print_error(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		cli_error("error: %s", msg);
}

static const struct diag diag = { print_error, NULL };

/* Returns -1 to stop with EXIT_TROUBLE, 1 after --help, 0 to go on. */
static int parse(int argc, char **argv, struct baseline_opts *o)
{
	int opt, r;

	cli_common_init(&o->c);
	o->verbosity = DIAG_WARN;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:j:hv", longopts, NULL)) != -1) {
		if ((r = cli_common_option(&o->c, opt, optarg)) != 0) {
			if (r < 0)
				return -1;
			continue;
		}
		if (opt == 'S') {
			o->suppressions = optarg;
		} else if (opt == 'v') {
			o->verbosity = o->verbosity < DIAG_DEBUG ? o->verbosity + 1 : DIAG_DEBUG;
		} else if (opt == 'h') {
			fputs(usage, stdout);
			return 1;
		} else {
			cli_bad_option("baseline", opt, argv);
			return -1;
		}
	}
	if (optind >= argc) {
		cli_error("baseline: no PATH given (try 'confine baseline --help')");
		return -1;
	}
	return 0;
}

/* The existing file's [accepted] section; a missing or empty file (from mktemp or touch) is an
 * empty baseline. */
static int load_existing(const struct baseline_opts *o, struct baseline *b)
{
	struct stat st;

	if (!o->c.output || stat(o->c.output, &st) != 0 || (S_ISREG(st.st_mode) && st.st_size == 0))
		return 0;
	return baseline_load(b, o->c.output, &diag) ? -1 : 0;
}

static int load_suppressions(const struct baseline_opts *o, struct suppress_set **sup)
{
	if (!o->suppressions)
		return 0;
	*sup = calloc(1, sizeof(**sup));
	if (!*sup) {
		cli_error("out of memory");
		return -1;
	}
	return suppress_load(*sup, o->suppressions, &diag) ? -1 : 0;
}

/* The usable reports of a scan, in input order; NULL when out of memory. */
static struct module_report **usable(const struct pool_result *res, struct saved_results *saved, size_t *n)
{
	struct module_report **ok = calloc(res->n + saved->n + 1, sizeof(*ok));

	*n = 0;
	for (size_t i = 0; ok && i < res->n; i++)
		if (res->reports[i])
			ok[(*n)++] = res->reports[i];
	if (ok && fleet_take_saved(saved, ok, n, &(struct strlist){ 0 }) < 0) {
		free(ok);
		return NULL;
	}
	return ok;
}

/* Regenerates b from the reports and writes it to -o FILE or standard output. */
static int write_baseline(const struct baseline_opts *o, struct baseline *b, struct saved_results *saved,
			  const struct pool_result *res)
{
	size_t n = 0, accepted = 0;
	struct module_report **ok = usable(res, saved, &n);
	char *text = NULL;
	int err = !ok || baseline_regenerate(b, ok, n) ? -ENOMEM : 0;

	if (!err && o->c.output) {
		err = baseline_save(b, o->c.output, &diag);
		for (size_t i = 0; !err && i < b->n; i++)
			accepted += b->v[i].section == BASELINE_ACCEPTED;
		if (!err)
			cli_error("%s: %zu generated entr%s, %zu accepted", o->c.output, b->n - accepted,
				  b->n - accepted == 1 ? "y" : "ies", accepted);
	} else if (!err) {
		text = baseline_render(b);
		err = text ? cli_write(&o->c, text) : -ENOMEM;
	}
	if (err == -ENOMEM)
		cli_error("out of memory");
	free(text);
	free(ok);
	return err;
}

static int run(const struct baseline_opts *o, char **paths, int npaths)
{
	struct baseline b = { 0 };
	struct input_list units = { 0 };
	struct pool_result res = { 0 };
	struct saved_results saved = { 0 };
	struct fleet_cache fc = { 0 };
	struct suppress_set *sup = NULL;
	struct rules *rules = NULL;
	struct analysis_options ao = { .libc = o->c.libc };
	size_t suppressed = 0;
	int status = EXIT_TROUBLE, nocache = 1;

	if (load_existing(o, &b) || load_suppressions(o, &sup) ||
	    !(ao.rules = rules = cli_load_rules(&o->c)) ||
	    fleet_inputs(&o->c.fleet, paths, npaths, &units, &saved) ||
	    (nocache = fleet_cache_init(&o->c.fleet, &o->c.rule_files, o->c.libc, &fc)) < 0)
		goto out;
	if (pool_run_cached(&units, &ao, o->c.jobs, isatty(STDERR_FILENO), o->verbosity,
			    nocache ? NULL : &fc.pool, &res) ||
	    (sup && finding_filter_apply_all(res.reports, res.n, sup, &suppressed)) ||
	    (sup && finding_filter_apply_all(saved.mods, saved.n, sup, &suppressed))) {
		cli_error("out of memory");
		goto out;
	}
	pool_print_messages(&res);
	if (!nocache)
		fleet_cache_report(&fc, units.n, o->verbosity);
	if (res.failed || saved.errors.n)
		cli_error("error: baseline not written: an input was unusable");
	else if (write_baseline(o, &b, &saved, &res) == 0)
		status = EXIT_CLEAN;
out:
	baseline_free(&b);
	free(sup);
	pool_result_free(&res);
	saved_results_clear(&saved);
	input_list_free(&units);
	rules_free(rules);
	return status;
}

int cmd_baseline(int argc, char **argv)
{
	struct baseline_opts o = { 0 };
	int r = parse(argc, argv, &o), status;

	if (r)
		status = r > 0 ? EXIT_CLEAN : EXIT_TROUBLE;
	else
		status = run(&o, argv + optind, argc - optind);
	strlist_free(&o.c.rule_files);
	return status;
}
