/* confine policy: writes the runtime guard's policy (the functions to confine, per build-id). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "policy.h"
#include "pool.h"

static const char usage[] =
	"usage: confine policy [options] -o FILE PATH...\n"
	"Write the runtime guard's policy for the given modules: the functions it confines in each,\n"
	"keyed by build-id. Give it to the guard with policy=FILE. Typical use: confine a stripped\n"
	"executable with the policy of its unstripped build (strip keeps the build-id).\n"
	"\n"
	"  -o, --output FILE  where to write the policy (default: standard output)\n"
	"      --rules FILE   add rules from FILE (format: confine-rules(5)); repeatable\n"
	"      --libc SET     rule set: glibc, posix or any (default any)\n"
	"  -j, --jobs N       parallel jobs (default: number of cores)\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit status: 0 written, 2 an input was unusable (then nothing is written) or the command\n"
	"line is wrong.\n";

static int build(const struct pool_result *res, const struct rules *rules, char **text)
{
	struct policy p = { 0 };
	char digest[17];
	int err = 0;

	for (size_t i = 0; !err && i < res->n; i++)
		if (res->reports[i])
			err = policy_add_report(&p, res->reports[i], rules);
	policy_digest(rules_builtin(), digest);
	*text = err ? NULL : policy_render(&p, digest);
	policy_clear(&p);
	return *text ? 0 : -1;
}

static int run(const struct common_opts *c, char **paths, int n)
{
	struct input_list units = { 0 };
	struct pool_result res = { 0 };
	struct rules *rules = cli_load_rules(c);
	struct analysis_options ao = { .rules = rules, .libc = c->libc };
	int status = EXIT_TROUBLE;
	char *text = NULL;

	if (!rules || cli_expand(&units, paths, n))
		goto out;
	if (pool_run(&units, &ao, c->jobs, isatty(STDERR_FILENO), DIAG_WARN, &res) || build(&res, rules, &text)) {
		cli_error("out of memory");
		goto out;
	}
	pool_print_messages(&res);
	/* A policy without one of the modules asked for would confine less than expected. */
	if (!res.failed && cli_write(c, text) == 0)
		status = EXIT_CLEAN;
out:
	free(text);
	pool_result_free(&res);
	input_list_free(&units);
	rules_free(rules);
	return status;
}

int cmd_policy(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' }, { "rules", required_argument, NULL, 'R' },
		{ "libc", required_argument, NULL, 'L' },   { "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	struct common_opts c;
	int opt, r, status;

	cli_common_init(&c);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:j:h", longopts, NULL)) != -1) {
		if ((r = cli_common_option(&c, opt, optarg)) > 0)
			continue;
		if (r == 0 && opt == 'h')
			return fputs(usage, stdout), strlist_free(&c.rule_files), EXIT_CLEAN;
		if (r == 0)
			cli_bad_option("policy", opt, argv);
		strlist_free(&c.rule_files);
		return EXIT_TROUBLE;
	}
	if (optind >= argc) {
		cli_error("policy: no PATH given (try 'confine policy --help')");
		status = EXIT_TROUBLE;
	} else {
		status = run(&c, argv + optind, argc - optind);
	}
	strlist_free(&c.rule_files);
	return status;
}
