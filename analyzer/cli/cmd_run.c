/* confine run: runs a program under the runtime guard (LD_PRELOAD and CONFINE_OPTIONS). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "explain.h"
#include "options.h"
#include "suppress.h"

static const char usage[] =
	"usage: confine run [--options KEY=VAL:...] [--explain] -- PROGRAM [ARGS...]\n"
	"Run PROGRAM with the runtime guard preloaded: every confined function (libc functions with\n"
	"hidden state, and the functions 'confine scan' marks [guard] in the program and its own\n"
	"libraries, patched at their entry) must run on the thread that owns its domain; other\n"
	"calls are reported.\n"
	"\n"
	"  --options OPTS   guard options, key=value separated by ':' or spaces (added to\n"
	"                   CONFINE_OPTIONS)\n"
	"  --explain        print the patch plan (what is confined in each module, how, and why not)\n"
	"                   without running the program\n"
	"  --help-options   list the guard options with their defaults\n"
	"  -h, --help       this help\n"
	"\n"
	"The guard library is found beside this program (../lib/libconfine_guard.so) unless\n"
	"CONFINE_GUARD names it. The guard's options, reports and limits: confine-guard(7).\n"
	"\n"
	"Exit status: the program's own; 'exitcode' (default 66) when violations were reported\n"
	"and it would have exited 0; 127 if it cannot be run, or is statically linked (the guard\n"
	"cannot be preloaded into it), also with --explain; 2 if the guard library is missing or\n"
	"the options are wrong.\n";

static void help_options(void)
{
	fflush(stdout);
	options_help(STDOUT_FILENO);
}

/* The guard library beside this executable: PREFIX/lib/libconfine_guard.so for PREFIX/bin/confine
 * (a canonical path: it shows in LD_PRELOAD). */
static int find_guard(char *out, size_t len)
{
	const char *env = getenv("CONFINE_GUARD");
	char self[PATH_MAX], lib[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return access(out, R_OK);
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if ((size_t)snprintf(out, len, "%.*s/../lib/libconfine_guard.so", (int)(len - 32), self) >= len)
		return -1;
	if (!realpath(out, lib) || strlen(lib) >= len)
		return -1;
	strcpy(out, lib);
	return access(out, R_OK);
}

static int set_env(const char *guard, const char *options)
{
	const char *pre = getenv("LD_PRELOAD"), *opts = getenv("CONFINE_OPTIONS");
	char *value = NULL;
	int err;

	if (asprintf(&value, "%s%s%s", guard, pre && *pre ? ":" : "", pre ? pre : "") < 0)
		return -1;
	err = setenv("LD_PRELOAD", value, 1);
	free(value);
	if (err || !options)
		return err;
	if (asprintf(&value, "%s%s%s", opts ? opts : "", opts && *opts ? ":" : "", options) < 0)
		return -1;
	err = setenv("CONFINE_OPTIONS", value, 1);
	free(value);
	return err;
}

/* The options the guard would see: CONFINE_OPTIONS, then --options. */
static int explain_with(const char *options, const char *program)
{
	const char *env = getenv("CONFINE_OPTIONS");
	char *all = NULL;
	int status;

	if (asprintf(&all, "%s%s%s", env ? env : "", env && *env && options ? ":" : "", options ? options : "") < 0)
		return EXIT_TROUBLE;
	status = explain_program(program, all);
	free(all);
	return status;
}

static void options_diag(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	cli_error("run: --options: %s", msg);
}

/* --options reach the guard inside CONFINE_OPTIONS, whose name its errors would give: they are
 * checked here first, as the guard checks them at start-up (values, log_path, suppressions). */
static int check_options(const char *options)
{
	static struct suppress_set supp;
	struct diag d = { options_diag, NULL };
	char err[256];

	if (!options)
		return 0;
	if (options_parse(options, err, sizeof(err))) {
		cli_error("run: --options: %s", err);
		return -1;
	}
	if (guard_flags.help || !guard_flags.suppressions[0])
		return 0;
	return suppress_load(&supp, guard_flags.suppressions, &d) ? -1 : 0;
}

static const struct option longopts[] = {
	{ "options", required_argument, NULL, 'O' },
	{ "help-options", no_argument, NULL, 'H' },
	{ "explain", no_argument, NULL, 'E' },
	{ NULL, 0, NULL, 0 },
};

struct run_opts {
	struct common_opts c;   /* none of them is an option of run */
	const char *options;
	bool explain;
};

/* run's options: 1 handled, CLI_DONE after --help-options, 0 not one of them. */
static int option(void *opts, int opt, const char *arg)
{
	struct run_opts *o = opts;

	switch (opt) {
	case 'O':
		o->options = arg;
		return 1;
	case 'E':
		o->explain = true;
		return 1;
	case 'H':
		help_options();
		return CLI_DONE;
	default:
		return 0;
	}
}

/* Replaces this process with the program (argv: PROGRAM ARGS...); returns only on failure. */
static int run(void *opts, char **argv, int n)
{
	const struct run_opts *o = opts;
	char guard[PATH_MAX];

	(void)n;
	if (check_options(o->options))
		return EXIT_TROUBLE;
	/* LD_PRELOAD is the loader's: a static program would run unguarded, without a word. */
	if (!explain_preloadable(argv[0]))
		return 127;
	if (o->explain)
		return explain_with(o->options, argv[0]);
	if (find_guard(guard, sizeof(guard))) {
		cli_error("run: cannot find the guard library %s (build it, or set CONFINE_GUARD)", guard);
		return EXIT_TROUBLE;
	}
	if (set_env(guard, o->options)) {
		cli_error("run: cannot set the environment: %s", strerror(errno));
		return EXIT_TROUBLE;
	}
	execvp(argv[0], argv);
	cli_error("run: %s: %s", argv[0], strerror(errno));
	return 127;
}

int cmd_run(int argc, char **argv)
{
	/* '+': the options end at PROGRAM, whose own options are its arguments. */
	static const struct cli_command cmd = { "run", usage, 0, "+", longopts, "PROGRAM", option, NULL, run };
	struct run_opts o = { 0 };

	return cli_main(&cmd, &o.c, &o, argc, argv);
}
