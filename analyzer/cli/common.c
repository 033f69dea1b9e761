/* CLI: option handling, rule loading, input expansion and output shared by subcommands. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "finding_filter.h"
#include "text.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("confine: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_common_init(struct common_opts *c)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(c, 0, sizeof(*c));
	c->libc = LIBC_ANY;
	c->jobs = n > 0 ? (int)n : 1;
	c->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	c->format = "text";
	c->verbosity = DIAG_WARN;
}

static int parse_jobs(const char *arg, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v < 1 || v > 1024)
		return -1;
	*out = (int)v;
	return 0;
}

int cli_common_option(struct common_opts *c, int opt, const char *arg)
{
	int libc;

	switch (opt) {
	case 'R':
		if (strlist_add(&c->rule_files, arg, false))
			return -1;
		return 1;
	case 'L':
		if ((libc = rules_libc_parse(arg)) < 0) {
			cli_error("--libc: '%s' is not one of glibc, posix, any", arg);
			return -1;
		}
		c->libc = (unsigned)libc;
		return 1;
	case 'j':
		if (parse_jobs(arg, &c->jobs)) {
			cli_error("-j: '%s' is not a number of jobs (1-1024)", arg);
			return -1;
		}
		return 1;
	case 'C':
		c->color = false;
		return 1;
	case 'o':
		c->output = arg;
		c->color = false;
		return 1;
	case 'f':
		c->format = arg;
		return 1;
	case 'S':
		c->suppressions = arg;
		return 1;
	case 'v':
		c->verbosity = c->verbosity < DIAG_DEBUG ? c->verbosity + 1 : DIAG_DEBUG;
		return 1;
	case 'D':
		if (strcmp(arg, "zydis") && strcmp(arg, "capstone")) {
			cli_error("--decoder: '%s' is not one of zydis, capstone", arg);
			return -1;
		}
		c->decoder = strcmp(arg, "zydis") ? DISASM_CAPSTONE : DISASM_ZYDIS;
		return 1;
	default:
		return fleet_option(&c->fleet, opt, arg);
	}
}

static void print_diag(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level <= DIAG_WARN)
		cli_error("%s%s", level == DIAG_WARN ? "warning: " : "", msg);
}

struct rules *cli_load_rules(const struct common_opts *c)
{
	struct diag d = { print_diag, NULL };
	struct rules *r = rules_new();

	if (!r || rules_load_builtin(r, &d)) {
		rules_free(r);
		cli_error("cannot load the built-in rules");
		return NULL;
	}
	for (size_t i = 0; i < c->rule_files.n; i++)
		if (rules_load_file(r, c->rule_files.v[i], &d)) {
			rules_free(r);
			return NULL;
		}
	return r;
}

int cli_expand(struct input_list *list, char **paths, int n)
{
	for (int i = 0; i < n; i++)
		if (input_expand(list, paths[i])) {
			cli_error("out of memory");
			return -1;
		}
	return 0;
}

int cli_write(const struct common_opts *c, const char *text)
{
	int err;

	if (c->output) {
		if ((err = text_write_file(c->output, text)) == 0)
			return 0;
		cli_error("%s: cannot write: %s", c->output, strerror(-err));
		return -1;
	}
	fputs(text, stdout);
	if (ferror(stdout) | fflush(stdout)) {
		cli_error("standard output: write error");
		return -1;
	}
	return 0;
}

void cli_bad_option(const char *cmd, int opt, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (opt == ':')
		cli_error("%s: option '%s' needs a value (try 'confine %s --help')", cmd, arg, cmd);
	else
		cli_error("%s: unknown option '%s' (try 'confine %s --help')", cmd, arg, cmd);
}

int cli_check_format(const struct common_opts *c)
{
	if (strcmp(c->format, "text") && strcmp(c->format, "json") && strcmp(c->format, "sarif")) {
		cli_error("--format: '%s' is not one of text, json, sarif", c->format);
		return -1;
	}
	return 0;
}

/* Returns -1 to stop with EXIT_TROUBLE, 1 after --help, 0 to go on. */
static int parse(const struct cli_command *cmd, struct common_opts *c, void *opts, int argc, char **argv)
{
	int opt, r;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, cmd->shortopts, cmd->longopts, NULL)) != -1) {
		if ((r = cli_common_option(c, opt, optarg)) == 0 && opt != 'h' && cmd->option)
			r = cmd->option(opts, opt, optarg);
		if (r > 0)
			continue;
		if (r < 0)
			return -1;
		if (opt == 'h') {
			fputs(cmd->usage, stdout);
			return 1;
		}
		cli_bad_option(cmd->name, opt, argv);
		return -1;
	}
	if (cmd->validate && cmd->validate(opts))
		return -1;
	if (cmd->needs_paths && optind >= argc) {
		cli_error("%s: no PATH given (try 'confine %s --help')", cmd->name, cmd->name);
		return -1;
	}
	return 0;
}

