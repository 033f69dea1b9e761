/* CLI: option handling, rule loading, input expansion and output shared by subcommands. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
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

int cli_stream_open(const struct common_opts *c, struct cli_stream *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (!c->output) {
		s->f = stdout;
		return 0;
	}
	/* Like cli_write: a regular file is replaced at once, through PATH.tmp.PID. */
	if ((stat(c->output, &st) || S_ISREG(st.st_mode)) &&
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
