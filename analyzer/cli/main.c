/* confine: command-line entry point; dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "version.h"

static const char usage[] =
	"usage: confine COMMAND [options] ...\n"
	"Find and confine thread-hostile state in legacy C/C++ binaries.\n"
	"\n"
	"commands:\n"
	"  scan PATH...     audit ELF objects for mutable globals, statics and non-reentrant calls\n"
	"  baseline PATH... -o FILE\n"
	"                   write the current findings as the baseline that check accepts\n"
	"  check --baseline FILE PATH...\n"
	"                   CI gate: exit 1 on new findings that fail it, 0 when nothing fails,\n"
	"                   2 on unusable input or baseline\n"
	"  run -- PROGRAM   run a program under the runtime guard (libconfine_guard.so)\n"
	"  policy PATH...   write the runtime guard's policy (functions to confine, by build-id)\n"
	"  rules            print the active rules (built-in, --rules files, --libc selection)\n"
	"  graph PATH...    draw entry points -> functions -> state as DOT or an HTML page\n"
	"\n"
	"options:\n"
	"  -h, --help       this help\n"
	"  -V, --version    print the version\n"
	"\n"
	"Run 'confine COMMAND --help' for the options of a command. Manual pages: confine(1),\n"
	"confine-COMMAND(1) for each command, confine-guard(7) for the runtime guard (its options\n"
	"and reports), confine-rules(5) for rule files.\n";

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "scan", cmd_scan },
	{ "baseline", cmd_baseline },
	{ "check", cmd_check },
	{ "rules", cmd_rules },
	{ "run", cmd_run },
	{ "policy", cmd_policy },
	{ "graph", cmd_graph },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_TROUBLE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, stdout);
		return EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("confine %s\n", CONFINE_VERSION);
		return EXIT_CLEAN;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	cli_error("'%s' is not a command (try 'confine --help')", argv[1]);
	return EXIT_TROUBLE;
}
