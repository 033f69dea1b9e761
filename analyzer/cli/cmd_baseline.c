/* confine baseline: writes the current findings as the baseline that 'confine check' accepts. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "baseline.h"
#include "cli.h"

static const char usage[] =
	"usage: confine baseline [options] PATH... -o FILE\n"
	"Write the findings of PATH... as a baseline for 'confine check': a text file with one\n"
	"finding per line (fingerprint, kind, module, function, name, reason), sorted. When FILE\n"
	"exists, its [accepted] section (findings accepted by hand, with a reason) is kept exactly\n"
	"as it is and only the [generated] section is rewritten.\n"
	"\n"
	"  -o, --output FILE    the baseline file (default: standard output)\n"
	"      --suppressions FILE\n"
	"                       leave out the findings that a kind:pattern line of FILE matches\n"
	"      --rules FILE     add rules from FILE (format: confine-rules(5)); repeatable\n"
	"      --libc SET       rule set: glibc, posix or any (default any)\n"
	"  -j, --jobs N         parallel jobs (default: number of cores)\n"
	FLEET_USAGE
	"  -v, --verbose        more messages on stderr\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0 the baseline was written, 2 an input was unusable (then nothing is written),\n"
	"FILE or the suppressions file is malformed, or the command line is wrong.\n";

/* The existing file's [accepted] section; a missing or empty file (from mktemp or touch) is an
 * empty baseline, and so is a device or pipe (-o /dev/stdout would read its own output). */
static int load_existing(const struct common_opts *c, struct baseline *b)
{
	struct stat st;

	if (!c->output || stat(c->output, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
		return 0;
	return baseline_load(b, c->output, &cli_diag) ? -1 : 0;
}

/* Regenerates b from the reports and writes it to -o FILE or standard output; 0 or -1/-errno
 * (reported). */
static int write_baseline(const struct common_opts *c, struct baseline *b, const struct cli_scan *s)
{
	size_t accepted = 0;
	int err;

	if (baseline_regenerate(b, s->ok, s->nok)) {
		cli_error("out of memory");
		return -1;
	}
	if (!c->output)
		return cli_write_free(c, baseline_render(b));
	if ((err = baseline_save(b, c->output, &cli_diag)) != 0) {
		if (err == -ENOMEM)
			cli_error("out of memory");
		return err;
	}
	for (size_t i = 0; i < b->n; i++)
		accepted += b->v[i].section == BASELINE_ACCEPTED;
	cli_error("%s: %zu generated entr%s, %zu accepted", c->output, b->n - accepted,
		  b->n - accepted == 1 ? "y" : "ies", accepted);
	return 0;
}

static int run(void *opts, char **paths, int npaths)
{
	const struct common_opts *c = opts;
	struct baseline b = { 0 };
	struct cli_scan s = { 0 };
	int status = EXIT_TROUBLE;

	if (load_existing(c, &b) || cli_scan_run(&s, c, paths, npaths))
		goto out;
	if (s.res.failed)
		cli_error("error: baseline not written: an input was unusable");
	else if (write_baseline(c, &b, &s) == 0)
		status = EXIT_CLEAN;
out:
	baseline_free(&b);
	cli_scan_free(&s);
	return status;
}

int cmd_baseline(int argc, char **argv)
{
	static const struct cli_command cmd = {
		"baseline", usage, CLI_OUTPUT | CLI_RULES | CLI_JOBS | CLI_SUPPRESS | CLI_VERBOSE | CLI_FLEET,
		NULL, NULL, "PATH", NULL, NULL, run,
	};
	struct common_opts c;

	return cli_main(&cmd, &c, &c, argc, argv);
}
