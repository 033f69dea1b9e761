/* confine scan: audit ELF objects and print findings as text, JSON or SARIF. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "finding_filter.h"
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

/* scan's own long options; cli_main adds the common ones. */
static const struct option longopts[] = {
	{ "show-ignored", no_argument, NULL, 'I' },
	{ "show-protected", no_argument, NULL, 'U' },
	{ "kind", required_argument, NULL, 'K' },
	{ "min-severity", required_argument, NULL, 'M' },
	{ "summary", no_argument, NULL, 'Y' },
	{ "group-by", required_argument, NULL, 'G' },
	{ "limit", required_argument, NULL, 'N' },
	{ "via", required_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct scan_opts {
	struct common_opts c;
	bool show_ignored;
	bool show_protected;
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

/* scan's own options (the common ones are cli_main's): 1 handled, 0 not one of them, -1 on a
 * bad value (reported). */
static int option(void *opts, int opt, const char *arg)
{
	struct scan_opts *o = opts;

	switch (opt) {
	case 'I':
		o->show_ignored = true;
		return 1;
	case 'U':
		o->show_protected = true;
		return 1;
	case 'K':
		return parse_kinds(arg, &o->select.kinds) ? -1 : 1;
	case 'M':
		if (strcmp(arg, "warning") && strcmp(arg, "error")) {
			cli_error("--min-severity: '%s' is not one of warning, error", arg);
			return -1;
		}
		o->select.min_severity = strcmp(arg, "error") ? SEVERITY_WARNING : SEVERITY_ERROR;
		return 1;
	case 'Y':
		o->text.summary = true;
		return 1;
	case 'G':
		if (strcmp(arg, "function") && strcmp(arg, "state")) {
			cli_error("--group-by: '%s' is not one of function, state", arg);
			return -1;
		}
		o->text.group_by_state = !strcmp(arg, "state");
		return 1;
	case 'N':
		return parse_count("--limit", arg, false, &o->text.limit) ? -1 : 1;
	case 'V':
		return parse_count("--via", arg, true, &o->text.via) ? -1 : 1;
	default:
		return 0;
	}
}

static int validate(void *opts)
{
	struct scan_opts *o = opts;
	const char *f = o->c.format ? o->c.format : (o->c.format = "text");

	if (strcmp(f, "text") && strcmp(f, "json") && strcmp(f, "jsonl") && strcmp(f, "sarif") &&
	    report_lines_style(f) < 0) {
		cli_error("--format: '%s' is not one of text, json, jsonl, sarif, gcc, github", f);
		return -1;
	}
	return 0;
}

static void print_suppressed(const struct scan_opts *o, const struct cli_scan *s, size_t n)
{
	if (s->sup && o->c.verbosity >= DIAG_INFO)
		cli_error("%zu finding%s suppressed", n, n == 1 ? "" : "s");
}

/* The whole report in a format other than JSON; NULL when out of memory. */
static char *render(const struct scan_opts *o, struct cli_scan *s)
{
	struct sarif_options so = { s->root, s->cwd, &s->errors };
	struct text_options to = o->text;
	int style = report_lines_style(o->c.format);
	bool sarif = s->root != NULL;   /* resolved for sarif and github alone */

	if (style >= 0)
		return report_lines_render(s->ok, s->nok, style, sarif ? &so : NULL);
	if (sarif)
		return report_sarif_render(s->ok, s->nok, &so);
	to.show_protected = o->show_protected;
	to.color = o->c.color;
	to.show_ignored = o->show_ignored;
	return report_text_render(s->ok, s->nok, &to);
}

/* JSON and JSON Lines are written while the scan goes on: each module as soon as it and those
 * before it are done, and then freed, so that memory does not grow with the report. The thread
 * that analysed (or read) a module also filters it and renders its text, up to RENDER_LIMIT,
 * so that the caller's thread, which writes the modules in order, is not the one bottleneck. A
 * bigger module keeps its report, which takes less memory than its text, and is written from it
 * as a lone input's is. */
#define RENDER_LIMIT (8u << 20)

/* What a worker made of unit i for the writer. */
struct prepared {
	struct json_text text;        /* v NULL: not rendered (the report is written as it is) */
	size_t suppressed, selected;
	int err;
};

struct stream {
	struct json_stream *js;
	struct suppress_set *sup;
	const struct finding_select *select;   /* --kind, --min-severity */
	bool lines, show_ignored, render;      /* render: in the workers (more than one unit) */
	struct prepared *ready;                /* [units] */
	size_t suppressed, selected;
	int err;
};

static int write_file(void *ctx, const char *text, size_t len)
{
	return fwrite(text, 1, len, ctx) == len ? 0 : errno ? -errno : -EIO;
}

/* On the worker: --suppressions, --kind and --min-severity, then the text where it pays. */
static void stream_prepare(void *ctx, size_t i, struct pool_result *res)
{
	struct stream *st = ctx;
	struct prepared *pr = &st->ready[i];
	struct module_report **r = &res->reports[i];

	if (!*r)
		return;
	if ((st->sup && finding_filter_apply_all(r, 1, st->sup, &pr->suppressed)) ||
	    finding_filter_select_all(r, 1, st->select, &pr->selected)) {
		pr->err = -ENOMEM;
		return;
	}
	if (st->render && report_json_module_text(*r, st->lines, st->show_ignored, RENDER_LIMIT,
						  &pr->text) == 0) {
		module_report_free(*r);
		*r = NULL;
	}
}

/* On the caller's thread, in input order: the unit's errors, then its module. */
static void stream_unit(void *ctx, size_t i, struct pool_result *res)
{
	struct stream *st = ctx;
	struct prepared *pr = &st->ready[i];
	struct module_report *r = res->reports[i];

	for (size_t k = 0; k < res->messages[i].n && !st->err; k++)
		if (!strncmp(res->messages[i].v[k], "error: ", 7))
			st->err = report_json_error(st->js, res->messages[i].v[k] + 7);
	/* After a write error the worker's counts are not the writer's: a unit the writer never
	 * got to counts for nothing, as when the writer filtered. */
	if (!st->err) {
		st->suppressed += pr->suppressed;
		st->selected += pr->selected;
		st->err = pr->err;
	}
	if (pr->text.v && !st->err)
		st->err = report_json_put_text(st->js, &pr->text);
	else if (r && !st->err)
		st->err = report_json_module(st->js, r);
	free(pr->text.v);
	pr->text.v = NULL;
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

static int run_streamed(const struct scan_opts *o, struct cli_scan *s)
{
	struct stream st = { .sup = s->sup, .select = &o->select, .lines = !strcmp(o->c.format, "jsonl"),
			     .show_ignored = o->show_ignored, .render = s->units.n > 1 };
	struct pool_sink sink = { stream_unit, &st, stream_prepare };
	struct cli_stream out;
	int err;

	if (cli_stream_open(&o->c, &out))
		return EXIT_TROUBLE;
	st.ready = calloc(s->units.n + 1, sizeof(*st.ready));
	st.js = st.ready ? report_json_open(st.lines, o->show_ignored, write_file, out.f) : NULL;
	err = st.js ? pool_run_streaming(&s->units, &s->ao, o->c.jobs, isatty(STDERR_FILENO),
					 o->c.verbosity, s->cache, &sink, &s->res) : -ENOMEM;
	if (!err && !st.err)
		st.err = stream_saved(&st, &s->saved);
	err = report_json_close(st.js) ?: st.err ?: err;
	for (size_t i = 0; st.ready && i < s->units.n; i++)   /* left by an error */
		free(st.ready[i].text.v);
	free(st.ready);
	cli_scan_messages(s, &o->c);
	print_suppressed(o, s, st.suppressed);
	if (err == -ENOMEM)
		cli_error("out of memory");
	if (cli_stream_close(&o->c, &out, err))
		return EXIT_TROUBLE;
	return s->res.failed || s->saved.errors.n ? EXIT_TROUBLE : EXIT_CLEAN;
}

static int run(void *opts, char **paths, int npaths)
{
	const struct scan_opts *o = opts;
	struct cli_scan s = { 0 };
	int status = EXIT_TROUBLE;
	size_t selected = 0;

	if (cli_scan_load(&s, &o->c, paths, npaths))
		goto out;
	if (!strncmp(o->c.format, "json", 4)) {
		status = run_streamed(o, &s);
		goto out;
	}
	if (cli_scan_analyze(&s, &o->c))
		goto out;
	if (finding_filter_select_all(s.ok, s.nok, &o->select, &selected)) {
		cli_error("out of memory");
		goto out;
	}
	print_suppressed(o, &s, s.suppressed);
	if (cli_write_free(&o->c, render(o, &s)) == 0)
		status = s.res.failed ? EXIT_TROUBLE : EXIT_CLEAN;
out:
	cli_scan_free(&s);
	return status;
}

int cmd_scan(int argc, char **argv)
{
	static const struct cli_command cmd = {
		"scan", usage, CLI_OUTPUT | CLI_RULES | CLI_JOBS | CLI_FORMAT | CLI_SUPPRESS | CLI_SOURCE_ROOT |
		CLI_VERBOSE | CLI_COLOR | CLI_DECODER | CLI_FLEET, NULL, longopts, "PATH", option, validate, run,
	};
	struct scan_opts o = {
		.select.min_severity = SEVERITY_WARNING,
		.text = { .limit = TEXT_DEFAULT_LIMIT, .via = TEXT_DEFAULT_VIA },
	};

	return cli_main(&cmd, &o.c, &o, argc, argv);
}
