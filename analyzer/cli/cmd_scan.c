/* confine scan: audit ELF objects and print findings as text, JSON or SARIF. */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "report_json.h"
#include "report_sarif.h"
#include "report_text.h"

static const char usage[] =
	"usage: confine scan [options] PATH...\n"
	"Audit ELF objects (.o, .a members, .so, executables; x86-64) for thread-hostile state:\n"
	"mutable globals and statics, function-local statics, and calls to non-reentrant functions.\n"
	"A directory is scanned recursively for ELF files and archives.\n"
	"\n"
	"  -f, --format FMT   text (default), json or sarif (SARIF 2.1.0, for code scanning)\n"
	"  -o, --output FILE  write the report to FILE\n"
	"      --rules FILE   add rules from FILE (format: confine-rules(5)); repeatable\n"
	"      --libc SET     rule set: glibc, posix or any (default any)\n"
	"      --suppressions FILE\n"
	"                     leave out the findings that a kind:pattern line of FILE matches\n"
	"                     (pattern: a glob on the name, symbol, function or module file name)\n"
	"      --source-root DIR\n"
	"                     sarif: file URIs are relative to DIR (default: the current directory)\n"
	"  -j, --jobs N       parallel jobs (default: number of cores); the report is the same for any N\n"
	"      --decoder NAME zydis (default: Zydis decodes, capstone details what matters) or\n"
	"                     capstone (capstone alone: the same report, about twice the CPU)\n"
	FLEET_USAGE
	"      --show-ignored\n"
	"                     also list the data that is not a finding, with the reason\n"
	"      --show-protected\n"
	"                     text: also list protected state (a lock held at every access, atomic,\n"
	"                     written once while initialising, a signal flag), tagged with how\n"
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
	{ "no-color", no_argument, NULL, 'C' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	FLEET_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

struct scan_opts {
	struct common_opts c;
	const char *source_root;
	bool show_ignored, show_protected;
};

static int option(void *opts, int opt, const char *arg)
{
	struct scan_opts *o = opts;

	switch (opt) {
	case 'I':
		o->show_ignored = true;
		return 1;
	case 'P':
		o->source_root = arg;
		return 1;
	case 'U':
		o->show_protected = true;
		return 1;
	default:
		return 0;
	}
}

static int validate(void *opts)
{
	return cli_check_format(&((struct scan_opts *)opts)->c);
}

static char *render(const struct scan_opts *o, struct cli_scan *s, struct sarif_options *sarif)
{
	if (!strcmp(o->c.format, "json"))
		return report_json_render(s->ok, s->nok, &s->errors, o->show_ignored);
	if (sarif) {
		sarif->errors = &s->errors;
		return report_sarif_render(s->ok, s->nok, sarif);
	}
	return report_text_render(s->ok, s->nok,
				  &(struct text_options){ o->c.color, o->show_ignored, o->show_protected });
}

static int run(void *opts, char **paths, int npaths)
{
	const struct scan_opts *o = opts;
	struct cli_scan s = { 0 };
	struct sarif_options so = { 0 };
	int status = EXIT_TROUBLE;
	char *text = NULL, *root = NULL, *cwd = NULL;
	bool sarif = !strcmp(o->c.format, "sarif");

	if ((sarif && report_sarif_resolve(o->source_root, &root, &cwd, &cli_diag)) ||
	    cli_scan_run(&s, &o->c, paths, npaths))
		goto out;
	so.source_root = root;
	so.cwd = cwd;
	if (s.sup && o->c.verbosity >= DIAG_INFO)
		cli_error("%zu finding%s suppressed", s.suppressed, s.suppressed == 1 ? "" : "s");
	text = render(o, &s, sarif ? &so : NULL);
	if (!text) {
		cli_error("out of memory");
		goto out;
	}
	if (cli_write(&o->c, text) == 0)
		status = s.res.failed ? EXIT_TROUBLE : EXIT_CLEAN;
out:
	free(text);
	free(root);
	free(cwd);
	cli_scan_free(&s);
	return status;
}

int cmd_scan(int argc, char **argv)
{
	static const struct cli_command cmd = {
		"scan", usage, ":f:o:j:hv", longopts, true, option, validate, run,
	};
	struct scan_opts o = { 0 };

	return cli_main(&cmd, &o.c, &o, argc, argv);
}
