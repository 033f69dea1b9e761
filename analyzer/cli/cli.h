/* CLI: shared pieces of the confine subcommands (a thin layer over the analyzer library). */
#ifndef CONFINE_CLI_H
#define CONFINE_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include "analysis.h"
#include "fleet.h"
#include "input.h"
#include "rules.h"

/* Exit statuses, documented in README.md. */
enum {
	EXIT_CLEAN = 0,      /* every input scanned (scan), nothing new (check) */
	EXIT_NEW = 1,        /* check: new findings */
	EXIT_TROUBLE = 2,    /* unusable input, bad command line, unreadable rules or baseline */
};

/* Options every analyzing subcommand accepts. */
struct common_opts {
	struct strlist rule_files;
	unsigned libc;
	int jobs;
	bool color;
	const char *output;     /* NULL: standard output */
	enum disasm_decoder decoder;   /* --decoder: zydis (default) or capstone */
	struct fleet_opts fleet;  /* --shard, --cache */
};

int cmd_scan(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_graph(int argc, char **argv);

/* "confine: " + message on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sets defaults: every core, libc any, colour when stdout is a terminal and NO_COLOR unset. */
void cli_common_init(struct common_opts *c);

/* Handles one of the common long options (--rules, --libc, -j/--jobs, --no-color, -o/--output);
 * returns 1 when handled, 0 when not one of them, -1 on a bad value (reported). */
int cli_common_option(struct common_opts *c, int opt, const char *arg);

/* Built-in rules plus --rules files; NULL after reporting an error. */
struct rules *cli_load_rules(const struct common_opts *c);

/* Expands PATH arguments; returns 0 or -1 (out of memory, reported). */
int cli_expand(struct input_list *list, char **paths, int n);

/* Reports a getopt failure ('?' unknown option, ':' missing value; opterr is 0 and optstrings
 * start with ':') in one line. */
void cli_bad_option(const char *cmd, int opt, char **argv);

/* Writes text to --output (replaced at once: never a partial file) or stdout; returns 0 or -1
 * (reported). */
int cli_write(const struct common_opts *c, const char *text);

/* A report written piece by piece: to standard output, or to -o's file through PATH.tmp.PID,
 * renamed over it when the report is complete (as cli_write does). */
struct cli_stream {
	FILE *f;
	char *tmp;
};

/* Opens the output; 0, or -1 after reporting the error. */
int cli_stream_open(const struct common_opts *c, struct cli_stream *s);

/* Closes it: with err 0 the file is put in place, else it is removed. err: 0, -ENOMEM (reported
 * by the caller) or a write error (-errno, reported here, like one found while closing).
 * Returns 0, or -1 after an error. */
int cli_stream_close(const struct common_opts *c, struct cli_stream *s, int err);

#endif