int cli_main(const struct cli_command *cmd, struct common_opts *c, void *opts, int argc, char **argv)
{
	int r, status;

	cli_common_init(c);
	r = parse(cmd, c, opts, argc, argv);
	if (r)
		status = r > 0 ? EXIT_CLEAN : EXIT_TROUBLE;
	else
		status = cmd->run(opts, argv + optind, argc - optind);
	strlist_free(&c->rule_files);
	return status;
}

static void print_error(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		cli_error("error: %s", msg);
}

const struct diag cli_diag = { print_error, NULL };

/* Keeps the usable reports and the "error: " messages of the unusable inputs, then the saved
 * results and their errors. */
static int collect(struct cli_scan *s)
{
	int saved_errors;

	if (!(s->ok = calloc(s->res.n + s->saved.n + 1, sizeof(*s->ok))))
		return -1;
	for (size_t i = 0; i < s->res.n; i++) {
		if (s->res.reports[i])
			s->ok[s->nok++] = s->res.reports[i];
		for (size_t k = 0; k < s->res.messages[i].n; k++)
			if (!strncmp(s->res.messages[i].v[k], "error: ", 7) &&
			    strlist_add(&s->errors, s->res.messages[i].v[k] + 7, false))
				return -1;
	}
	if ((saved_errors = fleet_take_saved(&s->saved, s->ok, &s->nok, &s->errors)) < 0)
		return -1;
	s->res.failed += (size_t)saved_errors;
	return 0;
}

int cli_scan_run(struct cli_scan *s, const struct common_opts *c, char **paths, int npaths)
{
	struct analysis_options ao = { .libc = c->libc, .decoder = c->decoder };
	int nocache;

	if (c->suppressions) {
		if (!(s->sup = calloc(1, sizeof(*s->sup)))) {
			cli_error("out of memory");
			return -1;
		}
		if (suppress_load(s->sup, c->suppressions, &cli_diag))
			return -1;
	}
	if (!(ao.rules = s->rules = cli_load_rules(c)) ||
	    fleet_inputs(&c->fleet, paths, npaths, &s->units, &s->saved) ||
	    (nocache = fleet_cache_init(&c->fleet, &c->rule_files, c->libc, &s->fc)) < 0)
		return -1;
	if (pool_run_cached(&s->units, &ao, c->jobs, isatty(STDERR_FILENO), c->verbosity,
			    nocache ? NULL : &s->fc.pool, &s->res) ||
	    (s->sup && finding_filter_apply_all(s->res.reports, s->res.n, s->sup, &s->suppressed)) ||
	    (s->sup && finding_filter_apply_all(s->saved.mods, s->saved.n, s->sup, &s->suppressed))) {
		cli_error("out of memory");
		return -1;
	}
	pool_print_messages(&s->res);
	if (!nocache)
		fleet_cache_report(&s->fc, s->units.n, c->verbosity);
	if (collect(s)) {
		cli_error("out of memory");
		return -1;
	}
	return 0;
}

void cli_scan_free(struct cli_scan *s)
{
	free(s->ok);
	strlist_free(&s->errors);
	pool_result_free(&s->res);
	saved_results_clear(&s->saved);
	input_list_free(&s->units);
	free(s->sup);
	rules_free(s->rules);
}
