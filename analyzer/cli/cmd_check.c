/* confine check: the CI gate; scans, compares with a baseline and fails only on new findings. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "baseline.h"
#include "cli.h"
#include "finding_filter.h"
#include "pool.h"
#include "report_check.h"
#include "report_lines.h"
#include "report_sarif.h"

static const char usage[] =
	"usage: confine check --baseline FILE [options] PATH...\n"
	"Fail when PATH... holds thread-hostile state that the baseline does not: a new global,\n"
	"static or function-local static, or a new call to a non-reentrant function. Prints only\n"
	"the new findings (with location and alternative), then the baseline entries no longer\n"
	"found ('fixed', which never fail), then a summary line.\n"
	"\n"
	"  -b, --baseline FILE  the baseline, written by 'confine baseline' (required)\n"
	"      --update-baseline\n"
	"                       remove the fixed entries from FILE's [generated] section (new\n"
	"                       findings are not added: 'confine baseline' or [accepted] does that)\n"
	"      --severity LEVEL error (default): only new errors fail; warning: new warnings too\n"
	"                       (state findings are errors; calls have their rule's severity)\n"
	"  -f, --format FMT     text (default), json, sarif (the new findings, for code scanning),\n"
	"                       gcc (file:line:col: error: ... lines) or github (annotations)\n"
	"  -o, --output FILE    write the report to FILE\n"
	"      --suppressions FILE\n"
	"                       leave out the findings that a kind:pattern line of FILE matches\n"
	"      --source-root DIR\n"
	"                       sarif, github: paths are relative to DIR (default: the\n"
	"                       repository root: the nearest directory holding .git, from\n"
	"                       the current one up; else the current directory)\n"
	"      --rules FILE     add rules from FILE (format: confine-rules(5)); repeatable\n"
	"      --libc SET       rule set: glibc, posix or any (default any)\n"
	"  -j, --jobs N         parallel jobs (default: number of cores)\n"
	FLEET_USAGE
	"  -v, --verbose        more messages on stderr\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0 no new finding fails the check, 1 new findings fail it, 2 an input was\n"
	"unusable, the baseline or suppressions file is missing or malformed, or the command line\n"
	"is wrong.\n";

static const struct option longopts[] = {
	{ "baseline", required_argument, NULL, 'b' },
	{ "update-baseline", no_argument, NULL, 'U' },
	{ "severity", required_argument, NULL, 'E' },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "suppressions", required_argument, NULL, 'S' },
	{ "source-root", required_argument, NULL, 'P' },
	{ "rules", required_argument, NULL, 'R' },
	{ "libc", required_argument, NULL, 'L' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	FLEET_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

struct check_opts {
	struct common_opts c;
	const char *baseline, *format, *suppressions, *source_root;
	enum rule_severity fail_at;
	bool update;
	int verbosity;
};

/* The state of one check, released by check_free. */
struct check {
	struct baseline base;
	struct suppress_set *sup;
	struct rules *rules;
	struct input_list units;
	struct pool_result res;
	struct saved_results saved;    /* PATHs that are saved scan results */
	struct module_report **ok;     /* the reports of the usable inputs */
	size_t nok, suppressed;
	struct strlist errors;         /* "FILE: reason" per unusable input */
	struct baseline_diff diff;
	char *root, *cwd;              /* sarif paths */
};

static void print_error(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		cli_error("error: %s", msg);
}

static const struct diag diag = { print_error, NULL };

static int parse_value(int opt, const char *arg, struct check_opts *o)
{
	switch (opt) {
	case 'b':
		o->baseline = arg;
		return 0;
	case 'f':
		o->format = arg;
		return 0;
	case 'S':
		o->suppressions = arg;
		return 0;
	case 'P':
		o->source_root = arg;
		return 0;
	case 'E':
		if (!strcmp(arg, "error") || !strcmp(arg, "warning")) {
			o->fail_at = strcmp(arg, "error") ? SEVERITY_WARNING : SEVERITY_ERROR;
			return 0;
		}
		cli_error("--severity: '%s' is not one of error, warning", arg);
		return -1;
	default:
		return 1;
	}
}

static int validate(int argc, const struct check_opts *o)
{
	if (strcmp(o->format, "text") && strcmp(o->format, "json") && strcmp(o->format, "sarif") &&
	    report_lines_style(o->format) < 0) {
		cli_error("--format: '%s' is not one of text, json, sarif, gcc, github", o->format);
		return -1;
	}
	if (!o->baseline) {
		cli_error("check: --baseline FILE is required (write one with 'confine baseline PATH... -o FILE')");
		return -1;
	}
	if (optind >= argc) {
		cli_error("check: no PATH given (try 'confine check --help')");
		return -1;
	}
	return 0;
}

/* Returns -1 to stop with EXIT_TROUBLE, 1 after --help, 0 to go on. */
static int parse(int argc, char **argv, struct check_opts *o)
{
	int opt, r;

	cli_common_init(&o->c);
	o->c.color = false;
	o->format = "text";
	o->fail_at = SEVERITY_ERROR;
	o->verbosity = DIAG_WARN;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":b:f:o:j:hv", longopts, NULL)) != -1) {
		if ((r = cli_common_option(&o->c, opt, optarg)) != 0 ||
		    (r = parse_value(opt, optarg, o)) <= 0) {
			if (r < 0)
				return -1;
			continue;
		}
		if (opt == 'U') {
			o->update = true;
		} else if (opt == 'v') {
			o->verbosity = o->verbosity < DIAG_DEBUG ? o->verbosity + 1 : DIAG_DEBUG;
		} else if (opt == 'h') {
			fputs(usage, stdout);
			return 1;
		} else {
			cli_bad_option("check", opt, argv);
			return -1;
		}
	}
	return validate(argc, o);
}

