/* confine check: the CI gate; scans, compares with a baseline and fails only on new findings. */
#include <stdlib.h>
#include <string.h>
#include "baseline.h"
#include "cli.h"
#include "finding_filter.h"
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

/* check's own long options; cli_main adds the common ones. */
static const struct option longopts[] = {
	{ "baseline", required_argument, NULL, 'b' },
	{ "update-baseline", no_argument, NULL, 'U' },
	{ "severity", required_argument, NULL, 'E' },
	{ NULL, 0, NULL, 0 },
};

struct check_opts {
	struct common_opts c;
	const char *baseline;
	enum rule_severity fail_at;
	bool update;
};

/* The state of one check, released at the end of run. */
struct check {
	struct baseline base;
	struct cli_scan scan;
	struct baseline_diff diff;
};

/* check's own options: 1 handled, 0 not one of them, -1 on a bad value (reported). */
static int option(void *opts, int opt, const char *arg)
{
	struct check_opts *o = opts;

	switch (opt) {
	case 'b':
		o->baseline = arg;
		return 1;
	case 'U':
		o->update = true;
		return 1;
	case 'E':
		if (!strcmp(arg, "error") || !strcmp(arg, "warning")) {
			o->fail_at = strcmp(arg, "error") ? SEVERITY_WARNING : SEVERITY_ERROR;
			return 1;
		}
		cli_error("--severity: '%s' is not one of error, warning", arg);
		return -1;
	default:
		return 0;
	}
}

static int validate(void *opts)
{
	struct check_opts *o = opts;
	const char *f = o->c.format ? o->c.format : (o->c.format = "text");

	if (strcmp(f, "text") && strcmp(f, "json") && strcmp(f, "sarif") && report_lines_style(f) < 0) {
		cli_error("--format: '%s' is not one of text, json, sarif, gcc, github", f);
		return -1;
	}
	if (!o->baseline) {
		cli_error("check: --baseline FILE is required (write one with 'confine baseline PATH... -o FILE')");
		return -1;
	}
	return 0;
}

/* Loads the baseline, scans the paths (suppressed findings are neither new nor fixed) and
 * compares. */
static int scan(const struct check_opts *o, struct check *c, char **paths, int npaths)
{
	if (baseline_load(&c->base, o->baseline, &cli_diag) ||
	    cli_scan_run(&c->scan, &o->c, paths, npaths))
		return -1;
	if (c->scan.sup)
		finding_filter_mark_baseline(&c->base, c->scan.sup);
	if (baseline_compare(&c->base, c->scan.ok, c->scan.nok, o->fail_at, &c->diff)) {
		cli_error("out of memory");
		return -1;
	}
	return 0;
}

static int report(const struct check_opts *o, struct check *c)
{
	struct check_summary s = { o->baseline, o->fail_at, c->scan.suppressed, c->scan.res.failed };
	struct sarif_options so = { c->scan.root, c->scan.cwd, &c->scan.errors };
	const char *format = o->c.format;
	char *text;

	if (!strcmp(format, "json"))
		text = report_check_render_json(&c->diff, &s, &c->scan.errors);
	else if (!strcmp(format, "sarif"))
		text = report_sarif_render_new(&c->diff, &so);
	else if (report_lines_style(format) >= 0)
		text = report_lines_render_new(&c->diff, report_lines_style(format), &so);
	else
		text = report_check_render_text(&c->diff, &s);
	return cli_write_free(&o->c, text);
}

/* --update-baseline: drops the fixed generated entries, unless an input was unusable. */
static int update(const struct check_opts *o, struct check *c)
{
	size_t before = c->base.n;

	if (c->scan.res.failed) {
		cli_error("error: %s not updated: an input was unusable", o->baseline);
		return -1;
	}
	baseline_drop_fixed(&c->base, &c->diff);
	if (baseline_save(&c->base, o->baseline, &cli_diag))
		return -1;
	if (before != c->base.n)
		cli_error("%s: removed %zu fixed entr%s", o->baseline, before - c->base.n,
			  before - c->base.n == 1 ? "y" : "ies");
	return 0;
}

static int run(void *opts, char **paths, int npaths)
{
	const struct check_opts *o = opts;
	struct check c = { 0 };
	int status = EXIT_TROUBLE;

	if (scan(o, &c, paths, npaths) || report(o, &c) || (o->update && update(o, &c)))
		goto out;
	status = c.scan.res.failed ? EXIT_TROUBLE : c.diff.failed ? EXIT_NEW : EXIT_CLEAN;
out:
	baseline_diff_free(&c.diff);
	baseline_free(&c.base);
	cli_scan_free(&c.scan);
	return status;
}

int cmd_check(int argc, char **argv)
{
	static const struct cli_command cmd = {
		"check", usage, CLI_OUTPUT | CLI_RULES | CLI_JOBS | CLI_FORMAT | CLI_SUPPRESS | CLI_SOURCE_ROOT |
		CLI_VERBOSE | CLI_FLEET, "b:", longopts, "PATH", option, validate, run,
	};
	struct check_opts o = { .fail_at = SEVERITY_ERROR };

	return cli_main(&cmd, &o.c, &o, argc, argv);
}
