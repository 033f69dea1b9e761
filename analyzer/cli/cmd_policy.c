/* confine policy: writes the runtime guard's policy (the functions to confine, per build-id). */
#include <stdlib.h>
#include "cli.h"
#include "policy.h"

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

/* The policy text of the usable reports; NULL when out of memory. */
static char *build(const struct cli_scan *s)
{
	struct policy p = { 0 };
	char digest[17], *text;
	int err = 0;

	for (size_t i = 0; !err && i < s->nok; i++)
		err = policy_add_report(&p, s->ok[i], s->rules);
	policy_digest(rules_builtin(), digest);
	text = err ? NULL : policy_render(&p, digest);
	policy_clear(&p);
	return text;
}

static int run(void *opts, char **paths, int npaths)
{
	struct common_opts *c = opts;
	struct cli_scan s = { 0 };
	int status = EXIT_TROUBLE;

	c->fleet.no_saved = true;   /* a policy needs the binaries, not saved results */
	/* A policy without one of the modules asked for would confine less than expected. */
	if (cli_scan_run(&s, c, paths, npaths) == 0 && !s.res.failed && cli_write_free(c, build(&s)) == 0)
		status = EXIT_CLEAN;
	cli_scan_free(&s);
	return status;
}

int cmd_policy(int argc, char **argv)
{
	static const struct cli_command cmd = {
		"policy", usage, CLI_OUTPUT | CLI_RULES | CLI_JOBS, NULL, NULL, "PATH", NULL, NULL, run,
	};
	struct common_opts c;

	return cli_main(&cmd, &c, &c, argc, argv);
}