static int load_inputs(const struct check_opts *o, struct check *c)
{
	if (baseline_load(&c->base, o->baseline, &diag))
		return -1;
	if (o->suppressions) {
		c->sup = calloc(1, sizeof(*c->sup));
		if (!c->sup || suppress_load(c->sup, o->suppressions, &diag))
			return -1;
		finding_filter_mark_baseline(&c->base, c->sup);
	}
	if ((!strcmp(o->format, "sarif") || !strcmp(o->format, "github")) && report_sarif_resolve(o->source_root, &c->root, &c->cwd, &diag))
		return -1;
	c->rules = cli_load_rules(&o->c);
	return c->rules ? 0 : -1;
}

/* Scans the paths; keeps the usable reports (suppressions applied) and the input errors. */
static int scan(const struct check_opts *o, struct check *c, char **paths, int npaths)
{
	struct analysis_options ao = { .rules = c->rules, .libc = o->c.libc };
	struct fleet_cache fc = { 0 };
	int nocache = 1, saved_errors;

	if (fleet_inputs(&o->c.fleet, paths, npaths, &c->units, &c->saved) ||
	    (nocache = fleet_cache_init(&o->c.fleet, &o->c.rule_files, o->c.libc, &fc)) < 0)
		return -1;
	if (pool_run_cached(&c->units, &ao, o->c.jobs, isatty(STDERR_FILENO), o->verbosity,
			    nocache ? NULL : &fc.pool, &c->res) ||
	    (c->sup && finding_filter_apply_all(c->res.reports, c->res.n, c->sup, &c->suppressed)) ||
	    (c->sup && finding_filter_apply_all(c->saved.mods, c->saved.n, c->sup, &c->suppressed)) ||
	    !(c->ok = calloc(c->res.n + c->saved.n + 1, sizeof(*c->ok)))) {
		cli_error("out of memory");
		return -1;
	}
	pool_print_messages(&c->res);
	if (!nocache)
		fleet_cache_report(&fc, c->units.n, o->verbosity);
	for (size_t i = 0; i < c->res.n; i++) {
		if (c->res.reports[i])
			c->ok[c->nok++] = c->res.reports[i];
		for (size_t k = 0; k < c->res.messages[i].n; k++)
			if (!strncmp(c->res.messages[i].v[k], "error: ", 7) &&
			    strlist_add(&c->errors, c->res.messages[i].v[k] + 7, false)) {
				cli_error("out of memory");
				return -1;
			}
	}
	if ((saved_errors = fleet_take_saved(&c->saved, c->ok, &c->nok, &c->errors)) < 0)
		return -1;
	c->res.failed += (size_t)saved_errors;
	return 0;
}

static int report(const struct check_opts *o, struct check *c)
{
	struct check_summary s = { o->baseline, o->fail_at, c->suppressed, c->res.failed };
	struct sarif_options so = { c->root, c->cwd, &c->errors };
	char *text;
	int err;

	if (!strcmp(o->format, "json"))
		text = report_check_render_json(&c->diff, &s, &c->errors);
	else if (!strcmp(o->format, "sarif"))
		text = report_sarif_render_new(&c->diff, &so);
	else if (report_lines_style(o->format) >= 0)
		text = report_lines_render_new(&c->diff, report_lines_style(o->format), &so);
	else
		text = report_check_render_text(&c->diff, &s);
	if (!text) {
		cli_error("out of memory");
		return -1;
	}
	err = cli_write(&o->c, text);
	free(text);
	return err;
}

/* --update-baseline: drops the fixed generated entries, unless an input was unusable. */
static int update(const struct check_opts *o, struct check *c)
{
	size_t before = c->base.n;

	if (c->res.failed) {
		cli_error("error: %s not updated: an input was unusable", o->baseline);
		return -1;
	}
	baseline_drop_fixed(&c->base, &c->diff);
	if (baseline_save(&c->base, o->baseline, &diag))
		return -1;
	if (before != c->base.n)
		cli_error("%s: removed %zu fixed entr%s", o->baseline, before - c->base.n,
			  before - c->base.n == 1 ? "y" : "ies");
	return 0;
}

static void check_free(struct check *c)
{
	baseline_diff_free(&c->diff);
	baseline_free(&c->base);
	free(c->sup);
	free(c->ok);
	strlist_free(&c->errors);
	pool_result_free(&c->res);
	saved_results_clear(&c->saved);
	input_list_free(&c->units);
	rules_free(c->rules);
	free(c->root);
	free(c->cwd);
}

static int run(const struct check_opts *o, char **paths, int npaths)
{
	struct check c = { 0 };
	int status = EXIT_TROUBLE;

	if (load_inputs(o, &c) || scan(o, &c, paths, npaths))
		goto out;
	if (baseline_compare(&c.base, c.ok, c.nok, o->fail_at, &c.diff)) {
		cli_error("out of memory");
		goto out;
	}
	if (report(o, &c) || (o->update && update(o, &c)))
		goto out;
	status = c.res.failed ? EXIT_TROUBLE : c.diff.failed ? EXIT_NEW : EXIT_CLEAN;
out:
	check_free(&c);
	return status;
}

int cmd_check(int argc, char **argv)
{
	struct check_opts o = { 0 };
	int r = parse(argc, argv, &o), status;

	if (r)
		status = r > 0 ? EXIT_CLEAN : EXIT_TROUBLE;
	else
		status = run(&o, argv + optind, argc - optind);
	strlist_free(&o.c.rule_files);
	return status;
}
