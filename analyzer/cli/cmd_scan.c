/* confine scan: audit ELF objects and print findings as text, JSON or SARIF. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "finding_filter.h"
#include "pool.h"
#include "report_json.h"
#include "report_lines.h"
#include "report_sarif.h"
#include "report_text.h"

static const char usage[] =
	"usage: confine scan [options] PATH...\n"
	"Audit ELF objects (.o, .a members, .so, executables; x86-64) for thread-hostile state:\n"
	"mutable globals and statics, function-local statics, and calls to non-reentrant functions.\n"
	"A directory is scanned recursively for ELF files and archives.\n"
	"\n"
	"  -f, --format FMT   text (default), json, jsonl (JSON Lines: one module per line, written\n"
	"                     as each is done), sarif (SARIF 2.1.0, for code scanning), gcc\n"
	"                     (file:line:col: warning: ... lines for editors) or github\n"
	"                     (workflow commands: annotations in GitHub Actions)\n"
	"  -o, --output FILE  write the report to FILE\n"
	"      --rules FILE   add rules from FILE (format: confine-rules(5)); repeatable\n"
	"      --libc SET     rule set: glibc, posix or any (default any)\n"
	"      --suppressions FILE\n"
	"                     leave out the findings that a kind:pattern line of FILE matches\n"
	"                     (pattern: a glob on the name, symbol, function or module file name)\n"
	"      --source-root DIR\n"
	"                     sarif, github: paths are relative to DIR (default: the\n"
	"                     repository root: the nearest directory holding .git, from\n"
	"                     the current one up; else the current directory)\n"
	"  -j, --jobs N       parallel jobs (default: number of cores); the report is the same for any N\n"
	"      --decoder NAME zydis (default: Zydis decodes, capstone details what matters) or\n"
	"                     capstone (capstone alone: the same report, about twice the CPU)\n"
	FLEET_USAGE
	"      --show-ignored\n"
	"                     also list the data that is not a finding, with the reason\n"
	"      --show-protected\n"
	"                     text: also list protected state (a lock held at every access, atomic,\n"
	"                     written once while initialising, a signal flag), tagged with how\n"
	"\n"
	"Triage (any format; --kind and --min-severity also filter json, sarif, gcc, github):\n"
	"      --kind LIST    only these kinds (comma-separated: mutable-global, mutable-static,\n"
	"                     mutable-local-static, non-reentrant-call)\n"
	"      --min-severity LEVEL\n"
	"                     warning (default: every finding) or error (leave out warnings)\n"
	"      --summary      text: per module only the counts and the most shared state\n"
	"      --group-by WHAT\n"
	"                     text: function (default) or state (each state and libc call\n"
	"                     with the functions using it)\n"
	"      --limit N      text: list at most N functions with findings, N unused findings\n"
	"                     (or N states) per module (default 40; 0: all); a module cut short\n"
	"                     opens with its summary\n"
	"      --via N        text: list at most N functions that only reach state through\n"
	"                     calls per module (default 10; 'all', or 'none')\n"
	"      --no-color     no colour even on a terminal (NO_COLOR is honoured too)\n"
	"  -v, --verbose      more messages on stderr (-vv: timings of each analysis stage)\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit status: 0 every input was scanned (with or without findings), 2 an input was\n"
	"unusable (not ELF, not x86-64 ELF64, truncated, corrupt), the suppressions file is\n"
	"unusable or the command line is wrong; the other inputs are still scanned and reported.\n";

static const struct option longopts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "rules", required_argument, NULL, 'R' },
	{ "libc", required_argument, NULL, 'L' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "show-ignored", no_argument, NULL, 'I' },
	{ "show-protected", no_argument, NULL, 'U' },
	{ "decoder", required_argument, NULL, 'D' },
	{ "suppressions", required_argument, NULL, 'S' },
	{ "source-root", required_argument, NULL, 'P' },
	{ "kind", required_argument, NULL, 'K' },
	{ "min-severity", required_argument, NULL, 'M' },
	{ "summary", no_argument, NULL, 'Y' },
	{ "group-by", required_argument, NULL, 'G' },
	{ "limit", required_argument, NULL, 'N' },
	{ "via", required_argument, NULL, 'V' },
	{ "no-color", no_argument, NULL, 'C' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	FLEET_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

struct scan_opts {
	struct common_opts c;
	const char *format;
	const char *suppressions, *source_root;
	bool show_ignored;
	bool show_protected;
	int verbosity;
	struct finding_select select;
	struct text_options text;
};

/* A count for --limit (0: all) or --via ("all", "none"); -1 after reporting a bad value. */
static int parse_count(const char *opt, const char *arg, bool words, size_t *out)
{
	char *end;
	unsigned long long v;

	if (words && (!strcmp(arg, "all") || !strcmp(arg, "none"))) {
		*out = strcmp(arg, "all") ? 0 : TEXT_ALL;
		return 0;
	}
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!*arg || *end || errno || arg[0] == '-') {
		cli_error("%s: '%s' is not a number%s", opt, arg, words ? ", 'all' or 'none'" : "");
		return -1;
	}
	*out = v || words ? (size_t)v : TEXT_ALL;
	return 0;
}

