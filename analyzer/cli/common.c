/* CLI: what the subcommands share: option parsing (cli_main), rule loading, the analysis of the
 * PATH operands (cli_scan) and the output. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "finding_filter.h"
#include "report_sarif.h"
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

/* Defaults before parsing: every core, libc any, colour on a terminal without NO_COLOR. */
static void common_init(struct common_opts *c)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(c, 0, sizeof(*c));
	c->libc = LIBC_ANY;
	c->jobs = n > 0 ? (int)n : 1;
	c->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
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

/* The common options whose value needs checking: 1 handled, 0 not one of them, -1 bad value. */
static int common_value(struct common_opts *c, int opt, const char *arg)
{
	int libc;

	switch (opt) {
	case 'R':
		return strlist_add(&c->rule_files, arg, false) ? -1 : 1;
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

/* Every common option (those a command's table lists reach here): 1, 0 or -1 as above. */
static int common_option(struct common_opts *c, int opt, const char *arg)
{
	switch (opt) {
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
	case 'P':
		c->source_root = arg;
		return 1;
	case 'v':
		c->verbosity = c->verbosity < DIAG_DEBUG ? c->verbosity + 1 : DIAG_DEBUG;
		return 1;
	default:
		return common_value(c, opt, arg);
	}
}

static void print_error(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		cli_error("error: %s", msg);
}

const struct diag cli_diag = { print_error, NULL };

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

int cli_write_free(const struct common_opts *c, char *text)
{
	int err;

	if (!text) {
		cli_error("out of memory");
		return -1;
	}
	err = cli_write(c, text);
	free(text);
	return err;
}

/* A getopt failure ('?' unknown option, ':' missing value; opterr is 0) in one line. */
static void bad_option(const char *cmd, int opt, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (opt == ':')
		cli_error("%s: option '%s' needs a value (try 'confine %s --help')", cmd, arg, cmd);
	else
		cli_error("%s: unknown option '%s' (try 'confine %s --help')", cmd, arg, cmd);
}

/* The long common options, each with the set that brings it. */
static const struct {
	unsigned set;
	struct option opt;
} common_longopts[] = {
	{ CLI_OUTPUT, { "output", required_argument, NULL, 'o' } },
	{ CLI_RULES, { "rules", required_argument, NULL, 'R' } },
	{ CLI_RULES, { "libc", required_argument, NULL, 'L' } },
	{ CLI_JOBS, { "jobs", required_argument, NULL, 'j' } },
	{ CLI_FORMAT, { "format", required_argument, NULL, 'f' } },
	{ CLI_SUPPRESS, { "suppressions", required_argument, NULL, 'S' } },
	{ CLI_SOURCE_ROOT, { "source-root", required_argument, NULL, 'P' } },
	{ CLI_VERBOSE, { "verbose", no_argument, NULL, 'v' } },
	{ CLI_COLOR, { "no-color", no_argument, NULL, 'C' } },
	{ CLI_DECODER, { "decoder", required_argument, NULL, 'D' } },
	{ CLI_FLEET, { "shard", required_argument, NULL, FLEET_OPT_SHARD } },
	{ CLI_FLEET, { "cache", optional_argument, NULL, FLEET_OPT_CACHE } },
};
enum { NCOMMON = sizeof(common_longopts) / sizeof(*common_longopts) };

/* getopt's tables for cmd: the common options it takes, its own, -h and --help. shortopts has
 * room for 32 bytes. Returns the long options (free them), NULL when out of memory. */
static struct option *options_of(const struct cli_command *cmd, char *shortopts)
{
	const char *own = cmd->shortopts ? cmd->shortopts : "";
	size_t n = 0, nown = 0;
	struct option *all;

	/* ':' (after '+') first: getopt reports a missing value apart from an unknown option. */
	snprintf(shortopts, 32, "%s:%s%s%s%sh%s", *own == '+' ? "+" : "",
		 cmd->common & CLI_FORMAT ? "f:" : "", cmd->common & CLI_OUTPUT ? "o:" : "",
		 cmd->common & CLI_JOBS ? "j:" : "", cmd->common & CLI_VERBOSE ? "v" : "", own + (*own == '+'));
	while (cmd->longopts && cmd->longopts[nown].name)
		nown++;
	all = calloc(NCOMMON + nown + 2, sizeof(*all));
	for (size_t i = 0; all && i < NCOMMON; i++)
		if (cmd->common & common_longopts[i].set)
			all[n++] = common_longopts[i].opt;
	for (size_t i = 0; all && i < nown; i++)
		all[n++] = cmd->longopts[i];
	if (all)
		all[n] = (struct option){ "help", no_argument, NULL, 'h' };
	return all;
}

/* The getopt loop. Returns -1 to stop with EXIT_TROUBLE, 1 to stop with EXIT_CLEAN (--help),
 * 0 to go on. */
static int parse_options(const struct cli_command *cmd, struct common_opts *c, void *opts, int argc,
			 char **argv, const char *shortopts, const struct option *longopts)
{
	int opt, r;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if ((r = common_option(c, opt, optarg)) == 0 && opt != 'h' && cmd->option)
			r = cmd->option(opts, opt, optarg);
		if (r == 1)
			continue;
		if (r != 0)
			return r == CLI_DONE ? 1 : -1;
		if (opt == 'h') {
			fputs(cmd->usage, stdout);
			return 1;
		}
		bad_option(cmd->name, opt, argv);
		return -1;
	}
	return 0;
}

/* The options, then the command's checks, then the operand: -1, 1 or 0 as parse_options. */
static int parse(const struct cli_command *cmd, struct common_opts *c, void *opts, int argc, char **argv)
{
	char shortopts[32];
	struct option *longopts = options_of(cmd, shortopts);
	int r;

	if (!longopts) {
		cli_error("out of memory");
		return -1;
	}
	r = parse_options(cmd, c, opts, argc, argv, shortopts, longopts);
	free(longopts);
	if (r)
		return r;
	if (cmd->validate && cmd->validate(opts))
		return -1;
	if (cmd->operand && optind >= argc) {
		cli_error("%s: no %s given (try 'confine %s --help')", cmd->name, cmd->operand, cmd->name);
		return -1;
	}
	return 0;
}

int cli_main(const struct cli_command *cmd, struct common_opts *c, void *opts, int argc, char **argv)
{
	int r, status;

	common_init(c);
	r = parse(cmd, c, opts, argc, argv);
	if (r)
		status = r > 0 ? EXIT_CLEAN : EXIT_TROUBLE;
	else
		status = cmd->run(opts, argv + optind, argc - optind);
	strlist_free(&c->rule_files);
	return status;
}

int cli_stream_open(const struct common_opts *c, struct cli_stream *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (!c->output) {
		s->f = stdout;
		return 0;
	}
	/* Like cli_write: a regular file (not a symlink) is replaced at once, through PATH.tmp.PID. */
	if ((lstat(c->output, &st) || S_ISREG(st.st_mode)) &&
	    asprintf(&s->tmp, "%s.tmp.%ld", c->output, (long)getpid()) < 0) {
		cli_error("out of memory");
		return -1;
	}
	s->f = fopen(s->tmp ? s->tmp : c->output, "we");
	if (!s->f) {
		cli_error("%s: cannot write: %s", c->output, strerror(errno));
		free(s->tmp);
		return -1;
	}
	return 0;
}

int cli_stream_close(const struct common_opts *c, struct cli_stream *s, int err)
{
	bool failed = ferror(s->f) | (s->f == stdout ? fflush(stdout) : fclose(s->f));

	if (!err && failed)
		err = errno ? -errno : -EIO;
	if (!err && s->tmp && rename(s->tmp, c->output))
		err = -errno;
	if (err && s->tmp)
		unlink(s->tmp);
	free(s->tmp);
	if (err && err != -ENOMEM) {
		if (c->output)
			cli_error("%s: cannot write: %s", c->output, strerror(-err));
		else
			cli_error("standard output: write error");
	}
	return err ? -1 : 0;
}

int cli_scan_load(struct cli_scan *s, const struct common_opts *c, char **paths, int npaths)
{
	bool sarif = c->format && (!strcmp(c->format, "sarif") || !strcmp(c->format, "github"));
	int nocache;

	if (sarif && report_sarif_resolve(c->source_root, &s->root, &s->cwd, &cli_diag))
		return -1;
	if (c->suppressions) {
		if (!(s->sup = calloc(1, sizeof(*s->sup)))) {
			cli_error("out of memory");
			return -1;
		}
		if (suppress_load(s->sup, c->suppressions, &cli_diag))
			return -1;
	}
	s->ao = (struct analysis_options){ .libc = c->libc, .decoder = c->decoder };
	if (!(s->ao.rules = s->rules = cli_load_rules(c)) ||
	    fleet_inputs(&c->fleet, paths, npaths, &s->units, &s->saved) ||
	    (nocache = fleet_cache_init(&c->fleet, &c->rule_files, c->libc, &s->fc)) < 0)
		return -1;
	s->cache = nocache ? NULL : &s->fc.pool;
	return 0;
}

void cli_scan_messages(const struct cli_scan *s, const struct common_opts *c)
{
	pool_print_messages(&s->res);
	if (s->cache)
		fleet_cache_report(&s->fc, s->units.n, c->verbosity);
}

/* Keeps the usable reports and the "error: " messages of the unusable inputs, then the saved
 * results and their errors (counted as failed inputs). */
static int collect(struct cli_scan *s)
{
	int saved_errors;

	if (!(s->ok = calloc(s->res.n + s->saved.n + 1, sizeof(*s->ok))))
		goto nomem;
	for (size_t i = 0; i < s->res.n; i++) {
		if (s->res.reports[i])
			s->ok[s->nok++] = s->res.reports[i];
		for (size_t k = 0; k < s->res.messages[i].n; k++)
			if (!strncmp(s->res.messages[i].v[k], "error: ", 7) &&
			    strlist_add(&s->errors, s->res.messages[i].v[k] + 7, false))
				goto nomem;
	}
	if ((saved_errors = fleet_take_saved(&s->saved, s->ok, &s->nok, &s->errors)) < 0)
		return -1;
	s->res.failed += (size_t)saved_errors;
	return 0;
nomem:
	cli_error("out of memory");
	return -1;
}

int cli_scan_analyze(struct cli_scan *s, const struct common_opts *c)
{
	if (pool_run_cached(&s->units, &s->ao, c->jobs, isatty(STDERR_FILENO), c->verbosity, s->cache,
			    &s->res) ||
	    (s->sup && finding_filter_apply_all(s->res.reports, s->res.n, s->sup, &s->suppressed)) ||
	    (s->sup && finding_filter_apply_all(s->saved.mods, s->saved.n, s->sup, &s->suppressed))) {
		cli_error("out of memory");
		return -1;
	}
	cli_scan_messages(s, c);
	return collect(s);
}

int cli_scan_run(struct cli_scan *s, const struct common_opts *c, char **paths, int npaths)
{
	return cli_scan_load(s, c, paths, npaths) || cli_scan_analyze(s, c) ? -1 : 0;
}

void cli_scan_free(struct cli_scan *s)
{
	free(s->ok);
	strlist_free(&s->errors);
	pool_result_free(&s->res);
	saved_results_clear(&s->saved);
	input_list_free(&s->units);
	free(s->sup);
	free(s->root);
	free(s->cwd);
	rules_free(s->rules);
}