static int parse_kinds(const char *arg, unsigned *kinds)
{
	char *copy = strdup(arg), *save = NULL;
	int err = copy ? 0 : -1;

	*kinds = 0;
	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && !err; t = strtok_r(NULL, ",", &save)) {
		int k = kind_parse(t);

		if (k < 0 || k >= KIND_FINDINGS_END) {
			cli_error("--kind: '%s' is not one of mutable-global, mutable-static, "
				  "mutable-local-static, non-reentrant-call", t);
			err = -1;
		} else {
			*kinds |= 1u << k;
		}
	}
	free(copy);
	return err;
}

/* The triage options; 1 when opt is not one of them, 0 when handled, -1 on a bad value. */
static int parse_triage(int opt, const char *arg, struct scan_opts *o)
{
	switch (opt) {
	case 'K':
		return parse_kinds(arg, &o->select.kinds);
	case 'M':
		if (strcmp(arg, "warning") && strcmp(arg, "error")) {
			cli_error("--min-severity: '%s' is not one of warning, error", arg);
			return -1;
		}
		o->select.min_severity = strcmp(arg, "error") ? SEVERITY_WARNING : SEVERITY_ERROR;
		return 0;
	case 'Y':
		o->text.summary = true;
		return 0;
	case 'G':
		if (strcmp(arg, "function") && strcmp(arg, "state")) {
			cli_error("--group-by: '%s' is not one of function, state", arg);
			return -1;
		}
		o->text.group_by_state = !strcmp(arg, "state");
		return 0;
	case 'N':
		return parse_count("--limit", arg, false, &o->text.limit);
	case 'V':
		return parse_count("--via", arg, true, &o->text.via);
	default:
		return 1;
	}
}

/* Returns -1 to stop with EXIT_TROUBLE, 1 after --help, 0 to go on. */
static int parse(int argc, char **argv, struct scan_opts *o)
{
	int opt, r;

	cli_common_init(&o->c);
	o->format = "text";
	o->verbosity = DIAG_WARN;
	o->select.min_severity = SEVERITY_WARNING;
	o->text.limit = TEXT_DEFAULT_LIMIT;
	o->text.via = TEXT_DEFAULT_VIA;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":f:o:j:hv", longopts, NULL)) != -1) {
		if ((r = cli_common_option(&o->c, opt, optarg)) != 0 || (r = parse_triage(opt, optarg, o)) <= 0) {
			if (r < 0)
				return -1;
			continue;
		}
		switch (opt) {
		case 'f':
			o->format = optarg;
			break;
		case 'I':
			o->show_ignored = true;
			break;
		case 'U':
			o->show_protected = true;
			break;
		case 'S':
			o->suppressions = optarg;
			break;
		case 'P':
			o->source_root = optarg;
			break;
		case 'v':
			o->verbosity = o->verbosity < DIAG_DEBUG ? o->verbosity + 1 : DIAG_DEBUG;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			cli_bad_option("scan", opt, argv);
			return -1;
		}
	}
	if (strcmp(o->format, "text") && strcmp(o->format, "json") && strcmp(o->format, "jsonl") &&
	    strcmp(o->format, "sarif") && report_lines_style(o->format) < 0) {
		cli_error("--format: '%s' is not one of text, json, jsonl, sarif, gcc, github", o->format);
		return -1;
	}
	if (optind >= argc) {
		cli_error("scan: no PATH given (try 'confine scan --help')");
		return -1;
	}
	return 0;
}

static void print_error(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		cli_error("error: %s", msg);
}

static char *render(const struct scan_opts *o, const struct pool_result *res,
		    struct saved_results *saved, struct sarif_options *sarif)
{
	struct module_report **ok = calloc(res->n + saved->n + 1, sizeof(*ok));
	struct strlist errors = { 0 };
	size_t n = 0;
	char *text;

	if (!ok)
		return NULL;
	for (size_t i = 0; i < res->n; i++) {
		if (res->reports[i])
			ok[n++] = res->reports[i];
		for (size_t k = 0; k < res->messages[i].n; k++)
			if (!strncmp(res->messages[i].v[k], "error: ", 7))
				strlist_add(&errors, res->messages[i].v[k] + 7, false);
	}
	fleet_take_saved(saved, ok, &n, &errors);
	if (!strcmp(o->format, "json")) {
		text = report_json_render(ok, n, &errors, o->show_ignored);
	} else if (report_lines_style(o->format) >= 0) {
		text = report_lines_render(ok, n, report_lines_style(o->format), sarif);
	} else if (sarif) {
		sarif->errors = &errors;
		text = report_sarif_render(ok, n, sarif);
	} else {
		struct text_options to = o->text;
		to.show_protected = o->show_protected;

		to.color = o->c.color;
		to.show_ignored = o->show_ignored;
		text = report_text_render(ok, n, &to);
	}
	strlist_free(&errors);
	free(ok);
	return text;
}

/* Loads --suppressions into a new set (NULL without the option); -1 after reporting. */
static int load_suppressions(const struct scan_opts *o, struct suppress_set **out)
{
	struct diag d = { print_error, NULL };

	*out = NULL;
	if (!o->suppressions)
		return 0;
	*out = calloc(1, sizeof(**out));
	if (!*out) {
		cli_error("out of memory");
		return -1;
	}
	return suppress_load(*out, o->suppressions, &d) ? -1 : 0;
}

/* JSON and JSON Lines are written while the scan goes on: each module as soon as it and those
 * before it are done, and then freed, so that memory does not grow with the report. */
struct stream {
	struct json_stream *js;
	struct suppress_set *sup;
	const struct finding_select *select;   /* --kind, --min-severity */
	size_t suppressed, selected;
	int err;
};

static int write_file(void *ctx, const char *text, size_t len)
{
	return fwrite(text, 1, len, ctx) == len ? 0 : errno ? -errno : -EIO;
}

static void stream_unit(void *ctx, size_t i, struct pool_result *res)
{
	struct stream *st = ctx;
	struct module_report *r = res->reports[i];

	for (size_t k = 0; k < res->messages[i].n && !st->err; k++)
		if (!strncmp(res->messages[i].v[k], "error: ", 7))
			st->err = report_json_error(st->js, res->messages[i].v[k] + 7);
	if (r && st->sup && !st->err)
		st->err = finding_filter_apply_all(&r, 1, st->sup, &st->suppressed) ? -ENOMEM : 0;
	if (r && !st->err)
		st->err = finding_filter_select_all(&r, 1, st->select, &st->selected) ? -ENOMEM : 0;
	if (r && !st->err)
		st->err = report_json_module(st->js, r);
	module_report_free(r);
	res->reports[i] = NULL;
}

/* Saved results given as inputs follow the scanned modules, as in the other formats. */
static int stream_saved(struct stream *st, struct saved_results *saved)
{
	struct module_report **mods = calloc(saved->n + 1, sizeof(*mods));
	struct strlist errors = { 0 };
	size_t n = 0;
	int err = mods ? 0 : -ENOMEM;

	if (!err && fleet_take_saved(saved, mods, &n, &errors) < 0)
		err = -ENOMEM;
	for (size_t i = 0; !err && i < n; i++) {
		if ((st->sup && finding_filter_apply_all(&mods[i], 1, st->sup, &st->suppressed)) ||
		    finding_filter_select_all(&mods[i], 1, st->select, &st->selected))
			err = -ENOMEM;
		if (!err)
			err = report_json_module(st->js, mods[i]);
	}
	for (size_t i = 0; !err && i < errors.n; i++)
		err = report_json_error(st->js, errors.v[i]);
	strlist_free(&errors);
	free(mods);
	return err;
}

static int run_streamed(const struct scan_opts *o, const struct input_list *units,
			const struct analysis_options *ao, struct suppress_set *sup,
			struct fleet_cache *fc, struct saved_results *saved, struct pool_result *res)
{
	struct stream st = { .sup = sup, .select = &o->select };
	struct pool_sink sink = { stream_unit, &st };
	struct cli_stream out;
	int err;

	if (cli_stream_open(&o->c, &out))
		return EXIT_TROUBLE;
	st.js = report_json_open(!strcmp(o->format, "jsonl"), o->show_ignored, write_file, out.f);
	err = st.js ? pool_run_streaming(units, ao, o->c.jobs, isatty(STDERR_FILENO), o->verbosity,
					 fc ? &fc->pool : NULL, &sink, res) : -ENOMEM;
	if (!err && !st.err)
		st.err = stream_saved(&st, saved);
	err = report_json_close(st.js) ?: st.err ?: err;
	pool_print_messages(res);
	if (fc)
		fleet_cache_report(fc, units->n, o->verbosity);
	if (sup && o->verbosity >= DIAG_INFO)
		cli_error("%zu finding%s suppressed", st.suppressed, st.suppressed == 1 ? "" : "s");
	if (err == -ENOMEM)
		cli_error("out of memory");
	if (cli_stream_close(&o->c, &out, err))
		return EXIT_TROUBLE;
	return res->failed || saved->errors.n ? EXIT_TROUBLE : EXIT_CLEAN;
}

static int run(const struct scan_opts *o, char **paths, int npaths)
{
	struct input_list units = { 0 };
	struct pool_result res = { 0 };
	struct saved_results saved = { 0 };
	struct fleet_cache fc = { 0 };
	struct suppress_set *sup = NULL;
	struct rules *rules = NULL;
	struct analysis_options ao = { .libc = o->c.libc, .decoder = o->c.decoder };
	struct sarif_options so = { 0 };
	struct diag d = { print_error, NULL };
	int status = EXIT_TROUBLE, nocache = 1;
	size_t suppressed = 0, selected = 0;
	char *text = NULL, *root = NULL, *cwd = NULL;
	bool sarif = !strcmp(o->format, "sarif") || !strcmp(o->format, "github");

	if ((sarif && report_sarif_resolve(o->source_root, &root, &cwd, &d)) ||
	    load_suppressions(o, &sup) || !(ao.rules = rules = cli_load_rules(&o->c)) ||
	    fleet_inputs(&o->c.fleet, paths, npaths, &units, &saved) ||
	    (nocache = fleet_cache_init(&o->c.fleet, &o->c.rule_files, o->c.libc, &fc)) < 0)
		goto out;
	so.source_root = root;
	so.cwd = cwd;
	if (!strncmp(o->format, "json", 4)) {
		status = run_streamed(o, &units, &ao, sup, nocache ? NULL : &fc, &saved, &res);
		goto out;
	}
	if (pool_run_cached(&units, &ao, o->c.jobs, isatty(STDERR_FILENO), o->verbosity,
			    nocache ? NULL : &fc.pool, &res) ||
	    (sup && finding_filter_apply_all(res.reports, res.n, sup, &suppressed)) ||
	    (sup && finding_filter_apply_all(saved.mods, saved.n, sup, &suppressed)) ||
	    finding_filter_select_all(res.reports, res.n, &o->select, &selected) ||
	    finding_filter_select_all(saved.mods, saved.n, &o->select, &selected)) {
		cli_error("out of memory");
		goto out;
	}
	pool_print_messages(&res);
	if (!nocache)
		fleet_cache_report(&fc, units.n, o->verbosity);
	if (sup && o->verbosity >= DIAG_INFO)
		cli_error("%zu finding%s suppressed", suppressed, suppressed == 1 ? "" : "s");
	text = render(o, &res, &saved, sarif ? &so : NULL);
	if (!text) {
		cli_error("out of memory");
		goto out;
	}
	if (cli_write(&o->c, text) == 0)
		status = res.failed || saved.errors.n ? EXIT_TROUBLE : EXIT_CLEAN;
out:
	free(text);
	free(root);
	free(cwd);
	free(sup);
	pool_result_free(&res);
	saved_results_clear(&saved);
	input_list_free(&units);
	rules_free(rules);
	return status;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_opts o = { 0 };
	int r = parse(argc, argv, &o), status;

	if (r)
		status = r > 0 ? EXIT_CLEAN : EXIT_TROUBLE;
	else
		status = run(&o, argv + optind, argc - optind);
	strlist_free(&o.c.rule_files);
	return status;
}
